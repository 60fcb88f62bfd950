/*
 * internal.h - the address-space layer's cross-file functions, grouped by the file that defines
 * them (a table of contents of src/vm/). Structures are in mm_types.h.
 *
 * Locking: everything below expects the caller to hold mm->mmap_lock for writing unless it
 * says otherwise. The syscall entry points (mm_mmap, ...) take it themselves.
 */
#ifndef MMLAB_VM_INTERNAL_H
#define MMLAB_VM_INTERNAL_H

#include "vm/mm_types.h"
#include "phys/mmzone.h"
#include "pgtable/pgtable.h"

#include <limits.h>

#include <mmlab/slab.h>

/* ---- vma_tree.c: the ordered VMA index ---------------------------------------------------- */
void vma_tree_init(struct vma_tree *t);
void vma_tree_destroy(struct machine *m, struct vma_tree *t);
/* Make room for @n insertions (leaves, top array): the only step that can fail (-ENOMEM). */
int vma_tree_prealloc(struct machine *m, struct vma_tree *t, int n);
/* True if vma_tree_prealloc(@t, @n) would allocate nothing (and so could not fail). */
static inline bool vma_tree_has_room(const struct vma_tree *t, int n)
{
	return t->cap_leaves >= t->nr_leaves + n && t->nr_spare >= n;
}
struct vm_area_struct *vma_tree_find(const struct vma_tree *t, unsigned long addr);
void vma_tree_insert(struct vma_tree *t, struct vm_area_struct *vma);
void vma_tree_erase(struct machine *m, struct vma_tree *t, struct vm_area_struct *vma);
/*
 * @vma's range changed (its vm_start, its vm_end from @old_end, or both) without crossing a
 * neighbour: its key and the gap summaries follow.
 */
void vma_tree_rekey(struct vma_tree *t, struct vm_area_struct *vma, unsigned long old_end);
/*
 * vma_tree_gap_highest - the highest free gap (between two VMAs, below the first or above the
 * last) that, clipped to [@low, @high), is at least @length long: returns its clipped end and sets
 * *@next to the VMA just above the gap (NULL above the last); 0 if none fits. O(log n) (a
 * stale leaf summary it meets is made exact on the way: mmap_lock held for writing).
 */
unsigned long vma_tree_gap_highest(struct vma_tree *t, unsigned long low, unsigned long high,
				   unsigned long length, struct vm_area_struct **next);
/* vma_tree_gap_lowest - the same, lowest first: the gap's clipped start, or -1UL. O(log n). */
unsigned long vma_tree_gap_lowest(struct vma_tree *t, unsigned long low, unsigned long high,
				  unsigned long length, struct vm_area_struct **next);
/* The index's invariants against the VMA list (@first, @count VMAs), gap summaries included. */
int vma_tree_check(const struct vma_tree *t, const struct vm_area_struct *first, int count,
		   char *why, size_t why_size);

/* ---- vma.c: VMAs, lookup, link/unlink, split, merge, statistics ---------------------------- */
/* Reserve @nr_vmas VMA structs and tree room for as many insertions. 0 or -ENOMEM. */
int vma_prealloc(struct mm_struct *mm, int nr_vmas);
/* A VMA from the reserve (a bug if none was reserved), zeroed but for vm_mm. */
struct vm_area_struct *vma_from_reserve(struct mm_struct *mm);
/*
 * vm_area_dup - a copy of @orig for @mm, taken from @mm's reserve (a bug if none is reserved):
 * the same range, flags, page offset, anon_vma, residency and special kind, one more reference
 * to the file and a private copy of the anonymous name (a reserved one with the same text if
 * vma_prealloc_names set one aside, else a new allocation); not linked, not counted. The
 * caller adjusts what its copy changes. NULL (-ENOMEM) when the name cannot be copied: the
 * reserve, @orig and the file's references are then as they were.
 */
struct vm_area_struct *vm_area_dup(struct mm_struct *mm, const struct vm_area_struct *orig);
/* Free a VMA that is not linked (drops its file reference and its name). */
void vm_area_free(struct mm_struct *mm, struct vm_area_struct *vma);
/* A VMA's anonymous name: a copy of @len bytes of @name (FAULT_MISC; NULL: -ENOMEM); free. */
char *anon_name_dup(struct machine *m, const char *name, size_t len);
void anon_name_free(struct machine *m, char *name);
/* Free what the reserve holds (VMAs and name copies); tests use it to force fresh allocations. */
void vma_free_reserve(struct mm_struct *mm);
/*
 * vma_prealloc_names - reserve a copy of the anonymous name of each of @v[0..@nr) (NULL
 * entries and unnamed VMAs need none; the same name twice needs two), @nr <= 3, so that many
 * vm_area_dup() calls of those VMAs cannot fail. 0 or -ENOMEM (nothing else changed).
 */
