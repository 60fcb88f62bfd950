/*
 * replay.c - the replay driver: lines in, processes and their address spaces out.
 *
 * Model. The trace is a sequence of events per pid. A pid names one mmlab task (mm_task) and
 * its file table; tasks that share an mm are threads (clone with CLONE_VM), tasks that share a
 * file table were cloned with CLONE_FILES. Calls are executed in the order their results were
 * printed: for an `<unfinished ...>` call that is when its `<... resumed>` tail arrives, which is
 * when the kernel had done it (as far as the trace can tell).
 *
 * Who speaks: a line's pid is its `PID ` / `[pid N] ` prefix. A line without one belongs to the
 * only live process (strace omits the prefix exactly when one process is traced), else to the
 * first process. A pid seen for the first time is the child of the oldest clone still waiting
 * for its result (strace often prints the child's first call before the parent's `= PID`), or,
 * when no clone is pending, a new process with a fresh address space.
 *
 * The first process: with --initial-maps its address space is the snapshot (and if its first
 * call is a successful execve, the snapshot is taken to be the image that execve produced, as a
 * snapshot taken at the exec stop is); otherwise it is mm_create()'s default exec layout.
 *
 * Results: only memory syscalls are counted and checked (their results are mmlab's answers);
 * pids and fds are taken from the trace. A call with no recorded result, or `= ?`, is replayed
 * but neither matches nor differs. A scenario's fork() without a result gets pid max+1.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "replay_internal.h"

#define ALL_CAPS (MM_CAP_IPC_LOCK | MM_CAP_SYS_RAWIO | MM_CAP_SYS_ADMIN)

int replay_fail(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (why && size) {
		va_start(ap, fmt);
		vsnprintf(why, size, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* ---- the pid table ---------------------------------------------------------------------- */

static size_t pid_slot(const struct replay *r, long pid)
{
	size_t mask = r->procs_cap - 1, i = ((size_t)pid * 0x9E3779B97F4A7C15ULL) >> 20 & mask;

	while (r->procs[i] && r->procs[i]->pid != pid)
		i = (i + 1) & mask;
	return i;
}

struct rproc *replay_proc_find(struct replay *r, long pid)
{
	return r->procs[pid_slot(r, pid)];
}

static int proc_table_grow(struct replay *r)
{
	struct rproc **old = r->procs;
	size_t i, oldcap = r->procs_cap;

	r->procs = calloc(oldcap * 2, sizeof(*r->procs));
	if (!r->procs) {
		r->procs = old;
		return -ENOMEM;
	}
	r->procs_cap = oldcap * 2;
	for (i = 0; i < oldcap; i++)
		if (old[i])
			r->procs[pid_slot(r, old[i]->pid)] = old[i];
	free(old);
	return 0;
}

static int proc_insert(struct replay *r, struct rproc *p)
{
	r->access_proc = NULL;	/* which process a pid-less access means may change */
	if ((r->nprocs + 1) * 2 > r->procs_cap && proc_table_grow(r))
		return -ENOMEM;
	r->procs[pid_slot(r, p->pid)] = p;
	r->nprocs++;
	r->pid_sum += p->pid;
	if (p->pid > r->max_pid)
		r->max_pid = p->pid;
	return 0;
}

/* Removal in linear probing: re-place the cluster that follows the hole. */
static void proc_remove(struct replay *r, struct rproc *p)
{
	size_t mask = r->procs_cap - 1, i = pid_slot(r, p->pid), j;

	r->procs[i] = NULL;
	r->nprocs--;
	r->pid_sum -= p->pid;
	for (j = (i + 1) & mask; r->procs[j]; j = (j + 1) & mask) {
		struct rproc *q = r->procs[j];

		r->procs[j] = NULL;
		r->procs[pid_slot(r, q->pid)] = q;
	}
}

/* O(1): a scan of the table would cost its capacity, which many processes once grew. */
static struct rproc *only_live_proc(struct replay *r)
{
	return r->nprocs == 1 ? replay_proc_find(r, (long)r->pid_sum) : NULL;
}

