/*
 * test_pages.c - page tables and the fault handler: demand paging, the zero page, fork and
 * copy-on-write with real bytes, unmapping and the freeing of page tables, mprotect, mremap,
 * madvise, and allocation failures inside faults, fork, populate and mremap. Every test runs
 * on both page-table encodings (x86-64 and ARM64) and, for x86-64, with five levels too.
 *
 * Pictures: one character per page from BASE, as draw() sees the page tables:
 *   '.' no PTE   'z' the zero page   'r' an anonymous page mapped read-only (shared, COW)
 *   'w' an anonymous page mapped writable
 *   and where a huge PMD maps the page: 'Z' the huge zero page, 'H' writable, 'h' read-only
 */
#include "vmtest.h"

#include <mmlab/fault_inject.h>
#include <mmlab/page_alloc.h>
#include <mmlab/proc.h>

#include "phys/mmzone.h"

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)

static int arch = MM_ARCH_X86_64;
static bool la57;
static int thp_mode = THP_MADVISE;

struct pt {
	struct machine *m;
	struct mm_task *task;
	struct mm_struct *mm;
	long unaccounted_at_boot;
};

/*
 * Frames neither free nor in a slab: what a leak of a page or a page table would raise
 * (slab caches keep empty slabs after processes exit, as the kernel's do).
 */
static long unaccounted(struct machine *m)
{
	drain_all_pages(NULL);
	return -(long)nr_free_pages() - global_node_page_state(m, NR_SLAB_RECLAIMABLE) -
	       global_node_page_state(m, NR_SLAB_UNRECLAIMABLE);
}

static void pt_setup(struct pt *t)
{
	struct mm_exec_args args = { .flags = MM_EXEC_EMPTY };
	struct machine_config cfg;

	test_config(&cfg, 256ULL << 20, 1, 2);
	cfg.arch = arch;
	cfg.la57 = la57;
	cfg.transparent_hugepage = thp_mode;
	t->m = test_boot_config(&cfg);
	assert_non_null(t->m);
	vm_set_mmap_min_addr(t->m, 4096);
	t->unaccounted_at_boot = unaccounted(t->m);
	assert_int_equal(mm_task_exec_new(t->m, 0, &args, &t->task), 0);
	t->mm = mm_task_mm(t->task);
}

/* Every process gone and the per-CPU lists drained: every frame is back (no page, no table). */
static void pt_teardown(struct pt *t)
{
	assert_machine_ok(t->m);
	if (t->task)
		mm_task_exit(t->task);
	assert_int_equal(unaccounted(t->m), t->unaccounted_at_boot);
	assert_int_equal(global_node_page_state(t->m, NR_ANON_PAGES), 0);
	assert_int_equal(global_node_page_state(t->m, NR_PAGE_TABLE_PAGES), 0);
	machine_shutdown(t->m);
}

static pte_t pte_at(struct mm_struct *mm, unsigned long addr)
{
	pte_t *p = pte_offset(mm, addr);

	return p ? *p : __pte(0);
}

/* The picture of @n pages from @start (static buffer). */
static const char *draw(struct mm_struct *mm, unsigned long start, int n)
{
	static char pic[128];
	int i;

	for (i = 0; i < n; i++) {
		unsigned long a = start + (unsigned long)i * PAGE_SIZE;
		uint64_t *slot = pmd_slot(mm, a, false);
		pte_t p = pte_at(mm, a);

		if (slot && pmd_is_huge(mm, *slot)) {
			pte_t h = __pte(*slot);

			pic[i] = pte_pfn(mm->fmt, h) == vm_of(mm)->huge_zero_pfn ? 'Z' :
				 pte_write(mm->fmt, h) ? 'H' : 'h';
		} else if (pte_none(p))
			pic[i] = '.';
		else if (pte_pfn(mm->fmt, p) == vm_of(mm)->zero_pfn)
			pic[i] = 'z';
		else
			pic[i] = pte_write(mm->fmt, p) ? 'w' : 'r';
	}
	pic[n] = 0;
	return pic;
}

static unsigned long pfn_at(struct mm_struct *mm, unsigned long addr)
{
	return pte_pfn(mm->fmt, pte_at(mm, addr));
}

static void fill(struct mm_struct *mm, unsigned long addr, unsigned long len, int byte)
{
	char buf[PAGE_SIZE];
	unsigned long off;

	memset(buf, byte, sizeof(buf));
	for (off = 0; off < len; off += PAGE_SIZE)
		assert_int_equal(access_process_vm(mm, addr + off, buf, PAGE_SIZE, true), PAGE_SIZE);
}

/* Every byte of [addr, addr + len) is @byte. */
static void expect_bytes(struct mm_struct *mm, unsigned long addr, unsigned long len, int byte)
{
	unsigned char buf[PAGE_SIZE];
	unsigned long off, i;

	for (off = 0; off < len; off += PAGE_SIZE) {
		assert_int_equal(access_process_vm(mm, addr + off, buf, PAGE_SIZE, false), PAGE_SIZE);
		for (i = 0; i < PAGE_SIZE; i++)
			if (buf[i] != (unsigned char)byte)
				fail_msg("byte %#lx is %#x, not %#x", addr + off + i, buf[i], byte);
	}
}

static unsigned long rss_anon(struct mm_struct *mm)
{
	return get_mm_counter(mm, MM_ANONPAGES);
}

/* The kernel's VmPTE: page tables below the top one, in KiB. */
static unsigned long vmpte_kb(struct mm_struct *mm)
{
	return mm->pgtables_bytes >> 10;
}

static unsigned long tables_for_one_region(void)
{
	return (la57 ? 4 : 3) * 4;	/* P4D (LA57), PUD, PMD, PTE tables */
}

static struct mm_task *fork_of(struct pt *t)
{
	struct mm_task *child;

	assert_int_equal(mm_task_clone(t->task, 0, 0, &child), 0);
	return child;
}

/* ---- demand paging ------------------------------------------------------------------------- */

