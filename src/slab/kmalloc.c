/*
 * kmalloc.c - general-purpose allocation on top of the slab caches: the kernel's size classes,
 * one cache per class and type (kmalloc-, kmalloc-rcl-, dma-kmalloc-), and the large path.
 *
 * Size classes: index i in kmalloc_caches[type][i] holds objects of 2^i bytes for i = 3..13,
 * and the two odd classes 96 (index 1) and 192 (index 2). A request of n <= 192 bytes maps
 * through size_index[(n - 1) / 8]; above that, to the next power of two. Caches are created in
 * the kernel's order (8, 16, 32, 64, 96, 128, 192, 256, ... 8k) and so print in reverse in
 * /proc/slabinfo. Power-of-two classes are naturally aligned, 96 and 192 to 32 and 64.
 *
 * Large kmalloc (> 8 KiB): a compound page of get_order(size), counted in NR_SLAB_UNRECLAIMABLE
 * as the kernel counts it, and marked in page->memcg_data so kfree() can tell it from a page the
 * caller got elsewhere.
 */
#include "slab/internal.h"

/* kmalloc index of sizes 1..192, in steps of 8 (the kernel's size_index table). */
static const unsigned char size_index[24] = {
	3, 4, 5, 5, 6, 6, 6, 6,		/*   8 ..  64 */
	1, 1, 1, 1, 7, 7, 7, 7,		/*  72 .. 128 */
	2, 2, 2, 2, 2, 2, 2, 2,		/* 136 .. 192 */
};

static const char *const kmalloc_type_prefix[NR_KMALLOC_TYPES] = {
	[KMALLOC_NORMAL] = "kmalloc-",
	[KMALLOC_RECLAIM] = "kmalloc-rcl-",
	[KMALLOC_DMA] = "dma-kmalloc-",
};

static const slab_flags_t kmalloc_type_flags[NR_KMALLOC_TYPES] = {
	[KMALLOC_NORMAL] = 0,
	[KMALLOC_RECLAIM] = SLAB_RECLAIM_ACCOUNT,
	[KMALLOC_DMA] = SLAB_CACHE_DMA,
};

static inline unsigned int kmalloc_size(unsigned int index)
{
	return index == 1 ? 96 : index == 2 ? 192 : 1u << index;
}

static inline unsigned int kmalloc_index(size_t size)
{
	if (size <= 192)
		return size_index[(size - 1) / 8];
	return (unsigned int)(64 - __builtin_clzl(size - 1));
}

static inline enum kmalloc_cache_type kmalloc_type(gfp_t gfp)
{
	if (likely(!(gfp & (__GFP_DMA | __GFP_RECLAIMABLE))))
		return KMALLOC_NORMAL;
	return gfp & __GFP_DMA ? KMALLOC_DMA : KMALLOC_RECLAIM;
}

static int new_kmalloc_cache(struct machine *m, enum kmalloc_cache_type type, unsigned int index)
{
	struct slab_state *st = slab_state_of(m);
	unsigned int size = kmalloc_size(index);
	char name[32];
	struct kmem_cache *s;

	if (size >= 1024 && !(size & (size - 1)))
		snprintf(name, sizeof(name), "%s%uk", kmalloc_type_prefix[type], size >> 10);
	else
		snprintf(name, sizeof(name), "%s%u", kmalloc_type_prefix[type], size);
	/* kmalloc guarantees alignment to the largest power of two dividing the size. */
	s = create_cache(m, name, size, size & -size, SLAB_KMALLOC | kmalloc_type_flags[type], NULL);
	if (!s)
		return -ENOMEM;
	list_add(&s->list, &st->caches);
	st->kmalloc_caches[type][index] = s;
	return 0;
}

int create_kmalloc_caches(struct machine *m)
{
	int type, i, err;

	for (type = 0; type < NR_KMALLOC_TYPES; type++)
		for (i = KMALLOC_SHIFT_LOW; i <= KMALLOC_SHIFT_HIGH; i++) {
			err = new_kmalloc_cache(m, (enum kmalloc_cache_type)type, (unsigned int)i);
			if (!err && i == 6)
				err = new_kmalloc_cache(m, (enum kmalloc_cache_type)type, 1);
			if (!err && i == 7)
				err = new_kmalloc_cache(m, (enum kmalloc_cache_type)type, 2);
			if (err)
				return err;
		}
	return 0;
}

static void *kmalloc_large(struct machine *m, size_t size, gfp_t gfp, int node)
{
	unsigned int order = 0;
	struct page *page;

	while ((PAGE_SIZE << order) < size && order <= MAX_PAGE_ORDER)
		order++;
	page = alloc_pages_node(node, (gfp & ~__GFP_ZERO) | __GFP_COMP | (gfp & __GFP_ZERO), order);
	if (!page)
		return NULL;
	page->memcg_data = LARGE_KMALLOC_MAGIC;
	slab_account_pages(m, page, order, false, 1);
	atomic_fetch_add_explicit(&slab_state_of(m)->large_kmalloc_pages, 1L << order,
				  memory_order_relaxed);
	return page_address(page);
}

