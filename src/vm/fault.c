/*
 * fault.c - what the fault path decides before it touches page tables (memory.c does the
 * rest): stack growth below a VM_GROWSDOWN VMA, and whether a fault makes an anonymous copy
 * (and so gives the VMA its anon_vma, which later decides merges). A read of private
 * anonymous memory maps the shared zero page and prepares nothing, unless the machine forbids
 * the zero page (machine_config.forbid_zero_page).
 *
 * Stack growth (expand_downwards): the new start must keep stack_guard_gap above the previous
 * accessible non-stack VMA, the stack must stay within RLIMIT_STACK and RLIMIT_AS, and the
 * growth is charged to Committed_AS.
 */
#include "vm/internal.h"

int vm_expand_stack(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr)
{
	struct vm_area_struct *prev = vma->vm_prev;
	unsigned long grow = (vma->vm_start - addr) >> PAGE_SHIFT;

	if (addr < vm_of(mm)->mmap_min_addr)
		return -EPERM;
	if (prev && !(prev->vm_flags & VM_GROWSDOWN) &&
	    (prev->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)) &&
	    addr - prev->vm_end < vm_of(mm)->stack_guard_gap)
		return -ENOMEM;
	if (prev && prev->vm_end > addr)
		return -ENOMEM;
	if (vma->vm_end - addr > rlimit(mm, RLIMIT_STACK))
		return -ENOMEM;
	if (!may_expand_vm(mm, vma->vm_flags, grow))
		return -ENOMEM;
	if ((vma->vm_flags & VM_ACCOUNT) && vm_enough_memory(mm, (long)grow))
		return -ENOMEM;
	vma_set_range(mm, vma, addr, vma->vm_end, vma->vm_pgoff - grow);
	return 0;
}

bool vm_fault_makes_anon_copy(struct mm_struct *mm, const struct vm_area_struct *vma, bool write)
{
	if (vma->vm_flags & VM_SHARED)
		return false;
	/* do_cow_fault / do_anonymous_page's write path; a read maps the zero page. */
	return write || (vma_is_anonymous(vma) && mm->machine->cfg.forbid_zero_page);
}
