/*
 * buddyinfo.c - /proc/buddyinfo and /proc/pagetypeinfo: free blocks per order, per zone and
 * per migratetype, in the kernel's layout. Like the reference kernel (built without CONFIG_CMA),
 * the CMA type is listed only when the machine has a CMA area.
 */
#include "phys/internal.h"
#include "proc/proc.h"

/* CMA is listed only on a machine with a CMA area (a kernel built with CONFIG_CMA). */
static bool type_listed(const struct machine *m, int mt)
{
	return mt != MIGRATE_CMA || m->cfg.cma_bytes;
}

int proc_buddyinfo_show(struct machine *m, struct seq_buf *s)
{
	struct zone *zone;
	int nid, o;

	for_each_zone(m, nid, zone) {
		if (!populated_zone(zone))
			continue;
		seq_printf(s, "Node %d, zone %8s ", nid, zone->name);
		mm_lock(&zone->lock);
		for (o = 0; o < NR_PAGE_ORDERS; o++)
			seq_printf(s, "%6ld ", stat_read(&zone->free_area[o].nr_free));
		mm_unlock(&zone->lock);
		seq_putc(s, '\n');
	}
	return 0;
}

int proc_pagetypeinfo_show(struct machine *m, struct seq_buf *s)
{
	struct zone *zone;
	int nid, o, mt;

	seq_printf(s, "Page block order: %d\n", pageblock_order);
	seq_printf(s, "Pages per block:  %lu\n\n", pageblock_nr_pages);
	seq_printf(s, "%-43s ", "Free pages count per migrate type at order");
	for (o = 0; o < NR_PAGE_ORDERS; o++)
		seq_printf(s, "%6d ", o);
	seq_putc(s, '\n');
	for_each_zone(m, nid, zone) {
		if (!populated_zone(zone))
			continue;
		mm_lock(&zone->lock);
		for (mt = 0; mt < MIGRATE_TYPES; mt++) {
			if (!type_listed(m, mt))
				continue;
			seq_printf(s, "Node %4d, zone %8s, type %12s ", nid, zone->name,
				   migratetype_names[mt]);
			for (o = 0; o < NR_PAGE_ORDERS; o++) {
				unsigned long n = (unsigned long)stat_read(&zone->free_area[o].nr_free_mt[mt]);
				/* The kernel stops counting a list at 100000 entries. */
				bool overflow = n > 100000;

				seq_printf(s, "%s%6lu ", overflow ? ">" : "", overflow ? 100000UL : n);
			}
			seq_putc(s, '\n');
		}
		mm_unlock(&zone->lock);
	}
	seq_printf(s, "\n%-23s", "Number of blocks type ");
	for (mt = 0; mt < MIGRATE_TYPES; mt++)
		if (type_listed(m, mt))
			seq_printf(s, "%12s ", migratetype_names[mt]);
	seq_putc(s, '\n');
	for_each_zone(m, nid, zone) {
		unsigned long count[MIGRATE_TYPES] = { 0 }, pfn;

		if (!populated_zone(zone))
			continue;
		for (pfn = zone->zone_start_pfn; pfn < zone_end_pfn(zone);
		     pfn = ALIGN_DOWN(pfn, pageblock_nr_pages) + pageblock_nr_pages) {
			/*
			 * Like the kernel, count a block if its 128 MiB memory section is online,
			 * i.e. holds some RAM; small holes inside a section still count.
			 */
			unsigned long sec = ALIGN_DOWN(pfn, PAGES_PER_SECTION);
			bool ram = false;
			int i;

			for (i = 0; i < m->phys->nr_ram && !ram; i++)
				ram = MAX(sec, m->phys->ram[i].start) < MIN(sec + PAGES_PER_SECTION, m->phys->ram[i].end);
			if (ram)
				count[get_pfnblock_migratetype(zone, pfn)]++;
		}
		seq_printf(s, "Node %d, zone %8s ", nid, zone->name);
		for (mt = 0; mt < MIGRATE_TYPES; mt++)
			if (type_listed(m, mt))
				seq_printf(s, "%12lu ", count[mt]);
		seq_putc(s, '\n');
	}
	return 0;
}
