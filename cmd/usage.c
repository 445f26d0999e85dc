/* Help and man page sections written from the option tables: a form's
 * synopsis and the aligned list of its options, as text for `cswarm help`
 * and as roff for the SYNOPSIS of man/cswarm-CMD.1 (`cswarm help --man`). */
#include "cmd/cmd.h"
#include "util/strbuf.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WIDTH = 80, HELP_COLUMN = 30 };

/* Text is written as is; roff with - escaped, bold and italic fonts. */
struct style {
	int roff;
	const char *bold, *italic, *roman;
};

static const struct style text_style = { 0, "", "", "" };
static const struct style roff_style = { 1, "\\fB", "\\fI", "\\fR" };

static void add_escaped(struct strbuf *out, const struct style *st, const char *s)
{
	for (; *s; s++) {
		if (st->roff && (*s == '-' || *s == '\\'))
			sb_adds(out, *s == '-' ? "\\-" : "\\e");
		else
			sb_addc(out, *s);
	}
}

static void add_styled(struct strbuf *out, const struct style *st, const char *font, const char *s)
{
	sb_adds(out, font);
	add_escaped(out, st, s);
	sb_adds(out, st->roman);
}

/* "-c FILE" or "--prune", the short name when there is one. */
static void add_option_name(struct strbuf *out, const struct style *st, const struct opt *o)
{
	char shrt[3] = { '-', (char)o->short_name, '\0' };
	char *lng = xasprintf("--%s", o->long_name);
	add_styled(out, st, st->bold, o->short_name ? shrt : lng);
	free(lng);
	if (o->argh) {
		sb_addc(out, ' ');
		add_styled(out, st, st->italic, o->argh);
	}
}

/* The words of a form's synopsis after "cswarm PATH": its own options,
 * the groups it includes by name, its arguments. */
static void synopsis_words(const struct subcmd *s, const struct style *st, struct strbuf *words,
			   size_t *n)
{
	*n = 0;
	for (const struct opt *o = s->options; o->type != OPT_T_END; o++) {
		struct strbuf *w = &words[(*n)++];
		sb_init(w);
		sb_addc(w, '[');
		if (o->type == OPT_T_INCLUDE)
			add_styled(w, st, st->italic, o->include->name);
		else
			add_option_name(w, st, o);
		sb_adds(w, o->type == OPT_T_LIST || (o->flags & OPT_REPEATS) ? "]..." : "]");
	}
	for (const char *a = s->args; a && *a; a += strspn(a, " ")) {
		size_t len = strcspn(a, " ");
		char *word = xstrndup(a, len);
		sb_init(&words[*n]);
		add_styled(&words[(*n)++], st, st->italic, word);
		free(word);
		a += len;
	}
}

static size_t count_words(const struct subcmd *s)
{
	size_t n = 1;	/* the arguments may be empty */
	for (const struct opt *o = s->options; o->type != OPT_T_END; o++)
		n++;
	for (const char *a = s->args; a && *a; a++)
		n += *a == ' ';
	return n + 1;
}

/* "usage: cswarm node update [--availability ...] NODE", wrapped. */
static void print_synopsis(const struct subcmd *s, const char *lead)
{
	size_t n;
	struct strbuf *words = xcalloc(count_words(s), sizeof(*words));
	struct strbuf line = STRBUF_INIT;
	sb_addf(&line, "%scswarm %s", lead, s->path);
	size_t indent = line.len + 1;
	synopsis_words(s, &text_style, words, &n);
	for (size_t i = 0; i < n; i++) {
		if (line.len + 1 + words[i].len > WIDTH) {
			printf("%s\n", line.buf);
			sb_reset(&line);
			sb_addf(&line, "%*s%s", (int)indent, "", words[i].buf);
		} else {
			sb_addf(&line, " %s", words[i].buf);
		}
		sb_free(&words[i]);
	}
	printf("%s\n", line.buf);
	sb_free(&line);
	free(words);
}

/* --- options lists ------------------------------------------------------------ */

/* text from column HELP_COLUMN, wrapped at WIDTH; the first line goes on
 * after what is already printed (col columns). */
static void print_wrapped(const char *text, size_t col)
{
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, " ");
		if (col > HELP_COLUMN && col + 1 + len > WIDTH) {
			printf("\n%*s", HELP_COLUMN, "");
			col = HELP_COLUMN;
		} else if (col > HELP_COLUMN) {
			putchar(' ');
			col++;
		}
		printf("%.*s", (int)len, p);
		col += len;
		p += len;
		p += strspn(p, " ");
	}
	putchar('\n');
}

