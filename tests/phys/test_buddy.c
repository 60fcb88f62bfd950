/*
 * test_buddy.c - the buddy allocator, zones and gfp handling, one behaviour per test, with the
 * invariant checker after every step.
 */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "phys/internal.h"

static struct machine *m;

static int setup_small(void **state)
{
	m = test_boot(64ULL << 20, 1, 2);	/* 64 MiB: DMA 16 MiB + DMA32 48 MiB */
	return m ? 0 : -1;
}

static int teardown(void **state)
{
	machine_shutdown(m);
	m = NULL;
	return 0;
}

static struct zone *zone_of_m(struct machine *mm, int nid, enum zone_type zt)
{
	return &mm->phys->node_data[nid]->node_zones[zt];
}

static struct zone *zone_of(int nid, enum zone_type zt)
{
	return zone_of_m(m, nid, zt);
}

/* Layout of the default PC machine: page 0 and the 640K-1M hole, DMA from pfn 1. */
static void test_pc_layout(void **state)
{
	struct machine *pc = test_boot_pc(4ULL << 30, 1);
	struct zone *dma, *dma32, *normal;

	assert_non_null(pc);
	dma = &pc->phys->node_data[0]->node_zones[ZONE_DMA];
	dma32 = &pc->phys->node_data[0]->node_zones[ZONE_DMA32];
	normal = &pc->phys->node_data[0]->node_zones[ZONE_NORMAL];
	/* The same spans the reference host's /proc/zoneinfo shows for its DMA zone. */
	assert_int_equal(dma->zone_start_pfn, 1);
	assert_int_equal(dma->spanned_pages, 4095);
	assert_int_equal(dma->present_pages, 3998);
	/* DMA32 spans 16 MiB..3 GiB (the PCI hole ends the span), Normal 4 GiB..5 GiB. */
	assert_int_equal(dma32->zone_start_pfn, 4096);
	assert_int_equal(dma32->spanned_pages, 0xc0000 - 4096);
	assert_int_equal(normal->zone_start_pfn, 0x100000);
	assert_int_equal(normal->present_pages, (4ULL << 30) / 4096 - 3998 - (0xc0000 - 4096));
	assert_false(pfn_valid(0));
	assert_false(pfn_valid(0xa0));
	assert_true(pfn_valid(1));
	assert_false(pfn_valid(0xc0000));
	assert_machine_ok(pc);
	machine_shutdown(pc);
	machine_bind_cpu(m, 0);
}

static struct machine *boot_thp(unsigned long long mem, int nodes, int thp, int min_free_kbytes)
{
	struct machine_config cfg;
	struct machine *b = NULL;

	machine_config_default(&cfg);
	cfg.mem_bytes = mem;
	cfg.nr_nodes = nodes;
	cfg.transparent_hugepage = thp;
	cfg.min_free_kbytes = min_free_kbytes;
	assert_int_equal(machine_boot(&cfg, &b), 0);
	return b;
}

/*
 * min_free_kbytes: sqrt(lowmem_kb * 16) at least 128; with THP enabled (madvise, the default,
 * or always) raised to 11 pageblocks for every populated zone up to Normal, at most a twentieth
 * of what lies above the high watermarks; a configured value is taken as it is.
 */
