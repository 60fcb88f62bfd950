/*
 * vma.c - virtual memory areas: lookup, linking, splitting and merging, and the per-type
 * counters (total_vm, data_vm, exec_vm, stack_vm).
 *
 * Model. An mm's VMAs form an address-ordered doubly linked list (vm_prev/vm_next, for O(1)
 * neighbours) indexed by the vma_tree (for O(log n) lookup). Every change of a VMA's range goes
 * through vma_set_range() and every change of its flags through vma_set_flags(), so the index
 * keys and the counters never drift.
 *
 * Merge rules (the kernel's, mm/vma.c): two adjacent ranges merge when their flags are equal
 * ignoring VM_SOFTDIRTY, neither is VM_SPECIAL, they map the same file description (or none),
 * their page offsets are contiguous, their anonymous names are equal, and their anon_vmas are
 * compatible: equal, or one absent and the other not inherited through fork (a fork child's
 * anon_vma chain is longer than one).
 *
 * Allocation: VMAs come from a small per-mm reserve filled by vma_prealloc() before an
 * operation changes anything (FAULT_VMA can make it fail), so splits and inserts in the middle
 * of an operation cannot fail: a failed syscall leaves the address space as it found it.
 * Every copy of a VMA (split, fork, mremap) is made by vm_area_dup() and owns a private copy
 * of the anonymous name, from mm_meta_zalloc (FAULT_MISC). An operation that copies VMAs after
 * it has changed something (a split after another split, the unmap after mremap's copy)
 * reserves those name copies too (vma_prealloc_split, vma_prealloc_names); vm_area_dup takes
 * a reserved copy with the right text, or allocates one before changing anything.
 */
#include "vm/internal.h"

#include <mmlab/fault_inject.h>

static struct vma_reserve *reserve_of(struct mm_struct *mm)
{
	return &mm->reserve;
}

int vma_prealloc(struct mm_struct *mm, int nr_vmas)
{
	struct vma_reserve *r = reserve_of(mm);
	int err;

	MM_BUG_ON(nr_vmas > VMA_RESERVE_MAX);
	/* The usual case, everything in reserve: none of the calls below would do anything. */
	if (r->nr >= nr_vmas && !mm->anon_chain_max && vma_tree_has_room(&mm->mm_mt, nr_vmas + 1))
		return 0;
	while (r->nr < nr_vmas) {
		struct vm_area_struct *v;

		if (should_fail(mm->machine, FAULT_VMA, 0))
			return -ENOMEM;
		v = kmem_cache_zalloc(mm->machine->vm->vm_area_cachep, GFP_KERNEL);
		if (!v)
			return -ENOMEM;
		r->v[r->nr++] = v;
	}
	/* each copy links to as many anon_vmas as the longest chain; a merge may take one more */
	if (mm->anon_chain_max) {
		err = avc_prealloc(mm, (nr_vmas + 1) * mm->anon_chain_max);
		if (err)
			return err;
	}
	err = vma_tree_prealloc(mm->machine, &mm->mm_mt, nr_vmas + 1);
	return err;
}

struct vm_area_struct *vma_from_reserve(struct mm_struct *mm)
{
	struct vma_reserve *r = reserve_of(mm);
	struct vm_area_struct *v;

	MM_BUG_ON(r->nr == 0);
	v = r->v[--r->nr];
	memset(v, 0, sizeof(*v));
	v->vm_mm = mm;
	INIT_LIST_HEAD(&v->anon_vma_chain);
	return v;
}

char *anon_name_dup(struct machine *m, const char *name, size_t len)
{
	char *copy = mm_meta_zalloc(m, len + 1);

	if (copy)
		memcpy(copy, name, len);
	return copy;
}

void anon_name_free(struct machine *m, char *name)
{
	mm_meta_free(m, name);
}

