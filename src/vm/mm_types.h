/*
 * mm_types.h - the structures of the address-space layer.
 *
 * Glossary:
 *   struct mm_struct       one address space: its VMAs (tree + ordered list), layout, counters,
 *                          rlimits, mmap_lock. Shared by the tasks that were cloned with CLONE_VM.
 *   struct vm_area_struct  one VMA: [vm_start, vm_end), vm_flags, file + vm_pgoff, anon_vma.
 *   struct vma_tree        the ordered index of an mm's VMAs keyed by vm_end (vma_tree.c).
 *   struct anon_vma        the reverse map of anonymous pages: the VMAs that may map the pages
 *                          whose page->mapping names it (rmap.c), linked to them by
 *   struct anon_vma_chain  one (VMA, anon_vma) pair, on the VMA's chain and the anon_vma's list.
 *   struct mm_file         an open file description (the kernel's struct file) over an mm_inode.
 *   struct mm_task         a process or thread: pid -> mm.
 *   struct vm_state        per machine: sysctls, commit accounting, the pid table, the list of
 *                          all mms (init_mm).
 *
 * Invariants (mm_check() proves them):
 *   VMAs are ordered and disjoint: vma->vm_start < vma->vm_end <= next->vm_start, all page
 *   aligned and below task_size (the [vsyscall] gate is a flag, not a VMA);
 *   the tree holds exactly the VMAs of the list, with each key equal to the VMA's vm_end;
 *   map_count = number of VMAs; total_vm = sum of pages; data_vm, exec_vm, stack_vm,
 *   locked_vm recomputed from vm_flags equal the counters.
 */
#ifndef MMLAB_VM_MM_TYPES_H
#define MMLAB_VM_MM_TYPES_H

#include "core/core.h"
#include "vm/tlb.h"

#include <mmlab/list.h>
#include <mmlab/mm.h>
#include <mmlab/page.h>

struct vma_leaf;
struct pgtable_fmt;

/* The kinds of mm->rss_stat, in the kernel's order. */
enum {
	MM_FILEPAGES,
	MM_ANONPAGES,
	MM_SWAPENTS,
	MM_SHMEMPAGES,
	NR_MM_COUNTERS
};

/*
 * The ordered index: a sorted array of leaves, each a sorted array of up to VMA_LEAF_MAX VMAs,
 * and over the leaves a max-tree of free gaps (the largest gap below a VMA of each leaf), so a
 * gap search is O(log n) (vma_tree.c).
 */
struct vma_tree {
	int nr_leaves, cap_leaves;
	unsigned long *leaf_max;	/* [i] = vm_end of the last VMA of leaves[i] */
	struct vma_leaf **leaves;
	struct vma_leaf *spare;		/* preallocated leaves (linked through slot 0) */
	int nr_spare;
	int gap_base;			/* leaves in the gap tree: a power of two >= cap_leaves */
	unsigned long *gap;		/* [gap_base + i]: largest gap in leaf i; [k]: max of [2k],
					   [2k + 1]; 2 * gap_base entries */
	int hint_i, hint_s;		/* a slot an insertion or removal may want next (the
					   last inserted, the VMA above a gap found); checked
					   before use, 0 <= hint_s < the leaf size */
};

enum vma_special_kind {
	VMA_NORMAL,
	VMA_VDSO,		/* [vdso] */
	VMA_VVAR,		/* [vvar] */
	VMA_VVAR_VCLOCK,	/* [vvar_vclock] */
};

struct anon_vma {
	struct anon_vma *root;		/* the family's oldest: its lock covers the whole family */
	struct anon_vma *parent;	/* forked from; a root is its own parent */
	atomic_int refcount;		/* 1 while any chain links it; a root: + 1 per descendant */
	int num_children;		/* anon_vmas whose parent this is (a root counts itself) */
	int num_active_vmas;		/* VMAs whose vma->anon_vma this is */
	unsigned long id;		/* serial number, for mm_vma_info and the checker */
	struct list_head head;		/* anon_vma_chain.same_anon_vma of every VMA linked */
	mm_lock_t lock;			/* the root's only: lists and counters of the family */
};

