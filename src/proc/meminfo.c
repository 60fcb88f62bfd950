/*
 * meminfo.c - /proc/meminfo and /proc/vmstat.
 *
 * MemAvailable is the kernel's estimate: free pages less the reserves the kernel keeps
 * (totalreserve_pages), plus the page cache and reclaimable slab, each less what reclaiming it
 * would leave below the low watermarks (at most half of it).
 */
#include "phys/internal.h"
#include "proc/proc.h"

#include <mmlab/mm.h>
#include <mmlab/vmalloc.h>

static long si_mem_available(struct machine *m)
{
	long available, pagecache, reclaimable, wmark_low = 0;
	struct zone *zone;
	int nid;

	for_each_zone(m, nid, zone)
		wmark_low += (long)low_wmark_pages(zone);
	available = global_zone_page_state(m, NR_FREE_PAGES) - (long)m->phys->totalreserve_pages;
	pagecache = global_node_page_state(m, NR_ACTIVE_FILE) + global_node_page_state(m, NR_INACTIVE_FILE);
	pagecache -= MIN(pagecache / 2, wmark_low);
	available += pagecache;
	reclaimable = global_node_page_state(m, NR_SLAB_RECLAIMABLE) +
		      global_node_page_state(m, NR_KERNEL_MISC_RECLAIMABLE);
	reclaimable -= MIN(reclaimable / 2, wmark_low);
	available += reclaimable;
	return available < 0 ? 0 : available;
}

static void show_kb(struct seq_buf *s, const char *name, unsigned long kb)
{
	seq_printf(s, "%-16s%8lu kB\n", name, kb);
}

static void show_pages(struct seq_buf *s, const char *name, long pages)
{
	show_kb(s, name, (unsigned long)(pages < 0 ? 0 : pages) << (PAGE_SHIFT - 10));
}

/*
 * The direct map of RAM pfns [start, end) as the kernel builds it: 1 GiB pages where a whole
 * aligned gigabyte is RAM (only with gbpages), 2 MiB pages where a whole aligned 2 MiB is,
 * 4 KiB pages for the rest. Adds the pages covered by each size to dm[0..2].
 */
static void direct_map_split(unsigned long start, unsigned long end, bool gbpages,
			     unsigned long dm[3])
{
	unsigned long g0 = ALIGN_UP(start, 1UL << 18), g1 = ALIGN_DOWN(end, 1UL << 18);
	unsigned long a, b;

	if (gbpages && g0 < g1) {
		dm[2] += g1 - g0;
		direct_map_split(start, g0, false, dm);
		direct_map_split(g1, end, false, dm);
		return;
	}
	a = ALIGN_UP(start, 512UL);
	b = ALIGN_DOWN(end, 512UL);
	if (a < b) {
		dm[1] += b - a;
		dm[0] += (end - start) - (b - a);
	} else {
		dm[0] += end - start;
	}
}

