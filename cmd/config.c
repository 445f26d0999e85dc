#include "cmd/cmd.h"
#include "util/util.h"

int cmd_config(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	error("config: not implemented yet");
	return EXIT_FAIL;
}
