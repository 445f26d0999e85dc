/* The cluster lock: flock(1) kept by a remote process that lives exactly
 * as long as its SSH channel. */
#include "state/lock.h"
#include "state/lock_int.h"
#include "state/store.h"
#include "util/shell.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Exit status of the lock script when the lock is held (its "exit 4"). */
enum { HELD = 4 };
/* The shortest wait for the lock, in ms. */
enum { MIN_WAIT_MS = 500 };

/* $1 = directory, $2 = seconds to wait. Stdin: the holder
 * line, then nothing until the channel closes. fd 9 holds the lock; the
 * final `exec cat` inherits it and exits at end of stdin, which comes when
 * the channel closes for any reason: then the lock is gone. */
static const char lock_script[] =
	"umask 077; d=$1; w=$2\n"
	"command -v flock >/dev/null || { echo 'flock not found (install util-linux)' >&2; exit 1; }\n"
	"mkdir -p \"$d\" && exec 9>>\"$d/lock\" || exit 1\n"
	"flock -w \"$w\" 9 || {\n"
	"  printf 'held '; cat \"$d/lock.holder\" 2>/dev/null || echo unknown; exit 4; }\n"
	"IFS= read -r holder\n"
	"printf '%s\\n' \"$holder\" >\"$d/lock.holder\"\n"
	"echo \"locked $$\"\n"
	"exec cat >/dev/null\n";

/* $1 = directory. Prints "unlocked", or "held " and the holder line. */
static const char status_script[] =
	"d=$1\n"
	"[ -d \"$d\" ] || { echo unlocked; exit 0; }\n"
	"command -v flock >/dev/null || { echo 'flock not found (install util-linux)' >&2; exit 1; }\n"
	"if flock -n \"$d/lock\" true; then echo unlocked; else\n"
	"  printf 'held '; cat \"$d/lock.holder\" 2>/dev/null || echo unknown; fi\n";

struct cluster_lock {
	struct ssh_conn *conn;
	struct ssh_hold *hold;
	long pid;		/* of the remote process holding the flock */
};

static void build_command(struct strbuf *cmd, const char *script, const char *dir, const char *arg)
{
	sb_adds(cmd, "sh -c");
	sh_arg(cmd, script);
	sh_arg(cmd, "cswarm-lock");
	sh_arg(cmd, dir);
	if (arg)
		sh_arg(cmd, arg);
}

/* "held LINE\n" -> "lock held by LINE". */
static void describe_holder(const struct strbuf *out, struct strbuf *err)
{
	const char *line = sb_str(out);
	if (starts_with(line, "held "))
		line += 5;
	size_t len = strcspn(line, "\n");
	if (!len) {	/* an empty holder file, or no output at all */
		line = "unknown";
		len = strlen(line);
	}
	sb_addf(err, "lock held by %.*s", (int)len, line);
}

int lock_acquire(const struct ssh_target *t, const char *dir, const char *command_line,
		 long wait_ms, long timeout_ms, struct cluster_lock **out, struct strbuf *err)
{
	struct strbuf cmd = STRBUF_INIT, input = STRBUF_INIT;
	struct ssh_result res;
	struct ssh_conn *conn = NULL;
	struct ssh_hold *hold = NULL;
	char secs[32];
	int ret = EXIT_FAIL;

	*out = NULL;
	if (ssh_connect(t, &conn, err) != SSH_OK)
		return EXIT_UNREACHABLE;
	ssh_result_init(&res);
	/* Without --lock-wait a run still waits a moment: `lock status` takes
	 * the lock for an instant to probe it, which must not refuse a run. */
	if (wait_ms < MIN_WAIT_MS)
		wait_ms = MIN_WAIT_MS;
	snprintf(secs, sizeof(secs), "%ld.%03ld", wait_ms / 1000, wait_ms % 1000);
	build_command(&cmd, lock_script, dir, secs);
	sb_addf(&input, "%s\n", command_line);
	if (ssh_hold_input(conn, cmd.buf, input.buf, input.len, wait_ms + timeout_ms, &hold,
			   &res, err) != SSH_OK) {
		sb_addf(err, " (taking the lock on %s)", t->name);
	} else if (hold && starts_with(sb_str(&res.out), "locked")) {
		*out = xcalloc(1, sizeof(**out));
		(*out)->conn = conn;
		(*out)->hold = hold;
		(*out)->pid = strtol(sb_str(&res.out) + strlen("locked"), NULL, 10);
		conn = NULL;
		hold = NULL;
		ret = 0;
	} else if (res.exit_status == HELD || starts_with(sb_str(&res.out), "held ")) {
		describe_holder(&res.out, err);
		ret = EXIT_LOCKED;
	} else {
		sb_rtrim(&res.err);
		sb_addf(err, "%s: taking the lock in %s failed (exit %d): %s", t->name, dir,
			res.exit_status, sb_str(&res.err));
	}
	ssh_release(hold);
	ssh_close(conn);
	ssh_result_free(&res);
	sb_free(&input);
	sb_free(&cmd);
	return ret;
}

