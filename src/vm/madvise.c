/*
 * madvise.c - madvise(2): every advice value of Linux 6.18.
 *
 * Model (mm/madvise.c): the advice must be known (EINVAL), start page aligned and start + len
 * not wrapping (EINVAL); len 0 is a no-op. The walk visits the mapped parts of [start, end) in
 * order; a hole is remembered as ENOMEM and the walk goes on, so the advice is applied to
 * everything mapped and then ENOMEM returned; a VMA that refuses the advice stops the walk with
 * that VMA's error; POPULATE_READ/WRITE instead stop at the first hole with ENOMEM, as the
 * kernel's populate faults the range in order. Advice that changes vm_flags (NORMAL, SEQUENTIAL, RANDOM, DONTFORK, DOFORK,
 * WIPEONFORK, KEEPONFORK, DONTDUMP, DODUMP, MERGEABLE, UNMERGEABLE, HUGEPAGE, NOHUGEPAGE) splits
 * and merges VMAs like mprotect; a split refused at max_map_count is EAGAIN here. The advice
 * about pages (DONTNEED, FREE, COLD, PAGEOUT, WILLNEED, POPULATE_*, REMOVE, COLLAPSE, GUARD_*)
 * checks what the kernel checks and changes residency only. MADV_HWPOISON and MADV_SOFT_OFFLINE
 * are EINVAL, as on a kernel without CONFIG_MEMORY_FAILURE (the reference host's).
 */
#include "vm/internal.h"

static bool behavior_valid(int b)
{
	switch (b) {
	case MADV_DOFORK: case MADV_DONTFORK: case MADV_NORMAL: case MADV_SEQUENTIAL:
	case MADV_RANDOM: case MADV_REMOVE: case MADV_WILLNEED: case MADV_DONTNEED:
	case MADV_DONTNEED_LOCKED: case MADV_FREE: case MADV_COLD: case MADV_PAGEOUT:
	case MADV_POPULATE_READ: case MADV_POPULATE_WRITE: case MADV_GUARD_INSTALL:
	case MADV_GUARD_REMOVE: case MADV_MERGEABLE: case MADV_UNMERGEABLE:
	case MADV_HUGEPAGE: case MADV_NOHUGEPAGE: case MADV_COLLAPSE: case MADV_DONTDUMP:
	case MADV_DODUMP: case MADV_WIPEONFORK: case MADV_KEEPONFORK:
		return true;
	default:
		return false;
	}
}

static int update_vma(struct mm_struct *mm, struct vm_area_struct *vma,
		      struct vm_area_struct **prev, unsigned long start, unsigned long end,
		      unsigned long new_flags)
{
	long err;

	if (new_flags == vma->vm_flags) {
		*prev = vma;
		return 0;
	}
	err = vma_modify_flags(mm, vma, start, end, new_flags, prev);
	return err == -ENOMEM ? -EAGAIN : (int)err;
}

static bool ksm_compatible(const struct vm_area_struct *vma)
{
	return !(vma->vm_flags & (VM_SHARED | VM_MAYSHARE | VM_PFNMAP | VM_IO | VM_DONTEXPAND |
				  VM_HUGETLB | VM_MIXEDMAP | VM_DROPPABLE)) &&
	       vma->special == VMA_NORMAL;
}

/* Does @behavior change vm_flags (split and merge like mprotect), rather than pages? */
static bool advice_changes_flags(int behavior)
{
	switch (behavior) {
	case MADV_NORMAL: case MADV_SEQUENTIAL: case MADV_RANDOM: case MADV_DONTFORK:
	case MADV_DOFORK: case MADV_WIPEONFORK: case MADV_KEEPONFORK: case MADV_DONTDUMP:
	case MADV_DODUMP: case MADV_MERGEABLE: case MADV_UNMERGEABLE: case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
		return true;
	default:
		return false;
	}
}

/*
 * Advice about the pages of [start, end) of @vma: what the kernel checks for each, then the
 * change to the pages (zapped by MADV_DONTNEED; faulted in by MADV_POPULATE_*). 0 or the errno.
 */
