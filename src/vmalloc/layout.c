/*
 * layout.c - the kernel's virtual address space on x86-64 (4-level paging), init_mm's page
 * tables, and the translations between kernel, physical and host addresses.
 *
 * Model. The layout is Documentation/arch/x86/x86_64/mm.rst's: the direct map of every
 * physical byte at page_offset_base (__va(pa) = pa + page_offset_base), the vmalloc/ioremap
 * space (32 TiB at vmalloc_base), the vmemmap, cpu_entry_area, the %esp fixup stacks, EFI, the
 * kernel image at START_KERNEL_MAP (__pa_symbol(x) = x - START_KERNEL_MAP), modules, and the
 * fixmap below FIXADDR_TOP. With a KASLR seed the three randomised bases move as
 * kernel_randomize_memory() moves them: the room between page_offset_base and
 * CPU_ENTRY_AREA_BASE not taken by the regions (direct map: RAM rounded up to 1 TiB plus 10
 * TiB of hotplug padding; vmalloc: 32 TiB; vmemmap: what the direct map's struct pages need,
 * rounded up to 1 TiB) is the entropy; each region in turn gets a random share of what is left
 * divided by the regions left, rounded down to 1 GiB, and the next region starts at the next
 * 1 GiB boundary after it.
 *
 * init_mm's page tables. The kernel builds the direct map and the image's tables from memblock
 * before the page allocator exists, so they are not in MemFree's count; here they are not
 * built at all: the direct map and the image are translated by arithmetic, and the ptdump view
 * describes the direct map from the RAM ranges (as meminfo's DirectMap lines do). Everything
 * the kernel maps at run time - vmalloc, vmap, vm_map_ram, ioremap - is mapped in real tables
 * of pgtable.c (frames from the page allocator, counted as page tables, each one allowed to
 * fail through FAULT_PGTABLE), in an mm_struct that is init_mm's page-table half: its top
 * table is allocated on the first mapping, its tables stay until shutdown (the kernel never
 * frees vmalloc's page tables either, except an empty PTE table under a new 2 MiB leaf).
 * Kernel table entries are _KERNPG_TABLE (no _PAGE_USER), leaves PAGE_KERNEL and friends.
 */
#include "vmalloc/internal.h"

#include "pgtable/pgtable.h"
#include "phys/internal.h"
#include "vm/mm_types.h"

#define TB_SHIFT		40
#define PHYSICAL_PADDING_TB	10	/* CONFIG_RANDOMIZE_MEMORY_PHYSICAL_PADDING */
#define X86_PSE			0x080ULL

/*
 * x86-64 entries of the kernel's tables: upper entries without _PAGE_USER (_KERNPG_TABLE),
 * the user format otherwise; made once per process (machines may boot on several threads).
 */
static struct pgtable_fmt kernel_fmt_x86_64;
static pthread_once_t kernel_fmt_once = PTHREAD_ONCE_INIT;

static void kernel_fmt_init(void)
{
	kernel_fmt_x86_64 = pgtable_fmt_x86_64;
	kernel_fmt_x86_64.table = 0x063ULL;	/* P RW A D */
}

static const struct pgtable_fmt *kernel_fmt(const struct machine *m)
{
	if (m->cfg.arch == MM_ARCH_ARM64)
		return &pgtable_fmt_arm64;
	pthread_once(&kernel_fmt_once, kernel_fmt_init);
	return &kernel_fmt_x86_64;
}

