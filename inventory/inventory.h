/* Ansible inventories (INI and YAML) read as Ansible reads them, so users can
 * point cswarm at the inventory they already have. See docs/inventory.md. */
#ifndef CSWARM_INVENTORY_H
#define CSWARM_INVENTORY_H

#include <stddef.h>

#include "util/kv.h"
#include "util/strbuf.h"

struct host {
	char *name;		/* inventory name */
	char *address;		/* ansible_host, else name */
	int port;		/* ansible_port, 0 = not set (ssh config / 22) */
	char *user;		/* ansible_user or NULL */
	char *key_file;		/* ansible_ssh_private_key_file or NULL (~ expanded using $HOME) */
	int is_manager;
	char **groups;		/* every group it belongs to, incl. "all" */
	size_t ngroups;
	struct kv *labels;	/* from cswarm_labels, in order */
	size_t nlabels;
	struct kv *vars;	/* all resolved vars */
	char **vars_json;	/* vars[i] typed as Ansible types it (JSON) */
	size_t nvars;
	char *file;		/* where first defined */
	int line;
};

/* One group as Ansible lists it (ansible-inventory --list): indexes into
 * inventory.hosts and inventory.groups, in Ansible's order. */
struct inv_group {
	size_t *hosts;		/* direct members ("all" lists none) */
	size_t nhosts;
	size_t *children;
	size_t nchildren;
};

struct inventory {
	char *path;
	struct host *hosts;	/* inventory order (first definition) */
	size_t nhosts;
	char **groups;		/* every group name, "all" and "ungrouped" first */
	struct inv_group *tree;	/* parallel to groups */
	size_t ngroups;
	char **warnings;	/* where Ansible warns and goes on ("file:line: ...") */
	size_t nwarnings;
};

/* Load an INI or YAML inventory (format detected from the content).
 * 0 on success; -1 with a "file:line: message" in err. */
int inventory_load(const char *path, struct inventory *inv, struct strbuf *err);
/* Same, from memory; name is used in messages. data need not be
 * NUL-terminated and may contain any bytes. */
int inventory_load_buffer(const char *name, const char *data, size_t len,
			  struct inventory *inv, struct strbuf *err);
void inventory_free(struct inventory *inv);

/* A resolved variable of h, NULL if unset. */
const char *host_var(const struct host *h, const char *key);
/* Label value of h, NULL if the label is absent. */
const char *host_label(const struct host *h, const char *key);
/* Index of the host named name, -1 if none. */
long inventory_find(const struct inventory *inv, const char *name);

/* Ansible host patterns for --limit: "h1", "web*", "~re", "managers", "all",
 * "h1:h2" (or "h1,h2"), "web:!h3", "web:&east". Sets sel[i] = 1 for selected
 * hosts and 0 for the others (sel has inv->nhosts entries). A term matching
 * nothing, or a pattern selecting nothing, is an error (-1, err filled). */
int inventory_select(const struct inventory *inv, const char *pattern,
		     unsigned char *sel, struct strbuf *err);

#endif
