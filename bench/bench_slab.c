/*
 * bench_slab.c - the slab allocator's hot paths side by side with the allocators a user would
 * compare it to, in one run: mmlab's kmem_cache and kmalloc, glibc malloc, and Debian's mimalloc
 * and tcmalloc (loaded with dlopen, RTLD_LOCAL, so they do not replace malloc process-wide).
 * jemalloc cannot share the process (its initial-exec TLS does not load late): the program
 * re-executes itself with LD_PRELOAD=libjemalloc.so.2 and the child prints jemalloc's rows
 * into the same table (and mmlab's once more, under jemalloc, as a cross-check).
 *
 * Rows, for 16, 64, 256 and 1024 B:
 *   pair   - allocate one object and free it, repeated (the fast path both ways);
 *   batch  - allocate 1,000 objects, then free them in the same order (ns per object, both ops);
 *   2 thr  - the same, two threads at once (each bound to its own simulated CPU for mmlab);
 *   bulk   - kmem_cache_alloc_bulk(1000) + kmem_cache_free_bulk (mmlab only).
 * Every allocator is called through the same function pointers, so the call costs are equal.
 * Memory: 1,000,000 live 64 B objects; overhead = (resident bytes - 64 MB) / 64 MB.
 *
 * Usage: bench_slab [--quick]. Build with -O2 (CMAKE_BUILD_TYPE=RelWithDebInfo).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mmlab/mmlab.h>

#include "benchlib.h"
#include "phys/mmzone.h"

#define BATCH 1000
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

struct allocator {
	const char *name;
	void *(*alloc)(size_t size);
	void (*free)(void *p, size_t size);
};

static struct machine *m;
static const size_t sizes[] = { 16, 64, 256, 1024 };
static struct kmem_cache *caches[4];	/* one per size */
static struct kmem_cache *cur_cache;	/* the kmem_cache of the size being measured */
static long pairs = 5000000, batches = 5000;
static int reps = 5;

/* ---- the allocators ------------------------------------------------------------------------- */

static void *kc_alloc(size_t size)
{
	return kmem_cache_alloc(cur_cache, GFP_KERNEL);
}
static void kc_free(void *p, size_t size)
{
	kmem_cache_free(cur_cache, p);
}
static void *km_alloc(size_t size)
{
	return kmalloc(size, GFP_KERNEL);
}
static void km_free(void *p, size_t size)
{
	kfree(p);
}
static void *glibc_alloc(size_t size)
{
	return malloc(size);
}
static void glibc_free(void *p, size_t size)
{
	free(p);
}

static void *(*mi_malloc_fn)(size_t);
static void (*mi_free_fn)(void *);
static void *mi_alloc(size_t size)
{
	return mi_malloc_fn(size);
}
static void mi_free(void *p, size_t size)
{
	mi_free_fn(p);
}

static void *(*tc_malloc_fn)(size_t);
static void (*tc_free_fn)(void *);
static void *tc_alloc(size_t size)
{
	return tc_malloc_fn(size);
}
static void tc_free(void *p, size_t size)
{
	tc_free_fn(p);
}

/* In the jemalloc child, malloc and free are jemalloc's (LD_PRELOAD). */
static void *je_alloc(size_t size)
{
	return malloc(size);
}
static void je_free(void *p, size_t size)
{
	free(p);
}

static bool load(const char *lib, const char *a, const char *f, void **af, void **ff)
{
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		fprintf(stderr, "bench_slab: %s: %s (skipped)\n", lib, dlerror());
		return false;
	}
	*af = dlsym(h, a);
	*ff = dlsym(h, f);
	return *af && *ff;
}

/* ---- the measurements ----------------------------------------------------------------------- */

static double run_pairs(const struct allocator *al, size_t size)
{
	uint64_t t0 = bench_now_ns();
	long i;

	for (i = 0; i < pairs; i++) {
		void *p = al->alloc(size);

		bench_keep(p);
		al->free(p, size);
	}
	return (double)(bench_now_ns() - t0) / (double)pairs;
}

/* The 64 B pair with the allocator called directly, no function pointer in between. */
static double run_pairs_direct_kmem_cache(void)
{
	uint64_t t0 = bench_now_ns();
	long i;

	for (i = 0; i < pairs; i++) {
		void *p = kmem_cache_alloc(caches[1], GFP_KERNEL);

		bench_keep(p);
		kmem_cache_free(caches[1], p);
	}
	return (double)(bench_now_ns() - t0) / (double)pairs;
}

static double run_pairs_direct_malloc(void)
{
	uint64_t t0 = bench_now_ns();
	long i;

	for (i = 0; i < pairs; i++) {
		void *p = malloc(64);

		bench_keep(p);
		free(p);
	}
	return (double)(bench_now_ns() - t0) / (double)pairs;
}