int proc_meminfo_show(struct machine *m, struct seq_buf *s)
{
	long file = global_node_page_state(m, NR_FILE_PAGES);
	long sreclaimable = global_node_page_state(m, NR_SLAB_RECLAIMABLE);
	long sunreclaim = global_node_page_state(m, NR_SLAB_UNRECLAIMABLE);
	unsigned long dm[3] = { 0 };	/* 4k, 2M, 1G */
	int i;

	for (i = 0; i < m->phys->nr_ram; i++)
		direct_map_split(m->phys->ram[i].start, m->phys->ram[i].end, m->cfg.gbpages, dm);
	show_pages(s, "MemTotal:", (long)m->phys->totalram_pages);
	show_pages(s, "MemFree:", global_zone_page_state(m, NR_FREE_PAGES));
	show_pages(s, "MemAvailable:", si_mem_available(m));
	show_pages(s, "Buffers:", 0);
	show_pages(s, "Cached:", file - global_node_page_state(m, NR_SWAPCACHED));
	show_pages(s, "SwapCached:", global_node_page_state(m, NR_SWAPCACHED));
	show_pages(s, "Active:", global_node_page_state(m, NR_ACTIVE_ANON) + global_node_page_state(m, NR_ACTIVE_FILE));
	show_pages(s, "Inactive:", global_node_page_state(m, NR_INACTIVE_ANON) + global_node_page_state(m, NR_INACTIVE_FILE));
	show_pages(s, "Active(anon):", global_node_page_state(m, NR_ACTIVE_ANON));
	show_pages(s, "Inactive(anon):", global_node_page_state(m, NR_INACTIVE_ANON));
	show_pages(s, "Active(file):", global_node_page_state(m, NR_ACTIVE_FILE));
	show_pages(s, "Inactive(file):", global_node_page_state(m, NR_INACTIVE_FILE));
	show_pages(s, "Unevictable:", global_node_page_state(m, NR_UNEVICTABLE));
	show_pages(s, "Mlocked:", global_zone_page_state(m, NR_MLOCK));
	show_pages(s, "SwapTotal:", 0);
	show_pages(s, "SwapFree:", 0);
	show_pages(s, "Zswap:", 0);
	show_pages(s, "Zswapped:", 0);
	show_pages(s, "Dirty:", global_node_page_state(m, NR_DIRTY));
	show_pages(s, "Writeback:", global_node_page_state(m, NR_WRITEBACK));
	show_pages(s, "AnonPages:", global_node_page_state(m, NR_ANON_PAGES));
	show_pages(s, "Mapped:", global_node_page_state(m, NR_MAPPED));
	show_pages(s, "Shmem:", global_node_page_state(m, NR_SHMEM));
	show_pages(s, "KReclaimable:", sreclaimable + global_node_page_state(m, NR_KERNEL_MISC_RECLAIMABLE));
	show_pages(s, "Slab:", sreclaimable + sunreclaim);
	show_pages(s, "SReclaimable:", sreclaimable);
	show_pages(s, "SUnreclaim:", sunreclaim);
	show_kb(s, "KernelStack:", (unsigned long)global_node_page_state(m, NR_KERNEL_STACK));
	show_pages(s, "PageTables:", global_node_page_state(m, NR_PAGE_TABLE_PAGES));
	show_pages(s, "SecPageTables:", global_node_page_state(m, NR_SEC_PAGE_TABLE_PAGES));
	show_pages(s, "NFS_Unstable:", 0);
	show_pages(s, "Bounce:", 0);
	show_pages(s, "WritebackTmp:", 0);
	show_pages(s, "CommitLimit:", (long)vm_commit_limit_pages(m));
	show_pages(s, "Committed_AS:", vm_committed_as_pages(m));
	/* (VMALLOC_END - VMALLOC_START) >> 10, VMALLOC_END being the area's last byte */
	show_kb(s, "VmallocTotal:", (MMLAB_VMALLOC_SIZE - 1) >> 10);
	show_pages(s, "VmallocUsed:", (long)vmalloc_nr_pages(m));
	show_pages(s, "VmallocChunk:", 0);
	show_pages(s, "Percpu:", 0);
	show_pages(s, "AnonHugePages:", global_node_page_state(m, NR_ANON_TRANSPARENT_HUGEPAGES) * 512);
	show_pages(s, "ShmemHugePages:", global_node_page_state(m, NR_SHMEM_HUGEPAGES) * 512);
	show_pages(s, "ShmemPmdMapped:", global_node_page_state(m, NR_SHMEM_PMDMAPPED) * 512);
	show_pages(s, "FileHugePages:", global_node_page_state(m, NR_FILE_HUGEPAGES) * 512);
	show_pages(s, "FilePmdMapped:", global_node_page_state(m, NR_FILE_PMDMAPPED) * 512);
	if (m->cfg.cma_bytes) {
		show_pages(s, "CmaTotal:", (long)m->phys->totalcma_pages);
		show_pages(s, "CmaFree:", global_zone_page_state(m, NR_FREE_CMA));
	}
	show_pages(s, "Balloon:", 0);
	seq_printf(s, "HugePages_Total:   %5lu\nHugePages_Free:    %5lu\nHugePages_Rsvd:    %5lu\n"
		      "HugePages_Surp:    %5lu\nHugepagesize:   %8lu kB\nHugetlb:        %8lu kB\n",
		   0UL, 0UL, 0UL, 0UL, 2048UL, 0UL);
	show_pages(s, "DirectMap4k:", (long)dm[0]);
	show_pages(s, "DirectMap2M:", (long)dm[1]);
	if (m->cfg.gbpages)
		show_pages(s, "DirectMap1G:", (long)dm[2]);
	return 0;
}

