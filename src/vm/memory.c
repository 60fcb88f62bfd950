/*
 * memory.c - anonymous memory through page tables: the page-fault handler, the copy of page
 * tables at fork, zapping on munmap/exit/MADV_DONTNEED, protection changes, moving tables for
 * mremap, and the CPU's side of an access (mm_access, access_process_vm).
 *
 * Model. A private anonymous page is a frame from the page allocator (zeroed), mapped by PTEs
 * in the machine's encoding (pgtable.h). Its struct page says what the kernel's does:
 * mapping = the VMA's anon_vma tagged PAGE_MAPPING_ANON (rmap.c finds its PTEs from there),
 * index = the linear page index, _mapcount = PTEs mapping it - 1, _refcount = PTEs + other references,
 * PG_anon_exclusive while exactly one process may write it without copying, PG_swapbacked.
 * The shared zero page is a reserved frame mapped by special read-only PTEs; it is never
 * counted (vm_normal_page() is NULL for it).
 *
 * The fault path (handle_mm_fault):
 *   none PTE, read, zero page allowed   -> the zero page, read-only (do_anonymous_page)
 *   none PTE, write (or no zero page)   -> a new zeroed exclusive frame, writable if VM_WRITE
 *   present, write to a write-protected PTE of a VM_WRITE VMA -> do_wp_page: reuse the page
 *        if it is exclusive (or the only reference), else copy its bytes into a new frame
 * fork copies the PTEs of private anonymous VMAs (copy_page_range), write-protected in both
 * processes, and clears PG_anon_exclusive; VM_DONTCOPY VMAs are not copied, VM_WIPEONFORK
 * ones start empty.
 *
 * File and shared mappings have no pages yet (they need the page cache): their faults keep
 * the bookkeeping of the page-table-less model (the VMA counts as resident; a private write
 * prepares an anon_vma), and mm_access on them moves no bytes (-EOPNOTSUPP).
 *
 * Locking: the mmap_lock (read for faults and accesses, write for everything that changes
 * VMAs), and mm->page_table_lock around every PTE change, RSS counter and page state change;
 * an anon_vma family's lock comes before it (a fault that needs the VMA's anon_vma drops the
 * page-table lock, attaches one, and starts again).
 * Every section that changes a PTE begins with tlb_flush() (tlb.h): mm_access's translation
 * cache hits only on entries filled since the last change, so it never alters an access.
 */
#include "vm/internal.h"

#include <string.h>

#include <mmlab/fault_inject.h>
#include <mmlab/page_alloc.h>

#include "pgtable/pgtable.h"
#include "phys/mmzone.h"

#define PG_anon_exclusive	PG_owner_2

static struct pglist_data *node_of(struct mm_struct *mm, struct page *page)
{
	return mm->machine->phys->node_data[page_to_nid(page)];
}

static void add_mm_counter(struct mm_struct *mm, int member, long value)
{
	stat_add_locked(&mm->rss_stat[member], value);
}

unsigned long get_mm_counter(struct mm_struct *mm, int member)
{
	long v = stat_read(&mm->rss_stat[member]);

	return v > 0 ? (unsigned long)v : 0;
}

uint64_t vma_page_prot(const struct vm_area_struct *vma)
{
	return vm_get_page_prot_arch(vma->vm_mm->fmt->arch, vma->vm_flags);
}

static unsigned long linear_page_index(const struct vm_area_struct *vma, unsigned long addr)
{
	return vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
}

/* ---- the zero page ------------------------------------------------------------------------ */

/*
 * The kernel's zero page is a frame of the kernel image, never handed to the page allocator.
 * Here it is the first frame number past the machine's RAM (no struct page, as the kernel
 * never counts it either), and its bytes are this one read-only page of zeros.
 */
static const unsigned char zero_page_bytes[PAGE_SIZE] __attribute__((aligned(4096)));

void vm_zero_page_init(struct machine *m)
{
	m->vm->zero_pfn = m->phys->max_pfn;
	/* the huge zero page: 512 frame numbers further up, 2 MiB aligned */
	m->vm->huge_zero_pfn = (m->phys->max_pfn + 1 + HPAGE_PMD_NR - 1) & ~(HPAGE_PMD_NR - 1UL);
}

static bool is_zero_pfn(struct mm_struct *mm, unsigned long pfn)
{
	return pfn == vm_of(mm)->zero_pfn;
}

static bool is_huge_zero_pfn(struct mm_struct *mm, unsigned long pfn)
{
	return pfn - vm_of(mm)->huge_zero_pfn < HPAGE_PMD_NR;
}

/* The struct page a PTE maps, or NULL for the zero page (vm_normal_page). */
static struct page *vm_normal_page(struct mm_struct *mm, pte_t pte)
{
	unsigned long pfn = pte_pfn(mm->fmt, pte);

	if (pte_special(mm->fmt, pte) || is_zero_pfn(mm, pfn) || is_huge_zero_pfn(mm, pfn))
		return NULL;
	return pfn_to_page(pfn);
}

/* ---- the translation cache (tlb.h) --------------------------------------------------------- */

/*
 * Remember @pte (just updated by the hardware path, page_table_lock held) for the page at
 * @addr, whose bytes start at @base: the kinds of access it allows that would leave it as it is.
 */
static void tlb_fill(struct mm_struct *mm, unsigned long addr, pte_t pte, char *base)
{
	const struct pgtable_fmt *f = mm->fmt;
	struct mm_tlb_entry *e;
	unsigned int ok = 0;

	if (pte_val(pte_hw_access(f, pte, false)) == pte_val(pte)) {
		ok = TLB_READ;
		if (pte_hw_allows(f, pte, false, true))
			ok |= TLB_EXEC;
		if (pte_hw_allows(f, pte, true, false) &&
		    pte_val(pte_hw_access(f, pte, true)) == pte_val(pte))
			ok |= TLB_WRITE;
	}
	mm_bias_lock(&mm->tlb.lock, true);
	e = &mm->tlb.e[(addr >> PAGE_SHIFT) % MM_TLB_ENTRIES];
	e->vpn = addr >> PAGE_SHIFT;
	e->kaddr = base;
	e->ok = ok;
	e->gen = mm->tlb.gen;
	mm_bias_unlock(&mm->tlb.lock);
}

/*
 * One page of an access through the cache, with no lock: true if it hit (the bytes, if @buf,
 * copied inside the biased section, so no flush can let the frame go meanwhile).
 */
static inline bool tlb_access(struct mm_struct *mm, unsigned long addr, unsigned int need,
			      void *buf, unsigned long len, bool to_mm)
{
	const struct mm_tlb_entry *e;
	bool hit;

	if (!mm_bias_enter_fast(&mm->tlb.lock))
		return false;
	e = &mm->tlb.e[(addr >> PAGE_SHIFT) % MM_TLB_ENTRIES];
	hit = e->gen == mm->tlb.gen && e->vpn == addr >> PAGE_SHIFT && (e->ok & need) == need;
	if (hit && buf) {
		char *kaddr = e->kaddr + (addr & ~PAGE_MASK);

		if (to_mm)
			memcpy(kaddr, buf, len);
		else
			memcpy(buf, kaddr, len);
	}
	mm_bias_exit_fast();
	return hit;
}

/* ---- anonymous pages and their reverse-mapping state -------------------------------------- */

bool PageAnon(const struct page *page)
{
	return (unsigned long)page->mapping & PAGE_MAPPING_ANON;
}

static bool PageAnonExclusive(const struct page *page)
{
	return test_page_flag(page, PG_anon_exclusive);
}

/* What page->mapping holds for an anonymous page of @vma: its anon_vma, tagged. */
static void *anon_mapping(const struct vm_area_struct *vma)
{
	return (void *)((unsigned long)vma->anon_vma | PAGE_MAPPING_ANON);
}

/* A new frame's first mapping (folio_add_new_anon_rmap): exclusive to this process. */
static void page_add_new_anon_rmap(struct mm_struct *mm, struct page *page,
				   struct vm_area_struct *vma, unsigned long addr)
{
	VM_BUG_ON(!vma->anon_vma);
	page->mapping = anon_mapping(vma);
	page->index = linear_page_index(vma, addr);
	atomic_store(&page->_mapcount, 0);
	set_page_flag(page, PG_anon_exclusive);
	SetPageSwapBacked(page);
	mod_node_page_state(node_of(mm, page), NR_ANON_PAGES, 1);
}