static uint64_t kaslr_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void kernel_layout_init(struct machine *m, struct kernel_layout *l)
{
	l->page_offset_base = MMLAB_PAGE_OFFSET_BASE;
	l->vmalloc_start = MMLAB_VMALLOC_BASE;
	l->vmemmap_base = MMLAB_VMEMMAP_BASE;
	if (m->cfg.kaslr_seed) {
		unsigned long phys_end = m->phys->max_pfn << PAGE_SHIFT;
		unsigned long size_tb[3], *base[3] = { &l->page_offset_base, &l->vmalloc_start,
						       &l->vmemmap_base };
		unsigned long vaddr = MMLAB_PAGE_OFFSET_BASE, remain, entropy;
		uint64_t seed = m->cfg.kaslr_seed;
		int i;

		size_tb[0] = ((phys_end + (1UL << TB_SHIFT) - 1) >> TB_SHIFT) + PHYSICAL_PADDING_TB;
		size_tb[1] = MMLAB_VMALLOC_SIZE >> TB_SHIFT;
		size_tb[2] = ((size_tb[0] << (TB_SHIFT - PAGE_SHIFT)) * sizeof(struct page) +
			      (1UL << TB_SHIFT) - 1) >> TB_SHIFT;
		remain = CPU_ENTRY_AREA_BASE - vaddr;
		for (i = 0; i < 3; i++)
			remain -= size_tb[i] << TB_SHIFT;
		for (i = 0; i < 3; i++) {
			entropy = remain / (unsigned long)(3 - i);
			entropy = (kaslr_next(&seed) % (entropy + 1)) & ~(PUD_SIZE - 1);
			vaddr += entropy;
			*base[i] = vaddr;
			vaddr += size_tb[i] << TB_SHIFT;
			vaddr = ALIGN_UP(vaddr + 1, PUD_SIZE);
			remain -= entropy;
		}
	}
	l->vmalloc_end = l->vmalloc_start + MMLAB_VMALLOC_SIZE;
	l->cpu_entry_area_base = CPU_ENTRY_AREA_BASE;
	l->fixaddr_top = FIXADDR_TOP;
	l->fixaddr_start = FIXADDR_TOP - PMD_SIZE;	/* the fixmap's 2 MiB (__end_of_fixed_addresses) */
	l->kernel_map_start = START_KERNEL_MAP;
	l->modules_vaddr = MODULES_VADDR;
	l->modules_end = MODULES_END;
}

/* ---- init_mm's tables ------------------------------------------------------------------------ */

/* The top table on first use (the kernel's init_top_pgt is static; ours is a frame). */
static int kpt_pgd(struct machine *m)
{
	struct mm_struct *mm = vms(m)->init_mm;
	int err;

	if (mm->pgd)
		return 0;
	err = pgd_alloc(mm);
	mm->pgtable_levels = 4;
	mm->fmt = kernel_fmt(m);
	return err;
}

/* An empty PTE table under @slot goes before a 2 MiB leaf takes its place (pmd_free_pte_page). */
static void kpt_free_empty_pte_table(struct mm_struct *mm, uint64_t *slot, unsigned long addr)
{
	pte_t *table = pte_from_pmd(mm, slot, addr & PMD_MASK);
	unsigned int i;

	if (!table)
		return;
	for (i = 0; i < PTRS_PER_TABLE; i++)
		MM_BUG_ON(!pte_none(table[i]));
	*slot = 0;
	pgtable_free_withdrawn(mm, table);
}

int kpt_map_pages(struct machine *m, unsigned long addr, unsigned long nr, struct page **pages,
		  unsigned long pfn, uint64_t prot, unsigned int page_shift)
{
	struct mm_struct *mm = vms(m)->init_mm;
	unsigned long step = 1UL << (page_shift - PAGE_SHIFT), i, start = addr;
	int err = kpt_pgd(m);

	if (err)
		return err;
	for (i = 0; i < nr; i += step, addr += step << PAGE_SHIFT) {
		unsigned long f = pages ? mpage_to_pfn(m, pages[i]) : pfn + i;

		if (page_shift == PMD_SHIFT) {
			uint64_t *slot = pmd_slot(mm, addr, true);

			if (!slot)
				goto fail;
			if (*slot && !pmd_is_huge(mm, *slot))
				kpt_free_empty_pte_table(mm, slot, addr);
			MM_BUG_ON(*slot);
			*slot = ((uint64_t)f << PAGE_SHIFT) | prot | X86_PSE;
		} else {
			pte_t *pte = pte_alloc(mm, addr);

			if (!pte)
				goto fail;
			MM_BUG_ON(!pte_none(*pte));
			*pte = pfn_pte(f, prot);
		}
	}
	return 0;
fail:
	kpt_unmap_range(m, start, addr);	/* nothing stays half-mapped */
	return -ENOMEM;
}

