/*
 * test_page_misuse.c - careless callers of the page allocator and of machine_boot (issue 11):
 *
 *  - __free_pages() with an order other than the block was allocated with (larger, smaller, a
 *    compound page's): reported to the machine log (bad_page), the block not freed, and freed
 *    fine afterwards with the right order;
 *  - machine_boot() with a NULL config or result pointer: -EINVAL;
 *  - min_free_kbytes = 1,000,000 written at boot: the kernel takes any sysctl value (only its own
 *    estimate is clamped to 262,144), so the machine boots, and consistently: the low watermark
 *    then exceeds an eighth of a zone, pcp high_min exceeds high_max, and high is high_max, as
 *    the kernel's clamp() leaves it.
 * The checker after every step.
 */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "phys/internal.h"

static void assert_log_has(struct machine *m, const char *want)
{
	char *log = test_dmesg(m);

	if (!strstr(log, want))
		fail_msg("log lacks \"%s\"; log:\n%s", want, log);
	free(log);
}

static void wrong_order(gfp_t gfp)
{
	struct machine *m = test_boot(64ULL << 20, 1, 2);
	struct page *p = alloc_pages(gfp, 2);

	assert_non_null(p);
	__free_pages(p, 3);			/* would free 4 pages someone else may hold */
	assert_log_has(m, "Bad page state");
	assert_log_has(m, "order 3 of a block allocated as order 2");
	assert_int_equal(page_ref_count(p), 1);	/* not freed */
	assert_machine_ok(m);
	__free_pages(p, 1);			/* would leak 2 pages */
	assert_int_equal(page_ref_count(p), 1);
	assert_machine_ok(m);
	__free_pages(p, 0);
	assert_int_equal(page_ref_count(p), 1);
	memset(page_address(p), 0x5a, 4 * PAGE_SIZE);	/* all four pages still ours */
	__free_pages(p, 2);
	assert_int_equal(page_ref_count(p), 0);
	assert_machine_ok(m);
	/* The block is free again: a new order-2 allocation may have it, and frees normally. */
	p = alloc_pages(gfp, 2);
	assert_non_null(p);
	__free_pages(p, 2);
	assert_machine_ok(m);
	machine_shutdown(m);
}

static void test_free_pages_wrong_order(void **state)
{
	(void)state;
	wrong_order(GFP_KERNEL);
}

static void test_free_compound_pages_wrong_order(void **state)
{
	(void)state;
	wrong_order(GFP_KERNEL | __GFP_COMP);
}

/* An order-1 free of the second page of an order-2 block (not aligned to order 1 either). */
static void test_free_pages_of_a_tail(void **state)
{
	struct machine *m = test_boot(64ULL << 20, 1, 2);
	struct page *p = alloc_pages(GFP_KERNEL, 2);

	(void)state;
	__free_pages(p + 1, 1);
	assert_log_has(m, "Bad page state");
	assert_machine_ok(m);
	__free_pages(p, 2);
	assert_machine_ok(m);
	machine_shutdown(m);
}

static void test_boot_null_arguments(void **state)
{
	struct machine_config cfg;
	struct machine *m = (struct machine *)1;

	(void)state;
	machine_config_default(&cfg);
	assert_int_equal(machine_boot(NULL, &m), -EINVAL);
	assert_null(m);
	assert_int_equal(machine_boot(&cfg, NULL), -EINVAL);
}

static void test_huge_min_free_kbytes_boots_consistently(void **state)
{
	static const int values[] = { 1000000, 4000000, 2147483647 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		struct machine_config cfg;
		struct machine *m;
		struct page *page;

		machine_config_default(&cfg);
		cfg.mem_bytes = 1ULL << 30;
		cfg.nr_nodes = 1;
		cfg.min_free_kbytes = values[i];
		assert_int_equal(machine_boot(&cfg, &m), 0);
		assert_machine_ok(m);
		/* Whether it succeeds below the watermarks or not, the allocator stays sound. */
		page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0);
		if (page)
			__free_pages(page, 0);
		assert_machine_ok(m);
		machine_shutdown(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_free_pages_wrong_order),
		cmocka_unit_test(test_free_compound_pages_wrong_order),
		cmocka_unit_test(test_free_pages_of_a_tail),
		cmocka_unit_test(test_boot_null_arguments),
		cmocka_unit_test(test_huge_min_free_kbytes_boots_consistently),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
