/*
 * memmap.c - the frames and their descriptors.
 *
 * Model (SPARSEMEM_VMEMMAP with deferred struct page init):
 *   frame(pfn)        = arena + pfn * PAGE_SIZE
 *   struct page(pfn)  = vmemmap + pfn
 * Both regions are reserved for the whole physical address space with MAP_NORESERVE. The host
 * commits a page of either only when it is first written, so holes never cost anything and a
 * 64 GiB machine boots on a smaller host. At boot only the head descriptor of each free
 * max-order block is written (PG_deferred); its 1023 tail descriptors are set up the first time
 * the block is split or handed out (memmap_init_block), as the kernel defers memmap init.
 *
 * RAM placement: from physical address 0 upward, skipping holes, until mem_bytes are placed.
 */
#include "phys/internal.h"

#include <sys/mman.h>

static int place_ram(struct machine *m)
{
	unsigned long want = m->cfg.mem_bytes >> PAGE_SHIFT;
	unsigned long pfn = 0;
	struct mmlab_range holes[MMLAB_MAX_HOLES];
	int nr = m->cfg.nr_holes, i, j;

	memcpy(holes, m->cfg.holes, sizeof(holes));
	for (i = 1; i < nr; i++)		/* sort holes by start */
		for (j = i; j > 0 && holes[j].start < holes[j - 1].start; j--) {
			struct mmlab_range t = holes[j];

			holes[j] = holes[j - 1];
			holes[j - 1] = t;
		}
	m->nr_ram = 0;
	for (i = 0; i <= nr && want; i++) {
		unsigned long stop = i < nr ? holes[i].start >> PAGE_SHIFT : ~0UL;
		unsigned long n;

		if (stop > pfn) {
			n = MIN(stop - pfn, want);
			m->ram[m->nr_ram].start = pfn;
			m->ram[m->nr_ram].end = pfn + n;
			m->nr_ram++;
			want -= n;
		}
		if (i < nr)
			pfn = MAX(pfn, holes[i].end >> PAGE_SHIFT);
	}
	if (want)
		return -EINVAL;
	m->max_pfn = m->ram[m->nr_ram - 1].end;
	return 0;
}

bool machine_pfn_is_ram(const struct machine *m, unsigned long pfn)
{
	int i;

	for (i = 0; i < m->nr_ram; i++)
		if (pfn >= m->ram[i].start && pfn < m->ram[i].end)
			return true;
	return false;
}

int memmap_init(struct machine *m)
{
	int err;

	err = place_ram(m);
	if (err)
		return err;
	m->arena_bytes = (size_t)m->max_pfn << PAGE_SHIFT;
	m->arena = mmap(NULL, m->arena_bytes, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->arena == MAP_FAILED) {
		m->arena = NULL;
		return -ENOMEM;
	}
	m->vmemmap_bytes = PAGE_ALIGN(sizeof(struct page) * m->max_pfn);
	m->vmemmap = mmap(NULL, m->vmemmap_bytes, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->vmemmap == MAP_FAILED) {
		m->vmemmap = NULL;
		munmap(m->arena, m->arena_bytes);
		m->arena = NULL;
		return -ENOMEM;
	}
	return 0;
}

void memmap_exit(struct machine *m)
{
	if (m->vmemmap)
		munmap(m->vmemmap, m->vmemmap_bytes);
	if (m->arena)
		munmap(m->arena, m->arena_bytes);
	m->vmemmap = NULL;
	m->arena = NULL;
}

/* Set up the descriptors of [pfn, pfn + nr) as free, unmapped frames of @zone. */
void memmap_init_block(struct machine *m, unsigned long pfn, unsigned long nr, struct zone *zone)
{
	unsigned long flags = ((unsigned long)zone->node << PAGE_NODE_SHIFT) |
			      ((unsigned long)zone->idx << PAGE_ZONE_SHIFT);
	struct page *page = mpfn_to_page(m, pfn), *end = page + nr;

	for (; page < end; page++) {
		page->flags = flags;
		page->lru.next = page->lru.prev = NULL;
		page->mapping = NULL;
		page->index = 0;
		page->private = 0;
		atomic_init(&page->_mapcount, -1);
		atomic_init(&page->_refcount, 0);
		page->memcg_data = 0;
	}
}

/* ---- public conversions --------------------------------------------------------------------- */

void *page_address(const struct page *page)
{
	return mpage_address(current_machine(), page);
}

struct page *pfn_to_page(unsigned long pfn)
{
	return mpfn_to_page(current_machine(), pfn);
}

unsigned long page_to_pfn(const struct page *page)
{
	return mpage_to_pfn(current_machine(), page);
}

bool pfn_valid(unsigned long pfn)
{
	struct machine *m = current_machine();

	return pfn < m->max_pfn && machine_pfn_is_ram(m, pfn);
}

bool virt_addr_valid(const void *addr)
{
	struct machine *m = current_machine();
	const char *p = addr;

	if (p < m->arena || p >= m->arena + m->arena_bytes)
		return false;
	return machine_pfn_is_ram(m, (unsigned long)(p - m->arena) >> PAGE_SHIFT);
}

struct page *virt_to_page(const void *addr)
{
	struct machine *m = current_machine();

	return mpfn_to_page(m, (unsigned long)((const char *)addr - m->arena) >> PAGE_SHIFT);
}

struct page *virt_to_head_page(const void *addr)
{
	return compound_head(virt_to_page(addr));
}

struct zone *page_zone(const struct page *page)
{
	return mpage_zone(current_machine(), page);
}

pg_data_t *page_pgdat(const struct page *page)
{
	return current_machine()->node_data[page_to_nid(page)];
}
