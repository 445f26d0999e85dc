/* A stand-in for the docker CLI on a simulated fleet host (issue 16): it
 * answers what cswarm sends from a state directory ($FAKE_DOCKER_DIR)
 * instead of a daemon, so that one machine can run hundreds of hosts with
 * a real sshd each. Output formats follow docker 20.10 (checked against
 * the real hosts of tests/cluster): `info --format '{{json .}}'`, `inspect`
 * (a JSON array), `ps -q`/`ps --format '{{json .}}'`, error messages and
 * exit codes. Nothing runs: a started container is "running" until
 * stopped. Every call is appended to $FAKE_DOCKER_DIR/calls.log.
 * Limits: docs/local-cluster.md. */
#include "util/json.h"
#include "util/jsonw.h"
#include "util/shell.h"
#include "util/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *dir;	/* $FAKE_DOCKER_DIR */

/* A container as kept in c/<id>.json (our own compact schema). */
struct ctr {
	char *id, *name, *image, *created, *status, *started, *finished;
	char *restart;		/* --restart as given ("no", "on-failure:3", ...) */
	long long exit_code;
	struct strbuf labels;	/* JSON object members, already escaped */
	struct strbuf args;	/* JSON array elements */
	struct strbuf ports;	/* "80/tcp":[{...}] members */
	struct strbuf networks;	/* network names as JSON array elements */
	struct strbuf json;	/* the record as read, for label filters */
	struct json j;
};

/* --- files ---------------------------------------------------------------- */

static char *path_of(const char *sub, const char *name, const char *ext)
{
	return xasprintf("%s/%s/%s%s", dir, sub, name, ext);
}

static int read_file(const char *path, struct strbuf *out)
{
	char buf[8192];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sb_add(out, buf, (size_t)n);
	close(fd);
	return n < 0 ? -1 : 0;
}

/* Written whole then renamed: a concurrent reader sees old or new. */
static void write_file(const char *path, const char *text)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0 || rename(tmp, path) != 0)
		die("fake-docker: %s: %s", path, strerror(errno));
	free(tmp);
}

static void log_call(int argc, char **argv)
{
	struct strbuf line = STRBUF_INIT;
	sb_adds(&line, "docker");
	for (int i = 1; i < argc; i++)
		sh_arg(&line, argv[i]);
	sb_addc(&line, '\n');
	char *path = xasprintf("%s/calls.log", dir);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd >= 0) {
		ssize_t written = write(fd, line.buf, line.len);
		(void)written;	/* the log is best effort */
		close(fd);
	}
	free(path);
	sb_free(&line);
}

static void now_iso(char buf[40])
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, 40 - n, ".%09ldZ", ts.tv_nsec);
}

static char *random_id(void)
{
	unsigned char b[32];
	int fd = open("/dev/urandom", O_RDONLY);
	if (fd < 0 || read(fd, b, sizeof(b)) != (ssize_t)sizeof(b))
		die("fake-docker: /dev/urandom");
	close(fd);
	char *id = xcalloc(65, 1);
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(id + 2 * i, 3, "%02x", b[i]);
	return id;
}

/* --- container records ---------------------------------------------------- */

static void ctr_free(struct ctr *c)
{
	char *s[] = { c->id, c->name, c->image, c->created, c->status, c->started, c->finished,
		      c->restart };
	for (size_t i = 0; i < ARRAY_SIZE(s); i++)
		free(s[i]);
	sb_free(&c->labels);
	sb_free(&c->args);
	sb_free(&c->ports);
	sb_free(&c->networks);
	json_free(&c->j);
	sb_free(&c->json);
	memset(c, 0, sizeof(*c));
}

/* The raw JSON of member key of the record, or "" / default. */
static void raw_member(struct ctr *c, const char *key, struct strbuf *out)
{
	int tok = json_get(&c->j, 0, key);
	int n = json_size(&c->j, tok);
	for (int m = 0, t = tok + 1; tok >= 0 && m < n; m++) {
		if (m)
			sb_addc(out, ',');
		json_write_value(out, &c->j, t);
		t = json_skip(&c->j, t);
		if (json_kind(&c->j, tok) == JSON_OBJECT) {	/* t was the key */
			sb_addc(out, ':');
			json_write_value(out, &c->j, t);
			t = json_skip(&c->j, t);
		}
	}
}

static int ctr_load(const char *id, struct ctr *c)
{
	memset(c, 0, sizeof(*c));
	char *path = path_of("c", id, ".json");
	struct strbuf err = STRBUF_INIT;
	int rc = read_file(path, &c->json);
	free(path);
	if (rc != 0 || json_parse(&c->j, c->json.buf, c->json.len, &err) != 0) {
		sb_free(&err);
		sb_free(&c->json);
		return -1;
	}
	sb_free(&err);
	c->id = xstrdup(id);
	const char *keys[] = { "name", "image", "created", "status", "started", "finished", "restart" };
	char **vals[] = { &c->name, &c->image, &c->created, &c->status, &c->started, &c->finished,
			  &c->restart };
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		*vals[i] = json_str(&c->j, json_get(&c->j, 0, keys[i]));
	json_int(&c->j, json_get(&c->j, 0, "exit"), &c->exit_code);
	raw_member(c, "labels", &c->labels);
	raw_member(c, "args", &c->args);
	raw_member(c, "ports", &c->ports);
	raw_member(c, "networks", &c->networks);
	return 0;
}

