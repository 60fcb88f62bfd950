/*
 * bench_fault.c - page faults, side by side with the host kernel doing the same for real in
 * this process:
 *
 *   demand-zero write fault, steady state: map N pages, write one byte to each, unmap, repeat;
 *     only the writes are timed, and from the second round on the frames are the ones the
 *     last munmap freed (mmlab: its per-CPU lists; the host: its own);
 *   demand-zero write fault, first touch: the same on memory never touched before (mmlab: a
 *     fresh machine, whose arena the host has not faulted in yet either);
 *   COW fault after fork: a process writes N pages, forks, and writes them again while the
 *     child keeps them mapped: every write copies a page;
 *   fork of a process with SIZE touched (default 1 GiB): the fork call alone (mmlab:
 *     mm_task_clone, dup_mm and copy_page_range; the host: fork() until it returns in the
 *     parent); the child exits outside the timing;
 *   an access to a present page through mm_access (a load of one byte, pages cycling over 64).
 *
 * Usage: bench_fault [--fork-mib MIB] [--rounds R]   (defaults 1024 and 20)
 */
#include "benchlib.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mmlab/mm.h>

#include "vm/internal.h"

#define NPAGES	256			/* 1 MiB per round */
#define ANON	(MAP_PRIVATE | MAP_ANONYMOUS)
#define RW	(PROT_READ | PROT_WRITE)

static long rounds = 20;
static unsigned long fork_mib = 1024;

static struct mm_task *new_task(struct machine *m)
{
	struct mm_exec_args args = { 0 };
	struct mm_task *t;

	if (mm_task_exec_new(m, 0, &args, &t))
		return NULL;
	return t;
}

static double lab_demand_zero(struct mm_struct *mm, long nr_rounds)
{
	uint64_t ns = 0;
	long r;
	int i;

	for (r = 0; r < nr_rounds; r++) {
		long a = mm_mmap(mm, 0, NPAGES * PAGE_SIZE, RW, ANON, NULL, 0);
		uint64_t t0 = bench_now_ns();

		for (i = 0; i < NPAGES; i++)
			mm_touch(mm, (unsigned long)a + (unsigned long)i * PAGE_SIZE, true);
		ns += bench_now_ns() - t0;
		mm_munmap(mm, (unsigned long)a, NPAGES * PAGE_SIZE);
	}
	return (double)ns / (double)(nr_rounds * NPAGES);
}

static double host_demand_zero(long nr_rounds)
{
	uint64_t ns = 0;
	long r;
	int i;

	for (r = 0; r < nr_rounds; r++) {
		char *a = mmap(NULL, NPAGES * PAGE_SIZE, RW, ANON, -1, 0);
		uint64_t t0 = bench_now_ns();

		for (i = 0; i < NPAGES; i++)
			((volatile char *)a)[(size_t)i * PAGE_SIZE] = 1;
		ns += bench_now_ns() - t0;
		munmap(a, NPAGES * PAGE_SIZE);
	}
	return (double)ns / (double)(nr_rounds * NPAGES);
}

#define THP_SIZE (2UL << 20)

/* A 2 MiB-aligned anonymous region of 2 MiB in mmlab (mapped 4 MiB, trimmed). */
static unsigned long lab_thp_region(struct mm_struct *mm)
{
	long a = mm_mmap(mm, 0, 2 * THP_SIZE, RW, ANON, NULL, 0);
	unsigned long start = ((unsigned long)a + THP_SIZE - 1) & ~(THP_SIZE - 1);

	if (start > (unsigned long)a)
		mm_munmap(mm, (unsigned long)a, start - (unsigned long)a);
	mm_munmap(mm, start + THP_SIZE, (unsigned long)a + 2 * THP_SIZE - start - THP_SIZE);
	mm_madvise(mm, start, THP_SIZE, MADV_HUGEPAGE);
	return start;
}

/* The write fault that maps a 2 MiB THP (MADV_HUGEPAGE, THP "madvise"), zeroing it. */
static double lab_thp_fault(struct mm_struct *mm, long nr_rounds)
{
	uint64_t ns = 0;
	long r;

	for (r = 0; r < nr_rounds; r++) {
		unsigned long a = lab_thp_region(mm);
		uint64_t t0 = bench_now_ns();

		mm_touch(mm, a, true);
		ns += bench_now_ns() - t0;
		mm_munmap(mm, a, THP_SIZE);
	}
	return (double)ns / (double)nr_rounds;
}

