#include "engine/observe.h"
#include "docker/netpush.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Separates docker info's JSON from docker inspect's in the output. */
#define MARK "\n@@cswarm-observe@@\n"
/* The first line: the host's own clock (epoch seconds), which its
 * containers' FinishedAt are measured by. */
#define CLOCK "@@cswarm-clock "

struct observe_job {
	const char *cluster_id;
	long timeout_ms;
	struct host_view *views;
	const unsigned char *want;
};

static void view_reset(struct host_view *v)
{
	docker_info_free(&v->info);
	docker_observed_free(v->containers, v->ncontainers);
	v->containers = NULL;
	v->ncontainers = 0;
	v->down = NULL;
	v->clock_skew = 0;
	free(v->net_seen);
	v->net_seen = NULL;
	sb_reset(&v->detail);
}

/* docker info runs beside the listing (its output goes out while the
 * listing's is kept in a variable), so an observation costs two docker
 * calls in a row, not three, and no process more; the output keeps its
 * order: clock, info, mark, containers. */
static void observe_command(const char *cluster_id, const char *host, struct strbuf *cmd)
{
	sb_adds(cmd, "echo \"" CLOCK "$(date +%s)\" && ");
	if (!cluster_id) {
		sb_adds(cmd, DOCKER_INFO_COMMAND);
		return;
	}
	/* The overlay's fingerprint (docker/netpush.h), when it has one. */
	char *dir = netpush_host_dir(cluster_id, host);
	sb_adds(cmd, "{\n");
	netpush_seen_command(cmd, dir);
	free(dir);
	sb_adds(cmd, "} && { " DOCKER_INFO_COMMAND " & p=$!\nc=$(");
	docker_observe_command(cluster_id, cmd);
	sb_adds(cmd, "); rc=$?\nwait $p || exit $?\nprintf '" MARK "'; printf '%s\\n' \"$c\"; exit $rc; }");
}

/* Skip the clock line at *out, setting v->clock_skew from it. */
static void take_clock(struct host_view *v, const char **out)
{
	if (!starts_with(*out, CLOCK))
		return;
	const char *p = *out + strlen(CLOCK);
	char *end;
	long long host = strtoll(p, &end, 10);
	if (end != p && *end == '\n' && host > 0 && host < (1LL << 40))
		v->clock_skew = host - (long long)time(NULL);
	*out = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p);
}

/* Skip the overlay's line at *out, if any, keeping it in v->net_seen. */
static void take_net_seen(struct host_view *v, const char **out)
{
	if (!starts_with(*out, NETPUSH_SEEN))
		return;
	const char *p = *out + strlen(NETPUSH_SEEN);
	size_t n = strcspn(p, "\n");
	free(v->net_seen);
	v->net_seen = netpush_seen_value(p);
	*out = p[n] ? p + n + 1 : p + n;
}

int observe_parse_output(struct host_view *v, const char *name, const struct ssh_result *res,
			 int with_containers)
{
	const char *out = sb_str(&res->out);
	take_clock(v, &out);
	take_net_seen(v, &out);
	const char *mark = strstr(out, MARK);
	size_t info_len = mark ? (size_t)(mark - out) : strlen(out);

	struct strbuf why = STRBUF_INIT;
	if (docker_info_parse(out, info_len, &v->info, &why) != 0) {
		v->down = docker_failure_reason(res->exit_status, out, sb_str(&res->err));
		sb_addf(&v->detail, "%s: docker info exited %d: %s", name, res->exit_status,
			res->err.len ? sb_str(&res->err) : sb_str(&why));
		sb_rtrim(&v->detail);
		sb_free(&why);
		return -1;
	}
	sb_free(&why);
	if (!with_containers)
		return 0;
	if (!mark || res->exit_status != 0) {
		v->down = "docker error";
		sb_addf(&v->detail, "%s: listing containers failed: %s", name, sb_str(&res->err));
		return -1;
	}
	const char *json = mark + strlen(MARK);
	if (docker_observe_parse(json, strlen(json), &v->containers, &v->ncontainers, &v->detail) != 0) {
		v->down = "docker error";
		return -1;
	}
	return 0;
}

