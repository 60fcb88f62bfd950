/*
 * check.c - the slab layer's invariant checker (machine_check calls it; tests after every step).
 *
 * For every cache, every slab on a list is found exactly where its list_state says (a CPU's active
 * slab, a CPU's partial list, the node's partial or full list) and:
 *   - its head page has PG_slab, slab_cache == the cache, a reference count of 1, and the number
 *     of objects its order gives;
 *   - every free pointer (slab->freelist, and the CPU's c->freelist for an active slab) points at
 *     an object start inside the slab; the chains are acyclic and no object is on them twice;
 *   - inuse == objects - length(slab->freelist) (active slabs count the CPU's freelist as used);
 *     node partial slabs have free objects, full ones none; nr_partial counts the partial list;
 *   - a CPU's partial list holds at most cpu_partial_slabs slabs, each with free objects, and
 *     each slab's `slabs` counts itself and those after it (put_cpu_partial drains by it);
 *   - the node's nr_slabs and total_objects match the slabs found; for caches that keep full
 *     slabs on no list (all but debug caches, as SLUB), the difference is those full slabs:
 *     no slab is missing without its objects, and no more objects are counted than exist.
 * Machine-wide: the pages of all slabs plus large kmalloc blocks equal NR_SLAB_RECLAIMABLE +
 * NR_SLAB_UNRECLAIMABLE, split the same way. The caller guarantees no concurrent operations.
 *
 * At debug level 3 every operation on a cache ends with slab_debug_check_cache(): the same
 * checks, of that cache, for the slabs of the current CPU and of the node lists, each under
 * its lock (and each slab under slab_lock()), so it holds while other CPUs use the cache; the
 * node counters, which cover every CPU's slabs, are left to slab_check().
 */
#include "slab/internal.h"

#define MAX_OBJS_PER_SLAB_CHECK 32768

struct slab_check {
	struct machine *m;
	struct kmem_cache *s;
	char *why;
	size_t why_size;
	unsigned char *seen;		/* per object of the slab being checked */
	bool one_cpu;			/* the level-3 check: this CPU's slabs, locks taken */
	long slabs[MMLAB_MAX_NUMNODES], objects[MMLAB_MAX_NUMNODES], pages[MMLAB_MAX_NUMNODES];
	long pages_reclaimable, pages_unreclaimable;
};

