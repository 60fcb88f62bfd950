/*
 * slub.c - SLUB's allocation and free paths.
 *
 * Fast path (one test): pop c->freelist; if it is empty, the slow path. The CPU's state is held
 * either as its biased owner (no atomic instruction) or under c->bl (core/bias_lock.h).
 * A free into the CPU's active slab pushes onto c->freelist; any other free is slow.
 *
 * Slow allocation, in order: the remote frees that collected on the active slab's own freelist;
 * a slab from the CPU's partial list (for a request for one node, the slabs of other nodes met
 * on the way go back to their nodes, so the list is empty below); a slab from the node's
 * partial list (taking a few more for the CPU's partial list, up to cpu_partial_slabs / 2 + 1);
 * a new slab from the page allocator (c->bl is dropped around it). Slow free: under
 * slab_lock(), push onto slab->freelist; only if the slab must change lists, under the node's
 * list_lock too: a full slab becomes partial; a slab that becomes empty on the node's partial
 * list is discarded if the node keeps min_partial already.
 *
 * Debug caches (any SLAB_DEBUG_FLAGS) never use the per-CPU freelists: every object is taken
 * from and returned to its slab under list_lock, with the checks of debug.c, as SLUB does.
 *
 * c->bl (or biased ownership) exists because several host threads may be bound to one
 * simulated CPU; the kernel needs only to stay on the CPU. Invariants: see slab.h (where an
 * object is, where a slab is).
 *
 * The public entry points put the lockless pop or push first (slab_alloc_fastpath/slab_free_fastpath in
 * internal.h), inlined into kmem_cache_alloc/kmem_cache_free/kmalloc/kfree; every other case
 * (zeroing, debug caches, failslab armed, another node, an empty freelist, a free into a slab
 * that is not the CPU's) takes slab_alloc_node()/slab_free().
 */
#include "slab/internal.h"

/* Node the allocation should come from when the caller has no preference. */
static inline int numa_mem_id(const struct machine *m)
{
	return m->cpus[mm_current.cpu].node;
}

static inline void add_partial(struct kmem_cache_node *n, struct slab *slab, bool tail)
{
	n->nr_partial++;
	if (tail)
		list_add_tail(&slab->slab_list, &n->partial);
	else
		list_add(&slab->slab_list, &n->partial);
	slab->list_state = SLAB_NODE_PARTIAL;
}

static inline void remove_partial(struct kmem_cache_node *n, struct slab *slab)
{
	list_del(&slab->slab_list);
	n->nr_partial--;
	slab->list_state = SLAB_ON_NONE;
}

static inline void add_full(struct kmem_cache_node *n, struct slab *slab)
{
	list_add(&slab->slab_list, &n->full);
	slab->list_state = SLAB_NODE_FULL;
}

static inline void remove_full(struct slab *slab)
{
	list_del(&slab->slab_list);
	slab->list_state = SLAB_ON_NONE;
}

/*
 * A slab with no free object: on n->full for a debug cache, on no list otherwise, as SLUB keeps
 * full slabs. list_lock and slab_lock() held.
 */
static inline void mark_full(struct kmem_cache *s, struct kmem_cache_node *n, struct slab *slab)
{
	if (kmem_cache_debug(s))
		add_full(n, slab);
	else
		slab->list_state = SLAB_FULL;
}

/*
 * Make @slab the CPU's active slab: take its whole freelist (list_lock held, or the slab not yet
 * published). Returns the freelist, which the CPU now owns.
 */
static inline void *freeze_slab(struct slab *slab)
{
	void *freelist;

	slab_lock(slab);
	freelist = slab->freelist;
	slab->freelist = NULL;
	slab->inuse = slab->objects;
	slab->frozen = 1;
	slab->list_state = SLAB_CPU_ACTIVE;
	slab_unlock(slab);
	return freelist;
}