int vma_prealloc_names(struct mm_struct *mm, struct vm_area_struct *const *v, int nr);
/*
 * vma_prealloc_split - vma_prealloc(@nr_vmas) plus the name copies that splitting the VMAs
 * straddling @start and @end needs, so those splits cannot fail. 0 or -ENOMEM.
 */
int vma_prealloc_split(struct mm_struct *mm, int nr_vmas, unsigned long start, unsigned long end);

/*
 * find_vma - the first VMA ending above @addr, or NULL. Any side of mmap_lock. Inline: an mmap
 * or munmap calls it a dozen times, mostly answered by mm->mmap_cache (see mm_types.h).
 */
static inline struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma = mm->mmap_cache;

	if (vma && addr < vma->vm_end && (!vma->vm_prev || vma->vm_prev->vm_end <= addr))
		return vma;
	return vma_tree_find(&mm->mm_mt, addr);
}
/*
 * find_vma_wr - find_vma for a caller holding mmap_lock for writing, which also remembers the
 * answer (mm->mmap_cache), so the lookups of the same range that follow skip the tree.
 */
struct vm_area_struct *find_vma_wr(struct mm_struct *mm, unsigned long addr);
struct vm_area_struct *find_vma_prev(struct mm_struct *mm, unsigned long addr,
				     struct vm_area_struct **pprev);
struct vm_area_struct *find_vma_intersection(struct mm_struct *mm, unsigned long start,
					     unsigned long end);
struct vm_area_struct *vma_lookup(struct mm_struct *mm, unsigned long addr);
/* Link @vma (not overlapping anything) into list and tree, count it. Tree room reserved. */
void vma_link(struct mm_struct *mm, struct vm_area_struct *vma);
/* Unlink @vma from list and tree and uncount it; the caller frees it. */
void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma);
/* insert_vm_struct - vma_link with the kernel's name: -ENOMEM if it overlaps. */
int insert_vm_struct(struct mm_struct *mm, struct vm_area_struct *vma);
/* Change a linked VMA's range (neighbours untouched), keeping tree and counters right. */
void vma_set_range(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long start,
		   unsigned long end, unsigned long pgoff);
/* Change a linked VMA's flags, keeping the per-type counters right. */
void vma_set_flags(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long flags);
/*
 * split_vma - split @vma at @addr using a reserved VMA; the new VMA is the lower half if
 * @new_below. split_vma() checks max_map_count (-ENOMEM) like the kernel's wrapper;
 * __split_vma() does not. Returns 0 or -ENOMEM (nothing changed).
 */
int __split_vma(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr, int new_below);
int split_vma(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr, int new_below);

/*
 * vma_is_anonymous - the kernel's test (no vm_ops): a VMA with no file, or a private mapping of
 * /dev/zero (whose mmap handler drops the ops and keeps the file for /proc only). Shared
 * anonymous memory is backed by a shmem file and is not anonymous in this sense. Private
 * /dev/zero pieces therefore behave like anonymous memory wherever the kernel asks this
 * question: a move of one never written takes its new address as page offset, mprotect may
 * drop its VM_ACCOUNT, a read fault gives it an anon_vma, MADV_FREE accepts it.
 */
static inline bool vma_is_anonymous(const struct vm_area_struct *vma)
{
	return !vma->vm_file ||
	       (vma->vm_file->kind == MM_FILE_DEV_ZERO && !(vma->vm_flags & VM_SHARED));
}

/*
 * vma_pages_in_file - how many of @vma's pages, from its start, lie within its file (a fault
 * past them is SIGBUS); ULONG_MAX for a VMA not backed by a sized file.
 */
