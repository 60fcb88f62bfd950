/*
 * pgtable.h - user page tables: a radix tree of 4 KiB tables of 512 eight-byte entries, each
 * table a real frame from the page allocator, in the x86-64 or the ARM64 entry encoding.
 *
 * Levels, from the leaf up: 0 PTE, 1 PMD, 2 PUD, 3 P4D, 4 PGD. Four-level tables fold the P4D
 * into the PGD (the top table is level 3 and indexes bits 39..47); LA57 adds level 4 (bits
 * 48..56). An upper entry that points to a table is "table" (pgtable_fmt.table bits | the
 * table's pfn); a leaf is a PTE at level 0, or a huge (PSE/block) entry at level 1.
 *
 * Accounting, as the kernel's: every table but the top one adds 4 KiB to mm->pgtables_bytes
 * (VmPTE); every table including the top one is an NR_PAGE_TABLE_PAGES page (PageTables: in
 * meminfo, nr_page_table_pages in vmstat). Tables come zeroed (GFP_PGTABLE_USER) and each
 * allocation can be made to fail (FAULT_PGTABLE).
 *
 * Locking: the caller holds mm->mmap_lock (read for walks and faults, write to free tables)
 * and mm->page_table_lock around any change of an entry.
 */
#ifndef MMLAB_PGTABLE_H
#define MMLAB_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include <mmlab/mm.h>

struct mm_struct;

#define PTRS_PER_TABLE	512
#define PMD_SHIFT	21
#define PMD_SIZE	(1UL << PMD_SHIFT)
#define PMD_MASK	(~(PMD_SIZE - 1))
#define PUD_SHIFT	30
#define PUD_SIZE	(1UL << PUD_SHIFT)
#define PGTABLE_MAX_LEVELS 5

typedef struct {
	uint64_t pte;
} pte_t;

static inline uint64_t pte_val(pte_t p)
{
	return p.pte;
}
static inline pte_t __pte(uint64_t v)
{
	return (pte_t){ v };
}

/*
 * The meaning of the bits of one architecture's entries. A bit this architecture lacks is 0.
 * x86-64: the hardware's P, RW, U/S, A, D, PSE and NX bits; PROT_NONE is the global bit with
 * P clear; soft-dirty and special are software bits. ARM64 (4 KiB granule, FEAT_HAFDBS):
 * write permission is PTE_WRITE (the DBM bit) over AP[2] (PTE_RDONLY): a writable clean entry
 * has both, and the hardware marks it dirty by clearing PTE_RDONLY; PTE_DIRTY is the software
 * dirty bit that keeps the dirtiness of a write-protected entry.
 */
struct pgtable_fmt {
	enum mm_arch arch;
	uint64_t present;	/* the hardware may use it */
	uint64_t protnone;	/* present to the kernel, not to the hardware (PROT_NONE) */
	uint64_t write;		/* write permission (x86 RW, ARM64 PTE_WRITE) */
	uint64_t rdonly;	/* ARM64 PTE_RDONLY: the hardware refuses writes */
	uint64_t young;		/* accessed (x86 A, ARM64 AF) */
	uint64_t dirty;		/* x86 D; ARM64 the software PTE_DIRTY */
	uint64_t soft_dirty;	/* x86 only */
	uint64_t special;	/* no struct page behind it (the zero page) */
	uint64_t nx;		/* user execute-never (x86 NX, ARM64 UXN) */
	uint64_t huge;		/* a leaf at level 1 (x86 PSE; ARM64: a block, type bits 01) */
	uint64_t table;		/* the bits of an entry that points to a table */
	uint64_t type_mask;	/* the bits that tell a table entry from a block (ARM64 bits 0-1) */
	uint64_t pfn_mask;	/* bits 12.. of the frame number */
};

extern const struct pgtable_fmt pgtable_fmt_x86_64, pgtable_fmt_arm64;

static inline const struct pgtable_fmt *pgtable_fmt_of(enum mm_arch arch)
{
	return arch == MM_ARCH_ARM64 ? &pgtable_fmt_arm64 : &pgtable_fmt_x86_64;
}

/* ---- one entry (the kernel's pte_* helpers, in the entry's own architecture) -------------- */