/* ---- processes ---------------------------------------------------------------------------- */

void replay_exec_args(struct replay *r, struct mm_exec_args *a, bool empty)
{
	memset(a, 0, sizeof(*a));
	a->caps = ALL_CAPS;
	a->flags = empty ? MM_EXEC_EMPTY : 0;
	a->mmap_base = r->opt.mmap_base ? r->opt.mmap_base : r->snap.mmap_base;
}

static int proc_new(struct replay *r, long pid, struct mm_task *t, struct fdtable *fds,
		    struct rproc **out)
{
	struct rproc *p = calloc(1, sizeof(*p));

	if (!p || proc_insert(r, p ? (p->pid = pid, p) : p)) {
		free(p);
		return -ENOMEM;
	}
	p->task = t;
	p->fds = fds;
	*out = p;
	return 0;
}

static void proc_exit(struct replay *r, struct rproc *p)
{
	r->access_proc = NULL;
	if (p->pid == r->opt.maps_pid)
		replay_capture_maps(r, p);
	replay_capture_procs(r, p->pid);
	proc_remove(r, p);
	mm_task_exit(p->task);
	replay_fdtable_put(p->fds);
	free(p->cwd);
	free(p);
}

/* A process with its own fresh address space: the first one, or one the trace never forked. */
static int proc_spawn(struct replay *r, long pid, char *why, size_t size, struct rproc **out)
{
	bool first = r->first_pid == 0;
	struct mm_exec_args a;
	struct fdtable *fds = replay_fdtable_new();
	struct mm_task *t;
	int err;

	if (!fds)
		return -ENOMEM;
	replay_exec_args(r, &a, first && r->have_snap);
	err = mm_task_exec_new(r->m, (int)pid, &a, &t);
	if (err) {
		replay_fdtable_put(fds);
		replay_fail(why, size, "cannot create process %ld: %s", pid, strerror(-err));
		return err == -ENOMEM ? -ENOMEM : -EINVAL;	/* out of memory is not bad input */
	}
	if (first && r->have_snap) {
		err = replay_snapshot_seed(r, mm_task_mm(t));
		if (err) {
			mm_task_exit(t);
			replay_fdtable_put(fds);
			if (r->snap.bad_line)
				replay_fail(why, size, "cannot seed process %ld from %s:%lu: %s", pid,
					    r->opt.initial_maps, r->snap.bad_line, strerror(-err));
			else
				replay_fail(why, size, "cannot seed process %ld from the maps "
					    "snapshot: %s", pid, strerror(-err));
			return err == -ENOMEM ? -ENOMEM : -EINVAL;
		}
	}
	err = proc_new(r, pid, t, fds, out);
	if (err) {
		mm_task_exit(t);
		replay_fdtable_put(fds);
		return err;
	}
	if (first) {
		r->first_pid = pid;
		if (!r->opt.maps_pid)
			r->opt.maps_pid = pid;
		(*out)->brk_known = r->have_snap && replay_snapshot_find_path(&r->snap, "[heap]");
	}
	return 0;
}

