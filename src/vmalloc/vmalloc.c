/*
 * vmalloc.c - vmalloc and friends, vmap, ioremap, kvmalloc: virtually contiguous kernel memory
 * from physically scattered frames, mapped in init_mm's page tables.
 *
 * One vmalloc, as the kernel's __vmalloc_node_range() does it:
 *   1. get_vm_area: a vm_struct and a busy vmap_area of the size plus a guard page
 *      (vmap_area.c: the lowest fit, a purge and a second try if there is no room);
 *   2. the page array: kmalloc'd up to PAGE_SIZE, otherwise a host allocation standing for the
 *      kernel's nested __vmalloc (shown as "vpages" in /proc/vmallocinfo);
 *   3. the frames (vm_area_alloc_pages): one at a time, or, for a huge mapping, order-9 blocks
 *      split into small pages, so each page can be freed and counted alone;
 *   4. the mapping: a PTE per page or a PMD leaf per 2 MiB (page tables allocated as needed).
 * Any step that fails undoes the steps before it through vfree() of the half-built area (the
 * frames it got go back, the range goes to the lazy-purge list), reports the kernel's
 * "vmalloc error: ..." line unless __GFP_NOWARN, and returns NULL. A huge attempt that fails
 * is retried with small pages, as the kernel retries.
 *
 * Counting: nr_vmalloc_pages (meminfo's VmallocUsed) counts the frames of VM_ALLOC areas from
 * the moment they are allocated until vfree() gives them back.
 */
#include "vmalloc/internal.h"

#include <mmlab/slab.h>

#include "pgtable/pgtable.h"
#include "phys/internal.h"

/* The reclaim and I/O bits a nested allocation keeps (GFP_RECLAIM_MASK, as the kernel's). */
#ifndef GFP_RECLAIM_MASK_VM
#define GFP_RECLAIM_MASK_VM (__GFP_RECLAIM | __GFP_HIGH | __GFP_IO | __GFP_FS | __GFP_NOWARN | \
			     __GFP_RETRY_MAYFAIL | __GFP_NOFAIL | __GFP_NORETRY | __GFP_MEMALLOC | \
			     __GFP_NOMEMALLOC)
#endif

/* @m is the calling thread's machine, with this layer up. */
static bool on_machine(const struct machine *m)
{
	return m && m == mm_current.machine && m->vmalloc;
}

void vmalloc_debug_check(struct machine *m)
{
	char why[256];

	if (!mm_debug_on(m, MM_DEBUG_CHECKS))
		return;
	mm_lock(&vms(m)->lock);
	if (vmap_trees_check(m, why, sizeof(why)))
		mm_bug(__func__, __FILE__, __LINE__, why);
	mm_unlock(&vms(m)->lock);
}

int vmalloc_check(struct machine *m, char *why, size_t why_size)
{
	int err;

	if (!m->vmalloc)
		return 0;
	mm_lock(&vms(m)->lock);
	err = vmap_trees_check(m, why, why_size);
	mm_unlock(&vms(m)->lock);
	return err;
}

static unsigned int count_order(unsigned long size)
{
	return size <= 1 ? 0 : 64 - (unsigned int)__builtin_clzl(size - 1);
}

/*
 * A vm_struct with a busy area of @size (+ the guard page) at @align in [@start, @end).
 * NULL: -ENOMEM or no room (reported by alloc_vmap_area).
 */
static struct vm_struct *get_vm_area_node(struct machine *m, unsigned long size, unsigned long align,
					  unsigned int flags, unsigned long start, unsigned long end,
					  gfp_t gfp, const void *caller)
{
	struct vm_struct *area;
	struct vmap_area *va;
	int err;

	size = PAGE_ALIGN(size);
	if (!size)
		return NULL;
	if (flags & VM_IOREMAP)
		align = 1UL << CLAMP(count_order(size), PAGE_SHIFT, PUD_SHIFT);
	align = MAX(align, PAGE_SIZE);
	area = mm_meta_zalloc(m, sizeof(*area));
	if (!area)
		return NULL;
	if (!(flags & VM_NO_GUARD))
		size += PAGE_SIZE;
	area->size = size;
	area->flags = flags;
	area->caller = caller;
	va = alloc_vmap_area(m, size, align, start, end, gfp, area, &err);
	if (!va) {
		mm_meta_free(m, area);
		return NULL;
	}
	return area;
}

