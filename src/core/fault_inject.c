/*
 * fault_inject.c - per-machine fault attributes (the kernel's fail_page_alloc / failslab).
 *
 * Call numbering: once armed, every call of the path counts; call number nth fails, then every
 * interval-th call after it, until times failures have been injected.
 */
#include "core/core.h"

int machine_fault_set(struct machine *m, enum mmlab_fault which, const struct fault_attr_config *cfg)
{
	struct fault_attr *fa;

	if (!m || (unsigned int)which >= NR_MMLAB_FAULTS || !cfg || cfg->nth < 0 ||
	    cfg->interval < 0 || cfg->times < -1)
		return -EINVAL;
	fa = &m->faults[which];
	mm_lock(&fa->lock);
	fa->cfg.interval = cfg->interval;
	fa->cfg.times = cfg->times;
	fa->cfg.min_order = cfg->min_order;
	fa->cfg.ignore_nofail = cfg->ignore_nofail;
	__atomic_store_n(&fa->cfg.nth, cfg->nth, __ATOMIC_RELAXED);	/* read unlocked */
	if (cfg->nth)
		atomic_store_explicit(&m->faults_armed, true, memory_order_relaxed);
	fa->calls = 0;
	fa->injected = 0;
	mm_unlock(&fa->lock);
	return 0;
}

int machine_fail_nth(struct machine *m, enum mmlab_fault which, long nth, long times)
{
	struct fault_attr_config cfg = { .nth = nth, .interval = 1, .times = times };

	return machine_fault_set(m, which, &cfg);
}

void machine_fault_clear(struct machine *m)
{
	struct fault_attr_config off = { 0 };
	int f;

	for (f = 0; f < NR_MMLAB_FAULTS; f++)
		machine_fault_set(m, (enum mmlab_fault)f, &off);
}

long machine_fault_injected(const struct machine *m, enum mmlab_fault which)
{
	struct fault_attr *fa;
	long n;

	if ((unsigned int)which >= NR_MMLAB_FAULTS)
		return -EINVAL;
	fa = (struct fault_attr *)&m->faults[which];
	mm_lock(&fa->lock);
	n = fa->injected;
	mm_unlock(&fa->lock);
	return n;
}

static bool fault_attr_should_fail(struct fault_attr *fa, unsigned int order)
{
	long interval;
	bool fail = false;

	mm_lock(&fa->lock);
	if (!fa->cfg.nth || order < fa->cfg.min_order)
		goto out;
	if (fa->cfg.times >= 0 && fa->injected >= fa->cfg.times)
		goto out;
	fa->calls++;
	interval = fa->cfg.interval > 1 ? fa->cfg.interval : 1;
	if (fa->calls >= fa->cfg.nth && (fa->calls - fa->cfg.nth) % interval == 0) {
		fa->injected++;
		fail = true;
	}
out:
	mm_unlock(&fa->lock);
	return fail;
}

bool should_fail_slow(struct machine *m, enum mmlab_fault which, unsigned int order)
{
	struct fault_attr *fa = &m->faults[which];

	/* Unarmed attributes cost one relaxed read, not a lock. */
	if (likely(!__atomic_load_n(&fa->cfg.nth, __ATOMIC_RELAXED)))
		return false;
	return fault_attr_should_fail(fa, order);
}

