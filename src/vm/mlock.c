/*
 * mlock.c - mlock, mlock2, munlock, mlockall, munlockall.
 *
 * Model (mm/mlock.c): VM_LOCKED (and VM_LOCKONFAULT for MLOCK_ONFAULT / MCL_ONFAULT) is set or
 * cleared VMA by VMA over the range, merging and splitting like mprotect; VM_SPECIAL and
 * VM_DROPPABLE VMAs are skipped silently. A hole returns ENOMEM after the VMAs before it were
 * changed. locked_vm follows VM_LOCKED (vm_stat_account). Without CAP_IPC_LOCK the request must
 * fit RLIMIT_MEMLOCK (pages already locked in the range are not counted twice): ENOMEM; a zero
 * limit is EPERM. Locked ranges are populated (resident) unless on-fault, and only once every
 * VMA of the range is locked: mlock populates after apply_vma_lock_flags() succeeded (a hole
 * leaves the VMAs before it locked but not faulted in, so they stay without an anon_vma and
 * can still merge), up to the first page that cannot be faulted in; mlockall(MCL_CURRENT)
 * populates everything afterwards, ignoring such failures.
 */
#include "vm/internal.h"

static int mlock_fixup(struct mm_struct *mm, struct vm_area_struct *vma,
		       struct vm_area_struct **out, unsigned long start, unsigned long end,
		       unsigned long newflags)
{
	long err;

	*out = vma;
	if (newflags == vma->vm_flags || (vma->vm_flags & (VM_SPECIAL | VM_DROPPABLE)))
		return 0;
	/* a change of VM_LOCKED walks the pages (mlock_vma_pages_range), draining first */
	if (!(newflags & vma->vm_flags & VM_LOCKED))
		lru_add_drain(mm->machine);
	err = vma_modify_flags(mm, vma, start, end, newflags, out);
	return (int)err;
}

int apply_vma_lock_flags(struct mm_struct *mm, unsigned long start, unsigned long len,
			 unsigned long flags)
{
	unsigned long end = start + len, nstart = start, tmp;
	struct vm_area_struct *vma, *done;
	int err;

	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	vma = vma_lookup(mm, start);
	if (!vma)
		return -ENOMEM;
	for (;;) {
		vma = find_vma(mm, nstart);
		if (!vma || vma->vm_start >= end)
			break;
		if (vma->vm_start > nstart)
			return -ENOMEM;
		tmp = MIN(vma->vm_end, end);
		err = mlock_fixup(mm, vma, &done, nstart, tmp,
				  (vma->vm_flags & ~VM_LOCKED_MASK) | flags);
		if (err)
			return err;
		nstart = tmp;
		if (nstart >= end)
			break;
	}
	return nstart < end ? -ENOMEM : 0;
}

/*
 * Where populating [start, end) stops: the first page whose fault fails (EFAULT, which mlock
 * reports as ENOMEM after locking), that is the start of a PROT_NONE VMA or a file page at or
 * beyond the end of the file (SIGBUS), or @end if every page can be faulted in.
 */
static unsigned long populate_fail_addr(struct mm_struct *mm, unsigned long start,
					unsigned long end)
{
	struct vm_area_struct *vma;

	for (vma = find_vma(mm, start); vma && vma->vm_start < end; vma = vma->vm_next) {
		unsigned long s = MAX(start, vma->vm_start), e = MIN(end, vma->vm_end);
		unsigned long in_file = vma_pages_in_file(vma);

		if (vma->vm_flags & (VM_SPECIAL | VM_DROPPABLE))
			continue;
		if (!(vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)))
			return s;
		if (((e - vma->vm_start) >> PAGE_SHIFT) > in_file)
			return MAX(s, vma->vm_start + (in_file << PAGE_SHIFT));
	}
	return end;
}

/* Pages of [start, start + len) already VM_LOCKED. */
static unsigned long count_mlocked(struct mm_struct *mm, unsigned long start, unsigned long len)
{
	unsigned long end = start + len, n = 0;
	struct vm_area_struct *vma;

	for (vma = find_vma(mm, start); vma && vma->vm_start < end; vma = vma->vm_next)
		if (vma->vm_flags & VM_LOCKED)
			n += (MIN(end, vma->vm_end) - MAX(start, vma->vm_start)) >> PAGE_SHIFT;
	return n;
}

