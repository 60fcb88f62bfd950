/*
 * pagemap.c - /proc/PID/pagemap: one 64-bit entry per virtual page (pagemap_read and
 * pte_to_pagemap_entry in fs/proc/task_mmu.c; Documentation/admin-guide/mm/pagemap.rst):
 *
 *   bits 0-54  the frame number, if present and the reader may see it (CAP_SYS_ADMIN)
 *   bit  55    soft-dirty (only in a kernel with CONFIG_MEM_SOFT_DIRTY: MM_PAGEMAP_SOFT_DIRTY_ON)
 *   bit  56    the page is exclusively mapped (its mapcount is 1)
 *   bit  61    a file page or shared anonymous (not an anonymous page)
 *   bit  62    swapped
 *   bit  63    present
 *
 * Holes between VMAs read as 0; pages of a VMA without a PTE read as 0 too (soft-dirty if the
 * VMA is VM_SOFTDIRTY, with soft-dirty on). The zero page is present, with its frame number,
 * and neither exclusive nor a file page (it has no struct page: vm_normal_page is NULL). The
 * file ends at TASK_SIZE: a read from there on is short, as the kernel's. Swap entries do not
 * exist yet, so bit 62 is never set.
 */
#include "proc/proc.h"
#include "phys/mmzone.h"
#include "vm/internal.h"

#include <mmlab/proc.h>

static uint64_t pte_entry(struct mm_struct *mm, pte_t pte, unsigned int flags)
{
	const struct pgtable_fmt *f = mm->fmt;
	struct page *page;
	uint64_t e = 0;

	if (!pte_present(f, pte))
		return 0;
	e = MM_PAGEMAP_PRESENT;
	if (flags & MM_PAGEMAP_SHOW_PFN)
		e |= (uint64_t)pte_pfn(f, pte) & MM_PAGEMAP_PFN_MASK;
	if ((flags & MM_PAGEMAP_SOFT_DIRTY_ON) && pte_soft_dirty(f, pte))
		e |= MM_PAGEMAP_SOFT_DIRTY;
	page = vm_pte_page(mm, pte);
	if (page) {
		if (!PageAnon(page))
			e |= MM_PAGEMAP_FILE;
		if (page_mapcount(page) == 1)
			e |= MM_PAGEMAP_EXCLUSIVE;
	}
	return e;
}

/*
 * The entry of page @a under a huge PMD @pmd: its 4 KiB piece's frame; exclusive when that
 * piece has one mapping in all (the folio's PMD mappings plus the piece's own PTEs).
 */
static uint64_t huge_entry(struct mm_struct *mm, pte_t pmd, unsigned long a, unsigned int flags)
{
	const struct pgtable_fmt *f = mm->fmt;
	unsigned long off = (a >> PAGE_SHIFT) & (HPAGE_PMD_NR - 1);
	struct page *head;
	uint64_t e;

	if (!pte_present(f, pmd))
		return 0;
	e = MM_PAGEMAP_PRESENT;
	if (flags & MM_PAGEMAP_SHOW_PFN)
		e |= (uint64_t)(pte_pfn(f, pmd) + off) & MM_PAGEMAP_PFN_MASK;
	if ((flags & MM_PAGEMAP_SOFT_DIRTY_ON) && pte_soft_dirty(f, pmd))
		e |= MM_PAGEMAP_SOFT_DIRTY;
	head = vm_pte_page(mm, pmd);
	if (head && vm_folio_pmd_maps(head) + page_mapcount(&head[off]) == 1)
		e |= MM_PAGEMAP_EXCLUSIVE;
	return e;
}

long mm_pagemap_read(struct mm_struct *mm, unsigned long addr, uint64_t *entries,
		     unsigned long nr, unsigned int flags)
{
	unsigned long i, a;
	const struct vm_area_struct *vma;

	if (addr & ~PAGE_MASK)
		return -EINVAL;
	if (addr >= mm->task_size)
		return 0;
	nr = MIN(nr, (mm->task_size - addr) >> PAGE_SHIFT);
	mm_down_read(&mm->mmap_lock);
	mm_lock(&mm->page_table_lock);
	vma = find_vma(mm, addr);
	for (i = 0, a = addr; i < nr; i++, a += PAGE_SIZE) {
		pte_t *pte;
		uint64_t e = 0;

		while (vma && vma->vm_end <= a)
			vma = vma->vm_next;
		if (vma && vma->vm_start <= a) {
			uint64_t *slot = mm->pgd ? pmd_slot(mm, a, false) : NULL;

			pte = slot && !pmd_is_huge(mm, *slot) ? pte_offset(mm, a) : NULL;
			if (slot && pmd_is_huge(mm, *slot))
				e = huge_entry(mm, __pte(*slot), a, flags);
			else if (pte)
				e = pte_entry(mm, *pte, flags);
			if ((flags & MM_PAGEMAP_SOFT_DIRTY_ON) && (vma->vm_flags & VM_SOFTDIRTY))
				e |= MM_PAGEMAP_SOFT_DIRTY;
		}
		entries[i] = e;
	}
	mm_unlock(&mm->page_table_lock);
	mm_up_read(&mm->mmap_lock);
	return (long)nr;
}

long mmlab_pagemap_read(struct machine *m, int pid, unsigned long addr, uint64_t *entries,
			unsigned long nr, unsigned int flags)
{
	struct mm_task *t = m->vm ? mm_task_find(m, pid) : NULL;

	if (!t)
		return -ESRCH;
	return mm_pagemap_read(t->mm, addr, entries, nr, flags);
}