static void test_demand_paging(void **state)
{
	unsigned char vec[4];
	struct pt t;

	(void)state;
	pt_setup(&t);
	assert_int_equal(mm_mmap(t.mm, PG(0), 4 * PAGE_SIZE, RW, ANON, NULL, 0), PG(0));
	assert_string_equal(draw(t.mm, PG(0), 4), "....");
	assert_int_equal(vmpte_kb(t.mm), 0);

	assert_int_equal(mm_touch(t.mm, PG(0), false), 0);	/* read: the zero page */
	assert_string_equal(draw(t.mm, PG(0), 4), "z...");
	assert_int_equal(rss_anon(t.mm), 0);
	assert_true(pte_special(t.mm->fmt, pte_at(t.mm, PG(0))));
	assert_int_equal(vmpte_kb(t.mm), tables_for_one_region());

	assert_int_equal(mm_touch(t.mm, PG(1), true), 0);	/* write: a zeroed frame */
	assert_string_equal(draw(t.mm, PG(0), 4), "zw..");
	assert_int_equal(rss_anon(t.mm), 1);
	assert_true(pte_dirty(t.mm->fmt, pte_at(t.mm, PG(1))));
	expect_bytes(t.mm, PG(1), PAGE_SIZE, 0);

	assert_int_equal(mm_touch(t.mm, PG(0), true), 0);	/* write over the zero page */
	assert_string_equal(draw(t.mm, PG(0), 4), "ww..");
	assert_int_equal(rss_anon(t.mm), 2);
	expect_bytes(t.mm, PG(0), PAGE_SIZE, 0);

	assert_int_equal(mm_mincore(t.mm, PG(0), 4 * PAGE_SIZE, vec), 0);
	assert_memory_equal(vec, ((unsigned char[]){ 1, 1, 0, 0 }), 4);
	assert_int_equal(mm_access(t.mm, PG(2), 2 * PAGE_SIZE, MM_ACCESS_WRITE), 0);
	assert_string_equal(draw(t.mm, PG(0), 4), "wwww");
	assert_int_equal(mm_access(t.mm, PG(3), 2 * PAGE_SIZE, MM_ACCESS_READ), -EFAULT);
	assert_int_equal(mm_access(t.mm, PG(0), 1, MM_ACCESS_EXEC), -EACCES);
	pt_teardown(&t);
}

/* A write to a read-only mapping, or any access to PROT_NONE, is SIGSEGV (SEGV_ACCERR). */
static void test_access_errors(void **state)
{
	struct pt t;

	(void)state;
	pt_setup(&t);
	assert_int_equal(mm_mmap(t.mm, PG(0), PAGE_SIZE, PROT_READ, ANON, NULL, 0), PG(0));
	assert_int_equal(mm_mmap(t.mm, PG(1), PAGE_SIZE, PROT_NONE, ANON, NULL, 0), PG(1));
	assert_int_equal(mm_touch(t.mm, PG(0), true), -EACCES);
	assert_int_equal(mm_touch(t.mm, PG(0), false), 0);
	assert_int_equal(mm_touch(t.mm, PG(1), false), -EACCES);
	assert_int_equal(mm_touch(t.mm, PG(2), false), -EFAULT);
	assert_string_equal(draw(t.mm, PG(0), 3), "z..");
	pt_teardown(&t);
}

/* ---- fork and copy-on-write ---------------------------------------------------------------- */

static void test_fork_cow_bytes(void **state)
{
	unsigned long parent_pfn, free_before;
	struct mm_struct *cmm;
	struct mm_task *child;
	char msg[16];
	struct pt t;

	(void)state;
	pt_setup(&t);
	mm_mmap(t.mm, PG(0), 2 * PAGE_SIZE, RW, ANON, NULL, 0);
	fill(t.mm, PG(0), 2 * PAGE_SIZE, 0xaa);
	parent_pfn = pfn_at(t.mm, PG(0));
	child = fork_of(&t);
	cmm = mm_task_mm(child);
	assert_string_equal(draw(t.mm, PG(0), 2), "rr");
	assert_string_equal(draw(cmm, PG(0), 2), "rr");
	assert_int_equal(pfn_at(cmm, PG(0)), parent_pfn);
	assert_int_equal(page_mapcount(pfn_to_page(parent_pfn)), 2);
	assert_int_equal(rss_anon(cmm), 2);
	assert_machine_ok(t.m);

	/* The child writes: it gets a copy, the parent keeps its bytes. */
	assert_int_equal(access_process_vm(cmm, PG(0) + 100, "child", 6, true), 6);
	assert_string_equal(draw(cmm, PG(0), 2), "wr");
	assert_int_not_equal(pfn_at(cmm, PG(0)), parent_pfn);
	assert_int_equal(access_process_vm(cmm, PG(0) + 100, msg, 6, false), 6);
	assert_string_equal(msg, "child");
	assert_int_equal(access_process_vm(cmm, PG(0) + 99, msg, 1, false), 1);
	assert_int_equal((unsigned char)msg[0], 0xaa);	/* the rest of the page was copied */
	expect_bytes(t.mm, PG(0), 2 * PAGE_SIZE, 0xaa);
	assert_machine_ok(t.m);

	/* The parent's page is its own again: a write reuses it, no copy. */
	drain_all_pages(NULL);
	free_before = nr_free_pages();
	assert_int_equal(mm_touch(t.mm, PG(0), true), 0);
	assert_int_equal(pfn_at(t.mm, PG(0)), parent_pfn);
	assert_int_equal(nr_free_pages(), free_before);
	assert_string_equal(draw(t.mm, PG(0), 2), "wr");
	/* Page 1 is still shared: the parent's write copies it. */
	fill(t.mm, PG(1), PAGE_SIZE, 0xdd);
	expect_bytes(cmm, PG(1), PAGE_SIZE, 0xaa);
	assert_machine_ok(t.m);
	mm_task_exit(child);
	pt_teardown(&t);
}

/*
 * The copy-on-write cases of the kernel's selftests (tools/testing/selftests/mm/cow.c) that
 * need no GUP pins, io_uring or THP: each prepares the parent's region, forks, and checks that
 * no write leaks from the child to the parent or from the parent to the child.
 */
enum cow_prep {
	COW_BASIC,		/* written, then fork */
	COW_MPROTECT,		/* the parent mprotects RO and back to RW after the fork */
	COW_MREMAP,		/* moved with mremap before the fork */
	COW_DONTNEED_HALF,	/* half zapped with MADV_DONTNEED before the fork */
	COW_ZERO_PAGE,		/* only read (the shared zero page) before the fork */
	COW_CHILD_EXITS,	/* the child writes and exits before the parent writes */
	COW_GRANDCHILD,		/* the child forks again; all three write */
};

