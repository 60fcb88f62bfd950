/*
 * fuzz_vmalloc.c - libFuzzer harness: the kernel address-space API as a careless caller uses
 * it, with allocation failures injected.
 *
 * The input is a program: each step takes an opcode byte and the argument bytes it needs, and
 * runs one of vmalloc (any size, huge, user, 32-bit, zeroed, a node), __vmalloc_node_range with
 * odd alignments and ranges (some outside the vmalloc area, some too small to fit), vfree,
 * vmap/vunmap of held pages, vm_map_ram/vm_unmap_ram of 1..100 pages, ioremap/iounmap of odd
 * physical ranges (RAM ones are refused), kvmalloc/kvfree with any gfp, vm_unmap_aliases,
 * kmap_local nesting, translations of arbitrary addresses, or it arms a fault attribute to
 * fail one of the next calls. Objects are freed only as allocated (a wrong free is a caller's
 * bug the kernel does not survive either) with the count they were mapped with. machine_check()
 * runs after every step; at the end everything is freed and purged and the machine is checked
 * again. Each input boots its own 16 MiB machine (memory and small ranges run out often): the
 * kernel page tables a mapping needed stay, as the kernel keeps them, so a machine kept across
 * inputs would fill up with them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmlab/mmlab.h>

#include "fuzz.h"

#define NSLOTS 16
#define NPAGES 100

enum kind { K_NONE, K_VMALLOC, K_VMAP, K_RAM, K_IO, K_KV };

struct slot {
	enum kind kind;
	void *addr;
	unsigned int count;	/* vm_map_ram's count */
};

struct state {
	const uint8_t *p, *end;
	struct page *pages[NPAGES];
	struct slot slot[NSLOTS];
	void *kmap[KM_MAX_IDX];
	int nkmap;
};

static unsigned int byte(struct state *s) { return fuzz_byte(&s->p, s->end); }
static unsigned long u64(struct state *s) { return fuzz_u64(&s->p, s->end); }

/* A size: mostly a few pages, sometimes odd, huge or absurd. */
static unsigned long size(struct state *s)
{
	unsigned int b = byte(s);

	switch (b >> 6) {
	case 0: return (b & 0x3f) * 4096UL;
	case 1: return (b & 0x3f) * 4096UL + byte(s);
	case 2: return 1UL << (b & 0x1f);
	default: return u64(s);
	}
}

static gfp_t gfp(struct state *s)
{
	static const gfp_t tab[8] = {
		GFP_KERNEL, GFP_ATOMIC, GFP_NOWAIT, GFP_KERNEL | __GFP_ZERO, GFP_KERNEL | __GFP_DMA32,
		GFP_KERNEL | __GFP_RETRY_MAYFAIL, GFP_KERNEL | __GFP_NOFAIL, GFP_KERNEL | __GFP_NORETRY,
	};

	return tab[byte(s) % 8] | __GFP_NOWARN;
}

static struct slot *free_slot(struct state *s)
{
	struct slot *sl = &s->slot[byte(s) % NSLOTS];

	return sl->kind == K_NONE ? sl : NULL;
}

static void release(struct machine *m, struct slot *sl)
{
	switch (sl->kind) {
	case K_VMALLOC: vfree(m, sl->addr); break;
	case K_VMAP: vunmap(m, sl->addr); break;
	case K_RAM: vm_unmap_ram(m, sl->addr, sl->count); break;
	case K_IO: iounmap(m, sl->addr); break;
	case K_KV: kvfree(m, sl->addr); break;
	case K_NONE: break;
	}
	sl->kind = K_NONE;
	sl->addr = NULL;
}

static void put(struct slot *sl, enum kind k, void *addr, unsigned int count)
{
	if (sl && addr) {
		sl->kind = k;
		sl->addr = addr;
		sl->count = count;
	}
}

