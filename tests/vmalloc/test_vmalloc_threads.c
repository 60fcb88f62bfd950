/*
 * test_vmalloc_threads.c - four threads on four CPUs of one machine allocate and free at once:
 * vmalloc/vfree of varying sizes, vm_map_ram from each CPU's own vmap blocks, vmap, kvmalloc,
 * and the lazy purges they trigger. Each thread checks that what it wrote through its mappings
 * reads back; at the end the vmalloc invariants hold and every frame is back. Fixed seed per
 * thread (printed), run under TSan too (label concurrency).
 */
#include "testlib.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "vmalloc/internal.h"
#include "phys/mmzone.h"

#define NR_THREADS 4
#define ROUNDS 400

struct worker {
	struct machine *m;
	int cpu;
	uint64_t seed;
	int errors;
};

static void put(struct machine *m, void *kva, unsigned long off, char c)
{
	*(char *)kernel_va_to_host(m, (unsigned long)kva + off) = c;
}

static char get(struct machine *m, void *kva, unsigned long off)
{
	return *(char *)kernel_va_to_host(m, (unsigned long)kva + off);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct machine *m = w->m;
	struct page *pages[8];
	int r, i;

	machine_bind_cpu(m, w->cpu);
	for (i = 0; i < 8; i++)
		pages[i] = alloc_page(GFP_KERNEL);
	for (r = 0; r < ROUNDS; r++) {
		unsigned long n = 1 + test_rand(&w->seed) % 40;
		char tag = (char)('a' + (r + w->cpu) % 26);
		void *v = vmalloc(m, n << PAGE_SHIFT), *ram, *map, *kv;

		ram = vm_map_ram(m, pages, 1 + (unsigned int)(r % 8), NUMA_NO_NODE);
		map = vmap(m, pages, 8, 0, PAGE_KERNEL);
		kv = kvmalloc(m, (r % 3 ? 16UL : 4200UL) << 10, GFP_KERNEL);
		if (!v || !ram || !map || !kv) {
			w->errors++;
			break;
		}
		put(m, v, (n - 1) << PAGE_SHIFT, tag);
		put(m, map, 3 << PAGE_SHIFT, tag);
		if (get(m, v, (n - 1) << PAGE_SHIFT) != tag)
			w->errors++;
		if (r % 8 >= 3 && get(m, ram, 3 << PAGE_SHIFT) != tag)	/* pages[3] through both */
			w->errors++;
		vfree(m, v);
		vm_unmap_ram(m, ram, 1 + (unsigned int)(r % 8));
		vunmap(m, map);
		kvfree(m, kv);
	}
	for (i = 0; i < 8; i++)
		__free_pages(pages[i], 0);
	machine_unbind_cpu();
	return NULL;
}

static void test_threads(void **state)
{
	struct machine *m = test_boot(512ULL << 20, 2, 2);
	struct worker w[NR_THREADS];
	pthread_t th[NR_THREADS];
	uint64_t seed = test_seed(15);
	long before;
	int i;

	(void)state;
	assert_non_null(m);
	machine_set_debug_level(m, 1);	/* the whole-area check after every step would serialise */
	drain_all_pages(NULL);
	before = (long)nr_free_pages();
	for (i = 0; i < NR_THREADS; i++) {
		w[i] = (struct worker){ m, i, seed + (uint64_t)i * 7919, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < NR_THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].errors, 0);
	}
	machine_bind_cpu(m, 0);
	vm_unmap_aliases(m);
	assert_machine_ok(m);
	assert_int_equal(vmalloc_nr_pages(m), 0);
	assert_int_equal(vms(m)->busy.nr, 0);
	/* every frame back but the kernel page tables the mappings needed and slab's caches */
	drain_all_pages(NULL);
	assert_true(before - (long)nr_free_pages() <=
		    global_node_page_state(m, NR_PAGE_TABLE_PAGES) +
		    global_node_page_state(m, NR_SLAB_UNRECLAIMABLE) +
		    global_node_page_state(m, NR_SLAB_RECLAIMABLE));
	machine_shutdown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
