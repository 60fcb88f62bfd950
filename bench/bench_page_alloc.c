/*
 * bench_page_alloc.c - the page allocator's hot paths, side by side with what a user compares
 * them to, in one run: glibc malloc(4096)+free and the host kernel's mmap+munmap of 4 KiB.
 *
 *   order-0 pair via the per-CPU lists   alloc_page + __free_pages (the fast path)
 *   order-0 pair via the buddy lists     zone->lock + rmqueue + merge on free (no pcp)
 *   order-3 and order-9 pairs            (both cached per CPU, as in the kernel)
 *   bursts of 4,096 allocs then frees    what pcp high tuning buys (vs high fixed at high_min)
 *   two threads on two CPUs              the same pairs, per thread, concurrently
 *
 * Usage: bench_page_alloc [iterations]   (default 2,000,000)
 */
#include "benchlib.h"

#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "phys/internal.h"

static long iters = 2000000;
static struct machine *m;

static double pairs_pcp(unsigned int order, gfp_t gfp, long n)
{
	uint64_t t0 = bench_now_ns();
	long i;

	for (i = 0; i < n; i++) {
		struct page *p = alloc_pages(gfp, order);

		bench_keep(p);
		__free_pages(p, order);
	}
	return (double)(bench_now_ns() - t0) / (double)n;
}

static double pairs_buddy(long n)
{
	struct zone *z = &m->phys->node_data[0]->node_zones[ZONE_NORMAL];
	uint64_t t0 = bench_now_ns();
	long i;

	for (i = 0; i < n; i++) {
		struct page *p;

		mm_lock(&z->lock);
		p = rmqueue_buddy_locked(z, 0, MIGRATE_MOVABLE, ALLOC_WMARK_LOW);
		mm_unlock(&z->lock);
		bench_keep(p);
		mm_lock(&z->lock);
		free_one_page_locked(z, p, mpage_to_pfn(m, p), 0, MIGRATE_MOVABLE);
		mm_unlock(&z->lock);
	}
	return (double)(bench_now_ns() - t0) / (double)n;
}

/*
 * What a per-CPU design with a plain lock cannot go below: three uncontended atomic
 * instructions (pcp lock on alloc, reference drop and pcp lock on free), with no other work.
 * mmlab's biased per-CPU lock leaves only the reference drop.
 */
static double atomics_floor(long n)
{
	static atomic_bool l1, l2;
	static atomic_int rc;
	uint64_t t0 = bench_now_ns();
	long i;

	for (i = 0; i < n; i++) {
		while (atomic_exchange_explicit(&l1, true, memory_order_acquire))
			;
		atomic_store_explicit(&l1, false, memory_order_release);
		atomic_store_explicit(&rc, 1, memory_order_relaxed);
		bench_keep(atomic_fetch_sub_explicit(&rc, 1, memory_order_acq_rel));
		while (atomic_exchange_explicit(&l2, true, memory_order_acquire))
			;
		atomic_store_explicit(&l2, false, memory_order_release);
	}
	return (double)(bench_now_ns() - t0) / (double)n;
}

/*
 * Bursts: @burst order-0 allocations, then as many frees, @rounds times; ns per page (one alloc
 * plus one free). With @fixed, CPU 0's lists keep high == high_min, as before the kernel tuned
 * it (and as mmlab did before): every refill and free past high goes to the zone lock.
 */
enum { BURST = 4096 };

static double bursts_pcp(long rounds, bool fixed)
{
	struct zone *zone = &m->phys->node_data[0]->node_zones[ZONE_NORMAL];
	struct per_cpu_pages *pcp = &zone->per_cpu_pageset[0];
	int saved_max = pcp->high_max;
	static struct page *p[BURST];
	uint64_t t0;
	long r;

	if (fixed) {
		pcp->high_max = pcp->high = pcp->high_min;
		drain_local_pages(zone);
	}
	t0 = bench_now_ns();
	for (r = 0; r < rounds; r++) {
		for (int i = 0; i < BURST; i++)
			p[i] = alloc_page(GFP_KERNEL);
		bench_keep(p[BURST - 1]);
		for (int i = 0; i < BURST; i++)
			__free_pages(p[i], 0);
	}
	t0 = bench_now_ns() - t0;
	pcp->high_max = saved_max;
	return (double)t0 / (double)(rounds * BURST);
}

/*
 * The same with glibc. By default free() trims the heap top back to the kernel after each burst
 * (16 MiB > M_TRIM_THRESHOLD), so every burst faults its pages in again; @keep turns trimming
 * off to time the allocator alone.
 */