static double host_thp_fault(long nr_rounds)
{
	uint64_t ns = 0;
	long r;

	for (r = 0; r < nr_rounds; r++) {
		char *m = mmap(NULL, 2 * THP_SIZE, RW, ANON, -1, 0);
		char *a = (char *)(((uintptr_t)m + THP_SIZE - 1) & ~(uintptr_t)(THP_SIZE - 1));
		uint64_t t0;

		madvise(a, THP_SIZE, MADV_HUGEPAGE);
		t0 = bench_now_ns();
		((volatile char *)a)[0] = 1;
		ns += bench_now_ns() - t0;
		munmap(m, 2 * THP_SIZE);
	}
	return (double)ns / (double)nr_rounds;
}

/* First touch: @pages written once on a fresh machine / a fresh mapping. */
static double lab_first_touch(unsigned long pages)
{
	struct machine *m = bench_boot((pages * PAGE_SIZE) + (256ULL << 20));
	struct mm_task *t = m ? new_task(m) : NULL;
	struct mm_struct *mm;
	uint64_t t0;
	unsigned long i;
	long a;
	double ns;

	if (!t)
		return -1;
	mm = mm_task_mm(t);
	a = mm_mmap(mm, 0, pages * PAGE_SIZE, RW, ANON, NULL, 0);
	t0 = bench_now_ns();
	for (i = 0; i < pages; i++)
		mm_touch(mm, (unsigned long)a + i * PAGE_SIZE, true);
	ns = (double)(bench_now_ns() - t0) / (double)pages;
	mm_task_exit(t);
	machine_shutdown(m);
	return ns;
}

static double host_first_touch(unsigned long pages)
{
	char *a = mmap(NULL, pages * PAGE_SIZE, RW, ANON, -1, 0);
	uint64_t t0 = bench_now_ns();
	unsigned long i;
	double ns;

	for (i = 0; i < pages; i++)
		((volatile char *)a)[i * PAGE_SIZE] = 1;
	ns = (double)(bench_now_ns() - t0) / (double)pages;
	munmap(a, pages * PAGE_SIZE);
	return ns;
}

static double lab_cow(struct mm_task *t, long nr_rounds)
{
	struct mm_struct *mm = mm_task_mm(t);
	uint64_t ns = 0;
	long r;
	int i;

	for (r = 0; r < nr_rounds; r++) {
		long a = mm_mmap(mm, 0, NPAGES * PAGE_SIZE, RW, ANON, NULL, 0);
		struct mm_task *child;
		uint64_t t0;

		mm_access(mm, (unsigned long)a, NPAGES * PAGE_SIZE, MM_ACCESS_WRITE);
		if (mm_task_clone(t, 0, 0, &child))
			return -1;
		t0 = bench_now_ns();
		for (i = 0; i < NPAGES; i++)
			mm_touch(mm, (unsigned long)a + (unsigned long)i * PAGE_SIZE, true);
		ns += bench_now_ns() - t0;
		mm_task_exit(child);
		mm_munmap(mm, (unsigned long)a, NPAGES * PAGE_SIZE);
	}
	return (double)ns / (double)(nr_rounds * NPAGES);
}

