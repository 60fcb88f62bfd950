/*
 * mm.c - the life of an mm_struct: allocation, creation for an exec (the layout is exec.c's),
 * references (mmget/mmput), teardown; its per-mm settings (rlimits, capabilities, bases), its
 * views (counters, one VMA), its invariant checker; and the layer's machine-wide state.
 *
 * Model: every mm is on the list headed by vm_state->init_mm (the kernel's mmlist). mm_users
 * counts the tasks using it (threads share it with CLONE_VM); the last mmput() unlinks it and
 * tears the address space down (exit_mmap + __mmdrop). mm_count stays 1: nothing else pins the
 * struct yet. An mm is made whole or not at all: a failure while building one frees it.
 */
#include "vm/internal.h"

#include <mmlab/mm.h>

void mmlist_add(struct mm_struct *mm)
{
	struct vm_state *vs = mm->machine->vm;

	mm_lock(&vs->lock);
	list_add_tail(&mm->mmlist, &vs->init_mm.mmlist);
	mm_unlock(&vs->lock);
}

static void mmlist_del(struct mm_struct *mm)
{
	struct vm_state *vs = mm->machine->vm;

	mm_lock(&vs->lock);
	list_del(&mm->mmlist);
	mm_unlock(&vs->lock);
}

struct mm_struct *mm_alloc(struct machine *m)
{
	struct mm_struct *mm;
	int i;

	if (should_fail(m, FAULT_MISC, 0))
		return NULL;
	mm = kmem_cache_zalloc(m->vm->mm_cachep, GFP_KERNEL);
	if (!mm)
		return NULL;
	mm->machine = m;
	vma_tree_init(&mm->mm_mt);
	atomic_init(&mm->mm_users, 1);
	atomic_init(&mm->mm_count, 1);
	mm_rwsem_init(&mm->mmap_lock);
	mm_lock_init(&mm->page_table_lock);
	tlb_init(&mm->tlb);
	INIT_LIST_HEAD(&mm->mmlist);
	mm->task_size = MM_TASK_SIZE;
	for (i = 0; i < RLIM_NLIMITS; i++)
		mm->rlim_cur[i] = mm->rlim_max[i] = RLIM_INFINITY;
	mm->rlim_cur[RLIMIT_STACK] = 8UL << 20;
	mm->rlim_cur[RLIMIT_MEMLOCK] = mm->rlim_max[RLIMIT_MEMLOCK] = 8UL << 20;
	if (pgd_alloc(mm)) {
		mm_lock_destroy(&mm->page_table_lock);
		mm_rwsem_destroy(&mm->mmap_lock);
		vma_tree_destroy(m, &mm->mm_mt);
		kmem_cache_free(m->vm->mm_cachep, mm);
		return NULL;
	}
	return mm;
}

/* Unmap everything and free the mm (exit_mmap + __mmdrop). */
void mm_free(struct mm_struct *mm)
{
	struct vm_area_struct *vma = mm->mmap;

	exit_mmap_pages(mm);
	while (vma) {
		struct vm_area_struct *next = vma->vm_next;

		if (vma->vm_flags & VM_ACCOUNT)
			vm_unacct_memory(mm->machine, (long)vma_pages(vma));
		unlink_anon_vmas(vma);
		if (vma->vm_file)
			mm_file_put(vma->vm_file);
		anon_name_free(mm->machine, vma->anon_name);
		kmem_cache_free(mm->machine->vm->vm_area_cachep, vma);
		vma = next;
	}
	mm->mmap = mm->mmap_last = NULL;
	vma_free_reserve(mm);
	vma_tree_destroy(mm->machine, &mm->mm_mt);
	mm_lock_destroy(&mm->page_table_lock);
	mm_rwsem_destroy(&mm->mmap_lock);
	kmem_cache_free(mm->machine->vm->mm_cachep, mm);
}

struct mm_struct *mm_create(struct machine *m, const struct mm_exec_args *args, int *err)
{
	static const struct mm_exec_args defaults;
	struct mm_struct *mm = mm_alloc(m);
	int e;

