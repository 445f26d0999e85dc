/* One cmd_x(argc, argv) per command group; main.c dispatches to them.
 * argv[0] is the command's own name. Each returns an exit code (util.h). */
#ifndef CSWARM_CMD_H
#define CSWARM_CMD_H

#include <stddef.h>

int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_node(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_deploy(int argc, char **argv);
int cmd_reconcile(int argc, char **argv);
/* deploy FILE... (stack_form 0) or stack deploy -c FILE... NAME (1) */
int deploy_main(int argc, char **argv, int stack_form);
struct run;
struct stack;
struct strbuf;
/* Put a stack model into the state as deploy does (prune) and converge the
 * cluster to it: `secret update` rolls the stacks using a new version.
 * Returns the operations that failed, or -1 when nothing was planned. */
long deploy_stack_model(struct run *r, struct stack *st);
/* cswarm secret, and cswarm config's object subcommands (argv[0] is the
 * subcommand): create, ls, inspect, rm, update (cmd/secret.c). */
int cmd_secret(int argc, char **argv);
int objects_main(int argc, char **argv, int is_config);
/* "stack_service" of every service (r with RUN_STACKS) that mounts the
 * secret or config name, comma-separated, appended to out. */
void objects_users(const struct run *r, int is_config, const char *name, struct strbuf *out);
/* A subcommand word of `cswarm config` that selects objects_main. */
int objects_subcommand(const char *word);
int cmd_unlock_key(int argc, char **argv);
struct cluster_key;
/* How init --autolock and unlock-key --rotate hand the key to the operator. */
void print_unlock_key(const struct cluster_key *k);
/* `node rm [--force] NODE...` (cmd/node_rm.c); argv[0] is "rm". */
int node_rm_main(int argc, char **argv);
/* Converge the whole cluster as `cswarm reconcile` does, on an open,
 * locked run (cmd/reconcile.c): its exit code. */
int reconcile_run(struct run *r, long wait_ms, int rebalance, int json);
int cmd_init(int argc, char **argv);
int cmd_inventory(int argc, char **argv);
int cmd_lock(int argc, char **argv);
int cmd_stack(int argc, char **argv);
int cmd_service(int argc, char **argv);
int cmd_completion(int argc, char **argv);
int cmd_network(int argc, char **argv);
/* Listings shared by stack, service and node (cmd/service.c); argv[0] is
 * the subcommand. service ls (of_stack 0) or stack services NAME (1). */
int service_ls_main(int argc, char **argv, int of_stack);
/* Tasks of the stacks, services (STACK_SERVICE) or nodes named by the
 * arguments: `stack ps`, `service ps`, `node ps`; and their logs. */
enum task_scope { TASKS_OF_STACK, TASKS_OF_SERVICE, TASKS_OF_NODE };
int tasks_ps_main(int argc, char **argv, enum task_scope scope);
int tasks_logs_main(int argc, char **argv, enum task_scope scope);
/* service update|rollback|inspect (cmd/service_update.c); argv[0] is the
 * subcommand. */
int service_update_main(int argc, char **argv);
int service_rollback_main(int argc, char **argv);
int service_inspect_main(int argc, char **argv);
/* Converge stack i of the run as the state holds it (cmd/service.c);
 * returns the operations that failed, adds the tasks left pending, and
 * says whether update_config.failure_action asks for a rollback. */
struct run;
size_t service_converge(struct run *r, size_t i, size_t *pending, int *rollback);

/* `cswarm -i hosts node ls` as docker's global options: returns a new argv
 * (caller frees the array) with the host options given before the command
 * moved behind it. */
int hoist_global_options(int argc, char **argv, char ***out);

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