static void ctr_save(const struct ctr *c)
{
	struct strbuf out = STRBUF_INIT;
	sb_adds(&out, "{");
	const char *keys[] = { "name", "image", "created", "status", "started", "finished", "restart" };
	const char *vals[] = { c->name, c->image, c->created, c->status, c->started, c->finished,
			       c->restart ? c->restart : "no" };
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		json_member(&out, keys[i], vals[i]);
	sb_addf(&out, ",\"exit\":%lld,\"labels\":{%s},\"args\":[%s],\"ports\":{%s},\"networks\":[%s]}\n",
		c->exit_code, sb_str(&c->labels), sb_str(&c->args), sb_str(&c->ports),
		sb_str(&c->networks));
	char *path = path_of("c", c->id, ".json");
	write_file(path, out.buf);
	free(path);
	char *name = path_of("n", c->name, "");
	write_file(name, c->id);
	free(name);
	sb_free(&out);
}

/* The id of a container given by name or (a prefix of its) id, or NULL. */
static char *resolve(const char *ref)
{
	struct strbuf id = STRBUF_INIT;
	if (strchr(ref, '/') || !*ref)
		return NULL;
	char *path = path_of("n", ref[0] == '/' ? ref + 1 : ref, "");
	int rc = read_file(path, &id);
	free(path);
	if (rc == 0)
		return sb_detach(&id);
	sb_free(&id);
	char *cdir = xasprintf("%s/c", dir);
	DIR *d = opendir(cdir);
	free(cdir);
	char *found = NULL;
	for (struct dirent *e; d && (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		if (n == 69 && starts_with(e->d_name, ref) && strlen(ref) >= 12 && !found)
			found = xstrndup(e->d_name, 64);
	}
	if (d)
		closedir(d);
	return found;
}

static int no_such(const char *what, const char *ref)
{
	fprintf(stderr, "Error response from daemon: No such %s: %s\n", what, ref);
	return 1;
}

/* --- inspect and ps ------------------------------------------------------- */

static void state_json(const struct ctr *c, struct strbuf *out)
{
	int running = streq(c->status, "running");
	sb_addf(out, "{\"Status\":\"%s\",\"Running\":%s,\"Paused\":false,\"Restarting\":false,"
		"\"OOMKilled\":false,\"Dead\":false,\"Pid\":%d,\"ExitCode\":%lld,\"Error\":\"\","
		"\"StartedAt\":\"%s\",\"FinishedAt\":\"%s\"}", c->status, running ? "true" : "false",
		running ? 4242 : 0, c->exit_code, c->started, c->finished);
}

/* Path is the first word of the command, Args the rest. */
static void path_and_args(const struct ctr *c, struct strbuf *out)
{
	int args = json_get(&c->j, 0, "args"), n = json_size(&c->j, args);
	sb_adds(out, ",\"Path\":");
	if (n == 0)
		sb_adds(out, "\"\"");
	else
		json_write_value(out, &c->j, args + 1);
	sb_adds(out, ",\"Args\":[");
	for (int m = 1, t = args + 2; m < n; m++, t = json_skip(&c->j, t)) {
		if (m > 1)
			sb_addc(out, ',');
		json_write_value(out, &c->j, t);
	}
	sb_addc(out, ']');
}

static void networks_json(const struct ctr *c, struct strbuf *out)
{
	int nets = json_get(&c->j, 0, "networks"), n = json_size(&c->j, nets);
	for (int m = 0, t = nets + 1; m < n; m++, t = json_skip(&c->j, t)) {
		if (m)
			sb_addc(out, ',');
		json_write_value(out, &c->j, t);
		sb_addf(out, ":{\"IPAddress\":\"172.30.0.%d\",\"IPPrefixLen\":24}", m + 2);
	}
}

static void inspect_json(const struct ctr *c, struct strbuf *out)
{
	sb_addf(out, "{\"Id\":\"%s\",\"Created\":\"%s\"", c->id, c->created);
	path_and_args(c, out);
	sb_adds(out, ",\"State\":");
	state_json(c, out);
	sb_addf(out, ",\"Image\":\"sha256:%.64s\"", c->id);
	char *slash_name = xasprintf("/%s", c->name);
	json_member(out, "Name", slash_name);
	free(slash_name);
	const char *policy = c->restart ? c->restart : "no", *colon = strchr(policy, ':');
	sb_addf(out, ",\"RestartCount\":0,\"Driver\":\"overlay2\",\"Platform\":\"linux\","
		"\"HostConfig\":{\"NetworkMode\":\"default\",\"PortBindings\":{%s},"
		"\"RestartPolicy\":{\"Name\":\"%.*s\",\"MaximumRetryCount\":%ld}},"
		"\"Config\":{\"Hostname\":\"%.12s\",\"Cmd\":[%s],", sb_str(&c->ports),
		colon ? (int)(colon - policy) : (int)strlen(policy), policy,
		colon ? strtol(colon + 1, NULL, 10) : 0L, c->id, sb_str(&c->args));
	json_member(out, "Image", c->image);
	sb_addf(out, ",\"Labels\":{%s}},\"NetworkSettings\":{\"Ports\":{%s},\"Networks\":{",
		sb_str(&c->labels), sb_str(&c->ports));
	networks_json(c, out);
	sb_adds(out, "}}}");
}

/* --filter label=K or label=K=V against the labels object at token
 * labels of j; other filters match all. */
static int labels_match(const struct json *j, int labels, char **filters, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!starts_with(filters[i], "label="))
			continue;
		char *key = xstrdup(filters[i] + 6), *eq = strchr(key, '=');
		if (eq)
			*eq++ = '\0';
		char *v = json_str(j, json_get(j, labels, key));
		int ok = v && (!eq || streq(v, eq));
		free(v);
		free(key);
		if (!ok)
			return 0;
	}
	return 1;
}

