/*
 * slabinfo.c - `mmlab slabinfo`: the report of the kernel's tools/mm/slabinfo (its default view:
 * one line per cache, sorted by name, empty caches hidden), for a machine after a sample
 * workload, or for any machine through slabinfo_report().
 *
 * Columns, as the tool computes them:
 *   Objects         objects in use (SLUB counts those free on a CPU's slab as in use)
 *   Objsize         the object size the cache was created with
 *   Space           bytes of all its slabs, in the tool's 3-digit K/M/G notation
 *   Slabs/Part/Cpu  slabs not on a CPU / slabs on the node partial lists / slabs on CPUs
 *   O/S, O          objects per slab and slab order
 *   %Fr             partial slabs as a share of all slabs; %Ef payload as a share of Space
 *   Flg             d DMA, A HWCACHE_ALIGN, P POISON, a RECLAIM_ACCOUNT, Z RED_ZONE,
 *                   F CONSISTENCY_CHECKS, U STORE_USER
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mmlab/mmlab.h>

#include "cli.h"
#include "slab/internal.h"

struct slab_row {
	struct kmem_cache *s;
	struct slabinfo info;
	unsigned long space;
};

/* The tool's store_size(): 3 significant digits with K/M/G, or plain bytes. */
static void store_size(char *buf, size_t size, unsigned long value)
{
	unsigned long divisor = 1;
	char trailer = 0;
	int n;

	if (value > 1000000000UL) {
		divisor = 100000000UL;
		trailer = 'G';
	} else if (value > 1000000UL) {
		divisor = 100000UL;
		trailer = 'M';
	} else if (value > 1000UL) {
		divisor = 100;
		trailer = 'K';
	}
	value /= divisor;
	n = snprintf(buf, size, "%lu", value);
	if (trailer && (size_t)n + 2 < size) {
		buf[n++] = trailer;
		buf[n] = '\0';
	}
	if (divisor != 1 && n >= 3) {
		memmove(buf + n - 2, buf + n - 3, 4);
		buf[n - 2] = '.';
	}
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct slab_row *)a)->s->name, ((const struct slab_row *)b)->s->name);
}

static int cmp_space(const void *a, const void *b)
{
	const struct slab_row *x = a, *y = b;

	return x->space < y->space ? 1 : x->space > y->space ? -1 : 0;
}

int slabinfo_report(struct machine *m, FILE *out, bool show_empty, bool sort_by_size)
{
	struct slab_state *st = m->slab;
	struct slab_row *rows;
	struct list_head *pos;
	size_t n = 0, cap = 0, i;

	list_for_each(pos, &st->caches)
		cap++;
	rows = calloc(cap ? cap : 1, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	list_for_each(pos, &st->caches) {
		struct slab_row *r = &rows[n];

		r->s = list_entry(pos, struct kmem_cache, list);
		get_slabinfo(r->s, &r->info);
		r->space = r->info.num_slabs * (PAGE_SIZE << r->info.cache_order);
		if (r->info.num_slabs || show_empty)
			n++;
	}
	qsort(rows, n, sizeof(*rows), sort_by_size ? cmp_space : cmp_name);
	fprintf(out, "%-21s %8s %7s %15s %14s %4s %1s %3s %3s %s\n", "Name", "Objects", "Objsize",
		"Space", "Slabs/Part/Cpu", "O/S", "O", "%Fr", "%Ef", "Flg");
	for (i = 0; i < n; i++) {
		const struct slab_row *r = &rows[i];
		const struct kmem_cache *s = r->s;
		char space[20], dist[40], flags[20], *f = flags;
		unsigned long slabs = r->info.num_slabs;

		store_size(space, sizeof(space), r->space);
		snprintf(dist, sizeof(dist), "%lu/%lu/%lu", slabs - r->info.cpu_slabs,
			 r->info.partial_slabs, r->info.cpu_slabs);
		if (s->flags & SLAB_CACHE_DMA)
			*f++ = 'd';
		if (s->flags & SLAB_HWCACHE_ALIGN)
			*f++ = 'A';
		if (s->flags & SLAB_POISON)
			*f++ = 'P';
		if (s->flags & SLAB_RECLAIM_ACCOUNT)
			*f++ = 'a';
		if (s->flags & SLAB_RED_ZONE)
			*f++ = 'Z';
		if (s->flags & SLAB_CONSISTENCY_CHECKS)
			*f++ = 'F';
		if (s->flags & SLAB_STORE_USER)
			*f++ = 'U';
		*f = '\0';
		fprintf(out, "%-21s %8lu %7u %15s %14s %4u %1u %3lu %3lu %s\n", s->name,
			r->info.active_objs, s->object_size, space, dist, r->info.objects_per_slab,
			r->info.cache_order, slabs ? r->info.partial_slabs * 100 / slabs : 100,
			slabs ? r->info.active_objs * s->object_size * 100 / r->space : 100, flags);
	}
	free(rows);
	return 0;
}

/*
 * The most --objects: of each of 13 kmalloc sizes up to 8 KiB (about 11 GiB of objects at the
 * limit, more than the default machine holds: the model runs out first, as ENOMEM), with a
 * host array of 8 MB to hold them.
 */
#define OBJECTS_MAX 1000000

/* A sample workload: objects of every kmalloc size, a cache with a constructor, some freed. */
static int sample_workload(unsigned long objects)
{
	static const size_t sizes[] = { 8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192 };
	struct kmem_cache *s = kmem_cache_create("sample_cache", 200, 0, SLAB_HWCACHE_ALIGN, NULL);
	void **v = calloc(objects ? objects : 1, sizeof(void *));
	unsigned long i;
	size_t k;
	int err = -ENOMEM;

	if (!s || !v)
		goto out;
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		for (i = 0; i < objects; i++)
			if (!(v[i] = kmalloc(sizes[k], GFP_KERNEL)))
				goto out;
		for (i = 0; i < objects; i += 3)
			kfree(v[i]);	/* leave holes: partial slabs */
	}
	for (i = 0; i < objects; i++)
		if (!kmem_cache_alloc(s, GFP_KERNEL))
			goto out;
	err = 0;
out:
	free(v);	/* the objects stay allocated: the report shows them */
	return err;
}

int cmd_slabinfo(int argc, char **argv)
{
	struct machine_config cfg;
	struct machine *m;
	long long objects = 1000;
	bool show_empty = false, by_size = false;
	int i, err;

	machine_config_default(&cfg);
	if (cli_parse_machine_opts(&argc, argv, &cfg))
		return 2;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-z"))
			show_empty = true;
		else if (!strcmp(argv[i], "-S"))
			by_size = true;
		else if (!strcmp(argv[i], "--objects") && i + 1 < argc) {
			if (cli_parse_count(argv[i + 1], 0, OBJECTS_MAX, &objects)) {
				fprintf(stderr, "mmlab slabinfo: bad value for --objects: '%s' (0 to %d)\n",
					argv[i + 1], OBJECTS_MAX);
				return 2;
			}
			i++;
		}
		else {
			fprintf(stderr, "usage: mmlab slabinfo [--mem SIZE] [--nodes N] [--objects N] [-z] [-S]\n");
			return 2;
		}
	}
	if (cli_boot(&cfg, &m))
		return 1;
	err = sample_workload((unsigned long)objects);
	if (err)
		fprintf(stderr, "mmlab slabinfo: sample workload: %s\n", strerror(-err));
	else
		err = slabinfo_report(m, stdout, show_empty, by_size);
	machine_shutdown(m);
	return err ? 1 : 0;
}
