/* Argument handling shared by the commands (the host options themselves
 * are the run's: engine/hostopts.h). */
#include "cmd/cmd.h"
#include "cmd/common.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* --- options before the command ------------------------------------------ */

static const struct option global_opts[] = {
	HOST_LONGOPTS, { "cluster", required_argument, NULL, 'C' }, { NULL, 0, NULL, 0 }
};

/* How many words the global option at argv[0] takes (1 or 2); 0 if it is
 * not one. Forms: --name, --name=V, --name V, -x V, -xV. */
static int global_option_words(char *const *argv)
{
	const char *a = argv[0];
	for (const struct option *o = global_opts; o->name; o++) {
		size_t n = strlen(o->name);
		int takes = o->has_arg == required_argument;
		if (starts_with(a, "--") && strncmp(a + 2, o->name, n) == 0 &&
		    (a[2 + n] == '\0' || (takes && a[2 + n] == '=')))
			return takes && a[2 + n] == '\0' ? 2 : 1;
		if (a[0] == '-' && a[1] == o->val && o->val < 128 && strchr(HOST_SHORTOPTS, o->val))
			return takes && a[2] == '\0' ? 2 : 1;
	}
	return 0;
}

int hoist_global_options(int argc, char **argv, char ***out)
{
	int end = 1;
	while (end < argc && argv[end][0] == '-' && !streq(argv[end], "--")) {
		int words = global_option_words(argv + end);
		if (words == 0 || end + words > argc)
			break;
		end += words;
	}
	char **nv = xcalloc((size_t)argc + 1, sizeof(*nv));
	int n = 0, cmd = end;
	nv[n++] = argv[0];
	if (cmd < argc)
		nv[n++] = argv[cmd];
	/* The rest of the command line, with the global options placed before
	 * its "--" (exec's command) or at its end. */
	int dashdash = cmd + 1;
	while (dashdash < argc && !streq(argv[dashdash], "--"))
		dashdash++;
	for (int i = cmd + 1; i < dashdash; i++)
		nv[n++] = argv[i];
	for (int i = 1; i < end; i++)
		nv[n++] = argv[i];
	for (int i = dashdash; i < argc; i++)
		nv[n++] = argv[i];
	*out = nv;
	return n;
}
