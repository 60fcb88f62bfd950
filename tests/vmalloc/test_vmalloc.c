/*
 * test_vmalloc.c - the kernel address space: layout and translations, vmalloc/vfree with and
 * without alignment, fragmentation and reuse, the lazy purge (by count and on failure), vmap
 * of given pages, huge mappings and their fallback, vm_map_ram, kvmalloc's choice, ioremap,
 * kmap_local nesting, every allocation point failed once with nothing leaked, and the
 * /proc/vmallocinfo and meminfo line formats against a recorded host sample.
 *
 * Pictures: one character per page of the vmalloc area from VMALLOC_START, as draw() sees the
 * trees and init_mm's page tables:
 *   A B C ...  a busy area (in address order), its page mapped
 *   a b c ...  a busy area, its page not mapped (a guard page, or a vmap block's unused room)
 *   p          a lazily freed page waiting for the purge
 *   .          free
 * Every test runs machine_check() (the vmalloc invariants among the others) after each step.
 */
#include "testlib.h"
#include "hostfp.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmalloc/internal.h"
#include "pgtable/pgtable.h"
#include "phys/mmzone.h"

#define P(n) ((unsigned long)(n) << PAGE_SHIFT)

static struct machine *boot(void)
{
	struct machine *m = test_boot(256ULL << 20, 1, 2);

	assert_non_null(m);
	return m;
}

/* The first @n pages of the vmalloc area as a picture (see the top of the file). */
static const char *draw(struct machine *m, unsigned long n)
{
	static char pic[1024];
	struct vmalloc_state *vs = vms(m);
	unsigned long base = vs->layout.vmalloc_start, i;
	struct vmap_area *va;
	char letter = 'A';

	assert_true(n < sizeof(pic));
	memset(pic, '.', n);
	pic[n] = '\0';
	mm_lock(&vs->lock);
	vmap_for_each(va, &vs->busy.head) {
		for (i = (va->va_start - base) >> PAGE_SHIFT; i < n && base + P(i) < va->va_end; i++) {
			int level;

			pic[i] = kpt_lookup(m, base + P(i), &level) & 1 ? letter : (char)(letter + 32);
		}
		letter = letter == 'Z' ? 'A' : (char)(letter + 1);
	}
	vmap_for_each(va, &vs->purge_list)
		for (i = (va->va_start - base) >> PAGE_SHIFT; i < n && base + P(i) < va->va_end; i++)
			pic[i] = 'p';
	mm_unlock(&vs->lock);
	return pic;
}

#define assert_area(m, want)							\
	do {									\
		assert_string_equal(draw((m), strlen(want)), (want));		\
		assert_machine_ok(m);						\
	} while (0)

static void *vm(struct machine *m, unsigned long pages)
{
	void *p = vmalloc(m, P(pages));

	assert_non_null(p);
	assert_machine_ok(m);
	return p;
}

/* Frames neither free nor in a slab: what a leaked frame would raise. */
static long unaccounted(struct machine *m)
{
	drain_all_pages(NULL);
	return -(long)nr_free_pages() - global_node_page_state(m, NR_SLAB_RECLAIMABLE) -
	       global_node_page_state(m, NR_SLAB_UNRECLAIMABLE);
}

/* ... nor a page table: init_mm keeps the tables a mapping needed, as the kernel does. */
static long unaccounted_but_tables(struct machine *m)
{
	return unaccounted(m) - global_node_page_state(m, NR_PAGE_TABLE_PAGES);
}

/* Does the kernel log of @m hold @what? */
static bool dmesg_has(struct machine *m, const char *what)
{
	char *log = test_dmesg(m);
	bool hit = strstr(log, what) != NULL;

	free(log);
	return hit;
}

/* ---- layout -------------------------------------------------------------------------------- */

static void test_layout_constants(void **state)
{
	struct machine *m = boot();
	const struct kernel_layout *l = machine_kernel_layout(m);
	struct page *page;
	unsigned long kva;

	(void)state;
	/* Documentation/arch/x86/x86_64/mm.rst, 4-level paging */
	assert_int_equal(l->page_offset_base, 0xffff888000000000UL);
	assert_int_equal(l->vmalloc_start, 0xffffc90000000000UL);
	assert_int_equal(l->vmalloc_end - 1, 0xffffe8ffffffffffUL);
	assert_int_equal(l->vmemmap_base, 0xffffea0000000000UL);
	assert_int_equal(l->cpu_entry_area_base, 0xfffffe0000000000UL);
	assert_int_equal(l->kernel_map_start, 0xffffffff80000000UL);
	assert_int_equal(l->modules_vaddr, 0xffffffffa0000000UL);
	assert_int_equal(l->modules_end, 0xffffffffff000000UL);
	assert_true(l->fixaddr_top < VSYSCALL_ADDR + PMD_SIZE && l->fixaddr_start < l->fixaddr_top);

	page = alloc_page(GFP_KERNEL);
	kva = kernel_page_address(m, page);
	assert_int_equal(kva, 0xffff888000000000UL + (page_to_pfn(page) << PAGE_SHIFT));
	assert_int_equal(kernel_pa(m, kva), (uint64_t)page_to_pfn(page) << PAGE_SHIFT);
	assert_ptr_equal(kernel_virt_to_page(m, kva + 123), page);
	assert_ptr_equal(kernel_va_to_host(m, kva + 5), (char *)page_address(page) + 5);
	assert_int_equal(kernel_pa(m, START_KERNEL_MAP + 0x1000), 0x1000);
	assert_int_equal(kernel_pa(m, MMLAB_VMALLOC_BASE), ~(uint64_t)0);
	assert_null(kernel_va_to_host(m, MMLAB_VMALLOC_BASE));
	__free_pages(page, 0);
	machine_shutdown(m);
}

