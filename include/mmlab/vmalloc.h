/*
 * mmlab/vmalloc.h - the kernel's own address space: the x86-64 layout (direct map, vmalloc
 * area, vmemmap, cpu_entry_area, fixmap, kernel image, modules), the kernel page tables of
 * init_mm, and the allocators that use them: vmalloc and friends, vmap, vm_map_ram, ioremap,
 * kvmalloc, and kmap_local.
 *
 * Addresses. A kernel virtual address here is a simulated one (0xffff888000000000 + physical
 * address in the direct map, 0xffffc90000000000... in the vmalloc area), held in a void * or an
 * unsigned long as the kernel holds it. The host cannot dereference it: kernel_va_to_host()
 * walks init_mm's page tables (or, for the direct map, does __va's arithmetic backwards) and
 * gives the host address of that byte, valid to the end of its 4 KiB page. kmalloc() and
 * page_address() keep returning host pointers, as before; kernel_page_address() is the
 * simulated direct-map address of a page.
 *
 * Machines. Every function takes the machine first, so several machines live in one process;
 * @m must be the calling thread's current machine (machine_bind_cpu()), because the page
 * allocator and the per-CPU vmap blocks act on the current CPU. A call for another machine
 * fails (NULL or -EINVAL) and does nothing.
 *
 * Layout: 4-level paging as Documentation/arch/x86/x86_64/mm.rst lists it, without KASLR unless
 * machine_config.kaslr_seed is set (then the direct map, vmalloc and vmemmap bases move as the
 * kernel's kernel_randomize_memory() moves them, in 1 GiB steps).
 */
#ifndef MMLAB_VMALLOC_H
#define MMLAB_VMALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "export.h"
#include "gfp.h"
#include "page.h"

struct machine;

/* The fixed layout of x86-64 with 4-level page tables and no KASLR (mm.rst). */
#define MMLAB_PAGE_OFFSET_BASE	0xffff888000000000UL	/* direct map of all RAM */
#define MMLAB_DIRECT_MAP_SIZE	(64UL << 40)		/* 64 TiB */
#define MMLAB_VMALLOC_BASE	0xffffc90000000000UL	/* vmalloc/ioremap space */
#define MMLAB_VMALLOC_SIZE	(32UL << 40)		/* 32 TiB (VMALLOC_SIZE_TB) */
#define MMLAB_VMEMMAP_BASE	0xffffea0000000000UL	/* struct page array */
#define CPU_ENTRY_AREA_BASE	0xfffffe0000000000UL	/* 0.5 TiB: per-CPU GDT, TSS, stacks */
#define ESPFIX_BASE_ADDR	0xffffff0000000000UL	/* %esp fixup stacks */
#define EFI_VA_END		0xffffffef00000000UL	/* EFI runtime services, 64 GiB up */
#define START_KERNEL_MAP	0xffffffff80000000UL	/* kernel text, mapped to physical 0 */
#define KERNEL_IMAGE_SIZE	(512UL << 20)
#define MODULES_VADDR		(START_KERNEL_MAP + KERNEL_IMAGE_SIZE)
#define MODULES_END		0xffffffffff000000UL
#define VSYSCALL_ADDR		0xffffffffff600000UL
#define FIXADDR_TOP		0xffffffffff7ff000UL	/* round_up(VSYSCALL_ADDR + 4K, 2M) - 4K */

/*
 * The layout of one machine: the fixed values above, with the three bases KASLR moves.
 * vmalloc_end is exclusive (the kernel's VMALLOC_END is the last byte, this + ... - 1).
 */
struct kernel_layout {
	unsigned long page_offset_base;	/* __va(0) */
	unsigned long vmalloc_start;	/* VMALLOC_START (vmalloc_base) */
	unsigned long vmalloc_end;	/* VMALLOC_END + 1 */
	unsigned long vmemmap_base;
	unsigned long cpu_entry_area_base;
	unsigned long fixaddr_start, fixaddr_top;
	unsigned long kernel_map_start;	/* __START_KERNEL_map */
	unsigned long modules_vaddr, modules_end;
};

/* machine_kernel_layout - the kernel layout of @m (never NULL for a booted machine). */
MMLAB_API const struct kernel_layout *machine_kernel_layout(const struct machine *m);

/* ---- the direct map: __va, __pa, virt_to_page, page_address -------------------------------- */

/* kernel_va - __va(@paddr): the direct-map address of physical address @paddr of @m. */
MMLAB_API unsigned long kernel_va(const struct machine *m, uint64_t paddr);
/*
 * kernel_pa - __pa(@kva): the physical address behind a direct-map or kernel-image address
 * (__pa_symbol), or ~0 for any other address (vmalloc addresses have no linear __pa).
 */
