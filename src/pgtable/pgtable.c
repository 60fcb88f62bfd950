/*
 * pgtable.c - allocating, walking and freeing user page tables (see pgtable.h for the layout).
 *
 * A table is one frame; its entries are 64-bit words in the frame's bytes in the arena, so a
 * table's contents are what a hardware walker would read. An upper entry holds the next
 * table's pfn with the format's table bits; the walk converts it back with pfn_to_page() and
 * page_address(). free_pgd_range() follows the kernel's free_pgtables() rule level by level:
 * the PTE tables under [addr, end) go when their 2 MiB span (rounded inward against floor and
 * ceiling) is free, and an upper table goes only when its whole span lies inside
 * [floor, ceiling), so tables shared with a neighbouring mapping stay.
 */
#include "pgtable/pgtable.h"

#include <mmlab/fault_inject.h>
#include <mmlab/page_alloc.h>

#include "phys/mmzone.h"
#include "vm/internal.h"

#define X86_P		0x001ULL
#define X86_RW		0x002ULL
#define X86_US		0x004ULL
#define X86_A		0x020ULL
#define X86_D		0x040ULL
#define X86_PSE		0x080ULL
#define X86_G		0x100ULL
#define X86_SPECIAL	0x200ULL	/* _PAGE_SOFTW1 */
#define X86_SOFT_DIRTY	(1ULL << 58)	/* _PAGE_SOFTW3 */
#define X86_NX		(1ULL << 63)

const struct pgtable_fmt pgtable_fmt_x86_64 = {
	.arch = MM_ARCH_X86_64,
	.present = X86_P,
	.protnone = X86_G,
	.write = X86_RW,
	.young = X86_A,
	.dirty = X86_D,
	.soft_dirty = X86_SOFT_DIRTY,
	.special = X86_SPECIAL,
	.nx = X86_NX,
	.huge = X86_PSE,
	.table = X86_P | X86_RW | X86_US | X86_A | X86_D,	/* _PAGE_TABLE */
	.type_mask = X86_PSE,
	.pfn_mask = 0x000ffffffffff000ULL,
};

const struct pgtable_fmt pgtable_fmt_arm64 = {
	.arch = MM_ARCH_ARM64,
	.present = 1ULL << 0,		/* PTE_VALID */
	.protnone = 1ULL << 11,		/* PTE_NG with PTE_VALID clear: present-invalid */
	.write = 1ULL << 51,		/* PTE_WRITE (DBM) */
	.rdonly = 1ULL << 7,		/* PTE_RDONLY (AP[2]) */
	.young = 1ULL << 10,		/* PTE_AF */
	.dirty = 1ULL << 55,		/* PTE_DIRTY (software) */
	.special = 1ULL << 56,		/* PTE_SPECIAL */
	.nx = 1ULL << 54,		/* PTE_UXN */
	.huge = 1ULL << 0,		/* a block: type bits 01 */
	.table = 3ULL << 0,		/* a table: type bits 11 */
	.type_mask = 3ULL << 0,
	.pfn_mask = 0x0000fffffffff000ULL,
};

static int top_level(const struct mm_struct *mm)
{
	return mm->pgtable_levels - 1;
}

static unsigned int level_shift(int level)
{
	return PAGE_SHIFT + 9 * (unsigned int)level;
}

static unsigned int index_at(unsigned long addr, int level)
{
	return (unsigned int)(addr >> level_shift(level)) & (PTRS_PER_TABLE - 1);
}

/* The span one entry at @level maps: 4 KiB at 0, 2 MiB at 1, ... */
static unsigned long entry_span(int level)
{
	return 1UL << level_shift(level);
}

/* The table an upper entry points to: its frame's bytes in the arena (no page lookups). */
static uint64_t *table_of_mm(const struct mm_struct *mm, uint64_t entry)
{
	return (uint64_t *)(mm->machine->phys->arena + (entry & mm->fmt->pfn_mask));
}

static bool entry_is_table(uint64_t e, const struct pgtable_fmt *f)
{
	return e && (e & f->type_mask) == (f->table & f->type_mask);
}

