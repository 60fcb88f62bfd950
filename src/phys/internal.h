/*
 * internal.h - functions shared between the files of src/phys, grouped by the file that defines
 * them: a table of contents of the physical memory layer.
 */
#ifndef MMLAB_PHYS_INTERNAL_H
#define MMLAB_PHYS_INTERNAL_H

#include "core/layers.h"
#include "phys/mmzone.h"

/* memmap.c: the host arena, the memmap and pfn <-> page <-> address */
int memmap_init(struct machine *m);
void memmap_exit(struct machine *m);
void memmap_init_block(struct machine *m, unsigned long pfn, unsigned long nr, struct zone *zone);
bool phys_pfn_is_ram(const struct machine *m, unsigned long pfn);

/*
 * pfn <-> page <-> address <-> zone. The phys_* forms take the layer's state, for fast paths
 * that load m->phys once (with -fno-strict-aliasing every store would make the compiler load
 * it again); the m* forms are for everything else.
 */
static inline struct page *phys_pfn_to_page(const struct phys_state *ph, unsigned long pfn)
{
	return ph->vmemmap + pfn;
}
static inline unsigned long phys_page_to_pfn(const struct phys_state *ph, const struct page *page)
{
	return (unsigned long)(page - ph->vmemmap);
}
static inline void *phys_page_address(const struct phys_state *ph, const struct page *page)
{
	return ph->arena + ((size_t)(page - ph->vmemmap) << PAGE_SHIFT);
}
static inline struct zone *phys_page_zone(const struct phys_state *ph, const struct page *page)
{
	_Static_assert(PAGE_NODE_SHIFT == PAGE_ZONE_SHIFT + PAGE_ZONE_BITS &&
		       PAGE_NODE_SHIFT + PAGE_NODE_BITS == 64, "node and zone fill the top bits");
	return ph->zone_table[page->flags >> PAGE_ZONE_SHIFT];
}
static inline struct page *mpfn_to_page(const struct machine *m, unsigned long pfn)
{
	return phys_pfn_to_page(m->phys, pfn);
}
static inline unsigned long mpage_to_pfn(const struct machine *m, const struct page *page)
{
	return phys_page_to_pfn(m->phys, page);
}
static inline void *mpage_address(const struct machine *m, const struct page *page)
{
	return phys_page_address(m->phys, page);
}
static inline struct zone *mpage_zone(const struct machine *m, const struct page *page)
{
	return phys_page_zone(m->phys, page);
}

/* zone.c: node and zone layout, watermarks, lowmem reserves, zonelists, pcp sizing */
int phys_zones_init(struct machine *m);
void phys_zones_exit(struct machine *m);
/* min_free_kbytes (with the THP raise), watermarks, lowmem reserves and pcp sizes, from managed pages */
void init_per_zone_wmark_min(struct machine *m);
void setup_per_zone_wmarks(struct machine *m);
void setup_per_zone_lowmem_reserve(struct machine *m);
void zone_pcp_update(struct zone *zone);
unsigned long nr_free_zone_pages_upto(const struct machine *m, enum zone_type highest);

/* buddy.c: the buddy allocator proper (zone->lock held where noted) */
struct page *rmqueue_buddy_locked(struct zone *zone, unsigned int order, int migratetype,
				  unsigned int alloc_flags);
void free_one_page_locked(struct zone *zone, struct page *page, unsigned long pfn,
			  unsigned int order, int migratetype);
int rmqueue_bulk(struct zone *zone, unsigned int order, unsigned long count,
		 struct list_head *list, int migratetype, unsigned int alloc_flags);
void phys_free_boot_block(struct zone *zone, unsigned long pfn, unsigned int order);
static inline size_t pageblock_index(const struct zone *zone, unsigned long pfn)
{
	return (pfn - zone->pageblock_base_pfn) >> pageblock_order;
}
/* Read without the zone lock on the free path, as the kernel does: a relaxed atomic. */
static inline int get_pfnblock_migratetype(const struct zone *zone, unsigned long pfn)
{
	return atomic_load_explicit(&zone->pageblock_mt[pageblock_index(zone, pfn)],
				    memory_order_relaxed);
}
void set_pageblock_migratetype(struct zone *zone, unsigned long pfn, int migratetype);
void reserve_highatomic_pageblock(struct zone *zone, struct page *page, unsigned int order);
bool unreserve_highatomic_pageblock(struct zone *zone);

