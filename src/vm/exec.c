/*
 * exec.c - the initial address space of an exec: the layout bases, the stack, the program's
 * segments and bss, the brk start, and the kernel's special mappings ([vvar], [vvar_vclock],
 * [vdso]; the [vsyscall] gate is a flag of the mm, not a VMA).
 *
 * Model (x86-64, load_elf_binary + arch_pick_mmap_layout):
 *   mmap_base        = PAGE_ALIGN(TASK_SIZE - gap - rnd), gap = RLIMIT_STACK soft limit plus
 *                      stack_guard_gap (plus the stack's 16 GiB random range under PF_RANDOMIZE),
 *                      clamped to [128 MiB, TASK_SIZE / 6 * 5];
 *   mmap_legacy_base = PAGE_ALIGN(TASK_SIZE / 3) + rnd (the bottom-up layout's start);
 *   [stack]          = [stack_top - 132 KiB, stack_top), VM_GROWSDOWN, charged, touched;
 *   executable       = the given segments mapped MAP_PRIVATE|MAP_FIXED from the file, bss
 *                      anonymous; start_brk = brk = page after the last one (+ brk_rnd);
 *   [vvar] (4 pages), [vvar_vclock] (2), [vdso] (2) placed like one top-down mapping, and the
 *   [vsyscall] gate page shown last in maps.
 * Randomness is never drawn here: the caller passes mmap_rnd, stack_rnd and brk_rnd (all 0
 * reproduces `setarch -R`).
 */
#include "vm/internal.h"

#include <mmlab/mm.h>

static unsigned long mmap_base_for(struct mm_struct *mm, bool randomize, unsigned long rnd)
{
	unsigned long gap = mm->rlim_cur[RLIMIT_STACK];
	unsigned long pad = vm_of(mm)->stack_guard_gap + (randomize ? 0x3fffff000UL : 0);
	unsigned long task_size = mm->task_size;

	if (gap + pad > gap)
		gap += pad;
	if (gap < (128UL << 20))
		gap = 128UL << 20;
	else if (gap > task_size / 6 * 5)
		gap = task_size / 6 * 5;
	return PAGE_ALIGN(task_size - gap - rnd);
}

/* A special mapping ([vvar], [vdso], [stack] at exec) linked directly. */
static int install_vma(struct mm_struct *mm, unsigned long start, unsigned long end,
		       unsigned long flags, enum vma_special_kind kind)
{
	struct vm_area_struct *vma;
	int err;

	if (start >= end || (start | end) & ~PAGE_MASK || end > mm->task_size)
		return -EINVAL;
	if (find_vma_intersection(mm, start, end))
		return -EEXIST;
	err = vma_prealloc(mm, 1);
	if (err)
		return err;
	vma = vma_from_reserve(mm);
	vma->vm_start = start;
	vma->vm_end = end;
	vma->vm_pgoff = kind == VMA_NORMAL ? start >> PAGE_SHIFT : 0;
	vma->vm_flags = flags | VM_SOFTDIRTY;
	vma->special = kind;
	vma_link(mm, vma);
	return 0;
}

static int setup_vdso(struct mm_struct *mm)
{
	unsigned long vdso_flags = VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC |
				   VM_DONTEXPAND;
	unsigned long vvar_flags = VM_READ | VM_MAYREAD | VM_IO | VM_DONTDUMP | VM_PFNMAP |
				   VM_DONTEXPAND;
	unsigned long addr = get_unmapped_area(mm, NULL, 0, 8 * PAGE_SIZE, 0, 0, 0);
	int err;

	if (IS_ERR_VALUE(addr))
		return (int)(long)addr;
	err = install_vma(mm, addr, addr + 4 * PAGE_SIZE, vvar_flags, VMA_VVAR);
	if (!err)
		err = install_vma(mm, addr + 4 * PAGE_SIZE, addr + 6 * PAGE_SIZE, vvar_flags,
				  VMA_VVAR_VCLOCK);
	if (!err)
		err = install_vma(mm, addr + 6 * PAGE_SIZE, addr + 8 * PAGE_SIZE, vdso_flags,
				  VMA_VDSO);
	return err;
}

/* The limits and capabilities the exec runs with (0 in @a: keep the default). */
static void exec_limits(struct mm_struct *mm, const struct mm_exec_args *a)
{
	if (a->rlim_stack)
		mm->rlim_cur[RLIMIT_STACK] = mm->rlim_max[RLIMIT_STACK] = a->rlim_stack;
	if (a->rlim_memlock)
		mm->rlim_cur[RLIMIT_MEMLOCK] = mm->rlim_max[RLIMIT_MEMLOCK] = a->rlim_memlock;
	if (a->rlim_data)
		mm->rlim_cur[RLIMIT_DATA] = mm->rlim_max[RLIMIT_DATA] = a->rlim_data;
	if (a->rlim_as)
		mm->rlim_cur[RLIMIT_AS] = mm->rlim_max[RLIMIT_AS] = a->rlim_as;
	mm->caps = a->caps;
}

