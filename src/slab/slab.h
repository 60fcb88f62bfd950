/*
 * slab.h - the types of the slab layer (SLUB).
 *
 * Glossary:
 *   struct kmem_cache       one cache: object geometry, flags, ctor, and its per-CPU and
 *                           per-node state.
 *   struct slab             the slab's view of the head struct page of a slab: overlays it at the
 *                           kernel's offsets (flags@0, slab_list@8, slab_cache@24, freelist@32,
 *                           counters@40); PG_slab marks it.
 *   struct kmem_cache_cpu   a CPU's view of a cache: the active slab, the lockless-to-the-slab
 *                           freelist taken from it, and the CPU's partial slabs.
 *   struct kmem_cache_node  a node's partial and full slabs, under list_lock.
 *   struct slab_state       per machine: the list of caches, the kmalloc caches, counters.
 *
 * Where an object is (the checker's invariant): every object of every slab of a cache is exactly
 * one of: allocated; on slab->freelist; or, for the active slab of a CPU, on that CPU's
 * c->freelist. For a slab not active on a CPU, inuse == objects - length(slab->freelist); for an
 * active ("frozen") slab, inuse == objects - length(slab->freelist) counts the objects on the
 * CPU's freelist as in use, as the kernel does.
 *
 * Where a slab is: exactly one of: active on one CPU (frozen), on one CPU's partial list, on its
 * node's partial list, or full: on its node's full list for debug caches, on no list for the
 * others (as SLUB; the node's nr_slabs still counts them). slab->list_state says which; it is
 * written under list_lock, and also under slab_lock() when the slab becomes or stops being full.
 *
 * Locks: c->bl (per cache and CPU, or its biased owner, core/bias_lock.h) protects c->slab,
 * c->freelist, c->partial; n->list_lock protects the node's lists and every slab's slab_list and
 * list_state; slab_lock() (a bit of the page's _mapcount word, as the kernel's slab_lock uses a
 * bit of the page) protects a slab's freelist and counters. A free that does not move the slab to
 * another list takes only slab_lock(). Debug caches do everything under list_lock.
 * Lock order: c->bl, then n->list_lock, then slab_lock(), then zone locks in the page allocator.
 * Object layout (offsets from the object's start):
 *
 *   0            object_size   inuse   offset?       size
 *   | object ... | red zone    | free pointer | track[2] | pad to align |
 *
 * the free pointer sits inside the object (at offset, the middle word) unless a ctor, POISON or
 * TYPESAFE_BY_RCU needs the object's bytes kept intact; then it follows the red zone. The red
 * zone is present only with SLAB_RED_ZONE, the tracks only with SLAB_STORE_USER.
 */
#ifndef MMLAB_SLAB_TYPES_H
#define MMLAB_SLAB_TYPES_H

#include "core/bias_lock.h"
#include "phys/mmzone.h"

#include <mmlab/slab.h>

/* Where a slab is; written under its node's list_lock. */
enum slab_list_state {
	SLAB_ON_NONE,		/* being built or being freed */
	SLAB_CPU_ACTIVE,	/* a CPU's active slab (frozen) */
	SLAB_CPU_PARTIAL,	/* on a CPU's partial list */
	SLAB_NODE_PARTIAL,	/* on n->partial */
	SLAB_NODE_FULL,		/* on n->full: no free object (debug caches) */
	SLAB_FULL,		/* no free object, on no list (other caches, as SLUB) */
};

struct kmem_cache;

struct slab {
	unsigned long flags;				/*  0: the page's flags (PG_slab) */
	union {
		struct list_head slab_list;		/*  8: n->partial or n->full */
		struct {
			struct slab *next;		/*  8: a CPU's partial list */
			long slabs;			/* 16: slabs from here to the end of it */
		};
	};
	struct kmem_cache *slab_cache;			/* 24: owner (constant while a slab) */
	void *freelist;					/* 32: first free object */
	union {
		unsigned long counters;			/* 40 */
		struct {
			unsigned inuse : 16;
			unsigned objects : 15;
			unsigned frozen : 1;
		};
	};
	atomic_int lock_word;				/* 48: the page's _mapcount: -1, or -2
							   while slab_lock() is held */
	atomic_int refcount;				/* 52: the page's _refcount, untouched */
	unsigned long list_state;			/* 56: enum slab_list_state */
};

