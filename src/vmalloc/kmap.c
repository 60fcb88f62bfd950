/*
 * kmap.c - kmap_local_page(), kmap_atomic(): a temporary kernel address for any page.
 *
 * Model: on 64-bit every frame is in the direct map, so the kernel's kmap_local_page() returns
 * page_address() and touches no fixmap slot (CONFIG_HIGHMEM is off; the FIX_KMAP_BEGIN slots
 * exist only on 32-bit HIGHMEM machines, which mmlab does not model). What stays is the
 * discipline the kernel enforces: the mappings of a CPU form a stack (kmap_ctrl.idx) at most
 * KM_MAX_IDX deep, undone in reverse order; kmap_atomic() also counts a preemption disable.
 * A mismatched kunmap_local() is reported to the kernel log (the kernel WARNs) and ignored.
 */
#include "vmalloc/internal.h"

static struct kmap_ctrl *this_kmap(struct machine *m)
{
	return &vms(m)->kmap[mm_current.cpu];
}

void *kmap_local_page(struct machine *m, struct page *page)
{
	struct kmap_ctrl *kc;
	unsigned long addr;

	if (!m || m != mm_current.machine || !m->vmalloc || !page)
		return NULL;
	kc = this_kmap(m);
	if (kc->idx >= KM_MAX_IDX) {
		printk(m, "BUG: kmap_local_page: more than %d nested mappings on CPU %d\n", KM_MAX_IDX,
		       mm_current.cpu);
		return NULL;
	}
	addr = kernel_page_address(m, page);
	kc->addr[kc->idx++] = addr;
	return (void *)addr;
}

void kunmap_local(struct machine *m, const void *addr)
{
	struct kmap_ctrl *kc;

	if (!m || m != mm_current.machine || !m->vmalloc)
		return;
	kc = this_kmap(m);
	if (!kc->idx || kc->addr[kc->idx - 1] != ((unsigned long)addr & PAGE_MASK)) {
		printk(m, "WARNING: kunmap_local(%p): not the latest kmap_local_page of CPU %d\n",
		       addr, mm_current.cpu);
		return;
	}
	kc->idx--;
}

void *kmap_atomic(struct machine *m, struct page *page)
{
	void *addr = kmap_local_page(m, page);

	if (addr)
		this_kmap(m)->preempt_count++;
	return addr;
}

void kunmap_atomic(struct machine *m, const void *addr)
{
	struct kmap_ctrl *kc;
	int before;

	if (!m || m != mm_current.machine || !m->vmalloc)
		return;
	kc = this_kmap(m);
	before = kc->idx;
	kunmap_local(m, addr);
	if (kc->idx < before && kc->preempt_count > 0)
		kc->preempt_count--;
}
