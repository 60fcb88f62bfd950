/*
 * test_rmap.c - the reverse map of anonymous pages: which anon_vma a VMA gets at its first
 * fault, how fork links the child's VMAs to the parent's anon_vmas and gives them their own,
 * how splits, mremap and merges share them, the kernel's reuse rule that bounds a long chain
 * of forks, and allocation failures of anon_vmas and chain links inside faults, fork and
 * splits. machine_check() (which runs the anon_vma counters and "rmap finds every anonymous
 * PTE") is called after every step.
 *
 * Pictures: one character per page from BASE. who(pfn) names, in the order the rmap walk
 * visits them, the processes whose page tables the walk finds mapping the frame: 'P' the
 * parent, 'C' the child, 'G' the grandchild, and '-' for a VMA it visits that no longer maps
 * the frame (a child that copied it on write).
 */
#include "vmtest.h"

#include <mmlab/fault_inject.h>
#include <mmlab/page_alloc.h>

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)

struct rt {
	struct machine *m;
	struct mm_task *task[4];	/* P, C, G, and one more */
	long slab_objs_at_boot[2];
};

static const char names[] = "PCGH";

static struct vm_area_struct *vma_of(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	assert_non_null(vma);
	assert_true(vma->vm_start <= addr);
	return vma;
}

static unsigned long pfn_at(struct mm_struct *mm, unsigned long addr)
{
	pte_t *p = pte_offset(mm, addr);

	return p && !pte_none(*p) ? pte_pfn(mm->fmt, *p) : 0;
}

struct who_walk {
	struct rt *t;
	unsigned long pfn;
	int found[5];		/* per task in names[], then VMAs that no longer map it */
};

static int who_one(struct vm_area_struct *vma, unsigned long addr, void *arg)
{
	struct who_walk *w = arg;
	int i, k = 4;

	if (pfn_at(vma->vm_mm, addr) == w->pfn)
		for (i = 0; i < 4; i++)
			if (w->t->task[i] && mm_task_mm(w->t->task[i]) == vma->vm_mm)
				k = i;
	w->found[k]++;
	return 0;
}

/*
 * Who the rmap walk of the frame mapped at @addr of task @i finds, in the order P C G H then
 * one '-' per VMA visited that does not map it (static buffer).
 */
static const char *who(struct rt *t, int i, unsigned long addr)
{
	static char out[32];
	struct who_walk w = { .t = t, .pfn = pfn_at(mm_task_mm(t->task[i]), addr) };
	int k, n = 0, j;

	assert_int_not_equal(w.pfn, 0);
	rmap_walk_anon(pfn_to_page(w.pfn), who_one, &w);
	for (k = 0; k < 5; k++)
		for (j = 0; j < w.found[k] && n < (int)sizeof(out) - 1; j++)
			out[n++] = k < 4 ? names[k] : '-';
	out[n] = 0;
	return out;
}

static long nr_anon_vmas(struct rt *t)
{
	return atomic_load(&t->m->vm->nr_anon_vmas);
}

/* chain links in use: on the VMAs of the test's processes */
static long nr_avcs(struct rt *t)
{
	long n = 0;
	int i;

	for (i = 0; i < 4; i++) {
		struct vm_area_struct *vma;

		if (!t->task[i])
			continue;
		for (vma = mm_task_mm(t->task[i])->mmap; vma; vma = vma->vm_next) {
			const struct list_head *pos;

			list_for_each(pos, &vma->anon_vma_chain)
				n++;
		}
	}
	return n;
}

static void rt_setup(struct rt *t)
{
	struct mm_exec_args args = { .flags = MM_EXEC_EMPTY };

	memset(t, 0, sizeof(*t));
	t->m = test_boot(256ULL << 20, 1, 2);
	vm_set_mmap_min_addr(t->m, 4096);
	assert_int_equal(mm_task_exec_new(t->m, 0, &args, &t->task[0]), 0);
}

static void rt_teardown(struct rt *t)
{
	int i;

	assert_machine_ok(t->m);
	for (i = 3; i >= 0; i--)
		if (t->task[i])
			mm_task_exit(t->task[i]);
	assert_machine_ok(t->m);
	assert_int_equal(nr_anon_vmas(t), 0);
	assert_int_equal(atomic_load(&t->m->vm->nr_anon_vma_chains), 0);
	assert_int_equal(global_node_page_state(t->m, NR_ANON_PAGES), 0);
	machine_shutdown(t->m);
}