static int matches(const struct ctr *c, char **filters, size_t n)
{
	return labels_match(&c->j, json_get(&c->j, 0, "labels"), filters, n);
}

struct listing {
	struct ctr *c;
	size_t n, cap;
};

static int newest_first(const void *a, const void *b)
{
	return strcmp(((const struct ctr *)b)->created, ((const struct ctr *)a)->created);
}

static void list_containers(struct listing *l, int all, char **filters, size_t nfilters)
{
	char *cdir = xasprintf("%s/c", dir);
	DIR *d = opendir(cdir);
	free(cdir);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (strlen(e->d_name) != 69 || strcmp(e->d_name + 64, ".json"))
			continue;
		char *id = xstrndup(e->d_name, 64);
		GROW(l->c, l->cap, l->n + 1);
		if (ctr_load(id, &l->c[l->n]) == 0) {
			struct ctr *c = &l->c[l->n];
			if ((all || streq(c->status, "running")) && matches(c, filters, nfilters))
				l->n++;
			else
				ctr_free(c);
		}
		free(id);
	}
	if (d)
		closedir(d);
	if (l->n)
		qsort(l->c, l->n, sizeof(*l->c), newest_first);
}

static void listing_free(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		ctr_free(&l->c[i]);
	free(l->c);
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "k=v,k=v" sorted by key, as docker ps prints Labels. */
static void ps_labels(const struct ctr *c, struct strbuf *out)
{
	int tok = json_get(&c->j, 0, "labels"), n = json_size(&c->j, tok);
	char **kv = xcalloc((size_t)n + 1, sizeof(*kv));
	for (int m = 0, k = tok + 1; m < n; m++, k = json_skip(&c->j, k + 1)) {
		char *key = json_str(&c->j, k), *v = json_str(&c->j, k + 1);
		kv[m] = xasprintf("%s=%s", key, v);
		free(key);
		free(v);
	}
	qsort(kv, (size_t)n, sizeof(*kv), by_string);
	for (int m = 0; m < n; m++) {
		sb_addf(out, "%s%s", m ? "," : "", kv[m]);
		free(kv[m]);
	}
	free(kv);
}

/* "0.0.0.0:8080->80/tcp, ..." */
static void ps_ports(const struct ctr *c, struct strbuf *out)
{
	int tok = json_get(&c->j, 0, "ports"), n = json_size(&c->j, tok);
	for (int m = 0, k = tok + 1; m < n; m++, k = json_skip(&c->j, k + 1)) {
		int b = k + 2;	/* the first binding of [{HostIp, HostPort}] */
		char *target = json_str(&c->j, k);
		char *ip = json_str(&c->j, json_get(&c->j, b, "HostIp"));
		char *port = json_str(&c->j, json_get(&c->j, b, "HostPort"));
		sb_addf(out, "%s%s:%s->%s", m ? ", " : "", ip ? ip : "", port ? port : "", target);
		free(target);
		free(ip);
		free(port);
	}
}

/* "2026-11-28T07:08:14.123Z" -> "2026-11-28 07:08:14 +0000 UTC" */
static char *ps_time(const char *iso)
{
	return xasprintf("%.10s %.8s +0000 UTC", iso, strlen(iso) > 11 ? iso + 11 : "");
}

/* Go's encoding/json writes <, > and & as \u003c, \u003e and \u0026;
 * outside strings a JSON line has none of them. */
static void go_escape(struct strbuf *out, size_t from)
{
	struct strbuf tail = STRBUF_INIT;
	sb_init(&tail);
	for (size_t i = from; i < out->len; i++) {
		char ch = out->buf[i];
		if (ch == '<' || ch == '>' || ch == '&')
			sb_addf(&tail, "\\u%04x", (unsigned)ch);
		else
			sb_addc(&tail, ch);
	}
	out->len = from;
	sb_add(out, tail.buf, tail.len);
	sb_free(&tail);
}

/* docker ps --format '{{json .}}': one object per line, all strings. */
static void ps_json(const struct ctr *c, struct strbuf *out)
{
	struct strbuf labels = STRBUF_INIT, cmd = STRBUF_INIT, ports = STRBUF_INIT;
	ps_labels(c, &labels);
	ps_ports(c, &ports);
	int args = json_get(&c->j, 0, "args"), na = json_size(&c->j, args);
	for (int m = 0, t = args + 1; m < na; m++, t = json_skip(&c->j, t)) {
		char *a = json_str(&c->j, t);
		sb_addf(&cmd, "%s%s", m ? " " : "", a);
		free(a);
	}
	size_t start = out->len;
	char id[13];
	snprintf(id, sizeof(id), "%.12s", c->id);
	char *quoted_cmd = xasprintf("\"%.17s%s\"", sb_str(&cmd), cmd.len > 17 ? "…" : "");
	char *created = ps_time(c->created);
	const char *keys[] = { "Command", "CreatedAt", "ID", "Image", "Labels", "LocalVolumes",
			       "Mounts", "Names", "Networks" };
	const char *vals[] = { quoted_cmd, created, id, c->image, sb_str(&labels), "0", "",
			       c->name, "bridge" };
	sb_adds(out, "{");
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		json_member(out, keys[i], vals[i]);
	sb_adds(out, ",\"Platform\":null");
	json_member(out, "Ports", sb_str(&ports));
	json_member(out, "RunningFor", "About a minute ago");
	json_member(out, "Size", "0B (virtual 1.98MB)");
	json_member(out, "State", c->status);
	json_member(out, "Status", streq(c->status, "running") ? "Up About a minute" :
		    "Exited (0) About a minute ago");
	sb_adds(out, "}\n");
	go_escape(out, start);
	free(quoted_cmd);
	free(created);
	sb_free(&labels);
	sb_free(&cmd);
	sb_free(&ports);
}

static int cmd_ps(int argc, char **argv)
{
	int all = 0, quiet = 0, notrunc = 0;
	const char *format = NULL;
	char **filters = xcalloc((size_t)argc + 1, sizeof(*filters));
	size_t nf = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (streq(a, "-a") || streq(a, "--all")) all = 1;
		else if (streq(a, "-q") || streq(a, "--quiet")) quiet = 1;
		else if (streq(a, "-aq") || streq(a, "-qa")) all = quiet = 1;
		else if (streq(a, "--no-trunc")) notrunc = 1;
		else if ((streq(a, "--filter") || streq(a, "-f")) && i + 1 < argc) filters[nf++] = argv[++i];
		else if (starts_with(a, "--filter=")) filters[nf++] = (char *)a + 9;
		else if (streq(a, "--format") && i + 1 < argc) format = argv[++i];
		else if (starts_with(a, "--format=")) format = a + 9;
		else {
			fprintf(stderr, "unknown flag: %s\nSee 'docker ps --help'.\n", a);
			free(filters);
			return 125;
		}
	}
	struct listing l = { 0 };
	struct strbuf out = STRBUF_INIT;
	list_containers(&l, all, filters, nf);
	if (!quiet && !format)
		sb_adds(&out, "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n");
	for (size_t i = 0; i < l.n; i++) {
		if (quiet)
			sb_addf(&out, "%.*s\n", notrunc ? 64 : 12, l.c[i].id);
		else if (format)
			ps_json(&l.c[i], &out);
		else
			sb_addf(&out, "%.12s   %s   -   -   %s   -   %s\n", l.c[i].id, l.c[i].image,
				l.c[i].status, l.c[i].name);
	}
	fputs(sb_str(&out), stdout);
	sb_free(&out);
	listing_free(&l);
	free(filters);
	return 0;
}

