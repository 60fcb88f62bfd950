/*
 * vma_tree.c - the ordered index of an address space's VMAs: a two-level B+-tree.
 *
 * Model. VMAs are keyed by vm_end (unique, because VMAs never overlap). The bottom level is a
 * sequence of leaves, each a sorted array of at most VMA_LEAF_MAX (key, VMA) pairs; the top level
 * is a sorted array leaf_max[] holding the largest key of every leaf. find_vma(addr) - the first
 * VMA with vm_end > addr - is two binary searches: over leaf_max[] (n / 16..32 keys), then over
 * one leaf's keys (at most 32 keys, 4 cache lines). Keys sit beside the VMA pointers so a search
 * never dereferences a VMA it does not return.
 *
 * Invariants: leaves are non-empty; keys strictly increase within a leaf and across leaves;
 * leaf_max[i] == last key of leaves[i]; every key equals its VMA's vm_end.
 *
 * Why this and not an rbtree or a maple tree: lookups dominate (every fault, every syscall), and
 * at 65,530 VMAs an rbtree walk is ~17 dependent pointer loads that mostly miss the cache, while
 * here the top array (a few KiB to ~40 KiB) stays cache-resident and a leaf costs one or two
 * misses (bench/bench_vma.c measures it). Insertion and removal move at most VMA_LEAF_MAX
 * entries, plus the top array when a leaf splits or empties (rare, amortised over
 * VMA_LEAF_MAX / 2 inserts; a full leaf that is appended or prepended to starts a new leaf
 * instead, so ascending or descending fills leave full leaves). Searches are branch-free (a
 * conditional-move binary search over leaf_max[], a counting scan of one leaf), because random
 * lookups would otherwise mispredict at every level. The kernel's maple tree makes the same trade (wide nodes, keys
 * inline) with RCU-safe copy-on-write nodes that a lock-protected model does not need.
 *
 * Allocation happens only in vma_tree_prealloc(), before an operation changes anything, as the
 * kernel's vma_iter_prealloc(): insertions and removals themselves cannot fail.
 */
#include "vm/internal.h"

#define VMA_LEAF_MAX 32

struct vma_leaf {
	int nr;
	unsigned long end[VMA_LEAF_MAX];
	struct vm_area_struct *v[VMA_LEAF_MAX];
	struct vma_leaf *next_spare;
};

/* How many spare leaves may be kept after removals before they are given back. */
#define VMA_SPARE_KEEP 4

void vma_tree_init(struct vma_tree *t)
{
	memset(t, 0, sizeof(*t));
}

void vma_tree_destroy(struct machine *m, struct vma_tree *t)
{
	struct vma_leaf *l;
	int i;

	for (i = 0; i < t->nr_leaves; i++)
		mm_meta_free(m, t->leaves[i]);
	while ((l = t->spare)) {
		t->spare = l->next_spare;
		mm_meta_free(m, l);
	}
	free(t->leaf_max);
	free(t->leaves);
	memset(t, 0, sizeof(*t));
}

int vma_tree_prealloc(struct machine *m, struct vma_tree *t, int n)
{
	if (t->cap_leaves < t->nr_leaves + n) {
		int cap = MAX(t->cap_leaves * 2, t->nr_leaves + n + 8);
		unsigned long *keys;
		struct vma_leaf **leaves;

		if (should_fail(m, FAULT_VMA, 0))
			return -ENOMEM;
		keys = realloc(t->leaf_max, sizeof(*keys) * (size_t)cap);
		if (!keys)
			return -ENOMEM;
		t->leaf_max = keys;
		leaves = realloc(t->leaves, sizeof(*leaves) * (size_t)cap);
		if (!leaves)
			return -ENOMEM;
		t->leaves = leaves;
		t->cap_leaves = cap;
	}
	while (t->nr_spare < n) {
		struct vma_leaf *l;

		l = mm_meta_zalloc_as(m, FAULT_VMA, sizeof(*l));
		if (!l)
			return -ENOMEM;
		l->next_spare = t->spare;
		t->spare = l;
		t->nr_spare++;
	}
	return 0;
}

static struct vma_leaf *take_spare(struct vma_tree *t)
{
	struct vma_leaf *l = t->spare;

