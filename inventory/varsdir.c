/* group_vars/ and host_vars/ next to the inventory file, as Ansible's
 * host_group_vars plugin reads them: for a group or host NAME, the first
 * of NAME, NAME.yml, NAME.yaml, NAME.json that exists, and if that is a
 * directory every vars file under it (subdirectories too, in name order).
 * Entries naming no group or host are ignored. */
#include "inventory/build.h"
#include "util/util.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_VARS_FILE (4L << 20)

#define MAX_DIR_DEPTH 16

static const char *const exts[] = { ".yml", ".yaml", ".json" };

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of dir but hidden ones and backups ("x~"), sorted; NULL
 * (n = 0) if it cannot be read. */
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
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || e->d_name[len - 1] == '~')
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

/* Python's os.path.splitext: the extension from the last dot, "" for none
 * (or for dots that only lead the name). */
static const char *ext_of(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (!dot)
		return "";
	for (const char *p = name; p < dot; p++)
		if (*p != '.')
			return dot;
	return "";
}

static int known_ext(const char *ext)
{
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++)
		if (streq(ext, exts[i]))
			return 1;
	return 0;
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

static int load_tree(struct inv_build *b, const char *dir, struct ivars *vars, int depth);

/* path: a vars file, or a directory of them. */
static int load_path(struct inv_build *b, const char *path, struct ivars *vars, int depth)
{
	struct stat st;

	if (stat(path, &st))
		return 0;
	if (S_ISDIR(st.st_mode))
		return load_tree(b, path, vars, depth);
	return S_ISREG(st.st_mode) ? load_file(b, path, vars) : 0;
}

/* A directory NAME/: its files with a vars extension or none, and its
 * subdirectories without one, in name order. */
static int load_tree(struct inv_build *b, const char *dir, struct ivars *vars, int depth)
{
	size_t n;
	char **names;
	int ret = 0;

	if (depth > MAX_DIR_DEPTH)
		return 0;
	names = list_dir(dir, &n);
	for (size_t i = 0; i < n && !ret; i++) {
		const char *ext = ext_of(names[i]);
		char *path = xasprintf("%s/%s", dir, names[i]);
		struct stat st;
		if (!stat(path, &st) && S_ISDIR(st.st_mode) && !*ext)
			ret = load_tree(b, path, vars, depth + 1);
		else if (!stat(path, &st) && S_ISREG(st.st_mode) && (!*ext || known_ext(ext)))
			ret = load_file(b, path, vars);
		free(path);
	}
	free_list(names, n);
	return ret;
}

/* The first of NAME, NAME.yml, NAME.yaml, NAME.json among the entries. */
static const char *first_of(const struct strmap *entries, char *const *names, const char *name,
			    struct strbuf *tmp)
{
	if (strmap_get(entries, name) != (size_t)-1)
		return name;
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
		sb_reset(tmp);
		sb_addf(tmp, "%s%s", name, exts[i]);
		size_t at = strmap_get(entries, sb_str(tmp));
		if (at != (size_t)-1)
			return names[at];
	}
	return NULL;
}

static int load_dir(struct inv_build *b, const char *base, const char *sub, int groups)
{
	char *dir = xasprintf("%s/%s", base, sub);
	struct strmap entries = STRMAP_INIT;
	struct strbuf tmp = STRBUF_INIT;
	size_t n, count = groups ? b->ngroups : b->nhosts;
	char **names = list_dir(dir, &n);
	int ret = 0;

	for (size_t i = 0; i < n; i++)
		strmap_put(&entries, names[i], i);
	for (size_t i = 0; i < count && n && !ret; i++) {
		const char *name = groups ? b->groups[i].name : b->hosts[i].name;
		const char *found = first_of(&entries, names, name, &tmp);
		if (found) {
			char *path = xasprintf("%s/%s", dir, found);
			ret = load_path(b, path, groups ? &b->groups[i].file_vars : &b->hosts[i].file_vars, 0);
			free(path);
		}
	}
	strmap_free(&entries);
	sb_free(&tmp);
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
