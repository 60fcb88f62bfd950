/*
 * mmzone.h - the types of physical memory: the layer's state, node (pg_data_t), zone, free
 * areas and per-CPU page lists.
 *
 * Glossary:
 *   struct phys_state     the physical-memory layer of one machine (machine->phys). Owns a host
 *                         arena that backs every frame (frame pfn lives at arena + pfn *
 *                         PAGE_SIZE) and a virtually contiguous memmap (struct page of pfn at
 *                         vmemmap[pfn]); both are reserved with MAP_NORESERVE, so holes and
 *                         untouched memory cost the host nothing.
 *   pg_data_t             a NUMA node: its zones and its two zonelists (fallback, this-node).
 *   struct zone           a pfn range of one node with a buddy allocator: free_area[order] holds
 *                         one list per migratetype; the per-CPU lists sit in front of it.
 *   struct per_cpu_pages  a CPU's cache of free pages for one zone, one list per (migratetype,
 *                         order <= PAGE_ALLOC_COSTLY_ORDER) plus two for pageblock order.
 *   pageblock             2^pageblock_order frames that share a migratetype (zone->pageblock_mt).
 *
 * Where a free frame is (the checker's invariant): exactly one of
 *   - inside a buddy block on zone->free_area[o].free_list[mt] (the head has PG_buddy and
 *     private == o; a PG_deferred head is an order-10 block whose tails were never touched),
 *   - on one per-CPU list (no PG_buddy, private 0, the list's order),
 * and zone free pages == sum over orders of nr_free << order.
 */
#ifndef MMLAB_MMZONE_H
#define MMLAB_MMZONE_H

#include "core/bias_lock.h"
#include "core/core.h"
#include "core/vmstat.h"

#include <mmlab/page_alloc.h>

/*
 * Bits 48-51 of an allocated block's first page->flags: the order it was allocated with, which
 * __free_pages() compares with the order it is given (mmlab's own check: the kernel keeps no
 * order for a non-compound block and checks a compound one's only under CONFIG_DEBUG_VM).
 * Cleared when the block is freed; below the node and zone bits.
 */
#define PAGE_ALLOC_ORDER_SHIFT	48
#define PAGE_ALLOC_ORDER_MASK	(15UL << PAGE_ALLOC_ORDER_SHIFT)
_Static_assert(PAGE_ALLOC_ORDER_SHIFT >= NR_PAGEFLAGS && PAGE_ALLOC_ORDER_SHIFT + 4 <= PAGE_ZONE_SHIFT,
	       "the allocation order sits between the page flags and the zone bits");

#define SECTION_SIZE_BITS	27	/* 128 MiB memory sections, as x86-64 */
#define PFN_SECTION_SHIFT	(SECTION_SIZE_BITS - PAGE_SHIFT)
#define PAGES_PER_SECTION	(1UL << PFN_SECTION_SHIFT)

enum zone_watermarks {
	WMARK_MIN,
	WMARK_LOW,
	WMARK_HIGH,
	WMARK_PROMO,
	NR_WMARK
};

/* Internal allocation flags (the kernel's ALLOC_*), derived from gfp and the request. */
#define ALLOC_WMARK_MIN		WMARK_MIN
#define ALLOC_WMARK_LOW		WMARK_LOW
#define ALLOC_WMARK_HIGH	WMARK_HIGH
#define ALLOC_NO_WATERMARKS	0x04
#define ALLOC_WMARK_MASK	(ALLOC_NO_WATERMARKS - 1)
#define ALLOC_OOM		0x08
#define ALLOC_NON_BLOCK		0x10	/* caller cannot block: a little deeper into reserves */
#define ALLOC_MIN_RESERVE	0x20	/* __GFP_HIGH: may go below the min mark */
#define ALLOC_CPUSET		0x40
#define ALLOC_CMA		0x80
#define ALLOC_NOFRAGMENT	0x100
#define ALLOC_HIGHATOMIC	0x200	/* may use (and create) the high-atomic reserve */
#define ALLOC_KSWAPD		0x800
#define ALLOC_RESERVES		(ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM)

struct free_area {
	struct list_head free_list[MIGRATE_TYPES];
	/* Written under zone->lock, read locklessly by watermark checks (stat_read). */
	atomic_long nr_free;			/* blocks of this order, all types */
	atomic_long nr_free_mt[MIGRATE_TYPES];	/* blocks of this order per type */
};

/* Per-CPU list index: (migratetype, order 0..3) then the two pageblock-order lists. */
#define NR_LOWORDER_PCP_LISTS	(MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1))
#define NR_PCP_LISTS		(NR_LOWORDER_PCP_LISTS + 2)

