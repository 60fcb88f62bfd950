/*
 * tour_phys.c - the tour's physical-memory section: the machine's layout, allocations across
 * orders, zones, nodes and CPUs, and the /proc views before and after.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mmlab/mmlab.h>

#include "cli.h"

static void show(struct machine *m, FILE *out, const char *name)
{
	fprintf(out, "$ cat /proc/%s\n", name);
	mmlab_proc_print(m, name, out);
	fputc('\n', out);
}

/* Node 0's highest zone with pages: where GFP_KERNEL allocations come from. */
static const char *tour_zone(struct machine *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	const char *zone = "DMA32";
	char *at;

	if (!f)
		return zone;
	mmlab_proc_print(m, "zoneinfo", f);
	fclose(f);
	at = text ? strstr(text, "Node 0, zone   Normal\n") : NULL;
	at = at ? strstr(at, "present ") : NULL;
	if (at && strtol(at + 8, NULL, 10) > 0)
		zone = "Normal";
	free(text);
	return zone;
}

/*
 * Read @cpu's per-CPU list count and high for node 0's @zone from /proc/zoneinfo, the way
 * a user would. Returns 0, or -ENOENT if the zone or CPU is not there.
 */
static int pcp_state(struct machine *m, const char *zone, int cpu, int *count, int *high,
		     int *high_min)
{
	char *text = NULL, *at, key[32], head[48];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int found = -ENOENT;

	if (!f)
		return -ENOMEM;
	mmlab_proc_print(m, "zoneinfo", f);
	fclose(f);
	snprintf(key, sizeof(key), "\n    cpu: %d\n", cpu);
	snprintf(head, sizeof(head), "Node 0, zone %8s\n", zone);
	at = text ? strstr(text, head) : NULL;
	at = at ? strstr(at, key) : NULL;
	if (at && sscanf(at + strlen(key), " count: %d high: %d batch: %*d high_min: %d", count, high,
			 high_min) == 3)
		found = 0;
	free(text);
	return found;
}

/*
 * CPU 1 allocates a burst of pages and frees them: its pcp high grows so it keeps them; then
 * vmstat passes shrink it back, as the kernel's vmstat worker does once a second.
 */
static int tour_pcp_tuning(struct machine *m, FILE *out)
{
	enum { N = 3000 };
	struct page **p = calloc(N, sizeof(*p));
	int count = 0, high = 0, high_min = 0, i, passes = 0;
	const char *zone = tour_zone(m);

	if (!p)
		return -ENOMEM;
	if (machine_nr_cpus(m) < 2) {
		free(p);
		return 0;	/* the section needs a second CPU */
	}
	machine_bind_cpu(m, 1);
	fprintf(out, "Per-CPU lists size themselves (kernels since 6.7). CPU 1 allocates %d pages, then\n"
		     "frees them; /proc/zoneinfo shows its lists in node 0's %s zone:\n\n", N, zone);
	if (pcp_state(m, zone, 1, &count, &high, &high_min) == 0)
		fprintf(out, "  before              count %5d  high %5d   (high_min %d)\n", count, high,
			high_min);
	for (i = 0; i < N; i++)
		p[i] = alloc_page(GFP_KERNEL);
	if (pcp_state(m, zone, 1, &count, &high, &high_min) == 0)
		fprintf(out, "  after the allocs    count %5d  high %5d   (each refill took a bigger batch\n"
			     "                                                 and raised high)\n", count, high);
	for (i = 0; i < N; i++)
		if (p[i])
			__free_pages(p[i], 0);
	free(p);
	if (pcp_state(m, zone, 1, &count, &high, &high_min) == 0)
		fprintf(out, "  after the frees     count %5d  high %5d   (the freed pages stay for the\n"
			     "                                                 next burst)\n", count, high);
	fprintf(out, "\nThe kernel's vmstat worker lowers high by an eighth a second and gives back what is\n"
		     "over it; here each refresh_cpu_vm_stats(1) is one such pass:\n\n  high");
	while (pcp_state(m, zone, 1, &count, &high, &high_min) == 0 && passes < 64) {
		if (passes && passes % 10 == 0)
			fprintf(out, "\n      ");
		fprintf(out, "%s%d", passes ? " -> " : " ", high);
		if (refresh_cpu_vm_stats(1) <= 0)
			break;
		passes++;
	}
	fprintf(out, "\n  settled at high_min (%d) after %d passes, with %d pages on the lists.\n\n",
		high_min, passes, count);
	machine_bind_cpu(m, 0);
	return 0;
}

/* The blocks the tour holds while it shows them, with the order each was allocated with. */
struct held_pages {
	struct page **page;
	unsigned int *order;
	int n, max;
};

static void hold(struct held_pages *h, struct page *page, unsigned int order)
{
	if (page && h->n < h->max) {
		h->page[h->n] = page;
		h->order[h->n++] = order;
	}
}

static void tour_intro(struct machine *m, FILE *out)
{
	const struct machine_config *cfg = machine_config(m);

	fprintf(out, "Booted %llu MiB of RAM on %d NUMA node(s), %d CPU(s) each. Every frame is a real\n"
		     "4 KiB page of a host arena reserved with MAP_NORESERVE; untouched memory costs nothing.\n\n",
		(unsigned long long)(cfg->mem_bytes >> 20), cfg->nr_nodes, cfg->cpus_per_node);
	show(m, out, "buddyinfo");
	fprintf(out, "min_free_kbytes sizes the watermarks: sqrt(16 x lowmem KiB) at boot, then (with\n"
		     "transparent huge pages %s) raised as khugepaged does, to 11 pageblocks\n"
		     "per zone up to Normal, at most 5%% of lowmem:\n\n",
		cfg->transparent_hugepage == THP_NEVER ? "off: not raised here" : "enabled, as here");
	show(m, out, "sys/vm/min_free_kbytes");
}

