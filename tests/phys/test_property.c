/*
 * test_property.c - thousands of random allocation and free steps (random order, gfp, node,
 * CPU, and now and then a vmstat pass) on a small 2-node machine, with the invariant checker
 * after every step and the bytes of every live block checked; after freeing everything and
 * draining, buddyinfo must be exactly what it was at boot. Fault injection: the Nth allocation
 * fails, and nothing leaks.
 */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#define STEPS 4000
#define MAX_LIVE 256

struct live {
	struct page *page;
	unsigned int order;
	unsigned char tag;
	struct machine *m;
};

static const gfp_t gfps[] = {
	GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_KERNEL | __GFP_RECLAIMABLE, GFP_ATOMIC,
	GFP_NOWAIT, GFP_DMA32, GFP_DMA, GFP_USER, GFP_KERNEL | __GFP_ZERO,
	GFP_KERNEL | __GFP_COMP, GFP_HIGHUSER, GFP_KERNEL | __GFP_THISNODE,
};

static void check_bytes(const struct live *l)
{
	const unsigned char *b = page_address(l->page);
	size_t n = PAGE_SIZE << l->order, i;

	for (i = 0; i < n; i += 509)
		if (b[i] != l->tag)
			fail_msg("block pfn %#lx order %u: byte %zu is %#x, expected %#x",
				 page_to_pfn(l->page), l->order, i, b[i], l->tag);
}

static void run_random(struct machine *m, uint64_t seed, bool check_each, int fail_every)
{
	struct live live[MAX_LIVE];
	char *boot = NULL, *end;
	int nlive = 0, step, nfail = 0;

	drain_all_pages(NULL);
	boot = test_proc(m, "buddyinfo");
	if (fail_every) {
		struct fault_attr_config fc = { .nth = fail_every, .interval = fail_every, .times = -1 };

		assert_int_equal(machine_fault_set(m, FAULT_PAGE_ALLOC, &fc), 0);
	}
	for (step = 0; step < STEPS; step++) {
		uint64_t r = test_rand(&seed);
		int cpu = (int)(r % (uint64_t)machine_nr_cpus(m));

		machine_bind_cpu(m, cpu);
		if ((r >> 56) % 64 == 0) {
			/* Now and then a vmstat pass over some CPU: pcp high decays, lists shrink. */
			int which = (int)((r >> 4) % (uint64_t)machine_nr_cpus(m));

			assert_true(refresh_cpu_vm_stats(which) >= 0);
		} else if (nlive < MAX_LIVE && (nlive == 0 || (r >> 8) % 100 < 55)) {
			unsigned int order = (r >> 16) % 100 < 80 ? (unsigned int)((r >> 24) % 4)
								     : (unsigned int)((r >> 24) % 11);
			gfp_t gfp = gfps[(r >> 32) % (sizeof(gfps) / sizeof(gfps[0]))] | __GFP_NOWARN;
			int nid = (int)((r >> 40) % 3) - 1;
			struct page *p = alloc_pages_node(nid, gfp, order);

			if (!p) {
				nfail++;
				continue;
			}
			if (gfp & __GFP_THISNODE)
				assert_int_equal(page_to_nid(p), nid < 0 || nid >= machine_nr_nodes(m)
									? machine_cpu_to_node(m, cpu) : nid);
			if (gfp & __GFP_ZERO) {
				const unsigned char *b = page_address(p);

				assert_int_equal(b[0], 0);
				assert_int_equal(b[(PAGE_SIZE << order) - 1], 0);
			}
			live[nlive] = (struct live){ p, order, (unsigned char)(r >> 48), m };
			memset(page_address(p), live[nlive].tag, PAGE_SIZE << order);
			nlive++;
		} else {
			int i = (int)((r >> 8) % (uint64_t)nlive);

			check_bytes(&live[i]);
			__free_pages(live[i].page, live[i].order);
			live[i] = live[--nlive];
		}
		if (check_each)
			assert_machine_ok(m);
	}
	while (nlive > 0) {
		check_bytes(&live[nlive - 1]);
		__free_pages(live[nlive - 1].page, live[nlive - 1].order);
		nlive--;
	}
	machine_fault_clear(m);
	machine_bind_cpu(m, 0);
	drain_all_pages(NULL);
	assert_machine_ok(m);
	end = test_proc(m, "buddyinfo");
	if (strcmp(boot, end))
		fail_msg("buddyinfo after freeing all differs from boot:\n%s\nvs\n%s", boot, end);
	if (fail_every)
		assert_true(nfail >= STEPS / fail_every / 3);
	free(boot);
	free(end);
}