static uint64_t *table_alloc(struct mm_struct *mm, bool top)
{
	struct page *page;

	if (should_fail(mm->machine, FAULT_PGTABLE, 0))
		return NULL;
	page = alloc_page(GFP_PGTABLE_USER | __GFP_NOWARN);
	if (!page)
		return NULL;
	mod_node_page_state(mm->machine->phys->node_data[page_to_nid(page)],
			    NR_PAGE_TABLE_PAGES, 1);
	if (!top)
		mm->pgtables_bytes += PAGE_SIZE;
	return page_address(page);
}

static void table_free(struct mm_struct *mm, uint64_t *table, bool top)
{
	struct page *page = virt_to_page(table);

	mod_node_page_state(mm->machine->phys->node_data[page_to_nid(page)],
			    NR_PAGE_TABLE_PAGES, -1);
	if (!top)
		mm->pgtables_bytes -= PAGE_SIZE;
	__free_pages(page, 0);
}

int pgd_alloc(struct mm_struct *mm)
{
	mm->pgtable_levels = mm->machine->cfg.la57 ? 5 : 4;
	mm->fmt = pgtable_fmt_of(mm->machine->cfg.arch);
	mm->pgd = table_alloc(mm, true);
	return mm->pgd ? 0 : -ENOMEM;
}

void pgd_free(struct mm_struct *mm)
{
	if (!mm->pgd)
		return;
	table_free(mm, mm->pgd, true);
	mm->pgd = NULL;
}

pte_t *pte_offset(struct mm_struct *mm, unsigned long addr)
{
	const struct pgtable_fmt *f = mm->fmt;
	uint64_t *table = mm->pgd;
	int level;

	for (level = top_level(mm); level > 0; level--) {
		uint64_t e = table[index_at(addr, level)];

		if (!entry_is_table(e, f))
			return NULL;
		table = table_of_mm(mm, e);
	}
	return (pte_t *)&table[index_at(addr, 0)];
}

uint64_t *pmd_slot(struct mm_struct *mm, unsigned long addr, bool alloc)
{
	const struct pgtable_fmt *f = mm->fmt;
	uint64_t *table = mm->pgd;
	int level;

	for (level = top_level(mm); level > 1; level--) {
		uint64_t *slot = &table[index_at(addr, level)];

		if (!*slot) {
			uint64_t *next = alloc ? table_alloc(mm, false) : NULL;

			if (!next)
				return NULL;
			*slot = ((uint64_t)page_to_pfn(virt_to_page(next)) << 12) | f->table;
		}
		table = table_of_mm(mm, *slot);
	}
	return &table[index_at(addr, 1)];
}

bool pmd_is_huge(const struct mm_struct *mm, uint64_t e)
{
	return e && !entry_is_table(e, mm->fmt);
}

/* The PMD table that holds @slot: its page keeps the deposited tables on its lru list. */
static struct page *pmd_table_page(const uint64_t *slot)
{
	return virt_to_page((const void *)((uintptr_t)slot & ~(uintptr_t)(PAGE_SIZE - 1)));
}

void pgtable_deposit_table(uint64_t *slot, pte_t *table)
{
	struct page *pmd_page = pmd_table_page(slot);

	if (!pmd_page->lru.next)
		INIT_LIST_HEAD(&pmd_page->lru);
	list_add(&virt_to_page(table)->lru, &pmd_page->lru);
}

int pgtable_trans_huge_deposit(struct mm_struct *mm, uint64_t *slot)
{
	uint64_t *table = table_alloc(mm, false);

	if (!table)
		return -ENOMEM;
	pgtable_deposit_table(slot, (pte_t *)table);
	return 0;
}

pte_t *pgtable_trans_huge_withdraw(struct mm_struct *mm, uint64_t *slot)
{
	struct page *pmd_page = pmd_table_page(slot), *page;

	(void)mm;
	MM_BUG_ON(!pmd_page->lru.next || list_empty(&pmd_page->lru));
	page = list_entry(pmd_page->lru.next, struct page, lru);
	list_del(&page->lru);
	page->lru.next = page->lru.prev = NULL;
	if (list_empty(&pmd_page->lru))
		pmd_page->lru.next = pmd_page->lru.prev = NULL;
	return page_address(page);
}

