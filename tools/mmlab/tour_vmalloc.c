/*
 * tour_vmalloc.c - the tour's kernel address-space section: the x86-64 layout, a vmalloc whose
 * frames are scattered, its PTEs in init_mm's page tables (the ptdump view), /proc/vmallocinfo
 * and meminfo's Vmalloc lines, and the lazily freed range after vfree.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mmlab/mmlab.h>

#include "cli.h"

/* The lines of /proc/@file from the one that starts with @from up to the one before @to. */
static void show_between(struct machine *m, FILE *out, const char *file, const char *from,
			 const char *to)
{
	long len = mmlab_proc_read(m, file, NULL, 0);
	char *text, *start, *end;

	if (len < 0 || !(text = malloc((size_t)len + 1)))
		return;
	mmlab_proc_read(m, file, text, (size_t)len + 1);
	start = strstr(text, from);
	end = start ? strstr(start + 1, to) : NULL;
	if (start) {
		fprintf(out, "$ cat /%s%s   (%s)\n", strncmp(file, "sys/", 4) ? "proc/" : "", file, from);
		fprintf(out, "%.*s", (int)(end ? end - start : (long)strlen(start)), start);
	}
	free(text);
}

int tour_vmalloc(struct machine *m, FILE *out)
{
	const struct kernel_layout *l = machine_kernel_layout(m);
	struct page *held[8];
	char *v, *p;
	int i;

	fprintf(out, "The kernel's own addresses (x86-64, 4-level paging, no KASLR):\n"
		     "  direct map   %#lx  (__va(0); every frame at a fixed address)\n"
		     "  vmalloc      %#lx - %#lx  (32 TiB)\n"
		     "  vmemmap      %#lx\n"
		     "  kernel text  %#lx, modules %#lx - %#lx, fixmap below %#lx\n\n",
		l->page_offset_base, l->vmalloc_start, l->vmalloc_end - 1, l->vmemmap_base,
		l->kernel_map_start, l->modules_vaddr, l->modules_end, l->fixaddr_top);

	/* Scatter the frames vmalloc will get: every other one of 8 goes back first. */
	for (i = 0; i < 8; i++)
		held[i] = alloc_page(GFP_KERNEL);
	for (i = 0; i < 8; i += 2)
		__free_pages(held[i], 0);
	v = vmalloc(m, 4 * 4096);
	if (!v)
		return -ENOMEM;
	fprintf(out, "vmalloc(16 KiB) = %p: four virtually contiguous pages, each its own frame\n"
		     "(pfn of each page, through init_mm's page tables):\n ", (void *)v);
	for (i = 0; i < 4; i++)
		fprintf(out, " %#lx", page_to_pfn(vmalloc_to_page(m, v + i * 4096)));
	fprintf(out, "\nand a guard page after them. A write through the mapping lands in the frame:\n");
	p = kernel_va_to_host(m, (unsigned long)v + 4096);
	strcpy(p, "hello from vmalloc");
	fprintf(out, "  page_address(vmalloc_to_page(v + 4096)) reads \"%s\"\n\n",
		(char *)page_address(vmalloc_to_page(m, v + 4096)));
	show_between(m, out, "sys/kernel/debug/page_tables/kernel", "---[ vmalloc() Area ]---",
		     "---[ Vmemmap ]---");
	fputc('\n', out);
	fprintf(out, "$ cat /proc/vmallocinfo\n");
	mmlab_proc_print(m, "vmallocinfo", out);
	show_between(m, out, "meminfo", "VmallocTotal:", "Percpu:");
	vfree(m, v);
	fprintf(out, "\nvfree() gives the frames back at once and clears the PTEs; the range waits\n"
		     "for the lazy TLB purge (lazy_max_pages() = %lu pages may wait):\n"
		     "$ cat /proc/vmallocinfo\n", lazy_max_pages(m));
	mmlab_proc_print(m, "vmallocinfo", out);
	vm_unmap_aliases(m);
	for (i = 1; i < 8; i += 2)
		__free_pages(held[i], 0);
	return 0;
}