static void test_kaslr(void **state)
{
	struct machine_config cfg;
	struct kernel_layout a, b;
	struct machine *m;

	(void)state;
	test_config(&cfg, 256ULL << 20, 1, 2);
	cfg.kaslr_seed = 42;
	m = test_boot_config(&cfg);
	assert_non_null(m);
	a = *machine_kernel_layout(m);
	machine_shutdown(m);
	m = test_boot_config(&cfg);
	b = *machine_kernel_layout(m);
	assert_memory_equal(&a, &b, sizeof(a));		/* the same seed, the same layout */
	assert_true(IS_ALIGNED(a.page_offset_base, PUD_SIZE) && IS_ALIGNED(a.vmalloc_start, PUD_SIZE) &&
		    IS_ALIGNED(a.vmemmap_base, PUD_SIZE));
	/* in order, with room for each region, below the cpu_entry_area */
	assert_true(a.page_offset_base >= MMLAB_PAGE_OFFSET_BASE);
	assert_true(a.vmalloc_start >= a.page_offset_base + (11UL << 40));
	assert_true(a.vmemmap_base >= a.vmalloc_end);
	assert_true(a.vmemmap_base + (1UL << 40) <= CPU_ENTRY_AREA_BASE);
	{
		void *p = vmalloc(m, P(2));

		assert_true(is_vmalloc_addr(m, p) && (unsigned long)p == a.vmalloc_start);
		vfree(m, p);
	}
	assert_machine_ok(m);
	machine_shutdown(m);
	cfg.kaslr_seed = 43;
	m = test_boot_config(&cfg);
	assert_true(memcmp(&a, machine_kernel_layout(m), sizeof(a)) != 0);
	machine_shutdown(m);
}

/* ---- vmalloc and vfree ---------------------------------------------------------------------- */

static void test_alloc_free(void **state)
{
	struct machine *m = boot();
	char *a, *b, *host;

	(void)state;
	a = vm(m, 3);
	b = vm(m, 1);
	assert_area(m, "AAAaBb....");
	assert_int_equal(vmalloc_nr_pages(m), 4);
	/* the bytes: each page its own frame, reached through init_mm */
	host = kernel_va_to_host(m, (unsigned long)a + P(2) + 7);
	assert_non_null(host);
	*host = 'x';
	assert_int_equal(((char *)page_address(vmalloc_to_page(m, a + P(2))))[7], 'x');
	assert_null(vmalloc_to_page(m, a + P(3)));			/* the guard page */
	vfree(m, a);
	/*  pppp Aa       the range waits for the purge; the frames are back already (B is the
	 *               first busy area now, so it is drawn as A) */
	assert_area(m, "ppppAa....");
	assert_int_equal(vmalloc_nr_pages(m), 1);
	vm_unmap_aliases(m);
	assert_area(m, "....Aa....");
	vfree(m, b);
	vfree(m, NULL);
	vm_unmap_aliases(m);
	assert_area(m, "..........");
	assert_int_equal(vms(m)->free.nr, 1);	/* merged: the kernel half is one free area */
	vfree(m, (void *)MMLAB_VMALLOC_BASE);			/* not an area: reported */
	assert_true(dmesg_has(m, "Trying to vfree() nonexistent vm area"));
	machine_shutdown(m);
}

static void test_alignment(void **state)
{
	struct machine *m = boot();
	const struct kernel_layout *l = machine_kernel_layout(m);
	void *a, *b, *c;

	(void)state;
	a = vm(m, 1);
	/* 16 KiB alignment: skips to page 4, leaving a hole of two pages */
	b = __vmalloc_node_range(m, P(2), P(4), l->vmalloc_start, l->vmalloc_end, GFP_KERNEL,
				 PAGE_KERNEL, 0, NUMA_NO_NODE, NULL);
	assert_int_equal((unsigned long)b, l->vmalloc_start + P(4));
	assert_area(m, "Aa..BBb.....");
	/* an unaligned one fits in the hole below it: the lowest fit */
	c = vm(m, 1);
	assert_int_equal((unsigned long)c, l->vmalloc_start + P(2));
	assert_area(m, "AaBbCCc.....");
	/* a range limit: nothing below @start */
	vfree(m, c);
	vm_unmap_aliases(m);
	c = __vmalloc_node_range(m, P(1), 1, l->vmalloc_start + P(9), l->vmalloc_end, GFP_KERNEL,
				 PAGE_KERNEL, 0, NUMA_NO_NODE, NULL);
	assert_int_equal((unsigned long)c, l->vmalloc_start + P(9));
	assert_area(m, "Aa..BBb..Cc.");
	vfree(m, a);
	vfree(m, b);
	vfree(m, c);
	machine_shutdown(m);
}