/* The area's size without its guard page. */
static unsigned long get_vm_area_size(const struct vm_struct *area)
{
	return area->flags & VM_NO_GUARD ? area->size : area->size - PAGE_SIZE;
}

/*
 * Take the busy area that starts at @addr and has a flag of @need out of the busy tree, its
 * mapping cleared, its range lazily freed; returns its vm_struct for the caller to free what
 * it holds. NULL: no such area (nothing changed).
 */
static struct vm_struct *remove_vm_area(struct machine *m, unsigned long addr, unsigned int need)
{
	struct vmalloc_state *vs = vms(m);
	struct vmap_area *va;
	struct vm_struct *vm;

	mm_lock(&vs->lock);
	va = vmap_tree_find(&vs->busy, addr);
	if (!va || va->va_start != addr || !va->vm || !(va->vm->flags & need)) {
		mm_unlock(&vs->lock);
		return NULL;
	}
	vm = va->vm;
	kpt_unmap_range(m, va->va_start, va->va_end);
	free_vmap_area_noflush(m, va);
	mm_unlock(&vs->lock);
	return vm;
}

/* Free the page array of @vm and @vm itself. */
static void free_vm_struct(struct machine *m, struct vm_struct *vm)
{
	if (vm->pages && vm->pages_kmalloced)
		kfree(vm->pages);
	else if (vm->pages && (vm->flags & VM_ALLOC))
		mm_meta_free(m, vm->pages);
	mm_meta_free(m, vm);
}

/*
 * Frames for @nr small pages in blocks of 2^@order, split into pages; stops at the first
 * block that cannot be had. Returns how many pages it filled in.
 */
static unsigned int vm_area_alloc_pages(struct machine *m, gfp_t gfp, int node, unsigned int order,
					unsigned int nr, struct page **pages)
{
	unsigned int done = 0, i;

	while (done < nr) {
		struct page *page = alloc_pages_node(node, order ? gfp | __GFP_NOWARN : gfp, order);

		if (!page)
			break;
		if (order)
			split_page(page, order);
		for (i = 0; i < (1u << order); i++)
			pages[done++] = page + i;
	}
	return done;
}

/*
 * warn_alloc for vmalloc's failures, unless __GFP_NOWARN: "comm: message, mode:...(flags),
 * nodemask=(null),cpuset=/,mems_allowed=0-N" and the CPU, as the kernel reports them (without
 * the show_mem() dump that follows on the kernel).
 */
static void __attribute__((format(printf, 3, 4))) vmalloc_warn(struct machine *m, gfp_t gfp,
							       const char *fmt, ...)
{
	char msg[160], names[256];
	va_list ap;

	if (gfp & __GFP_NOWARN)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	format_gfp_flags(gfp, names, sizeof(names));
	printk(m, "mmlab: %s, mode:%#x(%s), nodemask=(null),cpuset=/,mems_allowed=0", msg, gfp, names);
	if (m->nr_nodes > 1)
		printk(m, "-%d", m->nr_nodes - 1);
	printk(m, "\nCPU: %d\n", mm_current.cpu);
}

/* Steps 2-4 for @area; NULL after undoing everything (the area included) on failure. */
static void *vmalloc_area_node(struct machine *m, struct vm_struct *area, gfp_t gfp, uint64_t prot,
			       unsigned int page_shift, int node)
{
	struct vmalloc_state *vs = vms(m);
	unsigned long size = get_vm_area_size(area);
	unsigned int nr_small = (unsigned int)(size >> PAGE_SHIFT);
	size_t array_size = (size_t)nr_small * sizeof(struct page *);
	struct vmap_area *va;
	int err;

	if (array_size > PAGE_SIZE) {
		area->pages = mm_meta_zalloc(m, array_size);
	} else {
		area->pages = kmalloc_node(array_size, (gfp & GFP_RECLAIM_MASK_VM) | __GFP_ZERO, node);
		area->pages_kmalloced = true;
	}
	if (!area->pages) {
		vmalloc_warn(m, gfp, "vmalloc error: size %lu, failed to allocated page array size %zu",
			     size, array_size);
		area->pages_kmalloced = false;
		goto fail;
	}
	area->page_order = page_shift - PAGE_SHIFT;
	area->nr_pages = vm_area_alloc_pages(m, gfp, node, area->page_order, nr_small, area->pages);
	atomic_fetch_add_explicit(&vs->nr_vmalloc_pages, area->nr_pages, memory_order_relaxed);
	if (area->nr_pages != nr_small) {
		if (page_shift == PAGE_SHIFT)	/* a huge attempt falls back quietly */
			vmalloc_warn(m, gfp, "vmalloc error: size %lu, page order %u, failed to allocate pages",
				     size, area->page_order);
		goto fail;
	}
	mm_lock(&vs->lock);
	err = kpt_map_pages(m, area->addr, nr_small, area->pages, 0, prot, page_shift);
	va = vmap_tree_find(&vs->busy, area->addr);
	va->nr_mapped = err ? 0 : nr_small;
	if (!err)
		area->flags &= ~VM_UNINITIALIZED;	/* complete: /proc/vmallocinfo shows it */
	mm_unlock(&vs->lock);
	if (err) {
		vmalloc_warn(m, gfp, "vmalloc error: size %lu, failed to map pages", size);
		goto fail;
	}
	return (void *)area->addr;

fail:
	vfree(m, (void *)area->addr);
	return NULL;
}