static void observe_one(struct fleet_host *h, size_t i, void *ctx)
{
	struct observe_job *job = ctx;
	struct host_view *v = &job->views[i];
	struct strbuf cmd = STRBUF_INIT;

	if (job->want && !job->want[i])
		return;
	observe_command(job->cluster_id, h->target.name, &cmd);
	/* A container removed between `docker ps` and `docker inspect` fails
	 * the listing: look again once. */
	for (int attempt = 0; attempt < 2; attempt++) {
		struct ssh_result res;
		struct ssh_exec x = { .command = cmd.buf, .timeout_ms = job->timeout_ms };
		ssh_result_init(&res);
		view_reset(v);
		enum ssh_fail f = fleet_exec(h, &x, &res);
		int ok = f == SSH_OK && observe_parse_output(v, h->target.name, &res, job->cluster_id != NULL) == 0;
		ssh_result_free(&res);
		if (ok || f != SSH_OK || v->info.version == NULL)
			break;
	}
	sb_free(&cmd);
}

/* Around the observation at the end of a script: the script's own output
 * comes first, and the observation's exit status closes it. */
#define SCRIPT_MARK "@@cswarm-observe-script@@"
#define SCRIPT_RC_WORD "@@cswarm-observe-rc "
#define SCRIPT_RC "\n" SCRIPT_RC_WORD

void engine_observe_append(const char *cluster_id, const char *host, struct strbuf *script)
{
	sb_adds(script, "echo '" SCRIPT_MARK "'\n(\n");
	observe_command(cluster_id, host, script);
	sb_adds(script, "\n)\ncswarm_rc=$?; echo; echo \"" SCRIPT_RC_WORD "$cswarm_rc\"\n");
}

/* The last occurrence of needle in s, or NULL. */
static const char *last_of(const char *s, const char *needle)
{
	const char *found = NULL;
	for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
		found = p;
	return found;
}

int engine_view_from_script(struct host_view *v, const char *name, const char *cluster_id,
			    const char *out)
{
	const char *rc = last_of(out, SCRIPT_RC);
	const char *start = rc ? last_of(out, SCRIPT_MARK "\n") : NULL;
	if (!start || start > rc)
		return -1;
	start += strlen(SCRIPT_MARK "\n");
	struct ssh_result res;
	ssh_result_init(&res);
	sb_add(&res.out, start, (size_t)(rc - start));
	res.exit_status = atoi(rc + strlen(SCRIPT_RC));
	view_reset(v);
	int ret = observe_parse_output(v, name, &res, cluster_id != NULL);
	ssh_result_free(&res);
	return ret;
}

static void settle(struct fleet *f, struct host_view *views, const unsigned char *want)
{
	for (size_t i = 0; i < f->n; i++) {
		struct fleet_host *h = &f->hosts[i];
		if ((want && !want[i]) || h->fail == SSH_OK)
			continue;
		view_reset(&views[i]);
		views[i].down = ssh_fail_reason(h->fail);
		sb_addf(&views[i].detail, "%s: %s", h->target.name, sb_str(&h->error));
	}
}

void engine_observe(struct fleet *f, const char *cluster_id, long timeout_ms, struct host_view *views)
{
	for (size_t i = 0; i < f->n; i++) {
		memset(&views[i], 0, sizeof(views[i]));
		sb_init(&views[i].detail);
	}
	engine_reobserve(f, cluster_id, timeout_ms, views, NULL);
}

void engine_reobserve(struct fleet *f, const char *cluster_id, long timeout_ms,
		      struct host_view *views, const unsigned char *want)
{
	struct observe_job job = { cluster_id, timeout_ms, views, want };
	fleet_each(f, observe_one, &job);
	settle(f, views, want);
}

void host_views_free(struct host_view *views, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		view_reset(&views[i]);
		sb_free(&views[i].detail);
	}
	free(views);
}

const struct observed *view_find_task(const struct host_view *v, const char *task_id)
{
	for (size_t i = 0; i < v->ncontainers; i++)
		if (v->containers[i].task_id && streq(v->containers[i].task_id, task_id))
			return &v->containers[i];
	return NULL;
}