/*
 * Put a slab that no CPU owns any more on the right node list, or discard it. Called with
 * n->list_lock and slab_lock() held; returns true if the caller must discard_slab() it after
 * unlocking.
 */
static bool place_unfrozen_slab(struct kmem_cache *s, struct kmem_cache_node *n, struct slab *slab)
{
	slab->frozen = 0;
	if (!slab->inuse && n->nr_partial >= s->min_partial) {
		slab->list_state = SLAB_ON_NONE;
		return true;
	}
	if (slab->freelist)
		add_partial(n, slab, true);
	else
		mark_full(s, n, slab);
	return false;
}

/*
 * deactivate_slab - give the CPU's active slab back to its node, with the objects still on the
 * CPU's freelist. c->bl held.
 */
static void deactivate_slab(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	struct slab *slab = c->slab;
	void **freelist = c->freelist, **tail = NULL, **p;
	struct kmem_cache_node *n;
	unsigned int count = 0;
	bool discard;

	c->slab = NULL;
	c->freelist = NULL;
	if (!slab)
		return;
	for (p = freelist; p; p = get_freepointer(s, p)) {
		tail = p;
		count++;
	}
	n = get_node(s, slab_nid(slab));
	mm_spin_lock(&n->list_lock);
	slab_lock(slab);
	if (tail) {
		set_freepointer(s, tail, slab->freelist);
		slab->freelist = freelist;
		slab->inuse -= count;
	}
	discard = place_unfrozen_slab(s, n, slab);
	slab_unlock(slab);
	mm_spin_unlock(&n->list_lock);
	if (discard)
		discard_slab(s, slab);
}

/* Return a CPU's list of partial slabs to their nodes (or discard the empty ones). */
static void unfreeze_partial_list(struct kmem_cache *s, struct slab *list)
{
	struct slab *slab;

	while ((slab = list)) {
		struct kmem_cache_node *n = get_node(s, slab_nid(slab));
		bool discard;

		list = slab->next;
		mm_spin_lock(&n->list_lock);
		slab_lock(slab);
		discard = place_unfrozen_slab(s, n, slab);
		slab_unlock(slab);
		mm_spin_unlock(&n->list_lock);
		if (discard)
			discard_slab(s, slab);
	}
}

/* Return the CPU's partial slabs to their nodes (or discard the empty ones). c->bl held. */
static void unfreeze_partials(struct kmem_cache *s, struct kmem_cache_cpu *c)
{
	struct slab *list = c->partial;

	c->partial = NULL;
	unfreeze_partial_list(s, list);
}

void slab_flush_all_cpus(struct kmem_cache *s)
{
	int cpu;

	for (cpu = 0; cpu < s->machine->nr_cpus; cpu++) {
		struct kmem_cache_cpu *c = &s->cpu_slab[cpu];

		cpu_slab_lock(c, false);
		deactivate_slab(s, c);
		unfreeze_partials(s, c);
		cpu_slab_unlock(c);
	}
}

/*
 * get_partial_node - take a slab from @n's partial list as the CPU's active slab (its freelist
 * in *@freelist), and up to cpu_partial_slabs / 2 + 1 more for the CPU's partial list, as
 * SLUB counts them. Like SLUB's put_cpu_partial(s, slab, 0) the refill never drains the CPU's
 * list: the caller has emptied it, and cpu_partial_slabs / 2 + 1 is within cpu_partial_slabs
 * whenever that is at least 1. c->bl held.
 */
static struct slab *get_partial_node(struct kmem_cache *s, struct kmem_cache_node *n,
				     struct kmem_cache_cpu *c, void **freelist)
{
	struct slab *slab, *taken = NULL;
	unsigned int extra = 0;

