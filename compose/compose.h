/* The stack-file loader: compose/stack files in, one validated, normalized
 * stack out. The scheduler and the deploy engine consume struct stack; they
 * never see YAML. See docs/stack-file.md for what is accepted.
 *
 * Conventions of the model: strings are NULL when unset; durations are
 * milliseconds with -1 meaning unset; byte sizes are bytes with 0 meaning
 * unset; cpus are nano-cpus (1e9 = one cpu) with 0 meaning unset; key/value
 * lists are sorted by key and have unique keys. */
#ifndef CSWARM_COMPOSE_H
#define CSWARM_COMPOSE_H

#include "util/kv.h"
#include "util/strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strlist {
	char **v;
	size_t n, cap;
};


struct kvlist {
	struct kv *v;
	size_t n, cap;
};

struct port {
	uint32_t target;
	uint32_t published;	/* 0: none (swarm picks one in ingress mode) */
	char *protocol;		/* tcp, udp or sctp */
	char *mode;		/* ingress or host */
	char *host_ip;
};

enum mount_type { MOUNT_VOLUME, MOUNT_BIND, MOUNT_TMPFS, MOUNT_NPIPE, MOUNT_CLUSTER };

struct mount {
	enum mount_type type;
	char *source;		/* volume name or absolute host path; NULL: anonymous */
	char *target;
	bool read_only;
	char *consistency;
	char *propagation;	/* bind only */
	bool create_host_path;	/* bind only */
	bool nocopy;		/* volume only */
	char *subpath;		/* volume only */
	uint64_t tmpfs_size;	/* tmpfs only, bytes */
	uint32_t tmpfs_mode;	/* tmpfs only, 0: default */
};

/* A secret or config attached to a service. */
struct file_ref {
	char *source;
	char *target;		/* NULL: the default (/run/secrets/SOURCE or /SOURCE) */
	char *uid, *gid;
	int32_t mode;		/* -1: default */
};

struct service_network {
	char *name;
	struct strlist aliases;
	char *ipv4_address, *ipv6_address;
	struct kvlist driver_opts;
};

struct healthcheck {
	bool set;
	bool disable;
	struct strlist test;	/* ["CMD", ...], ["CMD-SHELL", "..."] or ["NONE"] */
	long long interval_ms, timeout_ms, start_period_ms, start_interval_ms;
	int64_t retries;	/* -1: unset */
};

struct ulimit {
	char *name;
	int64_t soft, hard;
};

struct resources {
	int64_t nano_cpus;
	uint64_t memory;
	int64_t pids;		/* 0: unset */
	struct kvlist generic;	/* discrete generic resources: kind -> count */
};

/* restart_policy.condition; UNSET is swarm's default, any. */
enum restart_condition { CONDITION_UNSET, CONDITION_NONE, CONDITION_ON_FAILURE, CONDITION_ANY,
			 CONDITION_NWORDS };

/* update_config/rollback_config.failure_action; UNSET is swarm's default,
 * pause. */
enum failure_action { FAILURE_UNSET, FAILURE_CONTINUE, FAILURE_ROLLBACK, FAILURE_PAUSE,
		      FAILURE_NWORDS };

/* deploy.mode; replicated unless the file says global. */
enum deploy_mode { MODE_REPLICATED, MODE_GLOBAL, MODE_NWORDS };

/* update_config/rollback_config.order; UNSET is swarm's default,
 * stop-first. */
enum update_order { ORDER_UNSET, ORDER_STOP_FIRST, ORDER_START_FIRST, ORDER_NWORDS };

struct restart_policy {
	bool set;
	enum restart_condition condition;
	long long delay_ms, window_ms;
	int64_t max_attempts;	/* -1: unset */
};

struct update_config {
	bool set;
	uint64_t parallelism;
	long long delay_ms, monitor_ms;
	enum failure_action failure_action;
	double max_failure_ratio;
	enum update_order order;
};

struct deploy {
	enum deploy_mode mode;
	uint64_t replicas;	/* 1 by default in replicated mode */
	char *endpoint_mode;	/* vip or dnsrr */
	struct kvlist labels;
	struct strlist constraints;
	struct strlist spread;	/* placement preferences: spread descriptors */
	uint64_t max_replicas_per_node;
	struct resources limits, reservations;
	struct restart_policy restart_policy;
	struct update_config update_config, rollback_config;
};

struct logging {
	char *driver;
	struct kvlist options;
};

