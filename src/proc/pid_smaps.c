/*
 * pid_smaps.c - /proc/PID/smaps and /proc/PID/smaps_rollup, byte-exact to fs/proc/task_mmu.c
 * of the 6.18 kernel this project records against (x86-64, no protection keys in the CPU, so
 * no ProtectionKey line; CONFIG_MEM_SOFT_DIRTY off, so no "sd" in VmFlags).
 *
 * Each VMA: its maps line, then
 *   Size, KernelPageSize, MMUPageSize, Rss, Pss, Pss_Dirty, Shared_Clean, Shared_Dirty,
 *   Private_Clean, Private_Dirty, Referenced, Anonymous, KSM, LazyFree, AnonHugePages,
 *   ShmemPmdMapped, FilePmdMapped, Shared_Hugetlb, Private_Hugetlb, Swap, SwapPss, Locked
 * as "%-16s%8lu kB" (Private_Hugetlb: a 17-character label and width 7), then
 * "THPeligible:    %8u" and "VmFlags: " with one two-letter mnemonic and a space per flag.
 * The [vsyscall] gate comes last, with no pages. smaps_rollup sums every VMA (not the gate)
 * into one entry headed "FIRST-LAST ---p 00000000 00:00 0 ... [rollup]" and adds Pss_Anon,
 * Pss_File and Pss_Shmem after Pss_Dirty.
 *
 * Accounting per present PTE (smaps_account): the zero page is no page, so not Rss. A page
 * with _refcount 1 is private; otherwise its mapcount decides: >= 2 is shared and adds
 * PAGE_SIZE / mapcount to Pss, else private. Pss is summed in fixed point, bytes << 12
 * (PSS_SHIFT), and shifted down only when printed, so a page mapped three times adds
 * 4096 * 4096 / 3 each time and rounding happens once per file (once for the whole rollup).
 * Dirty: the PTE's dirty bit or PG_dirty. Referenced: the PTE's accessed bit or
 * PG_referenced. LazyFree: an anonymous page not swap-backed and clean. Locked: the Pss of
 * VM_LOCKED VMAs.
 *
 * THPeligible (thp_vma_allowable_orders for smaps): only private anonymous VMAs can be 1 here;
 * with THP "always", or "madvise" and VM_HUGEPAGE, without VM_NOHUGEPAGE, when the VMA holds
 * one 2 MiB-aligned 2 MiB range. File mappings: 0 (this host has no READ_ONLY_THP_FOR_FS,
 * and shmem huge pages are "never"); special mappings 0.
 *
 * File and shared mappings have no pages yet (no page cache), so their Rss is 0.
 */
#include "proc/proc.h"
#include "phys/mmzone.h"
#include "vm/internal.h"

#define PSS_SHIFT 12

struct mem_size_stats {
	unsigned long resident, shared_clean, shared_dirty, private_clean, private_dirty;
	unsigned long referenced, anonymous, lazyfree, anonymous_thp;
	uint64_t pss, pss_anon, pss_file, pss_shmem, pss_dirty, pss_locked;
};

struct smaps_walk {
	struct mm_struct *mm;
	struct mem_size_stats *mss;
	bool locked;
};

static void smaps_page_accumulate(struct mem_size_stats *mss, const struct page *page,
				  unsigned long size, uint64_t pss, bool dirty, bool locked,
				  bool private)
{
	mss->pss += pss;
	if (PageAnon(page))
		mss->pss_anon += pss;
	else if (PageSwapBacked(page))
		mss->pss_shmem += pss;
	else
		mss->pss_file += pss;
	if (locked)
		mss->pss_locked += pss;
	if (dirty) {
		mss->pss_dirty += pss;
		if (private)
			mss->private_dirty += size;
		else
			mss->shared_dirty += size;
	} else if (private) {
		mss->private_clean += size;
	} else {
		mss->shared_clean += size;
	}
}

/* One page (or, @nr pages of a PMD-mapped THP from @page) mapped by an entry @pte. */
static void smaps_account(struct smaps_walk *w, struct page *page, pte_t pte, unsigned long nr)
{
	const struct pgtable_fmt *f = w->mm->fmt;
	struct mem_size_stats *mss = w->mss;
	unsigned long size = nr * PAGE_SIZE, i;
	struct page *head = compound_head(page);
	bool dirty = pte_dirty(f, pte) || PageDirty(head);

	if (PageAnon(head)) {
		mss->anonymous += size;
		if (!PageSwapBacked(head) && !dirty)
			mss->lazyfree += size;
	}
	mss->resident += size;
	if (pte_young(f, pte) || PageReferenced(head))
		mss->referenced += size;
	if (page_ref_count(head) == 1) {
		smaps_page_accumulate(mss, page, size, (uint64_t)size << PSS_SHIFT, dirty, w->locked,
				      true);
		return;
	}
	/* each page by its own mappings: PTEs of it, plus the PMD mappings of its folio */
	for (i = 0; i < nr; i++) {
		uint64_t pss = (uint64_t)PAGE_SIZE << PSS_SHIFT;
		int mapcount = page_mapcount(&page[i]) + (nr > 1 || PageTail(page) ?
							   vm_folio_pmd_maps(head) : 0);

		if (mapcount >= 2)
			pss /= (uint64_t)mapcount;
		smaps_page_accumulate(mss, &page[i], PAGE_SIZE, pss, dirty, w->locked, mapcount < 2);
	}
}

