/*
 * kmem_cache.c - caches: creation (object layout, alignment, slab order), shrinking, destruction,
 * and the per-machine slab state that lists them.
 *
 * Geometry, as SLUB computes it (calculate_sizes / calculate_order):
 *   align  = max(requested, 8); with SLAB_HWCACHE_ALIGN at least the cache line (64) halved
 *            while the object still fits in half of it;
 *   size   = object + red zone + outside free pointer + tracks, rounded up to align (slab.h);
 *   order  = the smallest order in [order of min_objects objects, PAGE_ALLOC_COSTLY_ORDER] whose
 *            leftover is at most 1/16 of the slab, else 1/8, else 1/4; failing all, the order of
 *            one object. min_objects = 4 * (fls(nr_cpus) + 1), the kernel's slub_min_objects.
 *   min_partial = clamp(ilog2(size) / 2, 5, 10); per-CPU partial slabs from 120/52/24/6 objects
 *            by size, as set_cpu_partial().
 * mmlab never merges caches of the same geometry (the kernel does): each cache is its own line
 * in /proc/slabinfo.
 */
#include "slab/internal.h"

#define MIN_PARTIAL		5
#define MAX_PARTIAL		10
#define MAX_OBJS_PER_PAGE	32767
#define SLUB_MAX_ORDER		PAGE_ALLOC_COSTLY_ORDER
#define CACHE_LINE_SIZE		64

static inline int fls_uint(unsigned int x)
{
	return x ? 32 - __builtin_clz(x) : 0;
}

static inline int ilog2_ulong(unsigned long x)
{
	return 63 - __builtin_clzl(x);
}

/* get_order - the smallest order whose block holds @size bytes. */
static inline unsigned int get_order(unsigned long size)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}

static inline struct kmem_cache_order_objects oo_make(unsigned int order, unsigned int size)
{
	struct kmem_cache_order_objects x = {
		(order << OO_SHIFT) + (unsigned int)((PAGE_SIZE << order) / size)
	};

	return x;
}

static inline unsigned int order_objects(unsigned int order, unsigned int size)
{
	return (unsigned int)((PAGE_SIZE << order) / size);
}

unsigned int slab_min_objects_for(int nr_cpus)
{
	return 4 * (unsigned int)(fls_uint((unsigned int)nr_cpus) + 1);
}

/* The first order from @min_order up whose leftover is at most 1/@fract of the slab. */
static unsigned int calc_slab_order(unsigned int size, unsigned int min_order,
				    unsigned int max_order, unsigned int fract)
{
	unsigned int order;

	for (order = min_order; order <= max_order; order++) {
		unsigned long slab_size = PAGE_SIZE << order;

		if (slab_size % size <= slab_size / fract)
			break;
	}
	return order;
}

unsigned int calculate_order(unsigned int size, unsigned int min_objects)
{
	unsigned int max_objects = MAX(order_objects(SLUB_MAX_ORDER, size), 1u);
	unsigned int min_order, fraction, order;

	min_objects = MIN(min_objects, max_objects);
	min_order = get_order((unsigned long)min_objects * size);
	if (order_objects(min_order, size) > MAX_OBJS_PER_PAGE)
		return get_order((unsigned long)size * MAX_OBJS_PER_PAGE) - 1;
	for (fraction = 16; fraction > 1; fraction /= 2) {
		order = calc_slab_order(size, min_order, SLUB_MAX_ORDER, fraction);
		if (order <= SLUB_MAX_ORDER)
			return order;
	}
	return get_order(size);
}

static unsigned int calculate_alignment(slab_flags_t flags, unsigned int align, unsigned int size)
{
	if (flags & SLAB_HWCACHE_ALIGN) {
		unsigned int ralign = CACHE_LINE_SIZE;

		while (size <= ralign / 2)
			ralign /= 2;
		align = MAX(align, ralign);
	}
	align = MAX(align, (unsigned int)sizeof(unsigned long long));
	return ALIGN_UP(align, (unsigned int)sizeof(void *));
}

