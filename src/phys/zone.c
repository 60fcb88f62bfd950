/*
 * zone.c - nodes and zones: their pfn ranges, watermarks, lowmem reserves, zonelists, and the
 * sizes of the per-CPU lists, computed the way the kernel computes them.
 *
 *   min_free_kbytes  = clamp(sqrt(lowmem_kbytes * 16), 128, 262144), and with THP enabled
 *                      at least min(11 pageblocks per zone up to Normal, lowmem / 20)
 *   WMARK_MIN(z)     = pages_min * managed(z) / lowmem_pages   (MOVABLE: managed/1024 in [32,128])
 *   step(z)          = max(WMARK_MIN(z) / 4, managed(z) * watermark_scale_factor / 10000)
 *   LOW = MIN + step, HIGH = LOW + step, PROMO = HIGH + step
 *   lowmem_reserve[j] of zone i (j > i) = sum of managed pages of zones i+1..j / ratio[i]
 *   pcp batch = rounddown_pow2(b + b/2) - 1 with b = min(managed >> 10, 256) / 4, at least 1
 *   pcp high  = max(low_wmark / cpus_of_node, 4 * batch); high_max uses managed / 8 instead
 *
 * Zonelists: the fallback list of node n has every populated zone of every node, nodes by
 * increasing distance from n (ties in round-robin order from n), and within a node zones from
 * the highest to the lowest. The no-fallback list has node n's zones only (__GFP_THISNODE).
 */
#include "phys/internal.h"

#include <math.h>

const char *const zone_names[MAX_NR_ZONES] = { "DMA", "DMA32", "Normal", "Movable", "Device" };

const char *const migratetype_names[MIGRATE_TYPES] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate",
};

#define DMA_END_PFN	(16UL << (20 - PAGE_SHIFT))
#define DMA32_END_PFN	(4UL << (30 - PAGE_SHIFT))
#define MAX_ORDER_NR_PAGES (1UL << MAX_PAGE_ORDER)

static unsigned long ram_pages_in(const struct machine *m, unsigned long start, unsigned long end)
{
	unsigned long n = 0;
	int i;

	for (i = 0; i < m->phys->nr_ram; i++) {
		unsigned long s = MAX(start, m->phys->ram[i].start), e = MIN(end, m->phys->ram[i].end);

		if (s < e)
			n += e - s;
	}
	return n;
}

/* The pfn of the @idx-th RAM page (0-based). */
static unsigned long ram_index_to_pfn(const struct machine *m, unsigned long idx)
{
	int i;

	for (i = 0; i < m->phys->nr_ram; i++) {
		unsigned long n = m->phys->ram[i].end - m->phys->ram[i].start;

		if (idx < n)
			return m->phys->ram[i].start + idx;
		idx -= n;
	}
	return m->phys->max_pfn;
}

static unsigned long first_ram_pfn(const struct machine *m, unsigned long start, unsigned long end)
{
	int i;

	for (i = 0; i < m->phys->nr_ram; i++) {
		unsigned long s = MAX(start, m->phys->ram[i].start);

		if (s < MIN(end, m->phys->ram[i].end))
			return s;
	}
	return end;
}

static unsigned long last_ram_pfn_end(const struct machine *m, unsigned long start, unsigned long end)
{
	int i;

	for (i = m->phys->nr_ram - 1; i >= 0; i--) {
		unsigned long e = MIN(end, m->phys->ram[i].end);

		if (MAX(start, m->phys->ram[i].start) < e)
			return e;
	}
	return start;
}

