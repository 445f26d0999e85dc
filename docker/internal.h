/* Helpers shared by docker/run.c and docker/secrets.c; not an interface
 * for other layers. */
#ifndef CSWARM_DOCKER_INTERNAL_H
#define CSWARM_DOCKER_INTERNAL_H

#include "compose/compose.h"
#include "docker/run.h"
#include "util/strbuf.h"

#include <stdbool.h>

/* "service NAME: KEY: message"; returns -1. Never pass secret content. */
__attribute__((format(printf, 4, 5)))
int svc_error(struct strbuf *err, const struct service *svc, const char *key, const char *fmt, ...);

/* Docker's rule for container names, which also makes the stack and
 * service names safe as path components and network aliases. */
bool valid_name(const char *s);

/* A --mount value being built. docker parses it as one CSV record: a
 * comma, a double quote or a line break inside a field would change its
 * meaning, so such a field is refused; after the first refusal the other
 * fields are ignored (err keeps one message). */
struct mount_spec {
	struct strbuf sb;
	const struct service *svc;
	const char *key;	/* "volumes", "secrets" or "configs" */
	struct strbuf *err;
	int rc;
};

void mount_field(struct mount_spec *m, const char *field, const char *value);
/* Append --mount VALUE to sb unless a field was refused; free the spec. */
int mount_done(struct mount_spec *m, struct strbuf *sb);

/* The --mount flags of the task's secret and config files (secrets.c). */
int file_mounts(struct strbuf *sb, const struct stack *st, const struct service *svc,
		const struct task_ref *t, const char *root, struct strbuf *err);

#endif