/* Object layout (see slab.h), order and list limits. Returns 0 or -EINVAL. */
static int calculate_sizes(struct kmem_cache *s, unsigned int min_objects)
{
	slab_flags_t flags = s->flags;
	unsigned int size = ALIGN_UP(s->object_size, (unsigned int)sizeof(void *));
	unsigned int order, nr_objects;

	if ((flags & SLAB_RED_ZONE) && size == s->object_size)
		size += sizeof(void *);
	s->inuse = size;
	if ((flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON)) || s->ctor ||
	    ((flags & SLAB_RED_ZONE) && s->object_size < sizeof(void *))) {
		s->offset = size;
		size += sizeof(void *);
	} else {
		/* In the middle of the object: an overflow of the previous one misses it. */
		s->offset = ALIGN_DOWN(s->object_size / 2, (unsigned int)sizeof(void *));
	}
	if (flags & SLAB_STORE_USER)
		size += 2 * sizeof(struct track);
	s->align = calculate_alignment(flags, s->align, s->object_size);
	size = ALIGN_UP(size, s->align);
	s->size = size;
	s->size_divisor = UINT64_MAX / size + 1;

	order = calculate_order(size, min_objects);
	if (order > MAX_PAGE_ORDER)
		return -EINVAL;
	s->oo = oo_make(order, size);
	s->min = oo_make(get_order(size), size);
	s->allocflags = 0;
	if (flags & SLAB_CACHE_DMA)
		s->allocflags |= __GFP_DMA;
	if (flags & SLAB_CACHE_DMA32)
		s->allocflags |= __GFP_DMA32;
	if (flags & SLAB_RECLAIM_ACCOUNT)
		s->allocflags |= __GFP_RECLAIMABLE;

	s->min_partial = (unsigned long)MIN(MAX_PARTIAL, MAX(MIN_PARTIAL, ilog2_ulong(size) / 2));
	if (kmem_cache_debug(s))
		nr_objects = 0;
	else if (size >= PAGE_SIZE)
		nr_objects = 6;
	else if (size >= 1024)
		nr_objects = 24;
	else if (size >= 256)
		nr_objects = 52;
	else
		nr_objects = 120;
	s->cpu_partial_slabs = (nr_objects * 2 + oo_objects(s->oo) - 1) / oo_objects(s->oo);
	return 0;
}

static void free_cache_meta(struct machine *m, struct kmem_cache *s)
{
	int nid;

	for (nid = 0; nid < m->nr_nodes; nid++)
		if (s->node[nid]) {
			mm_meta_free(m, s->node[nid]);
		}
	free(s->cpu_slab);
	mm_meta_free(m, (void *)s->name);
	mm_meta_free(m, s);
}

struct kmem_cache *create_cache(struct machine *m, const char *name, unsigned int size,
				unsigned int align, slab_flags_t flags, void (*ctor)(void *))
{
	struct slab_state *st = slab_state_of(m);
	size_t name_len = strlen(name) + 1, cpu_bytes;
	struct kmem_cache *s;
	char *copy;
	int nid, cpu;

	s = mm_meta_zalloc(m, sizeof(*s));
	if (!s)
		return NULL;
	s->machine = m;
	s->arena = m->phys->arena;
	s->arena_bytes = m->phys->arena_bytes;
	s->vmemmap = m->phys->vmemmap;
	s->object_size = size;
	s->align = align;
	s->requested_align = align;
	s->flags = flags;
	s->ctor = ctor;
	INIT_LIST_HEAD(&s->list);
	if (calculate_sizes(s, st->min_objects))
		goto fail;
	copy = mm_meta_zalloc(m, name_len);
	if (!copy)
		goto fail;
	memcpy(copy, name, name_len);
	s->name = copy;
	cpu_bytes = sizeof(struct kmem_cache_cpu) * (size_t)m->nr_cpus;
	s->cpu_slab = aligned_alloc(64, cpu_bytes);
	if (!s->cpu_slab)
		goto fail;
	memset(s->cpu_slab, 0, cpu_bytes);
	for (cpu = 0; cpu < m->nr_cpus; cpu++)
		mm_bias_lock_init(&s->cpu_slab[cpu].bl);
	for (nid = 0; nid < m->nr_nodes; nid++) {
		struct kmem_cache_node *n = mm_meta_zalloc(m, sizeof(*n));

		if (!n)
			goto fail;
		mm_spin_init(&n->list_lock);
		INIT_LIST_HEAD(&n->partial);
		INIT_LIST_HEAD(&n->full);
		s->node[nid] = n;
	}
	return s;

fail:
	free_cache_meta(m, s);
	return NULL;
}

