/*
 * mmlab/slab.h - the slab allocator (SLUB) and kmalloc: small objects carved from buddy pages.
 *
 * A kmem_cache hands out objects of one size. Its objects live in slabs: (compound) pages from
 * the page allocator, cut into equal objects, the free ones chained through a pointer stored in
 * each free object. Every CPU has an active slab whose freelist serves allocations and frees
 * with one test; behind it sit a per-CPU list of partial slabs and, per NUMA node, a locked list
 * of partial slabs. Empty slabs beyond the cache's min_partial go back to the page allocator.
 *
 * kmalloc() serves sizes up to KMALLOC_MAX_CACHE_SIZE from the kernel's size classes
 * (8, 16, 32, 64, 96, 128, 192, 256, ... 8192), and larger sizes straight from alloc_pages().
 *
 * Every function acts on the calling thread's current machine and CPU (machine.h). All functions
 * are safe to call from several threads at once, on any CPU, including freeing an object that
 * another CPU allocated. Corruption found by the debug checks is reported to the machine log in
 * the kernel's words (see SLAB_RED_ZONE etc.), never printed, and never followed.
 */
#ifndef MMLAB_SLAB_H
#define MMLAB_SLAB_H

#include <stddef.h>
#include <stdint.h>

#include "export.h"
#include "gfp.h"

typedef unsigned int slab_flags_t;

/*
 * Cache flags. The values are the kernel's bit numbers (enum _slab_flag_bits of 6.18) for a
 * configuration with FAILSLAB, MEMCG and KFENCE and without DEBUG_OBJECTS or KASAN_GENERIC, as
 * distribution kernels are built. mmlab implements the ones documented here; the others are
 * accepted and ignored.
 */
#define SLAB_CONSISTENCY_CHECKS	(1u << 0)	/* DEBUG: check freelists and objects on alloc/free */
#define SLAB_RED_ZONE		(1u << 1)	/* DEBUG: guard bytes after each object */
#define SLAB_POISON		(1u << 2)	/* DEBUG: fill free objects with 0x6b, catch writes */
#define SLAB_KMALLOC		(1u << 3)	/* internal: a kmalloc cache */
#define SLAB_HWCACHE_ALIGN	(1u << 4)	/* align objects on cache lines (64 B, less if small) */
#define SLAB_CACHE_DMA		(1u << 5)	/* slabs from ZONE_DMA */
#define SLAB_CACHE_DMA32	(1u << 6)	/* slabs from ZONE_DMA32 */
#define SLAB_STORE_USER		(1u << 7)	/* DEBUG: record who allocated and freed each object */
#define SLAB_PANIC		(1u << 8)	/* creation failure is fatal (MM_BUG) */
/*
 * SLAB_TYPESAFE_BY_RCU: in the kernel, a slab's pages (not its objects) are freed only after an
 * RCU grace period, so a reader under rcu_read_lock() that still holds a pointer to a freed
 * object finds memory holding an object of the same type (it must recheck identity). mmlab has
 * no RCU, so there is no grace period: slab pages of such a cache go back to the page allocator
 * like any other's. What the flag does keep here is the object layout: the free pointer lives
 * outside the object, so a freed object's bytes stay as they were until it is reused.
 */
#define SLAB_TYPESAFE_BY_RCU	(1u << 9)
#define SLAB_TRACE		(1u << 10)	/* ignored */
#define SLAB_NOLEAKTRACE	(1u << 11)	/* ignored */
#define SLAB_NO_MERGE		(1u << 12)	/* mmlab never merges caches: implied */
#define SLAB_FAILSLAB		(1u << 13)	/* ignored: FAULT_SLAB applies to every cache */
#define SLAB_ACCOUNT		(1u << 14)	/* ignored: no memory cgroups */
#define SLAB_NO_USER_FLAGS	(1u << 15)	/* ignored */
#define SLAB_SKIP_KFENCE	(1u << 16)	/* ignored */
#define SLAB_RECLAIM_ACCOUNT	(1u << 17)	/* slabs from __GFP_RECLAIMABLE pageblocks, counted
						   as SReclaimable */
