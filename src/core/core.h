/*
 * core.h - the narrow environment every subsystem is compiled against: assertions, locks,
 * the per-thread "current" machine and CPU, the kernel log, fault injection and statistics.
 *
 * Subsystems include this and their own internal header, never each other's .c internals, so a
 * test can substitute or observe any of these services (fault injection, the log, debug levels).
 *
 * Glossary of the core structures (core/machine.h):
 *   struct machine     one simulated computer: config, CPUs, log, fault injection, debug level,
 *                      and one opaque state pointer per layer (phys, slab, vm)
 *   struct mm_cpu      one simulated CPU: its node and its event counters
 * Debug levels and assertions are in core/debug.h, the layers' boot interface in core/layers.h.
 */
#ifndef MMLAB_CORE_H
#define MMLAB_CORE_H

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmlab/fault_inject.h>
#include <mmlab/machine.h>

#include "core/debug.h"

#define noinline	__attribute__((noinline))
#define mm_always_inline inline __attribute__((always_inline))
/*
 * A function that reads, on purpose, words other threads may be writing without its lock (the
 * kernel marks such reads data_race()): the bit it tests is only ever set by the lock holder,
 * or the value is a hint re-validated under the lock. TSan does not instrument it.
 */
#define mm_racy_reader	__attribute__((no_sanitize_thread, __noinline__))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))
#define CLAMP(x, lo, hi)	MIN(MAX((x), (lo)), (hi))
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

/* ---- locks ---------------------------------------------------------------------------------- */

/*
 * A sleeping lock for long or contended sections (zone->lock, node locks). From debug level 2
 * (compiled in) it records its holder, so a function that requires the lock can assert it
 * (mm_lock_assert_held); the holder is the address of the thread's mm_current, unique among
 * live threads and one instruction away. (Not at level 1: the two stores cost the buddy
 * allocator's lock round trip 3 ns of 27 in bench_page_alloc.)
 */
typedef struct {
	pthread_mutex_t mutex;
#if MMLAB_DEBUG >= MM_DEBUG_LOCK_OWNER
	_Atomic(uintptr_t) owner;	/* holder's &mm_current, or 0 (debug level 2) */
#endif
} mm_lock_t;
void mm_lock_init(mm_lock_t *l);
void mm_lock_destroy(mm_lock_t *l);
static inline uintptr_t mm_lock_self(void);
static inline void mm_lock_set_owner(mm_lock_t *l, uintptr_t owner)
{
#if MMLAB_DEBUG >= MM_DEBUG_LOCK_OWNER
	atomic_store_explicit(&l->owner, owner, memory_order_relaxed);
#else
	(void)l;
	(void)owner;
#endif
}
static inline void mm_lock(mm_lock_t *l)
{
	pthread_mutex_lock(&l->mutex);
	mm_lock_set_owner(l, mm_lock_self());
}
static inline void mm_unlock(mm_lock_t *l)
{
	mm_lock_set_owner(l, 0);
	pthread_mutex_unlock(&l->mutex);
}
static inline bool mm_trylock(mm_lock_t *l)
{
	if (pthread_mutex_trylock(&l->mutex) != 0)
		return false;
	mm_lock_set_owner(l, mm_lock_self());
	return true;
}
/* Does the calling thread hold @l? Always true below compiled level 2 (not tracked). */
static inline bool mm_lock_held(mm_lock_t *l)
{
#if MMLAB_DEBUG >= MM_DEBUG_LOCK_OWNER
	return atomic_load_explicit(&l->owner, memory_order_relaxed) == mm_lock_self();
#else
	(void)l;
	return true;
#endif
}
/* A function that requires @l held says so with this (the kernel's lockdep_assert_held). */
#define mm_lock_assert_held(l) VM_BUG_ON(!mm_lock_held(l))

/*
 * cpu_relax - tell the CPU this is a spin-wait loop: x86's pause, aarch64's yield (as the
 * kernel's cpu_relax()), nothing where there is no such hint.
 */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/* A spin lock for short per-CPU sections (the pcp lists): one exchange to take it. */
