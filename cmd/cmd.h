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
/* `node rm [--force] NODE...` (cmd/node_rm.c); argv[0] is "rm". */
int node_rm_main(int argc, char **argv);
/* Converge the whole cluster as `cswarm reconcile` does, on an open,
 * locked run (cmd/reconcile.c): its exit code. */
struct run;
int reconcile_run(struct run *r, long wait_ms, int rebalance, int json);
int cmd_init(int argc, char **argv);
int cmd_lock(int argc, char **argv);
int cmd_stack(int argc, char **argv);
int cmd_service(int argc, char **argv);
/* Listings shared by stack, service and node (cmd/service.c); argv[0] is
 * the subcommand. service ls (of_stack 0) or stack services NAME (1). */
int service_ls_main(int argc, char **argv, int of_stack);
/* Tasks of the stacks, services (STACK_SERVICE) or nodes named by the
 * arguments: `stack ps`, `service ps`, `node ps`; and their logs. */
enum task_scope { TASKS_OF_STACK, TASKS_OF_SERVICE, TASKS_OF_NODE };
int tasks_ps_main(int argc, char **argv, enum task_scope scope);
int tasks_logs_main(int argc, char **argv, enum task_scope scope);

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