static struct mm_struct *mm_of(struct rt *t, int i)
{
	return mm_task_mm(t->task[i]);
}

static void fork_into(struct rt *t, int parent, int child)
{
	assert_int_equal(mm_task_clone(t->task[parent], 0, 0, &t->task[child]), 0);
	assert_machine_ok(t->m);
}

static void exit_task(struct rt *t, int i)
{
	mm_task_exit(t->task[i]);
	t->task[i] = NULL;
	assert_machine_ok(t->m);
}

static void write_page(struct mm_struct *mm, unsigned long addr, int byte)
{
	char buf[64];

	memset(buf, byte, sizeof(buf));
	assert_int_equal(access_process_vm(mm, addr, buf, sizeof(buf), true), sizeof(buf));
}

static int read_byte(struct mm_struct *mm, unsigned long addr)
{
	unsigned char c;

	assert_int_equal(access_process_vm(mm, addr, &c, 1, false), 1);
	return c;
}

/* ---- the first fault ---------------------------------------------------------------------- */

static void test_first_fault_attaches(void **state)
{
	struct vm_area_struct *vma;
	struct rt t;

	(void)state;
	rt_setup(&t);
	assert_int_equal(mm_mmap(mm_of(&t, 0), PG(0), 4 * PAGE_SIZE, RW, ANON, NULL, 0), PG(0));
	vma = vma_of(mm_of(&t, 0), PG(0));
	assert_null(vma->anon_vma);
	/* a read maps the zero page: no anon_vma yet */
	assert_int_equal(read_byte(mm_of(&t, 0), PG(1)), 0);
	assert_null(vma->anon_vma);
	assert_int_equal(nr_anon_vmas(&t), 0);
	/* a write: one anon_vma, one chain link, and the page names it */
	write_page(mm_of(&t, 0), PG(0), 1);
	assert_non_null(vma->anon_vma);
	assert_true(anon_vma_chain_singular(vma));
	assert_ptr_equal(folio_anon_vma(pfn_to_page(pfn_at(mm_of(&t, 0), PG(0)))), vma->anon_vma);
	assert_int_equal(pfn_to_page(pfn_at(mm_of(&t, 0), PG(0)))->index, PG(0) >> PAGE_SHIFT);
	assert_string_equal(who(&t, 0, PG(0)), "P");
	assert_int_equal(nr_anon_vmas(&t), 1);
	assert_int_equal(nr_avcs(&t), 1);
	assert_machine_ok(t.m);
	rt_teardown(&t);
}

/*
 * A VMA next to one with an anon_vma, that could merge with it but for its protection, shares
 * the neighbour's anon_vma (find_mergeable_anon_vma), so an mprotect that makes them equal
 * merges them.
 *   PG 0 1 2 3
 *      A A B B     A rw, written; B r-- (then written after mprotect to rw: merges)
 */
static void test_neighbour_shares_and_merges(void **state)
{
	struct mm_struct *mm;
	struct rt t;

	(void)state;
	rt_setup(&t);
	mm = mm_of(&t, 0);
	assert_int_equal(mm_mmap(mm, PG(0), 2 * PAGE_SIZE, RW, ANON, NULL, 0), PG(0));
	assert_int_equal(mm_mmap(mm, PG(2), 2 * PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
				 ANON, NULL, 0), PG(2));
	vmt_expect(mm, "AABB");
	write_page(mm, PG(0), 1);
	write_page(mm, PG(2), 2);
	assert_ptr_equal(vma_of(mm, PG(2))->anon_vma, vma_of(mm, PG(0))->anon_vma);
	assert_int_equal(nr_anon_vmas(&t), 1);
	assert_int_equal(mm_mprotect(mm, PG(2), 2 * PAGE_SIZE, RW), 0);
	vmt_expect(mm, "AAAA");
	assert_string_equal(who(&t, 0, PG(0)), "P");
	assert_string_equal(who(&t, 0, PG(2)), "P");
	assert_int_equal(nr_avcs(&t), 1);
	rt_teardown(&t);
}

/* ---- fork --------------------------------------------------------------------------------- */

