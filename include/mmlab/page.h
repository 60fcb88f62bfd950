/*
 * mmlab/page.h - struct page: the descriptor of one 4 KiB physical frame.
 *
 * Exactly 64 bytes, laid out as the kernel's so other layers can overlay their own view of a
 * frame at the same offsets (the slab layer's struct slab, as the kernel's):
 *
 *   0  flags      PG_* bits, and the node and zone numbers in the top bits
 *   8  lru        list links: buddy free list, per-CPU list, LRU; in a tail page of a compound
 *                 page, lru.next holds the head page's address with bit 0 set
 *  24  mapping    address_space or anon_vma of a mapped page
 *  32  index      page offset in the mapping
 *  40  private    buddy order while free; owner's data while allocated
 *  48  _mapcount  page-table mappings - 1 (so -1 means unmapped)
 *  52  _refcount  references; 0 while free
 *  56  memcg_data spare word, owned by whoever allocated the page
 */
#ifndef MMLAB_PAGE_H
#define MMLAB_PAGE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "list.h"
#include "machine.h"

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))
#define PAGE_ALIGN(x)	(((x) + PAGE_SIZE - 1) & PAGE_MASK)

#define MAX_PAGE_ORDER		10	/* largest buddy block: 4 MiB */
#define NR_PAGE_ORDERS		(MAX_PAGE_ORDER + 1)
#define PAGE_ALLOC_COSTLY_ORDER	3
#define pageblock_order		9	/* 2 MiB pageblocks, as x86-64 with huge pages */
#define pageblock_nr_pages	(1UL << pageblock_order)

/* Page flags: bit numbers in page->flags. */
enum pageflags {
	PG_locked,
	PG_writeback,
	PG_referenced,
	PG_uptodate,
	PG_dirty,
	PG_lru,
	PG_head,		/* first page of a compound page */
	PG_waiters,
	PG_active,
	PG_workingset,
	PG_owner_priv_1,
	PG_owner_2,
	PG_arch_1,
	PG_reserved,		/* never handed to the allocator (holes, firmware) */
	PG_private,
	PG_private_2,
	PG_reclaim,
	PG_swapbacked,
	PG_unevictable,
	PG_mlocked,
	PG_slab,		/* a slab page (the kernel keeps this as a page type) */
	PG_buddy,		/* head of a free buddy block (a page type in the kernel) */
	PG_deferred,		/* free max-order block whose tail descriptors are not yet set up */
	NR_PAGEFLAGS
};

/* Top bits of page->flags: node id, then zone number. */
#define PAGE_NODE_SHIFT		58
#define PAGE_NODE_BITS		6
#define PAGE_ZONE_SHIFT		55
#define PAGE_ZONE_BITS		3
#define PAGE_FLAGS_MASK		((1UL << NR_PAGEFLAGS) - 1)

struct page {
	unsigned long flags;
	union {
		struct list_head lru;
		struct {
			unsigned long compound_head;	/* tail pages: head address | 1 */
			unsigned long compound_info;	/* first tail page: order of the compound page */
		};
	};
	void *mapping;
	unsigned long index;
	unsigned long private;
	atomic_int _mapcount;
	atomic_int _refcount;
	unsigned long memcg_data;
};

_Static_assert(sizeof(struct page) == 64, "struct page must stay 64 bytes");

static inline bool test_page_flag(const struct page *page, enum pageflags bit)
{
	return (page->flags >> bit) & 1;
}
static inline void set_page_flag(struct page *page, enum pageflags bit)
{
	page->flags |= 1UL << bit;
}
static inline void clear_page_flag(struct page *page, enum pageflags bit)
{
	page->flags &= ~(1UL << bit);
}

#define PAGEFLAG_OPS(name, bit)							\
	static inline bool Page##name(const struct page *p) { return test_page_flag(p, bit); } \
	static inline void SetPage##name(struct page *p) { set_page_flag(p, bit); }	\
	static inline void ClearPage##name(struct page *p) { clear_page_flag(p, bit); }
PAGEFLAG_OPS(Locked, PG_locked)
PAGEFLAG_OPS(Referenced, PG_referenced)
PAGEFLAG_OPS(Uptodate, PG_uptodate)
PAGEFLAG_OPS(Dirty, PG_dirty)
PAGEFLAG_OPS(LRU, PG_lru)
PAGEFLAG_OPS(Head, PG_head)
PAGEFLAG_OPS(Active, PG_active)
PAGEFLAG_OPS(Workingset, PG_workingset)
PAGEFLAG_OPS(Reserved, PG_reserved)
PAGEFLAG_OPS(Private, PG_private)
PAGEFLAG_OPS(Writeback, PG_writeback)
PAGEFLAG_OPS(Reclaim, PG_reclaim)
PAGEFLAG_OPS(SwapBacked, PG_swapbacked)
PAGEFLAG_OPS(Unevictable, PG_unevictable)
PAGEFLAG_OPS(Mlocked, PG_mlocked)
PAGEFLAG_OPS(Slab, PG_slab)
PAGEFLAG_OPS(Buddy, PG_buddy)
#undef PAGEFLAG_OPS

static inline enum zone_type page_zonenum(const struct page *page)
{
	return (enum zone_type)((page->flags >> PAGE_ZONE_SHIFT) & ((1UL << PAGE_ZONE_BITS) - 1));
}

static inline int page_to_nid(const struct page *page)
{
	return (int)((page->flags >> PAGE_NODE_SHIFT) & ((1UL << PAGE_NODE_BITS) - 1));
}

static inline bool PageTail(const struct page *page)
{
	return page->compound_head & 1;
}

static inline bool PageCompound(const struct page *page)
{
	return PageHead(page) || PageTail(page);
}

/* The head page of the compound page @page belongs to (or @page itself). */
static inline struct page *compound_head(const struct page *page)
{
	unsigned long head = page->compound_head;

	if (head & 1)
		return (struct page *)(head - 1);
	return (struct page *)page;
}

/* Order of a compound head page; 0 for any page that is not a compound head. */
static inline unsigned int compound_order(const struct page *page)
{
	if (!PageHead(page))
		return 0;
	return (unsigned int)page[1].compound_info;
}

/* Reference counting. A page is freed when its count drops to zero. */
static inline int page_count(const struct page *page)
{
	return atomic_load_explicit(&compound_head(page)->_refcount, memory_order_relaxed);
}

static inline int page_ref_count(const struct page *page)
{
	return atomic_load_explicit(&page->_refcount, memory_order_relaxed);
}

static inline void set_page_count(struct page *page, int v)
{
	atomic_store_explicit(&page->_refcount, v, memory_order_relaxed);
}

/* Number of page-table mappings of this (head or small) page. */
static inline int page_mapcount(const struct page *page)
{
	return atomic_load_explicit(&page->_mapcount, memory_order_relaxed) + 1;
}

#endif /* MMLAB_PAGE_H */