/* --- -f/--format: {{json .}}, {{.A.B}}, {{json .A}}, {{index .A "k"}} ---- */

/* The token at a dotted path (".State.Status") under tok, or -1. */
static int at_path(const struct json *j, int tok, const char *path)
{
	char *copy = xstrdup(path), *save = NULL;
	for (char *seg = strtok_r(copy, ".", &save); seg && tok >= 0; seg = strtok_r(NULL, ".", &save))
		tok = json_get(j, tok, seg);
	free(copy);
	return tok;
}

static void print_value(const struct json *j, int tok, int as_json, struct strbuf *out)
{
	if (tok < 0)
		sb_adds(out, as_json ? "null" : "<no value>");
	else if (!as_json && json_kind(j, tok) != JSON_OBJECT && json_kind(j, tok) != JSON_ARRAY) {
		char *s = json_str(j, tok);
		sb_adds(out, s);
		free(s);
	} else {
		json_write_value(out, j, tok);
	}
}

/* Evaluate one format over the object in text; 0, or -1 if unsupported. */
static int format_one(const char *fmt, const char *text, struct strbuf *out)
{
	size_t n = strlen(fmt);
	if (n < 4 || !starts_with(fmt, "{{") || strcmp(fmt + n - 2, "}}"))
		return -1;
	char *expr = xstrndup(fmt + 2, n - 4);
	struct json j;
	struct strbuf err = STRBUF_INIT;
	int rc = json_parse(&j, text, strlen(text), &err);
	char key[256];
	char path[256];
	if (rc == 0 && sscanf(expr, " index %255s \"%255[^\"]\" ", path, key) == 2) {
		int map = streq(path, ".") ? 0 : at_path(&j, 0, path);
		int v = json_get(&j, map, key);
		if (v >= 0)
			print_value(&j, v, 0, out);
	} else if (rc == 0 && sscanf(expr, " json %255s ", path) == 1) {
		print_value(&j, streq(path, ".") ? 0 : at_path(&j, 0, path), 1, out);
	} else if (rc == 0 && sscanf(expr, " %255s ", path) == 1 && path[0] == '.') {
		print_value(&j, streq(path, ".") ? 0 : at_path(&j, 0, path), 0, out);
	} else {
		rc = -1;
	}
	if (rc == 0)
		sb_addc(out, '\n');
	json_free(&j);
	sb_free(&err);
	free(expr);
	return rc;
}

