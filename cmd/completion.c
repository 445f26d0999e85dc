/* `cswarm completion bash|zsh|fish`: completion scripts written from the
 * option tables (cmd/options.h), so that completion offers exactly the
 * commands, subcommands, options and option values that cswarm parses.
 * An option's or a form's .complete says what completes its value:
 * "file", "node" (the inventory's hosts, `cswarm inventory --graph`),
 * "stack" or "service" (`cswarm stack ls` / `service ls` on the cluster),
 * "command", or fixed words. */
#include "cmd/cmd.h"
#include "util/strbuf.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

/* The host names of `cswarm inventory --graph` ("  |  |--h1"; groups are
 * "@name:"), once each. */
#define HOSTS_OF_GRAPH "sed -n 's/^[ |]*--\\([^@].*\\)$/\\1/p' | sort -u"

/* The kinds of value the shells complete by calling code, not by words. */
static int is_kind(const char *complete)
{
	static const char *const kinds[] = { "file", "node", "stack", "service", "command" };
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (streq(complete, kinds[i]))
			return 1;
	return 0;
}

/* "--name -n" of every option of a table (fragments expanded). */
static void option_words(const struct opt *table, struct strbuf *out)
{
	struct opt_iter it;
	const struct opt *o;
	opt_iter_init(&it, table);
	while ((o = opt_next(&it, NULL))) {
		sb_addf(out, "%s--%s", out->len ? " " : "", o->long_name);
		if (o->short_name)
			sb_addf(out, " -%c", o->short_name);
	}
	sb_addf(out, "%s--help", out->len ? " " : "");
}

static void subcommand_words(const struct cmd *c, struct strbuf *out)
{
	for (const struct subcmd *const *s = c->subs; *s; s++)
		if (strchr((*s)->path, ' '))
			sb_addf(out, "%s%s%s%s", out->len ? " " : "", subcmd_word(*s),
				(*s)->aliases ? " " : "", (*s)->aliases ? (*s)->aliases : "");
}

/* The commands, and the options that take a value (fish: that may come
 * before the command; bash: those that may come before it at all). */
static void print_lists(const char *commands, const char *options, const char *end)
{
	struct opt_iter it;
	const struct opt *o;
	int fish = end[0] == '\n';
	printf("%s", commands);
	for (const struct cmd *c = cswarm_commands; c->name; c++)
		printf("%s%s", c == cswarm_commands ? fish ? " " : "" : " ", c->name);
	printf("%s%s", end, options);
	opt_iter_init(&it, cluster_options.opts);
	while ((o = opt_next(&it, NULL))) {
		if (fish ? !o->argh : !(o->flags & OPT_GLOBAL))
			continue;
		printf(" --%s", o->long_name);
		if (o->short_name)
			printf(" -%c", o->short_name);
	}
	printf("%s", end);
}

/* --- bash (and zsh through bashcompinit) ---------------------------------------- */

/* case "$1 $2" in ... the value completion of each option of a table:
 * shared fragments once (any form), a form's own options under its path. */
static void bash_value_cases(const char *form, const struct opt *table, int fragments)
{
	for (const struct opt *o = table; o->type != OPT_T_END; o++) {
		if (o->type == OPT_T_INCLUDE) {
			if (fragments)
				bash_value_cases("*", o->include->opts, fragments);
			continue;
		}
		if (!o->argh)
			continue;
		const char *what = o->complete ? o->complete : "";
		const char *quote = streq(form, "*") ? "" : "\"";
		printf("\t%s%s%s\" --%s\"", quote, form, quote, o->long_name);
		if (o->short_name)
			printf("|%s%s%s\" -%c\"", quote, form, quote, o->short_name);
		printf(") echo \"%s%s\" ;;\n", o->complete && is_kind(what) ? "@" : "", what);
	}
}

static void bash_alias_cases(const struct cmd *c, const struct subcmd *s)
{
	for (const char *a = s->aliases; a && *a; a += strspn(a, " ")) {
		size_t len = strcspn(a, " ");
		printf("\t\"%s %.*s\") echo \"%s\" ;;\n", c->name, (int)len, a, s->path);
		a += len;
	}
}

