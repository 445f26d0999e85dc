/* Options shared by every command that reaches hosts, and turning an
 * inventory into a fleet of SSH targets: the run's (engine/run.h) first step. */
#include "engine/hostopts.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { DEFAULT_FORKS = 64, DEFAULT_CONNECT_MS = 10000, DEFAULT_COMMAND_MS = 120000 };

void host_opts_init(struct host_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->inventory = getenv("CSWARM_INVENTORY");
	o->format = "table";
	o->forks = DEFAULT_FORKS;
	o->timeout_ms = DEFAULT_COMMAND_MS;
	o->target.connect_timeout_ms = DEFAULT_CONNECT_MS;
}

int host_opts_check(struct host_opts *o)
{
	if (!o->inventory || !*o->inventory)
		return usage_error("no inventory: pass -i FILE or set CSWARM_INVENTORY");
	if (!streq(o->format, "table") && !streq(o->format, "json"))
		return usage_error("--format: expected table or json, got '%s'", o->format);
	return 0;
}

int open_fleet(const struct host_opts *o, struct inventory *inv, struct fleet *f, size_t **index)
{
	struct strbuf err = STRBUF_INIT;
	unsigned char *sel = NULL;
	int ret = -1;

	memset(f, 0, sizeof(*f));
	if (inventory_load(o->inventory, inv, &err) != 0) {
		error("%s", sb_str(&err));
		goto out;
	}
	for (size_t i = 0; i < inv->nwarnings; i++)
		warning("%s", inv->warnings[i]);
	sel = xcalloc(inv->nhosts ? inv->nhosts : 1, 1);
	if (o->limit) {
		if (inventory_select(inv, o->limit, sel, &err) != 0) {
			error("--limit: %s", sb_str(&err));
			goto out;
		}
	} else {
		memset(sel, 1, inv->nhosts);
	}
	f->hosts = xcalloc(inv->nhosts ? inv->nhosts : 1, sizeof(*f->hosts));
	*index = xcalloc(inv->nhosts ? inv->nhosts : 1, sizeof(**index));
	f->forks = o->forks;
	for (size_t i = 0; i < inv->nhosts; i++) {
		if (!sel[i])
			continue;
		const struct host *h = &inv->hosts[i];
		struct target_hint hint = { h->name, h->address, h->port, h->user, h->key_file };
		struct fleet_host *fh = &f->hosts[f->n];
		sb_init(&fh->error);
		if (ssh_target_resolve(&hint, &o->target, &fh->target, &err) != 0) {
			error("%s: %s", h->name, sb_str(&err));
			sb_free(&fh->error);
			goto out;
		}
		(*index)[f->n++] = i;
	}
	ret = 0;
out:
	free(sel);
	sb_free(&err);
	return ret;
}

int fleet_exit_code(const struct fleet *f, int ok)
{
	if (fleet_unreachable(f))
		return EXIT_UNREACHABLE;
	return ok ? EXIT_OK : EXIT_FAIL;
}
