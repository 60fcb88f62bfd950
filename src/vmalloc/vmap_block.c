/*
 * vmap_block.c - vm_map_ram(): fast, short-lived mappings of a few pages.
 *
 * Model (the kernel's vmap blocks): a request of up to VMAP_MAX_ALLOC pages is rounded up to a
 * power of two and cut from a vmap block of the current CPU: one busy vmap_area of
 * VMAP_BBMAP_BITS pages (1 MiB, aligned to its size) that hands out its pages from the front,
 * in order, without a vm_struct and without guard pages. A piece given back is "dirty": its
 * PTEs are cleared but its range is not handed out again until the block is. A block whose
 * pages are all dirty goes back whole, lazily, like any freed area; a block with no live piece
 * left (free + dirty = VMAP_BBMAP_BITS) is reclaimed on a purge (purge_fragmented_blocks).
 * Invariant per block: 0 <= dirty <= VMAP_BBMAP_BITS - free, used_map marks the pages handed
 * out and not given back (a vm_unmap_ram() of anything else is reported and ignored), and its
 * va's nr_mapped counts the PTEs of those pages.
 *
 * Larger requests get a vmap_area of their own (VMAP_RAM), also without a guard page.
 */
#include "vmalloc/internal.h"

#define VMAP_BLOCK_SIZE ((unsigned long)VMAP_BBMAP_BITS << PAGE_SHIFT)

static unsigned int pages_order(unsigned long pages)
{
	return pages <= 1 ? 0 : 64 - (unsigned int)__builtin_clzl(pages - 1);
}

static bool vb_used(const struct vmap_block *vb, unsigned int i)
{
	return vb->used_map[i / 64] >> (i % 64) & 1;
}

static void vb_set_used(struct vmap_block *vb, unsigned int i, bool used)
{
	if (used)
		vb->used_map[i / 64] |= 1ULL << (i % 64);
	else
		vb->used_map[i / 64] &= ~(1ULL << (i % 64));
}

/* Take 2^@order pages from @vb; returns their address. Lock held. */
static unsigned long vb_take(struct vmap_block *vb, unsigned int order)
{
	unsigned long off = VMAP_BBMAP_BITS - vb->free;
	unsigned int i;

	for (i = 0; i < (1u << order); i++)
		vb_set_used(vb, (unsigned int)off + i, true);
	vb->free -= 1u << order;
	if (!vb->free)
		list_del_init(&vb->free_list);
	return vb->va->va_start + (off << PAGE_SHIFT);
}

unsigned long vb_alloc(struct machine *m, unsigned long size, gfp_t gfp)
{
	struct vmalloc_state *vs = vms(m);
	unsigned int order = pages_order(size >> PAGE_SHIFT);
	struct vmap_block_queue *vbq = &vs->vbq[mm_current.cpu];
	struct vmap_block *vb;
	struct vmap_area *va;
	struct list_head *pos;
	unsigned long addr;
	int err;

	mm_lock(&vs->lock);
	list_for_each(pos, &vbq->free) {
		vb = list_entry(pos, struct vmap_block, free_list);
		if (vb->free >= (1u << order)) {
			addr = vb_take(vb, order);
			mm_unlock(&vs->lock);
			return addr;
		}
	}
	mm_unlock(&vs->lock);

	/* new_vmap_block */
	vb = mm_meta_zalloc(m, sizeof(*vb));
	if (!vb)
		return 0;
	va = alloc_vmap_area(m, VMAP_BLOCK_SIZE, VMAP_BLOCK_SIZE, vs->layout.vmalloc_start,
			     vs->layout.vmalloc_end, gfp, NULL, &err);
	if (!va) {
		mm_meta_free(m, vb);
		return 0;
	}
	mm_lock(&vs->lock);
	va->flags = VMAP_RAM | VMAP_BLOCK;
	va->vb = vb;
	vb->va = va;
	vb->cpu = mm_current.cpu;
	vb->free = VMAP_BBMAP_BITS;
	vb->dirty_min = VMAP_BBMAP_BITS;
	INIT_LIST_HEAD(&vb->free_list);
	list_add(&vb->free_list, &vbq->free);
	addr = vb_take(vb, order);
	mm_unlock(&vs->lock);
	return addr;
}

/* The whole block back, lazily. Lock held. */
static void free_vmap_block(struct machine *m, struct vmap_block *vb)
{
	if (!list_empty(&vb->free_list))
		list_del_init(&vb->free_list);
	vb->va->vb = NULL;
	free_vmap_area_noflush(m, vb->va);
	mm_meta_free(m, vb);
}