	mm_spin_lock(&n->list_lock);
	while (!list_empty(&n->partial)) {
		slab = list_first_entry(&n->partial, struct slab, slab_list);
		remove_partial(n, slab);
		if (!taken) {
			taken = slab;
			*freelist = freeze_slab(slab);
			if (!s->cpu_partial_slabs)
				break;
			continue;
		}
		slab->list_state = SLAB_CPU_PARTIAL;
		slab->next = c->partial;
		slab->slabs = c->partial ? c->partial->slabs + 1 : 1;
		c->partial = slab;
		if (++extra > s->cpu_partial_slabs / 2)
			break;
	}
	mm_spin_unlock(&n->list_lock);
	return taken;
}

/* Partial slab from @node, or from the nearest node that has one when @node is NUMA_NO_NODE. */
static struct slab *get_partial(struct kmem_cache *s, struct kmem_cache_cpu *c, int node,
				void **freelist)
{
	struct machine *m = s->machine;
	int searchnode = node == NUMA_NO_NODE ? numa_mem_id(m) : node;
	struct slab *slab;
	int nid;

	slab = get_partial_node(s, get_node(s, searchnode), c, freelist);
	if (slab || node != NUMA_NO_NODE)
		return slab;
	for_each_online_node(m, nid) {
		if (nid == searchnode)
			continue;
		slab = get_partial_node(s, get_node(s, nid), c, freelist);
		if (slab)
			return slab;
	}
	return NULL;
}

/*
 * slab_alloc_slow - the CPU's freelist is empty (or the wrong node was asked for): find another
 * freelist. Entered and left with c->bl held; the lock is dropped while a new slab is made.
 * Returns the object, or NULL if no slab page could be had.
 */
static noinline void *slab_alloc_slow(struct kmem_cache *s, struct kmem_cache_cpu *c, gfp_t gfp,
				      int node)
{
	struct slab *slab = c->slab;
	void **freelist = NULL;

	if (slab) {
		if (node != NUMA_NO_NODE && slab_nid(slab) != node) {
			deactivate_slab(s, c);
		} else if (!c->freelist) {
			/* Objects other CPUs freed into our slab meanwhile. */
			struct kmem_cache_node *n = get_node(s, slab_nid(slab));

			mm_spin_lock(&n->list_lock);
			slab_lock(slab);
			freelist = slab->freelist;
			slab->freelist = NULL;
			slab->inuse = slab->objects;
			if (!freelist) {
				slab->frozen = 0;
				mark_full(s, n, slab);
				c->slab = NULL;
			}
			slab_unlock(slab);
			mm_spin_unlock(&n->list_lock);
			if (freelist)
				goto load_freelist;
		} else {
			freelist = c->freelist;
			goto load_freelist;
		}
	}

	/*
	 * The CPU's partial slabs, first to last. A slab of another node than the one asked for
	 * goes back to its node, as in SLUB's ___slab_alloc(): the list is empty by the time the
	 * node lists are searched, so get_partial_node() cannot push it past cpu_partial_slabs.
	 */
	while (c->partial) {
		struct kmem_cache_node *n;

		slab = c->partial;
		c->partial = slab->next;
		if (node != NUMA_NO_NODE && slab_nid(slab) != node) {
			slab->next = NULL;
			unfreeze_partial_list(s, slab);
			continue;
		}
		n = get_node(s, slab_nid(slab));
		mm_spin_lock(&n->list_lock);
		freelist = freeze_slab(slab);
		mm_spin_unlock(&n->list_lock);
		VM_BUG_ON(!freelist);	/* only remote frees touch a CPU's partial slabs */
		c->slab = slab;
		goto load_freelist;
	}

	slab = get_partial(s, c, node, (void **)&freelist);
	if (slab) {
		c->slab = slab;
		goto load_freelist;
	}

	cpu_slab_unlock(c);
	slab = allocate_slab(s, gfp, node);
	cpu_slab_lock(c, true);
	if (!slab)
		return NULL;
	/* Another thread on this CPU may have installed a slab meanwhile: retire it. */
	deactivate_slab(s, c);
	freelist = freeze_slab(slab);
	c->slab = slab;

load_freelist:
	c->freelist = get_freepointer(s, freelist);
	return freelist;
}

