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
	const char **files;
	size_t nfiles, cap;
	const char *env_file, *name, *format;
	bool quiet;
};

static int parse_args(int argc, char **argv, struct config_args *a)
{
	static const struct option longopts[] = {
		{ "compose-file", required_argument, NULL, 'c' },
		{ "env-file", required_argument, NULL, 'e' },
		{ "format", required_argument, NULL, 'f' },
		{ "name", required_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:n:q", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			GROW(a->files, a->cap, a->nfiles + 1);
			a->files[a->nfiles++] = optarg;
			break;
		case 'e':
			a->env_file = optarg;
			break;
		case 'f':
			a->format = optarg;
			break;
		case 'n':
			a->name = optarg;
			break;
		case 'q':
			a->quiet = true;
			break;
		default:
			return usage_error("config -c FILE [-c FILE...] [--env-file FILE] [--format yaml|json] [--name NAME]");
		}
	}
	if (optind < argc)
		return usage_error("config: unexpected argument '%s'", argv[optind]);
	if (!a->nfiles)
		return usage_error("config: at least one -c FILE is required");
	if (!streq(a->format, "yaml") && !streq(a->format, "json"))
		return usage_error("config: --format must be yaml or json, not '%s'", a->format);
	return EXIT_OK;
}

int cmd_config(int argc, char **argv)
{
	/* `config create|ls|inspect|rm|update`: configs as cluster objects
	 * (cmd/secret.c); otherwise the stack file, as docker stack config. */
	if (argc > 1 && objects_subcommand(argv[1]))
		return objects_main(argc - 1, argv + 1, 1);
	struct config_args a = { .format = "yaml" };
	int rc = parse_args(argc, argv, &a);
	if (rc != EXIT_OK) {
		free(a.files);
		return rc;
	}
	struct compose_opts opts = { .files = a.files, .nfiles = a.nfiles, .env_file = a.env_file,
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
	free(a.files);
	return rc;
}
