/*
 * test_clear_refs.c - writes to /proc/PID/clear_refs (mmlab_proc_write, mm_clear_refs): what
 * each value does to smaps' Referenced, the accessed and soft-dirty bits, faults and VmHWM,
 * and how the written text is parsed; and when MADV_FREE's pages count as LazyFree.
 *
 * The parse table is this host's answer (Linux 6.18.44 x86-64, as root): a C program wrote each
 * string to /proc/self/clear_refs with one write(2) and printed its return value or errno, and
 * wrote to maps, smaps, meminfo and vmstat, and read clear_refs. The same program showed that
 * after "1" the pages it had written counted 0 kB Referenced until touched again, that
 * touching them then took no page fault, and that "4" takes no fault either on this host
 * (built without CONFIG_MEM_SOFT_DIRTY).
 *
 * Pictures, one column a page from BASE: 'R' referenced (accessed bit or PG_referenced),
 * '.' present but not referenced, ' ' not present. z is the zero page (never counted).
 */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmlab/mm.h>
#include <mmlab/proc.h>

#include "vm/internal.h"

#define BASE	0x7e0000000000UL
#define PG(n)	(BASE + (unsigned long)(n) * PAGE_SIZE)
#define RW	(PROT_READ | PROT_WRITE)
#define ANON	(MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)

struct cr {
	struct machine *m;
	struct mm_task *task;
	struct mm_struct *mm;
	char name[32];
};

static void cr_setup(struct cr *t, bool soft_dirty, int thp)
{
	struct mm_exec_args args = { .flags = MM_EXEC_EMPTY };
	struct machine_config cfg;

	test_config(&cfg, 256ULL << 20, 1, 2);
	cfg.soft_dirty = soft_dirty;
	cfg.transparent_hugepage = thp;
	t->m = test_boot_config(&cfg);
	assert_non_null(t->m);
	assert_int_equal(mm_task_exec_new(t->m, 0, &args, &t->task), 0);
	t->mm = mm_task_mm(t->task);
	snprintf(t->name, sizeof(t->name), "%d/clear_refs", mm_task_pid(t->task));
}

static void cr_teardown(struct cr *t)
{
	assert_machine_ok(t->m);
	mm_task_exit(t->task);
	machine_shutdown(t->m);
}

static long clear_refs(struct cr *t, const char *text)
{
	long r = mmlab_proc_write(t->m, t->name, text, strlen(text));

	assert_machine_ok(t->m);
	return r;
}

/* The smaps field @field (e.g. "Referenced:") of the VMA at BASE, in kB. */
static unsigned long smaps_kb(struct cr *t, const char *field)
{
	char name[32], *text, *p;
	unsigned long kb;

	snprintf(name, sizeof(name), "%d/smaps", mm_task_pid(t->task));
	text = test_proc(t->m, name);
	p = strstr(text, "7e0000000000-");
	assert_non_null(p);
	p = strstr(p, field);
	assert_non_null(p);
	kb = strtoul(p + strlen(field), NULL, 10);
	free(text);
	return kb;
}

/* The picture of @n pages from BASE (static buffer). */
static const char *draw(struct cr *t, int n)
{
	static char pic[64];
	int i;

	for (i = 0; i < n; i++) {
		pte_t *p = pte_offset(t->mm, PG(i));
		struct page *page;

		if (!p || !pte_present(t->mm->fmt, *p)) {
			pic[i] = ' ';
			continue;
		}
		page = vm_pte_page(t->mm, *p);
		if (!page)
			pic[i] = 'z';
		else
			pic[i] = pte_young(t->mm->fmt, *p) || PageReferenced(page) ? 'R' : '.';
	}
	pic[n] = 0;
	return pic;
}

static unsigned long minflt(struct cr *t)
{
	return (unsigned long)atomic_load(&t->mm->min_flt);
}

static void touch(struct cr *t, int page, bool write)
{
	assert_int_equal(mm_touch(t->mm, PG(page), write), 0);
}

/* ---- 1, 2, 3: referenced bits --------------------------------------------------------------- */

