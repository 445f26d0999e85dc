/* state.json on the managers: parallel read with a read quorum, highest
 * version wins; atomic, fenced write that must reach a majority. */
#include "state/store.h"
#include "util/shell.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void state_format_time(long long t, char buf[static 21])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* --- choosing ------------------------------------------------------------ */

size_t state_write_quorum(size_t n)
{
	return n / 2 + 1;
}

size_t state_read_quorum(size_t n)
{
	return n + 1 - state_write_quorum(n);
}

/* Good copies equal to copy k (same version and content). */
static size_t backers(const struct state_copy *c, size_t n, size_t k)
{
	size_t same = 0;
	for (size_t i = 0; i < n; i++)
		same += c[i].kind == COPY_OK && c[i].version == c[k].version && streq(c[i].doc, c[k].doc);
	return same;
}

/* Among the good copies at the highest version, the content most managers
 * hold; *tie gets a different content held by as many, or -1. */
static long most_backed_top(const struct state_copy *c, size_t n, long *tie)
{
	long best = -1;
	size_t best_n = 0;
	*tie = -1;
	for (size_t i = 0; i < n; i++)
		if (c[i].kind == COPY_OK && (best < 0 || c[i].version > c[best].version))
			best = (long)i;
	if (best < 0)
		return -1;
	best_n = backers(c, n, (size_t)best);
	for (size_t i = 0; i < n; i++) {
		if (c[i].kind != COPY_OK || c[i].version != c[best].version ||
		    streq(c[i].doc, c[best].doc))
			continue;
		size_t k = backers(c, n, i);
		if (k > best_n) {
			best = (long)i;
			best_n = k;
			*tie = -1;
		} else if (k == best_n && *tie < 0) {
			*tie = (long)i;
		}
	}
	return best;
}

void state_choose(const struct state_copy *c, size_t n, struct state_choice *out)
{
	size_t bad = 0, missing = 0;
	memset(out, 0, sizeof(*out));
	out->best = out->other = -1;
	for (size_t i = 0; i < n; i++) {
		out->good += c[i].kind == COPY_OK;
		bad += c[i].kind == COPY_BAD;
		missing += c[i].kind == COPY_MISSING;
	}
	if (!out->good) {
		out->verdict = missing && !bad ? VERDICT_MISSING : VERDICT_NONE;
		return;
	}
	for (size_t i = 0; i < n && out->other < 0; i++)
		for (size_t j = i + 1; j < n && out->other < 0; j++)
			if (c[i].kind == COPY_OK && c[j].kind == COPY_OK &&
			    !streq(c[i].cluster_id, c[j].cluster_id)) {
				out->verdict = VERDICT_SPLIT;
				out->best = (long)i;
				out->other = (long)j;
			}
	if (out->verdict == VERDICT_SPLIT)
		return;
	out->best = most_backed_top(c, n, &out->other);
	if (out->other >= 0)
		out->verdict = VERDICT_CONFLICT;
	else
		out->verdict = out->good >= state_read_quorum(n) ? VERDICT_CURRENT : VERDICT_UNPROVEN;
}

/* --- reading ------------------------------------------------------------ */

struct read_one {
	struct state st;
	struct strbuf msg;	/* why COPY_BAD */
	struct strbuf json;	/* st written back, to compare managers */
};

struct read_job {
	struct state_store *s;
	struct read_one *r;
	struct state_copy *copies;
};

/* What copy i is, from the read's exit status, output and stderr. */
static void take_copy(struct read_job *job, size_t i, int status, const struct strbuf *out,
		      struct strbuf *stderr_text)
{
	struct read_one *r = &job->r[i];
	struct state_copy *copy = &job->copies[i];
	if (status == STATE_NO_STATE) {
		copy->kind = COPY_MISSING;
	} else if (status != 0) {
		copy->kind = COPY_BAD;
		sb_rtrim(stderr_text);
		sb_addf(&r->msg, "reading %s/state.json failed (exit %d): %s", job->s->dirs[i],
			status, sb_str(stderr_text));
	} else if (state_parse(out->buf, out->len, &r->st, &r->msg) != 0) {
		copy->kind = COPY_BAD;
	} else {
		copy->kind = COPY_OK;
		state_write_json(&r->st, &r->json);
		copy->version = r->st.version;
		copy->cluster_id = r->st.cluster_id;
		copy->doc = r->json.buf;
	}
}