/* --- inspect -------------------------------------------------------------- */

/* The inspect JSON of a container, network or volume ref; kind "" means
 * any. 0, or -1 if there is none. */
static int inspect_one(const char *kind, const char *ref, struct strbuf *out)
{
	if (!*kind || streq(kind, "container")) {
		char *id = resolve(ref);
		struct ctr c;
		if (id && ctr_load(id, &c) == 0) {
			inspect_json(&c, out);
			ctr_free(&c);
			free(id);
			return 0;
		}
		free(id);
	}
	const char *subs[] = { "network", "volume" };
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		if ((*kind && !streq(kind, subs[i])) || strchr(ref, '/') || !*ref || ref[0] == '.')
			continue;
		char *path = path_of(subs[i], ref, ".json");
		int rc = read_file(path, out);
		free(path);
		if (rc == 0) {
			sb_rtrim(out);
			return 0;
		}
	}
	return -1;
}

static int cmd_inspect(const char *kind, int argc, char **argv)
{
	const char *format = NULL;
	int i = 0, status = 0;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if ((streq(argv[i], "-f") || streq(argv[i], "--format")) && i + 1 < argc)
			format = argv[++i];
		else if (starts_with(argv[i], "--format="))
			format = argv[i] + 9;
		else if (!streq(argv[i], "--type") && !streq(argv[i], "-s"))
			break;
	}
	struct strbuf out = STRBUF_INIT, one = STRBUF_INIT;
	sb_adds(&out, format ? "" : "[");
	size_t found = 0;
	for (; i < argc; i++) {
		sb_reset(&one);
		if (inspect_one(kind, argv[i], &one) != 0) {
			if (*kind)
				fprintf(stderr, "Error response from daemon: No such %s: %s\n", kind, argv[i]);
			else
				fprintf(stderr, "Error: No such object: %s\n", argv[i]);
			status = 1;
			continue;
		}
		if (format && format_one(format, one.buf, &out) != 0) {
			fprintf(stderr, "fake-docker: format not supported: %s\n", format);
			status = 1;
		} else if (!format) {
			sb_adds(&out, found ? ",\n" : "\n");
			sb_adds(&out, one.buf);
		}
		found++;
	}
	if (!format)
		sb_adds(&out, found ? "\n]\n" : "]\n");
	fputs(sb_str(&out), stdout);
	sb_free(&out);
	sb_free(&one);
	return status;
}

/* --- run, create, start, stop, rm ----------------------------------------- */

static int is_bool_flag(const char *a)
{
	static const char *const bools[] = { "-d", "--detach", "--no-healthcheck", "-t", "--tty",
		"-i", "--interactive", "--init", "--read-only", "--privileged", "--rm", "-P",
		"--publish-all", "--oom-kill-disable", NULL };
	for (const char *const *b = bools; *b; b++)
		if (streq(*b, a))
			return 1;
	return 0;
}

static void add_label(struct ctr *c, const char *kv)
{
	char *key = xstrdup(kv), *eq = strchr(key, '=');
	if (eq)
		*eq++ = '\0';
	if (c->labels.len)
		sb_addc(&c->labels, ',');
	json_string(&c->labels, key);
	sb_addc(&c->labels, ':');
	json_string(&c->labels, eq ? eq : "");
	free(key);
}

/* --publish [ip:][hostport:]port[/proto] */
static void add_port(struct ctr *c, const char *spec)
{
	char *s = xstrdup(spec), *target = strrchr(s, ':');
	const char *host_port = "", *ip = "0.0.0.0";
	if (target) {
		*target++ = '\0';
		char *hp = strrchr(s, ':');
		if (hp) {
			*hp++ = '\0';
			ip = s;
			host_port = hp;
		} else {
			host_port = s;
		}
	} else {
		target = s;
	}
	char *port = strchr(target, '/') ? xstrdup(target) : xasprintf("%s/tcp", target);
	if (c->ports.len)
		sb_addc(&c->ports, ',');
	json_string(&c->ports, port);
	sb_adds(&c->ports, ":[{\"HostIp\":");
	json_string(&c->ports, ip);
	sb_adds(&c->ports, ",\"HostPort\":");
	json_string(&c->ports, host_port);
	sb_adds(&c->ports, "}]");
	free(port);
	free(s);
}

