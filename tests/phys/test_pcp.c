/*
 * test_pcp.c - per-CPU page lists and how their limit (pcp->high) tunes itself: it grows for a
 * CPU that allocates or frees a lot, shrinks after runs of high-order frees and while the zone
 * is low on memory, and decays back to high_min in the vmstat worker's passes. The checker
 * runs after every phase; each test boots its own machine.
 */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "phys/internal.h"

/* 1 GiB, one node, two CPUs: DMA32 is big enough that high_min < high_max and batch is 63. */
static struct machine *boot_1g(int cache_slice_kbytes)
{
	struct machine_config cfg;
	struct machine *m = NULL;

	machine_config_default(&cfg);
	cfg.nr_holes = 0;
	cfg.mem_bytes = 1ULL << 30;
	cfg.nr_nodes = 1;
	cfg.cpus_per_node = 2;
	cfg.cache_slice_kbytes = cache_slice_kbytes;
	if (machine_boot(&cfg, &m) || machine_bind_cpu(m, 0)) {
		machine_shutdown(m);
		return NULL;
	}
	return m;
}

static struct zone *dma32_of(struct machine *m, int nid)
{
	return &m->phys->node_data[nid]->node_zones[ZONE_DMA32];
}

static struct per_cpu_pages *pcp_of(struct zone *zone, int cpu)
{
	return &zone->per_cpu_pageset[cpu];
}

/* Allocate @n order-@order GFP_KERNEL blocks into @p (all must succeed). */
static void alloc_n(struct page **p, int n, unsigned int order)
{
	for (int i = 0; i < n; i++) {
		p[i] = alloc_pages(GFP_KERNEL, order);
		assert_non_null(p[i]);
	}
}

/* Run vmstat passes on @cpu until it reports nothing left to do; returns how many it took. */
static int settle(struct machine *m, int cpu)
{
	int passes = 0;

	while (refresh_cpu_vm_stats(cpu) > 0) {
		assert_true(++passes < 200);
		assert_machine_ok(m);
	}
	return passes;
}

/*
 * Refills in a row double the order-0 batch (alloc_factor) and, while the zone is above its high
 * mark, raise high; one free halves the factor. Frees in a row raise high further once the lists
 * fill, never past high_max; the vmstat passes then lower it by an eighth each down to high_min
 * and give back what is over it.
 */
static void test_high_grows_and_decays(void **state)
{
	struct machine *m = boot_1g(2048);
	struct zone *zone;
	struct per_cpu_pages *pcp;
	enum { N = 6000 };
	struct page **p = calloc(N, sizeof(*p));
	int batch, high_min, high_max, peak, passes;

	assert_non_null(m);
	assert_non_null(p);
	zone = dma32_of(m, 0);
	pcp = pcp_of(zone, 0);
	batch = pcp->batch;
	high_min = pcp->high_min;
	high_max = pcp->high_max;
	assert_int_equal(batch, 63);
	assert_true(high_min < high_max);
	assert_int_equal(pcp->high, high_min);
	assert_int_equal(pcp->alloc_factor, 0);

	alloc_n(p, N, 0);
	assert_machine_ok(m);
	assert_false(zone_test_flag(zone, ZONE_BELOW_HIGH));
	assert_int_equal(pcp->alloc_factor, PCP_BATCH_SCALE_MAX);
	assert_true(pcp->high > high_min);
	assert_true(pcp->high <= high_max);
	assert_true(pcp->count <= pcp->high);

	/* One free halves the factor; the rest in a row raise high as the lists fill. */
	__free_pages(p[0], 0);
	assert_int_equal(pcp->alloc_factor, PCP_BATCH_SCALE_MAX >> 1);
	peak = 0;
	for (int i = 1; i < N; i++) {
		__free_pages(p[i], 0);
		assert_true(pcp->high >= high_min && pcp->high <= high_max);
		assert_true(pcp->count <= pcp->high + batch);
		peak = MAX(peak, pcp->count);
	}
	assert_int_equal(pcp->alloc_factor, 0);
	assert_true(peak > high_min);		/* kept more than the untuned limit */
	assert_true(pcp->count > high_min);
	assert_machine_ok(m);

	/* Each pass: high = max(count - the drain limit, high - high/8, high_min). */
	passes = 0;
	for (;;) {
		int high = pcp->high, count = pcp->count, want, todo;

		todo = refresh_cpu_vm_stats(0);
		assert_true(todo >= 0);
		want = high > high_min ? MAX(MAX(count - (batch << PCP_BATCH_SCALE_MAX),
						     high - (high >> 3)), high_min) : high;
		assert_int_equal(pcp->high, want);
		assert_int_equal(pcp->count, MIN(count, want));
		assert_machine_ok(m);
		if (!todo)
			break;
		assert_true(++passes < 200);
	}
	assert_true(passes > 3);		/* gradual, not one drop */
	assert_int_equal(pcp->high, high_min);
	assert_true(pcp->count <= high_min);
	/* The other CPU never touched its lists. */
	assert_int_equal(pcp_of(zone, 1)->high, pcp_of(zone, 1)->high_min);
	assert_int_equal(settle(m, 1), 0);

	free(p);
	machine_shutdown(m);
}

