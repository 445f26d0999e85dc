/* Why a socketpair, as for ProxyJump tunnels (tunnel.c): libssh2 reads and
 * writes one socket descriptor, so the command gets one end as both stdin
 * and stdout and the session the other, with no thread in between. libssh2
 * makes the socket non-blocking and sends with MSG_NOSIGNAL, so a command
 * that dies makes writes fail with EPIPE, not kill cswarm with SIGPIPE. */
#include "ssh/proxycmd.h"
#include "util/util.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum { HANGUP_WAIT_MS = 2000 };

struct proxycmd {
	pid_t pid;
	int reaped;
	int status;
};

static int spawn(const char *command, int child_fd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t dfl;
	char *argv[] = { "sh", "-c", (char *)command, NULL };

	/* The command gets default signal handling whatever cswarm's is. */
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGHUP);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, child_fd, 0);
	posix_spawn_file_actions_adddup2(&fa, child_fd, 1);
	int r = posix_spawn(pid, "/bin/sh", &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return r;
}

int proxycmd_start(const char *command, struct proxycmd **out, int *fd, struct strbuf *err)
{
	int pair[2];
	pid_t pid;

	/* Both ends close-on-exec: dup2 onto 0 and 1 clears it for the child. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
		sb_addf(err, "ProxyCommand: socketpair: %s", strerror(errno));
		return -1;
	}
	int r = spawn(command, pair[1], &pid);
	close(pair[1]);
	if (r != 0) {
		close(pair[0]);
		sb_addf(err, "ProxyCommand: cannot run /bin/sh: %s", strerror(r));
		return -1;
	}
	*out = xcalloc(1, sizeof(**out));
	(*out)->pid = pid;
	*fd = pair[0];
	return 0;
}

static int try_reap(struct proxycmd *p)
{
	if (!p->reaped && waitpid(p->pid, &p->status, WNOHANG) == p->pid)
		p->reaped = 1;
	return p->reaped;
}

int proxycmd_describe_exit(struct proxycmd *p, struct strbuf *err)
{
	/* The command may still be writing its last words: give it a moment. */
	for (int i = 0; i < 50 && !try_reap(p); i++)
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000000 }, NULL);
	if (!p->reaped)
		return 0;
	if (WIFEXITED(p->status))
		sb_addf(err, " (ProxyCommand exited with status %d)", WEXITSTATUS(p->status));
	else if (WIFSIGNALED(p->status))
		sb_addf(err, " (ProxyCommand killed by signal %d)", WTERMSIG(p->status));
	return 1;
}

void proxycmd_close(struct proxycmd *p)
{
	if (!p)
		return;
	if (!try_reap(p)) {
		/* As OpenSSH: SIGHUP; then, if it lingers, SIGKILL. */
		kill(p->pid, SIGHUP);
		for (int i = 0; i < HANGUP_WAIT_MS / 10 && !try_reap(p); i++)
			nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000000 }, NULL);
		if (!p->reaped) {
			kill(p->pid, SIGKILL);
			while (waitpid(p->pid, &p->status, 0) < 0 && errno == EINTR)
				;
		}
	}
	free(p);
}