void pgtable_free_withdrawn(struct mm_struct *mm, pte_t *table)
{
	table_free(mm, (uint64_t *)table, false);
}

pte_t *pte_table_install(struct mm_struct *mm, uint64_t *slot, pte_t *table)
{
	*slot = ((uint64_t)page_to_pfn(virt_to_page(table)) << 12) | mm->fmt->table;
	return table;
}

pte_t *pte_from_pmd(struct mm_struct *mm, const uint64_t *slot, unsigned long addr)
{
	if (!entry_is_table(*slot, mm->fmt))
		return NULL;
	return (pte_t *)&table_of_mm(mm, *slot)[index_at(addr, 0)];
}

pte_t *pte_alloc(struct mm_struct *mm, unsigned long addr)
{
	const struct pgtable_fmt *f = mm->fmt;
	uint64_t *table = mm->pgd;
	int level;

	for (level = top_level(mm); level > 0; level--) {
		uint64_t *slot = &table[index_at(addr, level)];

		if (!*slot) {
			uint64_t *next = table_alloc(mm, false);

			if (!next)
				return NULL;
			*slot = ((uint64_t)page_to_pfn(virt_to_page(next)) << 12) | f->table;
		}
		MM_BUG_ON(!entry_is_table(*slot, f));	/* huge entries are split first */
		table = table_of_mm(mm, *slot);
	}
	return (pte_t *)&table[index_at(addr, 0)];
}

/*
 * Free the tables below entry slot @slot (at @level) that map only [addr, end) inside
 * [floor, ceiling), then the table @slot points to if its whole span is free. The rounding is
 * the kernel's: the range's start is rounded down to the span and moved up one span if that
 * falls below floor; the end is moved down one span if it would cross the ceiling.
 */
static void free_range_level(struct mm_struct *mm, uint64_t *slot, int level, unsigned long addr,
			     unsigned long end, unsigned long floor, unsigned long ceiling)
{
	const struct pgtable_fmt *f = mm->fmt;
	unsigned long span = entry_span(level + 1), start = addr;
	uint64_t *table;

	if (!entry_is_table(*slot, f))
		return;
	table = table_of_mm(mm, *slot);
	if (level > 0) {
		unsigned long step = entry_span(level), a = addr, next;

		do {
			next = (a + step) & ~(step - 1);
			if (next - 1 > end - 1)
				next = end;
			free_range_level(mm, &table[index_at(a, level)], level - 1, a, next, floor,
					 ceiling);
			a = next;
		} while (a != end);
	}
	/* The table at @slot maps [start & ~(span - 1), + span): may it go? */
	start &= ~(span - 1);
	if (start < floor)
		return;
	if (ceiling) {
		ceiling &= ~(span - 1);
		if (!ceiling)
			return;
	}
	if (end - 1 > ceiling - 1)
		return;
	if (level == 0) {
		unsigned int i;

		for (i = 0; i < PTRS_PER_TABLE; i++)
			MM_BUG_ON(table[i]);	/* zapped before the tables go */
	}
	*slot = 0;
	table_free(mm, table, false);
}

void free_pgd_range(struct mm_struct *mm, unsigned long addr, unsigned long end,
		    unsigned long floor, unsigned long ceiling)
{
	int top = top_level(mm);
	unsigned long step = entry_span(top), next;
	uint64_t *pgd = mm->pgd;

	/* As the kernel: first bound the range by whole PMD spans inside [floor, ceiling). */
	addr &= PMD_MASK;
	if (addr < floor) {
		addr += PMD_SIZE;
		if (!addr)
			return;
	}
	if (ceiling) {
		ceiling &= PMD_MASK;
		if (!ceiling)
			return;
	}
	if (end - 1 > ceiling - 1)
		end -= PMD_SIZE;
	if (addr > end - 1)
		return;
	do {
		next = (addr + step) & ~(step - 1);
		if (next - 1 > end - 1)
			next = end;
		free_range_level(mm, &pgd[index_at(addr, top)], top - 1, addr, next, floor, ceiling);
		addr = next;
	} while (addr != end);
}

