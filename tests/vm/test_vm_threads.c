/*
 * test_vm_threads.c - threads sharing one mm (CLONE_VM) map, protect, touch and unmap at the
 * same time, each in its own slice of the address space, under the mmap_lock; another thread
 * reads /proc/PID/maps meanwhile. At the end every thread's slice holds what it left there and
 * the invariant checker is clean. A second test has threads write bytes into their own pages
 * of one mm while another thread forks it again and again: every child sees whole bytes of
 * the moment it was forked, and every writer sees its own. Labelled "concurrency": it also
 * runs under TSan.
 */
#include "vmtest.h"

#include <pthread.h>

#define NR_THREADS	4
#define ROUNDS		2000

struct worker {
	struct machine *m;
	struct mm_struct *mm;
	int cpu, id;
	uint64_t seed;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	unsigned long base = PG(1024 * (w->id + 1));
	int i;

	machine_bind_cpu(w->m, w->cpu);
	for (i = 0; i < ROUNDS; i++) {
		unsigned long p = test_rand(&w->seed) % 64, n = 1 + test_rand(&w->seed) % 8;
		long r;

		switch (test_rand(&w->seed) % 4) {
		case 0:
			r = mm_mmap(w->mm, base + p * PAGE_SIZE, n * PAGE_SIZE, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
			assert_int_equal(r, (long)(base + p * PAGE_SIZE));
			break;
		case 1:
			mm_mprotect(w->mm, base + p * PAGE_SIZE, n * PAGE_SIZE, PROT_READ);
			break;
		case 2:
			mm_touch(w->mm, base + p * PAGE_SIZE, true);
			break;
		default:
			assert_int_equal(mm_munmap(w->mm, base + p * PAGE_SIZE, n * PAGE_SIZE), 0);
			break;
		}
	}
	/* Leave one known mapping. */
	assert_int_equal(mm_munmap(w->mm, base, 80 * PAGE_SIZE), 0);
	assert_int_equal(mm_mmap(w->mm, base, PAGE_SIZE, PROT_READ,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0), (long)base);
	machine_unbind_cpu();
	return NULL;
}

static void *reader(void *arg)
{
	struct worker *w = arg;
	char name[32];
	int i;

	machine_bind_cpu(w->m, w->cpu);
	snprintf(name, sizeof(name), "%d/maps", w->id);
	for (i = 0; i < 200; i++) {
		long n = mmlab_proc_read(w->m, name, NULL, 0);

		assert_true(n >= 0);
	}
	machine_unbind_cpu();
	return NULL;
}

static void test_clone_vm_threads(void **state)
{
	struct worker w[NR_THREADS + 1];
	pthread_t th[NR_THREADS + 1];
	struct mm_task *threads[NR_THREADS];
	struct vmt t;
	uint64_t seed = test_seed(42);
	int i;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	machine_set_debug_level(t.m, 1);
	for (i = 0; i < NR_THREADS; i++) {
		assert_int_equal(mm_task_clone(t.task, CLONE_VM, 0, &threads[i]), 0);
		w[i] = (struct worker){ t.m, t.mm, i % 2, i, seed + (uint64_t)i };
		assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	w[NR_THREADS] = (struct worker){ t.m, t.mm, 1, mm_task_pid(t.task), seed };
	assert_int_equal(pthread_create(&th[NR_THREADS], NULL, reader, &w[NR_THREADS]), 0);
	for (i = 0; i <= NR_THREADS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < NR_THREADS; i++) {
		struct mm_vma_info vi;
		unsigned long base = PG(1024 * (i + 1));

		assert_true(mm_vma_at(t.mm, base, &vi));
		assert_int_equal(vi.start, base);
		assert_int_equal(vi.end, base + PAGE_SIZE);
		mm_task_exit(threads[i]);
	}
	assert_int_equal(t.mm->map_count, NR_THREADS);
	vmt_teardown(&t);
}

#define COW_PAGES	16
#define COW_ROUNDS	300

struct cow_worker {
	struct machine *m;
	struct mm_task *task;
	int cpu, id;
};

/* Writer @id owns page @id of the region: it writes its round number and reads it back. */
static void *cow_writer(void *arg)
{
	struct cow_worker *w = arg;
	struct mm_struct *mm = mm_task_mm(w->task);
	unsigned long addr = PG(w->id);
	long round;

	machine_bind_cpu(w->m, w->cpu);
	for (round = 1; round <= COW_ROUNDS; round++) {
		long got = 0;

		assert_int_equal(access_process_vm(mm, addr, &round, sizeof(round), true),
				 sizeof(round));
		assert_int_equal(access_process_vm(mm, addr, &got, sizeof(got), false),
				 sizeof(got));
		assert_int_equal(got, round);
	}
	machine_unbind_cpu();
	return NULL;
}

/* Forks the mm while the writers write: each page of a child holds a round count, whole. */
static void *cow_forker(void *arg)
{
	struct cow_worker *w = arg;
	int i, p;

	machine_bind_cpu(w->m, w->cpu);
	for (i = 0; i < 40; i++) {
		struct mm_task *child;

		assert_int_equal(mm_task_clone(w->task, 0, 0, &child), 0);
		for (p = 0; p < COW_PAGES; p++) {
			long v = -1;

			assert_int_equal(access_process_vm(mm_task_mm(child), PG(p), &v, sizeof(v),
							   false), sizeof(v));
			assert_true(v >= 0 && v <= COW_ROUNDS);
		}
		mm_task_exit(child);
	}
	machine_unbind_cpu();
	return NULL;
}

static void test_cow_under_fork(void **state)
{
	struct cow_worker w[3];
	pthread_t th[3];
	struct vmt t;
	int i;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	machine_set_debug_level(t.m, 1);
	assert_int_equal(mm_mmap(t.mm, PG(0), COW_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0), (long)PG(0));
	assert_int_equal(mm_access(t.mm, PG(0), COW_PAGES * PAGE_SIZE, MM_ACCESS_WRITE), 0);
	for (i = 0; i < 3; i++) {
		w[i] = (struct cow_worker){ t.m, t.task, i % 2, i };
		assert_int_equal(pthread_create(&th[i], NULL, i == 2 ? cow_forker : cow_writer,
						&w[i]), 0);
	}
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	vmt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clone_vm_threads),
		cmocka_unit_test(test_cow_under_fork),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
