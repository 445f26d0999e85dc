/* SSH transport: one libssh2 session per host, commands run over it with
 * stdin streamed in and stdout/stderr captured apart. Host keys are checked
 * against known_hosts, strictly by default. */
#ifndef CSWARM_SSH_H
#define CSWARM_SSH_H

#include "util/strbuf.h"

#include <stdatomic.h>
#include <stddef.h>

enum ssh_strict {
	SSH_STRICT_YES = 0,	/* unknown or changed key: refuse (default) */
	SSH_STRICT_ACCEPT_NEW,	/* unknown key: add it (hashed); changed: refuse */
	SSH_STRICT_NO,		/* unknown key: accept without recording; changed: refuse */
};

/* Why a host could not be used; also the STATUS reason in `node ls`. */
enum ssh_fail {
	SSH_OK = 0,
	SSH_FAIL_RESOLVE,	/* name does not resolve */
	SSH_FAIL_REFUSED,	/* TCP connection refused */
	SSH_FAIL_TIMEOUT,	/* connect, handshake or command timed out */
	SSH_FAIL_UNREACHABLE,	/* network or host unreachable, other socket errors */
	SSH_FAIL_HOSTKEY,	/* host key unknown or changed */
	SSH_FAIL_AUTH,		/* no identity was accepted */
	SSH_FAIL_PROTOCOL,	/* handshake or channel failure */
	SSH_FAIL_PROXY,		/* the ProxyJump host or the ProxyCommand failed */
	SSH_FAIL_OUTPUT,	/* the command printed more than ssh_output_limit() */
};

const char *ssh_fail_reason(enum ssh_fail f);

/* Everything needed to reach one host; built by ssh_target_resolve(). */
struct ssh_target {
	char *name;		/* label for messages (inventory name) */
	char *address;
	int port;
	char *user;
	char **identities;	/* private key files to try, in order */
	size_t nidentities;
	int identities_only;	/* skip the agent */
	char **known_hosts;	/* files checked; the first is the one written */
	size_t nknown_hosts;
	size_t nuser_known_hosts;	/* the first ones are UserKnownHostsFile */
	enum ssh_strict strict;
	long connect_timeout_ms;	/* 0 = none */
	int keepalive_s;
	struct ssh_target *jump;	/* ProxyJump host, or NULL */
	char *proxy_command;	/* run by /bin/sh, the session over its stdin/stdout;
				 * tokens expanded; NULL = none */
	char *proxy_spec;	/* "proxyjump ..." or "proxycommand ..." as written,
				 * for ssh_target_render(); NULL = direct */
};

/* The target in `ssh -G` form, one "keyword value" line each: hostname,
 * port, user, identityfile (one per file), proxyjump or proxycommand,
 * userknownhostsfile, stricthostkeychecking, connecttimeout. */
void ssh_target_render(const struct ssh_target *t, struct strbuf *out);

void ssh_target_free(struct ssh_target *t);

struct ssh_conn;

/* Process-wide setup; call once before any thread uses the transport. */
int ssh_global_init(void);
void ssh_global_cleanup(void);

/* Connect, verify the host key, authenticate. On failure returns the reason
 * and describes it in err (one line, no trailing newline). */
enum ssh_fail ssh_connect(const struct ssh_target *t, struct ssh_conn **out,
			  struct strbuf *err);
/* Drops one owner of c; the last closes it. NULL is ignored. */
void ssh_close(struct ssh_conn *c);
/* One more owner of c (returned), for a connection two fleets use (the
 * managers' and every host's), so that a host is logged into once per run.
 * Never used by two threads at once: fleet_each calls run one at a time. */
struct ssh_conn *ssh_conn_share(struct ssh_conn *c);

struct ssh_result {
	struct strbuf out;
	struct strbuf err;
	int exit_status;	/* -1 when killed by a signal or unknown */
	char *exit_signal;	/* "KILL", ... or NULL */
	int timed_out;
};

void ssh_result_init(struct ssh_result *r);
void ssh_result_free(struct ssh_result *r);

/* Called with every chunk of remote output as it arrives (stream 0 = stdout,
 * 1 = stderr); when set, output is not also stored in the result. */
typedef void (*ssh_output_fn)(int stream, const char *data, size_t len, void *arg);

struct ssh_exec {
	const char *command;
	const void *stdin_data;	/* streamed to the command, then EOF */
	size_t stdin_len;
	long timeout_ms;	/* 0 = none */
	/* timeout_ms counts from the last output instead of the start: for
	 * scripts that report each step, so that it bounds a hung host and
	 * not the amount of work sent to it */
	int idle_timeout;
	ssh_output_fn on_output;
	void *on_output_arg;
	/* When set, the command is abandoned within about a second of it
	 * turning nonzero (another thread, a signal handler): SSH_FAIL_TIMEOUT
	 * with err "cancelled". For commands that run until told to stop. */
	const atomic_int *cancel;
};

/* Output kept per command (stdout and stderr together) when no on_output
 * callback takes it: a broken or hostile host streaming without end fails
 * with SSH_FAIL_OUTPUT instead of exhausting our memory. 64 MiB, or
 * $CSWARM_MAX_OUTPUT bytes. */
#define SSH_DEFAULT_MAX_OUTPUT (64UL << 20)
size_t ssh_output_limit(void);

/* Run one command. Returns SSH_OK when the command ran to completion
 * (whatever its exit status), SSH_FAIL_TIMEOUT or another reason if not. */
enum ssh_fail ssh_exec(struct ssh_conn *c, const struct ssh_exec *x,
		       struct ssh_result *res, struct strbuf *err);

/* Start a command and return once it has printed its first line (or, with
 * until, a whole line starting with until), leaving
 * it running with its stdin open (held) until ssh_release() closes it: for
 * remote resources that must die with this process, such as the cluster
 * lock. If the command exits before printing a line, *out is NULL and res
 * holds its output and exit status. */
struct ssh_hold;
enum ssh_fail ssh_hold(struct ssh_conn *c, const char *command, long timeout_ms,
		       struct ssh_hold **out, struct ssh_result *res, struct strbuf *err);
/* Same, writing input to the command's stdin first (then keeping stdin
 * open): data that must not appear in argv. */
enum ssh_fail ssh_hold_input(struct ssh_conn *c, const char *command, const void *input,
			     size_t input_len, const char *until, long timeout_ms,
			     struct ssh_hold **out, struct ssh_result *res, struct strbuf *err);
/* Write line (no newline) to the held command's stdin and wait until it
 * prints that line back: one round trip over its channel, no new process,
 * proving the command still lives. SSH_OK, or why not (err filled; a
 * command that ended: SSH_FAIL_PROTOCOL). */
enum ssh_fail ssh_hold_echo(struct ssh_hold *h, const char *line, long timeout_ms,
			    struct strbuf *err);
void ssh_release(struct ssh_hold *h);

#endif
