/* Options shared by every command that reaches hosts, and turning an
 * inventory into a fleet of SSH targets. */
#ifndef CSWARM_ENGINE_HOSTOPTS_H
#define CSWARM_ENGINE_HOSTOPTS_H

#include "inventory/inventory.h"
#include "ssh/fanout.h"
#include "ssh/target.h"
#include "util/jsonw.h"	/* json_string */

#include <getopt.h>

struct host_opts {
	const char *inventory;
	const char *limit;
	const char *format;	/* "table" or "json" */
	int forks;
	long timeout_ms;	/* per command */
	struct target_opts target;
};

/* Long options every host command accepts; append to the command's table. */
#define HOST_LONGOPTS \
	{ "inventory", required_argument, NULL, 'i' }, \
	{ "limit", required_argument, NULL, 'l' }, \
	{ "forks", required_argument, NULL, 'f' }, \
	{ "timeout", required_argument, NULL, 't' }, \
	{ "connect-timeout", required_argument, NULL, 'T' }, \
	{ "accept-new", no_argument, NULL, 'A' }, \
	{ "ssh-config", required_argument, NULL, 'F' }, \
	{ "format", required_argument, NULL, 'o' }
#define HOST_SHORTOPTS "i:l:f:t:F:"

void host_opts_init(struct host_opts *o);
/* Handle one getopt result; 1 if it was a host option, 0 if not, -1 bad. */
int host_opt(struct host_opts *o, int c, const char *arg);
/* Check the parsed options (inventory given, format known). */
int host_opts_check(struct host_opts *o);

/* Load the inventory, apply --limit, resolve every host's SSH target.
 * On success the fleet's hosts match inv's selected hosts one to one;
 * *index maps fleet position to inventory position. */
int open_fleet(const struct host_opts *o, struct inventory *inv, struct fleet *f, size_t **index);

/* Exit code after a run: EXIT_UNREACHABLE if any host failed, else ok. */
int fleet_exit_code(const struct fleet *f, int ok);

#endif