/*
 * The debug path: one object at a time from a slab on the node lists, checked, under list_lock.
 * Returns the object or NULL.
 */
static noinline void *slab_alloc_debug(struct kmem_cache *s, gfp_t gfp, int node,
				       unsigned long caller)
{
	struct machine *m = s->machine;
	int searchnode = node == NUMA_NO_NODE ? numa_mem_id(m) : node;
	struct kmem_cache_node *n;
	struct slab *slab;
	void *object;
	int i;

	for (;;) {
		slab = NULL;
		for (i = 0; i < m->nr_nodes && !slab; i++) {
			int nid = i == 0 ? searchnode : (i <= searchnode ? i - 1 : i);

			if (i && node != NUMA_NO_NODE)
				break;
			n = get_node(s, nid);
			mm_spin_lock(&n->list_lock);
			if (!list_empty(&n->partial)) {
				slab = list_first_entry(&n->partial, struct slab, slab_list);
				break;	/* keep the lock */
			}
			mm_spin_unlock(&n->list_lock);
		}
		if (!slab) {
			slab = allocate_slab(s, gfp, node);
			if (!slab)
				return NULL;
			n = get_node(s, slab_nid(slab));
			mm_spin_lock(&n->list_lock);
			add_partial(n, slab, false);
		}
		object = slab->freelist;
		if (likely(alloc_debug_processing(s, slab, object, caller))) {
			slab->freelist = get_freepointer(s, object);
			slab->inuse++;
			if (!slab->freelist) {
				remove_partial(n, slab);
				add_full(n, slab);
			}
			mm_spin_unlock(&n->list_lock);
			return object;
		}
		/* The slab is damaged: the checks marked every object used. Try another one. */
		remove_partial(n, slab);
		add_full(n, slab);
		mm_spin_unlock(&n->list_lock);
	}
}

/*
 * failslab: one should_fail() per allocation call (a bulk call is one attempt, as in the
 * kernel); its unarmed test is inline, where the kernel puts a static key. A __GFP_NOFAIL
 * request is neither failed nor counted, unless the attribute says ignore_nofail. The page
 * allocations of the slow path count under FAULT_PAGE_ALLOC, not here.
 */
static __always_inline bool slab_should_fail(struct kmem_cache *s, gfp_t gfp)
{
	struct machine *m = s->machine;

	if (likely(!mm_faults_armed(m)))
		return false;
	if ((gfp & __GFP_NOFAIL) &&
	    !__atomic_load_n(&m->faults[FAULT_SLAB].cfg.ignore_nofail, __ATOMIC_RELAXED))
		return false;
	return should_fail(m, FAULT_SLAB, 0);
}

/* The allocation entry: with @node a constant NUMA_NO_NODE the fast path is one test. */
static __always_inline void *slab_alloc(struct kmem_cache *s, gfp_t gfp, int node,
					unsigned long caller)
{
	struct kmem_cache_cpu *c;
	void **object;

	if (unlikely(slab_should_fail(s, gfp)))
		return NULL;
	if (unlikely(kmem_cache_debug(s))) {
		object = slab_alloc_debug(s, gfp, node, caller);
	} else {
		c = &s->cpu_slab[mm_current.cpu];
		if (likely(cpu_slab_enter_fast(c))) {
			object = c->freelist;
			if (likely(object && node == NUMA_NO_NODE)) {
				c->freelist = get_freepointer(s, object);
				cpu_slab_exit_fast();
				goto out;
			}
			cpu_slab_exit_fast();
		}
		cpu_slab_lock(c, true);
		object = c->freelist;
		if (unlikely(!object || node != NUMA_NO_NODE))
			object = slab_alloc_slow(s, c, gfp, node);
		else
			c->freelist = get_freepointer(s, object);
		cpu_slab_unlock(c);
	}
out:
	if (unlikely(gfp & __GFP_ZERO) && object)
		memset(object, 0, s->object_size);
	slab_debug_after_op(s);
	return object;
}