static void read_on(struct fleet_host *h, size_t i, void *ctx)
{
	struct read_job *job = ctx;
	struct strbuf cmd = STRBUF_INIT;
	struct ssh_result res;

	if (i >= job->s->voters)
		return;
	struct state_fetched *f = job->s->fetched ? &job->s->fetched[i] : NULL;
	if (f && f->have) {
		take_copy(job, i, f->status, &f->out, &f->err);
		return;
	}
	sb_adds(&cmd, "cd");
	sh_arg(&cmd, job->s->dirs[i]);
	sb_adds(&cmd, STATE_READ_TAIL);
	struct ssh_exec x = { .command = cmd.buf, .timeout_ms = job->s->timeout_ms };
	ssh_result_init(&res);
	if (fleet_exec(h, &x, &res) != SSH_OK)
		job->copies[i].kind = COPY_UNREACHABLE;
	else
		take_copy(job, i, res.exit_status, &res.out, &res.err);
	ssh_result_free(&res);
	sb_free(&cmd);
}

void state_fetched_reset(struct state_fetched *f)
{
	f->have = 0;
	f->status = -1;
	sb_free(&f->out);
	sb_free(&f->err);
}

static const char *manager_name(const struct state_store *s, long i)
{
	return s->managers->hosts[i].target.name;
}

static void warn_others(const struct state_store *s, const struct read_job *job, size_t best)
{
	const struct state_copy *c = job->copies;
	for (size_t i = 0; i < s->voters; i++) {
		const char *name = manager_name(s, (long)i);
		if (i == best || c[i].kind == COPY_UNREACHABLE)
			continue;
		if (c[i].kind == COPY_MISSING)
			warning("manager %s has no state (%s): the next change writes it", name, s->dirs[i]);
		else if (c[i].kind == COPY_BAD)
			warning("manager %s: %s/state.json: %s", name, s->dirs[i], sb_str(&job->r[i].msg));
		else if (c[i].version < c[best].version)
			warning("manager %s is behind: version %lld, %s has %lld",
				name, c[i].version, manager_name(s, (long)best), c[best].version);
		else if (!streq(c[i].doc, c[best].doc))
			warning("managers %s and %s disagree at version %lld: using %s's",
				manager_name(s, (long)best), name, c[best].version,
				manager_name(s, (long)best));
	}
}

/* Every voter answered with the very copy chosen. */
static int copies_agree(const struct read_job *job, size_t n, size_t best)
{
	const struct state_copy *c = job->copies;
	for (size_t i = 0; i < n; i++)
		if (c[i].kind != COPY_OK || c[i].version != c[best].version || !streq(c[i].doc, c[best].doc))
			return 0;
	return 1;
}

/* Why a read is not proven current: the managers that gave no good copy. */
static void explain_unproven(struct state_store *s, const struct read_job *job,
			     const struct state_choice *ch)
{
	struct strbuf *u = &s->unproven;
	sb_reset(u);
	if (ch->verdict == VERDICT_CONFLICT) {
		sb_addf(u, "managers %s and %s hold different states at version %lld and no "
			"majority backs either; the managers missing from this read (",
			manager_name(s, ch->best), manager_name(s, ch->other),
			job->copies[ch->best].version);
	} else {
		sb_addf(u, "only %zu of %zu managers gave a good state (%zu needed to know it is the "
			"latest); missing: ", ch->good, s->voters, state_read_quorum(s->voters));
	}
	size_t listed = 0;
	for (size_t i = 0; i < s->voters; i++) {
		const struct state_copy *c = &job->copies[i];
		if (c->kind == COPY_OK)
			continue;
		sb_addf(u, "%s%s (%s)", listed++ ? ", " : "", manager_name(s, (long)i),
			c->kind == COPY_UNREACHABLE ? sb_str(&s->managers->hosts[i].error) :
			c->kind == COPY_MISSING ? "no state" : sb_str(&job->r[i].msg));
	}
	if (ch->verdict == VERDICT_CONFLICT)
		sb_addf(u, "%s) decide", listed ? "" : "none");
	sb_adds(u, ". Bring them back (or repair their state.json from a good manager's "
		"history/), then run again");
}

/* The error when no manager has a usable state, or two clusters meet. */
static enum state_read_result explain_none(const struct state_store *s, const struct read_job *job,
					   const struct state_choice *ch, struct strbuf *err)
{
	const struct state_copy *c = job->copies;
	if (ch->verdict == VERDICT_SPLIT) {
		sb_addf(err, "managers %s (cluster id %s) and %s (cluster id %s) hold two different "
			"clusters: refusing to mix them (fix the inventory or --cluster)",
			manager_name(s, ch->best), c[ch->best].cluster_id,
			manager_name(s, ch->other), c[ch->other].cluster_id);
		return STATE_READ_FAIL;
	}
	size_t reachable = 0;
	for (size_t i = 0; i < s->voters; i++)
		reachable += c[i].kind != COPY_UNREACHABLE;
	if (!reachable) {
		sb_adds(err, "no manager reachable:");
		for (size_t i = 0; i < s->voters; i++)
			sb_addf(err, " %s (%s)", manager_name(s, (long)i),
				sb_str(&s->managers->hosts[i].error));
		return STATE_READ_FAIL;
	}
	for (size_t i = 0; i < s->voters; i++)
		if (c[i].kind == COPY_BAD)
			sb_addf(err, "%s%s: %s/state.json: %s", err->len ? "; " : "",
				manager_name(s, (long)i), s->dirs[i], sb_str(&job->r[i].msg));
	if (ch->verdict == VERDICT_NONE)
		return STATE_READ_FAIL;
	sb_adds(err, "cluster not initialised: run cswarm init");
	if (reachable < s->voters)
		sb_adds(err, " (with every manager reachable: one that did not answer may hold it)");
	return STATE_READ_MISSING;
}

