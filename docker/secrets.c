/* Secret and config files of tasks on the hosts' tmpfs; see secrets.h. */
#include "docker/internal.h"
#include "docker/secrets.h"
#include "util/aead.h"
#include "util/shell.h"
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILE_MAX (500 * 1024)	/* swarm's limit for one secret or config */
#define HEREDOC_END "CSWARM_EOF"	/* '_' is not in base64's alphabet */

/* Secrets or configs: what differs between the two. */
struct file_kind {
	const char *key;		/* "secrets" or "configs" */
	const char *target_dir;		/* default target: DIR/SOURCE */
	const struct file_obj *objs;
	size_t nobjs;
	const struct file_ref *refs;
	size_t nrefs;
};

static void file_kinds(const struct stack *st, const struct service *svc, struct file_kind k[2])
{
	k[0] = (struct file_kind){ "secrets", "/run/secrets", st->secrets, st->nsecrets,
				   svc->secrets, svc->nsecrets };
	k[1] = (struct file_kind){ "configs", "", st->configs, st->nconfigs,
				   svc->configs, svc->nconfigs };
}

static const struct file_obj *find_file_obj(const struct file_kind *k, const char *key)
{
	for (size_t i = 0; i < k->nobjs; i++)
		if (streq(k->objs[i].key, key))
			return &k->objs[i];
	return NULL;
}

/* ROOT/CLUSTER_ID/TASK_ID: ids are hex, checked anyway. */
static char *task_dir(const char *root, const struct service *svc, const struct task_ref *t,
		      const char *key, struct strbuf *err)
{
	if (root[0] != '/') {
		svc_error(err, svc, key, "files directory \"%s\" is not absolute", root);
		return NULL;
	}
	if (!valid_name(t->cluster_id) || !valid_name(t->task_id)) {
		svc_error(err, svc, key, "task \"%s\" of cluster \"%s\" cannot name a directory",
			  t->task_id ? t->task_id : "", t->cluster_id ? t->cluster_id : "");
		return NULL;
	}
	return xasprintf("%s/%s/%s", root, t->cluster_id, t->task_id);
}

/* TASK_DIR/KIND/SOURCE; source checked to be a plain name. */
static char *host_file(const char *root, const struct service *svc, const struct task_ref *t,
		       const struct file_kind *k, const struct file_ref *r, struct strbuf *err)
{
	if (!valid_name(r->source)) {
		svc_error(err, svc, k->key, "\"%s\": only letters, digits, '_', '.' and '-' "
			  "can name a file on the hosts", r->source);
		return NULL;
	}
	char *dir = task_dir(root, svc, t, k->key, err);
	char *path = dir ? xasprintf("%s/%s/%s", dir, k->key, r->source) : NULL;
	free(dir);
	return path;
}

static char *file_target(const struct file_kind *k, const struct file_ref *r)
{
	if (r->target && r->target[0] == '/')
		return xstrdup(r->target);
	return xasprintf("%s/%s", k->target_dir, r->target ? r->target : r->source);
}

static int file_mount(struct strbuf *sb, const struct service *svc, const struct task_ref *t,
		      const char *root, const struct file_kind *k, const struct file_ref *r,
		      struct strbuf *err)
{
	char *path = host_file(root, svc, t, k, r, err), *target = file_target(k, r);
	struct mount_spec m = { STRBUF_INIT, svc, k->key, err, path ? 0 : -1 };
	mount_field(&m, "type", "bind");
	if (path)
		mount_field(&m, "source", path);
	mount_field(&m, "target", target);
	sb_adds(&m.sb, ",readonly");
	free(path);
	free(target);
	return mount_done(&m, sb);
}

int file_mounts(struct strbuf *sb, const struct stack *st, const struct service *svc,
		const struct task_ref *t, const char *root, struct strbuf *err)
{
	struct file_kind kinds[2];
	file_kinds(st, svc, kinds);
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < kinds[k].nrefs; i++)
			if (file_mount(sb, svc, t, root, &kinds[k], &kinds[k].refs[i], err) < 0)
				return -1;
	return 0;
}

