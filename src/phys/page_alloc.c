/*
 * page_alloc.c - the page allocator's entry points: from a request (gfp, order, node) to a zone
 * that passes its watermark check, to the per-CPU list or the buddy lists of that zone; and the
 * way back on free.
 *
 * Fast path (get_page_from_freelist with the low watermark): walk the zonelist of the preferred
 * node, skip zones above gfp_zone(gfp), take the first zone whose free pages, less what the
 * request may not touch, exceed the mark plus the lowmem reserve for this request.
 * Slow path: the flags from gfp_to_alloc_flags (min watermark, less for __GFP_HIGH and
 * non-blocking requests, high-atomic reserve for high-order atomic ones), the reclaim hook when
 * the request may block, draining the per-CPU lists, giving back a high-atomic reserve; then
 * failure, reported as the kernel's warn_alloc does unless __GFP_NOWARN.
 *
 * Page state across the allocator: allocated pages have _refcount >= 1, no PG_buddy, and
 * private 0; free pages have _refcount 0 (see mmzone.h for where they are).
 */
#include "phys/internal.h"

/* Debug poisoning of free frames (debug level >= 2), checked when they are handed out. */
#define PAGE_POISON 0xaa

/*
 * The highest zone a request may use, from its four zone bits: __GFP_DMA wins, then
 * __GFP_DMA32; __GFP_MOVABLE with __GFP_HIGHMEM means Movable; anything else Normal (no
 * highmem on 64-bit). Two bits per combination in one constant, as the kernel's GFP_ZONE_TABLE.
 */
#define GFP_ZONE_OF(z)	((unsigned int)((z) & __GFP_DMA ? ZONE_DMA : (z) & __GFP_DMA32 ? ZONE_DMA32 : \
			 ((z) & (__GFP_MOVABLE | __GFP_HIGHMEM)) == (__GFP_MOVABLE | __GFP_HIGHMEM) ? \
			 ZONE_MOVABLE : ZONE_NORMAL))
#define GFP_ZONE_ENTRY(z)	((uint32_t)GFP_ZONE_OF(z) << (2 * (z)))
#define GFP_ZONE_TABLE								\
	(GFP_ZONE_ENTRY(0u) | GFP_ZONE_ENTRY(1u) | GFP_ZONE_ENTRY(2u) | GFP_ZONE_ENTRY(3u) |	\
	 GFP_ZONE_ENTRY(4u) | GFP_ZONE_ENTRY(5u) | GFP_ZONE_ENTRY(6u) | GFP_ZONE_ENTRY(7u) |	\
	 GFP_ZONE_ENTRY(8u) | GFP_ZONE_ENTRY(9u) | GFP_ZONE_ENTRY(10u) | GFP_ZONE_ENTRY(11u) |	\
	 GFP_ZONE_ENTRY(12u) | GFP_ZONE_ENTRY(13u) | GFP_ZONE_ENTRY(14u) | GFP_ZONE_ENTRY(15u))

static inline enum zone_type zone_of_gfp(gfp_t gfp)
{
	_Static_assert(GFP_ZONEMASK == 0xf && ZONE_MOVABLE < 4, "zone bits fit the table");
	return (enum zone_type)((GFP_ZONE_TABLE >> (2 * (gfp & GFP_ZONEMASK))) & 3);
}

enum zone_type gfp_zone(gfp_t gfp)
{
	return zone_of_gfp(gfp);
}

/* Movable allocations may be placed in CMA pageblocks (gfp_to_alloc_cma). */
static inline unsigned int gfp_to_alloc_cma(gfp_t gfp, unsigned int alloc_flags)
{
	if (gfp_migratetype(gfp) == MIGRATE_MOVABLE)
		alloc_flags |= ALLOC_CMA;
	return alloc_flags;
}

unsigned int gfp_to_alloc_flags(gfp_t gfp, unsigned int order)
{
	unsigned int flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;

	if (gfp & __GFP_HIGH)
		flags |= ALLOC_MIN_RESERVE;
	if (gfp & __GFP_KSWAPD_RECLAIM)
		flags |= ALLOC_KSWAPD;
	if (!(gfp & __GFP_DIRECT_RECLAIM)) {
		if (!(gfp & __GFP_NOMEMALLOC)) {
			flags |= ALLOC_NON_BLOCK;
			if (order > 0)
				flags |= ALLOC_HIGHATOMIC;
		}
		if (flags & ALLOC_MIN_RESERVE)
			flags &= ~ALLOC_CPUSET;
	}
	return gfp_to_alloc_cma(gfp, flags);
}

static long zone_watermark_unusable_free(struct zone *z, unsigned int order, unsigned int alloc_flags)
{
	long unusable = (1L << order) - 1;

	if (likely(!(alloc_flags & ALLOC_RESERVES)))
		unusable += stat_read(&z->nr_free_highatomic);
	if (!(alloc_flags & ALLOC_CMA))
		unusable += zone_page_state(z, NR_FREE_CMA);
	return unusable;
}

