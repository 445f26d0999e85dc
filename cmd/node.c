#include "cmd/cmd.h"
#include "util/util.h"

int cmd_node(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	error("node: not implemented yet");
	return EXIT_FAIL;
}
