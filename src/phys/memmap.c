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
 * Where RAM is (m->phys->ram[]) is decided first, by boot.c; memmap_init() then reserves the
 * arena and memmap for the whole physical address space.
 */
#include "phys/internal.h"

#include <sys/mman.h>

bool phys_pfn_is_ram(const struct machine *m, unsigned long pfn)
{
	int i;

	for (i = 0; i < m->phys->nr_ram; i++)
		if (pfn >= m->phys->ram[i].start && pfn < m->phys->ram[i].end)
			return true;
	return false;
}

int memmap_init(struct machine *m)
{
	m->phys->arena_bytes = (size_t)m->phys->max_pfn << PAGE_SHIFT;
	m->phys->arena = mmap(NULL, m->phys->arena_bytes, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->phys->arena == MAP_FAILED) {
		m->phys->arena = NULL;
		return -ENOMEM;
	}
	m->phys->vmemmap_bytes = PAGE_ALIGN(sizeof(struct page) * m->phys->max_pfn);
	m->phys->vmemmap = mmap(NULL, m->phys->vmemmap_bytes, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->phys->vmemmap == MAP_FAILED) {
		m->phys->vmemmap = NULL;
		munmap(m->phys->arena, m->phys->arena_bytes);
		m->phys->arena = NULL;
		return -ENOMEM;
	}
	return 0;
}

void memmap_exit(struct machine *m)
{
	if (m->phys->vmemmap)
		munmap(m->phys->vmemmap, m->phys->vmemmap_bytes);
	if (m->phys->arena)
		munmap(m->phys->arena, m->phys->arena_bytes);
	m->phys->vmemmap = NULL;
	m->phys->arena = NULL;
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

	return pfn < m->phys->max_pfn && phys_pfn_is_ram(m, pfn);
}

bool virt_addr_valid(const void *addr)
{
	struct machine *m = current_machine();
	const char *p = addr;

	if (p < m->phys->arena || p >= m->phys->arena + m->phys->arena_bytes)
		return false;
	return phys_pfn_is_ram(m, (unsigned long)(p - m->phys->arena) >> PAGE_SHIFT);
}

struct page *virt_to_page(const void *addr)
{
	struct machine *m = current_machine();

	return mpfn_to_page(m, (unsigned long)((const char *)addr - m->phys->arena) >> PAGE_SHIFT);
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
	return current_machine()->phys->node_data[page_to_nid(page)];
}