/* per_cpu_pages.flags */
#define PCPF_PREV_FREE_HIGH_ORDER	0x01	/* the last free was of order 1..3 */
#define PCPF_FREE_HIGH_BATCH		0x02	/* the cache slice holds a batch: keep one */

/* Most pages a CPU moves in one refill or drain: batch << PCP_BATCH_SCALE_MAX. */
#define PCP_BATCH_SCALE_MAX	5

struct per_cpu_pages {
	struct mm_bias_lock bl;	/* protects everything below; biased to the CPU's own thread */
	int count;		/* pages on all lists */
	int high;		/* free back to the buddy lists above this; tuned in [high_min, high_max] */
	int high_min, high_max;	/* the range high is tuned in */
	int batch;		/* pages moved to or from the buddy lists at a time */
	int free_count;		/* consecutive frees since the last allocation (tunes the free batch) */
	/* (short, not char: a char store may alias anything and costs the fast path reloads) */
	short alloc_factor;	/* refills in a row without a free: batch << factor */
	short flags;		/* PCPF_* */
	short expire;		/* refresh passes left before a remote zone's lists drain */
	struct list_head lists[NR_PCP_LISTS];
	/*
	 * What this CPU took from and gave back to this zone, in as few counters as the fast path
	 * can bump: a one-page allocation on the local node adds 1 to nr_alloc_events and nothing
	 * else. Pages allocated = events + extra; NUMA_HIT and NUMA_LOCAL are events less
	 * NUMA_MISS and NUMA_OTHER (their slots here stay 0). Read with the helpers in internal.h.
	 */
	atomic_long nr_alloc_events;	/* allocations */
	atomic_long nr_alloc_extra;	/* pages past the first of multi-page allocations */
	atomic_long nr_freed;		/* pages */
	atomic_long numa_events[NR_VM_NUMA_EVENT_ITEMS];
} __attribute__((aligned(64)));

struct machine;
typedef struct pglist_data pg_data_t;

/* zone->flags bits */
enum zone_flags {
	ZONE_BELOW_HIGH,	/* free pages fell to the high mark: per-CPU lists shrink */
	ZONE_RECLAIM_ACTIVE,	/* kswapd reclaims here: per-CPU lists keep little */
};

struct zone {
	/* Read-mostly fields used by the allocation fast path. */
	atomic_ulong flags;			/* enum zone_flags */
	unsigned long _watermark[NR_WMARK];
	unsigned long watermark_boost;
	unsigned long nr_reserved_highatomic;	/* pages in HIGHATOMIC pageblocks */
	atomic_long nr_free_highatomic;		/* free pages on HIGHATOMIC lists */
	atomic_long nr_free_usable;		/* free pages not HIGHATOMIC or CMA (the fast path's mark) */
	long lowmem_reserve[MAX_NR_ZONES];
	struct per_cpu_pages *per_cpu_pageset;	/* [nr_cpus] */
	pg_data_t *zone_pgdat;
	int node;
	enum zone_type idx;
	const char *name;

	unsigned long zone_start_pfn;
	unsigned long spanned_pages;
	unsigned long present_pages;
	atomic_long managed_pages;
	unsigned long cma_pages;
	int pageset_high_min, pageset_high_max, pageset_batch;
	_Atomic unsigned char *pageblock_mt;	/* migratetype of each pageblock of the span */
	unsigned long pageblock_base_pfn;	/* zone_start_pfn rounded down to a pageblock */

	mm_lock_t lock;				/* protects free_area and pageblock_mt */
	struct free_area free_area[NR_PAGE_ORDERS];
	atomic_long vm_stat[NR_VM_ZONE_STAT_ITEMS];
	unsigned long nr_boot_free;		/* free pages right after boot, for checks */
	atomic_long numa_foreign;		/* allocations meant for this zone, served elsewhere */
} __attribute__((aligned(64)));

struct zoneref {
	struct zone *zone;
	int zone_idx;
};

enum { ZONELIST_FALLBACK, ZONELIST_NOFALLBACK, MAX_ZONELISTS };

struct zonelist {
	struct zoneref _zonerefs[MMLAB_MAX_NUMNODES * MAX_NR_ZONES + 1];	/* NULL-terminated */
};