	if (!mm) {
		*err = -ENOMEM;
		return NULL;
	}
	mm_down_write(&mm->mmap_lock);
	e = vm_exec_layout(mm, args ? args : &defaults);
	mm_up_write(&mm->mmap_lock);
	if (e) {
		mm_free(mm);
		*err = e;
		return NULL;
	}
	mmlist_add(mm);
	*err = 0;
	return mm;
}

void mmget(struct mm_struct *mm)
{
	atomic_fetch_add(&mm->mm_users, 1);
}

void mmput(struct mm_struct *mm)
{
	if (!mm || atomic_fetch_sub(&mm->mm_users, 1) != 1)
		return;
	mmlist_del(mm);
	mm_free(mm);
}

/* ---- per-mm settings ------------------------------------------------------------------------- */

static bool rlimit_supported(int res)
{
	return res == RLIMIT_AS || res == RLIMIT_DATA || res == RLIMIT_STACK || res == RLIMIT_MEMLOCK;
}

int mm_setrlimit(struct mm_struct *mm, int resource, unsigned long cur, unsigned long max)
{
	if (resource < 0 || resource >= RLIM_NLIMITS || !rlimit_supported(resource) || cur > max)
		return -EINVAL;
	mm_down_write(&mm->mmap_lock);
	mm->rlim_cur[resource] = cur;
	mm->rlim_max[resource] = max;
	mm_up_write(&mm->mmap_lock);
	return 0;
}

unsigned long mm_getrlimit(struct mm_struct *mm, int resource)
{
	if (resource < 0 || resource >= RLIM_NLIMITS)
		return 0;
	return mm->rlim_cur[resource];
}

void mm_set_caps(struct mm_struct *mm, unsigned int caps)
{
	mm->caps = caps;
}

int mm_set_mmap_base(struct mm_struct *mm, unsigned long base)
{
	if (base & ~PAGE_MASK || base > mm->task_size)
		return -EINVAL;
	mm_down_write(&mm->mmap_lock);
	mm->mmap_base = base;
	mm_up_write(&mm->mmap_lock);
	return 0;
}

int mm_set_brk_start(struct mm_struct *mm, unsigned long start)
{
	int err = 0;

	if (start & ~PAGE_MASK)
		return -EINVAL;
	mm_down_write(&mm->mmap_lock);
	if (mm->brk != mm->start_brk && find_vma_intersection(mm, mm->start_brk, PAGE_ALIGN(mm->brk)))
		err = -EBUSY;
	else
		mm->start_brk = mm->brk = start;
	mm_up_write(&mm->mmap_lock);
	return err;
}

/* ---- views ----------------------------------------------------------------------------------- */

void mm_get_stats(struct mm_struct *mm, struct mm_stats *st)
{
	mm_down_read(&mm->mmap_lock);
	st->total_vm = mm->total_vm;
	st->locked_vm = mm->locked_vm;
	st->pinned_vm = mm->pinned_vm;
	st->data_vm = mm->data_vm;
	st->exec_vm = mm->exec_vm;
	st->stack_vm = mm->stack_vm;
	st->map_count = mm->map_count;
	st->mm_users = atomic_load(&mm->mm_users);
	st->mm_count = atomic_load(&mm->mm_count);
	st->start_code = mm->start_code;
	st->end_code = mm->end_code;
	st->start_data = mm->start_data;
	st->end_data = mm->end_data;
	st->start_brk = mm->start_brk;
	st->brk = mm->brk;
	st->start_stack = mm->start_stack;
	st->mmap_base = mm->mmap_base;
	st->mmap_legacy_base = mm->mmap_legacy_base;
	st->task_size = mm->task_size;
	st->def_flags = mm->def_flags;
	st->hiwater_vm = mm->hiwater_vm;
	mm_up_read(&mm->mmap_lock);
}

