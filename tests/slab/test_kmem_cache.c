/*
 * test_kmem_cache.c - kmem_cache geometry, constructors, shrink and destroy, with the invariant
 * checker after every step.
 */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "slab/internal.h"

static struct machine *m;

static int setup(void **state)
{
	m = test_boot(64ULL << 20, 1, 2);	/* 2 CPUs, as the reference host: min_objects 12 */
	return m ? 0 : -1;
}

static int teardown(void **state)
{
	machine_shutdown(m);
	m = NULL;
	return 0;
}

/*
 * (objsize, objperslab, pagesperslab) of every distinct object size in the reference host's
 * /proc/slabinfo (Linux 6.18, 2 CPUs): calculate_order must give the same slabs.
 */
static const unsigned int host_slabs[][3] = {
	{ 8, 512, 1 }, { 16, 256, 1 }, { 24, 170, 1 }, { 32, 128, 1 },
	{ 40, 102, 1 }, { 48, 85, 1 }, { 56, 73, 1 }, { 64, 64, 1 },
	{ 72, 56, 1 }, { 80, 51, 1 }, { 88, 46, 1 }, { 96, 42, 1 },
	{ 104, 39, 1 }, { 112, 36, 1 }, { 120, 34, 1 }, { 128, 32, 1 },
	{ 136, 30, 1 }, { 160, 25, 1 }, { 168, 24, 1 }, { 176, 23, 1 },
	{ 184, 22, 1 }, { 192, 21, 1 }, { 200, 20, 1 }, { 208, 19, 1 },
	{ 216, 18, 1 }, { 232, 17, 1 }, { 240, 17, 1 }, { 248, 16, 1 },
	{ 256, 16, 1 }, { 272, 15, 1 }, { 280, 14, 1 }, { 288, 14, 1 },
	{ 312, 13, 1 }, { 320, 12, 1 }, { 344, 23, 2 }, { 376, 21, 2 },
	{ 384, 21, 2 }, { 392, 20, 2 }, { 416, 19, 2 }, { 432, 18, 2 },
	{ 440, 18, 2 }, { 448, 18, 2 }, { 456, 17, 2 }, { 480, 17, 2 },
	{ 488, 16, 2 }, { 512, 16, 2 }, { 560, 14, 2 }, { 576, 14, 2 },
	{ 584, 14, 2 }, { 624, 13, 2 }, { 632, 25, 4 }, { 640, 12, 2 },
	{ 656, 12, 2 }, { 672, 12, 2 }, { 688, 23, 4 }, { 696, 23, 4 },
	{ 704, 23, 4 }, { 752, 21, 4 }, { 768, 21, 4 }, { 832, 19, 4 },
	{ 896, 18, 4 }, { 960, 17, 4 }, { 984, 16, 4 }, { 1016, 16, 4 },
	{ 1024, 16, 4 }, { 1128, 14, 4 }, { 1144, 14, 4 }, { 1152, 14, 4 },
	{ 1232, 13, 4 }, { 1280, 12, 4 }, { 1344, 12, 4 }, { 1352, 12, 4 },
	{ 1472, 22, 8 }, { 1536, 21, 8 }, { 1600, 20, 8 }, { 1984, 16, 8 },
	{ 2048, 16, 8 }, { 2112, 15, 8 }, { 2168, 15, 8 }, { 2240, 14, 8 },
	{ 2368, 13, 8 }, { 2496, 13, 8 }, { 4096, 8, 8 }, { 4232, 7, 8 },
	{ 4288, 7, 8 }, { 5824, 5, 8 }, { 8192, 4, 8 },
};

static void test_calculate_order_matches_host(void **state)
{
	unsigned int min_objects = slab_min_objects_for(2);
	size_t i;

	assert_int_equal(min_objects, 12);
	for (i = 0; i < ARRAY_SIZE(host_slabs); i++) {
		unsigned int size = host_slabs[i][0];
		unsigned int order = calculate_order(size, min_objects);

		if ((1u << order) != host_slabs[i][2] ||
		    (PAGE_SIZE << order) / size != host_slabs[i][1])
			fail_msg("size %u: order %u (%lu objects), host has %u pages, %u objects", size,
				 order, (PAGE_SIZE << order) / size, host_slabs[i][2], host_slabs[i][1]);
	}
}

