/*
 * clear_refs.c - what a write to /proc/<pid>/clear_refs does to an address space (the
 * kernel's clear_refs_write in fs/proc/task_mmu.c).
 *
 *   1 MM_CLEAR_REFS_ALL, 2 MM_CLEAR_REFS_ANON, 3 MM_CLEAR_REFS_MAPPED: every present entry of
 *     the VMAs chosen (all; those without a file; those with one) loses its accessed bit and
 *     its folio PG_referenced, so smaps' Referenced counts only what is touched afterwards.
 *     The zero page is skipped (it is no normal page); a huge PMD is cleared whole. VM_PFNMAP
 *     VMAs are skipped. No fault follows: the next access sets the bit again in "hardware".
 *   4 MM_CLEAR_REFS_SOFT_DIRTY: only in a kernel built with CONFIG_MEM_SOFT_DIRTY
 *     (machine_config.soft_dirty): every VMA loses VM_SOFTDIRTY and every present entry its
 *     soft-dirty bit, and is write-protected, so the next write faults and marks the page
 *     soft-dirty again. Without it (as on the recording host) the write does nothing.
 *   5 MM_CLEAR_REFS_MM_HIWATER_RSS: VmHWM is reset to the current RSS.
 *
 * Every change to an entry flushes the translation cache first, as the kernel flushes the TLB,
 * so no access skips the page-table walk that sets the bits again.
 */
#include "vm/internal.h"

#include "pgtable/pgtable.h"

struct clear_refs_walk {
	struct mm_struct *mm;
	int type;
};

static int clear_refs_entry(pte_t *pte, unsigned long addr, int level, void *arg)
{
	const struct clear_refs_walk *w = arg;
	const struct pgtable_fmt *f = w->mm->fmt;
	struct page *page;

	(void)addr;
	if (!pte_present(f, *pte))
		return 0;	/* no swap entries yet: nothing to clear */
	if (w->type == MM_CLEAR_REFS_SOFT_DIRTY) {
		*pte = pte_clear_soft_dirty(f, pte_wrprotect(f, *pte));
		return 0;
	}
	page = level ? pfn_to_page(pte_pfn(f, *pte)) : vm_pte_page(w->mm, *pte);
	if (!page)
		return 0;	/* the zero page */
	*pte = pte_mkold(f, *pte);
	ClearPageReferenced(compound_head(page));
	return 0;
}

static bool clear_refs_wanted(const struct vm_area_struct *vma, int type)
{
	if (vma->vm_flags & (VM_PFNMAP | VM_HUGETLB))
		return false;
	if (type == MM_CLEAR_REFS_ANON)
		return !vma->vm_file;
	if (type == MM_CLEAR_REFS_MAPPED)
		return vma->vm_file;
	return true;
}

int mm_clear_refs(struct mm_struct *mm, int type)
{
	struct clear_refs_walk w = { .mm = mm, .type = type };
	bool soft_dirty = mm->machine->cfg.soft_dirty;
	struct vm_area_struct *vma;

	if (type < MM_CLEAR_REFS_ALL || type > MM_CLEAR_REFS_MM_HIWATER_RSS)
		return -EINVAL;
	if (type == MM_CLEAR_REFS_MM_HIWATER_RSS) {
		mm_down_write(&mm->mmap_lock);
		mm->hiwater_rss = get_mm_rss(mm);
		mm_up_write(&mm->mmap_lock);
		return 0;
	}
	if (type == MM_CLEAR_REFS_SOFT_DIRTY && !soft_dirty)
		return 0;	/* VM_SOFTDIRTY is 0 and clear_soft_dirty() empty in such a kernel */
	if (type == MM_CLEAR_REFS_SOFT_DIRTY) {
		mm_down_write(&mm->mmap_lock);
		for (vma = mm->mmap; vma; vma = vma->vm_next)
			vma->vm_flags &= ~VM_SOFTDIRTY;
	} else {
		mm_down_read(&mm->mmap_lock);
	}
	if (!mm_maps_nothing(mm)) {
		mm_lock(&mm->page_table_lock);
		tlb_flush(mm);
		for (vma = mm->mmap; vma; vma = vma->vm_next)
			if (vma_has_pages(vma) && clear_refs_wanted(vma, type))
				pgtable_walk(mm, vma->vm_start, vma->vm_end, clear_refs_entry, &w);
		mm_unlock(&mm->page_table_lock);
	}
	if (type == MM_CLEAR_REFS_SOFT_DIRTY)
		mm_up_write(&mm->mmap_lock);
	else
		mm_up_read(&mm->mmap_lock);
	return 0;
}