static int do_mlock(struct mm_struct *mm, unsigned long start, unsigned long len,
		    unsigned long flags)
{
	unsigned long locked, lock_limit;
	int err;

	if (!can_do_mlock(mm))
		return -EPERM;
	len = PAGE_ALIGN(len + (start & ~PAGE_MASK));
	start &= PAGE_MASK;
	lock_limit = rlimit(mm, RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	locked = len >> PAGE_SHIFT;
	mm_down_write(&mm->mmap_lock);
	locked += mm->locked_vm;
	if (locked > lock_limit && !(mm->caps & MM_CAP_IPC_LOCK))
		locked -= count_mlocked(mm, start, len);
	if (locked <= lock_limit || (mm->caps & MM_CAP_IPC_LOCK))
		err = apply_vma_lock_flags(mm, start, len, flags);
	else
		err = -ENOMEM;
	if (!err && !(flags & VM_LOCKONFAULT)) {
		unsigned long stop = populate_fail_addr(mm, start, start + len);

		if (stop > start)
			vm_populate_range(mm, start, stop, true);
		if (stop < start + len)
			err = -ENOMEM;	/* __mm_populate's EFAULT, as mlock reports it; the lock stays */
	}
	vm_debug_check_mm(mm);
	mm_up_write(&mm->mmap_lock);
	return err;
}

int mm_mlock(struct mm_struct *mm, unsigned long start, unsigned long len)
{
	return do_mlock(mm, start, len, VM_LOCKED);
}

int mm_mlock2(struct mm_struct *mm, unsigned long start, unsigned long len, unsigned int flags)
{
	unsigned long vm_flags = VM_LOCKED;

	if (flags & ~MLOCK_ONFAULT)
		return -EINVAL;
	if (flags & MLOCK_ONFAULT)
		vm_flags |= VM_LOCKONFAULT;
	return do_mlock(mm, start, len, vm_flags);
}

int mm_munlock(struct mm_struct *mm, unsigned long start, unsigned long len)
{
	int err;

	len = PAGE_ALIGN(len + (start & ~PAGE_MASK));
	start &= PAGE_MASK;
	mm_down_write(&mm->mmap_lock);
	err = apply_vma_lock_flags(mm, start, len, 0);
	vm_debug_check_mm(mm);
	mm_up_write(&mm->mmap_lock);
	return err;
}

static int apply_mlockall_flags(struct mm_struct *mm, int flags)
{
	unsigned long to_add = 0;
	struct vm_area_struct *vma, *done;

	mm->def_flags &= ~VM_LOCKED_MASK;
	if (flags & MCL_FUTURE) {
		mm->def_flags |= VM_LOCKED;
		if (flags & MCL_ONFAULT)
			mm->def_flags |= VM_LOCKONFAULT;
		if (!(flags & MCL_CURRENT))
			return 0;
	}
	if (flags & MCL_CURRENT) {
		to_add |= VM_LOCKED;
		if (flags & MCL_ONFAULT)
			to_add |= VM_LOCKONFAULT;
	}
	for (vma = mm->mmap; vma; vma = done->vm_next) {
		/* Errors are ignored, as the kernel does; the walk goes on after this VMA. */
		if (mlock_fixup(mm, vma, &done, vma->vm_start, vma->vm_end,
				(vma->vm_flags & ~VM_LOCKED_MASK) | to_add))
			done = vma;
	}
	/* mm_populate of everything, failures ignored: vm_populate_range skips what cannot fault. */
	if ((to_add & VM_LOCKED) && !(to_add & VM_LOCKONFAULT))
		vm_populate_range(mm, 0, mm->task_size, true);
	return 0;
}

int mm_mlockall(struct mm_struct *mm, int flags)
{
	int err = -ENOMEM;

	if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags == MCL_ONFAULT)
		return -EINVAL;
	if (!can_do_mlock(mm))
		return -EPERM;
	mm_down_write(&mm->mmap_lock);
	if (!(flags & MCL_CURRENT) || mm->total_vm <= rlimit(mm, RLIMIT_MEMLOCK) >> PAGE_SHIFT ||
	    (mm->caps & MM_CAP_IPC_LOCK))
		err = apply_mlockall_flags(mm, flags);
	vm_debug_check_mm(mm);
	mm_up_write(&mm->mmap_lock);
	return err;
}

int mm_munlockall(struct mm_struct *mm)
{
	int err;

	mm_down_write(&mm->mmap_lock);
	err = apply_mlockall_flags(mm, 0);
	vm_debug_check_mm(mm);
	mm_up_write(&mm->mmap_lock);
	return err;
}
