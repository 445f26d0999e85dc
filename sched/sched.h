/* The scheduler: decides where every task runs.
 *
 * It is pure: the caller describes nodes, desired services and current tasks
 * in the structs below (borrowed pointers, nothing is copied or kept), and
 * sched_plan() returns what to keep, start, stop and move, and why every task
 * it could not place stays pending.  No I/O, no globals: the same input always
 * gives the same output, ties are broken by node order.  Semantics follow
 * swarmkit's scheduler; docs/placement.md explains every rule with examples.
 */
#ifndef CSWARM_SCHED_H
#define CSWARM_SCHED_H

#include <stddef.h>
#include <stdint.h>

struct strbuf;

/* "No index": a task without a node, a new task without an input task... */
#define SCHED_NONE UINT32_MAX
/* Upper bound on replicas per service; larger values are rejected. */
#define SCHED_MAX_REPLICAS 10000000u
/* Upper bound on spread preferences per service (levels of the tree). */
#define SCHED_MAX_SPREAD 8

enum sched_role { SCHED_WORKER, SCHED_MANAGER };
enum sched_availability { SCHED_ACTIVE, SCHED_PAUSE, SCHED_DRAIN };
enum sched_mode { SCHED_REPLICATED, SCHED_GLOBAL };
enum sched_strategy {
	SCHED_STRATEGY_DEFAULT,	/* service: use the options'; options: spread */
	SCHED_SPREAD,
	SCHED_BINPACK,
};
enum sched_proto { SCHED_TCP, SCHED_UDP, SCHED_SCTP };

enum sched_task_state {
	SCHED_TASK_PENDING,	/* wants a node; its node (global: the target) */
	SCHED_TASK_STARTING,	/* on its node, not running yet */
	SCHED_TASK_RUNNING,
	SCHED_TASK_EXITED,	/* terminal (failed, complete, shut down) */
};

struct sched_kv {
	const char *key;
	const char *value;
};

struct sched_node {
	const char *id;
	const char *hostname;
	enum sched_role role;
	enum sched_availability availability;
	int ready;			/* reachable and healthy */
	const struct sched_kv *labels;	/* node labels (inventory) */
	size_t nlabels;
	const struct sched_kv *engine_labels;	/* docker daemon labels */
	size_t nengine_labels;
	const char *os;			/* "linux" */
	const char *arch;		/* "x86_64", "amd64", "aarch64"... */
	const char *ip;			/* address used by node.ip constraints */
	int64_t nano_cpus;		/* capacity; 0 = unknown, no limit */
	int64_t memory_bytes;		/* capacity; 0 = unknown, no limit */
};

struct sched_port {
	uint16_t port;			/* host-mode published port */
	enum sched_proto proto;
};

struct sched_platform {
	const char *os;			/* NULL or "" = any */
	const char *arch;
};

struct sched_service {
	const char *name;
	enum sched_mode mode;
	uint32_t replicas;		/* replicated mode only */
	const char *const *constraints;	/* "node.labels.zone==east" */
	size_t nconstraints;
	const char *const *spread;	/* "node.labels.zone", outermost first */
	size_t nspread;
	int64_t reserve_nano_cpus;
	int64_t reserve_memory;
	uint32_t max_replicas_per_node;	/* 0 = unlimited */
	const struct sched_port *ports;
	size_t nports;
	const struct sched_platform *platforms;	/* none = any platform */
	size_t nplatforms;
	const char *spec_hash;		/* NULL: never outdated */
	enum sched_strategy strategy;
};

struct sched_task {
	const char *id;
	uint32_t service;		/* index in services; SCHED_NONE = gone */
	uint32_t slot;			/* replicated: 1..; global: 0 */
	uint32_t node;			/* index in nodes or SCHED_NONE */
	enum sched_task_state state;
	const char *spec_hash;
};

