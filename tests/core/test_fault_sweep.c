/*
 * test_fault_sweep.c - every fault-injection point of every layer, failed once each.
 *
 * Method. For each case below (one operation of one layer, on a state its prepare() builds) and
 * for each fault kind, the sweep boots a fresh machine, builds the state, records a snapshot of
 * it, arms the kind to fail its Nth call once (machine_fail_nth(m, kind, N, 1)) and runs the
 * operation, for N = 1, 2, 3, ... until the operation runs with nothing injected. That N - 1 is
 * the number of injection points of the kind on the operation's path. After every injected
 * failure:
 *  - the operation returned the kernel's errno for it (or NULL / the old break);
 *  - the snapshot is unchanged: for address spaces the /proc maps text, every VMA's flags,
 *    pgoff, anon_vma and residency, /proc/PID/status, the mm counters, Committed_AS and the
 *    task count; for the allocators buddyinfo, the free page count (after draining the per-CPU
 *    lists and shrinking every cache) and every slab cache's active object count. Not
 *    pagetypeinfo: an allocation that succeeded before the failing one may have stolen a
 *    pageblock for its migratetype, and freeing does not give the pageblock its old type back
 *    (in the kernel neither);
 *  - machine_check() passes;
 *  - run again with nothing armed, the operation succeeds and ends as a clean run does (same
 *    result, same maps), so a failure left nothing half-done that the snapshot cannot see;
 *  - after the tasks exit and the objects are freed, the machine holds no VMA, mm_struct,
 *    task or commit charge, and (for the allocator layers) every page is back; ASan's leak
 *    checker covers the host side at exit.
 * Each kind that has injection points is also run once with every call failing, which reaches
 * fallbacks (a slab's smaller order) that a single failure never does.
 *
 * Counting rule: one should_fail() call per allocation attempt. An injected failure that the
 * operation survives (it succeeded although its Nth call was failed) is a fallback, an error
 * the kernel ignores too (mlockall), or a should_fail() whose answer was thrown away; the table
 * shows those as "+n". Two calls for one attempt show only as one point too many: the table is
 * read against the code for that (see the commit that made the counts one per attempt).
 *
 * Pictures: one column = one page from BASE (vm/vmtest.h's PG()); letters are VMAs, '.' holes.
 */
#include "vm/vmtest.h"
#include "slab/internal.h"

#include <mmlab/replay.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum layer { L_PHYS, L_SLAB, L_VM };

struct ctx {
	struct machine *m;
	struct mm_task *task, *child;
	struct mm_struct *mm;
	struct mm_file *file, *exe;
	struct kmem_cache *cache;
	void *obj;			/* a kmalloc block or an object of @cache */
	void *bulk[100];		/* kmem_cache_alloc_bulk's objects */
	size_t nr_bulk;
	struct kmem_cache *fill_cache[2];	/* objects taken so these caches' slabs are full */
	void *fill[2][128];
	int nr_fill[2];
	unsigned long brk0;		/* the break prepare() left */
	char *replay_maps;		/* what a replay left, for the comparison with a clean run */
};

struct sweep_case {
	const char *name;
	enum layer layer;
	void (*prepare)(struct ctx *c);		/* the state before; NULL: a booted machine */
	long (*op)(struct ctx *c);		/* >= 0 success, else a negative errno */
	/* Undo a success, after which the snapshot must match again (NULL: teardown does it;
	 * page allocator operations free what they got themselves and are compared too). */
	void (*release)(struct ctx *c);
	long err;				/* the errno a failed attempt must return */
	/*
	 * The operation walks several VMAs and, as in the kernel, keeps what it changed in the
	 * VMAs before the one that failed (mprotect, madvise and mlock are not atomic across
	 * VMAs): the state after a failure is then checked for consistency, not equality.
	 */
	bool partial;
	/* __GFP_NOFAIL: no injection may reach it (the table's row must be all 0). */
	bool nofail;
};

/* ---- machines and snapshots ---------------------------------------------------------------- */

static struct machine *boot(void)
{
	struct machine *m = test_boot(128ULL << 20, 2, 1);

	assert_non_null(m);
	vm_set_mmap_min_addr(m, 4096);
	return m;
}

/*
 * Every cache's CPU slabs flushed and empty slabs given back to the page allocator, so free
 * page counts compare and slabinfo's active_objs (which counts a CPU slab's free objects as
 * active) is exact.
 */
static void shrink_all(struct machine *m)
{
	struct list_head *pos;

	list_for_each(pos, &slab_state_of(m)->caches)
		kmem_cache_shrink(list_entry(pos, struct kmem_cache, list));
}

