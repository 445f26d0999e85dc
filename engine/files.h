/* Secrets and configs between the cluster state and the tasks: stored from
 * a stack file at deploy (so reconcile never needs the source again),
 * decrypted with the cluster key only when a task that mounts them
 * starts, written to the host's tmpfs, and removed from a host once no
 * task there uses them. See docs/secrets.md. */
#ifndef CSWARM_ENGINE_FILES_H
#define CSWARM_ENGINE_FILES_H

#include "engine/converge.h"
#include "state/objects.h"

/* The cluster key for this run, loaded once (state/keystore.h). create:
 * make one when the cluster has none yet (dry_run: one that is never
 * installed). 0, or -1 with err. */
int engine_key(struct run *r, int create, int dry_run, struct strbuf *err);

/* Turn the secrets and configs of a stack file about to be deployed into
 * cluster objects: file:, environment: and content: values are read here
 * and stored (a new version when the value changed; owned by the stack),
 * external ones must exist; every one is then rewritten in st as external
 * with the version it uses (x-cswarm-version). Changes r->st only.
 * 0, or -1 with err (nothing must be applied then). */
int engine_store_stack_files(struct run *r, struct stack *st, int dry_run, struct strbuf *err);

/* Where tasks' files go on fleet host h: the inventory var
 * cswarm_files_dir, else DOCKER_TASK_FILES (docker/secrets.h). NULL with
 * err when the var is not a plain absolute path. */
const char *engine_files_root(const struct run *r, size_t h, struct strbuf *err);

/* Append the commands writing the files of the task an OP_START starts. */
int engine_files_script(struct run *r, const struct op *op, struct strbuf *script,
			struct strbuf *err);

/* Does op touch a task that has (or may have: an orphan) files? */
int engine_op_has_files(const struct op *op);

/* Before applying cv: the key, if a task to start needs it. 0, or -1 with
 * err. */
int engine_files_ready(struct run *r, const struct converge *cv, struct strbuf *err);

/* On every reachable host with hosts[i] set, remove the files of tasks
 * the state no longer places there. */
void engine_files_cleanup(struct run *r, const unsigned char *hosts);

#endif
