/* Internal: the inventory as parsed (groups, their children, vars and direct
 * hosts), before Ansible's inheritance is resolved into struct host. Both
 * parsers (ini.c, yaml.c) fill a struct inv_build, varsdir.c adds the
 * group_vars/ and host_vars/ files, resolve.c turns it into a struct
 * inventory. */
#ifndef CSWARM_INVENTORY_BUILD_H
#define CSWARM_INVENTORY_BUILD_H

#include <stddef.h>

#include "inventory/inventory.h"
#include "inventory/strmap.h"
#include "util/strbuf.h"

/* Limits against hostile input. */
#define INV_MAX_RANGE 100000		/* hosts from one range pattern */
#define INV_MAX_RANGE_TOTAL 100000	/* hosts from all range patterns together */
#define INV_MAX_WORK 2000000		/* host/group references overall */
#define INV_MAX_RESOLVED 5000000	/* groups + vars over all resolved hosts */

struct ivar {
	char *key;
	char *value;	/* as cswarm reads it (inv_json_text of json) */
	char *json;	/* typed as Ansible types it */
	const char *file;	/* where set: the inventory or a vars file */
	int line, col;		/* col 0 = unknown (INI) */
	int origin;	/* one id per vars section / host line / mapping */
};

struct ivars {
	struct ivar *v;
	size_t n, cap;
	struct strmap index;	/* key -> position in v */
};

struct child_edge {
	size_t group;
	int line;
};

struct igroup {
	char *name;
	int line;		/* where first seen */
	int defined;		/* declared, not only given [g:vars] */
	int vars_line;		/* first [g:vars] header, for errors */
	long priority;		/* ansible_group_priority, default 1 */
	struct child_edge *children;
	size_t nchildren, cap_children;
	size_t *hosts;		/* direct members */
	size_t nhosts, cap_hosts;
	struct ivars vars;
	struct ivars file_vars;	/* from group_vars/NAME */
};

struct ihost {
	char *name;
	int line;
	struct ivars vars;
	struct ivars file_vars;	/* from host_vars/NAME */
	size_t last_group;	/* avoids re-adding on repeated lines */
};

struct inv_build {
	const char *file;	/* being parsed */
	char **files;		/* vars files read, kept for ivar.file */
	size_t nfiles, cap_files;
	struct strbuf *err;
	struct igroup *groups;	/* [0] = all, [1] = ungrouped */
	size_t ngroups, cap_groups;
	struct ihost *hosts;
	size_t nhosts, cap_hosts;
	struct strmap group_index, host_index;
	long work;		/* against INV_MAX_WORK */
	long range_hosts;	/* names expanded from ranges, against INV_MAX_RANGE_TOTAL */
	int next_origin;
	char **warnings;	/* "file:line: message", handed to the inventory */
	size_t nwarnings, cap_warnings;
};

enum { GROUP_ALL = 0, GROUP_UNGROUPED = 1 };

void ib_init(struct inv_build *b, const char *file, struct strbuf *err);
void ib_free(struct inv_build *b);
void ib_free_vars(struct ivars *vars);

/* Report "file:line[:col]: message" into b->err; returns -1. col 0 = none. */
int ib_error(struct inv_build *b, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Record a warning "file:line[:col]: message": Ansible goes on there. */
void ib_warn(struct inv_build *b, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The same, located where variable v was set. */
int ib_var_error(struct inv_build *b, const struct ivar *v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

size_t ib_group(struct inv_build *b, const char *name, int line);
size_t ib_host(struct inv_build *b, const char *name, int line);
/* Make host a direct member of group (idempotent). -1 when over budget. */
int ib_add_member(struct inv_build *b, size_t group, size_t host, int line);
int ib_add_child(struct inv_build *b, size_t parent, size_t child, int line);
/* Set a variable to json (a JSON value; NULL: the string value). A key
 * repeated within one origin is a warning, and the last value wins. */
int ib_set_var(struct inv_build *b, struct ivars *vars, const char *key,
	       const char *value, const char *json, int line, int col, int origin);
/* The same, for a typed JSON value only (value derived from it). */
int ib_set_json(struct inv_build *b, struct ivars *vars, const char *key,
		const char *json, int line, int col, int origin);
/* A group var ansible_group_priority: sets the group's priority (the
 * order among groups of the same depth) instead of a variable. */
int ib_group_priority(struct inv_build *b, size_t group, const char *json, int line, int col);

/* "name:port" as a host name: split off the port into *port (-1 if none;
 * name is cut at the colon). Colons in ranges ("web[1:5]") do not count,
 * and names with several colons are IPv6 addresses without a port. */
int ib_split_port(struct inv_build *b, int line, int col, char *name, long *port);
/* ansible_port from "name:port" (an int, as Ansible sets it). */
int ib_set_port(struct inv_build *b, struct ivars *vars, long port, int line, int col);

/* Expand Ansible host ranges in pattern ("web[01:10].x", "db-[a:f]",
 * "n[1:9:2]"); returns the count and the names in *out, or -1 with err. */
long inv_expand_range(struct inv_build *b, const char *pattern, int line,
		      int col, char ***out);
void inv_free_names(char **names, long n);

int inv_parse_ini(struct inv_build *b, const char *data, size_t len);
int inv_parse_yaml(struct inv_build *b, const char *data, size_t len);
/* A group_vars/host_vars file: one YAML (or JSON) mapping of variables. */
int inv_parse_vars_file(struct inv_build *b, const char *data, size_t len, struct ivars *vars);
/* Read group_vars/ and host_vars/ next to the inventory file. */
int inv_load_vars_dirs(struct inv_build *b, const char *inventory_path);
/* Read a whole file of at most max bytes; -1 with "path: why" in err. */
int inv_read_file(const char *path, long max, struct strbuf *out, struct strbuf *err);
/* Whether cswarm reads the variable key (ansible_host, cswarm_labels...). */
int inv_var_used(const char *key);
/* Resolve inheritance into inv (which takes no pointers from b). */
int inv_resolve(struct inv_build *b, struct inventory *inv);

#endif
