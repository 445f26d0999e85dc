/* One SSH connection: TCP (or a ProxyJump tunnel, or a ProxyCommand's
 * stdin/stdout), handshake, host key
 * check, authentication, then commands over channels.
 *
 * Handshake and authentication run in blocking mode bounded by
 * libssh2_session_set_timeout (the agent code is simplest that way); after
 * that the session is non-blocking so one command can stream stdin while
 * draining stdout and stderr under a deadline. */
#include "ssh/ssh.h"
#include "ssh/knownhosts.h"
#include "ssh/proxycmd.h"
#include "ssh/tunnel.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <libssh2.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct ssh_conn {
	int fd;
	LIBSSH2_SESSION *session;
	struct ssh_conn *jump;	/* connection to the ProxyJump host */
	struct tunnel *tunnel;	/* pumps fd <-> a channel of jump */
	struct proxycmd *proxy;	/* the ProxyCommand at the other end of fd */
	char *name;
	enum ssh_fail broken;	/* a command was abandoned (timeout, cancel, error): why */
	atomic_int refs;	/* owners: ssh_conn_share adds one, ssh_close drops one */
};

const char *ssh_fail_reason(enum ssh_fail f)
{
	switch (f) {
	case SSH_OK: return "ok";
	case SSH_FAIL_RESOLVE: return "unknown host";
	case SSH_FAIL_REFUSED: return "refused";
	case SSH_FAIL_TIMEOUT: return "timeout";
	case SSH_FAIL_UNREACHABLE: return "unreachable";
	case SSH_FAIL_HOSTKEY: return "host key";
	case SSH_FAIL_AUTH: return "auth";
	case SSH_FAIL_PROTOCOL: return "ssh error";
	case SSH_FAIL_PROXY: return "proxy";
	case SSH_FAIL_OUTPUT: return "output too large";
	}
	return "error";
}

int ssh_global_init(void)
{
	return libssh2_init(0);
}

void ssh_global_cleanup(void)
{
	libssh2_exit();
}

void ssh_target_free(struct ssh_target *t)
{
	if (!t)
		return;
	free(t->name);
	free(t->address);
	free(t->user);
	for (size_t i = 0; i < t->nidentities; i++)
		free(t->identities[i]);
	free(t->identities);
	for (size_t i = 0; i < t->nknown_hosts; i++)
		free(t->known_hosts[i]);
	free(t->known_hosts);
	free(t->proxy_command);
	free(t->proxy_spec);
	if (t->jump) {
		ssh_target_free(t->jump);
		free(t->jump);
	}
	memset(t, 0, sizeof(*t));
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static enum ssh_fail errno_fail(int e)
{
	switch (e) {
	case ECONNREFUSED: return SSH_FAIL_REFUSED;
	case ETIMEDOUT: return SSH_FAIL_TIMEOUT;
	default: return SSH_FAIL_UNREACHABLE;
	}
}

/* Non-blocking connect bounded by the deadline; returns a blocking socket. */
static enum ssh_fail connect_addr(const struct addrinfo *ai, long long deadline, int *fdp, int *errp)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) {
		*errp = errno;
		return SSH_FAIL_UNREACHABLE;
	}
	int e = 0;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		e = errno;
		if (e == EINPROGRESS) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			long long left = deadline ? deadline - now_ms() : -1;
			int r = left != 0 ? poll(&p, 1, left > 0 ? (int)left : -1) : 0;
			socklen_t len = sizeof(e);
			if (r <= 0)
				e = ETIMEDOUT;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
				e = errno;
		}
	}
	if (e) {
		close(fd);
		*errp = e;
		return errno_fail(e);
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	int flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	*fdp = fd;
	return SSH_OK;
}