/* One more PTE maps @page (fork): its reference, its mapcount. */
static void page_dup_anon_rmap(struct page *page)
{
	get_page(page);
	atomic_fetch_add(&page->_mapcount, 1);
}

/* ---- folios: an order-0 page, or a 2 MiB THP (a compound page of HPAGE_PMD_NR) ---------- */

/* PMD mappings of a THP: kept in its first tail page (the kernel's _entire_mapcount). */
static long folio_entire_mapcount(const struct page *head)
{
	return PageHead(head) ? (long)head[1].private : 0;
}

static void folio_entire_add(struct page *head, long d)
{
	head[1].private = (unsigned long)((long)head[1].private + d);
}

static unsigned long folio_nr_pages(const struct page *head)
{
	return PageHead(head) ? 1UL << compound_order(head) : 1;
}

/* The last reference is about to go: the folio leaves the anonymous state for the allocator. */
static void folio_clear_anon(struct page *head)
{
	unsigned long i, n = folio_nr_pages(head);

	head->mapping = NULL;
	ClearPageSwapBacked(head);
	for (i = 0; i < n; i++)
		clear_page_flag(&head[i], PG_anon_exclusive);
	if (PageHead(head))
		head[1].private = 0;
}

/* A PTE that mapped @page is gone: the mapcount and the reference it held. */
static void page_remove_anon_rmap(struct mm_struct *mm, struct page *page)
{
	struct page *head = compound_head(page);

	if (atomic_fetch_sub(&page->_mapcount, 1) == 0) {
		/* the page's last PTE; still mapped if a PMD maps its folio */
		if (!folio_entire_mapcount(head))
			mod_node_page_state(node_of(mm, page), NR_ANON_PAGES, -1);
		clear_page_flag(page, PG_anon_exclusive);
	}
	if (page_ref_count(head) == 1) {
		vm_lru_batch_forget(mm->machine, head);
		folio_clear_anon(head);
	}
	put_page(page);
}

static struct page *alloc_anon_page(void)
{
	return alloc_page(GFP_HIGHUSER_MOVABLE | __GFP_ZERO | __GFP_NOWARN);
}

/* ---- the fault handler --------------------------------------------------------------------- */

struct vm_fault {
	struct vm_area_struct *vma;
	unsigned long address;		/* page aligned */
	unsigned int flags;		/* FAULT_FLAG_* */
	pte_t *pte;
};

static vm_fault_t do_anonymous_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	const struct pgtable_fmt *f = mm->fmt;
	uint64_t prot = vma_page_prot(vma);
	struct page *page;
	pte_t entry;

	if (!(vmf->flags & FAULT_FLAG_WRITE) && !mm->machine->cfg.forbid_zero_page) {
		entry = pte_mkspecial(f, pfn_pte(vm_of(mm)->zero_pfn, prot));
		*vmf->pte = entry;
		return 0;
	}
	if (!vma->anon_vma)
		return VM_FAULT_NEED_ANON;
	page = alloc_anon_page();
	if (!page)
		return VM_FAULT_OOM;
	page_add_new_anon_rmap(mm, page, vma, vmf->address);
	add_mm_counter(mm, MM_ANONPAGES, 1);
	entry = pfn_pte(page_to_pfn(page), prot);
	if (vma->vm_flags & VM_WRITE)
		entry = pte_mkwrite(f, pte_mkdirty(f, entry));
	*vmf->pte = entry;
	return 0;
}

/*
 * A write to a write-protected PTE in a writable private VMA. The page is reused when no
 * other process can see it: PG_anon_exclusive, or (the kernel's wp_can_reuse_anon_folio) a
 * page whose only reference is this PTE, which then becomes exclusive again. Otherwise the
 * bytes are copied into a new exclusive frame (wp_page_copy); the zero page is "copied" by
 * allocating a zeroed frame.
 */
static vm_fault_t do_wp_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	const struct pgtable_fmt *f = mm->fmt;
	pte_t orig = *vmf->pte;
	struct page *old = vm_normal_page(mm, orig), *page;
	pte_t entry;

	if (old && PageAnon(old)) {
		if (!PageAnonExclusive(old) && !PageTail(old) && !PageHead(old) &&
		    page_ref_count(old) == 1 && page_mapcount(old) == 1)
			set_page_flag(old, PG_anon_exclusive);
		if (PageAnonExclusive(old)) {
			/* folio_move_anon_rmap: the page now belongs to this VMA's anon_vma */
			old->mapping = anon_mapping(vma);
			*vmf->pte = pte_mkyoung(f, pte_mkwrite(f, pte_mkdirty(f, orig)));
			return 0;
		}
	}
	if (!vma->anon_vma)
		return VM_FAULT_NEED_ANON;
	/* wp_page_copy: a zeroed frame for the zero page, else an unzeroed one the copy fills */
	page = old ? alloc_page(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN) : alloc_anon_page();
	if (!page)
		return VM_FAULT_OOM;
	if (old)
		memcpy(page_address(page), page_address(old), PAGE_SIZE);
	page_add_new_anon_rmap(mm, page, vma, vmf->address);
	if (!old)
		add_mm_counter(mm, MM_ANONPAGES, 1);	/* from the zero page */
	entry = pte_mkwrite(f, pte_mkdirty(f, pfn_pte(page_to_pfn(page), vma_page_prot(vma))));
	*vmf->pte = entry;
	if (old)
		page_remove_anon_rmap(mm, old);
	return 0;
}

/* File and shared VMAs: no pages until the page cache exists (see the opening comment). */
static vm_fault_t do_pageless_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;

	if (vm_fault_makes_anon_copy(vma->vm_mm, vma, vmf->flags & FAULT_FLAG_WRITE) &&
	    anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	vma->populated = true;
	return 0;
}

bool vma_has_pages(const struct vm_area_struct *vma)
{
	return vma_is_anonymous(vma) && !(vma->vm_flags & VM_SHARED) && vma->special == VMA_NORMAL;
}

/* ---- transparent huge pages ----------------------------------------------------------------- */

/*
 * A 2 MiB THP on a fault, as the kernel's do_huge_pmd_anonymous_page: when the VMA may have
 * one (THP "always", or "madvise" with VM_HUGEPAGE; never with VM_NOHUGEPAGE), the aligned
 * 2 MiB around the fault lies inside the VMA and its page offset is aligned too. A read maps
 * the huge zero page (transparent_hugepage/use_zero_page); a write a zeroed compound page of
 * order 9, or, if there is none, falls back to a 4 KiB page (thp_fault_fallback). Each huge
 * mapping deposits a PTE table for its later split, counted as a page table (VmPTE).
 */
static bool thp_vma_allowable(const struct vm_area_struct *vma, unsigned long haddr)
{
	int mode = vma->vm_mm->machine->cfg.transparent_hugepage;

	if (!vma_has_pages(vma) || (vma->vm_flags & VM_NOHUGEPAGE) || mode == THP_NEVER)
		return false;
	if (mode == THP_MADVISE && !(vma->vm_flags & VM_HUGEPAGE))
		return false;
	if (((vma->vm_start >> PAGE_SHIFT) - vma->vm_pgoff) & (HPAGE_PMD_NR - 1))
		return false;
	return haddr >= vma->vm_start && haddr + PMD_SIZE <= vma->vm_end;
}

/*
 * The type bits of a huge entry with protection @prot: x86 sets PSE on every huge entry; on
 * ARM64 the block type is the valid bit itself, so a PROT_NONE block has neither type bit.
 */
static uint64_t huge_prot(const struct pgtable_fmt *f, uint64_t prot)
{
	uint64_t type = f->huge;

	if ((f->huge & f->present) && !(prot & f->present))
		type = 0;
	return (prot & ~f->type_mask) | type;
}

static uint64_t mk_huge_entry(const struct pgtable_fmt *f, unsigned long pfn, uint64_t prot)
{
	return ((uint64_t)pfn << 12) | huge_prot(f, prot);
}

/*
 * The PTE bits a huge entry's 4 KiB pieces get when it is split: the same, with a page's type
 * bits (ARM64 11, or 10 for a PROT_NONE page; x86 none).
 */
static uint64_t huge_to_pte_bits(const struct pgtable_fmt *f, uint64_t e)
{
	uint64_t type = f->table & f->type_mask;

	if (!(e & f->present))
		type &= ~f->present;
	return (e & ~f->pfn_mask & ~f->type_mask) | type;
}