static inline bool pte_none(pte_t p)
{
	return pte_val(p) == 0;
}
/* present to the kernel: mapped, possibly PROT_NONE */
static inline bool pte_present(const struct pgtable_fmt *f, pte_t p)
{
	return pte_val(p) & (f->present | f->protnone);
}
static inline unsigned long pte_pfn(const struct pgtable_fmt *f, pte_t p)
{
	return (unsigned long)((pte_val(p) & f->pfn_mask) >> 12);
}
static inline pte_t pfn_pte(unsigned long pfn, uint64_t prot)
{
	return __pte(((uint64_t)pfn << 12) | prot);
}
static inline bool pte_write(const struct pgtable_fmt *f, pte_t p)
{
	return pte_val(p) & f->write;
}
static inline bool pte_young(const struct pgtable_fmt *f, pte_t p)
{
	return pte_val(p) & f->young;
}
static inline bool pte_special(const struct pgtable_fmt *f, pte_t p)
{
	return pte_val(p) & f->special;
}
static inline bool pte_soft_dirty(const struct pgtable_fmt *f, pte_t p)
{
	return pte_val(p) & f->soft_dirty;
}
/* dirty: the dirty bit, or (ARM64) writable with the hardware's read-only bit cleared */
static inline bool pte_dirty(const struct pgtable_fmt *f, pte_t p)
{
	uint64_t v = pte_val(p);

	if (v & f->dirty)
		return true;
	return f->rdonly && (v & f->write) && !(v & f->rdonly);
}
static inline pte_t pte_mkyoung(const struct pgtable_fmt *f, pte_t p)
{
	return __pte(pte_val(p) | f->young);
}
static inline pte_t pte_mkold(const struct pgtable_fmt *f, pte_t p)
{
	return __pte(pte_val(p) & ~f->young);
}
static inline pte_t pte_clear_soft_dirty(const struct pgtable_fmt *f, pte_t p)
{
	return __pte(pte_val(p) & ~f->soft_dirty);
}
static inline pte_t pte_mkspecial(const struct pgtable_fmt *f, pte_t p)
{
	return __pte(pte_val(p) | f->special);
}
static inline pte_t pte_mkdirty(const struct pgtable_fmt *f, pte_t p)
{
	uint64_t v = pte_val(p) | f->dirty | f->soft_dirty;

	if (v & f->write)
		v &= ~f->rdonly;
	return __pte(v);
}
static inline pte_t pte_mkclean(const struct pgtable_fmt *f, pte_t p)
{
	uint64_t v = pte_val(p) & ~f->dirty;

	if (v & f->write)
		v |= f->rdonly;
	return __pte(v);
}
static inline pte_t pte_mkwrite(const struct pgtable_fmt *f, pte_t p)
{
	uint64_t v = pte_val(p) | f->write;

	if (v & f->dirty)
		v &= ~f->rdonly;
	return __pte(v);
}
/* write-protect, keeping the dirtiness (ARM64 moves hardware dirty into PTE_DIRTY) */
static inline pte_t pte_wrprotect(const struct pgtable_fmt *f, pte_t p)
{
	uint64_t v = pte_val(p);

	if (pte_dirty(f, p))
		v |= f->dirty;
	v &= ~f->write;
	v |= f->rdonly;
	return __pte(v);
}
/* pte_modify: the protection bits of @newprot, keeping the frame, accessed, dirty, special */
static inline pte_t pte_modify(const struct pgtable_fmt *f, pte_t p, uint64_t newprot)
{
	uint64_t keep = f->pfn_mask | f->young | f->dirty | f->soft_dirty | f->special;
	bool dirty = pte_dirty(f, p);
	pte_t n = __pte((pte_val(p) & keep) | newprot);

	return dirty && pte_write(f, n) ? pte_mkdirty(f, n) : n;
}
/* What the hardware allows: a user access of kind read, write or fetch without a fault. */
static inline bool pte_hw_allows(const struct pgtable_fmt *f, pte_t p, bool write, bool exec)
{
	uint64_t v = pte_val(p);

	if (!(v & f->present))
		return false;
	if (write && (f->rdonly ? (v & f->rdonly) && !(v & f->write) : !(v & f->write)))
		return false;
	if (exec && (v & f->nx))
		return false;
	return true;
}
/* The hardware's update of an entry on an access it allows: accessed, and dirty on a write. */
static inline pte_t pte_hw_access(const struct pgtable_fmt *f, pte_t p, bool write)
{
	uint64_t v = pte_val(p) | f->young;

	if (write) {
		v |= f->dirty | f->soft_dirty;	/* x86 sets D; soft-dirty rides along in the model */
		v &= ~f->rdonly;
	}
	return __pte(v);
}