static struct kmem_cache *find_cache_locked(struct slab_state *st, const char *name)
{
	struct list_head *pos;

	list_for_each(pos, &st->caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);

		if (!strcmp(s->name, name))
			return s;
	}
	return NULL;
}

struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, unsigned int align,
				     slab_flags_t flags, void (*ctor)(void *))
{
	struct machine *m = current_machine();
	struct slab_state *st = slab_state_of(m);
	struct kmem_cache *s = NULL;
	int err = -EINVAL;

	mm_lock(&st->slab_mutex);
	if (!name || !size || size > KMALLOC_MAX_SIZE || (align & (align - 1)))
		goto out;
	err = -EEXIST;
	if (find_cache_locked(st, name))
		goto out;
	err = -ENOMEM;
	s = create_cache(m, name, size, align,
			 (flags & ~SLAB_KMALLOC) | slab_debug_flags_for(st, name), ctor);
	if (!s)
		goto out;
	list_add(&s->list, &st->caches);
	err = 0;
out:
	mm_unlock(&st->slab_mutex);
	if (err) {
		if (flags & SLAB_PANIC)
			mm_bug(__func__, __FILE__, __LINE__, "SLAB_PANIC: cannot create slab cache");
		printk(m, "kmem_cache_create(%s) failed with error %d\n", name ? name : "(null)", err);
	}
	return s;
}

slab_flags_t slab_debug_flags_for(struct slab_state *st, const char *name)
{
	size_t len = strlen(name);
	const char *at;

	if (!st->debug_flags)
		return 0;
	if (!st->debug_names)
		return st->debug_flags;
	for (at = strstr(st->debug_names, name); at; at = strstr(at + 1, name))
		if (at[-1] == ',' && at[len] == ',')
			return st->debug_flags;
	return 0;
}

int slab_debug_setup(struct machine *m, const char *spec)
{
	struct slab_state *st;
	slab_flags_t flags = 0;
	const char *p, *names;
	struct list_head *pos;
	int err = 0;

	if (!m || !spec)
		return -EINVAL;
	st = slab_state_of(m);
	names = strchr(spec, ',');
	for (p = spec; *p && *p != ','; p++) {
		switch (*p) {
		case 'f': case 'F': flags |= SLAB_CONSISTENCY_CHECKS; break;
		case 'z': case 'Z': flags |= SLAB_RED_ZONE; break;
		case 'p': case 'P': flags |= SLAB_POISON; break;
		case 'u': case 'U': flags |= SLAB_STORE_USER; break;
		case '-': break;
		default: return -EINVAL;
		}
	}
	if (p == spec)
		flags = SLAB_DEBUG_FLAGS;
	mm_lock(&st->slab_mutex);
	free(st->debug_names);
	st->debug_names = NULL;
	if (names && names[1]) {
		size_t len = strlen(names);

		st->debug_names = malloc(len + 2);
		if (!st->debug_names) {
			mm_unlock(&st->slab_mutex);
			return -ENOMEM;
		}
		memcpy(st->debug_names, names, len);	/* ",a,b" -> ",a,b," */
		st->debug_names[len] = ',';
		st->debug_names[len + 1] = '\0';
	}
	st->debug_flags = flags;
	list_for_each(pos, &st->caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		slab_flags_t want = (s->flags & ~SLAB_DEBUG_FLAGS) | slab_debug_flags_for(st, s->name);
		struct slabinfo info;

		if (want == s->flags || (st->debug_names && !slab_debug_flags_for(st, s->name)))
			continue;
		kmem_cache_shrink(s);
		get_slabinfo(s, &info);
		if (info.num_slabs) {
			err = -EBUSY;
			continue;
		}
		/* No slab and no CPU state: the layout may change. */
		s->flags = want;
		s->align = s->requested_align;
		calculate_sizes(s, st->min_objects);
	}
	mm_unlock(&st->slab_mutex);
	return err;
}

int kmem_cache_shrink(struct kmem_cache *s)
{
	slab_flush_all_cpus(s);
	return slab_shrink_node_lists(s);
}