/* A child that keeps the parent's pages mapped until the parent writes to @fd. */
static pid_t host_hold_child(int pipefd[2])
{
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid == 0) {
		char c;

		close(pipefd[1]);
		if (read(pipefd[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(pipefd[0]);
	return pid;
}

static void host_release_child(pid_t pid, int pipefd[2])
{
	if (write(pipefd[1], "x", 1) < 0)
		perror("write");
	close(pipefd[1]);
	waitpid(pid, NULL, 0);
}

static double host_cow(long nr_rounds)
{
	uint64_t ns = 0;
	long r;
	int i;

	for (r = 0; r < nr_rounds; r++) {
		char *a = mmap(NULL, NPAGES * PAGE_SIZE, RW, ANON, -1, 0);
		int fd[2];
		pid_t pid;
		uint64_t t0;

		memset(a, 1, NPAGES * PAGE_SIZE);
		pid = host_hold_child(fd);
		if (pid < 0)
			return -1;
		t0 = bench_now_ns();
		for (i = 0; i < NPAGES; i++)
			((volatile char *)a)[(size_t)i * PAGE_SIZE] = 2;
		ns += bench_now_ns() - t0;
		host_release_child(pid, fd);
		munmap(a, NPAGES * PAGE_SIZE);
	}
	return (double)ns / (double)(nr_rounds * NPAGES);
}

static double lab_fork(unsigned long bytes, int reps)
{
	struct machine *m = bench_boot(bytes + (512ULL << 20));
	struct mm_task *t = m ? new_task(m) : NULL, *child;
	uint64_t best = UINT64_MAX;
	long a;
	int r;

	if (!t)
		return -1;
	a = mm_mmap(mm_task_mm(t), 0, bytes, RW, ANON, NULL, 0);
	if (a < 0 || mm_access(mm_task_mm(t), (unsigned long)a, bytes, MM_ACCESS_WRITE))
		return -1;
	for (r = 0; r < reps; r++) {
		uint64_t t0 = bench_now_ns(), ns;

		if (mm_task_clone(t, 0, 0, &child))
			return -1;
		ns = bench_now_ns() - t0;
		best = ns < best ? ns : best;
		mm_task_exit(child);
	}
	mm_task_exit(t);
	machine_shutdown(m);
	return (double)best;
}

static double host_fork(unsigned long bytes, int reps)
{
	char *a = mmap(NULL, bytes, RW, ANON, -1, 0);
	uint64_t best = UINT64_MAX;
	int r;

	if (a == MAP_FAILED)
		return -1;
	memset(a, 1, bytes);
	for (r = 0; r < reps; r++) {
		uint64_t t0 = bench_now_ns(), ns;
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		ns = bench_now_ns() - t0;
		best = ns < best ? ns : best;
		waitpid(pid, NULL, 0);
	}
	munmap(a, bytes);
	return (double)best;
}

static double lab_present_access(struct mm_struct *mm, long n)
{
	long a = mm_mmap(mm, 0, 64 * PAGE_SIZE, RW, ANON, NULL, 0);
	uint64_t t0;
	long i;
	double ns;

	mm_access(mm, (unsigned long)a, 64 * PAGE_SIZE, MM_ACCESS_WRITE);
	t0 = bench_now_ns();
	for (i = 0; i < n; i++)
		mm_access(mm, (unsigned long)a + ((unsigned long)(i & 63) << PAGE_SHIFT) + 8, 1,
			  MM_ACCESS_READ);
	ns = (double)(bench_now_ns() - t0) / (double)n;
	mm_munmap(mm, (unsigned long)a, 64 * PAGE_SIZE);
	return ns;
}

int main(int argc, char **argv)
{
	unsigned long fork_bytes;
	struct mm_task *t;
	struct machine *m;
	double lab, host;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--fork-mib") && i + 1 < argc)
			fork_mib = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atol(argv[++i]);
	}
	fork_bytes = fork_mib << 20;
	m = bench_boot(512ULL << 20);
	t = m ? new_task(m) : NULL;
	if (!t)
		return 1;

	bench_header("page faults (ns per fault; fork: ns per fork)");
	lab_demand_zero(mm_task_mm(t), 2);	/* warm the per-CPU lists and the host arena */
	host_demand_zero(2);
	lab = lab_demand_zero(mm_task_mm(t), rounds * 10);
	bench_row("demand-zero write fault, steady state", "mmlab", lab);
	host = host_demand_zero(rounds * 10);
	bench_row("demand-zero write fault, steady state", "host kernel", host);
	printf("  mmlab / host = %.3f (goal <= 0.25)\n", lab / host);

	lab = lab_first_touch(64UL << 8);
	bench_row("demand-zero write fault, first touch of 64 MiB", "mmlab (fresh machine)", lab);
	machine_bind_cpu(m, 0);		/* the fresh machine's shutdown unbound this thread */
	host = host_first_touch(64UL << 8);
	bench_row("demand-zero write fault, first touch of 64 MiB", "host kernel", host);
	printf("  mmlab / host = %.3f\n", lab / host);

	lab_cow(t, 2);
	host_cow(2);
	lab = lab_cow(t, rounds);
	bench_row("COW write fault after fork", "mmlab", lab);
	host = host_cow(rounds);
	bench_row("COW write fault after fork", "host kernel", host);
	printf("  mmlab / host = %.3f (goal <= 0.15)\n", lab / host);

	lab_thp_fault(mm_task_mm(t), 2);
	lab = lab_thp_fault(mm_task_mm(t), rounds * 5);
	bench_row("THP write fault (2 MiB zeroed)", "mmlab", lab);
	host = host_thp_fault(rounds * 5);
	bench_row("THP write fault (2 MiB zeroed)", "host kernel (MADV_HUGEPAGE)", host);
	printf("  mmlab / host = %.3f (the host's THP setting: "
	       "/sys/kernel/mm/transparent_hugepage/enabled)\n", lab / host);

	lab = lab_present_access(mm_task_mm(t), 20000000);
	bench_row("mm_access of a present page (1-byte load)", "mmlab", lab);
	printf("  %.1f M accesses/s (goal >= 100)\n", 1e3 / lab);

	mm_task_exit(t);
	machine_shutdown(m);

	lab = lab_fork(fork_bytes, 5);
	host = host_fork(fork_bytes, 5);
	{
		char what[96];

		snprintf(what, sizeof(what), "fork of a process with %lu MiB touched (best of 5)",
			 fork_mib);
		bench_row(what, "mmlab", lab);
		bench_row(what, "host kernel", host);
	}
	printf("  mmlab / host = %.3f (goal <= 0.2)\n", lab / host);
	return 0;
}
