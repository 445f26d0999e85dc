/* Observing a host: `docker inspect` of the cluster's containers. */
#include "docker/observe.h"
#include "docker/restart.h"
#include "docker/run.h"
#include "util/json.h"
#include "util/shell.h"
#include "util/util.h"
#include "util/words.h"

#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void docker_observe_command(const char *cluster_id, struct strbuf *out)
{
	char *filter = xasprintf("label=%s=%s", LABEL_CLUSTER, cluster_id);
	sb_adds(out, "ids=$(docker ps -aq --no-trunc --filter");
	sh_arg(out, filter);
	/* Container IDs are hex: $ids splits into one argument each. */
	sb_adds(out, ") && if [ -z \"$ids\" ]; then echo '[]'; else docker inspect $ids; fi");
	free(filter);
}

/* A string member, or NULL when absent, null or empty. */
static char *str_at(const struct json *j, int obj, const char *key)
{
	int tok = json_get(j, obj, key);
	if (json_kind(j, tok) != JSON_STRING)
		return NULL;
	char *s = json_str(j, tok);
	if (!*s) {
		free(s);
		return NULL;
	}
	return s;
}

static int slot_of(const char *s)
{
	if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 9)
		return 0;
	return atoi(s);
}

static void take_labels(const struct json *j, int config, struct observed *o)
{
	int labels = json_get(j, config, "Labels");
	o->stack = str_at(j, labels, LABEL_STACK);
	o->service = str_at(j, labels, LABEL_SERVICE);
	o->task_id = str_at(j, labels, LABEL_TASK);
	o->node = str_at(j, labels, LABEL_NODE);
	o->hash = str_at(j, labels, LABEL_HASH);
	char *slot = str_at(j, labels, LABEL_SLOT);
	o->slot = slot_of(slot);
	free(slot);
}

static const char *const state_names[CONTAINER_NSTATES] = {
	[CONTAINER_UNKNOWN] = "unknown",
	[CONTAINER_CREATED] = "created",
	[CONTAINER_RUNNING] = "running",
	[CONTAINER_RESTARTING] = "restarting",
	[CONTAINER_PAUSED] = "paused",
	[CONTAINER_REMOVING] = "removing",
	[CONTAINER_EXITED] = "exited",
	[CONTAINER_DEAD] = "dead",
};

static const char *const health_names[HEALTH_NSTATES] = {
	[HEALTH_NONE] = "none",
	[HEALTH_STARTING] = "starting",
	[HEALTH_HEALTHY] = "healthy",
	[HEALTH_UNHEALTHY] = "unhealthy",
	[HEALTH_UNKNOWN] = "unknown",
};

static const char *const event_names[EVENT_NKINDS] = {
	[EVENT_START] = "start",
	[EVENT_DIE] = "die",
	[EVENT_OOM] = "oom",
	[EVENT_DESTROY] = "destroy",
	[EVENT_UNHEALTHY] = "health_status: unhealthy",
};

const char *container_event_name(enum container_event e)
{
	return word_name(event_names, EVENT_NKINDS, (int)e, NULL);
}

enum container_event container_event_parse(const char *action)
{
	int at = word_index(event_names, EVENT_NKINDS, action);
	return at >= 0 ? (enum container_event)at : EVENT_OTHER;
}

const char *container_state_name(enum container_state s)
{
	return word_name(state_names, CONTAINER_NSTATES, (int)s, "unknown");
}

const char *container_health_name(enum container_health h)
{
	return word_name(health_names, HEALTH_NSTATES, (int)h, "unknown");
}

/* "unknown" is our word, not docker's: it parses as unknown all the same. */
enum container_state container_state_parse(const char *s)
{
	int at = word_index(state_names, CONTAINER_NSTATES, s);
	return at >= 0 ? (enum container_state)at : CONTAINER_UNKNOWN;
}

enum container_health container_health_parse(const char *s)
{
	int at = s ? word_index(health_names, HEALTH_UNKNOWN, s) : HEALTH_NONE;
	return at >= 0 ? (enum container_health)at : HEALTH_UNKNOWN;
}

enum container_phase container_phase(const struct observed *c)
{
	if (!c)
		return PHASE_GONE;
	switch (c->state) {
	case CONTAINER_RUNNING:
		return c->health == HEALTH_NONE || c->health == HEALTH_HEALTHY ? PHASE_RUNNING :
		       c->health == HEALTH_UNHEALTHY ? PHASE_UNHEALTHY : PHASE_STARTING;
	case CONTAINER_CREATED:
	case CONTAINER_RESTARTING:
		return PHASE_STARTING;
	case CONTAINER_EXITED:
	case CONTAINER_DEAD:
	case CONTAINER_REMOVING:
		return PHASE_ENDED;
	case CONTAINER_PAUSED:
	case CONTAINER_UNKNOWN:
	case CONTAINER_NSTATES:
		break;
	}
	return PHASE_HELD;
}

/* State: the words become enums here and nowhere else. */
static void take_state(const struct json *j, int state, struct observed *o)
{
	long long code = 0;
	char *status = str_at(j, state, "Status");
	char *health = str_at(j, json_get(j, state, "Health"), "Status");
	o->state = container_state_parse(status);
	o->health = container_health_parse(health);
	free(status);
	free(health);
	if (json_int(j, json_get(j, state, "ExitCode"), &code) == 0 && code >= 0 && code < 256)
		o->exit_code = (int)code;
	o->started_at = str_at(j, state, "StartedAt");
	o->finished_at = str_at(j, state, "FinishedAt");
	o->error = str_at(j, state, "Error");
}

