/*
 * pid_status.c - the lines of /proc/PID/status that the address-space layer knows, in the
 * kernel's format ("%s:\t%8lu kB\n" for the Vm* lines, task_mem() in fs/proc/task_mmu.c):
 * Name, Pid, VmPeak, VmSize, VmLck, VmPin, VmHWM, VmRSS, RssAnon, RssFile, RssShmem, VmData,
 * VmStk, VmExe, VmLib, VmPTE, VmSwap, Threads. VmRSS is RssAnon + RssFile + RssShmem from the
 * mm's RSS counters (exact, as task_mem reads them with get_mm_counter_sum since 6.16); VmHWM
 * is the larger of VmRSS and the RSS before its last drop (update_hiwater_rss); VmPTE is the
 * bytes of page tables below the top one. File and shared mappings have no pages yet, so
 * RssFile and RssShmem stay 0. The other lines of the real file (credentials, signals, ...)
 * are not produced.
 */
#include "proc/proc.h"
#include "phys/mmzone.h"
#include "vm/internal.h"

static void show_kb(struct seq_buf *s, const char *name, unsigned long pages)
{
	seq_printf(s, "%s:\t%8lu kB\n", name, pages << (PAGE_SHIFT - 10));
}

int proc_pid_status_show(struct machine *m, int pid, struct seq_buf *s)
{
	struct mm_task *t = m->vm ? mm_task_find(m, pid) : NULL;
	struct mm_struct *mm;
	unsigned long text, lib, anon, file, shmem, rss;

	if (!t)
		return -ESRCH;
	mm = t->mm;
	mm_down_read(&mm->mmap_lock);
	text = (PAGE_ALIGN(mm->end_code) - (mm->start_code & PAGE_MASK)) >> PAGE_SHIFT;
	lib = mm->exec_vm > text ? mm->exec_vm - text : 0;
	anon = get_mm_counter(mm, MM_ANONPAGES);
	file = get_mm_counter(mm, MM_FILEPAGES);
	shmem = get_mm_counter(mm, MM_SHMEMPAGES);
	rss = anon + file + shmem;
	seq_printf(s, "Name:\t%s\nPid:\t%d\n", t->comm, t->pid);
	show_kb(s, "VmPeak", MAX(mm->hiwater_vm, mm->total_vm));
	show_kb(s, "VmSize", mm->total_vm);
	show_kb(s, "VmLck", mm->locked_vm);
	show_kb(s, "VmPin", mm->pinned_vm);
	show_kb(s, "VmHWM", MAX(mm->hiwater_rss, rss));
	show_kb(s, "VmRSS", rss);
	show_kb(s, "RssAnon", anon);
	show_kb(s, "RssFile", file);
	show_kb(s, "RssShmem", shmem);
	show_kb(s, "VmData", mm->data_vm);
	show_kb(s, "VmStk", mm->stack_vm);
	show_kb(s, "VmExe", text);
	show_kb(s, "VmLib", lib);
	seq_printf(s, "VmPTE:\t%8lu kB\n", mm->pgtables_bytes >> 10);
	show_kb(s, "VmSwap", 0);
	seq_printf(s, "Threads:\t%d\n", atomic_load(&mm->mm_users));
	mm_up_read(&mm->mmap_lock);
	return 0;
}
