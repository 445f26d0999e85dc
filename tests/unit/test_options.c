/* cmd/options: the option tables parse each type of option, refuse what
 * they do not list, and every command's help, man synopsis and completion
 * list every option of its tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cmd/cmd.h"
#include "engine/run.h"
#include "util/strbuf.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What fn(arg) writes on fd (1 or 2), as a string to free. */
static char *captured(int fd, void (*fn)(const void *), const void *arg)
{
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	fflush(NULL);
	int saved = dup(fd);
	dup2(fileno(tmp), fd);
	fn(arg);
	fflush(NULL);
	dup2(saved, fd);
	close(saved);
	struct strbuf out = STRBUF_INIT;
	char buf[4096];
	size_t n;
	rewind(tmp);
	while ((n = fread(buf, 1, sizeof(buf), tmp)) > 0)
		sb_add(&out, buf, n);
	fclose(tmp);
	return sb_detach(&out);
}

/* --- a table of every type ------------------------------------------------------ */

struct test_args {
	int flag, count;
	const char *name;
	long wait_ms;
	struct optlist files;
	const char *seen;	/* by the callback */
};

static int remember(void *args, const char *value)
{
	struct test_args *a = args;
	if (streq(value, "bad"))
		return usage_error("--remember: bad value");
	a->seen = value;
	return EXIT_OK;
}

static const struct opt test_table[] = {
	OPT_FLAG('x', "prune", struct test_args, flag, "a flag"),
	OPT_INT(0, "count", "N", struct test_args, count, 1, 10, "an int"),
	OPT_STRING('n', "name", "NAME", struct test_args, name, "a string", NULL),
	OPT_DURATION(0, "settle", struct test_args, wait_ms, 1000, 120000, "a duration"),
	OPT_LIST('c', "file", "FILE", struct test_args, files, "a list", "file"),
	OPT_CALLBACK(0, "remember", "V", remember, "a callback", NULL),
	OPT_INCLUDE(cluster_options),
	OPT_END(),
};

static const struct subcmd test_cmd = { "test sub", "ARG...", NULL, .options = test_table };

struct parse_case {
	const char *line;	/* words after the form's name */
	struct test_args a;
	struct run r;
	int ret;
	char *err;
	char *words;	/* the values point into it */
};

