/* Argument handling shared by the commands (the host options themselves
 * are the run's: engine/hostopts.h). */
#include "cmd/cmd.h"
#include "cmd/common.h"
#include "cmd/options.h"
#include "engine/run.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* --- the shared option tables ------------------------------------------------ */

/* Targets in the struct run (OPT_ON_RUN); OPT_GLOBAL ones may also come
 * before the command. */
enum { DAY_MS = 86400000 };

#define ON_RUN .flags = OPT_ON_RUN
#define GLOBAL .flags = OPT_ON_RUN | OPT_GLOBAL

static const struct opt host_table[] = {
	OPT_STRING('i', "inventory", "FILE", struct run, opts.inventory,
		   "Ansible inventory (INI or YAML); also $CSWARM_INVENTORY", "file", GLOBAL),
	OPT_STRING('l', "limit", "PATTERN", struct run, opts.limit,
		   "only hosts or groups matching PATTERN (glob, ':'-separated)", "node", GLOBAL),
	OPT_INT('f', "forks", "N", struct run, opts.forks, 1, 4096,
		"hosts contacted at once (default 64)", GLOBAL),
	OPT_DURATION('t', "timeout", struct run, opts.timeout_ms, 1, DAY_MS,
		     "per-command timeout on each host (default 2m)", GLOBAL),
	OPT_DURATION(0, "connect-timeout", struct run, opts.target.connect_timeout_flag_ms, 1, DAY_MS,
		     "SSH connect timeout per host, over the ssh config's ConnectTimeout (default 10s)", GLOBAL),
	OPT_FLAG(0, "accept-new", struct run, opts.target.accept_new,
		 "add unknown host keys to ~/.ssh/known_hosts (hashed)", GLOBAL),
	OPT_STRING('F', "ssh-config", "FILE", struct run, opts.target.ssh_config,
		   "OpenSSH client config (default ~/.ssh/config; $CSWARM_SSH_CONFIG)", "file", GLOBAL),
	OPT_STRING(0, "format", "table|json", struct run, opts.format,
		   "output format of listings and reports", "table json", GLOBAL),
	OPT_END(),
};

const struct opt_group host_options = { "host options", "Options of commands that reach hosts",
					host_table };

static const struct opt cluster_table[] = {
	OPT_STRING(0, "cluster", "NAME", struct run, copts.name,
		   "cluster (default: inventory var cswarm_cluster, else default)", NULL, GLOBAL),
	OPT_DURATION(0, "lock-wait", struct run, copts.lock_wait_ms, 0, DAY_MS,
		     "wait up to DUR for the cluster lock instead of exiting 4", ON_RUN),
	OPT_DURATION(0, "wait", struct run, wait_ms, 0, 0,
		     "how long to wait for started tasks to run (default 2m)", ON_RUN),
	OPT_INCLUDE(host_options),
	OPT_END(),
};

const struct opt_group cluster_options = { "cluster options",
					   "Options of commands that use the cluster state",
					   cluster_table };

/* --- options before the command ------------------------------------------ */

/* How many words the global option at argv[0] takes (1 or 2); 0 if it is
 * not one. Forms: --name, --name=V, --name V, -x V, -xV. */
static int global_option_words(char *const *argv)
{
	const char *a = argv[0];
	struct opt_iter it;
	const struct opt *o;
	opt_iter_init(&it, cluster_table);
	while ((o = opt_next(&it, NULL))) {
		size_t n = strlen(o->long_name);
		if (!(o->flags & OPT_GLOBAL))
			continue;
		if (starts_with(a, "--") && strncmp(a + 2, o->long_name, n) == 0 &&
		    (a[2 + n] == '\0' || (o->argh && a[2 + n] == '=')))
			return o->argh && a[2 + n] == '\0' ? 2 : 1;
		if (a[0] == '-' && o->short_name && a[1] == o->short_name)
			return o->argh && a[2] == '\0' ? 2 : 1;
	}
	return 0;
}

int hoist_global_options(int argc, char **argv, char ***out)
{
	int end = 1;
	while (end < argc && argv[end][0] == '-' && !streq(argv[end], "--")) {
		int words = global_option_words(argv + end);
		if (words == 0 || end + words > argc)
			break;
		end += words;
	}
	char **nv = xcalloc((size_t)argc + 1, sizeof(*nv));
	int n = 0, cmd = end;
	nv[n++] = argv[0];
	if (cmd < argc)
		nv[n++] = argv[cmd];
	/* The rest of the command line, with the global options placed before
	 * its "--" (exec's command) or at its end. */
	int dashdash = cmd + 1;
	while (dashdash < argc && !streq(argv[dashdash], "--"))
		dashdash++;
	for (int i = cmd + 1; i < dashdash; i++)
		nv[n++] = argv[i];
	for (int i = 1; i < end; i++)
		nv[n++] = argv[i];
	for (int i = dashdash; i < argc; i++)
		nv[n++] = argv[i];
	*out = nv;
	return n;
}
