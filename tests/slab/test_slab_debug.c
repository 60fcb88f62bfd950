/*
 * test_slab_debug.c - every debug report, triggered on purpose, read back from the machine log,
 * and the allocator still consistent afterwards (the checker after every step).
 *
 * The cache "dbg-64" has every debug flag (slub_debug=FZPU); one object of it is 128 bytes:
 *
 *   0                 64        72          80                       128
 *   | object (64)      | red zone | free ptr  | track alloc | track free |
 *     6b..6b a5 free     bb free                 (24 B each)
 *                        cc in use
 */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "slab/internal.h"

static struct machine *m;
static struct kmem_cache *s;

static int setup(void **state)
{
	m = test_boot(64ULL << 20, 1, 2);
	if (!m)
		return -1;
	s = kmem_cache_create("dbg-64", 64, 0, SLAB_DEBUG_FLAGS, NULL);
	return s ? 0 : -1;
}

static int teardown(void **state)
{
	machine_shutdown(m);
	m = NULL;
	return 0;
}

/* The log since the last clear contains every string in @want (NULL-terminated). */
static void assert_log_has(const char *const *want)
{
	char *log = test_dmesg(m);

	for (; *want; want++)
		if (!strstr(log, *want))
			fail_msg("log lacks \"%s\"; log:\n%s", *want, log);
	free(log);
}

static void test_layout_and_poison(void **state)
{
	unsigned char *p;
	int i;

	assert_int_equal(s->size, 128);
	assert_int_equal(s->inuse, 72);
	assert_int_equal(s->offset, 72);
	p = kmem_cache_alloc(s, GFP_KERNEL);
	/* As in the kernel, a fresh object of a poisoned cache reads 6b ... 6b a5. */
	for (i = 0; i < 63; i++)
		assert_int_equal(p[i], POISON_FREE);
	assert_int_equal(p[63], POISON_END);
	for (i = 64; i < 72; i++)
		assert_int_equal(p[i], SLUB_RED_ACTIVE);
	kmem_cache_free(s, p);
	for (i = 64; i < 72; i++)
		assert_int_equal(p[i], SLUB_RED_INACTIVE);
	assert_machine_ok(m);
}

static void test_redzone_overwritten(void **state)
{
	unsigned char *p = kmem_cache_alloc(s, GFP_KERNEL);
	char fix[128];

	p[64] = 0x42;	/* one byte past the object */
	machine_dmesg_clear(m);
	kmem_cache_free(s, p);
	snprintf(fix, sizeof(fix), "FIX dbg-64: Object at 0x%016lx not freed", (unsigned long)p);
	{
		const char *want[] = {
			"=============================================================================\n"
			"BUG dbg-64 (Not tainted): Right Redzone overwritten\n"
			"-----------------------------------------------------------------------------\n",
			"@offset=64. First byte 0x42 instead of 0xcc\n",
			"Allocated in 0x",
			"Redzone  ",
			"FIX dbg-64: Restoring Right Redzone",
			fix,
			NULL,
		};

		assert_log_has(want);
	}
	assert_machine_ok(m);
	/* The red zone was restored and the object is still allocated: a second free works. */
	machine_dmesg_clear(m);
	kmem_cache_free(s, p);
	{
		char *log = test_dmesg(m);

		assert_string_equal(log, "");
		free(log);
	}
	assert_machine_ok(m);
}

static void test_double_free(void **state)
{
	void *keep = kmem_cache_alloc(s, GFP_KERNEL);
	void *p = kmem_cache_alloc(s, GFP_KERNEL);
	char fix[128], obj[128];

	kmem_cache_free(s, p);
	machine_dmesg_clear(m);
	kmem_cache_free(s, p);
	snprintf(fix, sizeof(fix), "FIX dbg-64: Object at 0x%016lx not freed", (unsigned long)p);
	snprintf(obj, sizeof(obj), "Object 0x%016lx @offset=", (unsigned long)p);
	{
		const char *want[] = { "BUG dbg-64 (Not tainted): Object already free", obj, "Freed in 0x",
				       fix, NULL };

		assert_log_has(want);
	}
	assert_machine_ok(m);
	/* The free list holds p once: two allocations give p and another object. */
	{
		void *a = kmem_cache_alloc(s, GFP_KERNEL), *b = kmem_cache_alloc(s, GFP_KERNEL);

		assert_ptr_equal(a, p);
		assert_ptr_not_equal(b, p);
		kmem_cache_free(s, a);
		kmem_cache_free(s, b);
	}
	kmem_cache_free(s, keep);
	assert_machine_ok(m);
}