/* --- values ------------------------------------------------------------------ */

/* At most FILE_MAX bytes of path. Messages name the path only. */
static int read_source_file(const char *path, struct strbuf *out, struct strbuf *why)
{
	if (sb_read_file(out, path, FILE_MAX) == 0)
		return 0;
	if (errno == EFBIG)
		sb_adds(why, "larger than 500KiB");
	else
		sb_addf(why, "%s: %s", path, strerror(errno));
	return -1;
}

int docker_file_local_value(void *ctx, const char *kind, const struct file_obj *o,
			    struct strbuf *out, struct strbuf *why)
{
	(void)ctx;
	if (o->external)
		sb_addf(why, "external %s are kept in the cluster, not read here", kind);
	else if (o->template_driver)
		sb_adds(why, "template_driver: not supported");
	else if (o->file)
		return read_source_file(o->file, out, why);
	else if (o->environment && getenv(o->environment))
		sb_adds(out, getenv(o->environment));
	else if (o->environment)
		sb_addf(why, "environment variable %s is not set", o->environment);
	else if (o->content)
		sb_adds(out, o->content);
	return why->len ? -1 : 0;
}

static int file_content(const struct service *svc, const struct file_kind *k,
			const struct file_obj *o, const struct file_source *src, struct strbuf *out,
			struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	int rc = src->value(src->ctx, k->key, o, out, &why);
	if (rc == 0 && out->len > FILE_MAX)
		sb_adds(&why, "larger than 500KiB");
	if (why.len)
		rc = svc_error(err, svc, k->key, "%s: %s", o->key, why.buf);
	sb_free(&why);
	return rc;
}

/* --- the script -------------------------------------------------------------- */

static void add_base64_lines(struct strbuf *sb, const struct strbuf *content)
{
	for (size_t off = 0; off < content->len; off += 57) {
		size_t n = content->len - off < 57 ? content->len - off : 57;
		base64_encode(sb, content->buf + off, n);
		sb_addc(sb, '\n');
	}
}

static bool numeric(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* Written to PATH.tmp then renamed: a task never sees half a file. */
static void write_file(struct strbuf *sb, const char *path, const struct strbuf *content,
		       const char *owner, int mode)
{
	char *tmp = xasprintf("%s.tmp", path), *dir = xstrndup(path, (size_t)(strrchr(path, '/') - path));
	char modestr[16];
	snprintf(modestr, sizeof(modestr), "%04o", (unsigned)mode & 07777u);
	sb_adds(sb, " &&\nmkdir -p");
	sh_arg(sb, dir);
	sb_adds(sb, " &&\nbase64 -d >");
	sh_quote(sb, tmp);
	sb_adds(sb, " <<'" HEREDOC_END "' &&\n");
	add_base64_lines(sb, content);
	sb_adds(sb, HEREDOC_END "\nchown");
	sh_arg(sb, owner);
	sh_arg(sb, tmp);
	sb_adds(sb, " && chmod");
	sh_arg(sb, modestr);
	sh_arg(sb, tmp);
	sb_adds(sb, " && mv -f");
	sh_arg(sb, tmp);
	sh_arg(sb, path);
	free(tmp);
	free(dir);
}

/* Swarm's defaults: world-readable, owned by root. */
static int file_mode(const struct file_ref *r)
{
	return r->mode >= 0 ? r->mode : 0444;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && streq(a, b));
}

/* One file per source and task: a source mounted twice (at two targets)
 * shares it, so both mounts must want the same owner and mode. */
static int repeated_source(const struct service *svc, const struct file_kind *k, size_t i,
			   struct strbuf *err)
{
	const struct file_ref *r = &k->refs[i];
	for (size_t j = 0; j < i; j++) {
		const struct file_ref *p = &k->refs[j];
		if (!streq(p->source, r->source))
			continue;
		if (file_mode(p) != file_mode(r) || !same_str(p->uid, r->uid) || !same_str(p->gid, r->gid))
			return svc_error(err, svc, k->key, "%s: mounted twice with different "
					 "uid, gid or mode: not supported", r->source);
		return 1;
	}
	return 0;
}