bool __zone_watermark_ok(struct zone *z, unsigned int order, unsigned long mark,
			 int highest_zoneidx, unsigned int alloc_flags, long free_pages)
{
	long min = (long)mark;
	unsigned int o;

	free_pages -= zone_watermark_unusable_free(z, order, alloc_flags);
	if (unlikely(alloc_flags & ALLOC_RESERVES)) {
		if (alloc_flags & ALLOC_MIN_RESERVE) {
			min -= min / 2;
			if (alloc_flags & ALLOC_NON_BLOCK)
				min -= min / 4;
		}
		if (alloc_flags & ALLOC_OOM)
			min -= min / 2;
	}
	if (free_pages <= min + z->lowmem_reserve[highest_zoneidx])
		return false;
	if (!order)
		return true;
	/* A high-order request also needs a free block of that order somewhere. */
	for (o = order; o < NR_PAGE_ORDERS; o++) {
		const struct free_area *area = &z->free_area[o];
		int mt;

		if (!stat_read(&area->nr_free))
			continue;
		for (mt = 0; mt < MIGRATE_PCPTYPES; mt++)
			if (stat_read(&area->nr_free_mt[mt]))
				return true;
		if ((alloc_flags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) &&
		    stat_read(&area->nr_free_mt[MIGRATE_HIGHATOMIC]))
			return true;
	}
	return false;
}

bool zone_watermark_ok(struct zone *z, unsigned int order, unsigned long mark,
		       int highest_zoneidx, unsigned int alloc_flags)
{
	return __zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags,
				   zone_page_state(z, NR_FREE_PAGES));
}

static inline bool zone_watermark_fast(struct zone *z, unsigned int order, unsigned long mark,
				       int highest_zoneidx, unsigned int alloc_flags)
{
	long free_pages = zone_page_state(z, NR_FREE_PAGES);

	if (!order) {
		long reserved = zone_watermark_unusable_free(z, 0, alloc_flags);
		long usable = free_pages - MIN(free_pages, reserved);

		if (usable > (long)mark + z->lowmem_reserve[highest_zoneidx])
			return true;
	}
	return __zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, free_pages);
}


struct alloc_context {
	struct zonelist *zonelist;
	int preferred_nid;
	int highest_zoneidx;
	int migratetype;
};

static void check_new_page_poison(struct machine *m, struct page *page, unsigned int order)
{
	const unsigned char *p = mpage_address(m, page);
	size_t i, n = PAGE_SIZE << order;

	for (i = 0; i < n; i++)
		if (p[i] != PAGE_POISON) {
			printk(m, "pagealloc: memory corruption\n");
			printk(m, "page:%p pfn:%#lx offset %#zx: %02x instead of %02x\n", (void *)page,
			       mpage_to_pfn(m, page) + i / PAGE_SIZE, i % PAGE_SIZE, p[i], PAGE_POISON);
			return;
		}
}

static void prep_compound_page(struct page *page, unsigned int order)
{
	unsigned long n = 1UL << order, i;

	page->flags |= 1UL << PG_head;
	for (i = 1; i < n; i++)
		page[i].compound_head = (unsigned long)page | 1;
	/* The order lives in the first tail page, after its compound_head word. */
	page[1].compound_info = order;
}

/* prep_new_page() for poisoned frames, __GFP_ZERO or __GFP_COMP. */
static noinline struct page *prep_new_page_slow(struct machine *m, struct page *page,
						unsigned int order, gfp_t gfp)
{
	if (mm_debug_on(m, MM_DEBUG_POISON) && !(gfp & __GFP_ZERO))
		check_new_page_poison(m, page, order);
	if (gfp & __GFP_ZERO)
		memset(mpage_address(m, page), 0, PAGE_SIZE << order);
	if (order && (gfp & __GFP_COMP))
		prep_compound_page(page, order);
	return page;
}

/* A block just taken off a free list becomes an allocated page: one reference, and @gfp's extras. */
static mm_always_inline struct page *prep_new_page(struct machine *m, struct page *page,
						   unsigned int order, gfp_t gfp)
{
	set_page_count(page, 1);
	page->flags |= (unsigned long)order << PAGE_ALLOC_ORDER_SHIFT;
	if (likely(!mm_debug_on(m, MM_DEBUG_POISON) && !(gfp & (__GFP_ZERO | __GFP_COMP))))
		return page;
	return prep_new_page_slow(m, page, order, gfp);
}

