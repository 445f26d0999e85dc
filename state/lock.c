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

/* $1 = directory, $2 = seconds to wait, $3 = when set, the state is read
 * under the lock and followed by a line "$3 STATUS" (the read's exit
 * status, 0 or STATE_NO_STATE), read beside the shell without the lock's
 * fd, so that a read that hangs (a FIFO, a dead mount) never keeps the
 * lock once the channel is gone. Stdin: the holder line, then lines that
 * the script echoes back (lock_alive's probes). fd 9 holds the lock, in
 * the shell itself; it exits at end of stdin, which comes when the
 * channel closes for any reason: then the lock is gone. */
static const char lock_script[] =
	"umask 077; d=$1; w=$2\n"
	"command -v flock >/dev/null || { echo 'flock not found (install util-linux)' >&2; exit 1; }\n"
	"{ [ -d \"$d\" ] || mkdir -p \"$d\"; } && exec 9>>\"$d/lock\" || exit 1\n"
	"flock -w \"$w\" 9 || {\n"
	"  printf 'held '; cat \"$d/lock.holder\" 2>/dev/null || echo unknown; exit 4; }\n"
	"IFS= read -r holder\n"
	"printf '%s\\n' \"$holder\" >\"$d/lock.holder\"\n"
	"echo \"locked $$\"\n"
	"if [ -n \"$3\" ]; then { exec 9>&-; (cd \"$d\"" STATE_READ_TAIL "); rc=$?; echo; echo \"$3 $rc\"; } & fi\n"
	"while IFS= read -r probe; do echo \"$probe\"; done\n";

/* $1 = directory. Prints "unlocked", or "held " and the holder line. */
static const char status_script[] =
	"d=$1\n"
	"[ -d \"$d\" ] || { echo unlocked; exit 0; }\n"
	"command -v flock >/dev/null || { echo 'flock not found (install util-linux)' >&2; exit 1; }\n"
	"if flock -n \"$d/lock\" true; then echo unlocked; else\n"
	"  printf 'held '; cat \"$d/lock.holder\" 2>/dev/null || echo unknown; fi\n";