/*
 * An order-9 refill takes two pageblocks, so lists already near high_max can hold far more
 * than it. The kernel's decay pass then frees at most the drain limit and sets high just above
 * what remains, over high_max; the next free clamps it back.
 */
static void test_decay_above_high_max(void **state)
{
	struct machine *m = test_boot(64ULL << 20, 1, 2);	/* DMA32 48 MiB: batch 3 */
	struct zone *zone;
	struct per_cpu_pages *pcp;
	enum { N = 700 };
	struct page *p[N], *big;
	int limit, count;

	assert_non_null(m);
	zone = dma32_of(m, 0);
	pcp = pcp_of(zone, 0);
	limit = pcp->batch << PCP_BATCH_SCALE_MAX;
	alloc_n(p, N, 0);
	for (int i = 0; i < N; i++)
		__free_pages(p[i], 0);
	big = alloc_pages(GFP_HIGHUSER_MOVABLE, pageblock_order);
	assert_non_null(big);
	assert_ptr_equal(page_zone(big), zone);
	count = pcp->count;
	assert_true(count > pcp->high_max + limit);
	assert_true(refresh_cpu_vm_stats(0) > 0);
	assert_int_equal(pcp->high, count - limit);
	assert_int_equal(pcp->count, count - limit);
	assert_true(pcp->high > pcp->high_max);
	assert_machine_ok(m);
	__free_pages(big, pageblock_order);
	assert_true(pcp->high <= pcp->high_max);
	assert_machine_ok(m);
	assert_true(settle(m, 0) > 0);
	assert_int_equal(pcp->high, pcp->high_min);
	assert_machine_ok(m);
	machine_shutdown(m);
}

/* The vmstat pass takes only a CPU of this machine. */
static void test_refresh_bad_cpu(void **state)
{
	struct machine *m = boot_1g(2048);

	assert_non_null(m);
	assert_int_equal(refresh_cpu_vm_stats(-1), -EINVAL);
	assert_int_equal(refresh_cpu_vm_stats(2), -EINVAL);
	assert_int_equal(refresh_cpu_vm_stats(1 << 30), -EINVAL);
	assert_int_equal(refresh_cpu_vm_stats(1), 0);
	vmstat_refresh();
	assert_machine_ok(m);
	machine_shutdown(m);
}

/*
 * A run of order 1..3 frees with no allocation between gives the pages back early: with room in
 * the cache slice for a batch, the lists hold up to a batch first; without, they empty on every
 * free once the run is a batch long. Either way high drops to high_min.
 */
