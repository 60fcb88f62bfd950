/*
 * ptdump.c - /sys/kernel/debug/page_tables/kernel: init_mm's page tables as the kernel's ptdump
 * prints them: runs of equal protection at equal level, one line each,
 *
 *   0x<start 16 digits>-0x<end 16 digits>   <size %9lu><unit> <flags, 30 columns> <level>
 *
 * the size in the largest unit (B K M G T P E) that divides it, the flags USR RW/ro PWT PCD
 * PSE PAT GLB NX/x (blank columns where clear, 30 blanks for a non-present run), the level
 * pgd pud pmd pte, and a "---[ name ]---" line where each region of the layout begins.
 *
 * What is in the tables: the run-time mappings (vmalloc, vmap, vm_map_ram, ioremap) from init_mm's
 * real tables, and the direct map of RAM described as the kernel builds it (2 MiB leaves where
 * a whole aligned 2 MiB is RAM, 1 GiB leaves with gbpages, 4 KiB pages at the edges), since mmlab
 * translates the direct map by arithmetic and keeps no tables for it (vmalloc/layout.c). The
 * kernel image, modules, vmemmap, cpu_entry_area and fixmap have no mappings here: their ranges
 * print as not present.
 */
#include "proc/proc.h"

#include "pgtable/pgtable.h"
#include "phys/internal.h"
#include "vm/mm_types.h"
#include "vmalloc/internal.h"

#define X86_PSE		0x080ULL
#define X86_PFN_MASK	0x000ffffffffff000ULL
#define LARGE_KERNEL	(PAGE_KERNEL | X86_PSE)

struct marker {
	unsigned long addr;
	const char *name;
};

struct ptdump {
	struct machine *m;
	struct seq_buf *s;
	struct marker markers[16];
	int nr_markers, cur;		/* the region the current run is in */
	bool started;
	unsigned long start;		/* of the current run */
	uint64_t prot;
	int level;
	unsigned long dm_base, dm_size;
};

static const char *const level_name[] = { "pte", "pmd", "pud", "pgd" };

static void print_run(struct ptdump *d, unsigned long end)
{
	static const char units[] = "BKMGTPE";
	unsigned long size = end - d->start;
	const char *unit = units;
	uint64_t p = d->prot;

	while (!(size & 1023) && size && unit[1]) {
		size >>= 10;
		unit++;
	}
	seq_printf(d->s, "0x%016lx-0x%016lx   %9lu%c ", d->start, end, size, *unit);
	if (!(p & 1)) {
		seq_printf(d->s, "%30s", "");
	} else {
		seq_puts(d->s, p & 0x4 ? "USR " : "    ");
		seq_puts(d->s, p & 0x2 ? "RW " : "ro ");
		seq_puts(d->s, p & 0x8 ? "PWT " : "    ");
		seq_puts(d->s, p & 0x10 ? "PCD " : "    ");
		seq_puts(d->s, d->level > 0 && (p & X86_PSE) ? "PSE " : "    ");
		seq_puts(d->s, (d->level == 0 && (p & 0x80)) || (d->level > 0 && (p & 0x1000)) ?
			 "PAT " : "    ");
		seq_puts(d->s, p & 0x100 ? "GLB " : "    ");
		seq_puts(d->s, p >> 63 ? "NX " : "x  ");
	}
	seq_printf(d->s, "%s\n", level_name[d->level]);
}

/* One entry's worth at @addr: extend the run, or end it and start another. */
static void note_page(struct ptdump *d, unsigned long addr, uint64_t prot, int level)
{
	bool crossing = d->cur + 1 < d->nr_markers && addr >= d->markers[d->cur + 1].addr;

	if (d->started && prot == d->prot && level == d->level && !crossing)
		return;
	if (d->started)
		print_run(d, addr);
	while (d->cur + 1 < d->nr_markers && addr >= d->markers[d->cur + 1].addr) {
		d->cur++;
		seq_printf(d->s, "---[ %s ]---\n", d->markers[d->cur].name);
	}
	d->started = true;
	d->start = addr;
	d->prot = prot;
	d->level = level;
}

