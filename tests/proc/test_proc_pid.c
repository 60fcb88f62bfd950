/*
 * test_proc_pid.c - the per-process views of pages: /proc/PID/smaps, smaps_rollup, status's
 * RSS lines, stat, statm and pagemap, after demand paging, fork and copy-on-write; and the
 * machine-wide kpagecount and kpageflags.
 *
 * The texts of test_smaps_cow are this host's (Linux 6.18.44 x86-64, THP madvise), recorded by
 * running the same scenario for real: a C program that maps 8 pages at 0x7e0000000000, reads
 * page 0, writes pages 1-3, forks, lets the child write page 2, and cats each process's smaps
 * entry and pagemap entries (frame numbers masked) at each step. Pictures, one column a page:
 *
 *   01234567          z: the zero page   w: a private writable page   r: shared read-only (COW)
 *   zwww....  parent before fork
 *   zrwr....  parent after the child's COW of page 2 (1 and 3 shared with the child)
 *   zrwr....  child after its COW
 */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmlab/mm.h>

#include "vm/internal.h"

#define BASE	0x7e0000000000UL
#define PG(n)	(BASE + (unsigned long)(n) * PAGE_SIZE)
#define RW	(PROT_READ | PROT_WRITE)
#define ANON	(MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)

struct pp {
	struct machine *m;
	struct mm_task *task;
	struct mm_struct *mm;
};

static void pp_setup(struct pp *t, int thp)
{
	struct mm_exec_args args = { .flags = MM_EXEC_EMPTY };
	struct machine_config cfg;

	test_config(&cfg, 256ULL << 20, 1, 2);
	cfg.transparent_hugepage = thp;
	t->m = test_boot_config(&cfg);
	assert_non_null(t->m);
	assert_int_equal(mm_task_exec_new(t->m, 0, &args, &t->task), 0);
	t->mm = mm_task_mm(t->task);
}

static void pp_teardown(struct pp *t)
{
	assert_machine_ok(t->m);
	mm_task_exit(t->task);
	machine_shutdown(t->m);
}

static char *pid_file(struct machine *m, struct mm_task *task, const char *file)
{
	char name[64];

	snprintf(name, sizeof(name), "%d/%s", mm_task_pid(task), file);
	return test_proc(m, name);
}

static void expect_file(struct machine *m, struct mm_task *task, const char *file,
			const char *want)
{
	char *got = pid_file(m, task, file);

	assert_string_equal(got, want);
	free(got);
}

/* The pagemap flags (bits 55-63) of 8 pages from BASE, as "%016llx" lines like the recording. */
static void expect_pagemap_flags(struct machine *m, struct mm_task *task, const char *want)
{
	uint64_t e[8];
	char got[8 * 20 + 1] = "", line[24];
	int i;

	assert_int_equal(mmlab_pagemap_read(m, mm_task_pid(task), BASE, e, 8, MM_PAGEMAP_SHOW_PFN), 8);
	for (i = 0; i < 8; i++) {
		snprintf(line, sizeof(line), "%016llx\n",
			 (unsigned long long)(e[i] & ~MM_PAGEMAP_PFN_MASK));
		strcat(got, line);
	}
	assert_string_equal(got, want);
}

/* One smaps entry of an anonymous rw-p VMA of 8 pages at BASE, in the kernel's layout. */
static char *smaps_entry(unsigned long rss, unsigned long pss, unsigned long pss_dirty,
			 unsigned long shared_dirty, unsigned long private_dirty,
			 unsigned long referenced)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "7e0000000000-7e0000008000 rw-p 00000000 00:00 0 \n"
		 "Size:                 32 kB\n"
		 "KernelPageSize:        4 kB\n"
		 "MMUPageSize:           4 kB\n"
		 "Rss:            %8lu kB\n"
		 "Pss:            %8lu kB\n"
		 "Pss_Dirty:      %8lu kB\n"
		 "Shared_Clean:          0 kB\n"
		 "Shared_Dirty:   %8lu kB\n"
		 "Private_Clean:         0 kB\n"
		 "Private_Dirty:  %8lu kB\n"
		 "Referenced:     %8lu kB\n"
		 "Anonymous:      %8lu kB\n"
		 "KSM:                   0 kB\n"
		 "LazyFree:              0 kB\n"
		 "AnonHugePages:         0 kB\n"
		 "ShmemPmdMapped:        0 kB\n"
		 "FilePmdMapped:         0 kB\n"
		 "Shared_Hugetlb:        0 kB\n"
		 "Private_Hugetlb:       0 kB\n"
		 "Swap:                  0 kB\n"
		 "SwapPss:               0 kB\n"
		 "Locked:                0 kB\n"
		 "THPeligible:           0\n"
		 "VmFlags: rd wr mr mw me ac \n",
		 rss, pss, pss_dirty, shared_dirty, private_dirty, referenced, rss);
	return buf;
}

