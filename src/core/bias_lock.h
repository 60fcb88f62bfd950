/*
 * bias_lock.h - a per-CPU lock biased to the one host thread that uses the CPU alone.
 *
 * The kernel's per-CPU fast paths need no atomic instruction: a task is not preempted in the
 * middle of one. Here several host threads may be bound to one simulated CPU, so per-CPU state
 * needs a lock, an atomic exchange per operation (~6 ns on the reference host: as much as the
 * rest of a page or object allocation). Most of the time one thread uses a CPU alone, so the
 * lock is biased to it:
 *
 *   owner fast path:  t->busy = 1; compiler barrier; if (l->owner == t) { work; t->busy = 0 }
 *   everyone else:    lock l->lock; if (l->owner && l->owner != me) revoke; work; unlock
 *   revoke:           o = l->owner; l->owner = NULL; membarrier(); wait until o->busy == 0
 *
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) runs a full memory barrier on every CPU running a
 * thread of the process, so either the owner's busy = 1 is visible to the revoker, or the owner
 * sees owner == NULL and takes the lock (Dekker with an asymmetric fence, as in liburcu and
 * folly). A thread that takes the lock while nobody owns it becomes the owner (if the caller
 * allows it), except within MM_BIAS_QUIET_OPS locked operations of the last revocation, so a
 * CPU really shared by two busy threads settles on plain locking.
 *
 * Rules for an owner's fast section: it may take locks that come after this one in the lock
 * order, never one a revoker could hold while revoking. Without membarrier, or under TSan (which
 * cannot see the asymmetric fence), nobody is ever made owner and every access takes the lock.
 */
#ifndef MMLAB_BIAS_LOCK_H
#define MMLAB_BIAS_LOCK_H

#include "core/core.h"

/* One per host thread that ever took a biased lock; recycled when the thread exits. */
struct mm_bias_thread {
	atomic_int busy;	/* fast sections the thread is inside; written only by the thread */
	struct mm_bias_thread *next_free;
} __attribute__((aligned(64)));

struct mm_bias_lock {
	_Atomic(struct mm_bias_thread *) owner;	/* biased owner, or NULL */
	mm_spinlock_t lock;		/* non-owners take turns under it */
	unsigned int nr_revoke;		/* owners revoked (under lock) */
	unsigned long nr_locked;	/* locked operations by non-owners (under lock) */
	unsigned long revoked_at;	/* nr_locked at the last revocation */
};

/* The calling thread's record, NULL until its first locked operation. */
extern _Thread_local struct mm_bias_thread *mm_bias_self __attribute__((tls_model("initial-exec")));

/* Process-wide set-up (membarrier registration); idempotent and thread-safe. */
void mm_bias_init(void);

static inline void mm_bias_lock_init(struct mm_bias_lock *l)
{
	atomic_init(&l->owner, NULL);
	mm_spin_init(&l->lock);
	l->nr_revoke = 0;
	l->nr_locked = 0;
	l->revoked_at = 0;
}

/*
 * mm_bias_lock - exclusive access to what @l protects: take l->lock, revoking another thread's
 * ownership first. With @may_bias the caller may become the owner (for a CPU's own thread; not
 * for remote drains or reports). Release with mm_bias_unlock().
 */
void mm_bias_lock(struct mm_bias_lock *l, bool may_bias);

static inline void mm_bias_unlock(struct mm_bias_lock *l)
{
	mm_spin_unlock(&l->lock);
}

/*
 * mm_bias_enter_fast - try the lockless fast section of @l. True if the calling thread owns @l:
 * it must call mm_bias_exit_fast() when done. The store to busy is ordered before the load of
 * owner by the revoker's membarrier(). Fast sections of different locks may nest (busy counts
 * them), e.g. a slab fast path that reaches the page allocator's.
 */
static inline bool mm_bias_enter_fast(struct mm_bias_lock *l)
{
	struct mm_bias_thread *t = mm_bias_self;
	int busy;

	if (unlikely(!t))
		return false;
	busy = atomic_load_explicit(&t->busy, memory_order_relaxed);
	atomic_store_explicit(&t->busy, busy + 1, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	if (likely(atomic_load_explicit(&l->owner, memory_order_relaxed) == t))
		return true;
	atomic_store_explicit(&t->busy, busy, memory_order_release);
	return false;
}

static inline void mm_bias_exit_fast(void)
{
	struct mm_bias_thread *t = mm_bias_self;

	atomic_store_explicit(&t->busy, atomic_load_explicit(&t->busy, memory_order_relaxed) - 1,
			      memory_order_release);
}

#endif /* MMLAB_BIAS_LOCK_H */