static void test_min_free_kbytes(void **state)
{
	struct machine *never, *b;
	unsigned long lowmem = 0, above_high = 0, v = 0;
	struct zone *zone;
	int nid;

	/* 64 MiB (DMA + DMA32): the twentieth is the smaller. */
	never = boot_thp(64ULL << 20, 1, THP_NEVER, 0);
	for_each_zone(never, nid, zone)
		if (zone->idx <= ZONE_NORMAL) {
			lowmem += zone_managed_pages(zone);
			above_high += zone_managed_pages(zone) - high_wmark_pages(zone);
		}
	while ((v + 1) * (v + 1) <= lowmem * 4 * 16)
		v++;
	assert_int_equal(never->phys->min_free_kbytes, MAX(v, 128UL));
	b = boot_thp(64ULL << 20, 1, THP_MADVISE, 0);
	assert_int_equal(b->phys->min_free_kbytes, above_high / 20 * 4);
	assert_true(b->phys->min_free_kbytes > never->phys->min_free_kbytes);
	assert_true(high_wmark_pages(zone_of_m(b, 0, ZONE_DMA32)) >
		    high_wmark_pages(zone_of_m(never, 0, ZONE_DMA32)));
	assert_machine_ok(b);
	machine_shutdown(b);
	machine_shutdown(never);

	/* The built-in 8 GiB machine: DMA, DMA32 and Normal on node 0, Normal on node 1. */
	b = boot_thp(8ULL << 30, 2, THP_ALWAYS, 0);
	assert_int_equal(b->phys->min_free_kbytes, 4 * 512 * 11 * 4);
	machine_shutdown(b);
	b = boot_thp(8ULL << 30, 2, THP_MADVISE, 0);
	assert_int_equal(b->phys->min_free_kbytes, 4 * 512 * 11 * 4);
	machine_shutdown(b);
	b = boot_thp(8ULL << 30, 2, THP_NEVER, 0);
	assert_true(b->phys->min_free_kbytes < 4 * 512 * 11 * 4);
	machine_shutdown(b);

	/* Set by hand: kept, even below the recommendation, and the watermarks follow it. */
	b = boot_thp(8ULL << 30, 2, THP_MADVISE, 5000);
	assert_int_equal(b->phys->min_free_kbytes, 5000);
	lowmem = 0;
	for_each_zone(b, nid, zone)
		if (zone->idx != ZONE_MOVABLE)
			lowmem += zone_managed_pages(zone);
	zone = zone_of_m(b, 0, ZONE_DMA32);
	assert_int_equal(zone->_watermark[WMARK_MIN], 5000UL / 4 * zone_managed_pages(zone) / lowmem);
	machine_shutdown(b);
	machine_bind_cpu(m, 0);
}

/* Watermarks and reserves follow the kernel's formulas for the zone sizes we have. */
static void test_watermarks(void **state)
{
	struct zone *dma = zone_of(0, ZONE_DMA), *dma32 = zone_of(0, ZONE_DMA32);
	unsigned long md = zone_managed_pages(dma), m32 = zone_managed_pages(dma32);
	unsigned long pages_min, tmp;

	/* (min_free_kbytes itself: test_min_free_kbytes) */
	pages_min = (unsigned long)m->phys->min_free_kbytes / 4;
	tmp = pages_min * m32 / (md + m32);
	assert_int_equal(dma32->_watermark[WMARK_MIN], tmp);
	tmp = MAX(tmp / 4, m32 * 10 / 10000);
	assert_int_equal(dma32->_watermark[WMARK_LOW], dma32->_watermark[WMARK_MIN] + tmp);
	assert_int_equal(dma32->_watermark[WMARK_HIGH], dma32->_watermark[WMARK_MIN] + 2 * tmp);
	assert_int_equal(dma32->_watermark[WMARK_PROMO], dma32->_watermark[WMARK_MIN] + 3 * tmp);
	/* DMA keeps managed(DMA32)/256 pages back from DMA32-capable requests. */
	assert_int_equal(dma->lowmem_reserve[ZONE_DMA32], m32 / 256);
	assert_int_equal(dma->lowmem_reserve[ZONE_NORMAL], m32 / 256);
	assert_int_equal(dma32->lowmem_reserve[ZONE_DMA32], 0);
	/* Empty ZONE_MOVABLE: min is clamped to 32 pages, as the kernel prints. */
	assert_int_equal(zone_of(0, ZONE_MOVABLE)->_watermark[WMARK_MIN], 32);
}