/*
 * Object layout and alignment:
 *
 *   "plain20"  size 20           |20 obj|4|  stride 24, align 8
 *   "hw20"     HWCACHE_ALIGN     |20 obj|12 |  stride 32 (cache line halved while 20 <= half)
 *   "hw100"    HWCACHE_ALIGN     |100 obj |28|  stride 128, align 64
 *   "al256"    align 256         stride 256
 *   "ctor24"   ctor: free pointer after the object  |24 obj|fp 8|  stride 32
 */
static void dummy_ctor(void *p)
{
	memset(p, 0x5a, 24);
}

static void test_alignment_and_size(void **state)
{
	static const struct {
		const char *name;
		unsigned int size, align;
		slab_flags_t flags;
		void (*ctor)(void *);
		unsigned int stride, want_align;
	} cases[] = {
		{ "plain20", 20, 0, 0, NULL, 24, 8 },
		{ "hw20", 20, 0, SLAB_HWCACHE_ALIGN, NULL, 32, 32 },
		{ "hw100", 100, 0, SLAB_HWCACHE_ALIGN, NULL, 128, 64 },
		{ "al256", 100, 256, 0, NULL, 256, 256 },
		{ "ctor24", 24, 0, 0, dummy_ctor, 32, 8 },
		{ "tiny1", 1, 0, 0, NULL, 8, 8 },
	};
	size_t i;
	int j;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct kmem_cache *s = kmem_cache_create(cases[i].name, cases[i].size, cases[i].align,
							 cases[i].flags, cases[i].ctor);
		void *objs[100];

		assert_non_null(s);
		assert_int_equal(s->size, cases[i].stride);
		assert_int_equal(s->align, cases[i].want_align);
		assert_int_equal(kmem_cache_size(s), cases[i].size);
		for (j = 0; j < 100; j++) {
			objs[j] = kmem_cache_alloc(s, GFP_KERNEL);
			assert_non_null(objs[j]);
			assert_int_equal((uintptr_t)objs[j] % cases[i].want_align, 0);
			memset(objs[j], 0x11, cases[i].size);
		}
		assert_machine_ok(m);
		for (j = 0; j < 100; j++)
			kmem_cache_free(s, objs[j]);
		assert_machine_ok(m);
		kmem_cache_destroy(s);
		assert_machine_ok(m);
	}
	/* Bad requests: zero size, alignment not a power of two, a name taken. */
	assert_null(kmem_cache_create("zero", 0, 0, 0, NULL));
	assert_null(kmem_cache_create("align3", 8, 3, 0, NULL));
	assert_null(kmem_cache_create("kmalloc-64", 8, 0, 0, NULL));
}

/* Bonwick: each object is constructed once, when its slab is made, and stays constructed. */
static int ctor_calls;

struct thing {
	unsigned long magic;
	unsigned long generation;
};

static void thing_ctor(void *p)
{
	struct thing *t = p;

	ctor_calls++;
	t->magic = 0xc0ffee;
	t->generation = 0;
}

static void test_ctor_once_per_object(void **state)
{
	struct kmem_cache *s = kmem_cache_create("thing", sizeof(struct thing), 0, 0, thing_ctor);
	unsigned int per_slab, i;
	struct thing **v;

	assert_non_null(s);
	per_slab = oo_objects(s->oo);
	v = calloc(per_slab, sizeof(*v));
	ctor_calls = 0;
	v[0] = kmem_cache_alloc(s, GFP_KERNEL);
	/* The first allocation made a slab: every object in it was constructed. */
	assert_int_equal(ctor_calls, per_slab);
	for (i = 1; i < per_slab; i++)
		v[i] = kmem_cache_alloc(s, GFP_KERNEL);
	assert_int_equal(ctor_calls, per_slab);
	for (i = 0; i < per_slab; i++) {
		assert_int_equal(v[i]->magic, 0xc0ffee);
		v[i]->generation = i + 1;	/* still a valid constructed state */
	}
	for (i = 0; i < per_slab; i++)
		kmem_cache_free(s, v[i]);
	assert_machine_ok(m);
	/* Reallocation: no constructor call, and the objects keep the state they were freed in. */
	for (i = 0; i < per_slab; i++) {
		v[i] = kmem_cache_alloc(s, GFP_KERNEL);
		assert_int_equal(v[i]->magic, 0xc0ffee);
		assert_true(v[i]->generation >= 1 && v[i]->generation <= per_slab);
	}
	assert_int_equal(ctor_calls, per_slab);
	/* One more object needs a second slab: per_slab more constructor calls. */
	kmem_cache_free(s, kmem_cache_alloc(s, GFP_KERNEL));
	assert_int_equal(ctor_calls, 2 * per_slab);
	for (i = 0; i < per_slab; i++)
		kmem_cache_free(s, v[i]);
	assert_machine_ok(m);
	kmem_cache_destroy(s);
	free(v);
	assert_machine_ok(m);
}