/* Lowest pfn such that [pfn, end) holds at least @want RAM pages. */
static unsigned long pfn_with_ram_above(const struct machine *m, unsigned long start,
					unsigned long end, unsigned long want)
{
	unsigned long lo = start, hi = end;

	while (lo < hi) {
		unsigned long mid = lo + (hi - lo + 1) / 2;

		if (ram_pages_in(m, mid, end) >= want)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static void zone_init_one(struct machine *m, pg_data_t *pgdat, enum zone_type zt,
			  unsigned long start, unsigned long end)
{
	struct zone *zone = &pgdat->node_zones[zt];
	int o, t;

	zone->zone_pgdat = pgdat;
	zone->node = pgdat->node_id;
	zone->idx = zt;
	zone->name = zone_names[zt];
	mm_lock_init(&zone->lock);
	for (o = 0; o < NR_PAGE_ORDERS; o++)
		for (t = 0; t < MIGRATE_TYPES; t++)
			INIT_LIST_HEAD(&zone->free_area[o].free_list[t]);
	if (start < end) {
		start = first_ram_pfn(m, start, end);
		end = last_ram_pfn_end(m, start, end);
	}
	if (start >= end)
		return;
	zone->zone_start_pfn = start;
	zone->spanned_pages = end - start;
	zone->present_pages = ram_pages_in(m, start, end);
	atomic_init(&zone->managed_pages, (long)zone->present_pages);
	zone->pageblock_base_pfn = ALIGN_DOWN(start, pageblock_nr_pages);
}

/* Lay out nodes and zones (spans and present pages); no frame is touched here. */
static int layout_nodes(struct machine *m)
{
	unsigned long total = m->cfg.mem_bytes >> PAGE_SHIFT;
	unsigned long bound[MMLAB_MAX_NUMNODES + 1];
	unsigned long movable_per_node = (m->cfg.movablecore_bytes >> PAGE_SHIFT) / m->nr_nodes;
	unsigned long movable_floor;
	int n;

	bound[0] = 0;
	bound[m->nr_nodes] = m->phys->max_pfn;
	for (n = 1; n < m->nr_nodes; n++) {
		unsigned long b = ram_index_to_pfn(m, total * (unsigned long)n / m->nr_nodes);

		bound[n] = ALIGN_DOWN(b, MAX_ORDER_NR_PAGES);
		if (bound[n] <= bound[n - 1])
			return -EINVAL;
	}
	/* ZONE_MOVABLE comes out of the highest zone of the machine, as movablecore= does. */
	movable_floor = m->phys->max_pfn > DMA32_END_PFN ? DMA32_END_PFN : DMA_END_PFN;

	for (n = 0; n < m->nr_nodes; n++) {
		pg_data_t *pgdat = m->phys->node_data[n];
		unsigned long start = first_ram_pfn(m, bound[n], bound[n + 1]);
		unsigned long end = last_ram_pfn_end(m, bound[n], bound[n + 1]);
		unsigned long movable_start = end;
		static const unsigned long zlow[MAX_NR_ZONES] = { 0, DMA_END_PFN, DMA32_END_PFN, 0, 0 };
		static const unsigned long zhigh[MAX_NR_ZONES] = { DMA_END_PFN, DMA32_END_PFN, ~0UL, 0, 0 };
		int zt;

		if (start >= end)
			return -EINVAL;
		pgdat->node_id = n;
		pgdat->machine = m;
		pgdat->node_start_pfn = start;
		pgdat->node_spanned_pages = end - start;
		pgdat->node_present_pages = ram_pages_in(m, start, end);
		if (movable_per_node) {
			movable_start = pfn_with_ram_above(m, start, end, movable_per_node);
			movable_start = ALIGN_UP(movable_start, MAX_ORDER_NR_PAGES);
			movable_start = MAX(movable_start, MAX(start, movable_floor));
			if (movable_start >= end)
				movable_start = end;
		}
		for (zt = ZONE_DMA; zt <= ZONE_NORMAL; zt++)
			zone_init_one(m, pgdat, (enum zone_type)zt, MAX(start, zlow[zt]),
				      MIN(MIN(end, zhigh[zt]), movable_start));
		zone_init_one(m, pgdat, ZONE_MOVABLE, movable_start, end);
		zone_init_one(m, pgdat, ZONE_DEVICE, 0, 0);
		pgdat->nr_zones = 0;
		for (zt = 0; zt < MAX_NR_ZONES; zt++)
			if (populated_zone(&pgdat->node_zones[zt]))
				pgdat->nr_zones = zt + 1;
		m->phys->totalram_pages += pgdat->node_present_pages;
	}
	return 0;
}

static void build_zonelists(struct machine *m)
{
	int n, i, j, k;

	for (n = 0; n < m->nr_nodes; n++) {
		pg_data_t *pgdat = m->phys->node_data[n];
		int order[MMLAB_MAX_NUMNODES];
		struct zoneref *zr;

		for (i = 0; i < m->nr_nodes; i++)
			order[i] = (n + i) % m->nr_nodes;
		/* Stable sort by distance keeps the round-robin order among equals. */
		for (i = 1; i < m->nr_nodes; i++)
			for (j = i; j > 0 && m->cfg.distance[n][order[j]] < m->cfg.distance[n][order[j - 1]]; j--) {
				int t = order[j];

				order[j] = order[j - 1];
				order[j - 1] = t;
			}
		zr = pgdat->node_zonelists[ZONELIST_FALLBACK]._zonerefs;
		for (i = 0; i < m->nr_nodes; i++)
			for (k = MAX_NR_ZONES - 1; k >= 0; k--) {
				struct zone *z = &m->phys->node_data[order[i]]->node_zones[k];

				if (populated_zone(z))
					*zr++ = (struct zoneref){ z, k };
			}
		*zr = (struct zoneref){ NULL, 0 };
		zr = pgdat->node_zonelists[ZONELIST_NOFALLBACK]._zonerefs;
		for (k = MAX_NR_ZONES - 1; k >= 0; k--)
			if (populated_zone(&pgdat->node_zones[k]))
				*zr++ = (struct zoneref){ &pgdat->node_zones[k], k };
		*zr = (struct zoneref){ NULL, 0 };
	}
}

/* Managed pages of all zones up to @highest, less their high watermarks (nr_free_zone_pages). */
unsigned long nr_free_zone_pages_upto(const struct machine *m, enum zone_type highest)
{
	struct zone *zone;
	unsigned long sum = 0;
	int nid;

	for_each_zone(m, nid, zone) {
		unsigned long managed = zone_managed_pages(zone), high = high_wmark_pages(zone);

		if (zone->idx <= highest && managed > high)
			sum += managed - high;
	}
	return sum;
}

static void calculate_min_free_kbytes(struct machine *m)
{
	unsigned long lowmem_kbytes = nr_free_zone_pages_upto(m, ZONE_NORMAL) * (PAGE_SIZE >> 10);
	unsigned long v = (unsigned long)sqrtl((long double)lowmem_kbytes * 16);

	/* Integer square root, exact: fix the floating estimate. */
	while (v * v > lowmem_kbytes * 16)
		v--;
	while ((v + 1) * (v + 1) <= lowmem_kbytes * 16)
		v++;
	if (m->cfg.min_free_kbytes)
		m->phys->min_free_kbytes = m->cfg.min_free_kbytes;
	else
		m->phys->min_free_kbytes = (int)MIN(MAX(v, 128UL), 262144UL);
}

/*
 * With transparent huge pages enabled, khugepaged raises min_free_kbytes when it starts, so
 * that the zones user allocations use keep free pageblocks for huge pages and for migratetype
 * fallbacks: two pageblocks per zone, plus one for every ordered pair of the three pcp
 * migratetypes, never more than a twentieth of lowmem above the high watermarks. True if it
 * raised the value (the watermarks are then stale).
 */
static bool set_recommended_min_free_kbytes(struct machine *m)
{
	unsigned long zones = 0, pages, kbytes;
	struct zone *zone;
	int nid;

	if (m->cfg.transparent_hugepage == THP_NEVER || m->cfg.min_free_kbytes)
		return false;
	for_each_zone(m, nid, zone)
		if (populated_zone(zone) && zone->idx <= ZONE_NORMAL)
			zones++;
	pages = pageblock_nr_pages * zones * (2 + MIGRATE_PCPTYPES * MIGRATE_PCPTYPES);
	pages = MIN(pages, nr_free_zone_pages_upto(m, ZONE_NORMAL) / 20);
	kbytes = pages << (PAGE_SHIFT - 10);
	if (kbytes <= (unsigned long)m->phys->min_free_kbytes)
		return false;
	m->phys->min_free_kbytes = (int)kbytes;
	return true;
}

void init_per_zone_wmark_min(struct machine *m)
{
	struct zone *zone;
	int nid;

	calculate_min_free_kbytes(m);
	setup_per_zone_wmarks(m);
	if (set_recommended_min_free_kbytes(m))
		setup_per_zone_wmarks(m);
	setup_per_zone_lowmem_reserve(m);
	for_each_zone(m, nid, zone)
		zone_pcp_update(zone);
}

void setup_per_zone_wmarks(struct machine *m)
{
	unsigned long pages_min = (unsigned long)m->phys->min_free_kbytes >> (PAGE_SHIFT - 10);
	unsigned long lowmem_pages = 0;
	struct zone *zone;
	int nid;

	for_each_zone(m, nid, zone)
		if (zone->idx != ZONE_MOVABLE)
			lowmem_pages += zone_managed_pages(zone);

	for_each_zone(m, nid, zone) {
		unsigned long managed = zone_managed_pages(zone);
		unsigned long tmp = lowmem_pages ? pages_min * managed / lowmem_pages : 0;

		mm_lock(&zone->lock);
		if (zone->idx == ZONE_MOVABLE) {
			unsigned long min_pages = managed / 1024;

			zone->_watermark[WMARK_MIN] = MIN(MAX(min_pages, 32UL), 128UL);
		} else {
			zone->_watermark[WMARK_MIN] = tmp;
		}
		tmp = MAX(tmp >> 2, managed * (unsigned long)m->cfg.watermark_scale_factor / 10000);
		zone->watermark_boost = 0;
		zone->_watermark[WMARK_LOW] = zone->_watermark[WMARK_MIN] + tmp;
		zone->_watermark[WMARK_HIGH] = zone->_watermark[WMARK_LOW] + tmp;
		zone->_watermark[WMARK_PROMO] = zone->_watermark[WMARK_HIGH] + tmp;
		mm_unlock(&zone->lock);
	}
}

void setup_per_zone_lowmem_reserve(struct machine *m)
{
	int nid, i, j;

	for_each_online_node(m, nid) {
		pg_data_t *pgdat = m->phys->node_data[nid];

		for (i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *zone = &pgdat->node_zones[i];
			int ratio = m->cfg.lowmem_reserve_ratio[i];
			bool clear = !ratio || !zone_managed_pages(zone);
			unsigned long managed = 0;

			for (j = i + 1; j < MAX_NR_ZONES; j++) {
				managed += zone_managed_pages(&pgdat->node_zones[j]);
				zone->lowmem_reserve[j] = clear ? 0 : (long)(managed / (unsigned long)ratio);
			}
		}
	}
	/* totalreserve_pages: what the kernel keeps out of MemAvailable. */
	m->phys->totalreserve_pages = 0;
	for_each_online_node(m, nid) {
		for (i = 0; i < MAX_NR_ZONES; i++) {
			struct zone *zone = &m->phys->node_data[nid]->node_zones[i];
			unsigned long max = 0;

			for (j = i; j < MAX_NR_ZONES; j++)
				max = MAX(max, (unsigned long)zone->lowmem_reserve[j]);
			max += high_wmark_pages(zone);
			m->phys->totalreserve_pages += MIN(max, zone_managed_pages(zone));
		}
	}
}

static int zone_batchsize(const struct zone *zone)
{
	unsigned long batch = MIN(zone_managed_pages(zone) >> 10, (1UL << 20) / PAGE_SIZE);

	batch /= 4;
	if (batch < 1)
		batch = 1;
	batch += batch / 2;
	while (batch & (batch - 1))	/* round down to a power of two */
		batch &= batch - 1;
	return (int)MAX(batch - 1, 1UL);
}

static int zone_highsize(const struct zone *zone, int batch, int high_fraction, int node_cpus)
{
	unsigned long total = high_fraction ? zone_managed_pages(zone) / (unsigned long)high_fraction
					    : low_wmark_pages(zone);
	unsigned long high = total / (unsigned long)node_cpus;

	return (int)MAX(high, (unsigned long)batch << 2);
}

/* Recompute the per-CPU list sizes of @zone from its watermarks (zone_pcp_update). */
void zone_pcp_update(struct zone *zone)
{
	struct machine *m = zone->zone_pgdat->machine;
	int fraction = m->cfg.percpu_pagelist_high_fraction;
	int cpus = m->cfg.cpus_per_node, c;

	zone->pageset_batch = zone_batchsize(zone);
	zone->pageset_high_min = zone_highsize(zone, zone->pageset_batch, fraction, cpus);
	zone->pageset_high_max = fraction ? zone->pageset_high_min
					  : zone_highsize(zone, zone->pageset_batch, 8, cpus);
	if (!zone->per_cpu_pageset)
		return;
	for (c = 0; c < m->nr_cpus; c++) {
		struct per_cpu_pages *pcp = &zone->per_cpu_pageset[c];

		pcp_lock(pcp);
		pcp->batch = zone->pageset_batch;
		pcp->high_min = zone->pageset_high_min;
		pcp->high_max = zone->pageset_high_max;
		pcp->high = CLAMP(pcp->high, pcp->high_min, pcp->high_max);
		/* Room in the CPU's cache slice for more than three batches: keep one (see pcp.c). */
		if (((unsigned long)m->cfg.cache_slice_kbytes >> (PAGE_SHIFT - 10)) >
		    3UL * (unsigned long)pcp->batch)
			pcp->flags |= PCPF_FREE_HIGH_BATCH;
		else
			pcp->flags &= ~PCPF_FREE_HIGH_BATCH;
		pcp_unlock(pcp);
	}
}

int phys_zones_init(struct machine *m)
{
	struct zone *zone;
	int n, err;

	for (n = 0; n < m->nr_nodes; n++) {
		m->phys->node_data[n] = aligned_alloc(64, ALIGN_UP(sizeof(pg_data_t), 64));
		if (!m->phys->node_data[n]) {
			err = -ENOMEM;
			goto out_free;
		}
		memset(m->phys->node_data[n], 0, sizeof(pg_data_t));
	}
	err = layout_nodes(m);
	if (err)
		goto out_free;
	for_each_zone(m, n, zone) {
		unsigned long blocks;

		if (!zone->spanned_pages)
			continue;
		blocks = (zone_end_pfn(zone) - zone->pageblock_base_pfn + pageblock_nr_pages - 1) >>
			 pageblock_order;
		zone->pageblock_mt = calloc(blocks, 1);
		if (!zone->pageblock_mt) {
			err = -ENOMEM;
			goto out_free;
		}
		/* Boot memory is all MOVABLE, as the kernel's memmap_init marks it. */
		while (blocks--)
			atomic_init(&zone->pageblock_mt[blocks], MIGRATE_MOVABLE);
	}
	build_zonelists(m);
	init_per_zone_wmark_min(m);
	return 0;

out_free:
	phys_zones_exit(m);
	return err;
}

void phys_zones_exit(struct machine *m)
{
	int n, zt;

	for (n = 0; n < m->nr_nodes; n++) {
		if (!m->phys->node_data[n])
			continue;
		for (zt = 0; zt < MAX_NR_ZONES; zt++) {
			struct zone *zone = &m->phys->node_data[n]->node_zones[zt];

			free((void *)zone->pageblock_mt);
			if (zone->name)
				mm_lock_destroy(&zone->lock);
		}
		free(m->phys->node_data[n]);
		m->phys->node_data[n] = NULL;
	}
}

long global_zone_page_state(const struct machine *m, enum zone_stat_item item)
{
	struct zone *zone;
	long sum = 0;
	int nid;

	for_each_zone(m, nid, zone)
		sum += zone_page_state(zone, item);
	return sum;
}

long global_node_page_state(const struct machine *m, enum node_stat_item item)
{
	long sum = 0;
	int nid;

	for_each_online_node(m, nid)
		sum += node_page_state(m->phys->node_data[nid], item);
	return sum;
}
