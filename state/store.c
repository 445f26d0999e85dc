/* state.json on the managers: parallel read, highest version wins;
 * atomic write everywhere reachable. */
#include "state/store.h"
#include "util/shell.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Exit status of the read script when there is no state file (EX_NOINPUT),
 * and of the write script when the manager has a newer version. */
enum { NO_STATE = 66, NEWER_THERE = 75 };

void state_format_time(long long t, char buf[static 21])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* --- reading ------------------------------------------------------------ */

struct read_one {
	enum { RD_UNREACHABLE, RD_MISSING, RD_BAD, RD_OK } kind;
	struct state st;
	struct strbuf msg;	/* why RD_BAD */
	struct strbuf json;	/* st written back, to compare managers */
};

struct read_job {
	struct state_store *s;
	struct read_one *r;
};

static void read_on(struct fleet_host *h, size_t i, void *ctx)
{
	struct read_job *job = ctx;
	struct read_one *r = &job->r[i];
	struct strbuf cmd = STRBUF_INIT;
	struct ssh_result res;

	sb_adds(&cmd, "cd");
	sh_arg(&cmd, job->s->dirs[i]);
	sb_addf(&cmd, " 2>/dev/null && test -e state.json || exit %d; exec cat state.json", NO_STATE);
	struct ssh_exec x = { .command = cmd.buf, .timeout_ms = job->s->timeout_ms };
	ssh_result_init(&res);
	if (fleet_exec(h, &x, &res) != SSH_OK) {
		r->kind = RD_UNREACHABLE;
	} else if (res.exit_status == NO_STATE) {
		r->kind = RD_MISSING;
	} else if (res.exit_status != 0) {
		r->kind = RD_BAD;
		sb_rtrim(&res.err);
		sb_addf(&r->msg, "reading %s/state.json failed (exit %d): %s", job->s->dirs[i],
			res.exit_status, sb_str(&res.err));
	} else if (state_parse(res.out.buf, res.out.len, &r->st, &r->msg) != 0) {
		r->kind = RD_BAD;
	} else {
		r->kind = RD_OK;
		state_write_json(&r->st, &r->json);
	}
	ssh_result_free(&res);
	sb_free(&cmd);
}

/* Index of the manager with the highest version (first on ties), or -1. */
static long pick_highest(const struct read_one *r, size_t n)
{
	long best = -1;
	for (size_t i = 0; i < n; i++)
		if (r[i].kind == RD_OK && (best < 0 || r[i].st.version > r[best].st.version))
			best = (long)i;
	return best;
}

static void warn_others(const struct state_store *s, const struct read_one *r, size_t best)
{
	const struct fleet_host *hosts = s->managers->hosts;
	for (size_t i = 0; i < s->managers->n; i++) {
		const char *name = hosts[i].target.name;
		if (i == best || r[i].kind == RD_UNREACHABLE)
			continue;
		if (r[i].kind == RD_MISSING)
			warning("manager %s has no state (%s): the next change writes it", name, s->dirs[i]);
		else if (r[i].kind == RD_BAD)
			warning("manager %s: %s/state.json: %s", name, s->dirs[i], sb_str(&r[i].msg));
		else if (r[i].st.version < r[best].st.version)
			warning("manager %s is behind: version %lld, %s has %lld",
				name, r[i].st.version, hosts[best].target.name, r[best].st.version);
		else if (!streq(r[i].json.buf, r[best].json.buf))
			warning("managers %s and %s disagree at version %lld: using %s's",
				hosts[best].target.name, name, r[best].st.version, hosts[best].target.name);
	}
}

