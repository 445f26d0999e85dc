/* cswarm: Docker Swarm without the daemons. Argument dispatch only. */
#include "cmd/cmd.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		cmd_help(1, argv);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (streq(name, "--help") || streq(name, "-h"))
		name = "help";
	else if (streq(name, "--version"))
		name = "version";
	const struct cmd *c = find_command(name);
	if (!c)
		return usage_error("unknown command '%s' (see 'cswarm --help')", argv[1]);
	return c->fn(argc - 1, argv + 1);
}