static void bench_direct(const char *malloc_name)
{
	double a = 1e30, b = 1e30;
	int r;

	for (r = 0; r < reps; r++) {
		a = MIN(a, run_pairs_direct_kmem_cache());
		b = MIN(b, run_pairs_direct_malloc());
	}
	bench_row("64 B pair, direct calls", "mmlab kmem_cache_alloc/kmem_cache_free", a);
	bench_row("64 B pair, direct calls", malloc_name, b);
}

static double run_batch(const struct allocator *al, size_t size)
{
	void *v[BATCH];
	uint64_t t0 = bench_now_ns();
	long b;
	int i;

	for (b = 0; b < batches; b++) {
		for (i = 0; i < BATCH; i++)
			v[i] = al->alloc(size);
		bench_keep(v[BATCH - 1]);
		for (i = 0; i < BATCH; i++)
			al->free(v[i], size);
	}
	return (double)(bench_now_ns() - t0) / (double)(batches * BATCH);
}

static double run_bulk(size_t size)
{
	void *v[BATCH];
	uint64_t t0 = bench_now_ns();
	long b;

	for (b = 0; b < batches; b++) {
		if (kmem_cache_alloc_bulk(cur_cache, GFP_KERNEL, BATCH, v) != BATCH)
			abort();
		kmem_cache_free_bulk(cur_cache, BATCH, v);
	}
	return (double)(bench_now_ns() - t0) / (double)(batches * BATCH);
}

struct thread_arg {
	const struct allocator *al;
	size_t size;
	int cpu;
	bool batch;
	double ns;
	pthread_barrier_t *barrier;
};

static void *thread_main(void *p)
{
	struct thread_arg *a = p;

	if (m)
		machine_bind_cpu(m, a->cpu);
	pthread_barrier_wait(a->barrier);
	a->ns = a->batch ? run_batch(a->al, a->size) : run_pairs(a->al, a->size);
	if (m)
		machine_unbind_cpu();
	return NULL;
}

/* Two threads at once; the slower thread's ns per operation. */
static double run_two_threads(const struct allocator *al, size_t size, bool batch)
{
	pthread_barrier_t barrier;
	struct thread_arg a[2];
	pthread_t th[2];
	int i;

	pthread_barrier_init(&barrier, NULL, 2);
	for (i = 0; i < 2; i++) {
		a[i] = (struct thread_arg){ al, size, i, batch, 0, &barrier };
		pthread_create(&th[i], NULL, thread_main, &a[i]);
	}
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&barrier);
	return MAX(a[0].ns, a[1].ns);
}

static double best(double (*fn)(const struct allocator *, size_t), const struct allocator *al,
		   size_t size)
{
	double b = 1e30;
	int r;

	for (r = 0; r < reps; r++)
		b = MIN(b, fn(al, size));
	return b;
}

static double best2(const struct allocator *al, size_t size, bool batch)
{
	double b = 1e30;
	int r;

	for (r = 0; r < reps; r++)
		b = MIN(b, run_two_threads(al, size, batch));
	return b;
}


static void set_size(int si)
{
	cur_cache = caches[si];
}

static void bench_allocators(const struct allocator *als, int n, bool with_bulk)
{
	char what[64];
	int si, a;

	for (si = 0; si < 4; si++) {
		size_t size = sizes[si];

		set_size(si);
		for (a = 0; a < n; a++) {
			snprintf(what, sizeof(what), "%zu B alloc+free pair", size);
			bench_row(what, als[a].name, best(run_pairs, &als[a], size));
		}
		for (a = 0; a < n; a++) {
			snprintf(what, sizeof(what), "%zu B batch of 1000", size);
			bench_row(what, als[a].name, best(run_batch, &als[a], size));
		}
		if (with_bulk) {
			double b = 1e30;
			int r;

			for (r = 0; r < reps; r++)
				b = MIN(b, run_bulk(size));
			snprintf(what, sizeof(what), "%zu B batch of 1000", size);
			bench_row(what, "mmlab kmem_cache_alloc_bulk/free_bulk", b);
		}
		for (a = 0; a < n; a++) {
			snprintf(what, sizeof(what), "%zu B pair, 2 threads", size);
			bench_row(what, als[a].name, best2(&als[a], size, false));
		}
		for (a = 0; a < n; a++) {
			snprintf(what, sizeof(what), "%zu B batch, 2 threads", size);
			bench_row(what, als[a].name, best2(&als[a], size, true));
		}
	}
}

/* Resident set size in bytes. */
static long rss_bytes(void)
{
	long pages_total, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages_total, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * sysconf(_SC_PAGESIZE);
}

