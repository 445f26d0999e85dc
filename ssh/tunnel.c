/* Why a thread and a socketpair: libssh2 sessions read and write a socket
 * descriptor, and the inner session's blocking handshake must be able to
 * wait on that descriptor like on any TCP socket. The thread owns the jump
 * session from tunnel_open until tunnel_close. */
#include "ssh/tunnel.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { CLOSE_TIMEOUT_MS = 2000 };

struct tunnel {
	LIBSSH2_SESSION *session;
	LIBSSH2_CHANNEL *channel;
	int jump_fd;
	int pair[2];		/* [0] ours, [1] handed to the inner session */
	pthread_t thread;
	atomic_int stop;
};

/* Bytes read from the inner side that the channel has not taken yet. */
struct pending {
	char buf[16384];
	size_t len, off;
};

static int to_channel(struct tunnel *t, struct pending *pd)
{
	if (pd->off == pd->len) {
		ssize_t n = read(t->pair[0], pd->buf, sizeof(pd->buf));
		if (n == 0)
			return -1;	/* inner session closed */
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		pd->len = (size_t)n;
		pd->off = 0;
	}
	ssize_t w = libssh2_channel_write(t->channel, pd->buf + pd->off, pd->len - pd->off);
	if (w == LIBSSH2_ERROR_EAGAIN)
		return 0;
	if (w < 0)
		return -1;
	pd->off += (size_t)w;
	return 1;
}

static int from_channel(struct tunnel *t)
{
	char buf[16384];
	ssize_t n = libssh2_channel_read(t->channel, buf, sizeof(buf));
	if (n == LIBSSH2_ERROR_EAGAIN)
		return libssh2_channel_eof(t->channel) ? -1 : 0;
	if (n <= 0)
		return -1;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = send(t->pair[0], buf + off, (size_t)(n - off), MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* The inner session is behind: wait for it to read. */
			struct pollfd p = { .fd = t->pair[0], .events = POLLOUT };
			poll(&p, 1, 1000);
			continue;
		}
		if (w < 0 && errno != EINTR)
			return -1;
		if (w > 0)
			off += w;
	}
	return 1;
}

static void *pump(void *arg)
{
	struct tunnel *t = arg;
	struct pending pd = { .len = 0 };

	while (!atomic_load(&t->stop)) {
		int a = to_channel(t, &pd);
		int b = from_channel(t);
		if (a < 0 || b < 0)
			break;
		if (a || b)
			continue;
		struct pollfd p[2] = {
			{ .fd = t->pair[0], .events = pd.off == pd.len ? POLLIN : 0 },
			{ .fd = t->jump_fd, .events = POLLIN },
		};
		if (libssh2_session_block_directions(t->session) & LIBSSH2_SESSION_BLOCK_OUTBOUND)
			p[1].events |= POLLOUT;
		poll(p, 2, 200);
	}
	/* Wake the inner session: its reads now see EOF. */
	shutdown(t->pair[0], SHUT_RDWR);
	return NULL;
}

static LIBSSH2_CHANNEL *open_direct(LIBSSH2_SESSION *s, int fd, const char *host, int port,
				    long timeout_ms)
{
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		LIBSSH2_CHANNEL *ch = libssh2_channel_direct_tcpip(s, host, port);
		if (ch || libssh2_session_last_errno(s) != LIBSSH2_ERROR_EAGAIN)
			return ch;
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long spent = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (timeout_ms > 0 && spent >= timeout_ms)	/* 0: no timeout */
			return NULL;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (libssh2_session_block_directions(s) & LIBSSH2_SESSION_BLOCK_OUTBOUND)
			p.events |= POLLOUT;
		poll(&p, 1, timeout_ms > 0 ? (int)(timeout_ms - spent) : -1);
	}
}

int tunnel_open(LIBSSH2_SESSION *jump, int jump_fd, const char *host, int port,
		long timeout_ms, struct tunnel **out, int *local_fd, struct strbuf *err)
{
	struct tunnel *t = xcalloc(1, sizeof(*t));
	t->session = jump;
	t->jump_fd = jump_fd;
	t->channel = open_direct(jump, jump_fd, host, port, timeout_ms);
	if (!t->channel) {
		char *msg = NULL;
		libssh2_session_last_error(jump, &msg, NULL, 0);
		sb_addf(err, "jump host cannot reach %s port %d: %s", host, port,
			msg && *msg ? msg : "timed out");
		free(t);
		return -1;
	}
	/* Our end never blocks: one thread serves both directions. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, t->pair) != 0 ||
	    fcntl(t->pair[0], F_SETFL, O_NONBLOCK) != 0 ||
	    pthread_create(&t->thread, NULL, pump, t) != 0) {
		sb_addf(err, "cannot start tunnel: %s", strerror(errno));
		libssh2_channel_free(t->channel);
		free(t);
		return -1;
	}
	*local_fd = t->pair[1];
	*out = t;
	return 0;
}

void tunnel_close(struct tunnel *t)
{
	if (!t)
		return;
	atomic_store(&t->stop, 1);
	pthread_join(t->thread, NULL);
	/* Blocking, bounded: in non-blocking mode the free may stop at EAGAIN
	 * and leave the channel, and then the jump session cannot be freed
	 * once its transport (a ProxyCommand that outlives the server's
	 * close, such as nc) no longer answers. */
	libssh2_session_set_blocking(t->session, 1);
	libssh2_session_set_timeout(t->session, CLOSE_TIMEOUT_MS);
	libssh2_channel_free(t->channel);
	close(t->pair[0]);
	free(t);
}
