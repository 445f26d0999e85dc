/* Where the cluster key lives. By default on every manager in a root-only
 * file (mode 0600) beside, not inside, its state directory: DIR/../.NAME.key
 * for DIR/.../NAME, so that copies of the state, its history and backups of
 * the directory hold no key. With autolock the managers hold no key at all:
 * the operator gives it in $CSWARM_UNLOCK_KEY or in the file named by
 * $CSWARM_UNLOCK_KEY_FILE. The state records only the key's id, so a wrong
 * key is told apart before anything changes. See docs/secrets.md. */
#ifndef CSWARM_KEYSTORE_H
#define CSWARM_KEYSTORE_H

#include "state/cluster.h"
#include "state/objects.h"

/* The key file of a manager whose state directory is dir (absolute). */
char *keystore_path(const char *dir);

/* The operator's key from the environment; 0, or -1 with err (not set,
 * unreadable file, malformed). */
int cluster_key_from_env(struct cluster_key *k, struct strbuf *err);

/* The key that seals st's values. When st has none yet and create is set,
 * a new one is made and installed on the managers, and st->key_id set
 * (the caller writes st). 0, or -1 with err: autolocked without the key,
 * a key of another id, no manager holding it. */
int cluster_key_load(struct cluster_ctx *c, struct state *st, int create, struct cluster_key *k,
		     struct strbuf *err);

/* Add k to the key file of every reachable manager (other keys stay, so
 * that a rotation interrupted before the state write loses nothing), or
 * with only set, make k the only key there (once the state uses it).
 * 0 when every reachable manager (at least one) has it, -1 with err. */
int keystore_install(struct cluster_ctx *c, const struct cluster_key *k, int only,
		     struct strbuf *err);

#endif