static inline unsigned long vma_pages_in_file(const struct vm_area_struct *vma)
{
	const struct mm_file *f = vma->vm_file;
	unsigned long long pages;

	if (!f || f->kind != MM_FILE_REGULAR || !f->inode)
		return ULONG_MAX;
	pages = (f->inode->size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	return pages <= vma->vm_pgoff ? 0 : (unsigned long)(pages - vma->vm_pgoff);
}

/* What a merge needs to know about the range being placed or modified. */
struct vma_merge_desc {
	unsigned long start, end, pgoff, flags;
	struct mm_file *file;
	const struct anon_vma *anon_vma;
	const char *anon_name;
	struct vm_area_struct *middle;	/* the VMA being modified; NULL for a new range */
};
/* vma_merge_new_range - merge a new range into prev/next. Returns the VMA or NULL. */
struct vm_area_struct *vma_merge_new_range(struct mm_struct *mm, struct vma_merge_desc *d);
/*
 * vma_modify - give [start, end) of @vma the flags @flags: merge with a neighbour where the
 * kernel would, otherwise split (max_map_count checked). Returns the VMA now covering exactly
 * [start, end) with its flags set, or an ERR value (-ENOMEM).
 */
long vma_modify_flags(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long start,
		      unsigned long end, unsigned long flags, struct vm_area_struct **out);
/* Counting of total_vm/data_vm/exec_vm/stack_vm by flag class. */
void vm_stat_account(struct mm_struct *mm, unsigned long flags, long npages);
bool is_mergeable_anon(const struct vm_area_struct *tgt, const struct anon_vma *src_anon,
		       const struct vm_area_struct *src);
/* A merge target without an anon_vma takes @src's (its chain links from the reserve). */
void take_anon(struct vm_area_struct *tgt, const struct vm_area_struct *src);

/* ---- rmap.c: anon_vma and anon_vma_chain ------------------------------------------------ */
#define PAGE_MAPPING_ANON	0x1UL	/* page->mapping bit 0: an anon_vma, not an address_space */
int anon_vma_caches_init(struct vm_state *vs);
void anon_vma_caches_exit(struct vm_state *vs);
/*
 * anon_vma_prepare - give @vma an anon_vma if it has none: a mergeable neighbour's, or a new
 * one. Called without mm->page_table_lock (it takes it). 0 or -ENOMEM (nothing changed).
 */
int anon_vma_prepare(struct vm_area_struct *vma);
/* A new anon_vma of its own for @vma, which has none (a seeded VMA). 0 or -ENOMEM. */
int anon_vma_attach_new(struct vm_area_struct *vma);
/* Link @dst, with an empty chain, to every anon_vma of @src (split, copy): links reserved. */
void anon_vma_clone_reserved(struct vm_area_struct *dst, const struct vm_area_struct *src);
/* Fork: link the child's @vma to @pvma's anon_vmas and give it its own. 0 or -ENOMEM. */
int anon_vma_fork(struct vm_area_struct *vma, struct vm_area_struct *pvma);
/* Unlink @vma from its anon_vmas (freeing those left empty); its anon_vma becomes NULL. */
void unlink_anon_vmas(struct vm_area_struct *vma);
/* Is @vma linked to exactly one anon_vma (so not a fork child)? */
bool anon_vma_chain_singular(const struct vm_area_struct *vma);
unsigned long anon_vma_id(const struct anon_vma *av);
/* Reserve @nr chain links in @mm (vma_prealloc does); free the reserve. */
int avc_prealloc(struct mm_struct *mm, int nr);
void avc_free_reserve(struct mm_struct *mm);
/* The anon_vma an anonymous folio's mapping names, or NULL. */
struct anon_vma *folio_anon_vma(const struct page *folio);
/*
 * rmap_walk_anon - call @fn for each VMA that may map @folio, with the address it would have
 * there, under the family's lock; stops at the first non-zero return, which it returns.
 */
int rmap_walk_anon(struct page *folio, int (*fn)(struct vm_area_struct *vma, unsigned long addr,
						 void *arg), void *arg);
/* Does the rmap of @folio find it at @addr of @vma? */
bool rmap_finds(const struct page *folio, const struct vm_area_struct *vma, unsigned long addr);
/*
 * Checker: every anon_vma in use lists exactly the VMAs linked to it, and its counters
 * (num_active_vmas, num_children, refcount) are what the VMAs and the family say.
 */
int anon_vma_check_all(struct machine *m, char *why, size_t why_size);
/* Checker: @vma's chain links and its anon_vma are consistent. 0 or -EUCLEAN with @why. */
int anon_vma_check_vma(const struct vm_area_struct *vma, char *why, size_t why_size);

/* ---- mmap.c: mmap, munmap, brk, get_unmapped_area, limits --------------------------------- */
/* vm_of - the machine-wide VM state of @mm's machine (a hot path: the zero-page checks). */
static inline struct vm_state *vm_of(const struct mm_struct *mm)
{
	return mm->machine->vm;
}
unsigned long get_unmapped_area(struct mm_struct *mm, struct mm_file *file, unsigned long addr,
				unsigned long len, unsigned long pgoff, unsigned long flags,
				unsigned long vm_flags);
long do_mmap(struct mm_struct *mm, struct mm_file *file, unsigned long addr, unsigned long len,
	     unsigned long prot, unsigned long flags, unsigned long vm_flags, unsigned long pgoff,
	     unsigned long *populate);
/* do_munmap of page-aligned [start, end): 0, -ENOMEM (map count). */
int do_munmap(struct mm_struct *mm, unsigned long start, unsigned long len);
/* Split the VMAs straddling start and end (munmap's map-count rule). 0, -ENOMEM or -EINVAL, atomic. */
int vma_split_range(struct mm_struct *mm, unsigned long start, unsigned long end);
/* Would covering [start, end) cut a special mapping (which refuses splits)? */
bool vma_split_refused(struct mm_struct *mm, unsigned long start, unsigned long end);
/* Remove every VMA piece inside [start, end), after splits were done by the caller. */
void vm_unmap_range(struct mm_struct *mm, unsigned long start, unsigned long end);
bool may_expand_vm(struct mm_struct *mm, unsigned long flags, unsigned long npages);
bool accountable_mapping(struct mm_file *file, unsigned long vm_flags);
unsigned long calc_vm_prot_bits(unsigned long prot);
unsigned long vm_start_gap(struct mm_struct *mm, const struct vm_area_struct *vma);
unsigned long rlimit(struct mm_struct *mm, int res);
bool mlock_future_ok(struct mm_struct *mm, unsigned long flags, unsigned long bytes);
bool can_do_mlock(struct mm_struct *mm);
/*
 * Fault in [start, end) as __mm_populate does; @write_fault: populate with write faults where
 * the VMA is writable and private (mm_populate, MADV_POPULATE_WRITE), false for read faults
 * only (MADV_POPULATE_READ).
 */
int vm_populate_range(struct mm_struct *mm, unsigned long start, unsigned long end, bool write_fault);

/* ---- mlock.c -------------------------------------------------------------------------------- */
/* Apply VM_LOCKED-class flags to [start, end) (mlock_fixup loop); @flags 0 unlocks. */
int apply_vma_lock_flags(struct mm_struct *mm, unsigned long start, unsigned long len,
			 unsigned long flags);

/* ---- fault.c: a user access ------------------------------------------------------------------ */
/* Does a fault on @vma (a write if @write) give it a private anonymous page, so an anon_vma? */
bool vm_fault_makes_anon_copy(struct mm_struct *mm, const struct vm_area_struct *vma, bool write);

/* ---- file.c: files and shmem ---------------------------------------------------------------- */
/* A shmem object of @size bytes for a shared anonymous mapping ("/dev/zero (deleted)"). */
struct mm_file *shmem_zero_setup(struct machine *m, unsigned long size);
int vm_file_init(struct vm_state *vs);
void vm_file_exit(struct vm_state *vs);

/* ---- mm.c: mm_struct life cycle, per-mm settings, checks, the layer's state --------------- */
/* A new, empty mm with the default limits (mm_users 1), not yet on the mmlist. NULL: -ENOMEM. */
struct mm_struct *mm_alloc(struct machine *m);
/* Unmap everything and free @mm (exit_mmap + __mmdrop); it must be off the mmlist. */
void mm_free(struct mm_struct *mm);
/* Put a fully built @mm on the machine's mmlist (vm_check and vm_exit walk it). */
void mmlist_add(struct mm_struct *mm);
int vm_init(struct machine *m);
void vm_exit(struct machine *m);
int vm_check(struct machine *m, char *why, size_t why_size);
/* Debug hook: run mm_check at debug level 3 after a syscall (a failed check is a bug). */
void vm_debug_check_mm(struct mm_struct *mm);

/* ---- exec.c: the initial address space of an exec ------------------------------------------- */
/*
 * vm_exec_layout - give the new @mm (write-locked, no VMAs) the layout @a asks for: limits,
 * bases, stack, segments, brk, vdso. Returns 0 or a negative errno; on error @mm may hold part
 * of the layout and the caller frees it whole.
 */
int vm_exec_layout(struct mm_struct *mm, const struct mm_exec_args *a);

/* ---- fork.c: dup_mm, dup_mmap (public only: mmlab/mm.h) ------------------------------------ */
/* ---- task.c: tasks and the pid namespace (public only: mmlab/mm.h) ------------------------- */
/* ---- seed.c: mm_seed_vma (public only: mmlab/mm.h) ----------------------------------------- */
/* ---- sysctl.c: the vm sysctls ---------------------------------------------------------------- */
/* Set @vs's sysctls to the kernel's defaults for @m's RAM (at vm_init; setters: mmlab/mm.h). */
void vm_sysctl_init(struct machine *m, struct vm_state *vs);

/* ---- overcommit.c: commit accounting ------------------------------------------------------- */
/*
 * vm_enough_memory - __vm_enough_memory: charge @pages to Committed_AS for @mm. Returns 0, or
 * -ENOMEM (nothing charged) when the overcommit policy refuses.
 */
int vm_enough_memory(struct mm_struct *mm, long pages);
/* Charge @pages whatever the policy (a charge that moves with its pages). */
void vm_acct_memory(struct machine *m, long pages);
/* Give back a charge of @pages. */
void vm_unacct_memory(struct machine *m, long pages);
/* (Committed_AS and CommitLimit for /proc/meminfo: vm_committed_as_pages, mmlab/mm.h.) */

/* ---- proc/pid_maps.c ---------------------------------------------------------------------- */
void mm_show_maps(struct mm_struct *mm, struct seq_buf *s);

/* ---- pgtable/protection_map.c --------------------------------------------------------------- */
unsigned long long vm_get_page_prot(unsigned long vm_flags);	/* the host arch: x86-64 */

#define IS_ERR_VALUE(x)	((unsigned long)(x) >= (unsigned long)-4095)

/* ---- fault.c, memory.c: page tables, faults and the pages of anonymous memory ---------------- */

typedef unsigned int vm_fault_t;
#define VM_FAULT_OOM		0x000001
#define VM_FAULT_SIGBUS		0x000002
#define VM_FAULT_MAJOR		0x000004
#define VM_FAULT_SIGSEGV	0x000040
#define VM_FAULT_FALLBACK	0x000800	/* no huge page: try 4 KiB */
#define VM_FAULT_NEED_ANON	0x100000	/* (internal) the VMA needs its anon_vma first */

#define HPAGE_PMD_ORDER		9
#define HPAGE_PMD_NR		(1UL << HPAGE_PMD_ORDER)

#define FAULT_FLAG_WRITE	0x0001
#define FAULT_FLAG_USER		0x0040
#define FAULT_FLAG_INSTRUCTION	0x0100

/*
 * vm_expand_stack - grow the VM_GROWSDOWN @vma down to @addr (page aligned), as a fault below
 * it does: 0, or -EPERM/-ENOMEM when the guard gap, RLIMIT_STACK, RLIMIT_AS or the commit
 * limit refuse. The mmap_lock is held for writing.
 */
int vm_expand_stack(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr);
/* vma_has_pages - the VMA's memory is pages mapped by page tables (private anonymous). */
bool vma_has_pages(const struct vm_area_struct *vma);
/* vma_page_prot - the page protection bits of @vma's flags in its mm's encoding. */
uint64_t vma_page_prot(const struct vm_area_struct *vma);
/*
 * handle_mm_fault - the fault at @address of @vma (the access already checked against the
 * VMA's permissions), FAULT_FLAG_* @flags; the mmap_lock is held. Returns 0 or VM_FAULT_OOM.
 */
vm_fault_t handle_mm_fault(struct vm_area_struct *vma, unsigned long address, unsigned int flags);
/* vm_populate_vma - fault in [start, end) of @vma as GUP does for populate. 0 or -ENOMEM. */
int vm_populate_vma(struct vm_area_struct *vma, unsigned long start, unsigned long end, bool write);
/* copy_page_range - fork: the child's PTEs for @dst_vma from @src_vma's. 0 or -ENOMEM. */
int copy_page_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma);
/* zap_page_range - unmap every page of [start, end), dropping the pages' references. */
void zap_page_range(struct mm_struct *mm, unsigned long start, unsigned long end);
/*
 * unmap_region - after the VMAs of [start, end) were removed: zap its pages and free the page
 * tables that only it used (floor and ceiling from the neighbouring VMAs).
 */