static struct page *rmqueue_buddy(struct zone *z, unsigned int order, int mt,
				  unsigned int alloc_flags, int preferred_nid)
{
	struct per_cpu_pages *pcp;
	struct page *page;
	bool fast;

	mm_lock(&z->lock);
	page = rmqueue_buddy_locked(z, order, mt, alloc_flags);
	mm_unlock(&z->lock);
	if (!page)
		return NULL;
	pcp = &z->per_cpu_pageset[mm_current.cpu];
	fast = pcp_enter(pcp);
	count_alloc_locked(pcp, order, z->node, preferred_nid,
			   current_machine()->cpus[mm_current.cpu].node);
	pcp_leave(pcp, fast);
	return page;
}

/* A miss on the preferred node counts as "foreign" on the preferred zone (rare: atomic). */
static noinline void count_numa_foreign(const struct alloc_context *ac)
{
	const struct zoneref *zr;

	for (zr = ac->zonelist->_zonerefs; zr->zone; zr++)
		if (zr->zone_idx <= ac->highest_zoneidx) {
			atomic_fetch_add_explicit(&zr->zone->numa_foreign, 1, memory_order_relaxed);
			return;
		}
}

static struct page *get_page_from_freelist(struct machine *m, gfp_t gfp, unsigned int order,
					   unsigned int alloc_flags, const struct alloc_context *ac)
{
	const struct zoneref *zr;
	bool nofragment = alloc_flags & ALLOC_NOFRAGMENT;

retry:
	for (zr = ac->zonelist->_zonerefs; zr->zone; zr++) {
		struct zone *z = zr->zone;
		struct page *page = NULL;
		unsigned long mark;

		if (zr->zone_idx > ac->highest_zoneidx)
			continue;
		/* Don't spill to a remote node while fragmentation avoidance is still on. */
		if (nofragment && z->node != ac->preferred_nid && (alloc_flags & ALLOC_NOFRAGMENT)) {
			alloc_flags &= ~ALLOC_NOFRAGMENT;
			goto retry;
		}
		/*
		 * Note when the zone falls to its high mark (the free path then shrinks the per-CPU
		 * lists); above it, no other mark needs testing.
		 */
		if (!zone_test_flag(z, ZONE_BELOW_HIGH)) {
			if (zone_watermark_fast(z, order, high_wmark_pages(z), ac->highest_zoneidx,
						alloc_flags))
				goto try_this_zone;
			zone_set_flag(z, ZONE_BELOW_HIGH);
		}
		mark = (alloc_flags & ALLOC_NO_WATERMARKS) ? 0
			: wmark_pages(z, (enum zone_watermarks)(alloc_flags & ALLOC_WMARK_MASK));
		if (!(alloc_flags & ALLOC_NO_WATERMARKS) &&
		    !zone_watermark_fast(z, order, mark, ac->highest_zoneidx, alloc_flags))
			continue;
try_this_zone:
		if (likely(pcp_allowed_order(order))) {
			bool used;

			page = rmqueue_pcplist(z, order, ac->migratetype, alloc_flags,
					       ac->preferred_nid, &used);
			if (likely(page)) {
				/* counted under the pcp lock */
			} else if (!used) {
				page = rmqueue_buddy(z, order, ac->migratetype, alloc_flags, ac->preferred_nid);
			}
		} else {
			page = rmqueue_buddy(z, order, ac->migratetype, alloc_flags, ac->preferred_nid);
		}
		if (page) {
			if (unlikely(z->node != ac->preferred_nid))
				count_numa_foreign(ac);
			prep_new_page(m, page, order, gfp);
			if (unlikely((alloc_flags & ALLOC_HIGHATOMIC) && order))
				reserve_highatomic_pageblock(z, page, order);
			return page;
		}
	}
	if (alloc_flags & ALLOC_NOFRAGMENT) {
		alloc_flags &= ~ALLOC_NOFRAGMENT;
		goto retry;
	}
	return NULL;
}

/* Fragmentation avoidance for Normal when the node also has DMA32 (alloc_flags_nofragment). */
static unsigned int alloc_flags_nofragment(const struct machine *m, const struct alloc_context *ac)
{
	const struct zone *z = ac->zonelist->_zonerefs[0].zone;

	if (!z || z->idx != ZONE_NORMAL)
		return 0;
	if (!populated_zone(&m->phys->node_data[z->node]->node_zones[ZONE_DMA32]))
		return 0;
	return ALLOC_NOFRAGMENT;
}

