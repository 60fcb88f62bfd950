/*
 * debug.h - the one place that maps the compiled-in debug level MMLAB_DEBUG to what it builds.
 *
 *   MMLAB_DEBUG  compiles in                                          in effect
 *   0            nothing but MM_BUG_ON (a broken invariant that would  always
 *                corrupt memory further is always checked)
 *   1            + cheap assertions: VM_BUG_ON, VM_BUG_ON_PAGE, the    always (they cost a
 *                allocators' preconditions                             test and a branch)
 *   2            + poisoning of freed frames, checked when they are    runtime level >= 2
 *                handed out again (slab objects are poisoned per
 *                cache, by SLAB_POISON, at any level)
 *                + lock-owner tracking, so "zone lock held" can be     always
 *                asserted (mm_lock_assert_held)
 *   3            + the invariant checks after every operation of       runtime level >= 3
 *                every layer
 *
 * The runtime level (machine_set_debug_level(), 0..3) selects among what is compiled in; it
 * cannot bring back what is compiled out. Code tests a level with mm_debug_on(m, MM_DEBUG_*),
 * never by comparing numbers itself, so a level compiled out costs nothing, fast paths
 * included.
 *
 * Level 3, "after every operation": each layer ends each of its entry points by checking the
 * object the operation touched with that layer's checker, under the locks that object's
 * writers take, so the check holds while other CPUs work:
 *   page allocator   the zone it took from or gave back to   phys_debug_check_zone()
 *   slab allocator   the cache (this CPU's and node slabs)   slab_debug_check_cache()
 *   address space    the mm (under its mmap_lock)            vm_debug_check_mm()
 * machine_check() runs every layer's whole-machine checker (core/layers.h) on demand.
 */
#ifndef MMLAB_DEBUG_H
#define MMLAB_DEBUG_H

#ifndef MMLAB_DEBUG
#define MMLAB_DEBUG 1
#endif
#if MMLAB_DEBUG < 0 || MMLAB_DEBUG > 3
#error "MMLAB_DEBUG must be 0, 1, 2 or 3 (see src/core/debug.h)"
#endif

/* The levels, by what each adds. */
#define MM_DEBUG_ASSERTS	1	/* cheap assertions */
#define MM_DEBUG_POISON		2	/* poisoning of freed memory */
#define MM_DEBUG_CHECKS		3	/* the layers' checkers after every operation */
#define MM_DEBUG_LOCK_OWNER	2	/* mm_lock_t records its holder (compiled in only) */

#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif

struct machine;
struct page;

/*
 * A broken invariant is a bug, never an expected error: report the function and stop.
 * MM_BUG_ON is always on; VM_BUG_ON and VM_BUG_ON_PAGE only from level 1 (compiled in).
 */
_Noreturn void mm_bug(const char *func, const char *file, int line, const char *cond);
/* Like mm_bug, after dumping @page (its pfn, flags, counts) to stderr. */
_Noreturn void mm_bug_page(const struct page *page, const char *func, const char *file, int line,
			   const char *cond);

#define MM_BUG_ON(cond)								\
	do {									\
		if (unlikely(cond))						\
			mm_bug(__func__, __FILE__, __LINE__, #cond);		\
	} while (0)

#if MMLAB_DEBUG >= MM_DEBUG_ASSERTS
#define VM_BUG_ON(cond) MM_BUG_ON(cond)
#define VM_BUG_ON_PAGE(cond, page)						\
	do {									\
		if (unlikely(cond))						\
			mm_bug_page((page), __func__, __FILE__, __LINE__, #cond); \
	} while (0)
#else
/* Compiled out, but still type-checked and without "unused" warnings. */
#define VM_BUG_ON(cond) ((void)sizeof(!(cond)))
#define VM_BUG_ON_PAGE(cond, page) ((void)sizeof(!(cond)), (void)sizeof(page))
#endif

/*
 * mm_debug_on - is debug level @lvl (MM_DEBUG_*) in effect on machine @m? Constant false when
 * @lvl is not compiled in, so the code behind it disappears; otherwise one load and compare.
 */
#define mm_debug_on(m, lvl) ((lvl) <= MMLAB_DEBUG && unlikely((m)->debug_level >= (lvl)))

#endif /* MMLAB_DEBUG_H */
