/* A key and its value: labels, variables, options. Shared by the inventory
 * and the stack-file model. */
#ifndef CSWARM_KV_H
#define CSWARM_KV_H

struct kv {
	char *key;
	char *value;	/* NULL for a key without value where that is allowed */
};

#endif