static void test_fragmentation_reuse(void **state)
{
	struct machine *m = boot();
	void *a, *b, *c, *d, *e;

	(void)state;
	a = vm(m, 1);
	b = vm(m, 2);
	c = vm(m, 1);
	d = vm(m, 1);
	assert_area(m, "AaBBbCcDd...");
	vfree(m, b);
	vfree(m, d);
	assert_area(m, "AapppBbpp...");		/* (letters go by address: C is B now) */
	vm_unmap_aliases(m);
	/*  Aa...Bb.....   the freed areas merge with their free neighbours */
	assert_area(m, "Aa...Bb.....");
	assert_int_equal(vms(m)->free.nr, 3);	/* below the vmalloc area, the hole, above B */
	/* two pages + guard fit the first hole exactly; one more page goes after C */
	e = vm(m, 2);
	assert_area(m, "AaBBbCc.....");
	assert_ptr_equal(e, b);
	b = vm(m, 3);
	assert_area(m, "AaBBbCcDDDd.");
	vfree(m, a);
	vfree(m, b);
	vfree(m, c);
	vfree(m, e);
	vm_unmap_aliases(m);
	assert_area(m, "............");
	machine_shutdown(m);
}

static void test_lazy_purge(void **state)
{
	struct machine *m = boot();
	const struct kernel_layout *l = machine_kernel_layout(m);
	unsigned long purges, max = lazy_max_pages(m), freed = 0;
	void *a, *b;

	(void)state;
	/* 2 CPUs: fls(2) * 32 MiB of pages may wait */
	assert_int_equal(max, 2 * 8192);
	purges = vms(m)->nr_purges;
	while (freed <= max) {			/* 64 pages + guard at a time */
		a = vmalloc(m, P(64));
		assert_non_null(a);
		vfree(m, a);
		freed += 65;
		assert_int_equal(vms(m)->nr_purges, purges + (freed > max));
	}
	assert_int_equal(vms(m)->vmap_lazy_nr, 0);
	assert_machine_ok(m);

	/* On failure: a range with room for one area; the next allocation purges, then fits. */
	a = __vmalloc_node_range(m, P(1), 1, l->vmalloc_start, l->vmalloc_start + P(2),
				 GFP_KERNEL, PAGE_KERNEL, 0, NUMA_NO_NODE, NULL);
	assert_non_null(a);
	vfree(m, a);
	assert_area(m, "pp..");
	purges = vms(m)->nr_purges;
	b = __vmalloc_node_range(m, P(1), 1, l->vmalloc_start, l->vmalloc_start + P(2),
				 GFP_KERNEL, PAGE_KERNEL, 0, NUMA_NO_NODE, NULL);
	assert_ptr_equal(a, b);
	assert_int_equal(vms(m)->nr_purges, purges + 1);
	assert_area(m, "Aa..");
	/* and with nothing to purge it fails: -EBUSY, reported */
	a = __vmalloc_node_range(m, P(1), 1, l->vmalloc_start, l->vmalloc_start + P(2),
				 GFP_KERNEL, PAGE_KERNEL, 0, NUMA_NO_NODE, NULL);
	assert_null(a);
	assert_true(dmesg_has(m, "vmalloc error: size 4096, vm_struct allocation failed"));
	assert_area(m, "Aa..");
	vfree(m, b);
	machine_shutdown(m);
}

/*
 * Module space: the trees cover the whole kernel address space, so execmem's call (the
 * vmalloc path over [MODULES_VADDR, MODULES_END), executable) works as in the kernel.
 */
static void test_module_space(void **state)
{
	struct machine *m = boot();
	char *text, *info, line[160];
	void *v;

	(void)state;
	text = __vmalloc_node_range(m, P(3), PAGE_SIZE, MODULES_VADDR, MODULES_END, GFP_KERNEL,
				    PAGE_KERNEL_EXEC, 0, NUMA_NO_NODE, NULL);
	assert_int_equal((unsigned long)text, MODULES_VADDR);
	assert_false(is_vmalloc_addr(m, text));
	v = vmalloc(m, P(1));
	assert_int_equal((unsigned long)v, MMLAB_VMALLOC_BASE);	/* the vmalloc area's own start */
	*(char *)kernel_va_to_host(m, (unsigned long)text + P(2)) = 't';
	assert_int_equal(((char *)page_address(vmalloc_to_page(m, text + P(2))))[0], 't');
	info = test_proc(m, "vmallocinfo");
	snprintf(line, sizeof(line), "0x%016lx-0x%016lx   16384 ", MODULES_VADDR, MODULES_VADDR + P(4));
	assert_non_null(strstr(info, line));
	free(info);
	info = test_proc(m, "sys/kernel/debug/page_tables/kernel");
	snprintf(line, sizeof(line), "---[ Modules ]---\n0x%016lx-0x%016lx          12K     RW"
		 "                 GLB x  pte\n", MODULES_VADDR, MODULES_VADDR + P(3));
	assert_non_null(strstr(info, line));
	/* the markers up to the modules now show: their PGD entry has a table */
	assert_non_null(strstr(info, "---[ High Kernel Mapping ]---\n"));
	free(info);
	assert_machine_ok(m);
	vfree(m, text);
	vfree(m, v);
	vm_unmap_aliases(m);
	assert_int_equal(vms(m)->free.nr, 1);
	assert_machine_ok(m);
	machine_shutdown(m);
}