/* The host's texts, as recorded (see the top of the file). */
static const char host_parent_before_fork[] =
	"7e0000000000-7e0000008000 rw-p 00000000 00:00 0 \n"
	"Size:                 32 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  12 kB\n"
	"Pss:                  12 kB\n"
	"Pss_Dirty:            12 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          0 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:        12 kB\n"
	"Referenced:           12 kB\n"
	"Anonymous:            12 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me ac \n";

static const char host_child_after_cow[] =
	"7e0000000000-7e0000008000 rw-p 00000000 00:00 0 \n"
	"Size:                 32 kB\n"
	"KernelPageSize:        4 kB\n"
	"MMUPageSize:           4 kB\n"
	"Rss:                  12 kB\n"
	"Pss:                   8 kB\n"
	"Pss_Dirty:             8 kB\n"
	"Shared_Clean:          0 kB\n"
	"Shared_Dirty:          8 kB\n"
	"Private_Clean:         0 kB\n"
	"Private_Dirty:         4 kB\n"
	"Referenced:            4 kB\n"
	"Anonymous:            12 kB\n"
	"KSM:                   0 kB\n"
	"LazyFree:              0 kB\n"
	"AnonHugePages:         0 kB\n"
	"ShmemPmdMapped:        0 kB\n"
	"FilePmdMapped:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:       0 kB\n"
	"Swap:                  0 kB\n"
	"SwapPss:               0 kB\n"
	"Locked:                0 kB\n"
	"THPeligible:           0\n"
	"VmFlags: rd wr mr mw me ac \n";

static const char host_pagemap_private[] =
	"8000000000000000\n8100000000000000\n8100000000000000\n8100000000000000\n"
	"0000000000000000\n0000000000000000\n0000000000000000\n0000000000000000\n";
static const char host_pagemap_after_cow[] =
	"8000000000000000\n8000000000000000\n8100000000000000\n8000000000000000\n"
	"0000000000000000\n0000000000000000\n0000000000000000\n0000000000000000\n";

static void test_smaps_cow(void **state)
{
	struct mm_task *child;
	struct pp t;
	char byte = 9;

	(void)state;
	pp_setup(&t, THP_MADVISE);
	assert_int_equal(mm_mmap(t.mm, BASE, 8 * PAGE_SIZE, RW, ANON, NULL, 0), (long)BASE);
	assert_int_equal(mm_touch(t.mm, PG(0), false), 0);
	assert_int_equal(mm_access(t.mm, PG(1), 3 * PAGE_SIZE, MM_ACCESS_WRITE), 0);
	expect_file(t.m, t.task, "smaps", host_parent_before_fork);
	expect_pagemap_flags(t.m, t.task, host_pagemap_private);

	assert_int_equal(mm_task_clone(t.task, 0, 0, &child), 0);
	/* Right after fork both see pages 1-3 shared (mapcount 2): Pss halves, nothing exclusive. */
	expect_file(t.m, t.task, "smaps", smaps_entry(12, 6, 6, 12, 0, 12));
	expect_file(t.m, child, "smaps", smaps_entry(12, 6, 6, 12, 0, 0));

	assert_int_equal(access_process_vm(mm_task_mm(child), PG(2), &byte, 1, true), 1);
	expect_file(t.m, child, "smaps", host_child_after_cow);
	expect_pagemap_flags(t.m, child, host_pagemap_after_cow);
	/* The parent's page 2 is its own again; its PTEs stayed young: Referenced 12. */
	expect_file(t.m, t.task, "smaps", smaps_entry(12, 8, 8, 8, 4, 12));
	expect_pagemap_flags(t.m, t.task, host_pagemap_after_cow);

	mm_task_exit(child);
	expect_file(t.m, t.task, "smaps", host_parent_before_fork);
	expect_pagemap_flags(t.m, t.task, host_pagemap_private);
	pp_teardown(&t);
}

