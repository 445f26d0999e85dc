/* The option parser of every command: getopt_long over arrays built from
 * the command's table (cmd/options.h). */
#include "cmd/options.h"
#include "util/strbuf.h"
#include "util/util.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

enum { LONG_ONLY_BASE = 256, MAX_DEPTH = 4 };

void opt_iter_init(struct opt_iter *it, const struct opt *table)
{
	memset(it, 0, sizeof(*it));
	it->at[0] = table;
}

const struct opt *opt_next(struct opt_iter *it, const struct opt_group **group)
{
	for (;;) {
		const struct opt *o = it->at[it->depth];
		if (o->type == OPT_T_END) {
			if (it->depth == 0)
				return NULL;
			it->depth--;
			continue;
		}
		it->at[it->depth]++;
		if (o->type != OPT_T_INCLUDE) {
			if (group)
				*group = it->group[it->depth];
			return o;
		}
		if (it->depth + 1 == MAX_DEPTH)
			die("option tables nest deeper than %d", MAX_DEPTH);
		it->depth++;
		it->at[it->depth] = o->include->opts;
		it->group[it->depth] = o->include;
	}
}

/* The table flattened into getopt_long's arrays: option i of opts is
 * longopts[i], whose val is LONG_ONLY_BASE + i. */
struct getopt_tables {
	const struct opt **opts;
	struct option *longopts;
	size_t n;
	struct strbuf shortopts;
};

static void tables_build(struct getopt_tables *t, const struct subcmd *sub)
{
	struct opt_iter it;
	const struct opt *o;
	size_t cap = 0;

	memset(t, 0, sizeof(*t));
	sb_init(&t->shortopts);
	/* ":" first: a missing value is reported as ':', not '?'. */
	sb_adds(&t->shortopts, sub->stop_at_argument ? "+:" : ":");
	opt_iter_init(&it, sub->options);
	while ((o = opt_next(&it, NULL))) {
		GROW(t->opts, cap, t->n + 1);
		t->opts[t->n++] = o;
		if (o->short_name) {
			sb_addc(&t->shortopts, (char)o->short_name);
			if (o->argh)
				sb_addc(&t->shortopts, ':');
		}
	}
	t->longopts = xcalloc(t->n + 1, sizeof(*t->longopts));
	for (size_t i = 0; i < t->n; i++)
		t->longopts[i] = (struct option){ t->opts[i]->long_name,
			t->opts[i]->argh ? required_argument : no_argument, NULL, LONG_ONLY_BASE + (int)i };
}

static void tables_free(struct getopt_tables *t)
{
	free(t->opts);
	free(t->longopts);
	sb_free(&t->shortopts);
}

/* The option getopt_long returned (a long option's val or a short letter). */
static const struct opt *tables_find(const struct getopt_tables *t, int c)
{
	if (c >= LONG_ONLY_BASE && (size_t)(c - LONG_ONLY_BASE) < t->n)
		return t->opts[c - LONG_ONLY_BASE];
	for (size_t i = 0; i < t->n; i++)
		if (t->opts[i]->short_name == c)
			return t->opts[i];
	return NULL;
}

/* --- values ------------------------------------------------------------------- */

static int bad_int(const struct opt *o, const char *arg)
{
	return usage_error("--%s: expected a number from %lld to %lld, got '%s'", o->long_name,
			   o->min, o->max, arg);
}

static int set_int(const struct opt *o, int *target, const char *arg)
{
	char *end;
	long long v = strtoll(arg, &end, 10);
	if (end == arg || *end || v < o->min || v > o->max)
		return bad_int(o, arg);
	*target = (int)v;
	return EXIT_OK;
}

/* 90000 -> "90s", 120000 -> "2m" */
static char *duration_text(long long ms)
{
	if (ms % 60000 == 0)
		return xasprintf("%lldm", ms / 60000);
	return ms % 1000 == 0 ? xasprintf("%llds", ms / 1000) : xasprintf("%lldms", ms);
}

static int set_duration(const struct opt *o, long *target, const char *arg)
{
	long long ms = parse_duration_ms(arg);
	if (ms >= 0 && ms >= o->min && (!o->max || ms <= o->max)) {
		*target = (long)ms;
		return EXIT_OK;
	}
	int too_long = ms >= 0 && o->max && ms > o->max;
	if (!too_long && o->min < 1000)
		return usage_error("--%s: bad duration '%s' (e.g. 30s, 2m, 500ms)", o->long_name, arg);
	char *bound = duration_text(too_long ? o->max : o->min);
	usage_error("--%s: bad duration '%s' (%s %s)", o->long_name, arg,
		    too_long ? "at most" : "at least", bound);
	free(bound);
	return EXIT_USAGE;
}