static void test_every_order(void **state)
{
	unsigned int o;

	for (o = 0; o <= MAX_PAGE_ORDER; o++) {
		struct page *p = alloc_pages(GFP_KERNEL, o);
		char *bytes;

		assert_non_null(p);
		assert_int_equal(page_to_pfn(p) & ((1UL << o) - 1), 0);	/* naturally aligned */
		assert_int_equal(page_count(p), 1);
		bytes = page_address(p);
		memset(bytes, 0x5a, PAGE_SIZE << o);	/* real bytes */
		assert_ptr_equal(virt_to_page(bytes + (PAGE_SIZE << o) - 1), p + (1UL << o) - 1);
		assert_machine_ok(m);
		__free_pages(p, o);
		assert_machine_ok(m);
	}
	assert_null(alloc_pages(GFP_KERNEL | __GFP_NOWARN, MAX_PAGE_ORDER + 1));
}

/*
 *   pfn  0 1 2 3        two order-0 pages from one order-1 block: freeing both merges
 *        A B            them back into the order-1 block (and further up).
 */
static void test_merge(void **state)
{
	struct zone *z = zone_of(0, ZONE_DMA32);
	unsigned long before[NR_PAGE_ORDERS];
	struct page *a, *b;
	int o;

	drain_all_pages(NULL);
	for (o = 0; o < NR_PAGE_ORDERS; o++)
		before[o] = (unsigned long)stat_read(&z->free_area[o].nr_free);
	/* Through the buddy lists directly (order 4 is not cached per CPU). */
	a = alloc_pages(GFP_DMA32, 4);
	b = alloc_pages(GFP_DMA32, 4);
	assert_non_null(a);
	assert_non_null(b);
	assert_machine_ok(m);
	__free_pages(a, 4);
	__free_pages(b, 4);
	drain_all_pages(NULL);
	assert_machine_ok(m);
	for (o = 0; o < NR_PAGE_ORDERS; o++)
		assert_int_equal(stat_read(&z->free_area[o].nr_free), before[o]);
}

static void test_zero_and_comp(void **state)
{
	struct page *p = alloc_pages(GFP_KERNEL, 2);
	unsigned char *b;
	int i;

	assert_non_null(p);
	memset(page_address(p), 0xff, 4 * PAGE_SIZE);
	__free_pages(p, 2);
	drain_all_pages(NULL);
	p = alloc_pages(GFP_KERNEL | __GFP_ZERO | __GFP_COMP, 2);
	assert_non_null(p);
	b = page_address(p);
	for (i = 0; i < 4 * (int)PAGE_SIZE; i++)
		assert_int_equal(b[i], 0);
	assert_true(PageHead(p));
	assert_ptr_equal(compound_head(p + 3), p);
	assert_int_equal(compound_order(p), 2);
	assert_ptr_equal(virt_to_head_page(b + 3 * PAGE_SIZE + 17), p);
	get_page(p + 2);		/* a reference through a tail counts on the head */
	assert_int_equal(page_count(p), 2);
	put_page(p + 1);
	assert_int_equal(page_count(p), 1);
	put_page(p);			/* last reference frees the whole compound page */
	assert_machine_ok(m);
}

