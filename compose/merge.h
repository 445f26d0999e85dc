/* Several compose files (and documents) into one tree, with the Compose
 * spec's override rules. */
#ifndef CSWARM_COMPOSE_MERGE_H
#define CSWARM_COMPOSE_MERGE_H

#include "compose/ynode.h"

/* Merge over (consumed) into base; both are mappings. */
void merge_tree(struct ynode *base, struct ynode *over);
/* Drop what a !reset tag left behind once every layer is merged. */
void merge_strip_resets(struct ynode *n);
/* ["K=V", "K2"] -> {K: V, K2: null}; other nodes are returned unchanged. */
struct ynode *kv_seq_to_map(struct ynode *seq);

#endif