void *slab_alloc_node(struct kmem_cache *s, gfp_t gfp, int node, unsigned long caller)
{
	if (node == NUMA_NO_NODE)
		return slab_alloc(s, gfp, NUMA_NO_NODE, caller);
	return slab_alloc(s, gfp, node, caller);
}

/*
 * A free into a full slab of a cache with per-CPU partial lists: the slab goes to this CPU's
 * partial list with no list_lock, as SLUB's put_cpu_partial(); a CPU list already at
 * cpu_partial_slabs goes back to the node lists first. False if the slab is no longer full (or
 * the cache keeps no per-CPU partial slabs): the caller takes the list_lock path.
 */
static bool put_cpu_partial_free(struct kmem_cache *s, struct slab *slab, void *head, void *tail,
				 unsigned int cnt)
{
	struct kmem_cache_cpu *c;
	struct slab *drain = NULL;

	if (!s->cpu_partial_slabs)
		return false;
	c = &s->cpu_slab[mm_current.cpu];
	cpu_slab_lock(c, true);
	slab_lock(slab);
	if (slab->frozen || slab->freelist || slab->list_state != SLAB_FULL) {
		slab_unlock(slab);
		cpu_slab_unlock(c);
		return false;
	}
	set_freepointer(s, tail, NULL);
	slab->freelist = head;
	slab->inuse -= cnt;
	slab->list_state = SLAB_CPU_PARTIAL;
	slab_unlock(slab);
	if (c->partial && c->partial->slabs >= (long)s->cpu_partial_slabs) {
		drain = c->partial;
		c->partial = NULL;
	}
	slab->next = c->partial;
	slab->slabs = c->partial ? c->partial->slabs + 1 : 1;
	c->partial = slab;
	if (drain)
		unfreeze_partial_list(s, drain);
	cpu_slab_unlock(c);
	return true;
}

/*
 * The chain @head..@tail of *@cnt objects is about to go onto a freelist whose head is @tail
 * already: @tail is being freed twice (set_freepointer()'s naive check). Report it and take
 * @tail off the chain; false if nothing is left to free. The slab's (or CPU's) lock is held.
 */
static noinline bool chain_drop_tail(struct kmem_cache *s, struct slab *slab, void **head,
				     void **tail, unsigned int *cnt)
{
	void *p = *head;

	slab_report_invalid_free(s, slab, *tail, true);
	if (*cnt == 1)
		return false;
	while (get_freepointer(s, p) != *tail)
		p = get_freepointer(s, p);
	*tail = p;
	(*cnt)--;
	return true;
}

/*
 * Free @cnt objects chained from @head to @tail (all in @slab). If the slab stays where it is
 * (a CPU's slab, or partial and not becoming empty), only slab_lock() is taken; a full slab goes
 * to this CPU's partial list; otherwise the node's list_lock is taken too, to move or discard
 * the slab. The caller holds no c->bl.
 */
