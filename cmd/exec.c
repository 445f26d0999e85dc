#include "cmd/cmd.h"
#include "util/util.h"

int cmd_exec(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	error("exec: not implemented yet");
	return EXIT_FAIL;
}