/* A new THP's first mapping, by a PMD of @vma at @haddr: exclusive, counted as mapped. */
static void thp_add_new_anon_rmap(struct mm_struct *mm, struct page *head,
				  struct vm_area_struct *vma, unsigned long haddr)
{
	unsigned long i;

	VM_BUG_ON(!vma->anon_vma);
	head->mapping = anon_mapping(vma);
	head->index = linear_page_index(vma, haddr);
	SetPageSwapBacked(head);
	for (i = 0; i < HPAGE_PMD_NR; i++)
		set_page_flag(&head[i], PG_anon_exclusive);
	folio_entire_add(head, 1);
	mod_node_page_state(node_of(mm, head), NR_ANON_PAGES, HPAGE_PMD_NR);
	mod_node_page_state(node_of(mm, head), NR_ANON_TRANSPARENT_HUGEPAGES, 1);
	add_mm_counter(mm, MM_ANONPAGES, HPAGE_PMD_NR);
}

static vm_fault_t do_huge_pmd_anonymous_page(struct vm_fault *vmf, uint64_t *slot)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	const struct pgtable_fmt *f = mm->fmt;
	unsigned long haddr = vmf->address & PMD_MASK;
	uint64_t prot = vma_page_prot(vma), e;
	struct page *head;

	/* as the kernel, before the huge zero page too: a read fault gives the VMA its anon_vma */
	if (!vma->anon_vma)
		return VM_FAULT_NEED_ANON;
	if (!(vmf->flags & FAULT_FLAG_WRITE) && mm->machine->cfg.thp_use_zero_page &&
	    !mm->machine->cfg.forbid_zero_page) {
		if (pgtable_trans_huge_deposit(mm, slot))
			return VM_FAULT_OOM;
		if (!atomic_exchange(&vm_of(mm)->huge_zero_used, true))
			count_vm_event(THP_ZERO_PAGE_ALLOC);
		*slot = pte_val(pte_mkspecial(f, __pte(mk_huge_entry(f, vm_of(mm)->huge_zero_pfn,
								     prot))));
		mm->nr_huge_pmds++;
		return 0;
	}
	head = alloc_pages(GFP_TRANSHUGE_LIGHT | __GFP_ZERO, HPAGE_PMD_ORDER);
	if (!head) {
		count_vm_event(THP_FAULT_FALLBACK);
		return VM_FAULT_FALLBACK;
	}
	if (pgtable_trans_huge_deposit(mm, slot)) {
		__free_pages(head, HPAGE_PMD_ORDER);
		return VM_FAULT_OOM;
	}
	thp_add_new_anon_rmap(mm, head, vma, haddr);
	count_vm_event(THP_FAULT_ALLOC);
	e = mk_huge_entry(f, page_to_pfn(head), prot);
	if (vma->vm_flags & VM_WRITE)
		e = pte_val(pte_mkwrite(f, pte_mkdirty(f, __pte(e))));
	*slot = e;
	mm->nr_huge_pmds++;
	return 0;
}

/*
 * __split_huge_pmd: the huge entry at @slot becomes its deposited PTE table with 512 PTEs
 * mapping the same frames with the same bits (the huge zero page: 512 mappings of the zero
 * page); each 4 KiB page of the folio gains a PTE mapping (and the folio a reference per PTE)
 * where the PMD mapping goes.
 */
static void split_huge_pmd_locked(struct mm_struct *mm, uint64_t *slot)
{
	const struct pgtable_fmt *f = mm->fmt;
	uint64_t e = *slot, bits = huge_to_pte_bits(f, e);
	unsigned long pfn = pte_pfn(f, __pte(e)), i;
	pte_t *table = pgtable_trans_huge_withdraw(mm, slot);

	mm->nr_huge_pmds--;
	for (i = 0; i < HPAGE_PMD_NR; i++)	/* the huge zero page becomes the small one */
		table[i] = __pte(((uint64_t)(is_huge_zero_pfn(mm, pfn) ? vm_of(mm)->zero_pfn :
					     pfn + i) << 12) | bits);
	if (!is_huge_zero_pfn(mm, pfn)) {
		struct page *head = pfn_to_page(pfn);

		for (i = 0; i < HPAGE_PMD_NR; i++)
			atomic_fetch_add(&head[i]._mapcount, 1);
		atomic_fetch_add(&head->_refcount, HPAGE_PMD_NR - 1);
		folio_entire_add(head, -1);
		if (!folio_entire_mapcount(head))
			mod_node_page_state(node_of(mm, head), NR_ANON_TRANSPARENT_HUGEPAGES, -1);
	}
	pte_table_install(mm, slot, table);
	count_vm_event(THP_SPLIT_PMD);
}

static int split_one_huge(pte_t *slot, unsigned long addr, int level, void *arg)
{
	(void)addr;
	if (level)
		split_huge_pmd_locked(arg, (uint64_t *)slot);
	return 0;
}

static void split_huge_at(struct mm_struct *mm, unsigned long addr)
{
	uint64_t *slot = pmd_slot(mm, addr, false);

	if (slot && pmd_is_huge(mm, *slot))
		split_huge_pmd_locked(mm, slot);
}

/*
 * Split the huge PMDs of [start, end) that the range does not cover whole: at most the two at
 * its ends (all: every huge PMD of the range).
 */
static void split_huge_range_locked(struct mm_struct *mm, unsigned long start, unsigned long end,
				    bool all)
{
	if (!mm->nr_huge_pmds || start >= end)
		return;
	if (all) {
		pgtable_walk(mm, start, end, split_one_huge, mm);
		return;
	}
	if (start & ~PMD_MASK)
		split_huge_at(mm, start);
	if (end & ~PMD_MASK)
		split_huge_at(mm, end - 1);
}

/* Zap the huge PMD at @slot (its whole 2 MiB lies in the unmapped range). */
static void zap_huge_pmd(struct mm_struct *mm, uint64_t *slot)
{
	unsigned long pfn = pte_pfn(mm->fmt, __pte(*slot)), i, unmapped = 0;
	struct page *head;

	*slot = 0;
	mm->nr_huge_pmds--;
	pgtable_free_withdrawn(mm, pgtable_trans_huge_withdraw(mm, slot));
	if (is_huge_zero_pfn(mm, pfn))
		return;
	head = pfn_to_page(pfn);
	add_mm_counter(mm, MM_ANONPAGES, -(long)HPAGE_PMD_NR);
	folio_entire_add(head, -1);
	if (!folio_entire_mapcount(head)) {
		mod_node_page_state(node_of(mm, head), NR_ANON_TRANSPARENT_HUGEPAGES, -1);
		for (i = 0; i < HPAGE_PMD_NR; i++)
			unmapped += atomic_load(&head[i]._mapcount) < 0;
		mod_node_page_state(node_of(mm, head), NR_ANON_PAGES, -(long)unmapped);
	}
	if (page_ref_count(head) == 1)
		folio_clear_anon(head);
	put_page(head);
}

/*
 * A write to a write-protected huge PMD: reuse the folio if this process owns it, else split
 * the PMD and let the PTE path copy the one 4 KiB page (the kernel's do_huge_pmd_wp_page).
 */
static vm_fault_t do_huge_pmd_wp_page(struct vm_fault *vmf, uint64_t *slot)
{
	struct mm_struct *mm = vmf->vma->vm_mm;
	const struct pgtable_fmt *f = mm->fmt;
	unsigned long pfn = pte_pfn(f, __pte(*slot));

	if (!is_huge_zero_pfn(mm, pfn)) {
		struct page *head = pfn_to_page(pfn);

		if (PageAnonExclusive(head) ||
		    (page_ref_count(head) == 1 && folio_entire_mapcount(head) == 1)) {
			unsigned long i;

			for (i = 0; i < HPAGE_PMD_NR; i++)
				set_page_flag(&head[i], PG_anon_exclusive);
			*slot = pte_val(pte_mkyoung(f, pte_mkwrite(f, pte_mkdirty(f, __pte(*slot)))));
			return 0;
		}
	}
	split_huge_pmd_locked(mm, slot);
	return VM_FAULT_FALLBACK;
}

/*
 * MADV_COLLAPSE of one 2 MiB range whose PMD holds a PTE table: as the kernel's
 * collapse_huge_page, the range needs a writable PTE (else SCAN_PAGE_RO: -EINVAL); a new
 * order-9 folio gets the bytes of every present page (zeros for the rest), and one huge entry
 * replaces the table, which becomes the huge mapping's deposit. -ENOMEM: no order-9 page.
 */
