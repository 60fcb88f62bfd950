/*
 * rmap.c - the reverse map of anonymous pages: anon_vma and anon_vma_chain.
 *
 * Model (the kernel's mm/rmap.c). A private VMA that gets its first anonymous page is given an
 * anon_vma, and every page it allocates names that anon_vma in page->mapping (tagged
 * PAGE_MAPPING_ANON) with its linear index in page->index. An anon_vma lists, through
 * anon_vma_chains, every VMA that may map its pages; a page's mappings are found by walking
 * that list and computing, for each VMA, the one address where the page would be:
 *
 *	addr = vma->vm_start + ((page->index - vma->vm_pgoff) << PAGE_SHIFT)
 *
 * when it falls inside the VMA (rmap_walk_anon; for a THP, when any of its pages does).
 *
 * Fork links the child's copy of a VMA to each anon_vma its parent's VMA is linked to (so the
 * pages they still share are found in both), then gives it an anon_vma of its own, a child of
 * the parent's, for the pages it copies on write (anon_vma_fork). Chains are newest first: the
 * VMA's own anon_vma, then its ancestors'. So an anon_vma's list holds its own VMAs and those
 * of every descendant, which may map its pages. A split or an mremap copy links the new VMA to
 * the same anon_vmas (anon_vma_clone); a merge that gives a VMA without an anon_vma its
 * neighbour's links it to that neighbour's anon_vmas.
 *
 * Reuse (as the kernel bounds chains in long fork chains): at fork, an ancestor anon_vma that
 * no VMA uses as its own any more and that has fewer than two children becomes the child VMA's
 * own instead of a new one. A root never is (it counts itself as a child).
 *
 * Lifetime: an anon_vma lives while its list is not empty; a root also while a descendant
 * lives (each holds a reference on it), because its lock guards the family. Every list and
 * counter of a family changes under its root's lock; rmap_walk_anon holds it too. The order
 * is the kernel's: root lock, then a mm's page_table_lock, so anon_vma_prepare is called
 * without the page-table lock (the fault handler retries after it).
 *
 * The kernel keeps an anon_vma's VMAs in an interval tree keyed by page offset; a list is used
 * here: a walk costs one step per VMA linked (the VMAs of one mapping across its forks), the
 * same as the tree until a family has thousands of forks of one mapping.
 *
 * Allocation: anon_vma_prepare and anon_vma_fork allocate and may fail (-ENOMEM, nothing
 * changed). Splits, copies and merges happen in the middle of an operation and must not fail:
 * they take their chain links from the mm's reserve, filled by vma_prealloc() beforehand with
 * enough for any VMA of the mm (mm->anon_chain_max links per VMA copied, plus one for a merge).
 */
#include "vm/internal.h"

#include <stdlib.h>

#include "phys/internal.h"

#include <mmlab/fault_inject.h>

/* ---- objects ---------------------------------------------------------------------------------- */

int anon_vma_caches_init(struct vm_state *vs)
{
	vs->anon_vma_cachep = kmem_cache_create("anon_vma", sizeof(struct anon_vma), 0,
						SLAB_ACCOUNT, NULL);
	vs->anon_vma_chain_cachep = kmem_cache_create("anon_vma_chain",
						      sizeof(struct anon_vma_chain), 0,
						      SLAB_ACCOUNT, NULL);
	if (!vs->anon_vma_cachep || !vs->anon_vma_chain_cachep) {
		anon_vma_caches_exit(vs);
		return -ENOMEM;
	}
	return 0;
}

void anon_vma_caches_exit(struct vm_state *vs)
{
	kmem_cache_destroy(vs->anon_vma_chain_cachep);
	kmem_cache_destroy(vs->anon_vma_cachep);
	vs->anon_vma_chain_cachep = vs->anon_vma_cachep = NULL;
}

static struct anon_vma *anon_vma_alloc(struct machine *m)
{
	struct anon_vma *av = kmem_cache_zalloc(m->vm->anon_vma_cachep, GFP_KERNEL);