enum state_read_result state_read(struct state_store *s, struct state *out, struct strbuf *err)
{
	size_t n = s->voters;
	struct read_one *r = xcalloc(n ? n : 1, sizeof(*r));
	struct read_job job = { s, r, xcalloc(n ? n : 1, sizeof(*job.copies)) };
	struct state_choice ch;
	enum state_read_result ret = STATE_READ_OK;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		sb_init(&r[i].msg);
		sb_init(&r[i].json);
	}
	fleet_each(s->managers, read_on, &job);
	for (size_t i = 0; s->fetched && i < n; i++)
		state_fetched_reset(&s->fetched[i]);
	state_choose(job.copies, n, &ch);
	s->in_sync = 0;
	s->verdict = ch.verdict;
	s->current = ch.verdict == VERDICT_CURRENT;
	free(s->kinds);
	s->kinds = xcalloc(n ? n : 1, sizeof(*s->kinds));
	for (size_t i = 0; i < n; i++)
		s->kinds[i] = job.copies[i].kind;
	if (ch.best < 0 || ch.verdict == VERDICT_SPLIT) {
		ret = explain_none(s, &job, &ch, err);
	} else {
		warn_others(s, &job, (size_t)ch.best);
		s->in_sync = s->current && copies_agree(&job, n, (size_t)ch.best);
		if (!s->current)
			explain_unproven(s, &job, &ch);
		*out = r[ch.best].st;
		memset(&r[ch.best].st, 0, sizeof(r[ch.best].st));
	}
	for (size_t i = 0; i < n; i++) {
		state_free(&r[i].st);
		sb_free(&r[i].msg);
		sb_free(&r[i].json);
	}
	free(job.copies);
	free(r);
	return ret;
}

void state_store_free(struct state_store *s)
{
	for (size_t i = 0; s->fetched && i < s->voters; i++)
		state_fetched_reset(&s->fetched[i]);
	free(s->fetched);
	s->fetched = NULL;
	sb_free(&s->unproven);
	free(s->kinds);
	s->kinds = NULL;
}

/* --- writing ------------------------------------------------------------ */

/* Run on each manager with: $1 = directory, $2 = new version, $3 = byte
 * length of the document, $4 = the version the writer read (the fence);
 * stdin = one history.log line, then the document. A short document (the
 * connection dropped) is never renamed into place. Everything is the
 * owner's only (umask 077): the state holds environment values and config
 * contents.
 * The temporary file is the script's own ($$), and a manager that already
 * holds this very version with these very bytes counts as written: two
 * managers may share one directory (one filesystem), and the copy written
 * through the first must not fence the second.
 * INVARIANT: $cur, the manager's version, comes from sed on the line
 * `"version":N,` that state_write_json (state/state_json.c) keeps on a line
 * of its own; no JSON parser runs on the hosts. */
static const char write_script[] =
	"set -e; umask 077; d=$1; v=$2; len=$3; read_v=$4; tmp=.state.json.$$\n"
	"mkdir -p \"$d/history\"; cd \"$d\"; chmod 700 . history; chmod 600 history.log 2>/dev/null || :\n"
	"IFS= read -r logline\n"
	"cat >\"$tmp\"\n"
	"got=$(wc -c <\"$tmp\")\n"
	"if [ \"$got\" -ne \"$len\" ]; then\n"
	"  rm -f \"$tmp\"; echo \"got $got of $len bytes\" >&2; exit 1; fi\n"
	"cur=$(sed -n 's/^\"version\":\\([0-9][0-9]*\\),$/\\1/p' state.json 2>/dev/null | head -n 1 || :)\n"
	"if [ -n \"$cur\" ] && [ \"$cur\" -gt \"$read_v\" ]; then\n"
	"  if [ \"$cur\" -eq \"$v\" ] && cmp -s \"$tmp\" state.json; then rm -f \"$tmp\"; exit 0; fi\n"
	"  rm -f \"$tmp\"; echo \"has version $cur, newer than the version $read_v this run read\" >&2; exit %d; fi\n"
	"sync \"$tmp\"\n"
	"ln -f \"$tmp\" \"history/$v.json\" 2>/dev/null || cp \"$tmp\" \"history/$v.json\"\n"
	"mv -f \"$tmp\" state.json\n"
	"sync . 2>/dev/null || sync\n"
	"printf '%%s\\n' \"$logline\" >>history.log\n"
	"n=$(ls history | wc -l)\n"
	"if [ \"$n\" -gt %d ]; then\n"
	"  ls history | sort -n | head -n $((n - %d)) | while read -r f; do rm -f \"history/$f\"; done\n"
	"fi\n";