static noinline void slab_free_slow(struct kmem_cache *s, struct slab *slab, void *head, void *tail,
				    unsigned int cnt)
{
	struct kmem_cache_node *n = get_node(s, slab_nid(slab));
	bool discard = false;

	slab_lock(slab);
	if (unlikely(tail == slab->freelist) && !chain_drop_tail(s, slab, &head, &tail, &cnt)) {
		slab_unlock(slab);
		return;
	}
	if (slab->frozen || (slab->freelist && slab->inuse > cnt)) {
		set_freepointer(s, tail, slab->freelist);
		slab->freelist = head;
		slab->inuse -= cnt;
		slab_unlock(slab);
		return;
	}
	slab_unlock(slab);
	if (put_cpu_partial_free(s, slab, head, tail, cnt))
		return;

	mm_spin_lock(&n->list_lock);
	slab_lock(slab);
	if (unlikely(tail == slab->freelist) && !chain_drop_tail(s, slab, &head, &tail, &cnt)) {
		slab_unlock(slab);
		mm_spin_unlock(&n->list_lock);
		return;
	}
	set_freepointer(s, tail, slab->freelist);
	slab->freelist = head;
	slab->inuse -= cnt;
	switch (slab->list_state) {
	case SLAB_NODE_FULL:
	case SLAB_FULL:
		if (slab->list_state == SLAB_NODE_FULL)
			remove_full(slab);
		if (!slab->inuse && n->nr_partial >= s->min_partial)
			discard = true;
		else
			add_partial(n, slab, true);
		break;
	case SLAB_NODE_PARTIAL:
		if (!slab->inuse && n->nr_partial > s->min_partial) {
			remove_partial(n, slab);
			discard = true;
		}
		break;
	default:	/* a CPU's active or partial slab: that CPU will place it */
		break;
	}
	slab_unlock(slab);
	mm_spin_unlock(&n->list_lock);
	if (discard)
		discard_slab(s, slab);
}

static noinline void slab_free_debug(struct kmem_cache *s, struct slab *slab, void *obj,
				     unsigned long caller)
{
	struct kmem_cache_node *n = get_node(s, slab_nid(slab));
	bool discard = false;

	mm_spin_lock(&n->list_lock);
	if (!free_debug_processing(s, slab, obj, caller)) {
		mm_spin_unlock(&n->list_lock);
		return;
	}
	set_freepointer(s, obj, slab->freelist);
	slab->freelist = obj;
	slab->inuse--;
	if (slab->list_state == SLAB_NODE_FULL) {
		remove_full(slab);
		add_partial(n, slab, true);
	}
	if (!slab->inuse && n->nr_partial > s->min_partial) {
		remove_partial(n, slab);
		discard = true;
	}
	mm_spin_unlock(&n->list_lock);
	if (discard)
		discard_slab(s, slab);
}

void slab_free(struct kmem_cache *s, struct slab *slab, void *obj, unsigned long caller)
{
	struct kmem_cache_cpu *c;

	VM_BUG_ON(slab->slab_cache != s);
	if (unlikely(kmem_cache_debug(s))) {
		slab_free_debug(s, slab, obj, caller);
		goto out;
	}
	if (unlikely(!slab_obj_start(s, slab, obj))) {
		slab_report_invalid_free(s, slab, obj, false);
		goto out;
	}
	c = &s->cpu_slab[mm_current.cpu];
	if (likely(cpu_slab_enter_fast(c))) {
		if (likely(slab == c->slab)) {
			bool twice = obj == (void *)c->freelist;

			if (likely(!twice)) {
				set_freepointer(s, obj, c->freelist);
				c->freelist = obj;
			}
			cpu_slab_exit_fast();
			if (unlikely(twice))
				slab_report_invalid_free(s, slab, obj, true);
			goto out;
		}
		cpu_slab_exit_fast();
	} else {
		cpu_slab_lock(c, true);
		if (likely(slab == c->slab)) {
			bool twice = obj == (void *)c->freelist;

			if (likely(!twice)) {
				set_freepointer(s, obj, c->freelist);
				c->freelist = obj;
			}
			cpu_slab_unlock(c);
			if (unlikely(twice))
				slab_report_invalid_free(s, slab, obj, true);
			goto out;
		}
		cpu_slab_unlock(c);
	}
	slab_free_slow(s, slab, obj, obj, 1);
out:
	slab_debug_after_op(s);
}

/* ---- the public entry points ---------------------------------------------------------------- */