#define SLAB_MEM_SPREAD		0u		/* gone from the kernel; kept for old callers */

/* The debug flags together (the kernel's slub_debug=FZPU). */
#define SLAB_DEBUG_FLAGS (SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER)

/* Bytes the debug checks write and look for. */
#define POISON_FREE		0x6b	/* free object bytes */
#define POISON_END		0xa5	/* the last byte of a free object */
#define SLUB_RED_INACTIVE	0xbb	/* red zone of a free object */
#define SLUB_RED_ACTIVE		0xcc	/* red zone of an allocated object */

#define NUMA_NO_NODE		(-1)

/* kmalloc limits. */
#define KMALLOC_MIN_SIZE	8
#define KMALLOC_SHIFT_LOW	3
#define KMALLOC_SHIFT_HIGH	13			/* largest cached size: 8 KiB */
#define KMALLOC_MAX_CACHE_SIZE	(1UL << KMALLOC_SHIFT_HIGH)
#define KMALLOC_MAX_SIZE	(1UL << (12 + 10))	/* PAGE_SIZE << MAX_PAGE_ORDER: 4 MiB */

/* kmalloc(0) returns this: not NULL, but never dereferenceable. kfree() accepts it. */
#define ZERO_SIZE_PTR		((void *)16)
#define ZERO_OR_NULL_PTR(x)	((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)

struct kmem_cache;

/*
 * kmem_cache_create - create a cache of objects of @size bytes, aligned to @align (0: the
 * minimum, 8; a power of two otherwise), with @flags (SLAB_*), on the current machine. @ctor,
 * if not NULL, runs on every object once, when the slab that holds it is created; objects must
 * be freed in their constructed state (Bonwick). @name is copied; it names the cache in
 * /proc/slabinfo and in reports. Returns the cache, or NULL if @size is 0 or above
 * KMALLOC_MAX_SIZE, @align is not a power of two, a cache of that name already exists
 * (the kernel warns; here -EEXIST is logged), or memory for the descriptor is short
 * (FAULT_MISC). With SLAB_PANIC, failure is a bug (MM_BUG_ON). Takes the machine's slab mutex.
 */
MMLAB_API struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,
					       unsigned int align, slab_flags_t flags,
					       void (*ctor)(void *));

/*
 * kmem_cache_destroy - free every slab of @s and @s itself. If objects are still allocated,
 * reports them as the kernel does ("kmem_cache_destroy X: Slab cache still has objects") and
 * returns leaving the cache (and its objects) alive. NULL is ignored. No other thread may use
 * @s during the call.
 */
MMLAB_API void kmem_cache_destroy(struct kmem_cache *s);

/*
 * kmem_cache_alloc - one object from @s. @gfp says how slab pages may be allocated (GFP_KERNEL,
 * GFP_ATOMIC, ...) and __GFP_ZERO zeroes the object. Returns NULL when FAULT_SLAB fires or no
 * slab page can be had; nothing is leaked then.
 */
MMLAB_API void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp);

/* kmem_cache_alloc_node - as kmem_cache_alloc, from a slab on node @node (NUMA_NO_NODE: any). */
MMLAB_API void *kmem_cache_alloc_node(struct kmem_cache *s, gfp_t gfp, int node);

/* kmem_cache_zalloc - a zeroed object (kmem_cache_alloc with __GFP_ZERO). */
MMLAB_API void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t gfp);

/*
 * kmem_cache_free - return @obj to @s. With debug flags, a double free, a pointer that is not an
 * object of @s, or a damaged red zone is reported and the object is not freed. NULL is ignored.
 */
MMLAB_API void kmem_cache_free(struct kmem_cache *s, void *obj);

