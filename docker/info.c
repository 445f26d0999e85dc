#include "docker/info.h"
#include "util/json.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

static void take_labels(const struct json *j, int tok, struct docker_info *d)
{
	if (json_kind(j, tok) != JSON_ARRAY)
		return;
	int n = json_size(j, tok);
	d->labels = xcalloc((size_t)n + 1, sizeof(*d->labels));
	for (int i = 0, t = tok + 1; i < n; i++, t = json_skip(j, t)) {
		char *label = json_kind(j, t) == JSON_STRING ? json_str(j, t) : NULL;
		char *eq = label ? strchr(label, '=') : NULL;
		if (eq)
			d->labels[d->nlabels++] = (struct kv){ xstrndup(label, (size_t)(eq - label)),
							       xstrdup(eq + 1) };
		free(label);
	}
}

int docker_info_parse(const char *text, size_t len, struct docker_info *d, struct strbuf *err)
{
	struct json j;
	memset(d, 0, sizeof(*d));
	if (json_parse(&j, text, len, err) != 0)
		return -1;
	if (json_kind(&j, 0) != JSON_OBJECT) {
		sb_adds(err, "docker info: expected a JSON object");
		json_free(&j);
		return -1;
	}
	d->version = json_str(&j, json_get(&j, 0, "ServerVersion"));
	if (!d->version || !*d->version) {
		sb_adds(err, "docker info: no ServerVersion (daemon not reachable?)");
		json_free(&j);
		docker_info_free(d);
		return -1;
	}
	d->name = json_str(&j, json_get(&j, 0, "Name"));
	d->os = json_str(&j, json_get(&j, 0, "OperatingSystem"));
	d->os_type = json_str(&j, json_get(&j, 0, "OSType"));
	d->arch = json_str(&j, json_get(&j, 0, "Architecture"));
	json_int(&j, json_get(&j, 0, "NCPU"), &d->ncpu);
	json_int(&j, json_get(&j, 0, "MemTotal"), &d->mem_total);
	take_labels(&j, json_get(&j, 0, "Labels"), d);
	json_free(&j);
	return 0;
}

void docker_info_free(struct docker_info *d)
{
	free(d->name);
	free(d->version);
	free(d->os);
	free(d->os_type);
	free(d->arch);
	for (size_t i = 0; i < d->nlabels; i++) {
		free(d->labels[i].key);
		free(d->labels[i].value);
	}
	free(d->labels);
	memset(d, 0, sizeof(*d));
}

const char *docker_failure_reason(int exit_status, const char *out, const char *err)
{
	static const struct { const char *needle; const char *reason; } known[] = {
		{ "Cannot connect to the Docker daemon", "docker not running" },
		{ "Is the docker daemon running", "docker not running" },
		{ "permission denied", "docker permission denied" },
		{ "command not found", "docker not installed" },
		{ "not found", "docker not installed" },
	};
	if (exit_status == 127)
		return "docker not installed";
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (strstr(err, known[i].needle) || strstr(out, known[i].needle))
			return known[i].reason;
	return "docker error";
}

void human_bytes(struct strbuf *out, long long bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	size_t u = 0;
	while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	sb_addf(out, u ? "%.1f%s" : "%.0f%s", v, units[u]);
}