void *__vmalloc_node_range(struct machine *m, unsigned long size, unsigned long align,
			   unsigned long start, unsigned long end, gfp_t gfp, uint64_t prot,
			   unsigned int vm_flags, int node, const void *caller)
{
	unsigned long real_size = size, real_align = align;
	unsigned int shift = PAGE_SHIFT;
	struct vm_struct *area;
	void *addr;

	if (!on_machine(m))
		return NULL;
	if (!caller)
		caller = __builtin_return_address(0);
	if (!size || (align & (align - 1)) || !align ||
	    (PAGE_ALIGN(size) >> PAGE_SHIFT) > m->phys->totalram_pages) {
		if (size)
			vmalloc_warn(m, gfp, "vmalloc error: size %lu, exceeds total pages", real_size);
		return NULL;
	}
	if ((vm_flags & VM_ALLOW_HUGE_VMAP) && m->cfg.arch != MM_ARCH_ARM64 &&
	    PAGE_ALIGN(size) >= PMD_SIZE) {
		shift = PMD_SHIFT;
		align = MAX(real_align, PMD_SIZE);
		size = ALIGN_UP(real_size, PMD_SIZE);
	}
again:
	area = get_vm_area_node(m, size, align, VM_ALLOC | VM_UNINITIALIZED | vm_flags, start, end,
				gfp, caller);
	if (!area) {
		vmalloc_warn(m, gfp, "vmalloc error: size %lu, vm_struct allocation failed", real_size);
		addr = NULL;
		goto out;
	}
	addr = vmalloc_area_node(m, area, gfp, prot, shift, node);
	if (!addr && shift > PAGE_SHIFT) {
		shift = PAGE_SHIFT;
		align = real_align;
		size = real_size;
		goto again;
	}
out:
	vmalloc_debug_check(m);
	return addr;
}

static void *vmalloc_common(struct machine *m, unsigned long size, unsigned long align, gfp_t gfp,
			    unsigned int vm_flags, int node, const void *caller)
{
	if (!on_machine(m))
		return NULL;
	return __vmalloc_node_range(m, size, align, vms(m)->layout.vmalloc_start,
				    vms(m)->layout.vmalloc_end, gfp, PAGE_KERNEL, vm_flags, node,
				    caller);
}

void *vmalloc(struct machine *m, unsigned long size)
{
	return vmalloc_common(m, size, 1, GFP_KERNEL, 0, NUMA_NO_NODE, __builtin_return_address(0));
}

void *vzalloc(struct machine *m, unsigned long size)
{
	return vmalloc_common(m, size, 1, GFP_KERNEL | __GFP_ZERO, 0, NUMA_NO_NODE,
			      __builtin_return_address(0));
}

void *vmalloc_node(struct machine *m, unsigned long size, int node)
{
	return vmalloc_common(m, size, 1, GFP_KERNEL, 0, node, __builtin_return_address(0));
}

void *__vmalloc(struct machine *m, unsigned long size, gfp_t gfp)
{
	return vmalloc_common(m, size, 1, gfp, 0, NUMA_NO_NODE, __builtin_return_address(0));
}

void *vmalloc_huge(struct machine *m, unsigned long size, gfp_t gfp)
{
	return vmalloc_common(m, size, 1, gfp, VM_ALLOW_HUGE_VMAP, NUMA_NO_NODE,
			      __builtin_return_address(0));
}