/*
 * Pss in fixed point: 4 pages mapped by 3 processes add 4 x (4096 << 12) / 3 to each Pss,
 * 5461.33 bytes, printed as 5 kB (a per-page kB rounding would say 4).
 */
static void test_pss_fixed_point(void **state)
{
	struct mm_task *c1, *c2;
	struct pp t;

	(void)state;
	pp_setup(&t, THP_MADVISE);
	assert_int_equal(mm_mmap(t.mm, BASE, 8 * PAGE_SIZE, RW, ANON, NULL, 0), (long)BASE);
	assert_int_equal(mm_access(t.mm, PG(0), 4 * PAGE_SIZE, MM_ACCESS_WRITE), 0);
	assert_int_equal(mm_task_clone(t.task, 0, 0, &c1), 0);
	assert_int_equal(mm_task_clone(t.task, 0, 0, &c2), 0);
	expect_file(t.m, t.task, "smaps", smaps_entry(16, 5, 5, 16, 0, 16));
	expect_file(t.m, c2, "smaps", smaps_entry(16, 5, 5, 16, 0, 0));
	mm_task_exit(c1);
	expect_file(t.m, c2, "smaps", smaps_entry(16, 8, 8, 16, 0, 0));
	mm_task_exit(c2);
	pp_teardown(&t);
}

/*
 * smaps_rollup: one entry from the first VMA's start to the last one's end, flags "---p",
 * Pss_Anon/File/Shmem after Pss_Dirty; Locked counts the Pss of VM_LOCKED VMAs.
 *
 *   BASE: 01234567      BASE+16 pages: 0123
 *         ww......                     www.   then mlock: wwww, VM_LOCKED (populate writes)
 */
static void test_smaps_rollup(void **state)
{
	struct pp t;

	(void)state;
	pp_setup(&t, THP_MADVISE);
	assert_int_equal(mm_mmap(t.mm, BASE, 8 * PAGE_SIZE, RW, ANON, NULL, 0), (long)BASE);
	assert_int_equal(mm_access(t.mm, PG(0), 2 * PAGE_SIZE, MM_ACCESS_WRITE), 0);
	assert_int_equal(mm_mmap(t.mm, PG(16), 4 * PAGE_SIZE, RW, ANON, NULL, 0), (long)PG(16));
	assert_int_equal(mm_access(t.mm, PG(16), 3 * PAGE_SIZE, MM_ACCESS_WRITE), 0);
	assert_int_equal(mm_mlock(t.mm, PG(16), 4 * PAGE_SIZE), 0);
	expect_file(t.m, t.task, "smaps_rollup",
		    "7e0000000000-7e0000014000 ---p 00000000 00:00 0                          [rollup]\n"
		    "Rss:                  24 kB\n"
		    "Pss:                  24 kB\n"
		    "Pss_Dirty:            24 kB\n"
		    "Pss_Anon:             24 kB\n"
		    "Pss_File:              0 kB\n"
		    "Pss_Shmem:             0 kB\n"
		    "Shared_Clean:          0 kB\n"
		    "Shared_Dirty:          0 kB\n"
		    "Private_Clean:         0 kB\n"
		    "Private_Dirty:        24 kB\n"
		    "Referenced:           24 kB\n"
		    "Anonymous:            24 kB\n"
		    "KSM:                   0 kB\n"
		    "LazyFree:              0 kB\n"
		    "AnonHugePages:         0 kB\n"
		    "ShmemPmdMapped:        0 kB\n"
		    "FilePmdMapped:         0 kB\n"
		    "Shared_Hugetlb:        0 kB\n"
		    "Private_Hugetlb:       0 kB\n"
		    "Swap:                  0 kB\n"
		    "SwapPss:               0 kB\n"
		    "Locked:               16 kB\n");
	pp_teardown(&t);
}

static const char *line_of(const char *text, const char *prefix)
{
	const char *p = strstr(text, prefix);

	assert_non_null(p);
	return p;
}