MMLAB_API uint64_t kernel_pa(const struct machine *m, unsigned long kva);
/* kernel_virt_to_page - virt_to_page(@kva) of a direct-map address; NULL if not RAM. */
MMLAB_API struct page *kernel_virt_to_page(struct machine *m, unsigned long kva);
/* kernel_page_address - page_address(@page) in the simulated direct map. */
MMLAB_API unsigned long kernel_page_address(struct machine *m, const struct page *page);
/*
 * kernel_va_to_host - the host address of the byte at kernel address @kva: direct map by
 * arithmetic, everything else by a walk of init_mm's page tables (4 KiB and 2 MiB leaves).
 * NULL if nothing is mapped there or the frame is not RAM (an ioremap). The bytes up to the end
 * of @kva's 4 KiB page are contiguous on the host; the next page's need another call.
 */
MMLAB_API void *kernel_va_to_host(struct machine *m, unsigned long kva);

/* ---- vmalloc ---------------------------------------------------------------------------------- */

/* vm_struct flags (VM_*), the kernel's values. */
#define VM_IOREMAP		0x00000001u	/* ioremap() and friends */
#define VM_ALLOC		0x00000002u	/* vmalloc() */
#define VM_MAP			0x00000004u	/* vmap()ed pages */
#define VM_USERMAP		0x00000008u	/* suitable for remap_vmalloc_range */
#define VM_DMA_COHERENT		0x00000010u
#define VM_UNINITIALIZED	0x00000020u	/* vm_struct not yet fully set up */
#define VM_NO_GUARD		0x00000040u	/* no guard page after the area */
#define VM_MAP_PUT_PAGES	0x00000200u	/* vunmap() puts the pages and frees the array */
#define VM_ALLOW_HUGE_VMAP	0x00000400u	/* may use PMD mappings */
#define VM_SPARSE		0x00001000u

/* Page protections of kernel mappings (x86-64 bits: P RW A D G NX, PCD for uncached). */
#define PAGE_KERNEL		0x8000000000000163ULL
#define PAGE_KERNEL_RO		0x8000000000000161ULL
#define PAGE_KERNEL_EXEC	0x0000000000000163ULL
#define PAGE_KERNEL_NOCACHE	0x8000000000000173ULL	/* UC-: what ioremap() maps with */
#ifndef NUMA_NO_NODE
#define NUMA_NO_NODE		(-1)	/* as mmlab/slab.h: any node */
#endif

/*
 * vmalloc - @size bytes (rounded up to pages) of virtually contiguous kernel memory, GFP_KERNEL,
 * each page a separate frame from the page allocator, mapped at a fresh address of the vmalloc
 * area with a guard page after it. Returns the simulated kernel address, or NULL (size 0, more
 * than RAM, no frames, no address space: the failure is reported to the kernel log unless
 * __GFP_NOWARN). Nothing is left allocated on failure.
 */
MMLAB_API void *vmalloc(struct machine *m, unsigned long size);
/* vzalloc - vmalloc() of zeroed memory. */
MMLAB_API void *vzalloc(struct machine *m, unsigned long size);
/* vmalloc_node - vmalloc() with the frames preferably from node @node (NUMA_NO_NODE: any). */
MMLAB_API void *vmalloc_node(struct machine *m, unsigned long size, int node);
/* __vmalloc - vmalloc() with the allocation flags @gfp (GFP_KERNEL, __GFP_ZERO, __GFP_NOWARN...). */
MMLAB_API void *__vmalloc(struct machine *m, unsigned long size, gfp_t gfp);
/*
 * vmalloc_huge - as __vmalloc(), but with PMD (2 MiB) mappings where the size allows
 * (VM_ALLOW_HUGE_VMAP): the area is 2 MiB aligned and its frames come as order-9 blocks, split
 * into small pages. Falls back to small pages when no order-9 block or mapping can be had.
 */
MMLAB_API void *vmalloc_huge(struct machine *m, unsigned long size, gfp_t gfp);
/* vmalloc_user - zeroed memory marked VM_USERMAP, for remapping into user space. */
MMLAB_API void *vmalloc_user(struct machine *m, unsigned long size);
/* vmalloc_32 - memory whose frames lie below 4 GiB (GFP_DMA32 on 64-bit). */
MMLAB_API void *vmalloc_32(struct machine *m, unsigned long size);
/*
 * __vmalloc_node_range - the general form: @align (a power of two, >= 1), within
 * [@start, @end) of the kernel address space, with @gfp for the frames, mapped with @prot,
 * the area flagged @vm_flags (VM_ALLOW_HUGE_VMAP, VM_USERMAP, VM_NO_GUARD), frames from @node,
 * @caller recorded for /proc/vmallocinfo (NULL: the caller of this function).
 */
MMLAB_API void *__vmalloc_node_range(struct machine *m, unsigned long size, unsigned long align,
				     unsigned long start, unsigned long end, gfp_t gfp,
				     uint64_t prot, unsigned int vm_flags, int node,
				     const void *caller);
/*
 * vfree - free what vmalloc() and friends returned: the pages go back at once, the PTEs are
 * cleared, and the address range waits on the lazy-purge list until lazy_max_pages() pages
 * wait (or an allocation finds no room), as the kernel defers its TLB flush. NULL is ignored;
 * an address that is no vmalloc area is reported to the kernel log and left alone.
 */