static void show_free_areas(struct machine *m)
{
	struct zone *zone;
	int nid;

	printk(m, "Mem-Info:\n");
	for_each_zone(m, nid, zone) {
		unsigned long total = 0;
		char line[1024];
		size_t len;
		unsigned int o;

		if (!populated_zone(zone))
			continue;
		printk(m, "Node %d %s free:%lukB boost:%lukB min:%lukB low:%lukB high:%lukB "
		       "reserved_highatomic:%luKB managed:%lukB\n", zone->node, zone->name,
		       zone_page_state(zone, NR_FREE_PAGES) * 4UL, zone->watermark_boost * 4,
		       min_wmark_pages(zone) * 4, low_wmark_pages(zone) * 4,
		       high_wmark_pages(zone) * 4, zone->nr_reserved_highatomic * 4,
		       zone_managed_pages(zone) * 4);
		len = (size_t)snprintf(line, sizeof(line), "Node %d %s: ", zone->node, zone->name);
		mm_lock(&zone->lock);
		for (o = 0; o < NR_PAGE_ORDERS; o++) {
			unsigned long n = (unsigned long)stat_read(&zone->free_area[o].nr_free);
			char types[8];
			int t, k = 0;

			total += n << o;
			for (t = 0; t < MIGRATE_TYPES; t++)
				if (stat_read(&zone->free_area[o].nr_free_mt[t]))
					types[k++] = "UMEHCI"[t];
			types[k] = '\0';
			if (len < sizeof(line))
				len += (size_t)snprintf(line + len, sizeof(line) - len, "%lu*%lukB %s%s%s", n,
							4UL << o, k ? "(" : "", types, k ? ") " : "");
		}
		mm_unlock(&zone->lock);
		printk(m, "%s= %lukB\n", line, total * 4);
	}
}

static void warn_alloc(struct machine *m, gfp_t gfp, unsigned int order)
{
	char names[256];

	format_gfp_flags(gfp, names, sizeof(names));
	printk(m, "mmlab: page allocation failure: order:%u, mode:%#x(%s), nodemask=(null),"
	       "cpuset=/,mems_allowed=0", order, gfp, names);
	if (m->nr_nodes > 1)
		printk(m, "-%d", m->nr_nodes - 1);
	printk(m, "\nCPU: %d\n", mm_current.cpu);
	show_free_areas(m);
}

static struct page *alloc_pages_slowpath(struct machine *m, gfp_t gfp, unsigned int order,
					 struct alloc_context *ac)
{
	unsigned int alloc_flags = gfp_to_alloc_flags(gfp, order);
	struct page *page;
	int nid, zt;

	page = get_page_from_freelist(m, gfp, order, alloc_flags, ac);
	if (page)
		return page;
	/* __GFP_MEMALLOC: the caller frees memory by allocating; it may use every reserve. */
	if ((gfp & (__GFP_MEMALLOC | __GFP_NOMEMALLOC)) == __GFP_MEMALLOC) {
		page = get_page_from_freelist(m, gfp, order, alloc_flags | ALLOC_NO_WATERMARKS, ac);
		if (page)
			return page;
	}
	/*
	 * Direct reclaim through the hook, retried while it makes progress: once with
	 * __GFP_NORETRY or for costly orders, up to MAX_RECLAIM_RETRIES times otherwise.
	 */
	if (gfpflags_allow_blocking(gfp) && m->phys->reclaim) {
		int tries = ((gfp & __GFP_NORETRY) ||
			     (order > PAGE_ALLOC_COSTLY_ORDER && !(gfp & __GFP_RETRY_MAYFAIL))) ? 1 : 16;

		while (tries-- > 0 && m->phys->reclaim(m, gfp, order, m->phys->reclaim_arg)) {
			page = get_page_from_freelist(m, gfp, order, alloc_flags, ac);
			if (page)
				return page;
		}
	}
	/* Pages parked on per-CPU lists are free too: give them back and retry. */
	drain_all_pages(NULL);
	page = get_page_from_freelist(m, gfp, order, alloc_flags, ac);
	if (page)
		return page;
	/* Before failing, release a high-atomic reserve to ordinary requests. */
	for_each_online_node(m, nid)
		for (zt = 0; zt < MAX_NR_ZONES; zt++)
			if (m->phys->node_data[nid]->node_zones[zt].nr_reserved_highatomic &&
			    unreserve_highatomic_pageblock(&m->phys->node_data[nid]->node_zones[zt])) {
				page = get_page_from_freelist(m, gfp, order, alloc_flags, ac);
				if (page)
					return page;
			}
	/*
	 * __GFP_NOFAIL may not fail: like the kernel, let it dip into the min reserve, then into
	 * everything. With nothing left at all (and no OOM killer yet to make room) it fails
	 * loudly instead of looping forever.
	 */
	if (gfp & __GFP_NOFAIL) {
		page = get_page_from_freelist(m, gfp, order, alloc_flags | ALLOC_MIN_RESERVE, ac);
		if (!page)
			page = get_page_from_freelist(m, gfp, order, alloc_flags | ALLOC_NO_WATERMARKS, ac);
		if (page)
			return page;
		printk(m, "WARNING: __GFP_NOFAIL allocation of order %u failed: no memory left\n", order);
	}
	if (!(gfp & __GFP_NOWARN))
		warn_alloc(m, gfp, order);
	return NULL;
}

static struct page *alloc_pages_general(struct machine *m, int nid, gfp_t gfp,
					unsigned int order);