struct service {
	char *name;
	char *image;
	bool command_set, entrypoint_set;	/* an empty list clears the image's */
	struct strlist command, entrypoint;
	struct kvlist environment;	/* env_file entries merged in, resolved */
	struct kvlist labels;		/* container labels */
	struct port *ports;
	size_t nports, ports_cap;
	struct service_network *networks;	/* sorted by name */
	size_t nnetworks, networks_cap;
	struct mount *mounts;
	size_t nmounts, mounts_cap;
	struct file_ref *secrets, *configs;
	size_t nsecrets, secrets_cap, nconfigs, configs_cap;
	struct healthcheck healthcheck;
	char *user, *working_dir, *hostname, *stop_signal;
	struct strlist extra_hosts, dns, dns_search, dns_opt, cap_add, cap_drop;
	bool read_only, init, tty, stdin_open;
	long long stop_grace_period_ms;
	struct kvlist sysctls;
	struct ulimit *ulimits;		/* sorted by name */
	size_t nulimits, ulimits_cap;
	struct logging logging;
	struct strlist tmpfs;
	struct deploy deploy;
	/* Not supported by swarm services, honoured because cswarm runs the
	 * containers itself (docs/stack-file.md). */
	bool privileged;
	struct strlist devices, security_opt, group_add;
	char *network_mode;
	int64_t nano_cpus;		/* service-level cpus */
	uint64_t mem_limit, mem_reservation, shm_size;
	int64_t pids_limit;
};

struct network {
	char *key;		/* the name used in the file */
	char *name;		/* the name on the hosts */
	char *driver;
	struct kvlist driver_opts, labels;
	bool external, attachable, internal, enable_ipv6;
	char *ipam_driver;
	struct strlist subnets;	/* "subnet[,gateway=G][,ip_range=R]" */
};

struct volume {
	char *key, *name, *driver;
	struct kvlist driver_opts, labels;
	bool external;
};

/* A top-level secret or config: exactly one of file, environment, content
 * (configs only) or external. */
struct file_obj {
	char *key, *name;
	char *file;		/* absolute path */
	char *environment;	/* variable name */
	char *content;
	char *template_driver;
	bool external;
	struct kvlist labels;
	/* x-cswarm-version: the stored version the stack uses (0: the
	 * newest). cswarm writes it into the stack documents it keeps, so that
	 * a changed value rolls the services using it and a rollback returns
	 * to the previous one. */
	long long version;
};

struct stack {
	char *name;
	struct service *services;	/* sorted by name */
	size_t nservices;
	struct network *networks;
	size_t nnetworks;
	struct volume *volumes;
	size_t nvolumes;
	struct file_obj *secrets, *configs;
	size_t nsecrets, nconfigs;
};

struct compose_opts {
	const char *const *files;	/* at least one; "-" reads stdin */
	size_t nfiles;
	const char *env_file;		/* NULL: .env beside the first file */
	const char *name;		/* stack name; NULL: `name:` or the dir name */
	const char *working_dir;	/* NULL: the first file's directory */
	bool quiet;			/* no warnings (fuzzing, tests) */
	bool resolved;			/* compose_load_buffer only: the document is
					 * cswarm's own canonical output, whose values
					 * are final: no interpolation */
};

/* Load, interpolate, merge, validate and normalize. Returns 0, or -1 with
 * one "file:line:col: key.path: message" line in err. */
int compose_load(const struct compose_opts *opts, struct stack **out, struct strbuf *err);
/* The same on an in-memory file named name (no .env is read). */
int compose_load_buffer(const char *name, const char *buf, size_t len,
			const struct compose_opts *opts, struct stack **out,
			struct strbuf *err);
/* Several in-memory documents merged in order, as several -c files are
 * (service update: the stack's document, then the changes). */
struct compose_layer {
	const char *name;
	const char *buf;
	size_t len;
};
int compose_load_layers(const struct compose_layer *layers, size_t n,
			const struct compose_opts *opts, struct stack **out, struct strbuf *err);
void stack_free(struct stack *st);

const struct service *stack_service(const struct stack *st, const char *name);

/* Canonical serializations: sorted keys, normalized values, byte-for-byte
 * stable for equal stacks. A service's JSON covers everything that shapes
 * its containers, so its hash detects spec changes. */
void compose_write_json(const struct stack *st, struct strbuf *out);
void compose_write_yaml(const struct stack *st, struct strbuf *out);
void compose_service_json(const struct stack *st, const struct service *svc,
			  struct strbuf *out);

/* Value parsers shared with other layers; all strict, -1 on bad input. */
long long compose_parse_duration(const char *s);	/* "1m30s" -> 90000 */
int compose_parse_bytes(const char *s, uint64_t *out);	/* "512M", "1g" */
int compose_parse_cpus(const char *s, int64_t *nano);	/* "0.5" */
/* Format ms like Go's time.Duration ("1m30s", "500ms"). */
void compose_format_duration(struct strbuf *out, long long ms);
/* The stack file's words ("on-failure", "rollback"), as the loader parsed
 * them; NULL for UNSET. */
const char *restart_condition_name(enum restart_condition c);
const char *failure_action_name(enum failure_action a);
const char *update_order_name(enum update_order o);
const char *deploy_mode_name(enum deploy_mode m);

#endif
