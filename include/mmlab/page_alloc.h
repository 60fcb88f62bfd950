/*
 * mmlab/page_alloc.h - the physical page allocator: the buddy system behind per-CPU lists.
 *
 * Every function acts on the calling thread's current machine and CPU (see machine.h). A page
 * returned with order N is the first of 2^N physically contiguous frames, aligned to 2^N frames;
 * page_address() gives a host pointer to its bytes. Freed pages go to the CPU's per-CPU list
 * (orders 0..3 and pageblock order) or straight back to the buddy lists, where they merge with
 * their buddies.
 */
#ifndef MMLAB_PAGE_ALLOC_H
#define MMLAB_PAGE_ALLOC_H

#include "export.h"
#include "gfp.h"
#include "page.h"

enum migratetype {
	MIGRATE_UNMOVABLE,
	MIGRATE_MOVABLE,
	MIGRATE_RECLAIMABLE,
	MIGRATE_PCPTYPES,	/* the number of types on the per-CPU lists */
	MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES,
	MIGRATE_CMA,
	MIGRATE_ISOLATE,	/* can't allocate from here */
	MIGRATE_TYPES
};

struct zone;
typedef struct pglist_data pg_data_t;

/*
 * alloc_pages - allocate 2^@order contiguous frames, from the current CPU's node first and then
 * the other nodes in distance order (only that node with __GFP_THISNODE), in the highest zone
 * @gfp allows and then the lower ones. The page comes with a reference count of 1; with
 * __GFP_ZERO its bytes are zero; with __GFP_COMP it is a compound page. Returns NULL if no zone
 * passes its watermark check, after printing the kernel's allocation failure report to the
 * machine log unless __GFP_NOWARN. @order above MAX_PAGE_ORDER returns NULL (with a warning
 * unless __GFP_NOWARN).
 */
MMLAB_API struct page *alloc_pages(gfp_t gfp, unsigned int order);

/* alloc_pages_node - alloc_pages preferring node @nid (-1: the current CPU's node). */
MMLAB_API struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned int order);

/* alloc_page - one frame. */
static inline struct page *alloc_page(gfp_t gfp)
{
	return alloc_pages(gfp, 0);
}

/*
 * __free_pages - drop a reference to a block from alloc_pages(@order); the last reference frees
 * it. @order must be the order it was allocated with.
 */
MMLAB_API void __free_pages(struct page *page, unsigned int order);

/* __get_free_pages - like alloc_pages, but returns the block's address (0 on failure). */
MMLAB_API unsigned long __get_free_pages(gfp_t gfp, unsigned int order);
/* __get_free_page - __get_free_pages of one frame: its address, or 0 on failure. */
MMLAB_API unsigned long __get_free_page(gfp_t gfp);
/* get_zeroed_page - one zeroed frame's address, or 0. */
MMLAB_API unsigned long get_zeroed_page(gfp_t gfp);
/* free_pages - free by address; 0 is ignored, as in the kernel. */
MMLAB_API void free_pages(unsigned long addr, unsigned int order);
/* free_page - free_pages of one frame (order 0); 0 is ignored. */
MMLAB_API void free_page(unsigned long addr);

/*
 * Conversions between frames, descriptors and addresses on the current machine. They do not
 * check their argument: it must be a page, pfn or address of that machine (pfn_valid(),
 * virt_addr_valid() tell).
 *
 * page_address - the host address of the first byte of @page's frame.
 */
MMLAB_API void *page_address(const struct page *page);
/* virt_to_page - the descriptor of the frame that holds the byte at @addr. */
MMLAB_API struct page *virt_to_page(const void *addr);
/* virt_to_head_page - the compound head of the page that holds @addr. */
MMLAB_API struct page *virt_to_head_page(const void *addr);
/* page_to_pfn - the page frame number of @page (its physical address >> PAGE_SHIFT). */
MMLAB_API unsigned long page_to_pfn(const struct page *page);
/* pfn_to_page - the descriptor of frame @pfn. */
MMLAB_API struct page *pfn_to_page(unsigned long pfn);
/* pfn_valid - true if @pfn has a struct page (RAM, not a hole) on the current machine. */
MMLAB_API bool pfn_valid(unsigned long pfn);
/* virt_addr_valid - true if @addr lies in a RAM frame of the current machine. */
MMLAB_API bool virt_addr_valid(const void *addr);

/*
 * page_zone / page_pgdat - the zone and the node (pglist_data) @page belongs to, on the current
 * machine. Both are opaque outside the library: handles for drain_local_pages() and the like.
 */
MMLAB_API struct zone *page_zone(const struct page *page);
MMLAB_API pg_data_t *page_pgdat(const struct page *page);

/* get_page - take a reference. The page must already hold one. */
MMLAB_API void get_page(struct page *page);
/* put_page - drop a reference; the last one frees the page (the whole compound page). */
MMLAB_API void put_page(struct page *page);

/*
 * split_page - make the non-compound block @page of @order (just allocated, one reference)
 * 2^@order order-0 pages, each with one reference and freed alone with __free_pages(p, 0).
 */
MMLAB_API void split_page(struct page *page, unsigned int order);
/* get_pageblock_migratetype - the migratetype of the pageblock that holds @page. */
MMLAB_API enum migratetype get_pageblock_migratetype(const struct page *page);

/* gfp_migratetype - the migratetype an allocation with @gfp takes its pages from. */
static inline enum migratetype gfp_migratetype(gfp_t gfp)
{
	return (enum migratetype)((gfp & GFP_MOVABLE_MASK) >> GFP_MOVABLE_SHIFT);
}

/* gfp_zone - the highest zone an allocation with @gfp may use. */
MMLAB_API enum zone_type gfp_zone(gfp_t gfp);

/*
 * drain_local_pages / drain_all_pages - return the per-CPU lists of the current CPU (or of every
 * CPU) to the buddy allocator, for @zone or for every zone if @zone is NULL.
 */
MMLAB_API void drain_local_pages(struct zone *zone);
MMLAB_API void drain_all_pages(struct zone *zone);

/*
 * refresh_cpu_vm_stats - one pass of the kernel's vmstat worker (once a second there) over
 * @cpu's per-CPU lists: lower each zone's pcp high by an eighth towards high_min and give back
 * the pages over it; give back a batch of a remote node's pages that sat there three passes.
 * Returns how many lists still have work to do (0 once settled), or -EINVAL for a bad @cpu.
 * vmstat_refresh - the same for every CPU (a write to /proc/sys/vm/stat_refresh).
 */
MMLAB_API int refresh_cpu_vm_stats(int cpu);
MMLAB_API void vmstat_refresh(void);

/*
 * Reclaim hook: when the fast path fails and the request may block, the allocator calls the
 * machine's reclaim hook (none until the reclaim layer installs one) and retries if it reports
 * progress. Returns the number of pages reclaimed.
 */
typedef unsigned long (*mmlab_reclaim_fn)(struct machine *m, gfp_t gfp, unsigned int order, void *arg);
/*
 * machine_set_reclaim_hook - install @fn (NULL: none) as @m's reclaim hook; the allocator passes
 * @arg back to it. Replaces any earlier hook.
 */
MMLAB_API void machine_set_reclaim_hook(struct machine *m, mmlab_reclaim_fn fn, void *arg);

/*
 * nr_free_pages - free pages in the buddy lists of the whole current machine (what MemFree
 * reports, in pages; pages on per-CPU lists are not counted, as in the kernel).
 */
MMLAB_API unsigned long nr_free_pages(void);

#endif /* MMLAB_PAGE_ALLOC_H */