static bool names_equal(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Remove reserved name @i, keeping the others in age order. */
static char *take_reserved_name(struct vma_reserve *r, int i)
{
	char *name = r->names[i];

	memmove(&r->names[i], &r->names[i + 1],
		sizeof(r->names[0]) * (size_t)(r->nr_names - i - 1));
	r->nr_names--;
	return name;
}

static int reserved_name_index(const struct vma_reserve *r, const char *name)
{
	int i;

	for (i = 0; i < r->nr_names; i++)
		if (!strcmp(r->names[i], name))
			return i;
	return -1;
}

/*
 * Have at least @want reserved copies of @name. Copies left by an earlier operation that took
 * another path (a merge instead of a split) count if equal and are otherwise evicted, oldest
 * first, when the reserve is full. An operation needs at most 3 copies, all newer than every
 * leftover, so eviction never takes one it reserved.
 */
static int reserve_name_copies(struct mm_struct *mm, const char *name, int want)
{
	struct vma_reserve *r = reserve_of(mm);
	int have = 0, i;

	for (i = 0; i < r->nr_names; i++)
		have += !strcmp(r->names[i], name);
	while (have < want) {
		char *copy;

		if (r->nr_names == VMA_RESERVE_MAX) {
			for (i = 0; i < r->nr_names && !strcmp(r->names[i], name); i++)
				;
			MM_BUG_ON(i == r->nr_names);
			anon_name_free(mm->machine, take_reserved_name(r, i));
		}
		copy = anon_name_dup(mm->machine, name, strlen(name));
		if (!copy)
			return -ENOMEM;
		r->names[r->nr_names++] = copy;
		have++;
	}
	return 0;
}

int vma_prealloc_names(struct mm_struct *mm, struct vm_area_struct *const *v, int nr)
{
	int i, j, err;

	MM_BUG_ON(nr > 3);
	for (i = 0; i < nr; i++) {
		int want = 0;

		if (!v[i] || !v[i]->anon_name)
			continue;
		for (j = 0; j <= i; j++)
			want += v[j] && names_equal(v[j]->anon_name, v[i]->anon_name);
		err = reserve_name_copies(mm, v[i]->anon_name, want);
		if (err)
			return err;
	}
	return 0;
}

int vma_prealloc_split(struct mm_struct *mm, int nr_vmas, unsigned long start, unsigned long end)
{
	struct vm_area_struct *first, *last = NULL;
	struct vm_area_struct *cut[2] = { NULL, NULL };
	int err;

	if (!mm->has_anon_names)	/* no VMA of this mm was ever named: no lookups */
		return vma_prealloc(mm, nr_vmas);
	first = find_vma(mm, start);
	if (first && first->vm_start < start)
		cut[0] = first;
	if (end > start) {
		/* The first VMA ending above start is also the first ending above end - 1 if it
		 * covers end - 1: one lookup in the common case of a range inside one VMA. */
		last = first && end - 1 < first->vm_end ? first : find_vma(mm, end - 1);
		if (last && last->vm_start < end && last->vm_end > end)
			cut[1] = last;
	}
	err = vma_prealloc(mm, nr_vmas);
	if (err)
		return err;
	return vma_prealloc_names(mm, cut, 2);
}

struct vm_area_struct *vm_area_dup(struct mm_struct *mm, const struct vm_area_struct *orig)
{
	struct vma_reserve *r = reserve_of(mm);
	struct vm_area_struct *new;
	char *name = NULL;

	if (orig->anon_name) {
		int i = reserved_name_index(r, orig->anon_name);
		size_t len = strlen(orig->anon_name);

		name = i >= 0 ? take_reserved_name(r, i) :
				anon_name_dup(mm->machine, orig->anon_name, len);
		if (!name)
			return NULL;
	}
	new = vma_from_reserve(mm);
	*new = *orig;
	new->vm_mm = mm;
	new->vm_prev = new->vm_next = NULL;
	new->vm_file = orig->vm_file ? mm_file_get(orig->vm_file) : NULL;
	new->anon_vma = NULL;	/* the caller links it: anon_vma_clone_reserved, anon_vma_fork */
	INIT_LIST_HEAD(&new->anon_vma_chain);
	new->anon_name = name;
	if (name)
		mm->has_anon_names = true;
	return new;
}

void vm_area_free(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vma_reserve *r = reserve_of(mm);

	unlink_anon_vmas(vma);
	if (vma->vm_file)
		mm_file_put(vma->vm_file);
	anon_name_free(mm->machine, vma->anon_name);
	vma->vm_file = NULL;
	vma->anon_name = NULL;
	if (r->nr < VMA_RESERVE_MAX) {
		r->v[r->nr++] = vma;
		return;
	}
	kmem_cache_free(mm->machine->vm->vm_area_cachep, vma);
}

void vma_free_reserve(struct mm_struct *mm)
{
	struct vma_reserve *r = reserve_of(mm);

	while (r->nr)
		kmem_cache_free(mm->machine->vm->vm_area_cachep, r->v[--r->nr]);
	while (r->nr_names)
		anon_name_free(mm->machine, r->names[--r->nr_names]);
	avc_free_reserve(mm);
}

/* ---- lookup ---------------------------------------------------------------------------------- */

struct vm_area_struct *find_vma_wr(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	if (vma)
		mm->mmap_cache = vma;
	return vma;
}

struct vm_area_struct *find_vma_prev(struct mm_struct *mm, unsigned long addr,
				     struct vm_area_struct **pprev)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	*pprev = vma ? vma->vm_prev : mm->mmap_last;
	return vma;
}