typedef struct {
	atomic_bool locked;
} mm_spinlock_t;
static inline void mm_spin_init(mm_spinlock_t *l) { atomic_init(&l->locked, false); }
static inline bool mm_spin_trylock(mm_spinlock_t *l)
{
	return !atomic_exchange_explicit(&l->locked, true, memory_order_acquire);
}
void mm_spin_lock_slow(mm_spinlock_t *l);
static inline void mm_spin_lock(mm_spinlock_t *l)
{
	if (unlikely(!mm_spin_trylock(l)))
		mm_spin_lock_slow(l);
}
static inline void mm_spin_unlock(mm_spinlock_t *l)
{
	atomic_store_explicit(&l->locked, false, memory_order_release);
}

/* A reader/writer lock (mmap_lock). */
typedef struct {
	pthread_rwlock_t rw;
} mm_rwsem_t;
void mm_rwsem_init(mm_rwsem_t *s);
void mm_rwsem_destroy(mm_rwsem_t *s);
static inline void mm_down_read(mm_rwsem_t *s) { pthread_rwlock_rdlock(&s->rw); }
static inline void mm_up_read(mm_rwsem_t *s) { pthread_rwlock_unlock(&s->rw); }
static inline void mm_down_write(mm_rwsem_t *s) { pthread_rwlock_wrlock(&s->rw); }
static inline void mm_up_write(mm_rwsem_t *s) { pthread_rwlock_unlock(&s->rw); }

/*
 * Counters updated by one writer at a time (under a lock) and read by anyone: a plain load and
 * store on x86, race-free for TSan.
 */
static inline void stat_add_locked(atomic_long *c, long d)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + d,
			      memory_order_relaxed);
}
static inline long stat_read(const atomic_long *c)
{
	return atomic_load_explicit((atomic_long *)c, memory_order_relaxed);
}

/* ---- the current machine and CPU ------------------------------------------------------------ */

struct mm_current {
	struct machine *machine;
	int cpu;
};
/*
 * initial-exec: one instruction to reach it, instead of a __tls_get_addr call per access from
 * position-independent code. (libmmlab may still be dlopen'ed: glibc keeps static TLS room.)
 */
extern _Thread_local struct mm_current mm_current __attribute__((tls_model("initial-exec")));

static inline uintptr_t mm_lock_self(void)
{
	return (uintptr_t)&mm_current;
}

/* The current machine; a bug if the thread is not bound (see machine_bind_cpu()). */
static inline struct machine *current_machine(void)
{
	struct machine *m = mm_current.machine;

	if (unlikely(!m))
		mm_bug(__func__, __FILE__, __LINE__, "thread not bound to a machine");
	return m;
}

/* ---- the kernel log ------------------------------------------------------------------------- */

/* printk - append a line to @m's kernel log, like the kernel's printk (no level prefixes). */
void printk(struct machine *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vprintk(struct machine *m, const char *fmt, va_list ap);

/*
 * Metadata allocation on the host (descriptors that the simulated kernel would take from its
 * own slab caches until the slab layer serves them). Each call counts one call of FAULT_MISC
 * (mm_meta_zalloc_as: of @which, for a path with its own attribute, e.g. VMA-tree leaves), so
 * callers must not test should_fail() for the same allocation again.
 */
void *mm_meta_zalloc_as(struct machine *m, enum mmlab_fault which, size_t size);
void *mm_meta_zalloc(struct machine *m, size_t size);
void mm_meta_free(struct machine *m, void *p);

/* ---- seq_buf: bounded text output for /proc files ------------------------------------------- */

struct seq_buf {
	char *buf;
	size_t size;	/* capacity including the NUL */
	size_t len;	/* what would have been written with unlimited space */
};
void seq_buf_init(struct seq_buf *s, char *buf, size_t size);
void seq_printf(struct seq_buf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void seq_puts(struct seq_buf *s, const char *str);
void seq_putc(struct seq_buf *s, char c);

/* struct machine and the helpers that read it (should_fail, count_vm_events, ...). */
#include "core/machine.h"

#endif /* MMLAB_CORE_H */
