/*
 * pid_maps.c - /proc/PID/maps, byte-exact to fs/proc/task_mmu.c:
 *
 *   "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu " then, if the VMA has a name, spaces up to
 *   column 73 (seq_setwidth(25 + 6 * sizeof(long)) then seq_pad) and the name; then "\n".
 *
 * Names: a file's path (shmem of shared anonymous memory: "/dev/zero (deleted)"), [vvar],
 * [vvar_vclock], [vdso], [heap] (an anonymous VMA meeting [start_brk, brk]), [stack] (the one
 * holding start_stack), [anon:NAME]; the [vsyscall] gate page last. The offset column is the
 * file offset (0 for anonymous VMAs); the s/p column is VM_MAYSHARE.
 */
#include "proc/proc.h"
#include "phys/mmzone.h"
#include "vm/internal.h"

void proc_maps_line(struct seq_buf *s, unsigned long start, unsigned long end,
		      unsigned long flags, unsigned long long pgoff, unsigned int major,
		      unsigned int minor, unsigned long ino, const char *name, const char *name2)
{
	size_t line_start = s->len;

	seq_printf(s, "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu ", start, end,
		   flags & VM_READ ? 'r' : '-', flags & VM_WRITE ? 'w' : '-',
		   flags & VM_EXEC ? 'x' : '-', flags & VM_MAYSHARE ? 's' : 'p', pgoff, major,
		   minor, ino);
	if (name) {
		size_t width = 25 + 6 * sizeof(long) - 1, used = s->len - line_start;

		for (; used < width; used++)
			seq_putc(s, ' ');
		seq_putc(s, ' ');
		seq_puts(s, name);
		if (name2) {
			seq_puts(s, name2);
			seq_putc(s, ']');
		}
	}
	seq_putc(s, '\n');
}

void proc_maps_vma(struct seq_buf *s, struct mm_struct *mm, const struct vm_area_struct *vma)
{
	const struct mm_file *f = vma->vm_file;
	const char *name = NULL, *name2 = NULL;

	if (f) {
		proc_maps_line(s, vma->vm_start, vma->vm_end, vma->vm_flags,
			  (unsigned long long)vma->vm_pgoff << PAGE_SHIFT, f->inode->dev_major,
			  f->inode->dev_minor, f->inode->ino, f->path, NULL);
		return;
	}
	switch (vma->special) {
	case VMA_VDSO:
		name = "[vdso]";
		break;
	case VMA_VVAR:
		name = "[vvar]";
		break;
	case VMA_VVAR_VCLOCK:
		name = "[vvar_vclock]";
		break;
	default:
		if (vma->vm_start < mm->brk && vma->vm_end > mm->start_brk)	/* vma_is_initial_heap */
			name = "[heap]";
		else if (vma->vm_start <= mm->start_stack && vma->vm_end >= mm->start_stack)
			name = "[stack]";
		else if (vma->anon_name) {
			name = "[anon:";
			name2 = vma->anon_name;
		}
	}
	proc_maps_line(s, vma->vm_start, vma->vm_end, vma->vm_flags, 0, 0, 0, 0, name, name2);
}

void mm_show_maps(struct mm_struct *mm, struct seq_buf *s)
{
	const struct vm_area_struct *vma;

	for (vma = mm->mmap; vma; vma = vma->vm_next)
		proc_maps_vma(s, mm, vma);
	if (mm->vsyscall)
		proc_maps_line(s, 0xffffffffff600000UL, 0xffffffffff601000UL, VM_EXEC, 0, 0, 0, 0,
			  "[vsyscall]", NULL);
}

long mm_maps_read(struct mm_struct *mm, char *buf, size_t size)
{
	struct seq_buf s;

	seq_buf_init(&s, buf, size);
	mm_down_read(&mm->mmap_lock);
	mm_show_maps(mm, &s);
	mm_up_read(&mm->mmap_lock);
	return (long)s.len;
}

static long maps_read(void *mm, char *buf, size_t size)
{
	return mm_maps_read(mm, buf, size);
}

int mm_maps_print(struct mm_struct *mm, FILE *out)
{
	return proc_print(maps_read, mm, out);
}

int proc_pid_maps_show(struct machine *m, int pid, struct seq_buf *s)
{
	struct mm_task *t = m->vm ? mm_task_find(m, pid) : NULL;

	if (!t)
		return -ESRCH;
	mm_down_read(&t->mm->mmap_lock);
	mm_show_maps(t->mm, s);
	mm_up_read(&t->mm->mmap_lock);
	return 0;
}