#define COW_PAGES 4

static void cow_case(enum cow_prep prep)
{
	unsigned long addr = PG(0), len = COW_PAGES * PAGE_SIZE;
	int before = 0xaa;
	struct mm_task *child, *grandchild = NULL;
	struct mm_struct *cmm;
	struct pt t;

	pt_setup(&t);
	assert_int_equal(mm_mmap(t.mm, addr, len, RW, ANON, NULL, 0), (long)addr);
	if (prep == COW_ZERO_PAGE) {
		assert_int_equal(mm_access(t.mm, addr, len, MM_ACCESS_READ), 0);
		before = 0;
	} else {
		fill(t.mm, addr, len, 0xaa);
	}
	if (prep == COW_MREMAP) {
		assert_int_equal(mm_mremap(t.mm, addr, len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
					   PG(64)), PG(64));
		addr = PG(64);
		expect_bytes(t.mm, addr, len, 0xaa);
	}
	if (prep == COW_DONTNEED_HALF) {
		assert_int_equal(mm_madvise(t.mm, addr, len / 2, MADV_DONTNEED), 0);
		assert_string_equal(draw(t.mm, addr, COW_PAGES), "..ww");
	}
	assert_machine_ok(t.m);
	child = fork_of(&t);
	cmm = mm_task_mm(child);
	if (prep == COW_MPROTECT) {
		assert_int_equal(mm_mprotect(t.mm, addr, len, PROT_READ), 0);
		assert_int_equal(mm_mprotect(t.mm, addr, len, RW), 0);
		/* shared pages must stay write-protected through the upgrade */
		assert_true(strchr(draw(t.mm, addr, COW_PAGES), 'w') == NULL);
	}
	if (prep == COW_GRANDCHILD)
		assert_int_equal(mm_task_clone(child, 0, 0, &grandchild), 0);
	assert_machine_ok(t.m);

	fill(cmm, addr, len, 0xcc);
	if (prep == COW_DONTNEED_HALF) {
		expect_bytes(t.mm, addr, len / 2, 0);
		expect_bytes(t.mm, addr + len / 2, len / 2, 0xaa);
	} else {
		expect_bytes(t.mm, addr, len, before);
	}
	if (grandchild)
		expect_bytes(mm_task_mm(grandchild), addr, len, before);
	if (prep == COW_CHILD_EXITS) {
		mm_task_exit(child);
		child = NULL;
	}
	fill(t.mm, addr, len, 0xdd);
	if (child)
		expect_bytes(cmm, addr, len, 0xcc);
	if (grandchild) {
		fill(mm_task_mm(grandchild), addr, len, 0xee);
		expect_bytes(t.mm, addr, len, 0xdd);
		expect_bytes(cmm, addr, len, 0xcc);
	}
	assert_machine_ok(t.m);
	if (grandchild)
		mm_task_exit(grandchild);
	if (child)
		mm_task_exit(child);
	assert_string_equal(draw(t.mm, addr, COW_PAGES), "wwww");
	pt_teardown(&t);
}

static void test_cow_basic(void **state) { (void)state; cow_case(COW_BASIC); }
static void test_cow_mprotect(void **state) { (void)state; cow_case(COW_MPROTECT); }
static void test_cow_mremap(void **state) { (void)state; cow_case(COW_MREMAP); }
static void test_cow_dontneed_half(void **state) { (void)state; cow_case(COW_DONTNEED_HALF); }
static void test_cow_zero_page(void **state) { (void)state; cow_case(COW_ZERO_PAGE); }
static void test_cow_child_exits(void **state) { (void)state; cow_case(COW_CHILD_EXITS); }
static void test_cow_grandchild(void **state) { (void)state; cow_case(COW_GRANDCHILD); }

/* MADV_WIPEONFORK: the child's copy starts empty; MADV_DONTFORK: the child has no VMA. */
static void test_fork_wipe_and_dontfork(void **state)
{
	struct mm_task *child;
	struct pt t;

	(void)state;
	pt_setup(&t);
	mm_mmap(t.mm, PG(0), PAGE_SIZE, RW, ANON, NULL, 0);
	mm_mmap(t.mm, PG(2), PAGE_SIZE, RW, ANON, NULL, 0);
	fill(t.mm, PG(0), PAGE_SIZE, 0x11);
	fill(t.mm, PG(2), PAGE_SIZE, 0x22);
	assert_int_equal(mm_madvise(t.mm, PG(0), PAGE_SIZE, MADV_WIPEONFORK), 0);
	assert_int_equal(mm_madvise(t.mm, PG(2), PAGE_SIZE, MADV_DONTFORK), 0);
	child = fork_of(&t);
	assert_string_equal(draw(mm_task_mm(child), PG(0), 3), "...");
	expect_bytes(mm_task_mm(child), PG(0), PAGE_SIZE, 0);
	assert_int_equal(mm_touch(mm_task_mm(child), PG(2), false), -EFAULT);
	assert_string_equal(draw(t.mm, PG(0), 3), "w.w");	/* the parent is untouched */
	mm_task_exit(child);
	pt_teardown(&t);
}

/* ---- unmapping and the page tables --------------------------------------------------------- */

static void test_munmap_frees_pages_and_tables(void **state)
{
	struct pt t;

	(void)state;
	pt_setup(&t);
	/* Two VMAs (different protections) that share one PTE table. */
	mm_mmap(t.mm, PG(0), 2 * PAGE_SIZE, RW, ANON, NULL, 0);
	mm_mmap(t.mm, PG(3), PAGE_SIZE, RW | PROT_EXEC, ANON, NULL, 0);
	assert_int_equal(mm_access(t.mm, PG(0), 2 * PAGE_SIZE, MM_ACCESS_WRITE), 0);
	assert_int_equal(mm_touch(t.mm, PG(3), true), 0);
	assert_string_equal(draw(t.mm, PG(0), 4), "ww.w");
	assert_int_equal(vmpte_kb(t.mm), tables_for_one_region());
	assert_int_equal(mm_munmap(t.mm, PG(0), 2 * PAGE_SIZE), 0);
	assert_string_equal(draw(t.mm, PG(0), 4), "...w");
	assert_int_equal(rss_anon(t.mm), 1);
	assert_int_equal(vmpte_kb(t.mm), tables_for_one_region());	/* still used by PG(3) */
	assert_machine_ok(t.m);
	assert_int_equal(mm_munmap(t.mm, PG(3), PAGE_SIZE), 0);
	assert_int_equal(vmpte_kb(t.mm), 0);
	assert_int_equal(rss_anon(t.mm), 0);
	assert_int_equal(global_node_page_state(t.m, NR_PAGE_TABLE_PAGES), 1);	/* the pgd */
	pt_teardown(&t);
}