/*
 * The fast path of the fast path, for the common request: order <= PAGE_ALLOC_COSTLY_ORDER,
 * the local node, no __GFP_THISNODE, this thread the biased owner of its CPU's list lock. It
 * tries only the first zone of the zonelist, if local, with the watermark test of
 * get_page_from_freelist, and only a non-empty per-CPU list; every other case (an empty list to
 * refill, a zone at its mark, a lock to take) goes to the general path, which decides again
 * from scratch. Every exit is a return or a tail call: for order 0 (where the watermark test
 * calls nothing) the code saves no register on the stack, so no store to the stack waits in
 * front of the reference drop of the next free.
 */
static mm_always_inline struct page *alloc_pages_pcp_fast(struct machine *m, gfp_t gfp,
							  unsigned int order)
{
	enum zone_type hz = zone_of_gfp(gfp);
	int cpu = mm_current.cpu, nid;
	struct zone *z = m->phys->fast_zone[cpu][hz];	/* on this CPU's node, or NULL */
	struct per_cpu_pages *pcp;
	struct list_head *list;
	struct page *page;
	unsigned long mark;
	long free_pages;

	if (unlikely(!z))
		goto general;
	nid = z->node;
	/*
	 * The high mark while the zone is above it, else the low one: a zone that falls to its
	 * high mark is left to the general path, which notes it (ZONE_BELOW_HIGH).
	 */
	mark = zone_test_flag(z, ZONE_BELOW_HIGH) ? low_wmark_pages(z) : high_wmark_pages(z);
	/* = NR_FREE_PAGES less the high-atomic and CMA free pages: one counter for the fast path */
	free_pages = stat_read(&z->nr_free_usable) - ((1L << order) - 1);
	if (unlikely(free_pages <= (long)mark + z->lowmem_reserve[hz]))
		goto general;
	if (order && !__zone_watermark_ok(z, order, mark, hz, ALLOC_WMARK_LOW,
					  zone_page_state(z, NR_FREE_PAGES)))
		goto general;
	pcp = &z->per_cpu_pageset[cpu];
	if (unlikely(!mm_bias_enter_fast(&pcp->bl)))
		goto general;
	list = &pcp->lists[pcp_list_index(gfp_migratetype(gfp), order)];
	if (unlikely(list_empty(list))) {
		mm_bias_exit_fast();
		goto general;
	}
	page = pcp_take_locked(pcp, list, order, nid, nid, nid);	/* a local hit */
	mm_bias_exit_fast();
	return prep_new_page(m, page, order, gfp);
general:
	return alloc_pages_general(m, -1, gfp, order);
}

/* The fast path for orders 1..PAGE_ALLOC_COSTLY_ORDER, out of line: its watermark test calls. */
static noinline struct page *alloc_pages_pcp_fast_order(struct machine *m, gfp_t gfp,
							unsigned int order)
{
	return alloc_pages_pcp_fast(m, gfp, order);
}

/*
 * fail_page_alloc - fault injection for one allocation attempt (the kernel's
 * should_fail_alloc_page): a __GFP_NOFAIL request is not even counted unless the attribute says
 * ignore_nofail, so "fail the nth call" numbers only the requests that may fail. The caller
 * calls it once per attempt; the slow path's retries are the same attempt.
 */
static inline bool fail_page_alloc(struct machine *m, gfp_t gfp, unsigned int order)
{
	if (likely(!mm_faults_armed(m)))
		return false;
	if ((gfp & __GFP_NOFAIL) &&
	    !__atomic_load_n(&m->faults[FAULT_PAGE_ALLOC].cfg.ignore_nofail, __ATOMIC_RELAXED))
		return false;
	return should_fail(m, FAULT_PAGE_ALLOC, order);
}

/* Everything but the per-CPU fast path: checks, fault injection, zonelist walk, slow path. */
static noinline struct page *alloc_pages_general(struct machine *m, int nid, gfp_t gfp,
						 unsigned int order)
{
	struct alloc_context ac;
	struct page *page;

	if (unlikely(order > MAX_PAGE_ORDER)) {
		if (!(gfp & __GFP_NOWARN))
			printk(m, "WARNING: alloc_pages: order %u > MAX_PAGE_ORDER %d\n", order,
			       MAX_PAGE_ORDER);
		return NULL;
	}
	if (nid < 0 || nid >= m->nr_nodes)
		nid = m->cpus[mm_current.cpu].node;
	if (unlikely(fail_page_alloc(m, gfp, order)))
		return NULL;
	ac.preferred_nid = nid;
	ac.highest_zoneidx = zone_of_gfp(gfp);
	ac.migratetype = gfp_migratetype(gfp);
	ac.zonelist = &m->phys->node_data[nid]->node_zonelists[(gfp & __GFP_THISNODE) ? ZONELIST_NOFALLBACK
										: ZONELIST_FALLBACK];
	page = get_page_from_freelist(m, gfp, order,
				      gfp_to_alloc_cma(gfp, ALLOC_WMARK_LOW) | alloc_flags_nofragment(m, &ac),
				      &ac);
	if (unlikely(!page))
		page = alloc_pages_slowpath(m, gfp, order, &ac);
	if (mm_debug_on(m, MM_DEBUG_CHECKS) && page)
		phys_debug_check_zone(mpage_zone(m, page));
	return page;
}

