/* Reading and writing the state on the managers. There is no daemon: the
 * state is a file in a directory on every manager, read and written over
 * SSH. Readers take the highest version any reachable manager has; writers
 * write every reachable manager. See docs/state.md. */
#ifndef CSWARM_STORE_H
#define CSWARM_STORE_H

#include "ssh/fanout.h"
#include "state/state.h"

/* History kept on every manager: the last STATE_HISTORY versions. */
#define STATE_HISTORY 50

struct state_store {
	struct fleet *managers;		/* in inventory order; connected lazily */
	char **dirs;			/* state directory of each manager */
	long timeout_ms;		/* per remote command */
};

enum state_read_result {
	STATE_READ_OK = 0,
	STATE_READ_MISSING = 1,		/* no reachable manager has a state */
	STATE_READ_FAIL = -1,		/* no manager reachable, or no usable state */
};

/* Read DIR/state.json on every reachable manager (in parallel) into *out:
 * the highest version wins. Warns (warning()) naming managers that are
 * behind, have no or a broken state, or disagree at the same version.
 * On STATE_READ_MISSING and STATE_READ_FAIL err says why (with host names)
 * and *out is empty. */
enum state_read_result state_read(struct state_store *s, struct state *out, struct strbuf *err);

/* Make st the next version: version + 1, updated_at (now, UTC),
 * updated_by ($USER@hostname) and change (one line), then write it to every
 * reachable manager atomically (temporary file, sync, rename), keeping the
 * last STATE_HISTORY versions in DIR/history/VERSION.json and one line per
 * change in DIR/history.log. The document travels on stdin, never in argv.
 * 0 when the first reachable manager has it (others that failed are
 * warned about), -1 with err otherwise. A manager that already has a newer
 * version is not overwritten (an error for that manager). */
int state_write(struct state_store *s, struct state *st, const char *change, struct strbuf *err);

/* The remote command state_write runs on each manager (exposed for tests).
 * Its stdin: one history.log line, then the doc_len bytes of the document.
 * Exits 0 when written, 75 when DIR has version >= version already, other
 * non-zero with a message on stderr. */
void state_write_command(struct strbuf *cmd, const char *dir, long long version, size_t doc_len);

/* "$USER@hostname", for updated_by and the lock holder. */
char *state_whoami(void);
/* Replace control characters (newlines included) by spaces, in place. */
void state_one_line(char *s);

/* "2026-11-25T10:40:02Z" for t (UTC); buf has room for 21 bytes. */
void state_format_time(long long t, char buf[static 21]);

#endif