/* ---- vmap, vm_map_ram, huge, kvmalloc, ioremap, kmap ------------------------------------- */

static void test_vmap_pages(void **state)
{
	struct machine *m = boot();
	struct page *pages[3];
	char *v;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		((char *)page_address(pages[i]))[0] = (char)('a' + i);
	}
	v = vmap(m, pages, 3, 0, PAGE_KERNEL);
	assert_non_null(v);
	assert_area(m, "AAAa");
	for (i = 0; i < 3; i++) {
		assert_int_equal(*(char *)kernel_va_to_host(m, (unsigned long)v + P(i)), 'a' + i);
		assert_ptr_equal(vmalloc_to_page(m, v + P(i)), pages[i]);
	}
	assert_int_equal(vmalloc_nr_pages(m), 0);		/* not vmalloc's pages */
	vfree(m, v);						/* not a vmalloc area: refused */
	assert_area(m, "AAAa");
	vunmap(m, v);
	assert_area(m, "pppp");
	for (i = 0; i < 3; i++) {
		assert_int_equal(page_count(pages[i]), 1);	/* still the caller's */
		__free_pages(pages[i], 0);
	}
	machine_shutdown(m);
}

static void test_vm_map_ram(void **state)
{
	struct machine *m = boot();
	struct page *pages[80];
	void *small, *small2, *big;
	char *info;
	int i;

	(void)state;
	for (i = 0; i < 80; i++)
		pages[i] = alloc_page(GFP_KERNEL);
	/* 3 pages round up to 4 in this CPU's 256-page block; no guard page */
	small = vm_map_ram(m, pages, 3, NUMA_NO_NODE);
	small2 = vm_map_ram(m, pages + 3, 2, NUMA_NO_NODE);
	assert_int_equal((unsigned long)small, machine_kernel_layout(m)->vmalloc_start);
	assert_int_equal((unsigned long)small2, (unsigned long)small + P(4));
	assert_area(m, "AAAaAAaa");
	assert_ptr_equal(vmalloc_to_page(m, (char *)small2 + P(1)), pages[4]);
	/* above VMAP_MAX_ALLOC: an area of its own, after the 1 MiB block */
	big = vm_map_ram(m, pages, 80, NUMA_NO_NODE);
	assert_int_equal((unsigned long)big, (unsigned long)small + (VMAP_BBMAP_BITS << PAGE_SHIFT));
	info = test_proc(m, "vmallocinfo");
	assert_non_null(strstr(info, "0xffffc90000000000-0xffffc90000100000 1048576 vm_map_ram\n"));
	assert_non_null(strstr(info, "0xffffc90000100000-0xffffc90000150000  327680 vm_map_ram\n"));
	free(info);
	vm_unmap_ram(m, small, 3);
	assert_area(m, "aaaaAAaa");		/* dirty, not reused */
	vm_unmap_ram(m, small, 3);		/* again: reported, nothing changes */
	assert_true(dmesg_has(m, "vm_unmap_ram: 0xffffc90000000000: no piece of 3 pages mapped there"));
	vm_unmap_ram(m, big, 79);		/* the wrong count: reported */
	assert_true(dmesg_has(m, "vm_unmap_ram: bad address 0xffffc90000100000 or count 79"));
	assert_area(m, "aaaaAAaa");
	vm_unmap_ram(m, small2, 2);
	vm_unmap_ram(m, big, 80);
	vm_unmap_aliases(m);			/* the block had no live piece left: reclaimed */
	assert_area(m, "........");
	for (i = 0; i < 80; i++)
		__free_pages(pages[i], 0);
	machine_shutdown(m);
}