/*
 * Clear the leaves of [@addr, @end): one walk from the top per 2 MiB, then the PTEs of that
 * table in a row (a generic pgtable_walk() over a 3-page area cost more than the rest of vfree).
 */
unsigned long kpt_unmap_range(struct machine *m, unsigned long addr, unsigned long end)
{
	struct mm_struct *mm = vms(m)->init_mm;
	unsigned long cleared = 0;

	if (!mm->pgd)
		return 0;
	while (addr < end) {
		unsigned long next = (addr + PMD_SIZE) & PMD_MASK;
		uint64_t *slot = pmd_slot(mm, addr, false);
		pte_t *pte;

		if (next > end || !next)
			next = end;
		if (slot && *slot && pmd_is_huge(mm, *slot)) {
			MM_BUG_ON(addr & ~PMD_MASK || next - addr != PMD_SIZE);	/* leaves go whole */
			*slot = 0;
			cleared += PTRS_PER_TABLE;
		} else if (slot && (pte = pte_from_pmd(mm, slot, addr))) {
			for (; addr < next; addr += PAGE_SIZE, pte++) {
				cleared += !pte_none(*pte);
				*pte = __pte(0);
			}
		}
		addr = next;
	}
	return cleared;
}

uint64_t kpt_lookup(struct machine *m, unsigned long addr, int *level)
{
	struct mm_struct *mm = vms(m)->init_mm;
	uint64_t *slot;
	pte_t *pte;

	if (!mm->pgd)
		return 0;
	slot = pmd_slot(mm, addr, false);
	if (!slot || !*slot)
		return 0;
	if (pmd_is_huge(mm, *slot)) {
		*level = 1;
		return *slot;
	}
	pte = pte_from_pmd(mm, slot, addr);
	*level = 0;
	return pte ? pte_val(*pte) : 0;
}

void kpt_count_tables(struct machine *m, unsigned long counts[5])
{
	pgtable_count(vms(m)->init_mm, counts);
}

/* ---- translations -------------------------------------------------------------------------- */

const struct kernel_layout *machine_kernel_layout(const struct machine *m)
{
	return &vms(m)->layout;
}

unsigned long kernel_va(const struct machine *m, uint64_t paddr)
{
	return (unsigned long)paddr + vms(m)->layout.page_offset_base;
}

static bool in_direct_map(const struct machine *m, unsigned long kva)
{
	unsigned long base = vms(m)->layout.page_offset_base;

	return kva >= base && kva - base < (m->phys->max_pfn << PAGE_SHIFT);
}

uint64_t kernel_pa(const struct machine *m, unsigned long kva)
{
	if (in_direct_map(m, kva))
		return kva - vms(m)->layout.page_offset_base;
	if (kva >= START_KERNEL_MAP && kva < START_KERNEL_MAP + KERNEL_IMAGE_SIZE)
		return kva - START_KERNEL_MAP;	/* __pa_symbol: phys_base 0 */
	return ~(uint64_t)0;
}

struct page *kernel_virt_to_page(struct machine *m, unsigned long kva)
{
	unsigned long pfn;

	if (!in_direct_map(m, kva))
		return NULL;
	pfn = (kva - vms(m)->layout.page_offset_base) >> PAGE_SHIFT;
	return phys_pfn_is_ram(m, pfn) ? mpfn_to_page(m, pfn) : NULL;
}

unsigned long kernel_page_address(struct machine *m, const struct page *page)
{
	return kernel_va(m, (uint64_t)mpage_to_pfn(m, page) << PAGE_SHIFT);
}

