/*
 * test_stress.c - several host threads on several simulated CPUs (two of them sharing one CPU)
 * allocate, write, hand blocks to each other and free them; a block must never be handed out
 * twice (each owner stamps and checks its bytes), while vmstat passes shrink each other's
 * per-CPU lists. Run under TSan by the test command.
 */
#include "testlib.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define ROUNDS 3000
#define SLOTS 64

struct shared {
	struct machine *m;
	pthread_mutex_t lock;
	struct page *slot[SLOTS];	/* blocks in flight between threads */
	unsigned int slot_order[SLOTS];
	unsigned long slot_stamp[SLOTS];
};

struct worker {
	struct shared *sh;
	int cpu;
	uint64_t seed;
};

static void stamp(struct page *p, unsigned int order, unsigned long v)
{
	unsigned long *w = page_address(p);
	size_t i, n = (PAGE_SIZE << order) / sizeof(*w);

	for (i = 0; i < n; i += 61)
		w[i] = v;
}

static bool stamped(struct page *p, unsigned int order, unsigned long v)
{
	unsigned long *w = page_address(p);
	size_t i, n = (PAGE_SIZE << order) / sizeof(*w);

	for (i = 0; i < n; i += 61)
		if (w[i] != v)
			return false;
	return true;
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct shared *sh = wk->sh;
	int r;

	machine_bind_cpu(sh->m, wk->cpu);
	for (r = 0; r < ROUNDS; r++) {
		uint64_t x = test_rand(&wk->seed);
		unsigned int order = (x & 7) < 6 ? 0 : (unsigned int)((x >> 3) % 4);
		struct page *p = alloc_pages(((x >> 8) & 1) ? GFP_KERNEL : GFP_HIGHUSER_MOVABLE, order);
		unsigned long v = x | 1;
		int s = (int)((x >> 16) % SLOTS);
		struct page *old;
		unsigned int old_order;
		unsigned long old_stamp;

		/* Now and then a vmstat pass over some CPU's lists, maybe another thread's. */
		if (((x >> 24) & 255) == 0 && refresh_cpu_vm_stats((int)((x >> 32) % 3)) < 0)
			return (void *)2;
		if (!p)
			continue;
		stamp(p, order, v);
		/* Swap it into a shared slot; free whatever another thread left there. */
		pthread_mutex_lock(&sh->lock);
		old = sh->slot[s];
		old_order = sh->slot_order[s];
		old_stamp = sh->slot_stamp[s];
		sh->slot[s] = p;
		sh->slot_order[s] = order;
		sh->slot_stamp[s] = v;
		pthread_mutex_unlock(&sh->lock);
		if (old) {
			if (!stamped(old, old_order, old_stamp))
				return (void *)1;	/* someone else wrote our block */
			__free_pages(old, old_order);
		}
	}
	machine_unbind_cpu();
	return NULL;
}

static void test_threads(void **state)
{
	struct shared sh = { 0 };
	struct worker wk[THREADS];
	pthread_t th[THREADS];
	uint64_t seed = test_seed(0x737472657373ULL);
	char *boot, *end;
	int i;

	sh.m = test_boot(256ULL << 20, 2, 2);
	assert_non_null(sh.m);
	pthread_mutex_init(&sh.lock, NULL);
	drain_all_pages(NULL);
	boot = test_proc(sh.m, "buddyinfo");
	for (i = 0; i < THREADS; i++) {
		/* CPUs 0, 1, 2 and 2 again: two threads share CPU 2's per-CPU lists. */
		wk[i] = (struct worker){ &sh, i < 3 ? i : 2, seed + (uint64_t)i * 0x9e3779b97f4a7c15ULL };
		assert_int_equal(pthread_create(&th[i], NULL, worker_main, &wk[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		void *ret;

		pthread_join(th[i], &ret);
		assert_null(ret);
	}
	machine_bind_cpu(sh.m, 0);
	assert_machine_ok(sh.m);
	for (i = 0; i < SLOTS; i++)
		if (sh.slot[i]) {
			assert_true(stamped(sh.slot[i], sh.slot_order[i], sh.slot_stamp[i]));
			__free_pages(sh.slot[i], sh.slot_order[i]);
		}
	drain_all_pages(NULL);
	assert_machine_ok(sh.m);
	end = test_proc(sh.m, "buddyinfo");
	assert_string_equal(boot, end);
	free(boot);
	free(end);
	pthread_mutex_destroy(&sh.lock);
	machine_shutdown(sh.m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