/* ---- tables --------------------------------------------------------------------------------- */

/* pgd_alloc - the top table of @mm (its levels from the machine's config). 0 or -ENOMEM. */
int pgd_alloc(struct mm_struct *mm);
/* pgd_free - free the top table; every lower table must have been freed (free_pgd_range). */
void pgd_free(struct mm_struct *mm);

/*
 * pte_offset - the PTE slot of @addr, or NULL when a table on the way is missing (or a huge
 * entry stands at level 1: *@huge, if given, then points to it).
 */
pte_t *pte_offset(struct mm_struct *mm, unsigned long addr);
/* pte_from_pmd - the PTE slot of @addr under the PMD entry @slot, or NULL if it is no table. */
pte_t *pte_from_pmd(struct mm_struct *mm, const uint64_t *slot, unsigned long addr);
/* pte_alloc - the PTE slot of @addr, allocating the missing tables. NULL: -ENOMEM. */
pte_t *pte_alloc(struct mm_struct *mm, unsigned long addr);

/*
 * free_pgd_range - free the tables that only map [@addr, @end), given that nothing is mapped
 * in [@floor, @addr) and [@end, @ceiling) (0 ceiling: the top of the address space): as the
 * kernel's free_pgtables, a table goes only if its whole span lies in [@floor, @ceiling).
 * Entries inside must already be cleared.
 */
void free_pgd_range(struct mm_struct *mm, unsigned long addr, unsigned long end,
		    unsigned long floor, unsigned long ceiling);

/*
 * pgtable_unmap_is_noop - true if zapping [@start, @end) and free_pgd_range(@start, @end,
 * @floor, @ceiling) would change nothing: the range lies inside one empty upper entry (no
 * table, no PTE, no huge PMD below it) and none of the tables above that entry would be freed.
 * False when unsure (the caller then does the full walks). Caller holds page_table_lock.
 */
bool pgtable_unmap_is_noop(struct mm_struct *mm, unsigned long start, unsigned long end,
			   unsigned long floor, unsigned long ceiling);

/*
 * pgtable_walk - call @fn for every non-empty PTE slot in [@start, @end) that has a table, and
 * every huge PMD entry that meets the range, in address order: @fn(slot, its address (a huge
 * PMD's is 2 MiB aligned), level 0 or 1, @arg); a non-zero return stops the walk and is
 * returned.
 */
typedef int (*pgtable_walk_fn)(pte_t *pte, unsigned long addr, int level, void *arg);
int pgtable_walk(struct mm_struct *mm, unsigned long start, unsigned long end, pgtable_walk_fn fn,
		 void *arg);

/*
 * pmd_slot - the level-1 (PMD) entry of @addr; with @alloc the missing upper tables are
 * allocated (NULL: -ENOMEM), else NULL when one is missing.
 */
uint64_t *pmd_slot(struct mm_struct *mm, unsigned long addr, bool alloc);
/* pmd_is_huge - the PMD entry @e maps a 2 MiB page itself (no PTE table). */
bool pmd_is_huge(const struct mm_struct *mm, uint64_t e);
/*
 * The PTE table a huge PMD keeps in reserve for its split (the kernel's deposit/withdraw): a
 * table allocated with the huge mapping and counted as a page table while deposited.
 * deposit: 0 or -ENOMEM; withdraw: the most recently deposited table of @slot's PMD table.
 */
int pgtable_trans_huge_deposit(struct mm_struct *mm, uint64_t *slot);
/* pgtable_deposit_table - deposit the (empty, counted) PTE table @table at @slot's PMD table. */
void pgtable_deposit_table(uint64_t *slot, pte_t *table);
pte_t *pgtable_trans_huge_withdraw(struct mm_struct *mm, uint64_t *slot);
void pgtable_free_withdrawn(struct mm_struct *mm, pte_t *table);
/* pte_table_install - make @slot point to the (filled) PTE table @table; returns @table. */
pte_t *pte_table_install(struct mm_struct *mm, uint64_t *slot, pte_t *table);

/* pgtable_count - the number of tables of @mm at each level (for tests and the checker). */
void pgtable_count(struct mm_struct *mm, unsigned long counts[PGTABLE_MAX_LEVELS]);

#endif /* MMLAB_PGTABLE_H */
