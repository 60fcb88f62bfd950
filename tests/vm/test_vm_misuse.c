/*
 * test_vm_misuse.c - careless callers of the address-space API, and a fidelity slip (issue 11):
 *
 *  - mm_create() with more segments than an exec can have: NULL and *err == -EINVAL;
 *  - MADV_POPULATE_WRITE over  A.A  (a hole between two mappings): ENOMEM at the hole, the
 *    first page populated and the last not, as the kernel's populate stops at the first hole
 *    (recorded on 6.18: `madvise populate_write hole` in test_vm_errno has the errno).
 *
 *     0 1 2
 *     A . A     A private anonymous rw
 */
#include "vmtest.h"

static void test_mm_create_too_many_segments(void **state)
{
	struct mm_exec_args args = { .flags = MM_EXEC_EMPTY };
	struct machine *m = test_boot(64ULL << 20, 1, 1);
	struct mm_struct *mm;
	int counts[] = { 100, MM_EXEC_MAX_SEGMENTS + 1, -1 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		int err = 12345;

		args.nr_segments = counts[i];
		mm = mm_create(m, &args, &err);
		assert_null(mm);
		assert_int_equal(err, -EINVAL);
		assert_machine_ok(m);
	}
	machine_shutdown(m);
}

static void test_populate_stops_at_the_first_hole(void **state)
{
	unsigned char vec[3] = { 9, 9, 9 };
	struct vmt t;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	assert_int_equal(vmt_map(&t, 0, 1, PROT_READ | PROT_WRITE), (long)PG(0));
	assert_int_equal(vmt_map(&t, 2, 1, PROT_READ | PROT_WRITE), (long)PG(2));
	assert_int_equal(mm_madvise(t.mm, PG(0), 3 * PAGE_SIZE, MADV_POPULATE_WRITE), -ENOMEM);
	assert_int_equal(mm_mincore(t.mm, PG(0), PAGE_SIZE, vec), 0);
	assert_int_equal(mm_mincore(t.mm, PG(2), PAGE_SIZE, vec + 2), 0);
	assert_int_equal(vec[0] & 1, 1);
	assert_int_equal(vec[2] & 1, 0);
	vmt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mm_create_too_many_segments),
		cmocka_unit_test(test_populate_stops_at_the_first_hole),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