static int collapse_one(struct vm_area_struct *vma, unsigned long haddr, uint64_t *slot)
{
	struct mm_struct *mm = vma->vm_mm;
	const struct pgtable_fmt *f = mm->fmt;
	pte_t *table = (pte_t *)page_address(pfn_to_page(pte_pfn(f, __pte(*slot))));
	struct page *head;
	bool writable = false;
	unsigned long i;
	uint64_t e;

	for (i = 0; i < HPAGE_PMD_NR; i++) {
		if (!pte_none(table[i]) && !pte_present(f, table[i]))
			return -EINVAL;
		writable |= pte_write(f, table[i]);
	}
	if (!writable)
		return -EINVAL;
	head = alloc_pages(GFP_TRANSHUGE | __GFP_ZERO, HPAGE_PMD_ORDER);
	if (!head) {
		count_vm_event(THP_COLLAPSE_ALLOC_FAILED);
		return -ENOMEM;
	}
	count_vm_event(THP_COLLAPSE_ALLOC);
	for (i = 0; i < HPAGE_PMD_NR; i++) {
		struct page *old = pte_none(table[i]) ? NULL : vm_normal_page(mm, table[i]);

		if (old) {
			memcpy(page_address(&head[i]), page_address(old), PAGE_SIZE);
			add_mm_counter(mm, MM_ANONPAGES, -1);
			page_remove_anon_rmap(mm, old);
		}
		table[i] = __pte(0);
	}
	thp_add_new_anon_rmap(mm, head, vma, haddr);
	e = mk_huge_entry(f, page_to_pfn(head), vma_page_prot(vma));
	if (vma->vm_flags & VM_WRITE)
		e = pte_val(pte_mkwrite(f, pte_mkdirty(f, __pte(e))));
	pgtable_deposit_table(slot, table);	/* the emptied PTE table becomes the deposit */
	*slot = e;
	mm->nr_huge_pmds++;
	return 0;
}

int vm_collapse_range(struct vm_area_struct *vma, unsigned long start, unsigned long end)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long hstart = (start + PMD_SIZE - 1) & PMD_MASK, hend = end & PMD_MASK, a;
	int err = 0, last_err = 0;

	/*
	 * thp_vma_allowable_order outside a fault: the VMA must hold a whole aligned PMD (tried
	 * at its end) with its page offset aligned, whatever part of it the range covers.
	 */
	unsigned long last = vma->vm_end >= PMD_SIZE ? (vma->vm_end - PMD_SIZE) & PMD_MASK : 0;

	if (!vma_has_pages(vma) || (vma->vm_flags & VM_NOHUGEPAGE) ||
	    vma->vm_end < PMD_SIZE || last < vma->vm_start ||
	    (((vma->vm_start >> PAGE_SHIFT) - vma->vm_pgoff) & (HPAGE_PMD_NR - 1)))
		return -EINVAL;
	mm_lock(&mm->page_table_lock);
	tlb_flush(mm);
	for (a = hstart; a < hend && a >= hstart; a += PMD_SIZE) {
		uint64_t *slot = mm_maps_nothing(mm) ? NULL : pmd_slot(mm, a, false);

		if (slot && pmd_is_huge(mm, *slot))
			continue;			/* SCAN_PMD_MAPPED: done already */
		err = slot && *slot ? collapse_one(vma, a, slot) : -EINVAL;	/* SCAN_PMD_NULL */
		if (err)
			last_err = err;
	}
	mm_unlock(&mm->page_table_lock);
	return last_err;
}

vm_fault_t handle_mm_fault(struct vm_area_struct *vma, unsigned long address, unsigned int flags)
{
	struct mm_struct *mm = vma->vm_mm;
	struct vm_fault vmf = { .vma = vma, .address = address & PAGE_MASK, .flags = flags };
	vm_fault_t ret = 0;
	uint64_t *slot;
	pte_t entry;

	count_vm_event(PGFAULT);
	atomic_fetch_add_explicit(&mm->min_flt, 1, memory_order_relaxed);
	if (!vma_has_pages(vma))
		return do_pageless_fault(&vmf);
retry:
	mm_lock(&mm->page_table_lock);
	tlb_flush(mm);
	slot = pmd_slot(mm, vmf.address, true);
	if (!slot) {
		ret = VM_FAULT_OOM;
		goto out;
	}
	if (!*slot && thp_vma_allowable(vma, vmf.address & PMD_MASK)) {
		ret = do_huge_pmd_anonymous_page(&vmf, slot);
		if (ret != VM_FAULT_FALLBACK)
			goto out;
		ret = 0;
	} else if (pmd_is_huge(mm, *slot)) {
		entry = __pte(*slot);
		if ((flags & FAULT_FLAG_WRITE) && !pte_write(mm->fmt, entry)) {
			ret = do_huge_pmd_wp_page(&vmf, slot);
			if (ret != VM_FAULT_FALLBACK)
				goto out;
			ret = 0;
		} else {
			entry = pte_mkyoung(mm->fmt, entry);
			if (flags & FAULT_FLAG_WRITE)
				entry = pte_mkdirty(mm->fmt, entry);
			*slot = pte_val(entry);
			goto out;
		}
	}
	/* the PMD entry is a table by now, or empty: then pte_alloc makes the table */
	vmf.pte = *slot ? pte_from_pmd(mm, slot, vmf.address) : pte_alloc(mm, vmf.address);
	if (!vmf.pte) {
		ret = VM_FAULT_OOM;
		goto out;
	}
	entry = *vmf.pte;
	if (pte_none(entry)) {
		ret = do_anonymous_page(&vmf);
	} else if ((flags & FAULT_FLAG_WRITE) && !pte_write(mm->fmt, entry)) {
		ret = do_wp_page(&vmf);
	} else {
		/* spurious, or only the accessed/dirty bits were missing */
		entry = pte_mkyoung(mm->fmt, entry);
		if (flags & FAULT_FLAG_WRITE)
			entry = pte_mkdirty(mm->fmt, entry);
		*vmf.pte = entry;
	}
out:
	mm_unlock(&mm->page_table_lock);
	if (ret == VM_FAULT_NEED_ANON) {
		/* the anon_vma lock comes before the page-table lock: attach, then fault again */
		if (anon_vma_prepare(vma))
			return VM_FAULT_OOM;
		ret = 0;
		goto retry;
	}
	return ret;
}

/* ---- fork: copy_page_range ------------------------------------------------------------------ */

struct copy_walk {
	struct mm_struct *dst;
	struct vm_area_struct *dst_vma;
	int err;
	/* the child's PTE table of the last PMD range copied (allocated once per table) */
	unsigned long table_base;	/* that range's start; 1: none yet */
	pte_t *table;
};

/* copy_huge_pmd: the child maps the same THP (or the huge zero page) write-protected. */
static int copy_huge_pmd(struct copy_walk *c, uint64_t *src, unsigned long addr)
{
	struct mm_struct *dst = c->dst;
	const struct pgtable_fmt *f = dst->fmt;
	uint64_t *d = pmd_slot(dst, addr, true);
	pte_t entry = __pte(*src);
	unsigned long pfn = pte_pfn(f, entry), i;

	if (!d || pgtable_trans_huge_deposit(dst, d)) {
		c->err = -ENOMEM;
		return 1;
	}
	if (!is_huge_zero_pfn(dst, pfn)) {
		struct page *head = pfn_to_page(pfn);

		get_page(head);
		folio_entire_add(head, 1);
		for (i = 0; i < HPAGE_PMD_NR; i++)
			clear_page_flag(&head[i], PG_anon_exclusive);
		add_mm_counter(dst, MM_ANONPAGES, HPAGE_PMD_NR);
		if (pte_write(f, entry)) {
			entry = pte_wrprotect(f, entry);
			*src = pte_val(entry);
		}
	}
	*d = pte_val(pte_mkold(f, entry));
	dst->nr_huge_pmds++;
	return 0;
}