/* pgalloc_<zone> and pgfree come from the per-CPU allocation counts of each zone. */
static unsigned long zone_type_pages(struct machine *m, enum zone_type zt, bool freed)
{
	unsigned long sum = 0;
	int nid, c;

	for_each_online_node(m, nid) {
		struct zone *zone = &m->phys->node_data[nid]->node_zones[zt];

		if (!zone->per_cpu_pageset)
			continue;
		for (c = 0; c < m->nr_cpus; c++)
			sum += (unsigned long)(freed ? stat_read(&zone->per_cpu_pageset[c].nr_freed)
						     : pcp_nr_alloc(&zone->per_cpu_pageset[c]));
	}
	return sum;
}

int proc_vmstat_show(struct machine *m, struct seq_buf *s)
{
	long dirtyable;
	struct zone *zone;
	int i, nid, c;

	for (i = 0; i < NR_VM_ZONE_STAT_ITEMS; i++)
		seq_printf(s, "%s %ld\n", zone_stat_names[i], global_zone_page_state(m, (enum zone_stat_item)i));
	for (i = 0; i < NR_VM_NUMA_EVENT_ITEMS; i++) {
		long sum = 0;

		for_each_zone(m, nid, zone) {
			if (zone->per_cpu_pageset)
				for (c = 0; c < m->nr_cpus; c++)
					sum += pcp_numa_event(&zone->per_cpu_pageset[c], i);
			if (i == NUMA_FOREIGN)
				sum += stat_read(&zone->numa_foreign);
		}
		seq_printf(s, "%s %ld\n", numa_stat_names[i], sum);
	}
	for (i = 0; i < NR_VM_NODE_STAT_ITEMS; i++)
		seq_printf(s, "%s %ld\n", node_stat_names[i], global_node_page_state(m, (enum node_stat_item)i));
	dirtyable = global_zone_page_state(m, NR_FREE_PAGES);
	dirtyable -= MIN(dirtyable, (long)m->phys->totalreserve_pages);
	dirtyable += global_node_page_state(m, NR_ACTIVE_FILE) + global_node_page_state(m, NR_INACTIVE_FILE);
	seq_printf(s, "nr_dirty_threshold %ld\n", dirtyable * 20 / 100);
	seq_printf(s, "nr_dirty_background_threshold %ld\n", dirtyable * 10 / 100);
	seq_printf(s, "nr_memmap_pages %d\n", 0);
	seq_printf(s, "nr_memmap_boot_pages %lu\n", m->phys->totalram_pages * sizeof(struct page) / PAGE_SIZE);
	for (i = 0; i < NR_VM_EVENT_ITEMS; i++) {
		unsigned long v;

		if (i >= PGALLOC_DMA && i <= PGALLOC_DEVICE)
			v = zone_type_pages(m, (enum zone_type)(i - PGALLOC_DMA), false);
		else if (i == PGFREE)
			v = zone_type_pages(m, ZONE_DMA, true) + zone_type_pages(m, ZONE_DMA32, true) +
			    zone_type_pages(m, ZONE_NORMAL, true) + zone_type_pages(m, ZONE_MOVABLE, true);
		else
			v = machine_vm_event(m, (enum vm_event_item)i);
		seq_printf(s, "%s %lu\n", vm_event_names[i], v);
	}
	seq_puts(s, "nr_unstable 0\n");	/* kept by the kernel for old tools */
	return 0;
}