static void parse_line(const void *arg)
{
	struct parse_case *pc = (struct parse_case *)arg;
	char *save = NULL;
	char *argv[32] = { "sub" };
	int argc = 1;
	pc->words = xstrdup(pc->line);
	for (char *w = strtok_r(pc->words, " ", &save); w && argc < 31; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	memset(&pc->a, 0, sizeof(pc->a));
	run_init(&pc->r);
	pc->ret = parse_options(&test_cmd, argc, argv, &pc->a, &pc->r);
}

static struct parse_case parse(const char *line)
{
	struct parse_case pc = { .line = line };
	pc.err = captured(2, parse_line, &pc);
	return pc;
}

static void parse_done(struct parse_case *pc)
{
	options_free(test_table, &pc->a);
	free(pc->words);
	free(pc->err);
}

static void test_types(void **unused)
{
	(void)unused;
	struct parse_case pc = parse("-x --count 7 -n web --settle 1m30s -c a.yml --file=b.yml "
				     "-cc.yml --remember v --wait 5s -i hosts --forks 3 arg");
	if (pc.ret != EXIT_OK)
		fail_msg("%s", pc.err);
	assert_int_equal(pc.a.flag, 1);
	assert_int_equal(pc.a.count, 7);
	assert_string_equal(pc.a.name, "web");
	assert_string_equal(pc.a.files.v[2], "c.yml");
	assert_int_equal(pc.a.wait_ms, 90000);
	assert_int_equal(pc.a.files.n, 3);
	assert_string_equal(pc.a.seen, "v");
	assert_int_equal(pc.r.wait_ms, 5000);
	assert_string_equal(pc.r.opts.inventory, "hosts");
	assert_int_equal(pc.r.opts.forks, 3);
	assert_string_equal(pc.err, "");
	parse_done(&pc);
	/* Defaults stay when the option is not given. */
	pc = parse("arg");
	assert_int_equal(pc.ret, EXIT_OK);
	assert_int_equal(pc.r.opts.forks, 64);
	assert_int_equal(pc.r.opts.timeout_ms, 120000);
	parse_done(&pc);
}

static void test_refused(void **unused)
{
	(void)unused;
	static const struct { const char *line, *message; } cases[] = {
		{ "--prnue", "test sub: unknown option '--prnue' (did you mean '--prune'?)" },
		{ "--zzzzzz=1", "test sub: unknown option '--zzzzzz' (see 'cswarm help test')" },
		{ "-z", "test sub: unknown option '-z'" },
		{ "--prune=1", "option --prune takes no value" },
		{ "--name", "option --name needs a value (NAME)" },
		{ "-n", "option --name needs a value (NAME)" },
		{ "--count 11", "--count: expected a number from 1 to 10, got '11'" },
		{ "--count 3x", "--count: expected a number from 1 to 10, got '3x'" },
		{ "--settle 500ms", "--settle: bad duration '500ms' (at least 1s)" },
		{ "--settle 3m", "--settle: bad duration '3m' (at most 2m)" },
		{ "--settle soon", "--settle: bad duration 'soon'" },
		{ "--timeout 0", "--timeout: bad duration '0'" },
		{ "--forks 0", "--forks: expected a number from 1 to 4096, got '0'" },
		{ "--lock-wait -1s", "--lock-wait: bad duration '-1s'" },
		{ "--remember bad", "--remember: bad value" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct parse_case pc = parse(cases[i].line);
		if (pc.ret != EXIT_USAGE || !strstr(pc.err, cases[i].message))
			fail_msg("%s: exit %d, '%s' (wanted '%s')", cases[i].line, pc.ret, pc.err,
				 cases[i].message);
		assert_non_null(strstr(pc.err, "usage: "));
		parse_done(&pc);
	}
}

static const struct subcmd stop_cmd = { "test exec", NULL, NULL, test_table, .stop_at_argument = 1 };

static void test_stop_at_argument(void **unused)
{
	(void)unused;
	char *argv[] = { "exec", "-x", "uname", "-n", NULL };
	struct test_args a = { 0 };
	struct run r;
	run_init(&r);
	assert_int_equal(parse_options(&stop_cmd, 4, argv, &a, &r), EXIT_OK);
	assert_int_equal(optind, 2);
	assert_string_equal(argv[optind + 1], "-n");
	assert_null(a.name);
	options_free(test_table, &a);
}

/* --- every command's tables ----------------------------------------------------- */

struct help_call {
	const struct cmd *c;
	const struct subcmd *sub;
};

static void call_help(const void *arg)
{
	const struct help_call *h = arg;
	print_help(h->c, h->sub);
}

static void call_man(const void *arg)
{
	print_man_sections(arg);
}

/* Every option of the form's table, as help (text: --long) or the man
 * synopsis (roff: the short name if any, else the long one) shows it. */
static void check_lists_options(const struct subcmd *s, const char *text, int roff)
{
	struct opt_iter it;
	const struct opt *o;
	opt_iter_init(&it, s->options);
	while ((o = opt_next(&it, NULL))) {
		struct strbuf want = STRBUF_INIT;
		for (const char *p = o->long_name; *p; p++)
			sb_adds(&want, *p == '-' && roff ? "\\-" : (char[]){ *p, 0 });
		char *dashed = !roff ? xasprintf("--%s", want.buf) :
			       o->short_name ? xasprintf("\\fB\\-%c\\fR", o->short_name) :
			       xasprintf("\\fB\\-\\-%s\\fR", want.buf);
		if (!strstr(text, dashed))
			fail_msg("%s: %s does not list %s", s->path, roff ? "man" : "help", dashed);
		free(dashed);
		sb_free(&want);
	}
}

static void test_help_lists_every_option(void **unused)
{
	(void)unused;
	for (const struct cmd *c = cswarm_commands; c->name; c++)
		for (const struct subcmd *const *s = c->subs; *s; s++) {
			struct help_call whole = { c, NULL }, one = { c, *s };
			char *all = captured(1, call_help, &whole), *only = captured(1, call_help, &one);
			char *path = xasprintf("cswarm %s", (*s)->path);
			assert_non_null(strstr(all, path));
			assert_non_null(strstr(only, path));
			check_lists_options(*s, all, 0);
			check_lists_options(*s, only, 0);
			free(path);
			free(all);
			free(only);
		}
}

/* The man synopsis names each form's own options; the shared ones by the
 * name of their group. */
static void test_man_synopsis(void **unused)
{
	(void)unused;
	for (const struct cmd *c = cswarm_commands; c->name; c++) {
		char *man = captured(1, call_man, c);
		assert_true(starts_with(man, ".SH SYNOPSIS\n"));
		for (const struct subcmd *const *s = c->subs; *s; s++)
			for (const struct opt *o = (*s)->options; o->type != OPT_T_END; o++) {
				if (o->type == OPT_T_INCLUDE) {
					assert_non_null(strstr(man, o->include->name));
					continue;
				}
				struct subcmd one = { (*s)->path, NULL, NULL, .options =
						      (const struct opt[]){ *o, OPT_END() } };
				check_lists_options(&one, man, 1);
			}
		free(man);
	}
}

/* Each form is found by its word and aliases, has a function, and no two
 * options of its table share a name or a letter. */
static void test_forms(void **unused)
{
	(void)unused;
	for (const struct cmd *c = cswarm_commands; c->name; c++)
		for (const struct subcmd *const *s = c->subs; *s; s++) {
			assert_non_null((*s)->fn);
			assert_true(starts_with((*s)->path, c->name));
			if (strchr((*s)->path, ' '))
				assert_ptr_equal(find_subcommand(c, subcmd_word(*s)), *s);
			else
				assert_ptr_equal(own_form(c), *s);
			struct opt_iter it, it2;
			const struct opt *o, *p;
			opt_iter_init(&it, (*s)->options);
			while ((o = opt_next(&it, NULL))) {
				opt_iter_init(&it2, (*s)->options);
				while ((p = opt_next(&it2, NULL)) != o)
					if (streq(p->long_name, o->long_name) ||
					    (o->short_name && p->short_name == o->short_name))
						fail_msg("%s: --%s twice", (*s)->path, o->long_name);
			}
		}
	const struct cmd *stack = find_command("stack");
	assert_non_null(stack);
	assert_string_equal(find_subcommand(stack, "down")->path, "stack rm");
	assert_null(find_subcommand(stack, "nope"));
}

static void test_global_options(void **unused)
{
	(void)unused;
	char *argv[] = { "cswarm", "-i", "hosts", "--format=json", "--cluster", "c", "node", "ls",
			 "-x", NULL };
	char **out;
	int n = hoist_global_options(9, argv, &out);
	struct strbuf line = STRBUF_INIT;
	for (int i = 0; i < n; i++)
		sb_addf(&line, "%s%s", i ? " " : "", out[i]);
	assert_string_equal(line.buf, "cswarm node ls -x -i hosts --format=json --cluster c");
	free(out);
	/* --wait is not a global option: it stays, and names the command. */
	char *argv2[] = { "cswarm", "--wait", "1m", "deploy", NULL };
	n = hoist_global_options(4, argv2, &out);
	assert_string_equal(out[1], "--wait");
	free(out);
	sb_free(&line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_stop_at_argument),
		cmocka_unit_test(test_help_lists_every_option),
		cmocka_unit_test(test_man_synopsis),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_global_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
