/* The command table, dispatch to a command's forms, `cswarm help
 * [COMMAND [SUBCOMMAND]]` and `cswarm --version`. The synopses and option
 * lists come from the forms' tables (cmd/usage.c); the prose here says
 * what the forms do. */
#include "cmd/cmd.h"
#include "util/strbuf.h"
#include "util/util.h"

#include <openssl/crypto.h>
#include <libssh2.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>
#include <zlib.h>

const struct cmd cswarm_commands[] = {
	{ "node", "list and manage cluster nodes",
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
	  "state history. --wait DUR bounds the wait for started tasks (default 2m).\n",
	  node_subcommands },
	{ "exec", "run a shell command on hosts",
	  "Runs COMMAND on every selected host in parallel; output lines are prefixed\n"
	  "with the host name. Exits 0 when it succeeded everywhere, 1 when it failed\n"
	  "somewhere, 3 when a host could not be reached.\n",
	  exec_subcommands },
	{ "config", "print the resolved stack file; or manage configs stored in the cluster",
	  "With -c, prints the resolved, normalized stack (as docker stack config); no\n"
	  "cluster is contacted. A first argument create, ls, inspect, rm or update\n"
	  "manages configs kept (encrypted) in the cluster state, as `cswarm secret`\n"
	  "does for secrets; inspect --pretty shows a config's content.\n",
	  config_subcommands },
	{ "secret", "manage secrets stored, encrypted, in the cluster",
	  "Values (at most 500KiB) are sealed with AES-256-GCM under the cluster key;\n"
	  "FILE - reads the value from stdin. inspect shows metadata only: versions and\n"
	  "which tasks use which. update makes a new version and rolls the services\n"
	  "using it per their update_config. rm is refused while a service uses the\n"
	  "secret. Stack files refer to created ones with external: true; file: and\n"
	  "environment: ones are stored at deploy.\n",
	  secret_subcommands },
	{ "unlock-key", "check or rotate the key that seals secrets and configs",
	  "With autolock (cswarm init --autolock) the key is the operator's: give it in\n"
	  "$CSWARM_UNLOCK_KEY or a file named by $CSWARM_UNLOCK_KEY_FILE; unlock-key checks\n"
	  "it. --rotate seals every value again under a new key (printed with autolock,\n"
	  "else kept on the managers beside the state).\n",
	  unlock_key_subcommands },
	{ "init", "create the cluster state on the managers",
	  "Creates the cluster state (a random cluster id, version 1) on every reachable\n"
	  "manager, in cswarm_state_dir or /var/lib/cswarm/NAME. Running it again on an\n"
	  "initialised cluster says so and changes nothing.\n",
	  init_subcommands },
	{ "inventory", "show the inventory as cswarm reads it (ansible-inventory's forms)",
	  "--list prints every group and every host's variables as JSON, as\n"
	  "ansible-inventory --list prints them (values typed as Ansible types them).\n"
	  "--resolved shows, in ssh -G's form, what cswarm connects with after the\n"
	  "inventory and ssh_config (hostname, port, user, identityfile, proxyjump,\n"
	  "userknownhostsfile, stricthostkeychecking, connecttimeout).\n"
	  "Reaches no host. Warnings (a key repeated in one place) go to stderr.\n",
	  inventory_subcommands },
	{ "lock", "show who holds the cluster lock",
	  "Prints 'unlocked', or who holds the lock (user@machine, pid, since, command).\n"
	  "The lock dies with its holder's SSH connection: it is never left stale.\n",
	  lock_subcommands },
	{ "deploy", "converge the cluster to a stack file",
	  "Places the stack's tasks on the inventory's hosts and starts, updates or\n"
	  "stops containers there until the cluster runs what the files say. Exits 4\n"
	  "when another run holds the cluster lock (see --lock-wait).\n",
	  deploy_subcommands },
	{ "reconcile", "repair drift: restart, reschedule, remove orphans (cron, --watch)",
	  "Observes every host and converges the cluster to its state: restarts exited\n"
	  "tasks per their restart_policy (condition, delay, max_attempts, window),\n"
	  "replaces tasks of unreachable hosts elsewhere, removes containers of this\n"
	  "cluster that no task record owns (stale copies on returning hosts). Prints\n"
	  "nothing when there was nothing to do. Exits 0 only when converged, 1 when\n"
	  "not (failed, pending or waiting to restart), 3 when a host was unreachable,\n"
	  "4 when another run holds the lock (cron retries next time). --watch stays in\n"
	  "the foreground: it follows docker events and host heartbeats over SSH and\n"
	  "repairs within seconds (Ctrl-C stops).\n",
	  reconcile_subcommands },
	{ "stack", "deploy, list and remove stacks; their services, tasks and logs",
	  "  deploy     as cswarm deploy (see cswarm help deploy)\n"
	  "  ls         NAME SERVICES\n"
	  "  services   ID NAME MODE REPLICAS IMAGE PORTS of the stack's services\n"
	  "  ps         ID NAME IMAGE NODE DESIRED STATE CURRENT STATE ERROR PORTS per task\n"
	  "  logs       every task's docker logs, lines prefixed with STACK_SERVICE.SLOT.TASK@NODE\n"
	  "  rm         stop every task of the stack, remove it from the state, remove its\n"
	  "             networks, volumes and secret/config files on every reachable host\n"
	  "Reading commands take no lock; rm does (--lock-wait DUR).\n",
	  stack_subcommands },
	{ "network", "list stack networks; subnets per host, VIPs and endpoints",
	  "  ls         NAME STACK DRIVER SUBNET INTERNAL of every stack network; DRIVER is\n"
	  "             overlay (the default), bridge (cswarm_network=bridge) or external\n"
	  "  inspect    the network's subnet and DNS server on each host, each service's\n"
	  "             VIP and the task addresses behind it as the hosts run them now\n"
	  "Reads only: no lock. See docs/networking.md.\n",
	  network_subcommands },
	{ "service", "list, inspect, update, roll back and scale services; tasks and logs",
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
	  "started tasks (--wait DUR, default 2m).\n",
	  service_subcommands },
	{ "completion", "print a shell completion script",
	  "Prints a completion script for the shell, generated from the commands'\n"
	  "option tables: commands, their subcommands and options, the values an\n"
	  "option takes, and node names from the inventory given with -i. Load it for\n"
	  "the current shell with\n"
	  "  source <(cswarm completion bash)\n"
	  "or install it with 'make install' (bash, zsh and fish directories).\n",
	  completion_subcommands },
	{ "help", "show help for a command", NULL, help_subcommands },
	{ "version", "print version information", NULL, version_subcommands },
	{ NULL, NULL, NULL, NULL },
};