struct cluster_lock {
	struct ssh_hold *hold;	/* keeps its share of the connection */
	long pid;		/* of the remote process holding the flock */
	unsigned probes;	/* lock_alive calls, to tell their answers apart */
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

/* "MARK STATUS" (the whole line, without its newline): 0 with *status. */
static int parse_end_line(const char *line, size_t len, const char *mark, int *status)
{
	size_t n = strlen(mark), digits = len > n + 1 ? len - n - 1 : 0;
	if (len < n + 2 || memcmp(line, mark, n) != 0 || line[n] != ' ' || digits > 3)
		return -1;
	int v = 0;
	for (size_t i = 0; i < digits; i++) {
		if (line[n + 1 + i] < '0' || line[n + 1 + i] > '9')
			return -1;
		v = v * 10 + (line[n + 1 + i] - '0');
	}
	*status = v;
	return v <= 255 ? 0 : -1;
}

int lock_parse_reply(const char *out, size_t len, const char *mark, long *pid,
		     struct state_fetched *copy, struct strbuf *err)
{
	const char *nl = memchr(out, '\n', len);
	char *stop;
	*pid = 0;
	if (!nl || !starts_with(out, "locked ") ||
	    (*pid = strtol(out + strlen("locked "), &stop, 10)) <= 0 || stop != nl) {
		sb_adds(err, "the lock's first line is not \"locked PID\"");
		return -1;
	}
	if (!mark)
		return 0;
	/* Then the document, the newline the script adds, and "MARK STATUS". */
	const char *end = out + len, *last = end - 1;
	while (last > nl + 1 && last[-1] != '\n')
		last--;
	int status;
	if (end[-1] != '\n' || last < nl + 2 ||
	    parse_end_line(last, (size_t)(end - 1 - last), mark, &status) != 0) {
		sb_adds(err, "the state read with the lock was cut short (no end line)");
		return -1;
	}
	sb_reset(&copy->out);
	sb_add(&copy->out, nl + 1, (size_t)(last - 1 - (nl + 1)));
	copy->status = status;
	copy->have = 1;
	return 0;
}

/* Without --lock-wait a run still waits a moment: `lock status` takes
 * the lock for an instant to probe it, which must not refuse a run. */
static long wait_of(const struct lock_request *rq)
{
	return rq->wait_ms < MIN_WAIT_MS ? MIN_WAIT_MS : rq->wait_ms;
}

void lock_command(const struct lock_request *rq, struct strbuf *cmd)
{
	char secs[32];
	long wait_ms = wait_of(rq);
	snprintf(secs, sizeof(secs), "%ld.%03ld", wait_ms / 1000, wait_ms % 1000);
	build_command(cmd, lock_script, rq->dir, secs);
	if (rq->read_mark)
		sh_arg(cmd, rq->read_mark);
}

/* Start the lock script over conn; what it printed is left in res. */
static enum ssh_fail start_lock(struct ssh_conn *conn, const struct lock_request *rq,
				struct ssh_hold **hold, struct ssh_result *res, struct strbuf *err)
{
	struct strbuf cmd = STRBUF_INIT, input = STRBUF_INIT;
	lock_command(rq, &cmd);
	sb_addf(&input, "%s\n", rq->holder);
	enum ssh_fail f = ssh_hold_input(conn, cmd.buf, input.buf, input.len, rq->read_mark,
					 wait_of(rq) + rq->timeout_ms, hold, res, err);
	sb_free(&input);
	sb_free(&cmd);
	return f;
}

int lock_acquire(struct ssh_conn *conn, const char *host, const struct lock_request *rq,
		 struct cluster_lock **out, struct state_fetched *copy, struct strbuf *err)
{
	struct ssh_result res;
	struct ssh_hold *hold = NULL;
	long pid = 0;
	int ret = EXIT_FAIL;

	*out = NULL;
	ssh_result_init(&res);
	if (start_lock(conn, rq, &hold, &res, err) != SSH_OK) {
		sb_addf(err, " (taking the lock on %s)", host);
		ret = EXIT_UNREACHABLE;
	} else if (hold && starts_with(sb_str(&res.out), "locked")) {
		struct strbuf why = STRBUF_INIT;
		if (lock_parse_reply(res.out.buf, res.out.len, rq->read_mark, &pid, copy, &why) != 0) {
			sb_addf(err, "%s: taking the lock in %s: %s", host, rq->dir, sb_str(&why));
		} else {
			if (rq->read_mark)
				sb_addf(&copy->err, "%s", sb_str(&res.err));
			*out = xcalloc(1, sizeof(**out));
			(*out)->hold = hold;
			(*out)->pid = pid;
			hold = NULL;
			ret = 0;
		}
		sb_free(&why);
	} else if (res.exit_status == HELD || starts_with(sb_str(&res.out), "held ")) {
		describe_holder(&res.out, err);
		ret = EXIT_LOCKED;
	} else {
		sb_rtrim(&res.err);
		sb_addf(err, "%s: taking the lock in %s failed (exit %d): %s", host, rq->dir,
			res.exit_status, sb_str(&res.err));
	}
	ssh_release(hold);
	ssh_result_free(&res);
	return ret;
}

void lock_release(struct cluster_lock *l)
{
	if (!l)
		return;
	ssh_release(l->hold);
	free(l);
}

int lock_alive(struct cluster_lock *l, long timeout_ms, struct strbuf *err)
{
	char probe[48];
	struct strbuf why = STRBUF_INIT;
	snprintf(probe, sizeof(probe), "@@cswarm-lock-alive %u", ++l->probes);
	int ret = ssh_hold_echo(l->hold, probe, timeout_ms, &why) == SSH_OK ? 0 : -1;
	if (ret)
		sb_addf(err, "the process holding the lock (pid %ld) did not answer: %s", l->pid,
			sb_str(&why));
	sb_free(&why);
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