_Static_assert(sizeof(struct slab) == sizeof(struct page), "struct slab overlays struct page");
_Static_assert(offsetof(struct slab, flags) == offsetof(struct page, flags), "flags");
_Static_assert(offsetof(struct slab, slab_list) == offsetof(struct page, lru), "slab_list");
_Static_assert(offsetof(struct slab, slab_cache) == offsetof(struct page, mapping), "slab_cache");
_Static_assert(offsetof(struct slab, freelist) == offsetof(struct page, index), "freelist");
_Static_assert(offsetof(struct slab, counters) == offsetof(struct page, private), "counters");
_Static_assert(offsetof(struct slab, lock_word) == offsetof(struct page, _mapcount), "mapcount");
_Static_assert(offsetof(struct slab, refcount) == offsetof(struct page, _refcount), "refcount");
_Static_assert(offsetof(struct slab, list_state) == offsetof(struct page, memcg_data), "spare");
_Static_assert(offsetof(struct slab, slab_list) == 8 && offsetof(struct slab, slab_cache) == 24 &&
	       offsetof(struct slab, freelist) == 32 && offsetof(struct slab, counters) == 40,
	       "the kernel's offsets");

/* slab_lock - exclusive access to @slab's freelist and counters (see "Locks" above). */
static inline void slab_lock(struct slab *slab)
{
	int unlocked = -1;

	while (!atomic_compare_exchange_weak_explicit(&slab->lock_word, &unlocked, -2,
						     memory_order_acquire, memory_order_relaxed)) {
		while (atomic_load_explicit(&slab->lock_word, memory_order_relaxed) != -1)
			cpu_relax();
		unlocked = -1;
	}
}

static inline void slab_unlock(struct slab *slab)
{
	atomic_store_explicit(&slab->lock_word, -1, memory_order_release);
}

static inline struct slab *page_slab(const struct page *page)
{
	return (struct slab *)page;
}
static inline struct page *slab_page(const struct slab *slab)
{
	return (struct page *)slab;
}

/*
 * Per cache and CPU: the fast path's state. Several host threads may be bound to one simulated
 * CPU, so @bl serialises them; the thread that uses a CPU alone is made its biased owner and then
 * runs the fast paths with no atomic instruction (core/bias_lock.h).
 */
struct kmem_cache_cpu {
	struct mm_bias_lock bl;	/* protects everything below */
	void **freelist;	/* next free object of slab, or NULL */
	struct slab *slab;	/* the active slab, or NULL */
	struct slab *partial;	/* partial slabs, linked by slab->next */
} __attribute__((aligned(64)));

static __always_inline bool cpu_slab_enter_fast(struct kmem_cache_cpu *c)
{
	return mm_bias_enter_fast(&c->bl);
}

static __always_inline void cpu_slab_exit_fast(void)
{
	mm_bias_exit_fast();
}

/* Per cache and node: the slow path's lists. */
struct kmem_cache_node {
	mm_spinlock_t list_lock;	/* short sections: no page allocation under it */
	unsigned long nr_partial;
	struct list_head partial;
	struct list_head full;
	atomic_long nr_slabs;		/* all slabs of this node, wherever they are */
	atomic_long total_objects;	/* objects in those slabs */
	atomic_long nr_pages;		/* pages of those slabs */
};

/* Per-object debug record (SLAB_STORE_USER). */
struct track {
	unsigned long addr;	/* the caller's return address */
	int cpu;
	int pid;		/* always 0: mmlab has no tasks in the slab layer */
	unsigned long when;	/* the machine's slab clock at the time */
};

enum track_item { TRACK_ALLOC, TRACK_FREE };

/* Objects per slab and order, packed as the kernel's kmem_cache_order_objects. */
struct kmem_cache_order_objects {
	unsigned int x;
};
#define OO_SHIFT 16
#define OO_MASK ((1u << OO_SHIFT) - 1)

struct kmem_cache {
	/* The fast paths' fields first, in one cache line. */
	struct kmem_cache_cpu *cpu_slab;	/* [nr_cpus] */
	struct machine *machine;
	/* The machine's arena and memmap, copied here so a free finds its slab in one step. */
	char *arena;
	size_t arena_bytes;
	struct page *vmemmap;
	slab_flags_t flags;
	unsigned long min_partial;	/* empty slabs kept per node */
	unsigned int size;		/* object stride, metadata included */
	unsigned int object_size;	/* what the user asked for */
	unsigned int offset;		/* free pointer offset */
	unsigned int cpu_partial_slabs;	/* most slabs on a CPU's partial list */
	uint64_t size_divisor;		/* UINT64_MAX / size + 1: the object-start test */
	struct kmem_cache_order_objects oo;	/* preferred order and objects */
	struct kmem_cache_order_objects min;	/* fallback: smallest order for one object */
	gfp_t allocflags;		/* gfp bits every slab page allocation gets */
	void (*ctor)(void *);
	unsigned int inuse;		/* object_size + red zone, the free pointer's place */
	unsigned int align;
	unsigned int requested_align;	/* as passed to kmem_cache_create */
	const char *name;
	struct list_head list;		/* slab_state->caches */
	struct kmem_cache_node *node[MMLAB_MAX_NUMNODES];
};

