/* One option table per command (git's parse-options): the table is what
 * the command parses, what `cswarm help CMD` lists, what the man page's
 * SYNOPSIS and OPTIONS show and what shell completion offers.
 *
 *	struct deploy_args { int prune; struct optlist files; };
 *	static const struct opt deploy_options[] = {
 *		OPT_LIST('c', "compose-file", "FILE", struct deploy_args, files,
 *			 "a stack file (repeat to merge)", "file"),
 *		OPT_FLAG(0, "prune", struct deploy_args, prune, "remove services the file no longer lists"),
 *		OPT_INCLUDE(cluster_options),
 *		OPT_END(),
 *	};
 *	static const struct subcmd deploy_cmd = {
 *		"deploy", "STACK.yml...", NULL, deploy_options, .fn = deploy_main,
 *	};
 *	...
 *	static int deploy_main(const struct subcmd *self, int argc, char **argv)
 *	... if (parse_options(self, argc, argv, &args, &run) != EXIT_OK) ...
 *
 * A target is a field of the command's own argument struct, or of the
 * struct run (OPT_INCLUDE of host_options or cluster_options): the parser
 * writes through the field's offset, checked against the option's type at
 * compile time. */
#ifndef CSWARM_CMD_OPTIONS_H
#define CSWARM_CMD_OPTIONS_H

#include <getopt.h>
#include <stddef.h>

/* The values of a repeated option, in command-line order (borrowed from
 * argv; free v only). */
struct optlist {
	const char **v;
	size_t n, cap;
};

enum opt_type {
	OPT_T_END,
	OPT_T_FLAG,	/* int, set to 1 */
	OPT_T_INT,	/* int in [min, max] */
	OPT_T_STRING,	/* const char * */
	OPT_T_DURATION,	/* long, milliseconds in [min, max] (max 0: no bound) */
	OPT_T_LIST,	/* struct optlist: every value, in order */
	OPT_T_CALLBACK,	/* cb(args, value) */
	OPT_T_INCLUDE,	/* the options of another table (a shared fragment) */
};

enum opt_flags {
	OPT_ON_RUN = 1,		/* the target is in the struct run, not the command's args */
	OPT_GLOBAL = 2,		/* also accepted before the command: cswarm -i INV node ls */
	OPT_REPEATS = 4,	/* a callback that takes the option again and again (synopsis: ...) */
};

struct opt_group;

struct opt {
	enum opt_type type;
	int short_name;		/* 0: long only */
	const char *long_name;
	const char *argh;	/* the value's name in help (FILE, DUR); NULL: no value */
	const char *help;	/* one line for the options list */
	size_t offset;		/* of the target */
	unsigned flags;
	long long min, max;	/* OPT_T_INT, OPT_T_DURATION */
	/* What completes the value: "file", "node", or the fixed values,
	 * space-separated ("table json"); NULL: nothing. */
	const char *complete;
	int (*cb)(void *args, const char *value);	/* EXIT_OK or EXIT_USAGE (printed) */
	const struct opt_group *include;
};

/* A fragment many tables include, with the title help lists it under. */
struct opt_group {
	const char *name;	/* in synopses: [cluster options] */
	const char *title;	/* heading of its options in help */
	const struct opt *opts;
};

/* A type error (the field is not of the option's type) fails to compile:
 * a pointer to the field minus a pointer to the type. */
#define OPT_TARGET(T, field, type) \
	(offsetof(T, field) + 0 * sizeof(&((T *)0)->field - (type *)0))

#define OPT_FLAG(s, l, T, f, h, ...) \
	{ .type = OPT_T_FLAG, .short_name = (s), .long_name = (l), .help = (h), \
	  .offset = OPT_TARGET(T, f, int), __VA_ARGS__ }
#define OPT_INT(s, l, argh_, T, f, lo, hi, h, ...) \
	{ .type = OPT_T_INT, .short_name = (s), .long_name = (l), .argh = (argh_), .help = (h), \
	  .offset = OPT_TARGET(T, f, int), .min = (lo), .max = (hi), __VA_ARGS__ }
#define OPT_STRING(s, l, argh_, T, f, h, compl, ...) \
	{ .type = OPT_T_STRING, .short_name = (s), .long_name = (l), .argh = (argh_), .help = (h), \
	  .offset = OPT_TARGET(T, f, const char *), .complete = (compl), __VA_ARGS__ }
#define OPT_DURATION(s, l, T, f, lo, hi, h, ...) \
	{ .type = OPT_T_DURATION, .short_name = (s), .long_name = (l), .argh = "DUR", .help = (h), \
	  .offset = OPT_TARGET(T, f, long), .min = (lo), .max = (hi), __VA_ARGS__ }
#define OPT_LIST(s, l, argh_, T, f, h, compl, ...) \
	{ .type = OPT_T_LIST, .short_name = (s), .long_name = (l), .argh = (argh_), .help = (h), \
	  .offset = OPT_TARGET(T, f, struct optlist), .complete = (compl), __VA_ARGS__ }
#define OPT_CALLBACK(s, l, argh_, fn, h, compl, ...) \
	{ .type = OPT_T_CALLBACK, .short_name = (s), .long_name = (l), .argh = (argh_), .help = (h), \
	  .cb = (fn), .complete = (compl), __VA_ARGS__ }
/* The trailing arguments are more designated initializers (.flags = ...). */
#define OPT_INCLUDE(group) { .type = OPT_T_INCLUDE, .include = &(group) }
#define OPT_END() { .type = OPT_T_END }

/* Options every command that reaches hosts takes (-i, --limit, --forks,
 * --timeout, ...), and those of commands that use the cluster state
 * (--cluster, --lock-wait, --wait) with the host options: targets in the
 * struct run (cmd/common.c). */
extern const struct opt_group host_options;
extern const struct opt_group cluster_options;

struct run;

/* A command, or a subcommand of one ("node update"): its option table and
 * what help and completion say about it. */
struct subcmd {
	const char *path;	/* "node update"; "deploy" */
	const char *args;	/* the arguments after the options: "NODE", "NAME FILE|-" */
	const char *summary;	/* one line (help of a command with subcommands) */
	const struct opt *options;
	const char *aliases;	/* other names, space-separated ("list") */
	const char *complete;	/* what completes the arguments: "node", "file", ... */
	/* argv[0] is the form's word; self is this entry. */
	int (*fn)(const struct subcmd *self, int argc, char **argv);
	int variant;		/* for a function that serves several forms */
	int stop_at_argument;	/* options end at the first argument (exec's command) */
};

/* Parse argv (argv[0] is the subcommand's name) with sub's table into args
 * (the command's argument struct) and run (NULL when the table includes
 * no run options): getopt_long, permuting as it does; optind is left at
 * the first argument. EXIT_OK, or EXIT_USAGE with the error printed
 * (unknown option with a "did you mean", missing or bad value). */
int parse_options(const struct subcmd *sub, int argc, char **argv, void *args, struct run *run);

/* Every option of a table, fragments expanded, in table order; callers
 * iterate with opt_next. The group an option came from is *group (NULL:
 * the table's own). */
struct opt_iter {
	const struct opt *at[4];	/* the stack of tables being walked */
	const struct opt_group *group[4];
	int depth;
};
void opt_iter_init(struct opt_iter *it, const struct opt *table);
const struct opt *opt_next(struct opt_iter *it, const struct opt_group **group);

/* Free every struct optlist of args that table fills. */
void options_free(const struct opt *table, void *args);

#endif