static void print_bash_tables(void)
{
	struct strbuf words = STRBUF_INIT;
	print_lists("_cswarm_commands=\"", "_cswarm_global_opts=\"", "\"\n");
	printf("_cswarm_subs() {\n\tcase $1 in\n");
	for (const struct cmd *c = cswarm_commands; c->name; c++) {
		sb_reset(&words);
		subcommand_words(c, &words);
		if (words.len)
			printf("\t%s) echo \"%s\" ;;\n", c->name, words.buf);
	}
	printf("\tesac\n}\n# The form an alias names: \"node list\" is \"node ls\".\n"
	       "_cswarm_canon() {\n\tcase $1 in\n");
	for (const struct cmd *c = cswarm_commands; c->name; c++)
		for (const struct subcmd *const *s = c->subs; *s; s++)
			bash_alias_cases(c, *s);
	printf("\t*) echo \"$1\" ;;\n\tesac\n}\n_cswarm_opts() {\n\tcase $1 in\n");
	for (const struct cmd *c = cswarm_commands; c->name; c++)
		for (const struct subcmd *const *s = c->subs; *s; s++) {
			sb_reset(&words);
			option_words((*s)->options, &words);
			printf("\t\"%s\") echo \"%s\" ;;\n", (*s)->path, words.buf);
		}
	printf("\tesac\n}\n# The value of option $2 of form $1: @kind or words; nothing for a flag.\n"
	       "_cswarm_value() {\n\tcase \"$1 $2\" in\n");
	for (const struct cmd *c = cswarm_commands; c->name; c++)
		for (const struct subcmd *const *s = c->subs; *s; s++)
			bash_value_cases((*s)->path, (*s)->options, 0);
	bash_value_cases("*", cluster_options.opts, 1);
	printf("\t*) return 1 ;;\n\tesac\n}\n_cswarm_args() {\n\tcase $1 in\n");
	for (const struct cmd *c = cswarm_commands; c->name; c++)
		for (const struct subcmd *const *s = c->subs; *s; s++)
			if ((*s)->complete)
				printf("\t\"%s\") echo \"%s%s\" ;;\n", (*s)->path,
				       is_kind((*s)->complete) ? "@" : "", (*s)->complete);
	printf("\tesac\n}\n");
	sb_free(&words);
}

/* The script's fixed part: finding the command and subcommand words, and
 * the kinds of value. Names of nodes, stacks and services come from the
 * inventory given on the line (-i, --inventory) or $CSWARM_INVENTORY. */
static const char bash_main[] =
	"_cswarm_names() {\n"
	"\tlocal inv=$1 kind=$2\n"
	"\tcase $kind in\n"
	"\tcommand) echo \"$_cswarm_commands\" ;;\n"
	"\tnode) [ -n \"$inv\" ] && cswarm inventory -i \"$inv\" --graph 2>/dev/null | " HOSTS_OF_GRAPH " ;;\n"
	"\tstack) [ -n \"$inv\" ] && cswarm stack ls -i \"$inv\" 2>/dev/null | awk 'NR > 1 { print $1 }' ;;\n"
	"\tservice) [ -n \"$inv\" ] && cswarm service ls -i \"$inv\" 2>/dev/null | awk 'NR > 1 { print $2 }' ;;\n"
	"\tesac\n"
	"}\n"
	"_cswarm_complete() {\t# what (@kind or words), inventory, current word\n"
	"\tcase $1 in\n"
	"\t@file) COMPREPLY=($(compgen -f -- \"$3\")) ;;\n"
	"\t@*) COMPREPLY=($(compgen -W \"$(_cswarm_names \"$2\" \"${1#@}\")\" -- \"$3\")) ;;\n"
	"\t*) COMPREPLY=($(compgen -W \"$1\" -- \"$3\")) ;;\n"
	"\tesac\n"
	"}\n"
	"_cswarm() {\n"
	"\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	"\tlocal i w cmd= sub= form value inv=${CSWARM_INVENTORY-}\n"
	"\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	"\t\tw=${COMP_WORDS[i]}\n"
	"\t\tcase $w in\n"
	"\t\t-i|--inventory) inv=${COMP_WORDS[i+1]} ;;\n"
	"\t\t--) return ;;\n"
	"\t\tesac\n"
	"\t\tif [[ $w == -* ]]; then\n"
	"\t\t\t[ -z \"$cmd\" ] && _cswarm_value '' \"$w\" >/dev/null && ((i++))\n"
	"\t\telif [ -z \"$cmd\" ]; then\n"
	"\t\t\tcmd=$w\n"
	"\t\telif [ -z \"$sub\" ] && [ -n \"$(_cswarm_subs \"$cmd\")\" ]; then\n"
	"\t\t\tsub=$w\n"
	"\t\tfi\n"
	"\tdone\n"
	"\tform=$(_cswarm_canon \"$cmd${sub:+ $sub}\")\n"
	"\tif [ -n \"$cmd\" ] && value=$(_cswarm_value \"$form\" \"$prev\"); then\n"
	"\t\t_cswarm_complete \"$value\" \"$inv\" \"$cur\"\n"
	"\telif [ -z \"$cmd\" ]; then\n"
	"\t\t[[ $cur == -* ]] && _cswarm_complete \"$_cswarm_global_opts\" \"\" \"$cur\" ||\n"
	"\t\t\t_cswarm_complete \"$_cswarm_commands\" \"\" \"$cur\"\n"
	"\telif [ -z \"$sub\" ] && [ -n \"$(_cswarm_subs \"$cmd\")\" ]; then\n"
	"\t\t_cswarm_complete \"$(_cswarm_subs \"$cmd\")\" \"\" \"$cur\"\n"
	"\telif [[ $cur == -* ]]; then\n"
	"\t\t_cswarm_complete \"$(_cswarm_opts \"$form\")\" \"\" \"$cur\"\n"
	"\telse\n"
	"\t\t_cswarm_complete \"$(_cswarm_args \"$form\")\" \"$inv\" \"$cur\"\n"
	"\tfi\n"
	"}\n"
	"complete -o filenames -F _cswarm cswarm\n";

