/*
 * mprotect.c - mprotect(2).
 *
 * Model (mm/mprotect.c): arguments are checked first (PROT_GROWSDOWN|PROT_GROWSUP together,
 * unaligned start, unknown bits: EINVAL; len 0 succeeds; wrap: ENOMEM), then the VMAs covering
 * [start, end) are changed one by one from the lowest. A hole (ENOMEM) or a protection the
 * VMA may not have (EACCES: VM_MAY* missing) stops the walk with the VMAs before it already
 * changed, as in the kernel. Each change goes through vma_modify_flags(): merge with a
 * neighbour where the kernel would, otherwise split. Making a private mapping writable charges
 * commit (VM_ACCOUNT); making an untouched anonymous one read-only gives the charge back.
 */
#include "vm/internal.h"

static int mprotect_fixup(struct mm_struct *mm, struct vm_area_struct *vma,
			  struct vm_area_struct **out, unsigned long start, unsigned long end,
			  unsigned long newflags)
{
	unsigned long oldflags = vma->vm_flags, nrpages = (end - start) >> PAGE_SHIFT;
	long charged = 0, err;

	if (newflags == oldflags) {
		*out = vma;
		return 0;
	}
	if (newflags & VM_WRITE) {
		if (!may_expand_vm(mm, newflags, nrpages) && may_expand_vm(mm, oldflags, nrpages))
			return -ENOMEM;
		if (!(oldflags & (VM_ACCOUNT | VM_WRITE | VM_HUGETLB | VM_SHARED | VM_NORESERVE))) {
			charged = (long)nrpages;
			if (vm_enough_memory(mm, charged))
				return -ENOMEM;
			newflags |= VM_ACCOUNT;
		}
	} else if ((oldflags & VM_ACCOUNT) && vma_is_anonymous(vma) && !vma->anon_vma) {
		newflags &= ~VM_ACCOUNT;
	}
	err = vma_modify_flags(mm, vma, start, end, newflags, out);
	if (err) {
		if (charged)
			vm_unacct_memory(mm->machine, charged);
		return (int)err;
	}
	if ((oldflags & VM_ACCOUNT) && !(newflags & VM_ACCOUNT))
		vm_unacct_memory(mm->machine, (long)nrpages);
	change_protection(*out, start, end);
	if ((newflags & VM_LOCKED) && !(oldflags & VM_WRITE) && (newflags & VM_WRITE))
		vm_populate_range(mm, start, end, true);
	return 0;
}

static int do_mprotect(struct mm_struct *mm, unsigned long start, unsigned long len,
		       unsigned long prot)
{
	unsigned long grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
	unsigned long end, nstart, tmp;
	struct vm_area_struct *vma;
	int error;

	prot &= ~(PROT_GROWSDOWN | PROT_GROWSUP);
	if (grows == (PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (!len)
		return 0;
	len = PAGE_ALIGN(len);
	end = start + len;
	if (end <= start)
		return -ENOMEM;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM))
		return -EINVAL;

	vma = find_vma(mm, start);
	if (!vma || vma->vm_start >= end)
		return -ENOMEM;
	if (grows & PROT_GROWSDOWN) {
		start = vma->vm_start;
		if (!(vma->vm_flags & VM_GROWSDOWN))
			return -EINVAL;
	} else {
		if (vma->vm_start > start)
			return -ENOMEM;
		if (grows & PROT_GROWSUP)
			return -EINVAL;		/* no VM_GROWSUP on x86-64 */
	}
	nstart = start;
	error = 0;
	for (;;) {
		unsigned long newflags;
		struct vm_area_struct *done;

		vma = find_vma(mm, nstart);
		if (!vma || vma->vm_start >= end)
			break;
		if (vma->vm_start > nstart) {
			error = -ENOMEM;	/* a hole: what precedes it stays changed */
			break;
		}
		newflags = calc_vm_prot_bits(prot) | (vma->vm_flags & ~(VM_READ | VM_WRITE | VM_EXEC));
		/* VM_MAY* sit 4 bits above VM_*: asking for what is not allowed is EACCES. */
		if ((newflags & ~(newflags >> 4)) & (VM_READ | VM_WRITE | VM_EXEC)) {
			error = -EACCES;
			break;
		}
		tmp = MIN(vma->vm_end, end);
		error = mprotect_fixup(mm, vma, &done, nstart, tmp, newflags);
		if (error)
			break;
		nstart = tmp;
		if (nstart >= end)
			break;
	}
	if (!error && nstart < end)
		error = -ENOMEM;
	return error;
}

int mm_mprotect(struct mm_struct *mm, unsigned long start, unsigned long len, unsigned long prot)
{
	int err;

	mm_down_write(&mm->mmap_lock);
	err = do_mprotect(mm, start, len, prot);
	vm_debug_check_mm(mm);
	mm_up_write(&mm->mmap_lock);
	return err;
}