void unmap_region(struct mm_struct *mm, unsigned long start, unsigned long end);
/*
 * vm_advise_pages - the page side of MADV_FREE (exclusive anonymous pages become lazy-free),
 * MADV_COLD (their PTEs old) and MADV_PAGEOUT (old, and clean lazy-free pages discarded) over
 * [start, end) of a VMA with pages.
 */
void vm_advise_pages(struct mm_struct *mm, unsigned long start, unsigned long end, int advice);

/* lru_batch.c: the per-CPU lazy-free folio batch (see there) */
/* folio_mark_lazyfree - MADV_FREE's: @folio becomes lazy-free when this CPU's batch moves. */
void folio_mark_lazyfree(struct machine *m, struct page *folio);
/* lru_add_drain - move this CPU's batch now; lru_add_drain_all - every CPU's. */
void lru_add_drain(struct machine *m);
void lru_add_drain_all(struct machine *m);
/* vm_lru_batch_forget - @folio is being freed: out of every batch. */
void vm_lru_batch_forget(struct machine *m, struct page *folio);
/* change_protection - rewrite the PTEs of [start, end) of @vma for its new vm_flags. */
void change_protection(struct vm_area_struct *vma, unsigned long start, unsigned long end);
/*
 * move_page_tables - mremap: move the PTEs of [old_addr, old_addr + len) to @new_addr.
 * Allocates the destination tables first: -ENOMEM leaves both ranges as they were.
 */