/* The error when no manager has a usable state. */
static enum state_read_result explain_none(const struct state_store *s, const struct read_one *r,
					   struct strbuf *err)
{
	size_t reachable = 0, bad = 0;
	for (size_t i = 0; i < s->managers->n; i++) {
		reachable += r[i].kind != RD_UNREACHABLE;
		bad += r[i].kind == RD_BAD;
	}
	if (!reachable) {
		sb_adds(err, "no manager reachable:");
		for (size_t i = 0; i < s->managers->n; i++)
			sb_addf(err, " %s (%s)", s->managers->hosts[i].target.name,
				sb_str(&s->managers->hosts[i].error));
		return STATE_READ_FAIL;
	}
	for (size_t i = 0; i < s->managers->n; i++)
		if (r[i].kind == RD_BAD)
			sb_addf(err, "%s%s: %s/state.json: %s", err->len ? "; " : "",
				s->managers->hosts[i].target.name, s->dirs[i], sb_str(&r[i].msg));
	if (bad)
		return STATE_READ_FAIL;
	sb_adds(err, "cluster not initialised: run cswarm init");
	return STATE_READ_MISSING;
}

enum state_read_result state_read(struct state_store *s, struct state *out, struct strbuf *err)
{
	size_t n = s->managers->n;
	struct read_one *r = xcalloc(n ? n : 1, sizeof(*r));
	struct read_job job = { s, r };
	enum state_read_result ret = STATE_READ_OK;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		sb_init(&r[i].msg);
		sb_init(&r[i].json);
	}
	fleet_each(s->managers, read_on, &job);
	long best = pick_highest(r, n);
	if (best < 0) {
		ret = explain_none(s, r, err);
	} else {
		warn_others(s, r, (size_t)best);
		*out = r[best].st;
		memset(&r[best].st, 0, sizeof(r[best].st));
	}
	for (size_t i = 0; i < n; i++) {
		state_free(&r[i].st);
		sb_free(&r[i].msg);
		sb_free(&r[i].json);
	}
	free(r);
	return ret;
}

/* --- writing ------------------------------------------------------------ */

/* Run on each manager with: $1 = directory, $2 = new version, $3 = byte
 * length of the document; stdin = one history.log line, then the document.
 * A short document (the connection dropped) is never renamed into place.
 * Everything is the owner's only (umask 077): the state holds environment
 * values and config contents. */
static const char write_script[] =
	"set -e; umask 077; d=$1; v=$2; len=$3\n"
	"mkdir -p \"$d/history\"; cd \"$d\"; chmod 700 . history; chmod 600 history.log 2>/dev/null || :\n"
	"cur=$(sed -n 's/^\"version\":\\([0-9][0-9]*\\),$/\\1/p' state.json 2>/dev/null || :)\n"
	"if [ -n \"$cur\" ] && [ \"$cur\" -ge \"$v\" ]; then\n"
	"  echo \"has version $cur already\" >&2; exit %d; fi\n"
	"IFS= read -r logline\n"
	"cat >.state.json.tmp\n"
	"got=$(wc -c <.state.json.tmp)\n"
	"if [ \"$got\" -ne \"$len\" ]; then\n"
	"  rm -f .state.json.tmp; echo \"got $got of $len bytes\" >&2; exit 1; fi\n"
	"sync .state.json.tmp\n"
	"ln -f .state.json.tmp \"history/$v.json\" 2>/dev/null || cp .state.json.tmp \"history/$v.json\"\n"
	"mv -f .state.json.tmp state.json\n"
	"sync . 2>/dev/null || sync\n"
	"printf '%%s\\n' \"$logline\" >>history.log\n"
	"n=$(ls history | wc -l)\n"
	"if [ \"$n\" -gt %d ]; then\n"
	"  ls history | sort -n | head -n $((n - %d)) | while read -r f; do rm -f \"history/$f\"; done\n"
	"fi\n";

void state_write_command(struct strbuf *cmd, const char *dir, long long version, size_t doc_len)
{
	struct strbuf script = STRBUF_INIT;
	sb_addf(&script, write_script, NEWER_THERE, STATE_HISTORY, STATE_HISTORY);
	sb_adds(cmd, "sh -c");
	sh_arg(cmd, script.buf);
	sh_arg(cmd, "cswarm-state-write");
	sh_arg(cmd, dir);
	sb_addf(cmd, " %lld %zu", version, doc_len);
	sb_free(&script);
}

struct write_job {
	struct state_store *s;
	const char *payload;	/* log line + document */
	size_t payload_len;
	size_t doc_len;
	long long version;
	struct strbuf *errs;	/* per manager; empty when written */
};

