/*
 * fork.c - fork's copy of an address space (dup_mm, dup_mmap).
 *
 * Model (kernel/fork.c, dup_mmap): the child gets the parent's layout, limits and capabilities,
 * and a copy of every VMA but those marked VM_DONTCOPY (MADV_DONTFORK). A copy
 *   - drops the VM_LOCKED class (mlock is not inherited; mm->def_flags keeps only
 *     VM_NOHUGEPAGE),
 *   - shares the file (one more reference) and keeps the anonymous name (a private copy),
 *   - is linked to the parent's anon_vmas and gets one of its own (rmap.c, anon_vma_fork), so
 *     its chain is longer than one and it never merges with a fresh neighbour; a
 *     VM_WIPEONFORK VMA gets none and starts unpopulated,
 *   - is charged again to Committed_AS if it was charged (VM_ACCOUNT).
 * The page tables of private anonymous VMAs are copied (memory.c, copy_page_range): both
 * processes map the same frames write-protected until one of them writes (copy-on-write).
 * The parent's VMAs are never changed (its PTEs lose write permission, as in the kernel): a
 * copy that cannot be made frees the child whole (-ENOMEM).
 */
#include "vm/internal.h"

#include <mmlab/mm.h>

static int dup_mmap(struct mm_struct *mm, struct mm_struct *oldmm)
{
	struct vm_area_struct *mpnt;
	int err;

	for (mpnt = oldmm->mmap; mpnt; mpnt = mpnt->vm_next) {
		struct vm_area_struct *tmp;

		if (mpnt->vm_flags & VM_DONTCOPY)
			continue;
		if ((mpnt->vm_flags & VM_ACCOUNT) && vm_enough_memory(oldmm, (long)vma_pages(mpnt)))
			return -ENOMEM;
		err = vma_prealloc(mm, 1);
		tmp = err ? NULL : vm_area_dup(mm, mpnt);
		if (!tmp) {
			if (mpnt->vm_flags & VM_ACCOUNT)
				vm_unacct_memory(mm->machine, (long)vma_pages(mpnt));
			return err ? err : -ENOMEM;
		}
		tmp->vm_flags &= ~VM_LOCKED_MASK;
		if (mpnt->vm_flags & VM_WIPEONFORK) {
			tmp->populated = false;
		} else if (anon_vma_fork(tmp, mpnt)) {
			vm_area_free(mm, tmp);
			if (mpnt->vm_flags & VM_ACCOUNT)
				vm_unacct_memory(mm->machine, (long)vma_pages(mpnt));
			return -ENOMEM;
		}
		vma_link(mm, tmp);
		if (!(mpnt->vm_flags & VM_WIPEONFORK)) {
			err = copy_page_range(tmp, mpnt);
			if (err)
				return err;	/* the caller frees the child, pages and all */
		}
	}
	return 0;
}

struct mm_struct *dup_mm(struct mm_struct *oldmm, int *err)
{
	struct mm_struct *mm = mm_alloc(oldmm->machine);
	int e;

	if (!mm) {
		*err = -ENOMEM;
		return NULL;
	}
	mm_down_write(&oldmm->mmap_lock);
	mm->task_size = oldmm->task_size;
	mm->mmap_base = oldmm->mmap_base;
	mm->mmap_legacy_base = oldmm->mmap_legacy_base;
	mm->legacy_layout = oldmm->legacy_layout;
	mm->vsyscall = oldmm->vsyscall;
	mm->start_code = oldmm->start_code;
	mm->end_code = oldmm->end_code;
	mm->start_data = oldmm->start_data;
	mm->end_data = oldmm->end_data;
	mm->start_brk = oldmm->start_brk;
	mm->brk = oldmm->brk;
	mm->start_stack = oldmm->start_stack;
	mm->arg_start = oldmm->arg_start;
	mm->arg_end = oldmm->arg_end;
	mm->env_start = oldmm->env_start;
	mm->env_end = oldmm->env_end;
	mm->def_flags = oldmm->def_flags & VM_NOHUGEPAGE;
	memcpy(mm->rlim_cur, oldmm->rlim_cur, sizeof(mm->rlim_cur));
	memcpy(mm->rlim_max, oldmm->rlim_max, sizeof(mm->rlim_max));
	mm->caps = oldmm->caps;
	e = dup_mmap(mm, oldmm);
	mm->hiwater_vm = mm->total_vm;
	mm_up_write(&oldmm->mmap_lock);
	if (e) {
		mm_free(mm);
		*err = e;
		return NULL;
	}
	mmlist_add(mm);
	*err = 0;
	return mm;
}

