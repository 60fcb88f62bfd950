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
 * leaf_max[i] == last key of leaves[i]; every key equals its VMA's vm_end, and beside it
 * start[s] equals its VMA's vm_start.
 *
 * Free gaps. The gap below the VMA in slot s of leaf i is start[s] - (the vm_end of the VMA
 * before it, or 0 for the first VMA); the space above the last VMA is unbounded and needs no
 * summary. Over the leaves sits a max-tree (a segment tree in an array, the root at 1):
 *
 *	gap[gap_base + i] = max over the slots s of leaf i of gap(i, s)	(0 past nr_leaves)
 *	gap[k] = max(gap[2k], gap[2k + 1])				(0 < k < gap_base)
 *
 * as the maple tree keeps the largest gap of each node, with one relaxation: when a leaf's
 * largest gap shrinks (a mapping placed in it, as top-down mmap does every time), its summary
 * is left as an upper bound (">=" above) and the leaf marked gap_stale, and the first search
 * that would descend into it rescans it and stores the exact value. A summary is never below
 * the truth, so no fitting gap is ever skipped. get_unmapped_area's searches
 * (vma_tree_gap_highest/lowest) then cost O(log n) in either direction (amortised: a stale
 * summary is tightened once, by the first search that relies on it): the two leaves holding
 * the ends of the window are scanned, and the highest (lowest) leaf in between whose summary is
 * large enough is found by walking the max-tree, then scanned. A scan tests only the slots of
 * the leaf's nz mask (bit s: start[s] != end[s - 1]), so a run of adjacent mappings costs a
 * bit operation, not a compare per slot; insertions and removals shift the mask, a leaf split
 * leaves it to be recomputed by the next scan. A change to a VMA's range changes
 * at most two gaps (its own and the next VMA's, which may be in the next leaf); a leaf split or
 * removal shifts the leaves after it, and their summaries are shifted and the tree above them
 * recomputed, which costs as much as the existing shift of the top array.
 *
 * Why this and not an rbtree or a maple tree: lookups dominate (every fault, every syscall), and
 * at 65,530 VMAs an rbtree walk is ~17 dependent pointer loads that mostly miss the cache, while
 * here the top array (a few KiB to ~40 KiB) stays cache-resident and a leaf costs one or two
 * misses (bench/bench_vma.c measures it). Insertion and removal move at most VMA_LEAF_MAX
 * entries, plus the top array when a leaf splits or empties (rare, amortised over
 * VMA_LEAF_MAX / 2 inserts; a full leaf that is appended or prepended to gives its last or
 * first VMA_LEAF_MOVE keys to a new leaf with the new key instead, so ascending or descending
 * fills leave leaves 3/4 full, and a mapping made and removed over and over at the end of a
 * full leaf does not create and free a leaf, with its O(n / 32) shift, every time). Searches
 * are branch-free (a conditional-move binary search over leaf_max[], then one over the leaf's 32
 * keys, whose four cache lines are prefetched together), because random lookups would
 * otherwise mispredict at every level. The kernel's maple
 * tree makes the same trade (wide nodes, keys inline) with RCU-safe copy-on-write nodes that a
 * lock-protected model does not need.
 *
 * The hint (hint_i, hint_s) is the slot an insertion or removal will likely want: the VMA above
 * the gap a search returned (an mmap inserts right below it), the slot last inserted (a munmap
 * removes it). insert_leaf() and locate() prove it with one or two compares before trusting it,
 * as the kernel's vma_iterator resumes from where the last walk stopped.
 *
 * Allocation happens only in vma_tree_prealloc(), before an operation changes anything, as the
 * kernel's vma_iter_prealloc(): insertions and removals themselves cannot fail.
 */
#include "vm/internal.h"

#define VMA_LEAF_MAX 32
/* Keys a full leaf gives to the new leaf made when a key is appended or prepended to it. */
#define VMA_LEAF_MOVE 8

struct vma_leaf {
	int nr;
	bool gap_stale;				/* its summary may exceed its largest gap */
	bool nz_valid;				/* nz is up to date */
	uint32_t nz;				/* bit s (s >= 1): start[s] != end[s - 1], a
						   gap that is not empty; searches test only these */
	unsigned long end[VMA_LEAF_MAX];	/* keys: vm_end; ~0UL past nr */
	struct vm_area_struct *v[VMA_LEAF_MAX];
	unsigned long start[VMA_LEAF_MAX];	/* vm_start of v[s], for the gap summaries */
	struct vma_leaf *next_spare;
};

/* Bit @s of a leaf's nz mask as its keys now are (0 for slot 0 and past the end). */
static inline uint32_t nz_bit(const struct vma_leaf *l, int s)
{
	return s >= 1 && s < l->nr && l->start[s] != l->end[s - 1] ? 1u << s : 0;
}

/*
 * The leaf's mask of non-empty gaps, recomputed if a change did not keep it. Insertions and
 * removals inside a leaf shift it; splits and new leaves leave it to be recomputed here.
 */
static uint32_t leaf_nz(struct vma_leaf *l)
{
	uint32_t m = 0;
	int s;

	if (l->nz_valid)
		return l->nz;
	for (s = 1; s < l->nr; s++)
		m |= (uint32_t)(l->start[s] != l->end[s - 1]) << s;
	l->nz = m;
	l->nz_valid = true;
	return m;
}

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
	free(t->gap);
	memset(t, 0, sizeof(*t));
}