static void test_clear_referenced(void **state)
{
	unsigned long faults;
	struct cr t;
	int i;

	(void)state;
	cr_setup(&t, false, THP_NEVER);
	assert_int_equal(mm_mmap(t.mm, PG(0), 8 * PAGE_SIZE, RW, ANON, NULL, 0), (long)PG(0));
	touch(&t, 0, false);
	for (i = 1; i < 6; i++)
		touch(&t, i, true);
	assert_string_equal(draw(&t, 8), "zRRRRR  ");
	assert_int_equal(smaps_kb(&t, "Referenced:"), 20);

	assert_int_equal(clear_refs(&t, "1"), 1);
	assert_string_equal(draw(&t, 8), "z.....  ");
	assert_int_equal(smaps_kb(&t, "Referenced:"), 0);
	assert_int_equal(smaps_kb(&t, "Rss:"), 20);

	/* touching them again takes no fault: the "hardware" sets the bit on its walk */
	faults = minflt(&t);
	touch(&t, 2, false);
	touch(&t, 4, true);
	assert_int_equal(minflt(&t), faults);
	assert_string_equal(draw(&t, 8), "z.R.R.  ");
	assert_int_equal(smaps_kb(&t, "Referenced:"), 8);

	/* 3 clears only file-backed VMAs' pages: this anonymous one keeps its bits; 2 clears it */
	assert_int_equal(clear_refs(&t, "3"), 1);
	assert_string_equal(draw(&t, 8), "z.R.R.  ");
	assert_int_equal(clear_refs(&t, "2\n"), 2);
	assert_string_equal(draw(&t, 8), "z.....  ");
	cr_teardown(&t);
}

/* A huge page is cleared whole, and counted whole again after one touch. */
static void test_clear_referenced_thp(void **state)
{
	unsigned long base = 0x7e0000200000UL;
	char name[32], *text, *p;
	struct cr t;

	(void)state;
	cr_setup(&t, false, THP_ALWAYS);
	assert_int_equal(mm_mmap(t.mm, base, 2UL << 20, RW, ANON, NULL, 0), (long)base);
	assert_int_equal(mm_touch(t.mm, base, true), 0);
	assert_int_equal(clear_refs(&t, "1"), 1);
	snprintf(name, sizeof(name), "%d/smaps", mm_task_pid(t.task));
	text = test_proc(t.m, name);
	p = strstr(text, "7e0000200000-");
	assert_non_null(p);
	assert_non_null(strstr(p, "AnonHugePages:      2048 kB"));
	assert_non_null(strstr(p, "Referenced:            0 kB"));
	free(text);
	assert_int_equal(mm_touch(t.mm, base + 4096 * 7, false), 0);
	text = test_proc(t.m, name);
	assert_non_null(strstr(strstr(text, "7e0000200000-"), "Referenced:         2048 kB"));
	free(text);
	cr_teardown(&t);
}

/* ---- 4: soft-dirty -------------------------------------------------------------------------- */

static uint64_t soft_dirty_bit(struct cr *t, int page)
{
	uint64_t e;

	assert_int_equal(mmlab_pagemap_read(t->m, mm_task_pid(t->task), PG(page), &e, 1,
					    MM_PAGEMAP_SOFT_DIRTY_ON), 1);
	return e & MM_PAGEMAP_SOFT_DIRTY;
}

/* As on the recording host (no CONFIG_MEM_SOFT_DIRTY): "4" changes nothing, no fault follows. */
static void test_soft_dirty_off(void **state)
{
	unsigned long faults;
	struct cr t;

	(void)state;
	cr_setup(&t, false, THP_NEVER);
	assert_int_equal(mm_mmap(t.mm, PG(0), 2 * PAGE_SIZE, RW, ANON, NULL, 0), (long)PG(0));
	touch(&t, 0, true);
	assert_int_equal(clear_refs(&t, "4"), 1);
	assert_true(pte_write(t.mm->fmt, *pte_offset(t.mm, PG(0))));
	faults = minflt(&t);
	touch(&t, 0, true);
	assert_int_equal(minflt(&t), faults);
	cr_teardown(&t);
}

/*
 * A kernel with CONFIG_MEM_SOFT_DIRTY (machine_config.soft_dirty): "4" clears every soft-dirty
 * bit and VM_SOFTDIRTY and write-protects the pages; a write faults once and marks its page
 * soft-dirty again; reads do not. mprotect back to writable keeps clean pages write-protected.
 */
