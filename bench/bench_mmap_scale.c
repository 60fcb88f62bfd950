/*
 * bench_mmap_scale.c - mmap(NULL) + munmap of one anonymous page with 100, 10,000 and 65,530
 * live VMAs (counting the one mapped), in mmlab and with the host kernel's real system calls,
 * side by side in one run. The VMAs are one-page anonymous mappings placed by mmap(NULL) and
 * alternately read-only and read-write, so none merges; the measured mapping is read+exec, so
 * it merges with neither neighbour either. Top-down placement finds the first free gap below
 * all of them: a search that walks the VMAs costs O(n) per call, one that keeps the largest
 * gap of each node (the kernel's maple tree, mmlab's index) O(log n).
 *
 * The host process's own VMAs (libraries, heap, mmlab's arena) count toward its total, read
 * from /proc/self/maps; 65,530 is the default vm.max_map_count, so the last row needs it (the
 * host row is skipped with a note if the host's limit is lower).
 *
 * Each row is given in wall-clock time and again in the thread's CPU time, which stays
 * meaningful when other work shares the machine.
 *
 * Usage: bench_mmap_scale [pairs] [--mmlab-only]   (default 200,000 pairs per row)
 *
 * --mmlab-only skips the host rows, for valgrind (whose address-space manager cannot follow the
 * host process to 65,530 mappings): `valgrind --tool=callgrind --toggle-collect=lab_pairs
 * --dump-after=lab_pairs bench_mmap_scale 20000 --mmlab-only` writes one profile per row.
 */
#include "benchlib.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <mmlab/mm.h>

#include "vm/internal.h"

static long pairs = 200000;
static bool mmlab_only;

/* This thread's CPU time (user + system): what a row costs when other work shares the CPUs. */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int host_map_count(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0, c;

	if (!f)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static long host_max_map_count(void)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	long v = 65530;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = 65530;
		fclose(f);
	}
	return v;
}

static int filler_prot(long i)
{
	return i & 1 ? PROT_READ : PROT_READ | PROT_WRITE;
}

/* Grow @mm to @target VMAs with non-mergeable one-page mappings. 0, or -1 if mmap failed. */
static int lab_fill(struct mm_struct *mm, int target, long *seq)
{
	while (mm->map_count < target) {
		long a = mm_mmap(mm, 0, PAGE_SIZE, filler_prot((*seq)++), MAP_PRIVATE | MAP_ANONYMOUS,
				 NULL, 0);

		if (a < 0)
			return -1;
	}
	return 0;
}

/* Grow this process to @target VMAs the same way (the count is re-read: others may appear). */
static int host_fill(int target, long *seq)
{
	int n;

	while ((n = host_map_count()) >= 0 && n < target) {
		int i;

		for (i = 0; i < target - n; i++)
			if (mmap(NULL, PAGE_SIZE, filler_prot((*seq)++), MAP_PRIVATE | MAP_ANONYMOUS, -1,
				 0) == MAP_FAILED)
				return -1;
	}
	return n == target ? 0 : -1;
}

noinline static double lab_pairs(struct mm_struct *mm, double *cpu)
{
	uint64_t t0 = bench_now_ns(), c0 = thread_cpu_ns();
	long i;

	for (i = 0; i < pairs; i++) {
		long a = mm_mmap(mm, 0, PAGE_SIZE, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
				 NULL, 0);

		mm_munmap(mm, (unsigned long)a, PAGE_SIZE);
	}
	*cpu = (double)(thread_cpu_ns() - c0) / (double)pairs;
	return (double)(bench_now_ns() - t0) / (double)pairs;
}

static double host_pairs(double *cpu)
{
	uint64_t t0 = bench_now_ns(), c0 = thread_cpu_ns();
	long i;

	for (i = 0; i < pairs; i++) {
		void *a = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			       0);

		munmap(a, PAGE_SIZE);
	}
	*cpu = (double)(thread_cpu_ns() - c0) / (double)pairs;
	return (double)(bench_now_ns() - t0) / (double)pairs;
}

int main(int argc, char **argv)
{
	static const int counts[] = { 100, 10000, 65530 };
	struct mm_exec_args args = { 0 };
	long lab_seq = 0, host_seq = 0, host_max = host_max_map_count();
	double lab[3], host[3], lab_cpu[3], host_cpu[3];
	struct mm_struct *mm;
	struct machine *m;
	size_t k;
	int err;

	if (argc > 1)
		pairs = atol(argv[1]);
	if (argc > 2 && !strcmp(argv[2], "--mmlab-only"))
		mmlab_only = true;
	else if (argc > 2)
		return 2;
	if (pairs <= 0)
		return 2;
	m = bench_boot(1ULL << 30);
	if (!m)
		return 1;
	mm = mm_create(m, &args, &err);
	if (!mm)
		return 1;

	bench_header("mmap(NULL) + munmap of one page at N live VMAs (ns per pair)");
	for (k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		char what[64];

		snprintf(what, sizeof(what), "mmap+munmap, %d VMAs", counts[k]);
		/* N - 1 before the call: the mapping it makes is the N-th. */
		if (lab_fill(mm, counts[k] - 1, &lab_seq)) {
			fprintf(stderr, "mmlab: cannot reach %d VMAs\n", counts[k]);
			return 1;
		}
		lab[k] = lab_pairs(mm, &lab_cpu[k]);
		bench_row(what, "mmlab", lab[k]);
		host[k] = host_cpu[k] = 0;
		if (mmlab_only)
			continue;
		if (counts[k] > host_max || host_fill(counts[k] - 1, &host_seq)) {
			printf("| %s | host kernel syscalls | (skipped: vm.max_map_count %ld) | |\n", what,
			       host_max);
			continue;
		}
		host[k] = host_pairs(&host_cpu[k]);
		bench_row(what, "host kernel syscalls", host[k]);
	}
	bench_header("the same rows in this thread's CPU time (ns per pair)");
	for (k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		char what[64];

		snprintf(what, sizeof(what), "mmap+munmap, %d VMAs", counts[k]);
		bench_row(what, "mmlab", lab_cpu[k]);
		if (host_cpu[k] > 0)
			bench_row(what, "host kernel syscalls", host_cpu[k]);
	}
	printf("\n");
	for (k = 0; k < sizeof(counts) / sizeof(counts[0]); k++)
		if (host[k] > 0)
			printf("%d VMAs: mmlab / host = %.3f (CPU time: %.3f)\n", counts[k],
			       lab[k] / host[k], lab_cpu[k] / host_cpu[k]);
	printf("mmlab at %d / at %d VMAs = %.2f (CPU time: %.2f)\n", counts[2], counts[0],
	       lab[2] / lab[0], lab_cpu[2] / lab_cpu[0]);
	mmput(mm);
	machine_shutdown(m);
	return 0;
}
