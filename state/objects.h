/* Secrets and configs as objects of the cluster state: lookups, versions,
 * and sealing/opening their values with the cluster key (AES-256-GCM, the
 * object's kind, name and version as associated data, so that a sealed
 * value moved onto another object or version fails to open).
 *
 * Names follow docker's rules (object_name_ok); values are at most
 * OBJECT_MAX_SIZE bytes, as Swarm's. See docs/secrets.md. */
#ifndef CSWARM_OBJECTS_H
#define CSWARM_OBJECTS_H

#include "state/state.h"
#include "util/aead.h"

#define OBJECT_MAX_SIZE (500 * 1024)
/* Versions kept per object: the newest ones, enough to roll back. */
#define OBJECT_KEEP_VERSIONS 5

enum object_kind { OBJ_SECRET, OBJ_CONFIG };

/* The cluster key and its id: the first 8 bytes of
 * SHA-256("cswarm cluster key" || key), in hex. */
struct cluster_key {
	unsigned char key[AEAD_KEY_LEN];
	char id[17];
};

/* "secret" or "config". */
const char *object_kind_name(enum object_kind kind);
/* Docker's rule: 1 to 64 characters, letters, digits, '_', '.' and '-',
 * starting and ending with a letter or digit. */
int object_name_ok(const char *name);

/* A new random key, or the key of 64 hex digits (optionally after the
 * prefix "CSWKEY-1-"); both fill id. 0, or -1 for a malformed text. */
void cluster_key_new(struct cluster_key *k);
int cluster_key_parse(const char *text, struct cluster_key *k);
/* "CSWKEY-1-<64 hex>": how the key is shown to an operator. */
void cluster_key_format(const struct cluster_key *k, struct strbuf *out);

/* The objects of one kind: array and count pointers into st. */
struct state_object **objects_of(struct state *st, enum object_kind kind, size_t **n);
struct state_object *state_find_object(struct state *st, enum object_kind kind, const char *name);
/* A new empty object (no version yet); the name must not exist. */
struct state_object *state_add_object(struct state *st, enum object_kind kind, const char *name,
				      const char *stack);
/* Replace the object's labels by copies of labels[0..n). */
void object_set_labels(struct state_object *o, const struct kv *labels, size_t n);
/* 0 if removed, -1 if absent. */
int state_remove_object(struct state *st, enum object_kind kind, const char *name);
/* The newest version, or NULL when the object has none. */
const struct state_version *object_latest(const struct state_object *o);
const struct state_version *object_version(const struct state_object *o, long long version);

/* Seal value as the object's next version (older ones beyond
 * OBJECT_KEEP_VERSIONS are dropped). 0, or -1 with err (too large). */
int object_add_version(const struct cluster_key *k, enum object_kind kind, struct state_object *o,
		       const void *value, size_t len, long long now, struct strbuf *err);
/* The plaintext of one version appended to out. -1 with err when it does
 * not open (wrong key, or the state was altered); err never holds content. */
int object_open(const struct cluster_key *k, enum object_kind kind, const struct state_object *o,
		const struct state_version *v, struct strbuf *out, struct strbuf *err);
/* Seal every version again under a new key (unlock-key --rotate). 0, or
 * -1 with err (a value that does not open with the old key). */
int objects_reseal(struct state *st, const struct cluster_key *old_key,
		   const struct cluster_key *new_key, struct strbuf *err);

void state_object_free(struct state_object *o);
/* Free secrets, configs and key_id of st (state_free calls it). */
void state_objects_free(struct state *st);

#endif
