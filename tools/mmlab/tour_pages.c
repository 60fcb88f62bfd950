/*
 * tour_pages.c - the tour's page section: demand paging (a read maps the shared zero page, a
 * write a zeroed frame of its own), fork sharing the frames write-protected, a copy-on-write
 * that gives the writer a copy with the bytes it wrote while the other process keeps the old
 * ones, and what /proc/PID/pagemap, smaps and status show at each step.
 */
#include <stdlib.h>
#include <string.h>

#include <mmlab/mmlab.h>

#include "cli.h"

#define TOUR_ADDR 0x7f0000000000UL

/* One pagemap entry, as a reader with CAP_SYS_ADMIN sees it. */
static void show_pagemap(struct machine *m, FILE *out, int pid, const char *who, int npages)
{
	uint64_t e[8];
	long n = mmlab_pagemap_read(m, pid, TOUR_ADDR, e, (unsigned long)npages, MM_PAGEMAP_SHOW_PFN);
	long i;

	fprintf(out, "  %-7s pagemap:", who);
	for (i = 0; i < n; i++) {
		if (!(e[i] & MM_PAGEMAP_PRESENT))
			fprintf(out, "  [%ld] none", i);
		else
			fprintf(out, "  [%ld] pfn %#llx%s", i,
				(unsigned long long)(e[i] & MM_PAGEMAP_PFN_MASK),
				e[i] & MM_PAGEMAP_EXCLUSIVE ? " exclusive" : "");
	}
	fputc('\n', out);
}

/* The reverse map of the frame @pid maps at @addr: every process and address mapping it. */
static void show_rmap(struct machine *m, FILE *out, int pid, unsigned long addr)
{
	struct mm_rmap_mapping map[8];
	uint64_t e = 0;
	long n, i;

	if (mmlab_pagemap_read(m, pid, addr, &e, 1, MM_PAGEMAP_SHOW_PFN) != 1 ||
	    !(e & MM_PAGEMAP_PRESENT))
		return;
	n = mm_rmap_walk(m, (unsigned long)(e & MM_PAGEMAP_PFN_MASK), map, 8);
	fprintf(out, "  rmap of pfn %#llx:", (unsigned long long)(e & MM_PAGEMAP_PFN_MASK));
	for (i = 0; i < n && i < 8; i++)
		fprintf(out, "  pid %d at %#lx (its anon_vma %lu)", map[i].pid, map[i].addr,
			map[i].anon_vma);
	fputc('\n', out);
}

/*
 * The lines of /proc/PID/@file from the one starting with @from through the one with @to,
 * searching from @anchor (NULL: the start).
 */
static void show_lines(struct machine *m, FILE *out, int pid, const char *file, const char *anchor,
		       const char *from, const char *to)
{
	char name[48], *text, *start, *end;
	long len;

	snprintf(name, sizeof(name), "%d/%s", pid, file);
	len = mmlab_proc_read(m, name, NULL, 0);
	if (len < 0)
		return;
	text = malloc((size_t)len + 1);
	if (!text)
		return;
	mmlab_proc_read(m, name, text, (size_t)len + 1);
	start = anchor ? strstr(text, anchor) : text;
	start = start ? strstr(start, from) : NULL;
	end = start ? strstr(start, to) : NULL;
	if (end) {
		end = strchr(end, '\n');
		if (strcmp(from, to))
			fprintf(out, "$ cat /proc/%s   (lines %s to %s%s)\n", name, from, to,
				anchor ? " of the mapping" : "");
		else
			fprintf(out, "$ cat /proc/%s   (line %s)\n", name, from);
		fprintf(out, "%.*s", (int)(end - start + 1), start);
	}
	free(text);
}

static void show_bytes(struct mm_struct *mm, FILE *out, const char *who, unsigned long addr)
{
	char buf[32] = "";

	access_process_vm(mm, addr, buf, sizeof(buf) - 1, false);
	fprintf(out, "  %-7s reads page 1: \"%s\"\n", who, buf);
}

#define TOUR_THP 0x7f0000200000UL	/* 2 MiB aligned */

