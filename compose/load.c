/* compose_load: read, parse, interpolate and merge every file, then convert
 * and validate the merged tree. */
#include "compose/compose.h"
#include "compose/merge.h"
#include "compose/schema.h"
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FILE_SIZE (64u << 20)

/* Parse, interpolate (per file, before merging, as the spec says) and
 * merge each document into base. */
static int add_layer(struct env *env, const struct compose_layer *src, struct ynode *base, struct strbuf *err)
{
	struct ynode **docs;
	size_t ndocs;
	if (yaml_parse_docs(src->name, src->buf, src->len, &docs, &ndocs, err) < 0)
		return -1;
	int rc = 0;
	struct strbuf path = STRBUF_INIT;
	for (size_t i = 0; i < ndocs; i++) {
		if (rc == 0 && !env->literal)
			rc = interpolate_tree(env, docs[i], &path, err);
		if (rc == 0)
			merge_tree(base, docs[i]);
		else
			yn_free(docs[i]);
		sb_reset(&path);
	}
	sb_free(&path);
	free(docs);
	return rc;
}

static int convert(struct ctx *c, struct ynode *root, const char *name, struct stack **out)
{
	struct stack *st = xcalloc(1, sizeof(*st));
	merge_strip_resets(root);
	int rc = root->n ? 0 : (sb_addf(c->err, "%s:1:1: empty stack file", root->file ? root->file : "<input>"), -1);
	if (rc == 0)
		rc = conv_toplevel(c, root, name, st);
	if (rc == 0)
		rc = stack_validate(c, root, st);
	if (rc < 0) {
		stack_free(st);
		return -1;
	}
	*out = st;
	return 0;
}

static int load_sources(const struct compose_opts *opts, struct env *env, const char *workdir,
			const struct compose_layer *srcs, size_t n, struct stack **out, struct strbuf *err)
{
	struct ynode *root = yn_new(YN_MAP, NULL);
	int rc = 0;
	root->file = srcs[0].name;
	root->line = root->col = 1;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = add_layer(env, &srcs[i], root, err);
	if (rc == 0) {
		struct ctx c = { .err = err, .env = env, .workdir = workdir, .quiet = opts->quiet };
		rc = convert(&c, root, opts->name, out);
		sb_free(&c.path);
		sl_free(&c.ignored);
	}
	yn_free(root);
	return rc;
}

int compose_load_layers(const struct compose_layer *layers, size_t n,
			const struct compose_opts *opts, struct stack **out, struct strbuf *err)
{
	static const struct compose_opts none = { 0 };
	struct env env = { .quiet = true };
	*out = NULL;
	opts = opts ? opts : &none;
	env.quiet = opts->quiet;
	env.literal = opts->resolved;
	int rc = load_sources(opts, &env, opts->working_dir ? opts->working_dir : "/", layers, n, out, err);
	env_free(&env);
	return rc;
}

int compose_load_buffer(const char *name, const char *buf, size_t len,
			const struct compose_opts *opts, struct stack **out, struct strbuf *err)
{
	struct compose_layer src = { name, buf, len };
	return compose_load_layers(&src, 1, opts, out, err);
}

static char *absolute(const char *path)
{
	char cwd[4096];
	if (path[0] == '/')
		return xstrdup(path);
	if (!getcwd(cwd, sizeof(cwd)))
		die("getcwd: %s", strerror(errno));
	return streq(path, ".") ? xstrdup(cwd) : xasprintf("%s/%s", cwd, path);
}

static char *dir_of(const char *file)
{
	if (streq(file, "-"))
		return absolute(".");
	char *abs = absolute(file), *slash = strrchr(abs, '/');
	if (slash == abs)
		slash[1] = '\0';
	else
		*slash = '\0';
	return abs;
}

static int read_input(const char *file, struct strbuf *buf, struct strbuf *err)
{
	if (!streq(file, "-"))
		return read_small_file(file, MAX_FILE_SIZE, buf, err);
	if (sb_read_stream(buf, stdin, MAX_FILE_SIZE) == 0)
		return 0;
	if (errno == EFBIG)
		sb_adds(err, "-: standard input larger than 64 MiB");
	else
		sb_addf(err, "-: standard input: %s", strerror(errno));
	return -1;
}

/* An explicit --env-file must exist; the default .env is optional. */
static int load_dotenv(const struct compose_opts *opts, const char *workdir, struct env *env, struct strbuf *err)
{
	char *path = opts->env_file ? xstrdup(opts->env_file) : xasprintf("%s/.env", workdir);
	struct strbuf buf = STRBUF_INIT, why = STRBUF_INIT;
	int rc = 0;
	if (opts->env_file || access(path, F_OK) == 0) {
		rc = read_small_file(path, 1 << 20, &buf, &why);
		if (rc < 0)
			sb_addf(err, "env file %s", why.buf);
		else
			rc = dotenv_parse(&env->dotenv, path, buf.buf ? buf.buf : "", buf.len, err);
	}
	free(path);
	sb_free(&buf);
	sb_free(&why);
	return rc;
}

int compose_load(const struct compose_opts *opts, struct stack **out, struct strbuf *err)
{
	*out = NULL;
	if (!opts->nfiles) {
		sb_adds(err, "no stack file given");
		return -1;
	}
	char *workdir = opts->working_dir ? absolute(opts->working_dir) : dir_of(opts->files[0]);
	struct env env = { .quiet = opts->quiet };
	struct strbuf *bufs = xcalloc(opts->nfiles, sizeof(*bufs));
	struct compose_layer *srcs = xcalloc(opts->nfiles, sizeof(*srcs));
	int rc = load_dotenv(opts, workdir, &env, err);
	for (size_t i = 0; i < opts->nfiles && rc == 0; i++) {
		rc = read_input(opts->files[i], &bufs[i], err);
		srcs[i] = (struct compose_layer){ opts->files[i], bufs[i].buf ? bufs[i].buf : "", bufs[i].len };
	}
	if (rc == 0)
		rc = load_sources(opts, &env, workdir, srcs, opts->nfiles, out, err);
	for (size_t i = 0; i < opts->nfiles; i++)
		sb_free(&bufs[i]);
	free(bufs);
	free(srcs);
	free(workdir);
	env_free(&env);
	return rc;
}