static enum ssh_fail tcp_connect(const struct ssh_target *t, int *fdp, struct strbuf *err)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *res = NULL;
	char port[16];
	snprintf(port, sizeof(port), "%d", t->port ? t->port : 22);
	int r = getaddrinfo(t->address, port, &hints, &res);
	if (r != 0) {
		sb_addf(err, "cannot resolve %s: %s", t->address, gai_strerror(r));
		return SSH_FAIL_RESOLVE;
	}
	/* ConnectTimeout 0: no deadline, as OpenSSH. */
	long long deadline = t->connect_timeout_ms ? now_ms() + t->connect_timeout_ms : 0;
	enum ssh_fail f = SSH_FAIL_UNREACHABLE;
	int e = 0;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		f = connect_addr(ai, deadline, fdp, &e);
		if (f == SSH_OK || (deadline && now_ms() >= deadline))
			break;
	}
	freeaddrinfo(res);
	/* The time given: which of --connect-timeout, ConnectTimeout and the
	 * default applied is not obvious. */
	if (f != SSH_OK && e == ETIMEDOUT)
		sb_addf(err, "connect to %s port %s: timed out after %ld ms", t->address, port,
			t->connect_timeout_ms);
	else if (f != SSH_OK)
		sb_addf(err, "connect to %s port %s: %s", t->address, port, strerror(e));
	return f;
}

static void session_error(LIBSSH2_SESSION *s, const char *what, struct strbuf *err)
{
	char *msg = NULL;
	libssh2_session_last_error(s, &msg, NULL, 0);
	sb_addf(err, "%s: %s", what, msg && *msg ? msg : "failed");
}

static enum ssh_fail handshake(struct ssh_conn *c, const struct ssh_target *t, struct strbuf *err)
{
	struct kh kh = { 0 };
	enum ssh_fail f = SSH_FAIL_PROTOCOL;

	if (kh_load(&kh, c->session, t, err) < 0)
		goto out;
	char *prefs = kh_hostkey_prefs(&kh);
	if (prefs && libssh2_session_method_pref(c->session, LIBSSH2_METHOD_HOSTKEY, prefs) != 0) {
		/* An algorithm this libssh2 lacks (e.g. rsa-sha2 in 1.10): keep its default. */
		libssh2_session_method_pref(c->session, LIBSSH2_METHOD_HOSTKEY, NULL);
	}
	free(prefs);
	int r = libssh2_session_handshake(c->session, c->fd);
	if (r != 0) {
		f = r == LIBSSH2_ERROR_TIMEOUT ? SSH_FAIL_TIMEOUT : SSH_FAIL_PROTOCOL;
		session_error(c->session, "ssh handshake", err);
		goto out;
	}
	f = kh_verify(&kh, c->session, err);
out:
	kh_free(&kh);
	return f;
}

/* Try the agent's identities; 0 when one was accepted. */
static int auth_agent(LIBSSH2_SESSION *s, const char *user)
{
	if (!getenv("SSH_AUTH_SOCK"))
		return -1;
	LIBSSH2_AGENT *agent = libssh2_agent_init(s);
	if (!agent)
		return -1;
	int ok = -1;
	if (libssh2_agent_connect(agent) == 0 && libssh2_agent_list_identities(agent) == 0) {
		struct libssh2_agent_publickey *id = NULL, *prev = NULL;
		while (libssh2_agent_get_identity(agent, &id, prev) == 0) {
			if (libssh2_agent_userauth(agent, user, id) == 0) {
				ok = 0;
				break;
			}
			prev = id;
		}
		libssh2_agent_disconnect(agent);
	}
	libssh2_agent_free(agent);
	return ok;
}

static enum ssh_fail authenticate(struct ssh_conn *c, const struct ssh_target *t, struct strbuf *err)
{
	const char *passphrase = getenv("CSWARM_SSH_PASSPHRASE");
	int tried = 0;

	if (!t->identities_only && auth_agent(c->session, t->user) == 0)
		return SSH_OK;
	for (size_t i = 0; i < t->nidentities; i++) {
		if (access(t->identities[i], R_OK) != 0)
			continue;
		tried++;
		int r = libssh2_userauth_publickey_fromfile_ex(c->session, t->user, strlen(t->user),
							       NULL, t->identities[i], passphrase);
		if (r == 0)
			return SSH_OK;
		if (r == LIBSSH2_ERROR_TIMEOUT) {
			session_error(c->session, "authentication", err);
			return SSH_FAIL_TIMEOUT;
		}
	}
	sb_addf(err, "authentication as %s failed (%s%d key file%s tried)", t->user,
		t->identities_only ? "" : "agent and ", tried, tried == 1 ? "" : "s");
	return SSH_FAIL_AUTH;
}