static void test_soft_dirty_on(void **state)
{
	struct vm_area_struct *vma;
	unsigned long faults;
	char byte[8] = "written";
	struct cr t;

	(void)state;
	cr_setup(&t, true, THP_NEVER);
	assert_int_equal(mm_mmap(t.mm, PG(0), 4 * PAGE_SIZE, RW, ANON, NULL, 0), (long)PG(0));
	touch(&t, 0, true);
	touch(&t, 1, true);
	touch(&t, 2, true);
	assert_true(soft_dirty_bit(&t, 0) && soft_dirty_bit(&t, 3));	/* VMA new: all */
	assert_int_equal(clear_refs(&t, "4"), 1);
	vma = find_vma(t.mm, PG(0));
	assert_false(vma->vm_flags & VM_SOFTDIRTY);
	assert_false(soft_dirty_bit(&t, 0) || soft_dirty_bit(&t, 1) || soft_dirty_bit(&t, 3));

	faults = minflt(&t);
	touch(&t, 1, false);
	assert_int_equal(minflt(&t), faults);
	assert_int_equal(access_process_vm(t.mm, PG(1) + 5, byte, sizeof(byte), true),
			 sizeof(byte));
	assert_int_equal(minflt(&t), faults + 1);	/* the write-protect fault, page reused */
	assert_true(soft_dirty_bit(&t, 1));
	assert_false(soft_dirty_bit(&t, 0));
	memset(byte, 0, sizeof(byte));
	assert_int_equal(access_process_vm(t.mm, PG(1) + 5, byte, sizeof(byte), false),
			 sizeof(byte));
	assert_string_equal(byte, "written");

	assert_int_equal(mm_mprotect(t.mm, PG(0), 4 * PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(mm_mprotect(t.mm, PG(0), 4 * PAGE_SIZE, RW), 0);
	assert_false(pte_write(t.mm->fmt, *pte_offset(t.mm, PG(0))));	/* clean: must fault */
	assert_true(pte_write(t.mm->fmt, *pte_offset(t.mm, PG(1))));	/* soft-dirty: upgraded */
	cr_teardown(&t);
}

/* ---- 5: VmHWM --------------------------------------------------------------------------------- */

static unsigned long status_kb(struct cr *t, const char *field)
{
	char name[32], *text, *p;
	unsigned long kb;

	snprintf(name, sizeof(name), "%d/status", mm_task_pid(t->task));
	text = test_proc(t->m, name);
	p = strstr(text, field);
	assert_non_null(p);
	kb = strtoul(p + strlen(field), NULL, 10);
	free(text);
	return kb;
}

static void test_reset_hiwater(void **state)
{
	struct cr t;
	int i;

	(void)state;
	cr_setup(&t, false, THP_NEVER);
	assert_int_equal(mm_mmap(t.mm, PG(0), 8 * PAGE_SIZE, RW, ANON, NULL, 0), (long)PG(0));
	for (i = 0; i < 8; i++)
		touch(&t, i, true);
	assert_int_equal(mm_munmap(t.mm, PG(2), 6 * PAGE_SIZE), 0);
	assert_int_equal(status_kb(&t, "VmHWM:"), 32);
	assert_int_equal(status_kb(&t, "VmRSS:"), 8);
	assert_int_equal(clear_refs(&t, "+5"), 2);
	assert_int_equal(status_kb(&t, "VmHWM:"), 8);
	cr_teardown(&t);
}

/* ---- LazyFree: the per-CPU lazy-free batch ------------------------------------------------- */

/*
 * As measured on the recording host (a CPU-bound process: MADV_FREE, one call, smaps): the
 * pages become LazyFree when the batch moves, at its 31st page, at the next MADV_FREE of a VMA,
 * or after a populate; a munmap, MADV_DONTNEED or mprotect elsewhere does not move it. A page
 * freed while it waits leaves the batch.
 */
static void test_lazyfree_batch(void **state)
{
	struct cr t;
	int i;

	(void)state;
	cr_setup(&t, false, THP_NEVER);
	assert_int_equal(mm_mmap(t.mm, PG(0), 40 * PAGE_SIZE, RW, ANON, NULL, 0), (long)PG(0));
	assert_int_equal(mm_mmap(t.mm, PG(64), 4 * PAGE_SIZE, RW, ANON, NULL, 0), (long)PG(64));
	for (i = 0; i < 40; i++)
		touch(&t, i, true);
	touch(&t, 64, true);

	/* 4 pages: they wait in the batch */
	assert_int_equal(mm_madvise(t.mm, PG(0), 4 * PAGE_SIZE, MADV_FREE), 0);
	assert_int_equal(smaps_kb(&t, "LazyFree:"), 0);
	assert_int_equal(mm_munmap(t.mm, PG(65), PAGE_SIZE), 0);
	assert_int_equal(mm_madvise(t.mm, PG(66), PAGE_SIZE, MADV_DONTNEED), 0);
	assert_int_equal(mm_mprotect(t.mm, PG(67), PAGE_SIZE, PROT_READ), 0);
	assert_int_equal(smaps_kb(&t, "LazyFree:"), 0);
	/* a populate anywhere (even one that fails over a hole) moves it */
	assert_int_equal(mm_madvise(t.mm, PG(100), PAGE_SIZE, MADV_POPULATE_READ), -ENOMEM);
	assert_int_equal(smaps_kb(&t, "LazyFree:"), 16);
	assert_int_equal(smaps_kb(&t, "Referenced:"), 36 * 4);

	/* 36 more: the 31st moves the batch, 5 wait */
	assert_int_equal(mm_madvise(t.mm, PG(4), 36 * PAGE_SIZE, MADV_FREE), 0);
	assert_int_equal(smaps_kb(&t, "LazyFree:"), (4 + 31) * 4);
	/* a written page is not lazy-free; one freed while waiting leaves the batch */
	touch(&t, 39, true);
	assert_int_equal(mm_munmap(t.mm, PG(38), PAGE_SIZE), 0);
	assert_int_equal(mm_madvise(t.mm, PG(64), PAGE_SIZE, MADV_FREE), 0);	/* drains first */
	assert_int_equal(smaps_kb(&t, "LazyFree:"), (4 + 31 + 3) * 4);
	assert_int_equal(atomic_load(&t.m->vm->nr_lazyfree_pending), 1);	/* PG(64)'s */
	/* MADV_PAGEOUT drains and discards every clean lazy-free page: 38 of 40 */
	assert_int_equal(mm_madvise(t.mm, PG(0), 38 * PAGE_SIZE, MADV_PAGEOUT), 0);
	assert_int_equal(smaps_kb(&t, "Rss:"), 0);
	cr_teardown(&t);
}

/* ---- the text and the other files --------------------------------------------------------- */

static void test_parse_as_host(void **state)
{
	static const struct {
		const char *text;
		size_t len;
		long ret;
	} host[] = {
		{ "1", 1, 1 }, { "2\n", 2, 2 }, { " 3 ", 3, 3 }, { "+5", 2, 2 },
		{ "0", 1, -EINVAL }, { "6", 1, -EINVAL }, { "x", 1, -EINVAL }, { "", 0, -EINVAL },
		{ "99999999999", 11, -ERANGE }, { "1                    ", 21, 12 },
		{ "-1", 2, -EINVAL }, { "1x", 2, -EINVAL }, { "0x1", 3, -EINVAL },
		{ "1 2", 3, -EINVAL },
	};
	char name[32];
	char buf[16];
	struct cr t;
	size_t i;

	(void)state;
	cr_setup(&t, false, THP_NEVER);
	for (i = 0; i < ARRAY_SIZE(host); i++) {
		long r = mmlab_proc_write(t.m, t.name, host[i].text, host[i].len);

		if (r != host[i].ret)
			fail_msg("write \"%s\" (%zu bytes): %ld, the host %ld", host[i].text,
				 host[i].len, r, host[i].ret);
	}
	/* the other files, as the host answered a write of "1" (and a read of clear_refs) */
	snprintf(name, sizeof(name), "%d/maps", mm_task_pid(t.task));
	assert_int_equal(mmlab_proc_write(t.m, name, "1", 1), -EINVAL);
	snprintf(name, sizeof(name), "%d/smaps", mm_task_pid(t.task));
	assert_int_equal(mmlab_proc_write(t.m, name, "1", 1), -EINVAL);
	assert_int_equal(mmlab_proc_write(t.m, "meminfo", "1", 1), -EIO);
	assert_int_equal(mmlab_proc_write(t.m, "vmstat", "1", 1), -EIO);
	assert_int_equal(mmlab_proc_read(t.m, t.name, buf, sizeof(buf)), -EINVAL);
	/* and mmlab's own answers where the host was not asked */
	assert_int_equal(mmlab_proc_write(t.m, "4242/clear_refs", "1", 1), -ESRCH);
	assert_int_equal(mmlab_proc_write(t.m, "no-such-file", "1", 1), -ENOENT);
	assert_int_equal(mmlab_proc_write(t.m, "sys/vm/min_free_kbytes", "1", 1), -EOPNOTSUPP);
	assert_int_equal(mmlab_proc_write(t.m, t.name, NULL, 1), -EINVAL);
	assert_int_equal(mm_clear_refs(t.mm, 6), -EINVAL);
	cr_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clear_referenced),
		cmocka_unit_test(test_clear_referenced_thp),
		cmocka_unit_test(test_soft_dirty_off),
		cmocka_unit_test(test_soft_dirty_on),
		cmocka_unit_test(test_reset_hiwater),
		cmocka_unit_test(test_lazyfree_batch),
		cmocka_unit_test(test_parse_as_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