static void add_word(struct strbuf *arr, const char *w)
{
	if (arr->len)
		sb_addc(arr, ',');
	json_string(arr, w);
}

/* The value of option a (at argv[*i]): "--x=v" or "--x v". */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	if (starts_with(a, name) && a[n] == '=')
		return a + n + 1;
	if (streq(a, name) && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

static int parse_run(int argc, char **argv, struct ctr *c)
{
	int i = 0;
	const char *v;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (streq(a, "--"))
			{ i++; break; }
		if (a[0] != '-')
			break;
		if ((v = opt_value(argc, argv, &i, "--name")))
			c->name = xstrdup(v);
		else if ((v = opt_value(argc, argv, &i, "--label")) || (v = opt_value(argc, argv, &i, "-l")))
			add_label(c, v);
		else if ((v = opt_value(argc, argv, &i, "--publish")) || (v = opt_value(argc, argv, &i, "-p")))
			add_port(c, v);
		else if ((v = opt_value(argc, argv, &i, "--restart")))
			c->restart = xstrdup(v);
		else if ((v = opt_value(argc, argv, &i, "--network")) || (v = opt_value(argc, argv, &i, "--net")))
			add_word(&c->networks, v);
		else if (!is_bool_flag(a) && !strchr(a, '='))
			i++;	/* a flag with its value */
	}
	if (i >= argc) {
		fputs("\"docker run\" requires at least 1 argument.\nSee 'docker run --help'.\n", stderr);
		return 125;
	}
	c->image = xstrdup(argv[i++]);
	for (; i < argc; i++)
		add_word(&c->args, argv[i]);
	if (!c->networks.len)
		add_word(&c->networks, "bridge");
	return 0;
}

static void set_status(struct ctr *c, const char *status, long long exit_code)
{
	char now[40];
	now_iso(now);
	free(c->status);
	c->status = xstrdup(status);
	c->exit_code = exit_code;
	char **stamp = streq(status, "running") ? &c->started : &c->finished;
	free(*stamp);
	*stamp = xstrdup(now);
}

static int cmd_run(int start, int argc, char **argv)
{
	struct ctr c = { 0 };
	char now[40];
	int rc = parse_run(argc, argv, &c);
	if (rc) {
		ctr_free(&c);
		return rc;
	}
	c.id = random_id();
	if (!c.name)
		c.name = xasprintf("fake_%.12s", c.id);
	char *taken = resolve(c.name);
	if (taken) {
		fprintf(stderr, "docker: Error response from daemon: Conflict. The container name \"/%s\" "
			"is already in use by container \"%s\". You have to remove (or rename) that "
			"container to be able to reuse that name.\nSee 'docker run --help'.\n", c.name, taken);
		free(taken);
		ctr_free(&c);
		return 125;
	}
	now_iso(now);
	c.created = xstrdup(now);
	c.started = xstrdup("0001-01-01T00:00:00Z");
	c.finished = xstrdup("0001-01-01T00:00:00Z");
	c.status = xstrdup("created");
	if (start)
		set_status(&c, "running", 0);
	ctr_save(&c);
	printf("%s\n", c.id);
	ctr_free(&c);
	return 0;
}

/* update --restart POLICY NAME...: the only update cswarm sends. */
static int cmd_update(int argc, char **argv)
{
	const char *policy = NULL;
	int i = 0, status = 0;
	for (; i < argc && argv[i][0] == '-'; i++)
		if (!(policy = opt_value(argc, argv, &i, "--restart"))) {
			fprintf(stderr, "fake-docker: docker update %s: not simulated\n", argv[i]);
			return 125;
		}
	for (; i < argc; i++) {
		char *id = resolve(argv[i]);
		struct ctr c;
		if (!id || ctr_load(id, &c) != 0) {
			free(id);
			status = no_such("container", argv[i]);
			continue;
		}
		if (policy) {
			free(c.restart);
			c.restart = xstrdup(policy);
		}
		ctr_save(&c);
		printf("%s\n", argv[i]);
		ctr_free(&c);
		free(id);
	}
	return status;
}

/* start, stop, kill, restart, rm [-f]: each name in turn, printed back. */
static int cmd_each(const char *verb, int argc, char **argv)
{
	int force = 0, status = 0;
	for (int i = 0; i < argc; i++) {
		if (argv[i][0] == '-') {
			force |= streq(argv[i], "-f") || streq(argv[i], "--force");
			if (streq(argv[i], "-t") || streq(argv[i], "--time") || streq(argv[i], "-s"))
				i++;
			continue;
		}
		char *id = resolve(argv[i]);
		struct ctr c;
		if (!id || ctr_load(id, &c) != 0) {
			free(id);
			status = no_such("container", argv[i]);
			continue;
		}
		if (streq(verb, "rm") && streq(c.status, "running") && !force) {
			fprintf(stderr, "Error response from daemon: You cannot remove a running container %s. "
				"Stop the container before attempting removal or force remove\n", c.id);
			status = 1;
		} else if (streq(verb, "rm")) {
			char *p = path_of("c", c.id, ".json"), *n = path_of("n", c.name, "");
			unlink(p);
			unlink(n);
			free(p);
			free(n);
			printf("%s\n", argv[i]);
		} else {
			if (streq(verb, "stop") || streq(verb, "kill"))
				set_status(&c, "exited", streq(verb, "kill") ? 137 : 143);
			else
				set_status(&c, "running", 0);
			ctr_save(&c);
			printf("%s\n", argv[i]);
		}
		ctr_free(&c);
		free(id);
	}
	return status;
}