/* A transparent huge page: MADV_HUGEPAGE, one write, one PMD mapping 2 MiB. */
static void tour_thp(struct machine *m, FILE *out, struct mm_task *task)
{
	struct mm_struct *mm = mm_task_mm(task);
	int pid = mm_task_pid(task);

	fprintf(out, "Transparent huge pages (THP \"madvise\", the default): pid %d maps 2 MiB at %#lx,\n"
		     "marks it MADV_HUGEPAGE, and writes one byte. The fault maps one 2 MiB folio with a\n"
		     "single PMD entry (and deposits a PTE table for a later split):\n\n", pid, TOUR_THP);
	mm_mmap(mm, TOUR_THP, 2UL << 20, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
	mm_madvise(mm, TOUR_THP, 2UL << 20, MADV_HUGEPAGE);
	mm_touch(mm, TOUR_THP, true);
	show_lines(m, out, pid, "smaps", "7f0000200000-", "Rss:", "Rss:");
	show_lines(m, out, pid, "smaps", "7f0000200000-", "AnonHugePages:", "AnonHugePages:");
	show_lines(m, out, pid, "smaps", "7f0000200000-", "THPeligible:", "THPeligible:");
	fprintf(out, "\n$ grep AnonHugePages /proc/meminfo\n");
	{
		char buf[8192];
		const char *l;

		if (mmlab_proc_read(m, "meminfo", buf, sizeof(buf)) > 0 &&
		    (l = strstr(buf, "AnonHugePages:")) != NULL)
			fprintf(out, "%.*s\n", (int)(strcspn(l, "\n")), l);
	}
	fprintf(out, "\nmunmap of one 4 KiB page inside it splits the PMD into 512 PTEs (thp_split_pmd):\n\n");
	mm_munmap(mm, TOUR_THP + 4096, 4096);
	show_lines(m, out, pid, "smaps", "7f0000200000-", "AnonHugePages:", "AnonHugePages:");
	fputc('\n', out);
}

int tour_pages(struct machine *m, FILE *out)
{
	static const char parent_msg[] = "written by the parent", child_msg[] = "the child's copy";
	struct mm_exec_args args = { 0 };
	struct mm_task *task, *child;
	struct mm_struct *mm, *cmm;
	int err, pid;
	long a;

	err = mm_task_exec_new(m, 0, &args, &task);
	if (err)
		return err;
	mm = mm_task_mm(task);
	pid = mm_task_pid(task);
	a = mm_mmap(mm, TOUR_ADDR, 4 * 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
	if (a < 0) {
		mm_task_exit(task);
		return (int)a;
	}
	fprintf(out, "A new process (pid %d) maps 16 KiB of private anonymous memory at %#lx: no page\n"
		     "tables and no frames yet. A read of page 0 faults in the shared zero page (read-only,\n"
		     "not counted in RSS); a write to page 1 faults in a zeroed frame of its own:\n\n",
		pid, (unsigned long)a);
	show_pagemap(m, out, pid, "before", 4);
	mm_touch(mm, TOUR_ADDR, false);
	access_process_vm(mm, TOUR_ADDR + 4096, (void *)parent_msg, sizeof(parent_msg), true);
	show_pagemap(m, out, pid, "after", 4);

	err = mm_task_clone(task, 0, 0, &child);
	if (err) {
		mm_task_exit(task);
		return err;
	}
	cmm = mm_task_mm(child);
	fprintf(out, "\nfork: the child (pid %d) maps the same frames; copy_page_range made both PTEs of\n"
		     "page 1 read-only, and the frame is no longer exclusive (mapcount 2):\n\n",
		mm_task_pid(child));
	show_pagemap(m, out, pid, "parent", 2);
	show_pagemap(m, out, mm_task_pid(child), "child", 2);
	fprintf(out, "\nThe reverse map finds both mappings from the frame: its anon_vma (the parent's) lists\n"
		     "the child's VMA too, which fork linked to it and gave an anon_vma of its own:\n\n");
	show_rmap(m, out, pid, TOUR_ADDR + 4096);
	fprintf(out, "\nIn smaps the shared frame is Shared_Dirty, and each process's Pss gets half of it\n"
		     "(the zero page is not Rss at all):\n\n");
	show_lines(m, out, pid, "smaps", NULL, "7f0000000000-", "VmFlags:");
	fprintf(out, "\nThe child writes page 1: a write-protect fault, do_wp_page copies the frame's\n"
		     "bytes into a new one for the child (copy-on-write); each process now reads its own:\n\n");
	access_process_vm(cmm, TOUR_ADDR + 4096, (void *)child_msg, sizeof(child_msg), true);
	show_pagemap(m, out, pid, "parent", 2);
	show_pagemap(m, out, mm_task_pid(child), "child", 2);
	show_bytes(mm, out, "parent", TOUR_ADDR + 4096);
	show_bytes(cmm, out, "child", TOUR_ADDR + 4096);
	fprintf(out, "\nThe copy lives in the child's own anon_vma; the reverse map of each frame finds one\n"
		     "process now:\n\n");
	show_rmap(m, out, pid, TOUR_ADDR + 4096);
	show_rmap(m, out, mm_task_pid(child), TOUR_ADDR + 4096);
	fprintf(out, "\nNow the frame is the parent's alone again, and the child's copy is its own:\n\n");
	show_lines(m, out, mm_task_pid(child), "smaps", "7f0000000000-", "Rss:", "Private_Dirty:");
	fputc('\n', out);
	show_lines(m, out, mm_task_pid(child), "status", NULL, "VmHWM:", "RssShmem:");
	show_lines(m, out, mm_task_pid(child), "status", NULL, "VmPTE:", "VmPTE:");
	fputc('\n', out);
	mm_task_exit(child);
	tour_thp(m, out, task);
	mm_task_exit(task);
	return 0;
}