static int set_value(const struct opt *o, void *args, struct run *run, const char *arg)
{
	char *base = o->flags & OPT_ON_RUN ? (char *)run : (char *)args;
	void *target = base + o->offset;
	struct optlist *l = target;

	if (!base)
		die("option --%s: parsed without its target struct", o->long_name);
	switch (o->type) {
	case OPT_T_FLAG: *(int *)target = 1; return EXIT_OK;
	case OPT_T_INT: return set_int(o, target, arg);
	case OPT_T_STRING: *(const char **)target = arg; return EXIT_OK;
	case OPT_T_DURATION: return set_duration(o, target, arg);
	case OPT_T_LIST:
		GROW(l->v, l->cap, l->n + 1);
		l->v[l->n++] = arg;
		return EXIT_OK;
	case OPT_T_CALLBACK: return o->cb(base, arg);
	case OPT_T_END:
	case OPT_T_INCLUDE:
		break;
	}
	die("option --%s: no such option type", o->long_name);
}

/* --- errors ------------------------------------------------------------------- */

/* The long option nearest to the unknown word, if it is a likely typo. */
static const char *nearest_option(const struct getopt_tables *t, const char *word)
{
	const char *best = NULL;
	size_t best_d = 3;	/* two edits at most */
	for (size_t i = 0; i < t->n; i++) {
		size_t d = edit_distance(word, t->opts[i]->long_name);
		if (d < best_d) {
			best = t->opts[i]->long_name;
			best_d = d;
		}
	}
	return best;
}

static int unknown_option(const struct subcmd *sub, const struct getopt_tables *t, const char *word)
{
	int cmd_len = (int)strcspn(sub->path, " ");
	if (!starts_with(word, "--"))
		return usage_error("%s: unknown option '-%c' (see 'cswarm help %.*s')", sub->path,
				   optopt ? optopt : '?', cmd_len, sub->path);
	char *name = xstrndup(word + 2, strcspn(word + 2, "="));
	const char *near = nearest_option(t, name);
	if (near)
		usage_error("%s: unknown option '--%s' (did you mean '--%s'?)", sub->path, name, near);
	else
		usage_error("%s: unknown option '--%s' (see 'cswarm help %.*s')", sub->path, name,
			    cmd_len, sub->path);
	free(name);
	return EXIT_USAGE;
}

/* getopt_long's '?' (unknown, or a value given to a flag) and ':'. */
static int parse_error(const struct subcmd *sub, const struct getopt_tables *t, int c, char **argv)
{
	const struct opt *o = optopt ? tables_find(t, optopt) : NULL;
	if (c == ':' && o)
		return usage_error("%s: option --%s needs a value (%s)", sub->path, o->long_name, o->argh);
	if (o && o->long_name && !o->argh && starts_with(argv[optind - 1], "--"))
		return usage_error("%s: option --%s takes no value", sub->path, o->long_name);
	return unknown_option(sub, t, argv[optind - 1]);
}

int parse_options(const struct subcmd *sub, int argc, char **argv, void *args, struct run *run)
{
	struct getopt_tables t;
	int c, ret = EXIT_OK;

	tables_build(&t, sub);
	optind = 0;	/* glibc: start afresh (the "+" of a previous table) */
	opterr = 0;
	while (ret == EXIT_OK && (c = getopt_long(argc, argv, t.shortopts.buf, t.longopts, NULL)) != -1) {
		const struct opt *o = c == '?' || c == ':' ? NULL : tables_find(&t, c);
		ret = o ? set_value(o, args, run, optarg) : parse_error(sub, &t, c, argv);
	}
	tables_free(&t);
	return ret;
}

void options_free(const struct opt *table, void *args)
{
	struct opt_iter it;
	const struct opt *o;
	opt_iter_init(&it, table);
	while ((o = opt_next(&it, NULL)))
		if (o->type == OPT_T_LIST && !(o->flags & OPT_ON_RUN))
			free(((struct optlist *)((char *)args + o->offset))->v);
}
