/*
 * fuzz_api.c - libFuzzer harness: the library API as a careless caller uses it.
 *
 * The input is a program: each step takes an opcode byte and the argument bytes it needs, and
 * runs one call of the page allocator, kmalloc, the slab caches, or an address space (mmap,
 * munmap, mprotect, madvise, mremap, mlock*, brk, mincore, msync, touch, fork, exec, exit), with
 * arguments drawn from tables that mix good values (page-aligned addresses in a small window,
 * real flags) with invalid ones (unaligned, huge, unknown bits, orders and sizes beyond the
 * limits). Objects are freed only as allocated (a wrong free is a caller's bug the kernel does
 * not survive either). machine_check() runs after every step; at the end everything is freed
 * and the machine is checked again. A finding: a sanitizer report, a leak, a broken invariant.
 * The machine is the smallest (16 MiB), so that the checker after every step stays cheap and
 * memory runs out often.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmlab/mmlab.h>

#include "fuzz.h"

#define NPAGES 16
#define NOBJS 32
#define NCACHES 4
#define NTASKS 4
#define NFILES 2
#define WINDOW 0x10000000UL		/* the address window: 256 pages from here */

struct state {
	const uint8_t *p, *end;
	struct page *page[NPAGES];
	unsigned int order[NPAGES];
	void *obj[NOBJS];
	struct kmem_cache *cache[NCACHES];
	void *cobj[NCACHES][NOBJS];
	struct mm_task *task[NTASKS];
	struct mm_file *file[NFILES];
	unsigned char vec[256];
	int caches_made;
};

static unsigned int byte(struct state *s) { return fuzz_byte(&s->p, s->end); }
static unsigned long u64(struct state *s) { return fuzz_u64(&s->p, s->end); }

/* An address: mostly in the window, sometimes anything. */
static unsigned long addr(struct state *s)
{
	unsigned int b = byte(s);

	switch (b >> 6) {
	case 0: return WINDOW + (b & 0x3f) * 4096UL * 4;
	case 1: return WINDOW + byte(s) * 4096UL;
	case 2: return (b & 1) ? 0 : WINDOW + byte(s) * 4096UL + (b & 0x3e);	/* unaligned */
	default: return u64(s);
	}
}

static unsigned long length(struct state *s)
{
	unsigned int b = byte(s);

	switch (b >> 6) {
	case 0: return (b & 0x3f) * 4096UL;
	case 1: return (b & 0x3f) * 4096UL + byte(s);	/* not a page multiple */
	case 2: return (unsigned long)byte(s) << (b & 0x3f);
	default: return u64(s);
	}
}

static unsigned long prot(struct state *s)
{
	unsigned int b = byte(s);

	return b & 0x80 ? u64(s) : b & 0xf;
}

static unsigned long map_flags(struct state *s)
{
	static const unsigned long bits[] = {
		MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS, MAP_GROWSDOWN, MAP_NORESERVE,
		MAP_POPULATE, MAP_LOCKED, MAP_FIXED_NOREPLACE, MAP_STACK, 0x03 /* SHARED_VALIDATE */,
		0x4000000 /* unknown */, MAP_HUGETLB, MAP_32BIT, MAP_SYNC, 1UL << 40,
	};
	unsigned int b = byte(s), c = byte(s), i;
	unsigned long f = 0;

	for (i = 0; i < 16; i++)
		if ((i < 8 ? b >> i : c >> (i - 8)) & 1)
			f |= bits[i];
	return f;
}

static struct mm_task *task(struct state *s)
{
	unsigned int b = byte(s);
	int i;

	for (i = 0; i < NTASKS; i++)
		if (s->task[(b + i) % NTASKS])
			return s->task[(b + i) % NTASKS];
	return NULL;
}

static gfp_t gfp(struct state *s)
{
	static const gfp_t tab[] = {
		GFP_KERNEL, GFP_ATOMIC, GFP_NOWAIT, GFP_KERNEL | __GFP_ZERO, GFP_KERNEL | __GFP_DMA,
		GFP_KERNEL | __GFP_DMA32, GFP_KERNEL | __GFP_MOVABLE, GFP_KERNEL | __GFP_NOWARN,
	};

	return tab[byte(s) % 8] | __GFP_NOWARN;
}