static void write_on(struct fleet_host *h, size_t i, void *ctx)
{
	struct write_job *job = ctx;
	struct strbuf cmd = STRBUF_INIT;
	struct ssh_result res;

	state_write_command(&cmd, job->s->dirs[i], job->version, job->doc_len);
	struct ssh_exec x = { .command = cmd.buf, .stdin_data = job->payload,
			      .stdin_len = job->payload_len, .timeout_ms = job->s->timeout_ms };
	ssh_result_init(&res);
	if (fleet_exec(h, &x, &res) != SSH_OK) {
		sb_addf(&job->errs[i], "%s", sb_str(&h->error));
	} else if (res.exit_status != 0) {
		sb_rtrim(&res.err);
		sb_addf(&job->errs[i], "writing %s/state.json failed (exit %d): %s",
			job->s->dirs[i], res.exit_status, sb_str(&res.err));
	}
	ssh_result_free(&res);
	sb_free(&cmd);
}

char *state_whoami(void)
{
	char host[256] = "unknown";
	const char *user = getenv("USER");
	if (!user || !*user)
		user = getenv("LOGNAME");
	if (gethostname(host, sizeof(host) - 1) != 0)
		strcpy(host, "unknown");
	host[sizeof(host) - 1] = '\0';
	/* No getpwuid(): it needs NSS, which a static binary lacks. */
	if (user && *user)
		return xasprintf("%s@%s", user, host);
	return xasprintf("uid%ld@%s", (long)geteuid(), host);
}

void state_one_line(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

static void stamp(struct state *st, const char *change)
{
	char when[21];
	state_format_time((long long)time(NULL), when);
	st->version++;
	free(st->updated_at);
	free(st->updated_by);
	free(st->change);
	st->updated_at = xstrdup(when);
	st->updated_by = state_whoami();
	st->change = xstrdup(change);
	state_one_line(st->change);
}

/* 0 if the first reachable manager has it; warnings for the others. */
static int settle_writes(struct state_store *s, const struct write_job *job, struct strbuf *err)
{
	long first = -1;
	for (size_t i = 0; i < s->managers->n; i++) {
		const char *name = s->managers->hosts[i].target.name;
		if (!job->errs[i].len) {
			if (first < 0)
				first = (long)i;
			continue;
		}
		if (first < 0 && s->managers->hosts[i].fail == SSH_OK) {
			sb_addf(err, "%s: %s", name, sb_str(&job->errs[i]));
			return -1;
		}
		warning("manager %s did not get state version %lld: %s", name, job->version,
			sb_str(&job->errs[i]));
	}
	if (first < 0) {
		sb_addf(err, "state version %lld written nowhere: no manager reachable", job->version);
		return -1;
	}
	return 0;
}

int state_write(struct state_store *s, struct state *st, const char *change, struct strbuf *err)
{
	struct strbuf payload = STRBUF_INIT;
	size_t n = s->managers->n;

	stamp(st, change);
	sb_init(&payload);
	sb_addf(&payload, "%lld\t%s\t%s\t%s\n", st->version, st->updated_at, st->updated_by, st->change);
	size_t head = payload.len;
	state_write_json(st, &payload);
	struct write_job job = { s, payload.buf, payload.len, payload.len - head, st->version,
				 xcalloc(n ? n : 1, sizeof(struct strbuf)) };
	for (size_t i = 0; i < n; i++)
		sb_init(&job.errs[i]);
	fleet_each(s->managers, write_on, &job);
	/* Hosts that never connected have no message yet. */
	for (size_t i = 0; i < n; i++)
		if (s->managers->hosts[i].fail != SSH_OK && !job.errs[i].len)
			sb_addf(&job.errs[i], "%s", sb_str(&s->managers->hosts[i].error));
	int ret = settle_writes(s, &job, err);
	for (size_t i = 0; i < n; i++)
		sb_free(&job.errs[i]);
	free(job.errs);
	sb_free(&payload);
	return ret;
}