	if (!av)
		return NULL;
	av->root = av->parent = av;
	atomic_init(&av->refcount, 1);
	av->id = atomic_fetch_add(&m->vm->next_anon_vma, 1);
	atomic_fetch_add(&m->vm->nr_anon_vmas, 1);
	INIT_LIST_HEAD(&av->head);
	mm_lock_init(&av->lock);
	return av;
}

static void anon_vma_free(struct machine *m, struct anon_vma *av)
{
	mm_lock_destroy(&av->lock);
	atomic_fetch_sub(&m->vm->nr_anon_vmas, 1);
	kmem_cache_free(m->vm->anon_vma_cachep, av);
}

/* Drop a reference: the last frees @av, and then its reference on the root. */
static void put_anon_vma(struct machine *m, struct anon_vma *av)
{
	struct anon_vma *root = av->root;

	if (atomic_fetch_sub(&av->refcount, 1) != 1)
		return;
	anon_vma_free(m, av);
	if (root != av && atomic_fetch_sub(&root->refcount, 1) == 1)
		anon_vma_free(m, root);
}

static struct anon_vma_chain *avc_alloc(struct machine *m)
{
	struct anon_vma_chain *avc = kmem_cache_alloc(m->vm->anon_vma_chain_cachep, GFP_KERNEL);

	if (avc)
		atomic_fetch_add(&m->vm->nr_anon_vma_chains, 1);
	return avc;
}

static void avc_free(struct machine *m, struct anon_vma_chain *avc)
{
	atomic_fetch_sub(&m->vm->nr_anon_vma_chains, 1);
	kmem_cache_free(m->vm->anon_vma_chain_cachep, avc);
}

/* Link @vma to @av through @avc, newest first on the VMA's chain; the root's lock is held. */
static void avc_link(struct vm_area_struct *vma, struct anon_vma_chain *avc, struct anon_vma *av)
{
	avc->vma = vma;
	avc->anon_vma = av;
	list_add(&avc->same_vma, &vma->anon_vma_chain);
	list_add_tail(&avc->same_anon_vma, &av->head);
}

static int chain_length(const struct vm_area_struct *vma)
{
	const struct list_head *pos;
	int n = 0;

	list_for_each(pos, &vma->anon_vma_chain)
		n++;
	return n;
}

static void note_chain(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;
	int n = chain_length(vma);

	if (n > mm->anon_chain_max)
		mm->anon_chain_max = n;
}

bool anon_vma_chain_singular(const struct vm_area_struct *vma)
{
	const struct list_head *h = &vma->anon_vma_chain;

	return !list_empty(h) && h->next == h->prev;
}

unsigned long anon_vma_id(const struct anon_vma *av)
{
	return av ? av->id : 0;
}

/* ---- the reserve -------------------------------------------------------------------------------- */

int avc_prealloc(struct mm_struct *mm, int nr)
{
	struct vma_reserve *r = &mm->reserve;

	while (r->nr_avc < nr) {
		struct anon_vma_chain *avc = avc_alloc(mm->machine);

		if (!avc)
			return -ENOMEM;
		avc->same_vma.next = (struct list_head *)r->avc;
		r->avc = avc;
		r->nr_avc++;
	}
	return 0;
}

static struct anon_vma_chain *avc_from_reserve(struct mm_struct *mm)
{
	struct vma_reserve *r = &mm->reserve;
	struct anon_vma_chain *avc = r->avc;

	MM_BUG_ON(!avc);	/* vma_prealloc() reserves a chain's worth per VMA it reserves */
	r->avc = (struct anon_vma_chain *)avc->same_vma.next;
	r->nr_avc--;
	return avc;
}

