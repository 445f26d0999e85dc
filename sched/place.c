/* Placing the tasks of one replicated service.
 *
 * Spread preferences form a tree: level i groups nodes by the value of the
 * i-th preference label (nodes without it form their own branch).  Tasks are
 * handed to branches so that their counts even out (water-filling, remainders
 * in branch order); a branch that runs out of room hands its share back and
 * the others share it.  In a leaf, a heap keyed by (tasks of this service,
 * tasks in total, node order) yields the best node in O(log n), so placing
 * T tasks costs O(T log N). */
#include "sched/internal.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

enum rank {
	RANK_SPREAD,	/* fewest tasks of the service, then fewest in total */
	RANK_BINPACK,	/* most tasks in total, then most of the service */
	RANK_SOURCE,	/* rebalance: most tasks of the service first */
};

struct heap {
	uint32_t *a;
	uint32_t n;
	uint32_t *pos;		/* node -> index in a, or NULL if not needed */
	enum rank rank;
	const struct ctx *c;
};

struct branch {
	uint64_t count;		/* tasks of the service in the subtree */
	uint32_t *nodes;	/* leaf: member nodes (borrowed) */
	uint32_t nnodes;
	struct heap heap;	/* leaf: members that take new tasks */
	struct branch *kids;
	uint32_t nkids;
	uint32_t *kid_nodes;	/* owned: the kids' node lists */
	int full;
};

/* --- heap ----------------------------------------------------------------- */

static int cmp3(uint32_t a, uint32_t b)
{
	return (a > b) - (a < b);
}

static int before(const struct heap *h, uint32_t x, uint32_t y)
{
	const uint32_t *cnt = h->c->cnt, *tot = h->c->total;
	int d = 0;

	switch (h->rank) {
	case RANK_SPREAD:
		d = cmp3(cnt[x], cnt[y]);
		d = d ? d : cmp3(tot[x], tot[y]);
		break;
	case RANK_BINPACK:
		d = cmp3(tot[y], tot[x]);
		d = d ? d : cmp3(cnt[y], cnt[x]);
		break;
	case RANK_SOURCE:
		d = cmp3(cnt[y], cnt[x]);
		d = d ? d : cmp3(tot[y], tot[x]);
		break;
	}
	return d ? d < 0 : x < y;
}

static void heap_set(struct heap *h, uint32_t i, uint32_t x)
{
	h->a[i] = x;
	if (h->pos)
		h->pos[x] = i;
}

