/*
 * mmlab/fault_inject.h - make allocation paths fail on purpose, as the kernel's fail_page_alloc
 * and failslab do, so tests can prove every failure unwinds cleanly.
 *
 * Each machine has one fault attribute per allocation path. A path counts its calls once the
 * attribute is armed; the call numbered @nth (1 = the next call) fails, and so does every
 * @interval-th call after it, until @times failures have been injected (-1: no limit).
 */
#ifndef MMLAB_FAULT_INJECT_H
#define MMLAB_FAULT_INJECT_H

#include <stdbool.h>

#include "export.h"

struct machine;

enum mmlab_fault {
	FAULT_PAGE_ALLOC,	/* alloc_pages and everything built on it */
	FAULT_SLAB,		/* kmem_cache_alloc / kmalloc before they touch the page allocator */
	FAULT_VMA,		/* vm_area_struct and VMA-tree node allocation */
	FAULT_PGTABLE,		/* page-table page allocation */
	FAULT_MISC,		/* any other metadata allocation (mm_struct, file objects, ...) */
	NR_MMLAB_FAULTS
};

struct fault_attr_config {
	long nth;		/* the first call to fail, counting from 1; 0 disarms */
	long interval;		/* then every interval-th call fails; 0 or 1: every call */
	long times;		/* failures to inject in all; -1 no limit */
	unsigned int min_order;	/* FAULT_PAGE_ALLOC only: orders below this never fail */
	bool ignore_nofail;	/* never set by default: __GFP_NOFAIL allocations never fail */
};

/*
 * machine_fault_set - arm (or with cfg->nth == 0, disarm) fault injection for @which on @m.
 * Resets the call counter. Returns 0, or -EINVAL for a bad @which or config.
 */
MMLAB_API int machine_fault_set(struct machine *m, enum mmlab_fault which,
				const struct fault_attr_config *cfg);

/*
 * machine_fail_nth - fail the @nth next call of @which on @m, and the @times - 1 calls after
 * it (-1: every call from then on). Returns 0, or -EINVAL as machine_fault_set().
 */
MMLAB_API int machine_fail_nth(struct machine *m, enum mmlab_fault which, long nth, long times);

/* machine_fault_clear - disarm every fault attribute of @m. */
MMLAB_API void machine_fault_clear(struct machine *m);

/*
 * machine_fault_injected - how many failures have been injected on @which of @m since it was
 * armed, or -EINVAL for a bad @which.
 */
MMLAB_API long machine_fault_injected(const struct machine *m, enum mmlab_fault which);

#endif /* MMLAB_FAULT_INJECT_H */