struct vm_area_struct *find_vma_intersection(struct mm_struct *mm, unsigned long start,
					     unsigned long end)
{
	struct vm_area_struct *vma = find_vma(mm, start);

	if (vma && end <= vma->vm_start)
		vma = NULL;
	return vma;
}

struct vm_area_struct *vma_lookup(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	if (vma && addr < vma->vm_start)
		vma = NULL;
	return vma;
}

/* ---- counters -------------------------------------------------------------------------------- */

void vm_stat_account(struct mm_struct *mm, unsigned long flags, long npages)
{
	mm->total_vm += (unsigned long)npages;
	if ((flags & (VM_EXEC | VM_WRITE | VM_GROWSDOWN)) == VM_EXEC)
		mm->exec_vm += (unsigned long)npages;
	else if (flags & VM_GROWSDOWN)
		mm->stack_vm += (unsigned long)npages;
	else if ((flags & (VM_WRITE | VM_SHARED | VM_GROWSDOWN)) == VM_WRITE)
		mm->data_vm += (unsigned long)npages;
	if (flags & VM_LOCKED)
		mm->locked_vm += (unsigned long)npages;
	if (mm->total_vm > mm->hiwater_vm)
		mm->hiwater_vm = mm->total_vm;
}

/* ---- link, unlink, ranges -------------------------------------------------------------------- */

void vma_link(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vm_area_struct *next = find_vma(mm, vma->vm_start);
	struct vm_area_struct *prev = next ? next->vm_prev : mm->mmap_last;

	VM_BUG_ON(next && next->vm_start < vma->vm_end);
	VM_BUG_ON(prev && prev->vm_end > vma->vm_start);
	vma->vm_mm = mm;
	vma->vm_prev = prev;
	vma->vm_next = next;
	if (prev)
		prev->vm_next = vma;
	else
		mm->mmap = vma;
	if (next)
		next->vm_prev = vma;
	else
		mm->mmap_last = vma;
	vma_tree_insert(&mm->mm_mt, vma);
	/* What is linked is what is looked up next (munmap of a new mapping, a split's half). */
	mm->mmap_cache = vma;
	mm->map_count++;
	vm_stat_account(mm, vma->vm_flags, (long)vma_pages(vma));
}

void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma)
{
	/* The VMA after it answers the lookups of the hole it leaves (unmap_region's first). */
	mm->mmap_cache = vma->vm_next;
	vma_tree_erase(mm->machine, &mm->mm_mt, vma);
	if (vma->vm_prev)
		vma->vm_prev->vm_next = vma->vm_next;
	else
		mm->mmap = vma->vm_next;
	if (vma->vm_next)
		vma->vm_next->vm_prev = vma->vm_prev;
	else
		mm->mmap_last = vma->vm_prev;
	vma->vm_prev = vma->vm_next = NULL;
	mm->map_count--;
	vm_stat_account(mm, vma->vm_flags, -(long)vma_pages(vma));
}

int insert_vm_struct(struct mm_struct *mm, struct vm_area_struct *vma)
{
	if (find_vma_intersection(mm, vma->vm_start, vma->vm_end))
		return -ENOMEM;
	vma_link(mm, vma);
	return 0;
}

void vma_set_range(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long start,
		   unsigned long end, unsigned long pgoff)
{
	unsigned long old_start = vma->vm_start, old_end = vma->vm_end;

	vm_stat_account(mm, vma->vm_flags, -(long)vma_pages(vma));
	vma->vm_start = start;
	vma->vm_end = end;
	vma->vm_pgoff = pgoff;
	if (end != old_end || start != old_start)
		vma_tree_rekey(&mm->mm_mt, vma, old_end);
	vm_stat_account(mm, vma->vm_flags, (long)vma_pages(vma));
}

