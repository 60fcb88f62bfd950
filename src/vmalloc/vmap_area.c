/*
 * vmap_area.c - the bookkeeping of the vmalloc area: which ranges are busy, which are free,
 * which wait for the lazy TLB purge.
 *
 * Model (the kernel's mm/vmalloc.c): the kernel address space the trees manage,
 * [VMAP_SPACE_START, VMAP_SPACE_END) - all of it, as the kernel's vmap_init_free_space() starts
 * them, so that execmem can take module space ([MODULES_VADDR, MODULES_END)) with the same
 * calls that vmalloc uses for [VMALLOC_START, VMALLOC_END) - is partitioned into vmap_areas. Free ones sit in the free tree, ordered by address and augmented with
 * subtree_max_size = max(va_size(va), left->subtree_max_size, right->subtree_max_size), so the
 * lowest free range that fits a request is found in O(log n) without visiting subtrees that
 * cannot hold it. Busy ones sit in the busy tree, found by address on vfree(). A freed area
 * goes to the purge list with its PTEs cleared; its range is reused only after a purge, which
 * merges the waiting areas into the free tree with one TLB flush for all of them. A purge runs
 * when more than lazy_max_pages() pages wait, and once on any allocation that finds no room.
 *
 * Allocation: the lowest free va with room for @size at @align inside [vstart, vend) is cut
 * into at most three pieces; the piece in the middle is the new busy area and the remains stay
 * free (the kernel's FL/LE/RE/NE fit types: a fit in the middle needs one more descriptor,
 * which is preallocated before the lock, as the kernel's ne_fit_preload). Freeing merges with
 * the free neighbours on either side.
 *
 * Why a treap and not an rbtree: the same O(log n) searches, with an augmented value kept by
 * two recursive operations (split and merge) instead of the rbtree's rotation callbacks, and
 * priorities from a hash of the address, so the shape is the same on every run. Both trees also
 * keep their areas on an address-ordered list (va->list), as the kernel does, for neighbours
 * and for /proc/vmallocinfo.
 */
#include "vmalloc/internal.h"

#include <mmlab/slab.h>

#include "pgtable/pgtable.h"
#include "vm/mm_types.h"

static uint64_t va_prio(unsigned long key)
{
	uint64_t z = key * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	return z ^ (z >> 31);
}

static unsigned long sub_max(const struct vmap_area *va)
{
	return va ? va->subtree_max_size : 0;
}

static void va_update(struct vmap_tree *t, struct vmap_area *va)
{
	if (t->augment)
		va->subtree_max_size = MAX(va_size(va), MAX(sub_max(va->left), sub_max(va->right)));
}

/* Split @n into keys < @key (*l) and >= @key (*r). */
static void treap_split(struct vmap_tree *t, struct vmap_area *n, unsigned long key,
			struct vmap_area **l, struct vmap_area **r)
{
	if (!n) {
		*l = *r = NULL;
	} else if (n->va_start < key) {
		treap_split(t, n->right, key, &n->right, r);
		va_update(t, n);
		*l = n;
	} else {
		treap_split(t, n->left, key, l, &n->left);
		va_update(t, n);
		*r = n;
	}
}

/* Merge @l and @r, every key of @l below every key of @r. */
static struct vmap_area *treap_merge(struct vmap_tree *t, struct vmap_area *l, struct vmap_area *r)
{
	if (!l)
		return r;
	if (!r)
		return l;
	if (l->prio > r->prio) {
		l->right = treap_merge(t, l->right, r);
		va_update(t, l);
		return l;
	}
	r->left = treap_merge(t, l, r->left);
	va_update(t, r);
	return r;
}

static struct vmap_area *treap_insert(struct vmap_tree *t, struct vmap_area *n, struct vmap_area *va)
{
	if (!n)
		return va;
	if (va->prio > n->prio) {
		treap_split(t, n, va->va_start, &va->left, &va->right);
		va_update(t, va);
		return va;
	}
	if (va->va_start < n->va_start)
		n->left = treap_insert(t, n->left, va);
	else
		n->right = treap_insert(t, n->right, va);
	va_update(t, n);
	return n;
}

static struct vmap_area *treap_erase(struct vmap_tree *t, struct vmap_area *n, struct vmap_area *va)
{
	MM_BUG_ON(!n);	/* not in the tree */
	if (n == va)
		return treap_merge(t, va->left, va->right);
	if (va->va_start < n->va_start)
		n->left = treap_erase(t, n->left, va);
	else
		n->right = treap_erase(t, n->right, va);
	va_update(t, n);
	return n;
}