static enum ssh_fail open_transport(struct ssh_conn *c, const struct ssh_target *t, struct strbuf *err)
{
	if (t->proxy_command)
		return proxycmd_start(t->proxy_command, &c->proxy, &c->fd, err) ? SSH_FAIL_PROXY : SSH_OK;
	if (!t->jump)
		return tcp_connect(t, &c->fd, err);
	struct strbuf jerr = STRBUF_INIT;
	enum ssh_fail f = ssh_connect(t->jump, &c->jump, &jerr);
	if (f != SSH_OK) {
		sb_addf(err, "jump host %s: %s", t->jump->name, sb_str(&jerr));
		sb_free(&jerr);
		return f == SSH_FAIL_TIMEOUT ? f : SSH_FAIL_PROXY;
	}
	sb_free(&jerr);
	if (tunnel_open(c->jump->session, c->jump->fd, t->address, t->port ? t->port : 22,
			t->connect_timeout_ms, &c->tunnel, &c->fd, err) != 0)
		return SSH_FAIL_PROXY;
	return SSH_OK;
}

enum ssh_fail ssh_connect(const struct ssh_target *t, struct ssh_conn **out, struct strbuf *err)
{
	struct ssh_conn *c = xcalloc(1, sizeof(*c));
	enum ssh_fail f;

	c->fd = -1;
	atomic_init(&c->refs, 1);
	c->name = xstrdup(t->name);
	f = open_transport(c, t, err);
	if (f != SSH_OK)
		goto fail;
	c->session = libssh2_session_init();
	if (!c->session) {
		sb_adds(err, "cannot create ssh session");
		f = SSH_FAIL_PROTOCOL;
		goto fail;
	}
	libssh2_session_set_blocking(c->session, 1);
	libssh2_session_set_timeout(c->session, t->connect_timeout_ms);
	f = handshake(c, t, err);
	if (f == SSH_OK)
		f = authenticate(c, t, err);
	/* A ProxyCommand that went away is the cause, whatever libssh2 saw. */
	if (f != SSH_OK && c->proxy && proxycmd_describe_exit(c->proxy, err))
		f = SSH_FAIL_PROXY;
	if (f != SSH_OK)
		goto fail;
	/* Keepalives only after auth: libssh2 may send one mid-handshake otherwise. */
	if (t->keepalive_s > 0)
		libssh2_keepalive_config(c->session, 1, (unsigned)t->keepalive_s);
	libssh2_session_set_timeout(c->session, 0);
	libssh2_session_set_blocking(c->session, 0);
	*out = c;
	return SSH_OK;
fail:
	ssh_close(c);
	*out = NULL;
	return f;
}

struct ssh_conn *ssh_conn_share(struct ssh_conn *c)
{
	if (c)
		atomic_fetch_add(&c->refs, 1);
	return c;
}

void ssh_close(struct ssh_conn *c)
{
	if (!c || atomic_fetch_sub(&c->refs, 1) > 1)
		return;
	/* A session abandoned mid-command cannot close its channel politely:
	 * over a dead link libssh2_session_free would time out waiting and
	 * free nothing. With the socket shut it fails fast and frees all. */
	if (c->broken && c->fd >= 0)
		shutdown(c->fd, SHUT_RDWR);
	if (c->session) {
		libssh2_session_set_blocking(c->session, 1);
		libssh2_session_set_timeout(c->session, 2000);
		libssh2_session_disconnect(c->session, "bye");
		if (libssh2_session_free(c->session) != 0 && c->fd >= 0) {
			/* A peer that stopped answering (a link cut mid-run):
			 * libssh2 waited in vain for its channels to close and
			 * kept the session. Cut the socket: the second free
			 * fails fast on it and frees everything. */
			shutdown(c->fd, SHUT_RDWR);
			libssh2_session_free(c->session);
		}
	}
	if (c->fd >= 0)
		close(c->fd);
	proxycmd_close(c->proxy);
	tunnel_close(c->tunnel);
	ssh_close(c->jump);
	free(c->name);
	free(c);
}

void ssh_result_init(struct ssh_result *r)
{
	memset(r, 0, sizeof(*r));
	sb_init(&r->out);
	sb_init(&r->err);
	r->exit_status = -1;
}

void ssh_result_free(struct ssh_result *r)
{
	sb_free(&r->out);
	sb_free(&r->err);
	free(r->exit_signal);
	r->exit_signal = NULL;
}

