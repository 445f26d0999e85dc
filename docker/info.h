/* What a host's Docker engine says about itself (`docker info`). */
#ifndef CSWARM_DOCKER_INFO_H
#define CSWARM_DOCKER_INFO_H

#include "util/kv.h"
#include "util/strbuf.h"

/* The command run on each host; its stdout is one JSON object. */
#define DOCKER_INFO_COMMAND "docker info --format '{{json .}}'"

struct docker_info {
	char *name;		/* engine's host name */
	char *version;		/* ServerVersion */
	char *os;		/* OperatingSystem, e.g. "Debian GNU/Linux 12" */
	char *os_type;		/* OSType: linux */
	char *arch;		/* Architecture: x86_64 */
	long long ncpu;
	long long mem_total;	/* bytes */
	struct kv *labels;	/* engine labels, split once here ("k=v" -> k, v) */
	size_t nlabels;
};

int docker_info_parse(const char *text, size_t len, struct docker_info *out, struct strbuf *err);
void docker_info_free(struct docker_info *d);

/* Why `docker info` failed, from its exit status and output: "docker not
 * running", "docker not installed", "permission denied", ... */
const char *docker_failure_reason(int exit_status, const char *out, const char *err);

/* "7.8GiB"-style size, as docker prints it. */
void human_bytes(struct strbuf *out, long long bytes);

#endif
