/*
 * seed.c - an address space rebuilt from a /proc/PID/maps snapshot (for replay).
 *
 * Model: each maps line becomes one VMA exactly as printed, linked without merging. The name
 * column decides what the kernel would have known: [vdso], [vvar] and [vvar_vclock] are the
 * special mappings, [stack] is VM_GROWSDOWN and charged, [heap] sets start_brk and brk,
 * [anon:NAME] is an anonymous name, [vsyscall] only turns the gate line on. Flags are what
 * mmap would give (VM_MAY* for a private mapping, VM_SHARED unless a read-only file mapped
 * shared); a writable private VMA is charged to Committed_AS and, having almost certainly been
 * written, gets an anon_vma. Every seeded VMA counts as populated.
 */
#include "vm/internal.h"

#include <mmlab/mm.h>

/* What mmap would have given a VMA shown with @prot, @flags, @file and the name column @name. */
static unsigned long seed_vm_flags(unsigned long prot, unsigned long flags,
				   const struct mm_file *file, const char *name,
				   enum vma_special_kind *kind)
{
	const unsigned long vvar_flags = VM_READ | VM_MAYREAD | VM_IO | VM_DONTDUMP | VM_PFNMAP |
					 VM_DONTEXPAND;
	unsigned long vm_flags = calc_vm_prot_bits(prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;

	*kind = VMA_NORMAL;
	if ((flags & MAP_TYPE) != MAP_PRIVATE) {
		vm_flags |= VM_MAYSHARE;
		if (!file || (file->open_flags & O_ACCMODE) != O_RDONLY)
			vm_flags |= VM_SHARED;
		else
			vm_flags &= ~VM_MAYWRITE;
	}
	if (name && !strcmp(name, "[vdso]")) {
		*kind = VMA_VDSO;
		vm_flags |= VM_DONTEXPAND;
	} else if (name && !strcmp(name, "[vvar]")) {
		*kind = VMA_VVAR;
		vm_flags = vvar_flags;
	} else if (name && !strcmp(name, "[vvar_vclock]")) {
		*kind = VMA_VVAR_VCLOCK;
		vm_flags = vvar_flags;
	} else if (name && !strcmp(name, "[stack]")) {
		vm_flags |= VM_GROWSDOWN | VM_ACCOUNT;
	} else if ((vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE) {
		vm_flags |= VM_ACCOUNT;		/* writable private: charged, as mmap would */
	}
	return vm_flags;
}

/* The anonymous name of a "[anon:NAME]" name column in *@out (NULL for others): 0 or -ENOMEM. */
static int seed_anon_name(struct machine *m, const char *name, char **out)
{
	size_t n;

	*out = NULL;
	if (!name || strncmp(name, "[anon:", 6))
		return 0;
	n = strlen(name);
	*out = anon_name_dup(m, name + 6, n > 7 ? n - 7 : 0);
	return *out ? 0 : -ENOMEM;
}

/* A [heap] line sets (or extends) the brk range; a [stack] line the stack start. */
static void seed_layout(struct mm_struct *mm, const char *name, unsigned long start,
			unsigned long end)
{
	if (name && !strcmp(name, "[heap]")) {
		if (mm->start_brk == 0 || mm->start_brk == mm->brk || start < mm->start_brk)
			mm->start_brk = start;
		mm->brk = end;
	} else if (name && !strcmp(name, "[stack]")) {
		mm->start_stack = end - PAGE_SIZE;
	}
}

int mm_seed_vma(struct mm_struct *mm, unsigned long start, unsigned long end,
		unsigned long prot, unsigned long flags, struct mm_file *file,
		unsigned long pgoff_bytes, const char *name)
{
	long pages = (long)((end - start) >> PAGE_SHIFT);
	enum vma_special_kind kind;
	struct vm_area_struct *vma;
	unsigned long vm_flags;
	char *anon_name;
	int err;

	if (name && !strcmp(name, "[vsyscall]")) {
		mm->vsyscall = true;
		return 0;
	}
	if (start >= end || (start | end | pgoff_bytes) & ~PAGE_MASK || end > mm->task_size)
		return -EINVAL;
	vm_flags = seed_vm_flags(prot, flags, file, name, &kind);
	mm_down_write(&mm->mmap_lock);
	err = -EEXIST;
	if (find_vma_intersection(mm, start, end))
		goto out;
	err = -ENOMEM;
	if ((vm_flags & VM_ACCOUNT) && vm_enough_memory(mm, pages))
		goto out;
	err = vma_prealloc(mm, 1);
	if (err)
		goto out_unacct;
	err = seed_anon_name(mm->machine, name, &anon_name);
	if (err)
		goto out_unacct;
	vma = vma_from_reserve(mm);
	vma->vm_start = start;
	vma->vm_end = end;
	vma->vm_flags = vm_flags | VM_SOFTDIRTY;
	vma->vm_pgoff = file ? pgoff_bytes >> PAGE_SHIFT : start >> PAGE_SHIFT;
	vma->vm_file = file ? mm_file_get(file) : NULL;
	vma->special = kind;
	vma->anon_name = anon_name;
	if (anon_name)
		mm->has_anon_names = true;
	/* What a snapshot shows was almost certainly touched: give writable private ones anon_vmas. */
	if ((vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE) {
		err = anon_vma_attach_new(vma);
		if (err) {
			vm_area_free(mm, vma);
			goto out_unacct;
		}
	}
	vma->populated = true;
	vma_link(mm, vma);
	seed_layout(mm, name, start, end);
	mm_up_write(&mm->mmap_lock);
	return 0;

out_unacct:
	if (vm_flags & VM_ACCOUNT)
		vm_unacct_memory(mm->machine, pages);
out:
	mm_up_write(&mm->mmap_lock);
	return err;
}
