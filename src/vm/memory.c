/*
 * memory.c - anonymous memory through page tables: the page-fault handler, the copy of page
 * tables at fork, zapping on munmap/exit/MADV_DONTNEED, protection changes, moving tables for
 * mremap, and the CPU's side of an access (mm_access, access_process_vm).
 *
 * Model. A private anonymous page is a frame from the page allocator (zeroed), mapped by PTEs
 * in the machine's encoding (pgtable.h). Its struct page says what the kernel's does:
 * mapping = the VMA's anon_vma identity tagged PAGE_MAPPING_ANON, index = the linear page
 * index, _mapcount = PTEs mapping it - 1, _refcount = PTEs + other references,
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
 * VMAs), and mm->page_table_lock around every PTE change, RSS counter and page state change.
 * Every section that changes a PTE begins with tlb_flush() (tlb.h): mm_access's translation
 * cache hits only on entries filled since the last change, so it never alters an access.
 */
#include "vm/internal.h"

#include <string.h>

#include <mmlab/fault_inject.h>
#include <mmlab/page_alloc.h>

#include "pgtable/pgtable.h"
#include "phys/mmzone.h"

#define PAGE_MAPPING_ANON	0x1UL
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
}

static bool is_zero_pfn(struct mm_struct *mm, unsigned long pfn)
{
	return pfn == vm_of(mm)->zero_pfn;
}

/* The struct page a PTE maps, or NULL for the zero page (vm_normal_page). */
static struct page *vm_normal_page(struct mm_struct *mm, pte_t pte)
{
	unsigned long pfn = pte_pfn(mm->fmt, pte);

	if (pte_special(mm->fmt, pte) || is_zero_pfn(mm, pfn))
		return NULL;
	return pfn_to_page(pfn);
}

/* ---- the translation cache (tlb.h) --------------------------------------------------------- */

/* Before a PTE of @mm changes (page_table_lock held): no cached translation survives. */
static void tlb_flush(struct mm_struct *mm)
{
	mm_bias_lock(&mm->tlb.lock, false);
	mm->tlb.gen++;
	mm_bias_unlock(&mm->tlb.lock);
}

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