const struct cmd *find_command(const char *name)
{
	for (const struct cmd *c = cswarm_commands; c->name; c++)
		if (streq(c->name, name))
			return c;
	return NULL;
}

const char *subcmd_word(const struct subcmd *s)
{
	const char *space = strrchr(s->path, ' ');
	return space ? space + 1 : s->path;
}

static int has_alias(const struct subcmd *s, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = s->aliases; p && *p; p += strcspn(p, " "), p += *p == ' ')
		if (strncmp(p, word, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

const struct subcmd *find_subcommand(const struct cmd *c, const char *word)
{
	for (const struct subcmd *const *s = c->subs; *s; s++)
		if (strchr((*s)->path, ' ') && (streq(subcmd_word(*s), word) || has_alias(*s, word)))
			return *s;
	return NULL;
}

const struct subcmd *own_form(const struct cmd *c)
{
	for (const struct subcmd *const *s = c->subs; *s; s++)
		if (!strchr((*s)->path, ' '))
			return *s;
	return NULL;
}

/* --help anywhere before "--"; right after the command for a form whose
 * arguments are a command of their own (exec ls --help). */
static int wants_help(const struct subcmd *form, int argc, char **argv)
{
	int last = form && form->stop_at_argument ? 2 : argc;
	for (int i = 1; i < argc && i < last && !streq(argv[i], "--"); i++)
		if (streq(argv[i], "--help"))
			return 1;
	return argc == 2 && streq(argv[1], "-h");
}

/* "node: expected ls, inspect or rm (see 'cswarm help node')" */
static int expected_subcommand(const struct cmd *c, const char *got)
{
	struct strbuf words = STRBUF_INIT;
	for (const struct subcmd *const *s = c->subs; *s; s++)
		if (strchr((*s)->path, ' '))
			sb_addf(&words, "%s%s", words.len ? ", " : "", subcmd_word(*s));
	if (got)
		usage_error("%s: unknown subcommand '%s': expected %s (see 'cswarm help %s')", c->name,
			    got, words.buf, c->name);
	else
		usage_error("%s: expected %s (see 'cswarm help %s')", c->name, words.buf, c->name);
	sb_free(&words);
	return EXIT_USAGE;
}

int run_command(const struct cmd *c, int argc, char **argv)
{
	const struct subcmd *sub = argc > 1 ? find_subcommand(c, argv[1]) : NULL;
	const struct subcmd *own = own_form(c);
	if (wants_help(sub ? sub : own, argc, argv)) {
		print_help(c, sub);
		return EXIT_OK;
	}
	if (sub)
		return sub->fn(sub, argc - 1, argv + 1);
	if (own)
		return own->fn(own, argc, argv);
	return expected_subcommand(c, argc > 1 ? argv[1] : NULL);
}

/* --- help and version ---------------------------------------------------------- */

struct help_args {
	int man;
};

static const struct opt man_options[] = {
	OPT_FLAG(0, "man", struct help_args, man,
		 "the SYNOPSIS and OPTIONS sections of the command's man page (roff)"),
	OPT_END(),
};

void list_commands(void)
{
	printf("usage: cswarm [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
	       "Docker Swarm without the daemons: orchestrates Docker hosts over SSH.\n\n"
	       "Commands:\n");
	for (const struct cmd *c = cswarm_commands; c->name; c++)
		printf("  %-11s %s\n", c->name, c->summary);
	printf("\nRun 'cswarm help COMMAND' (or 'cswarm COMMAND --help') for a command's options.\n");
	print_global_options();
	printf("\nExit codes: 0 ok, 1 failure, 2 usage, 3 some hosts unreachable, 4 lock held.\n");
}

static int help_main(const struct subcmd *self, int argc, char **argv)
{
	struct help_args a = { 0 };
	if (parse_options(self, argc, argv, &a, NULL) != EXIT_OK)
		return EXIT_USAGE;
	if (optind == argc && !a.man) {
		list_commands();
		return EXIT_OK;
	}
	if (optind == argc)
		return usage_error("help --man: which command? (cswarm help --man COMMAND)");
	const struct cmd *c = find_command(argv[optind]);
	if (!c)
		return usage_error("help: no such command '%s'", argv[optind]);
	const struct subcmd *sub = optind + 1 < argc ? find_subcommand(c, argv[optind + 1]) : NULL;
	if (optind + 1 < argc && !sub)
		return usage_error("help: %s has no subcommand '%s'", c->name, argv[optind + 1]);
	if (a.man)
		print_man_sections(c);
	else
		print_help(c, sub);
	return EXIT_OK;
}

static int version_main(const struct subcmd *self, int argc, char **argv)
{
	if (parse_options(self, argc, argv, NULL, NULL) != EXIT_OK)
		return EXIT_USAGE;
	printf("cswarm %s (libssh2 %s, %s, libyaml %s, zlib %s)\n", CSWARM_VERSION,
	       libssh2_version(0), OpenSSL_version(OPENSSL_VERSION),
	       yaml_get_version_string(), zlibVersion());
	return EXIT_OK;
}

static const struct opt no_options[] = { OPT_END() };
static const struct subcmd help_cmd = { "help", "[COMMAND [SUBCOMMAND]]", NULL, man_options,
					.complete = "command", .fn = help_main };
static const struct subcmd version_cmd = { "version", NULL, NULL, no_options, .fn = version_main };
const struct subcmd *const help_subcommands[] = { &help_cmd, NULL };
const struct subcmd *const version_subcommands[] = { &version_cmd, NULL };
