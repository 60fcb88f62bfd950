/*
 * bench_vma.c - find_vma on address spaces of 100, 10,000 and 65,530 VMAs (the default
 * max_map_count), random addresses inside the mapped span, side by side with what a reader
 * would compare the VMA index to: a binary search over one sorted array of vm_end values (the
 * best case for lookups, and the kernel's pre-rbtree answer) and a walk of the sorted VMA list
 * (the kernel's original linear mmap list, at 100 VMAs only).
 *
 * Usage: bench_vma [lookups]   (default 4,000,000)
 */
#include "benchlib.h"

#include <stdlib.h>

#include <mmlab/mm.h>

#include "vm/internal.h"

static long lookups = 4000000;

static uint64_t rng = 88172645463325252ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

#define BASE 0x100000000UL

static void run(struct machine *m, int nr)
{
	struct mm_exec_args args = { .flags = MM_EXEC_EMPTY };
	unsigned long *addrs, *ends, span = (unsigned long)nr * 2 * PAGE_SIZE;
	struct mm_struct *mm;
	char what[64];
	uint64_t t0;
	long i, sum = 0;
	int err;

	mm = mm_create(m, &args, &err);
	for (i = 0; i < nr; i++)
		mm_mmap(mm, BASE + (unsigned long)i * 2 * PAGE_SIZE, PAGE_SIZE, PROT_READ,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
	addrs = malloc(sizeof(*addrs) * (size_t)lookups);
	ends = malloc(sizeof(*ends) * (size_t)nr);
	for (i = 0; i < lookups; i++)
		addrs[i] = BASE + next_rand() % span;
	for (i = 0; i < nr; i++)
		ends[i] = BASE + (unsigned long)i * 2 * PAGE_SIZE + PAGE_SIZE;

	snprintf(what, sizeof(what), "find_vma, %d VMAs, random", nr);
	mm_down_read(&mm->mmap_lock);
	t0 = bench_now_ns();
	for (i = 0; i < lookups; i++) {
		struct vm_area_struct *v = find_vma(mm, addrs[i]);

		sum += (long)(v != NULL);
	}
	bench_row(what, "mmlab two-level B+-tree", (double)(bench_now_ns() - t0) / (double)lookups);
	mm_up_read(&mm->mmap_lock);

	t0 = bench_now_ns();
	for (i = 0; i < lookups; i++) {
		int lo = 0, hi = nr;

		while (lo < hi) {
			int mid = (lo + hi) >> 1;

			if (ends[mid] > addrs[i])
				hi = mid;
			else
				lo = mid + 1;
		}
		sum += lo;
	}
	bench_row(what, "binary search, one sorted array", (double)(bench_now_ns() - t0) / (double)lookups);

	if (nr <= 100) {
		long n = lookups / 10;

		t0 = bench_now_ns();
		for (i = 0; i < n; i++) {
			struct vm_area_struct *v = mm->mmap;

			while (v && v->vm_end <= addrs[i])
				v = v->vm_next;
			sum += (long)(v != NULL);
		}
		bench_row(what, "linear list walk (kernel < 2.4)", (double)(bench_now_ns() - t0) / (double)n);
	}
	bench_keep(sum);
	free(addrs);
	free(ends);
	mmput(mm);
}

int main(int argc, char **argv)
{
	struct machine *m;

	if (argc > 1)
		lookups = atol(argv[1]);
	m = bench_boot(256ULL << 20);
	if (!m)
		return 1;
	bench_header("find_vma (ns per lookup)");
	run(m, 100);
	run(m, 10000);
	run(m, 65530);
	machine_shutdown(m);
	return 0;
}