/* The area with the greatest va_start <= @addr, or NULL. */
static struct vmap_area *treap_floor(struct vmap_tree *t, unsigned long addr)
{
	struct vmap_area *n = t->root, *best = NULL;

	while (n) {
		if (n->va_start <= addr) {
			best = n;
			n = n->right;
		} else {
			n = n->left;
		}
	}
	return best;
}

/* Insert @va in @t and on its list after its predecessor. */
static void vmap_tree_insert(struct vmap_tree *t, struct vmap_area *va)
{
	struct vmap_area *prev = treap_floor(t, va->va_start);

	va->left = va->right = NULL;
	va->prio = va_prio(va->va_start);
	va->subtree_max_size = va_size(va);
	t->root = treap_insert(t, t->root, va);
	list_add(&va->list, prev ? &prev->list : &t->head);
	t->nr++;
}

static void vmap_tree_erase(struct vmap_tree *t, struct vmap_area *va)
{
	t->root = treap_erase(t, t->root, va);
	list_del(&va->list);
	va->left = va->right = NULL;
	t->nr--;
}

/* Re-augment after @va's size changed: erase and insert (its key may have changed too). */
static void vmap_tree_resize(struct vmap_tree *t, struct vmap_area *va, unsigned long start,
			     unsigned long end)
{
	vmap_tree_erase(t, va);
	va->va_start = start;
	va->va_end = end;
	vmap_tree_insert(t, va);
}

struct vmap_area *vmap_tree_find(struct vmap_tree *t, unsigned long addr)
{
	struct vmap_area *va = treap_floor(t, addr);

	return va && addr < va->va_end ? va : NULL;
}

/* Does @va hold @size bytes at @align at or above @vstart, ending at or below @vend? */
static bool va_fits(const struct vmap_area *va, unsigned long size, unsigned long align,
		    unsigned long vstart, unsigned long vend, unsigned long *addr)
{
	unsigned long a = ALIGN_UP(MAX(va->va_start, vstart), align);

	if (a < va->va_start || a + size < a || a + size > va->va_end || a + size > vend)
		return false;
	*addr = a;
	return true;
}

/*
 * The lowest free area that fits: a subtree whose subtree_max_size is below @size cannot hold
 * it at any alignment, and one that lies wholly below @vstart is not visited either.
 */
static struct vmap_area *lowest_fit(struct vmap_area *n, unsigned long size, unsigned long align,
				    unsigned long vstart, unsigned long vend, unsigned long *addr)
{
	struct vmap_area *r;

	while (n && n->subtree_max_size >= size) {
		if (n->va_start >= vend)
			n = n->left;
		else if (n->va_end <= vstart)
			n = n->right;
		else
			break;
	}
	if (!n || n->subtree_max_size < size)
		return NULL;
	if (n->va_start > vstart && (r = lowest_fit(n->left, size, align, vstart, vend, addr)))
		return r;
	if (va_size(n) >= size && va_fits(n, size, align, vstart, vend, addr))
		return n;
	return lowest_fit(n->right, size, align, vstart, vend, addr);
}

/*
 * Cut [addr, addr + size) out of the free area @va: @spare becomes the lower remains when both
 * sides remain (and is consumed: *spare set to NULL). @va is freed when nothing remains.
 */
static void va_clip(struct machine *m, struct vmap_area *va, unsigned long addr,
		    unsigned long size, struct vmap_area **spare)
{
	struct vmalloc_state *vs = vms(m);
	unsigned long end = addr + size;

	if (addr == va->va_start && end == va->va_end) {		/* full fit */
		vmap_tree_erase(&vs->free, va);
		mm_meta_free(m, va);
	} else if (addr == va->va_start) {				/* left edge */
		vmap_tree_resize(&vs->free, va, end, va->va_end);
	} else if (end == va->va_end) {					/* right edge */
		vmap_tree_resize(&vs->free, va, va->va_start, addr);
	} else {							/* in the middle */
		struct vmap_area *lo = *spare;

		*spare = NULL;
		lo->va_start = va->va_start;
		lo->va_end = addr;
		vmap_tree_resize(&vs->free, va, end, va->va_end);
		vmap_tree_insert(&vs->free, lo);
	}
}

