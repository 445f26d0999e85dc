/* cswarm config -c FILE: print the resolved, normalized stack (like
 * `docker stack config`), with sorted keys so that CI can diff it.
 * cswarm config create|ls|inspect|rm|update: configs stored in the
 * cluster, as `docker config` (cmd/secret.c). */
#include "cmd/cmd.h"
#include "compose/compose.h"
#include "util/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct config_args {
	struct optlist files;
	const char *env_file, *name, *format;
	int quiet;
};

static const struct opt config_options[] = {
	OPT_LIST('c', "compose-file", "FILE", struct config_args, files,
		 "a stack file; more are merged with the Compose override rules", "file"),
	OPT_STRING(0, "env-file", "FILE", struct config_args, env_file,
		   "variables for interpolation (default: .env beside the first file)", "file"),
	OPT_STRING(0, "format", "yaml|json", struct config_args, format, "output format (default yaml)",
		   "yaml json"),
	OPT_STRING('n', "name", "NAME", struct config_args, name,
		   "stack name (default: the file's name: key or its directory)", NULL),
	OPT_FLAG('q', "quiet", struct config_args, quiet, "no warnings (unset variables)"),
	OPT_END(),
};

static int parse_args(const struct subcmd *self, int argc, char **argv, struct config_args *a)
{
	if (parse_options(self, argc, argv, a, NULL) != EXIT_OK)
		return EXIT_USAGE;
	if (optind < argc)
		return usage_error("config: unexpected argument '%s'", argv[optind]);
	if (!a->files.n)
		return usage_error("config: at least one -c FILE is required");
	if (!streq(a->format, "yaml") && !streq(a->format, "json"))
		return usage_error("config: --format must be yaml or json, not '%s'", a->format);
	return EXIT_OK;
}

/* The stack file, as docker stack config; `config create|ls|...` are the
 * configs kept in the cluster (cmd/secret.c). */
static int config_main(const struct subcmd *self, int argc, char **argv)
{
	struct config_args a = { .format = "yaml" };
	int rc = parse_args(self, argc, argv, &a);
	if (rc != EXIT_OK) {
		free(a.files.v);
		return rc;
	}
	struct compose_opts opts = { .files = a.files.v, .nfiles = a.files.n, .env_file = a.env_file,
				     .name = a.name, .quiet = a.quiet };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct stack *st;
	if (compose_load(&opts, &st, &err) < 0) {
		error("%s", err.buf);
		rc = EXIT_FAIL;
	} else {
		if (streq(a.format, "json"))
			compose_write_json(st, &out);
		else
			compose_write_yaml(st, &out);
		fwrite(out.buf, 1, out.len, stdout);
		stack_free(st);
	}
	sb_free(&err);
	sb_free(&out);
	free(a.files.v);
	return rc;
}

const struct subcmd config_cmd = {
	"config", NULL, "print the resolved stack file", config_options, .fn = config_main,
};
