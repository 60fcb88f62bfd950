/*
 * test_vma_gap.c - the VMA index's gap search (vma_tree_gap_highest/lowest, O(log n) through the
 * per-leaf gap summaries) gives exactly what a walk of the VMA list gives, for random layouts of
 * hundreds of VMAs (many leaves) changed by random mmap/munmap/mprotect calls, and for random
 * windows [low, high) and lengths, in both directions. The checker (run by every call at debug
 * level 3, and here after every step) proves the summaries.
 *
 *  window:  |A BB  C  DDD ...  (random VMAs of 1-8 pages, random holes, about 1,000 pages)
 *  query:       [low ....... high)   length 1..64 pages, or the whole address space
 */
#include "vmtest.h"

/* The list walks the search replaced (the reference): highest gap, then lowest gap. */
static unsigned long walk_highest(struct mm_struct *mm, unsigned long low, unsigned long high,
				  unsigned long length, struct vm_area_struct **pnext)
{
	struct vm_area_struct *next, *prev;

	if (high <= low || high - low < length)
		return 0;
	next = find_vma(mm, high - 1);
	for (;;) {
		unsigned long gs, ge;

		prev = next ? next->vm_prev : mm->mmap_last;
		ge = next ? MIN(next->vm_start, high) : high;
		gs = prev ? MAX(prev->vm_end, low) : low;
		if (ge > gs && ge - gs >= length) {
			*pnext = next;
			return ge;
		}
		if (!prev || prev->vm_end <= low)
			return 0;
		next = prev;
	}
}

static unsigned long walk_lowest(struct mm_struct *mm, unsigned long low, unsigned long high,
				 unsigned long length, struct vm_area_struct **pnext)
{
	struct vm_area_struct *next, *prev;

	if (high <= low || high - low < length)
		return -1UL;
	next = find_vma(mm, low);
	prev = next ? next->vm_prev : mm->mmap_last;
	for (;;) {
		unsigned long gs = prev ? MAX(prev->vm_end, low) : low;
		unsigned long ge = next ? MIN(next->vm_start, high) : high;

		if (ge > gs && ge - gs >= length) {
			*pnext = next;
			return gs;
		}
		if (!next || next->vm_end >= high)
			return -1UL;
		prev = next;
		next = next->vm_next;
	}
}

#define WINDOW_PAGES 1024

static void compare_one(struct mm_struct *mm, unsigned long low, unsigned long high,
			unsigned long length)
{
	struct vm_area_struct *n1 = (void *)1, *n2 = (void *)1;
	unsigned long a = vma_tree_gap_highest(&mm->mm_mt, low, high, length, &n1);
	unsigned long b = walk_highest(mm, low, high, length, &n2);

	if (a != b || (a && n1 != n2))
		fail_msg("highest [%#lx, %#lx) len %#lx: tree %#lx next %p, walk %#lx next %p", low,
			 high, length, a, (void *)n1, b, (void *)n2);
	n1 = n2 = (void *)1;
	a = vma_tree_gap_lowest(&mm->mm_mt, low, high, length, &n1);
	b = walk_lowest(mm, low, high, length, &n2);
	if (a != b || (a != -1UL && n1 != n2))
		fail_msg("lowest [%#lx, %#lx) len %#lx: tree %#lx next %p, walk %#lx next %p", low,
			 high, length, a, (void *)n1, b, (void *)n2);
}

static void compare_queries(struct mm_struct *mm, uint64_t *seed, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		unsigned long low = PG(test_rand(seed) % (WINDOW_PAGES + 64)) - 32 * PAGE_SIZE;
		unsigned long high = low + (test_rand(seed) % (WINDOW_PAGES + 64)) * PAGE_SIZE;
		unsigned long length = (1 + test_rand(seed) % 64) * PAGE_SIZE;

		if (test_rand(seed) % 8 == 0)
			length = (1 + test_rand(seed) % 3) * PAGE_SIZE;
		compare_one(mm, low, high, length);
	}
	/* The whole address space, as get_unmapped_area asks. */
	for (i = 1; i <= 64; i *= 2)
		compare_one(mm, PAGE_SIZE, mm->task_size, (unsigned long)i * PAGE_SIZE);
}

static void random_step(struct vmt *t, uint64_t *seed)
{
	static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
				     PROT_NONE };
	unsigned long at = test_rand(seed) % WINDOW_PAGES, len = 1 + test_rand(seed) % 8;
	int prot = prots[test_rand(seed) % 4];

	switch (test_rand(seed) % 4) {
	case 0:
	case 1:
		mm_mmap(t->mm, PG(at), len * PAGE_SIZE, prot,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
		break;
	case 2:
		mm_munmap(t->mm, PG(at), len * PAGE_SIZE);
		break;
	default:
		mm_mprotect(t->mm, PG(at), len * PAGE_SIZE, prot);
		break;
	}
}

/* Random layouts across many leaves: the tree's answer is the walk's, in both directions. */
static void test_gap_search_matches_walk(void **state)
{
	uint64_t seed = test_seed(0x9a95eed1);
	struct vmt t;
	int step;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	for (step = 0; step < 2000; step++) {
		random_step(&t, &seed);
		if (step % 10 == 0) {
			compare_queries(t.mm, &seed, 40);
			assert_machine_ok(t.m);
		}
	}
	assert_true(t.mm->map_count > 3 * 32);	/* more than three leaves */
	compare_queries(t.mm, &seed, 2000);
	vmt_teardown(&t);
}