static void step(struct state *s, struct machine *m)
{
	const struct kernel_layout *l = machine_kernel_layout(m);
	unsigned int op = byte(s) % 16, n;
	struct slot *sl;
	void *v = NULL;

	switch (op) {
	case 0: case 1:
		if ((sl = free_slot(s))) {
			switch (byte(s) % 7) {
			case 0: v = vmalloc(m, size(s)); break;
			case 1: v = vzalloc(m, size(s)); break;
			case 2: v = vmalloc_huge(m, size(s), gfp(s)); break;
			case 3: v = vmalloc_user(m, size(s)); break;
			case 4: v = vmalloc_32(m, size(s)); break;
			case 5: v = vmalloc_node(m, size(s), (int)(byte(s) % 3) - 1); break;
			default: v = __vmalloc(m, size(s), gfp(s)); break;
			}
			put(sl, K_VMALLOC, v, 0);
		}
		break;
	case 2:
		if ((sl = free_slot(s))) {
			unsigned long start = byte(s) & 1 ? l->vmalloc_start + size(s) : u64(s);
			unsigned long end = byte(s) & 1 ? start + size(s) : l->vmalloc_end;

			v = __vmalloc_node_range(m, size(s), 1UL << (byte(s) % 24), start, end, gfp(s),
						 PAGE_KERNEL, byte(s) & 1 ? VM_ALLOW_HUGE_VMAP : 0,
						 NUMA_NO_NODE, NULL);
			put(sl, K_VMALLOC, v, 0);
		}
		break;
	case 3: case 4:
		release(m, &s->slot[byte(s) % NSLOTS]);
		break;
	case 5:
		if ((sl = free_slot(s))) {
			n = 1 + byte(s) % NPAGES;
			put(sl, K_VMAP, vmap(m, s->pages, n, 0, byte(s) & 1 ? PAGE_KERNEL : PAGE_KERNEL_RO), 0);
		}
		break;
	case 6: case 7:
		if ((sl = free_slot(s))) {
			n = 1 + byte(s) % NPAGES;
			put(sl, K_RAM, vm_map_ram(m, s->pages, n, NUMA_NO_NODE), n);
		}
		break;
	case 8:		/* ioremap: mostly below 64 MiB long (each page is a PTE), sometimes absurd */
		if ((sl = free_slot(s))) {
			uint64_t phys = byte(s) & 1 ? u64(s) : 0x40000000ULL + size(s);
			unsigned long len = size(s);

			if (byte(s) & 7)
				len &= (64UL << 20) - 1;
			put(sl, K_IO, ioremap(m, phys, len), 0);
		}
		break;
	case 9:
		if ((sl = free_slot(s)))
			put(sl, K_KV, kvmalloc(m, size(s), gfp(s)), 0);
		break;
	case 10:
		vm_unmap_aliases(m);
		break;
	case 11:	/* kmap_local nesting: map, or undo the latest */
		if (byte(s) & 1 && s->nkmap < KM_MAX_IDX) {
			v = kmap_local_page(m, s->pages[byte(s) % NPAGES]);
			if (v)
				s->kmap[s->nkmap++] = v;
		} else if (s->nkmap) {
			kunmap_local(m, s->kmap[--s->nkmap]);
		}
		break;
	case 12: {	/* translations of anything, and of what we hold */
		unsigned long a = u64(s);
		struct slot *h = &s->slot[byte(s) % NSLOTS];
		char *host;

		kernel_va_to_host(m, a);
		vmalloc_to_page(m, (void *)a);
		kernel_pa(m, a);
		kernel_virt_to_page(m, a);
		if (h->kind == K_VMALLOC || h->kind == K_VMAP || h->kind == K_RAM ||
		    (h->kind == K_KV && is_vmalloc_addr(m, h->addr))) {
			host = kernel_va_to_host(m, (unsigned long)h->addr);
			if (!host) {
				fprintf(stderr, "fuzz_vmalloc: a held mapping %p does not translate\n",
					h->addr);
				abort();
			}
			*host = 1;
		}
		break;
	}
	case 13:	/* fail one of the next calls of some allocation path */
		machine_fail_nth(m, (enum mmlab_fault)(byte(s) % NR_MMLAB_FAULTS), 1 + byte(s) % 8, 1);
		break;
	case 14:
		machine_fault_clear(m);
		break;
	default: {
		char buf[512];

		mmlab_proc_read(m, byte(s) & 1 ? "vmallocinfo" : "sys/kernel/debug/page_tables/kernel",
				buf, sizeof(buf));
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct machine_config cfg;
	struct machine *m;
	struct state *s = calloc(1, sizeof(*s));
	char what[64];
	int i, n = 0;

	machine_config_default(&cfg);
	cfg.mem_bytes = 16ULL << 20;
	cfg.nr_nodes = 1;
	cfg.cpus_per_node = 1;
	cfg.nr_holes = 0;
	if (!s || machine_boot(&cfg, &m))
		abort();
	machine_set_debug_level(m, 3);
	s->p = data;
	s->end = data + size;
	for (i = 0; i < NPAGES; i++)
		s->pages[i] = alloc_page(GFP_KERNEL | __GFP_NOWARN);
	for (i = 0; i < NPAGES; i++)
		if (!s->pages[i]) {	/* the machine is too small for the harness: a bug here */
			fprintf(stderr, "fuzz_vmalloc: no page %d for vmap\n", i);
			abort();
		}
	while (s->p < s->end && n < 2048) {
		snprintf(what, sizeof(what), "step %d (opcode byte %u)", n++, *s->p % 16);
		step(s, m);
		fuzz_check(m, what);
	}
	machine_fault_clear(m);
	while (s->nkmap)
		kunmap_local(m, s->kmap[--s->nkmap]);
	for (i = 0; i < NSLOTS; i++)
		release(m, &s->slot[i]);
	vm_unmap_aliases(m);
	for (i = 0; i < NPAGES; i++)
		__free_pages(s->pages[i], 0);
	if (vmalloc_nr_pages(m)) {
		fprintf(stderr, "fuzz_vmalloc: %lu vmalloc pages left after the teardown\n",
			vmalloc_nr_pages(m));
		abort();
	}
	free(s);
	fuzz_check(m, "the teardown");
	machine_shutdown(m);
	return 0;
}