static void test_gfp_zones(void **state)
{
	struct page *p;

	assert_int_equal(gfp_zone(GFP_KERNEL), ZONE_NORMAL);
	assert_int_equal(gfp_zone(GFP_DMA), ZONE_DMA);
	assert_int_equal(gfp_zone(GFP_DMA32), ZONE_DMA32);
	assert_int_equal(gfp_zone(GFP_HIGHUSER_MOVABLE), ZONE_MOVABLE);
	assert_int_equal(gfp_zone(__GFP_MOVABLE), ZONE_NORMAL);
	/* All 16 combinations of the zone bits: DMA wins, then DMA32, then MOVABLE+HIGHMEM. */
	for (gfp_t z = 0; z <= GFP_ZONEMASK; z++) {
		enum zone_type want = ZONE_NORMAL;

		if (z & __GFP_DMA)
			want = ZONE_DMA;
		else if (z & __GFP_DMA32)
			want = ZONE_DMA32;
		else if ((z & __GFP_MOVABLE) && (z & __GFP_HIGHMEM))
			want = ZONE_MOVABLE;
		assert_int_equal(gfp_zone(GFP_KERNEL | z), want);
	}
	p = alloc_page(GFP_DMA);
	assert_non_null(p);
	assert_int_equal(page_zonenum(p), ZONE_DMA);
	__free_pages(p, 0);
	/* No Normal zone on a 64 MiB machine: GFP_KERNEL falls back to DMA32. */
	p = alloc_page(GFP_KERNEL);
	assert_int_equal(page_zonenum(p), ZONE_DMA32);
	__free_pages(p, 0);
	assert_int_equal(gfp_migratetype(GFP_KERNEL), MIGRATE_UNMOVABLE);
	assert_int_equal(gfp_migratetype(GFP_HIGHUSER_MOVABLE), MIGRATE_MOVABLE);
	assert_int_equal(gfp_migratetype(GFP_KERNEL | __GFP_RECLAIMABLE), MIGRATE_RECLAIMABLE);
}

static void test_gfp_names(void **state)
{
	char buf[256];

	format_gfp_flags(GFP_KERNEL, buf, sizeof(buf));
	assert_string_equal(buf, "GFP_KERNEL");
	format_gfp_flags(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN, buf, sizeof(buf));
	assert_string_equal(buf, "GFP_KERNEL|__GFP_NOWARN|__GFP_ZERO");
	format_gfp_flags(GFP_HIGHUSER_MOVABLE, buf, sizeof(buf));
	assert_string_equal(buf, "GFP_HIGHUSER_MOVABLE");
	format_gfp_flags(GFP_ATOMIC, buf, sizeof(buf));
	assert_string_equal(buf, "GFP_ATOMIC");
	format_gfp_flags(GFP_KERNEL, buf, sizeof(buf));
	assert_int_equal(GFP_KERNEL, 0xcc0);
}

/* Unmovable requests claim a whole MOVABLE pageblock (a fallback), then use it. */
static void test_fallback_claims_pageblock(void **state)
{
	struct zone *z = zone_of(0, ZONE_DMA32);
	struct page *p;
	int mt;

	p = alloc_pages(GFP_DMA32, 5);	/* unmovable, buddy path */
	assert_non_null(p);
	mt = get_pageblock_migratetype(p);
	assert_int_equal(mt, MIGRATE_UNMOVABLE);
	assert_int_equal(get_pfnblock_migratetype(z, page_to_pfn(p)), MIGRATE_UNMOVABLE);
	assert_machine_ok(m);
	__free_pages(p, 5);
	assert_machine_ok(m);
	p = alloc_pages(GFP_DMA32 | __GFP_RECLAIMABLE, 0);
	assert_int_equal(get_pageblock_migratetype(p), MIGRATE_RECLAIMABLE);
	__free_pages(p, 0);
	assert_machine_ok(m);
}

static void test_failure_report(void **state)
{
	struct page *held[64];
	char *log;
	int n = 0;

	machine_dmesg_clear(m);
	/* Take DMA32 order-10 blocks until the zone refuses (and falls back to DMA, then fails). */
	while (n < 64 && (held[n] = alloc_pages(GFP_DMA32, 10)))
		n++;
	assert_true(n > 0 && n < 64);
	log = test_dmesg(m);
	assert_non_null(strstr(log, "page allocation failure: order:10, mode:0x4(GFP_DMA32)"));
	assert_non_null(strstr(log, "Mem-Info:"));
	free(log);
	machine_dmesg_clear(m);
	assert_null(alloc_pages(GFP_DMA32 | __GFP_NOWARN, 10));
	assert_int_equal(machine_dmesg(m, NULL, 0), 0);	/* __GFP_NOWARN: silent */
	assert_machine_ok(m);
	while (n-- > 0)
		__free_pages(held[n], 10);
	assert_machine_ok(m);
}