/* arch_pick_mmap_layout: the top-down and legacy bases, and the [vsyscall] gate. */
static void exec_pick_layout(struct mm_struct *mm, const struct mm_exec_args *a)
{
	/*
	 * x86's mmap_is_legacy looks at ADDR_COMPAT_LAYOUT alone: an unlimited stack keeps the
	 * top-down layout, its gap clamped to 5/6 of the address space (recorded on 6.18).
	 */
	mm->legacy_layout = a->flags & MM_EXEC_LEGACY_LAYOUT;
	mm->mmap_legacy_base = PAGE_ALIGN(mm->task_size / 3) + a->mmap_rnd;
	mm->mmap_base = a->mmap_base ? a->mmap_base :
			mmap_base_for(mm, a->flags & MM_EXEC_RANDOMIZE, a->mmap_rnd);
	if (mm->legacy_layout)
		mm->mmap_base = mm->mmap_legacy_base;
	mm->vsyscall = !(a->flags & MM_EXEC_NO_VSYSCALL);
}

/*
 * The [stack] VMA below the stack top, charged, with its top page written (what execve copies
 * there). 0, -EINVAL or -ENOMEM.
 */
static int exec_setup_stack(struct mm_struct *mm, const struct mm_exec_args *a)
{
	unsigned long top = a->stack_top ? a->stack_top : MM_TASK_SIZE - a->stack_rnd;
	unsigned long size = a->stack_size ? a->stack_size : 33 * PAGE_SIZE;
	struct vm_area_struct *stack;
	int err;

	if (top > mm->task_size || size >= top)
		return -EINVAL;
	if (vm_enough_memory(mm, (long)(size >> PAGE_SHIFT)))
		return -ENOMEM;
	err = install_vma(mm, top - size, top, VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE |
			  VM_MAYEXEC | VM_GROWSDOWN | VM_ACCOUNT, VMA_NORMAL);
	if (err) {
		vm_unacct_memory(mm->machine, (long)(size >> PAGE_SHIFT));
		return err;
	}
	stack = find_vma(mm, top - size);
	/* execve writes the arguments, environment and auxv at the top: that page is resident */
	err = vm_populate_vma(stack, top - PAGE_SIZE, top, true);
	if (err)
		return err;	/* the caller frees the mm, the page with it */
	mm->start_stack = top - PAGE_SIZE;
	mm->arg_start = mm->arg_end = mm->env_start = mm->env_end = top - PAGE_SIZE;
	return 0;
}

/*
 * One program segment mapped from @exe, its bss anonymous after it; widens the code and data
 * ranges and *@end_all (the end of everything mapped). 0 or do_mmap's errno.
 */
static int exec_map_segment(struct mm_struct *mm, struct mm_file *exe,
			    const struct mm_exec_segment *sg, unsigned long *end_all)
{
	unsigned long populate;
	long r;

	if ((sg->start | sg->end | sg->pgoff_bytes) & ~PAGE_MASK || sg->start >= sg->end)
		return -EINVAL;
	r = do_mmap(mm, exe, sg->start, sg->end - sg->start, sg->prot, MAP_PRIVATE | MAP_FIXED, 0,
		    sg->pgoff_bytes >> PAGE_SHIFT, &populate);
	if (r < 0)
		return (int)r;
	*end_all = MAX(*end_all, sg->end);
	if (sg->prot & PROT_EXEC) {
		mm->start_code = MIN(mm->start_code, sg->start);
		mm->end_code = MAX(mm->end_code, sg->end);
	}
	if (sg->prot & PROT_WRITE) {
		mm->start_data = MIN(mm->start_data, sg->start);
		mm->end_data = MAX(mm->end_data, sg->end);
	}
	if (sg->bss_end > sg->end) {
		unsigned long bss = PAGE_ALIGN(sg->bss_end);

		r = do_mmap(mm, NULL, sg->end, bss - sg->end, sg->prot,
			    MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, 0, 0, &populate);
		if (r < 0)
			return (int)r;
		*end_all = MAX(*end_all, bss);
	}
	return 0;
}

/* The program's segments, then start_brk = brk after the last (+ brk_rnd) unless given. */
static int exec_map_program(struct mm_struct *mm, const struct mm_exec_args *a)
{
	unsigned long end_all = 0;
	int i, err;

	if (a->nr_segments < 0 || a->nr_segments > MM_EXEC_MAX_SEGMENTS ||
	    (a->nr_segments && !a->exe))
		return -EINVAL;
	mm->start_code = mm->start_data = ~0UL;
	for (i = 0; i < a->nr_segments; i++) {
		err = exec_map_segment(mm, a->exe, &a->segments[i], &end_all);
		if (err)
			return err;
	}
	if (mm->start_code == ~0UL)
		mm->start_code = mm->end_code = 0;
	if (mm->start_data == ~0UL)
		mm->start_data = mm->end_data = 0;
	mm->start_brk = mm->brk = a->start_brk ? a->start_brk : end_all + a->brk_rnd;
	return 0;
}

int vm_exec_layout(struct mm_struct *mm, const struct mm_exec_args *a)
{
	int err;

	exec_limits(mm, a);
	if ((a->mmap_base | a->mmap_rnd | a->stack_top | a->stack_rnd | a->stack_size |
	     a->start_brk | a->brk_rnd) & ~PAGE_MASK)
		return -EINVAL;
	exec_pick_layout(mm, a);
	if (!(a->flags & MM_EXEC_NO_STACK)) {
		err = exec_setup_stack(mm, a);
		if (err)
			return err;
	}
	err = exec_map_program(mm, a);
	if (err)
		return err;
	if (!(a->flags & MM_EXEC_NO_VDSO))
		return setup_vdso(mm);
	return 0;
}