/* A mapping across a 2 MiB boundary needs two PTE tables; a 1 GiB boundary, two PMD tables. */
static void test_tables_per_span(void **state)
{
	unsigned long a = 0x40000000UL - PAGE_SIZE;	/* the last page below 1 GiB */
	struct pt t;

	(void)state;
	pt_setup(&t);
	assert_int_equal(mm_mmap(t.mm, a, 2 * PAGE_SIZE, RW, ANON, NULL, 0), (long)a);
	assert_int_equal(mm_access(t.mm, a, 2 * PAGE_SIZE, MM_ACCESS_WRITE), 0);
	/* (P4D,) PUD, 2 PMD, 2 PTE tables */
	assert_int_equal(vmpte_kb(t.mm), ((la57 ? 1 : 0) + 5) * 4);
	assert_int_equal(mm_munmap(t.mm, a, PAGE_SIZE), 0);
	assert_int_equal(vmpte_kb(t.mm), ((la57 ? 1 : 0) + 3) * 4);
	pt_teardown(&t);
}

static void test_madvise_dontneed(void **state)
{
	struct pt t;

	(void)state;
	pt_setup(&t);
	mm_mmap(t.mm, PG(0), 3 * PAGE_SIZE, RW, ANON, NULL, 0);
	fill(t.mm, PG(0), 3 * PAGE_SIZE, 0x5a);
	assert_int_equal(mm_madvise(t.mm, PG(1), PAGE_SIZE, MADV_DONTNEED), 0);
	assert_string_equal(draw(t.mm, PG(0), 3), "w.w");
	assert_int_equal(rss_anon(t.mm), 2);
	expect_bytes(t.mm, PG(1), PAGE_SIZE, 0);	/* the zero page now */
	assert_string_equal(draw(t.mm, PG(0), 3), "wzw");
	assert_int_equal(mm_madvise(t.mm, PG(0), 3 * PAGE_SIZE, MADV_FREE), 0);
	assert_string_equal(draw(t.mm, PG(0), 3), "wzw");	/* lazily freed: still mapped */
	assert_false(pte_dirty(t.mm->fmt, pte_at(t.mm, PG(0))));
	/* written again: swap-backed again; MADV_PAGEOUT then drops only the clean lazy page */
	fill(t.mm, PG(2), PAGE_SIZE, 0x33);
	assert_int_equal(mm_madvise(t.mm, PG(0), 3 * PAGE_SIZE, MADV_PAGEOUT), 0);
	assert_string_equal(draw(t.mm, PG(0), 3), ".zw");
	assert_int_equal(rss_anon(t.mm), 1);
	expect_bytes(t.mm, PG(0), PAGE_SIZE, 0);		/* a discarded page reads as zeros */
	expect_bytes(t.mm, PG(2), PAGE_SIZE, 0x33);
	assert_machine_ok(t.m);
	pt_teardown(&t);
}

static void test_mprotect_rewrites_ptes(void **state)
{
	unsigned long flt;
	struct pt t;

	(void)state;
	pt_setup(&t);
	mm_mmap(t.mm, PG(0), 2 * PAGE_SIZE, RW, ANON, NULL, 0);
	fill(t.mm, PG(0), PAGE_SIZE, 1);
	assert_int_equal(mm_touch(t.mm, PG(1), false), 0);
	assert_string_equal(draw(t.mm, PG(0), 2), "wz");
	assert_int_equal(mm_mprotect(t.mm, PG(0), 2 * PAGE_SIZE, PROT_READ), 0);
	assert_string_equal(draw(t.mm, PG(0), 2), "rz");
	assert_int_equal(mm_touch(t.mm, PG(0), true), -EACCES);
	assert_int_equal(mm_mprotect(t.mm, PG(0), 2 * PAGE_SIZE, RW), 0);
	/* an exclusive page is made writable at once; the zero page never */
	assert_string_equal(draw(t.mm, PG(0), 2), "wz");
	flt = atomic_load(&t.mm->min_flt);
	assert_int_equal(mm_touch(t.mm, PG(0), true), 0);
	assert_int_equal(atomic_load(&t.mm->min_flt), flt);	/* no fault */
	assert_int_equal(mm_mprotect(t.mm, PG(0), PAGE_SIZE, PROT_NONE), 0);
	assert_int_equal(mm_touch(t.mm, PG(0), false), -EACCES);
	assert_true(pte_present(t.mm->fmt, pte_at(t.mm, PG(0))));	/* PROT_NONE: still present */
	assert_int_equal(mm_mprotect(t.mm, PG(0), PAGE_SIZE, PROT_READ), 0);
	expect_bytes(t.mm, PG(0), PAGE_SIZE, 1);
	pt_teardown(&t);
}

static void test_mremap_moves_pages(void **state)
{
	unsigned long pfn;
	struct pt t;

	(void)state;
	pt_setup(&t);
	mm_mmap(t.mm, PG(0), 2 * PAGE_SIZE, RW, ANON, NULL, 0);
	fill(t.mm, PG(0), 2 * PAGE_SIZE, 0x77);
	pfn = pfn_at(t.mm, PG(1));
	assert_int_equal(mm_mremap(t.mm, PG(0), 2 * PAGE_SIZE, 4 * PAGE_SIZE, MREMAP_MAYMOVE |
				   MREMAP_FIXED, 0x80000000UL), 0x80000000UL);
	assert_string_equal(draw(t.mm, 0x80000000UL, 4), "ww..");
	assert_int_equal(pfn_at(t.mm, 0x80000000UL + PAGE_SIZE), pfn);	/* moved, not copied */
	expect_bytes(t.mm, 0x80000000UL, 2 * PAGE_SIZE, 0x77);
	assert_int_equal(mm_touch(t.mm, PG(0), false), -EFAULT);
	assert_int_equal(vmpte_kb(t.mm), tables_for_one_region());	/* the old tables went */
	pt_teardown(&t);
}

