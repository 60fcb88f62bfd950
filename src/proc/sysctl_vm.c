/*
 * sysctl_vm.c - the /proc/sys/vm files that the page allocator's sizing depends on, read-only:
 * one number and a newline each, and lowmem_reserve_ratio's one number per zone, tab-separated.
 */
#include "phys/internal.h"
#include "proc/proc.h"

int proc_min_free_kbytes_show(struct machine *m, struct seq_buf *s)
{
	seq_printf(s, "%d\n", m->phys->min_free_kbytes);
	return 0;
}

int proc_watermark_scale_factor_show(struct machine *m, struct seq_buf *s)
{
	seq_printf(s, "%d\n", m->cfg.watermark_scale_factor);
	return 0;
}

int proc_percpu_pagelist_high_fraction_show(struct machine *m, struct seq_buf *s)
{
	seq_printf(s, "%d\n", m->cfg.percpu_pagelist_high_fraction);
	return 0;
}

int proc_lowmem_reserve_ratio_show(struct machine *m, struct seq_buf *s)
{
	for (int i = 0; i < MAX_NR_ZONES; i++)
		seq_printf(s, "%d%c", m->cfg.lowmem_reserve_ratio[i], i + 1 < MAX_NR_ZONES ? '\t' : '\n');
	return 0;
}