/* NetworkSettings.Ports: {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}], "81/tcp": null} */
static void take_ports(const struct json *j, int ports, struct observed *o)
{
	if (json_kind(j, ports) != JSON_OBJECT)
		return;
	size_t cap = 0;
	int members = json_size(j, ports);
	for (int m = 0, key = ports + 1; m < members; m++, key = json_skip(j, key + 1)) {
		int bindings = key + 1;
		if (json_kind(j, key) != JSON_STRING || json_kind(j, bindings) != JSON_ARRAY)
			continue;
		char *target = json_str(j, key);
		int nb = json_size(j, bindings);
		for (int b = 0, t = bindings + 1; b < nb; b++, t = json_skip(j, t)) {
			char *ip = str_at(j, t, "HostIp"), *port = str_at(j, t, "HostPort");
			GROW(o->ports, cap, o->nports + 1);
			o->ports[o->nports++] = xasprintf(ip && strchr(ip, ':') ? "[%s]:%s->%s" : "%s:%s->%s",
							  ip ? ip : "", port ? port : "", target);
			free(ip);
			free(port);
		}
		free(target);
	}
}

/* HostConfig.RestartPolicy {"Name": "on-failure", "MaximumRetryCount": 3}
 * and RestartCount: what the engine does and did on its own. */
static void take_restart(const struct json *j, int tok, struct observed *o)
{
	int policy = json_get(j, json_get(j, tok, "HostConfig"), "RestartPolicy");
	long long max = 0, count = 0;
	char *name = str_at(j, policy, "Name");
	struct strbuf sb = STRBUF_INIT;
	if (json_int(j, json_get(j, policy, "MaximumRetryCount"), &max) != 0)
		max = 0;
	docker_restart_observed(name, max, &sb);
	o->restart_policy = sb_detach(&sb);
	free(name);
	if (json_int(j, json_get(j, tok, "RestartCount"), &count) == 0 && count > 0 && count < INT_MAX)
		o->restart_count = (int)count;
}

/* NetworkSettings.Networks: {"shop_default": {"IPAddress": "10.0.1.2", ...}} */
static void take_addrs(const struct json *j, int nets, struct observed *o)
{
	if (json_kind(j, nets) != JSON_OBJECT)
		return;
	int members = json_size(j, nets);
	o->addrs = xcalloc((size_t)members + 1, sizeof(*o->addrs));
	for (int m = 0, key = nets + 1; m < members; m++, key = json_skip(j, key + 1)) {
		char *ip = str_at(j, key + 1, "IPAddress");
		if (json_kind(j, key) != JSON_STRING || !ip) {
			free(ip);
			continue;
		}
		o->addrs[o->naddrs++] = (struct kv){ json_str(j, key), ip };
	}
}

static int take_container(const struct json *j, int tok, struct observed *o, struct strbuf *err)
{
	memset(o, 0, sizeof(*o));
	if (json_kind(j, tok) != JSON_OBJECT) {
		sb_adds(err, "docker inspect: expected an array of objects");
		return -1;
	}
	o->container_id = str_at(j, tok, "Id");
	o->name = str_at(j, tok, "Name");
	if (!o->container_id || !o->name) {
		sb_adds(err, "docker inspect: a container without Id or Name");
		return -1;
	}
	if (o->name[0] == '/')
		memmove(o->name, o->name + 1, strlen(o->name));
	int config = json_get(j, tok, "Config");
	take_labels(j, config, o);
	o->image = str_at(j, config, "Image");
	take_state(j, json_get(j, tok, "State"), o);
	int settings = json_get(j, tok, "NetworkSettings");
	take_ports(j, json_get(j, settings, "Ports"), o);
	take_addrs(j, json_get(j, settings, "Networks"), o);
	take_restart(j, tok, o);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct observed *)a)->name, ((const struct observed *)b)->name);
}

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)s[i]))
			return false;
	return true;
}

int docker_observe_parse(const char *text, size_t len, struct observed **out, size_t *n,
			 struct strbuf *err)
{
	struct json j;
	*out = NULL;
	*n = 0;
	if (blank(text, len))
		return 0;
	if (json_parse(&j, text, len, err) != 0)
		return -1;
	if (json_kind(&j, 0) != JSON_ARRAY) {
		sb_adds(err, "docker inspect: expected a JSON array");
		json_free(&j);
		return -1;
	}
	size_t count = (size_t)json_size(&j, 0);
	struct observed *o = xcalloc(count ? count : 1, sizeof(*o));
	int rc = 0;
	size_t got = 0;
	for (int tok = 1; got < count; tok = json_skip(&j, tok)) {
		rc = take_container(&j, tok, &o[got], err);
		got++;
		if (rc < 0)
			break;
	}
	json_free(&j);
	if (rc < 0) {
		docker_observed_free(o, got);
		return -1;
	}
	qsort(o, count, sizeof(*o), by_name);
	*out = o;
	*n = count;
	return 0;
}

void docker_observed_free(struct observed *o, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *fields[] = { o[i].container_id, o[i].name, o[i].stack, o[i].service,
				   o[i].task_id, o[i].node, o[i].hash,
				   o[i].started_at, o[i].finished_at, o[i].error, o[i].image,
				   o[i].restart_policy };
		for (size_t f = 0; f < ARRAY_SIZE(fields); f++)
			free(fields[f]);
		for (size_t p = 0; p < o[i].nports; p++)
			free(o[i].ports[p]);
		free(o[i].ports);
		for (size_t a = 0; a < o[i].naddrs; a++) {
			free(o[i].addrs[a].key);
			free(o[i].addrs[a].value);
		}
		free(o[i].addrs);
	}
	free(o);
}