static unsigned long count_reclaim_calls(struct machine *mm, gfp_t gfp, unsigned int order, void *arg)
{
	(*(int *)arg)++;
	return 1;	/* claims progress, frees nothing */
}

/* When memory is short: reclaim hook retries, __GFP_NORETRY, __GFP_MEMALLOC, __GFP_NOFAIL. */
static void test_slowpath_modifiers(void **state)
{
	struct machine *s = test_boot(64ULL << 20, 1, 1);
	struct page **held = calloc(20000, sizeof(*held)), *p;
	int n = 0, calls = 0;

	while (n < 20000 && (held[n] = alloc_page(GFP_KERNEL | __GFP_NOWARN)))
		n++;
	assert_true(n > 10000);
	machine_set_reclaim_hook(s, count_reclaim_calls, &calls);
	assert_null(alloc_page(GFP_KERNEL | __GFP_NOWARN));
	assert_int_equal(calls, 16);		/* retried while "progress" was reported */
	calls = 0;
	assert_null(alloc_page(GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY));
	assert_int_equal(calls, 1);
	calls = 0;
	assert_null(alloc_page(GFP_NOWAIT));	/* cannot block: no reclaim */
	assert_int_equal(calls, 0);
	machine_set_reclaim_hook(s, NULL, NULL);
	/* Below min, __GFP_MEMALLOC and __GFP_NOFAIL still get pages from the reserves. */
	p = alloc_page(GFP_KERNEL | __GFP_MEMALLOC);
	assert_non_null(p);
	held[n++] = p;
	p = alloc_page(GFP_KERNEL | __GFP_NOFAIL);
	assert_non_null(p);
	held[n++] = p;
	assert_machine_ok(s);
	while (n-- > 0)
		__free_pages(held[n], 0);
	assert_machine_ok(s);
	free(held);
	machine_shutdown(s);
	machine_bind_cpu(m, 0);
}

static void test_bad_free_reported(void **state)
{
	struct page *p = alloc_page(GFP_KERNEL);
	char *log;

	__free_pages(p, 0);
	machine_dmesg_clear(m);
	__free_pages(p, 0);		/* double free: reported, not acted on */
	log = test_dmesg(m);
	assert_non_null(strstr(log, "BUG: Bad page state"));
	free(log);
	assert_machine_ok(m);
	free_pages(12345, 0);		/* not an address of this machine */
	log = test_dmesg(m);
	assert_non_null(strstr(log, "bad address"));
	free(log);
	{
		struct page bogus;

		memset(&bogus, 0, sizeof(bogus));
		__free_pages(&bogus, 0);	/* not a descriptor of this machine */
		put_page(&bogus);
		log = test_dmesg(m);
		assert_non_null(strstr(log, "is not a page of this machine"));
		free(log);
	}
	assert_machine_ok(m);
}

/*
 * High-order atomic allocations that only succeed below the low watermark reserve a HIGHATOMIC
 * pageblock (at most 1% of a zone, rounded up to a pageblock), on a fresh machine.
 */
static void test_highatomic_reserve(void **state)
{
	struct machine *fresh = test_boot(64ULL << 20, 1, 1);
	struct zone *z = &fresh->phys->node_data[0]->node_zones[ZONE_DMA32];
	struct page **held = calloc(8192, sizeof(*held)), *p;
	int n = 0;

	assert_non_null(held);
	p = alloc_pages(GFP_KERNEL | __GFP_DMA32, 2);	/* fast path: no reserve */
	assert_int_equal(z->nr_reserved_highatomic, 0);
	__free_pages(p, 2);
	/* Fill the zones down to their min watermarks with blocking requests. */
	while (n < 8192 && (held[n] = alloc_pages(GFP_KERNEL | __GFP_DMA32 | __GFP_NOWARN, 2)))
		n++;
	__free_pages(held[--n], 2);
	__free_pages(held[--n], 2);
	drain_all_pages(NULL);
	p = alloc_pages(GFP_ATOMIC | __GFP_DMA32, 2);
	assert_non_null(p);
	assert_int_equal(z->nr_reserved_highatomic, pageblock_nr_pages);
	assert_int_equal(get_pageblock_migratetype(p), MIGRATE_HIGHATOMIC);
	assert_machine_ok(fresh);
	__free_pages(p, 2);
	while (n-- > 0)
		__free_pages(held[n], 2);
	assert_machine_ok(fresh);
	assert_true(unreserve_highatomic_pageblock(z));
	assert_int_equal(z->nr_reserved_highatomic, 0);
	assert_machine_ok(fresh);
	free(held);
	machine_shutdown(fresh);
	machine_bind_cpu(m, 0);
}

