/*
 * test_vma_dup.c - vm_area_dup(): every copy of a VMA (a split, fork's copy, mremap's new VMA)
 * owns a private copy of the anonymous name, and when that copy cannot be allocated
 * (FAULT_MISC) the call fails with -ENOMEM and leaves everything as it was: the same maps
 * text, counters and Committed_AS, a clean invariant checker, and (under ASan) no leak.
 *
 *  layout before each call:  NNNNNNNNR       N rw private, named "buf" (or not: the control)
 *                            0123456789      R read-only: mremap cannot grow N in place
 */
#include "vmtest.h"

#include <mmlab/fault_inject.h>

static void build(struct vmt *t, bool named)
{
	assert_int_equal(mm_seed_vma(t->mm, PG(0), PG(8), PROT_READ | PROT_WRITE, MAP_PRIVATE,
				     NULL, 0, named ? "[anon:buf]" : NULL), 0);
	assert_int_equal(vmt_map(t, 8, 1, PROT_READ), (long)PG(8));
}

static int count_named(const char *maps)
{
	int n = 0;

	for (const char *p = maps; (p = strstr(p, "[anon:buf]")); p++)
		n++;
	return n;
}

typedef long (*op_fn)(struct vmt *t);

/*  NN..NNNNR  the middle becomes read-only: two splits, each copying the name */
static long op_mprotect_middle(struct vmt *t)
{
	return mm_mprotect(t->mm, PG(2), 2 * PAGE_SIZE, PROT_READ);
}

static long op_munmap_middle(struct vmt *t)
{
	return mm_munmap(t->mm, PG(2), 2 * PAGE_SIZE);
}

static long op_mmap_fixed_middle(struct vmt *t)
{
	return vmt_map(t, 2, 2, PROT_READ);
}

/* The child's maps must be the parent's, names included. */
static long op_fork(struct vmt *t)
{
	struct mm_task *child;
	int err = mm_task_clone(t->task, 0, 0, &child);

	if (!err) {
		char *mine = vmt_maps(t->mm), *its = vmt_maps(mm_task_mm(child));

		if (strcmp(mine, its))
			fail_msg("fork: the child's maps differ:\n%s---\n%s", mine, its);
		free(mine);
		free(its);
		mm_task_exit(child);
	}
	return err;
}

/* R blocks growth in place: N moves whole to a new place (copy_vma's new VMA). */
static long op_mremap_grow(struct vmt *t)
{
	return mm_mremap(t->mm, PG(0), 8 * PAGE_SIZE, 10 * PAGE_SIZE, MREMAP_MAYMOVE, 0);
}

/* The middle moves: the copy, then two splits of the old range after it. */
static long op_mremap_middle(struct vmt *t)
{
	return mm_mremap(t->mm, PG(2), 2 * PAGE_SIZE, 2 * PAGE_SIZE,
			 MREMAP_MAYMOVE | MREMAP_FIXED, PG(20));
}

static const struct {
	const char *name;
	op_fn fn;
	int named_after;	/* "[anon:buf]" lines in the maps once the call succeeded */
} ops[] = {
	{ "mprotect of the middle", op_mprotect_middle, 3 },
	{ "munmap of the middle", op_munmap_middle, 2 },
	{ "mmap MAP_FIXED over the middle", op_mmap_fixed_middle, 2 },
	{ "fork", op_fork, 1 },
	{ "mremap growing, so moving", op_mremap_grow, 1 },
	{ "mremap of the middle to a fixed place", op_mremap_middle, 3 },
};

/*
 * Fail FAULT_MISC allocation 1, 2, ... of ops[o] until it runs without a failure; check each
 * failure left everything as it was and the final success copied the name. Returns the number
 * of allocations that were made to fail.
 */
static int sweep(size_t o, bool named)
{
	int failures = 0;
	long nth;

	for (nth = 1; nth < 40; nth++) {
		struct vmt_state before;
		long r, hit;
		struct vmt t;

		vmt_setup(&t, MM_EXEC_EMPTY);
		build(&t, named);
		vma_free_reserve(t.mm);		/* every VMA and name copy allocated afresh */
		vmt_state_save(&t, &before);
		machine_fail_nth(t.m, FAULT_MISC, nth, 1);
		r = ops[o].fn(&t);
		hit = machine_fault_injected(t.m, FAULT_MISC);
		machine_fault_clear(t.m);
		if (!hit) {
			char *after = vmt_maps(t.mm);

			if (r < 0)
				fail_msg("%s: failed (%ld) with no allocation failing", ops[o].name,
					 r);
			assert_int_equal(count_named(after), named ? ops[o].named_after : 0);
			free(before.maps);
			free(after);
			vmt_teardown(&t);
			return failures;
		}
		failures++;
		if (r != -ENOMEM)
			fail_msg("%s: allocation %ld failed, the call returned %ld, not -ENOMEM",
				 ops[o].name, nth, r);
		vmt_assert_unchanged(&t, &before, ops[o].name, nth);
		free(before.maps);
		vmt_teardown(&t);
	}
	fail_msg("%s: still failing after %ld allocations", ops[o].name, nth);
	return failures;
}

/*
 * Each call makes more FAULT_MISC allocations on a named VMA than on an unnamed one: the copies
 * of the name. Making any of them fail must be as clean as making the others fail.
 */
static void test_name_copy_failure_changes_nothing(void **state)
{
	size_t o;

	(void)state;
	for (o = 0; o < ARRAY_SIZE(ops); o++) {
		int plain = sweep(o, false), named = sweep(o, true);

		fprintf(stderr, "%s: %d failed allocations with a name, %d without\n", ops[o].name,
			named, plain);
		if (named <= plain)
			fail_msg("%s: %d allocations with a name, %d without: no name copied",
				 ops[o].name, named, plain);
	}
}

/*
 * The copy has the original's text in its own allocation, and the file reference is its own;
 * its anon_vma links are made by the caller, from the reserve.
 */
static void test_dup_owns_its_name(void **state)
{
	struct vm_area_struct *vma, *copy;
	struct vmt t;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	build(&t, true);
	mm_down_write(&t.mm->mmap_lock);
	vma = find_vma(t.mm, PG(0));
	assert_int_equal(vma_prealloc(t.mm, 1), 0);
	copy = vm_area_dup(t.mm, vma);
	assert_non_null(copy);
	assert_ptr_not_equal(copy->anon_name, vma->anon_name);
	assert_string_equal(copy->anon_name, "buf");
	assert_true(copy->vm_start == vma->vm_start && copy->vm_end == vma->vm_end);
	assert_true(copy->vm_flags == vma->vm_flags);
	/* the chain is the caller's to link (a split clones it, fork forks it) */
	assert_null(copy->anon_vma);
	assert_true(list_empty(&copy->anon_vma_chain));
	anon_vma_clone_reserved(copy, vma);
	assert_ptr_equal(copy->anon_vma, vma->anon_vma);
	assert_non_null(copy->anon_vma);	/* a seeded writable VMA has one */
	assert_false(list_empty(&copy->anon_vma_chain));
	assert_null(copy->vm_prev);
	assert_null(copy->vm_next);
	vm_area_free(t.mm, copy);
	/* The original still has its name: the copy freed only its own. */
	assert_string_equal(vma->anon_name, "buf");
	mm_up_write(&t.mm->mmap_lock);
	vmt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dup_owns_its_name),
		cmocka_unit_test(test_name_copy_failure_changes_nothing),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