static void step(struct state *s, struct machine *m)
{
	unsigned int op = byte(s) % 28, i = byte(s);
	struct mm_task *t = task(s);
	struct mm_struct *mm = t ? mm_task_mm(t) : NULL;
	struct kmem_cache *c = s->cache[i % NCACHES];

	switch (op) {
	case 0:		/* alloc_pages, orders up to 12 (11, 12 are refused) */
		if (!s->page[i % NPAGES]) {
			s->order[i % NPAGES] = byte(s) % 13;
			s->page[i % NPAGES] = alloc_pages(gfp(s), s->order[i % NPAGES]);
			if (s->page[i % NPAGES])
				memset(page_address(s->page[i % NPAGES]), 0xa5, 64);
		}
		break;
	case 1:
		if (s->page[i % NPAGES]) {
			__free_pages(s->page[i % NPAGES], s->order[i % NPAGES]);
			s->page[i % NPAGES] = NULL;
		}
		break;
	case 2: {	/* kmalloc: 0, small, large, beyond KMALLOC_MAX_SIZE, absurd */
		static const size_t sizes[] = { 0, 1, 8, 96, 192, 4096, 8193, 1 << 20, 4 << 20,
						 (size_t)1 << 40, ~(size_t)0 };

		if (!s->obj[i % NOBJS]) {
			size_t n = sizes[byte(s) % 11];

			s->obj[i % NOBJS] = kmalloc(n, gfp(s));
			if (s->obj[i % NOBJS] && n)
				memset(s->obj[i % NOBJS], 0x5a, n < 64 ? n : 64);
		}
		break;
	}
	case 3:
		kfree(s->obj[i % NOBJS]);	/* NULL too */
		s->obj[i % NOBJS] = NULL;
		break;
	case 4: {
		void *n = krealloc(s->obj[i % NOBJS], byte(s) * 64UL, gfp(s));

		if (n || !byte(s))
			s->obj[i % NOBJS] = n;	/* krealloc(p, 0) frees p and returns NULL */
		break;
	}
	case 5:		/* kmem_cache_create with odd sizes, alignments and flags */
		if (!c) {
			char name[32];
			unsigned int size = byte(s) % 4 == 0 ? (unsigned int)u64(s) : byte(s) * 8;
			unsigned int align = byte(s) % 4 == 0 ? byte(s) : 1u << (byte(s) % 8);
			slab_flags_t fl = (SLAB_HWCACHE_ALIGN | SLAB_RECLAIM_ACCOUNT |
					   SLAB_CACHE_DMA32 | SLAB_DEBUG_FLAGS) & (byte(s) * 0x10101u);

			snprintf(name, sizeof(name), "fuzz-%d", s->caches_made++);
			s->cache[i % NCACHES] = kmem_cache_create(name, size, align, fl, NULL);
		}
		break;
	case 6:
		if (c) {
			unsigned int k = byte(s) % NOBJS;

			if (!s->cobj[i % NCACHES][k])
				s->cobj[i % NCACHES][k] = kmem_cache_alloc(c, gfp(s));
		}
		break;
	case 7:
		if (c) {
			unsigned int k = byte(s) % NOBJS;

			kmem_cache_free(c, s->cobj[i % NCACHES][k]);
			s->cobj[i % NCACHES][k] = NULL;
		}
		break;
	case 8:
		if (c) {
			for (int k = 0; k < NOBJS; k++) {
				kmem_cache_free(c, s->cobj[i % NCACHES][k]);
				s->cobj[i % NCACHES][k] = NULL;
			}
			kmem_cache_destroy(c);
			s->cache[i % NCACHES] = NULL;
		}
		break;
	case 9: {	/* mmap, anonymous or of a file */
		unsigned long a = addr(s), l = length(s), pr = prot(s), fl = map_flags(s);
		struct mm_file *f = fl & MAP_ANONYMOUS ? NULL : s->file[byte(s) % NFILES];

		if (mm)
			mm_mmap(mm, a, l, pr, fl, f, byte(s) & 1 ? u64(s) : byte(s) * 4096UL);
		break;
	}
	case 10:
		if (mm)
			mm_munmap(mm, addr(s), length(s));
		break;
	case 11:
		if (mm)
			mm_mprotect(mm, addr(s), length(s), prot(s));
		break;
	case 12:
		if (mm)
			mm_madvise(mm, addr(s), length(s), byte(s) % 4 ? (int)(byte(s) % 26)
								     : (int)u64(s));
		break;
	case 13: {
		unsigned long a = addr(s), ol = length(s), nl = length(s);
		unsigned int b = byte(s);

		if (mm)
			mm_mremap(mm, a, ol, nl, b & 0x7 ? b & 0x7 : (unsigned long)u64(s),
				  addr(s));
		break;
	}
	case 14:
		if (mm) {
			unsigned int b = byte(s);
			unsigned long a = addr(s), l = length(s);

			switch (b % 6) {
			case 0: mm_mlock(mm, a, l); break;
			case 1: mm_mlock2(mm, a, l, byte(s) % 3); break;
			case 2: mm_munlock(mm, a, l); break;
			case 3: mm_mlockall(mm, (int)(byte(s) % 9)); break;
			case 4: mm_munlockall(mm); break;
			default: mm_msync(mm, a, l, (int)(byte(s) % 9)); break;
			}
		}
		break;
	case 15:
		if (mm) {
			struct mm_stats st;

			mm_get_stats(mm, &st);
			mm_brk(mm, byte(s) % 4 ? st.start_brk + length(s) : u64(s));
		}
		break;
	case 16:	/* mincore: a vector of 256 bytes, so at most 256 pages (or none) */
		if (mm) {
			unsigned long a = addr(s), l = (byte(s) % 257) * 4096UL - (i & 1);

			mm_mincore(mm, a, l, byte(s) & 1 ? s->vec : NULL);
		}
		break;
	case 17:
		if (mm)
			mm_touch(mm, addr(s), byte(s) & 1);
		break;
	case 18:	/* fork or thread */
		for (int k = 0; k < NTASKS; k++)
			if (!s->task[k] && t) {
				unsigned long fl = byte(s) & 1 ? CLONE_VM | 17 : 17;

				if (mm_task_clone(t, fl, 0, &s->task[k]))
					s->task[k] = NULL;
				break;
			}
		break;
	case 19:
		for (int k = 0; k < NTASKS; k++)
			if (s->task[k] == t && t && byte(s) & 1) {
				mm_task_exit(t);
				s->task[k] = NULL;
				break;
			}
		break;
	case 20:
		if (t) {
			struct mm_exec_args a;

			memset(&a, 0, sizeof(a));
			a.flags = byte(s) & 7;
			a.caps = byte(s) & 7;
			if (byte(s) & 1)
				a.mmap_base = u64(s);
			if (byte(s) & 1)
				a.stack_size = length(s);
			a.nr_segments = (int)(byte(s) % 4 == 0 ? byte(s) : 0);
			mm_task_exec(t, &a);
		}
		break;
	case 21:
		if (!s->task[0]) {
			struct mm_exec_args a;

			memset(&a, 0, sizeof(a));
			a.caps = byte(s) & 7;
			if (mm_task_exec_new(m, 0, &a, &s->task[0]))
				s->task[0] = NULL;
		}
		break;
	case 22:
		if (mm)
			mm_setrlimit(mm, (int)(byte(s) % 20), length(s), length(s));
		break;
	case 23:
		if (s->file[i % NFILES])
			mm_file_truncate(s->file[i % NFILES], length(s));
		break;
	case 24: {
		void *v = kmalloc_array(length(s), length(s), gfp(s));

		kfree(v);
		break;
	}
	case 25:
		if (mm)
			mm_set_mmap_base(mm, addr(s));
		break;
	case 26:
		if (mm) {
			char buf[256];

			mm_maps_read(mm, buf, sizeof(buf));
		}
		break;
	default:
		if (c)
			kmem_cache_shrink(c);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct machine *m = fuzz_machine(16ULL << 20);
	struct state *s = calloc(1, sizeof(*s));
	struct mm_file_desc regular = {
		.path = "/fuzz/file", .dev_major = 8, .ino = 12, .open_flags = 2 /* O_RDWR */,
		.size = 1 << 20, .kind = MM_FILE_REGULAR,
	}, zero = {
		.path = "/dev/zero", .open_flags = 2, .size = 0, .kind = MM_FILE_DEV_ZERO,
	};
	struct mm_exec_args a;
	char what[64];
	int i, k, n = 0;

	if (!s)
		abort();
	s->p = data;
	s->end = data + size;
	memset(&a, 0, sizeof(a));
	a.caps = size & 7;
	if (mm_task_exec_new(m, 0, &a, &s->task[0]))
		s->task[0] = NULL;
	s->file[0] = mm_file_open(m, &regular);
	s->file[1] = mm_file_open(m, &zero);
	while (s->p < s->end && n < 4096) {
		snprintf(what, sizeof(what), "step %d (opcode byte %u)", n++, *s->p % 28);
		step(s, m);
		fuzz_check(m, what);
	}
	for (i = 0; i < NPAGES; i++)
		if (s->page[i])
			__free_pages(s->page[i], s->order[i]);
	for (i = 0; i < NOBJS; i++)
		kfree(s->obj[i]);
	for (i = 0; i < NCACHES; i++)
		if (s->cache[i]) {
			for (k = 0; k < NOBJS; k++)
				kmem_cache_free(s->cache[i], s->cobj[i][k]);
			kmem_cache_destroy(s->cache[i]);
		}
	for (i = 0; i < NTASKS; i++)
		if (s->task[i])
			mm_task_exit(s->task[i]);
	for (i = 0; i < NFILES; i++)
		if (s->file[i])
			mm_file_put(s->file[i]);
	free(s);
	fuzz_check(m, "the teardown");
	return 0;
}
