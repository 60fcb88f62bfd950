/*
 * sysctl.c - the vm sysctls (/proc/sys/vm) that the address-space layer obeys.
 *
 *   max_map_count        most VMAs per mm (65530); a split or new VMA beyond it is refused;
 *   mmap_min_addr        lowest address a mapping may take (65536); below it MAP_FIXED needs
 *                        CAP_SYS_RAWIO (EPERM) and placement never goes;
 *   stack_guard_gap      gap kept free below a VM_GROWSDOWN VMA (256 pages; a boot parameter
 *                        in the kernel, not a sysctl);
 *   overcommit_memory    commit policy: 0 heuristic, 1 always, 2 never (overcommit.c);
 *   overcommit_ratio     percent of RAM in CommitLimit under policy 2 (50);
 *   overcommit_kbytes    CommitLimit in kB instead of the ratio when non-zero (0);
 *   admin_reserve_kbytes, user_reserve_kbytes
 *                        kept back under policy 2: min(3% of RAM, 8 MiB) and min(3%, 128 MiB).
 * The values live in struct vm_state, one set per machine.
 */
#include "vm/internal.h"

#include <mmlab/mm.h>

void vm_sysctl_init(struct machine *m, struct vm_state *vs)
{
	vs->max_map_count = 65530;
	vs->mmap_min_addr = 65536;
	vs->stack_guard_gap = 256UL << PAGE_SHIFT;
	vs->overcommit_memory = 0;
	vs->overcommit_ratio = 50;
	vs->overcommit_kbytes = 0;
	/* The kernel's defaults: min(3% of free memory, 8 MiB / 128 MiB). */
	vs->admin_reserve_kbytes = MIN(m->phys->totalram_pages * 3 / 100 * 4, 8192UL);
	vs->user_reserve_kbytes = MIN(m->phys->totalram_pages * 3 / 100 * 4, 131072UL);
}

int vm_set_overcommit(struct machine *m, int mode, int ratio, unsigned long kbytes)
{
	if (mode < 0 || mode > 2 || ratio < 0)
		return -EINVAL;
	m->vm->overcommit_memory = mode;
	m->vm->overcommit_ratio = ratio;
	m->vm->overcommit_kbytes = kbytes;
	return 0;
}

int vm_set_max_map_count(struct machine *m, int count)
{
	if (count < 0)
		return -EINVAL;
	m->vm->max_map_count = count;
	return 0;
}

int vm_set_mmap_min_addr(struct machine *m, unsigned long addr)
{
	m->vm->mmap_min_addr = addr;
	return 0;
}

int vm_set_stack_guard_gap(struct machine *m, unsigned long pages)
{
	m->vm->stack_guard_gap = pages << PAGE_SHIFT;
	return 0;
}
