/*
 * slab_page.c - the life of one slab: 2^order pages from the buddy allocator become a slab of
 * oo_objects(s->oo) objects, and go back when the slab is discarded.
 *
 * Model: a new slab takes the cache's preferred order (calculate_order) and, if that fails, the
 * smallest order that holds one object (s->min), as SLUB does. Its head page gets PG_slab and the
 * struct slab view (slab.h); every object is laid out once: debug bytes written, the constructor
 * run (Bonwick: objects keep their constructed state for the life of the slab), and chained on
 * slab->freelist in address order.
 *
 * Accounting: the slab's pages count in NR_SLAB_RECLAIMABLE (SLAB_RECLAIM_ACCOUNT caches) or
 * NR_SLAB_UNRECLAIMABLE of the node that holds them, from allocate_slab() to discard_slab(); and
 * in the node's nr_slabs / total_objects of the cache.
 */
#include "slab/internal.h"

/* The gfp bits a caller's request passes on to the page allocator for a slab page. */
#define SLAB_PAGE_GFP_MASK							\
	(__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HIGH | __GFP_NOWARN |	\
	 __GFP_RETRY_MAYFAIL | __GFP_NOFAIL | __GFP_NORETRY | __GFP_MEMALLOC |	\
	 __GFP_NOMEMALLOC | __GFP_THISNODE | __GFP_HARDWALL)

void slab_account_pages(struct machine *m, struct page *page, unsigned int order, bool reclaimable,
			long sign)
{
	mod_node_page_state(m->phys->node_data[page_to_nid(page)],
			    reclaimable ? NR_SLAB_RECLAIMABLE : NR_SLAB_UNRECLAIMABLE,
			    sign * (1L << order));
}

static struct page *alloc_slab_page(struct kmem_cache *s, gfp_t gfp, int node,
				    struct kmem_cache_order_objects oo)
{
	unsigned int order = oo_order(oo);

	if (order)
		gfp |= __GFP_COMP;
	return alloc_pages_node(node, gfp, order);
}

struct slab *allocate_slab(struct kmem_cache *s, gfp_t gfp, int node)
{
	struct machine *m = s->machine;
	struct kmem_cache_order_objects oo = s->oo;
	struct kmem_cache_node *n;
	struct page *page;
	struct slab *slab;
	gfp_t flags = (gfp & SLAB_PAGE_GFP_MASK) | s->allocflags;
	unsigned int i, nr;
	char *start, *p;

	/* The preferred order may fail quietly: the minimum order is the real attempt. */
	if (oo_order(oo) > oo_order(s->min))
		page = alloc_slab_page(s, (flags | __GFP_NOWARN | __GFP_NORETRY) & ~__GFP_NOFAIL,
				       node, oo);
	else
		page = NULL;
	if (!page) {
		oo = s->min;
		page = alloc_slab_page(s, flags, node, oo);
		if (!page)
			return NULL;
	}
	slab = page_slab(page);
	nr = oo_objects(oo);
	slab->slab_cache = s;
	slab->counters = 0;
	slab->objects = nr & 0x7fff;
	slab->inuse = 0;
	slab->frozen = 0;
	slab->list_state = SLAB_ON_NONE;
	slab->slab_list.next = NULL;
	slab->slab_list.prev = NULL;
	SetPageSlab(page);

	start = slab_address(m, slab);
	for (i = 0, p = start; i < nr; i++, p += s->size) {
		if (kmem_cache_debug(s))
			setup_object_debug(s, p);
		if (s->ctor)
			s->ctor(p);
		set_freepointer(s, p, i + 1 < nr ? p + s->size : NULL);
	}
	slab->freelist = start;

	slab_account_pages(m, page, oo_order(oo), s->flags & SLAB_RECLAIM_ACCOUNT, 1);
	n = get_node(s, page_to_nid(page));
	atomic_fetch_add_explicit(&n->nr_slabs, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&n->total_objects, nr, memory_order_relaxed);
	atomic_fetch_add_explicit(&n->nr_pages, 1L << oo_order(oo), memory_order_relaxed);
	return slab;
}

void discard_slab(struct kmem_cache *s, struct slab *slab)
{
	struct machine *m = s->machine;
	struct page *page = slab_page(slab);
	struct kmem_cache_node *n = get_node(s, page_to_nid(page));
	unsigned int order = compound_order(page);

	atomic_fetch_sub_explicit(&n->nr_slabs, 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&n->total_objects, slab->objects, memory_order_relaxed);
	atomic_fetch_sub_explicit(&n->nr_pages, 1L << order, memory_order_relaxed);
	slab_account_pages(m, page, order, s->flags & SLAB_RECLAIM_ACCOUNT, -1);

	/* Give the page allocator back the fields it expects: no mapping, no private data. */
	ClearPageSlab(page);
	slab->slab_cache = NULL;
	slab->freelist = NULL;
	slab->counters = 0;
	slab->list_state = 0;
	slab->slab_list.next = NULL;
	slab->slab_list.prev = NULL;
	__free_pages(page, order);
}
