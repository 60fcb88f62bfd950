/*
 * tlb.h - a translation cache per mm for mm_access and access_process_vm: what the CPU's TLB
 * does for a real process, so an access to a present page costs a table lookup, not the
 * mmap_lock, the page_table_lock and a four-level walk (37 ns -> a few ns; docs/PERFORMANCE.md).
 *
 * Model. 64 direct-mapped entries (virtual page number mod 64), each the host address of a
 * page and the kinds of access (read, write, fetch) that the PTE allows *and* would not
 * change: a read hits only if the PTE is already young, a write only if it is young and dirty
 * (and soft-dirty where the format has the bit), so a hit is exactly what access_page's
 * hardware path would do, with nothing to write back. Entries are filled by that path while
 * it holds the page_table_lock, and carry the generation they were filled in.
 *
 * Invalidation is exact: every section of memory.c that changes a PTE (a fault, fork's
 * write-protect, zap, mprotect, mremap) starts, with the page_table_lock held and before it
 * changes or frees anything, with tlb_flush(), which bumps the generation. No stale entry
 * can be used afterwards, so the cache never changes what an access does (the hardware's TLB
 * is weaker: a cleared accessed bit stays cleared until the entry is evicted).
 *
 * Concurrency. The entries are read with no atomic instruction by the one host thread the
 * cache is biased to (bias_lock.h, the per-CPU lists' mechanism); the fill and the flush take
 * the biased lock, which revokes another thread's bias (membarrier, waiting until it has left
 * its lookup) before the generation moves: the TLB shootdown. A lookup, and the copy of bytes
 * that follows a hit, therefore never touch a frame that a flush has let go. Other threads,
 * and every thread under TSan, use the slow path. Lock order: page_table_lock, then the
 * cache's lock; a lookup takes no lock.
 */
#ifndef MMLAB_VM_TLB_H
#define MMLAB_VM_TLB_H

#include "core/bias_lock.h"

#define MM_TLB_ENTRIES	64

#define TLB_READ	0x1
#define TLB_WRITE	0x2
#define TLB_EXEC	0x4

struct mm_tlb_entry {
	unsigned long vpn;		/* addr >> PAGE_SHIFT */
	unsigned long gen;		/* the generation it was filled in; stale if != tlb gen */
	char *kaddr;			/* host address of the page's first byte */
	unsigned int ok;		/* TLB_*: the accesses that hit */
};

struct mm_tlb {
	struct mm_bias_lock lock;	/* the fill and the flush; biased to the accessing thread */
	unsigned long gen;		/* starts at 1: a zeroed entry never hits */
	struct mm_tlb_entry e[MM_TLB_ENTRIES];
};

static inline void tlb_init(struct mm_tlb *tlb)
{
	mm_bias_lock_init(&tlb->lock);
	tlb->gen = 1;
}

#endif /* MMLAB_VM_TLB_H */
