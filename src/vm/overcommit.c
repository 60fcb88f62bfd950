/*
 * overcommit.c - commit accounting: Committed_AS, CommitLimit and the overcommit policy
 * (Documentation/mm/overcommit-accounting).
 *
 * Model. Committed_AS (vm_state->vm_committed_as, in pages) is the sum of every charge not yet
 * given back:
 *   Committed_AS = sum of pages of VM_ACCOUNT VMAs (writable private mappings without
 *                  MAP_NORESERVE, the stack, brk) + pages of live shmem objects behind shared
 *                  anonymous mappings (charged until their last reference goes).
 * A charge is made by vm_enough_memory() before the mapping exists and is given back by
 * vm_unacct_memory() when it goes (or when the operation that charged fails). A charge that
 * moves with its pages (mremap, MAP_FIXED over an accounted range) is re-added with
 * vm_acct_memory() after the unmap that gave it back.
 *
 * Policy (overcommit_memory, sysctl.c):
 *   0 heuristic   refuse one request larger than RAM (totalram_pages), accept anything else;
 *   1 always      accept;
 *   2 never       accept while Committed_AS <= CommitLimit - admin reserve (unless the mm has
 *                 CAP_SYS_ADMIN) - min(total_vm / 32, user reserve),
 *                 CommitLimit = overcommit_kbytes ? overcommit_kbytes / 4 :
 *                               totalram_pages * overcommit_ratio / 100   (pages).
 * No swap and no hugetlb pages exist, so neither appears in CommitLimit. The charge is added
 * before the test and removed on refusal, so concurrent charges never both slip under the limit.
 */
#include "vm/internal.h"

#include <mmlab/mm.h>

int vm_enough_memory(struct mm_struct *mm, long pages)
{
	struct machine *m = mm->machine;
	struct vm_state *vs = m->vm;
	long allowed;

	atomic_fetch_add(&vs->vm_committed_as, pages);
	if (vs->overcommit_memory == 1)
		return 0;
	if (vs->overcommit_memory == 0) {
		if ((unsigned long)pages > m->phys->totalram_pages)
			goto fail;
		return 0;
	}
	allowed = (long)vm_commit_limit_pages(m);
	if (!(mm->caps & MM_CAP_SYS_ADMIN))
		allowed -= (long)(vs->admin_reserve_kbytes >> (PAGE_SHIFT - 10));
	allowed -= (long)MIN(mm->total_vm / 32, vs->user_reserve_kbytes >> (PAGE_SHIFT - 10));
	if (atomic_load(&vs->vm_committed_as) <= allowed)
		return 0;
fail:
	atomic_fetch_sub(&vs->vm_committed_as, pages);
	return -ENOMEM;
}

void vm_acct_memory(struct machine *m, long pages)
{
	atomic_fetch_add(&m->vm->vm_committed_as, pages);
}

void vm_unacct_memory(struct machine *m, long pages)
{
	atomic_fetch_sub(&m->vm->vm_committed_as, pages);
}

long vm_committed_as_pages(struct machine *m)
{
	return atomic_load(&m->vm->vm_committed_as);
}

unsigned long vm_commit_limit_pages(struct machine *m)
{
	struct vm_state *vs = m->vm;

	if (vs->overcommit_kbytes)
		return vs->overcommit_kbytes >> (PAGE_SHIFT - 10);
	return m->phys->totalram_pages * (unsigned long)vs->overcommit_ratio / 100;
}