static int smaps_pte(pte_t *ptep, unsigned long addr, int level, void *arg)
{
	struct smaps_walk *w = arg;
	const struct pgtable_fmt *f = w->mm->fmt;
	pte_t pte = *ptep;
	struct page *page;

	(void)addr;
	if (!pte_present(f, pte))
		return 0;
	page = vm_pte_page(w->mm, pte);
	if (!page)
		return 0;	/* the zero page, or the huge zero page */
	if (level) {		/* a PMD-mapped THP (smaps_pmd_entry) */
		w->mss->anonymous_thp += HPAGE_PMD_NR * PAGE_SIZE;
		smaps_account(w, page, pte, HPAGE_PMD_NR);
		return 0;
	}
	smaps_account(w, page, pte, 1);
	return 0;
}

/* smap_gather_stats: add @vma's pages to @mss. mmap_lock held for reading. */
static void smap_gather_stats(struct mm_struct *mm, const struct vm_area_struct *vma,
			      struct mem_size_stats *mss)
{
	struct smaps_walk w = { .mm = mm, .mss = mss, .locked = vma->vm_flags & VM_LOCKED };

	if (!mm->pgd || !vma_has_pages(vma))
		return;
	mm_lock(&mm->page_table_lock);
	pgtable_walk(mm, vma->vm_start, vma->vm_end, smaps_pte, &w);
	mm_unlock(&mm->page_table_lock);
}

/* seq_put_decimal_ull_width(m, label, bytes >> 10, width) */
static void put_kb(struct seq_buf *s, const char *label, uint64_t bytes, int width)
{
	seq_printf(s, "%s%*llu", label, width, (unsigned long long)(bytes >> 10));
}

static void show_smap_counts(struct seq_buf *s, const struct mem_size_stats *mss, bool rollup)
{
	put_kb(s, "Rss:            ", mss->resident, 8);
	put_kb(s, " kB\nPss:            ", mss->pss >> PSS_SHIFT, 8);
	put_kb(s, " kB\nPss_Dirty:      ", mss->pss_dirty >> PSS_SHIFT, 8);
	if (rollup) {
		put_kb(s, " kB\nPss_Anon:       ", mss->pss_anon >> PSS_SHIFT, 8);
		put_kb(s, " kB\nPss_File:       ", mss->pss_file >> PSS_SHIFT, 8);
		put_kb(s, " kB\nPss_Shmem:      ", mss->pss_shmem >> PSS_SHIFT, 8);
	}
	put_kb(s, " kB\nShared_Clean:   ", mss->shared_clean, 8);
	put_kb(s, " kB\nShared_Dirty:   ", mss->shared_dirty, 8);
	put_kb(s, " kB\nPrivate_Clean:  ", mss->private_clean, 8);
	put_kb(s, " kB\nPrivate_Dirty:  ", mss->private_dirty, 8);
	put_kb(s, " kB\nReferenced:     ", mss->referenced, 8);
	put_kb(s, " kB\nAnonymous:      ", mss->anonymous, 8);
	put_kb(s, " kB\nKSM:            ", 0, 8);
	put_kb(s, " kB\nLazyFree:       ", mss->lazyfree, 8);
	put_kb(s, " kB\nAnonHugePages:  ", mss->anonymous_thp, 8);
	put_kb(s, " kB\nShmemPmdMapped: ", 0, 8);
	put_kb(s, " kB\nFilePmdMapped:  ", 0, 8);
	put_kb(s, " kB\nShared_Hugetlb: ", 0, 8);
	put_kb(s, " kB\nPrivate_Hugetlb: ", 0, 7);
	put_kb(s, " kB\nSwap:           ", 0, 8);
	put_kb(s, " kB\nSwapPss:        ", 0, 8);
	put_kb(s, " kB\nLocked:         ", mss->pss_locked >> PSS_SHIFT, 8);
	seq_puts(s, " kB\n");
}

/* The mnemonics of show_smap_vma_flags, by bit (a bit with none is not printed). */
static const char vm_flag_names[64][3] = {
	[0] = "rd", [1] = "wr", [2] = "ex", [3] = "sh", [4] = "mr", [5] = "mw", [6] = "me",
	[7] = "ms", [8] = "gd", [10] = "pf", [13] = "lo", [14] = "io", [15] = "sr", [16] = "rr",
	[17] = "dc", [18] = "de", [19] = "lf", [20] = "ac", [21] = "nr", [22] = "ht", [23] = "sf",
	[24] = "ar", [25] = "wf", [26] = "dd",
	/* [27] VM_SOFTDIRTY: "sd" only with CONFIG_MEM_SOFT_DIRTY, off on the recording host */
	[28] = "mm", [29] = "hg", [30] = "nh", [31] = "mg", [33] = "dp",
};