void avc_free_reserve(struct mm_struct *mm)
{
	struct vma_reserve *r = &mm->reserve;

	while (r->avc) {
		struct anon_vma_chain *avc = r->avc;

		r->avc = (struct anon_vma_chain *)avc->same_vma.next;
		avc_free(mm->machine, avc);
	}
	r->nr_avc = 0;
}

/* ---- attaching ------------------------------------------------------------------------------- */

/*
 * The neighbour's anon_vma that @vma may share (find_mergeable_anon_vma): a neighbour that
 * could merge with @vma but for their protections, whose chain is singular (not a fork child).
 */
static struct anon_vma *find_mergeable_anon_vma(struct vm_area_struct *vma)
{
	struct vm_area_struct *near[2] = { vma->vm_next, vma->vm_prev };
	int i;

	for (i = 0; i < 2; i++) {
		struct vm_area_struct *a = i ? near[i] : vma, *b = i ? vma : near[i];

		if (!near[i] || !near[i]->anon_vma || !anon_vma_chain_singular(near[i]))
			continue;
		if (a->vm_end != b->vm_start || a->vm_file != b->vm_file ||
		    ((a->vm_flags ^ b->vm_flags) & ~(VM_READ | VM_WRITE | VM_EXEC | VM_SOFTDIRTY)) ||
		    b->vm_pgoff != a->vm_pgoff + ((b->vm_start - a->vm_start) >> PAGE_SHIFT))
			continue;
		return near[i]->anon_vma;
	}
	return NULL;
}

static int attach(struct vm_area_struct *vma, bool share)
{
	struct mm_struct *mm = vma->vm_mm;
	struct machine *m = mm->machine;
	struct anon_vma_chain *avc;
	struct anon_vma *av, *allocated = NULL;

	avc = avc_alloc(m);
	if (!avc)
		return -ENOMEM;
	av = share ? find_mergeable_anon_vma(vma) : NULL;
	if (!av) {
		av = allocated = anon_vma_alloc(m);
		if (!av) {
			avc_free(m, avc);
			return -ENOMEM;
		}
		av->num_children = 1;	/* a root is its own parent */
	}
	mm_lock(&av->root->lock);
	mm_lock(&mm->page_table_lock);
	if (!vma->anon_vma) {	/* another thread's fault may have attached one meanwhile */
		vma->anon_vma = av;
		avc_link(vma, avc, av);
		av->num_active_vmas++;
		allocated = NULL;
		avc = NULL;
	}
	mm_unlock(&mm->page_table_lock);
	mm_unlock(&av->root->lock);
	if (allocated)
		put_anon_vma(m, allocated);
	if (avc)
		avc_free(m, avc);
	else
		note_chain(vma);
	return 0;
}

int anon_vma_prepare(struct vm_area_struct *vma)
{
	if (vma->anon_vma)
		return 0;
	return attach(vma, true);
}

int anon_vma_attach_new(struct vm_area_struct *vma)
{
	MM_BUG_ON(vma->anon_vma);
	return attach(vma, false);
}

void anon_vma_clone_reserved(struct vm_area_struct *dst, const struct vm_area_struct *src)
{
	struct mm_struct *mm = dst->vm_mm;
	const struct list_head *pos;
	struct anon_vma *root;

	MM_BUG_ON(!list_empty(&dst->anon_vma_chain));
	if (!src->anon_vma)
		return;
	root = src->anon_vma->root;
	mm_lock(&root->lock);
	/* oldest first, so the copy's chain is newest first like the original's */
	for (pos = src->anon_vma_chain.prev; pos != &src->anon_vma_chain; pos = pos->prev) {
		struct anon_vma_chain *pavc = list_entry(pos, struct anon_vma_chain, same_vma);

		avc_link(dst, avc_from_reserve(mm), pavc->anon_vma);
	}
	dst->anon_vma = src->anon_vma;
	dst->anon_vma->num_active_vmas++;
	mm_unlock(&root->lock);
}

