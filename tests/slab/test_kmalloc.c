/*
 * test_kmalloc.c - kmalloc and friends: size classes, alignment, the odd classes 96 and 192,
 * GFP_DMA and reclaimable caches, the large path, krealloc/ksize/kfree edge cases, and the
 * slab counters in meminfo/vmstat.
 *
 *   request:  1..8 9..16 17..32 33..64 65..96 97..128 129..192 193..256 ... 4097..8192 | 8193..
 *   class:      8    16     32     64     96     128      192      256  ...   8k       | pages
 */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "slab/internal.h"

static struct machine *m;

static int setup(void **state)
{
	m = test_boot(64ULL << 20, 1, 2);
	return m ? 0 : -1;
}

static int teardown(void **state)
{
	machine_shutdown(m);
	m = NULL;
	return 0;
}

static const char *cache_of(const void *p)
{
	return page_slab(virt_to_head_page(p))->slab_cache->name;
}

static void test_size_classes(void **state)
{
	static const struct {
		size_t size;
		const char *cache;
		size_t ksize;
	} cases[] = {
		{ 1, "kmalloc-8", 8 },	   { 8, "kmalloc-8", 8 },      { 9, "kmalloc-16", 16 },
		{ 17, "kmalloc-32", 32 },  { 33, "kmalloc-64", 64 },   { 64, "kmalloc-64", 64 },
		{ 65, "kmalloc-96", 96 },  { 96, "kmalloc-96", 96 },   { 97, "kmalloc-128", 128 },
		{ 129, "kmalloc-192", 192 }, { 192, "kmalloc-192", 192 }, { 193, "kmalloc-256", 256 },
		{ 1000, "kmalloc-1k", 1024 }, { 1025, "kmalloc-2k", 2048 }, { 4096, "kmalloc-4k", 4096 },
		{ 8192, "kmalloc-8k", 8192 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		void *p = kmalloc(cases[i].size, GFP_KERNEL);
		size_t natural = cases[i].ksize & -cases[i].ksize;

		assert_non_null(p);
		assert_string_equal(cache_of(p), cases[i].cache);
		assert_int_equal(ksize(p), cases[i].ksize);
		/* Power-of-two classes are aligned to their size; 96 to 32, 192 to 64. */
		assert_int_equal((uintptr_t)p % natural, 0);
		memset(p, 0xab, cases[i].ksize);
		kfree(p);
		assert_machine_ok(m);
	}
}

static void test_zero_null_overflow(void **state)
{
	char *p;

	assert_ptr_equal(kmalloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	kfree(NULL);
	kfree(ZERO_SIZE_PTR);
	assert_int_equal(ksize(NULL), 0);
	assert_null(kmalloc_array(SIZE_MAX / 2, 3, GFP_KERNEL));
	assert_null(kcalloc(SIZE_MAX / 8, 16, GFP_KERNEL));
	p = kcalloc(10, 10, GFP_KERNEL);
	assert_non_null(p);
	assert_string_equal(cache_of(p), "kmalloc-128");
	for (int i = 0; i < 100; i++)
		assert_int_equal(p[i], 0);
	kfree(p);
	p = kmalloc_array(3, 20, GFP_KERNEL);
	assert_string_equal(cache_of(p), "kmalloc-64");
	kfree(p);
	assert_machine_ok(m);
}

static void test_krealloc(void **state)
{
	char *p = kmalloc(50, GFP_KERNEL), *q;
	int i;

	for (i = 0; i < 50; i++)
		p[i] = (char)i;
	/* Within the class: the same block. */
	assert_ptr_equal(krealloc(p, 60, GFP_KERNEL), p);
	/* Beyond: a new block with the old bytes. */
	q = krealloc(p, 3000, GFP_KERNEL);
	assert_non_null(q);
	assert_string_equal(cache_of(q), "kmalloc-4k");
	for (i = 0; i < 50; i++)
		assert_int_equal(q[i], i);
	/* Into the large path and back into a cache. */
	p = krealloc(q, 20000, GFP_KERNEL);
	assert_int_equal(ksize(p), 32768);	/* order 3 */
	for (i = 0; i < 50; i++)
		assert_int_equal(p[i], i);
	assert_ptr_equal(krealloc(p, 0, GFP_KERNEL), ZERO_SIZE_PTR);
	p = krealloc(NULL, 10, GFP_KERNEL);
	assert_string_equal(cache_of(p), "kmalloc-16");
	kfree(p);
	assert_machine_ok(m);
}

static long meminfo_kb(const char *field)
{
	char *text = test_proc(m, "meminfo"), *at;
	long v = -1;

	at = strstr(text, field);
	if (at)
		v = strtol(at + strlen(field), NULL, 10);
	free(text);
	return v;
}

/* > 8 KiB: a compound page straight from the page allocator, counted as unreclaimable slab. */
static void test_large_kmalloc(void **state)
{
	long unrec = meminfo_kb("SUnreclaim:");
	long slab = meminfo_kb("Slab:");
	char *p = kmalloc(100000, GFP_KERNEL);
	struct page *page;

	assert_non_null(p);
	assert_int_equal((uintptr_t)p % PAGE_SIZE, 0);
	page = virt_to_page(p);
	assert_true(PageHead(page));
	assert_int_equal(compound_order(page), 5);	/* 100000 B -> 32 pages */
	assert_int_equal(ksize(p), 128 * 1024);
	memset(p, 1, 100000);
	assert_int_equal(meminfo_kb("SUnreclaim:"), unrec + 128);
	assert_int_equal(meminfo_kb("Slab:"), slab + 128);
	assert_machine_ok(m);
	/* A pointer inside the block is not a kmalloc pointer: reported, nothing freed. */
	machine_dmesg_clear(m);
	kfree(p + 4096);
	{
		char *log = test_dmesg(m);

		assert_non_null(strstr(log, "kfree: invalid pointer"));
		free(log);
	}
	assert_machine_ok(m);
	kfree(p);
	assert_int_equal(meminfo_kb("SUnreclaim:"), unrec);
	/* Above KMALLOC_MAX_SIZE: NULL. */
	assert_null(kmalloc(KMALLOC_MAX_SIZE + 1, GFP_KERNEL | __GFP_NOWARN));
	assert_machine_ok(m);
}

/* GFP_DMA -> dma-kmalloc caches in ZONE_DMA; __GFP_RECLAIMABLE -> kmalloc-rcl, SReclaimable. */
static void test_dma_and_reclaimable(void **state)
{
	long srec = meminfo_kb("SReclaimable:");
	char *vmstat;
	void *d = kmalloc(100, GFP_KERNEL | GFP_DMA);
	void *r = kmalloc(100, GFP_KERNEL | __GFP_RECLAIMABLE);

	assert_string_equal(cache_of(d), "dma-kmalloc-128");
	assert_int_equal(page_zonenum(virt_to_page(d)), ZONE_DMA);
	assert_string_equal(cache_of(r), "kmalloc-rcl-128");
	assert_int_equal(get_pageblock_migratetype(virt_to_page(r)), MIGRATE_RECLAIMABLE);
	assert_int_equal(meminfo_kb("SReclaimable:"), srec + 4);
	vmstat = test_proc(m, "vmstat");
	assert_non_null(strstr(vmstat, "nr_slab_reclaimable 1\n"));
	free(vmstat);
	kfree(d);
	kfree(r);
	assert_machine_ok(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_size_classes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_null_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_krealloc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_kmalloc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_and_reclaimable, setup, teardown),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
