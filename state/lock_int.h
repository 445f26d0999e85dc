/* Internal to state/lock.c, declared here for its unit tests
 * (tests/unit/test_lock.c), which run the lock's scripts with a local sh. */
#ifndef CSWARM_STATE_LOCK_INT_H
#define CSWARM_STATE_LOCK_INT_H

#include "util/strbuf.h"

/* What lock_acquire runs on a manager for directory dir, waiting
 * wait_secs ("0.500") for the flock: stdin is the holder line and then
 * stays open as long as the lock is held; it prints "locked PID", or
 * "held HOLDER-LINE" and exits 4. */
void lock_take_command(struct strbuf *cmd, const char *dir, const char *wait_secs);
/* What lock_status runs: prints "unlocked", or "held HOLDER-LINE". */
void lock_status_command(struct strbuf *cmd, const char *dir);
/* The script's "held LINE" output as the error "lock held by LINE". */
void lock_describe_holder(const struct strbuf *out, struct strbuf *err);

#endif
