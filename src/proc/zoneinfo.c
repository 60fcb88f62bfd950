/*
 * zoneinfo.c - /proc/zoneinfo: per zone, the watermarks, spans, reserves, counters and
 * per-CPU list sizes, in the kernel's order and layout. The per-node counters are printed with
 * the node's first populated zone, as the kernel prints them.
 */
#include "phys/internal.h"
#include "proc/proc.h"

/* The kernel's per-CPU counter fold threshold (calculate_normal_threshold). */
static int stat_threshold(const struct machine *m, const struct zone *zone)
{
	unsigned long mem = zone_managed_pages(zone) >> (27 - PAGE_SHIFT);
	int cpus_fls = 32 - __builtin_clz((unsigned int)m->nr_cpus);
	int mem_fls = mem ? 64 - __builtin_clzl(mem) : 0;
	int t = 2 * cpus_fls * (1 + mem_fls);

	return MIN(t, 125);
}

static long zone_numa_event(const struct machine *m, const struct zone *zone, int item)
{
	long sum = 0;
	int c;

	for (c = 0; c < m->nr_cpus; c++)
		sum += pcp_numa_event(&zone->per_cpu_pageset[c], item);
	if (item == NUMA_FOREIGN)
		sum += stat_read(&zone->numa_foreign);
	return sum;
}

int proc_zoneinfo_show(struct machine *m, struct seq_buf *s)
{
	struct zone *zone;
	int nid, i;

	for_each_zone(m, nid, zone) {
		pg_data_t *pgdat = m->phys->node_data[nid];
		bool first_populated = populated_zone(zone);

		for (i = 0; i < (int)zone->idx && first_populated; i++)
			if (populated_zone(&pgdat->node_zones[i]))
				first_populated = false;
		seq_printf(s, "Node %d, zone %8s", nid, zone->name);
		if (first_populated) {
			seq_puts(s, "\n  per-node stats");
			for (i = 0; i < NR_VM_NODE_STAT_ITEMS; i++)
				seq_printf(s, "\n      %-12s %ld", node_stat_names[i],
					   node_page_state(pgdat, (enum node_stat_item)i));
		}
		seq_printf(s, "\n  pages free     %ld", zone_page_state(zone, NR_FREE_PAGES));
		seq_printf(s, "\n        boost    %lu", zone->watermark_boost);
		seq_printf(s, "\n        min      %lu", min_wmark_pages(zone));
		seq_printf(s, "\n        low      %lu", low_wmark_pages(zone));
		seq_printf(s, "\n        high     %lu", high_wmark_pages(zone));
		seq_printf(s, "\n        promo    %lu", wmark_pages(zone, WMARK_PROMO));
		seq_printf(s, "\n        spanned  %lu", zone->spanned_pages);
		seq_printf(s, "\n        present  %lu", zone->present_pages);
		seq_printf(s, "\n        managed  %lu", zone_managed_pages(zone));
		seq_printf(s, "\n        cma      %lu", zone->cma_pages);
		seq_printf(s, "\n        protection: (%ld", zone->lowmem_reserve[0]);
		for (i = 1; i < MAX_NR_ZONES; i++)
			seq_printf(s, ", %ld", zone->lowmem_reserve[i]);
		seq_putc(s, ')');
		if (!populated_zone(zone)) {
			seq_putc(s, '\n');
			continue;
		}
		for (i = 0; i < NR_VM_ZONE_STAT_ITEMS; i++)
			seq_printf(s, "\n      %-12s %ld", zone_stat_names[i],
				   zone_page_state(zone, (enum zone_stat_item)i));
		for (i = 0; i < NR_VM_NUMA_EVENT_ITEMS; i++)
			seq_printf(s, "\n      %-12s %ld", numa_stat_names[i], zone_numa_event(m, zone, i));
		seq_puts(s, "\n  pagesets");
		for (i = 0; i < m->nr_cpus; i++) {
			struct per_cpu_pages *pcp = &zone->per_cpu_pageset[i];
			int count, high, batch, high_min, high_max;

			pcp_lock(pcp);
			count = pcp->count;
			high = pcp->high;
			batch = pcp->batch;
			high_min = pcp->high_min;
			high_max = pcp->high_max;
			pcp_unlock(pcp);
			seq_printf(s, "\n    cpu: %i\n              count:    %i\n              high:     %i"
				   "\n              batch:    %i\n              high_min: %i"
				   "\n              high_max: %i", i, count, high, batch, high_min, high_max);
			seq_printf(s, "\n  vm stats threshold: %d", stat_threshold(m, zone));
		}
		seq_printf(s, "\n  node_unreclaimable:  %u\n  start_pfn:           %lu", 0u,
			   zone->zone_start_pfn);
		seq_putc(s, '\n');
	}
	return 0;
}