static void test_huge(void **state)
{
	struct machine *m = boot();
	char *h, *info, line[160];
	int level = -1;
	long before = unaccounted(m);

	(void)state;
	h = vmalloc_huge(m, 4UL << 20, GFP_KERNEL);
	assert_non_null(h);
	assert_true(IS_ALIGNED((unsigned long)h, PMD_SIZE));
	assert_true(kpt_lookup(m, (unsigned long)h + P(513), &level) & 1);
	assert_int_equal(level, 1);					/* a PMD leaf */
	assert_int_equal(vmalloc_nr_pages(m), 1024);
	*(char *)kernel_va_to_host(m, (unsigned long)h + P(700) + 1) = 'h';
	assert_int_equal(((char *)page_address(vmalloc_to_page(m, h + P(700))))[1], 'h');
	info = test_proc(m, "sys/kernel/debug/page_tables/kernel");
	snprintf(line, sizeof(line), "0x%016lx-0x%016lx           4M     RW         PSE     GLB NX pmd\n",
		 (unsigned long)h, (unsigned long)h + (4UL << 20));
	assert_non_null(strstr(info, line));
	free(info);
	info = test_proc(m, "vmallocinfo");
	assert_non_null(strstr(info, " 4198400 "));
	assert_non_null(strstr(info, " pages=1024 vmalloc vpages N0=1024\n"));
	free(info);
	vfree(m, h);
	vm_unmap_aliases(m);

	/* No order-9 block to be had: small pages after all (and nothing of the attempt left). */
	{
		struct fault_attr_config fc = { .nth = 1, .interval = 1, .times = -1, .min_order = 9 };

		machine_fault_set(m, FAULT_PAGE_ALLOC, &fc);
		h = vmalloc_huge(m, 4UL << 20, GFP_KERNEL);
		machine_fault_clear(m);
		assert_non_null(h);
		assert_true(kpt_lookup(m, (unsigned long)h + P(513), &level) & 1);
		assert_int_equal(level, 0);
		assert_int_equal(vmalloc_nr_pages(m), 1024);
		assert_machine_ok(m);
		vfree(m, h);
	}
	vm_unmap_aliases(m);
	/* the tables the mappings needed stay (as the kernel keeps them) */
	assert_true(unaccounted(m) - before <= 6);
	machine_shutdown(m);
}

static void test_kvmalloc(void **state)
{
	struct machine *m = boot();
	void *p;

	(void)state;
	p = kvmalloc(m, 100, GFP_KERNEL);
	assert_non_null(p);
	assert_false(is_vmalloc_addr(m, p));			/* kmalloc's */
	kvfree(m, p);
	p = kvmalloc(m, 64UL << 10, GFP_KERNEL);
	assert_false(is_vmalloc_addr(m, p));			/* kmalloc still can */
	kvfree(m, p);
	p = kvmalloc(m, 8UL << 20, GFP_KERNEL);			/* above KMALLOC_MAX_SIZE */
	assert_true(is_vmalloc_addr(m, p));
	assert_int_equal(vmalloc_nr_pages(m), 2048);
	assert_true(IS_ALIGNED((unsigned long)p, PMD_SIZE));	/* VM_ALLOW_HUGE_VMAP */
	kvfree(m, p);
	assert_null(kvmalloc(m, 8UL << 20, GFP_ATOMIC));	/* may not sleep: no vmalloc */
	assert_int_equal(vmalloc_nr_pages(m), 0);
	assert_machine_ok(m);
	machine_shutdown(m);
}

static void test_ioremap_user_32(void **state)
{
	struct machine *m = test_boot_pc(512ULL << 20, 1);
	char *io, *info, *u, *d;

	(void)state;
	assert_null(ioremap(m, 0x200000, 4096));			/* RAM */
	assert_true(dmesg_has(m, "ioremap on RAM at 0x0000000000200000"));
	io = ioremap(m, 0xa0010, 0x2000);				/* the VGA hole */
	assert_non_null(io);
	assert_int_equal((unsigned long)io & ~PAGE_MASK, 0x10);
	assert_null(kernel_va_to_host(m, (unsigned long)io));		/* no RAM behind it */
	u = vmalloc_user(m, P(2));
	d = vmalloc_32(m, P(2));
	assert_int_equal(page_zonenum(vmalloc_to_page(m, d)), ZONE_DMA32);
	assert_int_equal(*(char *)kernel_va_to_host(m, (unsigned long)u + 9), 0);	/* zeroed */
	info = test_proc(m, "vmallocinfo");
	assert_non_null(strstr(info, "   16384 "));
	assert_non_null(strstr(info, " phys=0x00000000000a0000 ioremap\n"));
	assert_non_null(strstr(info, " pages=2 vmalloc user N0=2\n"));
	free(info);
	iounmap(m, io);
	vfree(m, u);
	vfree(m, d);
	assert_machine_ok(m);
	machine_shutdown(m);
}

static void test_kmap_local(void **state)
{
	struct machine *m = boot();
	struct page *a = alloc_page(GFP_KERNEL), *b = alloc_page(GFP_KERNEL);
	void *ka, *kb;

	(void)state;
	ka = kmap_local_page(m, a);
	kb = kmap_atomic(m, b);
	assert_int_equal((unsigned long)ka, kernel_page_address(m, a));	/* the direct map */
	assert_ptr_equal(kernel_va_to_host(m, (unsigned long)kb), page_address(b));
	assert_int_equal(vms(m)->kmap[0].idx, 2);
	kunmap_local(m, ka);					/* out of order: refused */
	assert_int_equal(vms(m)->kmap[0].idx, 2);
	kunmap_atomic(m, kb);
	kunmap_local(m, ka);
	assert_int_equal(vms(m)->kmap[0].idx, 0);
	assert_int_equal(vms(m)->kmap[0].preempt_count, 0);
	__free_pages(a, 0);
	__free_pages(b, 0);
	machine_shutdown(m);
}

/* ---- every allocation point failed once ----------------------------------------------------- */

