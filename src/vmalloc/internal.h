/*
 * internal.h - the kernel address-space layer (m->vmalloc): its structures, then the functions
 * shared between its files, grouped by the file that defines them.
 *
 * Glossary:
 *   struct vmap_area     one range [va_start, va_end) of the kernel address space: free (in the free
 *                        tree), busy (in the busy tree, with its vm_struct or a vmap block or
 *                        vm_map_ram), or freed lazily (on the purge list, PTEs already cleared,
 *                        waiting for the TLB flush before the range can be handed out again)
 *   struct vm_struct     what a busy area holds: size (with the guard page), flags, pages,
 *                        phys_addr of an ioremap, the caller for /proc/vmallocinfo
 *   struct vmap_tree     a treap of vmap_areas keyed by va_start; the free tree keeps in each
 *                        node the largest free size of its subtree (subtree_max_size)
 *   struct vmap_block    one VMAP_BBMAP_BITS-page busy area of a CPU, cut into pieces for
 *                        small vm_map_ram() calls
 *   struct vmalloc_state per machine: the layout, init_mm's page tables, the trees, the purge
 *                        list, the per-CPU vmap blocks and kmap nesting
 *
 * Invariants (vmalloc_check() proves them):
 *   the free, busy and purge areas are disjoint, page aligned, and together cover
 *   [VMAP_SPACE_START, VMAP_SPACE_END) exactly; no two free areas touch (they are merged);
 *   each free-tree node's subtree_max_size = max(own size, children's);
 *   every mapped leaf entry of init_mm lies in exactly one busy area, below
 *   its guard page, and the mapped pages of each busy area add up to its nr_mapped;
 *   nr_vmalloc_pages = sum of nr_pages over VM_ALLOC areas; vmap_lazy_nr = purge list pages.
 */
#ifndef MMLAB_VMALLOC_INTERNAL_H
#define MMLAB_VMALLOC_INTERNAL_H

#include "core/layers.h"
#include "core/core.h"

#include <mmlab/list.h>
#include <mmlab/page_alloc.h>
#include <mmlab/vmalloc.h>

struct mm_struct;
struct vmap_block;

/*
 * The range the vmap trees manage: the kernel half of the address space but its last page
 * (callers choose their part: vmalloc, modules, ...). The kernel's free space runs from 1 to
 * ULONG_MAX, the user half and the non-canonical hole included, where nothing ever asks;
 * here an address in the hole would alias a kernel PGD slot, so the trees start above it.
 */
#define VMAP_SPACE_START	0xffff800000000000UL
#define VMAP_SPACE_END		(~0UL & PAGE_MASK)

/* vmap_area.flags (the kernel's VMAP_* of a va without a vm_struct) */
#define VMAP_RAM	0x1u	/* vm_map_ram() area */
#define VMAP_BLOCK	0x2u	/* a per-CPU vmap block */

struct vm_struct {
	unsigned long addr;
	unsigned long size;		/* including the guard page (unless VM_NO_GUARD) */
	unsigned int flags;		/* VM_* */
	struct page **pages;		/* [nr_pages] (vmalloc, vmap), or NULL */
	unsigned int nr_pages;
	unsigned int page_order;	/* the order of the frames' blocks: 9 for PMD mappings */
	bool pages_kmalloced;		/* pages[] from kmalloc (<= PAGE_SIZE), else host ("vpages") */
	uint64_t phys_addr;		/* ioremap: the physical start */
	const void *caller;
};

struct vmap_area {
	unsigned long va_start, va_end;
	struct vmap_area *left, *right;	/* treap children */
	uint64_t prio;			/* treap priority: a hash of va_start */
	unsigned long subtree_max_size;	/* free tree: largest va size in this subtree */
	struct list_head list;		/* address order in its tree's list, or the purge list */
	struct vm_struct *vm;		/* busy vmalloc/vmap/ioremap area, else NULL */
	struct vmap_block *vb;		/* VMAP_BLOCK area: its block */
	unsigned int flags;		/* VMAP_RAM, VMAP_BLOCK */
	unsigned long nr_mapped;	/* pages of it mapped in init_mm (2 MiB leaf: 512) */
};

struct vmap_tree {
	struct vmap_area *root;
	struct list_head head;		/* the same areas in address order */
	bool augment;			/* maintain subtree_max_size (the free tree) */
	unsigned long nr;
};

struct vmap_block {
	struct vmap_area *va;
	int cpu;
	unsigned int free;		/* pages not yet handed out, at the block's end */
	unsigned int dirty;		/* pages handed out and given back */
	unsigned int dirty_min, dirty_max; /* range of dirty pages to flush */
	uint64_t used_map[VMAP_BBMAP_BITS / 64];	/* pages handed out and not given back */
	struct list_head free_list;	/* on its CPU's queue while free > 0 */
};

struct vmap_block_queue {
	struct list_head free;		/* blocks with room, newest first */
};

