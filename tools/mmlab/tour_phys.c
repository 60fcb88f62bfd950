/*
 * tour_phys.c - the tour's physical-memory section: the machine's layout, allocations across
 * orders, zones, nodes and CPUs, and the /proc views before and after.
 */
#include <mmlab/mmlab.h>

#include "cli.h"

static void show(struct machine *m, FILE *out, const char *name)
{
	fprintf(out, "$ cat /proc/%s\n", name);
	mmlab_proc_print(m, name, out);
	fputc('\n', out);
}

int tour_phys(struct machine *m, FILE *out)
{
	const struct machine_config *cfg = machine_config(m);
	struct page *held[64];
	unsigned int orders[64];
	unsigned long addr;
	int n = 0, cpu, i;
	char log[4096];

	fprintf(out, "Booted %llu MiB of RAM on %d NUMA node(s), %d CPU(s) each. Every frame is a real\n"
		     "4 KiB page of a host arena reserved with MAP_NORESERVE; untouched memory costs nothing.\n\n",
		(unsigned long long)(cfg->mem_bytes >> 20), cfg->nr_nodes, cfg->cpus_per_node);
	show(m, out, "buddyinfo");

	fprintf(out, "Allocating: order 0..10 with GFP_KERNEL, order 0 from every CPU (each CPU\n"
		     "fills its per-CPU list with a batch), GFP_DMA and GFP_DMA32 pages, and a\n"
		     "zeroed page whose bytes we write and read back.\n\n");
	for (i = 0; i <= 10; i++)
		if ((held[n] = alloc_pages(GFP_KERNEL, (unsigned int)i)))
			orders[n++] = (unsigned int)i;
	for (cpu = 0; cpu < machine_nr_cpus(m); cpu++) {
		machine_bind_cpu(m, cpu);
		if ((held[n] = alloc_page(GFP_HIGHUSER_MOVABLE)))
			orders[n++] = 0;
	}
	machine_bind_cpu(m, 0);
	if ((held[n] = alloc_page(GFP_DMA)))
		orders[n++] = 0;
	if ((held[n] = alloc_pages(GFP_DMA32, 2)))
		orders[n++] = 2;
	addr = get_zeroed_page(GFP_KERNEL);
	if (addr) {
		char *p = (char *)addr;

		p[0] = 'm';
		p[4095] = 'M';
		fprintf(out, "get_zeroed_page() = pfn %#lx; wrote 'm' .. 'M' and read back '%c' .. '%c'\n\n",
			page_to_pfn(virt_to_page(p)), p[0], p[4095]);
	}
	for (i = 0; i < n; i++)
		fprintf(out, "  page pfn %#9lx  node %d  zone %-7s  migratetype %s\n", page_to_pfn(held[i]),
			page_to_nid(held[i]),
			(const char *[]){ "DMA", "DMA32", "Normal", "Movable", "Device" }[page_zonenum(held[i])],
			(const char *[]){ "Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA",
					  "Isolate" }[get_pageblock_migratetype(held[i])]);
	fputc('\n', out);
	show(m, out, "buddyinfo");

	fprintf(out, "An order-11 request is beyond MAX_PAGE_ORDER. GFP_DMA order-10 requests are met\n"
		     "until the 16 MiB DMA zone would fall below its watermark plus its lowmem reserve;\n"
		     "then the allocator fails and reports it the way the kernel does:\n\n");
	machine_dmesg_clear(m);
	alloc_pages(GFP_KERNEL, 11);
	{
		struct page *dma[8];
		int k = 0;

		while (k < 8 && (dma[k] = alloc_pages(GFP_DMA, 10)))
			k++;
		fprintf(out, "GFP_DMA order-10 blocks granted: %d\n", k);
		while (k-- > 0)
			__free_pages(dma[k], 10);
	}
	machine_dmesg(m, log, sizeof(log));
	fprintf(out, "$ dmesg\n%s\n", log);

	for (i = 0; i < n; i++)
		__free_pages(held[i], orders[i]);
	free_page(addr);
	drain_all_pages(NULL);
	fprintf(out, "Freed everything and drained the per-CPU lists: the buddies merged back.\n\n");
	show(m, out, "buddyinfo");
	show(m, out, "pagetypeinfo");
	show(m, out, "meminfo");
	show(m, out, "zoneinfo");
	return 0;
}