static int madvise_pages(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long start,
			 unsigned long end, int behavior)
{
	switch (behavior) {
	case MADV_REMOVE:
		if (vma->vm_flags & VM_LOCKED)
			return -EINVAL;
		if (!vma->vm_file || vma->vm_file->kind != MM_FILE_REGULAR)
			return -EINVAL;
		if ((vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) != (VM_SHARED | VM_MAYWRITE))
			return -EACCES;
		vma->populated = false;
		return 0;
	case MADV_COLD:
	case MADV_PAGEOUT:
		if (vma->vm_flags & (VM_LOCKED | VM_PFNMAP | VM_HUGETLB))
			return -EINVAL;
		if (behavior == MADV_PAGEOUT)
			vma->populated = false;
		if (vma_has_pages(vma))
			vm_advise_pages(mm, start, end, behavior);
		return 0;
	case MADV_FREE:
	case MADV_DONTNEED:
	case MADV_DONTNEED_LOCKED:
		if (vma->vm_flags & (VM_PFNMAP | (behavior == MADV_DONTNEED_LOCKED ? 0 : VM_LOCKED)))
			return -EINVAL;
		if (behavior == MADV_FREE && !vma_is_anonymous(vma))
			return -EINVAL;
		/* MADV_FREE pages stay mapped until reclaim (MADV_PAGEOUT) wants them */
		if (behavior != MADV_FREE)
			zap_page_range(mm, start, end);
		else if (vma_has_pages(vma))
			vm_advise_pages(mm, start, end, MADV_FREE);
		if (start == vma->vm_start && end == vma->vm_end)
			vma->populated = false;
		return 0;
	case MADV_GUARD_INSTALL:
	case MADV_GUARD_REMOVE:
		if (vma->vm_flags & (VM_SPECIAL | VM_HUGETLB |
				     (behavior == MADV_GUARD_INSTALL ? VM_LOCKED : 0)))
			return -EINVAL;
		return 0;
	case MADV_COLLAPSE:
		if ((vma->vm_flags & (VM_SPECIAL | VM_NOHUGEPAGE)) || vma->vm_file)
			return -EINVAL;
		return vm_collapse_range(vma, start, end);
	default:	/* MADV_WILLNEED: nothing to read ahead */
		return 0;
	}
}

/* The flags @behavior gives @vma, in *@flags; 0 or the errno of a VMA that refuses it. */
static int madvise_new_flags(const struct vm_area_struct *vma, int behavior,
			     unsigned long *flags)
{
	unsigned long f = vma->vm_flags;

	switch (behavior) {
	case MADV_NORMAL:
		f &= ~(VM_RAND_READ | VM_SEQ_READ);
		break;
	case MADV_SEQUENTIAL:
		f = (f & ~VM_RAND_READ) | VM_SEQ_READ;
		break;
	case MADV_RANDOM:
		f = (f & ~VM_SEQ_READ) | VM_RAND_READ;
		break;
	case MADV_DONTFORK:
		f |= VM_DONTCOPY;
		break;
	case MADV_DOFORK:
		if (f & VM_IO)
			return -EINVAL;
		f &= ~VM_DONTCOPY;
		break;
	case MADV_WIPEONFORK:
		if (vma->vm_file || (f & VM_SHARED))
			return -EINVAL;
		f |= VM_WIPEONFORK;
		break;
	case MADV_KEEPONFORK:
		if (f & VM_DROPPABLE)
			return -EINVAL;
		f &= ~VM_WIPEONFORK;
		break;
	case MADV_DONTDUMP:
		f |= VM_DONTDUMP;
		break;
	case MADV_DODUMP:
		if ((f & VM_SPECIAL) || (f & VM_DROPPABLE))
			return -EINVAL;
		f &= ~VM_DONTDUMP;
		break;
	case MADV_MERGEABLE:
		if (!(f & VM_MERGEABLE) && ksm_compatible(vma))
			f |= VM_MERGEABLE;
		break;
	case MADV_UNMERGEABLE:
		f &= ~VM_MERGEABLE;
		break;
	case MADV_HUGEPAGE:
		f = (f & ~VM_NOHUGEPAGE) | VM_HUGEPAGE;
		break;
	case MADV_NOHUGEPAGE:
		f = (f & ~VM_HUGEPAGE) | VM_NOHUGEPAGE;
		break;
	}
	*flags = f;
	return 0;
}