static inline struct page *alloc_pages_inline(int nid, gfp_t gfp, unsigned int order)
{
	struct machine *m = current_machine();

	if (likely(nid < 0 && !(gfp & __GFP_THISNODE) && !mm_faults_armed(m) &&
		   !mm_debug_on(m, MM_DEBUG_CHECKS))) {
		if (likely(order == 0))
			return alloc_pages_pcp_fast(m, gfp, 0);
		if (order <= PAGE_ALLOC_COSTLY_ORDER)
			return alloc_pages_pcp_fast_order(m, gfp, order);
	}
	return alloc_pages_general(m, nid, gfp, order);
}

struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order)
{
	return alloc_pages_inline(nid, gfp, order);
}

struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	return alloc_pages_inline(-1, gfp, order);
}

unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	struct page *page = alloc_pages(gfp & ~__GFP_HIGHMEM, order);

	return page ? (unsigned long)page_address(page) : 0;
}

unsigned long __get_free_page(gfp_t gfp)
{
	return __get_free_pages(gfp, 0);
}

unsigned long get_zeroed_page(gfp_t gfp)
{
	return __get_free_pages(gfp | __GFP_ZERO, 0);
}

/* The kernel's bad_page(): report a page in an impossible state; it is not freed. */
static void bad_page(struct machine *m, struct page *page, const char *reason)
{
	printk(m, "BUG: Bad page state in process mmlab  pfn:%05lx\n", mpage_to_pfn(m, page));
	printk(m, "page: refcount:%d mapcount:%d mapping:%p index:%#lx pfn:%#lx\n",
	       page_ref_count(page), page_mapcount(page), page->mapping, page->index,
	       mpage_to_pfn(m, page));
	printk(m, "flags: %#lx\n", page->flags & PAGE_FLAGS_MASK);
	printk(m, "page dumped because: %s\n", reason);
}

#define PAGE_FLAGS_CHECK_AT_FREE						\
	((1UL << PG_lru) | (1UL << PG_locked) | (1UL << PG_private) | (1UL << PG_private_2) | \
	 (1UL << PG_writeback) | (1UL << PG_reserved) | (1UL << PG_slab) | (1UL << PG_active) | \
	 (1UL << PG_unevictable) | (1UL << PG_mlocked) | (1UL << PG_buddy))

static noinline bool free_page_is_bad(struct machine *m, struct page *page)
{
	if (unlikely(page_mapcount(page) != 0)) {
		bad_page(m, page, "nonzero mapcount");
		return true;
	}
	if (unlikely(page->mapping != NULL)) {
		bad_page(m, page, "non-NULL mapping");
		return true;
	}
	if (unlikely(page->flags & PAGE_FLAGS_CHECK_AT_FREE)) {
		bad_page(m, page, "PAGE_FLAGS_CHECK_AT_FREE flag(s) set");
		return true;
	}
	return false;
}

/*
 * One test for the ways a page may not be freed (mapped, in a mapping, a flag of PAGE_FLAGS_
 * CHECK_AT_FREE or of @more set): nonzero if any; free_page_is_bad() tells which.
 */
static inline unsigned long page_not_freeable(const struct page *page, unsigned long more)
{
	return (page->flags & (PAGE_FLAGS_CHECK_AT_FREE | more)) | (unsigned long)page->mapping |
	       (unsigned int)page_mapcount(page);
}

/* Checks, compound teardown and poisoning before a block returns to the free lists. */
static inline bool free_pages_prepare(struct machine *m, struct page *page, unsigned int order)
{
	unsigned long n = 1UL << order, i;

	if (PageHead(page)) {
		for (i = 1; i < n; i++) {
			page[i].compound_head = 0;
			page[i].compound_info = 0;
		}
		page->flags &= ~(1UL << PG_head);
	}
	if (unlikely(page_not_freeable(page, 0)) && free_page_is_bad(m, page))
		return false;
	page->flags &= ~(PAGE_FLAGS_MASK | PAGE_ALLOC_ORDER_MASK);
	page->private = 0;
	page->memcg_data = 0;
	if (mm_debug_on(m, MM_DEBUG_POISON))
		memset(mpage_address(m, page), PAGE_POISON, PAGE_SIZE << order);
	return true;
}

static void free_pages_prepare_and_free(struct machine *m, struct page *page, unsigned int order);