/* Wait until the socket is ready in the direction libssh2 is blocked on,
 * or the deadline (0 = none) passes. Returns 0 when it is time to retry. */
static int wait_socket(struct ssh_conn *c, long long deadline)
{
	int dir = libssh2_session_block_directions(c->session);
	struct pollfd p = { .fd = c->fd };
	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		p.events |= POLLIN;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		p.events |= POLLOUT;
	if (!p.events)
		p.events = POLLIN;
	int ms = 1000;
	if (deadline) {
		long long left = deadline - now_ms();
		if (left <= 0)
			return -1;
		if (left < ms)
			ms = (int)left;
	}
	int next_keepalive = 0;
	if (libssh2_keepalive_send(c->session, &next_keepalive) == 0 &&
	    next_keepalive > 0 && next_keepalive * 1000 < ms)
		ms = next_keepalive * 1000;
	return poll(&p, 1, ms) < 0 && errno != EINTR ? -1 : 0;
}

/* Retry a non-blocking libssh2 call until it stops saying EAGAIN. */
#define RETRY(c, deadline, rc, call) \
	while (((rc) = (call)) == LIBSSH2_ERROR_EAGAIN && wait_socket((c), (deadline)) == 0)

static LIBSSH2_CHANNEL *open_channel(struct ssh_conn *c, long long deadline)
{
	LIBSSH2_CHANNEL *ch;
	while (!(ch = libssh2_channel_open_session(c->session)) &&
	       libssh2_session_last_errno(c->session) == LIBSSH2_ERROR_EAGAIN &&
	       wait_socket(c, deadline) == 0)
		;
	return ch;
}

size_t ssh_output_limit(void)
{
	const char *env = getenv("CSWARM_MAX_OUTPUT");
	char *end;
	unsigned long long v = env && *env ? strtoull(env, &end, 10) : 0;
	return v > 0 && !*end && v <= SIZE_MAX / 2 ? (size_t)v : SSH_DEFAULT_MAX_OUTPUT;
}

struct pump {
	struct ssh_conn *c;
	LIBSSH2_CHANNEL *ch;
	const struct ssh_exec *x;
	struct ssh_result *res;
	size_t sent;
	int eof_sent;
	int hold_stdin;		/* ssh_hold: never send EOF */
	const char *until;	/* ssh_hold: the line that ends the start (NULL: any) */
	size_t scanned;		/* of res->out, for until */
	size_t limit;		/* of kept output */
	int overflow;		/* more than limit arrived: stop */
};

static void deliver(struct pump *p, int stream, const char *buf, size_t n)
{
	if (p->x->on_output) {
		p->x->on_output(stream, buf, n, p->x->on_output_arg);
	} else if (p->res->out.len + p->res->err.len + n > p->limit) {
		p->overflow = 1;
	} else {
		sb_add(stream ? &p->res->err : &p->res->out, buf, n);
	}
}

static int feed_stdin(struct pump *p)
{
	if (p->sent < p->x->stdin_len) {
		ssize_t n = libssh2_channel_write(p->ch, (const char *)p->x->stdin_data + p->sent,
						  p->x->stdin_len - p->sent);
		if (n < 0 && n != LIBSSH2_ERROR_EAGAIN)
			return (int)n;
		if (n > 0)
			p->sent += (size_t)n;
		return n > 0;
	}
	if (!p->eof_sent && !p->hold_stdin) {
		int r = libssh2_channel_send_eof(p->ch);
		if (r == 0)
			p->eof_sent = 1;
		else if (r != LIBSSH2_ERROR_EAGAIN)
			return r;
	}
	return 0;
}

/* Move what can move without blocking; returns <0 on error, 1 when the
 * remote side finished, 2 after progress, 0 when it should wait. */
static int pump_once(struct pump *p)
{
	char buf[32768];
	ssize_t n = 0;
	int progressed = feed_stdin(p);

	if (progressed < 0)
		return progressed;
	for (int stream = 0; stream < 2 && !p->overflow; stream++) {
		while (!p->overflow && (n = libssh2_channel_read_ex(p->ch, stream, buf, sizeof(buf))) > 0) {
			deliver(p, stream, buf, (size_t)n);
			progressed = 1;
		}
		if (n < 0 && n != LIBSSH2_ERROR_EAGAIN)
			return (int)n;
	}
	/* The command may exit without reading all of its stdin. */
	if (libssh2_channel_eof(p->ch))
		return 1;
	return progressed ? 2 : 0;
}

