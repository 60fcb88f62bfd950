/*
 * internal.h - functions shared between the files of src/slab, grouped by the file that defines
 * them: a table of contents of the slab layer. The types are in slab.h.
 */
#ifndef MMLAB_SLAB_INTERNAL_H
#define MMLAB_SLAB_INTERNAL_H

#include "slab/slab.h"

/* kmem_cache.c: cache creation and geometry, destroy, shrink, the per-machine slab state */
int slab_init(struct machine *m);
void slab_exit(struct machine *m);
struct kmem_cache *create_cache(struct machine *m, const char *name, unsigned int size,
				unsigned int align, slab_flags_t flags, void (*ctor)(void *));
unsigned int calculate_order(unsigned int size, unsigned int min_objects);
unsigned int slab_min_objects_for(int nr_cpus);
void get_slabinfo(struct kmem_cache *s, struct slabinfo *info);
slab_flags_t slab_debug_flags_for(struct slab_state *st, const char *name);

/* slab_page.c: a slab's life: pages from the buddy allocator, objects laid out, accounting */
struct slab *allocate_slab(struct kmem_cache *s, gfp_t gfp, int node);
void discard_slab(struct kmem_cache *s, struct slab *slab);
void slab_account_pages(struct machine *m, struct page *page, unsigned int order, bool reclaimable,
			long sign);
static inline int slab_nid(const struct slab *slab)
{
	return page_to_nid(slab_page(slab));
}
static inline unsigned int slab_order(const struct slab *slab)
{
	return compound_order(slab_page(slab));
}

/* Exclusive access to a kmem_cache_cpu, biased to the thread that uses it alone (bias_lock.h) */
static inline void cpu_slab_lock(struct kmem_cache_cpu *c, bool may_bias)
{
	mm_bias_lock(&c->bl, may_bias);
}
static inline void cpu_slab_unlock(struct kmem_cache_cpu *c)
{
	mm_bias_unlock(&c->bl);
}

/* slub.c: the allocation and free paths, partial lists, flushing CPUs */
void *slab_alloc_node(struct kmem_cache *s, gfp_t gfp, int node, unsigned long caller);
void slab_free(struct kmem_cache *s, struct slab *slab, void *obj, unsigned long caller);
void slab_flush_all_cpus(struct kmem_cache *s);
int slab_shrink_node_lists(struct kmem_cache *s);
unsigned long slab_count_partial_free(struct kmem_cache *s);

static __always_inline bool failslab_armed(struct kmem_cache *s)
{
	return mm_faults_armed(s->machine);
}

/* The lockless pop of the biased owner: NULL if not the owner or the freelist is empty. */
static __always_inline void *slab_alloc_fastpath(struct kmem_cache *s)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[mm_current.cpu];
	void **object = NULL;

	if (likely(cpu_slab_enter_fast(c))) {
		object = c->freelist;
		if (likely(object))
			c->freelist = get_freepointer(s, object);
		cpu_slab_exit_fast();
	}
	return object;
}

/*
 * (debug.c, used by the fast path below.) slab_report_invalid_free - what a free into a cache without debug flags is checked for by
 * default, reported to the log (the free is then dropped): @twice, @obj is already the head of
 * the freelist it would go on (the naive double-free check of CONFIG_SLAB_FREELIST_HARDENED's
 * set_freepointer(), where the kernel BUG()s); else @obj is not the start of an object of @slab
 * (reported as SLUB's consistency checks report it).
 */
void slab_report_invalid_free(struct kmem_cache *s, struct slab *slab, const void *obj, bool twice);

/*
 * slab_free_fastpath - push @obj (of @slab, of cache @s) onto the CPU's freelist if this thread owns
 * the CPU's state and @slab is the CPU's active slab. False if the caller must take the full path.
 * A pointer that is not an object's start, or the object already at the freelist's head (a
 * double free), is reported and not freed (true: nothing more to do).
 */
static __always_inline bool slab_free_fastpath(struct kmem_cache *s, struct slab *slab, void *obj)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[mm_current.cpu];
	bool done = false, twice = false;

	if (unlikely(kmem_cache_debug(s)))
		return false;
	if (unlikely(!slab_obj_start(s, slab, obj))) {
		slab_report_invalid_free(s, slab, obj, false);
		return true;
	}
	if (likely(cpu_slab_enter_fast(c))) {
		if (likely(slab == c->slab)) {
			twice = obj == (void *)c->freelist;
			if (likely(!twice)) {
				set_freepointer(s, obj, c->freelist);
				c->freelist = obj;
			}
			done = true;
		}
		cpu_slab_exit_fast();
	}
	if (unlikely(twice))
		slab_report_invalid_free(s, slab, obj, true);
	return done;
}

/* debug.c: SLAB_RED_ZONE / POISON / STORE_USER / CONSISTENCY_CHECKS and the reports */
void setup_object_debug(struct kmem_cache *s, void *obj);
bool alloc_debug_processing(struct kmem_cache *s, struct slab *slab, void *obj, unsigned long caller);
bool free_debug_processing(struct kmem_cache *s, struct slab *slab, void *obj, unsigned long caller);
bool check_valid_pointer(struct kmem_cache *s, struct slab *slab, void *obj);
void slab_fix(struct kmem_cache *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void slab_bug(struct kmem_cache *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void list_slab_objects(struct kmem_cache *s, struct slab *slab);
void slab_report_bad_free(struct machine *m, const char *func, const void *p, const char *why);

/* kmalloc.c: size classes, the kmalloc caches, large kmalloc */
int create_kmalloc_caches(struct machine *m);
#define LARGE_KMALLOC_MAGIC 0x6b6d616c6c6f6301UL	/* page->memcg_data of a large kmalloc */

/* check.c: the invariant checker (slab_check() is also declared in core/layers.h) */
int slab_check(struct machine *m, char *why, size_t why_size);
/* The level-3 check after an operation on @s: that cache's invariants; a bug if broken. */
void slab_debug_check_cache(struct kmem_cache *s);
static inline void slab_debug_after_op(struct kmem_cache *s)
{
	if (mm_debug_on(s->machine, MM_DEBUG_CHECKS))
		slab_debug_check_cache(s);
}

/* The per-machine state of the current machine. */
static inline struct slab_state *slab_state_of(const struct machine *m)
{
	return m->slab;
}

#endif /* MMLAB_SLAB_INTERNAL_H */
