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
	{ "config", cmd_config, "print the resolved stack file; or manage configs stored in the cluster",
	  "usage: cswarm config -c FILE [-c FILE...] [--env-file FILE] [--format yaml|json]\n"
	  "       cswarm config create [--label K=V]... NAME FILE|-\n"
	  "       cswarm config ls [--format json] [-q]\n"
	  "       cswarm config inspect [--pretty] NAME...\n"
	  "       cswarm config update NAME FILE|-\n"
	  "       cswarm config rm NAME...\n"
	  "\n"
	  "With -c, prints the resolved, normalized stack (as docker stack config); no\n"
	  "cluster is contacted. A first argument create, ls, inspect, rm or update\n"
	  "manages configs kept (encrypted) in the cluster state, as `cswarm secret`\n"
	  "does for secrets; inspect --pretty shows a config's content.\n" },
	{ "secret", cmd_secret, "manage secrets stored, encrypted, in the cluster",
	  "usage: cswarm secret create [--label K=V]... NAME FILE|-   (- reads stdin)\n"
	  "       cswarm secret ls [--format json] [-q]\n"
	  "       cswarm secret inspect [--pretty] NAME...\n"
	  "       cswarm secret update [--wait DUR] NAME FILE|-\n"
	  "       cswarm secret rm NAME...\n"
	  "\n"
	  "Values (at most 500KiB) are sealed with AES-256-GCM under the cluster key.\n"
	  "inspect shows metadata only: versions and which tasks use which. update makes\n"
	  "a new version and rolls the services using it per their update_config. rm is\n"
	  "refused while a service uses the secret. Stack files refer to created ones\n"
	  "with external: true; file: and environment: ones are stored at deploy.\n" },
	{ "unlock-key", cmd_unlock_key, "check or rotate the key that seals secrets and configs",
	  "usage: cswarm unlock-key -i INVENTORY [--rotate]\n"
	  "\n"
	  "With autolock (cswarm init --autolock) the key is the operator's: give it in\n"
	  "$CSWARM_UNLOCK_KEY or a file named by $CSWARM_UNLOCK_KEY_FILE; unlock-key checks\n"
	  "it. --rotate seals every value again under a new key (printed with autolock,\n"
	  "else kept on the managers beside the state).\n" },
	{ "init", cmd_init, "create the cluster state on the managers",
	  "usage: cswarm init -i INVENTORY [--cluster NAME] [--lock-wait DUR] [--autolock]\n"
	  "\n"
	  "Creates the cluster state (a random cluster id, version 1) on every reachable\n"
	  "manager, in cswarm_state_dir or /var/lib/cswarm/NAME. Running it again on an\n"
	  "initialised cluster says so and changes nothing.\n"
	  "  --cluster NAME     cluster name (else inventory var cswarm_cluster, else default)\n"
	  "  --lock-wait DUR    wait up to DUR for the cluster lock instead of exiting 4\n"
	  "  --autolock         the key sealing secrets is printed once and kept by you,\n"
	  "                     not the managers ($CSWARM_UNLOCK_KEY)\n" },
	{ "inventory", cmd_inventory, "show the inventory as cswarm reads it (ansible-inventory's forms)",
	  "usage: cswarm inventory -i INVENTORY --list\n"
	  "       cswarm inventory -i INVENTORY --host NAME [--resolved] [--ssh-config FILE]\n"
	  "       cswarm inventory -i INVENTORY --graph [GROUP]\n"
	  "\n"
	  "  --list      every group (hosts, children) and every host's variables as JSON,\n"
	  "              as ansible-inventory --list prints them (values typed as Ansible\n"
	  "              types them)\n"
	  "  --host      one host's variables as JSON\n"
	  "  --graph     the group tree from GROUP (default all)\n"
	  "  --resolved  with --host: what cswarm connects with after the inventory and\n"
	  "              ssh_config, in ssh -G's form (hostname, port, user, identityfile,\n"
	  "              proxyjump, userknownhostsfile, stricthostkeychecking, connecttimeout)\n"
	  "Reaches no host. Warnings (a key repeated in one place) go to stderr.\n" },
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
	{ "reconcile", cmd_reconcile, "repair drift: restart, reschedule, remove orphans (cron, --watch)",
	  "usage: cswarm reconcile -i INVENTORY [--wait DUR] [--rebalance] [--format json]\n"
	  "       cswarm reconcile --watch -i INVENTORY [--host-down-after DUR] [--format json]\n"
	  "\n"
	  "Observes every host and converges the cluster to its state: restarts exited\n"
	  "tasks per their restart_policy (condition, delay, max_attempts, window),\n"
	  "replaces tasks of unreachable hosts elsewhere, removes containers of this\n"
	  "cluster that no task record owns (stale copies on returning hosts). Prints\n"
	  "nothing when there was nothing to do. Exits 0 only when converged, 1 when\n"
	  "not (failed, pending or waiting to restart), 3 when a host was unreachable,\n"
	  "4 when another run holds the lock (cron retries next time).\n"
	  "\n"
	  "      --watch           stay in the foreground: follow docker events and host\n"
	  "                        heartbeats over SSH, repair within seconds (Ctrl-C stops)\n"
	  "      --host-down-after DUR  silence before a host's tasks move (default 10s)\n" },
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
	{ "network", cmd_network, "list stack networks; subnets per host, VIPs and endpoints",
	  "usage: cswarm network ls -i INVENTORY [--format json]\n"
	  "       cswarm network inspect -i INVENTORY NAME [--format json]\n"
	  "\n"
	  "  ls         NAME STACK DRIVER SUBNET INTERNAL of every stack network; DRIVER is\n"
	  "             overlay (the default), bridge (cswarm_network=bridge) or external\n"
	  "  inspect    the network's subnet and DNS server on each host, each service's\n"
	  "             VIP and the task addresses behind it as the hosts run them now\n"
	  "Reads only: no lock. See docs/networking.md.\n" },
	{ "service", cmd_service, "list, inspect, update, roll back and scale services; tasks and logs",
	  "usage: cswarm service ls -i INVENTORY [--format json]\n"
	  "       cswarm service ps -i INVENTORY STACK_SERVICE... [--no-trunc] [--format json]\n"
	  "       cswarm service inspect -i INVENTORY [--pretty] STACK_SERVICE...\n"
	  "       cswarm service update -i INVENTORY [--image IMAGE] [--env-add K=V] [--env-rm K]\n"
	  "                      [--label-add K=V] [--label-rm K] [--constraint-add EXPR]\n"
	  "                      [--constraint-rm EXPR] [--publish-add [PUB:]TARGET[/PROTO]]\n"
	  "                      [--publish-rm TARGET[/PROTO]] [--replicas N] [--force] STACK_SERVICE\n"
	  "       cswarm service rollback -i INVENTORY STACK_SERVICE\n"
	  "       cswarm service scale -i INVENTORY STACK_SERVICE=N...\n"
	  "       cswarm service logs -i INVENTORY STACK_SERVICE... [--follow] [--tail N] [--timestamps]\n"
	  "\n"
	  "  ls        ID NAME MODE REPLICAS IMAGE PORTS; REPLICAS is running/desired\n"
	  "  ps        one row per task (see cswarm help stack)\n"
	  "  inspect   the service's spec and previous spec as JSON, or as text (--pretty)\n"
	  "  update    change the service in the cluster state and roll its tasks with its\n"
	  "            update_config (a later deploy of the stack file wins again); options\n"
	  "            repeat; --force replaces every task even when nothing changed\n"
	  "  rollback  put back the spec before the last change, rolled with rollback_config;\n"
	  "            a second rollback undoes the first\n"
	  "  scale     set the replicas of replicated services and converge them: tasks\n"
	  "            start or stop, the remaining ones keep running untouched\n"
	  "  logs      docker logs of every task, in parallel, stdout to stdout, stderr to\n"
	  "            stderr; --follow runs until interrupted\n"
	  "update, rollback and scale take the cluster lock (--lock-wait DUR) and wait for\n"
	  "started tasks (--wait DUR, default 2m).\n" },
	{ "completion", cmd_completion, "print a shell completion script",
	  "usage: cswarm completion bash|zsh|fish\n"
	  "\n"
	  "Prints a completion script for the shell, generated from this help: commands,\n"
	  "their subcommands and options. Load it for the current shell with\n"
	  "  source <(cswarm completion bash)\n"
	  "or install it with 'make install' (bash, zsh and fish directories).\n" },
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
	"  -t, --timeout DUR      per-command timeout on each host (default 2m)\n"
	"      --connect-timeout DUR  SSH connect timeout per host (default 10s)\n"
	"  -F, --ssh-config FILE  OpenSSH client config (default ~/.ssh/config; $CSWARM_SSH_CONFIG)\n"
	"      --format table|json  output format of listings and reports\n"
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
