/*
 * msync.c - msync(2).
 *
 * Model (mm/msync.c): bad flags, unaligned start, MS_ASYNC with MS_SYNC: EINVAL; a length that
 * wraps: ENOMEM; len 0: success. Holes in the range are skipped and reported as ENOMEM at the
 * end (MS_ASYNC alone stops at the first hole with ENOMEM); MS_INVALIDATE on a VM_LOCKED VMA is
 * EBUSY. Writing back is a no-op here: there is no page cache yet.
 */
#include "vm/internal.h"

static int do_msync(struct mm_struct *mm, unsigned long start, unsigned long len, int flags)
{
	struct vm_area_struct *vma;
	int unmapped_error = 0;
	unsigned long end;

	if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
		return -EINVAL;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if ((flags & MS_ASYNC) && (flags & MS_SYNC))
		return -EINVAL;
	len = (len + ~PAGE_MASK) & PAGE_MASK;
	end = start + len;
	if (end < start)
		return -ENOMEM;
	if (end == start)
		return 0;
	vma = find_vma(mm, start);
	for (;;) {
		if (!vma)
			return -ENOMEM;
		if (start < vma->vm_start) {
			if (flags == MS_ASYNC)
				return -ENOMEM;
			start = vma->vm_start;
			if (start >= end)
				return -ENOMEM;
			unmapped_error = -ENOMEM;
		}
		if ((flags & MS_INVALIDATE) && (vma->vm_flags & VM_LOCKED))
			return -EBUSY;
		start = vma->vm_end;
		if (start >= end)
			return unmapped_error;
		vma = find_vma(mm, start);
	}
}

int mm_msync(struct mm_struct *mm, unsigned long start, unsigned long len, int flags)
{
	int err;

	mm_down_read(&mm->mmap_lock);
	err = do_msync(mm, start, len, flags);
	mm_up_read(&mm->mmap_lock);
	return err;
}
