/* Secret and config files for tasks: written on the host's tmpfs, one
 * directory per task, bind-mounted read-only into its container, removed
 * once no task of the host uses them.
 *
 *   ROOT/CLUSTER_ID/TASK_ID/secrets/SOURCE     ROOT: DOCKER_TASK_FILES,
 *   ROOT/CLUSTER_ID/TASK_ID/configs/SOURCE     a tmpfs (checked)
 *
 * Directories 0700, files with the reference's uid, gid (default 0) and
 * mode (default 0444), as Swarm. The content travels base64-encoded in a
 * here-document of the script sent on stdin: never on a command line, in
 * an error or in the --dry-run output. See docs/secrets.md. */
#ifndef CSWARM_DOCKER_SECRETS_H
#define CSWARM_DOCKER_SECRETS_H

#include "compose/compose.h"
#include "docker/run.h"
#include "util/strbuf.h"

/* Where tasks' files live on every host: /run is a tmpfs on every
 * systemd or Debian host, so the values never reach a disk. */
#define DOCKER_TASK_FILES "/run/cswarm"

/* Where the value of a secret or config comes from. value appends it to
 * out, or returns -1 with why (one line naming the object, never its
 * content); kind is "secrets" or "configs". */
struct file_source {
	int (*value)(void *ctx, const char *kind, const struct file_obj *o, struct strbuf *out,
		     struct strbuf *why);
	void *ctx;
};

/* Reads file:, environment: and content: where cswarm runs (at most
 * 500KiB + 1 bytes, so a caller can refuse what is larger). Only for the
 * stack file or command line at hand, never for a document kept in the
 * state: those hold no sources (issue: a state must never make the
 * controller read its local files). */
int docker_file_local_value(void *ctx, const char *kind, const struct file_obj *o,
			    struct strbuf *out, struct strbuf *why);

/* Append the commands writing task t's files (root NULL: DOCKER_TASK_FILES;
 * it must be a tmpfs or the script fails). The script holds the
 * values: never log it. 0, or -1 with err. */
int docker_files_script(const struct stack *st, const struct service *svc, const struct task_ref *t,
			const char *root, const struct file_source *src, struct strbuf *script,
			struct strbuf *err);

/* Append commands removing, under ROOT/CLUSTER_ID, the directory of every
 * task not in keep (task ids). */
void docker_files_cleanup_script(const char *root, const char *cluster_id,
				 const char *const *keep, size_t nkeep, struct strbuf *script);

#endif