/* --- networks and volumes ------------------------------------------------- */

static int object_create(const char *kind, int argc, char **argv)
{
	struct strbuf out = STRBUF_INIT;
	const char *driver = streq(kind, "network") ? "bridge" : "local", *v, *name = NULL;
	struct ctr scratch = { 0 };
	for (int i = 0; i < argc; i++) {
		if (streq(argv[i], "--")) {
			name = i + 1 < argc ? argv[i + 1] : NULL;
			break;
		}
		if ((v = opt_value(argc, argv, &i, "--driver")) || (v = opt_value(argc, argv, &i, "-d")))
			driver = v;
		else if ((v = opt_value(argc, argv, &i, "--label")))
			add_label(&scratch, v);
		else if (argv[i][0] != '-')
			name = argv[i];
		else if (!is_bool_flag(argv[i]) && !streq(argv[i], "--internal") &&
			 !streq(argv[i], "--attachable") && !streq(argv[i], "--ipv6") && !strchr(argv[i], '='))
			i++;
	}
	if (!name || !*name || strchr(name, '/') || name[0] == '.') {
		fprintf(stderr, "fake-docker: %s create: no valid name\n", kind);
		ctr_free(&scratch);
		return 1;
	}
	char *path = path_of(kind, name, ".json"), *id = random_id();
	if (access(path, F_OK) == 0) {
		fprintf(stderr, "Error response from daemon: %s with name %s already exists\n", kind, name);
		free(path);
		free(id);
		ctr_free(&scratch);
		return 1;
	}
	char now[40];
	now_iso(now);
	if (!streq(kind, "network"))
		strcpy(now + 19, "Z");	/* volumes: whole seconds */
	sb_adds(&out, "{");
	json_member(&out, "Name", name);
	if (streq(kind, "network"))
		json_member(&out, "Id", id);
	json_member(&out, streq(kind, "network") ? "Created" : "CreatedAt", now);
	json_member(&out, "Driver", driver);
	if (streq(kind, "network"))
		sb_addf(&out, ",\"Scope\":\"local\",\"EnableIPv6\":false,\"IPAM\":{\"Driver\":\"default\","
			"\"Options\":{},\"Config\":[]},\"Internal\":false,\"Attachable\":false,"
			"\"Ingress\":false,\"ConfigFrom\":{\"Network\":\"\"},\"ConfigOnly\":false,"
			"\"Containers\":{},\"Options\":{},\"Labels\":{%s}}\n", sb_str(&scratch.labels));
	else
		sb_addf(&out, ",\"Labels\":{%s},\"Mountpoint\":\"/var/lib/docker/volumes/%s/_data\","
			"\"Options\":null,\"Scope\":\"local\"}\n", sb_str(&scratch.labels), name);
	write_file(path, out.buf);
	printf("%s\n", streq(kind, "network") ? id : name);
	free(path);
	free(id);
	ctr_free(&scratch);
	sb_free(&out);
	return 0;
}