static void free_large_kmalloc(struct machine *m, struct page *page, const void *p)
{
	unsigned int order = compound_order(page);

	if (unlikely(page->memcg_data != LARGE_KMALLOC_MAGIC)) {
		slab_report_bad_free(m, "kfree", p, "not allocated by kmalloc");
		return;
	}
	if (unlikely(p != page_address(page))) {
		slab_report_bad_free(m, "kfree", p, "not the start of a large kmalloc block");
		return;
	}
	page->memcg_data = 0;
	slab_account_pages(m, page, order, false, -1);
	atomic_fetch_sub_explicit(&slab_state_of(m)->large_kmalloc_pages, 1L << order,
				  memory_order_relaxed);
	__free_pages(page, order);
}

static __always_inline void *do_kmalloc(size_t size, gfp_t gfp, int node, unsigned long caller)
{
	struct machine *m = current_machine();
	struct kmem_cache *s;

	if (unlikely(size > KMALLOC_MAX_CACHE_SIZE))
		return kmalloc_large(m, size, gfp, node);
	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	s = slab_state_of(m)->kmalloc_caches[kmalloc_type(gfp)][kmalloc_index(size)];
	if (likely(node == NUMA_NO_NODE && !((gfp & __GFP_ZERO) | (s->flags & SLAB_DEBUG_FLAGS)) &&
		   !failslab_armed(s))) {
		void *object = slab_alloc_fastpath(s);

		if (likely(object)) {
			slab_debug_after_op(s);
			return object;
		}
	}
	return slab_alloc_node(s, gfp, node, caller);
}

void *kmalloc(size_t size, gfp_t gfp)
{
	return do_kmalloc(size, gfp, NUMA_NO_NODE, (unsigned long)__builtin_return_address(0));
}

void *kmalloc_node(size_t size, gfp_t gfp, int node)
{
	struct machine *m = current_machine();

	if (node != NUMA_NO_NODE && (node < 0 || node >= m->nr_nodes))
		node = NUMA_NO_NODE;
	return do_kmalloc(size, gfp, node, (unsigned long)__builtin_return_address(0));
}

void *kzalloc(size_t size, gfp_t gfp)
{
	return do_kmalloc(size, gfp | __GFP_ZERO, NUMA_NO_NODE,
			  (unsigned long)__builtin_return_address(0));
}

void *kmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (unlikely(__builtin_mul_overflow(n, size, &bytes)))
		return NULL;
	return do_kmalloc(bytes, gfp, NUMA_NO_NODE, (unsigned long)__builtin_return_address(0));
}

void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (unlikely(__builtin_mul_overflow(n, size, &bytes)))
		return NULL;
	return do_kmalloc(bytes, gfp | __GFP_ZERO, NUMA_NO_NODE,
			  (unsigned long)__builtin_return_address(0));
}

size_t ksize(const void *p)
{
	struct machine *m;
	struct page *page;

	if (ZERO_OR_NULL_PTR(p))
		return 0;
	m = current_machine();
	page = slab_virt_to_head_page(m, p);
	if (!page)
		return 0;
	if (PageSlab(page))
		return page_slab(page)->slab_cache->object_size;
	if (page->memcg_data == LARGE_KMALLOC_MAGIC)
		return PAGE_SIZE << compound_order(page);
	return 0;
}

void kfree(const void *p)
{
	struct machine *m;
	struct page *page;
	struct slab *slab;

	if (unlikely(ZERO_OR_NULL_PTR(p)))
		return;
	m = current_machine();
	page = slab_virt_to_head_page(m, p);
	if (unlikely(!page)) {
		slab_report_bad_free(m, "kfree", p, "outside the machine's memory");
		return;
	}
	if (unlikely(!PageSlab(page))) {
		free_large_kmalloc(m, page, p);
		return;
	}
	slab = page_slab(page);
	if (likely(slab_free_fastpath(slab->slab_cache, slab, (void *)p))) {
		slab_debug_after_op(slab->slab_cache);
		return;
	}
	slab_free(slab->slab_cache, slab, (void *)p, (unsigned long)__builtin_return_address(0));
}

void *krealloc(const void *p, size_t new_size, gfp_t gfp)
{
	size_t ks;
	void *ret;

	if (ZERO_OR_NULL_PTR(p))
		return do_kmalloc(new_size, gfp, NUMA_NO_NODE,
				  (unsigned long)__builtin_return_address(0));
	if (!new_size) {
		kfree(p);
		return ZERO_SIZE_PTR;
	}
	ks = ksize(p);
	if (ks >= new_size) {
		if (gfp & __GFP_ZERO)
			memset((char *)p + new_size, 0, ks - new_size);
		return (void *)p;
	}
	ret = do_kmalloc(new_size, gfp, NUMA_NO_NODE, (unsigned long)__builtin_return_address(0));
	if (!ret)
		return NULL;
	memcpy(ret, p, ks);
	if (gfp & __GFP_ZERO)
		memset((char *)ret + ks, 0, new_size - ks);
	kfree(p);
	return ret;
}
