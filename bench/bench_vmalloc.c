/*
 * bench_vmalloc.c - the kernel address-space allocators beside what a user compares them to,
 * in one run: vmalloc + vfree of 1, 16 and 256 pages and vm_map_ram + vm_unmap_ram of 4 given
 * pages, each next to the host kernel's mmap + touch of every page + munmap of the same size;
 * and kmalloc against kvmalloc around the size where kvmalloc falls back to vmalloc
 * (KMALLOC_MAX_SIZE, 4 MiB: kmalloc serves it, 4 MiB + 4 KiB it cannot).
 *
 * What a pair costs in mmlab: the vmap_area allocation (lowest fit in the free treap), the
 * frames from the page allocator (per-CPU lists), a PTE per page in init_mm, and on vfree the
 * frames back, the PTEs cleared and the range onto the purge list; every lazy_max_pages()
 * pages a purge merges the waiting ranges back (its cost is spread over the pairs, as on the
 * kernel). The host row pays for a page fault per page and the TLB shootdown of munmap.
 *
 * Usage: bench_vmalloc [--quick]. Build with -O2 (CMAKE_BUILD_TYPE=RelWithDebInfo).
 * Goal: an 8 KiB (2-page) vmalloc + vfree pair at most 1 us.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <mmlab/mmlab.h>

#include "benchlib.h"

static struct machine *m;
static int reps = 5;
static long iters = 200000;

static double best_of(double (*fn)(unsigned long), unsigned long arg)
{
	double best = 1e30;
	int r;

	for (r = 0; r < reps; r++) {
		double ns = fn(arg);

		if (ns < best)
			best = ns;
	}
	return best;
}

static long iters_for(unsigned long pages)
{
	long n = iters / (long)(pages < 4 ? 1 : pages / 4);

	return n < 200 ? 200 : n;
}

static double run_vmalloc(unsigned long pages)
{
	long n = iters_for(pages), i;
	uint64_t t0 = bench_now_ns();

	for (i = 0; i < n; i++) {
		void *p = vmalloc(m, pages << PAGE_SHIFT);

		bench_keep(p);
		vfree(m, p);
	}
	return (double)(bench_now_ns() - t0) / (double)n;
}

static double run_host_mmap(unsigned long pages)
{
	long n = iters_for(pages), i;
	size_t len = pages << PAGE_SHIFT, off;
	uint64_t t0 = bench_now_ns();

	for (i = 0; i < n; i++) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			abort();
		for (off = 0; off < len; off += PAGE_SIZE)
			p[off] = 1;
		munmap(p, len);
	}
	return (double)(bench_now_ns() - t0) / (double)n;
}

static struct page *ram_pages[4];

static double run_vm_map_ram(unsigned long pages)
{
	long n = iters, i;
	uint64_t t0 = bench_now_ns();

	for (i = 0; i < n; i++) {
		void *p = vm_map_ram(m, ram_pages, (unsigned int)pages, NUMA_NO_NODE);

		bench_keep(p);
		vm_unmap_ram(m, p, (unsigned int)pages);
	}
	return (double)(bench_now_ns() - t0) / (double)n;
}

static double run_kmalloc(unsigned long size)
{
	long n = 20000, i;
	uint64_t t0 = bench_now_ns();

	for (i = 0; i < n; i++) {
		void *p = kmalloc(size, GFP_KERNEL);

		bench_keep(p);
		kfree(p);
	}
	return (double)(bench_now_ns() - t0) / (double)n;
}

static double run_kvmalloc(unsigned long size)
{
	long n = 20000, i;
	uint64_t t0 = bench_now_ns();

	for (i = 0; i < n; i++) {
		void *p = kvmalloc(m, size, GFP_KERNEL);

		bench_keep(p);
		kvfree(m, p);
	}
	return (double)(bench_now_ns() - t0) / (double)n;
}

int main(int argc, char **argv)
{
	static const unsigned long sizes[] = { 1, 2, 16, 256 };
	char what[64];
	size_t i;

	if (argc > 1 && !strcmp(argv[1], "--quick")) {
		reps = 2;
		iters = 20000;
	}
	m = bench_boot(1ULL << 30);
	if (!m)
		return 1;
	bench_header("vmalloc + vfree, vm_map_ram, kvmalloc (ns per pair)");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(what, sizeof(what), "vmalloc+vfree %lu KiB", sizes[i] * 4);
		bench_row(what, "mmlab", best_of(run_vmalloc, sizes[i]));
		snprintf(what, sizeof(what), "mmap+touch+munmap %lu KiB", sizes[i] * 4);
		bench_row(what, "host", best_of(run_host_mmap, sizes[i]));
	}
	for (i = 0; i < 4; i++)
		ram_pages[i] = alloc_page(GFP_KERNEL);
	bench_row("vm_map_ram+vm_unmap_ram 4 pages", "mmlab", best_of(run_vm_map_ram, 4));
	bench_row("mmap+touch+munmap 16 KiB", "host", best_of(run_host_mmap, 4));
	bench_row("kmalloc+kfree 4 MiB", "mmlab", best_of(run_kmalloc, 4UL << 20));
	bench_row("kvmalloc+kvfree 4 MiB (kmalloc)", "mmlab", best_of(run_kvmalloc, 4UL << 20));
	bench_row("kvmalloc+kvfree 4 MiB+4 KiB (vmalloc)", "mmlab",
		  best_of(run_kvmalloc, (4UL << 20) + PAGE_SIZE));
	for (i = 0; i < 4; i++)
		__free_pages(ram_pages[i], 0);
	machine_shutdown(m);
	return 0;
}