static long slab_pages(void)
{
	return global_node_page_state(m, NR_SLAB_RECLAIMABLE) +
	       global_node_page_state(m, NR_SLAB_UNRECLAIMABLE);
}

/* Empty slabs beyond min_partial go back to the buddy allocator; shrink returns the rest. */
static void test_min_partial_and_shrink(void **state)
{
	struct kmem_cache *s = kmem_cache_create("shrinkme", 256, 0, 0, NULL);
	unsigned long free_before;
	long slab_before = slab_pages();
	struct slabinfo info;
	enum { N = 16 * 40 };
	void **v = calloc(N, sizeof(void *));
	int i;

	assert_non_null(s);
	drain_all_pages(NULL);
	free_before = nr_free_pages();
	assert_int_equal(s->min_partial, 5);	/* ilog2(256) / 2 = 4, clamped to 5 */
	for (i = 0; i < N; i++)
		assert_non_null(v[i] = kmem_cache_alloc(s, GFP_KERNEL));
	get_slabinfo(s, &info);
	assert_int_equal(info.num_slabs, N / 16);
	assert_int_equal(slab_pages() - slab_before, N / 16);
	assert_machine_ok(m);
	for (i = 0; i < N; i++) {
		kmem_cache_free(s, v[i]);
		assert_machine_ok(m);
	}
	get_slabinfo(s, &info);
	assert_true(info.num_slabs <= s->min_partial + 1 + s->cpu_partial_slabs);
	assert_int_equal(info.active_objs, info.num_objs - (info.partial_slabs * 16));
	kmem_cache_shrink(s);
	assert_machine_ok(m);
	get_slabinfo(s, &info);
	assert_int_equal(info.num_slabs, 0);
	assert_int_equal(slab_pages(), slab_before);
	drain_all_pages(NULL);
	assert_int_equal(nr_free_pages(), free_before);	/* every slab page went back */
	kmem_cache_destroy(s);
	free(v);
	assert_machine_ok(m);
}

/* Destroying a cache with live objects: reported as the kernel does, nothing freed. */
static void test_destroy_with_live_objects(void **state)
{
	struct kmem_cache *s = kmem_cache_create("leaky", 64, 0, 0, NULL);
	void *a, *b;
	char *log;

	assert_non_null(s);
	a = kmem_cache_alloc(s, GFP_KERNEL);
	b = kmem_cache_alloc(s, GFP_KERNEL);
	kmem_cache_free(s, a);
	machine_dmesg_clear(m);
	kmem_cache_destroy(s);
	log = test_dmesg(m);
	assert_non_null(strstr(log, "BUG leaky (Not tainted): Objects remaining on __kmem_cache_shutdown()"));
	assert_non_null(strstr(log, "kmem_cache_destroy leaky: Slab cache still has objects"));
	{
		char want[64];

		snprintf(want, sizeof(want), "Object 0x%016lx @offset=", (unsigned long)b);
		assert_non_null(strstr(log, want));
		snprintf(want, sizeof(want), "Object 0x%016lx @offset=", (unsigned long)a);
		assert_null(strstr(log, want));	/* only the live one is listed */
	}
	free(log);
	/* The cache is still alive and usable. */
	assert_machine_ok(m);
	log = test_proc(m, "slabinfo");
	assert_non_null(strstr(log, "\nleaky "));
	free(log);
	kmem_cache_free(s, b);
	machine_dmesg_clear(m);
	kmem_cache_destroy(s);
	log = test_dmesg(m);
	assert_string_equal(log, "");
	free(log);
	log = test_proc(m, "slabinfo");
	assert_null(strstr(log, "\nleaky "));
	free(log);
	assert_machine_ok(m);
}

