/*
 * bench_mmap.c - an mmap + munmap pair of one anonymous page, in mmlab and with the host
 * kernel's real system calls, in the same run. mmlab's pair is the whole syscall path (argument
 * checks, get_unmapped_area top-down search, merge attempt, VMA and index insertion, commit
 * accounting, then the unmap) on an address space with 20 VMAs; the host pair is what a program
 * pays for the same two calls. Also: MAP_FIXED pairs, and mprotect splitting then re-merging.
 *
 * Usage: bench_mmap [pairs]   (default 1,000,000)
 */
#include "benchlib.h"

#include <stdlib.h>
#include <sys/mman.h>

#include <mmlab/mm.h>

#include "vm/internal.h"

static long pairs = 1000000;

int main(int argc, char **argv)
{
	struct mm_exec_args args = { 0 };
	struct mm_struct *mm;
	struct machine *m;
	uint64_t t0;
	double lab, host;
	long i;
	int err;

	if (argc > 1)
		pairs = atol(argv[1]);
	m = bench_boot(256ULL << 20);
	if (!m)
		return 1;
	mm = mm_create(m, &args, &err);
	for (i = 0; i < 20; i++)
		mm_mmap(mm, 0x200000000UL + (unsigned long)i * 2 * PAGE_SIZE, PAGE_SIZE,
			PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);

	bench_header("mmap + munmap of one anonymous page (ns per pair)");
	t0 = bench_now_ns();
	for (i = 0; i < pairs; i++) {
		long a = mm_mmap(mm, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				 NULL, 0);

		mm_munmap(mm, (unsigned long)a, PAGE_SIZE);
	}
	lab = (double)(bench_now_ns() - t0) / (double)pairs;
	bench_row("mmap+munmap, top-down placement", "mmlab", lab);
	t0 = bench_now_ns();
	for (i = 0; i < pairs; i++) {
		void *a = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		munmap(a, PAGE_SIZE);
	}
	host = (double)(bench_now_ns() - t0) / (double)pairs;
	bench_row("mmap+munmap, top-down placement", "host kernel syscalls", host);
	printf("\nmmlab / host = %.3f\n", lab / host);

	t0 = bench_now_ns();
	for (i = 0; i < pairs; i++) {
		mm_mmap(mm, 0x300000000UL, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			NULL, 0);
		mm_munmap(mm, 0x300000000UL, PAGE_SIZE);
	}
	bench_row("mmap(MAP_FIXED)+munmap", "mmlab", (double)(bench_now_ns() - t0) / (double)pairs);
	t0 = bench_now_ns();
	for (i = 0; i < pairs; i++) {
		mmap((void *)0x300000000UL, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		     -1, 0);
		munmap((void *)0x300000000UL, PAGE_SIZE);
	}
	bench_row("mmap(MAP_FIXED)+munmap", "host kernel syscalls",
		  (double)(bench_now_ns() - t0) / (double)pairs);

	mm_mmap(mm, 0x400000000UL, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
	mmap((void *)0x400000000UL, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	t0 = bench_now_ns();
	for (i = 0; i < pairs; i++) {
		mm_mprotect(mm, 0x400001000UL, PAGE_SIZE, PROT_READ);
		mm_mprotect(mm, 0x400001000UL, PAGE_SIZE, PROT_READ | PROT_WRITE);
	}
	bench_row("mprotect split + re-merge", "mmlab", (double)(bench_now_ns() - t0) / (double)pairs);
	t0 = bench_now_ns();
	for (i = 0; i < pairs; i++) {
		mprotect((void *)0x400001000UL, PAGE_SIZE, PROT_READ);
		mprotect((void *)0x400001000UL, PAGE_SIZE, PROT_READ | PROT_WRITE);
	}
	bench_row("mprotect split + re-merge", "host kernel syscalls",
		  (double)(bench_now_ns() - t0) / (double)pairs);
	mmput(mm);
	machine_shutdown(m);
	return 0;
}