int move_page_tables(struct vm_area_struct *vma, unsigned long old_addr,
		     struct vm_area_struct *new_vma, unsigned long new_addr, unsigned long len);
/*
 * vm_collapse_range - MADV_COLLAPSE of the 2 MiB ranges inside [start, end) of @vma: each PTE
 * table with a writable page becomes a THP. 0, -EINVAL (a range with nothing mapped, or only
 * read-only pages; a VMA that cannot have THPs), -ENOMEM (no order-9 page).
 */
int vm_collapse_range(struct vm_area_struct *vma, unsigned long start, unsigned long end);
/* vm_page_present - a PTE maps the page at @addr (mincore). */
bool vm_page_present(struct mm_struct *mm, unsigned long addr);
/* exit_mmap_pages - exit: every page unmapped, every page table freed, the pgd too. */
void exit_mmap_pages(struct mm_struct *mm);
/* get_mm_counter - the RSS counter @member (MM_ANONPAGES, ...) of @mm, in pages. */
unsigned long get_mm_counter(struct mm_struct *mm, int member);
/* vm_zero_page_init - choose the shared zero page's frame number (at boot). */
void vm_zero_page_init(struct machine *m);
/* vm_check_pages - the page-table invariants of every mm (memory.c). 0 or -EUCLEAN + @why. */
int vm_check_pages(struct machine *m, char *why, size_t why_size);
/* tlb_flush - before a PTE of @mm changes (page_table_lock held): no cached translation survives. */
static inline void tlb_flush(struct mm_struct *mm)
{
	mm_bias_lock(&mm->tlb.lock, false);
	mm->tlb.gen++;
	mm_bias_unlock(&mm->tlb.lock);
}