struct anon_vma_chain {
	struct vm_area_struct *vma;
	struct anon_vma *anon_vma;
	struct list_head same_vma;	/* in vma->anon_vma_chain, newest first */
	struct list_head same_anon_vma;	/* in anon_vma->head */
};

struct vm_area_struct {
	unsigned long vm_start, vm_end;		/* [vm_start, vm_end), page aligned */
	struct vm_area_struct *vm_next, *vm_prev;	/* address order */
	struct mm_struct *vm_mm;
	unsigned long vm_flags;
	unsigned long vm_pgoff;			/* file offset in pages; anon: vm_start >> PAGE_SHIFT at mmap */
	struct mm_file *vm_file;		/* holds a reference; shmem object for shared anon */
	struct anon_vma *anon_vma;		/* where its new anonymous pages go; NULL: none yet */
	struct list_head anon_vma_chain;	/* anon_vma_chains: its own anon_vma's, then its
						   fork ancestors' (singular: not a fork child) */
	enum vma_special_kind special;
	char *anon_name;			/* prctl(PR_SET_VMA_ANON_NAME), or NULL */
	bool populated;				/* pages resident (for mincore): touched or populated */
};

/*
 * VMAs, and copies of anonymous names for the VMAs an operation will copy, set aside before it
 * starts, so nothing fails half-way (vma.c).
 */
#define VMA_RESERVE_MAX 8
struct vma_reserve {
	int nr;
	struct vm_area_struct *v[VMA_RESERVE_MAX];
	int nr_names;
	char *names[VMA_RESERVE_MAX];		/* oldest first; vm_area_dup takes an equal one */
	struct anon_vma_chain *avc;		/* reserved chain links (linked by same_vma.next) */
	int nr_avc;
};

struct mm_struct {
	struct machine *machine;
	struct vma_reserve reserve;
	struct vma_tree mm_mt;			/* the VMA index (the kernel's maple tree slot) */
	struct vm_area_struct *mmap;		/* lowest VMA (list head) */
	struct vm_area_struct *mmap_last;	/* highest VMA */
	/*
	 * A VMA the next lookups are likely to want, or NULL (the kernel's mm->mmap_cache before
	 * vmacache): find_vma tries it before the tree, and it is the answer for addr exactly
	 * when addr < its vm_end and its vm_prev (if any) ends at or below addr. Only the write
	 * side of mmap_lock sets it - vma_link (the VMA linked), vma_unlink (the one after),
	 * find_vma_wr (its answer) - so readers never write a shared line and it always names a
	 * linked VMA.
	 */
	struct vm_area_struct *mmap_cache;
	void *pgd;				/* the top page table (pgtable.h) */
	const struct pgtable_fmt *fmt;		/* the machine's page-table encoding */
	int pgtable_levels;			/* 4, or 5 with LA57 */
	unsigned long pgtables_bytes;		/* tables below the top one: VmPTE */
	unsigned long nr_huge_pmds;		/* huge PMD entries (THPs, huge zero pages) */
	mm_lock_t page_table_lock;		/* every change of a page-table entry */
	struct mm_tlb tlb;			/* mm_access's translation cache (tlb.h) */
	atomic_long rss_stat[NR_MM_COUNTERS];	/* pages mapped, by kind (MM_ANONPAGES, ...) */
	atomic_ulong min_flt, maj_flt;		/* faults of its tasks (the kernel counts per task) */
	atomic_int mm_users;			/* tasks using it */
	atomic_int mm_count;			/* references to the struct (users count as one) */
	mm_rwsem_t mmap_lock;
	struct list_head mmlist;		/* in vm_state->mmlist headed by init_mm */
	int map_count;

	unsigned long mmap_base, mmap_legacy_base, task_size;
	bool legacy_layout;
	bool vsyscall;				/* print the [vsyscall] gate line */
	unsigned long start_code, end_code, start_data, end_data;
	unsigned long start_brk, brk, start_stack;
	unsigned long arg_start, arg_end, env_start, env_end;