static uint32_t sift_up(struct heap *h, uint32_t i)
{
	uint32_t x = h->a[i];
	while (i && before(h, x, h->a[(i - 1) / 2])) {
		heap_set(h, i, h->a[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(h, i, x);
	return i;
}

static void sift_down(struct heap *h, uint32_t i)
{
	uint32_t x = h->a[i];
	for (;;) {
		uint32_t l = 2 * i + 1, best = i;
		uint32_t bx = x;
		if (l < h->n && before(h, h->a[l], bx))
			best = l, bx = h->a[l];
		if (l + 1 < h->n && before(h, h->a[l + 1], bx))
			best = l + 1;
		if (best == i)
			break;
		heap_set(h, i, h->a[best]);
		i = best;
	}
	heap_set(h, i, x);
}

static void heap_init(struct heap *h, const struct ctx *c, enum rank rank,
		      uint32_t *pos, uint32_t *nodes, uint32_t n)
{
	h->a = nodes;
	h->n = n;
	h->pos = pos;
	h->rank = rank;
	h->c = c;
	for (uint32_t i = 0; i < n; i++)
		heap_set(h, i, nodes[i]);
	for (uint32_t i = n / 2; i-- > 0;)
		sift_down(h, i);
}

static void heap_pop(struct heap *h)
{
	if (--h->n)
		heap_set(h, 0, h->a[h->n]), sift_down(h, 0);
}

/* Restore order after x's key changed, if x is in the heap. */
static void heap_fix(struct heap *h, uint32_t x)
{
	uint32_t i = h->pos[x];
	if (i < h->n && h->a[i] == x)
		sift_down(h, sift_up(h, i));
}

/* --- spread tree ---------------------------------------------------------- */

static void build(struct ctx *c, struct branch *b, size_t level);

static void build_leaf(struct ctx *c, struct branch *b)
{
	uint32_t *open = xmalloc(((size_t)b->nnodes + 1) * sizeof(*open));
	uint32_t n = 0;

	for (uint32_t i = 0; i < b->nnodes; i++)
		if (node_takes_new(&c->in->nodes[b->nodes[i]]))
			open[n++] = b->nodes[i];
	heap_init(&b->heap, c, c->rules[c->cur].binpack ? RANK_BINPACK :
		  RANK_SPREAD, NULL, open, n);
}

/* Split b's nodes by the value of spread key k, branches in node order. */
static void split(struct branch *b, struct spread_key *k)
{
	uint32_t *size = NULL;
	size_t cap = 0;

	for (uint32_t i = 0; i < b->nnodes; i++) {
		uint32_t *kid = &k->branch_of[k->value_of[b->nodes[i]]];
		if (*kid == SCHED_NONE) {
			*kid = b->nkids++;
			GROW(size, cap, b->nkids);
			size[*kid] = 0;
		}
		size[*kid]++;
	}
	b->kids = xcalloc(b->nkids, sizeof(*b->kids));
	b->kid_nodes = xmalloc(((size_t)b->nnodes + 1) * sizeof(*b->kid_nodes));
	for (uint32_t i = 0, off = 0; i < b->nkids; off += size[i++])
		b->kids[i].nodes = b->kid_nodes + off;
	for (uint32_t i = 0; i < b->nnodes; i++) {
		struct branch *kid = &b->kids[k->branch_of[k->value_of[b->nodes[i]]]];
		kid->nodes[kid->nnodes++] = b->nodes[i];
	}
	for (uint32_t i = 0; i < b->nnodes; i++)
		k->branch_of[k->value_of[b->nodes[i]]] = SCHED_NONE;
	free(size);
}

static void build(struct ctx *c, struct branch *b, size_t level)
{
	const struct sched_service *s = &c->in->services[c->cur];

	for (uint32_t i = 0; i < b->nnodes; i++)
		b->count += c->cnt[b->nodes[i]];
	if (level == s->nspread) {
		build_leaf(c, b);
		return;
	}
	split(b, &c->keys[c->rules[c->cur].spread[level]]);
	for (uint32_t i = 0; i < b->nkids; i++)
		build(c, &b->kids[i], level + 1);
}

static void free_tree(struct branch *b)
{
	for (uint32_t i = 0; i < b->nkids; i++)
		free_tree(&b->kids[i]);
	free(b->kids);
	free(b->kid_nodes);
	free(b->heap.a);
}

/* --- placement ------------------------------------------------------------ */

static uint32_t place_leaf(struct ctx *c, struct branch *b, uint32_t n,
			   uint32_t *dst)
{
	struct heap *h = &b->heap;
	uint32_t done = 0;

	while (done < n && h->n) {
		uint32_t x = h->a[0];
		if (fit_dynamic(c, x)) {
			heap_pop(h);	/* it only gets fuller: never again */
			continue;
		}
		commit(c, x, 1);
		dst[done++] = x;
		sift_down(h, 0);
	}
	return done;
}

static int by_count(const void *a, const void *b, void *arg)
{
	struct branch *const *act = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	int d = (act[x]->count > act[y]->count) - (act[x]->count < act[y]->count);
	return d ? d : cmp3(x, y);
}

/* Share r tasks among k branches so their counts end as even as possible:
 * raise the lowest to a common level, the remainder one each in branch
 * order.  share[i] is for act[i]. */
static void waterfill(struct branch **act, uint32_t k, uint64_t r,
		      uint64_t *share)
{
	uint32_t *idx = xmalloc(((size_t)k + 1) * sizeof(*idx));
	uint64_t sum = 0;
	uint32_t m = 0;

	for (uint32_t i = 0; i < k; i++)
		idx[i] = i;
	qsort_r(idx, k, sizeof(*idx), by_count, act);
	while (m < k) {
		sum += act[idx[m++]]->count;
		if (m < k && act[idx[m]]->count * m - sum > r)
			break;
	}
	uint64_t level = (sum + r) / m, extra = (sum + r) % m;
	for (uint32_t i = 0; i < k; i++) {
		share[i] = act[i]->count <= level ? level - act[i]->count : 0;
		if (act[i]->count <= level && extra)
			share[i]++, extra--;
	}
	free(idx);
}

static uint32_t place_in(struct ctx *c, struct branch *b, uint32_t n,
			 uint32_t *dst)
{
	uint32_t done = 0;

	if (!b->nkids) {
		done = place_leaf(c, b, n, dst);
	} else {
		struct branch **act = xmalloc(b->nkids * sizeof(*act));
		uint64_t *share = xmalloc(b->nkids * sizeof(*share));
		for (;;) {
			uint32_t k = 0;
			for (uint32_t i = 0; i < b->nkids; i++)
				if (!b->kids[i].full)
					act[k++] = &b->kids[i];
			if (done == n || !k)
				break;
			waterfill(act, k, n - done, share);
			for (uint32_t i = 0; i < k; i++) {
				if (!share[i])
					continue;
				uint32_t got = place_in(c, act[i], (uint32_t)share[i],
							dst + done);
				done += got;
				act[i]->full = got < share[i];
			}
		}
		free(act);
		free(share);
	}
	b->count += done;
	b->full = done < n;
	return done;
}

/* --- rebalance ------------------------------------------------------------ */

/* Kept tasks of the service per node, highest slot first. */
static void list_movable(struct ctx *c, int on)
{
	uint32_t s = c->cur, *L = c->group + c->first[s];
	uint32_t n = c->first[s + 1] - c->first[s];

	for (uint32_t i = 0; i < n; i++) {
		const struct sched_item *it = &c->out->items[L[i]];
		if (it->action != SCHED_KEEP)
			continue;
		if (on) {
			c->moves_next[L[i]] = c->moves_head[it->from];
			c->moves_head[it->from] = L[i];
		} else {
			c->moves_head[it->from] = SCHED_NONE;
		}
	}
}

static void move_one(struct ctx *c, uint32_t from, uint32_t to)
{
	uint32_t t = c->moves_head[from];
	struct sched_item *it = &c->out->items[t];

	c->moves_head[from] = c->moves_next[t];
	commit(c, from, -1);
	commit(c, to, 1);
	it->action = SCHED_MOVE;
	it->to = to;
	it->reason = "rebalance";
}

/* Move tasks from the fullest to the emptiest nodes of the leaf until no
 * two differ by more than one: each move is needed, so this is the fewest. */
static void rebalance_leaf(struct ctx *c, struct branch *b)
{
	uint32_t n = b->heap.n + 1;
	uint32_t *sa = xmalloc(n * sizeof(*sa)), *da = xmalloc(n * sizeof(*da));
	struct heap src, dst;

	memcpy(sa, b->heap.a, b->heap.n * sizeof(*sa));
	memcpy(da, b->heap.a, b->heap.n * sizeof(*da));
	heap_init(&src, c, RANK_SOURCE, c->pos_a, sa, b->heap.n);
	heap_init(&dst, c, RANK_SPREAD, c->pos_b, da, b->heap.n);
	while (src.n && dst.n) {
		uint32_t from = src.a[0], to = dst.a[0];
		if (c->moves_head[from] == SCHED_NONE) {
			heap_pop(&src);
			continue;
		}
		if (c->cnt[from] < c->cnt[to] + 2)
			break;
		if (fit_dynamic(c, to)) {
			heap_pop(&dst);
			continue;
		}
		move_one(c, from, to);
		heap_fix(&src, from), heap_fix(&src, to);
		heap_fix(&dst, from), heap_fix(&dst, to);
	}
	free(sa);
	free(da);
}

static void rebalance(struct ctx *c, struct branch *b)
{
	if (!b->nkids) {
		/* the heap lost the nodes that filled up: rebuild it */
		free(b->heap.a);
		build_leaf(c, b);
		rebalance_leaf(c, b);
	}
	for (uint32_t i = 0; i < b->nkids; i++)
		rebalance(c, &b->kids[i]);
}

uint32_t place_replicas(struct ctx *c, uint32_t n, uint32_t *dst, int even_out)
{
	struct branch root = { 0 };
	uint32_t placed = 0;

	root.nodes = xmalloc((c->in->nnodes + 1) * sizeof(*root.nodes));
	for (uint32_t i = 0; i < c->in->nnodes; i++)
		if (c->elig[i] == FIT_OK)
			root.nodes[root.nnodes++] = i;
	build(c, &root, 0);
	if (n)
		placed = place_in(c, &root, n, dst);
	if (even_out) {
		list_movable(c, 1);
		rebalance(c, &root);
		list_movable(c, 0);
	}
	free_tree(&root);
	free(root.nodes);
	return placed;
}