bool mm_vma_at(struct mm_struct *mm, unsigned long addr, struct mm_vma_info *info)
{
	struct vm_area_struct *vma;

	mm_down_read(&mm->mmap_lock);
	vma = find_vma(mm, addr);
	if (vma) {
		memset(info, 0, sizeof(*info));
		info->start = vma->vm_start;
		info->end = vma->vm_end;
		info->vm_flags = vma->vm_flags;
		info->pgoff = vma->vm_pgoff;
		info->file = vma->vm_file;
		info->anon_vma_id = anon_vma_id(vma->anon_vma);
		if (vma->special == VMA_VDSO)
			snprintf(info->name, sizeof(info->name), "[vdso]");
		else if (vma->special == VMA_VVAR)
			snprintf(info->name, sizeof(info->name), "[vvar]");
		else if (vma->special == VMA_VVAR_VCLOCK)
			snprintf(info->name, sizeof(info->name), "[vvar_vclock]");
		else if (!vma->vm_file && vma->vm_start < mm->brk && vma->vm_end > mm->start_brk)
			snprintf(info->name, sizeof(info->name), "[heap]");
		else if (!vma->vm_file && vma->vm_start <= mm->start_stack &&
			 vma->vm_end >= mm->start_stack)
			snprintf(info->name, sizeof(info->name), "[stack]");
		else if (vma->anon_name)
			snprintf(info->name, sizeof(info->name), "[anon:%s]", vma->anon_name);
	}
	mm_up_read(&mm->mmap_lock);
	return vma != NULL;
}

/* ---- invariants ------------------------------------------------------------------------------ */

int mm_check(struct mm_struct *mm, char *why, size_t why_size)
{
	unsigned long total = 0, data = 0, exec = 0, stack = 0, locked = 0, prev_end = 0;
	const struct vm_area_struct *vma, *prev = NULL;
	const struct vm_area_struct *cached = mm->mmap_cache;
	bool cache_linked = !cached;
	char dummy[8];
	int n = 0;

	if (!why) {
		why = dummy;
		why_size = sizeof(dummy);
	}
	for (vma = mm->mmap; vma; prev = vma, vma = vma->vm_next, n++) {
		unsigned long pages = vma_pages(vma), f = vma->vm_flags;

		if (vma->vm_prev != prev || vma->vm_mm != mm) {
			snprintf(why, why_size, "vma %#lx: list links broken", vma->vm_start);
			return -EUCLEAN;
		}
		if (vma->vm_start >= vma->vm_end || (vma->vm_start | vma->vm_end) & ~PAGE_MASK ||
		    vma->vm_start < prev_end || vma->vm_end > mm->task_size) {
			snprintf(why, why_size, "vma %#lx-%#lx: unaligned, empty, overlapping "
				 "(previous ends %#lx) or beyond TASK_SIZE", vma->vm_start,
				 vma->vm_end, prev_end);
			return -EUCLEAN;
		}
		if (anon_vma_check_vma(vma, why, why_size))
			return -EUCLEAN;
		prev_end = vma->vm_end;
		cache_linked |= vma == cached;
		total += pages;
		if ((f & (VM_EXEC | VM_WRITE | VM_GROWSDOWN)) == VM_EXEC)
			exec += pages;
		else if (f & VM_GROWSDOWN)
			stack += pages;
		else if ((f & (VM_WRITE | VM_SHARED | VM_GROWSDOWN)) == VM_WRITE)
			data += pages;
		if (f & VM_LOCKED)
			locked += pages;
	}
	if (prev != mm->mmap_last || n != mm->map_count) {
		snprintf(why, why_size, "mm: map_count %d, list has %d VMAs (or bad tail)",
			 mm->map_count, n);
		return -EUCLEAN;
	}
	if (total != mm->total_vm || data != mm->data_vm || exec != mm->exec_vm ||
	    stack != mm->stack_vm || locked != mm->locked_vm) {
		snprintf(why, why_size, "mm: counters total/data/exec/stack/locked %lu/%lu/%lu/%lu/%lu, "
			 "VMAs say %lu/%lu/%lu/%lu/%lu", mm->total_vm, mm->data_vm, mm->exec_vm,
			 mm->stack_vm, mm->locked_vm, total, data, exec, stack, locked);
		return -EUCLEAN;
	}
	if (!cache_linked) {
		snprintf(why, why_size, "mm: find_vma's cache names a VMA not in the list");
		return -EUCLEAN;
	}
	if (mm->brk < mm->start_brk) {
		snprintf(why, why_size, "mm: brk %#lx below start_brk %#lx", mm->brk, mm->start_brk);
		return -EUCLEAN;
	}
	return vma_tree_check(&mm->mm_mt, mm->mmap, mm->map_count, why, why_size);
}