/* pcp.c: per-CPU page lists */
int pcp_init(struct machine *m);
void pcp_exit(struct machine *m);
struct page *rmqueue_pcplist(struct zone *zone, unsigned int order, int migratetype,
			     unsigned int alloc_flags, int preferred_nid, bool *used);
void pcp_free_tune(struct zone *zone, struct per_cpu_pages *pcp, bool free_high, int pindex);
void pcp_free_tune_and_exit_fast(struct zone *zone, struct per_cpu_pages *pcp, bool free_high,
				 int pindex);
void drain_zone_pages(struct zone *zone, int cpu);
/*
 * Per-CPU list locking (core/bias_lock.h). pcp_enter() is for the CPU's own thread: as the
 * biased owner it takes no lock (returns true); otherwise it takes the lock and may become the
 * owner. pcp_lock() is for anyone else (drains, reports, the checker): it revokes the owner.
 */
static inline bool pcp_enter(struct per_cpu_pages *pcp)
{
	if (likely(mm_bias_enter_fast(&pcp->bl)))
		return true;
	mm_bias_lock(&pcp->bl, true);
	return false;
}
static inline void pcp_leave(struct per_cpu_pages *pcp, bool fast)
{
	if (likely(fast))
		mm_bias_exit_fast();
	else
		mm_bias_unlock(&pcp->bl);
}
static inline void pcp_lock(struct per_cpu_pages *pcp)
{
	mm_bias_lock(&pcp->bl, false);
}
static inline void pcp_unlock(struct per_cpu_pages *pcp)
{
	mm_bias_unlock(&pcp->bl);
}

/* Count one allocation of 2^@order pages from (zone on @zone_nid, this CPU); pcp held. */
static inline void count_alloc_locked(struct per_cpu_pages *pcp, unsigned int order, int zone_nid,
				      int preferred_nid, int local_nid)
{
	stat_add_locked(&pcp->nr_alloc_events, 1);
	if (order)
		stat_add_locked(&pcp->nr_alloc_extra, (1L << order) - 1);
	if (unlikely(zone_nid != preferred_nid))
		stat_add_locked(&pcp->numa_events[NUMA_MISS], 1);
	if (unlikely(zone_nid != local_nid))
		stat_add_locked(&pcp->numa_events[NUMA_OTHER], 1);
}

/* Pages this CPU allocated from the zone of @pcp (racy: for reports and the checker). */
static inline long pcp_nr_alloc(const struct per_cpu_pages *pcp)
{
	return stat_read(&pcp->nr_alloc_events) + stat_read(&pcp->nr_alloc_extra);
}

/* A NUMA event count (enum numa_stat_item) of the zone of @pcp from this CPU; racy. */
static inline long pcp_numa_event(const struct per_cpu_pages *pcp, int item)
{
	long v;

	if (item != NUMA_HIT && item != NUMA_LOCAL)
		return stat_read(&pcp->numa_events[item]);
	v = stat_read(&pcp->numa_events[item == NUMA_HIT ? NUMA_MISS : NUMA_OTHER]);
	v = stat_read(&pcp->nr_alloc_events) - v;
	return v > 0 ? v : 0;
}
/* Per-CPU list index: (order, migratetype) for low orders, then the two pageblock lists. */
static inline int pcp_list_index(int mt, unsigned int order)
{
	if (order > PAGE_ALLOC_COSTLY_ORDER)
		return NR_LOWORDER_PCP_LISTS + (mt == MIGRATE_MOVABLE);
	return (int)order * MIGRATE_PCPTYPES + mt;
}

/* Take the first page of a non-empty pcp @list and account it; pcp held. */
static inline struct page *pcp_take_locked(struct per_cpu_pages *pcp, struct list_head *list,
					   unsigned int order, int zone_nid,
					   int preferred_nid, int local_nid)
{
	struct page *page = list_first_entry(list, struct page, lru);

	__list_del_entry(&page->lru);	/* fewer stores: lru is the new owner's to set */
	pcp->count -= 1 << order;
	pcp->free_count >>= 1;
	count_alloc_locked(pcp, order, zone_nid, preferred_nid, local_nid);
	return page;
}

static inline bool pcp_allowed_order(unsigned int order)
{
	return order <= PAGE_ALLOC_COSTLY_ORDER || order == pageblock_order;
}