static int copy_one_pte(pte_t *src, unsigned long addr, int level, void *arg)
{
	struct copy_walk *c = arg;
	struct mm_struct *dst = c->dst;
	const struct pgtable_fmt *f = dst->fmt;
	pte_t entry = *src, *d;
	struct page *page;

	if (level)
		return copy_huge_pmd(c, (uint64_t *)src, addr);
	if (!pte_present(f, entry))
		return 0;
	if ((addr & PMD_MASK) != c->table_base) {
		d = pte_alloc(dst, addr);
		if (!d) {
			c->err = -ENOMEM;
			return 1;
		}
		c->table_base = addr & PMD_MASK;
		c->table = d - ((addr & ~PMD_MASK) >> PAGE_SHIFT);
	}
	d = c->table + ((addr & ~PMD_MASK) >> PAGE_SHIFT);
	page = vm_normal_page(dst, entry);
	if (page) {
		page_dup_anon_rmap(page);
		clear_page_flag(page, PG_anon_exclusive);
		add_mm_counter(dst, MM_ANONPAGES, 1);
		/* private COW mapping: write-protect in both (the kernel's __copy_present_ptes) */
		if (pte_write(f, entry)) {
			entry = pte_wrprotect(f, entry);
			*src = entry;
		}
	}
	/* the child's PTE is old, as copy_present_ptes leaves it for a COW mapping */
	*d = pte_mkold(f, entry);
	return 0;
}

int copy_page_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma)
{
	struct mm_struct *src = src_vma->vm_mm, *dst = dst_vma->vm_mm;
	struct copy_walk c = { .dst = dst, .dst_vma = dst_vma, .table_base = 1 };

	if (!vma_has_pages(src_vma) || !src_vma->anon_vma)
		return 0;
	mm_lock(&src->page_table_lock);
	mm_lock(&dst->page_table_lock);
	tlb_flush(src);		/* its writable PTEs become write-protected */
	pgtable_walk(src, src_vma->vm_start, src_vma->vm_end, copy_one_pte, &c);
	mm_unlock(&dst->page_table_lock);
	mm_unlock(&src->page_table_lock);
	return c.err;
}

/* ---- zap: unmapping pages ------------------------------------------------------------------- */

static int zap_one_pte(pte_t *pte, unsigned long addr, int level, void *arg)
{
	struct mm_struct *mm = arg;
	struct page *page;

	(void)addr;
	if (level) {
		zap_huge_pmd(mm, (uint64_t *)pte);
		return 0;
	}
	page = vm_normal_page(mm, *pte);
	*pte = __pte(0);
	if (page) {
		add_mm_counter(mm, MM_ANONPAGES, -1);
		page_remove_anon_rmap(mm, page);
	}
	return 0;
}

void zap_page_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	if (mm_maps_nothing(mm))
		return;
	update_hiwater_rss(mm);
	mm_lock(&mm->page_table_lock);
	tlb_flush(mm);		/* before any frame is let go */
	split_huge_range_locked(mm, start, end, false);
	pgtable_walk(mm, start, end, zap_one_pte, mm);
	mm_unlock(&mm->page_table_lock);
}

void free_pgtables_range(struct mm_struct *mm, unsigned long start, unsigned long end,
			 unsigned long floor, unsigned long ceiling)
{
	if (mm_maps_nothing(mm))
		return;
	mm_lock(&mm->page_table_lock);
	free_pgd_range(mm, start, end, floor, ceiling);
	mm_unlock(&mm->page_table_lock);
}

/*
 * Debug check of pgtable_unmap_is_noop's answer: the walks it spares run anyway and must not
 * change a table or a page count.
 */
static void unmap_region_check_noop(struct mm_struct *mm, unsigned long start, unsigned long end,
				    unsigned long floor, unsigned long ceiling)
{
	unsigned long bytes = mm->pgtables_bytes, huge = mm->nr_huge_pmds, rss[NR_MM_COUNTERS];
	int i;

	for (i = 0; i < NR_MM_COUNTERS; i++)
		rss[i] = get_mm_counter(mm, i);
	zap_page_range(mm, start, end);
	free_pgtables_range(mm, start, end, floor, ceiling);
	MM_BUG_ON(mm->pgtables_bytes != bytes || mm->nr_huge_pmds != huge);
	for (i = 0; i < NR_MM_COUNTERS; i++)
		MM_BUG_ON(get_mm_counter(mm, i) != rss[i]);
}

void unmap_region(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	struct vm_area_struct *prev = NULL, *next;
	unsigned long floor, ceiling;
	bool noop;

	if (mm_maps_nothing(mm))
		return;
	next = find_vma(mm, start);
	if (next && next->vm_start < end)
		return;		/* still mapped: the caller unmaps VMAs first */
	prev = next ? next->vm_prev : mm->mmap_last;
	floor = prev ? prev->vm_end : 0;
	ceiling = next ? next->vm_start : 0;
	/*
	 * A range no table reaches (a mapping never touched) has nothing to zap or free: skip
	 * both walks, and the translation-cache flush, which only matters when a PTE changes.
	 */
	mm_lock(&mm->page_table_lock);
	noop = pgtable_unmap_is_noop(mm, start, end, floor, ceiling);
	mm_unlock(&mm->page_table_lock);
	if (noop) {
		update_hiwater_rss(mm);
		if (mm_debug_on(mm->machine, MM_DEBUG_CHECKS))
			unmap_region_check_noop(mm, start, end, floor, ceiling);
		return;
	}
	zap_page_range(mm, start, end);
	free_pgtables_range(mm, start, end, floor, ceiling);
}

/* ---- MADV_FREE and MADV_PAGEOUT: lazy-free pages ---------------------------------------------- */

struct lazy_walk {
	struct mm_struct *mm;
	int advice;		/* MADV_FREE, MADV_COLD or MADV_PAGEOUT */
};

/*
 * MADV_FREE (madvise_free_pte_range): an exclusive anonymous page becomes lazy-free: its PTE
 * clean and old, the page no longer swap-backed, so reclaim may drop it unless it is written
 * again. MADV_COLD and MADV_PAGEOUT (madvise_cold_or_pageout_pte_range) make an exclusive
 * page's PTE old; MADV_PAGEOUT then reclaims the range: a lazy-free page whose PTE stayed
 * clean is discarded, even without swap; one written since is swap-backed again and kept, as
 * is every other page (no swap to write it to). Pages mapped by more than one PTE are left
 * alone, as the kernel leaves shared folios.
 */
static int lazy_one_pte(pte_t *pte, unsigned long addr, int level, void *arg)
{
	struct lazy_walk *w = arg;
	struct mm_struct *mm = w->mm;
	const struct pgtable_fmt *f = mm->fmt;
	struct page *page;

	(void)addr;
	if (level || !pte_present(f, *pte))
		return 0;	/* THPs stay whole (the kernel would split a partial one first) */
	page = vm_normal_page(mm, *pte);
	if (!page || !PageAnon(page) || PageHead(page) || PageTail(page))
		return 0;
	if (w->advice == MADV_FREE) {
		/*
		 * Only a PG_dirty folio (never an anonymous one here: no swap cache) must be
		 * mapped once; a shared one is made lazy-free too, its PTE here clean and old.
		 */
		*pte = pte_mkold(f, pte_mkclean(f, *pte));
		folio_mark_lazyfree(mm->machine, page);
		return 0;
	}
	if (page_mapcount(page) != 1)
		return 0;	/* other mappings of a shared folio are left alone */
	/* COLD ages the PTE; PAGEOUT leaves it (its reclaim ignores references) */
	if (w->advice == MADV_COLD)
		*pte = pte_mkold(f, *pte);
	ClearPageReferenced(page);
	if (w->advice == MADV_COLD || PageSwapBacked(page))
		return 0;
	if (pte_dirty(f, *pte)) {
		SetPageSwapBacked(page);	/* written again: a normal page once more */
		return 0;
	}
	*pte = __pte(0);
	add_mm_counter(mm, MM_ANONPAGES, -1);
	page_remove_anon_rmap(mm, page);
	return 0;
}

void vm_advise_pages(struct mm_struct *mm, unsigned long start, unsigned long end, int advice)
{
	struct lazy_walk w = { .mm = mm, .advice = advice };

	lru_add_drain(mm->machine);	/* each VMA's madvise_free/cold/pageout begins so */
	if (mm_maps_nothing(mm))
		return;
	mm_lock(&mm->page_table_lock);
	tlb_flush(mm);
	pgtable_walk(mm, start, end, lazy_one_pte, &w);
	mm_unlock(&mm->page_table_lock);
}

/* ---- mprotect: change_protection ------------------------------------------------------------ */