/* Put @va into the free tree, merged with the free areas that touch it. Lock held. */
static void merge_or_add_vmap_area(struct machine *m, struct vmap_area *va)
{
	struct vmalloc_state *vs = vms(m);
	struct vmap_area *prev = treap_floor(&vs->free, va->va_start), *next;

	next = prev ? (prev->list.next != &vs->free.head ?
		       list_entry(prev->list.next, struct vmap_area, list) : NULL)
		    : (list_empty(&vs->free.head) ? NULL
						  : list_entry(vs->free.head.next, struct vmap_area, list));
	va->vm = NULL;
	va->vb = NULL;
	va->flags = 0;
	va->nr_mapped = 0;
	if (next && next->va_start == va->va_end) {
		if (prev && prev->va_end == va->va_start) {
			unsigned long end = next->va_end;

			vmap_tree_erase(&vs->free, next);
			mm_meta_free(m, next);
			vmap_tree_resize(&vs->free, prev, prev->va_start, end);
		} else {
			vmap_tree_resize(&vs->free, next, va->va_start, next->va_end);
		}
		mm_meta_free(m, va);
	} else if (prev && prev->va_end == va->va_start) {
		vmap_tree_resize(&vs->free, prev, prev->va_start, va->va_end);
		mm_meta_free(m, va);
	} else {
		vmap_tree_insert(&vs->free, va);
	}
}

void purge_vmap_area_lazy_locked(struct machine *m)
{
	struct vmalloc_state *vs = vms(m);

	vs->purging = true;	/* blocks freed here join the list without a nested purge */
	purge_fragmented_blocks_locked(m);
	vs->purging = false;
	if (list_empty(&vs->purge_list))
		return;
	/* One flush_tlb_kernel_range() over everything that waits, then the ranges are free. */
	while (!list_empty(&vs->purge_list)) {
		struct vmap_area *va = list_entry(vs->purge_list.next, struct vmap_area, list);

		list_del(&va->list);
		vs->vmap_lazy_nr -= va_size(va) >> PAGE_SHIFT;
		merge_or_add_vmap_area(m, va);
	}
	vs->nr_purges++;
}

/* Would cutting [addr, addr + size) out of @va leave free room on both sides? */
static bool va_needs_spare(const struct vmap_area *va, unsigned long addr, unsigned long size)
{
	return addr != va->va_start && addr + size != va->va_end;
}

struct vmap_area *alloc_vmap_area(struct machine *m, unsigned long size, unsigned long align,
				  unsigned long vstart, unsigned long vend, gfp_t gfp,
				  struct vm_struct *vm, int *err)
{
	struct vmalloc_state *vs = vms(m);
	struct vmap_area *va, *spare = NULL, *fit;
	unsigned long addr = 0;
	bool purged = false;

	MM_BUG_ON(!size || size & ~PAGE_MASK || !align || (align & (align - 1)));
	va = mm_meta_zalloc(m, sizeof(*va));
	if (!va) {
		*err = -ENOMEM;
		return NULL;
	}
	mm_lock(&vs->lock);
retry:
	fit = lowest_fit(vs->free.root, size, align, vstart, vend, &addr);
	if (fit && !spare && va_needs_spare(fit, addr, size)) {
		/* A fit in the middle needs a second descriptor: taken outside the lock, then look again. */
		mm_unlock(&vs->lock);
		spare = mm_meta_zalloc(m, sizeof(*spare));
		if (!spare) {
			mm_meta_free(m, va);
			*err = -ENOMEM;
			return NULL;
		}
		mm_lock(&vs->lock);
		goto retry;
	}
	if (!fit) {
		if (!purged) {
			purge_vmap_area_lazy_locked(m);
			purged = true;
			vs->nr_alloc_retries++;
			goto retry;
		}
		mm_unlock(&vs->lock);
		if (!(gfp & __GFP_NOWARN))
			printk(m, "vmalloc_node_range for size %lu failed: Address range restricted to %#lx - %#lx\n",
			       size, vstart, vend);
		mm_meta_free(m, spare);
		mm_meta_free(m, va);
		*err = -EBUSY;
		return NULL;
	}
	va_clip(m, fit, addr, size, &spare);
	va->va_start = addr;
	va->va_end = addr + size;
	va->vm = vm;
	if (vm)
		vm->addr = addr;
	vmap_tree_insert(&vs->busy, va);
	mm_unlock(&vs->lock);
	mm_meta_free(m, spare);
	return va;
}

void free_vmap_area_locked(struct machine *m, struct vmap_area *va)
{
	vmap_tree_erase(&vms(m)->busy, va);
	merge_or_add_vmap_area(m, va);
}

void free_vmap_area_noflush(struct machine *m, struct vmap_area *va)
{
	struct vmalloc_state *vs = vms(m);

	mm_lock_assert_held(&vs->lock);
	vmap_tree_erase(&vs->busy, va);
	va->vm = NULL;
	va->nr_mapped = 0;
	list_add_tail(&va->list, &vs->purge_list);
	vs->vmap_lazy_nr += va_size(va) >> PAGE_SHIFT;
	if (vs->vmap_lazy_nr > vs->lazy_max && !vs->purging)
		purge_vmap_area_lazy_locked(m);
}