static inline bool zone_test_flag(const struct zone *zone, enum zone_flags bit)
{
	return (atomic_load_explicit((atomic_ulong *)&zone->flags, memory_order_relaxed) >> bit) & 1;
}
static inline void zone_set_flag(struct zone *zone, enum zone_flags bit)
{
	if (!zone_test_flag(zone, bit))		/* test first: no locked write while it is set */
		atomic_fetch_or_explicit(&zone->flags, 1UL << bit, memory_order_relaxed);
}
static inline void zone_clear_flag(struct zone *zone, enum zone_flags bit)
{
	if (zone_test_flag(zone, bit))
		atomic_fetch_and_explicit(&zone->flags, ~(1UL << bit), memory_order_relaxed);
}

/*
 * free_unref_page_commit - queue a free block (flags and private cleared) on list @pindex of
 * @pcp, the current CPU's lists for @zone; pcp held. Tracks runs of frees for the free batch
 * and for high-order frees. Returns 0, or, when the lists reached pcp->high or the zone asks
 * them to shrink, what the caller passes on to pcp_free_tune(): PCP_TUNE, | PCP_FREE_HIGH
 * after a run of high-order frees.
 */
#define PCP_TUNE	1
#define PCP_FREE_HIGH	2
static inline int free_unref_page_commit(struct zone *zone, struct per_cpu_pages *pcp,
					 struct page *page, unsigned int order, int pindex)
{
	int batch = pcp->batch;
	bool free_high = false;

	if (unlikely(pcp->alloc_factor))	/* no store in the common case */
		pcp->alloc_factor >>= 1;
	list_add(&page->lru, &pcp->lists[pindex]);
	pcp->count += 1 << order;
	stat_add_locked(&pcp->nr_freed, 1L << order);
	if (order && order <= PAGE_ALLOC_COSTLY_ORDER) {
		/* Order 1..3 frees in a row, with no allocation between: give them back early. */
		free_high = pcp->free_count >= batch && (pcp->flags & PCPF_PREV_FREE_HIGH_ORDER) &&
			    (!(pcp->flags & PCPF_FREE_HIGH_BATCH) || pcp->count >= batch);
		pcp->flags |= PCPF_PREV_FREE_HIGH_ORDER;
	} else if (pcp->flags & PCPF_PREV_FREE_HIGH_ORDER) {
		pcp->flags &= ~PCPF_PREV_FREE_HIGH_ORDER;
	}
	if (pcp->free_count < (batch << PCP_BATCH_SCALE_MAX))
		pcp->free_count += 1 << order;
	if (unlikely(free_high || pcp->count >= pcp->high ||
		     atomic_load_explicit(&zone->flags, memory_order_relaxed)))
		return PCP_TUNE | (free_high ? PCP_FREE_HIGH : 0);
	return 0;
}

/*
 * free_unref_page - queue a freed block on the current CPU's list for its zone. Always true
 * (kept for callers that may one day be refused, as the kernel's trylock can be).
 */
static inline bool free_unref_page(struct zone *zone, struct page *page, unsigned int order,
				   int migratetype)
{
	struct per_cpu_pages *pcp = &zone->per_cpu_pageset[mm_current.cpu];
	int pindex = pcp_list_index(migratetype, order);
	bool fast = pcp_enter(pcp);
	int tune = free_unref_page_commit(zone, pcp, page, order, pindex);

	if (unlikely(tune))
		pcp_free_tune(zone, pcp, tune & PCP_FREE_HIGH, pindex);
	pcp_leave(pcp, fast);
	return true;
}

/* boot.c: page_alloc_init() and page_alloc_exit(), declared in core/layers.h */

/* page_alloc.c: the allocator's entry points, watermark checks, failure reports */
bool zone_watermark_ok(struct zone *z, unsigned int order, unsigned long mark,
		       int highest_zoneidx, unsigned int alloc_flags);
bool __zone_watermark_ok(struct zone *z, unsigned int order, unsigned long mark,
			 int highest_zoneidx, unsigned int alloc_flags, long free_pages);
unsigned int gfp_to_alloc_flags(gfp_t gfp, unsigned int order);

/* gfp.c: printing gfp masks the way the kernel's %pGg does */
int format_gfp_flags(gfp_t gfp, char *buf, size_t size);

/* check.c: the invariant checker (phys_check() is declared in core/layers.h) */
/*
 * phys_debug_check_zone - the level-3 check after an operation on @zone: its buddy lists and
 * free counters, under zone->lock (takes it; the caller must not hold it). A bug if broken.
 */
void phys_debug_check_zone(struct zone *zone);

#endif /* MMLAB_PHYS_INTERNAL_H */
