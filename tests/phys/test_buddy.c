#include "testlib.h"

static void test_boot_and_free_all(void **state)
{
	struct machine *m = test_boot(64ULL << 20, 1, 2);
	struct page *p;

	assert_non_null(m);
	assert_machine_ok(m);
	p = alloc_pages(GFP_KERNEL, 3);
	assert_non_null(p);
	assert_machine_ok(m);
	__free_pages(p, 3);
	assert_machine_ok(m);
	machine_shutdown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot_and_free_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