/*
 * kmem_cache_alloc_bulk - fill @p[0..@size) with objects of @s, taking the per-CPU lock once.
 * Returns @size, or 0 (with nothing allocated) if any allocation fails.
 */
MMLAB_API int kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t gfp, size_t size, void **p);

/* kmem_cache_free_bulk - free @size objects @p[] of @s (NULL entries are skipped). */
MMLAB_API void kmem_cache_free_bulk(struct kmem_cache *s, size_t size, void **p);

/*
 * kmem_cache_shrink - flush every CPU's slabs of @s back to the node lists and return every
 * empty slab to the page allocator. Returns 0.
 */
MMLAB_API int kmem_cache_shrink(struct kmem_cache *s);

/*
 * slab_debug_setup - the kernel's slab_debug= (formerly slub_debug=) boot option for machine @m,
 * to be called right after machine_boot(), before the caches are used. @spec is a string of
 * flag letters - F consistency checks, Z red zone, P poison, U store user, "-" none; empty means
 * all four - optionally followed by ",cache1,cache2" to limit it to those caches (else every
 * cache). It applies to the existing caches that hold no slab yet (kmalloc-64 ...) and to caches
 * created later. Returns 0, -EINVAL for an unknown letter (or a NULL @m or @spec), -ENOMEM,
 * or -EBUSY if a cache it names already holds slabs (that cache is left unchanged; the others
 * are set up).
 */
struct machine;
MMLAB_API int slab_debug_setup(struct machine *m, const char *spec);

/* kmem_cache_size - the object size @s was created with. */
MMLAB_API unsigned int kmem_cache_size(struct kmem_cache *s);
/* kmem_cache_name - the name of @s. */
MMLAB_API const char *kmem_cache_name(const struct kmem_cache *s);

/*
 * kmalloc - @size bytes, aligned to 8 at least and to the size for power-of-two sizes up to
 * PAGE_SIZE. @gfp: __GFP_DMA takes them from a dma-kmalloc cache, __GFP_RECLAIMABLE from a
 * kmalloc-rcl cache, __GFP_ZERO zeroes them. Sizes above KMALLOC_MAX_CACHE_SIZE come straight
 * from alloc_pages() as a compound page; above KMALLOC_MAX_SIZE the result is NULL. Size 0
 * gives ZERO_SIZE_PTR. Returns NULL on failure.
 */
MMLAB_API void *kmalloc(size_t size, gfp_t gfp);
/* kmalloc_node - kmalloc from node @node (NUMA_NO_NODE: any). */
MMLAB_API void *kmalloc_node(size_t size, gfp_t gfp, int node);
/* kzalloc - kmalloc with __GFP_ZERO. */
MMLAB_API void *kzalloc(size_t size, gfp_t gfp);
/* kmalloc_array - @n * @size bytes; NULL if the product overflows. */
MMLAB_API void *kmalloc_array(size_t n, size_t size, gfp_t gfp);
/* kcalloc - kmalloc_array with __GFP_ZERO. */
MMLAB_API void *kcalloc(size_t n, size_t size, gfp_t gfp);
/*
 * krealloc - resize @p to @new_size, keeping the first min(old, new) bytes. Returns @p itself
 * if it is already big enough, a new block otherwise (the old one freed), NULL if that fails
 * (@p untouched), or ZERO_SIZE_PTR for @new_size 0 (@p freed). @p NULL acts as kmalloc.
 */
MMLAB_API void *krealloc(const void *p, size_t new_size, gfp_t gfp);
/* ksize - the usable size of the kmalloc block @p (its size class); 0 for NULL/ZERO_SIZE_PTR. */
MMLAB_API size_t ksize(const void *p);
/*
 * kfree - free a block from kmalloc (or any slab object: its cache is found from its page).
 * NULL and ZERO_SIZE_PTR are ignored. A pointer the slab layer did not hand out is reported to
 * the machine log and left alone.
 */
MMLAB_API void kfree(const void *p);

#endif /* MMLAB_SLAB_H */