/* The bulk API: one lock for many objects, the same objects as one at a time. */
static void test_bulk(void **state)
{
	struct kmem_cache *s = kmem_cache_create("bulk", 64, 0, 0, NULL);
	void *p[1000];
	int i;

	assert_int_equal(kmem_cache_alloc_bulk(s, GFP_KERNEL, 1000, p), 1000);
	for (i = 0; i < 1000; i++) {
		assert_non_null(p[i]);
		memset(p[i], i & 0xff, 64);
	}
	assert_machine_ok(m);
	kmem_cache_free_bulk(s, 1000, p);
	assert_machine_ok(m);
	assert_int_equal(kmem_cache_alloc_bulk(s, GFP_KERNEL | __GFP_ZERO, 10, p), 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(((unsigned char *)p[i])[63], 0);
	kmem_cache_free_bulk(s, 10, p);
	kmem_cache_destroy(s);
	assert_machine_ok(m);
}

/* /proc/slabinfo: the kernel's header and columns, the numbers of the cache. */
static void test_slabinfo_lines(void **state)
{
	struct kmem_cache *s = kmem_cache_create("slabinfo_test", 320, 0, 0, NULL);
	void *v[13];
	char *text, *line, want[256];
	int i;

	for (i = 0; i < 13; i++)
		v[i] = kmem_cache_alloc(s, GFP_KERNEL);
	text = test_proc(m, "slabinfo");
	{
		static const char header[] =
			"slabinfo - version: 2.1\n# name            <active_objs> <num_objs> "
			"<objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> "
			"<sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n";

		assert_memory_equal(text, header, sizeof(header) - 1);
	}
	/* Newest cache first, right after the header. */
	line = strchr(strchr(text, '\n') + 1, '\n') + 1;
	/* 13 objects of 12 per slab: two slabs, both on CPUs, so all 24 count as active. */
	snprintf(want, sizeof(want), "%-17s %6d %6d %6d %4d %4d : tunables %4d %4d %4d : slabdata %6d %6d %6d\n",
		 "slabinfo_test", 24, 24, 320, 12, 1, 0, 0, 0, 2, 2, 0);
	assert_memory_equal(line, want, strlen(want));
	free(text);
	for (i = 0; i < 13; i++)
		kmem_cache_free(s, v[i]);
	kmem_cache_destroy(s);
	assert_machine_ok(m);
}

/* Allocation from a given node lands on that node. */
static void test_alloc_node(void **state)
{
	struct machine *two = test_boot(128ULL << 20, 2, 1);
	struct kmem_cache *s;
	void *a, *b;

	assert_non_null(two);
	s = kmem_cache_create("nodes", 128, 0, 0, NULL);
	a = kmem_cache_alloc_node(s, GFP_KERNEL, 1);
	b = kmem_cache_alloc_node(s, GFP_KERNEL, 0);
	assert_int_equal(page_to_nid(virt_to_page(a)), 1);
	assert_int_equal(page_to_nid(virt_to_page(b)), 0);
	assert_machine_ok(two);
	/* CPU 1 is on node 1: a plain allocation there comes from node 1. */
	machine_bind_cpu(two, 1);
	kmem_cache_free(s, a);	/* a cross-CPU free */
	a = kmem_cache_alloc(s, GFP_KERNEL);
	assert_int_equal(page_to_nid(virt_to_page(a)), 1);
	kmem_cache_free(s, a);
	kmem_cache_free(s, b);
	assert_machine_ok(two);
	/* kmalloc_node: slab objects and large blocks from the node asked for. */
	a = kmalloc_node(100, GFP_KERNEL, 0);
	b = kmalloc_node(50000, GFP_KERNEL, 0);
	assert_int_equal(page_to_nid(virt_to_page(a)), 0);
	assert_int_equal(page_to_nid(virt_to_page(b)), 0);
	kfree(a);
	kfree(b);
	assert_machine_ok(two);
	kmem_cache_destroy(s);
	assert_machine_ok(two);
	machine_shutdown(two);
	machine_bind_cpu(m, 0);
}

/* Slabs on @cpu's partial list, failing the test if one is not of node @nid. */
static long cpu_partial_slabs_of(struct kmem_cache *s, int cpu, int nid)
{
	struct slab *slab;
	long n = 0;

	for (slab = s->cpu_slab[cpu].partial; slab; slab = slab->next, n++)
		if (slab_nid(slab) != nid)
			fail_msg("CPU %d partial slab %p is on node %d, not %d", cpu, (void *)slab,
				 slab_nid(slab), nid);
	return n;
}

/*
 * An allocation from node 0 on a CPU whose partial list holds only node 1's slabs (L of them,
 * L = cpu_partial_slabs): as in SLUB's ___slab_alloc(), those slabs go back to node 1 before
 * node 0's partial list refills the CPU, which then takes one active slab and L / 2 + 1 more,
 * as get_partial_node() counts. (The refill once landed on top of the old list: L + L / 2
 * slabs, which the checker caught with seed 125348 of test_slab_property.)
 *
 *   before:  CPU 0  active: node-1 slab, exhausted    partial: 1 1 ... 1  (L)
 *            node 0 partial: 0 0 ... 0  (L + 2)         node 1 partial: (none)
 *   kmem_cache_alloc_node(s, 0):
 *   after:   CPU 0  active: node-0 slab               partial: 0 ... 0  (L / 2 + 1)
 *            node 0 partial: 0 ... 0  (L - L / 2)
 *            node 1 partial: 1 1 ... 1  (L)
 */
static void test_alloc_node_returns_cpu_partial(void **state)
{
	struct machine *two = test_boot(128ULL << 20, 2, 1);	/* CPU 0 on node 0, CPU 1 on 1 */
	struct kmem_cache *s;
	unsigned int objs, L;
	void **v, *p;
	long i, n0, n1;

	assert_non_null(two);
	s = kmem_cache_create("partial-nodes", 256, 0, 0, NULL);
	assert_non_null(s);
	objs = oo_objects(s->oo);
	L = s->cpu_partial_slabs;
	assert_true(L >= 2 && objs >= 2);
	n0 = (long)(L + 2) * objs;	/* node-0 objects: slabs 0 .. L+1 */
	n1 = (long)(L + 1) * objs;	/* node-1 objects: slabs 0 .. L, slab L left active */
	v = calloc((size_t)(n0 + n1), sizeof(void *));
	assert_non_null(v);
	machine_bind_cpu(two, 0);

	/* Node 0: L + 2 slabs, one object free in each, flushed to node 0's partial list. */
	for (i = 0; i < n0; i++) {
		assert_non_null(v[i] = kmem_cache_alloc_node(s, GFP_KERNEL, 0));
		assert_int_equal(page_to_nid(virt_to_page(v[i])), 0);
	}
	for (i = 0; i < n0; i += objs) {
		kmem_cache_free(s, v[i]);
		v[i] = NULL;
	}
	kmem_cache_shrink(s);
	assert_machine_ok(two);
	assert_int_equal(get_node(s, 0)->nr_partial, L + 2);
	assert_null(s->cpu_slab[0].partial);

	/* Node 1: L + 1 slabs filled from CPU 0; a free into each of the first L full slabs. */
	for (i = n0; i < n0 + n1; i++) {
		assert_non_null(v[i] = kmem_cache_alloc_node(s, GFP_KERNEL, 1));
		assert_int_equal(page_to_nid(virt_to_page(v[i])), 1);
	}
	for (i = n0; i < n0 + (long)L * objs; i += objs) {
		kmem_cache_free(s, v[i]);
		v[i] = NULL;
	}
	assert_machine_ok(two);
	assert_int_equal(cpu_partial_slabs_of(s, 0, 1), L);
	assert_int_equal(get_node(s, 1)->nr_partial, 0);

	p = kmem_cache_alloc_node(s, GFP_KERNEL, 0);
	assert_non_null(p);
	assert_int_equal(page_to_nid(virt_to_page(p)), 0);
	assert_machine_ok(two);
	assert_int_equal(cpu_partial_slabs_of(s, 0, 0), L / 2 + 1);
	assert_int_equal(get_node(s, 0)->nr_partial, (L + 2) - 1 - (L / 2 + 1));
	assert_int_equal(get_node(s, 1)->nr_partial, L);

	kmem_cache_free(s, p);
	for (i = 0; i < n0 + n1; i++)
		if (v[i])
			kmem_cache_free(s, v[i]);
	assert_machine_ok(two);
	kmem_cache_destroy(s);
	assert_machine_ok(two);
	free(v);
	machine_shutdown(two);
	machine_bind_cpu(m, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calculate_order_matches_host),
		cmocka_unit_test_setup_teardown(test_alignment_and_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctor_once_per_object, setup, teardown),
		cmocka_unit_test_setup_teardown(test_min_partial_and_shrink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_with_live_objects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slabinfo_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_node, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_node_returns_cpu_partial, setup, teardown),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