/* MAP_POPULATE and mlock fault everything in; a read-only populate maps the zero page. */
static void test_populate(void **state)
{
	struct pt t;

	(void)state;
	pt_setup(&t);
	assert_int_equal(mm_mmap(t.mm, PG(0), 3 * PAGE_SIZE, RW, ANON | MAP_POPULATE, NULL, 0),
			 PG(0));
	assert_string_equal(draw(t.mm, PG(0), 3), "www");
	assert_int_equal(mm_mmap(t.mm, PG(4), 2 * PAGE_SIZE, PROT_READ, ANON | MAP_POPULATE, NULL,
				 0), PG(4));
	assert_string_equal(draw(t.mm, PG(4), 2), "zz");
	assert_int_equal(mm_mmap(t.mm, PG(8), 2 * PAGE_SIZE, RW, ANON, NULL, 0), PG(8));
	assert_int_equal(mm_madvise(t.mm, PG(8), 2 * PAGE_SIZE, MADV_POPULATE_READ), 0);
	assert_string_equal(draw(t.mm, PG(8), 2), "zz");
	assert_int_equal(mm_madvise(t.mm, PG(8), 2 * PAGE_SIZE, MADV_POPULATE_WRITE), 0);
	assert_string_equal(draw(t.mm, PG(8), 2), "ww");
	assert_int_equal(rss_anon(t.mm), 5);
	pt_teardown(&t);
}

/* ---- allocation failures ---------------------------------------------------------------------- */

typedef long (*pt_op)(struct pt *t);

static long op_write_fault(struct pt *t)
{
	return mm_touch(t->mm, 0x40000000UL, true);
}
static long op_populate(struct pt *t)
{
	return mm_madvise(t->mm, PG(0), 4 * PAGE_SIZE, MADV_POPULATE_WRITE);
}
static long op_fork(struct pt *t)
{
	struct mm_task *child;
	long r = mm_task_clone(t->task, 0, 0, &child);

	if (!r)
		mm_task_exit(child);
	return r;
}
static long op_mremap(struct pt *t)
{
	long r = mm_mremap(t->mm, PG(0), 4 * PAGE_SIZE, 4 * PAGE_SIZE,
			   MREMAP_MAYMOVE | MREMAP_FIXED, 0x7f0000000000UL);

	return r < 0 ? r : 0;
}

static const struct {
	const char *name;
	pt_op fn;
} pt_ops[] = {
	{ "write fault", op_write_fault },
	{ "MADV_POPULATE_WRITE", op_populate },
	{ "fork", op_fork },
	{ "mremap move", op_mremap },
};

/*
 * Fail the Nth page or page-table allocation of each operation, for every N until it
 * succeeds: the result is -ENOMEM, the page tables stay consistent (the checker), the bytes
 * already written are intact, and once the process exits every frame is free again.
 */
static void test_allocation_failures(void **state)
{
	static const enum mmlab_fault kinds[] = { FAULT_PGTABLE, FAULT_PAGE_ALLOC };
	size_t o, k;
	int injected = 0;

	(void)state;
	for (o = 0; o < ARRAY_SIZE(pt_ops); o++)
		for (k = 0; k < ARRAY_SIZE(kinds); k++) {
			long nth;

			for (nth = 1; nth < 64; nth++) {
				struct pt t;
				long r, hit;

				pt_setup(&t);
				mm_mmap(t.mm, PG(0), 4 * PAGE_SIZE, RW, ANON, NULL, 0);
				mm_mmap(t.mm, 0x40000000UL, PAGE_SIZE, RW, ANON, NULL, 0);
				fill(t.mm, PG(0), 2 * PAGE_SIZE, 0x42);
				machine_fail_nth(t.m, kinds[k], nth, 1);
				r = pt_ops[o].fn(&t);
				hit = machine_fault_injected(t.m, kinds[k]);
				machine_fault_clear(t.m);
				if (!hit) {
					assert_int_equal(r, 0);
					pt_teardown(&t);
					break;
				}
				injected++;
				if (r != -ENOMEM)
					fail_msg("%s: allocation %ld of kind %d failed, result %ld",
						 pt_ops[o].name, nth, (int)kinds[k], r);
				assert_machine_ok(t.m);
				expect_bytes(t.mm, PG(0), 2 * PAGE_SIZE, 0x42);
				pt_teardown(&t);
			}
		}
	fprintf(stderr, "%d injected failures, each clean\n", injected);
	assert_true(injected >= 8);
}


/* ---- transparent huge pages ------------------------------------------------------------------ */

#define THP_BASE 0x40000000UL		/* 1 GiB: 2 MiB aligned */
#define HUGE (2UL << 20)

/* The pictures of the first, second-to-last and last page of each of @n 2 MiB regions. */
static const char *draw_huge(struct mm_struct *mm, int n)
{
	static char pic[64];
	int i, k = 0;

	for (i = 0; i < n; i++) {
		pic[k++] = draw(mm, THP_BASE + (unsigned long)i * HUGE, 1)[0];
		pic[k++] = draw(mm, THP_BASE + (unsigned long)(i + 1) * HUGE - PAGE_SIZE, 1)[0];
		pic[k++] = ' ';
	}
	pic[k - 1] = 0;
	return pic;
}

static void thp_region(struct pt *t, int regions)
{
	assert_int_equal(mm_mmap(t->mm, THP_BASE, (unsigned long)regions * HUGE, RW, ANON, NULL, 0),
			 (long)THP_BASE);
	assert_int_equal(mm_madvise(t->mm, THP_BASE, (unsigned long)regions * HUGE, MADV_HUGEPAGE),
			 0);
}

static long thps(struct pt *t)
{
	return global_node_page_state(t->m, NR_ANON_TRANSPARENT_HUGEPAGES);
}

