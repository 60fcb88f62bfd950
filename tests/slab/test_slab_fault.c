/*
 * test_slab_fault.c - fault injection: FAULT_SLAB at kmem_cache_alloc entry, and page allocation
 * failures under the slab layer. Each failure gives NULL, leaves the allocator consistent, and
 * leaks nothing: after freeing what was obtained and shrinking, every page is back.
 */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "slab/internal.h"

static struct machine *m;

static int setup(void **state)
{
	m = test_boot(64ULL << 20, 1, 2);
	return m ? 0 : -1;
}

static int teardown(void **state)
{
	machine_shutdown(m);
	m = NULL;
	return 0;
}

static long slab_pages(void)
{
	return global_node_page_state(m, NR_SLAB_RECLAIMABLE) +
	       global_node_page_state(m, NR_SLAB_UNRECLAIMABLE);
}

static void test_failslab(void **state)
{
	struct kmem_cache *s = kmem_cache_create("fs", 64, 0, 0, NULL);
	void *p, *v[8];

	assert_int_equal(machine_fail_nth(m, FAULT_SLAB, 2, 1), 0);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	assert_non_null(p);
	assert_null(kmem_cache_alloc(s, GFP_KERNEL));	/* the 2nd call */
	kmem_cache_free(s, kmem_cache_alloc(s, GFP_KERNEL));
	assert_int_equal(machine_fault_injected(m, FAULT_SLAB), 1);
	assert_int_equal(machine_fail_nth(m, FAULT_SLAB, 1, 1), 0);
	assert_null(kmalloc(100, GFP_KERNEL));
	assert_int_equal(machine_fail_nth(m, FAULT_SLAB, 1, 1), 0);
	assert_int_equal(kmem_cache_alloc_bulk(s, GFP_KERNEL, 8, v), 0);
	machine_fault_clear(m);
	kmem_cache_free(s, p);
	kmem_cache_destroy(s);
	assert_machine_ok(m);
}

/* No page for a new slab: NULL, and no page, slab or counter is left behind. */
static void test_page_alloc_failure(void **state)
{
	struct kmem_cache *s = kmem_cache_create("pf", 512, 0, 0, NULL);	/* order 1 */
	long slabs = slab_pages();
	unsigned long nr_free;
	void *p;

	drain_all_pages(NULL);
	nr_free = nr_free_pages();
	assert_int_equal(machine_fail_nth(m, FAULT_PAGE_ALLOC, 1, -1), 0);
	assert_null(kmem_cache_alloc(s, GFP_KERNEL | __GFP_NOWARN));
	assert_null(kmalloc(5000, GFP_KERNEL | __GFP_NOWARN));
	assert_null(kmalloc(50000, GFP_KERNEL | __GFP_NOWARN));
	machine_fault_clear(m);
	assert_int_equal(slab_pages(), slabs);
	drain_all_pages(NULL);
	assert_int_equal(nr_free_pages(), nr_free);
	assert_machine_ok(m);

	/* The preferred order fails once: the slab falls back to the order of one object. */
	assert_int_equal(oo_order(s->oo), 1);
	assert_int_equal(oo_order(s->min), 0);
	assert_int_equal(machine_fail_nth(m, FAULT_PAGE_ALLOC, 1, 1), 0);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	assert_non_null(p);
	assert_int_equal(compound_order(virt_to_head_page(p)), 0);
	assert_int_equal(page_slab(virt_to_head_page(p))->objects, 8);
	assert_machine_ok(m);
	kmem_cache_free(s, p);
	kmem_cache_destroy(s);
	assert_machine_ok(m);
}

/*
 * Fail the n-th page allocation for n = 1..40 while filling a cache and kmalloc: whatever was
 * obtained is freed, and after shrinking every slab page is back with the page allocator.
 */
static void test_fail_nth_sweep(void **state)
{
	struct kmem_cache *s = kmem_cache_create("sweep", 1000, 0, 0, NULL);
	enum { N = 300 };
	void *v[N];
	long slabs;
	int n, i, got;

	kmem_cache_shrink(s);
	slabs = slab_pages();
	for (n = 1; n <= 40; n++) {
		assert_int_equal(machine_fail_nth(m, FAULT_PAGE_ALLOC, n, -1), 0);
		for (got = 0; got < N; got++) {
			v[got] = got % 3 ? kmem_cache_alloc(s, GFP_KERNEL | __GFP_NOWARN)
					 : kmalloc(16384, GFP_KERNEL | __GFP_NOWARN);
			if (!v[got])
				break;
		}
		machine_fault_clear(m);
		assert_true(got < N);
		assert_machine_ok(m);
		for (i = 0; i < got; i++) {
			if (i % 3)
				kmem_cache_free(s, v[i]);
			else
				kfree(v[i]);
		}
		kmem_cache_shrink(s);
		assert_machine_ok(m);
		assert_int_equal(slab_pages(), slabs);
	}
	/* The bulk API fails as a whole: nothing kept. */
	assert_int_equal(machine_fail_nth(m, FAULT_PAGE_ALLOC, 2, -1), 0);
	assert_int_equal(kmem_cache_alloc_bulk(s, GFP_KERNEL | __GFP_NOWARN, N, v), 0);
	machine_fault_clear(m);
	kmem_cache_shrink(s);
	assert_int_equal(slab_pages(), slabs);
	assert_machine_ok(m);
	kmem_cache_destroy(s);
}

/* FAULT_MISC on the cache descriptor: kmem_cache_create fails cleanly. */
static void test_create_failure(void **state)
{
	int n;

	for (n = 1; n <= 4; n++) {
		struct kmem_cache *s;

		assert_int_equal(machine_fail_nth(m, FAULT_MISC, n, 1), 0);
		s = kmem_cache_create("misc", 64, 0, 0, NULL);
		machine_fault_clear(m);
		if (s)
			kmem_cache_destroy(s);
		assert_machine_ok(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_failslab, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_alloc_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fail_nth_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_failure, setup, teardown),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
