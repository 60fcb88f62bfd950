/*
 * vmallocinfo.c - /proc/vmallocinfo: one line per busy area of the vmalloc space, in address
 * order, then one per lazily freed area, in the kernel's format:
 *
 *   0x<start>-0x<end> <size %7ld> [<caller>] [pages=N] [phys=0x<16 digits>] [ioremap] [sparse]
 *       [vmalloc] [vmap] [user] [dma-coherent] [vpages] [N<node>=<pages>...]
 *   0x<start>-0x<end> <size> vm_map_ram          (an area without vm_struct)
 *   0x<start>-0x<end> <size> unpurged vm_area    (on the purge list)
 *
 * Addresses are printed in full, as the kernel prints them to a reader allowed to see kernel
 * pointers (%pK with kptr_restrict permitting). The size includes the guard page. The caller is
 * %pS of the host code that called the allocator: "symbol+0xoffset/0xsize" where the host's
 * dynamic symbol table names it, else its address.
 */
#include "proc/proc.h"

#include <dlfcn.h>
#include <link.h>

#include "vmalloc/internal.h"

static void show_caller(struct seq_buf *s, const void *caller)
{
	Dl_info info;
	const ElfW(Sym) *sym = NULL;

	if (dladdr1(caller, &info, (void **)&sym, RTLD_DL_SYMENT) && info.dli_sname && sym)
		seq_printf(s, " %s+%#lx/%#lx", info.dli_sname,
			   (unsigned long)((const char *)caller - (const char *)info.dli_saddr),
			   (unsigned long)sym->st_size);
	else
		seq_printf(s, " 0x%016lx", (unsigned long)caller);
}

static void show_numa_info(struct machine *m, struct seq_buf *s, const struct vm_struct *v)
{
	unsigned int counters[MMLAB_MAX_NUMNODES] = { 0 }, nr, step = 1u << v->page_order;
	int nid;

	if (!v->nr_pages || !v->pages)
		return;
	for (nr = 0; nr < v->nr_pages; nr += step)
		counters[page_to_nid(v->pages[nr])] += step;
	for_each_online_node(m, nid)
		if (counters[nid])
			seq_printf(s, " N%d=%u", nid, counters[nid]);
}

int proc_vmallocinfo_show(struct machine *m, struct seq_buf *s)
{
	struct vmalloc_state *vs = m->vmalloc;
	struct vmap_area *va;

	if (!vs)
		return 0;
	mm_lock(&vs->lock);
	vmap_for_each(va, &vs->busy.head) {
		const struct vm_struct *v = va->vm;

		if (!v) {
			if (va->flags & VMAP_RAM)
				seq_printf(s, "0x%016lx-0x%016lx %7ld vm_map_ram\n", va->va_start,
					   va->va_end, (long)va_size(va));
			continue;
		}
		if (v->flags & VM_UNINITIALIZED)
			continue;
		seq_printf(s, "0x%016lx-0x%016lx %7ld", v->addr, v->addr + v->size, (long)v->size);
		if (v->caller)
			show_caller(s, v->caller);
		if (v->nr_pages)
			seq_printf(s, " pages=%u", v->nr_pages);
		if (v->phys_addr)
			seq_printf(s, " phys=0x%016llx", (unsigned long long)v->phys_addr);
		if (v->flags & VM_IOREMAP)
			seq_puts(s, " ioremap");
		if (v->flags & VM_SPARSE)
			seq_puts(s, " sparse");
		if (v->flags & VM_ALLOC)
			seq_puts(s, " vmalloc");
		if (v->flags & VM_MAP)
			seq_puts(s, " vmap");
		if (v->flags & VM_USERMAP)
			seq_puts(s, " user");
		if (v->flags & VM_DMA_COHERENT)
			seq_puts(s, " dma-coherent");
		if (v->pages && (v->flags & VM_ALLOC) && !v->pages_kmalloced)
			seq_puts(s, " vpages");
		show_numa_info(m, s, v);
		seq_putc(s, '\n');
	}
	vmap_for_each(va, &vs->purge_list)
		seq_printf(s, "0x%016lx-0x%016lx %7ld unpurged vm_area\n", va->va_start, va->va_end,
			   (long)va_size(va));
	mm_unlock(&vs->lock);
	return 0;
}