static int check_fail(struct slab_check *ck, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int check_fail(struct slab_check *ck, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (ck->why && ck->why_size) {
		n = snprintf(ck->why, ck->why_size, "slab %s: ", ck->s ? ck->s->name : "");
		if (n < 0 || (size_t)n >= ck->why_size)
			n = 0;
		va_start(ap, fmt);
		vsnprintf(ck->why + n, ck->why_size - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EUCLEAN;
}

/* Walk one free chain of @slab, marking objects in ck->seen; returns the length or -EUCLEAN. */
static long walk_chain(struct slab_check *ck, struct slab *slab, void *fp, const char *which)
{
	struct kmem_cache *s = ck->s;
	char *base = slab_address(ck->m, slab);
	long nr = 0;

	while (fp) {
		size_t off = (size_t)((char *)fp - base);
		size_t idx = off / s->size;

		if ((char *)fp < base || off % s->size || idx >= slab->objects)
			return check_fail(ck, "%s of slab %p holds %p, not an object of it", which,
					  (void *)slab, fp);
		if (ck->seen[idx])
			return check_fail(ck, "object %p twice on the free lists of slab %p (%s)", fp,
					  (void *)slab, which);
		ck->seen[idx] = 1;
		if (++nr > slab->objects)
			return check_fail(ck, "%s of slab %p is cyclic", which, (void *)slab);
		fp = get_freepointer(s, fp);
	}
	return nr;
}

static int check_slab_locked(struct slab_check *ck, struct slab *slab, enum slab_list_state where,
			     int nid, struct kmem_cache_cpu *c);

/*
 * Check one slab found at @where (of node @nid; @c: the CPU whose active slab it is). The
 * level-3 check runs while other CPUs free into the slab: it holds slab_lock() meanwhile.
 */
static int check_one_slab(struct slab_check *ck, struct slab *slab, enum slab_list_state where,
			  int nid, struct kmem_cache_cpu *c)
{
	int err;

	if (!ck->one_cpu)
		return check_slab_locked(ck, slab, where, nid, c);
	slab_lock(slab);
	err = check_slab_locked(ck, slab, where, nid, c);
	slab_unlock(slab);
	return err;
}

static int check_slab_locked(struct slab_check *ck, struct slab *slab, enum slab_list_state where,
			     int nid, struct kmem_cache_cpu *c)
{
	struct kmem_cache *s = ck->s;
	struct page *page = slab_page(slab);
	unsigned int order = compound_order(page);
	long free_slab, free_cpu = 0;

	if (!PageSlab(page))
		return check_fail(ck, "slab %p lacks PG_slab", (void *)slab);
	if (slab->slab_cache != s)
		return check_fail(ck, "slab %p belongs to %s", (void *)slab,
				  slab->slab_cache ? slab->slab_cache->name : "nothing");
	if (!ck->one_cpu && atomic_load_explicit(&slab->lock_word, memory_order_relaxed) != -1)
		return check_fail(ck, "slab %p left locked", (void *)slab);
	if (page_ref_count(page) != 1)
		return check_fail(ck, "slab %p has refcount %d", (void *)slab, page_ref_count(page));
	if (order && !PageHead(page))
		return check_fail(ck, "slab %p of order %u is not compound", (void *)slab, order);
	if (slab->objects != (PAGE_SIZE << order) / s->size)
		return check_fail(ck, "slab %p has %u objects, its order gives %lu", (void *)slab,
				  slab->objects, (PAGE_SIZE << order) / s->size);
	if (slab->list_state != where)
		return check_fail(ck, "slab %p found in list %d, list_state says %lu", (void *)slab,
				  (int)where, slab->list_state);
	if (slab_nid(slab) != nid)
		return check_fail(ck, "slab %p of node %d on node %d's list", (void *)slab,
				  slab_nid(slab), nid);
	if ((where == SLAB_CPU_ACTIVE) != slab->frozen)
		return check_fail(ck, "slab %p frozen=%u in list %d", (void *)slab, slab->frozen,
				  (int)where);

	memset(ck->seen, 0, slab->objects);
	free_slab = walk_chain(ck, slab, slab->freelist, "freelist");
	if (free_slab < 0)
		return (int)free_slab;
	if (c) {
		free_cpu = walk_chain(ck, slab, c->freelist, "CPU freelist");
		if (free_cpu < 0)
			return (int)free_cpu;
	}
	if (slab->inuse != slab->objects - free_slab)
		return check_fail(ck, "slab %p inuse %u, objects %u, free %ld", (void *)slab,
				  slab->inuse, slab->objects, free_slab);
	if (where == SLAB_NODE_PARTIAL && !free_slab)
		return check_fail(ck, "partial slab %p has no free object", (void *)slab);
	if (where == SLAB_CPU_PARTIAL && !free_slab)
		return check_fail(ck, "CPU partial slab %p has no free object", (void *)slab);
	if (where == SLAB_NODE_FULL && free_slab)
		return check_fail(ck, "full slab %p has %ld free objects", (void *)slab, free_slab);
	ck->slabs[nid]++;
	ck->objects[nid] += slab->objects;
	ck->pages[nid] += 1L << order;
	return 0;
}

/* CPU @cpu's active slab and partial list of the cache. */
static int check_cpu_slabs(struct slab_check *ck, int cpu)
{
	struct kmem_cache *s = ck->s;
	struct kmem_cache_cpu *c = &s->cpu_slab[cpu];
	struct slab *slab;
	long n = 0;
	int err;

	if (c->slab) {
		err = check_one_slab(ck, c->slab, SLAB_CPU_ACTIVE, slab_nid(c->slab), c);
		if (err)
			return err;
	} else if (c->freelist) {
		return check_fail(ck, "CPU %d has a freelist but no slab", cpu);
	}
	if (kmem_cache_debug(s) && (c->slab || c->partial))
		return check_fail(ck, "debug cache with per-CPU slabs on CPU %d", cpu);
	for (slab = c->partial; slab; slab = slab->next) {
		err = check_one_slab(ck, slab, SLAB_CPU_PARTIAL, slab_nid(slab), NULL);
		if (err)
			return err;
		if (slab->slabs != (slab->next ? slab->next->slabs + 1 : 1))
			return check_fail(ck, "CPU %d partial slab %p counts %ld slabs to the end "
					  "of the list, not %ld", cpu, (void *)slab, slab->slabs,
					  slab->next ? slab->next->slabs + 1 : 1);
		/* Also ends the walk of a list that a bug made cyclic. */
		if (++n > (long)s->cpu_partial_slabs)
			return check_fail(ck, "CPU %d has more than %u partial slabs "
					  "(cpu_partial_slabs)", cpu, s->cpu_partial_slabs);
	}
	return 0;
}

/* Node @nid's partial and full lists, and its counters against the slabs found so far. */
static int check_node_lists(struct slab_check *ck, int nid)
{
	struct kmem_cache *s = ck->s;
	struct kmem_cache_node *n = get_node(s, nid);
	unsigned long nr_partial = 0;
	struct list_head *pos;
	long untracked, untracked_objs, untracked_pages;
	int err;

	list_for_each(pos, &n->partial) {
		err = check_one_slab(ck, list_entry(pos, struct slab, slab_list), SLAB_NODE_PARTIAL,
				     nid, NULL);
		if (err)
			return err;
		nr_partial++;
	}
	if (nr_partial != n->nr_partial)
		return check_fail(ck, "node %d: nr_partial %lu, list has %lu", nid, n->nr_partial,
				  nr_partial);
	list_for_each(pos, &n->full) {
		err = check_one_slab(ck, list_entry(pos, struct slab, slab_list), SLAB_NODE_FULL,
				     nid, NULL);
		if (err)
			return err;
	}
	if (ck->one_cpu)
		return 0;	/* the counters cover every CPU's slabs: only slab_check() sees them all */
	untracked = stat_read(&n->nr_slabs) - ck->slabs[nid];
	untracked_objs = stat_read(&n->total_objects) - ck->objects[nid];
	untracked_pages = stat_read(&n->nr_pages) - ck->pages[nid];
	if (untracked < 0 || untracked_objs < 0 || (untracked == 0) != (untracked_objs == 0) ||
	    (untracked == 0) != (untracked_pages == 0) || untracked_pages < untracked ||
	    (untracked && kmem_cache_debug(s)) || untracked_objs > untracked * 32767L ||
	    untracked_objs < untracked)
		return check_fail(ck, "node %d: nr_slabs %ld total_objects %ld, found %ld and %ld",
				  nid, stat_read(&n->nr_slabs), stat_read(&n->total_objects),
				  ck->slabs[nid], ck->objects[nid]);
	if (s->flags & SLAB_RECLAIM_ACCOUNT)
		ck->pages_reclaimable += stat_read(&n->nr_pages);
	else
		ck->pages_unreclaimable += stat_read(&n->nr_pages);
	return 0;
}

static int check_cache(struct slab_check *ck)
{
	struct machine *m = ck->m;
	int nid, cpu, err;

	memset(ck->slabs, 0, sizeof(ck->slabs));
	memset(ck->objects, 0, sizeof(ck->objects));
	memset(ck->pages, 0, sizeof(ck->pages));
	for (cpu = 0; cpu < m->nr_cpus; cpu++) {
		err = check_cpu_slabs(ck, cpu);
		if (err)
			return err;
	}
	for_each_online_node(m, nid) {
		err = check_node_lists(ck, nid);
		if (err)
			return err;
	}
	return 0;
}

void slab_debug_check_cache(struct kmem_cache *s)
{
	struct slab_check ck = { .m = s->machine, .s = s, .one_cpu = true };
	struct kmem_cache_cpu *c = &s->cpu_slab[mm_current.cpu];
	char why[256];
	int err, nid;

	ck.why = why;
	ck.why_size = sizeof(why);
	ck.seen = malloc(MAX_OBJS_PER_SLAB_CHECK);
	if (!ck.seen)
		return;		/* a debug check, best effort: the host is out of memory */
	/* In the lock order: this CPU's c->bl, then each node's list_lock, then slab_lock(). */
	cpu_slab_lock(c, true);
	err = check_cpu_slabs(&ck, mm_current.cpu);
	cpu_slab_unlock(c);
	for_each_online_node(ck.m, nid) {
		struct kmem_cache_node *n = get_node(s, nid);

		if (err)
			break;
		mm_spin_lock(&n->list_lock);
		err = check_node_lists(&ck, nid);
		mm_spin_unlock(&n->list_lock);
	}
	free(ck.seen);
	if (err)
		mm_bug(__func__, __FILE__, __LINE__, why);
}

int slab_check(struct machine *m, char *why, size_t why_size)
{
	struct slab_state *st = slab_state_of(m);
	struct slab_check ck = { .m = m, .why = why, .why_size = why_size };
	struct list_head *pos;
	long large, rec, unrec;
	int err = 0;

	if (!st)
		return 0;
	ck.seen = malloc(MAX_OBJS_PER_SLAB_CHECK);
	if (!ck.seen)
		return -ENOMEM;
	mm_lock(&st->slab_mutex);
	list_for_each(pos, &st->caches) {
		ck.s = list_entry(pos, struct kmem_cache, list);
		err = check_cache(&ck);
		if (err)
			break;
	}
	mm_unlock(&st->slab_mutex);
	free(ck.seen);
	if (err)
		return err;
	ck.s = NULL;
	large = stat_read(&st->large_kmalloc_pages);
	rec = global_node_page_state(m, NR_SLAB_RECLAIMABLE);
	unrec = global_node_page_state(m, NR_SLAB_UNRECLAIMABLE);
	if (rec != ck.pages_reclaimable || unrec != ck.pages_unreclaimable + large)
		return check_fail(&ck, "nr_slab_reclaimable %ld nr_slab_unreclaimable %ld, but slabs hold "
				  "%ld + %ld pages and large kmalloc %ld", rec, unrec,
				  ck.pages_reclaimable, ck.pages_unreclaimable, large);
	return 0;
}