struct files_job {
	const struct service *svc;
	const struct task_ref *t;
	const char *root;
	const struct file_source *src;
};

static int file_script(struct strbuf *sb, const struct files_job *j, const struct file_kind *k,
		       size_t i, struct strbuf *err)
{
	const struct service *svc = j->svc;
	const struct file_ref *r = &k->refs[i];
	const struct file_obj *o = find_file_obj(k, r->source);
	if (!o)
		return svc_error(err, svc, k->key, "\"%s\" is not declared", r->source);
	if ((r->uid && !numeric(r->uid)) || (r->gid && !numeric(r->gid)))
		return svc_error(err, svc, k->key, "%s: uid and gid must be numbers", r->source);
	int seen = repeated_source(svc, k, i, err);
	if (seen)
		return seen < 0 ? -1 : 0;
	char *path = host_file(j->root, svc, j->t, k, r, err);
	struct strbuf content = STRBUF_INIT;
	int rc = path ? file_content(svc, k, o, j->src, &content, err) : -1;
	if (rc == 0) {
		char *owner = xasprintf("%s:%s", r->uid ? r->uid : "0", r->gid ? r->gid : "0");
		write_file(sb, path, &content, owner, file_mode(r));
		free(owner);
	}
	free(path);
	sb_free(&content);
	return rc;
}

/* mkdir ROOT, and refuse it unless it is a tmpfs: the values must never
 * reach the host's disk. */
static void tmpfs_check(struct strbuf *sb, const char *root)
{
	sb_adds(sb, "mkdir -p");
	sh_arg(sb, root);
	sb_adds(sb, " && case \"$(stat -f -c %T");
	sh_arg(sb, root);
	sb_adds(sb, ")\" in tmpfs|ramfs) ;; *) printf 'cswarm: %s is not a tmpfs: secret and config "
		"files are never written to disk\\n'");
	sh_arg(sb, root);
	sb_adds(sb, " >&2; exit 1;; esac");
}

/* One subshell per task, so that its umask stays inside. */
int docker_files_script(const struct stack *st, const struct service *svc, const struct task_ref *t,
			const char *root, const struct file_source *src, struct strbuf *script,
			struct strbuf *err)
{
	struct file_kind kinds[2];
	struct strbuf sb = STRBUF_INIT;
	struct files_job j = { svc, t, root ? root : DOCKER_TASK_FILES, src };
	if (!svc->nsecrets && !svc->nconfigs)
		return 0;
	file_kinds(st, svc, kinds);
	sb_adds(&sb, "(umask 077 && ");
	tmpfs_check(&sb, j.root);
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < kinds[k].nrefs; i++) {
			if (file_script(&sb, &j, &kinds[k], i, err) < 0) {
				sb_free(&sb);
				return -1;
			}
		}
	sb_adds(&sb, ")\n");
	sb_add(script, sb.buf, sb.len);
	sb_free(&sb);
	return 0;
}

void docker_files_cleanup_script(const char *root, const char *cluster_id,
				 const char *const *keep, size_t nkeep, struct strbuf *script)
{
	char *dir = xasprintf("%s/%s", root ? root : DOCKER_TASK_FILES, cluster_id);
	sb_adds(script, "if cd");
	sh_arg(script, dir);
	sb_adds(script, " 2>/dev/null; then for t in *; do case \"$t\" in ''");
	for (size_t i = 0; i < nkeep; i++) {
		sb_addc(script, '|');
		sh_quote(script, keep[i]);
	}
	sb_adds(script, ") ;; *) [ ! -e \"$t\" ] || rm -rf -- \"$t\";; esac; done; cd / && "
		"rmdir");
	sh_arg(script, dir);
	sb_adds(script, " 2>/dev/null; fi; true\n");
	free(dir);
}
