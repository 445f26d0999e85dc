/* The command table, `cswarm help [COMMAND]` and `cswarm --version`. */
#include "cmd/cmd.h"
#include "util/util.h"

#include <openssl/crypto.h>
#include <libssh2.h>
#include <stdio.h>
#include <yaml.h>
#include <zlib.h>

const struct cmd cswarm_commands[] = {
	{ "node", cmd_node, "list and manage cluster nodes",
	  "usage: cswarm node ls -i INVENTORY [--format table|json] [--limit PATTERN]\n"
	  "       cswarm node inspect NODE [--pretty]\n"
	  "       cswarm node ps NODE\n"
	  "       cswarm node update [--availability active|pause|drain] [--label-add K=V]...\n"
	  "                          [--label-rm K]... [--rebalance] NODE\n"
	  "       cswarm node drain|pause|activate [--rebalance] NODE\n"
	  "       cswarm node promote|demote NODE\n"
	  "       cswarm node rm [--force] NODE...\n"
	  "\n"
	  "  ls        one row per host: NAME ADDRESS ROLE STATUS AVAILABILITY ENGINE CPUS\n"
	  "            MEMORY MANAGER STATUS TASKS. STATUS is Ready, or Down with the reason\n"
	  "            (refused, timeout, auth, host key, docker not running, ...)\n"
	  "  inspect   one host as JSON (labels included), or as text with --pretty\n"
	  "  ps        the tasks on a host, and containers there no task owns\n"
	  "  update    availability and labels, kept in the cluster state\n"
	  "  drain     no new tasks; its replicated tasks start elsewhere first, then stop\n"
	  "            there; its global tasks stop\n"
	  "  pause     no new tasks; nothing moves\n"
	  "  activate  takes new tasks; --rebalance moves the fewest tasks to even out load\n"
	  "  promote   the host keeps a copy of the cluster state from now on\n"
	  "  demote    removes that copy (an inventory manager is never demoted)\n"
	  "  rm        a node no longer in the inventory leaves the cluster; until then its\n"
	  "            tasks are kept and reported, never moved. --force when it still has\n"
	  "            tasks: they are forgotten and start on the other nodes\n"
	  "\n"
	  "Changes take the cluster lock, converge every stack and are recorded in the\n"
	  "state history. --wait DUR bounds the wait for started tasks (default 2m).\n" },
	{ "exec", cmd_exec, "run a shell command on hosts",
	  "usage: cswarm exec -i INVENTORY [--limit PATTERN] [--timeout DUR] -- COMMAND...\n"
	  "\n"
	  "Runs COMMAND on every selected host in parallel; output lines are prefixed\n"
	  "with the host name. Exits 0 when it succeeded everywhere, 1 when it failed\n"
	  "somewhere, 3 when a host could not be reached.\n" },
	{ "config", cmd_config, "print the resolved, normalized stack file",
	  "usage: cswarm config -c FILE [-c FILE...] [--env-file FILE] [--format yaml|json]\n" },
	{ "init", cmd_init, "create the cluster state on the managers",
	  "usage: cswarm init -i INVENTORY [--cluster NAME] [--lock-wait DUR]\n"
	  "\n"
	  "Creates the cluster state (a random cluster id, version 1) on every reachable\n"
	  "manager, in cswarm_state_dir or /var/lib/cswarm/NAME. Running it again on an\n"
	  "initialised cluster says so and changes nothing.\n"
	  "  --cluster NAME     cluster name (else inventory var cswarm_cluster, else default)\n"
	  "  --lock-wait DUR    wait up to DUR for the cluster lock instead of exiting 4\n" },
	{ "lock", cmd_lock, "show who holds the cluster lock",
	  "usage: cswarm lock status -i INVENTORY [--cluster NAME]\n"
	  "\n"
	  "Prints 'unlocked', or who holds the lock (user@machine, pid, since, command).\n"
	  "The lock dies with its holder's SSH connection: it is never left stale.\n" },
	{ "deploy", cmd_deploy, "converge the cluster to a stack file",
	  "usage: cswarm deploy STACK.yml [STACK.yml...] -i INVENTORY [options]\n"
	  "       cswarm stack deploy -c FILE [-c FILE...] -i INVENTORY NAME\n"
	  "\n"
	  "  -n, --name NAME       stack name (default: the file's name: key or its directory)\n"
	  "      --env-file FILE   variables for interpolation (default: .env beside the first file)\n"
	  "      --prune           remove services of the stack that the file no longer lists\n"
	  "      --dry-run         print the plan per host with the docker commands; change nothing\n"
	  "      --rebalance       also move the fewest tasks needed to even out the nodes\n"
	  "      --wait DUR        how long to wait for tasks to run (default 2m)\n"
	  "      --cluster NAME    cluster (default: inventory var cswarm_cluster, else default)\n"
	  "      --lock-wait DUR   wait for the cluster lock instead of failing (exit 4)\n" },
	{ "reconcile", cmd_reconcile, "repair drift: restart, reschedule, remove orphans (for cron)",
	  "usage: cswarm reconcile -i INVENTORY [--wait DUR] [--rebalance] [--format json]\n"
	  "\n"
	  "Observes every host and converges the cluster to its state: restarts exited\n"
	  "tasks per their restart_policy (condition, delay, max_attempts, window),\n"
	  "replaces tasks of unreachable hosts elsewhere, removes containers of this\n"
	  "cluster that no task record owns (stale copies on returning hosts). Prints\n"
	  "nothing when there was nothing to do. Exits 0 only when converged, 1 when\n"
	  "not (failed, pending or waiting to restart), 3 when a host was unreachable,\n"
	  "4 when another run holds the lock (cron retries next time).\n" },
	{ "stack", cmd_stack, "deploy, list and remove stacks; their services, tasks and logs",
	  "usage: cswarm stack deploy -c FILE [-c FILE...] -i INVENTORY NAME\n"
	  "       cswarm stack ls -i INVENTORY [--format json]\n"
	  "       cswarm stack services -i INVENTORY NAME [--format json]\n"
	  "       cswarm stack ps -i INVENTORY NAME [--no-trunc] [--format json]\n"
	  "       cswarm stack logs -i INVENTORY NAME [--follow] [--tail N] [--timestamps]\n"
	  "       cswarm stack rm -i INVENTORY NAME [NAME...]\n"
	  "\n"
	  "  deploy     as cswarm deploy (see cswarm help deploy)\n"
	  "  ls         NAME SERVICES\n"
	  "  services   ID NAME MODE REPLICAS IMAGE PORTS of the stack's services\n"
	  "  ps         ID NAME IMAGE NODE DESIRED STATE CURRENT STATE ERROR PORTS per task\n"
	  "  logs       every task's docker logs, lines prefixed with STACK_SERVICE.SLOT.TASK@NODE\n"
	  "  rm         stop every task of the stack, remove it from the state, remove its\n"
	  "             networks, volumes and secret/config files on every reachable host\n"
	  "Reading commands take no lock; rm does (--lock-wait DUR).\n" },
	{ "service", cmd_service, "list services, their tasks and logs; scale them",
	  "usage: cswarm service ls -i INVENTORY [--format json]\n"
	  "       cswarm service ps -i INVENTORY STACK_SERVICE... [--no-trunc] [--format json]\n"
	  "       cswarm service scale -i INVENTORY STACK_SERVICE=N...\n"
	  "       cswarm service logs -i INVENTORY STACK_SERVICE... [--follow] [--tail N] [--timestamps]\n"
	  "\n"
	  "  ls      ID NAME MODE REPLICAS IMAGE PORTS; REPLICAS is running/desired\n"
	  "  ps      one row per task (see cswarm help stack)\n"
	  "  scale   set the replicas of replicated services and converge them: tasks\n"
	  "          start or stop, the remaining ones keep running untouched\n"
	  "  logs    docker logs of every task, in parallel, stdout to stdout, stderr to\n"
	  "          stderr; --follow runs until interrupted\n" },
	{ "help", cmd_help, "show help for a command", "usage: cswarm help [COMMAND]\n" },
	{ "version", cmd_version, "print version information", "usage: cswarm version\n" },
	{ NULL, NULL, NULL, NULL },
};