static void print_option(const struct opt *o)
{
	struct strbuf left = STRBUF_INIT;
	if (o->short_name)
		sb_addf(&left, "  -%c, --%s", o->short_name, o->long_name);
	else
		sb_addf(&left, "      --%s", o->long_name);
	if (o->argh)
		sb_addf(&left, " %s", o->argh);
	if (left.len + 2 > HELP_COLUMN)
		printf("%s\n%*s", left.buf, HELP_COLUMN, "");
	else
		printf("%-*s", HELP_COLUMN, left.buf);
	print_wrapped(o->help, HELP_COLUMN);
	sb_free(&left);
}

void print_global_options(void)
{
	struct opt_iter it;
	const struct opt *o;
	printf("\nGlobal options (also after the command; see 'cswarm help COMMAND' for the rest):\n");
	opt_iter_init(&it, cluster_options.opts);
	while ((o = opt_next(&it, NULL)))
		if (o->flags & OPT_GLOBAL)
			print_option(o);
}

/* Whether an option of this long name came before o in the forms listed. */
static int listed_before(const struct subcmd *const *forms, size_t nforms, const struct opt *o)
{
	for (size_t f = 0; f < nforms; f++)
		for (const struct opt *p = forms[f]->options; p->type != OPT_T_END; p++) {
			if (p == o)
				return 0;
			if (p->type != OPT_T_INCLUDE && streq(p->long_name, o->long_name))
				return 1;
		}
	return 0;
}

static int group_seen(const struct opt_group *const *groups, size_t n, const struct opt_group *g)
{
	for (size_t i = 0; i < n; i++)
		if (groups[i] == g)
			return 1;
	return 0;
}

/* The groups the forms include, nested ones after their includer, once. */
static size_t collect_groups(const struct subcmd *const *forms, size_t nforms,
			     const struct opt_group **groups, size_t max)
{
	size_t n = 0;
	for (size_t f = 0; f < nforms; f++) {
		struct opt_iter it;
		const struct opt_group *g;
		opt_iter_init(&it, forms[f]->options);
		while (opt_next(&it, &g))
			if (g && n < max && !group_seen(groups, n, g))
				groups[n++] = g;
	}
	return n;
}

static void print_options(const struct subcmd *const *forms, size_t nforms)
{
	const struct opt_group *groups[8];
	int any = 0;
	for (size_t f = 0; f < nforms; f++)
		for (const struct opt *o = forms[f]->options; o->type != OPT_T_END; o++) {
			if (o->type == OPT_T_INCLUDE || listed_before(forms, nforms, o))
				continue;
			if (!any++)
				printf("\nOptions:\n");
			print_option(o);
		}
	size_t ngroups = collect_groups(forms, nforms, groups, ARRAY_SIZE(groups));
	for (size_t i = 0; i < ngroups; i++) {
		printf("\n%s (%s):\n", groups[i]->title, groups[i]->name);
		for (const struct opt *o = groups[i]->opts; o->type != OPT_T_END; o++)
			if (o->type != OPT_T_INCLUDE)
				print_option(o);
	}
}

void print_help(const struct cmd *c, const struct subcmd *sub)
{
	const struct subcmd *const *forms = sub ? &sub : c->subs;
	size_t n = 0;
	while (sub ? n < 1 : forms[n] != NULL)
		n++;
	for (size_t i = 0; i < n; i++)
		print_synopsis(forms[i], i ? "       " : "usage: ");
	for (size_t i = 0; i < n; i++)
		if (forms[i]->aliases)
			printf("  (%s: also %s)\n", forms[i]->path, forms[i]->aliases);
	if (!sub && c->prose)
		printf("\n%s", c->prose);
	print_options(forms, n);
}

/* --- man pages ---------------------------------------------------------------- */

static size_t count_forms(const struct subcmd *const *forms)
{
	size_t n = 0;
	while (forms[n])
		n++;
	return n;
}

static void print_man_form(const struct subcmd *s)
{
	struct strbuf path = STRBUF_INIT;
	size_t n;
	struct strbuf *words = xcalloc(count_words(s), sizeof(*words));
	add_escaped(&path, &roff_style, s->path);
	printf(".B cswarm %s\n", path.buf);
	synopsis_words(s, &roff_style, words, &n);
	for (size_t i = 0; i < n; i++) {
		printf("%s\n", words[i].buf);
		sb_free(&words[i]);
	}
	free(words);
	sb_free(&path);
}

void print_man_sections(const struct cmd *c)
{
	const struct opt_group *groups[8];
	size_t nforms = count_forms(c->subs);
	printf(".SH SYNOPSIS\n");
	for (size_t i = 0; i < nforms; i++) {
		if (i)
			printf(".br\n");
		print_man_form(c->subs[i]);
	}
	size_t ngroups = collect_groups(c->subs, nforms, groups, ARRAY_SIZE(groups));
	for (size_t i = 0; i < ngroups; i++)
		printf("%s\\fI%s\\fR", i ? i + 1 < ngroups ? ", " : " and " : ".PP\nThe ",
		       groups[i]->name);
	if (ngroups)
		printf(" are those of \\fBcswarm\\fR(1).\n");
}
