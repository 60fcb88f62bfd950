/*
 * kpage.c - /proc/kpagecount and /proc/kpageflags: one 64-bit entry per frame number
 * (kpagecount_read, kpageflags_read and stable_page_flags in fs/proc/page.c;
 * Documentation/admin-guide/mm/pagemap.rst). Both files end at the machine's max_pfn, as the
 * kernel's end at max_pfn; the one frame past it is the zero page here (the kernel's is a
 * frame of its image), so the files reach one entry further to show it.
 *
 * kpagecount: the PTEs mapping the frame (_mapcount + 1), 0 for a free, slab or page-typed
 * frame, a hole, and the zero page (which is never counted).
 *
 * kpageflags, the KPF_* bits the model can know:
 *   NOPAGE for a hole in a memory section (128 MiB) with no RAM at all; RESERVED for the rest
 *   of the holes (the kernel's memmap covers them, marked PG_reserved); RESERVED | ZERO_PAGE for
 *   the zero page; BUDDY on the first frame of a free buddy block; SLAB on a slab's frames;
 *   COMPOUND_HEAD/COMPOUND_TAIL; MMAP when mapped; ANON for an anonymous page; and copies of
 *   PG_locked, referenced, uptodate, dirty, lru, active, writeback, reclaim, swapbacked,
 *   unevictable, mlocked, reserved, private, private_2, owner_priv_1, arch_1 and owner_2
 *   (MAPPEDTODISK: on an anonymous page the kernel's PG_anon_exclusive shares its bit, so an
 *   exclusive anonymous page shows it, as on the host).
 * Not known yet: LRU and UPTODATE on anonymous pages (there is no LRU, and the fault path does
 * not mark pages uptodate), PGTABLE (page-table frames carry no page type), IDLE, THP, KSM.
 * The recording host shows a freshly written anonymous page as UPTODATE | MMAP | ANON |
 * SWAPBACKED | MAPPEDTODISK (0x400005808); the model shows it without UPTODATE (0x400005800).
 */
#include "proc/proc.h"
#include "phys/internal.h"
#include "phys/mmzone.h"
#include "vm/internal.h"

#include <mmlab/proc.h>

#define SECTION_PAGES	(1UL << (27 - PAGE_SHIFT))	/* x86-64 SECTION_SIZE_BITS 27 */

static bool section_has_ram(struct machine *m, unsigned long pfn)
{
	unsigned long start = pfn & ~(SECTION_PAGES - 1);
	int i;

	for (i = 0; i < m->phys->nr_ram; i++)
		if (m->phys->ram[i].start < start + SECTION_PAGES && m->phys->ram[i].end > start)
			return true;
	return false;
}

/* The frame's descriptor, or NULL for a hole or a tail of a block whose tails were never set up. */
static struct page *kpage(struct machine *m, unsigned long pfn)
{
	unsigned long head = pfn & ~((1UL << MAX_PAGE_ORDER) - 1);
	struct page *map = m->phys->vmemmap;

	if (!phys_pfn_is_ram(m, pfn))
		return NULL;
	if (head != pfn && test_page_flag(&map[head], PG_deferred))
		return NULL;
	return &map[pfn];
}

static bool page_typed(const struct page *page)
{
	return test_page_flag(page, PG_buddy) || test_page_flag(compound_head(page), PG_slab);
}

static uint64_t kpage_count(struct machine *m, unsigned long pfn)
{
	struct page *page = kpage(m, pfn);
	int mapcount;

	if (!page || page_typed(page))
		return 0;
	mapcount = page_mapcount(page);
	return mapcount > 0 ? (uint64_t)mapcount : 0;
}

static uint64_t copy_bit(const struct page *page, enum pageflags pg, int kpf)
{
	return test_page_flag(page, pg) ? 1ULL << kpf : 0;
}

static uint64_t kpage_flags(struct machine *m, unsigned long pfn)
{
	struct page *page, *head;
	uint64_t u = 0;

	if (pfn == m->vm->zero_pfn)
		return 1ULL << KPF_RESERVED | 1ULL << KPF_ZERO_PAGE;
	page = kpage(m, pfn);
	if (!page) {
		if (!phys_pfn_is_ram(m, pfn))
			return section_has_ram(m, pfn) ? 1ULL << KPF_RESERVED : 1ULL << KPF_NOPAGE;
		return 0;	/* a free tail never set up */
	}
	head = compound_head(page);
	if (test_page_flag(page, PG_buddy))
		u |= 1ULL << KPF_BUDDY;
	if (test_page_flag(head, PG_slab))
		u |= 1ULL << KPF_SLAB;
	if (!page_typed(page)) {
		if (page_mapcount(page) > 0)
			u |= 1ULL << KPF_MMAP;
		if (PageAnon(head))
			u |= 1ULL << KPF_ANON;
	}
	if (PageHead(page))
		u |= 1ULL << KPF_COMPOUND_HEAD;
	else if (head != page)
		u |= 1ULL << KPF_COMPOUND_TAIL;
	u |= copy_bit(head, PG_locked, KPF_LOCKED);
	u |= copy_bit(head, PG_referenced, KPF_REFERENCED);
	u |= copy_bit(head, PG_uptodate, KPF_UPTODATE);
	u |= copy_bit(head, PG_dirty, KPF_DIRTY);
	u |= copy_bit(head, PG_lru, KPF_LRU);
	u |= copy_bit(head, PG_active, KPF_ACTIVE);
	u |= copy_bit(head, PG_writeback, KPF_WRITEBACK);
	u |= copy_bit(head, PG_reclaim, KPF_RECLAIM);
	u |= copy_bit(head, PG_swapbacked, KPF_SWAPBACKED);
	u |= copy_bit(head, PG_unevictable, KPF_UNEVICTABLE);
	u |= copy_bit(head, PG_mlocked, KPF_MLOCKED);
	u |= copy_bit(page, PG_reserved, KPF_RESERVED);
	u |= copy_bit(head, PG_owner_2, KPF_MAPPEDTODISK);
	u |= copy_bit(page, PG_private, KPF_PRIVATE);
	u |= copy_bit(page, PG_private_2, KPF_PRIVATE_2);
	u |= copy_bit(page, PG_owner_priv_1, KPF_OWNER_PRIVATE);
	u |= copy_bit(page, PG_arch_1, KPF_ARCH);
	return u;
}

static long kpage_read(struct machine *m, unsigned long pfn, uint64_t *out, unsigned long nr,
		       uint64_t (*entry)(struct machine *m, unsigned long pfn))
{
	unsigned long end = MAX(m->phys->max_pfn, m->vm->zero_pfn + 1), i;

	if (pfn >= end)
		return 0;
	nr = MIN(nr, end - pfn);
	for (i = 0; i < nr; i++)
		out[i] = entry(m, pfn + i);
	return (long)nr;
}

long mmlab_kpagecount_read(struct machine *m, unsigned long pfn, uint64_t *out, unsigned long nr)
{
	return kpage_read(m, pfn, out, nr, kpage_count);
}

long mmlab_kpageflags_read(struct machine *m, unsigned long pfn, uint64_t *out, unsigned long nr)
{
	return kpage_read(m, pfn, out, nr, kpage_flags);
}
