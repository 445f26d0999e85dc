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
#include "state/store.h"
#include "util/strbuf.h"

struct cluster_lock;

/* What lock_acquire takes and how. */
struct lock_request {
	const char *dir;		/* the state directory */
	const char *holder;		/* lock_holder_line() */
	long wait_ms;			/* 0 fails at once (within half a second) when held */
	long timeout_ms;		/* bounds starting the script */
	const char *read_mark;		/* non-NULL: read the state under the lock too, its
					 * end marked by a line starting with it (a nonce) */
};

/* Take the lock in rq->dir on the manager reached through conn (named
 * host in messages); the lock keeps a share of conn (ssh_conn_share) and
 * a channel open on it. With rq->read_mark the manager's state copy
 * read right after the flock is put into *copy (one round trip for both).
 * Returns 0 (*out set), EXIT_LOCKED with err "lock held by alice@laptop pid
 * 4242 since 2026-11-25T10:40:02Z: cswarm deploy stack.yml",
 * EXIT_UNREACHABLE when the connection failed (timeout, dropped), or
 * EXIT_FAIL, each with err filled. */
int lock_acquire(struct ssh_conn *conn, const char *host, const struct lock_request *rq,
		 struct cluster_lock **out, struct state_fetched *copy, struct strbuf *err);
/* Parse what a lock script printed once locked: "locked PID\n", then with
 * mark the state document, "\n" and "MARK STATUS\n" (the read's exit
 * status). 0 with *pid and (with mark) *copy set; -1 with err for anything
 * else (cut short, no end line, a bad pid or status). Exposed for tests. */
/* The remote command lock_acquire runs (exposed for tests); its stdin:
 * the holder line, then the probes it echoes. */
void lock_command(const struct lock_request *rq, struct strbuf *cmd);
int lock_parse_reply(const char *out, size_t len, const char *mark, long *pid,
		     struct state_fetched *copy, struct strbuf *err);
/* Is the lock still held? Sends a line down the lock's own channel, which
 * the remote process holding it echoes: one round trip, no new process.
 * 0, or -1 with err (the connection dropped or timed out, the process is
 * gone). */
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