void *kmem_cache_alloc(struct kmem_cache *s, gfp_t gfp)
{
	/* Plain requests try the lockless pop first; everything else takes the full path. */
	if (likely(!((gfp & __GFP_ZERO) | (s->flags & SLAB_DEBUG_FLAGS)) && !failslab_armed(s))) {
		void *object = slab_alloc_fastpath(s);

		if (likely(object)) {
			slab_debug_after_op(s);
			return object;
		}
	}
	return slab_alloc_node(s, gfp, NUMA_NO_NODE, (unsigned long)__builtin_return_address(0));
}

void *kmem_cache_alloc_node(struct kmem_cache *s, gfp_t gfp, int node)
{
	if (node != NUMA_NO_NODE && (node < 0 || node >= s->machine->nr_nodes))
		node = NUMA_NO_NODE;
	return slab_alloc_node(s, gfp, node, (unsigned long)__builtin_return_address(0));
}

void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t gfp)
{
	return slab_alloc(s, gfp | __GFP_ZERO, NUMA_NO_NODE,
			       (unsigned long)__builtin_return_address(0));
}

/*
 * The cache @x really belongs to (the kernel's cache_from_obj): a mismatch is reported and the
 * object freed to its real cache. NULL if @x is not a slab object at all (reported).
 */
static struct kmem_cache *cache_from_obj(struct kmem_cache *s, void *x, struct slab **slabp)
{
	struct machine *m = s->machine;
	struct page *page = slab_virt_to_head_page(m, x);
	struct kmem_cache *cachep;

	if (unlikely(!page || !PageSlab(page))) {
		slab_report_bad_free(m, "kmem_cache_free", x, "not a slab object");
		return NULL;
	}
	*slabp = page_slab(page);
	cachep = (*slabp)->slab_cache;
	if (unlikely(cachep != s)) {
		printk(m, "------------[ cut here ]------------\n");
		printk(m, "kmem_cache_free: Wrong slab cache. %s but object is from %s\n", s->name,
		       cachep->name);
	}
	return cachep;
}

static noinline void kmem_cache_free_slow(struct kmem_cache *s, void *x, unsigned long caller)
{
	struct slab *slab;

	if (unlikely(!x))
		return;
	s = cache_from_obj(s, x, &slab);
	if (unlikely(!s))
		return;
	slab_free(s, slab, x, caller);
}

void kmem_cache_free(struct kmem_cache *s, void *x)
{
	struct page *page = arena_virt_to_head_page(s->arena, s->arena_bytes, s->vmemmap, x);

	if (likely(page && PageSlab(page) && page_slab(page)->slab_cache == s &&
		   slab_free_fastpath(s, page_slab(page), x))) {
		slab_debug_after_op(s);
		return;
	}
	kmem_cache_free_slow(s, x, (unsigned long)__builtin_return_address(0));
}

int kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t gfp, size_t size, void **p)
{
	struct kmem_cache_cpu *c;
	size_t i;

	if (unlikely(slab_should_fail(s, gfp)))
		return 0;
	if (unlikely(kmem_cache_debug(s))) {
		for (i = 0; i < size; i++) {
			p[i] = slab_alloc_debug(s, gfp, NUMA_NO_NODE,
						(unsigned long)__builtin_return_address(0));
			if (!p[i])
				goto error;
		}
		goto zero;
	}
	c = &s->cpu_slab[mm_current.cpu];
	cpu_slab_lock(c, true);
	for (i = 0; i < size; i++) {
		void **object = c->freelist;

		if (unlikely(!object)) {
			object = slab_alloc_slow(s, c, gfp, NUMA_NO_NODE);
			if (unlikely(!object)) {
				cpu_slab_unlock(c);
				goto error;
			}
		} else {
			c->freelist = get_freepointer(s, object);
		}
		p[i] = object;
	}
	cpu_slab_unlock(c);
zero:
	if (unlikely(gfp & __GFP_ZERO))
		for (i = 0; i < size; i++)
			memset(p[i], 0, s->object_size);
	slab_debug_after_op(s);
	return (int)size;
error:
	kmem_cache_free_bulk(s, i, p);
	return 0;
}