struct sched_input {
	const struct sched_node *nodes;
	size_t nnodes;
	const struct sched_service *services;
	size_t nservices;
	const struct sched_task *tasks;
	size_t ntasks;
};

struct sched_options {
	int rebalance;			/* move the fewest tasks to even out load */
	enum sched_strategy strategy;	/* default for services without one */
};

enum sched_action {
	SCHED_KEEP,	/* stays where it is (from == to) */
	SCHED_START,	/* start on `to` (a new task, or a pending input task) */
	SCHED_MOVE,	/* stop on `from`, start the same slot on `to` */
	SCHED_STOP,	/* stop and remove; `reason` says why */
	SCHED_PENDING,	/* no node fits; `message` says why.  If `from` is set
			 * the task must still leave that node (`reason`). */
	SCHED_NACTIONS
};

struct sched_item {
	uint32_t task;		/* input task index, SCHED_NONE for a new task */
	uint32_t service;	/* SCHED_NONE for a task whose service is gone */
	uint32_t slot;
	uint32_t from;		/* node the task is on now, or SCHED_NONE */
	uint32_t to;		/* node it runs on (global PENDING: wants) */
	uint8_t action;		/* enum sched_action */
	uint8_t outdated;	/* spec hash differs from the service's */
	const char *reason;	/* STOP, MOVE, PENDING with from: static text */
	const char *message;	/* PENDING: owned by the plan */
};

struct sched_plan {
	/* items[i] for i < ntasks is the fate of input task i; new tasks
	 * follow, in service order then slot (global: node) order. */
	struct sched_item *items;
	size_t nitems, cap;
	char **messages;
	size_t nmessages, msgcap;
	size_t count[SCHED_NACTIONS];
};

/* Compute the next assignment.  Returns 0, or -1 with a message in err for
 * invalid input (bad constraint, unknown spread key, index out of range). */
int sched_plan(const struct sched_input *in, const struct sched_options *opt,
	       struct sched_plan *out, struct strbuf *err);
void sched_plan_free(struct sched_plan *plan);
const char *sched_action_name(enum sched_action a);

/* --- constraints -------------------------------------------------------- */

enum sched_key {
	SCHED_KEY_ID, SCHED_KEY_HOSTNAME, SCHED_KEY_ROLE, SCHED_KEY_OS,
	SCHED_KEY_ARCH, SCHED_KEY_IP, SCHED_KEY_NODE_LABEL,
	SCHED_KEY_ENGINE_LABEL,
};

struct sched_constraint {
	enum sched_key key;
	int negate;		/* != instead of == */
	char *label;		/* *_LABEL keys: the label name */
	char *value;		/* compared case-insensitively */
	int family;		/* SCHED_KEY_IP: AF_INET or AF_INET6 */
	unsigned prefix;	/* SCHED_KEY_IP: CIDR prefix length */
	unsigned char addr[16];
};

/* Parse "node.labels.zone == east"; -1 with the reason in err if invalid. */
int sched_constraint_parse(const char *expr, struct sched_constraint *out,
			   struct strbuf *err);
int sched_constraint_match(const struct sched_constraint *c,
			   const struct sched_node *node);
void sched_constraint_free(struct sched_constraint *c);

/* Does the node run one of the service's platforms?  "x86_64" == "amd64",
 * "aarch64" == "arm64"; an empty list or field matches anything. */
int sched_platform_match(const struct sched_service *svc,
			 const struct sched_node *node);

/* The routing mesh publishes an ingress port on every node: one port (and
 * protocol) belongs to one service cluster-wide, and no host-mode port of
 * another service may use it. ports[i] is a published port of service
 * owner[i], ingress[i] says its mode. Returns 0, or 1 with *a and *b set to
 * the first two entries that conflict (*a < *b). */
int sched_ingress_conflict(const struct sched_port *ports, const uint32_t *owner,
			   const unsigned char *ingress, size_t n, size_t *a, size_t *b);

#endif