struct prot_walk {
	struct mm_struct *mm;
	struct vm_area_struct *vma;
	uint64_t newprot;
	bool soft_dirty_tracked;	/* a write must fault to mark a clean page soft-dirty */
};

static int change_one_pte(pte_t *pte, unsigned long addr, int level, void *arg)
{
	struct prot_walk *w = arg;
	const struct pgtable_fmt *f = w->mm->fmt;
	pte_t entry = *pte;
	struct page *page;

	(void)addr;
	if (!pte_present(f, entry))
		return 0;
	if (level)	/* a huge entry keeps its block/PSE type bits */
		entry = pte_modify(f, entry, huge_prot(f, w->newprot));
	else
		entry = pte_modify(f, entry, w->newprot);
	/*
	 * The write upgrade of can_change_pte_writable(): a private page this process owns
	 * exclusively becomes writable at once (no fault needed); shared and COW pages stay
	 * write-protected, the zero page always.
	 */
	page = vm_normal_page(w->mm, entry);
	if ((w->vma->vm_flags & VM_WRITE) && page && PageAnon(page) && PageAnonExclusive(page) &&
	    !(w->soft_dirty_tracked && !pte_soft_dirty(f, entry)))
		entry = pte_mkwrite(f, entry);
	*pte = entry;
	return 0;
}

void change_protection(struct vm_area_struct *vma, unsigned long start, unsigned long end)
{
	struct mm_struct *mm = vma->vm_mm;
	struct prot_walk w = { .mm = mm, .vma = vma, .newprot = vma_page_prot(vma),
			       .soft_dirty_tracked = mm->machine->cfg.soft_dirty &&
						     !(vma->vm_flags & VM_SOFTDIRTY) };

	if (!vma_has_pages(vma) || mm_maps_nothing(mm))
		return;
	mm_lock(&mm->page_table_lock);
	tlb_flush(mm);
	split_huge_range_locked(mm, start, end, false);
	pgtable_walk(mm, start, end, change_one_pte, &w);
	mm_unlock(&mm->page_table_lock);
}

/* ---- mremap: move_page_tables ---------------------------------------------------------------- */

/*
 * Move the PTEs of [old_addr, old_addr + len) to new_addr (of @new_vma), one entry at a time,
 * allocating the destination tables first so a failure leaves both ranges as they were.
 * Returns 0 or -ENOMEM. The pages keep their index (new_vma->vm_pgoff carries it).
 */
/*
 * A huge PMD at @o that moves whole to @n (move_huge_pmd): both 2 MiB aligned, the whole
 * 2 MiB inside the move, and nothing at the destination yet. The source slot, or NULL.
 */
static uint64_t *movable_huge(struct mm_struct *mm, unsigned long o, unsigned long n,
			      unsigned long left)
{
	uint64_t *s = pmd_slot(mm, o, false), *d;

	if (!s || !pmd_is_huge(mm, *s) || (o & ~PMD_MASK) || (n & ~PMD_MASK) || left < PMD_SIZE)
		return NULL;
	d = pmd_slot(mm, n, false);
	return d && *d ? NULL : s;
}

int move_page_tables(struct vm_area_struct *vma, unsigned long old_addr,
		     struct vm_area_struct *new_vma, unsigned long new_addr, unsigned long len)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long off;

	if (!vma_has_pages(vma) || mm_maps_nothing(mm))
		return 0;
	mm_lock(&mm->page_table_lock);
	tlb_flush(mm);
	/* the destination tables first: huge PMDs that move whole need the PMD table only */
	for (off = 0; off < len; ) {
		unsigned long o = old_addr + off, n = new_addr + off;
		uint64_t *hs = mm->nr_huge_pmds ? movable_huge(mm, o, n, len - off) : NULL;
		pte_t *src;

		if (hs) {
			if (!pmd_slot(mm, n, true))
				goto nomem;
			off += PMD_SIZE;
			continue;
		}
		if (mm->nr_huge_pmds)
			split_huge_at(mm, o);	/* a THP that cannot move whole: as PTEs */
		src = pte_offset(mm, o);
		if (src && !pte_none(*src) && !pte_alloc(mm, n))
			goto nomem;
		off += PAGE_SIZE;
	}
	for (off = 0; off < len; ) {
		unsigned long o = old_addr + off, n = new_addr + off;
		uint64_t *hs = mm->nr_huge_pmds ? movable_huge(mm, o, n, len - off) : NULL;
		pte_t *src, *dst;

		if (hs) {
			uint64_t *hd = pmd_slot(mm, n, false);

			*hd = *hs;
			*hs = 0;
			pgtable_deposit_table(hd, pgtable_trans_huge_withdraw(mm, hs));
			off += PMD_SIZE;
			continue;
		}
		off += PAGE_SIZE;
		src = pte_offset(mm, o);
		if (!src || pte_none(*src))
			continue;
		dst = pte_offset(mm, n);
		MM_BUG_ON(!dst || !pte_none(*dst));
		*dst = *src;
		*src = __pte(0);
	}
	mm_unlock(&mm->page_table_lock);
	(void)new_vma;
	return 0;
nomem:
	mm_unlock(&mm->page_table_lock);
	return -ENOMEM;
}

/* ---- mincore ---------------------------------------------------------------------------------- */

bool vm_page_present(struct mm_struct *mm, unsigned long addr)
{
	uint64_t *slot;
	pte_t *pte;

	if (mm_maps_nothing(mm))
		return false;
	slot = pmd_slot(mm, addr, false);
	if (slot && pmd_is_huge(mm, *slot))
		return true;
	pte = pte_offset(mm, addr);
	return pte && pte_present(mm->fmt, *pte);
}

/* ---- the CPU: mm_access and access_process_vm ---------------------------------------------- */

/* The access check of the fault path (access_error): 0, or the SIGSEGV errno. */
static int access_error(const struct vm_area_struct *vma, unsigned int flags)
{
	if (flags & FAULT_FLAG_WRITE)
		return vma->vm_flags & VM_WRITE ? 0 : -EACCES;
	if (flags & FAULT_FLAG_INSTRUCTION)
		return vma->vm_flags & VM_EXEC ? 0 : -EACCES;
	return vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC) ? 0 : -EACCES;
}

/* The errno of a fault's result. */
static int fault_errno(vm_fault_t r)
{
	if (r & VM_FAULT_OOM)
		return -ENOMEM;
	if (r & VM_FAULT_SIGBUS)
		return -EIO;
	if (r & VM_FAULT_SIGSEGV)
		return -EFAULT;
	return 0;
}

/*
 * One page of an access, the mmap_lock held for read: the hardware walk, then the fault
 * handler if the hardware refuses. *@kaddr gets the host address of the byte at @addr (NULL
 * for a page-less VMA). -EAGAIN: the stack must grow (retry with the write lock).
 */
static int access_page(struct mm_struct *mm, unsigned long addr, unsigned int flags, bool may_grow,
		       void **kaddr)
{
	const struct pgtable_fmt *f = mm->fmt;
	bool write = flags & FAULT_FLAG_WRITE, exec = flags & FAULT_FLAG_INSTRUCTION;
	struct vm_area_struct *vma;
	int tries, err;

	for (tries = 0; tries < 3; tries++) {
		uint64_t *slot;
		pte_t *pte = NULL;

		mm_lock(&mm->page_table_lock);
		slot = mm_maps_nothing(mm) ? NULL : pmd_slot(mm, addr, false);
		if (slot && pmd_is_huge(mm, *slot))
			pte = (pte_t *)slot;	/* the huge entry itself: same bits */
		else if (slot)
			pte = pte_from_pmd(mm, slot, addr);
		if (pte && pte_hw_allows(f, *pte, write, exec)) {
			unsigned long pfn = pte_pfn(f, *pte);
			char *base;

			if (pte == (pte_t *)slot)	/* the 4 KiB piece of a huge page */
				pfn += (addr >> PAGE_SHIFT) & (HPAGE_PMD_NR - 1);
			base = is_zero_pfn(mm, pfn) || is_huge_zero_pfn(mm, pfn) ?
				       (char *)zero_page_bytes : (char *)page_address(pfn_to_page(pfn));
			*pte = pte_hw_access(f, *pte, write);
			*kaddr = base + (addr & ~PAGE_MASK);
			tlb_fill(mm, addr, *pte, base);
			mm_unlock(&mm->page_table_lock);
			return 0;
		}
		mm_unlock(&mm->page_table_lock);
		vma = find_vma(mm, addr);
		if (!vma)
			return -EFAULT;
		if (addr < vma->vm_start) {
			if (!(vma->vm_flags & VM_GROWSDOWN))
				return -EFAULT;
			if (!may_grow)
				return -EAGAIN;
			if (vm_expand_stack(mm, vma, addr & PAGE_MASK))
				return -EFAULT;
		}
		err = access_error(vma, flags);
		if (err)
			return err;
		if (((addr - vma->vm_start) >> PAGE_SHIFT) >= vma_pages_in_file(vma))
			return -EIO;	/* SIGBUS past the end of the file */
		err = fault_errno(handle_mm_fault(vma, addr, flags | FAULT_FLAG_USER));
		if (err)
			return err;
		if (!vma_has_pages(vma)) {
			*kaddr = NULL;
			return 0;
		}
	}
	MM_BUG_ON(1);	/* a fault that does not make the access possible */
	return -EFAULT;
}

