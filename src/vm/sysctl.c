/*
 * sysctl.c - the vm sysctls (/proc/sys/vm) that the address-space layer obeys.
 *
 *   max_map_count        most VMAs per mm (65530); a split or new VMA beyond it is refused;
 *   mmap_min_addr        lowest address a mapping may take (65536); below it MAP_FIXED needs
 *                        CAP_SYS_RAWIO (EPERM) and placement never goes;
 *   stack_guard_gap      gap kept free below a VM_GROWSDOWN VMA (256 pages);
 *   overcommit_memory    commit policy: 0 heuristic, 1 always, 2 never (overcommit.c);
 *   overcommit_ratio     percent of RAM in CommitLimit under policy 2 (50);
 *   overcommit_kbytes    CommitLimit in kB instead of the ratio when non-zero (0);
 *   admin_reserve_kbytes, user_reserve_kbytes
 *                        kept back under policy 2: min(3% of RAM, 8 MiB) and min(3%, 128 MiB).
 * The values live in struct vm_state, one set per machine.
 */
#include "vm/internal.h"

#include <mmlab/mm.h>

int vm_set_overcommit(struct machine *m, int mode, int ratio, unsigned long kbytes)
{
	if (mode < 0 || mode > 2 || ratio < 0)
		return -EINVAL;
	m->overcommit_memory = mode;
	m->overcommit_ratio = ratio;
	m->overcommit_kbytes = kbytes;
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

long vm_committed_as_pages(struct machine *m)
{
	return atomic_load(&m->vm_committed_as);
}

unsigned long vm_commit_limit_pages(struct machine *m)
{
	if (m->overcommit_kbytes)
		return m->overcommit_kbytes >> (PAGE_SHIFT - 10);
	return m->totalram_pages * (unsigned long)m->overcommit_ratio / 100;
}
