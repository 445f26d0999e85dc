/* Reading and writing the state on the managers. There is no daemon: the
 * state is a file in a directory on every manager, read and written over
 * SSH, with quorums instead of raft: a write counts only when a majority of
 * the inventory's managers (W = n/2 + 1) has it, so any R = n - W + 1 of
 * them hold the last written version; a read that saw R good copies takes
 * the highest version and knows it is current. Every write carries the
 * version it read, and a manager that has a newer one refuses it
 * (fencing). See docs/state.md and docs/reliability.md. */
#ifndef CSWARM_STORE_H
#define CSWARM_STORE_H

#include "ssh/fanout.h"
#include "state/state.h"

/* History kept on every manager: the last STATE_HISTORY versions. */
#define STATE_HISTORY 50

/* The read of a manager's copy, after `cd DIR`: exits STATE_NO_STATE when
 * there is none, else prints the file. */
#define STATE_READ_TAIL " 2>/dev/null && test -e state.json || exit 66; exec cat state.json"
enum { STATE_NO_STATE = 66 };

/* A manager's copy already read by another command (the lock's, in
 * state/lock.c): state_read takes it instead of reading that manager. */
struct state_fetched {
	int have;		/* 0: state_read reads the manager itself */
	int status;		/* of the read: 0, STATE_NO_STATE, other: failed */
	struct strbuf out;	/* the document when 0 */
	struct strbuf err;	/* the read's stderr */
};
void state_fetched_reset(struct state_fetched *f);

/* What one manager answered to a read. */
enum state_copy_kind { COPY_UNREACHABLE, COPY_MISSING, COPY_BAD, COPY_OK };

enum state_verdict {
	VERDICT_CURRENT,	/* best is the last written state (R good copies) */
	VERDICT_UNPROVEN,	/* best is the highest version seen, too few copies answered */
	VERDICT_CONFLICT,	/* copies differ at the highest version and no side has
				 * more managers: best and other are the two sides */
	VERDICT_SPLIT,		/* copies of two clusters (cluster_id): best and other */
	VERDICT_MISSING,	/* no state anywhere reachable (none broken) */
	VERDICT_NONE,		/* no good copy: nothing reachable, or only broken copies */
};

struct state_store {
	struct fleet *managers;		/* in inventory order; connected lazily */
	char **dirs;			/* state directory of each manager */
	long timeout_ms;		/* per remote command */
	size_t voters;			/* managers[0..voters) are the inventory's: only
					 * they count for quorums (promoted hosts are
					 * extra copies) */
	/* Set by state_read: */
	enum state_verdict verdict;
	int current;			/* R good copies seen: the state is the last written */
	int in_sync;			/* current, and every voter answered with that
					 * very copy: rewriting it would change nothing */
	struct strbuf unproven;		/* when not current: which managers are missing, why */
	enum state_copy_kind *kinds;	/* per voter: what its copy was */
	struct state_fetched *fetched;	/* per voter, or NULL: copies read with the
					 * lock; state_read uses them once */
};

/* Majority of n managers a write (and the lock) needs: n/2 + 1. */
size_t state_write_quorum(size_t n);
/* Good copies a read needs to know it has the last written version:
 * n - W + 1 (every write majority shares a manager with them). */
size_t state_read_quorum(size_t n);

struct state_copy {
	enum state_copy_kind kind;
	long long version;	/* COPY_OK only, as are the two below */
	const char *cluster_id;
	const char *doc;	/* canonical JSON, to tell equal versions apart */
};


struct state_choice {
	enum state_verdict verdict;
	long best;		/* index of the copy to use, -1 without one */
	long other;		/* SPLIT, CONFLICT: a copy that disagrees with best */
	size_t good;		/* COPY_OK copies */
};

/* The choice of a read among the copies of n managers (all voters), pure:
 * the highest version among good copies; at that version the content held
 * by the most managers (the first in inventory order on equal counts, then
 * CONFLICT); CURRENT when at least state_read_quorum(n) copies are good. */
void state_choose(const struct state_copy *copies, size_t n, struct state_choice *out);

enum state_read_result {
	STATE_READ_OK = 0,
	STATE_READ_MISSING = 1,		/* no reachable manager has a state */
	STATE_READ_FAIL = -1,		/* no manager reachable, or no usable state */
};

/* Read DIR/state.json on every reachable voter (in parallel; those with a
 * copy in s->fetched are not asked again) into *out,
 * chosen by state_choose. Warns (warning()) naming managers that are
 * behind, have no or a broken state, or disagree at the same version.
 * STATE_READ_OK also for a state not proven current (s->current 0,
 * s->unproven says why); STATE_READ_FAIL for copies of two clusters. On
 * STATE_READ_MISSING and STATE_READ_FAIL err says why (with host names)
 * and *out is empty. */
enum state_read_result state_read(struct state_store *s, struct state *out, struct strbuf *err);

/* Make st the next version: version + 1, updated_at (now, UTC),
 * updated_by ($USER@hostname) and change (one line), then write it to every
 * manager atomically (temporary file, sync, rename), keeping the last
 * STATE_HISTORY versions in DIR/history/VERSION.json and one line per
 * change in DIR/history.log. The document travels on stdin, never in argv.
 * The version st had (the one read) is the fence: a manager whose version
 * is newer refuses. 0 when a majority of the voters has it (others that
 * failed are warned about); -1 with err otherwise, then *fenced is set
 * when a manager refused a newer version (another run wrote meanwhile). */
int state_write(struct state_store *s, struct state *st, const char *change, int *fenced,
		struct strbuf *err);

/* The remote command state_write runs on each manager (exposed for tests).
 * Its stdin: one history.log line, then the doc_len bytes of the document.
 * Exits 0 when written, 75 (STATE_FENCED) when DIR has a version newer
 * than expected (the version the writer read; 0: none), other non-zero
 * with a message on stderr. A manager behind (or without a state, or with
 * a broken one) is brought up to version. */
void state_write_command(struct strbuf *cmd, const char *dir, long long version,
			 long long expected, size_t doc_len);
enum { STATE_FENCED = 75 };

void state_store_free(struct state_store *s);

/* "$USER@hostname", for updated_by and the lock holder. */
char *state_whoami(void);
/* Replace control characters (newlines included) by spaces, in place. */
void state_one_line(char *s);

/* "2026-11-25T10:40:02Z" for t (UTC); buf has room for 21 bytes. */
void state_format_time(long long t, char buf[static 21]);

#endif