struct op {
	const char *name;
	void *(*run)(struct machine *m, struct page **pages);
	void (*undo)(struct machine *m, void *p);
};

static void *op_vmalloc3(struct machine *m, struct page **pg) { (void)pg; return vmalloc(m, P(3)); }
static void *op_vmalloc_big(struct machine *m, struct page **pg) { (void)pg; return vmalloc(m, P(1000)); }
static void *op_huge(struct machine *m, struct page **pg) { (void)pg; return vmalloc_huge(m, 4UL << 20, GFP_KERNEL); }
static void *op_vmap(struct machine *m, struct page **pg) { return vmap(m, pg, 4, 0, PAGE_KERNEL); }
static void *op_ram4(struct machine *m, struct page **pg) { return vm_map_ram(m, pg, 4, -1); }
static void *op_ram70(struct machine *m, struct page **pg) { return vm_map_ram(m, pg, 70, -1); }
static void *op_ioremap(struct machine *m, struct page **pg) { (void)pg; return ioremap(m, 0x1000000000ULL, 8192); }
static void *op_kvmalloc(struct machine *m, struct page **pg) { (void)pg; return kvmalloc(m, 8UL << 20, GFP_KERNEL); }
static void undo_vfree(struct machine *m, void *p) { vfree(m, p); }
static void undo_vunmap(struct machine *m, void *p) { vunmap(m, p); }
static void undo_ram4(struct machine *m, void *p) { vm_unmap_ram(m, p, 4); }
static void undo_ram70(struct machine *m, void *p) { vm_unmap_ram(m, p, 70); }
static void undo_iounmap(struct machine *m, void *p) { iounmap(m, p); }
static void undo_kvfree(struct machine *m, void *p) { kvfree(m, p); }

static const struct op ops[] = {
	{ "vmalloc 3 pages", op_vmalloc3, undo_vfree },
	{ "vmalloc 1000 pages (vpages)", op_vmalloc_big, undo_vfree },
	{ "vmalloc_huge 4 MiB", op_huge, undo_vfree },
	{ "vmap 4 pages", op_vmap, undo_vunmap },
	{ "vm_map_ram 4 pages", op_ram4, undo_ram4 },
	{ "vm_map_ram 70 pages", op_ram70, undo_ram70 },
	{ "ioremap 8 KiB", op_ioremap, undo_iounmap },
	{ "kvmalloc 8 MiB", op_kvmalloc, undo_kvfree },
};

/* A fresh machine for the sweep, with 70 pages for vmap and vm_map_ram to map. */
static struct machine *sweep_boot(struct page **pages)
{
	struct machine *m = boot();
	int i;

	for (i = 0; i < 70; i++)
		pages[i] = alloc_page(GFP_KERNEL);
	return m;
}

static void sweep_shutdown(struct machine *m, struct page **pages)
{
	int i;

	for (i = 0; i < 70; i++)
		__free_pages(pages[i], 0);
	assert_machine_ok(m);
	machine_shutdown(m);
}

/*
 * For each operation and fault kind, the Nth call of the kind fails once, N = 1, 2, ... until
 * the operation runs with nothing injected. After each failure: NULL (or a fallback that
 * worked), the invariants hold, and no frame, area or vmalloc page is left. Page tables that
 * a failed mapping got before the failure stay (the kernel keeps them too), so for
 * FAULT_PGTABLE each N runs on a fresh machine, or the later table levels would never be
 * reached.
 */
static void test_fault_every_point(void **state)
{
	static const enum mmlab_fault kinds[] = { FAULT_PAGE_ALLOC, FAULT_SLAB, FAULT_MISC,
						  FAULT_PGTABLE };
	size_t o, k;

	(void)state;
	for (o = 0; o < ARRAY_SIZE(ops); o++) {
		for (k = 0; k < ARRAY_SIZE(kinds); k++) {
			bool fresh = kinds[k] == FAULT_PGTABLE;
			struct page *pages[70];
			struct machine *m = sweep_boot(pages);
			long points = 0, base = unaccounted_but_tables(m);
			unsigned long busy = vms(m)->busy.nr;
			void *p;

			for (long nth = 1;; nth++) {
				long injected;

				if (fresh && nth > 1) {
					sweep_shutdown(m, pages);
					m = sweep_boot(pages);
					base = unaccounted_but_tables(m);
				}
				machine_fail_nth(m, kinds[k], nth, 1);
				p = ops[o].run(m, pages);
				injected = machine_fault_injected(m, kinds[k]);
				machine_fault_clear(m);
				vm_unmap_aliases(m);
				if (!injected) {
					assert_non_null(p);
					ops[o].undo(m, p);
					vm_unmap_aliases(m);
					break;
				}
				points++;
				if (p) {	/* survived the failure: a fallback (huge -> small) */
					ops[o].undo(m, p);
					vm_unmap_aliases(m);
				}
				assert_machine_ok(m);
				if (unaccounted_but_tables(m) != base || vms(m)->busy.nr != busy ||
				    vmalloc_nr_pages(m) != 0)
					fail_msg("%s, fault %zu at call %ld: %ld frames, %lu areas left",
						 ops[o].name, k, nth, unaccounted_but_tables(m) - base,
						 vms(m)->busy.nr - busy);
				assert_true(nth < 5000);
			}
			print_message("%-28s fault %zu: %ld points\n", ops[o].name, k, points);
			sweep_shutdown(m, pages);
		}
	}
}

