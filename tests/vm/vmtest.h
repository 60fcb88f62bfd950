/*
 * vmtest.h - helpers for the address-space tests: a machine with one process, maps text, and
 * a layout checker that compares the maps lines' ranges and permissions with a picture.
 */
#ifndef MMLAB_TESTS_VMTEST_H
#define MMLAB_TESTS_VMTEST_H

#include "testlib.h"

#include <stdio.h>
#include <string.h>

#include <mmlab/mm.h>

#include "vm/internal.h"

/* Pages in the tests' pictures: one column = one page from BASE. */
#define BASE	0x10000000UL
#define PG(n)	(BASE + (unsigned long)(n) * PAGE_SIZE)

struct vmt {
	struct machine *m;
	struct mm_task *task;
	struct mm_struct *mm;
};

/* A machine and a process with an empty address space (no stack, vdso, vsyscall). */
static inline void vmt_setup(struct vmt *t, unsigned int exec_flags)
{
	struct mm_exec_args args = { .flags = exec_flags };

	t->m = test_boot(256ULL << 20, 1, 2);
	vm_set_mmap_min_addr(t->m, 4096);
	assert_int_equal(mm_task_exec_new(t->m, 0, &args, &t->task), 0);
	t->mm = mm_task_mm(t->task);
}

static inline void vmt_teardown(struct vmt *t)
{
	assert_machine_ok(t->m);
	mm_task_exit(t->task);
	assert_int_equal(vm_committed_as_pages(t->m), 0);
	machine_shutdown(t->m);
}

/* The maps text of @mm (malloc'd). */
static inline char *vmt_maps(struct mm_struct *mm)
{
	long n = mm_maps_read(mm, NULL, 0);
	char *buf = malloc((size_t)n + 1);

	mm_maps_read(mm, buf, (size_t)n + 1);
	return buf;
}

/* What a failed call must leave as it was: the maps text, the counters and the commit charge. */
struct vmt_state {
	char *maps;
	struct mm_stats stats;
	long committed;
};

static inline void vmt_state_save(struct vmt *t, struct vmt_state *s)
{
	s->maps = vmt_maps(t->mm);
	mm_get_stats(t->mm, &s->stats);
	s->committed = vm_committed_as_pages(t->m);
}

/* Fail the test (naming @what and the @nth failed allocation) unless @t is still as @s was. */
static inline void vmt_assert_unchanged(struct vmt *t, const struct vmt_state *s,
					const char *what, long nth)
{
	struct vmt_state now;

	vmt_state_save(t, &now);
	if (strcmp(s->maps, now.maps))
		fail_msg("%s: failed allocation %ld changed the maps:\n%s---\n%s", what, nth,
			 s->maps, now.maps);
	assert_int_equal(s->stats.total_vm, now.stats.total_vm);
	assert_int_equal(s->stats.map_count, now.stats.map_count);
	assert_int_equal(s->committed, now.committed);
	assert_machine_ok(t->m);
	free(now.maps);
}

/*
 * Check the VMAs within [PG(0), PG(width)) against @pic, one char per page: '.' unmapped, a
 * letter = one VMA (equal adjacent letters are one VMA; a new letter starts a new VMA).
 */
static inline void vmt_expect(struct mm_struct *mm, const char *pic)
{
	size_t w = strlen(pic), i = 0;

	while (i < w) {
		struct mm_vma_info vi;
		size_t j = i;
		bool found = mm_vma_at(mm, PG(i), &vi) && vi.start <= PG(i);

		if (pic[i] == '.') {
			if (found)
				fail_msg("page %zu of \"%s\": expected a hole, found VMA %#lx-%#lx", i,
					 pic, vi.start, vi.end);
			i++;
			continue;
		}
		while (j < w && pic[j] == pic[i])
			j++;
		if (!found || vi.start != PG(i) || vi.end != PG(j))
			fail_msg("pages %zu-%zu of \"%s\": expected one VMA %#lx-%#lx, found %#lx-%#lx",
				 i, j, pic, PG(i), PG(j), found ? vi.start : 0, found ? vi.end : 0);
		i = j;
	}
}

static inline long vmt_map(struct vmt *t, unsigned long page, unsigned long npages, int prot)
{
	return mm_mmap(t->mm, PG(page), npages * PAGE_SIZE, (unsigned long)prot,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
}

#endif /* MMLAB_TESTS_VMTEST_H */