/* A new frame's first mapping (folio_add_new_anon_rmap): exclusive to this process. */
static void page_add_new_anon_rmap(struct mm_struct *mm, struct page *page,
				   struct vm_area_struct *vma, unsigned long addr)
{
	page->mapping = (void *)((vma->anon_vma << 1) | PAGE_MAPPING_ANON);
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

/* A PTE that mapped @page is gone: the mapcount and the reference it held. */
static void page_remove_anon_rmap(struct mm_struct *mm, struct page *page)
{
	if (atomic_fetch_sub(&page->_mapcount, 1) == 0) {
		/* the last mapping */
		mod_node_page_state(node_of(mm, page), NR_ANON_PAGES, -1);
		clear_page_flag(page, PG_anon_exclusive);
	}
	if (page_ref_count(page) == 1) {
		page->mapping = NULL;
		ClearPageSwapBacked(page);
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
	page = alloc_anon_page();
	if (!page)
		return VM_FAULT_OOM;
	anon_vma_prepare(mm, vma);
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
		if (!PageAnonExclusive(old) && page_ref_count(old) == 1 &&
		    page_mapcount(old) == 1)
			set_page_flag(old, PG_anon_exclusive);
		if (PageAnonExclusive(old)) {
			/* folio_move_anon_rmap: the page now belongs to this VMA's anon_vma */
			old->mapping = (void *)((vma->anon_vma << 1) | PAGE_MAPPING_ANON);
			*vmf->pte = pte_mkyoung(f, pte_mkwrite(f, pte_mkdirty(f, orig)));
			return 0;
		}
	}
	/* wp_page_copy: a zeroed frame for the zero page, else an unzeroed one the copy fills */
	page = old ? alloc_page(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN) : alloc_anon_page();
	if (!page)
		return VM_FAULT_OOM;
	anon_vma_prepare(mm, vma);
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

	vma->populated = true;
	if (vm_fault_makes_anon_copy(vma->vm_mm, vma, vmf->flags & FAULT_FLAG_WRITE))
		anon_vma_prepare(vma->vm_mm, vma);
	return 0;
}

bool vma_has_pages(const struct vm_area_struct *vma)
{
	return vma_is_anonymous(vma) && !(vma->vm_flags & VM_SHARED) && vma->special == VMA_NORMAL;
}

vm_fault_t handle_mm_fault(struct vm_area_struct *vma, unsigned long address, unsigned int flags)
{
	struct mm_struct *mm = vma->vm_mm;
	struct vm_fault vmf = { .vma = vma, .address = address & PAGE_MASK, .flags = flags };
	vm_fault_t ret = 0;
	pte_t entry;

	count_vm_event(PGFAULT);
	atomic_fetch_add_explicit(&mm->min_flt, 1, memory_order_relaxed);
	if (!vma_has_pages(vma))
		return do_pageless_fault(&vmf);
	mm_lock(&mm->page_table_lock);
	tlb_flush(mm);
	vmf.pte = pte_alloc(mm, vmf.address);
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
	return ret;
}

/* ---- fork: copy_page_range ------------------------------------------------------------------ */

struct copy_walk {
	struct mm_struct *dst;
	struct vm_area_struct *dst_vma;
	int err;
};

static int copy_one_pte(pte_t *src, unsigned long addr, void *arg)
{
	struct copy_walk *c = arg;
	struct mm_struct *dst = c->dst;
	const struct pgtable_fmt *f = dst->fmt;
	pte_t entry = *src, *d;
	struct page *page;

	if (!pte_present(f, entry))
		return 0;
	d = pte_alloc(dst, addr);
	if (!d) {
		c->err = -ENOMEM;
		return 1;
	}
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
	struct copy_walk c = { .dst = dst, .dst_vma = dst_vma };

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

static int zap_one_pte(pte_t *pte, unsigned long addr, void *arg)
{
	struct mm_struct *mm = arg;
	struct page *page = vm_normal_page(mm, *pte);

	(void)addr;
	*pte = __pte(0);
	if (page) {
		add_mm_counter(mm, MM_ANONPAGES, -1);
		page_remove_anon_rmap(mm, page);
	}
	return 0;
}

void zap_page_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	if (!mm->pgd)
		return;
	update_hiwater_rss(mm);
	mm_lock(&mm->page_table_lock);
	tlb_flush(mm);		/* before any frame is let go */
	pgtable_walk(mm, start, end, zap_one_pte, mm);
	mm_unlock(&mm->page_table_lock);
}

void free_pgtables_range(struct mm_struct *mm, unsigned long start, unsigned long end,
			 unsigned long floor, unsigned long ceiling)
{
	if (!mm->pgd)
		return;
	mm_lock(&mm->page_table_lock);
	free_pgd_range(mm, start, end, floor, ceiling);
	mm_unlock(&mm->page_table_lock);
}

void unmap_region(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	struct vm_area_struct *prev = NULL, *next = find_vma(mm, start);

	if (next && next->vm_start < end)
		return;		/* still mapped: the caller unmaps VMAs first */
	prev = next ? next->vm_prev : mm->mmap_last;
	zap_page_range(mm, start, end);
	free_pgtables_range(mm, start, end, prev ? prev->vm_end : 0, next ? next->vm_start : 0);
}

/* ---- mprotect: change_protection ------------------------------------------------------------ */

struct prot_walk {
	struct mm_struct *mm;
	struct vm_area_struct *vma;
	uint64_t newprot;
};

static int change_one_pte(pte_t *pte, unsigned long addr, void *arg)
{
	struct prot_walk *w = arg;
	const struct pgtable_fmt *f = w->mm->fmt;
	pte_t entry = *pte;
	struct page *page;

	(void)addr;
	if (!pte_present(f, entry))
		return 0;
	entry = pte_modify(f, entry, w->newprot);
	/*
	 * The write upgrade of can_change_pte_writable(): a private page this process owns
	 * exclusively becomes writable at once (no fault needed); shared and COW pages stay
	 * write-protected, the zero page always.
	 */
	page = vm_normal_page(w->mm, entry);
	if ((w->vma->vm_flags & VM_WRITE) && page && PageAnon(page) && PageAnonExclusive(page))
		entry = pte_mkwrite(f, entry);
	*pte = entry;
	return 0;
}

void change_protection(struct vm_area_struct *vma, unsigned long start, unsigned long end)
{
	struct mm_struct *mm = vma->vm_mm;
	struct prot_walk w = { .mm = mm, .vma = vma, .newprot = vma_page_prot(vma) };

	if (!vma_has_pages(vma))
		return;
	mm_lock(&mm->page_table_lock);
	tlb_flush(mm);
	pgtable_walk(mm, start, end, change_one_pte, &w);
	mm_unlock(&mm->page_table_lock);
}

/* ---- mremap: move_page_tables ---------------------------------------------------------------- */

/*
 * Move the PTEs of [old_addr, old_addr + len) to new_addr (of @new_vma), one entry at a time,
 * allocating the destination tables first so a failure leaves both ranges as they were.
 * Returns 0 or -ENOMEM. The pages keep their index (new_vma->vm_pgoff carries it).
 */
int move_page_tables(struct vm_area_struct *vma, unsigned long old_addr,
		     struct vm_area_struct *new_vma, unsigned long new_addr, unsigned long len)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long off;

