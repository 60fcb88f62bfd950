/*
 * machine.c - booting and shutting down a simulated machine, CPU binding, and the boot order of
 * the subsystems (as start_kernel brings up page_alloc, then slab, then the rest).
 *
 * The machine owns the core state (config, CPUs, log, faults, debug level); each layer owns its
 * own, behind the opaque pointer it sets in its init. machine.c knows the layers only through
 * the boot interface of core/layers.h (why: see there): it includes nothing of src/phys,
 * src/slab or src/vm. Where RAM, nodes and zones go is the page allocator's business
 * (src/phys/boot.c).
 */
#include "core/core.h"
#include "core/layers.h"

#include <mmlab/page.h>

_Thread_local struct mm_current mm_current;

/* Subsystems in boot order; shutdown runs them in reverse. */
struct subsystem {
	const char *name;
	int (*init)(struct machine *m);
	void (*exit)(struct machine *m);
	int (*check)(struct machine *m, char *why, size_t why_size);
};

static const struct subsystem subsystems[] = {
	{ "page_alloc", page_alloc_init, page_alloc_exit, phys_check },
	{ "slab", slab_init, slab_exit, slab_check },
	{ "vm", vm_init, vm_exit, vm_check },
	{ "vmalloc", vmalloc_init, vmalloc_exit, vmalloc_check },
};

void machine_config_default(struct machine_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_bytes = 8ULL << 30;
	cfg->nr_nodes = 2;
	cfg->cpus_per_node = 2;
	cfg->nr_holes = 3;
	cfg->holes[0] = (struct mmlab_range){ 0, 0x1000 };			/* BIOS data, page 0 */
	cfg->holes[1] = (struct mmlab_range){ 0x9f000, 0x100000 };		/* VGA and BIOS ROM */
	cfg->holes[2] = (struct mmlab_range){ 0xc0000000ULL, 0x100000000ULL };	/* PCI hole */
	cfg->watermark_scale_factor = 10;
	cfg->thp_use_zero_page = true;
	cfg->cache_slice_kbytes = 2048;	/* a 32 MiB L3 shared by 16 hardware threads */
	cfg->lowmem_reserve_ratio[ZONE_DMA] = 256;
	cfg->lowmem_reserve_ratio[ZONE_DMA32] = 256;
	cfg->lowmem_reserve_ratio[ZONE_NORMAL] = 32;
}

static int config_validate(struct machine_config *cfg)
{
	int i, j;

	if (cfg->mem_bytes < (16ULL << 20) || cfg->mem_bytes % PAGE_SIZE ||
	    cfg->mem_bytes > (1ULL << 42))
		return -EINVAL;
	if (cfg->nr_nodes < 1 || cfg->nr_nodes > MMLAB_MAX_NUMNODES)
		return -EINVAL;
	if (cfg->cpus_per_node < 1 || cfg->nr_nodes * cfg->cpus_per_node > MMLAB_MAX_CPUS)
		return -EINVAL;
	if (cfg->mem_bytes / cfg->nr_nodes < (4ULL << 20) * 2)
		return -EINVAL;
	if (cfg->nr_holes < 0 || cfg->nr_holes > MMLAB_MAX_HOLES)
		return -EINVAL;
	for (i = 0; i < cfg->nr_holes; i++) {
		const struct mmlab_range *h = &cfg->holes[i];

		if (h->start >= h->end || h->start % PAGE_SIZE || h->end % PAGE_SIZE)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (h->start < cfg->holes[j].end && cfg->holes[j].start < h->end)
				return -EINVAL;
	}
	if (cfg->watermark_scale_factor == 0)
		cfg->watermark_scale_factor = 10;
	if (cfg->watermark_scale_factor < 1 || cfg->watermark_scale_factor > 3000)
		return -EINVAL;
	if (cfg->min_free_kbytes < 0 || cfg->percpu_pagelist_high_fraction < 0 ||
	    cfg->cache_slice_kbytes < 0 ||
	    cfg->transparent_hugepage < THP_MADVISE || cfg->transparent_hugepage > THP_NEVER ||
	    (cfg->percpu_pagelist_high_fraction && cfg->percpu_pagelist_high_fraction < 8))
		return -EINVAL;
	if (cfg->movablecore_bytes >= cfg->mem_bytes)
		return -EINVAL;
	if (cfg->cma_bytes >= cfg->mem_bytes / 2 || cfg->cma_bytes % PAGE_SIZE)
		return -EINVAL;
	for (i = 0; i < MAX_NR_ZONES; i++)
		if (cfg->lowmem_reserve_ratio[i] < 0)
			return -EINVAL;
	for (i = 0; i < cfg->nr_nodes; i++)
		for (j = 0; j < cfg->nr_nodes; j++) {
			unsigned char *d = &cfg->distance[i][j];

			if (!*d)
				*d = i == j ? 10 : 20;
			if (i == j && *d != 10)
				return -EINVAL;
			if (i != j && *d <= 10)
				return -EINVAL;
		}
	return 0;
}