/* Overhead of 1,000,000 live 64 B objects, by resident memory. */
static void bench_memory(const struct allocator *al)
{
	enum { N = 1000000 };
	void **v = calloc(N, sizeof(void *));
	long before, after;
	int i;

	set_size(1);
	memset(v, 0xff, N * sizeof(void *));	/* resident before the measurement */
	before = rss_bytes();
	for (i = 0; i < N; i++) {
		v[i] = al->alloc(64);
		memset(v[i], 1, 64);
	}
	after = rss_bytes();
	printf("| 1,000,000 x 64 B live | %s | overhead %.1f %% (%.1f MB resident for 64.0 MB) |\n",
	       al->name, 100.0 * ((double)(after - before) - 64e6) / 64e6, (double)(after - before) / 1e6);
	if (al->alloc == kc_alloc) {
		long pages = global_node_page_state(m, NR_SLAB_UNRECLAIMABLE);

		printf("| 1,000,000 x 64 B live | %s | slab pages: %.1f MB, overhead %.2f %% |\n", al->name,
		       (double)pages * 4096 / 1e6, 100.0 * ((double)pages * 4096 - 64e6) / 64e6);
	}
	for (i = 0; i < N; i++)
		al->free(v[i], 64);
	free(v);
}

static int boot(void)
{
	struct machine_config cfg;
	int si;

	machine_config_default(&cfg);
	cfg.mem_bytes = 2ULL << 30;
	cfg.nr_nodes = 1;
	cfg.cpus_per_node = 2;
	cfg.nr_holes = 0;
	if (machine_boot(&cfg, &m))
		return -1;
	machine_set_debug_level(m, 0);
	for (si = 0; si < 4; si++) {
		char name[32];

		snprintf(name, sizeof(name), "bench-%zu", sizes[si]);
		caches[si] = kmem_cache_create(name, (unsigned int)sizes[si], 0, 0, NULL);
		if (!caches[si])
			return -1;
	}
	return 0;
}

static int child_jemalloc(void)
{
	static const struct allocator je[] = {
		{ "jemalloc malloc/free (own process)", je_alloc, je_free },
		{ "mmlab kmem_cache (jemalloc process)", kc_alloc, kc_free },
	};

	if (boot())
		return 1;
	bench_memory(&je[0]);
	bench_direct("jemalloc malloc/free (own process)");
	bench_allocators(je, 2, false);
	return 0;
}

int main(int argc, char **argv)
{
	struct allocator als[6];
	int n = 0;
	void *af, *ff;

	if (argc > 1 && !strcmp(argv[1], "--quick")) {
		pairs /= 10;
		batches /= 10;
		reps = 2;
	}
	if (getenv("BENCH_SLAB_JEMALLOC_CHILD"))
		return child_jemalloc();
	if (boot()) {
		fprintf(stderr, "bench_slab: cannot boot the machine\n");
		return 1;
	}
	als[n++] = (struct allocator){ "mmlab kmem_cache", kc_alloc, kc_free };
	als[n++] = (struct allocator){ "mmlab kmalloc", km_alloc, km_free };
	als[n++] = (struct allocator){ "glibc malloc", glibc_alloc, glibc_free };
	if (load("libmimalloc.so.2", "mi_malloc", "mi_free", &af, &ff)) {
		mi_malloc_fn = (void *(*)(size_t))af;
		mi_free_fn = (void (*)(void *))ff;
		als[n++] = (struct allocator){ "mimalloc", mi_alloc, mi_free };
	}
	if (load("libtcmalloc_minimal.so.4", "tc_malloc", "tc_free", &af, &ff)) {
		tc_malloc_fn = (void *(*)(size_t))af;
		tc_free_fn = (void (*)(void *))ff;
		als[n++] = (struct allocator){ "tcmalloc", tc_alloc, tc_free };
	}
	printf("\n### slab: memory for 64 B objects\n\n| what | implementation | result |\n|---|---|---|\n");
	{
		int i;

		for (i = 0; i < n; i++)
			if (i != 1)
				bench_memory(&als[i]);
	}
	bench_header("slab: allocation and free, ns per object (alloc + free)");
	bench_direct("glibc malloc/free");
	bench_allocators(als, n, true);
	fflush(stdout);

	/* jemalloc in its own process, printing into the same tables. */
	{
		char cmd[4096];

		snprintf(cmd, sizeof(cmd),
			 "BENCH_SLAB_JEMALLOC_CHILD=1 LD_PRELOAD=libjemalloc.so.2 '/proc/%d/exe' %s", getpid(),
			 argc > 1 ? argv[1] : "");
		if (system(cmd) != 0)
			fprintf(stderr, "bench_slab: the jemalloc child failed\n");
	}
	machine_shutdown(m);
	return 0;
}