struct kmap_ctrl {
	int idx;			/* kmap_local nesting depth on this CPU */
	unsigned long addr[KM_MAX_IDX];
	int preempt_count;		/* kmap_atomic nesting */
};

struct vmalloc_state {
	struct kernel_layout layout;
	struct mm_struct *init_mm;	/* the kernel page tables (tables allocated on demand) */
	mm_lock_t lock;			/* trees, purge list, blocks, counters, init_mm's tables */
	struct vmap_tree busy, free;
	struct list_head purge_list;	/* lazily freed areas, address order not kept */
	unsigned long vmap_lazy_nr;	/* pages on the purge list */
	unsigned long lazy_max;		/* lazy_max_pages() */
	bool purging;			/* inside a purge: no nested one */
	atomic_long nr_vmalloc_pages;
	unsigned long nr_purges;	/* purges done (each one TLB flush), for tests */
	unsigned long nr_alloc_retries;	/* allocations that purged and tried again */
	struct vmap_block_queue *vbq;	/* [nr_cpus] */
	struct kmap_ctrl *kmap;		/* [nr_cpus] */
};

/* Every vmap_area on the list @head (a tree's address list or the purge list). */
#define vmap_for_each(va, head)							\
	for ((va) = list_entry((head)->next, struct vmap_area, list); &(va)->list != (head); \
	     (va) = list_entry((va)->list.next, struct vmap_area, list))

static inline struct vmalloc_state *vms(const struct machine *m)
{
	return m->vmalloc;
}

static inline unsigned long va_size(const struct vmap_area *va)
{
	return va->va_end - va->va_start;
}

/* layout.c: layout, KASLR, init_mm's page tables, translation */
void kernel_layout_init(struct machine *m, struct kernel_layout *l);
/*
 * kpt_map_pages - map @pages (or, with @pages NULL, the frames from @pfn on) at [@addr, +
 * @nr pages) in init_mm with @prot; @page_shift PMD_SHIFT maps 2 MiB leaves (addr and frames
 * 2 MiB aligned). 0 or -ENOMEM (a table could not be had; what this call had mapped is
 * cleared again, the tables it got stay). Lock held.
 */
int kpt_map_pages(struct machine *m, unsigned long addr, unsigned long nr, struct page **pages,
		  unsigned long pfn, uint64_t prot, unsigned int page_shift);
/* kpt_unmap_range - clear every leaf in [@addr, @end) of init_mm; the pages they mapped. Lock held. */
unsigned long kpt_unmap_range(struct machine *m, unsigned long addr, unsigned long end);
/* kpt_lookup - the leaf entry (4 KiB or 2 MiB) mapping @addr and its level, or 0. */
uint64_t kpt_lookup(struct machine *m, unsigned long addr, int *level);
/* kpt_count_tables - tables of init_mm per level (4 levels). */
void kpt_count_tables(struct machine *m, unsigned long counts[5]);

/* vmap_area.c: the trees, allocation of address ranges, lazy purge */
struct vmap_area *vmap_tree_find(struct vmap_tree *t, unsigned long addr);
/*
 * alloc_vmap_area - a busy area of @size bytes aligned to @align in [@vstart, @vend): the
 * lowest fit, purging the lazily freed areas once if there is none; @vm (may be NULL) becomes
 * its vm_struct, its addr set. NULL with *@err -ENOMEM (no descriptor) or -EBUSY (no room,
 * reported unless __GFP_NOWARN); lock not held.
 */
struct vmap_area *alloc_vmap_area(struct machine *m, unsigned long size, unsigned long align,
				  unsigned long vstart, unsigned long vend, gfp_t gfp,
				  struct vm_struct *vm, int *err);
/* free_vmap_area_noflush - @va (busy, PTEs cleared) to the purge list; purge past the limit. */
void free_vmap_area_noflush(struct machine *m, struct vmap_area *va);
/* free_vmap_area - give @va back to the free tree at once (never mapped). Lock held. */
void free_vmap_area_locked(struct machine *m, struct vmap_area *va);
/* purge_vmap_area_lazy - merge every purge-list area into the free tree (one TLB flush). */
void purge_vmap_area_lazy_locked(struct machine *m);
int vmap_trees_init(struct machine *m);
void vmap_trees_exit(struct machine *m);
int vmap_trees_check(struct machine *m, char *why, size_t why_size);

/* vmap_block.c: per-CPU blocks for small vm_map_ram() */
unsigned long vb_alloc(struct machine *m, unsigned long size, gfp_t gfp);
void vb_free(struct machine *m, unsigned long addr, unsigned long size);
void purge_fragmented_blocks_locked(struct machine *m);
void vmap_blocks_exit(struct machine *m);

/* vmalloc.c */
void vmalloc_debug_check(struct machine *m);

/* /proc views (src/proc/vmallocinfo.c, src/proc/ptdump.c) read the state under vs->lock. */

#endif /* MMLAB_VMALLOC_INTERNAL_H */