/* The first VMA ending above @addr, by walking the list. */
static struct vm_area_struct *walk_find(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *v;

	for (v = mm->mmap; v && v->vm_end <= addr; v = v->vm_next)
		;
	return v;
}

/* The VMA at position @n of the list (NULL past the end). */
static struct vm_area_struct *nth_vma(struct mm_struct *mm, int n)
{
	struct vm_area_struct *v = mm->mmap;

	while (v && n--)
		v = v->vm_next;
	return v;
}

/*
 * find_vma (its cache - mm->mmap_cache, whichever linked VMA it names - then the tree) and the
 * tree alone give the list walk's answer, for addresses in holes, at VMA edges and beyond the
 * last VMA, while random mmap(MAP_FIXED), mmap(NULL) (the gap search's cached answer and
 * insertion hint), munmap and mprotect calls reshape the layout.
 */
static void test_find_vma_matches_walk(void **state)
{
	uint64_t seed = test_seed(0xf1d7a3e5);
	unsigned long placed[16] = { 0 };
	struct vmt t;
	int step, i;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	for (step = 0; step < 2000; step++) {
		unsigned long *slot = &placed[test_rand(&seed) % 16];

		random_step(&t, &seed);
		if (*slot) {
			mm_munmap(t.mm, *slot, PAGE_SIZE);
			*slot = 0;
		} else {
			long a = mm_mmap(t.mm, 0, PAGE_SIZE, test_rand(&seed) % 2 ? PROT_READ : PROT_NONE,
					 MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);

			assert_true(a > 0);
			*slot = (unsigned long)a;
		}
		for (i = 0; i < 8; i++) {
			struct vm_area_struct *v = nth_vma(t.mm, (int)(test_rand(&seed) % 400));
			unsigned long addr = PG(test_rand(&seed) % (WINDOW_PAGES + 64));

			if (v && i % 2)	/* an edge of a VMA: start - 1, start, end - 1, end */
				addr = (test_rand(&seed) % 2 ? v->vm_start : v->vm_end) -
				       test_rand(&seed) % 2;
			if (i == 7)
				addr = ~0UL - test_rand(&seed) % PAGE_SIZE;
			if (i % 3 == 0)	/* any linked VMA, or none, may be the cache */
				t.mm->mmap_cache = nth_vma(t.mm, (int)(test_rand(&seed) % 400));
			if (find_vma(t.mm, addr) != walk_find(t.mm, addr) ||
			    vma_tree_find(&t.mm->mm_mt, addr) != walk_find(t.mm, addr))
				fail_msg("step %d: find_vma(%#lx) %p, tree %p, list walk %p", step, addr,
					 (void *)find_vma(t.mm, addr),
					 (void *)vma_tree_find(&t.mm->mm_mt, addr),
					 (void *)walk_find(t.mm, addr));
		}
		if (step % 50 == 0)
			assert_machine_ok(t.m);
	}
	assert_true(t.mm->map_count > 3 * 32);
	vmt_teardown(&t);
}

/*
 * Many VMAs stacked side by side leave one free gap beyond them: mmap(NULL) finds it at once (it
 * used to walk every VMA). Top-down the stack grows down from mmap_base; bottom-up (the legacy
 * layout) it grows up from mmap_legacy_base.
 *
 *  top-down:   ......|RWRWRW...RW|[mmap_base)      R and W alternate, so nothing merges
 *  bottom-up:  [legacy_base)|RWRWRW...RW|......
 */
static void stack_of_vmas(bool legacy)
{
	long step = legacy ? (long)PAGE_SIZE : -(long)PAGE_SIZE;
	long a, first = 0, last = 0;
	struct vmt t;
	int i;

	vmt_setup(&t, MM_EXEC_EMPTY | (legacy ? MM_EXEC_LEGACY_LAYOUT : 0));
	machine_set_debug_level(t.m, 1);	/* no O(n) checker after each of 5,000 calls */
	for (i = 0; i < 5000; i++) {
		a = mm_mmap(t.mm, 0, PAGE_SIZE, i & 1 ? PROT_READ : PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
		assert_true(a > 0);
		if (i)
			assert_int_equal(a, last + step);
		else
			first = a;
		last = a;
	}
	assert_int_equal(t.mm->map_count, 5000);
	/* A hole in the middle is the first gap in the search's direction now. */
	assert_int_equal(mm_munmap(t.mm, (unsigned long)(first + 100 * step), PAGE_SIZE), 0);
	a = mm_mmap(t.mm, 0, PAGE_SIZE, PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	assert_int_equal(a, first + 100 * step);
	/* Two pages fit only beyond the stack. */
	a = mm_mmap(t.mm, 0, 2 * PAGE_SIZE, PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	assert_int_equal(a, legacy ? last + step : last + 2 * step);
	assert_machine_ok(t.m);
	vmt_teardown(&t);
}

static void test_mmap_beside_a_stack_of_vmas_topdown(void **state)
{
	(void)state;
	stack_of_vmas(false);
}

static void test_mmap_beside_a_stack_of_vmas_bottomup(void **state)
{
	(void)state;
	stack_of_vmas(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gap_search_matches_walk),
		cmocka_unit_test(test_find_vma_matches_walk),
		cmocka_unit_test(test_mmap_beside_a_stack_of_vmas_topdown),
		cmocka_unit_test(test_mmap_beside_a_stack_of_vmas_bottomup),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