static void test_fork_links_both(void **state)
{
	struct vm_area_struct *pv, *cv;
	struct anon_vma *pav;
	struct rt t;

	(void)state;
	rt_setup(&t);
	assert_int_equal(mm_mmap(mm_of(&t, 0), PG(0), 3 * PAGE_SIZE, RW, ANON, NULL, 0), PG(0));
	write_page(mm_of(&t, 0), PG(0), 0xa0);
	write_page(mm_of(&t, 0), PG(1), 0xa1);
	write_page(mm_of(&t, 0), PG(2), 0xa2);
	pav = vma_of(mm_of(&t, 0), PG(0))->anon_vma;
	fork_into(&t, 0, 1);
	pv = vma_of(mm_of(&t, 0), PG(0));
	cv = vma_of(mm_of(&t, 1), PG(0));
	/* the child's VMA: its own anon_vma, a child of the parent's, and a link to the parent's */
	assert_ptr_not_equal(cv->anon_vma, pav);
	assert_ptr_equal(cv->anon_vma->parent, pav);
	assert_ptr_equal(cv->anon_vma->root, pav);
	assert_false(anon_vma_chain_singular(cv));
	assert_true(anon_vma_chain_singular(pv));
	assert_int_equal(nr_anon_vmas(&t), 2);
	assert_int_equal(nr_avcs(&t), 3);
	/* every shared page is found in both */
	assert_string_equal(who(&t, 0, PG(0)), "PC");
	assert_string_equal(who(&t, 0, PG(1)), "PC");
	assert_string_equal(who(&t, 0, PG(2)), "PC");

	/* The child copies page 1 on write: its copy is in its own anon_vma, found only there. */
	write_page(mm_of(&t, 1), PG(1), 0xc1);
	assert_ptr_equal(folio_anon_vma(pfn_to_page(pfn_at(mm_of(&t, 1), PG(1)))), cv->anon_vma);
	assert_string_equal(who(&t, 1, PG(1)), "C");
	/* the parent's page: the walk still visits the child's VMA, which no longer maps it */
	assert_string_equal(who(&t, 0, PG(1)), "P-");
	/* the parent's write to it now reuses it (only mapping), the bytes stay apart */
	write_page(mm_of(&t, 0), PG(1), 0xb1);
	assert_int_equal(read_byte(mm_of(&t, 0), PG(1)), 0xb1);
	assert_int_equal(read_byte(mm_of(&t, 1), PG(1)), 0xc1);
	assert_int_equal(read_byte(mm_of(&t, 1), PG(2) + 63), 0xa2);
	assert_machine_ok(t.m);

	/* The parent exits: the child's links keep the root alive for the pages they share. */
	exit_task(&t, 0);
	assert_string_equal(who(&t, 1, PG(0)), "C");
	assert_string_equal(who(&t, 1, PG(2)), "C");
	assert_int_equal(nr_anon_vmas(&t), 2);
	rt_teardown(&t);
}

/* A VMA the parent never wrote has no anon_vma, and fork gives the child none either. */
static void test_fork_untouched(void **state)
{
	struct rt t;

	(void)state;
	rt_setup(&t);
	assert_int_equal(mm_mmap(mm_of(&t, 0), PG(0), 2 * PAGE_SIZE, RW, ANON, NULL, 0), PG(0));
	assert_int_equal(read_byte(mm_of(&t, 0), PG(0)), 0);
	fork_into(&t, 0, 1);
	assert_null(vma_of(mm_of(&t, 1), PG(0))->anon_vma);
	write_page(mm_of(&t, 1), PG(0), 7);
	assert_string_equal(who(&t, 1, PG(0)), "C");
	assert_null(vma_of(mm_of(&t, 0), PG(0))->anon_vma);
	assert_int_equal(nr_anon_vmas(&t), 1);
	rt_teardown(&t);
}

/*
 * The grandchild: its VMA links to all three anon_vmas, so a page of the parent's that all
 * three still share is found in all three.
 */
static void test_grandchild(void **state)
{
	struct vm_area_struct *gv;
	struct rt t;

	(void)state;
	rt_setup(&t);
	assert_int_equal(mm_mmap(mm_of(&t, 0), PG(0), 2 * PAGE_SIZE, RW, ANON, NULL, 0), PG(0));
	write_page(mm_of(&t, 0), PG(0), 1);
	fork_into(&t, 0, 1);
	write_page(mm_of(&t, 1), PG(1), 2);	/* the child's own page, in its anon_vma */
	fork_into(&t, 1, 2);
	gv = vma_of(mm_of(&t, 2), PG(0));
	assert_ptr_equal(gv->anon_vma->parent, vma_of(mm_of(&t, 1), PG(0))->anon_vma);
	assert_string_equal(who(&t, 0, PG(0)), "PCG");
	assert_string_equal(who(&t, 1, PG(1)), "CG");
	assert_int_equal(nr_anon_vmas(&t), 3);
	assert_int_equal(nr_avcs(&t), 1 + 2 + 3);
	/* the middle one exits first: nothing the others share is lost */
	exit_task(&t, 1);
	assert_string_equal(who(&t, 0, PG(0)), "PG");
	assert_string_equal(who(&t, 2, PG(1)), "G");
	assert_int_equal(read_byte(mm_of(&t, 2), PG(1)), 2);
	rt_teardown(&t);
}