int machine_boot(const struct machine_config *cfg, struct machine **mp)
{
	struct machine *m;
	size_t i;
	int err, f;

	if (!mp)
		return -EINVAL;
	*mp = NULL;
	if (!cfg)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = *cfg;
	err = config_validate(&m->cfg);
	if (err) {
		free(m);
		return err;
	}
	m->nr_nodes = m->cfg.nr_nodes;
	m->nr_cpus = m->cfg.nr_nodes * m->cfg.cpus_per_node;
	m->debug_level = MMLAB_DEBUG >= 1 ? 1 : 0;
	mm_lock_init(&m->log_lock);
	for (f = 0; f < NR_MMLAB_FAULTS; f++)
		mm_lock_init(&m->faults[f].lock);
	m->cpus = aligned_alloc(64, sizeof(*m->cpus) * (size_t)m->nr_cpus);
	if (!m->cpus) {
		err = -ENOMEM;
		goto out_free;
	}
	memset(m->cpus, 0, sizeof(*m->cpus) * (size_t)m->nr_cpus);
	for (f = 0; f < m->nr_cpus; f++) {
		m->cpus[f].id = f;
		m->cpus[f].node = f / m->cfg.cpus_per_node;
	}
	machine_bind_cpu(m, 0);
	for (i = 0; i < ARRAY_SIZE(subsystems); i++) {
		err = subsystems[i].init(m);
		if (err)
			goto out_unwind;
	}
	*mp = m;
	return 0;

out_unwind:
	while (i-- > 0)
		subsystems[i].exit(m);
	machine_unbind_cpu();
	free(m->cpus);
out_free:
	for (f = 0; f < NR_MMLAB_FAULTS; f++)
		mm_lock_destroy(&m->faults[f].lock);
	mm_lock_destroy(&m->log_lock);
	free(m);
	return err;
}

void machine_shutdown(struct machine *m)
{
	struct mm_current saved = mm_current;
	size_t i;
	int f;

	if (!m)
		return;
	/* Subsystem exits run on the machine being shut down. */
	mm_current.machine = m;
	mm_current.cpu = 0;
	for (i = ARRAY_SIZE(subsystems); i-- > 0;)
		subsystems[i].exit(m);
	if (saved.machine == m)
		machine_unbind_cpu();
	else
		mm_current = saved;
	free(m->cpus);
	for (f = 0; f < NR_MMLAB_FAULTS; f++)
		mm_lock_destroy(&m->faults[f].lock);
	mm_lock_destroy(&m->log_lock);
	free(m->log);
	free(m);
}

int machine_check(struct machine *m, char *why, size_t why_size)
{
	size_t i;
	int err;

	if (why && why_size)
		why[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(subsystems); i++) {
		if (!subsystems[i].check)
			continue;
		err = subsystems[i].check(m, why, why_size);
		if (err)
			return err;
	}
	return 0;
}

int machine_bind_cpu(struct machine *m, int cpu)
{
	if (!m || cpu < 0 || cpu >= m->nr_cpus)
		return -EINVAL;
	mm_current.machine = m;
	mm_current.cpu = cpu;
	return 0;
}

void machine_unbind_cpu(void)
{
	mm_current.machine = NULL;
	mm_current.cpu = 0;
}

struct machine *machine_current(void)
{
	return mm_current.machine;
}

int smp_processor_id(void)
{
	return mm_current.cpu;
}

int machine_nr_cpus(const struct machine *m)
{
	return m->nr_cpus;
}

int machine_nr_nodes(const struct machine *m)
{
	return m->nr_nodes;
}

int machine_cpu_to_node(const struct machine *m, int cpu)
{
	if (cpu < 0 || cpu >= m->nr_cpus)
		return -EINVAL;
	return m->cpus[cpu].node;
}

int machine_node_distance(const struct machine *m, int a, int b)
{
	if (a < 0 || b < 0 || a >= m->nr_nodes || b >= m->nr_nodes)
		return -EINVAL;
	return m->cfg.distance[a][b];
}

const struct machine_config *machine_config(const struct machine *m)
{
	return &m->cfg;
}

void machine_set_debug_level(struct machine *m, int level)
{
	m->debug_level = level < 0 ? 0 : level > 3 ? 3 : level;
}

int machine_debug_level(const struct machine *m)
{
	return m->debug_level;
}

unsigned long machine_vm_event(const struct machine *m, enum vm_event_item item)
{
	unsigned long sum = 0;
	int c;

	for (c = 0; c < m->nr_cpus; c++)
		sum += (unsigned long)stat_read(&m->cpus[c].events[item]);
	return sum;
}