/* True if no slab of @s is left; otherwise reports the objects left, as the kernel does. */
static bool cache_shutdown(struct kmem_cache *s)
{
	struct machine *m = s->machine;
	bool empty = true;
	int nid;

	kmem_cache_shrink(s);
	for_each_online_node(m, nid) {
		struct kmem_cache_node *n = get_node(s, nid);
		struct list_head *lists[2] = { &n->partial, &n->full }, *pos;
		int i;

		mm_spin_lock(&n->list_lock);
		for (i = 0; i < 2; i++)
			list_for_each(pos, lists[i]) {
				list_slab_objects(s, list_entry(pos, struct slab, slab_list));
				empty = false;
			}
		mm_spin_unlock(&n->list_lock);
		/* Full slabs of non-debug caches are on no list: counted, not listed (as SLUB). */
		if (stat_read(&n->nr_slabs))
			empty = false;
	}
	return empty;
}

void kmem_cache_destroy(struct kmem_cache *s)
{
	struct machine *m;
	struct slab_state *st;

	if (!s)
		return;
	m = s->machine;
	st = slab_state_of(m);
	mm_lock(&st->slab_mutex);
	if (!cache_shutdown(s)) {
		mm_unlock(&st->slab_mutex);
		printk(m, "------------[ cut here ]------------\n");
		printk(m, "kmem_cache_destroy %s: Slab cache still has objects when called from 0x%lx\n",
		       s->name, (unsigned long)__builtin_return_address(0));
		return;
	}
	list_del(&s->list);
	mm_unlock(&st->slab_mutex);
	free_cache_meta(m, s);
}

void get_slabinfo(struct kmem_cache *s, struct slabinfo *info)
{
	struct machine *m = s->machine;
	int nid, cpu;

	memset(info, 0, sizeof(*info));
	for_each_online_node(m, nid) {
		struct kmem_cache_node *n = get_node(s, nid);

		info->num_slabs += (unsigned long)stat_read(&n->nr_slabs);
		info->num_objs += (unsigned long)stat_read(&n->total_objects);
		mm_spin_lock(&n->list_lock);
		info->partial_slabs += n->nr_partial;
		mm_spin_unlock(&n->list_lock);
	}
	for (cpu = 0; cpu < m->nr_cpus; cpu++) {
		struct kmem_cache_cpu *c = &s->cpu_slab[cpu];

		cpu_slab_lock(c, false);	/* revokes the owner: c->partial may be changing */
		info->cpu_slabs += (c->slab != NULL) + (c->partial ? (unsigned long)c->partial->slabs : 0);
		cpu_slab_unlock(c);
	}
	/* As SLUB counts: only free objects on the node partial lists are inactive. */
	info->active_objs = info->num_objs - slab_count_partial_free(s);
	info->active_slabs = info->num_slabs;
	info->objects_per_slab = oo_objects(s->oo);
	info->cache_order = oo_order(s->oo);
}

unsigned int kmem_cache_size(struct kmem_cache *s)
{
	return s->object_size;
}

const char *kmem_cache_name(const struct kmem_cache *s)
{
	return s->name;
}

int slab_init(struct machine *m)
{
	struct slab_state *st = calloc(1, sizeof(*st));
	int err;

	if (!st)
		return -ENOMEM;
	mm_lock_init(&st->slab_mutex);
	INIT_LIST_HEAD(&st->caches);
	st->min_objects = slab_min_objects_for(m->nr_cpus);
	m->slab = st;
	mm_bias_init();
	err = create_kmalloc_caches(m);
	if (err) {
		slab_exit(m);
		return err;
	}
	return 0;
}

void slab_exit(struct machine *m)
{
	struct slab_state *st = slab_state_of(m);
	struct list_head *pos, *tmp;

	if (!st)
		return;
	/* The machine is going away with its pages: only the host-side metadata is freed. */
	list_for_each_safe(pos, tmp, &st->caches) {
		list_del(pos);
		free_cache_meta(m, list_entry(pos, struct kmem_cache, list));
	}
	mm_lock_destroy(&st->slab_mutex);
	free(st->debug_names);
	free(st);
	m->slab = NULL;
}
