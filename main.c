/* cswarm: Docker Swarm without the daemons. Argument dispatch only. */
#include "cmd/cmd.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	char **args = NULL;
	argc = hoist_global_options(argc, argv, &args);
	argv = args;
	if (argc < 2) {
		list_commands();
		free(args);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (streq(name, "--help") || streq(name, "-h"))
		name = "help";
	else if (streq(name, "--version"))
		name = "version";
	const struct cmd *c = find_command(name);
	int ret = c ? run_command(c, argc - 1, argv + 1) :
		  usage_error("unknown command '%s' (see 'cswarm --help')", argv[1]);
	free(args);
	return ret;
}