static unsigned int access_flags(enum mm_access_kind kind)
{
	switch (kind) {
	case MM_ACCESS_WRITE:
		return FAULT_FLAG_WRITE;
	case MM_ACCESS_EXEC:
		return FAULT_FLAG_INSTRUCTION;
	default:
		return 0;
	}
}

/*
 * The pages of [addr, addr + len) in ascending order, each through access_page, copying bytes
 * between @buf and the frames when @buf is given (@to_mm: from @buf into the process).
 */
static long access_range(struct mm_struct *mm, unsigned long addr, unsigned long len,
			 unsigned int flags, void *buf, bool to_mm, unsigned long *done)
{
	unsigned long pos = addr, end = addr + len;
	unsigned int need = flags & FAULT_FLAG_WRITE ? TLB_WRITE :
			    flags & FAULT_FLAG_INSTRUCTION ? TLB_EXEC : TLB_READ;
	bool grow = false;
	long err = 0;

	*done = 0;
	if (len == 0)
		return 0;
	if (end < addr || end > mm->task_size)
		return -EFAULT;
	while (pos < end) {
		unsigned long chunk = MIN(end - pos, PAGE_SIZE - (pos & ~PAGE_MASK));
		void *kaddr = NULL;

		if (!grow && tlb_access(mm, pos, need, buf ? (char *)buf + (pos - addr) : NULL, chunk,
					to_mm)) {
			pos += chunk;
			*done = pos - addr;
			continue;
		}
		if (grow)
			mm_down_write(&mm->mmap_lock);
		else
			mm_down_read(&mm->mmap_lock);
		err = access_page(mm, pos, flags, grow, &kaddr);
		if (!err && buf && !kaddr)
			err = -EOPNOTSUPP;
		if (!err && buf) {
			if (to_mm)
				memcpy(kaddr, (char *)buf + (pos - addr), chunk);
			else
				memcpy((char *)buf + (pos - addr), kaddr, chunk);
		}
		if (grow)
			mm_up_write(&mm->mmap_lock);
		else
			mm_up_read(&mm->mmap_lock);
		if (err == -EAGAIN && !grow) {
			grow = true;	/* retry this page with the write lock */
			continue;
		}
		grow = false;
		if (err)
			break;
		pos += chunk;
		*done = pos - addr;
	}
	return err;
}

/* Within one page (a cached page is below TASK_SIZE, so no wrap or limit check is needed). */
static inline bool access_in_one_page(unsigned long addr, unsigned long len)
{
	return len && (addr & ~PAGE_MASK) + len <= PAGE_SIZE;
}

int mm_access(struct mm_struct *mm, unsigned long addr, unsigned long len, enum mm_access_kind kind)
{
	static const unsigned int need[] = {
		[MM_ACCESS_READ] = TLB_READ, [MM_ACCESS_WRITE] = TLB_WRITE, [MM_ACCESS_EXEC] = TLB_EXEC,
	};
	unsigned long done;

	if (access_in_one_page(addr, len) && (unsigned int)kind <= MM_ACCESS_EXEC &&
	    tlb_access(mm, addr, need[kind], NULL, 0, false))
		return 0;
	return (int)access_range(mm, addr, len, access_flags(kind), NULL, false, &done);
}

long access_process_vm(struct mm_struct *mm, unsigned long addr, void *buf, unsigned long len,
		       bool write)
{
	unsigned long done;
	long err;

	if (access_in_one_page(addr, len) &&
	    tlb_access(mm, addr, write ? TLB_WRITE : TLB_READ, buf, len, write))
		return (long)len;
	err = access_range(mm, addr, len, write ? FAULT_FLAG_WRITE : 0, buf, write, &done);
	return done ? (long)done : err;
}

int mm_touch(struct mm_struct *mm, unsigned long addr, bool write)
{
	return mm_access(mm, addr, 1, write ? MM_ACCESS_WRITE : MM_ACCESS_READ);
}

/* ---- populate (GUP's faults) ----------------------------------------------------------------- */

/*
 * folio_mark_accessed without MGLRU (this host's kernel has none): the first touch sets
 * PG_referenced, the next one activates the folio and clears it. mmlab keeps no LRU lists:
 * PG_active only records the activation (smaps' Referenced reads PG_referenced).
 */
static void folio_mark_accessed(struct page *folio)
{
	if (!PageReferenced(folio)) {
		SetPageReferenced(folio);
	} else if (!PageActive(folio)) {
		SetPageActive(folio);
		ClearPageReferenced(folio);
	}
}

/* GUP's FOLL_TOUCH on the page a present @pte maps (page_table_lock held). */
static void gup_touch(struct mm_struct *mm, pte_t pte)
{
	struct page *page = vm_normal_page(mm, pte);

	if (page)
		folio_mark_accessed(compound_head(page));
}

/*
 * Fault in [start, end) of one VMA as get_user_pages does for populate: a write fault for a
 * writable private mapping when @write, else a read fault; each page only if the hardware
 * would fault on it. The mmap_lock is held. Returns 0 or -ENOMEM.
 */
int vm_populate_vma(struct vm_area_struct *vma, unsigned long start, unsigned long end, bool write)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned int flags = write ? FAULT_FLAG_WRITE : 0;

	if (start >= end)
		return 0;
	unsigned long a;

	if (!vma_has_pages(vma)) {
		lru_add_drain(mm->machine);
		return fault_errno(handle_mm_fault(vma, start, flags));
	}
	for (a = start; a < end; a += PAGE_SIZE) {
		uint64_t *slot;
		pte_t *pte = NULL;
		bool ok, huge;

		mm_lock(&mm->page_table_lock);
		slot = mm_maps_nothing(mm) ? NULL : pmd_slot(mm, a, false);
		huge = slot && pmd_is_huge(mm, *slot);
		if (huge)
			pte = (pte_t *)slot;
		else if (slot)
			pte = pte_from_pmd(mm, slot, a);
		ok = pte && pte_present(mm->fmt, *pte) && (!write || pte_write(mm->fmt, *pte));
		if (ok)
			gup_touch(mm, *pte);
		mm_unlock(&mm->page_table_lock);
		if (ok) {
			if (huge)	/* GUP follows the whole huge page */
				a = (a & PMD_MASK) + PMD_SIZE - PAGE_SIZE;
			continue;
		}
		if (fault_errno(handle_mm_fault(vma, a, flags))) {
			lru_add_drain(mm->machine);
			return -ENOMEM;
		}
		a -= PAGE_SIZE;	/* and follow the page the fault mapped (FOLL_TOUCH) */
	}
	lru_add_drain(mm->machine);	/* populate_vma_page_range's GUP ends so */
	return 0;
}

/* ---- exit ------------------------------------------------------------------------------------ */

void exit_mmap_pages(struct mm_struct *mm)
{
	if (!mm->pgd)
		return;
	zap_page_range(mm, 0, mm->task_size);
	free_pgtables_range(mm, 0, mm->task_size, 0, 0);
	pgd_free(mm);
}

/* ---- the invariant checker ------------------------------------------------------------------- */

struct check_map {
	unsigned long head;	/* the folio's first pfn */
	unsigned long pfn;	/* the page a PTE maps; for a PMD mapping, the head */
	bool pmd;
};

struct check_walk {
	struct mm_struct *mm;
	struct check_map *maps;
	size_t nr, cap;
	unsigned long anon, huge;
	bool nomem;
	char *why;
	size_t why_size;
	int bad;
};

