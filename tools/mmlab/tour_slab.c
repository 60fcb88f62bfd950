/*
 * tour_slab.c - the tour's slab section: a cache with a constructor is created, filled, half
 * emptied and shrunk, with its /proc/slabinfo line and the Slab lines of /proc/meminfo after each
 * step; kmalloc's size classes; and a red-zone overwrite caught by a debug cache, as the kernel
 * reports it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mmlab/mmlab.h>

#include "cli.h"

struct tour_inode {
	unsigned long ino;
	unsigned long state;
	char name[176];
};

static unsigned long ctor_calls;

static void tour_inode_ctor(void *p)
{
	struct tour_inode *inode = p;

	ctor_calls++;
	inode->ino = 0;
	inode->state = 0x1;	/* "constructed" */
	memset(inode->name, 0, sizeof(inode->name));
}

/* The slabinfo header and the lines of caches whose name starts with @prefix. */
static void show_slabinfo(struct machine *m, FILE *out, const char *prefix)
{
	char *buf = malloc(1 << 16), *line, *save = NULL;
	long len;
	int n = 0;

	if (!buf)
		return;
	len = mmlab_proc_read(m, "slabinfo", buf, 1 << 16);
	if (len < 0) {
		free(buf);
		return;
	}
	fprintf(out, "$ grep -e '^# name' -e '^%s' /proc/slabinfo\n", prefix);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (n++ == 1 || !strncmp(line, prefix, strlen(prefix)))
			fprintf(out, "%s\n", line);
	fputc('\n', out);
	free(buf);
}

static void show_meminfo_slab(struct machine *m, FILE *out)
{
	char *buf = malloc(1 << 14), *line, *save = NULL;

	if (!buf)
		return;
	if (mmlab_proc_read(m, "meminfo", buf, 1 << 14) >= 0) {
		fprintf(out, "$ grep -e Slab -e SReclaimable -e SUnreclaim /proc/meminfo\n");
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (!strncmp(line, "Slab:", 5) || !strncmp(line, "SReclaimable:", 13) ||
			    !strncmp(line, "SUnreclaim:", 11))
				fprintf(out, "%s\n", line);
		fputc('\n', out);
	}
	free(buf);
}

/*
 * A cache with a constructor: created, filled with @nr objects, emptied in two halves and
 * shrunk, its slabinfo line shown after each step. Returns 0 or -ENOMEM.
 */
static int tour_cache_lifecycle(struct machine *m, FILE *out, size_t nr)
{
	struct tour_inode **v = calloc(nr, sizeof(*v));
	struct kmem_cache *s;
	size_t i;

	if (!v)
		return -ENOMEM;
	fprintf(out, "kmem_cache_create(\"tour_inode\", %zu, 0, SLAB_HWCACHE_ALIGN | SLAB_RECLAIM_ACCOUNT,\n"
		     "                  ctor): objects of a fixed size carved from buddy pages; the slab order\n"
		     "comes from calculate_order (at least 4 * (fls(nr_cpus) + 1) objects per slab, little\n"
		     "waste). Reclaimable caches take RECLAIMABLE pageblocks and count as SReclaimable.\n\n",
		sizeof(struct tour_inode));
	s = kmem_cache_create("tour_inode", sizeof(struct tour_inode), 0,
			      SLAB_HWCACHE_ALIGN | SLAB_RECLAIM_ACCOUNT, tour_inode_ctor);
	if (!s) {
		free(v);
		return -ENOMEM;
	}
	show_slabinfo(m, out, "tour_inode");

	for (i = 0; i < nr; i++) {
		v[i] = kmem_cache_alloc(s, GFP_KERNEL);
		if (!v[i])
			break;
		v[i]->ino = i + 1;
	}
	fprintf(out, "Allocated %zu objects: the constructor ran %lu times, once per object of every new\n"
		     "slab (Bonwick), not once per allocation.\n\n", i, ctor_calls);
	show_slabinfo(m, out, "tour_inode");
	show_meminfo_slab(m, out);

	for (i = 0; i < nr; i += 2)
		kmem_cache_free(s, v[i]);	/* NULL (allocation failed) is ignored */
	fprintf(out, "Freed every other object: each slab is now half used. A full slab that gets a free\n"
		     "goes to the freeing CPU's partial list; when that list holds cpu_partial_slabs, the\n"
		     "list moves on to the node's partial list. num_objs stays; active_objs drops only by\n"
		     "the free objects on node partial lists, as SLUB counts.\n\n");
	show_slabinfo(m, out, "tour_inode");
	for (i = 1; i < nr; i += 2)
		kmem_cache_free(s, v[i]);
	fprintf(out, "Freed the rest: empty slabs on the node's partial list beyond min_partial went\n"
		     "straight back to the buddy allocator; kmem_cache_shrink() returns the others and\n"
		     "the CPUs' slabs.\n\n");
	show_slabinfo(m, out, "tour_inode");
	kmem_cache_shrink(s);
	fprintf(out, "$ echo 1 > /sys/kernel/slab/tour_inode/shrink\n");
	show_slabinfo(m, out, "tour_inode");
	show_meminfo_slab(m, out);
	kmem_cache_destroy(s);
	free(v);
	return 0;
}

/* kmalloc's size classes: what ksize() gives for a few request sizes. */
static void tour_kmalloc_sizes(FILE *out)
{
	static const size_t sizes[] = { 1, 24, 72, 100, 150, 300, 5000, 20000 };
	size_t i;

	fprintf(out, "kmalloc() serves sizes from the kernel's classes (8 .. 8k, plus 96 and 192); above\n"
		     "8 KiB it takes a compound page straight from the page allocator:\n\n");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		void *p = kmalloc(sizes[i], GFP_KERNEL);

		fprintf(out, "  kmalloc(%5zu) -> ksize %6zu\n", sizes[i], ksize(p));
		kfree(p);
	}
	fputc('\n', out);
}

/* A red-zone overwrite in a slub_debug=FZPU cache, and the kernel's report of it. */
static void tour_slab_debug(struct machine *m, FILE *out)
{
	struct kmem_cache *dbg;
	unsigned char *p;
	size_t len;
	char *log;

	fprintf(out, "A cache created with SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER |\n"
		     "SLAB_CONSISTENCY_CHECKS (slub_debug=FZPU) guards every object. Writing one byte past\n"
		     "a 64-byte object and freeing it:\n\n");
	dbg = kmem_cache_create("tour-debug-64", 64, 0, SLAB_DEBUG_FLAGS, NULL);
	if (!dbg)
		return;
	p = kmem_cache_alloc(dbg, GFP_KERNEL);
	if (p) {
		machine_dmesg_clear(m);
		p[64] = 0x42;
		kmem_cache_free(dbg, p);
		len = machine_dmesg(m, NULL, 0);
		log = malloc(len + 1);
		if (log) {
			machine_dmesg(m, log, len + 1);
			fprintf(out, "$ dmesg\n%s\n", log);
			free(log);
		}
		fprintf(out, "The red zone was restored and the object not freed; freeing it again works:\n\n");
		kmem_cache_free(dbg, p);
	}
	kmem_cache_destroy(dbg);
}

int tour_slab(struct machine *m, FILE *out)
{
	int err = tour_cache_lifecycle(m, out, 2000);

	if (err)
		return err;
	tour_kmalloc_sizes(out);
	tour_slab_debug(m, out);
	fprintf(out, "$ mmlab slabinfo   (the kernel's tools/mm/slabinfo report of this machine)\n");
	return slabinfo_report(m, out, false, false);
}
