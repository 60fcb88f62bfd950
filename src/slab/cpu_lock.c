/*
 * cpu_lock.c - exclusive access to a cache's per-CPU state (struct kmem_cache_cpu) when several
 * host threads may be bound to one simulated CPU.
 *
 * The kernel's fast path needs no lock: a task cannot be preempted in the middle of it. Here a
 * simulated CPU may be shared by host threads, so every access is serialised by c->lock, an
 * atomic exchange per operation (~8 ns on the reference host: more than a whole jemalloc
 * malloc+free). Most of the time one thread uses a CPU alone, so the lock is biased:
 *
 *   owner fast path:  t->busy = 1; compiler barrier; if (c->owner == t) { work; t->busy = 0 }
 *   everyone else:    lock c->lock; if (c->owner && c->owner != me) revoke; work; unlock
 *   revoke:           o = c->owner; c->owner = NULL; membarrier(); wait until o->busy == 0
 *
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) runs a full memory barrier on every CPU running a
 * thread of the process, so either the owner's busy = 1 is visible to the revoker, or the owner
 * sees owner == NULL and takes the lock (Dekker with an asymmetric fence, as in liburcu and
 * folly). A thread that takes c->lock while nobody owns @c becomes the owner, except within
 * SLAB_BIAS_QUIET_OPS locked operations of the last revocation: on a CPU really shared by two
 * busy threads, a revocation (a membarrier, a few microseconds) costs a few ns per operation at
 * most, and a CPU whose owner thread exited is biased again soon.
 *
 * slab_thread records are never freed, only recycled when their thread exits (a new thread may
 * inherit the dead one's ownership, which is harmless: the dead thread cannot use it). Without
 * membarrier, or under ThreadSanitizer (which cannot see the asymmetric fence), nobody is ever
 * made owner and every access takes c->lock.
 */
#include "slab/internal.h"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__SANITIZE_THREAD__)
#define SLAB_BIAS_POSSIBLE 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SLAB_BIAS_POSSIBLE 0
#endif
#endif
#ifndef SLAB_BIAS_POSSIBLE
#define SLAB_BIAS_POSSIBLE 1
#endif

#define SLAB_BIAS_QUIET_OPS	1024
#define NR_SLAB_THREADS		1024

_Thread_local struct slab_thread *slab_self;

static struct slab_thread threads[NR_SLAB_THREADS];
static struct slab_thread no_bias_thread;	/* for threads past NR_SLAB_THREADS */
static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static struct slab_thread *free_threads;
static int threads_used;
static pthread_key_t thread_key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool bias_enabled;

static void thread_exit(void *p)
{
	struct slab_thread *t = p;

	pthread_mutex_lock(&threads_lock);
	t->next_free = free_threads;
	free_threads = t;
	pthread_mutex_unlock(&threads_lock);
}

static void init_once(void)
{
	if (!SLAB_BIAS_POSSIBLE)
		return;
	if (pthread_key_create(&thread_key, thread_exit))
		return;
	bias_enabled = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
}

void cpu_lock_init(void)
{
	pthread_once(&once, init_once);
}

static struct slab_thread *slab_thread_get(void)
{
	struct slab_thread *t = slab_self;

	if (likely(t))
		return t;
	cpu_lock_init();
	pthread_mutex_lock(&threads_lock);
	if (free_threads) {
		t = free_threads;
		free_threads = t->next_free;
	} else if (threads_used < NR_SLAB_THREADS) {
		t = &threads[threads_used++];
	}
	pthread_mutex_unlock(&threads_lock);
	if (t && bias_enabled)
		pthread_setspecific(thread_key, t);
	else
		t = &no_bias_thread;
	atomic_store_explicit(&t->busy, 0, memory_order_relaxed);
	slab_self = t;
	return t;
}

/* Take ownership away from @o: after this, @o is not inside @c's fast path and won't enter it. */
static void cpu_slab_revoke(struct kmem_cache_cpu *c, struct slab_thread *o)
{
	atomic_store_explicit(&c->owner, NULL, memory_order_relaxed);
	syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
	while (atomic_load_explicit(&o->busy, memory_order_acquire))
		__builtin_ia32_pause();
}

void cpu_slab_lock(struct kmem_cache_cpu *c, bool may_bias)
{
	struct slab_thread *me = slab_thread_get(), *o;

	mm_spin_lock(&c->lock);
	o = atomic_load_explicit(&c->owner, memory_order_relaxed);
	if (o == me)
		return;
	c->nr_locked++;
	if (o) {
		cpu_slab_revoke(c, o);
		if (may_bias) {
			c->nr_revoke++;
			c->revoked_at = c->nr_locked;
		}
	}
	if (may_bias && bias_enabled && me != &no_bias_thread &&
	    (!c->nr_revoke || c->nr_locked - c->revoked_at >= SLAB_BIAS_QUIET_OPS))
		atomic_store_explicit(&c->owner, me, memory_order_relaxed);
}
