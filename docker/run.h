/* From a service of the stack model to the shell script that runs one of
 * its tasks as a plain container on a host (`docker run`, no swarm mode),
 * plus the networks and volumes it needs (secret and config files:
 * docker/secrets.h).
 *
 * Every function appends POSIX sh text to a script that the deploy engine
 * sends to a host on stdin (`sh -s`). Every word that comes from a stack
 * file is single-quoted (util/shell.h): a hostile value can only ever be
 * one literal argument. Each appended block is self-contained (its
 * commands are chained with &&) and ends in a newline.
 *
 * Errors: -1 with one line in err naming the service and the key
 * ("service web: volumes: ..."). No error text ever contains the content
 * of a secret or config. See docs/containers.md. */
#ifndef CSWARM_DOCKER_RUN_H
#define CSWARM_DOCKER_RUN_H

#include "compose/compose.h"
#include "util/strbuf.h"

/* Labels on everything cswarm creates. cswarm never touches a container,
 * network or volume that lacks LABEL_CLUSTER with its own cluster id. */
#define LABEL_CLUSTER	"cswarm.cluster"	/* cluster id */
#define LABEL_STACK	"cswarm.stack"
#define LABEL_SERVICE	"cswarm.service"
#define LABEL_SLOT	"cswarm.slot"		/* replicated tasks: 1.. */
#define LABEL_NODE	"cswarm.node"		/* global tasks: the host */
#define LABEL_TASK	"cswarm.task"		/* task id */
#define LABEL_HASH	"cswarm.hash"		/* hash of the service spec */
/* Familiarity labels, as swarm sets them: tools that group containers by
 * stack (Portainer, `docker ps --filter`) keep working. */
#define LABEL_NAMESPACE	"com.docker.stack.namespace"
#define LABEL_SWARM_SVC	"com.docker.swarm.service.name"

/* Where cswarm before 0.2 kept secret and config files on the hosts' disk;
 * only removed now (docker_rm_stack_script). Tasks' files: docker/secrets.h. */
#define DOCKER_FILES_DIR "/var/lib/cswarm/files"

/* One task: which container to create. Strings are borrowed. */
struct task_ref {
	const char *cluster_id, *stack, *service, *task_id;
	const char *node;	/* the host; required for global tasks */
	const char *hash;	/* spec hash (compose_service_json) */
	int slot;		/* replicated: 1..; 0 = global */
	int restarts;		/* restarts the task already used (docker/restart.h) */
	const char *dns;	/* the overlay's DNS server for this task, or NULL
				 * (no overlay): set, the service's names and
				 * aliases on overlay networks are the DNS server's
				 * (not Docker's), and ingress ports are the routing
				 * mesh's (no -p) */
};

/* "<stack>_<service>.<slot>.<task>" or, global, "<stack>_<service>.<node>.<task>". */
void docker_container_name(const struct task_ref *t, struct strbuf *out);

/* Append the commands that create and start the task's container:
 *   [mkdir -p BIND_SOURCE &&]            bind mounts with create_host_path
 *   docker run -d ... IMAGE [ARGS...]    one network (the usual case), or
 *   docker create ... && docker network connect --alias SVC NET ... &&
 *   docker start NAME                    several networks (Docker 20.10's
 *                                        run attaches only one)
 * stdout of the block is the container id. Secrets and configs are
 * bind-mounted read-only from the task's directory under files_dir (NULL:
 * DOCKER_TASK_FILES), which docker_files_script (docker/secrets.h) must
 * have filled first. */
int docker_run_command(const struct stack *st, const struct service *svc,
		       const struct task_ref *t, const char *files_dir,
		       struct strbuf *script, struct strbuf *err);

/* Append idempotent creation of the stack's networks (every network the
 * stack declares, the implicit default included; external ones are only
 * checked to exist). Overlay is created as bridge: see docs/containers.md. */
int docker_network_script(const struct stack *st, const char *cluster_id,
			  struct strbuf *script, struct strbuf *err);

/* The same for the stack's named volumes that svc mounts (svc NULL: all). */
int docker_volume_script(const struct stack *st, const struct service *svc,
			 const char *cluster_id, struct strbuf *script, struct strbuf *err);

/* `docker stop -t SECONDS NAME && docker rm NAME` (grace rounded up; a
 * negative grace means docker's default of 10s). */
void docker_stop_command(const char *container_name, long long grace_ms, struct strbuf *script);

/* Remove the stack's networks and volumes on a host, only those that carry
 * both LABEL_CLUSTER=cluster_id and LABEL_STACK=stack (so external ones and
 * anything cswarm did not create are never touched), and the stack's
 * secret/config files. A network or volume still in use stays (its removal
 * error is printed, the script goes on). */
void docker_rm_stack_script(const char *cluster_id, const char *stack,
			    const char *files_dir, struct strbuf *script);

#endif