/* Field @n (1-based) of a stat line, as a number. */
static unsigned long long stat_field(const char *stat, int n)
{
	const char *p = strrchr(stat, ')');
	int i;

	assert_non_null(p);
	p += 2;			/* field 3 */
	for (i = 3; i < n; i++) {
		p = strchr(p, ' ');
		assert_non_null(p);
		p++;
	}
	return strtoull(p, NULL, 10);
}

/*
 * status, statm and stat after 1 read fault (the zero page: no RSS) and 5 write faults, then
 * a munmap of 2 pages: VmRSS drops, VmHWM keeps the peak. 3 tables under the top one: VmPTE.
 */
static void test_status_stat_statm(void **state)
{
	struct pp t;
	char *s;

	(void)state;
	pp_setup(&t, THP_MADVISE);
	assert_int_equal(mm_mmap(t.mm, BASE, 8 * PAGE_SIZE, RW, ANON, NULL, 0), (long)BASE);
	assert_int_equal(mm_touch(t.mm, PG(7), false), 0);
	assert_int_equal(mm_access(t.mm, PG(0), 5 * PAGE_SIZE, MM_ACCESS_WRITE), 0);
	s = pid_file(t.m, t.task, "status");
	assert_non_null(strstr(s, "VmHWM:\t      20 kB\nVmRSS:\t      20 kB\nRssAnon:\t      20 kB\n"
				  "RssFile:\t       0 kB\nRssShmem:\t       0 kB\n"));
	assert_non_null(strstr(s, "VmPTE:\t      12 kB\n"));
	free(s);
	expect_file(t.m, t.task, "statm", "8 5 0 0 0 8 0\n");
	s = pid_file(t.m, t.task, "stat");
	assert_int_equal(strncmp(s, "1 (mmlab) R ", 12), 0);
	assert_int_equal(stat_field(s, 10), 6);		/* minflt */
	assert_int_equal(stat_field(s, 12), 0);		/* majflt */
	assert_int_equal(stat_field(s, 20), 1);		/* num_threads */
	assert_int_equal(stat_field(s, 23), 8 * PAGE_SIZE);	/* vsize */
	assert_int_equal(stat_field(s, 24), 5);		/* rss, pages */
	assert_int_equal(stat_field(s, 25), ~0ULL);	/* rsslim */
	assert_int_equal(stat_field(s, 38), 17);	/* exit_signal */
	assert_int_equal(stat_field(s, 52), 0);		/* exit_code, the last */
	assert_null(strchr(line_of(s, "\n") + 1, '\n'));
	free(s);

	assert_int_equal(mm_munmap(t.mm, PG(0), 2 * PAGE_SIZE), 0);
	s = pid_file(t.m, t.task, "status");
	assert_non_null(strstr(s, "VmHWM:\t      20 kB\nVmRSS:\t      12 kB\nRssAnon:\t      12 kB\n"));
	free(s);
	expect_file(t.m, t.task, "statm", "6 3 0 0 0 6 0\n");
	pp_teardown(&t);
}

/* THPeligible: with THP "madvise", an MADV_HUGEPAGE VMA holding an aligned 2 MiB range. */
static void test_thp_eligible(void **state)
{
	struct pp t;
	char *s;

	(void)state;
	pp_setup(&t, THP_MADVISE);
	assert_int_equal(mm_mmap(t.mm, BASE, 4UL << 20, RW, ANON, NULL, 0), (long)BASE);
	assert_int_equal(mm_mmap(t.mm, BASE + (8UL << 20), 1UL << 20, RW, ANON, NULL, 0),
			 (long)(BASE + (8UL << 20)));
	s = pid_file(t.m, t.task, "smaps");
	assert_null(strstr(s, "THPeligible:           1\n"));
	free(s);
	assert_int_equal(mm_madvise(t.mm, BASE, 4UL << 20, MADV_HUGEPAGE), 0);
	assert_int_equal(mm_madvise(t.mm, BASE + (8UL << 20), 1UL << 20, MADV_HUGEPAGE), 0);
	s = pid_file(t.m, t.task, "smaps");
	/* the first VMA eligible, the second (1 MiB) not; both show "hg" */
	assert_non_null(strstr(s, "THPeligible:           1\nVmFlags: rd wr mr mw me ac hg \n"
				  "7e0000800000-7e0000900000"));
	assert_non_null(strstr(s, "THPeligible:           0\nVmFlags: rd wr mr mw me ac hg \n"));
	free(s);
	pp_teardown(&t);
}