/* ---- formats against a recorded host sample --------------------------------------------------- */

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t cap = 1 << 16, len = 0, n;
	char *buf;

	if (!f)
		return NULL;
	buf = malloc(cap);
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap)
			buf = realloc(buf, cap *= 2);
	}
	if (buf)
		buf[len] = '\0';
	fclose(f);
	return buf;
}

/* The host sample: the first lines of each kind of /proc/vmallocinfo, and meminfo's Vmalloc*. */
static char *host_sample(const char *name, const char *host_path, const char *grep)
{
	char path[512], *text, *out, *line, *save;
	size_t len = 0;
	FILE *f;

	snprintf(path, sizeof(path), "vmalloc/%s", name);
	{
		char full[512];

		fixture_path(path, full, sizeof(full));
		if (fixture_mode() == FIXTURE_REPLAY) {
			text = read_file(full);
			if (!text)
				fail_msg("no recording %s", full);
			return text;
		}
		strcpy(path, full);
	}
	text = read_file(host_path);
	if (!text)
		return NULL;
	out = calloc(1, strlen(text) + 1);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		static const char *const kinds[] = { " vmalloc N", " vmap", " ioremap", "unpurged",
						     " vpages", " user", "vm_map_ram", " vmalloc\0" };
		static int taken[8];
		size_t i;

		if (grep && strncmp(line, grep, strlen(grep)))
			continue;
		for (i = 0; i < ARRAY_SIZE(kinds); i++)
			if (grep || (strstr(line, kinds[i]) && taken[i] < 3)) {
				if (!grep)
					taken[i]++;
				len += (size_t)sprintf(out + len, "%s\n", line);
				break;
			}
	}
	free(text);
	if (fixture_mode() == FIXTURE_RECORD && (f = fopen(path, "w"))) {
		fputs(out, f);
		fclose(f);
	}
	return out;
}

#define AREA_RE "^0x[0-9a-f]{16}-0x[0-9a-f]{16} [ 0-9]{7}[0-9]*"
static const char *const vmallocinfo_re[] = {
	AREA_RE "( [^ ]+\\+0x[0-9a-f]+/0x[0-9a-f]+| 0x[0-9a-f]{16})?( pages=[0-9]+)?"
		"( phys=0x[0-9a-f]{16})?( ioremap)?( sparse)?( vmalloc)?( vmap)?( user)?"
		"( dma-coherent)?( vpages)?( N[0-9]+=[0-9]+)*$",
	AREA_RE " vm_map_ram$",
	AREA_RE " unpurged vm_area$",
};

static int line_kind(const char *line)
{
	regex_t re;
	size_t i;
	int hit = -1;

	for (i = 0; i < ARRAY_SIZE(vmallocinfo_re) && hit < 0; i++) {
		assert_int_equal(regcomp(&re, vmallocinfo_re[i], REG_EXTENDED | REG_NOSUB), 0);
		if (!regexec(&re, line, 0, NULL, 0))
			hit = (int)i;
		regfree(&re);
	}
	return hit;
}