void vma_set_flags(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long flags)
{
	vm_stat_account(mm, vma->vm_flags, -(long)vma_pages(vma));
	vma->vm_flags = flags;
	vm_stat_account(mm, vma->vm_flags, (long)vma_pages(vma));
}

/* ---- anon_vma compatibility (the anon_vmas themselves: rmap.c) ---------------------------- */

static bool anon_is_fork_child(const struct vm_area_struct *vma)
{
	return vma && vma->anon_vma && !anon_vma_chain_singular(vma);
}

bool is_mergeable_anon(const struct vm_area_struct *tgt, const struct anon_vma *src_anon,
		       const struct vm_area_struct *src)
{
	if (!tgt->anon_vma && src_anon)
		return !anon_is_fork_child(src);
	if (tgt->anon_vma && !src_anon)
		return !anon_is_fork_child(tgt);
	return tgt->anon_vma == src_anon;
}

/* ---- split ---------------------------------------------------------------------------------- */

int __split_vma(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr, int new_below)
{
	struct vm_area_struct *new;
	unsigned long pgoff_at = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	int err;

	VM_BUG_ON(addr <= vma->vm_start || addr >= vma->vm_end || addr & ~PAGE_MASK);
	/* Special mappings ([vdso], [vvar], [vvar_vclock]) refuse splits (their may_split). */
	if (vma->special != VMA_NORMAL)
		return -EINVAL;
	err = vma_prealloc(mm, 1);
	if (err)
		return err;
	new = vm_area_dup(mm, vma);
	if (!new)
		return -ENOMEM;
	anon_vma_clone_reserved(new, vma);
	if (new_below) {
		new->vm_end = addr;
		vma_set_range(mm, vma, addr, vma->vm_end, pgoff_at);
	} else {
		new->vm_start = addr;
		new->vm_pgoff = pgoff_at;
		vma_set_range(mm, vma, vma->vm_start, addr, vma->vm_pgoff);
	}
	vma_link(mm, new);
	return 0;
}

int split_vma(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr, int new_below)
{
	if (mm->map_count >= vm_of(mm)->max_map_count)
		return -ENOMEM;
	return __split_vma(mm, vma, addr, new_below);
}

/* ---- merge ----------------------------------------------------------------------------------- */

static bool is_mergeable_vma(const struct vm_area_struct *vma, const struct vma_merge_desc *d)
{
	if ((vma->vm_flags ^ d->flags) & ~VM_SOFTDIRTY)
		return false;
	if (vma->vm_file != d->file)
		return false;
	if (vma->special != VMA_NORMAL)
		return false;
	return names_equal(vma->anon_name, d->anon_name);
}

/* Can @d be appended to @prev? */
static bool can_merge_after(const struct vm_area_struct *prev, const struct vma_merge_desc *d)
{
	return prev && prev->vm_end == d->start && is_mergeable_vma(prev, d) &&
	       is_mergeable_anon(prev, d->anon_vma, d->middle) &&
	       prev->vm_pgoff + vma_pages(prev) == d->pgoff;
}

/* Can @d be prepended to @next? */
static bool can_merge_before(const struct vm_area_struct *next, const struct vma_merge_desc *d)
{
	return next && next->vm_start == d->end && is_mergeable_vma(next, d) &&
	       is_mergeable_anon(next, d->anon_vma, d->middle) &&
	       d->pgoff + ((d->end - d->start) >> PAGE_SHIFT) == next->vm_pgoff;
}

/* prev and next both merge with the range: are their anon_vmas compatible with each other? */
static bool prev_next_compatible(const struct vm_area_struct *prev,
				 const struct vm_area_struct *next)
{
	return is_mergeable_anon(prev, next->anon_vma, next);
}

/* A merge target without an anon_vma takes its merged neighbour's (dup_anon_vma). */
void take_anon(struct vm_area_struct *tgt, const struct vm_area_struct *src)
{
	if (!tgt->anon_vma && src->anon_vma)
		anon_vma_clone_reserved(tgt, src);
}

struct vm_area_struct *vma_merge_new_range(struct mm_struct *mm, struct vma_merge_desc *d)
{
	struct vm_area_struct *next = find_vma(mm, d->start);
	struct vm_area_struct *prev = next ? next->vm_prev : mm->mmap_last;
	bool left, right;