void unlink_anon_vmas(struct vm_area_struct *vma)
{
	struct machine *m = vma->vm_mm->machine;
	struct list_head *pos, *n, dead;
	struct anon_vma *root;

	if (list_empty(&vma->anon_vma_chain)) {
		MM_BUG_ON(vma->anon_vma);
		return;
	}
	INIT_LIST_HEAD(&dead);
	root = list_first_entry(&vma->anon_vma_chain, struct anon_vma_chain, same_vma)
		       ->anon_vma->root;
	mm_lock(&root->lock);
	list_for_each_safe(pos, n, &vma->anon_vma_chain) {
		struct anon_vma_chain *avc = list_entry(pos, struct anon_vma_chain, same_vma);
		struct anon_vma *av = avc->anon_vma;

		list_del(&avc->same_anon_vma);
		list_del(&avc->same_vma);
		if (list_empty(&av->head)) {
			/* its last VMA: it goes, after the lock (the root may be among them) */
			av->parent->num_children--;
			list_add_tail(&avc->same_vma, &dead);
			continue;
		}
		avc_free(m, avc);
	}
	if (vma->anon_vma) {
		vma->anon_vma->num_active_vmas--;
		vma->anon_vma = NULL;
	}
	mm_unlock(&root->lock);
	/* newest first, so a root goes after its descendants */
	list_for_each_safe(pos, n, &dead) {
		struct anon_vma_chain *avc = list_entry(pos, struct anon_vma_chain, same_vma);

		put_anon_vma(m, avc->anon_vma);
		avc_free(m, avc);
	}
}

int anon_vma_fork(struct vm_area_struct *vma, struct vm_area_struct *pvma)
{
	struct machine *m = vma->vm_mm->machine;
	struct anon_vma_chain *avc;
	struct anon_vma *av = NULL, *root;
	struct list_head *pos;

	MM_BUG_ON(vma->anon_vma || !list_empty(&vma->anon_vma_chain));
	if (!pvma->anon_vma)
		return 0;
	root = pvma->anon_vma->root;
	/* The links to the parent's anon_vmas, so rmap finds the pages both still share. */
	for (pos = pvma->anon_vma_chain.prev; pos != &pvma->anon_vma_chain; pos = pos->prev) {
		struct anon_vma *pav = list_entry(pos, struct anon_vma_chain, same_vma)->anon_vma;

		avc = avc_alloc(m);
		if (!avc)
			goto nomem;
		mm_lock(&root->lock);
		avc_link(vma, avc, pav);
		if (!vma->anon_vma && pav->num_children < 2 && pav->num_active_vmas == 0)
			vma->anon_vma = pav;	/* reuse: nobody's own any more */
		mm_unlock(&root->lock);
	}
	if (vma->anon_vma) {
		mm_lock(&root->lock);
		vma->anon_vma->num_active_vmas++;
		mm_unlock(&root->lock);
		note_chain(vma);
		return 0;
	}
	/* Then its own, where the pages it copies on write go. */
	av = anon_vma_alloc(m);
	avc = av ? avc_alloc(m) : NULL;
	if (!avc)
		goto nomem;
	av->root = root;
	av->parent = pvma->anon_vma;
	mm_lock(&root->lock);
	atomic_fetch_add(&root->refcount, 1);
	av->num_active_vmas = 1;
	vma->anon_vma = av;
	avc_link(vma, avc, av);
	av->parent->num_children++;
	mm_unlock(&root->lock);
	note_chain(vma);
	return 0;

nomem:
	if (av)
		put_anon_vma(m, av);	/* not linked: its own last reference */
	unlink_anon_vmas(vma);
	return -ENOMEM;
}

/* ---- walking ---------------------------------------------------------------------------------- */

struct anon_vma *folio_anon_vma(const struct page *folio)
{
	unsigned long mapping = (unsigned long)folio->mapping;

	if (!(mapping & PAGE_MAPPING_ANON))
		return NULL;
	return (struct anon_vma *)(mapping & ~PAGE_MAPPING_ANON);
}

