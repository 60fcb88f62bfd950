/*
 * test_vma_merge.c - every merge and split case the kernel distinguishes, each drawn.
 * One column = one page from BASE; letters are VMAs; '.' is unmapped.
 */
#include "vmtest.h"

#define RW (PROT_READ | PROT_WRITE)
#define RO PROT_READ

/*  0123456
 *  AAA....   map 3 pages
 *  AAABB..   map 2 adjacent pages, same flags: they merge  -> AAAAA..  */
static void test_merge_new_after_prev(void **state)
{
	struct vmt t;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	assert_int_equal(vmt_map(&t, 0, 3, RW), PG(0));
	assert_int_equal(vmt_map(&t, 3, 2, RW), PG(3));
	vmt_expect(t.mm, "AAAAA..");
	assert_int_equal(t.mm->map_count, 1);
	vmt_teardown(&t);
}

/*  0123456
 *  ...BBB.   then map AAA before it: merge before next ->  .AAAAA. is wrong: anon pgoff is the
 *  address, so [1,3) + [3,6) are contiguous: one VMA  */
static void test_merge_new_before_next(void **state)
{
	struct vmt t;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	assert_int_equal(vmt_map(&t, 3, 3, RW), PG(3));
	assert_int_equal(vmt_map(&t, 1, 2, RW), PG(1));
	vmt_expect(t.mm, ".AAAAA.");
	assert_int_equal(t.mm->map_count, 1);
	vmt_teardown(&t);
}

/*  0123456
 *  AA..BB.   fill the hole with the same flags: prev, new and next become one
 *  AAAAAA.  */
static void test_merge_new_both(void **state)
{
	struct vmt t;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	vmt_map(&t, 0, 2, RW);
	vmt_map(&t, 4, 2, RW);
	vmt_expect(t.mm, "AA..BB.");
	vmt_map(&t, 2, 2, RW);
	vmt_expect(t.mm, "AAAAAA.");
	assert_int_equal(t.mm->map_count, 1);
	vmt_teardown(&t);
}

/*  0123456
 *  AABBCC.   different protections never merge  */
static void test_no_merge_flags(void **state)
{
	struct vmt t;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	vmt_map(&t, 0, 2, RW);
	vmt_map(&t, 2, 2, RO);
	vmt_map(&t, 4, 2, RW);
	vmt_expect(t.mm, "AABBCC.");
	assert_int_equal(t.mm->map_count, 3);
	vmt_teardown(&t);
}

/*  0123456
 *  AAAAAA.   mprotect [2,4) read-only splits in three
 *  AABBCC.   mprotect it back: the three merge again
 *  AAAAAA.  */
static void test_mprotect_split_and_remerge(void **state)
{
	struct vmt t;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	vmt_map(&t, 0, 6, RW);
	assert_int_equal(mm_mprotect(t.mm, PG(2), 2 * PAGE_SIZE, RO), 0);
	vmt_expect(t.mm, "AABBCC.");
	assert_int_equal(mm_mprotect(t.mm, PG(2), 2 * PAGE_SIZE, RW), 0);
	vmt_expect(t.mm, "AAAAAA.");
	vmt_teardown(&t);
}

/*  0123456
 *  AAABBB.   A rw, B ro; mprotect [3,4) rw: the head of B joins A (merge left, B shrinks)
 *  AAAABB.  */
static void test_mprotect_merge_left_partial(void **state)
{
	struct vmt t;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	vmt_map(&t, 0, 3, RW);
	vmt_map(&t, 3, 3, RO);
	assert_int_equal(mm_mprotect(t.mm, PG(3), PAGE_SIZE, RW), 0);
	vmt_expect(t.mm, "AAAABB.");
	vmt_teardown(&t);
}

/*  0123456
 *  AAABBB.   A ro, B rw; mprotect [2,3) rw: the tail of A joins B (merge right, A shrinks)
 *  AABBBB.  */
static void test_mprotect_merge_right_partial(void **state)
{
	struct vmt t;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	vmt_map(&t, 0, 3, RO);
	vmt_map(&t, 3, 3, RW);
	assert_int_equal(mm_mprotect(t.mm, PG(2), PAGE_SIZE, RW), 0);
	vmt_expect(t.mm, "AABBBB.");
	vmt_teardown(&t);
}