/* "name active_objs" per slab cache: what must come back after a failure or a free. */
static char *slab_active(struct machine *m)
{
	char *info, *out, *line, *save = NULL;
	size_t len = 0, cap;

	shrink_all(m);
	info = test_proc(m, "slabinfo");
	assert_non_null(info);
	cap = strlen(info) + 1;
	out = calloc(1, cap);
	assert_non_null(out);
	for (line = strtok_r(info, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		long active;

		if (line[0] == '#' || sscanf(line, "%63s %ld", name, &active) != 2)
			continue;
		len += (size_t)snprintf(out + len, cap - len, "%s %ld\n", name, active);
	}
	free(info);
	return out;
}

/* Active objects of @cache (and in *@total all its objects), exact after shrink_all(). */
static long slab_counts(struct machine *m, const char *cache, long *total)
{
	char *info, *line, *save = NULL;
	long n = 0, all = 0;

	shrink_all(m);
	info = test_proc(m, "slabinfo");
	assert_non_null(info);
	for (line = strtok_r(info, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		long active, num;

		if (sscanf(line, "%63s %ld %ld", name, &active, &num) == 3 && !strcmp(name, cache)) {
			n = active;
			all = num;
		}
	}
	free(info);
	if (total)
		*total = all;
	return n;
}

static long slab_objs(struct machine *m, const char *cache)
{
	return slab_counts(m, cache, NULL);
}

/* Every VMA of @mm with what maps does not show: full vm_flags, anon_vma identity, residency. */
static char *vma_dump(struct mm_struct *mm)
{
	struct mm_vma_info vi;
	unsigned long addr = 0;
	size_t len = 0, cap = 1 << 14;
	char *out = calloc(1, cap);

	assert_non_null(out);
	while (mm_vma_at(mm, addr, &vi)) {
		unsigned char vec[64];
		unsigned long i, n = MIN((vi.end - vi.start) >> PAGE_SHIFT, ARRAY_SIZE(vec));
		int err;

		len += (size_t)snprintf(out + len, cap - len, "%lx-%lx %lx %lx %p %lu %s ",
					vi.start, vi.end, vi.vm_flags, vi.pgoff, (void *)vi.file,
					vi.anon_vma_id, vi.name);
		/* Residency (mincore) of its first pages: what populate and mlock change. */
		err = mm_mincore(mm, vi.start, n << PAGE_SHIFT, vec);
		if (err)
			len += (size_t)snprintf(out + len, cap - len, "mincore %d", err);
		for (i = 0; !err && i < n && len + 2 < cap; i++)
			out[len++] = (char)('0' + (vec[i] & 1));
		out[len++] = '\n';
		assert_true(len < cap);
		addr = vi.end;
	}
	return out;
}

struct snap {
	char *maps, *vmas, *status, *buddy, *slabs;
	struct mm_stats st;
	long committed;
	int nr_tasks;
	unsigned long nr_free;
};

static void snap_take(struct ctx *c, enum layer layer, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	s->committed = vm_committed_as_pages(c->m);
	s->nr_tasks = c->m->vm->nr_tasks;
	if (c->mm) {
		s->maps = vmt_maps(c->mm);
		s->vmas = vma_dump(c->mm);
		mm_get_stats(c->mm, &s->st);
	}
	if (c->task) {
		char name[32];

		snprintf(name, sizeof(name), "%d/status", mm_task_pid(c->task));
		s->status = test_proc(c->m, name);
		assert_non_null(s->status);
	}
	if (layer == L_VM)
		return;	/* VMA reserves may stay allocated after a failure: checked at exit */
	shrink_all(c->m);
	drain_all_pages(NULL);
	s->nr_free = nr_free_pages();
	s->buddy = test_proc(c->m, "buddyinfo");
	s->slabs = slab_active(c->m);
}

static void snap_free(struct snap *s)
{
	free(s->maps);
	free(s->vmas);
	free(s->status);
	free(s->buddy);
	free(s->slabs);
}

/* Fail with the first line where @a and @b differ. */
static void same_str(const char *where, const char *what, const char *a, const char *b)
{
	const char *la = a, *lb = b;

	if (!a && !b)
		return;
	if (!a || !b)
		fail_msg("%s: %s %s", where, what, a ? "disappeared" : "appeared");
	if (!strcmp(a, b))
		return;
	while (*la && *la == *lb) {
		if (*la == '\n') {
			a = la + 1;
			b = lb + 1;
		}
		la++;
		lb++;
	}
	fail_msg("%s: %s changed at\n  before: %.*s\n  after:  %.*s", where, what,
		 (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
}

#define SAME_STR(what, a, b) same_str(where, what, (a), (b))
#define SAME_NUM(what, a, b)								\
	do {										\
		if ((long)(a) != (long)(b))						\
			fail_msg("%s: %s changed: %ld -> %ld", where, what, (long)(a),	\
				 (long)(b));						\
	} while (0)

static void snap_expect_same(const char *where, const struct snap *a, const struct snap *b)
{
	SAME_STR("maps", a->maps, b->maps);
	SAME_STR("VMAs", a->vmas, b->vmas);
	SAME_STR("/proc/PID/status", a->status, b->status);
	SAME_STR("buddyinfo", a->buddy, b->buddy);
	SAME_STR("slab objects", a->slabs, b->slabs);
	SAME_NUM("Committed_AS", a->committed, b->committed);
	SAME_NUM("tasks", a->nr_tasks, b->nr_tasks);
	SAME_NUM("free pages", a->nr_free, b->nr_free);
	SAME_NUM("total_vm", a->st.total_vm, b->st.total_vm);
	SAME_NUM("locked_vm", a->st.locked_vm, b->st.locked_vm);
	SAME_NUM("data_vm", a->st.data_vm, b->st.data_vm);
	SAME_NUM("exec_vm", a->st.exec_vm, b->st.exec_vm);
	SAME_NUM("stack_vm", a->st.stack_vm, b->st.stack_vm);
	SAME_NUM("map_count", a->st.map_count, b->st.map_count);
	SAME_NUM("mm_users", a->st.mm_users, b->st.mm_users);
	SAME_NUM("brk", a->st.brk, b->st.brk);
	SAME_NUM("start_brk", a->st.start_brk, b->st.start_brk);
	SAME_NUM("def_flags", a->st.def_flags, b->st.def_flags);
	SAME_NUM("hiwater_vm", a->st.hiwater_vm, b->st.hiwater_vm);
	SAME_NUM("pinned_vm", a->st.pinned_vm, b->st.pinned_vm);
	SAME_NUM("mm_count", a->st.mm_count, b->st.mm_count);
	SAME_NUM("start_stack", a->st.start_stack, b->st.start_stack);
	SAME_NUM("mmap_base", a->st.mmap_base, b->st.mmap_base);
	SAME_NUM("start_code", a->st.start_code, b->st.start_code);
	SAME_NUM("end_data", a->st.end_data, b->st.end_data);
}

/*
 * Tear down what a case made and check the machine's accounting: no task, no VMA, no
 * mm_struct, no commit charge left, and the invariants hold.
 */
static void ctx_teardown(struct ctx *c, const char *where)
{
	int i;

	assert_machine_ok(c->m);
	for (i = 0; i < 2; i++)
		while (c->nr_fill[i])
			kmem_cache_free(c->fill_cache[i], c->fill[i][--c->nr_fill[i]]);
	if (c->child)
		mm_task_exit(c->child);
	if (c->task)
		mm_task_exit(c->task);
	if (c->file)
		mm_file_put(c->file);
	if (c->exe)
		mm_file_put(c->exe);
	if (c->obj)
		kfree(c->obj);
	if (c->nr_bulk)
		kmem_cache_free_bulk(c->cache, c->nr_bulk, c->bulk);
	free(c->replay_maps);
	if (c->cache)
		kmem_cache_destroy(c->cache);
	SAME_NUM("tasks after exit", 0, c->m->vm->nr_tasks);
	SAME_NUM("Committed_AS after exit", 0, vm_committed_as_pages(c->m));
	SAME_NUM("vm_area_struct objects after exit", 0, slab_objs(c->m, "vm_area_struct"));
	SAME_NUM("mm_struct objects after exit", 0, slab_objs(c->m, "mm_struct"));
	assert_machine_ok(c->m);
	machine_shutdown(c->m);
	memset(c, 0, sizeof(*c));
}

/* ---- the physical page allocator ------------------------------------------------------------ */

/* Each operation frees what it got at once: the sweep checks that every page came back. */
static long op_alloc_pages(struct ctx *c, gfp_t gfp, unsigned int order)
{
	struct page *p = alloc_pages(gfp | __GFP_NOWARN, order);
	const unsigned char *b;
	size_t i;

	(void)c;
	if (!p)
		return -ENOMEM;
	b = page_address(p);
	for (i = 0; (gfp & __GFP_ZERO) && i < (PAGE_SIZE << order); i++)
		if (b[i])
			fail_msg("__GFP_ZERO page %p byte %zu is %#x", (void *)p, i, b[i]);
	__free_pages(p, order);
	return 0;
}

/* One frame, order 0 (from the per-CPU list). */
static long op_alloc_order0(struct ctx *c) { return op_alloc_pages(c, GFP_KERNEL, 0); }
/* Eight frames, order 3 (the largest pcp order). */
static long op_alloc_order3(struct ctx *c) { return op_alloc_pages(c, GFP_KERNEL, 3); }
/* A pageblock, order 9. */
static long op_alloc_order9(struct ctx *c) { return op_alloc_pages(c, GFP_KERNEL, 9); }
/* One zeroed frame. */
static long op_alloc_zero(struct ctx *c) { return op_alloc_pages(c, GFP_KERNEL | __GFP_ZERO, 0); }
/* Order 3 zeroed and compound. */
static long op_alloc_zero_comp(struct ctx *c)
{
	return op_alloc_pages(c, GFP_KERNEL | __GFP_ZERO | __GFP_COMP, 3);
}

/* ---- slab and kmalloc ----------------------------------------------------------------------- */

static long op_kmem_cache_create(struct ctx *c)
{
	c->cache = kmem_cache_create("sweep", 72, 0, SLAB_HWCACHE_ALIGN, NULL);
	return c->cache ? 0 : -ENOMEM;
}

static void release_cache(struct ctx *c)
{
	kmem_cache_destroy(c->cache);
	c->cache = NULL;
}

static void prepare_cache(struct ctx *c)
{
	c->m = boot();
	c->cache = kmem_cache_create("sweep", 200, 0, 0, NULL);
	assert_non_null(c->cache);
}

/* The first object of a new cache: it needs a new slab. */
static long op_kmem_cache_alloc(struct ctx *c)
{
	c->obj = kmem_cache_alloc(c->cache, GFP_KERNEL);
	return c->obj ? 0 : -ENOMEM;
}

static void release_cache_obj(struct ctx *c)
{
	kmem_cache_free(c->cache, c->obj);
	c->obj = NULL;
	kmem_cache_shrink(c->cache);
}

static long kmalloc_op(struct ctx *c, size_t size, int node)
{
	c->obj = node == NUMA_NO_NODE ? kmalloc(size, GFP_KERNEL | __GFP_NOWARN)
				      : kmalloc_node(size, GFP_KERNEL | __GFP_NOWARN, node);
	return c->obj ? 0 : -ENOMEM;
}

static void release_obj(struct ctx *c)
{
	kfree(c->obj);
	c->obj = NULL;
}

static long op_kmalloc_8(struct ctx *c) { return kmalloc_op(c, 8, NUMA_NO_NODE); }
static long op_kmalloc_100(struct ctx *c) { return kmalloc_op(c, 100, NUMA_NO_NODE); }
static long op_kmalloc_4096(struct ctx *c) { return kmalloc_op(c, 4096, NUMA_NO_NODE); }
/* Above KMALLOC_MAX_CACHE_SIZE: a compound page straight from alloc_pages. */
static long op_kmalloc_64k(struct ctx *c) { return kmalloc_op(c, 65536, NUMA_NO_NODE); }
static long op_kmalloc_node1(struct ctx *c) { return kmalloc_op(c, 256, 1); }

static long op_kmalloc_nofail(struct ctx *c)
{
	c->obj = kmalloc(100, GFP_KERNEL | __GFP_NOFAIL);
	return c->obj ? 0 : -ENOMEM;
}

static long op_kmem_cache_alloc_nofail(struct ctx *c)
{
	c->obj = kmem_cache_alloc(c->cache, GFP_KERNEL | __GFP_NOFAIL);
	return c->obj ? 0 : -ENOMEM;
}

/* __GFP_NOFAIL: fault injection never fails it (ignore_nofail is off), as in the kernel. */
static long op_alloc_nofail(struct ctx *c) { return op_alloc_pages(c, GFP_KERNEL | __GFP_NOFAIL, 0); }

/* Order 2 from node 1 only (__GFP_THISNODE: no fallback to node 0). */
static long op_alloc_thisnode(struct ctx *c)
{
	struct page *p = alloc_pages_node(1, GFP_KERNEL | __GFP_THISNODE | __GFP_NOWARN, 2);

	(void)c;
	if (!p)
		return -ENOMEM;
	__free_pages(p, 2);
	return 0;
}

/* __get_free_pages order 1 and get_zeroed_page: the address-returning wrappers. */
static long op_get_free_pages(struct ctx *c)
{
	unsigned long a = __get_free_pages(GFP_KERNEL | __GFP_NOWARN, 1);

	(void)c;
	if (!a)
		return -ENOMEM;
	free_pages(a, 1);
	return 0;
}

static long op_get_zeroed_page(struct ctx *c)
{
	unsigned long a = get_zeroed_page(GFP_KERNEL | __GFP_NOWARN);

	(void)c;
	if (!a)
		return -ENOMEM;
	free_page(a);
	return 0;
}

/* 100 objects of 200 bytes in one call: several new slabs; all or nothing. */
static long op_alloc_bulk(struct ctx *c)
{
	c->nr_bulk = ARRAY_SIZE(c->bulk);
	if (kmem_cache_alloc_bulk(c->cache, GFP_KERNEL, c->nr_bulk, c->bulk) == 0) {
		c->nr_bulk = 0;
		return -ENOMEM;
	}
	return 0;
}

static void release_bulk(struct ctx *c)
{
	kmem_cache_free_bulk(c->cache, c->nr_bulk, c->bulk);
	c->nr_bulk = 0;
	kmem_cache_shrink(c->cache);
}

/* krealloc 100 -> 3000 bytes: a new block; on failure the old one is untouched. */
static void prepare_krealloc(struct ctx *c)
{
	c->m = boot();
	c->obj = kmalloc(100, GFP_KERNEL);
	assert_non_null(c->obj);
	memset(c->obj, 0x5a, 100);
}

static long op_krealloc(struct ctx *c)
{
	unsigned char *p = krealloc(c->obj, 3000, GFP_KERNEL | __GFP_NOWARN);
	const unsigned char *q = p ? p : c->obj;
	size_t i;

	for (i = 0; i < 100; i++)
		assert_int_equal(q[i], 0x5a);
	if (!p)
		return -ENOMEM;
	c->obj = p;
	return 0;
}

/* ---- address spaces -------------------------------------------------------------------------- */

static struct mm_file *open_file(struct machine *m, const char *path, unsigned long ino, int mode)
{
	struct mm_file_desc d = { .path = path, .dev_major = 8, .dev_minor = 1, .ino = ino,
				  .open_flags = mode, .size = 64 * PAGE_SIZE,
				  .kind = MM_FILE_REGULAR };
	struct mm_file *f = mm_file_open(m, &d);

	assert_non_null(f);
	return f;
}

/*
 * Take objects from the vm_area_struct and mm_struct caches until every slab of theirs is full,
 * so the next VMA or mm allocation needs a new slab and FAULT_PAGE_ALLOC reaches it too.
 */
static void fill_vm_caches(struct ctx *c)
{
	static const char *const names[2] = { "vm_area_struct", "mm_struct" };
	struct kmem_cache *caches[2] = { c->m->vm->vm_area_cachep, c->m->vm->mm_cachep };
	int i;

	for (i = 0; i < 2; i++) {
		long total, active;

		c->fill_cache[i] = caches[i];
		while ((active = slab_counts(c->m, names[i], &total)) < total) {
			assert_true(c->nr_fill[i] < (int)ARRAY_SIZE(c->fill[i]));
			c->fill[i][c->nr_fill[i]] = kmem_cache_alloc(caches[i], GFP_KERNEL);
			assert_non_null(c->fill[i][c->nr_fill[i]]);
			c->nr_fill[i]++;
		}
	}
}

static void new_task(struct ctx *c, unsigned int flags)
{
	struct mm_exec_args args = { .flags = flags, .start_brk = PG(64) };

	c->m = c->m ? c->m : boot();
	assert_int_equal(mm_task_exec_new(c->m, 0, &args, &c->task), 0);
	c->mm = mm_task_mm(c->task);
}

/*
 * The address space most cases start from:
 *
 *   0         1         2         3         4       ...  64
 *   0123456789abcdef0123456789abcdef0123456789abcdef     0123
 *   AAAAAAAA..BBBB..FFFF....SSSS..NNNN                   HHHH
 *
 *   A anon rw private, written (has an anon_vma)    B anon r private
 *   F a file, MAP_PRIVATE r at offset 0            S anon rw MAP_SHARED (shmem)
 *   N anon rw private named [anon:sweep] (seeded)   H [heap]: brk grown by 4 pages from PG(64)
 */
static void prepare_vm(struct ctx *c)
{
	new_task(c, MM_EXEC_EMPTY);
	c->file = open_file(c->m, "/sweep/data", 100, O_RDWR);
	assert_int_equal(vmt_map(&(struct vmt){ .m = c->m, .mm = c->mm }, 0, 8,
				 PROT_READ | PROT_WRITE), (long)PG(0));
	assert_int_equal(mm_touch(c->mm, PG(0), true), 0);
	assert_int_equal(vmt_map(&(struct vmt){ .m = c->m, .mm = c->mm }, 10, 4, PROT_READ),
			 (long)PG(10));
	assert_int_equal(mm_mmap(c->mm, PG(16), 4 * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED,
				 c->file, 0), (long)PG(16));
	assert_int_equal(mm_mmap(c->mm, PG(24), 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, NULL, 0), (long)PG(24));
	assert_int_equal(mm_seed_vma(c->mm, PG(30), PG(34), PROT_READ | PROT_WRITE, MAP_PRIVATE,
				     NULL, 0, "[anon:sweep]"), 0);
	assert_int_equal(mm_brk(c->mm, PG(68)), PG(68));
	c->brk0 = PG(68);
	/* An empty reserve, so every attempt allocates its VMAs afresh. */
	vma_free_reserve(c->mm);
	fill_vm_caches(c);
}

/* A machine, no process yet, and an executable file. */
static void prepare_exe(struct ctx *c)
{
	c->m = boot();
	c->exe = open_file(c->m, "/sweep/bin", 200, O_RDONLY);
	fill_vm_caches(c);
}

/*
 * exec of a new process with the default layout and a two-segment executable:
 *
 *   0x400000: text r-x (file) | data rw- (file) | bss rw- (anon)   ... [vvar][vvar_vclock][vdso]
 *   ... [stack] at the top, [vsyscall] in maps
 */
static long op_exec_new(struct ctx *c)
{
	struct mm_exec_args args = {
		.exe = c->exe, .nr_segments = 2,
		.segments = {
			{ .start = 0x400000, .end = 0x402000, .prot = PROT_READ | PROT_EXEC },
			{ .start = 0x402000, .end = 0x403000, .prot = PROT_READ | PROT_WRITE,
			  .pgoff_bytes = 0x2000, .bss_end = 0x405000 },
		},
	};
	int err = mm_task_exec_new(c->m, 0, &args, &c->task);

	if (!err)
		c->mm = mm_task_mm(c->task);
	return err;
}

/* execve of the prepared process: the same layout replaces AAAA..BBBB..FFFF....SSSS HHHH. */
static void prepare_vm_exe(struct ctx *c)
{
	prepare_vm(c);
	c->exe = open_file(c->m, "/sweep/bin", 200, O_RDONLY);
	fill_vm_caches(c);
}

static long op_exec(struct ctx *c)
{
	struct mm_exec_args args = {
		.exe = c->exe, .nr_segments = 1,
		.segments = { { .start = 0x400000, .end = 0x402000, .prot = PROT_READ | PROT_EXEC,
				.bss_end = 0x404000 } },
	};
	int err = mm_task_exec(c->task, &args);

	if (!err)
		c->mm = mm_task_mm(c->task);
	return err;
}

/* mm_file_open: the struct file and its inode. */
static void prepare_machine(struct ctx *c)
{
	c->m = boot();
}

static long op_file_open(struct ctx *c)
{
	struct mm_file_desc d = { .path = "/sweep/new", .dev_major = 8, .dev_minor = 1, .ino = 300,
				  .open_flags = O_RDWR, .size = PAGE_SIZE,
				  .kind = MM_FILE_REGULAR };

	c->file = mm_file_open(c->m, &d);
	return c->file ? 0 : -ENOMEM;
}

/* mmap anywhere (top-down, far above the picture): a new VMA   ... N */
static long op_mmap_new(struct ctx *c)
{
	return mm_mmap(c->mm, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       NULL, 0);
}

/* MAP_FIXED over the middle of A:   AAAAAAAA  ->  AAANNAAA  (A split in three) */
static long op_mmap_fixed_split(struct ctx *c)
{
	return mm_mmap(c->mm, PG(3), 2 * PAGE_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
}

/* MAP_POPULATE of a new writable private mapping at PG(36):  ....PPPP (populated, anon_vma) */
static long op_mmap_populate(struct ctx *c)
{
	return mm_mmap(c->mm, PG(36), 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE, NULL, 0);
}

/* A shared writable file mapping at PG(40), offset 8 pages:  ....GGGG */
static long op_mmap_file_shared(struct ctx *c)
{
	return mm_mmap(c->mm, PG(40), 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_FIXED, c->file, 8 * PAGE_SIZE);
}

/* The file again, private, right after F with the next offset: FFFF -> FFFFFF (merge) */
static long op_mmap_file_merge(struct ctx *c)
{
	return mm_mmap(c->mm, PG(20), 2 * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, c->file,
		       4 * PAGE_SIZE);
}

/* munmap of the middle of A:   AAAAAAAA  ->  AA..AAAA */
static long op_munmap_middle(struct ctx *c)
{
	return mm_munmap(c->mm, PG(2), 2 * PAGE_SIZE);
}

/* mprotect of the middle of A:   AAAAAAAA  ->  AaaaAAAA  (a read-only) */
static long op_mprotect_part(struct ctx *c)
{
	return mm_mprotect(c->mm, PG(1), 3 * PAGE_SIZE, PROT_READ);
}

/* madvise(MADV_DONTFORK) of the middle of A:   AAAAAAAA  ->  AAAdAAAA */
static long op_madvise_split(struct ctx *c)
{
	return mm_madvise(c->mm, PG(3), PAGE_SIZE, MADV_DONTFORK);
}

/* mlock of the head of B:   BBBB  ->  LLBB */
static long op_mlock_part(struct ctx *c)
{
	return mm_mlock(c->mm, PG(10), 2 * PAGE_SIZE);
}

/* munlock never needed here: mlock of all of A then munlock of its tail: AAAAAAAA -> LLLLLLAA */
static void prepare_vm_locked(struct ctx *c)
{
	prepare_vm(c);
	assert_int_equal(mm_mlock(c->mm, PG(0), 8 * PAGE_SIZE), 0);
	vma_free_reserve(c->mm);
	fill_vm_caches(c);
}

static long op_munlock_part(struct ctx *c)
{
	return mm_munlock(c->mm, PG(6), 2 * PAGE_SIZE);
}

/* mremap growing B in place:   BBBB..  ->  BBBBBB */
static long op_mremap_grow(struct ctx *c)
{
	return mm_mremap(c->mm, PG(10), 4 * PAGE_SIZE, 6 * PAGE_SIZE, 0, 0);
}

/* mremap growing A, which cannot grow in place (B is 2 pages on): A moves elsewhere. */
static long op_mremap_move(struct ctx *c)
{
	return mm_mremap(c->mm, PG(0), 8 * PAGE_SIZE, 12 * PAGE_SIZE, MREMAP_MAYMOVE, 0);
}

/* mremap of part of A to a fixed place:   AAAAAAAA ... .... -> AA..AAAA ... MM */
static long op_mremap_fixed_part(struct ctx *c)
{
	return mm_mremap(c->mm, PG(2), 2 * PAGE_SIZE, 2 * PAGE_SIZE,
			 MREMAP_MAYMOVE | MREMAP_FIXED, PG(44));
}

/* MREMAP_DONTUNMAP of B:   BBBB stays (emptied), a copy M appears elsewhere */
static long op_mremap_dontunmap(struct ctx *c)
{
	return mm_mremap(c->mm, PG(10), 4 * PAGE_SIZE, 4 * PAGE_SIZE,
			 MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
}

/* brk: HHHH -> HHHHHHHH (grow) and HHHH -> HH (shrink); refusal returns the old break. */
static long op_brk_grow(struct ctx *c)
{
	return mm_brk(c->mm, c->brk0 + 4 * PAGE_SIZE) == c->brk0 + 4 * PAGE_SIZE ? 0 : -ENOMEM;
}

static long op_brk_shrink(struct ctx *c)
{
	return mm_brk(c->mm, c->brk0 - 2 * PAGE_SIZE) == c->brk0 - 2 * PAGE_SIZE ? 0 : -ENOMEM;
}

/* The heap as a new VMA: brk from an empty heap. */
static void prepare_vm_noheap(struct ctx *c)
{
	prepare_vm(c);
	assert_int_equal(mm_brk(c->mm, PG(64)), PG(64));
	c->brk0 = PG(64);
	vma_free_reserve(c->mm);
	fill_vm_caches(c);
}

/*
 * fork of the whole picture, with a MADV_DONTFORK piece and a locked one:
 *   parent AAAdAAAA..LLBB..FFFF....SSSS  HHHH  ->  child AAA.AAAA..BBBB..FFFF....SSSS  HHHH
 */
static void prepare_vm_fork(struct ctx *c)
{
	prepare_vm(c);
	assert_int_equal(mm_madvise(c->mm, PG(3), PAGE_SIZE, MADV_DONTFORK), 0);
	assert_int_equal(mm_mlock(c->mm, PG(10), 2 * PAGE_SIZE), 0);
	vma_free_reserve(c->mm);
	fill_vm_caches(c);
}

static long op_fork(struct ctx *c)
{
	return mm_task_clone(c->task, 0, 0, &c->child);
}

/* A thread (CLONE_VM): shares the mm, allocates only the task. */
static long op_clone_vm(struct ctx *c)
{
	return mm_task_clone(c->task, CLONE_VM, 0, &c->child);
}

/* exit of the process of the picture: everything goes, nothing to allocate. */
static long op_exit(struct ctx *c)
{
	mm_task_exit(c->task);
	c->task = NULL;
	c->mm = NULL;
	return 0;
}

/* munmap across A and B:   AAAAAAAA..BBBB  ->  AAAAAA......BB */
static long op_munmap_across(struct ctx *c)
{
	return mm_munmap(c->mm, PG(6), 6 * PAGE_SIZE);
}

/* MAP_FIXED across A and B:   AAAAAAAA..BBBB  ->  AAAAAANNNNNNBB */
static long op_mmap_fixed_across(struct ctx *c)
{
	return mm_mmap(c->mm, PG(6), 6 * PAGE_SIZE, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
}

/* /dev/zero MAP_SHARED at PG(36): a shmem object behind a new VMA   ....ZZZZ */
static long op_mmap_dev_zero(struct ctx *c)
{
	struct mm_file_desc d = { .path = "/dev/zero", .dev_major = 1, .dev_minor = 5, .ino = 4,
				  .open_flags = O_RDWR, .kind = MM_FILE_DEV_ZERO };
	struct mm_file *z = mm_file_open(c->m, &d);
	long r;

	if (!z)
		return -ENOMEM;
	r = mm_mmap(c->mm, PG(36), 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		    z, 0);
	mm_file_put(z);
	return r;
}

/* MAP_SHARED|MAP_ANONYMOUS anywhere: shmem again, top-down placement. */
static long op_mmap_shared_anon(struct ctx *c)
{
	return mm_mmap(c->mm, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, NULL, 0);
}

/* madvise(MADV_HUGEPAGE) of A's tail:   AAAAAAAA  ->  AAAAAAhh */
static long op_madvise_hugepage(struct ctx *c)
{
	return mm_madvise(c->mm, PG(6), 2 * PAGE_SIZE, MADV_HUGEPAGE);
}

/* mlock2(MLOCK_ONFAULT) of A's middle:   AAAAAAAA  ->  AAllAAAA */
static long op_mlock2_onfault(struct ctx *c)
{
	return mm_mlock2(c->mm, PG(2), 2 * PAGE_SIZE, MLOCK_ONFAULT);
}

/* mlockall(MCL_CURRENT): every VMA locked, nothing split. */
static long op_mlockall(struct ctx *c)
{
	return mm_mlockall(c->mm, MCL_CURRENT);
}

/*
 * A small trace replayed through the library (one process, a fork, file and anonymous
 * mappings). The injected failure must show as an error of replay_line() or as a call whose
 * recorded result mmlab did not reproduce, and replay_free() must take everything back.
 */
static const char sweep_trace[] =
	"100 openat(AT_FDCWD, \"/etc/sweep\", O_RDONLY) = 3</etc/sweep>\n"
	"100 mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, 3</etc/sweep>, 0) = 0x7ffff7ff0000\n"
	"100 close(3</etc/sweep>) = 0\n"
	"100 mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = "
	"0x7ffff7fe0000\n"
	"100 mprotect(0x7ffff7fe4000, 4096, PROT_NONE) = 0\n"
	"100 munmap(0x7ffff7fe8000, 8192) = 0\n"
	"100 brk(NULL) = 0x555555559000\n"
	"100 brk(0x55555557a000) = 0x55555557a000\n"
	"100 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, "
	"child_tidptr=0x7ffff7d8aa10) = 101\n"
	"101 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = "
	"0x7ffff7fd0000\n"
	"101 exit_group(0) = ?\n";

static long op_replay(struct ctx *c)
{
	struct replay_options o = { .check = true, .follow_trace = true };
	struct replay_stats st;
	struct replay *r;
	char why[256];
	const char *p = sweep_trace;
	int err;

	err = replay_new(c->m, &o, &r, why, sizeof(why));
	if (err)
		goto out;
	while (*p && !err) {
		size_t len = strcspn(p, "\n");

		err = replay_line(r, p, len, why, sizeof(why));
		p += len + (p[len] == '\n');
	}
	if (!err)
		err = replay_finish(r);
	if (err && err != -ENOMEM)
		print_message("replay: %d: %s (at \"%.*s\")\n", err, why, (int)strcspn(p, "\n"), p);
	replay_get_stats(r, &st);
	if (!err && st.differed)
		err = -ENOMEM;	/* a replayed call failed: that is how a replay reports it */
	if (!err && replay_maps(r)) {
		c->replay_maps = strdup(replay_maps(r));
		assert_non_null(c->replay_maps);
	}
	replay_free(r);
	if (!err && st.calls < 7)
		fail_msg("replay: only %lu calls replayed", st.calls);
out:
	return err;
}

/* mprotect of the middle of the named VMA: the name is copied to the new pieces. */
static long op_mprotect_named(struct ctx *c)
{
	return mm_mprotect(c->mm, PG(31), 2 * PAGE_SIZE, PROT_READ);	/* NNNN -> NnnN */
}

/*
 * Two adjacent VMAs that differ only in protection, for operations that split both ends:
 *
 *   01234567
 *   AAAABBBB        A rw, B r (anon private)
 */
static void prepare_vm_adjacent(struct ctx *c)
{
	struct vmt t;

	new_task(c, MM_EXEC_EMPTY);
	t.m = c->m;
	t.mm = c->mm;
	assert_int_equal(vmt_map(&t, 0, 4, PROT_READ | PROT_WRITE), (long)PG(0));
	assert_int_equal(vmt_map(&t, 4, 4, PROT_READ), (long)PG(4));
	vmt_expect(c->mm, "AAAABBBB");
	vma_free_reserve(c->mm);
	fill_vm_caches(c);
}

/* AAAABBBB -> AAxxxxBB: both ends split, the middle merges into one rwx VMA. */
static long op_mprotect_across(struct ctx *c)
{
	return mm_mprotect(c->mm, PG(2), 4 * PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC);
}

/* AAAABBBB -> AAaabbBB (VM_DONTDUMP in the middle of both). */
static long op_madvise_across(struct ctx *c)
{
	return mm_madvise(c->mm, PG(2), 4 * PAGE_SIZE, MADV_DONTDUMP);
}

/* AAAABBBB -> AAllLLBB */
static long op_mlock_across(struct ctx *c)
{
	return mm_mlock(c->mm, PG(2), 4 * PAGE_SIZE);
}

/* AAAABBBB -> AA....BB */
static long op_munmap_adjacent(struct ctx *c)
{
	return mm_munmap(c->mm, PG(2), 4 * PAGE_SIZE);
}

/* mm_seed_vma of a named anonymous VMA at PG(36), as replay --initial-maps does:  ....nnnn */
static long op_seed_vma(struct ctx *c)
{
	return mm_seed_vma(c->mm, PG(36), PG(40), PROT_READ | PROT_WRITE, MAP_PRIVATE, NULL, 0,
			   "[anon:seeded]");
}

/* The locked A of prepare_vm_locked grows and must move: only what grew is faulted in. */
static long op_mremap_locked_move(struct ctx *c)
{
	return mm_mremap(c->mm, PG(0), 8 * PAGE_SIZE, 12 * PAGE_SIZE, MREMAP_MAYMOVE, 0);
}

/* MAP_LOCKED of a new mapping at PG(36): locked and populated. */
static long op_mmap_locked(struct ctx *c)
{
	return mm_mmap(c->mm, PG(36), 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_LOCKED, NULL, 0);
}

/* After mlockall(MCL_FUTURE) a new mapping is locked (def_flags) and populated. */
static void prepare_vm_mcl_future(struct ctx *c)
{
	prepare_vm(c);
	assert_int_equal(mm_mlockall(c->mm, MCL_FUTURE), 0);
	vma_free_reserve(c->mm);
	fill_vm_caches(c);
}

/* A cache with every debug flag (slub_debug=FZPU): the alloc path with its tracking. */
static void prepare_debug_cache(struct ctx *c)
{
	c->m = boot();
	c->cache = kmem_cache_create("sweep-debug", 200, 0, SLAB_DEBUG_FLAGS, NULL);
	assert_non_null(c->cache);
}

/* kmem_cache_alloc_node from node 1: a new slab there. */
static long op_kmem_cache_alloc_node1(struct ctx *c)
{
	c->obj = kmem_cache_alloc_node(c->cache, GFP_KERNEL, 1);
	return c->obj ? 0 : -ENOMEM;
}

static const struct sweep_case cases[] = {
	{ "alloc_pages order 0", L_PHYS, prepare_machine, op_alloc_order0, NULL, -ENOMEM, false, false },
	{ "alloc_pages order 3", L_PHYS, prepare_machine, op_alloc_order3, NULL, -ENOMEM, false, false },
	{ "alloc_pages order 9", L_PHYS, prepare_machine, op_alloc_order9, NULL, -ENOMEM, false, false },
	{ "alloc_pages __GFP_ZERO", L_PHYS, prepare_machine, op_alloc_zero, NULL, -ENOMEM, false, false },
	{ "alloc_pages ZERO|COMP o3", L_PHYS, prepare_machine, op_alloc_zero_comp, NULL, -ENOMEM, false, false },
	{ "alloc_pages __GFP_NOFAIL", L_PHYS, prepare_machine, op_alloc_nofail, NULL, -ENOMEM,
	  false, true },
	{ "alloc_pages_node THISNODE", L_PHYS, prepare_machine, op_alloc_thisnode, NULL, -ENOMEM, false, false },
	{ "__get_free_pages order 1", L_PHYS, prepare_machine, op_get_free_pages, NULL, -ENOMEM, false, false },
	{ "get_zeroed_page", L_PHYS, prepare_machine, op_get_zeroed_page, NULL, -ENOMEM, false, false },
	{ "kmem_cache_create", L_SLAB, prepare_machine, op_kmem_cache_create, release_cache,
	  -ENOMEM, false, false },
	{ "kmem_cache_alloc (new slab)", L_SLAB, prepare_cache, op_kmem_cache_alloc,
	  release_cache_obj, -ENOMEM, false, false },
	{ "kmem_cache_alloc_node 1", L_SLAB, prepare_cache, op_kmem_cache_alloc_node1,
	  release_cache_obj, -ENOMEM, false, false },
	{ "kmem_cache_alloc debug FZPU", L_SLAB, prepare_debug_cache, op_kmem_cache_alloc,
	  release_cache_obj, -ENOMEM, false, false },
	{ "kmem_cache_alloc_bulk 100", L_SLAB, prepare_cache, op_alloc_bulk, release_bulk,
	  -ENOMEM, false, false },
	{ "krealloc 100 -> 3000", L_SLAB, prepare_krealloc, op_krealloc, NULL, -ENOMEM, false, false },
	{ "kmalloc 8", L_SLAB, prepare_machine, op_kmalloc_8, release_obj, -ENOMEM, false, false },
	{ "kmalloc 100", L_SLAB, prepare_machine, op_kmalloc_100, release_obj, -ENOMEM, false, false },
	{ "kmalloc 4096", L_SLAB, prepare_machine, op_kmalloc_4096, release_obj, -ENOMEM, false, false },
	{ "kmalloc 100 __GFP_NOFAIL", L_SLAB, prepare_machine, op_kmalloc_nofail, release_obj,
	  -ENOMEM, false, true },
	{ "kmem_cache_alloc __GFP_NOFAIL", L_SLAB, prepare_cache, op_kmem_cache_alloc_nofail,
	  release_cache_obj, -ENOMEM, false, true },
	{ "kmalloc 64K (page)", L_SLAB, prepare_machine, op_kmalloc_64k, release_obj, -ENOMEM, false, false },
	{ "kmalloc_node 256 node 1", L_SLAB, prepare_machine, op_kmalloc_node1, release_obj,
	  -ENOMEM, false, false },
	{ "mm_file_open", L_VM, prepare_machine, op_file_open, NULL, -ENOMEM, false, false },
	{ "exec new task", L_VM, prepare_exe, op_exec_new, NULL, -ENOMEM, false, false },
	{ "execve over a task", L_VM, prepare_vm_exe, op_exec, NULL, -ENOMEM, false, false },
	{ "mmap new", L_VM, prepare_vm, op_mmap_new, NULL, -ENOMEM, false, false },
	{ "mmap MAP_FIXED split", L_VM, prepare_vm, op_mmap_fixed_split, NULL, -ENOMEM, false, false },
	{ "mmap MAP_POPULATE", L_VM, prepare_vm, op_mmap_populate, NULL, -ENOMEM, false, false },
	{ "mmap file shared", L_VM, prepare_vm, op_mmap_file_shared, NULL, -ENOMEM, false, false },
	{ "mmap file merging", L_VM, prepare_vm, op_mmap_file_merge, NULL, -ENOMEM, false, false },
	{ "mmap MAP_FIXED across two", L_VM, prepare_vm, op_mmap_fixed_across, NULL, -ENOMEM, false, false },
	{ "mmap /dev/zero shared", L_VM, prepare_vm, op_mmap_dev_zero, NULL, -ENOMEM, false, false },
	{ "mmap shared anonymous", L_VM, prepare_vm, op_mmap_shared_anon, NULL, -ENOMEM, false, false },
	{ "mmap MAP_LOCKED", L_VM, prepare_vm, op_mmap_locked, NULL, -ENOMEM, false, false },
	{ "mmap after MCL_FUTURE", L_VM, prepare_vm_mcl_future, op_mmap_populate, NULL, -ENOMEM,
	  false, false },
	{ "mm_seed_vma [anon:]", L_VM, prepare_vm, op_seed_vma, NULL, -ENOMEM, false, false },
	{ "munmap middle", L_VM, prepare_vm, op_munmap_middle, NULL, -ENOMEM, false, false },
	{ "munmap across two", L_VM, prepare_vm, op_munmap_across, NULL, -ENOMEM, false, false },
	{ "mprotect part", L_VM, prepare_vm, op_mprotect_part, NULL, -ENOMEM, false, false },
	{ "mprotect named part", L_VM, prepare_vm, op_mprotect_named, NULL, -ENOMEM, false, false },
	{ "mprotect across two *", L_VM, prepare_vm_adjacent, op_mprotect_across, NULL, -ENOMEM,
	  true, false },
	{ "madvise DONTDUMP across two *", L_VM, prepare_vm_adjacent, op_madvise_across, NULL,
	  -EAGAIN, true, false },
	{ "mlock across two *", L_VM, prepare_vm_adjacent, op_mlock_across, NULL, -ENOMEM, true, false },
	{ "munmap adjacent two", L_VM, prepare_vm_adjacent, op_munmap_adjacent, NULL, -ENOMEM, false, false },
	{ "madvise DONTFORK part", L_VM, prepare_vm, op_madvise_split, NULL, -EAGAIN, false, false },
	{ "madvise HUGEPAGE part", L_VM, prepare_vm, op_madvise_hugepage, NULL, -EAGAIN, false, false },
	{ "mlock part", L_VM, prepare_vm, op_mlock_part, NULL, -ENOMEM, false, false },
	{ "mlock2 ONFAULT part", L_VM, prepare_vm, op_mlock2_onfault, NULL, -ENOMEM, false, false },
	{ "mlockall MCL_CURRENT", L_VM, prepare_vm, op_mlockall, NULL, -ENOMEM, false, false },
	{ "munlock part", L_VM, prepare_vm_locked, op_munlock_part, NULL, -ENOMEM, false, false },
	{ "mremap grow in place", L_VM, prepare_vm, op_mremap_grow, NULL, -ENOMEM, false, false },
	{ "mremap move", L_VM, prepare_vm, op_mremap_move, NULL, -ENOMEM, false, false },
	{ "mremap FIXED part", L_VM, prepare_vm, op_mremap_fixed_part, NULL, -ENOMEM, false, false },
	{ "mremap locked, moving", L_VM, prepare_vm_locked, op_mremap_locked_move, NULL, -ENOMEM,
	  false, false },
	{ "mremap DONTUNMAP", L_VM, prepare_vm, op_mremap_dontunmap, NULL, -ENOMEM, false, false },
	{ "brk grow", L_VM, prepare_vm, op_brk_grow, NULL, -ENOMEM, false, false },
	{ "brk shrink", L_VM, prepare_vm, op_brk_shrink, NULL, -ENOMEM, false, false },
	{ "brk new heap", L_VM, prepare_vm_noheap, op_brk_grow, NULL, -ENOMEM, false, false },
	{ "fork", L_VM, prepare_vm_fork, op_fork, NULL, -ENOMEM, false, false },
	{ "clone CLONE_VM", L_VM, prepare_vm, op_clone_vm, NULL, -ENOMEM, false, false },
	{ "exit", L_VM, prepare_vm, op_exit, NULL, -ENOMEM, false, false },
	{ "replay of a small trace", L_VM, prepare_machine, op_replay, NULL, -ENOMEM, false, false },
};

static const char *const kind_names[NR_MMLAB_FAULTS] = {
	[FAULT_PAGE_ALLOC] = "PAGE", [FAULT_SLAB] = "SLAB", [FAULT_VMA] = "VMA",
	[FAULT_PGTABLE] = "PGTBL", [FAULT_MISC] = "MISC",
};

#define MAX_POINTS 64

struct result {
	int points;	/* injected failures that failed the operation */
	int silent;	/* injected failures the operation survived */
};

static struct result results[ARRAY_SIZE(cases)][NR_MMLAB_FAULTS];

/* What a successful operation leaves: a retry after a failure must leave the same. */
struct outcome {
	long ret;			/* the address mmap/mremap chose, or 0 */
	char *maps, *child_maps, *replay_maps;
};

/*
 * @maps with the inode of shmem objects (/dev/zero, shared anonymous) blanked: they are numbered
 * by a machine-wide counter that a failed attempt may have advanced, as in the kernel, where
 * get_next_ino() numbers are never handed back.
 */
static char *maps_normalized(const char *maps)
{
	char *out = strdup(maps), *line = out;

	assert_non_null(out);
	while (*line) {
		size_t len = strcspn(line, "\n");
		char range[40], perms[8], off[20], dev[12];
		int ino_at = 0, ino_end = 0;

		if (memmem(line, len, "/dev/zero", 9) && sscanf(line, "%39s %7s %19s %11s %n%*s%n",
							    range, perms, off, dev, &ino_at,
							    &ino_end) == 4 && ino_end)
			memset(line + ino_at, '*', (size_t)(ino_end - ino_at));
		line += len + (line[len] == '\n');
	}
	return out;
}

static void outcome_take(struct ctx *c, long r, struct outcome *o)
{
	o->ret = r;
	o->maps = c->mm ? vmt_maps(c->mm) : NULL;
	o->child_maps = c->child ? vmt_maps(mm_task_mm(c->child)) : NULL;
	o->replay_maps = c->replay_maps ? strdup(c->replay_maps) : NULL;
	if (o->maps) {
		char *n = maps_normalized(o->maps);

		free(o->maps);
		o->maps = n;
	}
	if (o->child_maps) {
		char *n = maps_normalized(o->child_maps);

		free(o->child_maps);
		o->child_maps = n;
	}
}

static void outcome_free(struct outcome *o)
{
	free(o->maps);
	free(o->child_maps);
	free(o->replay_maps);
	memset(o, 0, sizeof(*o));
}

static void outcome_expect(const char *where, const struct outcome *ref, const struct outcome *o)
{
	SAME_NUM("the result of the retry", ref->ret, o->ret);
	SAME_NUM("whether there is an mm", ref->maps != NULL, o->maps != NULL);
	SAME_NUM("whether there is a child", ref->child_maps != NULL, o->child_maps != NULL);
	if (ref->maps)
		same_str(where, "maps after the retry", ref->maps, o->maps);
	if (ref->child_maps)
		same_str(where, "child maps after the retry", ref->child_maps, o->child_maps);
	if (ref->replay_maps)
		same_str(where, "replayed maps after the retry", ref->replay_maps,
			 o->replay_maps ? o->replay_maps : "");
}

/*
 * One run of @sc with call @nth of @kind failing @times times (@nth 0: nothing armed). A failed
 * operation must give its errno and leave the snapshot as it was; it is then run again with
 * nothing armed and must end as the clean run @ref did (the clean run itself fills @ref).
 * Returns true if something was injected.
 */
static bool attempt(const struct sweep_case *sc, enum mmlab_fault kind, long nth, long times,
		    struct outcome *ref, struct result *res)
{
	struct ctx c = { 0 };
	struct snap before, after;
	struct outcome o;
	char where[160];
	long r, hit = 0;

	snprintf(where, sizeof(where), "%s, %s call %ld%s", sc->name, kind_names[kind], nth,
		 times < 0 ? " and every call after it" : "");
	if (sc->prepare)
		sc->prepare(&c);
	else
		c.m = boot();
	snap_take(&c, sc->layer, &before);
	if (nth)
		assert_int_equal(machine_fail_nth(c.m, kind, nth, times), 0);
	r = sc->op(&c);
	if (nth)
		hit = machine_fault_injected(c.m, kind);
	machine_fault_clear(c.m);
	if (hit && r < 0) {
		if (r != sc->err)
			fail_msg("%s: returned %ld, expected %ld", where, r, sc->err);
		if (!sc->partial) {
			snap_take(&c, sc->layer, &after);
			snap_expect_same(where, &before, &after);
			snap_free(&after);
		}
		assert_machine_ok(c.m);
		if (times == 1)
			res->points++;
		r = sc->op(&c);
		if (r < 0)
			fail_msg("%s: the retry without faults failed with %ld", where, r);
	} else {
		if (r < 0)
			fail_msg("%s: nothing injected, yet the operation failed with %ld", where, r);
		if (hit && times == 1)
			res->silent++;
	}
	outcome_take(&c, r, &o);
	if (nth) {
		outcome_expect(where, ref, &o);
		outcome_free(&o);
	} else {
		*ref = o;
	}
	if (sc->release || sc->layer == L_PHYS) {
		if (sc->release)
			sc->release(&c);
		snap_take(&c, sc->layer, &after);
		snprintf(where, sizeof(where), "%s, after undoing it", sc->name);
		snap_expect_same(where, &before, &after);
		snap_free(&after);
	}
	snap_free(&before);
	ctx_teardown(&c, where);
	return hit != 0;
}

static void test_fault_sweep(void **state)
{
	size_t i;
	int k, total = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct outcome ref;

		attempt(&cases[i], FAULT_PAGE_ALLOC, 0, 0, &ref, NULL);	/* the clean run */
		for (k = 0; k < NR_MMLAB_FAULTS; k++) {
			struct result *res = &results[i][k];
			long nth;

			for (nth = 1; attempt(&cases[i], (enum mmlab_fault)k, nth, 1, &ref, res);
			     nth++)
				if (nth == MAX_POINTS)
					fail_msg("%s: more than %d %s injection points",
						 cases[i].name, MAX_POINTS, kind_names[k]);
			/* Every call failing: fallbacks (a smaller slab order...) fail too. */
			if (res->points || res->silent)
				attempt(&cases[i], (enum mmlab_fault)k, 1, -1, &ref, res);
			total += res->points;
			if (cases[i].nofail && (res->points || res->silent))
				fail_msg("%s: %s injection reached a __GFP_NOFAIL allocation (%d "
					 "failed, %d counted and ignored)", cases[i].name,
					 kind_names[k], res->points, res->silent);
		}
		outcome_free(&ref);
	}

	print_message("Injection points per operation and fault kind (failed calls; +n: failures "
		      "the operation survived)\n");
	print_message("%-30s", "operation");
	for (k = 0; k < NR_MMLAB_FAULTS; k++)
		print_message(" %6s", kind_names[k]);
	print_message("\n");
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		print_message("%-30s", cases[i].name);
		for (k = 0; k < NR_MMLAB_FAULTS; k++) {
			char cell[16];

			if (results[i][k].silent)
				snprintf(cell, sizeof(cell), "%d+%d", results[i][k].points,
					 results[i][k].silent);
			else
				snprintf(cell, sizeof(cell), "%d", results[i][k].points);
			print_message(" %6s", cell);
		}
		print_message("\n");
	}
	print_message("%d injected failures, each returned its errno and left the state as it "
		      "was\n(* : as in the kernel, the VMAs before the failing one keep their change; "
		      "checked for consistency and retry)\n", total);
	assert_true(total > (int)ARRAY_SIZE(cases));
}

/*
 * machine_boot cannot be swept: the fault attributes live in the machine, which does not exist
 * until machine_boot() returns it, so no call of boot can be made to fail (its unwinding is
 * reached only by a host allocation failure or a bad config). What can be checked: attributes
 * are per machine, so a machine whose every attribute fails every call does not disturb the
 * boot, the work or the shutdown of another, and a new machine starts with nothing armed.
 */
static void test_boot_and_other_machines(void **state)
{
	struct machine *armed = boot(), *m;
	struct machine_config bad;
	struct ctx c = { 0 };
	int k;

	(void)state;
	for (k = 0; k < NR_MMLAB_FAULTS; k++)
		assert_int_equal(machine_fail_nth(armed, (enum mmlab_fault)k, 1, -1), 0);
	m = boot();
	for (k = 0; k < NR_MMLAB_FAULTS; k++) {
		assert_int_equal(machine_fault_injected(m, (enum mmlab_fault)k), 0);
		assert_int_equal(machine_fault_injected(armed, (enum mmlab_fault)k), 0);
	}
	c.m = m;
	prepare_vm(&c);
	assert_true(op_fork(&c) == 0);
	ctx_teardown(&c, "a machine next to one that fails everything");
	machine_config_default(&bad);
	bad.nr_nodes = 0;
	assert_int_equal(machine_boot(&bad, &m), -EINVAL);
	assert_null(m);
	assert_int_equal(machine_bind_cpu(armed, 0), 0);
	assert_null(alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0));
	assert_int_equal(machine_fault_injected(armed, FAULT_PAGE_ALLOC), 1);
	machine_shutdown(armed);
	print_message("machine_boot: no injection point reachable (no machine to arm before boot)\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot_and_other_machines),
		cmocka_unit_test(test_fault_sweep),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