int rmap_walk_anon(struct page *folio, int (*fn)(struct vm_area_struct *vma, unsigned long addr,
						 void *arg), void *arg)
{
	struct anon_vma *av = folio_anon_vma(folio);
	unsigned long nr = PageHead(folio) ? 1UL << compound_order(folio) : 1;
	struct list_head *pos;
	int ret = 0;

	if (!av)
		return 0;
	mm_lock(&av->root->lock);
	list_for_each(pos, &av->head) {
		struct vm_area_struct *vma = list_entry(pos, struct anon_vma_chain,
							same_anon_vma)->vma;
		unsigned long addr;

		/* the folio's page offsets [index, index + nr) overlap the VMA's? */
		if (folio->index + nr <= vma->vm_pgoff ||
		    folio->index >= vma->vm_pgoff + vma_pages(vma))
			continue;
		/* where its first page is, or would be (a THP cut by the VMA's start) */
		addr = vma->vm_start + ((folio->index - vma->vm_pgoff) << PAGE_SHIFT);
		ret = fn(vma, addr, arg);
		if (ret)
			break;
	}
	mm_unlock(&av->root->lock);
	return ret;
}

/* ---- the public walk ------------------------------------------------------------------------ */

struct rmap_collect {
	struct machine *m;
	struct page *page;		/* the frame asked about */
	unsigned long pfn;
	struct mm_rmap_mapping *out;
	const struct mm_struct **mms;	/* out[i]'s address space, turned into a pid after */
	size_t max;
	long n;
};

/* The lowest pid whose task uses @mm, or 0 (vs->lock taken by the caller). */
static int pid_of_mm(struct vm_state *vs, const struct mm_struct *mm)
{
	int i, pid = 0;

	for (i = 0; i < PID_HASH_SIZE; i++)
		for (struct mm_task *t = vs->pid_hash[i]; t; t = t->hash_next)
			if (t->mm == mm && (!pid || t->pid < pid))
				pid = t->pid;
	return pid;
}

static int rmap_collect_one(struct vm_area_struct *vma, unsigned long addr, void *arg)
{
	struct rmap_collect *c = arg;
	struct mm_struct *mm = vma->vm_mm;
	struct page *head = compound_head(c->page);
	unsigned long a = addr + ((unsigned long)(c->page - head) << PAGE_SHIFT);
	uint64_t *slot;
	pte_t *pte = NULL;
	unsigned long pfn;

	if (a < vma->vm_start || a >= vma->vm_end)
		return 0;	/* a THP cut by the VMA: this page is outside it */
	mm_lock(&mm->page_table_lock);
	slot = mm->pgd ? pmd_slot(mm, a, false) : NULL;
	if (slot && pmd_is_huge(mm, *slot))
		pfn = pte_pfn(mm->fmt, __pte(*slot)) + ((a >> PAGE_SHIFT) & (HPAGE_PMD_NR - 1));
	else if (slot && (pte = pte_from_pmd(mm, slot, a)) && pte_present(mm->fmt, *pte))
		pfn = pte_pfn(mm->fmt, *pte);
	else
		pfn = 0;
	mm_unlock(&mm->page_table_lock);
	if (!slot || pfn != c->pfn)
		return 0;
	if ((size_t)c->n < c->max) {
		c->mms[c->n] = mm;
		c->out[c->n].addr = a;
		c->out[c->n].anon_vma = anon_vma_id(vma->anon_vma);
	}
	c->n++;
	return 0;
}