static void test_formats_vs_host(void **state)
{
	struct machine *m = test_boot_pc(512ULL << 20, 1);
	char *host = host_sample("vmallocinfo", "/proc/vmallocinfo", NULL), *line, *save, *ours;
	char *hmem = host_sample("meminfo", "/proc/meminfo", "Vmalloc"), *mem;
	struct page *pages[4];
	int seen[3] = { 0 }, i;
	void *a, *b, *c, *d, *e, *f;

	(void)state;
	{	/* the recording host's fingerprint: written when recording, named when replaying */
		char fpath[512], *text;
		struct hostfp fp;
		FILE *fo;

		fixture_path("vmalloc/fingerprint", fpath, sizeof(fpath));
		if (fixture_mode() == FIXTURE_RECORD && (fo = fopen(fpath, "w"))) {
			hostfp_probe(&fp);
			hostfp_write(fo, &fp);
			fclose(fo);
		} else if (fixture_mode() == FIXTURE_REPLAY && (text = read_file(fpath))) {
			memset(&fp, 0, sizeof(fp));
			for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
				hostfp_parse_line(&fp, line);
			print_message("format sample recorded on %s %s\n", fp.release, fp.arch);
			free(text);
		}
	}
	if (!host) {
		print_message("no /proc/vmallocinfo on this host: skipped\n");
		machine_shutdown(m);
		return;
	}
	for (line = strtok_r(host, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int k = line_kind(line);

		if (k < 0)
			fail_msg("host line not in the known format: %s", line);
		seen[k]++;
	}
	assert_true(seen[0] > 0);
	for (i = 0; i < 4; i++)
		pages[i] = alloc_page(GFP_KERNEL);
	a = vmalloc(m, P(4));
	b = vmap(m, pages, 2, 0, PAGE_KERNEL);
	c = ioremap(m, 0xa0000, 8192);
	d = vm_map_ram(m, pages, 4, -1);
	e = vmalloc(m, P(600));
	f = vmalloc_user(m, P(1));
	vfree(m, vmalloc(m, P(1)));
	ours = test_proc(m, "vmallocinfo");
	for (line = strtok_r(ours, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long s, t, size;
		int k = line_kind(line);

		if (k < 0)
			fail_msg("mmlab line not in the kernel's format: %s", line);
		if (k > 0 && !seen[k])
			print_message("(the host sample has no line of kind %d to compare: %s)\n", k, line);
		assert_int_equal(sscanf(line, "0x%lx-0x%lx %lu", &s, &t, &size), 3);
		assert_int_equal(t - s, size);
		assert_int_equal(line[37], ' ');	/* "0x" + 16 + "-0x" + 16, then the %7ld */
	}
	free(ours);
	/* meminfo: the same three lines, VmallocTotal and VmallocChunk the same numbers */
	mem = test_proc(m, "meminfo");
	for (line = strtok_r(hmem, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[32], *ours_line;
		unsigned long hv, mv;

		assert_int_equal(sscanf(line, "%31s %lu kB", name, &hv), 2);
		ours_line = strstr(mem, name);
		assert_non_null(ours_line);
		assert_int_equal(sscanf(ours_line + strlen(name), " %lu kB", &mv), 1);
		assert_int_equal(strchr(ours_line, '\n') - ours_line, (long)strlen(line));	/* widths */
		if (strcmp(name, "VmallocUsed:"))
			assert_int_equal(mv, hv);
		else
			assert_int_equal(mv, vmalloc_nr_pages(m) * 4);
	}
	free(mem);
	free(hmem);
	free(host);
	vfree(m, a);
	vunmap(m, b);
	iounmap(m, c);
	vm_unmap_ram(m, d, 4);
	vfree(m, e);
	vfree(m, f);
	for (i = 0; i < 4; i++)
		__free_pages(pages[i], 0);
	assert_machine_ok(m);
	machine_shutdown(m);
}

/* The other page-table configurations: ARM64 entries, five-level user tables; two nodes. */
static void test_configs_and_nodes(void **state)
{
	static const struct { int arch; bool la57; } cfgs[] = {
		{ MM_ARCH_ARM64, false }, { MM_ARCH_X86_64, true },
	};
	struct machine_config cfg;
	struct machine *m;
	char *info;
	void *a, *b;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cfgs); i++) {
		test_config(&cfg, 256ULL << 20, 1, 2);
		cfg.arch = cfgs[i].arch;
		cfg.la57 = cfgs[i].la57;
		m = test_boot_config(&cfg);
		assert_non_null(m);
		a = vmalloc(m, P(3));
		b = vmalloc_huge(m, 2UL << 20, GFP_KERNEL);	/* ARM64: small pages here */
		assert_area(m, "AAAa");
		*(char *)kernel_va_to_host(m, (unsigned long)b + P(300)) = 'q';
		assert_int_equal(((char *)page_address(vmalloc_to_page(m, (char *)b + P(300))))[0], 'q');
		vfree(m, a);
		vfree(m, b);
		vm_unmap_aliases(m);
		assert_area(m, "....");
		machine_shutdown(m);
	}
	m = test_boot(256ULL << 20, 2, 1);
	a = vmalloc_node(m, P(2), 1);
	b = vmalloc_node(m, P(3), 0);
	info = test_proc(m, "vmallocinfo");
	assert_non_null(strstr(info, " pages=2 vmalloc N1=2\n"));
	assert_non_null(strstr(info, " pages=3 vmalloc N0=3\n"));
	free(info);
	assert_int_equal(page_to_nid(vmalloc_to_page(m, a)), 1);
	vfree(m, a);
	vfree(m, b);
	assert_machine_ok(m);
	machine_shutdown(m);
}

static void test_machines_apart(void **state)
{
	struct machine *m1 = boot(), *m2 = boot();	/* the thread is bound to m2 now */

	(void)state;
	assert_null(vmalloc(m1, P(1)));			/* not the current machine: refused */
	assert_non_null(vmalloc(m2, P(1)));
	machine_bind_cpu(m1, 1);
	assert_non_null(vmalloc(m1, P(1)));
	assert_machine_ok(m1);
	machine_shutdown(m1);				/* areas still allocated are dropped */
	machine_bind_cpu(m2, 0);
	machine_shutdown(m2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_constants),
		cmocka_unit_test(test_kaslr),
		cmocka_unit_test(test_alloc_free),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_fragmentation_reuse),
		cmocka_unit_test(test_lazy_purge),
		cmocka_unit_test(test_module_space),
		cmocka_unit_test(test_vmap_pages),
		cmocka_unit_test(test_vm_map_ram),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_kvmalloc),
		cmocka_unit_test(test_ioremap_user_32),
		cmocka_unit_test(test_kmap_local),
		cmocka_unit_test(test_fault_every_point),
		cmocka_unit_test(test_formats_vs_host),
		cmocka_unit_test(test_configs_and_nodes),
		cmocka_unit_test(test_machines_apart),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
