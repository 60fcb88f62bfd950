/*
 * test_slab_threads.c - several host threads on a few simulated CPUs (two threads share CPU 0),
 * allocating objects and handing them to each other to free: every free of a handed-over object
 * is a cross-CPU free, onto a slab another CPU may have active. Run under TSan (label
 * concurrency). Afterwards the checker holds and, once shrunk, every slab page is back.
 *
 *   thread:  0    1    2    3
 *   CPU:     0    0    1    2        objects flow thread t -> mailbox[(t + 1) % 4] -> freed there
 */
#include "testlib.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "slab/internal.h"

enum { NR_THREADS = 4, ROUNDS = 20000, BOX = 64 };

static struct machine *m;
static struct kmem_cache *cache;

struct mailbox {
	pthread_mutex_t lock;
	void *slot[BOX];
	int n;
} boxes[NR_THREADS];

static const int thread_cpu[NR_THREADS] = { 0, 0, 1, 2 };

static void put(int t, void *p)
{
	struct mailbox *b = &boxes[t];
	void *evicted = NULL;

	pthread_mutex_lock(&b->lock);
	if (b->n == BOX)
		evicted = b->slot[--b->n];
	b->slot[b->n++] = p;
	pthread_mutex_unlock(&b->lock);
	if (evicted)
		kfree(evicted);
}

static void *take(int t)
{
	struct mailbox *b = &boxes[t];
	void *p = NULL;

	pthread_mutex_lock(&b->lock);
	if (b->n)
		p = b->slot[--b->n];
	pthread_mutex_unlock(&b->lock);
	return p;
}

static void *worker(void *arg)
{
	int t = (int)(intptr_t)arg, i;
	uint64_t seed = 0x7e57 + (uint64_t)t;

	machine_bind_cpu(m, thread_cpu[t]);
	for (i = 0; i < ROUNDS; i++) {
		uint64_t r = test_rand(&seed);
		void *p;

		if (r & 1) {
			p = kmem_cache_alloc(cache, GFP_KERNEL);
			memset(p, t, 64);
		} else {
			p = kmalloc(16 + (r >> 8) % 500, GFP_KERNEL);
			memset(p, t, 16);
		}
		if (!p)
			abort();
		put((t + 1) % NR_THREADS, p);
		p = take(t);
		if (p)
			kfree(p);	/* kfree works on kmem_cache objects too */
		if ((r >> 20) % 1000 == 0) {
			void *v[32];

			if (kmem_cache_alloc_bulk(cache, GFP_KERNEL, 32, v) != 32)
				abort();
			kmem_cache_free_bulk(cache, 32, v);
		}
	}
	machine_unbind_cpu();
	return NULL;
}

static void test_cross_thread_frees(void **state)
{
	pthread_t th[NR_THREADS];
	long before;
	int t;

	m = test_boot(128ULL << 20, 1, 3);
	assert_non_null(m);
	machine_set_debug_level(m, 1);
	cache = kmem_cache_create("xthread", 64, 0, 0, NULL);
	before = global_node_page_state(m, NR_SLAB_UNRECLAIMABLE);
	for (t = 0; t < NR_THREADS; t++) {
		pthread_mutex_init(&boxes[t].lock, NULL);
		boxes[t].n = 0;
	}
	for (t = 0; t < NR_THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, worker, (void *)(intptr_t)t), 0);
	for (t = 0; t < NR_THREADS; t++)
		pthread_join(th[t], NULL);
	machine_bind_cpu(m, 0);
	assert_machine_ok(m);
	for (t = 0; t < NR_THREADS; t++) {
		void *p;

		while ((p = take(t)))
			kfree(p);
	}
	assert_machine_ok(m);
	kmem_cache_destroy(cache);
	{
		struct list_head *pos;

		list_for_each(pos, &m->slab->caches)
			kmem_cache_shrink(list_entry(pos, struct kmem_cache, list));
	}
	assert_machine_ok(m);
	assert_int_equal(global_node_page_state(m, NR_SLAB_UNRECLAIMABLE), before);
	machine_shutdown(m);
}

/*
 * Two threads bound to the same CPU, each holding a window of objects stamped with its own id:
 * an object handed to both (a broken biased-owner revocation, slab_free racing the fast path)
 * shows up as a foreign stamp. Exercises revocation: the two threads keep taking the CPU's
 * state from each other.
 */
static atomic_int stamp_errors;
static pthread_barrier_t start;