static void check_free_high(int cache_slice_kbytes)
{
	struct machine *m = boot_1g(cache_slice_kbytes);
	struct zone *zone;
	struct per_cpu_pages *pcp;
	enum { N = 400, ORDER = 2 };
	struct page *p[N];
	int batch, drains = 0, i;
	bool keep_batch;

	assert_non_null(m);
	zone = dma32_of(m, 0);
	pcp = pcp_of(zone, 0);
	batch = pcp->batch;
	keep_batch = pcp->flags & PCPF_FREE_HIGH_BATCH;
	assert_int_equal(keep_batch, cache_slice_kbytes / 4 > 3 * batch);
	alloc_n(p, N, ORDER);
	/* Raise high by hand, as an order-0 workload would have, to see it drop. */
	pcp->high = pcp->high_max;
	drain_local_pages(zone);
	assert_int_equal(pcp->count, 0);
	for (i = 0; i < N; i++) {
		int before = pcp->count, run = pcp->free_count;

		__free_pages(p[i], ORDER);
		if (pcp->count < before + (1 << ORDER))
			drains++;
		if (keep_batch)
			assert_true(pcp->count < batch + (1 << ORDER));
		else if (run >= batch)
			assert_int_equal(pcp->count, 0);
	}
	assert_true(drains > 1);
	assert_int_equal(pcp->high, pcp->high_min);
	assert_machine_ok(m);

	/* An order-0 free ends the run: high-order pages stay on the lists again. */
	p[0] = alloc_page(GFP_KERNEL);
	assert_non_null(p[0]);
	__free_pages(p[0], 0);
	assert_false(pcp->flags & PCPF_PREV_FREE_HIGH_ORDER);
	p[0] = alloc_pages(GFP_KERNEL, ORDER);
	assert_non_null(p[0]);
	i = pcp->count;
	__free_pages(p[0], ORDER);
	assert_int_equal(pcp->count, i + (1 << ORDER));
	assert_true(pcp->flags & PCPF_PREV_FREE_HIGH_ORDER);
	assert_machine_ok(m);
	machine_shutdown(m);
}

static void test_free_high_keeps_batch(void **state)
{
	check_free_high(2048);
}

static void test_free_high_no_cache_info(void **state)
{
	check_free_high(0);
}

/*
 * When an allocation finds the zone at its high mark, the zone is flagged and every CPU's lists
 * stop growing and shrink on frees towards high_min; the flag goes once frees bring the zone back
 * above its high mark.
 */
static void test_below_high(void **state)
{
	struct machine *m = test_boot(64ULL << 20, 1, 2);	/* DMA 16 MiB + DMA32 48 MiB */
	struct zone *zone;
	struct per_cpu_pages *pcp;
	struct page **p;
	int n = 0, cap = 1 << 15, high_before, j;

	assert_non_null(m);
	zone = dma32_of(m, 0);
	pcp = pcp_of(zone, 0);
	p = calloc((size_t)cap, sizeof(*p));
	assert_non_null(p);
	/* A grown high to watch shrink. */
	pcp->high = pcp->high_max;
	while (!zone_test_flag(zone, ZONE_BELOW_HIGH)) {
		assert_true(n < cap);
		p[n] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0);
		assert_non_null(p[n]);
		n++;
	}
	assert_true(zone_page_state(zone, NR_FREE_PAGES) <= (long)high_wmark_pages(zone));
	assert_machine_ok(m);

	/*
	 * Below the high mark, a free to this zone lowers high by what the lists keep (a batch at least).
	 * (The last allocations fell back to DMA: free this zone's latest page.)
	 */
	for (j = n - 1; j >= 0 && page_zone(p[j]) != zone; j--)
		;
	assert_true(j >= 0);
	high_before = pcp->high;
	assert_int_equal(high_before, pcp->high_max);
	__free_pages(p[j], 0);
	p[j] = p[--n];
	assert_int_equal(pcp->high, MAX(high_before - MAX(pcp->free_count, pcp->batch), pcp->high_min));
	/* More frees while the flag stands: high only falls. */
	for (int k = 0; k < 20 && zone_test_flag(zone, ZONE_BELOW_HIGH); k++) {
		high_before = pcp->high;
		for (j = n - 1; j >= 0 && page_zone(p[j]) != zone; j--)
			;
		assert_true(j >= 0);
		__free_pages(p[j], 0);
		p[j] = p[--n];
		assert_true(pcp->high <= high_before);
	}
	assert_true(pcp->high < pcp->high_max);
	assert_machine_ok(m);

	while (n > 0)
		__free_pages(p[--n], 0);
	assert_false(zone_test_flag(zone, ZONE_BELOW_HIGH));
	assert_true(zone_page_state(zone, NR_FREE_PAGES) > (long)high_wmark_pages(zone));
	assert_machine_ok(m);
	free(p);
	machine_shutdown(m);
}