void kmem_cache_free_bulk(struct kmem_cache *s, size_t size, void **p)
{
	struct machine *m = s->machine;
	struct kmem_cache_cpu *c;
	size_t i;

	if (unlikely(kmem_cache_debug(s))) {
		for (i = 0; i < size; i++)
			kmem_cache_free(s, p[i]);
		return;
	}
	c = &s->cpu_slab[mm_current.cpu];
	i = 0;
	while (i < size) {
		struct page *page;
		struct slab *slab;
		void *head, *tail;
		unsigned int cnt;

		if (!p[i]) {
			i++;
			continue;
		}
		page = slab_virt_to_head_page(m, p[i]);
		if (unlikely(!page || !PageSlab(page) || page_slab(page)->slab_cache != s)) {
			kmem_cache_free(s, p[i++]);
			continue;
		}
		slab = page_slab(page);
		/* Chain the run of objects that share this slab, to free them in one go. */
		if (unlikely(!slab_obj_start(s, slab, p[i]))) {
			slab_report_invalid_free(s, slab, p[i++], false);
			continue;
		}
		head = tail = p[i++];
		cnt = 1;
		while (i < size && p[i] && slab_virt_to_head_page(m, p[i]) == page &&
		       slab_obj_start(s, slab, p[i])) {
			if (unlikely(p[i] == head)) {
				slab_report_invalid_free(s, slab, p[i++], true);
				continue;
			}
			set_freepointer(s, p[i], head);
			head = p[i++];
			cnt++;
		}
		cpu_slab_lock(c, true);
		if (slab == c->slab) {
			if (unlikely(tail == (void *)c->freelist) &&
			    !chain_drop_tail(s, slab, &head, &tail, &cnt)) {
				cpu_slab_unlock(c);
				continue;
			}
			set_freepointer(s, tail, c->freelist);
			c->freelist = head;
			cpu_slab_unlock(c);
			continue;
		}
		cpu_slab_unlock(c);
		slab_free_slow(s, slab, head, tail, cnt);
	}
	slab_debug_after_op(s);
}

/* ---- shrinking and counting ----------------------------------------------------------------- */

int slab_shrink_node_lists(struct kmem_cache *s)
{
	struct machine *m = s->machine;
	int nid;

	for_each_online_node(m, nid) {
		struct kmem_cache_node *n = get_node(s, nid);
		struct list_head discard, *pos, *tmp;

		INIT_LIST_HEAD(&discard);
		mm_spin_lock(&n->list_lock);
		list_for_each_safe(pos, tmp, &n->partial) {
			struct slab *slab = list_entry(pos, struct slab, slab_list);
			bool empty;

			slab_lock(slab);
			empty = !slab->inuse;
			slab_unlock(slab);
			if (empty) {
				remove_partial(n, slab);
				list_add(&slab->slab_list, &discard);
			}
		}
		mm_spin_unlock(&n->list_lock);
		list_for_each_safe(pos, tmp, &discard) {
			struct slab *slab = list_entry(pos, struct slab, slab_list);

			list_del(pos);
			discard_slab(s, slab);
		}
	}
	return 0;
}

unsigned long slab_count_partial_free(struct kmem_cache *s)
{
	struct machine *m = s->machine;
	unsigned long nr_free = 0;
	struct list_head *pos;
	int nid;

	for_each_online_node(m, nid) {
		struct kmem_cache_node *n = get_node(s, nid);

		mm_spin_lock(&n->list_lock);
		list_for_each(pos, &n->partial) {
			struct slab *slab = list_entry(pos, struct slab, slab_list);

			slab_lock(slab);
			nr_free += slab->objects - slab->inuse;
			slab_unlock(slab);
		}
		mm_spin_unlock(&n->list_lock);
	}
	return nr_free;
}