/* ---- gap summaries ----------------------------------------------------------------------- */

/* vm_end of the VMA before leaf @i (0 before the first leaf). */
static inline unsigned long leaf_prev_end(const struct vma_tree *t, int i)
{
	return i ? t->leaf_max[i - 1] : 0;
}

/* The largest gap below a VMA of leaf @i. */
static unsigned long leaf_gap(const struct vma_tree *t, int i)
{
	const struct vma_leaf *l = t->leaves[i];
	unsigned long best = l->start[0] - leaf_prev_end(t, i);
	int s;

	for (s = 1; s < l->nr; s++) {
		unsigned long g = l->start[s] - l->end[s - 1];

		best = g > best ? g : best;
	}
	return best;
}

/* Store @v, leaf @i's largest gap, as its summary; recompute ancestors until one stays the same. */
static void gap_set(struct vma_tree *t, int i, unsigned long v)
{
	unsigned long *g = t->gap;
	size_t k = (size_t)t->gap_base + (size_t)i;

	t->leaves[i]->gap_stale = false;
	if (g[k] == v)
		return;
	g[k] = v;
	for (k >>= 1; k; k >>= 1) {
		v = MAX(g[2 * k], g[2 * k + 1]);
		if (g[k] == v)
			break;
		g[k] = v;
	}
}

/*
 * One gap of leaf @i went from @o to @n (a new slot counts as 0 -> n, a removed one as o -> 0);
 * the leaf's arrays already hold every change of the operation. A gap that grows to the
 * summary or above becomes the summary (exact: nothing in the leaf is larger). When the
 * leaf's largest gap shrinks, the summary is left as it was, an upper bound, and the leaf
 * marked stale: the search that first relies on it rescans it (gap_find_between), so placing
 * a mapping in the largest gap - what top-down mmap does - costs no scan of the leaf.
 */
static void gap_changed(struct vma_tree *t, int i, unsigned long o, unsigned long n)
{
	unsigned long cur = t->gap[(size_t)t->gap_base + (size_t)i];

	if (n >= cur)
		gap_set(t, i, n);
	else if (o == cur)
		t->leaves[i]->gap_stale = true;
}

/* The position of the VMA after slot @s of leaf @i in *@ni, *@ns; false after the last VMA. */
static inline bool next_slot(const struct vma_tree *t, int i, int s, int *ni, int *ns)
{
	if (s + 1 < t->leaves[i]->nr) {
		*ni = i;
		*ns = s + 1;
		return true;
	}
	if (i + 1 < t->nr_leaves) {
		*ni = i + 1;
		*ns = 0;
		return true;
	}
	return false;
}

/* Recompute the ancestors of the summaries of leaves [@from, @to] (positions, to < gap_base). */
static void gap_fix_range(struct vma_tree *t, int from, int to)
{
	unsigned long *g = t->gap;
	size_t lo = (size_t)t->gap_base + (size_t)from, hi = (size_t)t->gap_base + (size_t)to, k;

	while (lo > 1) {
		lo >>= 1;
		hi >>= 1;
		for (k = lo; k <= hi; k++)
			g[k] = MAX(g[2 * k], g[2 * k + 1]);
	}
}

/*
 * A leaf was inserted at @at (@inserted) or removed from it: shift the summaries of the leaves
 * after it, recompute those of the leaves around @at whose first gap or contents changed, and
 * the tree above every shifted position. nr_leaves is already the new count.
 */