/* One VMA piece [start, end) of the walk. *prev is the VMA the walk continues after. */
static int madvise_vma(struct mm_struct *mm, struct vm_area_struct *vma,
		       struct vm_area_struct **prev, unsigned long start, unsigned long end,
		       int behavior)
{
	unsigned long new_flags;
	int err;

	*prev = vma;
	if (!advice_changes_flags(behavior))
		return madvise_pages(mm, vma, start, end, behavior);
	err = madvise_new_flags(vma, behavior, &new_flags);
	if (err)
		return err;
	return update_vma(mm, vma, prev, start, end, new_flags);
}

static int madvise_walk(struct mm_struct *mm, unsigned long start, unsigned long end,
			int behavior)
{
	struct vm_area_struct *vma, *prev = NULL;
	int unmapped_error = 0, error;
	unsigned long tmp;

	vma = find_vma(mm, start);
	for (;;) {
		if (!vma)
			return -ENOMEM;
		if (start < vma->vm_start) {
			/*
			 * POPULATE_(READ|WRITE) fault the range in order and stop at the first
			 * hole (the kernel's madvise_populate(): no VMA is -ENOMEM), before any
			 * VMA beyond it can refuse.
			 */
			if (behavior == MADV_POPULATE_READ || behavior == MADV_POPULATE_WRITE)
				return -ENOMEM;
			unmapped_error = -ENOMEM;
			start = vma->vm_start;
			if (start >= end)
				break;
		}
		tmp = MIN(vma->vm_end, end);
		error = madvise_vma(mm, vma, &prev, start, tmp, behavior);
		if (error)
			return error;
		start = tmp;
		if (prev && start < prev->vm_end)
			start = prev->vm_end;
		if (start >= end)
			break;
		vma = find_vma(mm, prev ? prev->vm_end : start);
	}
	return unmapped_error;
}

/*
 * MADV_POPULATE_READ/WRITE (madvise_populate, faultin_page_range with FOLL_MADV_POPULATE): no
 * VMA walk, but GUP's faults page by page in ascending order, looking the VMA up at each VMA
 * boundary; the first failure ends it with what came before populated: no VMA -ENOMEM, an
 * incompatible VMA or permission -EINVAL, a fault that would be SIGBUS (past the end of the
 * file) -EFAULT.
 */
static int madvise_populate(struct mm_struct *mm, unsigned long start, unsigned long end,
			    bool write)
{
	while (start < end) {
		struct vm_area_struct *vma = vma_lookup(mm, start);
		unsigned long stop, in_file;
		int err;

		if (!vma)
			return -ENOMEM;
		if ((vma->vm_flags & (VM_IO | VM_PFNMAP)) ||
		    !(vma->vm_flags & (write ? VM_WRITE : VM_READ)))
			return -EINVAL;
		stop = MIN(end, vma->vm_end);
		in_file = vma_pages_in_file(vma);
		if (in_file < (stop - vma->vm_start) >> PAGE_SHIFT)
			stop = MAX(vma->vm_start + (in_file << PAGE_SHIFT), start);
		err = vm_populate_vma(vma, start, stop, write);
		if (err)
			return err;
		if (stop < MIN(end, vma->vm_end))
			return -EFAULT;		/* SIGBUS past the end of the file */
		start = stop;
	}
	return 0;
}

int mm_madvise(struct mm_struct *mm, unsigned long start, unsigned long len_in, int advice)
{
	unsigned long len, end;
	int err;

	if (!behavior_valid(advice))
		return -EINVAL;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	len = PAGE_ALIGN(len_in);
	if (len_in && !len)
		return -EINVAL;
	end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	mm_down_write(&mm->mmap_lock);
	if (advice == MADV_POPULATE_READ || advice == MADV_POPULATE_WRITE) {
		err = madvise_populate(mm, start, end, advice == MADV_POPULATE_WRITE);
		lru_add_drain(mm->machine);	/* faultin_page_range's, whatever GUP found */
	}
	else
		err = madvise_walk(mm, start, end, advice);
	vm_debug_check_mm(mm);
	mm_up_write(&mm->mmap_lock);
	return err;
}