static int check_fail(struct check_walk *c, const char *fmt, unsigned long a, unsigned long b)
{
	snprintf(c->why, c->why_size, fmt, a, b);
	return c->bad = -EUCLEAN;
}

static int check_one_pte(pte_t *pte, unsigned long addr, int level, void *arg)
{
	struct check_walk *c = arg;
	struct mm_struct *mm = c->mm;
	struct vm_area_struct *vma = find_vma(mm, addr);
	struct page *page, *head;
	unsigned long pfn;

	if (!pte_present(mm->fmt, *pte))
		return check_fail(c, "pte %#lx: not present but not none (%#lx)", addr,
				  (unsigned long)pte_val(*pte));
	if (!vma || vma->vm_start > addr || !vma_has_pages(vma) ||
	    (level && addr + PMD_SIZE > vma->vm_end))
		return check_fail(c, "pte %#lx (level %lu): outside every VMA with pages", addr,
				  (unsigned long)level);
	pfn = pte_pfn(mm->fmt, *pte);
	c->huge += level != 0;
	if (level && is_huge_zero_pfn(mm, pfn))
		return 0;
	page = level ? pfn_to_page(pfn) : vm_normal_page(mm, *pte);
	if (!page)
		return 0;
	head = compound_head(page);
	if (!PageAnon(head) ||
	    head->index + (unsigned long)(page - head) != linear_page_index(vma, addr))
		return check_fail(c, "pte %#lx: page not anonymous or index %#lx wrong", addr,
				  head->index);
	if (level && !PageHead(page))
		return check_fail(c, "pmd %#lx: maps pfn %#lx, not a THP", addr, pfn);
	if (pte_write(mm->fmt, *pte) && !PageAnonExclusive(page))
		return check_fail(c, "pte %#lx: writable but page %#lx is not exclusive", addr, pfn);
	if (!rmap_finds(head, vma, addr - ((unsigned long)(page - head) << PAGE_SHIFT)))
		return check_fail(c, "pte %#lx: the rmap of page %#lx does not find it", addr, pfn);
	c->anon += level ? HPAGE_PMD_NR : 1;
	if (c->nr == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct check_map *p = realloc(c->maps, cap * sizeof(*p));

		if (!p) {
			c->nomem = true;
			return 1;
		}
		c->maps = p;
		c->cap = cap;
	}
	c->maps[c->nr++] = (struct check_map){ page_to_pfn(head), pfn, level != 0 };
	return 0;
}

static int cmp_map(const void *a, const void *b)
{
	const struct check_map *x = a, *y = b;

	if (x->head != y->head)
		return x->head < y->head ? -1 : 1;
	if (x->pfn != y->pfn)
		return x->pfn < y->pfn ? -1 : 1;
	return (int)x->pmd - (int)y->pmd;
}

/*
 * One folio's mappings, maps[0..n) (sorted by pfn): its refcount is one per mapping, its
 * entire mapcount the PMD mappings, each page's mapcount its PTE mappings. Adds the pages it
 * keeps mapped to *@pages and a PMD-mapped THP to *@thps. 0 or -EUCLEAN.
 */
static int check_folio(const struct check_map *maps, size_t n, unsigned long *pages,
		       unsigned long *thps, char *why, size_t why_size)
{
	struct page *head = pfn_to_page(maps[0].head);
	unsigned long nr = folio_nr_pages(head), i;
	long pmd = 0, ptes = 0, distinct = 0;
	size_t k = 0;

	for (i = 0; i < n; i++)
		pmd += maps[i].pmd;
	for (i = 0; i < nr; i++) {
		long here = 0;

		while (k < n && maps[k].pfn < maps[0].head + i)
			k++;
		for (; k < n && maps[k].pfn == maps[0].head + i; k++)
			here += !maps[k].pmd;
		ptes += here;
		distinct += here > 0;
		if (page_mapcount(&head[i]) != here) {
			snprintf(why, why_size, "pfn %#lx: %ld PTEs, mapcount %d", maps[0].head + i,
				 here, page_mapcount(&head[i]));
			return -EUCLEAN;
		}
	}
	if (page_ref_count(head) != pmd + ptes || folio_entire_mapcount(head) != pmd) {
		snprintf(why, why_size, "folio %#lx: %ld PMD and %ld PTE mappings, refcount %d, "
			 "entire mapcount %ld", maps[0].head, pmd, ptes, page_ref_count(head),
			 folio_entire_mapcount(head));
		return -EUCLEAN;
	}
	*pages += pmd ? nr : (unsigned long)distinct;
	*thps += pmd > 0;
	return 0;
}

/*
 * Every present PTE lies in a VMA with pages and maps an anonymous page at its index (or the
 * zero page), which the rmap finds there; writable PTEs map exclusive pages; the anon_vmas
 * agree with the VMAs linked to them (rmap.c); each mm's MM_ANONPAGES equals its PTEs of
 * normal pages; every mapped page's _mapcount + 1 and _refcount equal the PTEs that map it
 * (no other references exist yet); NR_ANON_PAGES counts the distinct pages. The machine is
 * quiescent (machine_check).
 */
int vm_check_pages(struct machine *m, char *why, size_t why_size)
{
	struct vm_state *vs = m->vm;
	struct check_walk c = { .why = why, .why_size = why_size };
	unsigned long pages = 0, thps = 0;
	struct list_head *pos;
	size_t i, j;
	int err = 0;

	for (pos = vs->init_mm.mmlist.next; pos != &vs->init_mm.mmlist; pos = pos->next) {
		struct mm_struct *mm = list_entry(pos, struct mm_struct, mmlist);
		unsigned long before = c.anon;

		c.mm = mm;
		c.huge = 0;
		pgtable_walk(mm, 0, mm->task_size, check_one_pte, &c);
		if (c.bad || c.nomem)
			break;
		if (c.huge != mm->nr_huge_pmds) {
			snprintf(why, why_size, "mm %p: %lu huge PMDs, nr_huge_pmds %lu", (void *)mm,
				 c.huge, mm->nr_huge_pmds);
			c.bad = -EUCLEAN;
			break;
		}
		if (c.anon - before != get_mm_counter(mm, MM_ANONPAGES)) {
			snprintf(why, why_size, "mm %p: %lu anonymous pages mapped, MM_ANONPAGES %lu",
				 (void *)mm, c.anon - before, get_mm_counter(mm, MM_ANONPAGES));
			c.bad = -EUCLEAN;
			break;
		}
	}
	if (c.bad || c.nomem) {
		free(c.maps);
		return c.bad;	/* out of host memory: nothing found */
	}
	err = anon_vma_check_all(m, why, why_size);
	if (err) {
		free(c.maps);
		return err;
	}
	if (c.nr)
		qsort(c.maps, c.nr, sizeof(*c.maps), cmp_map);
	for (i = 0; i < c.nr && !err; i = j) {
		for (j = i; j < c.nr && c.maps[j].head == c.maps[i].head; j++)
			;
		err = check_folio(&c.maps[i], j - i, &pages, &thps, why, why_size);
	}
	free(c.maps);
	if (err)
		return err;
	if ((unsigned long)global_node_page_state(m, NR_ANON_PAGES) != pages ||
	    (unsigned long)global_node_page_state(m, NR_ANON_TRANSPARENT_HUGEPAGES) != thps) {
		snprintf(why, why_size, "NR_ANON_PAGES %ld and NR_ANON_THPS %ld; mapped: %lu pages, "
			 "%lu THPs", global_node_page_state(m, NR_ANON_PAGES),
			 global_node_page_state(m, NR_ANON_TRANSPARENT_HUGEPAGES), pages, thps);
		return -EUCLEAN;
	}
	return 0;
}

/* ---- for the /proc views (proc/pid_smaps.c, proc/pagemap.c) --------------------------------- */

struct page *vm_pte_page(struct mm_struct *mm, pte_t pte)
{
	return vm_normal_page(mm, pte);
}

long vm_folio_pmd_maps(const struct page *head)
{
	return folio_entire_mapcount(head);
}

unsigned long get_mm_rss(struct mm_struct *mm)
{
	return get_mm_counter(mm, MM_FILEPAGES) + get_mm_counter(mm, MM_ANONPAGES) +
	       get_mm_counter(mm, MM_SHMEMPAGES);
}

void update_hiwater_rss(struct mm_struct *mm)
{
	unsigned long rss = get_mm_rss(mm);

	if (mm->hiwater_rss < rss)
		mm->hiwater_rss = rss;
}