static void collect_exit(struct ssh_conn *c, LIBSSH2_CHANNEL *ch, struct ssh_result *res, long long deadline)
{
	int rc;
	RETRY(c, deadline, rc, libssh2_channel_close(ch));
	RETRY(c, deadline, rc, libssh2_channel_wait_closed(ch));
	char *sig = NULL;
	size_t siglen = 0;
	libssh2_channel_get_exit_signal(ch, &sig, &siglen, NULL, NULL, NULL, NULL);
	if (sig) {
		res->exit_signal = xstrndup(sig, siglen);
		res->exit_status = -1;
		libssh2_free(c->session, sig);
	} else {
		res->exit_status = libssh2_channel_get_exit_status(ch);
	}
}

static enum ssh_fail start_command(struct ssh_conn *c, const char *command, long long deadline,
				   LIBSSH2_CHANNEL **out, struct strbuf *err)
{
	/* A connection shared by two fleets (ssh_conn_share) that one of
	 * them abandoned: the other fails at once instead of a timeout more. */
	if (c->broken) {
		sb_adds(err, "connection abandoned after an earlier command failed");
		return c->broken;
	}
	LIBSSH2_CHANNEL *ch = open_channel(c, deadline);
	int rc;

	if (!ch) {
		session_error(c->session, "open channel", err);
		return deadline && now_ms() >= deadline ? SSH_FAIL_TIMEOUT : SSH_FAIL_PROTOCOL;
	}
	RETRY(c, deadline, rc, libssh2_channel_exec(ch, command));
	if (rc != 0) {
		session_error(c->session, "exec", err);
		libssh2_channel_free(ch);
		return rc == LIBSSH2_ERROR_EAGAIN ? SSH_FAIL_TIMEOUT : SSH_FAIL_PROTOCOL;
	}
	*out = ch;
	return SSH_OK;
}

static long long deadline_of(long timeout_ms);

/* Pump until the remote side finishes, or until stop(p) says so. */
static enum ssh_fail pump_until(struct pump *p, long long deadline, int (*stop)(struct pump *),
				struct strbuf *err)
{
	for (;;) {
		int rc = pump_once(p);
		if (p->overflow) {
			sb_addf(err, "output exceeds %zu bytes (a broken or hostile host? "
				"CSWARM_MAX_OUTPUT raises the limit)", p->limit);
			return SSH_FAIL_OUTPUT;
		}
		if (rc == 1 || (stop && stop(p)))
			return SSH_OK;
		if (rc == 2 && p->x->idle_timeout)
			deadline = deadline_of(p->x->timeout_ms);
		if (rc < 0) {
			p->c->broken = SSH_FAIL_PROTOCOL;
			session_error(p->c->session, "channel", err);
			return SSH_FAIL_PROTOCOL;
		}
		if (p->x->cancel && atomic_load(p->x->cancel)) {
			p->c->broken = SSH_FAIL_TIMEOUT;
			sb_adds(err, "cancelled");
			return SSH_FAIL_TIMEOUT;
		}
		if (rc == 0 && wait_socket(p->c, deadline) != 0) {
			p->c->broken = SSH_FAIL_TIMEOUT;
			p->res->timed_out = 1;
			sb_addf(err, "command timed out after %ld ms%s", p->x->timeout_ms,
				p->x->idle_timeout ? " without output" : "");
			return SSH_FAIL_TIMEOUT;
		}
	}
}

static long long deadline_of(long timeout_ms)
{
	return timeout_ms > 0 ? now_ms() + timeout_ms : 0;
}

enum ssh_fail ssh_exec(struct ssh_conn *c, const struct ssh_exec *x, struct ssh_result *res,
		       struct strbuf *err)
{
	long long deadline = deadline_of(x->timeout_ms);
	LIBSSH2_CHANNEL *ch;
	enum ssh_fail f = start_command(c, x->command, deadline, &ch, err);
	if (f != SSH_OK)
		return f;
	struct pump p = { .c = c, .ch = ch, .x = x, .res = res, .limit = ssh_output_limit() };
	f = pump_until(&p, deadline, NULL, err);
	if (f == SSH_OK)
		collect_exit(c, ch, res, deadline);
	libssh2_channel_free(ch);
	return f;
}