static void show_vm_flags(struct seq_buf *s, unsigned long flags)
{
	int i;

	seq_puts(s, "VmFlags: ");
	for (i = 0; i < 64; i++)
		if (vm_flag_names[i][0] && (flags & (1UL << i)))
			seq_printf(s, "%s ", vm_flag_names[i]);
	seq_putc(s, '\n');
}

/* thp_vma_allowable_orders(vma, vm_flags, TVA_SMAPS, PMD order) for this model's VMAs. */
static bool thp_eligible(struct mm_struct *mm, const struct vm_area_struct *vma)
{
	int mode = mm->machine->cfg.transparent_hugepage;
	unsigned long haddr;

	if (!vma_has_pages(vma) || (vma->vm_flags & VM_NOHUGEPAGE))
		return false;
	if (mode == THP_NEVER || (mode == THP_MADVISE && !(vma->vm_flags & VM_HUGEPAGE)))
		return false;
	/* thp_vma_suitable_order for the last PMD-sized range that could fit */
	if (vma->vm_end - vma->vm_start < PMD_SIZE)
		return false;
	haddr = (vma->vm_end - PMD_SIZE) & PMD_MASK;
	return haddr >= vma->vm_start;
}

static void show_smap(struct seq_buf *s, struct mm_struct *mm, const struct vm_area_struct *vma)
{
	struct mem_size_stats mss = { 0 };

	smap_gather_stats(mm, vma, &mss);
	proc_maps_vma(s, mm, vma);
	put_kb(s, "Size:           ", vma->vm_end - vma->vm_start, 8);
	put_kb(s, " kB\nKernelPageSize: ", PAGE_SIZE, 8);
	put_kb(s, " kB\nMMUPageSize:    ", PAGE_SIZE, 8);
	seq_puts(s, " kB\n");
	show_smap_counts(s, &mss, false);
	seq_printf(s, "THPeligible:    %8u\n", thp_eligible(mm, vma) ? 1u : 0u);
	show_vm_flags(s, vma->vm_flags);
}

/* The gate VMA ([vsyscall]): 4 kB, no pages, VM_EXEC only. */
static void show_gate_smap(struct seq_buf *s)
{
	struct mem_size_stats mss = { 0 };

	proc_maps_line(s, 0xffffffffff600000UL, 0xffffffffff601000UL, VM_EXEC, 0, 0, 0, 0,
		       "[vsyscall]", NULL);
	put_kb(s, "Size:           ", PAGE_SIZE, 8);
	put_kb(s, " kB\nKernelPageSize: ", PAGE_SIZE, 8);
	put_kb(s, " kB\nMMUPageSize:    ", PAGE_SIZE, 8);
	seq_puts(s, " kB\n");
	show_smap_counts(s, &mss, false);
	seq_printf(s, "THPeligible:    %8u\n", 0u);
	show_vm_flags(s, VM_EXEC);
}

void mm_show_smaps(struct mm_struct *mm, struct seq_buf *s)
{
	const struct vm_area_struct *vma;

	for (vma = mm->mmap; vma; vma = vma->vm_next)
		show_smap(s, mm, vma);
	if (mm->vsyscall)
		show_gate_smap(s);
}

void mm_show_smaps_rollup(struct mm_struct *mm, struct seq_buf *s)
{
	struct mem_size_stats mss = { 0 };
	const struct vm_area_struct *vma;
	unsigned long first = mm->mmap ? mm->mmap->vm_start : 0, last = 0;

	for (vma = mm->mmap; vma; vma = vma->vm_next) {
		smap_gather_stats(mm, vma, &mss);
		last = vma->vm_end;
	}
	proc_maps_line(s, first, last, 0, 0, 0, 0, 0, "[rollup]", NULL);
	show_smap_counts(s, &mss, true);
}

static int show_pid(struct machine *m, int pid, struct seq_buf *s,
		    void (*show)(struct mm_struct *mm, struct seq_buf *s))
{
	struct mm_task *t = m->vm ? mm_task_find(m, pid) : NULL;

	if (!t)
		return -ESRCH;
	mm_down_read(&t->mm->mmap_lock);
	show(t->mm, s);
	mm_up_read(&t->mm->mmap_lock);
	return 0;
}

int proc_pid_smaps_show(struct machine *m, int pid, struct seq_buf *s)
{
	return show_pid(m, pid, s, mm_show_smaps);
}

int proc_pid_smaps_rollup_show(struct machine *m, int pid, struct seq_buf *s)
{
	return show_pid(m, pid, s, mm_show_smaps_rollup);
}