/* kmalloc cache types, in the kernel's order. */
enum kmalloc_cache_type {
	KMALLOC_NORMAL,
	KMALLOC_RECLAIM,
	KMALLOC_DMA,
	NR_KMALLOC_TYPES
};

struct slab_state {
	mm_lock_t slab_mutex;			/* protects caches */
	struct list_head caches;		/* newest first, as slabinfo prints them */
	struct kmem_cache *kmalloc_caches[NR_KMALLOC_TYPES][KMALLOC_SHIFT_HIGH + 1];
	atomic_long large_kmalloc_pages;	/* pages held by kmalloc() above 8 KiB */
	atomic_ulong clock;			/* ticks for SLAB_STORE_USER ages */
	unsigned int min_objects;		/* slub_min_objects, from nr_cpus */
	slab_flags_t debug_flags;		/* slab_debug=: flags for matching caches */
	char *debug_names;			/* ",a,b," or NULL for every cache */
};

/* What /proc/slabinfo and the slabinfo tool print for one cache. */
struct slabinfo {
	unsigned long active_objs;	/* objects not free on the node partial lists */
	unsigned long num_objs;
	unsigned long active_slabs;
	unsigned long num_slabs;
	unsigned long partial_slabs;	/* on the node partial lists */
	unsigned long cpu_slabs;	/* active or on per-CPU partial lists */
	unsigned int objects_per_slab;
	unsigned int cache_order;
};

static inline unsigned int oo_order(struct kmem_cache_order_objects x)
{
	return x.x >> OO_SHIFT;
}
static inline unsigned int oo_objects(struct kmem_cache_order_objects x)
{
	return x.x & OO_MASK;
}

static inline struct kmem_cache_node *get_node(const struct kmem_cache *s, int node)
{
	return s->node[node];
}

static inline bool kmem_cache_debug(const struct kmem_cache *s)
{
	return s->flags & SLAB_DEBUG_FLAGS;
}

static inline void *slab_address(const struct machine *m, const struct slab *slab)
{
	return m->phys->arena + ((size_t)(slab_page(slab) - m->phys->vmemmap) << PAGE_SHIFT);
}

/* The free pointer stored in free object @obj. */
static inline void *get_freepointer(const struct kmem_cache *s, void *obj)
{
	return *(void **)((char *)obj + s->offset);
}
static inline void set_freepointer(const struct kmem_cache *s, void *obj, void *next)
{
	*(void **)((char *)obj + s->offset) = next;
}

/*
 * Is @p the start of an object of @slab (of @s)? Its offset in the slab is a multiple of
 * s->size, and a whole object fits from there to the slab's end. With M = size_divisor, x is a
 * multiple of size exactly when x * M (mod 2^64) < M, for every x below 2^32 (Lemire, Kaser,
 * Kurz: "Faster remainder by direct computation", 2019). The slab's size comes from the order
 * its page was allocated with (page->flags, constant while it is a slab), not from
 * slab->objects, which shares a word with inuse, written under slab_lock() by other CPUs.
 */
static __always_inline bool slab_obj_start(const struct kmem_cache *s, const struct slab *slab,
					   const void *p)
{
	uint64_t off = (uint64_t)((const char *)p - s->arena) -
		       ((uint64_t)(slab_page(slab) - s->vmemmap) << PAGE_SHIFT);
	unsigned int order = (unsigned int)((slab->flags & PAGE_ALLOC_ORDER_MASK) >>
					    PAGE_ALLOC_ORDER_SHIFT);

	return off * s->size_divisor < s->size_divisor && off + s->size <= (PAGE_SIZE << order);
}

/*
 * The head page of the slab or compound page holding @p in the RAM arena at @arena, or NULL if @p
 * is not in it. The same as virt_to_head_page() with a bounds check, inlined for the free fast
 * path.
 */
static __always_inline struct page *arena_virt_to_head_page(char *arena, size_t arena_bytes,
							   struct page *vmemmap, const void *p)
{
	size_t off = (size_t)((const char *)p - arena);
	struct page *page;

	if (unlikely(off >= arena_bytes))
		return NULL;
	page = vmemmap + (off >> PAGE_SHIFT);
	/*
	 * A head page's word 8 is slab_list, rewritten under list_lock while others free into the
	 * slab: decide from the flags (constant while the slab lives) before reading it.
	 */
	if (page->flags & ((1UL << PG_slab) | (1UL << PG_head)))
		return page;
	return compound_head(page);
}

static __always_inline struct page *slab_virt_to_head_page(const struct machine *m, const void *p)
{
	return arena_virt_to_head_page(m->phys->arena, m->phys->arena_bytes, m->phys->vmemmap, p);
}

#endif /* MMLAB_SLAB_TYPES_H */
