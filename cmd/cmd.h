/* The commands: each is a table of forms (struct subcmd, cmd/options.h),
 * its own and its subcommands', that main.c dispatches to with argv[0] the
 * form's own name. Each form returns an exit code (util.h). */
#ifndef CSWARM_CMD_H
#define CSWARM_CMD_H

#include "cmd/options.h"

#include <stddef.h>

/* Every command's forms, NULL-terminated: its own form (path without a
 * space: "deploy", "config") and its subcommands ("node ls"). Each lives
 * with its implementation. */
extern const struct subcmd *const node_subcommands[], *const exec_subcommands[],
	*const config_subcommands[], *const secret_subcommands[], *const unlock_key_subcommands[],
	*const init_subcommands[], *const inventory_subcommands[], *const lock_subcommands[],
	*const deploy_subcommands[], *const reconcile_subcommands[], *const stack_subcommands[],
	*const network_subcommands[], *const service_subcommands[],
	*const completion_subcommands[], *const help_subcommands[], *const version_subcommands[];
/* Forms one command borrows from another's file. */
extern const struct subcmd config_cmd, stack_deploy_cmd, node_rm_cmd, node_ps_cmd,
	stack_services_cmd, stack_ps_cmd, stack_logs_cmd, service_update_cmd,
	service_rollback_cmd, service_inspect_cmd;

/* Listings shared by stack, service and node (cmd/service.c): the scope of
 * a ps or logs form (its variant). */
enum task_scope { TASKS_OF_STACK, TASKS_OF_SERVICE, TASKS_OF_NODE };

struct run;
struct stack;
struct strbuf;
/* Put a stack model into the state as deploy does (prune) and converge the
 * cluster to it: `secret update` rolls the stacks using a new version.
 * Returns the operations that failed, or -1 when nothing was planned. */
long deploy_stack_model(struct run *r, struct stack *st);
/* "stack_service" of every service (r with RUN_STACKS) that mounts the
 * secret or config name, comma-separated, appended to out. */
void objects_users(const struct run *r, int is_config, const char *name, struct strbuf *out);
struct cluster_key;
/* How init --autolock and unlock-key --rotate hand the key to the operator. */
void print_unlock_key(const struct cluster_key *k);
/* Converge the whole cluster as `cswarm reconcile` does, on an open,
 * locked run (cmd/reconcile.c): its exit code. */
int reconcile_run(struct run *r, long wait_ms, int rebalance, int json);
/* Converge stack i of the run as the state holds it (cmd/service.c);
 * returns the operations that failed, adds the tasks left pending, and
 * says whether update_config.failure_action asks for a rollback. */
size_t service_converge(struct run *r, size_t i, size_t *pending, int *rollback);

/* `cswarm -i hosts node ls` as docker's global options: returns a new argv
 * (caller frees the array) with the global options (OPT_GLOBAL) given
 * before the command moved behind it. */
int hoist_global_options(int argc, char **argv, char ***out);

/* A command: what `cswarm help` says of it, and its forms. */
struct cmd {
	const char *name;
	const char *summary;
	/* Help after the generated synopsis and options: what each form
	 * does, exit codes. */
	const char *prose;
	const struct subcmd *const *subs;
};

/* The command table (cmd/help.c), terminated by a NULL name. */
extern const struct cmd cswarm_commands[];
const struct cmd *find_command(const char *name);
/* Run the command on argv (argv[0] is its name): its own form, or the
 * subcommand argv[1] names; `--help` before any "--" shows its help. */
int run_command(const struct cmd *c, int argc, char **argv);
/* The form of c that word names (its name or an alias), or NULL. */
const struct subcmd *find_subcommand(const struct cmd *c, const char *word);
/* c's own form (path without a space), or NULL. */
const struct subcmd *own_form(const struct cmd *c);
/* The subcommand's word: "ls" of "node ls"; the command's own name. */
const char *subcmd_word(const struct subcmd *s);

/* `cswarm help`: every command with its summary. */
void list_commands(void);
/* The options that may come before the command (OPT_GLOBAL), for help. */
void print_global_options(void);
/* `cswarm help CMD [SUB]` (cmd/usage.c): the forms' synopses, the prose,
 * the options of their tables; sub NULL for every form. */
void print_help(const struct cmd *c, const struct subcmd *sub);
/* `cswarm help --man CMD`: the SYNOPSIS and OPTIONS sections of its man
 * page, in roff, as man/cswarm-CMD.1 carries them. */
void print_man_sections(const struct cmd *c);

#endif