/* ls [-q] [--filter label=...]: networks print ids, volumes names. */
static int object_ls(const char *kind, int argc, char **argv)
{
	char **filters = xcalloc((size_t)argc + 1, sizeof(*filters));
	size_t nf = 0;
	const char *v;
	for (int i = 0; i < argc; i++)
		if ((v = opt_value(argc, argv, &i, "--filter")) || (v = opt_value(argc, argv, &i, "-f")))
			filters[nf++] = (char *)v;
	char *odir = xasprintf("%s/%s", dir, kind);
	DIR *d = opendir(odir);
	for (struct dirent *e; d && (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		if (n <= 5 || strcmp(e->d_name + n - 5, ".json"))
			continue;
		struct ctr c = { 0 };
		char *path = xasprintf("%s/%s", odir, e->d_name);
		struct strbuf err = STRBUF_INIT;
		if (read_file(path, &c.json) == 0 && json_parse(&c.j, c.json.buf, c.json.len, &err) == 0) {
			int ok = labels_match(&c.j, json_get(&c.j, 0, "Labels"), filters, nf);
			char *out = json_str(&c.j, json_get(&c.j, 0, streq(kind, "network") ? "Id" : "Name"));
			if (ok)	/* network ids are cut to 12, as docker does */
				printf("%.*s\n", streq(kind, "network") ? 12 : (int)strlen(out), out);
			free(out);
		}
		sb_free(&err);
		free(path);
		ctr_free(&c);
	}
	if (d)
		closedir(d);
	free(odir);
	free(filters);
	return 0;
}

/* The file of a network given by (a prefix of) its Id, or NULL. */
static char *network_by_id(const char *ref)
{
	char *ndir = xasprintf("%s/network", dir), *found = NULL;
	DIR *d = opendir(ndir);
	for (struct dirent *e; d && !found && (e = readdir(d));) {
		char *path = xasprintf("%s/%s", ndir, e->d_name);
		struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
		struct json j;
		if (e->d_name[0] != '.' && strlen(ref) >= 12 && read_file(path, &text) == 0 &&
		    json_parse(&j, text.buf, text.len, &err) == 0) {
			char *id = json_str(&j, json_get(&j, 0, "Id"));
			if (id && starts_with(id, ref))
				found = xstrdup(path);
			free(id);
			json_free(&j);
		}
		sb_free(&text);
		sb_free(&err);
		free(path);
	}
	if (d)
		closedir(d);
	free(ndir);
	return found;
}

static int object_rm(const char *kind, int argc, char **argv)
{
	int status = 0;
	for (int i = 0; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		char *path = strchr(argv[i], '/') ? NULL : path_of(kind, argv[i], ".json");
		if (path && access(path, F_OK) != 0 && streq(kind, "network")) {
			free(path);
			path = network_by_id(argv[i]);
		}
		if (!path || unlink(path) != 0) {
			status = 1;
			fprintf(stderr, "Error response from daemon: %s %s not found\n", kind, argv[i]);
		} else {
			printf("%s\n", argv[i]);
		}
		free(path);
	}
	return status;
}

static int cmd_object(const char *kind, int argc, char **argv)
{
	if (argc < 1)
		return 1;
	const char *sub = argv[0];
	if (streq(sub, "create"))
		return object_create(kind, argc - 1, argv + 1);
	if (streq(sub, "inspect"))
		return cmd_inspect(kind, argc - 1, argv + 1);
	if (streq(sub, "ls"))
		return object_ls(kind, argc - 1, argv + 1);
	if (streq(sub, "rm"))
		return object_rm(kind, argc - 1, argv + 1);
	if (streq(sub, "connect") || streq(sub, "disconnect"))
		return 0;
	fprintf(stderr, "fake-docker: %s %s: not simulated\n", kind, sub);
	return 1;
}

/* --- main ----------------------------------------------------------------- */

static int cmd_info(int argc, char **argv)
{
	struct strbuf info = STRBUF_INIT;
	char *path = xasprintf("%s/info.json", dir);
	int rc = read_file(path, &info);
	free(path);
	if (rc != 0) {
		fputs("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
		      "Is the docker daemon running?\n", stderr);
		sb_free(&info);
		return 1;
	}
	(void)argc;
	(void)argv;	/* every format gives the JSON: cswarm asks for '{{json .}}' */
	fputs(info.buf, stdout);
	sb_free(&info);
	return 0;
}

static int dispatch(int argc, char **argv)
{
	const char *cmd = argv[0];
	if (streq(cmd, "info"))
		return cmd_info(argc - 1, argv + 1);
	if (streq(cmd, "ps"))
		return cmd_ps(argc - 1, argv + 1);
	if (streq(cmd, "inspect"))
		return cmd_inspect("", argc - 1, argv + 1);
	if (streq(cmd, "run") || streq(cmd, "create"))
		return cmd_run(streq(cmd, "run"), argc - 1, argv + 1);
	if (streq(cmd, "update"))
		return cmd_update(argc - 1, argv + 1);
	if (streq(cmd, "start") || streq(cmd, "stop") || streq(cmd, "kill") || streq(cmd, "rm") ||
	    streq(cmd, "restart"))
		return cmd_each(cmd, argc - 1, argv + 1);
	if (streq(cmd, "network") || streq(cmd, "volume"))
		return cmd_object(cmd, argc - 1, argv + 1);
	if (streq(cmd, "container") && argc > 1) {
		if (streq(argv[1], "ls"))
			return cmd_ps(argc - 2, argv + 2);
		if (streq(argv[1], "inspect"))
			return cmd_inspect("container", argc - 2, argv + 2);
		return dispatch(argc - 1, argv + 1);
	}
	if (streq(cmd, "logs"))
		return 0;	/* nothing runs, nothing logs */
	fprintf(stderr, "fake-docker: docker %s: not simulated\n", cmd);
	return 1;
}

int main(int argc, char **argv)
{
	dir = getenv("FAKE_DOCKER_DIR");
	if (!dir || !*dir)
		die("fake-docker: FAKE_DOCKER_DIR is not set");
	log_call(argc, argv);
	const char *subs[] = { "c", "n", "network", "volume" };
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		char *p = xasprintf("%s/%s", dir, subs[i]);
		mkdir(p, 0755);
		free(p);
	}
	if (argc < 2) {
		fputs("Usage:  docker [OPTIONS] COMMAND\n", stderr);
		return 1;
	}
	return dispatch(argc - 1, argv + 1);
}