struct pglist_data {
	struct zone node_zones[MAX_NR_ZONES];
	struct zonelist node_zonelists[MAX_ZONELISTS];
	int nr_zones;				/* highest populated zone + 1 */
	int node_id;
	unsigned long node_start_pfn;
	unsigned long node_present_pages;
	unsigned long node_spanned_pages;
	atomic_long vm_stat[NR_VM_NODE_STAT_ITEMS];
	struct machine *machine;
};

/*
 * The physical-memory layer's state (machine->phys): the frames, their descriptors, the nodes
 * and zones, and the lookup tables of the allocator's fast paths. Set up by page_alloc_init()
 * (boot.c); read-mostly afterwards: only the totals and min_free_kbytes change, under the
 * sysctl paths that recompute the watermarks.
 */
struct phys_state {
	/* The fast paths' tables first: __free_pages reads vmemmap, max_pfn and zone_table. */
	struct page *vmemmap;		/* struct page of pfn at vmemmap[pfn] */
	unsigned long max_pfn;		/* end of the physical address space */
	char *arena;			/* frame pfn at arena + (pfn << PAGE_SHIFT) */
	size_t arena_bytes;
	/* Every zone by (node << PAGE_ZONE_BITS | zone): page->flags >> PAGE_ZONE_SHIFT. */
	struct zone *zone_table[MMLAB_MAX_NUMNODES << PAGE_ZONE_BITS];
	/*
	 * Per CPU, for each highest zone index: the first zone of the CPU's node's zonelist at or
	 * below it, if that zone is on the CPU's node; else NULL (the fast path leaves it to the
	 * rest). The page allocator's only per-CPU datum outside its zones' pcp lists.
	 */
	struct zone *fast_zone[MMLAB_MAX_CPUS][MAX_NR_ZONES];

	size_t vmemmap_bytes;
	int nr_ram;			/* RAM ranges, sorted, in pfns [start, end) */
	struct { unsigned long start, end; } ram[MMLAB_MAX_HOLES + 1];
	pg_data_t *node_data[MMLAB_MAX_NUMNODES];

	unsigned long totalram_pages;
	unsigned long totalreserve_pages;
	unsigned long totalcma_pages;
	int min_free_kbytes;

	mmlab_reclaim_fn reclaim;	/* the direct-reclaim hook of the slow path, or NULL */
	void *reclaim_arg;
};

static inline struct zone *zonelist_zone(const struct zoneref *z)
{
	return z->zone;
}

static inline unsigned long zone_managed_pages(const struct zone *z)
{
	return (unsigned long)stat_read(&z->managed_pages);
}

static inline bool populated_zone(const struct zone *z)
{
	return z->present_pages != 0;
}

static inline unsigned long zone_end_pfn(const struct zone *z)
{
	return z->zone_start_pfn + z->spanned_pages;
}

static inline unsigned long wmark_pages(const struct zone *z, enum zone_watermarks w)
{
	return z->_watermark[w] + z->watermark_boost;
}
#define min_wmark_pages(z)	wmark_pages(z, WMARK_MIN)
#define low_wmark_pages(z)	wmark_pages(z, WMARK_LOW)
#define high_wmark_pages(z)	wmark_pages(z, WMARK_HIGH)

static inline long zone_page_state(const struct zone *z, enum zone_stat_item item)
{
	return stat_read(&z->vm_stat[item]);
}

static inline long node_page_state(const pg_data_t *pgdat, enum node_stat_item item)
{
	return stat_read(&pgdat->vm_stat[item]);
}

/* Counter updates from any context (atomic). */
static inline void mod_zone_page_state(struct zone *z, enum zone_stat_item item, long delta)
{
	atomic_fetch_add_explicit(&z->vm_stat[item], delta, memory_order_relaxed);
}

static inline void mod_node_page_state(pg_data_t *pgdat, enum node_stat_item item, long delta)
{
	atomic_fetch_add_explicit(&pgdat->vm_stat[item], delta, memory_order_relaxed);
}

/* Machine-wide sums of zone and node items. */
long global_zone_page_state(const struct machine *m, enum zone_stat_item item);
long global_node_page_state(const struct machine *m, enum node_stat_item item);

/* Every zone of every node (populated or not). */
#define for_each_zone(m, nid, zone)						\
	for ((nid) = 0; (nid) < (m)->nr_nodes; (nid)++)				\
		for ((zone) = (m)->phys->node_data[nid]->node_zones;		\
		     (zone) < (m)->phys->node_data[nid]->node_zones + MAX_NR_ZONES; (zone)++)

extern const char *const zone_names[MAX_NR_ZONES];
extern const char *const migratetype_names[MIGRATE_TYPES];

#endif /* MMLAB_MMZONE_H */
