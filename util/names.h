/* Names and paths that cswarm puts on hosts' command lines and file
 * systems: stack, service, secret, config and cluster names become
 * container names and path components, the state directory is created
 * and, on `node demote`, emptied. Every one is checked here before any
 * command runs, so that a name like "../../docker" never reaches `rm`. */
#ifndef CSWARM_NAMES_H
#define CSWARM_NAMES_H

#include "util/strbuf.h"

#include <stdbool.h>

/* Longest stack, service, secret, config or cluster name: a DNS label
 * (container names and network aliases are built from them). */
#define NAME_MAX_LEN 63
/* Longest docker object name cswarm passes on (networks, volumes). */
#define DOCKER_NAME_MAX_LEN 255

/* Docker's rule for object names: [a-zA-Z0-9][a-zA-Z0-9_.-]*, 1..max
 * bytes. Never ".." or "." (the first character is alphanumeric). */
bool name_valid(const char *s, size_t max);
/* The same; -1 with "bad WHAT name "S": ..." in err. */
int name_check(const char *what, const char *s, size_t max, struct strbuf *err);

/* A state directory from the inventory: absolute, normalised (no "//",
 * "/./", "/../", trailing "/"), no leading '-' in any component, only
 * printable characters, not "/". 0, or -1 with the reason in err. */
int state_dir_check(const char *dir, struct strbuf *err);
/* Whether dir is parent or equal to other (as paths, component-wise). */
bool path_contains(const char *dir, const char *other);

#endif