void vm_debug_check_mm(struct mm_struct *mm)
{
	char why[256];

	if (!mm_debug_on(mm->machine, MM_DEBUG_CHECKS))
		return;
	if (mm_check(mm, why, sizeof(why)))
		mm_bug(__func__, __FILE__, __LINE__, why);
}

/* ---- machine-wide state ---------------------------------------------------------------------- */

int vm_init(struct machine *m)
{
	struct vm_state *vs;

	/* counts one FAULT_MISC call */
	vs = mm_meta_zalloc(m, sizeof(*vs) + (size_t)m->nr_cpus * sizeof(vs->lazyfree[0]));
	if (!vs)
		return -ENOMEM;
	mm_lock_init(&vs->lock);
	mm_lock_init(&vs->lru_batch_lock);
	INIT_LIST_HEAD(&vs->init_mm.mmlist);
	vs->init_mm.machine = m;
	vs->init_mm.task_size = MM_TASK_SIZE;
	atomic_init(&vs->next_anon_vma, 1);
	atomic_init(&vs->vm_committed_as, 0);
	vm_sysctl_init(m, vs);
	vs->last_pid = 0;
	/* VMAs and mms come from their own slab caches, as in the kernel. */
	vs->vm_area_cachep = kmem_cache_create("vm_area_struct", sizeof(struct vm_area_struct), 0,
					       SLAB_HWCACHE_ALIGN | SLAB_ACCOUNT, NULL);
	vs->mm_cachep = kmem_cache_create("mm_struct", sizeof(struct mm_struct), 0,
					  SLAB_HWCACHE_ALIGN | SLAB_ACCOUNT, NULL);
	if (!vs->vm_area_cachep || !vs->mm_cachep || anon_vma_caches_init(vs)) {
		kmem_cache_destroy(vs->mm_cachep);
		kmem_cache_destroy(vs->vm_area_cachep);
		mm_lock_destroy(&vs->lru_batch_lock);
		mm_lock_destroy(&vs->lock);
		mm_meta_free(m, vs);
		return -ENOMEM;
	}
	vm_file_init(vs);
	m->vm = vs;
	vm_zero_page_init(m);
	return 0;
}

void vm_exit(struct machine *m)
{
	struct vm_state *vs = m->vm;
	int i;

	if (!vs)
		return;
	for (i = 0; i < PID_HASH_SIZE; i++)
		while (vs->pid_hash[i])
			mm_task_exit(vs->pid_hash[i]);
	while (!list_empty(&vs->init_mm.mmlist)) {
		struct mm_struct *mm = list_entry(vs->init_mm.mmlist.next, struct mm_struct, mmlist);

		list_del(&mm->mmlist);
		mm_free(mm);
	}
	vm_file_exit(vs);
	anon_vma_caches_exit(vs);
	kmem_cache_destroy(vs->mm_cachep);
	kmem_cache_destroy(vs->vm_area_cachep);
	mm_lock_destroy(&vs->lru_batch_lock);
	mm_lock_destroy(&vs->lock);
	mm_meta_free(m, vs);
	m->vm = NULL;
}

int vm_check(struct machine *m, char *why, size_t why_size)
{
	struct vm_state *vs = m->vm;
	struct list_head *pos;
	int err = 0;

	if (!vs)
		return 0;
	mm_lock(&vs->lock);
	for (pos = vs->init_mm.mmlist.next; pos != &vs->init_mm.mmlist; pos = pos->next) {
		struct mm_struct *mm = list_entry(pos, struct mm_struct, mmlist);

		err = mm_check(mm, why, why_size);
		if (err)
			break;
	}
	if (!err)
		err = vm_check_pages(m, why, why_size);
	mm_unlock(&vs->lock);
	return err;
}