static void print_bash(void)
{
	printf("# bash completion for cswarm (generated by `cswarm completion bash`)\n");
	print_bash_tables();
	fputs(bash_main, stdout);
}

/* zsh runs the bash function through its bashcompinit layer. */
static void print_zsh(void)
{
	printf("#compdef cswarm\n"
	       "# zsh completion for cswarm (generated by `cswarm completion zsh`)\n"
	       "autoload -U +X bashcompinit && bashcompinit\n");
	print_bash();
}

/* --- fish ----------------------------------------------------------------------- */

/* fish quotes: single quotes, \' and \\ inside. */
static void fish_quoted(const char *s)
{
	putchar('\'');
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('\'');
}

static void fish_option(const struct subcmd *s, const struct opt *o)
{
	printf("complete -c cswarm -n '__cswarm_form \"%s\"' -l %s", s->path, o->long_name);
	if (o->short_name)
		printf(" -s %c", o->short_name);
	if (o->argh && o->complete && streq(o->complete, "file"))
		printf(" -r -F");
	else if (o->argh && o->complete && is_kind(o->complete))
		printf(" -x -a '(__cswarm_names %s)'", o->complete);
	else if (o->argh && o->complete)
		printf(" -x -a '%s'", o->complete);
	else if (o->argh)
		printf(" -x");
	printf(" -d ");
	fish_quoted(o->help);
	putchar('\n');
}

static void fish_form(const struct subcmd *s)
{
	struct opt_iter it;
	const struct opt *o;
	if (strchr(s->path, ' ')) {
		printf("complete -c cswarm -f -n '__cswarm_sub %.*s' -a %s -d ",
		       (int)strcspn(s->path, " "), s->path, subcmd_word(s));
		fish_quoted(s->summary ? s->summary : "");
		putchar('\n');
	}
	opt_iter_init(&it, s->options);
	while ((o = opt_next(&it, NULL)))
		fish_option(s, o);
	if (s->complete && !streq(s->complete, "file"))
		printf("complete -c cswarm -f -n '__cswarm_form \"%s\"' -a '%s%s%s'\n", s->path,
		       is_kind(s->complete) ? "(__cswarm_names " : "", s->complete,
		       is_kind(s->complete) ? ")" : "");
}

/* __cswarm_words: the words typed after cswarm, options and their values
 * left out; __cswarm_form PATH: they start with that command and
 * subcommand ("node update"), or are that command and no subcommand of it
 * ("config"); __cswarm_sub CMD: the subcommand is the word to type. */
