/*
 * test_tlb.c - mm_access's translation cache (src/vm/tlb.h) never changes what an access does:
 * after every kind of PTE change a cached translation is gone, and a thread writing through
 * its cache while another forks never writes into the child's copy.
 *
 * Pictures, one column a page from BASE:  w written (cached writable)  r read-only  . none
 */
#include "vmtest.h"

#include <pthread.h>

#include <mmlab/fault_inject.h>

#define RW	(PROT_READ | PROT_WRITE)
#define ANON	(MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)

static void put(struct mm_struct *mm, unsigned long addr, unsigned char v)
{
	assert_int_equal(access_process_vm(mm, addr, &v, 1, true), 1);
}

static unsigned char get(struct mm_struct *mm, unsigned long addr)
{
	unsigned char v = 0xee;

	assert_int_equal(access_process_vm(mm, addr, &v, 1, false), 1);
	return v;
}

/*  01    ww  -> fork: both r; the parent's next write copies, the child keeps 1 */
static void test_fork_breaks_cached_write(void **state)
{
	struct mm_task *child;
	struct vmt t;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	assert_int_equal(mm_mmap(t.mm, PG(0), 2 * PAGE_SIZE, RW, ANON, NULL, 0), (long)PG(0));
	put(t.mm, PG(0), 1);
	put(t.mm, PG(0), 1);	/* the second write hits the cache */
	assert_int_equal(mm_task_clone(t.task, 0, 0, &child), 0);
	put(t.mm, PG(0), 2);
	assert_int_equal(get(t.mm, PG(0)), 2);
	assert_int_equal(get(mm_task_mm(child), PG(0)), 1);
	mm_task_exit(child);
	vmt_teardown(&t);
}

/* mprotect, MADV_DONTNEED, munmap and mremap each end what the cache knew of a page. */
static void test_pte_changes_flush(void **state)
{
	struct vmt t;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	assert_int_equal(mm_mmap(t.mm, PG(0), 4 * PAGE_SIZE, RW, ANON, NULL, 0), (long)PG(0));
	put(t.mm, PG(0), 7);
	put(t.mm, PG(1), 8);
	assert_int_equal(mm_mprotect(t.mm, PG(0), PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(mm_access(t.mm, PG(0), 1, MM_ACCESS_WRITE), -EACCES);
	assert_int_equal(get(t.mm, PG(0)), 7);
	assert_int_equal(mm_madvise(t.mm, PG(1), PAGE_SIZE, MADV_DONTNEED), 0);
	assert_int_equal(get(t.mm, PG(1)), 0);		/* the zero page now */
	put(t.mm, PG(2), 9);
	assert_int_equal(mm_mremap(t.mm, PG(2), PAGE_SIZE, PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED,
				   PG(8)), (long)PG(8));
	assert_int_equal(mm_access(t.mm, PG(2), 1, MM_ACCESS_READ), -EFAULT);
	assert_int_equal(get(t.mm, PG(8)), 9);
	assert_int_equal(mm_munmap(t.mm, PG(8), PAGE_SIZE), 0);
	assert_int_equal(mm_access(t.mm, PG(8), 1, MM_ACCESS_WRITE), -EFAULT);
	/* a read fills a read-only translation: the first write still faults (and dirties) */
	assert_int_equal(mm_touch(t.mm, PG(3), false), 0);
	assert_int_equal(mm_touch(t.mm, PG(3), false), 0);
	assert_int_equal(mm_touch(t.mm, PG(3), true), 0);
	assert_true(pte_dirty(t.mm->fmt, *pte_offset(t.mm, PG(3))));
	vmt_teardown(&t);
}

struct writer {
	struct machine *m;
	struct mm_struct *mm;
	atomic_bool stop;
	atomic_long writes;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	unsigned char v = 0;

	machine_bind_cpu(w->m, 1);
	while (!atomic_load(&w->stop)) {
		v++;
		if (access_process_vm(w->mm, PG(0), &v, 1, true) == 1)
			atomic_fetch_add(&w->writes, 1);
	}
	machine_unbind_cpu();
	return NULL;
}

/*
 * A thread writes page 0 through its cache without pause while this one forks: the child's
 * copy must hold one value from before the fork returned and never change afterwards (a stale
 * writable translation would keep writing into the frame the child now shares).
 */
static void test_fork_while_writing(void **state)
{
	struct writer w;
	pthread_t th;
	int round;
	struct vmt t;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	assert_int_equal(mm_mmap(t.mm, PG(0), PAGE_SIZE, RW, ANON, NULL, 0), (long)PG(0));
	put(t.mm, PG(0), 0);
	w.m = t.m;
	w.mm = t.mm;
	atomic_init(&w.stop, false);
	atomic_init(&w.writes, 0);
	assert_int_equal(pthread_create(&th, NULL, writer_main, &w), 0);
	for (round = 0; round < 20; round++) {
		struct mm_task *child;
		unsigned char before, after;
		long n = atomic_load(&w.writes);

		while (atomic_load(&w.writes) < n + 1000)
			;
		assert_int_equal(mm_task_clone(t.task, 0, 0, &child), 0);
		before = get(mm_task_mm(child), PG(0));
		n = atomic_load(&w.writes);
		while (atomic_load(&w.writes) < n + 1000)
			;
		after = get(mm_task_mm(child), PG(0));
		assert_int_equal(before, after);
		mm_task_exit(child);
	}
	atomic_store(&w.stop, true);
	pthread_join(th, NULL);
	vmt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork_breaks_cached_write),
		cmocka_unit_test(test_pte_changes_flush),
		cmocka_unit_test(test_fork_while_writing),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