	if (!vma_has_pages(vma) || !mm->pgd)
		return 0;
	mm_lock(&mm->page_table_lock);
	tlb_flush(mm);
	for (off = 0; off < len; off += PAGE_SIZE) {
		pte_t *src = pte_offset(mm, old_addr + off);

		if (src && !pte_none(*src) && !pte_alloc(mm, new_addr + off)) {
			mm_unlock(&mm->page_table_lock);
			return -ENOMEM;
		}
	}
	for (off = 0; off < len; off += PAGE_SIZE) {
		pte_t *src = pte_offset(mm, old_addr + off), *dst;

		if (!src || pte_none(*src))
			continue;
		dst = pte_offset(mm, new_addr + off);
		MM_BUG_ON(!dst || !pte_none(*dst));
		*dst = *src;
		*src = __pte(0);
	}
	mm_unlock(&mm->page_table_lock);
	(void)new_vma;
	return 0;
}

/* ---- mincore ---------------------------------------------------------------------------------- */

bool vm_page_present(struct mm_struct *mm, unsigned long addr)
{
	pte_t *pte;

	if (!mm->pgd)
		return false;
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
		pte_t *pte;

		mm_lock(&mm->page_table_lock);
		pte = pte_offset(mm, addr);
		if (pte && pte_hw_allows(f, *pte, write, exec)) {
			unsigned long pfn = pte_pfn(f, *pte);
			char *base = is_zero_pfn(mm, pfn) ? (char *)zero_page_bytes :
							    (char *)page_address(pfn_to_page(pfn));

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

	if (!vma_has_pages(vma))
		return fault_errno(handle_mm_fault(vma, start, flags));
	for (a = start; a < end; a += PAGE_SIZE) {
		pte_t *pte;
		bool ok;

		mm_lock(&mm->page_table_lock);
		pte = pte_offset(mm, a);
		ok = pte && pte_present(mm->fmt, *pte) && (!write || pte_write(mm->fmt, *pte));
		mm_unlock(&mm->page_table_lock);
		if (ok)
			continue;
		if (fault_errno(handle_mm_fault(vma, a, flags)))
			return -ENOMEM;
	}
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

struct check_walk {
	struct mm_struct *mm;
	unsigned long *pfns;
	size_t nr, cap;
	unsigned long anon;
	bool nomem;
	char *why;
	size_t why_size;
	int bad;
};

static int check_one_pte(pte_t *pte, unsigned long addr, void *arg)
{
	struct check_walk *c = arg;
	struct mm_struct *mm = c->mm;
	struct vm_area_struct *vma = find_vma(mm, addr);
	struct page *page;

	if (!pte_present(mm->fmt, *pte)) {
		snprintf(c->why, c->why_size, "pte %#lx: not present but not none", addr);
		return c->bad = -EUCLEAN;
	}
	if (!vma || vma->vm_start > addr || !vma_has_pages(vma)) {
		snprintf(c->why, c->why_size, "pte %#lx: outside every VMA with pages", addr);
		return c->bad = -EUCLEAN;
	}
	page = vm_normal_page(mm, *pte);
	if (!page)
		return 0;
	if (!PageAnon(page) || page->index != linear_page_index(vma, addr)) {
		snprintf(c->why, c->why_size, "pte %#lx: page not anonymous or index %#lx wrong",
			 addr, page->index);
		return c->bad = -EUCLEAN;
	}
	if (pte_write(mm->fmt, *pte) && !PageAnonExclusive(page)) {
		snprintf(c->why, c->why_size, "pte %#lx: writable but the page is not exclusive",
			 addr);
		return c->bad = -EUCLEAN;
	}
	c->anon++;
	if (c->nr == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		unsigned long *p = realloc(c->pfns, cap * sizeof(*p));

		if (!p) {
			c->nomem = true;
			return 1;
		}
		c->pfns = p;
		c->cap = cap;
	}
	c->pfns[c->nr++] = page_to_pfn(page);
	return 0;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/*
 * Every present PTE lies in a VMA with pages and maps an anonymous page at its index (or the
 * zero page); writable PTEs map exclusive pages; each mm's MM_ANONPAGES equals its PTEs of
 * normal pages; every mapped page's _mapcount + 1 and _refcount equal the PTEs that map it
 * (no other references exist yet); NR_ANON_PAGES counts the distinct pages. The machine is
 * quiescent (machine_check).
 */
int vm_check_pages(struct machine *m, char *why, size_t why_size)
{
	struct vm_state *vs = m->vm;
	struct check_walk c = { .why = why, .why_size = why_size };
	struct mm_struct *mm;
	unsigned long distinct = 0, anon_stat;
	size_t i, j;

	struct list_head *pos;

	for (pos = vs->init_mm.mmlist.next; pos != &vs->init_mm.mmlist; pos = pos->next) {
		unsigned long before = c.anon;

		mm = list_entry(pos, struct mm_struct, mmlist);

		c.mm = mm;
		pgtable_walk(mm, 0, mm->task_size, check_one_pte, &c);
		if (c.bad || c.nomem)
			break;
		if (c.anon - before != get_mm_counter(mm, MM_ANONPAGES)) {
			snprintf(why, why_size, "mm %p: %lu anonymous PTEs, MM_ANONPAGES %lu",
				 (void *)mm, c.anon - before, get_mm_counter(mm, MM_ANONPAGES));
			c.bad = -EUCLEAN;
			break;
		}
	}
	if (c.bad || c.nomem) {
		free(c.pfns);
		return c.bad;	/* out of host memory: nothing found */
	}
	if (c.nr)	/* qsort of a NULL array, even empty, is undefined */
		qsort(c.pfns, c.nr, sizeof(*c.pfns), cmp_ulong);
	for (i = 0; i < c.nr; i = j) {
		struct page *page = pfn_to_page(c.pfns[i]);

		for (j = i; j < c.nr && c.pfns[j] == c.pfns[i]; j++)
			;
		distinct++;
		if ((size_t)page_mapcount(page) != j - i || (size_t)page_ref_count(page) != j - i) {
			snprintf(why, why_size, "pfn %#lx: %zu PTEs, mapcount %d, refcount %d",
				 c.pfns[i], j - i, page_mapcount(page), page_ref_count(page));
			free(c.pfns);
			return -EUCLEAN;
		}
	}
	free(c.pfns);
	anon_stat = (unsigned long)global_node_page_state(m, NR_ANON_PAGES);
	if (anon_stat != distinct) {
		snprintf(why, why_size, "NR_ANON_PAGES %lu, %lu anonymous pages mapped", anon_stat,
			 distinct);
		return -EUCLEAN;
	}
	return 0;
}

/* ---- for the /proc views (proc/pid_smaps.c, proc/pagemap.c) --------------------------------- */

struct page *vm_pte_page(struct mm_struct *mm, pte_t pte)
{
	return vm_normal_page(mm, pte);
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