void *vmalloc_user(struct machine *m, unsigned long size)
{
	return vmalloc_common(m, size, PAGE_SIZE /* SHMLBA */, GFP_KERNEL | __GFP_ZERO, VM_USERMAP,
			      NUMA_NO_NODE, __builtin_return_address(0));
}

void *vmalloc_32(struct machine *m, unsigned long size)
{
	return vmalloc_common(m, size, 1, GFP_KERNEL | __GFP_DMA32, 0, NUMA_NO_NODE,
			      __builtin_return_address(0));
}

void vfree(struct machine *m, const void *addr)
{
	struct vm_struct *vm;
	unsigned int i;

	if (!addr || !on_machine(m))
		return;
	vm = remove_vm_area(m, (unsigned long)addr, VM_ALLOC);
	if (!vm) {
		printk(m, "Trying to vfree() nonexistent vm area (%p)\n", addr);
		return;
	}
	for (i = 0; i < vm->nr_pages; i++)
		__free_pages(vm->pages[i], 0);
	atomic_fetch_sub_explicit(&vms(m)->nr_vmalloc_pages, vm->nr_pages, memory_order_relaxed);
	free_vm_struct(m, vm);
	vmalloc_debug_check(m);
}

/* ---- vmap, ioremap --------------------------------------------------------------------------- */

/* Map @area's range with @pages or frames from @pfn; on failure undo the area. */
static int map_area(struct machine *m, struct vm_struct *area, struct page **pages,
		    unsigned long pfn, uint64_t prot)
{
	struct vmalloc_state *vs = vms(m);
	unsigned long nr = get_vm_area_size(area) >> PAGE_SHIFT;
	int err;

	mm_lock(&vs->lock);
	err = kpt_map_pages(m, area->addr, nr, pages, pfn, prot, PAGE_SHIFT);
	vmap_tree_find(&vs->busy, area->addr)->nr_mapped = err ? 0 : nr;
	mm_unlock(&vs->lock);
	if (err) {
		area = remove_vm_area(m, area->addr, area->flags);
		mm_meta_free(m, area);
	}
	return err;
}

void *vmap(struct machine *m, struct page **pages, unsigned int count, unsigned int vm_flags,
	   uint64_t prot)
{
	struct vm_struct *area;

	if (!on_machine(m) || !pages || !count ||
	    count > m->phys->totalram_pages)
		return NULL;
	area = get_vm_area_node(m, (unsigned long)count << PAGE_SHIFT, PAGE_SIZE,
				vm_flags | VM_MAP, vms(m)->layout.vmalloc_start,
				vms(m)->layout.vmalloc_end, GFP_KERNEL, __builtin_return_address(0));
	if (!area)
		return NULL;
	if (vm_flags & VM_MAP_PUT_PAGES) {
		area->pages = pages;
		area->nr_pages = count;
	}
	if (map_area(m, area, pages, 0, prot))
		area = NULL;
	vmalloc_debug_check(m);
	return area ? (void *)area->addr : NULL;
}

void vunmap(struct machine *m, const void *addr)
{
	struct vm_struct *vm;
	unsigned int i;

	if (!addr || !on_machine(m))
		return;
	vm = remove_vm_area(m, (unsigned long)addr, VM_MAP);
	if (!vm) {
		printk(m, "Trying to vunmap() nonexistent vm area (%p)\n", addr);
		return;
	}
	if (vm->flags & VM_MAP_PUT_PAGES) {
		for (i = 0; i < vm->nr_pages; i++)
			put_page(vm->pages[i]);
		kvfree(m, vm->pages);
		vm->pages = NULL;
	}
	free_vm_struct(m, vm);
	vmalloc_debug_check(m);
}

void *ioremap(struct machine *m, uint64_t phys, unsigned long size)
{
	uint64_t last = phys + size - 1, offset;
	struct vm_struct *area;
	int i;

	if (!on_machine(m) || !size || last < phys || last >> 52)
		return NULL;
	offset = phys & ~PAGE_MASK;
	phys &= PAGE_MASK;
	size = (unsigned long)(PAGE_ALIGN(last + 1) - phys);
	/* RAM may not be ioremapped: any overlap with the machine's RAM ranges is refused. */
	for (i = 0; i < m->phys->nr_ram; i++)
		if (m->phys->ram[i].start <= last >> PAGE_SHIFT &&
		    m->phys->ram[i].end > phys >> PAGE_SHIFT) {
			printk(m, "ioremap on RAM at 0x%016llx - 0x%016llx\n",
			       (unsigned long long)phys, (unsigned long long)last);
			return NULL;
		}
	area = get_vm_area_node(m, size, 1, VM_IOREMAP, vms(m)->layout.vmalloc_start,
				vms(m)->layout.vmalloc_end, GFP_KERNEL, __builtin_return_address(0));
	if (!area)
		return NULL;
	area->phys_addr = phys;
	if (map_area(m, area, NULL, (unsigned long)(phys >> PAGE_SHIFT), PAGE_KERNEL_NOCACHE))
		area = NULL;
	vmalloc_debug_check(m);
	return area ? (void *)(area->addr + offset) : NULL;
}

