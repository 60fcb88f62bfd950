/*
 * tour_vm.c - the tour's address-space section: a process is exec'd, maps and unmaps memory,
 * splits and merges VMAs with mprotect, grows its heap with brk, forks; /proc/PID/maps and
 * /proc/PID/status after each step show what the kernel would show.
 */
#include <mmlab/mmlab.h>

#include "cli.h"

static void show_maps(struct machine *m, FILE *out, int pid)
{
	char name[32];

	snprintf(name, sizeof(name), "%d/maps", pid);
	fprintf(out, "$ cat /proc/%s\n", name);
	mmlab_proc_print(m, name, out);
	fputc('\n', out);
}

int tour_vm(struct machine *m, FILE *out)
{
	struct mm_exec_args args = { 0 };
	struct mm_task *task, *child;
	struct mm_struct *mm;
	unsigned long brk1, brk2;
	long a, b;
	int err;

	err = mm_task_exec_new(m, 0, &args, &task);
	if (err)
		return err;
	mm = mm_task_mm(task);
	mm_set_brk_start(mm, 0x555555559000UL);
	fprintf(out, "A new process (pid %d) as execve leaves it without ASLR: mmap_base is TASK_SIZE\n"
		     "minus a gap of max(RLIMIT_STACK + stack_guard_gap, 128 MiB), the vDSO sits just\n"
		     "below it, the 132 KiB stack at the top.\n\n", mm_task_pid(task));
	show_maps(m, out, mm_task_pid(task));

	a = mm_mmap(mm, 0, 2UL << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	b = mm_mmap(mm, 0, 16384, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	fprintf(out, "mmap(NULL, 2 MiB) = %#lx (THP-aligned: a multiple of 2 MiB), then mmap(NULL, 16 KiB)\n"
		     "= %#lx, placed top-down. mprotect(PROT_READ) on the middle 4 KiB of the 16 KiB\n"
		     "splits it in three; mprotect back to PROT_READ|PROT_WRITE merges it again:\n\n", a, b);
	mm_mprotect(mm, (unsigned long)b + 4096, 4096, PROT_READ);
	show_maps(m, out, mm_task_pid(task));
	mm_mprotect(mm, (unsigned long)b + 4096, 4096, PROT_READ | PROT_WRITE);
	brk1 = mm_brk(mm, 0x555555559005UL);
	brk2 = mm_brk(mm, 0x555555559000UL + 0x21000);
	fprintf(out, "brk grows the [heap] VMA page by page (the break itself moves by bytes):\n"
		     "brk(start + 5) = %#lx, brk(start + 132 KiB) = %#lx.\n", brk1, brk2);
	fprintf(out, "Errors come in the kernel's order: munmap(addr + 1) = %d, mmap(len 0) = %ld,\n"
		     "mmap(MAP_FIXED_NOREPLACE over a mapping) = %ld, mremap growing into a neighbour\n"
		     "without MREMAP_MAYMOVE = %ld.\n\n", mm_munmap(mm, (unsigned long)a + 1, 4096),
		mm_mmap(mm, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0),
		mm_mmap(mm, (unsigned long)b, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
			MAP_FIXED_NOREPLACE, NULL, 0),
		mm_mremap(mm, (unsigned long)b, 16384, 3UL << 20, 0, 0));
	mm_madvise(mm, (unsigned long)b, 16384, MADV_DONTFORK);
	err = mm_task_clone(task, 0, 0, &child);
	if (!err) {
		fprintf(out, "fork after madvise(MADV_DONTFORK) on the 16 KiB mapping: the child (pid %d)\n"
			     "has everything but that mapping.\n\n", mm_task_pid(child));
		show_maps(m, out, mm_task_pid(child));
		mm_task_exit(child);
	}
	fprintf(out, "$ cat /proc/%d/status (the lines this layer knows)\n", mm_task_pid(task));
	{
		char name[32];

		snprintf(name, sizeof(name), "%d/status", mm_task_pid(task));
		mmlab_proc_print(m, name, out);
	}
	fputc('\n', out);
	mm_task_exit(task);
	return 0;
}
