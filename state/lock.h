/* The cluster (leader) lock: one run at a time changes the cluster.
 *
 * It is flock(1) on DIR/lock on a manager, held by a remote process tied to
 * its own SSH channel: the process exits when the channel closes, whatever
 * closed it (lock_release, exit, Ctrl-C, SIGKILL, a dropped network), so a
 * lock never outlives its holder. The holder (user@machine, pid, start
 * time, command line) is written to DIR/lock.holder for those refused. */
#ifndef CSWARM_LOCK_H
#define CSWARM_LOCK_H

#include "ssh/ssh.h"
#include "util/strbuf.h"

struct cluster_lock;

/* Take the lock in dir on the manager t, over a connection of its own (so
 * the caller's connection to that manager stays free). wait_ms 0 fails at
 * once (within half a second) when the lock is held; otherwise waits up to
 * wait_ms. timeout_ms
 * bounds connecting and starting. Returns 0 (*out set), EXIT_LOCKED with
 * err "lock held by alice@laptop pid 4242 since 2026-11-25T10:40:02Z:
 * cswarm deploy stack.yml", EXIT_UNREACHABLE when t cannot be reached, or
 * EXIT_FAIL, each with err filled. */
int lock_acquire(const struct ssh_target *t, const char *dir, const char *command_line,
		 long wait_ms, long timeout_ms, struct cluster_lock **out, struct strbuf *err);
/* Is the lock still held? Asks, over the lock's own connection, whether
 * the remote process holding it lives: 0, or -1 with err (the connection
 * dropped or timed out, the process is gone). */
int lock_alive(struct cluster_lock *l, long timeout_ms, struct strbuf *err);
/* Release and close; the lock is free once this returns. NULL is ignored. */
void lock_release(struct cluster_lock *l);

/* Who holds the lock in dir on the manager reached through conn: sets
 * *holder to NULL when free, else to the holder line. 0, or -1 with err. */
int lock_status(struct ssh_conn *conn, const char *dir, long timeout_ms, char **holder,
		struct strbuf *err);

/* The holder line for this process: "user@machine pid N since TIME: ARGS"
 * (argv joined by spaces, control characters replaced). */
char *lock_holder_line(int argc, char **argv);

#endif
