/*
 * task.c - processes and threads, and the machine's pid namespace.
 *
 * Model: a task is a pid, a command name and an mm. mm_task_exec_new() starts a process with
 * a new address space, mm_task_exec() replaces a task's, mm_task_clone() forks (a copy of the
 * mm, fork.c) or, with CLONE_VM, makes a thread sharing it (mm_users + 1), and mm_task_exit()
 * drops the task's mm reference (the last one tears the address space down, mm.c).
 *
 * The pid namespace is one hash table per machine (vm_state->pid_hash, under vm_state->lock).
 * Pids run from 1 to PID_MAX_LIMIT (4194304); pid 0 asks for the next free one after the last
 * given, wrapping to 300 at the top as alloc_pid does (RESERVED_PIDS). An explicit pid must be
 * free (-EEXIST).
 */
#include "vm/internal.h"

#include <sys/personality.h>

#include <mmlab/mm.h>

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

	t = mm_meta_zalloc(m, sizeof(*t));	/* counts one FAULT_MISC call */
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
	static const int kept[] = { RLIMIT_STACK, RLIMIT_MEMLOCK, RLIMIT_DATA, RLIMIT_AS };
	const unsigned long *given[] = { &args->rlim_stack, &args->rlim_memlock, &args->rlim_data,
					 &args->rlim_as };
	struct mm_struct *mm, *old = t->mm;
	struct mm_exec_args a = *args;
	unsigned long *fill[] = { &a.rlim_stack, &a.rlim_memlock, &a.rlim_data, &a.rlim_as };
	size_t i;
	int err;

	if (t->personality & ADDR_COMPAT_LAYOUT)
		a.flags |= MM_EXEC_LEGACY_LAYOUT;	/* mmap_is_legacy() */

	/* the old limits, so the layout is computed with them; then their hard limits too */
	for (i = 0; old && i < ARRAY_SIZE(kept); i++)
		if (!*given[i])
			*fill[i] = old->rlim_cur[kept[i]];
	mm = mm_create(t->machine, &a, &err);
	if (!mm)
		return err;
	for (i = 0; old && i < ARRAY_SIZE(kept); i++)
		if (!*given[i])
			mm->rlim_max[kept[i]] = old->rlim_max[kept[i]];
	t->mm = mm;
	/* set_personality_64bit(): a 64-bit program never keeps READ_IMPLIES_EXEC */
	t->personality &= ~(unsigned int)READ_IMPLIES_EXEC;
	mmput(old);
	return 0;
}

unsigned int mm_task_personality(struct mm_task *t, unsigned long persona)
{
	unsigned int old = t->personality;

	if (persona != 0xffffffffUL)
		t->personality = (unsigned int)persona;
	return old;
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
	(*out)->personality = parent->personality;
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

