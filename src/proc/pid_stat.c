/*
 * pid_stat.c - /proc/PID/stat and /proc/PID/statm in the kernel's layout (do_task_stat and
 * proc_pid_statm in fs/proc/array.c, task_statm in fs/proc/task_mmu.c).
 *
 * statm: "size resident shared text lib data dt\n" in pages: total_vm, RSS (anonymous + file
 * + shmem), file + shmem, the text segment, 0, data_vm + stack_vm, 0.
 *
 * stat: the 52 fields of do_task_stat, one line. What the memory model knows is real: pid (1),
 * comm (2), minflt (10), majflt (12), num_threads (20: the mm's users), vsize (23: bytes),
 * rss (24: pages), rsslim (25: RLIMIT_RSS, never set: RLIM_INFINITY), startcode (26), endcode
 * (27), startstack (28), start_data/end_data/start_brk/arg_start/arg_end/env_start/env_end
 * (45-51). The rest is what a task that just started running alone on CPU 0 shows: state R,
 * no parent known to the model (ppid 0), its own process group and session, no terminal
 * (tpgid -1), task flags 0 (a task with ASLR on shows PF_RANDOMIZE there; the model does not
 * keep it), no CPU time, priority 20, nice 0, start time 0, no signals, exit_signal 17
 * (SIGCHLD), exit_code 0. The children's counts (cminflt, cmajflt) are 0.
 */
#include "proc/proc.h"
#include "phys/mmzone.h"
#include "vm/internal.h"

static unsigned long text_pages(const struct mm_struct *mm)
{
	return (PAGE_ALIGN(mm->end_code) - (mm->start_code & PAGE_MASK)) >> PAGE_SHIFT;
}

int proc_pid_statm_show(struct machine *m, int pid, struct seq_buf *s)
{
	struct mm_task *t = m->vm ? mm_task_find(m, pid) : NULL;
	struct mm_struct *mm;
	unsigned long shared;

	if (!t)
		return -ESRCH;
	mm = t->mm;
	mm_down_read(&mm->mmap_lock);
	shared = get_mm_counter(mm, MM_FILEPAGES) + get_mm_counter(mm, MM_SHMEMPAGES);
	seq_printf(s, "%lu %lu %lu %lu 0 %lu 0\n", mm->total_vm,
		   shared + get_mm_counter(mm, MM_ANONPAGES), shared, text_pages(mm),
		   mm->data_vm + mm->stack_vm);
	mm_up_read(&mm->mmap_lock);
	return 0;
}

int proc_pid_stat_show(struct machine *m, int pid, struct seq_buf *s)
{
	struct mm_task *t = m->vm ? mm_task_find(m, pid) : NULL;
	struct mm_struct *mm;

	if (!t)
		return -ESRCH;
	mm = t->mm;
	mm_down_read(&mm->mmap_lock);
	/* pid (comm) state ppid pgrp session tty_nr tpgid flags */
	seq_printf(s, "%d (%s) R 0 %d %d 0 -1 0 ", t->pid, t->comm, t->pid, t->pid);
	/* minflt cminflt majflt cmajflt utime stime cutime cstime priority nice */
	seq_printf(s, "%lu 0 %lu 0 0 0 0 0 20 0 ",
		   (unsigned long)atomic_load_explicit(&mm->min_flt, memory_order_relaxed),
		   (unsigned long)atomic_load_explicit(&mm->maj_flt, memory_order_relaxed));
	/* num_threads itrealvalue starttime vsize rss rsslim */
	seq_printf(s, "%d 0 0 %lu %lu %lu ", atomic_load(&mm->mm_users), mm->total_vm << PAGE_SHIFT,
		   get_mm_rss(mm), ~0UL);
	/* startcode endcode startstack kstkesp kstkeip signal blocked sigignore sigcatch wchan */
	seq_printf(s, "%lu %lu %lu 0 0 0 0 0 0 0 ", mm->start_code, mm->end_code, mm->start_stack);
	/* nswap cnswap exit_signal processor rt_priority policy blkio_ticks guest cguest */
	seq_puts(s, "0 0 17 0 0 0 0 0 0 ");
	/* start_data end_data start_brk arg_start arg_end env_start env_end exit_code */
	seq_printf(s, "%lu %lu %lu %lu %lu %lu %lu 0\n", mm->start_data, mm->end_data,
		   mm->start_brk, mm->arg_start, mm->arg_end, mm->env_start, mm->env_end);
	mm_up_read(&mm->mmap_lock);
	return 0;
}