int vmap_trees_init(struct machine *m)
{
	struct vmalloc_state *vs = vms(m);
	struct vmap_area *va;

	vs->busy.augment = false;
	vs->free.augment = true;
	INIT_LIST_HEAD(&vs->busy.head);
	INIT_LIST_HEAD(&vs->free.head);
	INIT_LIST_HEAD(&vs->purge_list);
	va = mm_meta_zalloc(m, sizeof(*va));
	if (!va)
		return -ENOMEM;
	va->va_start = VMAP_SPACE_START;
	va->va_end = VMAP_SPACE_END;
	vmap_tree_insert(&vs->free, va);
	return 0;
}

static void free_area_descriptors(struct machine *m, struct list_head *head, bool busy)
{
	while (!list_empty(head)) {
		struct vmap_area *va = list_entry(head->next, struct vmap_area, list);
		struct vm_struct *vm = va->vm;

		list_del(&va->list);
		if (busy && vm) {
			/* Pages still allocated at shutdown are dropped with the machine. */
			if (vm->pages && vm->pages_kmalloced)
				kfree(vm->pages);
			else if (vm->pages && (vm->flags & (VM_ALLOC | VM_MAP_PUT_PAGES)))
				mm_meta_free(m, vm->pages);
			mm_meta_free(m, vm);
		}
		mm_meta_free(m, va);
	}
}

void vmap_trees_exit(struct machine *m)
{
	struct vmalloc_state *vs = vms(m);

	free_area_descriptors(m, &vs->busy.head, true);
	free_area_descriptors(m, &vs->free.head, false);
	free_area_descriptors(m, &vs->purge_list, false);
	vs->busy.root = vs->free.root = NULL;
}

/* ---- the invariant checker ------------------------------------------------------------------- */

#define FAIL(...)						\
	do {							\
		if (why && why_size)				\
			snprintf(why, why_size, __VA_ARGS__);	\
		return -EUCLEAN;				\
	} while (0)

static int check_subtree(const struct vmap_tree *t, const struct vmap_area *n, unsigned long *count,
			 char *why, size_t why_size)
{
	unsigned long want;
	int err;

	if (!n)
		return 0;
	(*count)++;
	if (n->left && (n->left->va_start >= n->va_start || n->left->prio > n->prio))
		FAIL("vmap tree: %#lx left child %#lx out of order", n->va_start, n->left->va_start);
	if (n->right && (n->right->va_start <= n->va_start || n->right->prio > n->prio))
		FAIL("vmap tree: %#lx right child %#lx out of order", n->va_start, n->right->va_start);
	if ((err = check_subtree(t, n->left, count, why, why_size)) ||
	    (err = check_subtree(t, n->right, count, why, why_size)))
		return err;
	want = MAX(va_size(n), MAX(sub_max(n->left), sub_max(n->right)));
	if (t->augment && n->subtree_max_size != want)
		FAIL("free vmap area %#lx-%#lx: subtree_max_size %#lx, should be %#lx", n->va_start,
		     n->va_end, n->subtree_max_size, want);
	return 0;
}

struct range_rec {
	unsigned long start, end;
	char kind;	/* 'f' free, 'b' busy, 'p' purge */
};