void vb_free(struct machine *m, unsigned long addr, unsigned long size)
{
	struct vmalloc_state *vs = vms(m);
	unsigned int order = pages_order(size >> PAGE_SHIFT);
	struct vmap_area *va;
	struct vmap_block *vb;
	unsigned int off, i;

	mm_lock(&vs->lock);
	va = vmap_tree_find(&vs->busy, addr);
	if (!va || !(va->flags & VMAP_BLOCK)) {
		mm_unlock(&vs->lock);
		printk(m, "vm_unmap_ram: bad address %#lx\n", addr);
		return;
	}
	vb = va->vb;
	off = (unsigned int)((addr - va->va_start) >> PAGE_SHIFT);
	for (i = 0; i < (1u << order); i++)
		if ((addr & ~PAGE_MASK) || off + i >= VMAP_BBMAP_BITS || !vb_used(vb, off + i)) {
			mm_unlock(&vs->lock);
			printk(m, "vm_unmap_ram: %#lx: no piece of %lu pages mapped there\n", addr,
			       size >> PAGE_SHIFT);
			return;
		}
	for (i = 0; i < (1u << order); i++)
		vb_set_used(vb, off + i, false);
	va->nr_mapped -= kpt_unmap_range(m, addr, addr + (PAGE_SIZE << order));
	vb->dirty += 1u << order;
	vb->dirty_min = MIN(vb->dirty_min, off);
	vb->dirty_max = MAX(vb->dirty_max, off + (1u << order));
	if (vb->dirty == VMAP_BBMAP_BITS)
		free_vmap_block(m, vb);
	mm_unlock(&vs->lock);
}

void purge_fragmented_blocks_locked(struct machine *m)
{
	struct vmalloc_state *vs = vms(m);
	int cpu;

	for (cpu = 0; cpu < m->nr_cpus; cpu++) {
		struct list_head *pos, *n;

		list_for_each_safe(pos, n, &vs->vbq[cpu].free) {
			struct vmap_block *vb = list_entry(pos, struct vmap_block, free_list);

			if (vb->free + vb->dirty == VMAP_BBMAP_BITS && vb->dirty != VMAP_BBMAP_BITS &&
			    vb->dirty)
				free_vmap_block(m, vb);
		}
	}
}

void vmap_blocks_exit(struct machine *m)
{
	struct vmalloc_state *vs = vms(m);
	struct vmap_area *va;

	vmap_for_each(va, &vs->busy.head)
		if (va->vb) {
			mm_meta_free(m, va->vb);
			va->vb = NULL;
		}
}

void *vm_map_ram(struct machine *m, struct page **pages, unsigned int count, int node)
{
	struct vmalloc_state *vs;
	unsigned long size = (unsigned long)count << PAGE_SHIFT, addr;
	struct vmap_area *va = NULL;
	int err;

	(void)node;
	if (!m || m != mm_current.machine || !m->vmalloc || !pages || !count)
		return NULL;
	vs = vms(m);
	if (count <= VMAP_MAX_ALLOC) {
		addr = vb_alloc(m, size, GFP_KERNEL);
		if (!addr)
			return NULL;
	} else {
		va = alloc_vmap_area(m, size, PAGE_SIZE, vs->layout.vmalloc_start,
				     vs->layout.vmalloc_end, GFP_KERNEL, NULL, &err);
		if (!va)
			return NULL;
		mm_lock(&vs->lock);
		va->flags = VMAP_RAM;
		mm_unlock(&vs->lock);
		addr = va->va_start;
	}
	mm_lock(&vs->lock);
	err = kpt_map_pages(m, addr, count, pages, 0, PAGE_KERNEL, PAGE_SHIFT);
	if (!err)
		vmap_tree_find(&vs->busy, addr)->nr_mapped += count;
	mm_unlock(&vs->lock);
	if (err) {
		vm_unmap_ram(m, (void *)addr, count);
		addr = 0;
	}
	vmalloc_debug_check(m);
	return (void *)addr;
}

void vm_unmap_ram(struct machine *m, const void *mem, unsigned int count)
{
	struct vmalloc_state *vs;
	unsigned long addr = (unsigned long)mem, size = (unsigned long)count << PAGE_SHIFT;
	struct vmap_area *va;

	if (!m || m != mm_current.machine || !m->vmalloc || !mem || !count)
		return;
	vs = vms(m);
	if (count <= VMAP_MAX_ALLOC) {
		vb_free(m, addr, size);
	} else {
		mm_lock(&vs->lock);
		va = vmap_tree_find(&vs->busy, addr);
		if (!va || va->va_start != addr || va->flags != VMAP_RAM || va_size(va) != size) {
			mm_unlock(&vs->lock);
			printk(m, "vm_unmap_ram: bad address %#lx or count %u\n", addr, count);
			return;
		}
		kpt_unmap_range(m, va->va_start, va->va_end);
		free_vmap_area_noflush(m, va);
		mm_unlock(&vs->lock);
	}
	vmalloc_debug_check(m);
}