static void test_random_steps(void **state)
{
	struct machine *m = test_boot(128ULL << 20, 2, 2);

	assert_non_null(m);
	run_random(m, test_seed(0x6d6d6c6162ULL), true, 0);
	machine_shutdown(m);
}

/*
 * The same at debug level 1, where frames are not poisoned: the allocation and free fast paths
 * (which leave poisoned frames to the general path) carry most steps, under the sanitizers too.
 */
static void test_random_fast_paths(void **state)
{
	struct machine *m = test_boot(128ULL << 20, 2, 2);

	assert_non_null(m);
	machine_set_debug_level(m, 1);
	run_random(m, test_seed(0x66617374ULL), true, 0);
	machine_shutdown(m);
}

static void test_random_with_holes(void **state)
{
	struct machine *m = test_boot_pc(64ULL << 20, 1);

	assert_non_null(m);
	run_random(m, test_seed(0x686f6c6573ULL), true, 0);
	machine_shutdown(m);
}

static void test_random_cma_movable(void **state)
{
	struct machine_config cfg;
	struct machine *m = NULL;

	machine_config_default(&cfg);
	cfg.mem_bytes = 96ULL << 20;
	cfg.nr_nodes = 1;
	cfg.cma_bytes = 16ULL << 20;
	cfg.movablecore_bytes = 0;
	assert_int_equal(machine_boot(&cfg, &m), 0);
	machine_set_debug_level(m, 3);
	run_random(m, test_seed(0x636d61ULL), true, 0);
	machine_shutdown(m);
}

/* Every 7th allocation fails on purpose: callers see NULL, nothing leaks, state stays sound. */
static void test_fault_injection(void **state)
{
	struct machine *m = test_boot(64ULL << 20, 1, 2);
	struct page *p;

	assert_non_null(m);
	assert_int_equal(machine_fail_nth(m, FAULT_PAGE_ALLOC, 3, 1), 0);
	p = alloc_page(GFP_KERNEL);
	assert_non_null(p);
	__free_pages(p, 0);
	p = alloc_page(GFP_KERNEL);
	assert_non_null(p);
	__free_pages(p, 0);
	assert_null(alloc_page(GFP_KERNEL));		/* the 3rd call */
	assert_int_equal(machine_fault_injected(m, FAULT_PAGE_ALLOC), 1);
	p = alloc_page(GFP_KERNEL);			/* times = 1: no more failures */
	assert_non_null(p);
	__free_pages(p, 0);
	assert_int_equal(machine_fail_nth(m, FAULT_PAGE_ALLOC, 1, -1), 0);
	p = alloc_page(GFP_KERNEL | __GFP_NOFAIL);	/* __GFP_NOFAIL is never failed on purpose */
	assert_non_null(p);
	__free_pages(p, 0);
	assert_int_equal(machine_fail_nth(m, (enum mmlab_fault)99, 1, 1), -EINVAL);
	machine_fault_clear(m);
	run_random(m, test_seed(0x6661696cULL), true, 7);
	machine_shutdown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_steps),
		cmocka_unit_test(test_random_fast_paths),
		cmocka_unit_test(test_random_with_holes),
		cmocka_unit_test(test_random_cma_movable),
		cmocka_unit_test(test_fault_injection),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