struct ssh_hold {
	struct ssh_conn *c;
	LIBSSH2_CHANNEL *ch;
};

/* Has the held command said enough: its first line, or a whole line that
 * starts with p->until? Looks at each byte of output about once. */
static int held_enough(struct pump *p)
{
	const struct strbuf *o = &p->res->out;
	if (!o->len)
		return 0;
	if (!p->until)
		return memchr(o->buf, '\n', o->len) != NULL;
	size_t n = strlen(p->until);
	const char *end = o->buf + o->len;
	for (const char *at = o->buf + p->scanned;
	     (at = memmem(at, (size_t)(end - at), p->until, n)) != NULL; at++) {
		if (at != o->buf && at[-1] != '\n')
			continue;
		if (memchr(at + n, '\n', (size_t)(end - at - n)))
			return 1;
		p->scanned = (size_t)(at - o->buf);	/* its line is not whole yet */
		return 0;
	}
	p->scanned = o->len > n ? o->len - n : 0;
	return 0;
}

enum ssh_fail ssh_hold(struct ssh_conn *c, const char *command, long timeout_ms,
		       struct ssh_hold **out, struct ssh_result *res, struct strbuf *err)
{
	return ssh_hold_input(c, command, NULL, 0, NULL, timeout_ms, out, res, err);
}

enum ssh_fail ssh_hold_input(struct ssh_conn *c, const char *command, const void *input,
			     size_t input_len, const char *until, long timeout_ms,
			     struct ssh_hold **out, struct ssh_result *res, struct strbuf *err)
{
	long long deadline = deadline_of(timeout_ms);
	struct ssh_exec x = { .command = command, .stdin_data = input, .stdin_len = input_len,
			      .timeout_ms = timeout_ms };
	LIBSSH2_CHANNEL *ch;
	enum ssh_fail f = start_command(c, command, deadline, &ch, err);

	*out = NULL;
	if (f != SSH_OK)
		return f;
	struct pump p = { .c = c, .ch = ch, .x = &x, .res = res, .hold_stdin = 1, .until = until,
			  .limit = ssh_output_limit() };
	f = pump_until(&p, deadline, held_enough, err);
	if (f == SSH_OK && held_enough(&p)) {
		*out = xcalloc(1, sizeof(**out));
		(*out)->c = ssh_conn_share(c);
		(*out)->ch = ch;
		return SSH_OK;
	}
	if (f == SSH_OK)
		collect_exit(c, ch, res, deadline);
	libssh2_channel_free(ch);
	return f;
}

enum ssh_fail ssh_hold_echo(struct ssh_hold *h, const char *line, long timeout_ms,
			    struct strbuf *err)
{
	struct strbuf msg = STRBUF_INIT;
	struct ssh_result res;
	sb_addf(&msg, "%s\n", line);
	struct ssh_exec x = { .command = "", .stdin_data = msg.buf, .stdin_len = msg.len,
			      .timeout_ms = timeout_ms };
	struct pump p = { .c = h->c, .ch = h->ch, .x = &x, .res = &res, .hold_stdin = 1,
			  .until = line, .limit = ssh_output_limit() };
	ssh_result_init(&res);
	enum ssh_fail f = h->c->broken;
	if (f != SSH_OK)
		sb_adds(err, "connection abandoned after an earlier command failed");
	else
		f = pump_until(&p, deadline_of(timeout_ms), held_enough, err);
	if (f == SSH_OK && !held_enough(&p)) {
		sb_adds(err, "the held command ended");
		f = SSH_FAIL_PROTOCOL;
	}
	ssh_result_free(&res);
	sb_free(&msg);
	return f;
}

void ssh_release(struct ssh_hold *h)
{
	if (!h)
		return;
	long long deadline = deadline_of(5000);
	int rc;
	RETRY(h->c, deadline, rc, libssh2_channel_send_eof(h->ch));
	RETRY(h->c, deadline, rc, libssh2_channel_close(h->ch));
	RETRY(h->c, deadline, rc, libssh2_channel_wait_closed(h->ch));
	libssh2_channel_free(h->ch);
	ssh_close(h->c);
	free(h);
}