	unsigned long total_vm, locked_vm, pinned_vm, data_vm, exec_vm, stack_vm;
	unsigned long hiwater_vm;
	unsigned long hiwater_rss;		/* RSS before its last drop (VmHWM), in pages */
	unsigned long def_flags;		/* VM_LOCKED|VM_LOCKONFAULT after mlockall(MCL_FUTURE) */
	bool has_anon_names;			/* a VMA has had an anon_name (sticky): splits copy names */
	int anon_chain_max;			/* no VMA's anon_vma chain is longer (sticky) */

	unsigned long rlim_cur[RLIM_NLIMITS], rlim_max[RLIM_NLIMITS];
	unsigned int caps;			/* MM_CAP_* */
};

struct mm_inode {
	atomic_int refcount;
	unsigned int dev_major, dev_minor;
	unsigned long ino;
	unsigned long long size;
	struct mm_inode *hash_next;
};

struct mm_file {
	struct machine *machine;
	atomic_int refcount;
	struct mm_inode *inode;
	char *path;
	int open_flags;
	enum mm_file_kind kind;
	bool shmem;		/* the object behind a shared anonymous mapping */
	bool noexec, append_only;
	bool tmpfs;		/* a tmpfs file (memfd, /dev/shm): placed by shmem's rules */
	unsigned long shmem_acct_pages;	/* shmem: Committed_AS charged until the last put */
};

struct mm_task {
	int pid;
	struct mm_struct *mm;
	char comm[16];
	struct machine *machine;
	struct mm_task *hash_next;
};

#define PID_HASH_SIZE 1024

/* A per-CPU folio batch (the kernel's struct folio_batch, PAGEVEC_SIZE folios). */
#define LRU_BATCH_SIZE	31
struct lru_batch {
	int nr;
	struct page *folios[LRU_BATCH_SIZE];
};

struct vm_state {
	mm_lock_t lock;				/* pids, inode table, mmlist */
	struct mm_struct init_mm;		/* the kernel's mm: heads the list of all mms */
	struct mm_task *pid_hash[PID_HASH_SIZE];
	int nr_tasks;
	int last_pid;
	struct mm_inode *inodes[256];
	atomic_ulong next_anon_vma;		/* anon_vma identities */
	atomic_long nr_anon_vmas;		/* anon_vmas allocated and not freed */
	atomic_long nr_anon_vma_chains;		/* chain links, linked or in a reserve */
	struct kmem_cache *anon_vma_cachep;	/* "anon_vma" */
	struct kmem_cache *anon_vma_chain_cachep; /* "anon_vma_chain" */
	atomic_ulong next_shmem_ino;
	int max_map_count;
	unsigned long mmap_min_addr;
	unsigned long stack_guard_gap;		/* bytes */
	unsigned long admin_reserve_kbytes, user_reserve_kbytes;
	/* Commit accounting (overcommit.c): what is charged, and the policy that limits it. */
	atomic_long vm_committed_as;		/* pages charged: Committed_AS */
	int overcommit_memory;			/* 0 heuristic, 1 always, 2 never */
	int overcommit_ratio;			/* percent of RAM in CommitLimit (default 50) */
	unsigned long overcommit_kbytes;	/* CommitLimit in kB instead of the ratio; 0: unused */
	struct kmem_cache *vm_area_cachep;	/* "vm_area_struct", as in /proc/slabinfo */
	struct kmem_cache *mm_cachep;		/* "mm_struct" */
	unsigned long zero_pfn;			/* the shared zero page: a frame outside RAM */
	unsigned long huge_zero_pfn;		/* the huge zero page: 512 frames outside RAM */
	atomic_bool huge_zero_used;		/* thp_zero_page_alloc counted */
	/* swap.c's per-CPU folio batches (lru_batch.c): only the lazy-free one is modelled */
	mm_lock_t lru_batch_lock;
	atomic_int nr_lazyfree_pending;		/* folios in all the batches */
	struct lru_batch lazyfree[];		/* [nr_cpus] */
};

static inline unsigned long vma_pages(const struct vm_area_struct *vma)
{
	return (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
}

#endif /* MMLAB_VM_MM_TYPES_H */