static double bursts_malloc(long rounds, bool keep)
{
	static void *p[BURST];
	uint64_t t0;
	long r;

	if (keep)
		mallopt(M_TRIM_THRESHOLD, 1 << 30);
	t0 = bench_now_ns();

	for (r = 0; r < rounds; r++) {
		for (int i = 0; i < BURST; i++)
			p[i] = malloc(4096);
		bench_keep(p[BURST - 1]);
		for (int i = 0; i < BURST; i++)
			free(p[i]);
	}
	t0 = bench_now_ns() - t0;
	if (keep)
		mallopt(M_TRIM_THRESHOLD, 128 << 10);	/* glibc's default */
	return (double)t0 / (double)(rounds * BURST);
}

static double pairs_malloc(long n)
{
	uint64_t t0 = bench_now_ns();
	long i;

	for (i = 0; i < n; i++) {
		void *p = malloc(4096);

		bench_keep(p);
		free(p);
	}
	return (double)(bench_now_ns() - t0) / (double)n;
}

static double pairs_mmap(long n, bool touch)
{
	uint64_t t0 = bench_now_ns();
	long i;

	for (i = 0; i < n; i++) {
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (touch)
			p[0] = 1;
		munmap(p, 4096);
	}
	return (double)(bench_now_ns() - t0) / (double)n;
}

struct thr {
	int cpu;
	double ns;
};

static void *thr_main(void *arg)
{
	struct thr *t = arg;

	machine_bind_cpu(m, t->cpu);
	t->ns = pairs_pcp(0, GFP_KERNEL, iters);
	machine_unbind_cpu();
	return NULL;
}

static void *thr_malloc(void *arg)
{
	struct thr *t = arg;

	t->ns = pairs_malloc(iters);
	return NULL;
}

static void two_threads(const char *who, void *(*fn)(void *))
{
	pthread_t th[2];
	struct thr t[2] = { { 0, 0 }, { 1, 0 } };
	char label[64];
	int i;

	for (i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, fn, &t[i]);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	snprintf(label, sizeof(label), "%s (2 threads, per thread)", who);
	bench_row("order-0 pair, 2 threads", label, (t[0].ns + t[1].ns) / 2);
}

int main(int argc, char **argv)
{
	struct machine_config cfg;

	if (argc > 1)
		iters = atol(argv[1]);
	machine_config_default(&cfg);
	cfg.mem_bytes = 4ULL << 30;
	cfg.nr_nodes = 1;
	if (machine_boot(&cfg, &m)) {
		fprintf(stderr, "boot failed\n");
		return 1;
	}
	machine_set_debug_level(m, 0);
	pairs_pcp(0, GFP_KERNEL, iters / 10);	/* warm up: fill the per-CPU lists */

	bench_header("Page allocator: one alloc + one free (ns per pair)");
	bench_row("order-0 pair", "mmlab alloc_page/__free_pages (per-CPU lists)", pairs_pcp(0, GFP_KERNEL, iters));
	bench_row("order-0 pair", "mmlab buddy lists only (zone lock, split/merge)", pairs_buddy(iters));
	bench_row("order-3 pair", "mmlab alloc_pages(order 3)", pairs_pcp(3, GFP_KERNEL, iters));
	bench_row("order-9 pair", "mmlab alloc_pages(order 9)", pairs_pcp(9, GFP_HIGHUSER_MOVABLE, iters));
	bench_row("order-10 pair", "mmlab alloc_pages(order 10, buddy)", pairs_pcp(10, GFP_KERNEL, iters / 4));
	bench_row("order-0 pair, plain-lock design floor", "3 uncontended atomics, no other work", atomics_floor(iters));
	bench_row("4 KiB pair", "glibc malloc(4096)+free", pairs_malloc(iters));
	bench_row("4 KiB pair", "host mmap+munmap 4 KiB (no touch)", pairs_mmap(iters / 10, false));
	bench_row("4 KiB pair", "host mmap+touch+munmap 4 KiB (one fault)", pairs_mmap(iters / 10, true));
	bench_row("4,096 allocs then 4,096 frees", "mmlab, pcp high tuned (kernel 6.7+)", bursts_pcp(iters / BURST, false));
	bench_row("4,096 allocs then 4,096 frees", "mmlab, pcp high fixed at high_min", bursts_pcp(iters / BURST, true));
	bench_row("4,096 allocs then 4,096 frees", "glibc malloc(4096)/free (trims: faults again)", bursts_malloc(iters / BURST, false));
	bench_row("4,096 allocs then 4,096 frees", "glibc malloc(4096)/free, M_TRIM_THRESHOLD 1 GiB", bursts_malloc(iters / BURST, true));
	two_threads("mmlab per-CPU lists", thr_main);
	two_threads("glibc malloc(4096)+free", thr_malloc);
	machine_shutdown(m);
	return 0;
}
