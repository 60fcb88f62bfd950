/*
 * bias_lock.c - the biased per-CPU lock (model in bias_lock.h): thread records, revocation and
 * the locked path. Used by the page allocator's per-CPU lists and the slab layer's per-CPU state.
 */
#include "core/bias_lock.h"

#include <sched.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__SANITIZE_THREAD__)
#define MM_BIAS_POSSIBLE 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MM_BIAS_POSSIBLE 0
#endif
#endif
#ifndef MM_BIAS_POSSIBLE
#define MM_BIAS_POSSIBLE 1
#endif

#define MM_BIAS_QUIET_OPS	1024
#define NR_BIAS_THREADS		1024

_Thread_local struct mm_bias_thread *mm_bias_self;

static struct mm_bias_thread threads[NR_BIAS_THREADS];
static struct mm_bias_thread unbiased_thread;	/* for threads past NR_BIAS_THREADS */
static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mm_bias_thread *free_threads;
static int threads_used;
static pthread_key_t thread_key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool bias_enabled;

static void thread_exit(void *p)
{
	struct mm_bias_thread *t = p;

	pthread_mutex_lock(&threads_lock);
	t->next_free = free_threads;
	free_threads = t;
	pthread_mutex_unlock(&threads_lock);
}

static void init_once(void)
{
	if (!MM_BIAS_POSSIBLE)
		return;
	if (pthread_key_create(&thread_key, thread_exit))
		return;
	bias_enabled = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
}

void mm_bias_init(void)
{
	pthread_once(&once, init_once);
}

static struct mm_bias_thread *bias_thread_get(void)
{
	struct mm_bias_thread *t = mm_bias_self;

	if (likely(t))
		return t;
	mm_bias_init();
	pthread_mutex_lock(&threads_lock);
	if (free_threads) {
		t = free_threads;
		free_threads = t->next_free;
	} else if (threads_used < NR_BIAS_THREADS) {
		t = &threads[threads_used++];
	}
	pthread_mutex_unlock(&threads_lock);
	if (t && bias_enabled)
		pthread_setspecific(thread_key, t);
	else
		t = &unbiased_thread;
	atomic_store_explicit(&t->busy, 0, memory_order_relaxed);
	mm_bias_self = t;
	return t;
}

/* Take ownership away from @o: after this, @o is not inside @c's fast path and won't enter it. */
static void bias_revoke(struct mm_bias_lock *c, struct mm_bias_thread *o)
{
	unsigned int spins = 0;

	atomic_store_explicit(&c->owner, NULL, memory_order_relaxed);
	syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
	/* The owner may be waiting on a later lock in the order: let it run on two host cores. */
	while (atomic_load_explicit(&o->busy, memory_order_acquire)) {
		if (++spins % 128 == 0)
			sched_yield();
		else
			cpu_relax();
	}
}

void mm_bias_lock(struct mm_bias_lock *c, bool may_bias)
{
	struct mm_bias_thread *me = bias_thread_get(), *o;

	mm_spin_lock(&c->lock);
	o = atomic_load_explicit(&c->owner, memory_order_relaxed);
	if (o == me)
		return;
	c->nr_locked++;
	if (o) {
		bias_revoke(c, o);
		if (may_bias) {
			c->nr_revoke++;
			c->revoked_at = c->nr_locked;
		}
	}
	if (may_bias && bias_enabled && me != &unbiased_thread &&
	    (!c->nr_revoke || c->nr_locked - c->revoked_at >= MM_BIAS_QUIET_OPS))
		atomic_store_explicit(&c->owner, me, memory_order_relaxed);
}