	MM_BUG_ON(!l);	/* callers preallocate */
	t->spare = l->next_spare;
	t->nr_spare--;
	l->nr = 0;
	l->next_spare = NULL;
	memset(l->end, 0xff, sizeof(l->end));	/* empty slots sort last */
	return l;
}

static void give_spare(struct machine *m, struct vma_tree *t, struct vma_leaf *l)
{
	if (t->nr_spare >= VMA_SPARE_KEEP) {
		mm_meta_free(m, l);
		return;
	}
	l->next_spare = t->spare;
	t->spare = l;
	t->nr_spare++;
}

/*
 * Index of the first leaf whose largest key is > @addr, or nr_leaves. Branch-free: random
 * lookups would otherwise pay a misprediction per level.
 */
static inline int leaf_above(const struct vma_tree *t, unsigned long addr)
{
	const unsigned long *base = t->leaf_max;
	int len = t->nr_leaves;

	if (!len)
		return 0;
	while (len > 1) {
		int half = len >> 1;

		/* Arithmetic, not a conditional: gcc turned the ?: into a mispredicted branch. */
		base += (unsigned long)half & -(unsigned long)(base[half - 1] <= addr);
		len -= half;
	}
	return (int)(base - t->leaf_max) + (*base <= addr);
}

/*
 * Index of the first key in @l that is > @addr: the number of keys <= @addr. Unused slots hold
 * ~0UL, so the count runs over the whole leaf with no branch (the compiler vectorizes it).
 */
static inline int slot_above(const struct vma_leaf *l, unsigned long addr)
{
	int k, n = 0;

#pragma GCC unroll 8
	for (k = 0; k < VMA_LEAF_MAX; k++)
		n += l->end[k] <= addr;
	return n;
}

struct vm_area_struct *vma_tree_find(const struct vma_tree *t, unsigned long addr)
{
	const struct vma_leaf *l;
	int i = leaf_above(t, addr);

	if (i == t->nr_leaves)
		return NULL;
	l = t->leaves[i];
	return l->v[slot_above(l, addr)];
}

/* Locate the slot holding key @end: leaf index and slot; a bug if absent. */
static void locate(const struct vma_tree *t, unsigned long end, int *li, int *si)
{
	const struct vma_leaf *l;
	int i = leaf_above(t, end - 1), s;

	MM_BUG_ON(i == t->nr_leaves);
	l = t->leaves[i];
	s = slot_above(l, end - 1);
	MM_BUG_ON(s == l->nr || l->end[s] != end);
	*li = i;
	*si = s;
}

void vma_tree_insert(struct vma_tree *t, struct vm_area_struct *vma)
{
	unsigned long key = vma->vm_end;
	struct vma_leaf *l;
	int i, s;

	if (t->nr_leaves == 0) {
		l = take_spare(t);
		t->leaves[0] = l;
		t->leaf_max[0] = key;
		t->nr_leaves = 1;
		l->end[0] = key;
		l->v[0] = vma;
		l->nr = 1;
		return;
	}
	i = leaf_above(t, key);
	if (i == t->nr_leaves)
		i--;			/* beyond every key: append to the last leaf */
	l = t->leaves[i];
	if (l->nr == VMA_LEAF_MAX) {
		struct vma_leaf *r = take_spare(t);
		int half = VMA_LEAF_MAX / 2, at = slot_above(l, key);

		memmove(t->leaves + i + 2, t->leaves + i + 1,
			sizeof(t->leaves[0]) * (size_t)(t->nr_leaves - i - 1));
		memmove(t->leaf_max + i + 2, t->leaf_max + i + 1,
			sizeof(t->leaf_max[0]) * (size_t)(t->nr_leaves - i - 1));
		t->nr_leaves++;
		if (at == VMA_LEAF_MAX) {
			/* Appending (bottom-up allocation, ascending fills): start a new leaf. */
			t->leaves[i + 1] = r;
			t->leaf_max[i + 1] = key;
			r->end[0] = key;
			r->v[0] = vma;
			r->nr = 1;
			return;
		}
		if (at == 0) {
			/* Prepending (top-down allocation): the new leaf goes left, holding the key. */
			t->leaves[i + 1] = l;
			t->leaf_max[i + 1] = t->leaf_max[i];
			t->leaves[i] = r;
			t->leaf_max[i] = key;
			r->end[0] = key;
			r->v[0] = vma;
			r->nr = 1;
			return;
		}
		/* Otherwise split the full leaf in two halves; the new one goes right. */
		r->nr = VMA_LEAF_MAX - half;
		memcpy(r->end, l->end + half, sizeof(l->end[0]) * (size_t)r->nr);
		memcpy(r->v, l->v + half, sizeof(l->v[0]) * (size_t)r->nr);
		memset(l->end + half, 0xff, sizeof(l->end[0]) * (size_t)(VMA_LEAF_MAX - half));
		l->nr = half;
		t->leaves[i + 1] = r;
		t->leaf_max[i + 1] = r->end[r->nr - 1];
		t->leaf_max[i] = l->end[half - 1];
		if (key > t->leaf_max[i]) {
			i++;
			l = r;
		}
	}
	s = slot_above(l, key);
	memmove(l->end + s + 1, l->end + s, sizeof(l->end[0]) * (size_t)(l->nr - s));
	memmove(l->v + s + 1, l->v + s, sizeof(l->v[0]) * (size_t)(l->nr - s));
	l->end[s] = key;
	l->v[s] = vma;
	l->nr++;
	if (s == l->nr - 1)
		t->leaf_max[i] = key;
}