MMLAB_API void vfree(struct machine *m, const void *addr);

/*
 * vmap - map the @count pages of @pages contiguously (flags VM_MAP and @vm_flags, protection
 * @prot). The pages keep their references (unless VM_MAP_PUT_PAGES: then vunmap() drops them
 * and frees @pages with kvfree()). Returns the address or NULL.
 */
MMLAB_API void *vmap(struct machine *m, struct page **pages, unsigned int count,
		     unsigned int vm_flags, uint64_t prot);
/* vunmap - undo vmap(): the mapping goes, the pages stay theirs. NULL is ignored. */
MMLAB_API void vunmap(struct machine *m, const void *addr);

#define VMAP_MAX_ALLOC		64		/* BITS_PER_LONG: larger vm_map_ram()s get own areas */
#define VMAP_BBMAP_BITS		256		/* pages per vmap block (NR_CPUS 8192, 64-bit) */
/*
 * vm_map_ram - map @count pages fast: up to VMAP_MAX_ALLOC pages from the current CPU's vmap
 * block (one vmap_area of VMAP_BBMAP_BITS pages cut into power-of-two pieces), larger counts
 * from an area of their own. No guard page, no vm_struct. Returns the address or NULL.
 */
MMLAB_API void *vm_map_ram(struct machine *m, struct page **pages, unsigned int count, int node);
/* vm_unmap_ram - undo vm_map_ram(@mem, @count): @count must be the one it was mapped with. */
MMLAB_API void vm_unmap_ram(struct machine *m, const void *mem, unsigned int count);
/* vm_unmap_aliases - purge every lazily freed area and dirty vmap block now (one TLB flush). */
MMLAB_API void vm_unmap_aliases(struct machine *m);

/*
 * ioremap - map the physical range [@phys, @phys + @size) uncached (PAGE_KERNEL_NOCACHE) into
 * the vmalloc area (VM_IOREMAP, aligned to the size's power of two up to 1 GiB). The frames
 * need no struct page. Returns the address of @phys in the mapping, or NULL.
 */
MMLAB_API void *ioremap(struct machine *m, uint64_t phys, unsigned long size);
/* iounmap - undo ioremap(); NULL is ignored. */
MMLAB_API void iounmap(struct machine *m, const void *addr);

/*
 * kvmalloc - kmalloc() first, vmalloc as the fallback, as the kernel decides: above PAGE_SIZE
 * kmalloc is tried with __GFP_NOWARN and __GFP_NORETRY (unless __GFP_RETRY_MAYFAIL) and
 * without __GFP_NOFAIL; only a request that may sleep falls back, with VM_ALLOW_HUGE_VMAP.
 * Returns a host pointer (kmalloc) or a simulated vmalloc address: tell them apart with
 * is_vmalloc_addr(), free either with kvfree().
 */
MMLAB_API void *kvmalloc(struct machine *m, size_t size, gfp_t gfp);
/* kvfree - free what kvmalloc() returned (vfree or kfree, by is_vmalloc_addr()). */
MMLAB_API void kvfree(struct machine *m, const void *addr);

/* is_vmalloc_addr - @addr lies in @m's vmalloc area. */
MMLAB_API bool is_vmalloc_addr(const struct machine *m, const void *addr);
/* vmalloc_to_page - the page mapped at vmalloc address @addr, or NULL. */
MMLAB_API struct page *vmalloc_to_page(struct machine *m, const void *addr);
/* vmalloc_nr_pages - pages held by vmalloc areas (what meminfo's VmallocUsed shows). */
MMLAB_API unsigned long vmalloc_nr_pages(const struct machine *m);
/* lazy_max_pages - lazily freed pages that may wait before a purge: fls(CPUs) * 32 MiB. */
MMLAB_API unsigned long lazy_max_pages(const struct machine *m);

/* ---- kmap -------------------------------------------------------------------------------------- */

#define KM_MAX_IDX 16	/* kmap_local nesting per CPU */
/*
 * kmap_local_page - a kernel address of @page valid until the matching kunmap_local(): on
 * 64-bit, its direct-map address (no fixmap slot is needed). Mappings nest per CPU, at most
 * KM_MAX_IDX deep, and must be undone in reverse order; NULL beyond that.
 */
MMLAB_API void *kmap_local_page(struct machine *m, struct page *page);
/* kunmap_local - undo the current CPU's latest kmap_local_page(), which returned @addr. */
MMLAB_API void kunmap_local(struct machine *m, const void *addr);
/* kmap_atomic / kunmap_atomic - kmap_local_page with preemption (and page faults) disabled. */
MMLAB_API void *kmap_atomic(struct machine *m, struct page *page);
MMLAB_API void kunmap_atomic(struct machine *m, const void *addr);

#endif /* MMLAB_VMALLOC_H */
