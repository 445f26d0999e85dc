/* One cmd_x(argc, argv) per command group; main.c dispatches to them.
 * argv[0] is the command's own name. Each returns an exit code (util.h). */
#ifndef CSWARM_CMD_H
#define CSWARM_CMD_H

int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_node(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_deploy(int argc, char **argv);
int cmd_reconcile(int argc, char **argv);
/* deploy FILE... (stack_form 0) or stack deploy -c FILE... NAME (1) */
int deploy_main(int argc, char **argv, int stack_form);
int cmd_init(int argc, char **argv);
int cmd_lock(int argc, char **argv);

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *usage;	/* full help text for `cswarm help NAME` */
};

/* The dispatch table (cmd/help.c), terminated by a NULL name. */
extern const struct cmd cswarm_commands[];
const struct cmd *find_command(const char *name);

#endif
