/* The cluster's desired state: what cswarm keeps on the managers instead of
 * a daemon's database. One JSON document (state.json), rewritten whole on
 * every change with a new version. See docs/state.md for the file format.
 *
 * Strings are owned by the struct (freed by state_free); arrays keep the
 * order in which they were added, and state_write_json sorts nothing, so a
 * parse/write round trip gives the same bytes. */
#ifndef CSWARM_STATE_H
#define CSWARM_STATE_H

#include "util/kv.h"
#include "util/strbuf.h"

#include <stddef.h>

/* The state format; a file with a higher format is refused (written by a
 * newer cswarm). */
#define STATE_FORMAT 1

/* A deployed stack: its whole canonical stack document (compose_write_json),
 * from which any host can be given any of its tasks later (reconcile). */
struct state_stack {
	char *name;
	char *spec_json;
};

struct state_service {
	char *stack, *name;
	char *spec_json;	/* the service's canonical (compact) JSON */
	char *hash;		/* sha256 hex of spec_json */
	char *prev_spec_json;	/* the spec before the last change, for rollback:
				 * the service's whole member of the stack
				 * document once run_set_stack has run; */
	char *prev_hash;	/* both NULL when there is none */
};

struct state_task {
	char *id;		/* 12 hex chars, state_new_task_id() */
	char *stack, *service;
	int slot;		/* 1-based replica slot, 0 for a global service */
	char *node;		/* inventory name of the host */
	char *hash;		/* spec hash the task was created from */
	char *desired;		/* "running" or "shutdown" */
	long long created;	/* unix seconds */
	int restarts;
	long long last_restart;	/* unix seconds, 0 if never */
};

/* A node's availability and role as node commands set them in the state;
 * UNSET: the inventory's (active; its group's role). Parsed from state.json
 * by state_parse, --availability by node_availability_parse, and written or
 * printed through the *_name functions only (state/state_json.c). */
enum node_availability { AVAIL_UNSET, AVAIL_ACTIVE, AVAIL_PAUSE, AVAIL_DRAIN, AVAIL_NWORDS };
enum node_role { ROLE_UNSET, ROLE_MANAGER, ROLE_WORKER, ROLE_NWORDS };

/* "active", "pause", "drain" / "manager", "worker"; NULL for UNSET. */
const char *node_availability_name(enum node_availability a);
const char *node_role_name(enum node_role r);
/* The word's value (--availability); UNSET for NULL or an unknown word. */
enum node_availability node_availability_parse(const char *s);

struct state_node {
	char *name;
	enum node_availability availability;
	enum node_role role;
	struct kv *labels;	/* label overrides; value NULL removes the label */
	size_t nlabels;
};

/* One version of a secret's or config's value, sealed with the cluster key
 * (state/objects.h); the state never holds a plaintext. */
struct state_version {
	long long version;	/* 1, 2, ...: never reused for one object */
	long long created;	/* unix seconds */
	long long size;		/* plaintext bytes */
	char *sealed;		/* base64 of nonce || ciphertext || tag */
};

/* A secret or a config: created by `cswarm secret create`, or stored at
 * deploy from a stack file's file:/environment:/content: (owned by that
 * stack and removed with it). Versions oldest first. */
struct state_object {
	char *name;
	char *stack;		/* owning stack, or NULL */
	struct kv *labels;
	size_t nlabels;
	long long created;
	struct state_version *versions;
	size_t nversions;
};

struct state {
	long long version;	/* 1 after init, +1 per change */
	char *cluster;		/* name */
	char *cluster_id;	/* 32 hex chars, random at init */
	char *updated_at;	/* RFC 3339 UTC of the last change */
	char *updated_by;	/* user@machine of the last change */
	char *change;		/* one line: what the last change was */
	struct state_stack *stacks;
	size_t nstacks;
	struct state_service *services;
	size_t nservices;
	struct state_task *tasks;
	size_t ntasks;
	struct state_node *nodes;
	size_t nnodes;
	struct state_object *secrets, *configs;
	size_t nsecrets, nconfigs;
	char *key_id;		/* 16 hex: the cluster key that seals them; NULL: none yet */
	int autolock;		/* the key is held by the operator, not the managers */
	struct kv *net;		/* the overlay's address plan (engine/net.h), */
	size_t nnet;		/* "slot/HOST" -> "3", "net/NAME" -> CIDR, ... */
};

