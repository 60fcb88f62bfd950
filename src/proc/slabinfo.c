/*
 * slabinfo.c - /proc/slabinfo, version 2.1, byte for byte as SLUB prints it: the header, then
 * one line per cache, newest cache first. SLUB has no tunables and no shared arrays, so those
 * columns are 0; active_slabs equals num_slabs; active_objs counts every object except the free
 * ones on the node partial lists (objects free on a CPU's slabs count as active).
 */
#include "proc/proc.h"
#include "slab/internal.h"

int proc_slabinfo_show(struct machine *m, struct seq_buf *s)
{
	struct slab_state *st = slab_state_of(m);
	struct list_head *pos;

	seq_puts(s, "slabinfo - version: 2.1\n");
	seq_puts(s, "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
		    " : tunables <limit> <batchcount> <sharedfactor>"
		    " : slabdata <active_slabs> <num_slabs> <sharedavail>\n");
	if (!st)
		return 0;
	mm_lock(&st->slab_mutex);
	list_for_each(pos, &st->caches) {
		struct kmem_cache *c = list_entry(pos, struct kmem_cache, list);
		struct slabinfo info;

		get_slabinfo(c, &info);
		seq_printf(s, "%-17s %6lu %6lu %6u %4u %4d", c->name, info.active_objs, info.num_objs,
			   c->size, info.objects_per_slab, 1 << info.cache_order);
		seq_printf(s, " : tunables %4u %4u %4u", 0u, 0u, 0u);
		seq_printf(s, " : slabdata %6lu %6lu %6lu\n", info.active_slabs, info.num_slabs, 0UL);
	}
	mm_unlock(&st->slab_mutex);
	return 0;
}
