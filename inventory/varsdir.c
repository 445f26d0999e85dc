/* group_vars/ and host_vars/ next to the inventory file, as Ansible's
 * host_group_vars plugin reads them: for a group or host NAME, the files
 * NAME, NAME.yml, NAME.yaml, NAME.json, or every such file in a directory
 * NAME/ (in name order). Entries naming no group or host are ignored. */
#include "inventory/build.h"
#include "util/util.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_VARS_FILE (4L << 20)

static const char *const exts[] = { ".yml", ".yaml", ".json" };

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The visible entries of dir, sorted; NULL (n = 0) if it cannot be read. */
static char **list_dir(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t cap = 0;
	struct dirent *e;

	*n = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		GROW(names, cap, *n + 1);
		names[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, *n, sizeof(*names), cmp_str);
	return names;
}

static void free_list(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* name without a vars-file extension, or NULL if it has another one
 * ("web01.example.com" keeps its dots: only the known endings count). */
static char *strip_ext(const char *name, int need_ext)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
		size_t el = strlen(exts[i]);
		if (len > el && streq(name + len - el, exts[i]))
			return xstrndup(name, len - el);
	}
	return need_ext ? NULL : xstrdup(name);
}

static int load_file(struct inv_build *b, const char *path, struct ivars *vars)
{
	struct strbuf data = STRBUF_INIT;
	const char *saved = b->file;
	int ret = inv_read_file(path, MAX_VARS_FILE, &data, b->err);

	if (!ret && memchr(data.buf ? data.buf : "", '\0', data.len)) {
		sb_reset(b->err);
		sb_addf(b->err, "%s: NUL byte in vars file", path);
		ret = -1;
	}
	if (!ret) {
		/* Vars keep a pointer to their file for later messages. */
		GROW(b->files, b->cap_files, b->nfiles + 1);
		b->files[b->nfiles++] = xstrdup(path);
		b->file = b->files[b->nfiles - 1];
		ret = inv_parse_vars_file(b, data.buf ? data.buf : "", data.len, vars);
		b->file = saved;
	}
	sb_free(&data);
	return ret;
}

/* Known endings or none, as Ansible: skips READMEs and editor backups. */
static int is_vars_file_name(const char *name)
{
	char *base = strip_ext(name, 1);
	int ok = base || !strchr(name, '.');
	free(base);
	return ok;
}

/* A directory NAME/: its vars files in name order (not recursive). */
static int load_subdir(struct inv_build *b, const char *dir, struct ivars *vars)
{
	size_t n;
	char **names = list_dir(dir, &n);
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);
		struct stat st;
		if (is_vars_file_name(names[i]) && !stat(path, &st) && S_ISREG(st.st_mode))
			ret = load_file(b, path, vars);
		free(path);
	}
	free_list(names, n);
	return ret;
}

static struct ivars *vars_of(struct inv_build *b, const char *name, int groups)
{
	size_t i = strmap_get(groups ? &b->group_index : &b->host_index, name);
	if (i == (size_t)-1)
		return NULL;
	return groups ? &b->groups[i].file_vars : &b->hosts[i].file_vars;
}

static int load_dir(struct inv_build *b, const char *base, const char *sub, int groups)
{
	char *dir = xasprintf("%s/%s", base, sub);
	size_t n;
	char **names = list_dir(dir, &n);
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);
		char *name = strip_ext(names[i], 0);
		struct ivars *vars = vars_of(b, names[i], groups);
		struct stat st;
		if (!vars)
			vars = vars_of(b, name, groups);
		if (vars && !stat(path, &st)) {
			if (S_ISDIR(st.st_mode))
				ret = load_subdir(b, path, vars);
			else if (S_ISREG(st.st_mode))
				ret = load_file(b, path, vars);
		}
		free(name);
		free(path);
	}
	free_list(names, n);
	free(dir);
	return ret;
}

int inv_load_vars_dirs(struct inv_build *b, const char *inventory_path)
{
	const char *slash = strrchr(inventory_path, '/');
	char *base = slash ? xstrndup(inventory_path, (size_t)(slash - inventory_path)) : xstrdup(".");
	if (!*base) {
		free(base);
		base = xstrdup("/");
	}
	int ret = load_dir(b, base, "group_vars", 1);
	if (!ret)
		ret = load_dir(b, base, "host_vars", 0);
	free(base);
	return ret;
}