static int proc_clone(struct replay *r, struct rproc *parent, unsigned long flags, long pid,
		      char *why, size_t size)
{
	struct mm_task *t;
	struct fdtable *fds;
	struct rproc *p;
	int err;

	if (replay_proc_find(r, pid))
		return 0;	/* already created when the child spoke first */
	if (flags & 0x400 /* CLONE_FILES */) {
		fds = parent->fds;
		fds->refs++;
	} else {
		fds = replay_fdtable_copy(parent->fds);
		if (!fds)
			return -ENOMEM;
	}
	err = mm_task_clone(parent->task, flags, (int)pid, &t);
	if (err) {
		replay_fdtable_put(fds);
		replay_fail(why, size, "clone of %ld into %ld failed in mmlab: %s", parent->pid, pid,
			    strerror(-err));
		return err == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	err = proc_new(r, pid, t, fds, &p);
	if (err) {
		mm_task_exit(t);
		replay_fdtable_put(fds);
		return err;
	}
	p->brk_known = parent->brk_known || (flags & CLONE_VM);
	p->cwd = parent->cwd ? strdup(parent->cwd) : NULL;	/* lost if the host is out of memory */
	return 0;
}

/*
 * execve of the program named by @l's path argument (execve: the 1st, execveat: the 2nd; a
 * relative execveat path is not resolved against its dirfd and falls back to the default).
 */
static int proc_exec(struct replay *r, struct rproc *p, const struct strace_line *l, char *why,
		     size_t size)
{
	int pi = l && strace_span_is(l->name, "execveat") ? 1 : 0;
	char path[4096] = "", full[4096];
	bool from_elf;
	int err;

	if (l && l->nargs > pi)	/* no line: a superseding exec, whose path we never saw */
		strace_unescape(l->arg[pi], path, sizeof(path));
	/* a relative execve path names a file in the process's working directory */
	err = replay_exec_image(r, p->task, pi ? path : replay_path_in_cwd(p, path, full,
								      sizeof(full)), &from_elf);
	if (err) {
		/* as a failed clone: out of memory is the host's failure, not the trace's */
		replay_fail(why, size, "execve in mmlab failed: %s", strerror(-err));
		return err == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	if (replay_fdtable_close_on_exec(p->fds)) {
		replay_fail(why, size, "out of memory closing O_CLOEXEC files");
		return -ENOMEM;
	}
	p->brk_known = from_elf;
	return 0;
}

void replay_capture_maps(struct replay *r, struct rproc *p)
{
	struct mm_struct *mm = mm_task_mm(p->task);
	long n;

	if (r->maps_captured)
		return;
	n = mm_maps_read(mm, NULL, 0);
	if (n < 0)
		return;
	free(r->maps);
	r->maps = malloc(n + 1);
	if (!r->maps)
		return;
	mm_maps_read(mm, r->maps, n + 1);
	r->maps_captured = true;
}

/* ---- clones ------------------------------------------------------------------------------ */

static unsigned long clone_flags(const struct strace_line *l)
{
	struct strace_span v;
	uint64_t f = 0;
	int i;

	if (strace_span_is(l->name, "fork"))
		return 17;	/* SIGCHLD */
	if (strace_span_is(l->name, "vfork"))
		return CLONE_VM | CLONE_VFORK | 17;
	for (i = 0; i < l->nargs; i++)
		if (strace_field(l->arg[i], "flags", &v) && !strace_flags(v, strace_clone, &f))
			return f;
	return 17;
}

static bool is_clone(struct strace_span name)
{
	return strace_span_is(name, "clone") || strace_span_is(name, "clone3") ||
	       strace_span_is(name, "fork") || strace_span_is(name, "vfork");
}

static struct pending_clone *pending_for(struct replay *r, long parent)
{
	int i;

	for (i = 0; i < r->npend; i++)
		if (r->pend[i].parent == parent)
			return &r->pend[i];
	return NULL;
}

static void pending_drop(struct replay *r, struct pending_clone *pc)
{
	*pc = r->pend[--r->npend];
}

static int do_clone_line(struct replay *r, struct rproc *p, const struct strace_line *l,
			 char *why, size_t size)
{
	struct pending_clone *pc = pending_for(r, p->pid);
	long child;

	if (l->unfinished) {
		if (!pc && r->npend < REPLAY_MAX_PENDING_CLONES) {
			pc = &r->pend[r->npend++];
			pc->parent = p->pid;
			pc->child = 0;
		}
		if (pc)
			pc->flags = clone_flags(l);
		return 0;
	}
	if (pc)
		pending_drop(r, pc);
	if (l->err || l->result_unknown)
		return 0;
	child = l->has_result ? l->ret : r->max_pid + 1;
	if (child <= 0)
		return 0;	/* the child's own view of fork (= 0) is not a new process */
	if (child > STRACE_PID_MAX)
		return replay_fail(why, size, "%.*s result %lld is not a pid (1 to %ld)",
				   (int)l->name.n, l->name.p, l->ret, STRACE_PID_MAX);
	return proc_clone(r, p, clone_flags(l), child, why, size);
}

/* ---- one event ---------------------------------------------------------------------------- */

static int resolve_proc(struct replay *r, long pid, struct rproc **out, char *why, size_t size)
{
	struct rproc *p;
	int i, err;

	if (pid < 0) {
		p = only_live_proc(r);
		if (!p && r->first_pid)
			p = replay_proc_find(r, r->first_pid);
		if (p) {
			*out = p;
			return 0;
		}
		pid = r->first_pid ? r->max_pid + 1 : 1;
		if (!r->first_pid)
			r->first_anon = true;
	}
	p = replay_proc_find(r, pid);
	if (p) {
		*out = p;
		return 0;
	}
	if (r->first_anon && !r->npend) {
		/*
		 * The first process spoke without a prefix (strace on stderr, one process), and now
		 * a pid nobody cloned: that is the first process's own pid, shown at last.
		 */
		p = replay_proc_find(r, r->first_pid);
		if (p) {
			proc_remove(r, p);
			if (r->opt.maps_pid == p->pid)
				r->opt.maps_pid = pid;
			p->pid = pid;
			r->first_pid = pid;
			r->first_anon = false;
			if (proc_insert(r, p))
				return -ENOMEM;
			*out = p;
			return 0;
		}
	}
	for (i = 0; i < r->npend; i++) {
		struct pending_clone *pc = &r->pend[i];
		struct rproc *parent = replay_proc_find(r, pc->parent);

		if (pc->child || !parent)
			continue;
		pc->child = pid;
		err = proc_clone(r, parent, pc->flags, pid, why, size);
		if (err)
			return err;
		*out = replay_proc_find(r, pid);
		return 0;
	}
	return proc_spawn(r, pid, why, size, out);
}

int replay_proc_for(struct replay *r, long pid, struct rproc **out, char *why, size_t size)
{
	return resolve_proc(r, pid, out, why, size);
}

void replay_proc_killed(struct replay *r, struct rproc *p)
{
	proc_exit(r, p);
}

static bool is_exec(struct strace_span name)
{
	return strace_span_is(name, "execve") || strace_span_is(name, "execveat");
}

static int replay_event(struct replay *r, const struct strace_line *l, char *why, size_t size)
{
	struct rproc *p = NULL;
	bool first_call;
	int err;

	if (l->kind == STRACE_NOTHING || l->kind == STRACE_SIGNAL)
		return 0;
	if (l->kind != STRACE_CALL) {
		/* An exit of a pid never seen (or before anything happened) changes nothing. */
		p = l->pid >= 0 ? replay_proc_find(r, l->pid) : only_live_proc(r);
		if (!p && l->pid < 0 && r->first_pid)
			p = replay_proc_find(r, r->first_pid);
		if (!p)
			return 0;
	} else {
		err = resolve_proc(r, l->pid, &p, why, size);
		if (err)
			return err;
	}
	switch (l->kind) {
	case STRACE_EXITED:
	case STRACE_KILLED:
		proc_exit(r, p);
		return 0;
	case STRACE_SUPERSEDED: {
		/* Thread @status exec'd and took over @p's pid: the exec is @p's. */
		struct rproc *t = replay_proc_find(r, l->status);

		if (t && t != p)
			proc_exit(r, t);
		return proc_exec(r, p, NULL, why, size);
	}
	default:
		break;
	}
	first_call = p->pid == r->first_pid && !r->first_call_seen && !l->unfinished;
	if (first_call)
		r->first_call_seen = true;
	if (is_clone(l->name))
		return do_clone_line(r, p, l, why, size);
	if (l->unfinished)
		return 0;
	if (is_exec(l->name)) {
		if (l->err || l->result_unknown)
			return 0;
		if (first_call && r->have_snap)
			return 0;	/* the snapshot is the image this execve made */
		return proc_exec(r, p, l, why, size);
	}
	if (strace_span_is(l->name, "exit_group")) {
		if (p->pid == r->opt.maps_pid)
			replay_capture_maps(r, p);
		return 0;
	}
	err = replay_mm_call(r, p, l, why, size);
	if (err)
		return err < 0 ? err : 0;
	err = replay_fd_call(r, p, l, why, size);
	if (err)
		return err;
	return replay_task_call(r, p, l);
}

/* ---- the public API ----------------------------------------------------------------------- */

int replay_new(struct machine *m, const struct replay_options *opts, struct replay **out,
	       char *why, size_t why_size)
{
	struct replay *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return -ENOMEM;
	r->m = m;
	r->opt = *opts;
	if (!r->opt.host)
		r->opt.host = replay_host_default();
	r->procs_cap = 64;
	r->procs = calloc(r->procs_cap, sizeof(*r->procs));
	r->reader = strace_reader_new();
	if (!r->procs || !r->reader || replay_procs_init(r)) {
		err = -ENOMEM;
		goto fail;
	}
	if (opts->initial_maps) {
		err = replay_snapshot_load(opts->initial_maps, &r->snap, why, why_size);
		if (err)
			goto fail;
		r->have_snap = true;
	}
	*out = r;
	return 0;
fail:
	replay_free(r);
	return err;
}

int replay_line(struct replay *r, const char *line, size_t len, char *why, size_t why_size)
{
	struct strace_line l;
	const char *msg = NULL;
	int n;

	r->st.lines++;
	r->lineno++;
	n = replay_access_line(r, line, len, why, why_size);
	if (n)
		return n < 0 ? n : 0;
	n = strace_reader_feed(r->reader, line, len, &l, &msg);
	if (n == -ENOMEM) {
		replay_fail(why, why_size, "out of memory reading the trace");
		return -ENOMEM;
	}
	if (n < 0)
		return replay_fail(why, why_size, "%s", msg ? msg : "unreadable line");
	if (n == 0)
		return 0;
	return replay_event(r, &l, why, why_size);
}

/* Tell on_progress, at most once per second unless @done (see replay_progress_fn). */
static void progress(struct replay *r, bool done)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!done && r->progress_told && now.tv_sec == r->progress_last)
		return;
	r->progress_last = now.tv_sec;
	r->progress_told = true;
	r->opt.on_progress(&r->st, done, r->opt.progress_arg);
}