static int cmp_range(const void *a, const void *b)
{
	const struct range_rec *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

struct pte_check {
	struct machine *m;
	unsigned long found;
	char *why;
	size_t why_size;
	int err;
};

static int check_kernel_pte(pte_t *pte, unsigned long addr, int level, void *arg)
{
	struct pte_check *c = arg;
	struct vmalloc_state *vs = vms(c->m);
	struct vmap_area *va = vmap_tree_find(&vs->busy, addr);
	unsigned long guard = 0;
	char *why = c->why;
	size_t why_size = c->why_size;

	if (!(pte_val(*pte) & 1))
		FAIL("init_mm: non-present entry %#llx at %#lx", (unsigned long long)pte_val(*pte), addr);
	if (!va)
		FAIL("init_mm: %#lx is mapped (entry %#llx) but in no busy vmap area", addr,
		     (unsigned long long)pte_val(*pte));
	if (va->vm && !(va->vm->flags & VM_NO_GUARD))
		guard = PAGE_SIZE;
	if (addr + (level ? PMD_SIZE : PAGE_SIZE) > va->va_end - guard)
		FAIL("init_mm: %#lx mapped in the guard page of %#lx-%#lx", addr, va->va_start,
		     va->va_end);
	c->found += level ? PTRS_PER_TABLE : 1;
	return 0;
}

int vmap_trees_check(struct machine *m, char *why, size_t why_size)
{
	struct vmalloc_state *vs = vms(m);
	unsigned long n = vs->free.nr + vs->busy.nr, i, count, lazy = 0, mapped = 0, vpages = 0;
	unsigned long nr_purge = 0;
	struct range_rec *r;
	struct vmap_area *va;
	struct pte_check pc = { m, 0, why, why_size, 0 };
	int err = 0;

	vmap_for_each(va, &vs->purge_list)
		nr_purge++;
	r = malloc(sizeof(*r) * (n + nr_purge + 1));
	if (!r)
		return 0;	/* the checker cannot run: not a broken invariant */
	i = 0;
	vmap_for_each(va, &vs->free.head)
		r[i++] = (struct range_rec){ va->va_start, va->va_end, 'f' };
	vmap_for_each(va, &vs->busy.head) {
		r[i++] = (struct range_rec){ va->va_start, va->va_end, 'b' };
		mapped += va->nr_mapped;
		if (va->vm && (va->vm->flags & VM_ALLOC))
			vpages += va->vm->nr_pages;
		if (va->vm && va->vm->nr_pages && va->vm->flags & (VM_ALLOC | VM_MAP))
			for (unsigned int p = 0; p < va->vm->nr_pages; p++)
				if (page_ref_count(va->vm->pages[p]) < 1) {
					snprintf(why, why_size, "vmap area %#lx: page %u has refcount %d",
						 va->va_start, p, page_ref_count(va->vm->pages[p]));
					err = -EUCLEAN;
					goto out;
				}
	}
	vmap_for_each(va, &vs->purge_list) {
		r[i++] = (struct range_rec){ va->va_start, va->va_end, 'p' };
		lazy += va_size(va) >> PAGE_SHIFT;
	}
	if (i != n + nr_purge) {
		snprintf(why, why_size, "vmap trees: %lu areas on the lists, %lu counted", i, n + nr_purge);
		err = -EUCLEAN;
		goto out;
	}
	qsort(r, i, sizeof(*r), cmp_range);
	for (count = 0; count < i; count++) {
		unsigned long prev_end = count ? r[count - 1].end : VMAP_SPACE_START;

		if (r[count].start != prev_end || r[count].end <= r[count].start ||
		    (r[count].start | r[count].end) & ~PAGE_MASK) {
			snprintf(why, why_size, "vmap space not partitioned: %c %#lx-%#lx after %#lx",
				 r[count].kind, r[count].start, r[count].end, prev_end);
			err = -EUCLEAN;
			goto out;
		}
		if (count && r[count].kind == 'f' && r[count - 1].kind == 'f') {
			snprintf(why, why_size, "free vmap areas %#lx-%#lx and %#lx-%#lx not merged",
				 r[count - 1].start, r[count - 1].end, r[count].start, r[count].end);
			err = -EUCLEAN;
			goto out;
		}
	}
	if (i && r[i - 1].end != VMAP_SPACE_END) {
		snprintf(why, why_size, "vmap areas end at %#lx, not %#lx", r[i - 1].end,
			 VMAP_SPACE_END);
		err = -EUCLEAN;
		goto out;
	}
	if (lazy != vs->vmap_lazy_nr) {
		snprintf(why, why_size, "vmap_lazy_nr %lu, purge list holds %lu pages", vs->vmap_lazy_nr,
			 lazy);
		err = -EUCLEAN;
		goto out;
	}
	if ((long)vpages != stat_read(&vs->nr_vmalloc_pages)) {
		snprintf(why, why_size, "nr_vmalloc_pages %ld, VM_ALLOC areas hold %lu",
			 stat_read(&vs->nr_vmalloc_pages), vpages);
		err = -EUCLEAN;
		goto out;
	}
	count = 0;
	if ((err = check_subtree(&vs->free, vs->free.root, &count, why, why_size)))
		goto out;
	if ((err = check_subtree(&vs->busy, vs->busy.root, &count, why, why_size)))
		goto out;
	if (count != n) {
		snprintf(why, why_size, "vmap trees hold %lu areas, lists %lu", count, n);
		err = -EUCLEAN;
		goto out;
	}
	if (vs->init_mm->pgd &&
	    (err = pgtable_walk(vs->init_mm, VMAP_SPACE_START, VMAP_SPACE_END,
				check_kernel_pte, &pc)))
		goto out;
	if (pc.found != mapped) {
		snprintf(why, why_size, "init_mm maps %lu pages in the vmalloc area, busy areas %lu",
			 pc.found, mapped);
		err = -EUCLEAN;
	}
out:
	free(r);
	return err;
}
