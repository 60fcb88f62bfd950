/*
 * lru_batch.c - the per-CPU folio batch of MADV_FREE (the kernel's mm/swap.c:
 * folio_mark_lazyfree, lru_add_drain, lru_add_drain_all).
 *
 * Model. MADV_FREE does not make a page lazy-free at once: folio_mark_lazyfree() puts the folio
 * on this CPU's lru_lazyfree batch, and only when the batch is moved to the LRU lists does the
 * folio lose PG_swapbacked (and PG_referenced), which is what smaps' LazyFree counts and what
 * lets reclaim discard it. A batch is moved when its 31st folio is added, and by every
 * lru_add_drain() of its CPU. Where a 6.18 kernel drains was measured on the recording host
 * with a CPU-bound process (MADV_FREE, then one call, then smaps' LazyFree): at the start of
 * each VMA's MADV_FREE, of MADV_COLD and MADV_PAGEOUT, after every populate (MAP_POPULATE,
 * mlock's, MADV_POPULATE_* even over a hole: faultin_page_range), at mlock and mlock2 (all
 * CPUs), and at a munlock that clears VM_LOCKED. Not at munmap, mremap, mprotect, MADV_DONTNEED,
 * fork, a fault, or a child's exit. So on a CPU-bound process LazyFree follows exactly from
 * its calls, and the host differential compares it after every one.
 *
 * mmlab has no LRU lists yet, so of all the kernel's batches only this one, whose timing is
 * observable, is kept. The kernel's batch holds a reference on each folio; here a folio freed
 * while it waits is taken out of the batch instead (vm_lru_batch_forget), which frees it at once
 * where the kernel would free it at the drain: MemFree, not smaps, would tell the difference.
 */
#include "vm/internal.h"

static struct lru_batch *this_batch(struct machine *m)
{
	int cpu = mm_current.cpu;

	if (cpu < 0 || cpu >= m->nr_cpus)
		cpu = 0;
	return &m->vm->lazyfree[cpu];
}

/* lru_lazyfree_fn over @b (lru_batch_lock held): the folios become lazy-free. */
static void batch_move(struct vm_state *vs, struct lru_batch *b)
{
	int i;

	for (i = 0; i < b->nr; i++) {
		struct page *folio = b->folios[i];

		if (PageAnon(folio) && PageSwapBacked(folio)) {
			ClearPageSwapBacked(folio);
			ClearPageReferenced(folio);
			ClearPageActive(folio);
		}
	}
	atomic_fetch_sub(&vs->nr_lazyfree_pending, b->nr);
	b->nr = 0;
}

void folio_mark_lazyfree(struct machine *m, struct page *folio)
{
	struct vm_state *vs = m->vm;
	struct lru_batch *b;

	if (!PageAnon(folio) || !PageSwapBacked(folio))
		return;
	mm_lock(&vs->lru_batch_lock);
	b = this_batch(m);
	b->folios[b->nr++] = folio;
	atomic_fetch_add(&vs->nr_lazyfree_pending, 1);
	/* a large folio does not wait in a batch */
	if (b->nr == LRU_BATCH_SIZE || PageHead(folio))
		batch_move(vs, b);
	mm_unlock(&vs->lru_batch_lock);
}

void lru_add_drain(struct machine *m)
{
	struct vm_state *vs = m->vm;

	if (!atomic_load_explicit(&vs->nr_lazyfree_pending, memory_order_relaxed))
		return;
	mm_lock(&vs->lru_batch_lock);
	batch_move(vs, this_batch(m));
	mm_unlock(&vs->lru_batch_lock);
}

void lru_add_drain_all(struct machine *m)
{
	struct vm_state *vs = m->vm;
	int cpu;

	if (!atomic_load_explicit(&vs->nr_lazyfree_pending, memory_order_relaxed))
		return;
	mm_lock(&vs->lru_batch_lock);
	for (cpu = 0; cpu < m->nr_cpus; cpu++)
		batch_move(vs, &vs->lazyfree[cpu]);
	mm_unlock(&vs->lru_batch_lock);
}

void vm_lru_batch_forget(struct machine *m, struct page *folio)
{
	struct vm_state *vs = m->vm;
	int cpu, i;

	if (!atomic_load_explicit(&vs->nr_lazyfree_pending, memory_order_relaxed))
		return;
	mm_lock(&vs->lru_batch_lock);
	for (cpu = 0; cpu < m->nr_cpus; cpu++) {
		struct lru_batch *b = &vs->lazyfree[cpu];

		for (i = 0; i < b->nr; i++)
			if (b->folios[i] == folio) {
				memmove(&b->folios[i], &b->folios[i + 1],
					(size_t)(b->nr - i - 1) * sizeof(b->folios[0]));
				b->nr--;
				i--;
				atomic_fetch_sub(&vs->nr_lazyfree_pending, 1);
			}
	}
	mm_unlock(&vs->lru_batch_lock);
}