/*
 * Allocate one block of every order, one page from every CPU, a DMA and a DMA32 block into @h,
 * and a zeroed page whose address is returned (0 if none), written and read back.
 */
static unsigned long tour_alloc_spread(struct machine *m, FILE *out, struct held_pages *h)
{
	unsigned long addr;
	int cpu;
	unsigned int order;

	fprintf(out, "Allocating: order 0..10 with GFP_KERNEL, order 0 from every CPU (each CPU\n"
		     "fills its per-CPU list with a batch), GFP_DMA and GFP_DMA32 pages, and a\n"
		     "zeroed page whose bytes we write and read back.\n\n");
	for (order = 0; order <= 10; order++)
		hold(h, alloc_pages(GFP_KERNEL, order), order);
	for (cpu = 0; cpu < machine_nr_cpus(m); cpu++) {
		machine_bind_cpu(m, cpu);
		hold(h, alloc_page(GFP_HIGHUSER_MOVABLE), 0);
	}
	machine_bind_cpu(m, 0);
	hold(h, alloc_page(GFP_DMA), 0);
	hold(h, alloc_pages(GFP_DMA32, 2), 2);
	addr = get_zeroed_page(GFP_KERNEL);
	if (addr) {
		char *p = (char *)addr;

		p[0] = 'm';
		p[4095] = 'M';
		fprintf(out, "get_zeroed_page() = pfn %#lx; wrote 'm' .. 'M' and read back '%c' .. '%c'\n\n",
			page_to_pfn(virt_to_page(p)), p[0], p[4095]);
	}
	return addr;
}

/* Where each held block came from: its node, zone and pageblock migratetype. */
static void show_held(struct machine *m, FILE *out, const struct held_pages *h)
{
	static const char *const zones[] = { "DMA", "DMA32", "Normal", "Movable", "Device" };
	static const char *const types[] = { "Unmovable", "Movable", "Reclaimable", "HighAtomic",
					     "CMA", "Isolate" };
	int i;

	for (i = 0; i < h->n; i++)
		fprintf(out, "  page pfn %#9lx  node %d  zone %-7s  migratetype %s\n",
			page_to_pfn(h->page[i]), page_to_nid(h->page[i]),
			zones[page_zonenum(h->page[i])], types[get_pageblock_migratetype(h->page[i])]);
	fputc('\n', out);
	show(m, out, "buddyinfo");
}

/* An order beyond MAX_PAGE_ORDER, then the DMA zone exhausted: the kernel's failure reports. */
static void tour_alloc_failure(struct machine *m, FILE *out)
{
	struct page *dma[8];
	char log[4096];
	int k = 0;

	fprintf(out, "An order-11 request is beyond MAX_PAGE_ORDER. GFP_DMA order-10 requests are met\n"
		     "until the 16 MiB DMA zone would fall below its watermark plus its lowmem reserve;\n"
		     "then the allocator fails and reports it the way the kernel does:\n\n");
	machine_dmesg_clear(m);
	alloc_pages(GFP_KERNEL, 11);	/* always NULL: the report is what we want */
	while (k < 8 && (dma[k] = alloc_pages(GFP_DMA, 10)))
		k++;
	fprintf(out, "GFP_DMA order-10 blocks granted: %d\n", k);
	while (k-- > 0)
		__free_pages(dma[k], 10);
	machine_dmesg(m, log, sizeof(log));
	fprintf(out, "$ dmesg\n%s\n", log);
}

/* Free what @h holds and the zeroed page at @addr, drain the per-CPU lists, show the views. */
static void tour_free_all(struct machine *m, FILE *out, struct held_pages *h, unsigned long addr)
{
	int i;

	for (i = 0; i < h->n; i++)
		__free_pages(h->page[i], h->order[i]);
	h->n = 0;
	free_page(addr);
	drain_all_pages(NULL);
	fprintf(out, "Freed everything and drained the per-CPU lists: the buddies merged back.\n\n");
	show(m, out, "buddyinfo");
	show(m, out, "pagetypeinfo");
	show(m, out, "meminfo");
	show(m, out, "zoneinfo");
}

int tour_phys(struct machine *m, FILE *out)
{
	/* One block per order 0..10, one page per CPU, a DMA page and a DMA32 block. */
	int max = NR_PAGE_ORDERS + machine_nr_cpus(m) + 2;
	struct held_pages h = { .page = calloc((size_t)max, sizeof(*h.page)),
				.order = calloc((size_t)max, sizeof(*h.order)), .max = max };
	unsigned long addr;
	int err = 0;

	if (!h.page || !h.order) {
		err = -ENOMEM;
		goto out;
	}
	tour_intro(m, out);
	addr = tour_alloc_spread(m, out, &h);
	show_held(m, out, &h);
	tour_alloc_failure(m, out);
	if (machine_nr_cpus(m) > 1)
		err = tour_pcp_tuning(m, out);
	tour_free_all(m, out, &h, addr);
out:
	free(h.page);
	free(h.order);
	return err;
}
