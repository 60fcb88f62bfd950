/*
 * mm.c - the life of an address space: creation with an exec-like layout, fork's copy,
 * teardown; processes (pid -> task -> mm); per-mm settings; the invariant checker.
 *
 * Model of exec (x86-64, load_elf_binary + arch_pick_mmap_layout):
 *   mmap_base        = PAGE_ALIGN(TASK_SIZE - gap - rnd), gap = RLIMIT_STACK soft limit plus
 *                      stack_guard_gap (plus the stack's 16 GiB random range under PF_RANDOMIZE),
 *                      clamped to [128 MiB, TASK_SIZE / 6 * 5];
 *   mmap_legacy_base = PAGE_ALIGN(TASK_SIZE / 3) + rnd (the bottom-up layout's start);
 *   [stack]          = [stack_top - 132 KiB, stack_top), VM_GROWSDOWN, charged, touched;
 *   executable       = the given segments mapped MAP_PRIVATE|MAP_FIXED from the file, bss
 *                      anonymous; start_brk = brk = page after the last one (+ brk_rnd);
 *   [vvar] (4 pages), [vvar_vclock] (2), [vdso] (2) placed like one top-down mapping, and the
 *   [vsyscall] gate page shown last in maps.
 *
 * Every mm is on the list headed by vm_state->init_mm (the kernel's mmlist). mm_users counts
 * tasks (threads share with CLONE_VM); the last mmput() tears the address space down.
 */
#include "vm/internal.h"

#include <mmlab/mm.h>

static void mmlist_add(struct mm_struct *mm)
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

static struct mm_struct *mm_alloc(struct machine *m)
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
	INIT_LIST_HEAD(&mm->mmlist);
	mm->task_size = MM_TASK_SIZE;
	for (i = 0; i < RLIM_NLIMITS; i++)
		mm->rlim_cur[i] = mm->rlim_max[i] = RLIM_INFINITY;
	mm->rlim_cur[RLIMIT_STACK] = 8UL << 20;
	mm->rlim_cur[RLIMIT_MEMLOCK] = mm->rlim_max[RLIMIT_MEMLOCK] = 8UL << 20;
	return mm;
}

/* Unmap everything and free the mm (exit_mmap + __mmdrop). */
static void mm_free(struct mm_struct *mm)
{
	struct vm_area_struct *vma = mm->mmap;

	while (vma) {
		struct vm_area_struct *next = vma->vm_next;

		if (vma->vm_flags & VM_ACCOUNT)
			vm_unacct_memory(mm, (long)vma_pages(vma));
		if (vma->vm_file)
			mm_file_put(vma->vm_file);
		free(vma->anon_name);
		kmem_cache_free(mm->machine->vm->vm_area_cachep, vma);
		vma = next;
	}
	mm->mmap = mm->mmap_last = NULL;
	vma_free_reserve(mm);
	vma_tree_destroy(mm->machine, &mm->mm_mt);
	mm_rwsem_destroy(&mm->mmap_lock);
	kmem_cache_free(mm->machine->vm->mm_cachep, mm);
}

static unsigned long mmap_base_for(struct mm_struct *mm, bool randomize, unsigned long rnd)
{
	unsigned long gap = mm->rlim_cur[RLIMIT_STACK];
	unsigned long pad = vm_of(mm)->stack_guard_gap + (randomize ? 0x3fffff000UL : 0);
	unsigned long task_size = mm->task_size;

	if (gap + pad > gap)
		gap += pad;
	if (gap < (128UL << 20))
		gap = 128UL << 20;
	else if (gap > task_size / 6 * 5)
		gap = task_size / 6 * 5;
	return PAGE_ALIGN(task_size - gap - rnd);
}

/* A special mapping ([vvar], [vdso], [stack] at exec) linked directly. */
static int install_vma(struct mm_struct *mm, unsigned long start, unsigned long end,
		       unsigned long flags, enum vma_special_kind kind)
{
	struct vm_area_struct *vma;
	int err;

	if (start >= end || (start | end) & ~PAGE_MASK || end > mm->task_size)
		return -EINVAL;
	if (find_vma_intersection(mm, start, end))
		return -EEXIST;
	err = vma_prealloc(mm, 1);
	if (err)
		return err;
	vma = vma_from_reserve(mm);
	vma->vm_start = start;
	vma->vm_end = end;
	vma->vm_pgoff = kind == VMA_NORMAL ? start >> PAGE_SHIFT : 0;
	vma->vm_flags = flags | VM_SOFTDIRTY;
	vma->special = kind;
	vma_link(mm, vma);
	return 0;
}