void vma_tree_erase(struct machine *m, struct vma_tree *t, struct vm_area_struct *vma)
{
	struct vma_leaf *l;
	int i, s;

	locate(t, vma->vm_end, &i, &s);
	l = t->leaves[i];
	MM_BUG_ON(l->v[s] != vma);
	l->nr--;
	memmove(l->end + s, l->end + s + 1, sizeof(l->end[0]) * (size_t)(l->nr - s));
	memmove(l->v + s, l->v + s + 1, sizeof(l->v[0]) * (size_t)(l->nr - s));
	l->end[l->nr] = ~0UL;
	if (l->nr) {
		t->leaf_max[i] = l->end[l->nr - 1];
		return;
	}
	memmove(t->leaves + i, t->leaves + i + 1, sizeof(t->leaves[0]) * (size_t)(t->nr_leaves - i - 1));
	memmove(t->leaf_max + i, t->leaf_max + i + 1,
		sizeof(t->leaf_max[0]) * (size_t)(t->nr_leaves - i - 1));
	t->nr_leaves--;
	give_spare(m, t, l);
}

void vma_tree_rekey(struct vma_tree *t, struct vm_area_struct *vma, unsigned long old_end)
{
	struct vma_leaf *l;
	int i, s;

	locate(t, old_end, &i, &s);
	l = t->leaves[i];
	MM_BUG_ON(l->v[s] != vma);
	l->end[s] = vma->vm_end;
	if (s == l->nr - 1)
		t->leaf_max[i] = vma->vm_end;
}

int vma_tree_check(const struct vma_tree *t, const struct vm_area_struct *first, int count,
		   char *why, size_t why_size)
{
	const struct vm_area_struct *v = first;
	unsigned long prev = 0;
	int i, s, n = 0;

	for (i = 0; i < t->nr_leaves; i++) {
		const struct vma_leaf *l = t->leaves[i];

		if (l->nr <= 0 || l->nr > VMA_LEAF_MAX) {
			snprintf(why, why_size, "vma tree: leaf %d holds %d entries", i, l->nr);
			return -EUCLEAN;
		}
		for (s = 0; s < l->nr; s++, n++) {
			if (l->end[s] <= prev || !v || l->v[s] != v || v->vm_end != l->end[s]) {
				snprintf(why, why_size, "vma tree: entry %d (key %#lx) out of order or "
					 "not the list's VMA", n, l->end[s]);
				return -EUCLEAN;
			}
			prev = l->end[s];
			v = v->vm_next;
		}
		for (s = l->nr; s < VMA_LEAF_MAX; s++)
			if (l->end[s] != ~0UL) {
				snprintf(why, why_size, "vma tree: leaf %d slot %d past the end not empty",
					 i, s);
				return -EUCLEAN;
			}
		if (t->leaf_max[i] != l->end[l->nr - 1]) {
			snprintf(why, why_size, "vma tree: leaf %d max %#lx, last key %#lx", i,
				 t->leaf_max[i], l->end[l->nr - 1]);
			return -EUCLEAN;
		}
	}
	if (n != count || v) {
		snprintf(why, why_size, "vma tree: %d entries, list has %d VMAs", n, count);
		return -EUCLEAN;
	}
	return 0;
}
