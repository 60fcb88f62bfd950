/*
 * test_slab_property.c - random allocations and frees over several caches, CPUs and nodes, with
 * the invariant checker after every step.
 *
 * Each live object is filled with a pattern of its own id; a wrong pattern at free time means two
 * live objects overlapped or the allocator wrote into a live object. After every step:
 *   - machine_check (slab checker: objects counted once, free lists acyclic, inuse adds up,
 *     slab pages == nr_slab_* counters; page checker: every frame accounted);
 *   - the objects the slab layer counts as allocated == the objects the test holds.
 * The seed is printed; MMLAB_SEED replays a run.
 */
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include "slab/internal.h"

enum { NR_LIVE = 3000, STEPS = 20000 };

struct live {
	void *p;
	struct kmem_cache *s;	/* NULL: from kmalloc */
	size_t size;
	uint64_t id;
};

static struct machine *m;
static struct kmem_cache *caches[5];
static struct live live[NR_LIVE];
static int nr_live;

static void ctor24(void *p)
{
	memset(p, 0xc7, 24);
}

static void fill(struct live *l)
{
	size_t i, n = MIN(l->size, (size_t)256);

	for (i = 0; i < n; i++)
		((unsigned char *)l->p)[i] = (unsigned char)(l->id * 31 + i);
}

static void verify(const struct live *l)
{
	size_t i, n = MIN(l->size, (size_t)256);

	for (i = 0; i < n; i++)
		if (((unsigned char *)l->p)[i] != (unsigned char)(l->id * 31 + i))
			fail_msg("object %p (id %llu) byte %zu damaged", l->p, (unsigned long long)l->id, i);
}

/*
 * Objects the slab layer counts as allocated, over all caches: those of the slabs it can see,
 * plus every object of the full slabs it keeps on no list (node total minus the slabs seen).
 */
static long slab_allocated(void)
{
	struct list_head *pos, *lp;
	long total = 0;
	int cpu, nid;

	list_for_each(pos, &m->slab->caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);

		for (cpu = 0; cpu < m->nr_cpus; cpu++) {
			struct kmem_cache_cpu *c = &s->cpu_slab[cpu];
			struct slab *slab;
			void *p;

			if (c->slab) {
				total += c->slab->inuse;
				for (p = c->freelist; p; p = get_freepointer(s, p))
					total--;
			}
			for (slab = c->partial; slab; slab = slab->next)
				total += slab->inuse;
		}
		long seen_objects = 0;

		for (cpu = 0; cpu < m->nr_cpus; cpu++) {
			struct slab *slab;

			if (s->cpu_slab[cpu].slab)
				seen_objects += s->cpu_slab[cpu].slab->objects;
			for (slab = s->cpu_slab[cpu].partial; slab; slab = slab->next)
				seen_objects += slab->objects;
		}
		for_each_online_node(m, nid) {
			struct kmem_cache_node *n = get_node(s, nid);

			list_for_each(lp, &n->partial) {
				total += list_entry(lp, struct slab, slab_list)->inuse;
				seen_objects += list_entry(lp, struct slab, slab_list)->objects;
			}
			list_for_each(lp, &n->full) {
				total += list_entry(lp, struct slab, slab_list)->inuse;
				seen_objects += list_entry(lp, struct slab, slab_list)->objects;
			}
			total += atomic_load(&n->total_objects);
		}
		total -= seen_objects;
	}
	return total;
}

static long held_slab_objects(void)
{
	long n = 0;
	int i;

	for (i = 0; i < nr_live; i++)
		if (live[i].s || live[i].size <= KMALLOC_MAX_CACHE_SIZE)
			n++;
	return n;
}

static void free_one(int i)
{
	verify(&live[i]);
	if (live[i].s)
		kmem_cache_free(live[i].s, live[i].p);
	else
		kfree(live[i].p);
	live[i] = live[--nr_live];
}

static void test_random_alloc_free(void **state)
{
	uint64_t seed = test_seed(0x51ab5eed), id = 0;
	long step;
	int i;

	m = test_boot(256ULL << 20, 2, 2);
	assert_non_null(m);
	caches[0] = kmem_cache_create("p-64", 64, 0, 0, NULL);
	caches[1] = kmem_cache_create("p-ctor24", 24, 0, 0, ctor24);
	caches[2] = kmem_cache_create("p-hw100", 100, 0, SLAB_HWCACHE_ALIGN | SLAB_RECLAIM_ACCOUNT, NULL);
	caches[3] = kmem_cache_create("p-dbg200", 200, 0, SLAB_DEBUG_FLAGS, NULL);
	caches[4] = kmem_cache_create("p-3000", 3000, 0, 0, NULL);
	for (i = 0; i < 5; i++)
		assert_non_null(caches[i]);

	for (step = 0; step < STEPS; step++) {
		uint64_t r = test_rand(&seed);
		unsigned int op = (unsigned int)(r % 100);

		if (op < 8) {
			/* Move to another CPU: later frees of earlier objects are cross-CPU. */
			machine_bind_cpu(m, (int)((r >> 8) % (uint64_t)m->nr_cpus));
		} else if (op < 50 && nr_live < NR_LIVE) {
			struct live *l = &live[nr_live];
			unsigned int which = (unsigned int)((r >> 8) % 7);

			l->id = ++id;
			if (which < 5) {
				l->s = caches[which];
				l->size = caches[which]->object_size;
				if ((r >> 16) & 1)
					l->p = kmem_cache_alloc_node(l->s, GFP_KERNEL, (int)((r >> 20) & 1));
				else
					l->p = kmem_cache_alloc(l->s, GFP_KERNEL);
			} else {
				l->s = NULL;
				l->size = which == 5 ? 1 + (size_t)((r >> 16) % 1024)
						     : 1 + (size_t)((r >> 16) % 40000);
				l->p = kmalloc(l->size, (r >> 40) & 1 ? GFP_KERNEL | __GFP_RECLAIMABLE
								      : GFP_KERNEL);
			}
			assert_non_null(l->p);
			fill(l);
			nr_live++;
		} else if (op < 97 && nr_live) {
			free_one((int)((r >> 8) % (uint64_t)nr_live));
		} else if (op < 99) {
			kmem_cache_shrink(caches[(r >> 8) % 5]);
		} else {
			void *v[40];
			struct kmem_cache *s = caches[(r >> 8) % 3];

			assert_int_equal(kmem_cache_alloc_bulk(s, GFP_KERNEL, 40, v), 40);
			kmem_cache_free_bulk(s, 40, v);
		}
		{
			char why[512];

			if (machine_check(m, why, sizeof(why)))
				fail_msg("step %ld: %s", step, why);
		}
		if (slab_allocated() != held_slab_objects())
			fail_msg("step %ld: slab layer counts %ld objects, test holds %ld", step,
				 slab_allocated(), held_slab_objects());
	}
	while (nr_live)
		free_one(nr_live - 1);
	for (i = 0; i < 5; i++) {
		machine_dmesg_clear(m);
		kmem_cache_destroy(caches[i]);
		{
			char *log = test_dmesg(m);

			assert_string_equal(log, "");
			free(log);
		}
	}
	assert_machine_ok(m);
	assert_int_equal(global_node_page_state(m, NR_SLAB_RECLAIMABLE) +
			 global_node_page_state(m, NR_SLAB_UNRECLAIMABLE) > 0, 1);	/* kmalloc slabs */
	machine_shutdown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_alloc_free),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