static const char fish_functions[] =
	"function __cswarm_words\n"
	"\tset -l skip 0\n"
	"\tset -l words\n"
	"\tfor w in (commandline -opc)[2..-1]\n"
	"\t\tif test $skip = 1; set skip 0; continue; end\n"
	"\t\tif contains -- $w $__cswarm_valued; set skip 1; continue; end\n"
	"\t\tstring match -q -- '-*' $w; and continue\n"
	"\t\tset -a words (__cswarm_canon \"$words[1] $w\" $w)\n"
	"\tend\n"
	"\tstring join \\n -- $words\n"
	"end\n"
	"function __cswarm_form\n"
	"\tset -l words (__cswarm_words)\n"
	"\tset -l form (string split ' ' -- $argv[1])\n"
	"\tset -l n (count $form)\n"
	"\ttest (count $words) -ge $n; or return 1\n"
	"\ttest \"$words[1..$n]\" = \"$argv[1]\"; or return 1\n"
	"\ttest $n -eq 2; or test (count $words) -eq 1; or not contains -- $words[2] (__cswarm_subs_of $form[1])\n"
	"end\n"
	"function __cswarm_sub\n"
	"\tset -l words (__cswarm_words)\n"
	"\ttest (count $words) -eq 1; and test \"$words[1]\" = $argv[1]\n"
	"end\n"
	"function __cswarm_inventory\n"
	"\tset -l inv $CSWARM_INVENTORY\n"
	"\tset -l next 0\n"
	"\tfor w in (commandline -opc)\n"
	"\t\ttest $next = 1; and set inv $w\n"
	"\t\tset next 0\n"
	"\t\tcontains -- $w -i --inventory; and set next 1\n"
	"\tend\n"
	"\techo $inv\n"
	"end\n"
	"function __cswarm_names\n"
	"\tset -l inv (__cswarm_inventory)\n"
	"\ttest -n \"$inv\" -o $argv[1] = command; or return\n"
	"\tswitch $argv[1]\n"
	"\tcase command\n"
	"\t\techo $__cswarm_commands\n"
	"\tcase node\n"
	"\t\tcswarm inventory -i $inv --graph 2>/dev/null | " HOSTS_OF_GRAPH "\n"
	"\tcase stack\n"
	"\t\tcswarm stack ls -i $inv 2>/dev/null | awk 'NR > 1 { print $1 }'\n"
	"\tcase service\n"
	"\t\tcswarm service ls -i $inv 2>/dev/null | awk 'NR > 1 { print $2 }'\n"
	"\tend\n"
	"end\n";

static void print_fish(void)
{
	struct strbuf words = STRBUF_INIT;
	printf("# fish completion for cswarm (generated by `cswarm completion fish`)\n");
	print_lists("set -g __cswarm_commands", "set -g __cswarm_valued", "\n");
	fputs(fish_functions, stdout);
	printf("function __cswarm_subs_of\n\tswitch $argv[1]\n");
	for (const struct cmd *c = cswarm_commands; c->name; c++) {
		sb_reset(&words);
		subcommand_words(c, &words);
		if (words.len)
			printf("\tcase %s\n\t\techo %s\n", c->name, words.buf);
	}
	printf("\tend\nend\n# The subcommand an alias names: \"node list\" is ls.\n"
	       "function __cswarm_canon\n\tswitch $argv[1]\n");
	for (const struct cmd *c = cswarm_commands; c->name; c++)
		for (const struct subcmd *const *s = c->subs; *s; s++)
			for (const char *a = (*s)->aliases; a && *a; a += strspn(a, " ")) {
				size_t len = strcspn(a, " ");
				printf("\tcase '%s %.*s'\n\t\techo %s\n\t\treturn\n", c->name, (int)len, a,
				       subcmd_word(*s));
				a += len;
			}
	printf("\tend\n\techo $argv[2]\nend\n");
	for (const struct cmd *c = cswarm_commands; c->name; c++) {
		printf("complete -c cswarm -f -n '__fish_use_subcommand' -a %s -d ", c->name);
		fish_quoted(c->summary);
		putchar('\n');
		for (const struct subcmd *const *s = c->subs; *s; s++)
			fish_form(*s);
	}
	sb_free(&words);
}

static int completion_main(const struct subcmd *self, int argc, char **argv)
{
	if (parse_options(self, argc, argv, NULL, NULL) != EXIT_OK)
		return EXIT_USAGE;
	if (optind + 1 != argc)
		return usage_error("usage: cswarm completion bash|zsh|fish");
	if (streq(argv[optind], "bash"))
		print_bash();
	else if (streq(argv[optind], "zsh"))
		print_zsh();
	else if (streq(argv[optind], "fish"))
		print_fish();
	else
		return usage_error("completion: unknown shell '%s' (bash, zsh or fish)", argv[optind]);
	return EXIT_OK;
}

static const struct opt completion_options[] = { OPT_END() };
static const struct subcmd completion_cmd = {
	"completion", "bash|zsh|fish", NULL, completion_options, .complete = "bash zsh fish",
	.fn = completion_main,
};
const struct subcmd *const completion_subcommands[] = { &completion_cmd, NULL };