const struct cmd *find_command(const char *name)
{
	for (const struct cmd *c = cswarm_commands; c->name; c++)
		if (streq(c->name, name))
			return c;
	return NULL;
}

static const char common_options[] =
	"\nOptions for commands that reach hosts:\n"
	"  -i, --inventory FILE   Ansible inventory (INI or YAML); also $CSWARM_INVENTORY\n"
	"  -l, --limit PATTERN    only hosts or groups matching PATTERN (glob, ':'-separated)\n"
	"  -f, --forks N          hosts contacted at once (default 64)\n"
	"  -t, --timeout DUR      connect and per-command timeout (default 10s / 120s)\n"
	"      --accept-new       add unknown host keys to ~/.ssh/known_hosts (hashed)\n"
	"\nExit codes: 0 ok, 1 failure, 2 usage, 3 some hosts unreachable, 4 lock held.\n";

int cmd_help(int argc, char **argv)
{
	if (argc >= 2) {
		const struct cmd *c = find_command(argv[1]);
		if (!c)
			return usage_error("no such command '%s'", argv[1]);
		fputs(c->usage, stdout);
		fputs(common_options, stdout);
		return EXIT_OK;
	}
	printf("usage: cswarm COMMAND [ARGS]\n\n"
	       "Docker Swarm without the daemons: orchestrates Docker hosts over SSH.\n\n"
	       "Commands:\n");
	for (const struct cmd *c = cswarm_commands; c->name; c++)
		printf("  %-10s %s\n", c->name, c->summary);
	printf("\nRun 'cswarm help COMMAND' for a command's options.\n");
	fputs(common_options, stdout);
	return EXIT_OK;
}

int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("cswarm %s (libssh2 %s, %s, libyaml %s, zlib %s)\n", CSWARM_VERSION,
	       libssh2_version(0), OpenSSL_version(OPENSSL_VERSION),
	       yaml_get_version_string(), zlibVersion());
	return EXIT_OK;
}
