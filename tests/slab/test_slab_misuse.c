/*
 * test_slab_misuse.c - careless callers of a cache without debug flags (issue 11): what is
 * caught by default, reported to the machine log, and not allowed to corrupt the allocator.
 *
 *  - a double kmem_cache_free of the object at the head of the freelist it goes back to (the
 *    naive case CONFIG_SLAB_FREELIST_HARDENED catches in set_freepointer()): on the CPU's
 *    freelist (fast path), on a slab's own freelist (slow path), and twice in one bulk free;
 *  - kfree / kmem_cache_free of a pointer inside an object (not its start);
 *  - slab_debug_setup() with a NULL spec.
 * After each, two allocations never return the same object and the checker passes.
 */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "slab/internal.h"

static struct machine *m;

static int setup(void **state)
{
	(void)state;
	m = test_boot(64ULL << 20, 1, 2);
	return m ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	machine_shutdown(m);
	m = NULL;
	return 0;
}

static void assert_log_has(const char *want)
{
	char *log = test_dmesg(m);

	if (!strstr(log, want))
		fail_msg("log lacks \"%s\"; log:\n%s", want, log);
	free(log);
}

static size_t log_len(void)
{
	return machine_dmesg(m, NULL, 0);
}

/* @s hands out @n distinct objects (a corrupt freelist would repeat one). */
static void assert_distinct_allocs(struct kmem_cache *s, int n)
{
	void **p = calloc((size_t)n, sizeof(*p));
	int i, j;

	for (i = 0; i < n; i++) {
		p[i] = kmem_cache_alloc(s, GFP_KERNEL);
		assert_non_null(p[i]);
		for (j = 0; j < i; j++)
			if (p[i] == p[j])
				fail_msg("allocations %d and %d both returned %p", j, i, p[i]);
	}
	for (i = 0; i < n; i++)
		kmem_cache_free(s, p[i]);
	free(p);
}

/* Free, free again: the second free finds the object at the head of the CPU's freelist. */
static void test_double_free_fast_path(void **state)
{
	struct kmem_cache *s = kmem_cache_create("careless-64", 64, 0, 0, NULL);
	void *a;

	(void)state;
	assert_non_null(s);
	a = kmem_cache_alloc(s, GFP_KERNEL);
	kmem_cache_free(s, a);
	kmem_cache_free(s, a);
	assert_log_has("double free or corruption");
	assert_machine_ok(m);
	assert_distinct_allocs(s, 4);
	assert_machine_ok(m);
	kmem_cache_destroy(s);
}

/*
 * An object of a slab that is no longer the CPU's: the free goes to the slab's own freelist,
 * and the second free finds it there.
 *
 *   slab 0 (full, then one free)  slab 1 (the CPU's)
 *   [x x x ... a]                 [y ...]
 */
static void test_double_free_slow_path(void **state)
{
	struct kmem_cache *s = kmem_cache_create("careless-256", 256, 0, 0, NULL);
	void *objs[300], *a;
	size_t before;
	int i;

	(void)state;
	assert_non_null(s);
	for (i = 0; i < 300; i++)
		objs[i] = kmem_cache_alloc(s, GFP_KERNEL);
	a = objs[0];				/* in the first slab, long full */
	assert_ptr_not_equal(page_slab(slab_virt_to_head_page(m, a)), s->cpu_slab[0].slab);
	kmem_cache_free(s, a);
	before = log_len();
	kmem_cache_free(s, a);
	assert_true(log_len() > before);
	assert_log_has("double free or corruption");
	assert_machine_ok(m);
	for (i = 1; i < 300; i++)
		kmem_cache_free(s, objs[i]);
	assert_distinct_allocs(s, 310);
	assert_machine_ok(m);
	kmem_cache_destroy(s);
}

/* The same object twice in a row in one kmem_cache_free_bulk(). */
static void test_double_free_bulk(void **state)
{
	struct kmem_cache *s = kmem_cache_create("careless-bulk", 128, 0, 0, NULL);
	void *p[4];

	(void)state;
	assert_non_null(s);
	assert_int_equal(kmem_cache_alloc_bulk(s, GFP_KERNEL, 3, p), 3);
	p[3] = p[2];
	kmem_cache_free_bulk(s, 4, p);
	assert_log_has("double free or corruption");
	assert_machine_ok(m);
	assert_distinct_allocs(s, 8);
	kmem_cache_destroy(s);
}

/* A pointer 8 bytes into an object: reported, the object stays allocated, then frees fine. */
static void test_free_of_interior_pointer(void **state)
{
	struct kmem_cache *s = kmem_cache_create("careless-96", 96, 0, 0, NULL);
	char *p = kmalloc(64, GFP_KERNEL), *q;

	(void)state;
	assert_non_null(p);
	kfree(p + 8);
	assert_log_has("Invalid object pointer");
	assert_machine_ok(m);
	memset(p, 0x5a, 64);			/* still ours */
	kfree(p);
	assert_machine_ok(m);

	assert_non_null(s);
	q = kmem_cache_alloc(s, GFP_KERNEL);
	kmem_cache_free(s, q + 40);		/* 96 is not a power of two */
	assert_machine_ok(m);
	{
		/* A multiple of 96 past the last object, in the slab's slack: no object there. */
		struct slab *sl = page_slab(slab_virt_to_head_page(m, q));
		size_t end = (size_t)sl->objects * s->size, bytes = PAGE_SIZE << ((sl->flags &
			     PAGE_ALLOC_ORDER_MASK) >> PAGE_ALLOC_ORDER_SHIFT);
		size_t before = machine_dmesg(m, NULL, 0);

		assert_true(end < bytes);	/* 4096 = 42 * 96 + 64 */
		kmem_cache_free(s, (char *)slab_address(m, sl) + end);
		assert_true(machine_dmesg(m, NULL, 0) > before);
		assert_machine_ok(m);
	}
	kmem_cache_free(s, q);
	assert_distinct_allocs(s, 4);
	assert_machine_ok(m);
	kmem_cache_destroy(s);
}

static void test_slab_debug_setup_null_spec(void **state)
{
	(void)state;
	assert_int_equal(slab_debug_setup(m, NULL), -EINVAL);
	assert_int_equal(slab_debug_setup(NULL, "F"), -EINVAL);
	assert_machine_ok(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_double_free_fast_path),
		cmocka_unit_test(test_double_free_slow_path),
		cmocka_unit_test(test_double_free_bulk),
		cmocka_unit_test(test_free_of_interior_pointer),
		cmocka_unit_test(test_slab_debug_setup_null_spec),
	};

	return mmlab_run_tests(tests, setup, teardown);
}