void iounmap(struct machine *m, const void *addr)
{
	unsigned long a = (unsigned long)addr & PAGE_MASK;
	struct vmap_area *va;
	struct vm_struct *vm;

	if (!addr || !on_machine(m) || !is_vmalloc_addr(m, addr))
		return;
	mm_lock(&vms(m)->lock);
	va = vmap_tree_find(&vms(m)->busy, a);
	a = va && va->vm && (va->vm->flags & VM_IOREMAP) ? va->va_start : 0;
	mm_unlock(&vms(m)->lock);
	vm = a ? remove_vm_area(m, a, VM_IOREMAP) : NULL;
	if (!vm) {
		printk(m, "iounmap: bad address %p\n", addr);
		return;
	}
	free_vm_struct(m, vm);
	vmalloc_debug_check(m);
}

/* ---- kvmalloc ---------------------------------------------------------------------------------- */

void *kvmalloc(struct machine *m, size_t size, gfp_t gfp)
{
	gfp_t kmalloc_gfp = gfp;
	void *p;

	if (!on_machine(m))
		return NULL;
	if (size > PAGE_SIZE) {
		kmalloc_gfp |= __GFP_NOWARN;
		if (!(kmalloc_gfp & __GFP_RETRY_MAYFAIL))
			kmalloc_gfp |= __GFP_NORETRY;
		kmalloc_gfp &= ~__GFP_NOFAIL;
	}
	p = kmalloc(size, kmalloc_gfp);
	if (p || size <= PAGE_SIZE)
		return p;
	if (!gfpflags_allow_blocking(gfp))	/* vmalloc may sleep: not for atomic requests */
		return NULL;
	if (size > 0x7fffffffUL) {
		if (!(gfp & __GFP_NOWARN))
			printk(m, "WARNING: kvmalloc: size %zu > INT_MAX\n", size);
		return NULL;
	}
	return vmalloc_common(m, size, 1, gfp, VM_ALLOW_HUGE_VMAP, NUMA_NO_NODE,
			      __builtin_return_address(0));
}

void kvfree(struct machine *m, const void *addr)
{
	if (is_vmalloc_addr(m, addr))
		vfree(m, addr);
	else
		kfree(addr);
}

bool is_vmalloc_addr(const struct machine *m, const void *addr)
{
	unsigned long a = (unsigned long)addr;

	return m && m->vmalloc && a >= vms(m)->layout.vmalloc_start &&
	       a < vms(m)->layout.vmalloc_end;
}

struct page *vmalloc_to_page(struct machine *m, const void *addr)
{
	unsigned long a = (unsigned long)addr, pfn;
	uint64_t e;
	int level = 0;

	if (!on_machine(m))
		return NULL;
	mm_lock(&vms(m)->lock);
	e = kpt_lookup(m, a, &level);
	mm_unlock(&vms(m)->lock);
	if (!(e & 1))
		return NULL;
	pfn = (unsigned long)((e & 0x000ffffffffff000ULL) >> PAGE_SHIFT);
	if (level == 1)
		pfn += (a & (PMD_SIZE - 1)) >> PAGE_SHIFT;
	return phys_pfn_is_ram(m, pfn) ? mpfn_to_page(m, pfn) : NULL;
}

unsigned long vmalloc_nr_pages(const struct machine *m)
{
	return m && m->vmalloc ? (unsigned long)stat_read(&vms(m)->nr_vmalloc_pages) : 0;
}

unsigned long lazy_max_pages(const struct machine *m)
{
	return m && m->vmalloc ? vms(m)->lazy_max : 0;
}

void vm_unmap_aliases(struct machine *m)
{
	if (!on_machine(m))
		return;
	mm_lock(&vms(m)->lock);
	purge_vmap_area_lazy_locked(m);
	mm_unlock(&vms(m)->lock);
	vmalloc_debug_check(m);
}