void *kernel_va_to_host(struct machine *m, unsigned long kva)
{
	unsigned long pfn, off;
	uint64_t e;
	int level = 0;

	if (!m || m != mm_current.machine)
		return NULL;
	if (in_direct_map(m, kva)) {
		pfn = (kva - vms(m)->layout.page_offset_base) >> PAGE_SHIFT;
		off = kva & (PAGE_SIZE - 1);
	} else {
		mm_lock(&vms(m)->lock);
		e = kpt_lookup(m, kva, &level);
		mm_unlock(&vms(m)->lock);
		if (!(e & 1))
			return NULL;
		pfn = (unsigned long)((e & 0x000ffffffffff000ULL) >> PAGE_SHIFT);
		if (level == 1)
			pfn += (kva & (PMD_SIZE - 1)) >> PAGE_SHIFT;
		off = kva & (PAGE_SIZE - 1);
	}
	if (!phys_pfn_is_ram(m, pfn))
		return NULL;
	return m->phys->arena + ((size_t)pfn << PAGE_SHIFT) + off;
}

/* ---- the layer's boot interface ---------------------------------------------------------------- */

/* The layer's state and what it holds, freed in reverse order of vmalloc_init (any part NULL). */
static void vmalloc_state_free(struct machine *m, struct vmalloc_state *vs)
{
	if (vs->init_mm)
		mm_lock_destroy(&vs->init_mm->page_table_lock);
	mm_meta_free(m, vs->kmap);
	mm_meta_free(m, vs->vbq);
	mm_meta_free(m, vs->init_mm);
	mm_lock_destroy(&vs->lock);
	mm_meta_free(m, vs);
	m->vmalloc = NULL;
}

int vmalloc_init(struct machine *m)
{
	struct vmalloc_state *vs;
	int err = -ENOMEM;

	vs = mm_meta_zalloc(m, sizeof(*vs));
	if (!vs)
		return -ENOMEM;
	mm_lock_init(&vs->lock);
	m->vmalloc = vs;
	kernel_layout_init(m, &vs->layout);
	vs->lazy_max = (unsigned long)(32 - __builtin_clz((unsigned int)m->nr_cpus)) *
		       ((32UL << 20) >> PAGE_SHIFT);
	vs->init_mm = mm_meta_zalloc(m, sizeof(struct mm_struct));
	vs->vbq = mm_meta_zalloc(m, sizeof(*vs->vbq) * (size_t)m->nr_cpus);
	vs->kmap = mm_meta_zalloc(m, sizeof(*vs->kmap) * (size_t)m->nr_cpus);
	if (!vs->init_mm || !vs->vbq || !vs->kmap)
		goto out;
	vs->init_mm->machine = m;
	vs->init_mm->pgtable_levels = 4;
	vs->init_mm->fmt = kernel_fmt(m);
	mm_lock_init(&vs->init_mm->page_table_lock);
	for (int c = 0; c < m->nr_cpus; c++)
		INIT_LIST_HEAD(&vs->vbq[c].free);
	err = vmap_trees_init(m);
	if (err)
		goto out;
	return 0;
out:
	vmalloc_state_free(m, vs);
	return err;
}

/*
 * Free every table of init_mm below the top one, then the top one. The leaves of the areas
 * still busy at shutdown are cleared first (free_pgd_range frees only empty PTE tables).
 */
static void kpt_free_all(struct machine *m)
{
	struct vmalloc_state *vs = vms(m);
	struct mm_struct *mm = vs->init_mm;
	struct vmap_area *va;

	if (!mm->pgd)
		return;
	vmap_for_each(va, &vs->busy.head)
		kpt_unmap_range(m, va->va_start, va->va_end);
	free_pgd_range(mm, VMAP_SPACE_START, VMAP_SPACE_END & PMD_MASK, 0, 0);
	pgd_free(mm);
}

void vmalloc_exit(struct machine *m)
{
	struct vmalloc_state *vs = m->vmalloc;

	if (!vs)
		return;
	kpt_free_all(m);
	vmap_blocks_exit(m);
	vmap_trees_exit(m);
	vmalloc_state_free(m, vs);
}