/*
 * A CPU that took pages from another node's zone keeps them for three vmstat passes; then each
 * pass gives a batch back. Its own node's lists are left alone.
 */
static void test_remote_expire(void **state)
{
	struct machine *m = test_boot(256ULL << 20, 2, 1);	/* CPU 0 on node 0, CPU 1 on node 1 */
	struct zone *remote, *local;
	struct per_cpu_pages *rp, *lp;
	struct page *p[4];
	int count, i;

	assert_non_null(m);
	remote = dma32_of(m, 1);
	local = dma32_of(m, 0);
	rp = pcp_of(remote, 0);
	lp = pcp_of(local, 0);
	for (i = 0; i < 4; i++) {
		p[i] = alloc_pages_node(1, GFP_KERNEL | __GFP_THISNODE, 0);
		assert_non_null(p[i]);
		assert_int_equal(page_to_nid(p[i]), 1);
	}
	p[0] = (__free_pages(p[0], 0), alloc_page(GFP_KERNEL));	/* some local traffic too */
	assert_int_equal(page_to_nid(p[0]), 0);
	for (i = 1; i < 4; i++)
		__free_pages(p[i], 0);
	__free_pages(p[0], 0);
	assert_int_equal(rp->expire, 3);
	assert_int_equal(lp->expire, 0);
	count = rp->count;
	assert_true(count > 0);
	assert_true(lp->count > 0);

	assert_int_equal(refresh_cpu_vm_stats(0), 1);
	assert_int_equal(refresh_cpu_vm_stats(0), 1);
	assert_int_equal(rp->count, count);
	assert_int_equal(refresh_cpu_vm_stats(0), 1);
	assert_int_equal(rp->count, count - MIN(count, rp->batch));
	assert_int_equal(rp->expire, 0);
	assert_true(lp->count > 0);
	assert_int_equal(refresh_cpu_vm_stats(0), 0);
	assert_machine_ok(m);
	machine_shutdown(m);
}

/* /proc/zoneinfo shows each CPU's tuned high, as the kernel's does. */
static void test_zoneinfo_shows_tuned_high(void **state)
{
	struct machine *m = boot_1g(2048);
	struct zone *zone;
	struct page **p = calloc(3000, sizeof(*p));
	char want[64], *text, *zone_at;

	assert_non_null(m);
	assert_non_null(p);
	zone = dma32_of(m, 0);
	alloc_n(p, 3000, 0);
	assert_true(pcp_of(zone, 0)->high > pcp_of(zone, 0)->high_min);
	text = test_proc(m, "zoneinfo");
	assert_non_null(text);
	zone_at = strstr(text, "zone    DMA32");
	assert_non_null(zone_at);
	snprintf(want, sizeof(want), "cpu: 0\n              count:    %i\n              high:     %i",
		 pcp_of(zone, 0)->count, pcp_of(zone, 0)->high);
	assert_non_null(strstr(zone_at, want));
	free(text);
	for (int i = 0; i < 3000; i++)
		__free_pages(p[i], 0);
	free(p);
	assert_machine_ok(m);
	machine_shutdown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_high_grows_and_decays),
		cmocka_unit_test(test_decay_above_high_max),
		cmocka_unit_test(test_refresh_bad_cpu),
		cmocka_unit_test(test_free_high_keeps_batch),
		cmocka_unit_test(test_free_high_no_cache_info),
		cmocka_unit_test(test_below_high),
		cmocka_unit_test(test_remote_expire),
		cmocka_unit_test(test_zoneinfo_shows_tuned_high),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