/*
 * Would free_range_level() free a table spanning @span (an upper table on the path to
 * [addr, end)) when free_pgd_range(addr, end, floor, ceiling) runs? Its bounding, then its test.
 */
static bool path_table_would_go(unsigned long addr, unsigned long end, unsigned long floor,
				unsigned long ceiling, unsigned long span)
{
	addr &= PMD_MASK;
	if (addr < floor) {
		addr += PMD_SIZE;
		if (!addr)
			return false;
	}
	if (ceiling) {
		ceiling &= PMD_MASK;
		if (!ceiling)
			return false;
	}
	if (end - 1 > ceiling - 1)
		end -= PMD_SIZE;
	if (addr > end - 1)
		return false;
	if ((addr & ~(span - 1)) < floor)
		return false;
	if (ceiling) {
		ceiling &= ~(span - 1);
		if (!ceiling)
			return false;
	}
	return end - 1 <= ceiling - 1;
}

bool pgtable_unmap_is_noop(struct mm_struct *mm, unsigned long start, unsigned long end,
			   unsigned long floor, unsigned long ceiling)
{
	const struct pgtable_fmt *f = mm->fmt;
	int top = top_level(mm), level = top;
	uint64_t *table = mm->pgd;
	unsigned long span;

	if (!table || start >= end)
		return false;
	/* Down to the empty entry that covers start; a PTE level or a huge entry: not a no-op. */
	for (;;) {
		uint64_t e = table[index_at(start, level)];

		if (!e)
			break;
		if (level == 0 || !entry_is_table(e, f))
			return false;
		table = table_of_mm(mm, e);
		level--;
	}
	span = entry_span(level);
	if ((start & ~(span - 1)) != ((end - 1) & ~(span - 1)))
		return false;		/* the range reaches past that entry */
	/*
	 * Nothing below the entry to zap or free; the tables above it must all stay. The one
	 * holding the entry has the smallest span, and a larger span only starts lower and ends
	 * higher, so if that table stays, every table above it stays too.
	 */
	return level == top || !path_table_would_go(start, end, floor, ceiling,
						    entry_span(level + 1));
}

static int walk_level(struct mm_struct *mm, uint64_t *table, int level, unsigned long start,
		      unsigned long end, pgtable_walk_fn fn, void *arg)
{
	const struct pgtable_fmt *f = mm->fmt;
	unsigned long step = entry_span(level), a = start, next;
	int ret;

	do {
		uint64_t *slot = &table[index_at(a, level)];

		next = (a + step) & ~(step - 1);
		if (next - 1 > end - 1)
			next = end;
		if (level == 0 || (level == 1 && *slot && !entry_is_table(*slot, f))) {
			/* a PTE, or a huge PMD (reported with its aligned address) */
			if (*slot && (ret = fn((pte_t *)slot, level ? a & PMD_MASK : a, level, arg)))
				return ret;
		} else if (entry_is_table(*slot, f)) {
			ret = walk_level(mm, table_of_mm(mm, *slot), level - 1, a, next, fn, arg);
			if (ret)
				return ret;
		}
		a = next;
	} while (a != end);
	return 0;
}

int pgtable_walk(struct mm_struct *mm, unsigned long start, unsigned long end, pgtable_walk_fn fn,
		 void *arg)
{
	if (!mm->pgd || start >= end)
		return 0;
	return walk_level(mm, mm->pgd, top_level(mm), start, end, fn, arg);
}

static void count_level(struct mm_struct *mm, uint64_t *table, int level,
			unsigned long counts[PGTABLE_MAX_LEVELS])
{
	unsigned int i;

	counts[level]++;
	if (level == 0)
		return;
	for (i = 0; i < PTRS_PER_TABLE; i++)
		if (entry_is_table(table[i], mm->fmt))
			count_level(mm, table_of_mm(mm, table[i]), level - 1, counts);
}

void pgtable_count(struct mm_struct *mm, unsigned long counts[PGTABLE_MAX_LEVELS])
{
	int i;

	for (i = 0; i < PGTABLE_MAX_LEVELS; i++)
		counts[i] = 0;
	if (mm->pgd)
		count_level(mm, mm->pgd, top_level(mm), counts);
}