static void *same_cpu_worker(void *arg)
{
	uintptr_t me = (uintptr_t)arg;
	void *win[16] = { 0 };
	uint64_t seed = 0x5a5a + me;
	int i, j;

	machine_bind_cpu(m, 0);
	pthread_barrier_wait(&start);
	for (i = 0; i < 1000000; i++) {
		j = (int)(test_rand(&seed) % 16);
		if (win[j]) {
			if (*(uintptr_t *)win[j] != me || ((uintptr_t *)win[j])[7] != me)
				atomic_fetch_add(&stamp_errors, 1);
			kmem_cache_free(cache, win[j]);
		}
		win[j] = kmem_cache_alloc(cache, GFP_KERNEL);
		for (int k = 0; k < 8; k++)
			((uintptr_t *)win[j])[k] = me;
	}
	for (j = 0; j < 16; j++)
		kmem_cache_free(cache, win[j]);
	machine_unbind_cpu();
	return NULL;
}

static void test_two_threads_one_cpu(void **state)
{
	pthread_t th[2];
	int t;

	m = test_boot(64ULL << 20, 1, 1);
	assert_non_null(m);
	cache = kmem_cache_create("samecpu", 64, 0, 0, NULL);
	pthread_barrier_init(&start, NULL, 2);
	for (t = 0; t < 2; t++)
		assert_int_equal(pthread_create(&th[t], NULL, same_cpu_worker, (void *)(uintptr_t)(t + 1)), 0);
	for (t = 0; t < 2; t++)
		pthread_join(th[t], NULL);
	pthread_barrier_destroy(&start);
	machine_bind_cpu(m, 0);
	assert_int_equal(atomic_load(&stamp_errors), 0);
	fprintf(stderr, "CPU 0: %u biased owners revoked, %lu locked operations\n",
		cache->cpu_slab[0].bl.nr_revoke, cache->cpu_slab[0].bl.nr_locked);
	assert_machine_ok(m);
	kmem_cache_destroy(cache);
	assert_machine_ok(m);
	machine_shutdown(m);
}

/*
 * Workers on CPUs 0 and 1 stamp their objects while a third thread keeps shrinking the cache,
 * which flushes every CPU's slabs and so revokes each CPU's biased owner in the middle of its
 * work: no object may be handed out twice and the checker must hold afterwards.
 */
static atomic_bool stop_shrinking;

static void *stamping_worker(void *arg)
{
	uintptr_t me = (uintptr_t)arg;
	void *win[32] = { 0 };
	uint64_t seed = 0xabc + me;
	int i, j;

	machine_bind_cpu(m, (int)me - 1);
	for (i = 0; i < 300000; i++) {
		j = (int)(test_rand(&seed) % 32);
		if (win[j]) {
			if (*(uintptr_t *)win[j] != me)
				atomic_fetch_add(&stamp_errors, 1);
			kmem_cache_free(cache, win[j]);
		}
		win[j] = kmem_cache_alloc(cache, GFP_KERNEL);
		*(uintptr_t *)win[j] = me;
	}
	for (j = 0; j < 32; j++)
		kmem_cache_free(cache, win[j]);
	machine_unbind_cpu();
	return NULL;
}

static void *shrinker(void *arg)
{
	machine_bind_cpu(m, 2);
	while (!atomic_load(&stop_shrinking))
		kmem_cache_shrink(cache);
	machine_unbind_cpu();
	return NULL;
}

static void test_shrink_during_use(void **state)
{
	pthread_t th[2], sh;
	int t;

	m = test_boot(64ULL << 20, 1, 3);
	assert_non_null(m);
	cache = kmem_cache_create("shrunk", 48, 0, 0, NULL);
	atomic_store(&stamp_errors, 0);
	atomic_store(&stop_shrinking, false);
	assert_int_equal(pthread_create(&sh, NULL, shrinker, NULL), 0);
	for (t = 0; t < 2; t++)
		assert_int_equal(pthread_create(&th[t], NULL, stamping_worker, (void *)(uintptr_t)(t + 1)), 0);
	for (t = 0; t < 2; t++)
		pthread_join(th[t], NULL);
	atomic_store(&stop_shrinking, true);
	pthread_join(sh, NULL);
	machine_bind_cpu(m, 0);
	assert_int_equal(atomic_load(&stamp_errors), 0);
	assert_machine_ok(m);
	kmem_cache_destroy(cache);
	assert_machine_ok(m);
	machine_shutdown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cross_thread_frees),
		cmocka_unit_test(test_two_threads_one_cpu),
		cmocka_unit_test(test_shrink_during_use),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
