/*
 * test_vm_faults.c - fault injection: every allocation on the path of mmap, mprotect, munmap,
 * mremap, madvise, brk and fork is made to fail in turn (FAULT_VMA for VMAs and tree leaves,
 * FAULT_MISC for shmem objects, mm_structs, tasks). A failed call must return -ENOMEM (EAGAIN
 * for madvise) and leave the address space exactly as it was: same /proc maps text, same
 * counters, invariant checker clean.
 *
 *  layout before each call:  AAAABBBB....CCCC   (A rw, B ro, C rw shared)
 */
#include "vmtest.h"

static void build(struct vmt *t)
{
	vmt_map(t, 0, 4, PROT_READ | PROT_WRITE);
	vmt_map(t, 4, 4, PROT_READ);
	assert_int_equal(mm_mmap(t->mm, PG(12), 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, NULL, 0), (long)PG(12));
	mm_touch(t->mm, PG(0), true);
}

typedef long (*op_fn)(struct vmt *t);

static long op_mmap_fixed_middle(struct vmt *t)
{
	return vmt_map(t, 1, 1, PROT_NONE);
}

static long op_mmap_new(struct vmt *t)
{
	return mm_mmap(t->mm, PG(9), PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
}

static long op_mmap_shared(struct vmt *t)
{
	return mm_mmap(t->mm, PG(9), PAGE_SIZE, PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED,
		       NULL, 0);
}

static long op_mprotect(struct vmt *t)
{
	return mm_mprotect(t->mm, PG(1), 2 * PAGE_SIZE, PROT_READ);
}

static long op_munmap(struct vmt *t)
{
	return mm_munmap(t->mm, PG(3), 2 * PAGE_SIZE);
}

static long op_mremap_move(struct vmt *t)
{
	return mm_mremap(t->mm, PG(1), PAGE_SIZE, PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, PG(10));
}

static long op_mremap_grow(struct vmt *t)
{
	return mm_mremap(t->mm, PG(4), 4 * PAGE_SIZE, 6 * PAGE_SIZE, 0, 0);
}

static long op_madvise(struct vmt *t)
{
	return mm_madvise(t->mm, PG(1), PAGE_SIZE, MADV_DONTFORK);
}

static long op_mlock(struct vmt *t)
{
	return mm_mlock(t->mm, PG(5), PAGE_SIZE);
}

static long op_brk(struct vmt *t)
{
	unsigned long start = t->mm->start_brk;

	return (long)mm_brk(t->mm, start + 3 * PAGE_SIZE) == (long)start ? -ENOMEM : 0;
}

static long op_fork(struct vmt *t)
{
	struct mm_task *child;
	int err = mm_task_clone(t->task, 0, 0, &child);

	if (!err)
		mm_task_exit(child);
	return err;
}

static const struct {
	const char *name;
	op_fn fn;
} ops[] = {
	{ "mmap MAP_FIXED over the middle", op_mmap_fixed_middle },
	{ "mmap new", op_mmap_new },
	{ "mmap shared anonymous", op_mmap_shared },
	{ "mprotect splitting", op_mprotect },
	{ "munmap across two", op_munmap },
	{ "mremap move", op_mremap_move },
	{ "mremap grow", op_mremap_grow },
	{ "madvise splitting", op_madvise },
	{ "mlock splitting", op_mlock },
	{ "brk", op_brk },
	{ "fork", op_fork },
};

static void test_every_allocation_fails_cleanly(void **state)
{
	static const enum mmlab_fault kinds[] = { FAULT_VMA, FAULT_MISC };
	size_t o, k;
	int injected = 0;

	(void)state;
	for (o = 0; o < ARRAY_SIZE(ops); o++)
		for (k = 0; k < ARRAY_SIZE(kinds); k++) {
			long nth;

			for (nth = 1; nth < 20; nth++) {
				struct vmt_state before;
				struct vmt t;
				long r, hit;

				vmt_setup(&t, MM_EXEC_EMPTY);
				mm_set_brk_start(t.mm, PG(64));
				build(&t);
				/* An empty reserve: each call must allocate afresh. */
				vma_free_reserve(t.mm);
				vmt_state_save(&t, &before);
				machine_fail_nth(t.m, kinds[k], nth, 1);
				r = ops[o].fn(&t);
				hit = machine_fault_injected(t.m, kinds[k]);
				machine_fault_clear(t.m);
				if (hit == 0) {
					/* nth beyond the allocations of this call: done */
					free(before.maps);
					vmt_teardown(&t);
					break;
				}
				injected++;
				if (r >= 0)
					fail_msg("%s: allocation %ld of kind %d failed but the call "
						 "succeeded", ops[o].name, nth, (int)kinds[k]);
				assert_true(r == -ENOMEM || r == -EAGAIN);
				vmt_assert_unchanged(&t, &before, ops[o].name, nth);
				free(before.maps);
				vmt_teardown(&t);
			}
		}
	fprintf(stderr, "%d injected allocation failures, each left the address space unchanged\n",
		injected);
	assert_true(injected >= (int)ARRAY_SIZE(ops));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_allocation_fails_cleanly),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