/* RAM in the direct map over [addr, addr + span): 0 none, 1 all of it, 2 some. */
static int dm_cover(const struct ptdump *d, unsigned long addr, unsigned long span)
{
	const struct phys_state *ph = d->m->phys;
	unsigned long lo, hi, ram = 0;
	int i;

	if (addr + span - 1 < d->dm_base || addr >= d->dm_base + d->dm_size)
		return 0;
	lo = (MAX(addr, d->dm_base) - d->dm_base) >> PAGE_SHIFT;
	hi = (MIN(addr + span - 1, d->dm_base + d->dm_size - 1) - d->dm_base + 1) >> PAGE_SHIFT;
	for (i = 0; i < ph->nr_ram; i++)
		if (ph->ram[i].end > lo && ph->ram[i].start < hi)
			ram += MIN(ph->ram[i].end, hi) - MAX(ph->ram[i].start, lo);
	return !ram ? 0 : ram == span >> PAGE_SHIFT ? 1 : 2;
}

static unsigned long sign_extend(unsigned long a)
{
	return a & (1UL << 47) ? a | 0xffff000000000000UL : a;
}

static void walk(struct ptdump *d, int level, unsigned long addr, uint64_t e)
{
	unsigned long span = 1UL << (PAGE_SHIFT + 9 * level);
	int i, cover;

	if (e && (level == 0 || (level <= 2 && (e & X86_PSE)))) {
		note_page(d, addr, e & ~X86_PFN_MASK, level);
		return;
	}
	if (e) {
		const uint64_t *t = (const uint64_t *)(d->m->phys->arena + (e & X86_PFN_MASK));

		for (i = 0; i < PTRS_PER_TABLE; i++)
			walk(d, level - 1, addr + (unsigned long)i * (span >> 9), t[i]);
		return;
	}
	cover = dm_cover(d, addr, span);
	if (!cover) {
		note_page(d, addr, 0, level);
	} else if (level == 0) {
		note_page(d, addr, PAGE_KERNEL, 0);
	} else if (cover == 1 && (level == 1 || (level == 2 && d->m->cfg.gbpages))) {
		note_page(d, addr, LARGE_KERNEL, level);
	} else {
		for (i = 0; i < PTRS_PER_TABLE; i++)
			walk(d, level - 1, addr + (unsigned long)i * (span >> 9), 0);
	}
}

int proc_ptdump_kernel_show(struct machine *m, struct seq_buf *s)
{
	struct vmalloc_state *vs = m->vmalloc;
	const struct kernel_layout *l;
	struct ptdump d = { .m = m, .s = s, .cur = -1 };
	const uint64_t *pgd;
	int i;

	if (!vs)
		return -ENOENT;
	if (m->cfg.arch == MM_ARCH_ARM64)
		return -ENOENT;		/* the x86 format only */
	l = &vs->layout;
	d.dm_base = l->page_offset_base;
	d.dm_size = m->phys->max_pfn << PAGE_SHIFT;
	d.markers[d.nr_markers++] = (struct marker){ 0, "User Space" };
	d.markers[d.nr_markers++] = (struct marker){ 0xffff800000000000UL, "Kernel Space" };
	d.markers[d.nr_markers++] = (struct marker){ 0xffff880000000000UL, "LDT remap" };
	d.markers[d.nr_markers++] = (struct marker){ l->page_offset_base, "Low Kernel Mapping" };
	d.markers[d.nr_markers++] = (struct marker){ l->vmalloc_start, "vmalloc() Area" };
	d.markers[d.nr_markers++] = (struct marker){ l->vmemmap_base, "Vmemmap" };
	d.markers[d.nr_markers++] = (struct marker){ l->cpu_entry_area_base, "CPU entry Area" };
	d.markers[d.nr_markers++] = (struct marker){ ESPFIX_BASE_ADDR, "ESPfix Area" };
	d.markers[d.nr_markers++] = (struct marker){ EFI_VA_END, "EFI Runtime Services" };
	d.markers[d.nr_markers++] = (struct marker){ l->kernel_map_start, "High Kernel Mapping" };
	d.markers[d.nr_markers++] = (struct marker){ l->modules_vaddr, "Modules" };
	d.markers[d.nr_markers++] = (struct marker){ l->modules_end, "End Modules" };
	d.markers[d.nr_markers++] = (struct marker){ l->fixaddr_start, "Fixmap Area" };
	mm_lock(&vs->lock);
	pgd = vs->init_mm->pgd;
	for (i = 0; i < PTRS_PER_TABLE; i++)
		walk(&d, 3, sign_extend((unsigned long)i << 39), pgd ? pgd[i] : 0);
	mm_unlock(&vs->lock);
	if (d.started)
		print_run(&d, 0);	/* the last run ends at the top of the address space */
	return 0;
}