/*
 * A process that forks and exits, generation after generation (a daemon that re-forks):
 * the kernel's reuse rule keeps the anon_vmas and chain links bounded however long it runs.
 */
static void test_fork_chain_bounded(void **state)
{
	long max_av = 0, max_avc = 0;
	struct rt t;
	int gen;

	(void)state;
	rt_setup(&t);
	assert_int_equal(mm_mmap(mm_of(&t, 0), PG(0), 2 * PAGE_SIZE, RW, ANON, NULL, 0), PG(0));
	write_page(mm_of(&t, 0), PG(0), 0x10);
	for (gen = 1; gen <= 64; gen++) {
		fork_into(&t, 0, 1);
		exit_task(&t, 0);
		t.task[0] = t.task[1];
		t.task[1] = NULL;
		write_page(mm_of(&t, 0), PG(1), gen);	/* each generation writes its own page */
		if (nr_anon_vmas(&t) > max_av)
			max_av = nr_anon_vmas(&t);
		if (nr_avcs(&t) > max_avc)
			max_avc = nr_avcs(&t);
		assert_int_equal(read_byte(mm_of(&t, 0), PG(0)), 0x10);
		assert_string_equal(who(&t, 0, PG(0)), "P");
	}
	assert_true(max_av <= 3);
	assert_true(max_avc <= 3);
	assert_true(mm_of(&t, 0)->anon_chain_max <= 3);
	rt_teardown(&t);
}

/* ---- splits, mremap ----------------------------------------------------------------------- */

/*
 *   PG 0 1 2 3
 *      A A A A   written, forked; mprotect of page 1..2 in the parent splits it in three
 *      A B B C   each piece links to the same anon_vmas; the child still finds every page
 */
static void test_split_and_mremap(void **state)
{
	struct mm_struct *mm;
	struct rt t;
	int i;

	(void)state;
	rt_setup(&t);
	mm = mm_of(&t, 0);
	assert_int_equal(mm_mmap(mm, PG(0), 4 * PAGE_SIZE, RW, ANON, NULL, 0), PG(0));
	for (i = 0; i < 4; i++)
		write_page(mm, PG(i), 0x30 + i);
	fork_into(&t, 0, 1);
	assert_int_equal(mm_mprotect(mm, PG(1), 2 * PAGE_SIZE, PROT_READ), 0);
	vmt_expect(mm, "ABBC");
	for (i = 0; i < 4; i++)
		assert_string_equal(who(&t, 0, PG(i)), "PC");
	assert_ptr_equal(vma_of(mm, PG(1))->anon_vma, vma_of(mm, PG(0))->anon_vma);
	assert_int_equal(nr_avcs(&t), 3 + 2);
	/* the child moves its copy of the mapping: the pages are found at the new address */
	assert_int_equal(mm_mremap(mm_of(&t, 1), PG(0), 4 * PAGE_SIZE, 4 * PAGE_SIZE,
				   MREMAP_MAYMOVE | MREMAP_FIXED, PG(8)), PG(8));
	assert_string_equal(who(&t, 1, PG(8)), "PC");
	assert_int_equal(read_byte(mm_of(&t, 1), PG(11)), 0x33);
	/* the parent unmaps the middle: the child alone holds those pages now */
	assert_int_equal(mm_munmap(mm, PG(1), 2 * PAGE_SIZE), 0);
	assert_string_equal(who(&t, 1, PG(9)), "C");
	assert_machine_ok(t.m);
	rt_teardown(&t);
}

/* ---- the public walk ---------------------------------------------------------------------- */