static int setup_vdso(struct mm_struct *mm)
{
	unsigned long vdso_flags = VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC |
				   VM_DONTEXPAND;
	unsigned long vvar_flags = VM_READ | VM_MAYREAD | VM_IO | VM_DONTDUMP | VM_PFNMAP |
				   VM_DONTEXPAND;
	unsigned long addr = get_unmapped_area(mm, NULL, 0, 8 * PAGE_SIZE, 0, 0, 0);
	int err;

	if (IS_ERR_VALUE(addr))
		return (int)(long)addr;
	err = install_vma(mm, addr, addr + 4 * PAGE_SIZE, vvar_flags, VMA_VVAR);
	if (!err)
		err = install_vma(mm, addr + 4 * PAGE_SIZE, addr + 6 * PAGE_SIZE, vvar_flags,
				  VMA_VVAR_VCLOCK);
	if (!err)
		err = install_vma(mm, addr + 6 * PAGE_SIZE, addr + 8 * PAGE_SIZE, vdso_flags,
				  VMA_VDSO);
	return err;
}

static int exec_layout(struct mm_struct *mm, const struct mm_exec_args *a)
{
	unsigned long top, size, end_all = 0, populate;
	int i, err;

	if (a->rlim_stack)
		mm->rlim_cur[RLIMIT_STACK] = mm->rlim_max[RLIMIT_STACK] = a->rlim_stack;
	if (a->rlim_memlock)
		mm->rlim_cur[RLIMIT_MEMLOCK] = mm->rlim_max[RLIMIT_MEMLOCK] = a->rlim_memlock;
	if (a->rlim_data)
		mm->rlim_cur[RLIMIT_DATA] = mm->rlim_max[RLIMIT_DATA] = a->rlim_data;
	if (a->rlim_as)
		mm->rlim_cur[RLIMIT_AS] = mm->rlim_max[RLIMIT_AS] = a->rlim_as;
	mm->caps = a->caps;
	if ((a->mmap_base | a->mmap_rnd | a->stack_top | a->stack_rnd | a->stack_size |
	     a->start_brk | a->brk_rnd) & ~PAGE_MASK)
		return -EINVAL;
	mm->legacy_layout = a->flags & MM_EXEC_LEGACY_LAYOUT;
	mm->mmap_legacy_base = PAGE_ALIGN(mm->task_size / 3) + a->mmap_rnd;
	mm->mmap_base = a->mmap_base ? a->mmap_base :
			mmap_base_for(mm, a->flags & MM_EXEC_RANDOMIZE, a->mmap_rnd);
	if (mm->legacy_layout)
		mm->mmap_base = mm->mmap_legacy_base;
	mm->vsyscall = !(a->flags & MM_EXEC_NO_VSYSCALL);

	if (!(a->flags & MM_EXEC_NO_STACK)) {
		struct vm_area_struct *stack;

		top = a->stack_top ? a->stack_top : MM_TASK_SIZE - a->stack_rnd;
		size = a->stack_size ? a->stack_size : 33 * PAGE_SIZE;
		if (top > mm->task_size || size >= top)
			return -EINVAL;
		if (vm_enough_memory(mm, (long)(size >> PAGE_SHIFT)))
			return -ENOMEM;
		err = install_vma(mm, top - size, top, VM_READ | VM_WRITE | VM_MAYREAD |
				  VM_MAYWRITE | VM_MAYEXEC | VM_GROWSDOWN | VM_ACCOUNT, VMA_NORMAL);
		if (err) {
			vm_unacct_memory(mm, (long)(size >> PAGE_SHIFT));
			return err;
		}
		stack = find_vma(mm, top - size);
		anon_vma_prepare(mm, stack);
		stack->populated = true;
		mm->start_stack = top - PAGE_SIZE;
		mm->arg_start = mm->arg_end = mm->env_start = mm->env_end = top - PAGE_SIZE;
	}

	if (a->nr_segments < 0 || a->nr_segments > MM_EXEC_MAX_SEGMENTS ||
	    (a->nr_segments && !a->exe))
		return -EINVAL;
	mm->start_code = mm->start_data = ~0UL;
	for (i = 0; i < a->nr_segments; i++) {
		const struct mm_exec_segment *sg = &a->segments[i];
		long r;

		if ((sg->start | sg->end | sg->pgoff_bytes) & ~PAGE_MASK || sg->start >= sg->end)
			return -EINVAL;
		r = do_mmap(mm, a->exe, sg->start, sg->end - sg->start, sg->prot,
			    MAP_PRIVATE | MAP_FIXED, 0, sg->pgoff_bytes >> PAGE_SHIFT, &populate);
		if (r < 0)
			return (int)r;
		end_all = MAX(end_all, sg->end);
		if (sg->prot & PROT_EXEC) {
			mm->start_code = MIN(mm->start_code, sg->start);
			mm->end_code = MAX(mm->end_code, sg->end);
		}
		if (sg->prot & PROT_WRITE) {
			mm->start_data = MIN(mm->start_data, sg->start);
			mm->end_data = MAX(mm->end_data, sg->end);
		}
		if (sg->bss_end > sg->end) {
			unsigned long bss = PAGE_ALIGN(sg->bss_end);

			r = do_mmap(mm, NULL, sg->end, bss - sg->end, sg->prot,
				    MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, 0, 0, &populate);
			if (r < 0)
				return (int)r;
			end_all = MAX(end_all, bss);
		}
	}
	if (mm->start_code == ~0UL)
		mm->start_code = mm->end_code = 0;
	if (mm->start_data == ~0UL)
		mm->start_data = mm->end_data = 0;
	mm->start_brk = mm->brk = a->start_brk ? a->start_brk : end_all + a->brk_rnd;

	if (!(a->flags & MM_EXEC_NO_VDSO)) {
		err = setup_vdso(mm);
		if (err)
			return err;
	}
	return 0;
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
	e = exec_layout(mm, args ? args : &defaults);
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

/* ---- fork ------------------------------------------------------------------------------------ */

static int dup_mmap(struct mm_struct *mm, struct mm_struct *oldmm)
{
	struct vm_area_struct *mpnt;
	int err;

	for (mpnt = oldmm->mmap; mpnt; mpnt = mpnt->vm_next) {
		struct vm_area_struct *tmp;

		if (mpnt->vm_flags & VM_DONTCOPY)
			continue;
		if ((mpnt->vm_flags & VM_ACCOUNT) && vm_enough_memory(oldmm, (long)vma_pages(mpnt)))
			return -ENOMEM;
		err = vma_prealloc(mm, 1);
		if (err) {
			if (mpnt->vm_flags & VM_ACCOUNT)
				vm_unacct_memory(mm, (long)vma_pages(mpnt));
			return err;
		}
		tmp = vma_from_reserve(mm);
		tmp->vm_start = mpnt->vm_start;
		tmp->vm_end = mpnt->vm_end;
		tmp->vm_pgoff = mpnt->vm_pgoff;
		tmp->vm_flags = mpnt->vm_flags & ~VM_LOCKED_MASK;
		tmp->vm_file = mpnt->vm_file ? mm_file_get(mpnt->vm_file) : NULL;
		tmp->special = mpnt->special;
		tmp->anon_name = mpnt->anon_name ? strdup(mpnt->anon_name) : NULL;
		if (!(mpnt->vm_flags & VM_WIPEONFORK)) {
			tmp->populated = mpnt->populated;
			if (mpnt->anon_vma) {
				tmp->anon_vma = new_anon_vma_id(mm->machine);
				tmp->anon_vma_chain = mpnt->anon_vma_chain + 1;
			}
		}
		vma_link(mm, tmp);
	}
	return 0;
}

struct mm_struct *dup_mm(struct mm_struct *oldmm, int *err)
{
	struct mm_struct *mm = mm_alloc(oldmm->machine);
	int e;

	if (!mm) {
		*err = -ENOMEM;
		return NULL;
	}
	mm_down_write(&oldmm->mmap_lock);
	mm->task_size = oldmm->task_size;
	mm->mmap_base = oldmm->mmap_base;
	mm->mmap_legacy_base = oldmm->mmap_legacy_base;
	mm->legacy_layout = oldmm->legacy_layout;
	mm->vsyscall = oldmm->vsyscall;
	mm->start_code = oldmm->start_code;
	mm->end_code = oldmm->end_code;
	mm->start_data = oldmm->start_data;
	mm->end_data = oldmm->end_data;
	mm->start_brk = oldmm->start_brk;
	mm->brk = oldmm->brk;
	mm->start_stack = oldmm->start_stack;
	mm->arg_start = oldmm->arg_start;
	mm->arg_end = oldmm->arg_end;
	mm->env_start = oldmm->env_start;
	mm->env_end = oldmm->env_end;
	mm->def_flags = oldmm->def_flags & VM_NOHUGEPAGE;
	memcpy(mm->rlim_cur, oldmm->rlim_cur, sizeof(mm->rlim_cur));
	memcpy(mm->rlim_max, oldmm->rlim_max, sizeof(mm->rlim_max));
	mm->caps = oldmm->caps;
	e = dup_mmap(mm, oldmm);
	mm->hiwater_vm = mm->total_vm;
	mm_up_write(&oldmm->mmap_lock);
	if (e) {
		mm_free(mm);
		*err = e;
		return NULL;
	}
	mmlist_add(mm);
	*err = 0;
	return mm;
}

/* ---- processes ------------------------------------------------------------------------------- */

static int pid_insert(struct vm_state *vs, struct mm_task *t, int pid)
{
	struct mm_task *p;
	int tries;

	if (pid < 0 || pid > 4194304)
		return -EINVAL;
	if (pid == 0) {
		for (tries = 0; tries < 4194304; tries++) {
			int cand = vs->last_pid >= 4194304 ? 300 : vs->last_pid + 1;

			vs->last_pid = cand;
			for (p = vs->pid_hash[cand % PID_HASH_SIZE]; p; p = p->hash_next)
				if (p->pid == cand)
					break;
			if (!p) {
				pid = cand;
				break;
			}
		}
		if (!pid)
			return -EAGAIN;
	} else {
		for (p = vs->pid_hash[pid % PID_HASH_SIZE]; p; p = p->hash_next)
			if (p->pid == pid)
				return -EEXIST;
		if (pid > vs->last_pid)
			vs->last_pid = pid;
	}
	t->pid = pid;
	t->hash_next = vs->pid_hash[pid % PID_HASH_SIZE];
	vs->pid_hash[pid % PID_HASH_SIZE] = t;
	vs->nr_tasks++;
	return 0;
}

static int task_new(struct machine *m, int pid, struct mm_struct *mm, struct mm_task **out)
{
	struct vm_state *vs = m->vm;
	struct mm_task *t;
	int err;

	t = mm_meta_zalloc(m, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->mm = mm;
	t->machine = m;
	strcpy(t->comm, "mmlab");
	mm_lock(&vs->lock);
	err = pid_insert(vs, t, pid);
	mm_unlock(&vs->lock);
	if (err) {
		mm_meta_free(m, t);
		return err;
	}
	*out = t;
	return 0;
}

static bool pid_taken(struct machine *m, int pid)
{
	return pid && mm_task_find(m, pid);
}

int mm_task_exec_new(struct machine *m, int pid, const struct mm_exec_args *args,
		     struct mm_task **out)
{
	struct mm_struct *mm;
	int err;

	*out = NULL;
	if (pid_taken(m, pid))
		return -EEXIST;
	mm = mm_create(m, args, &err);
	if (!mm)
		return err;
	err = task_new(m, pid, mm, out);
	if (err)
		mmput(mm);
	return err;
}

int mm_task_exec(struct mm_task *t, const struct mm_exec_args *args)
{
	struct mm_struct *mm, *old = t->mm;
	int err;

	mm = mm_create(t->machine, args, &err);
	if (!mm)
		return err;
	t->mm = mm;
	mmput(old);
	return 0;
}

int mm_task_clone(struct mm_task *parent, unsigned long clone_flags, int pid,
		  struct mm_task **out)
{
	struct machine *m = parent->machine;
	struct mm_struct *mm;
	int err;

	*out = NULL;
	if (pid_taken(m, pid))
		return -EEXIST;
	if (clone_flags & CLONE_VM) {
		mm = parent->mm;
		mmget(mm);
	} else {
		mm = dup_mm(parent->mm, &err);
		if (!mm)
			return err;
	}
	err = task_new(m, pid, mm, out);
	if (err) {
		mmput(mm);
		return err;
	}
	memcpy((*out)->comm, parent->comm, sizeof(parent->comm));
	return 0;
}

void mm_task_exit(struct mm_task *t)
{
	struct vm_state *vs = t->machine->vm;
	struct mm_task **pp;

	mm_lock(&vs->lock);
	for (pp = &vs->pid_hash[t->pid % PID_HASH_SIZE]; *pp; pp = &(*pp)->hash_next)
		if (*pp == t) {
			*pp = t->hash_next;
			vs->nr_tasks--;
			break;
		}
	mm_unlock(&vs->lock);
	mmput(t->mm);
	mm_meta_free(t->machine, t);
}

struct mm_task *mm_task_find(struct machine *m, int pid)
{
	struct vm_state *vs = m->vm;
	struct mm_task *t;

	if (pid <= 0)
		return NULL;
	mm_lock(&vs->lock);
	for (t = vs->pid_hash[pid % PID_HASH_SIZE]; t; t = t->hash_next)
		if (t->pid == pid)
			break;
	mm_unlock(&vs->lock);
	return t;
}

int mm_task_pid(const struct mm_task *t)
{
	return t->pid;
}

struct mm_struct *mm_task_mm(const struct mm_task *t)
{
	return t->mm;
}

void mm_task_set_comm(struct mm_task *t, const char *comm)
{
	snprintf(t->comm, sizeof(t->comm), "%s", comm);
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

int mm_seed_vma(struct mm_struct *mm, unsigned long start, unsigned long end,
		unsigned long prot, unsigned long flags, struct mm_file *file,
		unsigned long pgoff_bytes, const char *name)
{
	enum vma_special_kind kind = VMA_NORMAL;
	unsigned long vm_flags;
	struct vm_area_struct *vma;
	int err;

	if (name && !strcmp(name, "[vsyscall]")) {
		mm->vsyscall = true;
		return 0;
	}
	if (start >= end || (start | end | pgoff_bytes) & ~PAGE_MASK || end > mm->task_size)
		return -EINVAL;
	vm_flags = calc_vm_prot_bits(prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	if ((flags & MAP_TYPE) != MAP_PRIVATE) {
		vm_flags |= VM_MAYSHARE;
		if (!file || (file->open_flags & O_ACCMODE) != O_RDONLY)
			vm_flags |= VM_SHARED;
		else
			vm_flags &= ~VM_MAYWRITE;
	}
	if (name && !strcmp(name, "[vdso]")) {
		kind = VMA_VDSO;
		vm_flags |= VM_DONTEXPAND;
	} else if (name && !strcmp(name, "[vvar]")) {
		kind = VMA_VVAR;
		vm_flags = VM_READ | VM_MAYREAD | VM_IO | VM_DONTDUMP | VM_PFNMAP | VM_DONTEXPAND;
	} else if (name && !strcmp(name, "[vvar_vclock]")) {
		kind = VMA_VVAR_VCLOCK;
		vm_flags = VM_READ | VM_MAYREAD | VM_IO | VM_DONTDUMP | VM_PFNMAP | VM_DONTEXPAND;
	} else if (name && !strcmp(name, "[stack]")) {
		vm_flags |= VM_GROWSDOWN | VM_ACCOUNT;
	} else if ((vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE) {
		vm_flags |= VM_ACCOUNT;		/* writable private: charged, as mmap would */
	}
	mm_down_write(&mm->mmap_lock);
	if (find_vma_intersection(mm, start, end)) {
		err = -EEXIST;
		goto out;
	}
	if ((vm_flags & VM_ACCOUNT) && vm_enough_memory(mm, (long)((end - start) >> PAGE_SHIFT))) {
		err = -ENOMEM;
		goto out;
	}
	err = vma_prealloc(mm, 1);
	if (err) {
		if (vm_flags & VM_ACCOUNT)
			vm_unacct_memory(mm, (long)((end - start) >> PAGE_SHIFT));
		goto out;
	}
	vma = vma_from_reserve(mm);
	vma->vm_start = start;
	vma->vm_end = end;
	vma->vm_flags = vm_flags | VM_SOFTDIRTY;
	vma->vm_pgoff = file ? pgoff_bytes >> PAGE_SHIFT : start >> PAGE_SHIFT;
	vma->vm_file = file ? mm_file_get(file) : NULL;
	vma->special = kind;
	if (name && !strncmp(name, "[anon:", 6)) {
		size_t n = strlen(name);

		vma->anon_name = strndup(name + 6, n > 7 ? n - 7 : 0);
	}
	/* What a snapshot shows was almost certainly touched: give writable private ones anon_vmas. */
	if ((vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE)
		vma->anon_vma = new_anon_vma_id(mm->machine), vma->anon_vma_chain = 1;
	vma->populated = true;
	vma_link(mm, vma);
	if (name && !strcmp(name, "[heap]")) {
		if (mm->start_brk == 0 || mm->start_brk == mm->brk || start < mm->start_brk)
			mm->start_brk = start;
		mm->brk = end;
	} else if (name && !strcmp(name, "[stack]")) {
		mm->start_stack = end - PAGE_SIZE;
	}
out:
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
		info->anon_vma_id = vma->anon_vma;
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
		if (vma->anon_vma && vma->anon_vma_chain < 1) {
			snprintf(why, why_size, "vma %#lx: anon_vma with an empty chain", vma->vm_start);
			return -EUCLEAN;
		}
		prev_end = vma->vm_end;
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
	if (mm->brk < mm->start_brk) {
		snprintf(why, why_size, "mm: brk %#lx below start_brk %#lx", mm->brk, mm->start_brk);
		return -EUCLEAN;
	}
	return vma_tree_check(&mm->mm_mt, mm->mmap, mm->map_count, why, why_size);
}

void mm_debug_check(struct mm_struct *mm)
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

	vs = mm_meta_zalloc(m, sizeof(*vs));
	if (!vs)
		return -ENOMEM;
	mm_lock_init(&vs->lock);
	INIT_LIST_HEAD(&vs->init_mm.mmlist);
	vs->init_mm.machine = m;
	vs->init_mm.task_size = MM_TASK_SIZE;
	atomic_init(&vs->next_anon_vma, 1);
	vs->max_map_count = 65530;
	vs->mmap_min_addr = 65536;
	vs->stack_guard_gap = 256UL << PAGE_SHIFT;
	/* The kernel's defaults: min(3% of free memory, 8 MiB / 128 MiB). */
	vs->admin_reserve_kbytes = MIN(m->phys->totalram_pages * 3 / 100 * 4, 8192UL);
	vs->user_reserve_kbytes = MIN(m->phys->totalram_pages * 3 / 100 * 4, 131072UL);
	vs->last_pid = 0;
	/* VMAs and mms come from their own slab caches, as in the kernel. */
	vs->vm_area_cachep = kmem_cache_create("vm_area_struct", sizeof(struct vm_area_struct), 0,
					       SLAB_HWCACHE_ALIGN | SLAB_ACCOUNT, NULL);
	vs->mm_cachep = kmem_cache_create("mm_struct", sizeof(struct mm_struct), 0,
					  SLAB_HWCACHE_ALIGN | SLAB_ACCOUNT, NULL);
	if (!vs->vm_area_cachep || !vs->mm_cachep) {
		kmem_cache_destroy(vs->mm_cachep);
		kmem_cache_destroy(vs->vm_area_cachep);
		mm_lock_destroy(&vs->lock);
		mm_meta_free(m, vs);
		return -ENOMEM;
	}
	vm_file_init(vs);
	m->vm = vs;
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
	kmem_cache_destroy(vs->mm_cachep);
	kmem_cache_destroy(vs->vm_area_cachep);
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
	mm_unlock(&vs->lock);
	return err;
}

/* ---- sysctls --------------------------------------------------------------------------------- */

int vm_set_overcommit(struct machine *m, int mode, int ratio, unsigned long kbytes)
{
	if (mode < 0 || mode > 2 || ratio < 0)
		return -EINVAL;
	m->overcommit_memory = mode;
	m->overcommit_ratio = ratio;
	m->overcommit_kbytes = kbytes;
	return 0;
}

int vm_set_max_map_count(struct machine *m, int count)
{
	if (count < 0)
		return -EINVAL;
	m->vm->max_map_count = count;
	return 0;
}

int vm_set_mmap_min_addr(struct machine *m, unsigned long addr)
{
	m->vm->mmap_min_addr = addr;
	return 0;
}

int vm_set_stack_guard_gap(struct machine *m, unsigned long pages)
{
	m->vm->stack_guard_gap = pages << PAGE_SHIFT;
	return 0;
}

long vm_committed_as_pages(struct machine *m)
{
	return atomic_load(&m->vm_committed_as);
}

unsigned long vm_commit_limit_pages(struct machine *m)
{
	if (m->overcommit_kbytes)
		return m->overcommit_kbytes >> (PAGE_SHIFT - 10);
	return m->phys->totalram_pages * (unsigned long)m->overcommit_ratio / 100;
}