long mm_rmap_walk(struct machine *m, unsigned long pfn, struct mm_rmap_mapping *out, size_t max)
{
	struct rmap_collect c = { .m = m, .pfn = pfn, .out = out, .max = out ? max : 0 };

	long i;

	if (!m || !m->vm || !phys_pfn_is_ram(m, pfn))
		return -EINVAL;
	c.page = pfn_to_page(pfn);
	if (!folio_anon_vma(compound_head(c.page)))
		return -EINVAL;
	if (c.max && !(c.mms = calloc(c.max, sizeof(*c.mms))))
		return -ENOMEM;
	rmap_walk_anon(compound_head(c.page), rmap_collect_one, &c);
	/* the pids after the walk: the pid table's lock is never taken inside an anon_vma's */
	mm_lock(&m->vm->lock);
	for (i = 0; i < c.n && (size_t)i < c.max; i++)
		out[i].pid = pid_of_mm(m->vm, c.mms[i]);
	mm_unlock(&m->vm->lock);
	free(c.mms);
	return c.n;
}

/* ---- invariants --------------------------------------------------------------------------- */

int anon_vma_check_vma(const struct vm_area_struct *vma, char *why, size_t why_size)
{
	const struct list_head *pos;
	bool own = false;
	int n = 0;

	list_for_each(pos, &vma->anon_vma_chain) {
		const struct anon_vma_chain *avc = list_entry(pos, struct anon_vma_chain, same_vma);
		const struct list_head *p;
		bool listed = false;

		if (avc->vma != vma || !avc->anon_vma ||
		    avc->anon_vma->root != vma->anon_vma->root) {
			snprintf(why, why_size, "vma %#lx: chain link %d names another VMA or family",
				 vma->vm_start, n);
			return -EUCLEAN;
		}
		list_for_each(p, &avc->anon_vma->head)
			listed |= p == &avc->same_anon_vma;
		if (!listed) {
			snprintf(why, why_size, "vma %#lx: anon_vma %lu does not list it",
				 vma->vm_start, avc->anon_vma->id);
			return -EUCLEAN;
		}
		own |= avc->anon_vma == vma->anon_vma;
		n++;
	}
	if (!vma->anon_vma != !n || (vma->anon_vma && !own)) {
		snprintf(why, why_size, "vma %#lx: anon_vma %lu is not on its chain of %d",
			 vma->vm_start, anon_vma_id(vma->anon_vma), n);
		return -EUCLEAN;
	}
	if (n > vma->vm_mm->anon_chain_max) {
		snprintf(why, why_size, "vma %#lx: chain of %d over the mm's maximum %d",
			 vma->vm_start, n, vma->vm_mm->anon_chain_max);
		return -EUCLEAN;
	}
	return 0;
}

/* Does the rmap of the page at @addr of @vma, mapping it, find that mapping? */
struct rmap_find {
	const struct vm_area_struct *vma;
	unsigned long addr;
};

static int rmap_found(struct vm_area_struct *vma, unsigned long addr, void *arg)
{
	const struct rmap_find *f = arg;

	return vma == f->vma && addr == f->addr;
}

bool rmap_finds(const struct page *folio, const struct vm_area_struct *vma, unsigned long addr)
{
	struct rmap_find f = { vma, addr };

	return rmap_walk_anon((struct page *)folio, rmap_found, &f) == 1;
}

/* One anon_vma of the machine and what the VMAs say of it. */
struct av_count {
	struct anon_vma *av;
	int links;		/* chain links naming it */
	int active;		/* VMAs whose own it is */
	int children;		/* anon_vmas whose parent it is (a root: + itself) */
	int descendants;	/* a root: the other anon_vmas of its family */
};

static int cmp_av(const void *a, const void *b)
{
	const struct av_count *x = a, *y = b;

	return x->av == y->av ? 0 : (uintptr_t)x->av < (uintptr_t)y->av ? -1 : 1;
}

static struct av_count *av_find(struct av_count *t, size_t n, const struct anon_vma *av)
{
	struct av_count key = { .av = (struct anon_vma *)av };

	return bsearch(&key, t, n, sizeof(*t), cmp_av);
}