/*  0123456
 *  AAAAAA.   both halves written separately after a split: the halves share the anon_vma
 *  AAABBB.   (a split keeps it), so making them equal merges them again  */
static void test_anon_vma_shared_by_split_merges(void **state)
{
	struct vmt t;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	vmt_map(&t, 0, 6, RW);
	assert_int_equal(mm_touch(t.mm, PG(0), true), 0);
	assert_int_equal(mm_mprotect(t.mm, PG(3), 3 * PAGE_SIZE, RO), 0);
	vmt_expect(t.mm, "AAABBB.");
	assert_int_equal(mm_mprotect(t.mm, PG(3), 3 * PAGE_SIZE, RW), 0);
	vmt_expect(t.mm, "AAAAAA.");
	vmt_teardown(&t);
}

/*  0123456789
 *  AAA.....BB   two mappings written separately get different anon_vmas; mremap B next to A
 *  AAABB.....   they are adjacent with equal flags and contiguous offsets? No: B keeps its own
 *               page offset and anon_vma, so they stay two VMAs (the kernel's answer)  */
static void test_anon_vma_differs_no_merge(void **state)
{
	struct vmt t;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	vmt_map(&t, 0, 3, RW);
	vmt_map(&t, 8, 2, RW);
	assert_int_equal(mm_touch(t.mm, PG(0), true), 0);
	assert_int_equal(mm_touch(t.mm, PG(8), true), 0);
	assert_int_equal(mm_mremap(t.mm, PG(8), 2 * PAGE_SIZE, 2 * PAGE_SIZE,
				   MREMAP_MAYMOVE | MREMAP_FIXED, PG(3)), PG(3));
	vmt_expect(t.mm, "AAABB.....");
	assert_int_equal(t.mm->map_count, 2);
	vmt_teardown(&t);
}

/*  0123456789
 *  AAA.....BB   B never written: mremap next to A takes the new address as page offset and
 *  AAAAA.....   merges (copy_vma)  */
static void test_untouched_move_merges(void **state)
{
	struct vmt t;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	vmt_map(&t, 0, 3, RW);
	vmt_map(&t, 8, 2, RW);
	assert_int_equal(mm_touch(t.mm, PG(0), true), 0);
	assert_int_equal(mm_mremap(t.mm, PG(8), 2 * PAGE_SIZE, 2 * PAGE_SIZE,
				   MREMAP_MAYMOVE | MREMAP_FIXED, PG(3)), PG(3));
	vmt_expect(t.mm, "AAAAA.....");
	vmt_teardown(&t);
}

/*  0123456
 *  AAAAAA.   munmap [2,4): split in two
 *  AA..BB.  */
static void test_munmap_middle(void **state)
{
	struct vmt t;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	vmt_map(&t, 0, 6, RW);
	assert_int_equal(mm_munmap(t.mm, PG(2), 2 * PAGE_SIZE), 0);
	vmt_expect(t.mm, "AA..BB.");
	assert_int_equal(t.mm->total_vm, 4);
	vmt_teardown(&t);
}

/*  0123456
 *  AABBCC.   munmap [1,5) across three VMAs: the ends are split off, the middle goes
 *  A....C.  */
static void test_munmap_across(void **state)
{
	struct vmt t;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	vmt_map(&t, 0, 2, RW);
	vmt_map(&t, 2, 2, RO);
	vmt_map(&t, 4, 2, RW);
	assert_int_equal(mm_munmap(t.mm, PG(1), 4 * PAGE_SIZE), 0);
	vmt_expect(t.mm, "A....C.");
	vmt_teardown(&t);
}

/*  01234567
 *  FFFF....   a file mapped at offset 0; mapping the next file pages right after merges,
 *  FFFFGG..   unless the offset is not contiguous (G at offset 8 pages): two VMAs  */
