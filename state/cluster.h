/* A run against the cluster's state: the managers, their state
 * directories, the lock. What every command that reads or changes the
 * cluster starts from:
 *
 *	struct cluster_ctx c;
 *	cluster_open(&c, &inv, &opts.target, cluster_name, forks, timeout, &err);
 *	cluster_lock(&c, holder_line, wait_ms, &err);	// changes only; before reading
 *	cluster_read_state(&c, &st, &err);
 *	... change st ...
 *	cluster_write_state(&c, &st, "deploy web: 3 services", &err);
 *	cluster_close(&c);				// releases the lock
 *
 * The managers are every host of the inventory's `managers` group (or with
 * cswarm_role=manager), whatever --limit says, with connections of their
 * own. The state's role overrides add to them: a host promoted in the state
 * (cswarm node promote) gets a copy on every write, but the lock, the read
 * and the write quorums stay with the inventory's managers: a promoted
 * host is an extra copy.
 *
 * Quorums (see state/store.h): the lock is taken on a majority of the
 * inventory's managers, so two runs never both hold it; a write must reach
 * a majority; a read is current once it saw enough good copies. */
#ifndef CSWARM_CLUSTER_H
#define CSWARM_CLUSTER_H

#include "inventory/inventory.h"
#include "ssh/fanout.h"
#include "ssh/target.h"
#include "state/lock.h"
#include "state/store.h"

#define CLUSTER_DEFAULT_NAME "default"
#define CLUSTER_STATE_ROOT "/var/lib/cswarm"
/* CLUSTER_STATE_ROOT/files holds the hosts' secret and config files
 * (docker/run.h): no cluster may have that name. */
#define CLUSTER_FILES_NAME "files"
/* Everything cswarm writes in a state directory (what demote removes). */
#define STATE_DIR_FILES "state.json .state.json.tmp history history.log lock lock.holder"

/* Options of commands that use the cluster state (cluster_options in
 * cmd/common.c fills them). */
struct cluster_opts {
	const char *name;	/* --cluster NAME, or NULL */
	long lock_wait_ms;	/* --lock-wait DURATION, 0 = fail at once */
};

struct cluster_ctx {
	const struct inventory *inv;	/* borrowed */
	char *name;			/* --cluster, else var cswarm_cluster, else "default" */
	struct fleet managers;		/* inventory order */
	size_t *manager_index;		/* managers position -> inventory host index */
	char **dirs;			/* state directory of each manager */
	struct state_store store;
	struct cluster_lock **locks;	/* per inventory manager: held there, or NULL */
	long timeout_ms;
	const struct target_opts *topts;	/* borrowed, to add promoted hosts */
	size_t ninventory;		/* managers[0..ninventory) come from the inventory */
};

/* Find the managers of inv and their state directories (inventory var
 * cswarm_state_dir, else /var/lib/cswarm/NAME). name may be NULL. Connects
 * nothing yet. 0, or -1 with err (no managers, bad cluster name). */
int cluster_open(struct cluster_ctx *c, const struct inventory *inv, const struct target_opts *t,
		 const char *name, int forks, long timeout_ms, struct strbuf *err);
/* Take the cluster lock (see state/lock.h) on every reachable manager of
 * the inventory, in inventory order; it counts when a majority holds it.
 * Returns 0, EXIT_LOCKED (err names the holder; nothing stays locked),
 * EXIT_UNREACHABLE (no majority reachable: err names the managers missing)
 * or EXIT_FAIL. Managers found unreachable are marked so in c->managers. */
int cluster_lock(struct cluster_ctx *c, const char *holder_line, long wait_ms, struct strbuf *err);
/* Is the lock still held on a majority? Probes every lock held (see
 * lock_alive) and drops the ones lost. 0, or -1 with err naming them. */
int cluster_lock_check(struct cluster_ctx *c, struct strbuf *err);
/* state_read on the inventory's managers, then cluster_add_promoted. */
enum state_read_result cluster_read_state(struct cluster_ctx *c, struct state *st, struct strbuf *err);
/* Hosts whose role override in st is "manager" join the managers (the next
 * write copies the state there). Call again after promoting a host. 0, or
 * -1 with err (the host's address does not resolve). */
int cluster_add_promoted(struct cluster_ctx *c, struct state *st, struct strbuf *err);
/* Position of host among the managers (inventory's first, then promoted
 * ones), or -1. */
long cluster_manager(const struct cluster_ctx *c, const char *host);
/* After the write that demoted a promoted host: remove its state directory,
 * unless a remaining manager sees the same directory (a shared filesystem),
 * in which case only a warning says so. 0, or -1 with err. */
int cluster_drop_copy(struct cluster_ctx *c, const char *host, struct strbuf *err);
/* state_write on the managers; the lock must be held. *fenced as there. */
int cluster_write_state(struct cluster_ctx *c, struct state *st, const char *change, int *fenced,
			struct strbuf *err);
/* Release the lock, close connections, free. */
void cluster_close(struct cluster_ctx *c);

#endif