void state_write_command(struct strbuf *cmd, const char *dir, long long version,
			 long long expected, size_t doc_len)
{
	struct strbuf script = STRBUF_INIT;
	sb_addf(&script, write_script, STATE_FENCED, STATE_HISTORY, STATE_HISTORY);
	sb_adds(cmd, "sh -c");
	sh_arg(cmd, script.buf);
	sh_arg(cmd, "cswarm-state-write");
	sh_arg(cmd, dir);
	sb_addf(cmd, " %lld %zu %lld", version, doc_len, expected);
	sb_free(&script);
}

struct write_job {
	struct state_store *s;
	const char *payload;	/* log line + document */
	size_t payload_len;
	size_t doc_len;
	long long version;
	struct strbuf *errs;	/* per manager; empty when written */
	unsigned char *fenced;	/* per manager: refused, it has a newer version */
};

static void write_on(struct fleet_host *h, size_t i, void *ctx)
{
	struct write_job *job = ctx;
	struct strbuf cmd = STRBUF_INIT;
	struct ssh_result res;

	state_write_command(&cmd, job->s->dirs[i], job->version, job->version - 1, job->doc_len);
	struct ssh_exec x = { .command = cmd.buf, .stdin_data = job->payload,
			      .stdin_len = job->payload_len, .timeout_ms = job->s->timeout_ms };
	ssh_result_init(&res);
	if (fleet_exec(h, &x, &res) != SSH_OK) {
		sb_addf(&job->errs[i], "%s", sb_str(&h->error));
	} else if (res.exit_status != 0) {
		sb_rtrim(&res.err);
		job->fenced[i] = res.exit_status == STATE_FENCED;
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

/* 0 if a majority of the voters has it (warnings for the others), else
 * -1 with err naming every manager that did not take it. */
static int settle_writes(struct state_store *s, const struct write_job *job, int *fenced,
			 struct strbuf *err)
{
	size_t got = 0, need = state_write_quorum(s->voters);
	*fenced = 0;
	for (size_t i = 0; i < s->voters; i++) {
		got += !job->errs[i].len;
		*fenced |= job->fenced[i];
	}
	if (got >= need) {
		*fenced = 0;
		for (size_t i = 0; i < s->managers->n; i++)
			if (job->errs[i].len)
				warning("manager %s did not get state version %lld: %s",
					manager_name(s, (long)i), job->version, sb_str(&job->errs[i]));
		return 0;
	}
	sb_addf(err, "state version %lld reached %zu of %zu managers (%zu needed)",
		job->version, got, s->voters, need);
	if (*fenced)
		sb_adds(err, ", and a manager has a newer version: another run changed the state "
			"since this one read it");
	for (size_t i = 0; i < s->managers->n; i++)
		if (job->errs[i].len)
			sb_addf(err, "; %s: %s", manager_name(s, (long)i), sb_str(&job->errs[i]));
	return -1;
}

int state_write(struct state_store *s, struct state *st, const char *change, int *fenced,
		struct strbuf *err)
{
	struct strbuf payload = STRBUF_INIT;
	size_t n = s->managers->n;

	stamp(st, change);
	sb_init(&payload);
	sb_addf(&payload, "%lld\t%s\t%s\t%s\n", st->version, st->updated_at, st->updated_by, st->change);
	size_t head = payload.len;
	state_write_json(st, &payload);
	struct write_job job = { s, payload.buf, payload.len, payload.len - head, st->version,
				 xcalloc(n ? n : 1, sizeof(struct strbuf)), xcalloc(n ? n : 1, 1) };
	for (size_t i = 0; i < n; i++)
		sb_init(&job.errs[i]);
	fleet_each(s->managers, write_on, &job);
	/* Hosts that never connected have no message yet. */
	for (size_t i = 0; i < n; i++)
		if (s->managers->hosts[i].fail != SSH_OK && !job.errs[i].len)
			sb_addf(&job.errs[i], "%s", sb_str(&s->managers->hosts[i].error));
	int ret = settle_writes(s, &job, fenced, err);
	for (size_t i = 0; i < n; i++)
		sb_free(&job.errs[i]);
	free(job.errs);
	free(job.fenced);
	sb_free(&payload);
	return ret;
}