/*
 * A block whose last reference is gone goes back: for the common case (no compound page,
 * nothing wrong with the page, no poisoning, an order the per-CPU lists take, a pageblock of
 * a per-CPU type, this thread the biased owner of its CPU's list lock) what
 * free_pages_prepare() and free_unref_page() do, inline; any other case goes, unchanged, to
 * the general path. Every exit is a return or a tail call (see alloc_pages_pcp_fast()).
 */
static mm_always_inline void free_pages_last_ref(struct machine *m, struct page *page,
						 unsigned int order)
{
	const struct phys_state *ph = m->phys;
	unsigned long flags = page->flags;
	struct per_cpu_pages *pcp;
	struct zone *zone;
	int mt, pindex, tune;

	/* (Poisoning, and level 3's check after every operation, are the general path's.) */
	if (unlikely(order > PAGE_ALLOC_COSTLY_ORDER || mm_debug_on(m, MM_DEBUG_POISON) ||
		     page_not_freeable(page, 1UL << PG_head)))
		return free_pages_prepare_and_free(m, page, order);
	zone = phys_page_zone(ph, page);
	mt = get_pfnblock_migratetype(zone, phys_page_to_pfn(ph, page));
	if (unlikely(mt >= MIGRATE_PCPTYPES))
		return free_pages_prepare_and_free(m, page, order);
	pcp = &zone->per_cpu_pageset[mm_current.cpu];
	if (unlikely(!mm_bias_enter_fast(&pcp->bl)))
		return free_pages_prepare_and_free(m, page, order);
	page->flags = flags & ~(PAGE_FLAGS_MASK | PAGE_ALLOC_ORDER_MASK);
	page->private = 0;
	page->memcg_data = 0;
	pindex = pcp_list_index(mt, order);
	tune = free_unref_page_commit(zone, pcp, page, order, pindex);
	if (unlikely(tune))
		return pcp_free_tune_and_exit_fast(zone, pcp, tune & PCP_FREE_HIGH, pindex);
	mm_bias_exit_fast();
}

/*
 * The general free path. Its preconditions (pfn aligned to @order, refcount 0, not PG_buddy)
 * are asserted where the block reaches the buddy lists, in free_one_page_locked(), also for
 * blocks that pass through a per-CPU list first: asserting them here too cost the order-9
 * pair 1.5 ns (of 21) in bench_page_alloc.
 */
static noinline void free_pages_prepare_and_free(struct machine *m, struct page *page,
						 unsigned int order)
{
	struct zone *zone = mpage_zone(m, page);
	unsigned long pfn = mpage_to_pfn(m, page);
	int mt;

	if (unlikely(!free_pages_prepare(m, page, order)))
		return;
	mt = get_pfnblock_migratetype(zone, pfn);
	if (likely(pcp_allowed_order(order))) {
		/* Reserve and isolated blocks' pages are queued as MOVABLE or bypass the pcp. */
		if (unlikely(mt >= MIGRATE_PCPTYPES)) {
			if (mt == MIGRATE_ISOLATE)
				goto to_buddy;
			mt = MIGRATE_MOVABLE;
		}
		if (likely(free_unref_page(zone, page, order, mt)))
			goto out;
	}
to_buddy:
	mm_lock(&zone->lock);
	free_one_page_locked(zone, page, pfn, order, mt);
	mm_unlock(&zone->lock);
	{
		struct per_cpu_pages *pcp = &zone->per_cpu_pageset[mm_current.cpu];

		bool fast = pcp_enter(pcp);

		stat_add_locked(&pcp->nr_freed, 1L << order);
		pcp_leave(pcp, fast);
	}
out:
	if (mm_debug_on(m, MM_DEBUG_CHECKS))
		phys_debug_check_zone(zone);
}

/*
 * After a reference drop that was not the last: report a drop below zero (the count is put
 * back), else free what the kernel frees of a non-compound block whose first page someone
 * else still holds: the other pages, in decreasing halves.
 */
static noinline void free_pages_not_last(struct machine *m, struct page *page,
					 unsigned int order, int old, bool head)
{
	if (unlikely(old <= 0)) {
		atomic_fetch_add_explicit(&page->_refcount, 1, memory_order_relaxed);
		bad_page(m, page, "VM_BUG_ON_PAGE(page_ref_count(page) == 0)");
		return;
	}
	if (head || !order)
		return;
	/* What is left of the block is its first page: an order-0 page now. */
	page->flags &= ~PAGE_ALLOC_ORDER_MASK;
	while (order-- > 0)
		free_pages_prepare_and_free(m, page + (1UL << order), order);
}

/* A descriptor that is not one of this machine's (a stray pointer, another machine's page). */
static noinline bool foreign_page(struct machine *m, const struct page *page, const char *fn)
{
	if (page && (uintptr_t)page >= (uintptr_t)m->phys->vmemmap &&
	    (uintptr_t)page < (uintptr_t)(m->phys->vmemmap + m->phys->max_pfn) &&
	    ((uintptr_t)page - (uintptr_t)m->phys->vmemmap) % sizeof(struct page) == 0)
		return false;
	printk(m, "BUG: %s: %p is not a page of this machine\n", fn, (const void *)page);
	return true;
}

