/* The cluster key on the managers or with the operator; see keystore.h. */
#include "state/keystore.h"
#include "util/shell.h"
#include "util/util.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NO_KEY_FILE = 66 };

char *keystore_path(const char *dir)
{
	size_t len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		len--;
	const char *slash = memrchr(dir, '/', len);
	size_t parent = slash ? (size_t)(slash - dir) : 0;
	return xasprintf("%.*s/.%.*s.key", (int)parent, dir, (int)(len - parent - 1), dir + parent + 1);
}

/* An unlock key is one short line; a larger file is no key file. */
enum { KEY_FILE_MAX = 255 };

static int read_key_file(const char *path, struct strbuf *out, struct strbuf *err)
{
	if (sb_read_file(out, path, KEY_FILE_MAX) == 0)
		return 0;
	if (errno == EFBIG)
		sb_addf(err, "$CSWARM_UNLOCK_KEY_FILE %s: larger than %d bytes: not an unlock key",
			path, KEY_FILE_MAX);
	else
		sb_addf(err, "$CSWARM_UNLOCK_KEY_FILE %s: %s", path, strerror(errno));
	return -1;
}

int cluster_key_from_env(struct cluster_key *k, struct strbuf *err)
{
	const char *text = getenv("CSWARM_UNLOCK_KEY"), *file = getenv("CSWARM_UNLOCK_KEY_FILE");
	struct strbuf from_file = STRBUF_INIT;
	if ((!text || !*text) && file && *file) {
		if (read_key_file(file, &from_file, err) != 0)
			return -1;
		text = from_file.buf;
	}
	int rc = -1;
	if (!text || !*text)
		sb_adds(err, "the cluster is autolocked: give its unlock key in $CSWARM_UNLOCK_KEY "
			"or in a file named by $CSWARM_UNLOCK_KEY_FILE");
	else if ((rc = cluster_key_parse(text, k)) != 0)
		sb_adds(err, "the unlock key is malformed (expected CSWKEY-1- and 64 hex digits)");
	OPENSSL_cleanse(from_file.buf, from_file.len);
	sb_free(&from_file);
	return rc;
}

/* --- key files on the managers --------------------------------------------- */

struct key_job {
	struct cluster_ctx *c;
	const char *line;	/* install: "ID KEY\n"; read: NULL */
	int only;		/* install: drop the other keys */
	struct strbuf *files;	/* read: each manager's file */
	int *ok;
};

static void key_on(struct fleet_host *h, size_t i, void *ctx)
{
	struct key_job *j = ctx;
	char *path = keystore_path(j->c->dirs[i]);
	struct strbuf cmd = STRBUF_INIT;
	struct ssh_result res;
	if (j->line) {
		sb_adds(&cmd, "umask 077 && f=");
		sh_quote(&cmd, path);
		sb_addf(&cmd, " && mkdir -p \"${f%%/*}\" && { %scat; } >\"$f.tmp\" && ",
			j->only ? "" : "cat \"$f\" 2>/dev/null; ");
		sb_adds(&cmd, "chmod 600 \"$f.tmp\" && { sync \"$f.tmp\" 2>/dev/null || :; } && "
			"mv -f \"$f.tmp\" \"$f\"");
	} else {
		sb_adds(&cmd, "f=");
		sh_quote(&cmd, path);
		sb_addf(&cmd, "; test -e \"$f\" || exit %d; exec cat \"$f\"", NO_KEY_FILE);
	}
	struct ssh_exec x = { .command = cmd.buf, .stdin_data = j->line,
			      .stdin_len = j->line ? strlen(j->line) : 0, .timeout_ms = j->c->timeout_ms };
	ssh_result_init(&res);
	j->ok[i] = fleet_exec(h, &x, &res) == SSH_OK && res.exit_status == 0;
	if (j->ok[i] && !j->line)
		sb_add(&j->files[i], res.out.buf, res.out.len);
	OPENSSL_cleanse(res.out.buf, res.out.len);
	ssh_result_free(&res);
	sb_free(&cmd);
	free(path);
}

int keystore_install(struct cluster_ctx *c, const struct cluster_key *k, int only,
		     struct strbuf *err)
{
	struct strbuf line = STRBUF_INIT;
	sb_addf(&line, "%s ", k->id);
	cluster_key_format(k, &line);
	sb_addc(&line, '\n');
	struct key_job j = { c, line.buf, only, NULL, xcalloc(c->managers.n + 1, sizeof(int)) };
	fleet_each(&c->managers, key_on, &j);
	size_t done = 0, failed = 0;
	for (size_t i = 0; i < c->managers.n; i++) {
		done += j.ok[i];
		if (!j.ok[i] && c->managers.hosts[i].fail == SSH_OK) {
			sb_addf(err, "%s%s: writing the key file %s failed", failed ? "; " : "",
				c->managers.hosts[i].target.name, c->dirs[i]);
			failed++;
		}
	}
	if (!done && !failed)
		sb_adds(err, "no manager reachable to keep the cluster key");
	OPENSSL_cleanse(line.buf, line.len);
	sb_free(&line);
	free(j.ok);
	return done && !failed ? 0 : -1;
}

/* The key of id in a key file's text ("ID KEY" lines); 0 if found. */
static int find_key(const char *text, const char *id, struct cluster_key *k)
{
	size_t idlen = strlen(id);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, id, idlen) || p[idlen] != ' ')
			continue;
		const char *end = strchr(p, '\n');
		char *key = xstrndup(p + idlen + 1, end ? (size_t)(end - p - idlen - 1) : strlen(p + idlen + 1));
		int rc = cluster_key_parse(key, k);
		OPENSSL_cleanse(key, strlen(key));
		free(key);
		if (rc == 0 && streq(k->id, id))
			return 0;
	}
	return -1;
}

static int key_from_managers(struct cluster_ctx *c, const char *id, struct cluster_key *k,
			     struct strbuf *err)
{
	struct strbuf *files = xcalloc(c->managers.n + 1, sizeof(*files));
	struct key_job j = { c, NULL, 0, files, xcalloc(c->managers.n + 1, sizeof(int)) };
	fleet_each(&c->managers, key_on, &j);
	int rc = -1;
	for (size_t i = 0; i < c->managers.n; i++) {
		if (rc != 0 && j.ok[i])
			rc = find_key(sb_str(&files[i]), id, k);
		OPENSSL_cleanse(files[i].buf, files[i].len);
		sb_free(&files[i]);
	}
	if (rc != 0) {
		char *path = keystore_path(c->dirs[0]);
		sb_addf(err, "no reachable manager holds cluster key %s (in %s): restore that file "
			"from a backup of the managers' keys", id, path);
		free(path);
	}
	free(files);
	free(j.ok);
	return rc;
}

int cluster_key_load(struct cluster_ctx *c, struct state *st, int create, struct cluster_key *k,
		     struct strbuf *err)
{
	if (st->key_id && st->autolock) {
		if (cluster_key_from_env(k, err) != 0)
			return -1;
		if (streq(k->id, st->key_id))
			return 0;
		sb_addf(err, "wrong unlock key: its id is %s, cluster %s is locked with key %s",
			k->id, st->cluster, st->key_id);
		return -1;
	}
	if (st->key_id)
		return key_from_managers(c, st->key_id, k, err);
	if (!create) {
		sb_adds(err, "the cluster has no key yet (no secret or config was ever stored)");
		return -1;
	}
	cluster_key_new(k);
	if (keystore_install(c, k, 0, err) != 0)
		return -1;
	st->key_id = xstrdup(k->id);
	return 0;
}