static void test_thisnode(void **state)
{
	struct machine *two = test_boot(256ULL << 20, 2, 1);
	struct page *p;

	assert_non_null(two);
	p = alloc_pages_node(1, GFP_KERNEL | __GFP_THISNODE, 0);
	assert_non_null(p);
	assert_int_equal(page_to_nid(p), 1);
	__free_pages(p, 0);
	{
		/* Node 1 exhausted with __GFP_THISNODE; the next node-1 request is a miss. */
		struct page **held = calloc(40000, sizeof(*held));
		char *vm;
		int n = 0;

		while ((held[n] = alloc_pages_node(1, GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN, 0)))
			n++;
		p = alloc_pages_node(1, GFP_KERNEL, 0);
		assert_int_equal(page_to_nid(p), 0);
		vm = test_proc(two, "vmstat");
		assert_non_null(strstr(vm, "\nnuma_miss 1\n"));
		assert_non_null(strstr(vm, "\nnuma_foreign 1\n"));
		free(vm);
		__free_pages(p, 0);
		while (n-- > 0)
			__free_pages(held[n], 0);
		free(held);
	}
	machine_bind_cpu(two, 1);	/* CPU 1 is on node 1 */
	p = alloc_page(GFP_KERNEL);
	assert_int_equal(page_to_nid(p), 1);
	__free_pages(p, 0);
	assert_machine_ok(two);
	machine_shutdown(two);
	machine_bind_cpu(m, 0);
}

static long vmstat_value(struct machine *mach, const char *name)
{
	char *vm = test_proc(mach, "vmstat"), key[64], *at;
	long v;

	snprintf(key, sizeof(key), "\n%s ", name);
	at = strstr(vm, key);
	assert_non_null(at);
	v = strtol(at + strlen(key), NULL, 10);
	free(vm);
	return v;
}

/*
 * The allocation counters the fast path keeps folded (events, extra pages, misses): every kind
 * of allocation moves numa_hit/miss/local/other and pgalloc_* exactly as the kernel's do.
 */
static void test_numa_counters(void **state)
{
	static const char *const names[] = { "numa_hit", "numa_miss", "numa_local", "numa_other",
					     "pgalloc_dma32" };
	struct machine *two = test_boot(256ULL << 20, 2, 1);
	struct page *p[8];
	long before[5], after[5];
	int i;

	assert_non_null(two);
	for (i = 0; i < 5; i++)
		before[i] = vmstat_value(two, names[i]);
	for (i = 0; i < 4; i++)			/* local hits, the first through the general path */
		p[i] = alloc_page(GFP_KERNEL);
	p[4] = alloc_pages(GFP_KERNEL, 2);	/* a local hit of 4 pages */
	p[5] = alloc_pages_node(1, GFP_KERNEL, 0);	/* node 1 asked and served: hit, other */
	p[6] = alloc_pages_node(0, GFP_KERNEL, 0);	/* explicit local node: hit, local */
	for (i = 0; i < 7; i++)
		assert_non_null(p[i]);
	assert_int_equal(page_to_nid(p[5]), 1);
	for (i = 0; i < 5; i++)
		after[i] = vmstat_value(two, names[i]) - before[i];
	assert_int_equal(after[0], 7);
	assert_int_equal(after[1], 0);
	assert_int_equal(after[2], 6);
	assert_int_equal(after[3], 1);
	assert_int_equal(after[4], 4 + 4 + 1 + 1);
	__free_pages(p[4], 2);
	for (i = 0; i < 7; i++)
		if (i != 4)
			__free_pages(p[i], 0);
	assert_machine_ok(two);
	machine_shutdown(two);
	machine_bind_cpu(m, 0);
}