static void test_file_pgoff(void **state)
{
	struct mm_file_desc d = { .path = "/tmp/f", .dev_major = 8, .ino = 12,
				  .open_flags = O_RDWR, .size = 1 << 20 };
	struct mm_file *f, *f2;
	struct vmt t;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	f = mm_file_open(t.m, &d);
	f2 = mm_file_open(t.m, &d);
	assert_int_equal(mm_mmap(t.mm, PG(0), 4 * PAGE_SIZE, RO, MAP_PRIVATE | MAP_FIXED, f, 0), PG(0));
	assert_int_equal(mm_mmap(t.mm, PG(4), 2 * PAGE_SIZE, RO, MAP_PRIVATE | MAP_FIXED, f,
				 4 * PAGE_SIZE), PG(4));
	vmt_expect(t.mm, "FFFFFF..");
	assert_int_equal(mm_mmap(t.mm, PG(6), 2 * PAGE_SIZE, RO, MAP_PRIVATE | MAP_FIXED, f,
				 8 * PAGE_SIZE), PG(6));
	vmt_expect(t.mm, "FFFFFFGG");
	/* Another open of the same file is another struct file: no merge either. */
	assert_int_equal(mm_munmap(t.mm, PG(6), 2 * PAGE_SIZE), 0);
	assert_int_equal(mm_mmap(t.mm, PG(6), 2 * PAGE_SIZE, RO, MAP_PRIVATE | MAP_FIXED, f2,
				 6 * PAGE_SIZE), PG(6));
	vmt_expect(t.mm, "FFFFFFGG");
	mm_file_put(f);
	mm_file_put(f2);
	vmt_teardown(&t);
}

/*  0123
 *  AABB   MAP_STACK gives VM_NOHUGEPAGE: a thread stack never merges with plain anon memory */
static void test_map_stack_no_merge(void **state)
{
	struct vmt t;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	vmt_map(&t, 0, 2, RW);
	assert_int_equal(mm_mmap(t.mm, PG(2), 2 * PAGE_SIZE, RW,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_STACK, NULL, 0), PG(2));
	vmt_expect(t.mm, "AABB");
	vmt_teardown(&t);
}

/*  0123456
 *  AAAAAA.   madvise(DONTFORK) on [2,4): split; DOFORK again: merge back  */
static void test_madvise_split_merge(void **state)
{
	struct vmt t;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	vmt_map(&t, 0, 6, RW);
	assert_int_equal(mm_madvise(t.mm, PG(2), 2 * PAGE_SIZE, MADV_DONTFORK), 0);
	vmt_expect(t.mm, "AABBCC.");
	assert_int_equal(mm_madvise(t.mm, PG(2), 2 * PAGE_SIZE, MADV_DOFORK), 0);
	vmt_expect(t.mm, "AAAAAA.");
	vmt_teardown(&t);
}

/*  0123456
 *  AA.BB..   madvise over a hole applies to both sides, then ENOMEM
 *  CC.DD..   (both got VM_DONTDUMP)  */
static void test_madvise_hole(void **state)
{
	struct vmt t;
	struct mm_vma_info vi;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	vmt_map(&t, 0, 2, RW);
	vmt_map(&t, 3, 2, RW);
	assert_int_equal(mm_madvise(t.mm, PG(0), 5 * PAGE_SIZE, MADV_DONTDUMP), -ENOMEM);
	assert_true(mm_vma_at(t.mm, PG(0), &vi) && (vi.vm_flags & VM_DONTDUMP));
	assert_true(mm_vma_at(t.mm, PG(3), &vi) && (vi.vm_flags & VM_DONTDUMP));
	vmt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_new_after_prev),
		cmocka_unit_test(test_merge_new_before_next),
		cmocka_unit_test(test_merge_new_both),
		cmocka_unit_test(test_no_merge_flags),
		cmocka_unit_test(test_mprotect_split_and_remerge),
		cmocka_unit_test(test_mprotect_merge_left_partial),
		cmocka_unit_test(test_mprotect_merge_right_partial),
		cmocka_unit_test(test_anon_vma_shared_by_split_merges),
		cmocka_unit_test(test_anon_vma_differs_no_merge),
		cmocka_unit_test(test_untouched_move_merges),
		cmocka_unit_test(test_munmap_middle),
		cmocka_unit_test(test_munmap_across),
		cmocka_unit_test(test_file_pgoff),
		cmocka_unit_test(test_map_stack_no_merge),
		cmocka_unit_test(test_madvise_split_merge),
		cmocka_unit_test(test_madvise_hole),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
