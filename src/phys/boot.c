/*
 * boot.c - bringing the physical-memory layer up and down (the kernel's memblock and
 * mm_core_init, as far as this model needs them), in this order:
 *
 *   1. place RAM: from physical address 0 upward, skipping the configured holes, until
 *      cfg.mem_bytes are placed (phys->ram[], max_pfn);
 *   2. reserve the arena and the memmap for the whole physical address space (memmap.c);
 *   3. lay out nodes and zones, compute watermarks and reserves (zone.c): node n covers the
 *      n-th equal share of RAM, boundaries rounded to max-order blocks so no buddy block
 *      straddles two nodes;
 *   4. set up the per-CPU lists (pcp.c) and the fast paths' lookup tables (zone_table,
 *      fast_zone);
 *   5. type the CMA area, then hand every present frame to the buddy allocator, max-order
 *      blocks with deferred descriptors (phys_free_boot_block in buddy.c).
 * page_alloc_exit() undoes 4, 3 and 2. After boot only page_alloc.c, buddy.c and pcp.c change
 * the layer's state.
 */
#include "phys/internal.h"

/* Step 1: RAM ranges from address 0 up, around the holes; -EINVAL if they leave too little. */
static int place_ram(struct machine *m)
{
	unsigned long want = m->cfg.mem_bytes >> PAGE_SHIFT;
	unsigned long pfn = 0;
	struct mmlab_range holes[MMLAB_MAX_HOLES];
	int nr = m->cfg.nr_holes, i, j;

	memcpy(holes, m->cfg.holes, sizeof(holes));
	for (i = 1; i < nr; i++)		/* sort holes by start */
		for (j = i; j > 0 && holes[j].start < holes[j - 1].start; j--) {
			struct mmlab_range t = holes[j];

			holes[j] = holes[j - 1];
			holes[j - 1] = t;
		}
	m->phys->nr_ram = 0;
	for (i = 0; i <= nr && want; i++) {
		unsigned long stop = i < nr ? holes[i].start >> PAGE_SHIFT : ~0UL;
		unsigned long n;

		if (stop > pfn) {
			n = MIN(stop - pfn, want);
			m->phys->ram[m->phys->nr_ram].start = pfn;
			m->phys->ram[m->phys->nr_ram].end = pfn + n;
			m->phys->nr_ram++;
			want -= n;
		}
		if (i < nr)
			pfn = MAX(pfn, holes[i].end >> PAGE_SHIFT);
	}
	if (want)
		return -EINVAL;
	m->phys->max_pfn = m->phys->ram[m->phys->nr_ram - 1].end;
	return 0;
}

/*
 * The CMA area: the top of node 0's DMA32 zone (or of its highest populated zone), whole
 * max-order blocks, typed MIGRATE_CMA before any page is freed into them.
 */
static void setup_cma_area(struct machine *m)
{
	pg_data_t *pgdat = m->phys->node_data[0];
	unsigned long want = ALIGN_UP(m->cfg.cma_bytes >> PAGE_SHIFT, 1UL << MAX_PAGE_ORDER);
	unsigned long start, end, pfn;
	struct zone *zone;
	int zt;

	if (!want)
		return;
	zone = &pgdat->node_zones[ZONE_DMA32];
	for (zt = ZONE_NORMAL; !populated_zone(zone) && zt >= 0; zt--)
		zone = &pgdat->node_zones[zt];
	end = ALIGN_DOWN(zone_end_pfn(zone), 1UL << MAX_PAGE_ORDER);
	start = end > want ? end - want : 0;
	start = MAX(start, ALIGN_UP(zone->zone_start_pfn, 1UL << MAX_PAGE_ORDER));
	for (pfn = start; pfn < end; pfn += pageblock_nr_pages)
		set_pageblock_migratetype(zone, pfn, MIGRATE_CMA);
	for (pfn = start; pfn < end; pfn++)
		if (phys_pfn_is_ram(m, pfn))
			zone->cma_pages++;
	m->phys->totalcma_pages += zone->cma_pages;
}

/* Hand every present frame to the buddy allocator: max-order blocks deferred, edges by pages. */
static void free_all_boot_memory(struct machine *m)
{
	struct zone *zone;
	int nid, i;

	for_each_zone(m, nid, zone) {
		unsigned long zs = zone->zone_start_pfn, ze = zone_end_pfn(zone);

		if (!populated_zone(zone))
			continue;
		mm_lock(&zone->lock);
		for (i = 0; i < m->phys->nr_ram; i++) {
			unsigned long pfn = MAX(zs, m->phys->ram[i].start), end = MIN(ze, m->phys->ram[i].end);

			while (pfn < end) {
				unsigned int order = MAX_PAGE_ORDER;

				while (order && (!IS_ALIGNED(pfn, 1UL << order) || pfn + (1UL << order) > end))
					order--;
				phys_free_boot_block(zone, pfn, order);
				pfn += 1UL << order;
			}
		}
		zone->nr_boot_free = (unsigned long)zone_page_state(zone, NR_FREE_PAGES);
		mm_unlock(&zone->lock);
	}
}

/* The lookup tables of the fast paths: page to zone, and per CPU the zone to try first. */
static void setup_fast_lookups(struct machine *m)
{
	int c, hz, nid;

	_Static_assert(MAX_NR_ZONES <= 1 << PAGE_ZONE_BITS, "zone numbers fit their page->flags bits");
	for_each_online_node(m, nid)
		for (hz = 0; hz < MAX_NR_ZONES; hz++)
			m->phys->zone_table[nid << PAGE_ZONE_BITS | hz] = &m->phys->node_data[nid]->node_zones[hz];
	for (c = 0; c < m->nr_cpus; c++) {
		struct zonelist *zl = &m->phys->node_data[m->cpus[c].node]->node_zonelists[ZONELIST_FALLBACK];

		for (hz = 0; hz < MAX_NR_ZONES; hz++) {
			const struct zoneref *zr;

			m->phys->fast_zone[c][hz] = NULL;
			for (zr = zl->_zonerefs; zr->zone; zr++)
				if (zr->zone_idx <= hz) {
					if (zr->zone->node == m->cpus[c].node)
						m->phys->fast_zone[c][hz] = zr->zone;
					break;
				}
		}
	}
}

/*
 * page_alloc_init - bring up the physical-memory layer of @m: allocate m->phys and do steps
 * 1..5 above. Returns 0, -EINVAL if the holes leave less RAM than configured, or -ENOMEM;
 * on failure nothing is left set up.
 */
int page_alloc_init(struct machine *m)
{
	int err;

	mm_bias_init();
	m->phys = calloc(1, sizeof(*m->phys));
	if (!m->phys)
		return -ENOMEM;
	err = place_ram(m);
	if (err)
		goto out_free;
	err = memmap_init(m);
	if (err)
		goto out_free;
	err = phys_zones_init(m);
	if (err)
		goto out_memmap;
	err = pcp_init(m);
	if (err)
		goto out_zones;
	setup_fast_lookups(m);
	setup_cma_area(m);
	free_all_boot_memory(m);
	return 0;

out_zones:
	phys_zones_exit(m);
out_memmap:
	memmap_exit(m);
out_free:
	free(m->phys);
	m->phys = NULL;
	return err;
}

void page_alloc_exit(struct machine *m)
{
	pcp_exit(m);
	phys_zones_exit(m);
	memmap_exit(m);
	free(m->phys);
	m->phys = NULL;
}
