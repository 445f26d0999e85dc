/* Options shared by every command that reaches hosts, and turning an
 * inventory into a fleet of SSH targets. */
#ifndef CSWARM_ENGINE_HOSTOPTS_H
#define CSWARM_ENGINE_HOSTOPTS_H

#include "inventory/inventory.h"
#include "ssh/fanout.h"
#include "ssh/target.h"
#include "util/jsonw.h"	/* json_string */

struct host_opts {
	const char *inventory;
	const char *limit;
	const char *format;	/* "table" or "json" */
	int forks;
	long timeout_ms;	/* per command */
	struct target_opts target;
};

/* The command-line options that fill these are cmd/'s (host_options in
 * cmd/common.c). */
void host_opts_init(struct host_opts *o);
/* Check the parsed options (inventory given, format known). */
int host_opts_check(struct host_opts *o);

/* Load the inventory, apply --limit, resolve every host's SSH target.
 * On success the fleet's hosts match inv's selected hosts one to one;
 * *index maps fleet position to inventory position. */
int open_fleet(const struct host_opts *o, struct inventory *inv, struct fleet *f, size_t **index);

/* Exit code after a run: EXIT_UNREACHABLE if any host failed, else ok. */
int fleet_exit_code(const struct fleet *f, int ok);

#endif