/* pagemap: the zero page's frame, holes, the end at TASK_SIZE, the errors. */
static void test_pagemap(void **state)
{
	uint64_t e[4];
	struct pp t;

	(void)state;
	pp_setup(&t, THP_MADVISE);
	/* 0123   hole, the zero page, a written page, no PTE yet */
	/* .zw.  */
	assert_int_equal(mm_mmap(t.mm, PG(1), 3 * PAGE_SIZE, RW, ANON, NULL, 0), (long)PG(1));
	assert_int_equal(mm_touch(t.mm, PG(1), false), 0);
	assert_int_equal(mm_touch(t.mm, PG(2), true), 0);
	assert_int_equal(mm_pagemap_read(t.mm, PG(0), e, 4, MM_PAGEMAP_SHOW_PFN), 4);
	assert_int_equal(e[0], 0);					/* hole */
	assert_int_equal(e[1], MM_PAGEMAP_PRESENT | vm_of(t.mm)->zero_pfn);	/* zero page */
	assert_int_equal(e[2] & ~MM_PAGEMAP_PFN_MASK, MM_PAGEMAP_PRESENT | MM_PAGEMAP_EXCLUSIVE);
	assert_int_equal(e[2] & MM_PAGEMAP_PFN_MASK, pte_pfn(t.mm->fmt, *pte_offset(t.mm, PG(2))));
	assert_int_equal(e[3], 0);					/* no PTE */
	/* without CAP_SYS_ADMIN no frame numbers */
	assert_int_equal(mm_pagemap_read(t.mm, PG(0), e, 4, 0), 4);
	assert_int_equal(e[1], MM_PAGEMAP_PRESENT);
	/* soft-dirty on, as a CONFIG_MEM_SOFT_DIRTY kernel: new VMAs are VM_SOFTDIRTY */
	assert_int_equal(mm_pagemap_read(t.mm, PG(0), e, 4, MM_PAGEMAP_SOFT_DIRTY_ON), 4);
	assert_int_equal(e[0], 0);
	assert_int_equal(e[3], MM_PAGEMAP_SOFT_DIRTY);
	/* the file ends at TASK_SIZE */
	assert_int_equal(mm_pagemap_read(t.mm, MM_TASK_SIZE - PAGE_SIZE, e, 4, 0), 1);
	assert_int_equal(mm_pagemap_read(t.mm, MM_TASK_SIZE, e, 4, 0), 0);
	assert_int_equal(mm_pagemap_read(t.mm, PG(0) + 8, e, 4, 0), -EINVAL);
	assert_int_equal(mmlab_pagemap_read(t.m, 4000000, PG(0), e, 4, 0), -ESRCH);
	pp_teardown(&t);
}

/* The gate VMA ends smaps as it ends maps; the rollup of an exec'd process leaves it out. */
static void test_smaps_gate_and_names(void **state)
{
	struct mm_exec_args args = { 0 };
	struct mm_task *task;
	struct pp t;
	char *s, *maps;
	const char *p;

	(void)state;
	pp_setup(&t, THP_MADVISE);
	assert_int_equal(mm_task_exec_new(t.m, 0, &args, &task), 0);
	s = pid_file(t.m, task, "smaps");
	maps = pid_file(t.m, task, "maps");
	p = line_of(s, "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n"
		       "Size:                  4 kB\n");
	assert_non_null(strstr(p, "THPeligible:           0\nVmFlags: ex \n"));
	assert_int_equal(strlen(strstr(p, "VmFlags: ex \n")), strlen("VmFlags: ex \n"));
	/* every maps line heads an smaps entry, in order */
	for (p = maps; *p; p = strchr(p, '\n') + 1) {
		size_t n = (size_t)(strchr(p, '\n') - p) + 1;
		char line[256];

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		assert_non_null(strstr(s, line));
	}
	free(s);
	free(maps);
	s = pid_file(t.m, task, "smaps_rollup");
	assert_null(strstr(s, "ffffffffff601000"));
	/* the stack page execve wrote is all a fresh process has */
	assert_non_null(strstr(s, "[rollup]\nRss:                   4 kB\n"));
	free(s);
	mm_task_exit(task);
	pp_teardown(&t);
}