/* A write maps a THP, a read the huge zero page; each deposits a PTE table (VmPTE). */
static void test_thp_fault(void **state)
{
	struct pt t;

	(void)state;
	pt_setup(&t);
	thp_region(&t, 2);
	assert_int_equal(mm_touch(t.mm, THP_BASE + 5 * PAGE_SIZE, true), 0);
	assert_int_equal(mm_touch(t.mm, THP_BASE + HUGE, false), 0);
	assert_string_equal(draw_huge(t.mm, 2), "HH ZZ");
	assert_int_equal(rss_anon(t.mm), 512);
	assert_int_equal(thps(&t), 1);
	assert_int_equal(machine_vm_event(t.m, THP_FAULT_ALLOC), 1);
	/* (P4D,) PUD, PMD and the two deposited PTE tables */
	assert_int_equal(vmpte_kb(t.mm), ((la57 ? 1 : 0) + 4) * 4);
	expect_bytes(t.mm, THP_BASE + HUGE, PAGE_SIZE, 0);
	{
		char path[32], text[8192];
		uint64_t pm[2];

		snprintf(path, sizeof(path), "%d/smaps", mm_task_pid(t.task));
		assert_true(mmlab_proc_read(t.m, path, text, sizeof(text)) > 0);
		assert_non_null(strstr(text, "\nRss:                2048 kB\n"));
		assert_non_null(strstr(text, "\nAnonHugePages:      2048 kB\n"));
		/* pagemap: the THP's pages present and exclusive, the huge zero page present */
		assert_int_equal(mm_pagemap_read(t.mm, THP_BASE + PAGE_SIZE, pm, 1, 0), 1);
		assert_int_equal(pm[0] >> 56, 0x81);		/* present | exclusive */
		assert_int_equal(mm_pagemap_read(t.mm, THP_BASE + HUGE, pm, 1, 0), 1);
		assert_int_equal(pm[0] >> 56, 0x80);
	}
	fill(t.mm, THP_BASE + 7 * PAGE_SIZE, PAGE_SIZE, 0x3c);
	expect_bytes(t.mm, THP_BASE + 7 * PAGE_SIZE, PAGE_SIZE, 0x3c);
	/* the write to the huge zero page splits it and takes a 4 KiB page */
	assert_int_equal(mm_touch(t.mm, THP_BASE + HUGE, true), 0);
	assert_string_equal(draw(t.mm, THP_BASE + HUGE, 2), "wz");
	assert_int_equal(rss_anon(t.mm), 513);
	assert_machine_ok(t.m);
	pt_teardown(&t);
}

/* Without MADV_HUGEPAGE ("madvise" mode), or with THP "never": 4 KiB pages. */
static void test_thp_not_eligible(void **state)
{
	struct pt t;

	(void)state;
	pt_setup(&t);
	assert_int_equal(mm_mmap(t.mm, THP_BASE, HUGE, RW, ANON, NULL, 0), (long)THP_BASE);
	assert_int_equal(mm_touch(t.mm, THP_BASE, true), 0);
	assert_string_equal(draw_huge(t.mm, 1), "w.");
	/* a 2 MiB VMA that is not 2 MiB aligned cannot hold one either */
	assert_int_equal(mm_mmap(t.mm, THP_BASE + 3 * HUGE + PAGE_SIZE, HUGE, RW, ANON, NULL, 0),
			 (long)(THP_BASE + 3 * HUGE + PAGE_SIZE));
	assert_int_equal(mm_madvise(t.mm, THP_BASE + 3 * HUGE + PAGE_SIZE, HUGE, MADV_HUGEPAGE), 0);
	assert_int_equal(mm_touch(t.mm, THP_BASE + 3 * HUGE + PAGE_SIZE, true), 0);
	assert_int_equal(thps(&t), 0);
	pt_teardown(&t);
}

/* No order-9 page: the fault falls back to 4 KiB (thp_fault_fallback). */
static void test_thp_fallback(void **state)
{
	struct fault_attr_config fc = { .nth = 1, .times = 1, .min_order = 9 };
	struct pt t;

	(void)state;
	pt_setup(&t);
	thp_region(&t, 1);
	assert_int_equal(machine_fault_set(t.m, FAULT_PAGE_ALLOC, &fc), 0);
	assert_int_equal(mm_touch(t.mm, THP_BASE, true), 0);
	machine_fault_clear(t.m);
	assert_string_equal(draw_huge(t.mm, 1), "w.");
	assert_int_equal(machine_vm_event(t.m, THP_FAULT_FALLBACK), 1);
	assert_int_equal(rss_anon(t.mm), 1);
	pt_teardown(&t);
}

/* munmap or mprotect of part of a THP splits the PMD; the bytes stay. */
static void test_thp_split(void **state)
{
	unsigned char vec[3];
	struct pt t;

	(void)state;
	pt_setup(&t);
	thp_region(&t, 2);
	assert_int_equal(mm_access(t.mm, THP_BASE, 2 * HUGE, MM_ACCESS_WRITE), 0);
	assert_string_equal(draw_huge(t.mm, 2), "HH HH");
	fill(t.mm, THP_BASE, 4 * PAGE_SIZE, 0x99);
	assert_int_equal(mm_munmap(t.mm, THP_BASE + PAGE_SIZE, PAGE_SIZE), 0);
	assert_string_equal(draw(t.mm, THP_BASE, 3), "w.w");
	assert_int_equal(rss_anon(t.mm), 1023);
	assert_int_equal(thps(&t), 1);
	assert_int_equal(machine_vm_event(t.m, THP_SPLIT_PMD), 1);
	expect_bytes(t.mm, THP_BASE + 2 * PAGE_SIZE, 2 * PAGE_SIZE, 0x99);
	assert_machine_ok(t.m);
	assert_int_equal(mm_mprotect(t.mm, THP_BASE + HUGE, PAGE_SIZE, PROT_READ), 0);
	assert_string_equal(draw(t.mm, THP_BASE + HUGE, 2), "rw");
	assert_int_equal(thps(&t), 0);
	assert_int_equal(mm_mincore(t.mm, THP_BASE, 3 * PAGE_SIZE, vec), -ENOMEM);	/* the hole */
	assert_machine_ok(t.m);
	/* the whole range: the folios go, with their deposited tables */
	assert_int_equal(mm_munmap(t.mm, THP_BASE, 2 * HUGE), 0);
	assert_int_equal(rss_anon(t.mm), 0);
	pt_teardown(&t);
}