int replay_file(struct replay *r, FILE *f, unsigned long *lineno, char *why, size_t why_size)
{
	bool tell = r->opt.on_progress != NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int err = 0;

	while ((n = getline(&line, &cap, f)) >= 0) {
		err = replay_line(r, line, (size_t)n, why, why_size);
		if (err) {
			*lineno = r->lineno;
			break;
		}
		if (tell && (r->st.lines & 0xffff) == 0)
			progress(r, false);
	}
	if (tell && r->st.lines > 0xffff)
		progress(r, true);
	free(line);
	return err;
}

int replay_finish(struct replay *r)
{
	struct rproc *p;

	replay_capture_procs(r, 0);
	if (!r->maps_captured) {
		p = r->opt.maps_pid ? replay_proc_find(r, r->opt.maps_pid) : NULL;
		if (!p)
			return -ESRCH;
		replay_capture_maps(r, p);
	}
	return 0;
}

const char *replay_maps(const struct replay *r)
{
	return r->maps_captured ? r->maps : NULL;
}

void replay_get_stats(const struct replay *r, struct replay_stats *st)
{
	*st = r->st;
}

void replay_free(struct replay *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; r->procs && i < r->procs_cap; i++) {
		struct rproc *p = r->procs[i];

		if (p) {
			mm_task_exit(p->task);
			replay_fdtable_put(p->fds);
			free(p->cwd);
			free(p);
		}
	}
	for (i = 0; i < REPLAY_STAT_CACHE; i++) {
		free(r->stat_cache[i].path);
		free(r->known_size[i].path);
	}
	free(r->procs);
	strace_reader_free(r->reader);
	replay_snapshot_free(&r->snap);
	free(r->maps);
	replay_procs_free(r);
	free(r);
}