int anon_vma_check_all(struct machine *m, char *why, size_t why_size)
{
	struct vm_state *vs = m->vm;
	struct av_count *t = NULL;
	size_t n = 0, cap = 0, i, u;
	long reserved = 0, links;
	struct list_head *pos;
	int err = 0;

	/* every chain link, then one entry per anon_vma */
	for (pos = vs->init_mm.mmlist.next; pos != &vs->init_mm.mmlist; pos = pos->next) {
		struct mm_struct *mm = list_entry(pos, struct mm_struct, mmlist);
		struct vm_area_struct *vma;

		reserved += mm->reserve.nr_avc;
		for (vma = mm->mmap; vma; vma = vma->vm_next) {
			struct list_head *p;

			list_for_each(p, &vma->anon_vma_chain) {
				if (n == cap) {
					size_t c = cap ? 2 * cap : 64;
					struct av_count *q = realloc(t, c * sizeof(*q));

					if (!q) {
						free(t);
						return 0;	/* host out of memory: nothing found */
					}
					t = q;
					cap = c;
				}
				t[n++] = (struct av_count){
					list_entry(p, struct anon_vma_chain, same_vma)->anon_vma, 1,
					0, 0, 0 };
			}
		}
	}
	links = (long)n;
	if (atomic_load(&vs->nr_anon_vma_chains) != links + reserved) {
		snprintf(why, why_size, "%ld anon_vma_chains allocated, %ld linked and %ld reserved",
			 atomic_load(&vs->nr_anon_vma_chains), links, reserved);
		free(t);
		return -EUCLEAN;
	}
	if (!n) {
		if (atomic_load(&vs->nr_anon_vmas)) {
			snprintf(why, why_size, "%ld anon_vmas allocated, none linked",
				 atomic_load(&vs->nr_anon_vmas));
			return -EUCLEAN;
		}
		return 0;
	}
	qsort(t, n, sizeof(*t), cmp_av);
	for (i = 1, u = 0; i < n; i++) {
		if (t[i].av == t[u].av)
			t[u].links++;
		else
			t[++u] = t[i];
	}
	n = u + 1;
	if (atomic_load(&vs->nr_anon_vmas) != (long)n) {
		snprintf(why, why_size, "%ld anon_vmas allocated, %zu linked",
			 atomic_load(&vs->nr_anon_vmas), n);
		free(t);
		return -EUCLEAN;
	}
	for (pos = vs->init_mm.mmlist.next; pos != &vs->init_mm.mmlist; pos = pos->next) {
		struct mm_struct *mm = list_entry(pos, struct mm_struct, mmlist);
		struct vm_area_struct *vma;

		for (vma = mm->mmap; vma; vma = vma->vm_next)
			if (vma->anon_vma)
				av_find(t, n, vma->anon_vma)->active++;
	}
	for (i = 0; i < n && !err; i++) {
		struct anon_vma *av = t[i].av;
		struct av_count *parent = av_find(t, n, av->parent), *root = av_find(t, n, av->root);

		if (!parent || !root || root->av->root != root->av) {
			snprintf(why, why_size, "anon_vma %lu: parent or root not in use", av->id);
			err = -EUCLEAN;
			break;
		}
		parent->children++;
		if (root->av != av)
			root->descendants++;
	}
	for (i = 0; i < n && !err; i++) {
		struct anon_vma *av = t[i].av;
		const struct list_head *p;
		int listed = 0, refs = 1 + (av->root == av ? t[i].descendants : 0);

		list_for_each(p, &av->head)
			listed++;
		if (listed != t[i].links || av->num_active_vmas != t[i].active ||
		    av->num_children != t[i].children || atomic_load(&av->refcount) != refs) {
			snprintf(why, why_size, "anon_vma %lu: lists %d VMAs of %d links, "
				 "num_active_vmas %d of %d, num_children %d of %d, refcount %d of %d",
				 av->id, listed, t[i].links, av->num_active_vmas, t[i].active,
				 av->num_children, t[i].children, atomic_load(&av->refcount), refs);
			err = -EUCLEAN;
		}
	}
	free(t);
	return err;
}