/* movablecore=: the top of every node becomes ZONE_MOVABLE, used only by movable requests. */
static void test_movablecore(void **state)
{
	struct machine_config cfg;
	struct machine *mv = NULL;
	struct zone *zm0, *zm1;
	struct page *p;

	machine_config_default(&cfg);
	cfg.nr_holes = 0;
	cfg.mem_bytes = 8ULL << 30;
	cfg.nr_nodes = 2;
	cfg.movablecore_bytes = 2ULL << 30;
	assert_int_equal(machine_boot(&cfg, &mv), 0);
	zm0 = &mv->phys->node_data[0]->node_zones[ZONE_MOVABLE];
	zm1 = &mv->phys->node_data[1]->node_zones[ZONE_MOVABLE];
	/*
	 * Node 0 holds only DMA and DMA32 memory (0-4 GiB), which never becomes movable; node 1
	 * gives its share, the top 1 GiB (what the kernel's spreading gives here too).
	 */
	assert_int_equal(zm0->present_pages, 0);
	assert_int_equal(zm1->present_pages, (1ULL << 30) / PAGE_SIZE);
	assert_int_equal(zone_end_pfn(zm1), mv->phys->max_pfn);
	/* From node 0, its own DMA32 comes first (zonelists are node-major); from node 1, Movable. */
	p = alloc_page(GFP_HIGHUSER_MOVABLE);
	assert_int_equal(page_zonenum(p), ZONE_DMA32);
	__free_pages(p, 0);
	machine_bind_cpu(mv, 2);
	p = alloc_page(GFP_HIGHUSER_MOVABLE);
	assert_int_equal(page_zonenum(p), ZONE_MOVABLE);
	__free_pages(p, 0);
	p = alloc_page(GFP_KERNEL);
	assert_int_equal(page_zonenum(p), ZONE_NORMAL);
	__free_pages(p, 0);
	assert_machine_ok(mv);
	machine_shutdown(mv);
	machine_bind_cpu(m, 0);
}

/* Zonelists follow the distance table: node 0 falls back to node 2 (15) before node 1 (30). */
static void test_zonelist_distance(void **state)
{
	struct machine_config cfg;
	struct machine *nm = NULL;
	const struct zoneref *zr;
	int order[3], n = 0, last = -1;

	machine_config_default(&cfg);
	cfg.nr_holes = 0;
	cfg.mem_bytes = 12ULL << 30;
	cfg.nr_nodes = 3;
	cfg.cpus_per_node = 1;
	cfg.distance[0][1] = cfg.distance[1][0] = 30;
	cfg.distance[0][2] = cfg.distance[2][0] = 15;
	cfg.distance[1][2] = cfg.distance[2][1] = 20;
	assert_int_equal(machine_boot(&cfg, &nm), 0);
	for (zr = nm->phys->node_data[0]->node_zonelists[ZONELIST_FALLBACK]._zonerefs; zr->zone; zr++)
		if (zr->zone->node != last)
			order[n++] = last = zr->zone->node;
	assert_int_equal(n, 3);
	assert_int_equal(order[0], 0);
	assert_int_equal(order[1], 2);
	assert_int_equal(order[2], 1);
	assert_int_equal(machine_node_distance(nm, 0, 2), 15);
	machine_shutdown(nm);
	machine_bind_cpu(m, 0);
}

