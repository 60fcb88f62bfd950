/*
 * machine.h - struct machine, the one object that owns a simulated computer, and its CPUs.
 *
 * The machine holds what every layer shares: the configuration, the CPUs (id, node, event
 * counters), the kernel log, the fault-injection attributes and the debug level. Each layer's
 * own state sits behind an opaque pointer that only that layer (and the layers above it)
 * dereference:
 *
 *   m->phys   struct phys_state   src/phys/mmzone.h   frames, memmap, nodes, zones, pcp
 *   m->slab   struct slab_state   src/slab/slab.h     caches, kmalloc
 *   m->vm     struct vm_state     src/vm/mm_types.h   mms, VMA caches, sysctls
 *   m->vmalloc struct vmalloc_state src/vmalloc/internal.h  kernel layout, page tables, vmalloc
 *
 * A later layer adds its pointer here and its init/exit/check to core/layers.h.
 */
#ifndef MMLAB_CORE_MACHINE_H
#define MMLAB_CORE_MACHINE_H

#include "core/core.h"
#include "core/vmstat.h"

struct phys_state;	/* src/phys */
struct slab_state;	/* src/slab */
struct vm_state;	/* src/vm */
struct vmalloc_state;	/* src/vmalloc */

/*
 * One simulated CPU. Only core data: the per-CPU state of a layer (the page allocator's
 * per-CPU lists and fast-path zone, a cache's per-CPU slab) lives in that layer's structures,
 * indexed by the CPU's id.
 */
struct mm_cpu {
	int id;
	int node;				/* the NUMA node the CPU belongs to */
	atomic_long events[NR_VM_EVENT_ITEMS];	/* /proc/vmstat events counted on this CPU */
} __attribute__((aligned(64)));

/* One fault-injection attribute (the kernel's struct fault_attr), see fault_inject.c. */
struct fault_attr {
	mm_lock_t lock;			/* protects everything below but cfg.nth's unlocked reads */
	struct fault_attr_config cfg;
	long calls;			/* attempts counted since armed */
	long injected;			/* failures injected since armed */
};

struct machine {
	struct machine_config cfg;	/* as booted, defaults filled in */
	int nr_nodes, nr_cpus;
	struct mm_cpu *cpus;		/* [nr_cpus] */
	int debug_level;		/* runtime level 0..3, see core/debug.h */

	mm_lock_t log_lock;		/* protects the kernel log */
	char *log;
	size_t log_len, log_cap;

	struct fault_attr faults[NR_MMLAB_FAULTS];
	atomic_bool faults_armed;	/* set once any attribute was armed: gates should_fail() */

	/* Each layer's state, opaque to the layers below it. */
	struct phys_state *phys;
	struct slab_state *slab;
	struct vm_state *vm;
	struct vmalloc_state *vmalloc;
};

/* count_vm_events - add @n to event @item of the current CPU. */
static inline void count_vm_events(enum vm_event_item item, long n)
{
	struct mm_cpu *cpu = &mm_current.machine->cpus[mm_current.cpu];

	atomic_fetch_add_explicit(&cpu->events[item], n, memory_order_relaxed);
}
#define count_vm_event(item) count_vm_events(item, 1)

/* Sum of an event over all CPUs of @m. */
unsigned long machine_vm_event(const struct machine *m, enum vm_event_item item);

#define for_each_online_node(m, nid) for ((nid) = 0; (nid) < (m)->nr_nodes; (nid)++)

/* ---- fault injection ------------------------------------------------------------------------ */

bool should_fail_slow(struct machine *m, enum mmlab_fault which, unsigned int order);

/*
 * should_fail - count one attempt of the path @which on @m; true if this attempt must fail.
 * @order is the allocation order for FAULT_PAGE_ALLOC (0 elsewhere). Call it exactly once per
 * attempt (a retry inside one attempt does not call it again), so "fail the nth call" counts
 * what the caller sees. Unarmed, it is one relaxed load; the counting is out of line.
 */
static inline bool should_fail(struct machine *m, enum mmlab_fault which, unsigned int order)
{
	if (likely(!atomic_load_explicit(&m->faults_armed, memory_order_relaxed)))
		return false;
	return should_fail_slow(m, which, order);
}

/* Any attribute ever armed on @m? For fast paths that leave every armed case to a slow path. */
static inline bool mm_faults_armed(const struct machine *m)
{
	return atomic_load_explicit(&m->faults_armed, memory_order_relaxed);
}

/* ---- debug level ---------------------------------------------------------------------------- */

static inline int mm_debug_level(const struct machine *m)
{
	return m->debug_level;
}

#endif /* MMLAB_CORE_MACHINE_H */