static void gap_shift(struct vma_tree *t, int at, bool inserted)
{
	unsigned long *leaf = t->gap + t->gap_base;
	int n = t->nr_leaves, old_n = inserted ? n - 1 : n + 1, i;

	if (inserted)
		memmove(leaf + at + 1, leaf + at, sizeof(*leaf) * (size_t)(old_n - at));
	else
		memmove(leaf + at, leaf + at + 1, sizeof(*leaf) * (size_t)(old_n - at - 1));
	if (!inserted)
		leaf[n] = 0;
	for (i = MAX(at - 1, 0); i <= at + 2 && i < n; i++) {
		leaf[i] = leaf_gap(t, i);
		t->leaves[i]->gap_stale = false;
	}
	gap_fix_range(t, MAX(at - 1, 0), MAX(old_n, n) - 1);
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
		if (cap > t->gap_base) {
			int base = 1;
			unsigned long *gap;

			while (base < cap)
				base <<= 1;
			gap = calloc(2 * (size_t)base, sizeof(*gap));
			if (!gap)
				return -ENOMEM;
			if (t->nr_leaves)
				memcpy(gap + base, t->gap + t->gap_base,
				       sizeof(*gap) * (size_t)t->nr_leaves);
			free(t->gap);
			t->gap = gap;
			t->gap_base = base;
			if (t->nr_leaves)
				gap_fix_range(t, 0, t->nr_leaves - 1);
		}
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
	l->gap_stale = false;
	l->nz_valid = false;
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
 * ~0UL, so all VMA_LEAF_MAX keys are sorted and a branch-free binary search over the whole
 * leaf needs no bound: six compares. (A counting scan of the 32 keys was ~100 instructions:
 * x86-64's baseline has no unsigned 64-bit vector compare, so it was not vectorized.)
 */
static inline int slot_above(const struct vma_leaf *l, unsigned long addr)
{
	const unsigned long *e = l->end;
	int n = 0;

	_Static_assert(VMA_LEAF_MAX == 32, "slot_above searches 32 keys");
	/* The keys' four cache lines are fetched at once, not one dependent miss per step. */
	__builtin_prefetch(e);
	__builtin_prefetch(e + 16);
	__builtin_prefetch(e + 24);
	n += (e[n + 15] <= addr) << 4;
	n += (e[n + 7] <= addr) << 3;
	n += (e[n + 3] <= addr) << 2;
	n += (e[n + 1] <= addr) << 1;
	n += e[n] <= addr;
	n += e[n] <= addr;		/* 31 -> 32 when every key is <= addr */
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

static inline void set_hint(struct vma_tree *t, int i, int s)
{
	t->hint_i = i;
	t->hint_s = s;
}

/*
 * Locate the slot holding key @end: leaf index and slot; a bug if absent. The hint is tried
 * first: keys are unique and a slot past a leaf's end holds ~0UL, so one compare proves it.
 */
static void locate(const struct vma_tree *t, unsigned long end, int *li, int *si)
{
	const struct vma_leaf *l;
	int i = t->hint_i, s;

	if (i < t->nr_leaves && t->leaves[i]->end[t->hint_s] == end) {
		*li = i;
		*si = t->hint_s;
		return;
	}
	i = leaf_above(t, end - 1);
	MM_BUG_ON(i == t->nr_leaves);
	l = t->leaves[i];
	s = slot_above(l, end - 1);
	MM_BUG_ON(s == l->nr || l->end[s] != end);
	*li = i;
	*si = s;
}

/*
 * leaf_above(@key) for an insertion: the hint, when it holds the first key above @key (the
 * VMA above the gap a search just found), is that leaf with no search.
 */
static inline int insert_leaf(const struct vma_tree *t, unsigned long key)
{
	int i = t->hint_i, s = t->hint_s;
	const struct vma_leaf *l;

	if (i >= t->nr_leaves)
		return leaf_above(t, key);
	l = t->leaves[i];
	if (s < l->nr && l->end[s] > key && (s ? l->end[s - 1] : leaf_prev_end(t, i)) <= key)
		return i;
	return leaf_above(t, key);
}

void vma_tree_insert(struct vma_tree *t, struct vm_area_struct *vma)
{
	unsigned long key = vma->vm_end;
	struct vma_leaf *l;
	int i, s, new_leaf = -1;

	if (t->nr_leaves == 0) {
		l = take_spare(t);
		t->leaves[0] = l;
		t->leaf_max[0] = key;
		t->nr_leaves = 1;
		l->end[0] = key;
		l->start[0] = vma->vm_start;
		l->v[0] = vma;
		l->nr = 1;
		gap_set(t, 0, leaf_gap(t, 0));
		set_hint(t, 0, 0);
		return;
	}
	i = insert_leaf(t, key);
	if (i == t->nr_leaves)
		i--;			/* beyond every key: append to the last leaf */
	l = t->leaves[i];
	if (l->nr == VMA_LEAF_MAX) {
		struct vma_leaf *r = take_spare(t);

		l->nz_valid = false;
		int half = VMA_LEAF_MAX / 2, at = slot_above(l, key);

		memmove(t->leaves + i + 2, t->leaves + i + 1,
			sizeof(t->leaves[0]) * (size_t)(t->nr_leaves - i - 1));
		memmove(t->leaf_max + i + 2, t->leaf_max + i + 1,
			sizeof(t->leaf_max[0]) * (size_t)(t->nr_leaves - i - 1));
		t->nr_leaves++;
		if (at == VMA_LEAF_MAX) {
			/*
			 * Appending (bottom-up allocation, ascending fills): a new leaf right of
			 * this one, holding the key and the last VMA_LEAF_MOVE keys, so that a
			 * mapping made and unmapped again and again at the end (mmap + munmap)
			 * neither splits nor empties a leaf each time.
			 */
			r->nr = VMA_LEAF_MOVE + 1;
			memcpy(r->end, l->end + VMA_LEAF_MAX - VMA_LEAF_MOVE,
			       sizeof(l->end[0]) * VMA_LEAF_MOVE);
			memcpy(r->start, l->start + VMA_LEAF_MAX - VMA_LEAF_MOVE,
			       sizeof(l->start[0]) * VMA_LEAF_MOVE);
			memcpy(r->v, l->v + VMA_LEAF_MAX - VMA_LEAF_MOVE, sizeof(l->v[0]) * VMA_LEAF_MOVE);
			memset(l->end + VMA_LEAF_MAX - VMA_LEAF_MOVE, 0xff,
			       sizeof(l->end[0]) * VMA_LEAF_MOVE);
			l->nr = VMA_LEAF_MAX - VMA_LEAF_MOVE;
			r->end[VMA_LEAF_MOVE] = key;
			r->start[VMA_LEAF_MOVE] = vma->vm_start;
			r->v[VMA_LEAF_MOVE] = vma;
			t->leaves[i + 1] = r;
			t->leaf_max[i + 1] = key;
			t->leaf_max[i] = l->end[l->nr - 1];
			gap_shift(t, i + 1, true);
			set_hint(t, i + 1, VMA_LEAF_MOVE);
			return;
		}
		if (at == 0) {
			/*
			 * Prepending (top-down allocation, descending fills): a new leaf left of
			 * this one, holding the key and the first VMA_LEAF_MOVE keys (as above).
			 */
			r->nr = VMA_LEAF_MOVE + 1;
			r->end[0] = key;
			r->start[0] = vma->vm_start;
			r->v[0] = vma;
			memcpy(r->end + 1, l->end, sizeof(l->end[0]) * VMA_LEAF_MOVE);
			memcpy(r->start + 1, l->start, sizeof(l->start[0]) * VMA_LEAF_MOVE);
			memcpy(r->v + 1, l->v, sizeof(l->v[0]) * VMA_LEAF_MOVE);
			l->nr = VMA_LEAF_MAX - VMA_LEAF_MOVE;
			memmove(l->end, l->end + VMA_LEAF_MOVE, sizeof(l->end[0]) * (size_t)l->nr);
			memmove(l->start, l->start + VMA_LEAF_MOVE, sizeof(l->start[0]) * (size_t)l->nr);
			memmove(l->v, l->v + VMA_LEAF_MOVE, sizeof(l->v[0]) * (size_t)l->nr);
			memset(l->end + l->nr, 0xff, sizeof(l->end[0]) * VMA_LEAF_MOVE);
			t->leaves[i + 1] = l;
			t->leaf_max[i + 1] = t->leaf_max[i];
			t->leaves[i] = r;
			t->leaf_max[i] = r->end[VMA_LEAF_MOVE];
			gap_shift(t, i, true);
			set_hint(t, i, 0);
			return;
		}
		/* Otherwise split the full leaf in two halves; the new one goes right. */
		r->nr = VMA_LEAF_MAX - half;
		memcpy(r->end, l->end + half, sizeof(l->end[0]) * (size_t)r->nr);
		memcpy(r->start, l->start + half, sizeof(l->start[0]) * (size_t)r->nr);
		memcpy(r->v, l->v + half, sizeof(l->v[0]) * (size_t)r->nr);
		memset(l->end + half, 0xff, sizeof(l->end[0]) * (size_t)(VMA_LEAF_MAX - half));
		l->nr = half;
		t->leaves[i + 1] = r;
		t->leaf_max[i + 1] = r->end[r->nr - 1];
		t->leaf_max[i] = l->end[half - 1];
		new_leaf = i + 1;
		if (key > t->leaf_max[i]) {
			i++;
			l = r;
		}
	}
	s = slot_above(l, key);
	memmove(l->end + s + 1, l->end + s, sizeof(l->end[0]) * (size_t)(l->nr - s));
	memmove(l->start + s + 1, l->start + s, sizeof(l->start[0]) * (size_t)(l->nr - s));
	memmove(l->v + s + 1, l->v + s, sizeof(l->v[0]) * (size_t)(l->nr - s));
	l->end[s] = key;
	l->start[s] = vma->vm_start;
	l->v[s] = vma;
	l->nr++;
	if (l->nz_valid) {	/* slots from s on moved up one; gaps s and s + 1 are new */
		uint32_t lower = (1u << s) - 1;

		l->nz = ((l->nz & lower) | ((l->nz & ~lower) << 1)) & ~(3u << s);
		l->nz |= nz_bit(l, s) | nz_bit(l, s + 1);
	}
	if (s == l->nr - 1)
		t->leaf_max[i] = key;
	set_hint(t, i, s);
	if (new_leaf >= 0) {
		gap_shift(t, new_leaf, true);
		return;
	}
	/*
	 * @vma split the gap below the next VMA (in this leaf, or the next leaf's first) in two:
	 * the part below @vma is a new gap of this leaf, the part above it replaces the old one.
	 */
	{
		unsigned long below = l->start[s] - (s ? l->end[s - 1] : leaf_prev_end(t, i));
		int ni, ns;

		gap_changed(t, i, 0, below);
		if (next_slot(t, i, s, &ni, &ns)) {
			unsigned long above = t->leaves[ni]->start[ns] - key;

			gap_changed(t, ni, below + (key - l->start[s]) + above, above);
		}
	}
}

void vma_tree_erase(struct machine *m, struct vma_tree *t, struct vm_area_struct *vma)
{
	struct vma_leaf *l;
	int i, s;

	unsigned long below, above = 0;
	bool has_next;
	int ni = 0, ns = 0;

	locate(t, vma->vm_end, &i, &s);
	l = t->leaves[i];
	MM_BUG_ON(l->v[s] != vma);
	below = l->start[s] - (s ? l->end[s - 1] : leaf_prev_end(t, i));
	has_next = next_slot(t, i, s, &ni, &ns);
	if (has_next)
		above = t->leaves[ni]->start[ns] - l->end[s];
	l->nr--;
	memmove(l->end + s, l->end + s + 1, sizeof(l->end[0]) * (size_t)(l->nr - s));
	memmove(l->start + s, l->start + s + 1, sizeof(l->start[0]) * (size_t)(l->nr - s));
	memmove(l->v + s, l->v + s + 1, sizeof(l->v[0]) * (size_t)(l->nr - s));
	l->end[l->nr] = ~0UL;
	if (l->nz_valid) {	/* slots above s moved down one; gap s is new */
		uint32_t lower = (1u << s) - 1;

		l->nz = ((l->nz & lower) | ((l->nz & ~((2u << s) - 1)) >> 1)) & ~(1u << s);
		l->nz |= nz_bit(l, s);
	}
	if (l->nr) {
		t->leaf_max[i] = l->end[l->nr - 1];
		/*
		 * The gap below @vma is gone; the next VMA's (in this leaf, now at slot s, or the
		 * next leaf's first) grew by @vma's range and that gap.
		 */
		if (has_next)	/* the growth first: it may spare the removal a rescan */
			gap_changed(t, ni, above, below + (vma->vm_end - vma->vm_start) + above);
		gap_changed(t, i, below, 0);
		return;
	}
	memmove(t->leaves + i, t->leaves + i + 1, sizeof(t->leaves[0]) * (size_t)(t->nr_leaves - i - 1));
	memmove(t->leaf_max + i, t->leaf_max + i + 1,
		sizeof(t->leaf_max[0]) * (size_t)(t->nr_leaves - i - 1));
	t->nr_leaves--;
	gap_shift(t, i, false);
	give_spare(m, t, l);
}

void vma_tree_rekey(struct vma_tree *t, struct vm_area_struct *vma, unsigned long old_end)
{
	struct vma_leaf *l;
	int i, s;

	unsigned long prev_end, old_start, shrunk_o = 0, shrunk_n = 0;
	int ni, ns, shrunk_i = -1;

	locate(t, old_end, &i, &s);
	l = t->leaves[i];
	MM_BUG_ON(l->v[s] != vma);
	old_start = l->start[s];
	prev_end = s ? l->end[s - 1] : leaf_prev_end(t, i);
	l->end[s] = vma->vm_end;
	l->start[s] = vma->vm_start;
	if (l->nz_valid)
		l->nz = (l->nz & ~(3u << s)) | nz_bit(l, s) | nz_bit(l, s + 1);
	if (s == l->nr - 1)
		t->leaf_max[i] = vma->vm_end;
	/*
	 * The gap below @vma follows its start; the next VMA's follows its end. A range moves
	 * one way, so at most one of them shrinks: that one last, after a growth that may spare
	 * it a rescan.
	 */
	if (old_end != vma->vm_end && next_slot(t, i, s, &ni, &ns)) {
		unsigned long next_start = t->leaves[ni]->start[ns];

		if (vma->vm_end < old_end)
			gap_changed(t, ni, next_start - old_end, next_start - vma->vm_end);
		else
			shrunk_i = ni, shrunk_o = next_start - old_end, shrunk_n = next_start - vma->vm_end;
	}
	if (old_start != vma->vm_start)
		gap_changed(t, i, old_start - prev_end, vma->vm_start - prev_end);
	if (shrunk_i >= 0)
		gap_changed(t, shrunk_i, shrunk_o, shrunk_n);
}

/* ---- gap search ---------------------------------------------------------------------------- */

/*
 * A position in the index: slot @s of leaf @i; (nr_leaves, 0) is the position past the last VMA,
 * whose "gap below" is the unbounded space above the last VMA.
 */
struct vma_pos {
	int i, s;
};

static inline struct vma_pos pos_find(const struct vma_tree *t, unsigned long addr)
{
	struct vma_pos p = { 0, 0 };
	int n = t->nr_leaves;

	/*
	 * A search window's ends are usually below every VMA (mmap_min_addr) or in the highest
	 * leaf (mmap_base, under the stack): those two need no search of the top array.
	 */
	if (!n || addr < t->leaf_max[0])
		p.i = 0;
	else if (addr >= t->leaf_max[n - 1])
		p.i = n;
	else if (addr >= t->leaf_max[n - 2])	/* n >= 2 here */
		p.i = n - 1;
	else
		p.i = leaf_above(t, addr);
	if (p.i < n)
		p.s = slot_above(t->leaves[p.i], addr);
	return p;
}

static inline bool pos_at_end(const struct vma_tree *t, struct vma_pos p)
{
	return p.i == t->nr_leaves;
}

static inline bool pos_before(struct vma_pos a, struct vma_pos b)
{
	return a.i < b.i || (a.i == b.i && a.s < b.s);
}

/* vm_end of the VMA before @p (0 if none): where the gap below @p starts. */
static inline unsigned long pos_prev_end(const struct vma_tree *t, struct vma_pos p)
{
	return p.s ? t->leaves[p.i]->end[p.s - 1] : leaf_prev_end(t, p.i);
}

static inline unsigned long pos_start(const struct vma_tree *t, struct vma_pos p)
{
	return t->leaves[p.i]->start[p.s];
}

static inline struct vma_pos pos_next(const struct vma_tree *t, struct vma_pos p)
{
	if (++p.s == t->leaves[p.i]->nr) {
		p.i++;
		p.s = 0;
	}
	return p;
}

static inline struct vma_pos pos_prev(const struct vma_tree *t, struct vma_pos p)
{
	if (p.s-- == 0) {
		p.i--;
		p.s = t->leaves[p.i]->nr - 1;
	}
	return p;
}

/* The VMA above a gap found at @p (NULL past the last), remembered as the insertion hint. */
static inline struct vm_area_struct *found(struct vma_tree *t, struct vma_pos p)
{
	if (pos_at_end(t, p))
		return NULL;
	set_hint(t, p.i, p.s);
	return t->leaves[p.i]->v[p.s];
}

/* Bits [@lo, @hi] of a slot mask (none if @hi < @lo). */
static inline uint32_t slot_range(int lo, int hi)
{
	if (hi < lo)
		return 0;
	return (uint32_t)((2ULL << hi) - 1) & ~(uint32_t)((1ULL << lo) - 1);
}

/*
 * The highest slot in [@s0, @s1] of leaf @i whose gap is >= @len, or -1. Only the non-empty
 * gaps are looked at: in a run of adjacent mappings there are none.
 */
static int leaf_last_gap(struct vma_tree *t, int i, int s0, int s1, unsigned long len)
{
	struct vma_leaf *l = t->leaves[i];
	uint32_t m = leaf_nz(l) & slot_range(MAX(s0, 1), s1);

	while (m) {
		int s = 31 - __builtin_clz(m);

		if (l->start[s] - l->end[s - 1] >= len)
			return s;
		m &= ~(1u << s);
	}
	if (s0 == 0 && s1 >= 0 && l->start[0] - leaf_prev_end(t, i) >= len)
		return 0;
	return -1;
}

/* The lowest slot in [@s0, @s1] of leaf @i whose gap is >= @len, or -1. */
static int leaf_first_gap(struct vma_tree *t, int i, int s0, int s1, unsigned long len)
{
	struct vma_leaf *l = t->leaves[i];
	uint32_t m;

	if (s0 == 0 && s1 >= 0 && l->start[0] - leaf_prev_end(t, i) >= len)
		return 0;
	m = leaf_nz(l) & slot_range(MAX(s0, 1), s1);
	while (m) {
		int s = __builtin_ctz(m);

		if (l->start[s] - l->end[s - 1] >= len)
			return s;
		m &= m - 1;
	}
	return -1;
}

/* True if every summary of leaves [@a, @b] is below @len (also when the range is empty). */
static bool gap_all_below(const struct vma_tree *t, int a, int b, unsigned long len)
{
	const unsigned long *g = t->gap;
	size_t lo = (size_t)t->gap_base + (size_t)a, hi = (size_t)t->gap_base + (size_t)b + 1;

	if (a > b)
		return true;
	while (lo < hi) {
		if ((lo & 1) && g[lo++] >= len)
			return false;
		if ((hi & 1) && g[--hi] >= len)
			return false;
		lo >>= 1;
		hi >>= 1;
	}
	return true;
}

/*
 * The highest (@last) or lowest leaf in [@a, @b] whose summary is >= @len, or -1: the nodes
 * covering the range are met bottom-up, the left ones in ascending and the right ones in
 * descending order; the first fitting one in the wanted order is descended. A range where
 * nothing fits (top-down mmap's usual case: the free gap lies in the window's lowest leaf) is
 * answered first by gap_all_below, which keeps no list of nodes to come back to.
 */
static mm_always_inline int gap_tree_find(const struct vma_tree *t, int a, int b, unsigned long len,
					  bool last)
{
	const unsigned long *g = t->gap;
	size_t lo = (size_t)t->gap_base + (size_t)a, hi = (size_t)t->gap_base + (size_t)b + 1;
	size_t deferred[2 * sizeof(int) * CHAR_BIT], node = 0;
	int nd = 0;

	if (gap_all_below(t, a, b, len))
		return -1;

	while (lo < hi) {
		if (lo & 1) {
			if (!last && g[lo] >= len) {
				node = lo;
				goto descend;
			}
			if (last)
				deferred[nd++] = lo;
			lo++;
		}
		if (hi & 1) {
			hi--;
			if (last && g[hi] >= len) {
				node = hi;
				goto descend;
			}
			if (!last)
				deferred[nd++] = hi;
		}
		lo >>= 1;
		hi >>= 1;
	}
	while (nd--)
		if (g[deferred[nd]] >= len) {
			node = deferred[nd];
			goto descend;
		}
	return -1;
descend:
	while (node < (size_t)t->gap_base) {
		if (last)
			node = g[2 * node + 1] >= len ? 2 * node + 1 : 2 * node;
		else
			node = g[2 * node] >= len ? 2 * node : 2 * node + 1;
	}
	return (int)(node - (size_t)t->gap_base);
}

/*
 * The highest (@last) or lowest position in [@a, @b] (real VMAs, a <= b) whose gap is >= @len.
 * Inlined with gap_tree_find into each direction's search, so @last is a constant there.
 */
static mm_always_inline bool gap_find_between(struct vma_tree *t, struct vma_pos a, struct vma_pos b,
					      unsigned long len, bool last, struct vma_pos *hit)
{
	int (*scan)(struct vma_tree *, int, int, int, unsigned long) =
		last ? leaf_last_gap : leaf_first_gap;
	struct vma_pos first = last ? b : a, then = last ? a : b;
	int s, j;

	const unsigned long *summary = t->gap + t->gap_base;

	if (a.i == b.i) {
		s = summary[a.i] < len ? -1 : scan(t, a.i, a.s, b.s, len);
		*hit = (struct vma_pos){ a.i, s };
		return s >= 0;
	}
	/*
	 * The partial leaf met first, the whole leaves between, the other partial leaf; a leaf
	 * whose summary (never below its largest gap) is too small is not scanned.
	 */
	s = summary[first.i] < len ? -1
	    : last ? scan(t, first.i, 0, first.s, len)
		   : scan(t, first.i, first.s, t->leaves[first.i]->nr - 1, len);
	if (s >= 0) {
		*hit = (struct vma_pos){ first.i, s };
		return true;
	}
	/* A stale leaf may promise more than it has: tighten it and look again. */
	while (b.i - a.i > 1 && (j = gap_tree_find(t, a.i + 1, b.i - 1, len, last)) >= 0) {
		s = scan(t, j, 0, t->leaves[j]->nr - 1, len);
		if (s >= 0) {
			*hit = (struct vma_pos){ j, s };
			return true;
		}
		MM_BUG_ON(!t->leaves[j]->gap_stale);	/* an exact summary promised a fit */
		gap_set(t, j, leaf_gap(t, j));
	}
	s = summary[then.i] < len ? -1
	    : last ? scan(t, then.i, then.s, t->leaves[then.i]->nr - 1, len)
		   : scan(t, then.i, 0, then.s, len);
	*hit = (struct vma_pos){ then.i, s };
	return s >= 0;
}

/*
 * The gaps a search inside [low, high) looks at are those below the VMAs from @lo (the first
 * VMA ending above low) to @hi (the first ending at or above high, or the end): the gap below
 * @lo may start under low and the one below @hi end above high, so both are clipped; the gaps
 * below the VMAs strictly between them lie inside the window whole.
 */
unsigned long vma_tree_gap_highest(struct vma_tree *t, unsigned long low, unsigned long high,
				   unsigned long length, struct vm_area_struct **pnext)
{
	struct vma_pos hi, lo, hit;
	unsigned long gs, ge;

	if (high <= low || high - low < length)
		return 0;
	hi = pos_find(t, high - 1);
	gs = MAX(pos_prev_end(t, hi), low);
	ge = pos_at_end(t, hi) ? high : MIN(pos_start(t, hi), high);
	if (ge > gs && ge - gs >= length) {
		*pnext = found(t, hi);
		return ge;
	}
	lo = pos_find(t, low);
	if (!pos_before(lo, hi))
		return 0;
	if (pos_before(pos_next(t, lo), hi) &&
	    gap_find_between(t, pos_next(t, lo), pos_prev(t, hi), length, true, &hit)) {
		*pnext = found(t, hit);
		return pos_start(t, hit);
	}
	gs = MAX(pos_prev_end(t, lo), low);
	ge = pos_start(t, lo);
	if (ge > gs && ge - gs >= length) {
		*pnext = found(t, lo);
		return ge;
	}
	return 0;
}

unsigned long vma_tree_gap_lowest(struct vma_tree *t, unsigned long low, unsigned long high,
				  unsigned long length, struct vm_area_struct **pnext)
{
	struct vma_pos hi, lo, hit;
	unsigned long gs, ge;

	if (high <= low || high - low < length)
		return -1UL;
	lo = pos_find(t, low);
	gs = MAX(pos_prev_end(t, lo), low);
	ge = pos_at_end(t, lo) ? high : MIN(pos_start(t, lo), high);
	if (ge > gs && ge - gs >= length) {
		*pnext = found(t, lo);
		return gs;
	}
	hi = pos_find(t, high - 1);
	if (!pos_before(lo, hi))
		return -1UL;
	if (pos_before(pos_next(t, lo), hi) &&
	    gap_find_between(t, pos_next(t, lo), pos_prev(t, hi), length, false, &hit)) {
		*pnext = found(t, hit);
		return pos_prev_end(t, hit);
	}
	gs = pos_prev_end(t, hi);
	ge = pos_at_end(t, hi) ? high : MIN(pos_start(t, hi), high);
	if (ge > gs && ge - gs >= length) {
		*pnext = found(t, hi);
		return gs;
	}
	return -1UL;
}

/* The gap summaries: every leaf's is its largest gap, every node the max of its children. */
static int gap_check(const struct vma_tree *t, char *why, size_t why_size)
{
	const unsigned long *g = t->gap;
	size_t k, base = (size_t)t->gap_base;
	int i;

	if (!t->cap_leaves)
		return 0;
	if (base < (size_t)t->cap_leaves || (base & (base - 1)) || !g) {
		snprintf(why, why_size, "vma tree: gap tree of %zu leaves for %d", base, t->cap_leaves);
		return -EUCLEAN;
	}
	for (i = 0; i < (int)base; i++) {
		unsigned long want = i < t->nr_leaves ? leaf_gap(t, i) : 0, have = g[base + (size_t)i];
		bool stale = i < t->nr_leaves && t->leaves[i]->gap_stale;

		if (stale ? have < want : have != want) {
			snprintf(why, why_size, "vma tree: leaf %d gap summary %#lx, largest gap %#lx%s",
				 i, have, want, stale ? " (stale: an upper bound)" : "");
			return -EUCLEAN;
		}
	}
	for (k = base - 1; k >= 1; k--)
		if (g[k] != MAX(g[2 * k], g[2 * k + 1])) {
			snprintf(why, why_size, "vma tree: gap node %zu is %#lx, its children %#lx %#lx",
				 k, g[k], g[2 * k], g[2 * k + 1]);
			return -EUCLEAN;
		}
	return 0;
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
			if (l->end[s] <= prev || !v || l->v[s] != v || v->vm_end != l->end[s] ||
			    v->vm_start != l->start[s]) {
				snprintf(why, why_size, "vma tree: entry %d (key %#lx) out of order or "
					 "not the list's VMA", n, l->end[s]);
				return -EUCLEAN;
			}
			prev = l->end[s];
			v = v->vm_next;
		}
		if (l->nz_valid) {
			uint32_t want = 0;

			for (s = 1; s < l->nr; s++)
				want |= nz_bit(l, s);
			if (l->nz != want) {
				snprintf(why, why_size, "vma tree: leaf %d non-empty gap mask %#x, "
					 "its gaps say %#x", i, l->nz, want);
				return -EUCLEAN;
			}
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
	return gap_check(t, why, why_size);
}