/* A CMA area: only movable requests may take its pageblocks; /proc then shows CMA fields. */
static void test_cma(void **state)
{
	struct machine_config cfg;
	struct machine *cm = NULL;
	struct zone *z;
	struct page **held = calloc(20000, sizeof(*held)), *p;
	char *pti, *mi;
	int n = 0, in_cma = 0;

	machine_config_default(&cfg);
	cfg.nr_holes = 0;
	cfg.mem_bytes = 64ULL << 20;
	cfg.nr_nodes = 1;
	cfg.cma_bytes = 16ULL << 20;
	assert_int_equal(machine_boot(&cfg, &cm), 0);
	machine_set_debug_level(cm, 3);
	z = &cm->phys->node_data[0]->node_zones[ZONE_DMA32];
	assert_int_equal(z->cma_pages, 4096);
	assert_int_equal(zone_page_state(z, NR_FREE_CMA), 4096);
	pti = test_proc(cm, "pagetypeinfo");
	assert_non_null(strstr(pti, "type          CMA "));
	free(pti);
	mi = test_proc(cm, "meminfo");
	assert_non_null(strstr(mi, "CmaTotal:          16384 kB\n"));
	free(mi);
	/* Exhaust memory with unmovable requests: none may land in the CMA area. */
	while (n < 20000 && (held[n] = alloc_page(GFP_KERNEL | __GFP_NOWARN))) {
		if (get_pageblock_migratetype(held[n]) == MIGRATE_CMA)
			in_cma++;
		n++;
	}
	assert_int_equal(in_cma, 0);
	assert_machine_ok(cm);
	/* A movable request still succeeds, from CMA. */
	p = alloc_page(GFP_HIGHUSER_MOVABLE);
	assert_non_null(p);
	assert_int_equal(get_pageblock_migratetype(p), MIGRATE_CMA);
	__free_pages(p, 0);
	while (n-- > 0)
		__free_pages(held[n], 0);
	assert_machine_ok(cm);
	free(held);
	machine_shutdown(cm);
	machine_bind_cpu(m, 0);
}

static void test_bad_configs(void **state)
{
	struct machine_config cfg;
	struct machine *bad = NULL;

	machine_config_default(&cfg);
	cfg.nr_nodes = 0;
	assert_int_equal(machine_boot(&cfg, &bad), -EINVAL);
	machine_config_default(&cfg);
	cfg.mem_bytes = 12345;
	assert_int_equal(machine_boot(&cfg, &bad), -EINVAL);
	machine_config_default(&cfg);
	cfg.holes[3] = (struct mmlab_range){ 0x90000, 0xa0000 };	/* overlaps 0x9f000.. */
	cfg.nr_holes = 4;
	assert_int_equal(machine_boot(&cfg, &bad), -EINVAL);
	machine_config_default(&cfg);
	cfg.distance[0][1] = 5;
	assert_int_equal(machine_boot(&cfg, &bad), -EINVAL);
	machine_config_default(&cfg);
	cfg.transparent_hugepage = THP_NEVER + 1;
	assert_int_equal(machine_boot(&cfg, &bad), -EINVAL);
	cfg.transparent_hugepage = -1;
	assert_int_equal(machine_boot(&cfg, &bad), -EINVAL);
	assert_null(bad);
	machine_bind_cpu(m, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pc_layout),
		cmocka_unit_test(test_min_free_kbytes),
		cmocka_unit_test(test_watermarks),
		cmocka_unit_test(test_every_order),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_zero_and_comp),
		cmocka_unit_test(test_gfp_zones),
		cmocka_unit_test(test_gfp_names),
		cmocka_unit_test(test_fallback_claims_pageblock),
		cmocka_unit_test(test_failure_report),
		cmocka_unit_test(test_bad_free_reported),
		cmocka_unit_test(test_slowpath_modifiers),
		cmocka_unit_test(test_highatomic_reserve),
		cmocka_unit_test(test_thisnode),
		cmocka_unit_test(test_numa_counters),
		cmocka_unit_test(test_movablecore),
		cmocka_unit_test(test_cma),
		cmocka_unit_test(test_zonelist_distance),
		cmocka_unit_test(test_bad_configs),
	};

	return mmlab_run_tests(tests, setup_small, teardown);
}