/* The frame of the page at @addr of @t's process, from pagemap. */
static unsigned long frame_of(struct pp *t, struct mm_task *task, unsigned long addr)
{
	uint64_t e;

	assert_int_equal(mmlab_pagemap_read(t->m, mm_task_pid(task), addr, &e, 1,
					    MM_PAGEMAP_SHOW_PFN), 1);
	assert_true(e & MM_PAGEMAP_PRESENT);
	return (unsigned long)(e & MM_PAGEMAP_PFN_MASK);
}

static uint64_t kflags(struct machine *m, unsigned long pfn)
{
	uint64_t f;

	assert_int_equal(mmlab_kpageflags_read(m, pfn, &f, 1), 1);
	return f;
}

static uint64_t kcount(struct machine *m, unsigned long pfn)
{
	uint64_t c;

	assert_int_equal(mmlab_kpagecount_read(m, pfn, &c, 1), 1);
	return c;
}

#define KPF(b) (1ULL << KPF_##b)

/*
 * kpagecount and kpageflags of an anonymous page through fork (the host shows the written
 * page as 0x400005808: the model lacks UPTODATE), the zero page, a freed frame, the end.
 */
static void test_kpage(void **state)
{
	struct mm_task *child;
	unsigned long pfn, zero;
	uint64_t e[4];
	struct pp t;

	(void)state;
	pp_setup(&t, THP_MADVISE);
	assert_int_equal(mm_mmap(t.mm, BASE, 2 * PAGE_SIZE, RW, ANON, NULL, 0), (long)BASE);
	assert_int_equal(mm_touch(t.mm, PG(0), false), 0);
	assert_int_equal(mm_touch(t.mm, PG(1), true), 0);
	zero = frame_of(&t, t.task, PG(0));
	pfn = frame_of(&t, t.task, PG(1));
	assert_int_equal(kcount(t.m, pfn), 1);
	assert_int_equal(kflags(t.m, pfn), KPF(MMAP) | KPF(ANON) | KPF(SWAPBACKED) | KPF(MAPPEDTODISK));
	assert_int_equal(kcount(t.m, zero), 0);
	assert_int_equal(kflags(t.m, zero), KPF(RESERVED) | KPF(ZERO_PAGE));
	assert_int_equal(mm_task_clone(t.task, 0, 0, &child), 0);
	assert_int_equal(kcount(t.m, pfn), 2);
	assert_int_equal(kflags(t.m, pfn), KPF(MMAP) | KPF(ANON) | KPF(SWAPBACKED));
	mm_task_exit(child);
	assert_int_equal(kcount(t.m, pfn), 1);
	assert_int_equal(mm_munmap(t.mm, BASE, 2 * PAGE_SIZE), 0);
	assert_int_equal(kcount(t.m, pfn), 0);
	assert_int_equal(kflags(t.m, pfn) & (KPF(MMAP) | KPF(ANON)), 0);
	/* the files end just past the zero page, the frame after RAM */
	assert_int_equal(mmlab_kpagecount_read(t.m, zero - 1, e, 4), 2);
	assert_int_equal(mmlab_kpageflags_read(t.m, zero + 1, e, 4), 0);
	pp_teardown(&t);
}

/* Holes: RESERVED inside a memory section with RAM (page 0, 640 KiB-1 MiB), NOPAGE in the PCI hole. */
static void test_kpageflags_holes(void **state)
{
	struct machine *m = test_boot_pc(4ULL << 30, 1);

	(void)state;
	assert_non_null(m);
	assert_int_equal(kflags(m, 0), KPF(RESERVED));
	assert_int_equal(kflags(m, 0xa0), KPF(RESERVED));
	assert_int_equal(kflags(m, 0xc0000), KPF(NOPAGE));	/* 3 GiB */
	assert_int_equal(kcount(m, 0), 0);
	assert_int_equal(kflags(m, 0x100) & KPF(NOPAGE), 0);	/* RAM at 1 MiB */
	machine_shutdown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smaps_cow),
		cmocka_unit_test(test_pss_fixed_point),
		cmocka_unit_test(test_smaps_rollup),
		cmocka_unit_test(test_status_stat_statm),
		cmocka_unit_test(test_thp_eligible),
		cmocka_unit_test(test_pagemap),
		cmocka_unit_test(test_smaps_gate_and_names),
		cmocka_unit_test(test_kpage),
		cmocka_unit_test(test_kpageflags_holes),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