void lock_release(struct cluster_lock *l)
{
	if (!l)
		return;
	ssh_release(l->hold);
	ssh_close(l->conn);
	free(l);
}

int lock_alive(struct cluster_lock *l, long timeout_ms, struct strbuf *err)
{
	struct strbuf cmd = STRBUF_INIT;
	struct ssh_result res;
	int ret = -1;

	sb_addf(&cmd, "kill -0 %ld", l->pid);
	struct ssh_exec x = { .command = cmd.buf, .timeout_ms = timeout_ms };
	ssh_result_init(&res);
	if (l->pid <= 0)
		sb_adds(err, "the lock process did not say its pid");
	else if (ssh_exec(l->conn, &x, &res, err) != SSH_OK)
		;
	else if (res.exit_status != 0)
		sb_addf(err, "the process holding the lock (pid %ld) is gone", l->pid);
	else
		ret = 0;
	ssh_result_free(&res);
	sb_free(&cmd);
	return ret;
}

int lock_status(struct ssh_conn *conn, const char *dir, long timeout_ms, char **holder,
		struct strbuf *err)
{
	struct strbuf cmd = STRBUF_INIT;
	struct ssh_result res;
	int ret = -1;

	*holder = NULL;
	build_command(&cmd, status_script, dir, NULL);
	struct ssh_exec x = { .command = cmd.buf, .timeout_ms = timeout_ms };
	ssh_result_init(&res);
	if (ssh_exec(conn, &x, &res, err) != SSH_OK) {
		;
	} else if (res.exit_status != 0) {
		sb_rtrim(&res.err);
		sb_addf(err, "checking the lock in %s failed (exit %d): %s", dir, res.exit_status,
			sb_str(&res.err));
	} else {
		if (starts_with(res.out.buf, "held ")) {
			struct strbuf line = STRBUF_INIT;
			describe_holder(&res.out, &line);
			*holder = xstrdup(line.buf + strlen("lock held by "));
			sb_free(&line);
		}
		ret = 0;
	}
	ssh_result_free(&res);
	sb_free(&cmd);
	return ret;
}

char *lock_holder_line(int argc, char **argv)
{
	struct strbuf sb = STRBUF_INIT;
	char when[21];
	char *who = state_whoami();

	state_format_time((long long)time(NULL), when);
	sb_addf(&sb, "%s pid %ld since %s: cswarm", who, (long)getpid(), when);
	for (int i = 0; i < argc; i++)
		sb_addf(&sb, " %s", argv[i]);
	free(who);
	state_one_line(sb.buf);
	return sb_detach(&sb);
}

/* For tests/unit/test_lock.c (state/lock_int.h): the scripts run locally. */
void lock_take_command(struct strbuf *cmd, const char *dir, const char *wait_secs)
{
	build_command(cmd, lock_script, dir, wait_secs);
}

void lock_status_command(struct strbuf *cmd, const char *dir)
{
	build_command(cmd, status_script, dir, NULL);
}

void lock_describe_holder(const struct strbuf *out, struct strbuf *err)
{
	describe_holder(out, err);
}