/* mm_rmap_walk: who maps a frame, by pid and address; not for the zero page or a non-RAM pfn. */
static void test_public_walk(void **state)
{
	struct mm_rmap_mapping map[4];
	unsigned long pfn;
	struct rt t;

	(void)state;
	rt_setup(&t);
	assert_int_equal(mm_mmap(mm_of(&t, 0), PG(0), 2 * PAGE_SIZE, RW, ANON, NULL, 0), PG(0));
	write_page(mm_of(&t, 0), PG(1), 9);
	assert_int_equal(read_byte(mm_of(&t, 0), PG(0)), 0);
	fork_into(&t, 0, 1);
	pfn = pfn_at(mm_of(&t, 0), PG(1));
	assert_int_equal(mm_rmap_walk(t.m, pfn, map, 4), 2);
	assert_int_equal(map[0].pid, mm_task_pid(t.task[0]));
	assert_int_equal(map[0].addr, PG(1));
	assert_int_equal(map[1].pid, mm_task_pid(t.task[1]));
	assert_int_equal(map[1].addr, PG(1));
	assert_int_not_equal(map[0].anon_vma, map[1].anon_vma);
	assert_int_equal(mm_rmap_walk(t.m, pfn, map, 1), 2);	/* the count, not just what fits */
	assert_int_equal(mm_rmap_walk(t.m, pfn, NULL, 0), 2);
	write_page(mm_of(&t, 1), PG(1), 10);
	assert_int_equal(mm_rmap_walk(t.m, pfn, map, 4), 1);
	assert_int_equal(mm_rmap_walk(t.m, pfn_at(mm_of(&t, 1), PG(1)), map, 4), 1);
	assert_int_equal(map[0].pid, mm_task_pid(t.task[1]));
	assert_int_equal(mm_rmap_walk(t.m, pfn_at(mm_of(&t, 0), PG(0)), map, 4), -EINVAL);
	assert_int_equal(mm_rmap_walk(t.m, ~0UL >> 20, map, 4), -EINVAL);
	rt_teardown(&t);
}

/* ---- allocation failures ------------------------------------------------------------------ */

/*
 * Every slab allocation of a first write fault and of fork fails in turn (FAULT_SLAB: the
 * anon_vma, its chain links, and the rest). Each failure is a clean -ENOMEM: nothing mapped
 * or linked, no object leaked, the checker clean, and the retry succeeds.
 */
static void test_alloc_failures(void **state)
{
	long nth, failed_fault = 0, failed_fork = 0;

	(void)state;
	for (nth = 1; nth < 64; nth++) {
		struct mm_task *child = NULL;
		long before;
		struct rt t;
		char c = 5;
		int err;

		rt_setup(&t);
		assert_int_equal(mm_mmap(mm_of(&t, 0), PG(0), 2 * PAGE_SIZE, RW, ANON, NULL, 0),
				 PG(0));
		before = nr_avcs(&t);
		machine_fail_nth(t.m, FAULT_SLAB, nth, 1);
		err = (int)access_process_vm(mm_of(&t, 0), PG(0), &c, 1, true);
		machine_fault_clear(t.m);
		if (err != 1) {
			assert_int_equal(err, -ENOMEM);
			assert_null(vma_of(mm_of(&t, 0), PG(0))->anon_vma);
			assert_int_equal(pfn_at(mm_of(&t, 0), PG(0)), 0);
			assert_int_equal(nr_avcs(&t), before);
			assert_machine_ok(t.m);
			failed_fault++;
			assert_int_equal(access_process_vm(mm_of(&t, 0), PG(0), &c, 1, true), 1);
		}
		assert_machine_ok(t.m);

		before = nr_anon_vmas(&t);
		machine_fail_nth(t.m, FAULT_SLAB, nth, 1);
		err = mm_task_clone(t.task[0], 0, 0, &child);
		machine_fault_clear(t.m);
		if (err) {
			assert_int_equal(err, -ENOMEM);
			assert_int_equal(nr_anon_vmas(&t), before);
			assert_string_equal(who(&t, 0, PG(0)), "P");
			failed_fork++;
		} else {
			t.task[1] = child;
			assert_string_equal(who(&t, 0, PG(0)), "PC");
		}
		assert_machine_ok(t.m);
		rt_teardown(&t);
	}
	/* at least the anon_vma and its link in the fault, and each of fork's allocations */
	assert_true(failed_fault >= 2);
	assert_true(failed_fork >= 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_fault_attaches),
		cmocka_unit_test(test_neighbour_shares_and_merges),
		cmocka_unit_test(test_fork_links_both),
		cmocka_unit_test(test_fork_untouched),
		cmocka_unit_test(test_grandchild),
		cmocka_unit_test(test_fork_chain_bounded),
		cmocka_unit_test(test_split_and_mremap),
		cmocka_unit_test(test_public_walk),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