/* mprotect of a whole THP rewrites the huge entry: PROT_NONE stays huge and inaccessible. */
static void test_thp_mprotect_whole(void **state)
{
	struct pt t;

	(void)state;
	pt_setup(&t);
	thp_region(&t, 1);
	fill(t.mm, THP_BASE, PAGE_SIZE, 0x61);
	assert_int_equal(mm_mprotect(t.mm, THP_BASE, HUGE, PROT_NONE), 0);
	assert_int_equal(mm_touch(t.mm, THP_BASE, false), -EACCES);
	assert_int_equal(thps(&t), 1);
	assert_machine_ok(t.m);
	assert_int_equal(mm_mprotect(t.mm, THP_BASE, HUGE, PROT_READ), 0);
	assert_string_equal(draw_huge(t.mm, 1), "hh");
	expect_bytes(t.mm, THP_BASE, PAGE_SIZE, 0x61);
	assert_int_equal(mm_touch(t.mm, THP_BASE, true), -EACCES);
	assert_int_equal(mm_mprotect(t.mm, THP_BASE, HUGE, RW), 0);
	assert_string_equal(draw_huge(t.mm, 1), "HH");	/* exclusive: writable at once */
	/* PROT_NONE split in two: the pieces stay inaccessible */
	assert_int_equal(mm_mprotect(t.mm, THP_BASE, PAGE_SIZE, PROT_NONE), 0);
	assert_int_equal(mm_touch(t.mm, THP_BASE, false), -EACCES);
	expect_bytes(t.mm, THP_BASE + PAGE_SIZE, PAGE_SIZE, 0);
	/* a PROT_NONE huge entry split: its pieces are PROT_NONE pages */
	assert_int_equal(mm_munmap(t.mm, THP_BASE, HUGE), 0);
	thp_region(&t, 1);
	fill(t.mm, THP_BASE, PAGE_SIZE, 0x62);
	assert_int_equal(mm_mprotect(t.mm, THP_BASE, HUGE, PROT_NONE), 0);
	assert_int_equal(mm_mprotect(t.mm, THP_BASE, PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(mm_touch(t.mm, THP_BASE + PAGE_SIZE, false), -EACCES);
	assert_true(pte_present(t.mm->fmt, pte_at(t.mm, THP_BASE + PAGE_SIZE)));
	expect_bytes(t.mm, THP_BASE, PAGE_SIZE, 0x62);
	assert_machine_ok(t.m);
	pt_teardown(&t);
}

/* mremap moves a 2 MiB-aligned THP whole (move_huge_pmd), an unaligned one as 512 PTEs. */
static void test_thp_mremap(void **state)
{
	unsigned long to = THP_BASE + 8 * HUGE, pfn;
	struct pt t;

	(void)state;
	pt_setup(&t);
	thp_region(&t, 1);
	fill(t.mm, THP_BASE + PAGE_SIZE, PAGE_SIZE, 0x71);
	pfn = pte_pfn(t.mm->fmt, __pte(*pmd_slot(t.mm, THP_BASE, false)));
	assert_int_equal(mm_mremap(t.mm, THP_BASE, HUGE, HUGE, MREMAP_MAYMOVE | MREMAP_FIXED, to),
			 (long)to);
	assert_string_equal(draw(t.mm, to, 1), "H");
	assert_int_equal(pte_pfn(t.mm->fmt, __pte(*pmd_slot(t.mm, to, false))), pfn);
	assert_int_equal(thps(&t), 1);
	expect_bytes(t.mm, to + PAGE_SIZE, PAGE_SIZE, 0x71);
	assert_int_equal(mm_touch(t.mm, THP_BASE, false), -EFAULT);
	assert_machine_ok(t.m);
	/* to an address that is not 2 MiB aligned: split, the pages move as PTEs */
	assert_int_equal(mm_mremap(t.mm, to, HUGE, HUGE, MREMAP_MAYMOVE | MREMAP_FIXED,
				   THP_BASE + PAGE_SIZE), (long)(THP_BASE + PAGE_SIZE));
	assert_string_equal(draw(t.mm, THP_BASE + PAGE_SIZE, 2), "ww");
	assert_int_equal(thps(&t), 0);
	expect_bytes(t.mm, THP_BASE + 2 * PAGE_SIZE, PAGE_SIZE, 0x71);
	assert_machine_ok(t.m);
	pt_teardown(&t);
}

/* MADV_COLLAPSE: a range with a written page becomes a THP with the same bytes. */
static void test_thp_collapse(void **state)
{
	struct pt t;

	(void)state;
	thp_mode = THP_NEVER;	/* MADV_COLLAPSE does not need the sysfs setting */
	pt_setup(&t);
	thp_mode = THP_MADVISE;
	assert_int_equal(mm_mmap(t.mm, THP_BASE, 3 * HUGE, RW, ANON, NULL, 0), (long)THP_BASE);
	fill(t.mm, THP_BASE + 3 * PAGE_SIZE, PAGE_SIZE, 0x17);
	assert_int_equal(mm_touch(t.mm, THP_BASE + 5 * PAGE_SIZE, false), 0);
	assert_string_equal(draw_huge(t.mm, 1), "..");
	/* the second 2 MiB has nothing mapped: EINVAL (the kernel's SCAN_PMD_NULL) */
	assert_int_equal(mm_madvise(t.mm, THP_BASE, 2 * HUGE, MADV_COLLAPSE), -EINVAL);
	assert_string_equal(draw_huge(t.mm, 2), "HH ..");
	expect_bytes(t.mm, THP_BASE + 3 * PAGE_SIZE, PAGE_SIZE, 0x17);
	expect_bytes(t.mm, THP_BASE + 5 * PAGE_SIZE, PAGE_SIZE, 0);
	assert_int_equal(rss_anon(t.mm), 512);
	assert_int_equal(machine_vm_event(t.m, THP_COLLAPSE_ALLOC), 1);
	assert_int_equal(mm_madvise(t.mm, THP_BASE, HUGE, MADV_COLLAPSE), 0);	/* already */
	/* only read (the zero page): nothing writable to collapse */
	assert_int_equal(mm_touch(t.mm, THP_BASE + 2 * HUGE, false), 0);
	assert_int_equal(mm_madvise(t.mm, THP_BASE + 2 * HUGE, HUGE, MADV_COLLAPSE), -EINVAL);
	assert_machine_ok(t.m);
	pt_teardown(&t);
}

/* fork shares the THP write-protected; each side's write splits its own PMD and copies 4 KiB. */
static void test_thp_fork_cow(void **state)
{
	struct mm_task *child;
	struct mm_struct *cmm;
	struct pt t;

	(void)state;
	pt_setup(&t);
	thp_region(&t, 1);
	fill(t.mm, THP_BASE, HUGE, 0xaa);
	assert_string_equal(draw_huge(t.mm, 1), "HH");
	child = fork_of(&t);
	cmm = mm_task_mm(child);
	assert_string_equal(draw_huge(t.mm, 1), "hh");
	assert_string_equal(draw_huge(cmm, 1), "hh");
	assert_int_equal(rss_anon(cmm), 512);
	assert_machine_ok(t.m);
	fill(cmm, THP_BASE, PAGE_SIZE, 0xcc);
	assert_string_equal(draw(cmm, THP_BASE, 2), "wr");
	assert_string_equal(draw_huge(t.mm, 1), "hh");
	expect_bytes(t.mm, THP_BASE, HUGE, 0xaa);
	fill(t.mm, THP_BASE + HUGE - PAGE_SIZE, PAGE_SIZE, 0xdd);
	expect_bytes(cmm, THP_BASE + HUGE - PAGE_SIZE, PAGE_SIZE, 0xaa);
	expect_bytes(cmm, THP_BASE, PAGE_SIZE, 0xcc);
	assert_machine_ok(t.m);
	mm_task_exit(child);
	assert_machine_ok(t.m);
	/* the child is gone: the parent's other pages are its own again, reused on a write */
	fill(t.mm, THP_BASE + PAGE_SIZE, PAGE_SIZE, 0xee);
	assert_machine_ok(t.m);
	pt_teardown(&t);
}

/* ---- the encodings ------------------------------------------------------------------------------ */

/* The PTE of a private writable page and of the zero page, bit for bit. */
static void test_pte_encoding(void **state)
{
	uint64_t w, z;
	struct pt t;

	(void)state;
	pt_setup(&t);
	mm_mmap(t.mm, PG(0), 2 * PAGE_SIZE, RW, ANON, NULL, 0);
	mm_touch(t.mm, PG(0), true);
	mm_touch(t.mm, PG(1), false);
	w = pte_val(pte_at(t.mm, PG(0))) & ~t.mm->fmt->pfn_mask;
	z = pte_val(pte_at(t.mm, PG(1))) & ~t.mm->fmt->pfn_mask;
	if (arch == MM_ARCH_X86_64) {
		/* NX | soft-dirty | D | A | U | RW | P; the zero page: NX | special | A | U | P */
		assert_int_equal(w, 0x8400000000000067ULL);
		assert_int_equal(z, 0x8000000000000225ULL);
	} else {
		/* UXN | PXN | WRITE | nG | AF | SH | AP[1] | page; PTE_DIRTY; RDONLY clear */
		assert_int_equal(w, (1ULL << 54) | (1ULL << 53) | (1ULL << 55) | (1ULL << 51) |
				    (1ULL << 11) | (1ULL << 10) | (3ULL << 8) | (1ULL << 6) | 3);
		assert_int_equal(z, (1ULL << 56) | (1ULL << 54) | (1ULL << 53) | (1ULL << 11) |
				    (1ULL << 10) | (3ULL << 8) | (1ULL << 7) | (1ULL << 6) | 3);
	}
	pt_teardown(&t);
}

#define PAGE_TESTS								\
	cmocka_unit_test(test_demand_paging),					\
	cmocka_unit_test(test_access_errors),					\
	cmocka_unit_test(test_fork_cow_bytes),					\
	cmocka_unit_test(test_cow_basic),					\
	cmocka_unit_test(test_cow_mprotect),					\
	cmocka_unit_test(test_cow_mremap),					\
	cmocka_unit_test(test_cow_dontneed_half),				\
	cmocka_unit_test(test_cow_zero_page),					\
	cmocka_unit_test(test_cow_child_exits),					\
	cmocka_unit_test(test_cow_grandchild),					\
	cmocka_unit_test(test_fork_wipe_and_dontfork),				\
	cmocka_unit_test(test_munmap_frees_pages_and_tables),			\
	cmocka_unit_test(test_tables_per_span),					\
	cmocka_unit_test(test_madvise_dontneed),				\
	cmocka_unit_test(test_mprotect_rewrites_ptes),				\
	cmocka_unit_test(test_mremap_moves_pages),				\
	cmocka_unit_test(test_populate),					\
	cmocka_unit_test(test_allocation_failures),				\
	cmocka_unit_test(test_thp_fault),					\
	cmocka_unit_test(test_thp_not_eligible),				\
	cmocka_unit_test(test_thp_fallback),					\
	cmocka_unit_test(test_thp_split),					\
	cmocka_unit_test(test_thp_mprotect_whole),				\
	cmocka_unit_test(test_thp_fork_cow),					\
	cmocka_unit_test(test_thp_collapse),					\
	cmocka_unit_test(test_thp_mremap),					\
	cmocka_unit_test(test_pte_encoding)

static int use_x86(void **state) { (void)state; arch = MM_ARCH_X86_64; la57 = false; return 0; }
static int use_arm64(void **state) { (void)state; arch = MM_ARCH_ARM64; la57 = false; return 0; }
static int use_la57(void **state) { (void)state; arch = MM_ARCH_X86_64; la57 = true; return 0; }

int main(void)
{
	const struct CMUnitTest tests[] = { PAGE_TESTS };
	int failed = 0;

	failed += mmlab_run_group("x86-64", tests, ARRAY_SIZE(tests), use_x86, NULL);
	failed += mmlab_run_group("arm64", tests, ARRAY_SIZE(tests), use_arm64, NULL);
	failed += mmlab_run_group("x86-64 la57", tests, ARRAY_SIZE(tests), use_la57, NULL);
	return failed;
}