static inline bool page_in_machine(const struct machine *m, const struct page *page)
{
	const struct phys_state *ph = m->phys;

	return (uintptr_t)page - (uintptr_t)ph->vmemmap < ph->max_pfn * sizeof(struct page) &&
	       ((uintptr_t)page & (sizeof(struct page) - 1)) == 0;
}

/*
 * __free_pages() of something that is not a block of this machine, or with an order other than
 * the block was allocated with: reported, not freed (freeing a wrong order would hand out pages
 * someone holds, or leak the rest of the block). A page that is free already is bad_page()'s
 * (with a zero refcount, the reference drop reports it).
 */
static noinline void free_pages_bad_args(struct machine *m, struct page *page, unsigned int order)
{
	unsigned int alloc_order;

	if (foreign_page(m, page, "__free_pages"))
		return;
	if (order > MAX_PAGE_ORDER) {
		printk(m, "BUG: __free_pages: order %u > MAX_PAGE_ORDER %d\n", order, MAX_PAGE_ORDER);
		return;
	}
	alloc_order = (unsigned int)((page->flags & PAGE_ALLOC_ORDER_MASK) >> PAGE_ALLOC_ORDER_SHIFT);
	if (page_ref_count(page) <= 0) {
		bad_page(m, page, "VM_BUG_ON_PAGE(page_ref_count(page) == 0)");
		return;
	}
	printk(m, "------------[ cut here ]------------\n");
	printk(m, "WARNING: __free_pages: order %u of a block allocated as order %u: not freed\n",
	       order, alloc_order);
	bad_page(m, page, PageHead(page) ? "VM_BUG_ON_PAGE(compound && compound_order(page) != order)"
					 : "freed with the wrong order");
}

/*
 * free_pages_last_ref() out of line, entered by a jump: the registers it saves are pushed
 * after the reference drop, not in front of it, where the locked instruction would wait for
 * them to reach the cache.
 */
static noinline void free_pages_last_ref_fn(struct machine *m, struct page *page,
					    unsigned int order)
{
	free_pages_last_ref(m, page, order);
}

void __free_pages(struct page *page, unsigned int order)
{
	struct machine *m = current_machine();
	bool head;
	int old;

	if (unlikely(!page_in_machine(m, page) ||
		     (page->flags & PAGE_ALLOC_ORDER_MASK) != (unsigned long)order << PAGE_ALLOC_ORDER_SHIFT))
		return free_pages_bad_args(m, page, order);
	head = PageHead(page);
	old = atomic_fetch_sub_explicit(&page->_refcount, 1, memory_order_acq_rel);
	if (unlikely(old != 1))
		return free_pages_not_last(m, page, order, old, head);
	free_pages_last_ref_fn(m, page, order);
}

void free_pages(unsigned long addr, unsigned int order)
{
	struct machine *m = current_machine();

	if (!addr)
		return;
	if (!virt_addr_valid((void *)addr) || (addr & (PAGE_SIZE - 1))) {
		printk(m, "BUG: free_pages: bad address %#lx\n", addr);
		return;
	}
	__free_pages(virt_to_page((void *)addr), order);
}

void free_page(unsigned long addr)
{
	free_pages(addr, 0);
}

void get_page(struct page *page)
{
	struct page *head = compound_head(page);

	VM_BUG_ON(page_ref_count(head) <= 0);
	atomic_fetch_add_explicit(&head->_refcount, 1, memory_order_relaxed);
}

void split_page(struct page *page, unsigned int order)
{
	unsigned long i;

	VM_BUG_ON(PageCompound(page));
	VM_BUG_ON(page_ref_count(page) != 1);
	page->flags &= ~PAGE_ALLOC_ORDER_MASK;
	for (i = 1; i < (1UL << order); i++)
		set_page_count(page + i, 1);
}

void put_page(struct page *page)
{
	struct machine *m = current_machine();
	struct page *head;
	int old;

	if (unlikely(!page_in_machine(m, page))) {
		foreign_page(m, page, __func__);
		return;
	}
	head = compound_head(page);
	old = atomic_fetch_sub_explicit(&head->_refcount, 1, memory_order_acq_rel);
	if (unlikely(old != 1))
		return free_pages_not_last(m, head, 0, old, true);
	if (PageHead(head))
		return free_pages_prepare_and_free(m, head, compound_order(head));
	free_pages_last_ref(m, head, 0);
}

void machine_set_reclaim_hook(struct machine *m, mmlab_reclaim_fn fn, void *arg)
{
	m->phys->reclaim = fn;
	m->phys->reclaim_arg = arg;
}

unsigned long nr_free_pages(void)
{
	return (unsigned long)global_zone_page_state(current_machine(), NR_FREE_PAGES);
}