/* Parse a state document. Strict: unknown keys, wrong types, missing
 * fields, bad ids or hashes are errors naming the key path (for example
 * "tasks[3].slot: expected a non-negative integer"). 0, or -1 with err
 * filled; *st is then empty. */
int state_parse(const char *text, size_t len, struct state *st, struct strbuf *err);
/* Append the canonical JSON of st (stable: same state, same bytes; one
 * service, task or node per line so it reads well with less). */
void state_write_json(const struct state *st, struct strbuf *out);
void state_free(struct state *st);

struct state_stack *state_find_stack(struct state *st, const char *name);
/* Add or replace a stack's document (copied as given).
 * INVARIANT: a new stack goes at the end, a replaced one keeps its index,
 * and removing one keeps the order of the others: a run's r->stacks is
 * kept parallel to st->stacks by index (engine/run.h). */
void state_set_stack(struct state *st, const char *name, const char *spec_json);
/* Remove a stack (not its services or tasks); 0 if removed, -1 if absent. */
int state_remove_stack(struct state *st, const char *name);

/* Services are identified by stack and name. */
struct state_service *state_find_service(struct state *st, const char *stack, const char *name);
/* Add or update a service. spec_json is canonicalised (compact) and hashed;
 * on a change of hash the old spec becomes prev_spec_json. Returns the
 * service, or NULL with err filled when spec_json is not valid JSON. */
struct state_service *state_set_service(struct state *st, const char *stack, const char *name,
					const char *spec_json, struct strbuf *err);
/* Record spec_json (canonicalised, hashed) as the service's previous spec. */
int state_set_previous(struct state_service *s, const char *spec_json, struct strbuf *err);
/* Remove a service (not its tasks); 0 if removed, -1 if absent. */
int state_remove_service(struct state *st, const char *stack, const char *name);

struct state_task *state_find_task(const struct state *st, const char *id);
/* Free the strings of a task record (not the record itself). */
void state_task_free(struct state_task *t);
/* Append a copy of t (strings duplicated); returns the stored task. */
struct state_task *state_add_task(struct state *st, const struct state_task *t);
/* 0 if removed, -1 if absent. */
/* Remove every task whose id is in ids (n of them; NULLs skipped), in
 * one pass over the tasks (hashed: a wave stopping thousands of tasks
 * costs no more than one); returns how many went. */
size_t state_remove_tasks(struct state *st, const char *const *ids, size_t n);
int state_remove_task(struct state *st, const char *id);

struct state_node *state_find_node(struct state *st, const char *name);
/* Remove a node's override record; 0 if removed, -1 if absent. */
int state_remove_node(struct state *st, const char *name);
/* The override record of node name, created empty if absent. */
struct state_node *state_node(struct state *st, const char *name);
/* Set (value non-NULL) or mark removed (value NULL) a label override. */
void state_node_set_label(struct state_node *n, const char *key, const char *value);

/* The value of an address-plan key, or NULL. */
const char *state_net_get(const struct state *st, const char *key);
/* Set (value non-NULL) or remove (value NULL) an address-plan key. */
void state_net_set(struct state *st, const char *key, const char *value);

/* A new random task id: 12 lowercase hex chars (OpenSSL RAND_bytes);
 * dies if the random generator fails. */
char *state_new_task_id(void);
/* A new random cluster id: 32 lowercase hex chars. */
char *state_new_cluster_id(void);
/* sha256 of s as 64 lowercase hex chars. */
char *state_hash(const char *s);

#endif