/* mm_maps_nothing - no table below the top one: nothing is mapped, nothing to walk or free. */
static inline bool mm_maps_nothing(const struct mm_struct *mm)
{
	return !mm->pgd || !mm->pgtables_bytes;
}

/* PageAnon - @page is an anonymous page (its mapping is an anon_vma). */
bool PageAnon(const struct page *page);

/* ---- memory.c, for the /proc views (proc/pid_smaps.c, proc/pagemap.c) ------------------------ */
/*
 * vm_pte_page - the struct page a present @pte of @mm maps (vm_normal_page), or NULL for the
 * zero page. The caller holds mm->page_table_lock.
 */
struct page *vm_pte_page(struct mm_struct *mm, pte_t pte);
/* get_mm_rss - file + anonymous + shmem pages mapped by @mm (VmRSS, statm's resident). */
unsigned long get_mm_rss(struct mm_struct *mm);
/*
 * update_hiwater_rss - remember the RSS before it drops (zap_page_range calls it first, as the
 * kernel's unmap and MADV_DONTNEED paths do), so VmHWM = max(hiwater_rss, RSS).
 */
void update_hiwater_rss(struct mm_struct *mm);

/* vm_folio_pmd_maps - the PMD mappings of the THP @head (0 for an order-0 page). */
long vm_folio_pmd_maps(const struct page *head);

#endif /* MMLAB_VM_INTERNAL_H */