static void test_foreign_pointers(void **state)
{
	char *p = kmem_cache_alloc(s, GFP_KERNEL);
	struct kmem_cache *other = kmem_cache_create("other-64", 64, 0, SLAB_DEBUG_FLAGS, NULL);
	char want_ptr[128], *host = malloc(64);

	/* Inside an object, not at its start. */
	machine_dmesg_clear(m);
	kmem_cache_free(s, p + 8);
	snprintf(want_ptr, sizeof(want_ptr), "BUG dbg-64 (Not tainted): Invalid object pointer 0x%016lx",
		 (unsigned long)(p + 8));
	{
		const char *want[] = { want_ptr, "not freed", NULL };

		assert_log_has(want);
	}
	assert_machine_ok(m);
	/* Memory that is not the machine's at all. */
	machine_dmesg_clear(m);
	kfree(host);
	kmem_cache_free(s, host);
	{
		const char *want[] = { "kfree: invalid pointer", "kmem_cache_free: invalid pointer", NULL };

		assert_log_has(want);
	}
	/* A page of the machine that the slab layer never handed out. */
	{
		struct page *page = alloc_page(GFP_KERNEL);

		machine_dmesg_clear(m);
		kfree(page_address(page));
		{
			const char *want[] = { "kfree: invalid pointer", NULL };

			assert_log_has(want);
		}
		__free_pages(page, 0);
	}
	/* An object of dbg-64 freed to other-64: reported, and freed where it belongs. */
	machine_dmesg_clear(m);
	kmem_cache_free(other, p);
	{
		const char *want[] = { "kmem_cache_free: Wrong slab cache. other-64 but object is from dbg-64",
				       NULL };

		assert_log_has(want);
	}
	assert_machine_ok(m);
	kmem_cache_destroy(other);
	free(host);
	assert_machine_ok(m);
}

static void test_write_after_free(void **state)
{
	void *keep = kmem_cache_alloc(s, GFP_KERNEL);
	unsigned char *p = kmem_cache_alloc(s, GFP_KERNEL), *q;
	char want_bytes[128];

	kmem_cache_free(s, p);
	p[10] = 0x00;	/* use after free */
	machine_dmesg_clear(m);
	/* p heads the free list: allocating finds the damage and takes a fresh slab instead. */
	q = kmem_cache_alloc(s, GFP_KERNEL);
	assert_non_null(q);
	assert_ptr_not_equal(q, p);
	assert_ptr_not_equal(virt_to_head_page(q), virt_to_head_page(p));
	snprintf(want_bytes, sizeof(want_bytes), "0x%016lx-0x%016lx @offset=", (unsigned long)(p + 10),
		 (unsigned long)(p + 10));
	{
		const char *want[] = { "BUG dbg-64 (Not tainted): Poison overwritten", want_bytes,
				       "First byte 0x0 instead of 0x6b", "Freed in 0x",
				       "FIX dbg-64: Restoring Poison", "FIX dbg-64: Marking all objects used",
				       NULL };

		assert_log_has(want);
	}
	assert_machine_ok(m);
	kmem_cache_free(s, q);
	kmem_cache_free(s, keep);
	assert_machine_ok(m);
}

/* Without SLAB_CONSISTENCY_CHECKS the bytes are laid out but, as in the kernel, not checked. */
static void test_no_checks_without_F(void **state)
{
	struct kmem_cache *zp = kmem_cache_create("zp-32", 32, 0, SLAB_RED_ZONE | SLAB_POISON, NULL);
	unsigned char *p = kmem_cache_alloc(zp, GFP_KERNEL);
	char *log;

	assert_int_equal(p[32], SLUB_RED_ACTIVE);
	machine_dmesg_clear(m);
	kmem_cache_free(zp, p);
	log = test_dmesg(m);
	assert_string_equal(log, "");
	free(log);
	kmem_cache_destroy(zp);
	assert_machine_ok(m);
}

/* slab_debug=FZPU,kmalloc-64: the kmalloc cache itself checked, in the kernel's words. */
static void test_slab_debug_boot_option(void **state)
{
	struct machine *k = test_boot(64ULL << 20, 1, 2);
	struct kmem_cache *later;
	unsigned char *p;
	void *busy;
	char *log;

	assert_non_null(k);
	assert_int_equal(slab_debug_setup(k, "FX"), -EINVAL);
	busy = kmalloc(20, GFP_KERNEL);	/* kmalloc-32 now holds a slab */
	assert_int_equal(slab_debug_setup(k, "FZPU,kmalloc-64,kmalloc-32,later-cache"), -EBUSY);
	p = kmalloc(64, GFP_KERNEL);
	assert_string_equal(page_slab(virt_to_head_page(p))->slab_cache->name, "kmalloc-64");
	assert_int_equal(page_slab(virt_to_head_page(p))->slab_cache->flags & SLAB_DEBUG_FLAGS,
			 SLAB_DEBUG_FLAGS);
	assert_int_equal(page_slab(virt_to_head_page(busy))->slab_cache->flags & SLAB_DEBUG_FLAGS, 0);
	assert_int_equal(ksize(p), 64);
	p[64] = 0x42;
	machine_dmesg_clear(k);
	kfree(p);
	log = test_dmesg(k);
	assert_non_null(strstr(log, "BUG kmalloc-64 (Not tainted): Right Redzone overwritten"));
	assert_non_null(strstr(log, "FIX kmalloc-64: Restoring Right Redzone"));
	free(log);
	kfree(p);	/* restored: now it frees */
	later = kmem_cache_create("later-cache", 40, 0, 0, NULL);
	assert_int_equal(later->flags & SLAB_DEBUG_FLAGS, SLAB_DEBUG_FLAGS);
	kmem_cache_destroy(later);
	kfree(busy);
	assert_machine_ok(k);
	machine_shutdown(k);
	machine_bind_cpu(m, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layout_and_poison, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redzone_overwritten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_double_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_pointers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_after_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_checks_without_F, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slab_debug_boot_option, setup, teardown),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