	if (d->flags & VM_SPECIAL)
		return NULL;
	if (next && next->vm_start < d->end)
		return NULL;
	left = can_merge_after(prev, d);
	right = can_merge_before(next, d);
	if (left && right && !prev_next_compatible(prev, next))
		right = false;
	if (left && right) {
		unsigned long end = next->vm_end;

		take_anon(prev, next);
		prev->populated |= next->populated;
		vma_unlink(mm, next);
		vm_area_free(mm, next);
		vma_set_range(mm, prev, prev->vm_start, end, prev->vm_pgoff);
		return prev;
	}
	if (left) {
		vma_set_range(mm, prev, prev->vm_start, d->end, prev->vm_pgoff);
		return prev;
	}
	if (right) {
		vma_set_range(mm, next, d->start, next->vm_end, d->pgoff);
		return next;
	}
	return NULL;
}

/*
 * Merge [start, end) of @middle (with its new flags in @d) into a neighbour, as the kernel's
 * vma_merge_existing_range(). Returns the VMA now covering the range or NULL (nothing changed).
 */
static struct vm_area_struct *vma_merge_existing_range(struct mm_struct *mm,
						       struct vma_merge_desc *d)
{
	struct vm_area_struct *middle = d->middle;
	struct vm_area_struct *prev = middle->vm_prev, *next = middle->vm_next;
	bool left_side = d->start == middle->vm_start, right_side = d->end == middle->vm_end;
	bool left = false, right = false;

	if ((d->flags & VM_SPECIAL) || middle->special != VMA_NORMAL || (!left_side && !right_side))
		return NULL;
	if (left_side)
		left = can_merge_after(prev, d);
	if (right_side)
		right = can_merge_before(next, d);
	if (left && right && !prev_next_compatible(prev, next))
		right = false;
	if (!left && !right)
		return NULL;

	if (left && right) {
		unsigned long end = next->vm_end;

		take_anon(prev, middle);
		take_anon(prev, next);
		prev->populated |= middle->populated | next->populated;
		vma_unlink(mm, middle);
		vm_area_free(mm, middle);
		vma_unlink(mm, next);
		vm_area_free(mm, next);
		vma_set_range(mm, prev, prev->vm_start, end, prev->vm_pgoff);
		return prev;
	}
	if (left) {
		take_anon(prev, middle);
		prev->populated |= middle->populated;
		if (right_side) {
			vma_unlink(mm, middle);
			vm_area_free(mm, middle);
		} else {
			vma_set_range(mm, middle, d->end, middle->vm_end,
				      middle->vm_pgoff + ((d->end - middle->vm_start) >> PAGE_SHIFT));
		}
		vma_set_range(mm, prev, prev->vm_start, d->end, prev->vm_pgoff);
		return prev;
	}
	/* right */
	take_anon(next, middle);
	next->populated |= middle->populated;
	if (left_side) {
		vma_unlink(mm, middle);
		vm_area_free(mm, middle);
	} else {
		vma_set_range(mm, middle, middle->vm_start, d->start, middle->vm_pgoff);
	}
	vma_set_range(mm, next, d->start, next->vm_end, d->pgoff);
	return next;
}

long vma_modify_flags(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long start,
		      unsigned long end, unsigned long flags, struct vm_area_struct **out)
{
	struct vma_merge_desc d = {
		.start = start, .end = end, .flags = flags, .file = vma->vm_file,
		.pgoff = vma->vm_pgoff + ((start - vma->vm_start) >> PAGE_SHIFT),
		.anon_vma = vma->anon_vma, .anon_name = vma->anon_name, .middle = vma,
	};
	struct vm_area_struct *merged;
	int err;

	/* Reserve before merging so a merge never half-happens: a split may follow none. */
	err = vma_prealloc_split(mm, 2, start, end);
	if (err)
		return err;
	merged = vma_merge_existing_range(mm, &d);
	if (merged) {
		vma_set_flags(mm, merged, flags);
		*out = merged;
		return 0;
	}
	if (vma->vm_start < start) {
		err = split_vma(mm, vma, start, 1);
		if (err)
			return err;
	}
	if (vma->vm_end > end) {
		err = split_vma(mm, vma, end, 0);
		if (err)
			return err;
	}
	vma_set_flags(mm, vma, flags);
	*out = vma;
	return 0;
}
