/*
 * replay_mm.c - the memory syscalls of a trace, decoded and executed by mmlab, and their
 * results compared with the recorded ones.
 *
 * A call's arguments are read as strace prints them (symbolic flags, hex, NULL, fd with its -y
 * path); an argument mmlab cannot read is unusable input, not a guess. The table calls[] is the
 * model: a row names a call, how many arguments it needs, the kind of each (a number, an fd,
 * a flag set of one family, an output buffer) and its executor. decode_args() reads any row's
 * arguments by their kinds, so a new memory call is one row and one small executor.
 *
 * What is compared is the syscall's return value: an address, 0, or -1 with its errno (for
 * brk, the new break).
 *
 * --follow-trace: a successful mmap that the kernel placed (no MAP_FIXED*) is replayed with
 * MAP_FIXED at the recorded address, and a moving mremap with MREMAP_FIXED at the recorded
 * one, so one placement difference does not cascade through the rest of the trace.
 *
 * brk: a process whose brk start nobody gave (no [heap] in the snapshot, a fresh execve) takes
 * it from the result of its first brk(NULL), as the kernel chose it at exec.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay_internal.h"

/*
 * How one argument is read. A_NUM is 0, so a position a row does not list is a number (the
 * decoder reads at most MM_ARGS positions; a call may have more, which nothing reads).
 */
enum arg_kind {
	A_NUM,		/* address, length, offset, pkey: a number as strace prints one */
	A_FD,		/* a file descriptor, with the path of its -y annotation */
	A_PROT,		/* flags: PROT_* */
	A_MAP,		/* flags: MAP_* */
	A_MREMAP,	/* flags: MREMAP_* */
	A_MADV,		/* the advice: MADV_* */
	A_MLOCK,	/* flags: MLOCK_* */
	A_MCL,		/* flags: MCL_* */
	A_MSYNC,	/* flags: MS_* */
	A_VEC,		/* an output buffer: only whether it is NULL matters */
	NR_ARG_KINDS
};

#define MM_ARGS 6

/* The symbol family of each flag kind. */
static const struct strace_sym *const flag_syms[NR_ARG_KINDS] = {
	[A_PROT] = strace_prot, [A_MAP] = strace_map, [A_MREMAP] = strace_mremap,
	[A_MADV] = strace_madv, [A_MLOCK] = strace_mlock, [A_MCL] = strace_mcl,
	[A_MSYNC] = strace_msync,
};

/* One call's arguments, decoded by their kinds. */
struct mm_args {
	long long v[MM_ARGS];		/* numbers and flag sets; A_VEC: 0 for NULL, else 1 */
	int n;				/* how many the line has (so many of v are meaningful) */
	struct strace_span path;	/* the A_FD argument's -y path (n == 0: none) */
};

/*
 * An executor (one per row of calls[], below): run the call in @p's mm with the decoded @a,
 * mmlab's result into *@got (a value or -errno, as the syscall returns it). Returns 0, or
 * -ENOMEM when the replay itself ran out of memory (not the call: that is a result).
 */
typedef int (*mm_exec_fn)(struct replay *r, struct rproc *p, const struct strace_line *l,
			  const struct mm_args *a, long long *got);

static void fmt_value(char *buf, size_t size, long long v)
{
	if (v < 0 && v >= -4095) {
		const char *e = strerrorname_np((int)-v);

		snprintf(buf, size, "-1 %s", e ? e : "E?");
	} else if (v >= 0 && v < 0x10000) {
		snprintf(buf, size, "%lld", v);
	} else {
		snprintf(buf, size, "%#llx", (unsigned long long)v);
	}
}

/* Tell on_diff of @l's difference: recorded @rec, mmlab @got. */
static void report_diff(struct replay *r, struct rproc *p, const struct strace_line *l,
			const char *call, long long rec, long long got)
{
	const char *s = l->nargs ? l->arg[0].p : "";
	const char *e = l->nargs ? l->arg[l->nargs - 1].p + l->arg[l->nargs - 1].n : s;
	char a[40], b[40], small[512], *text = small;
	struct replay_diff d = {
		.line = r->lineno, .pid = p->pid, .call = call, .recorded = rec, .got = got,
	};
	int n;

	fmt_value(a, sizeof(a), rec);
	fmt_value(b, sizeof(b), got);
#define DIFF_FMT "line %lu: [pid %ld] %s(%.*s): recorded %s, got %s%s"
#define DIFF_ARGS r->lineno, p->pid, call, (int)(e - s), s, a, b, r->diff_note
	n = snprintf(small, sizeof(small), DIFF_FMT, DIFF_ARGS);
	/* A long -y path: the whole text on the heap (cut short only if there is no memory). */
	if (n >= (int)sizeof(small) && (text = malloc((size_t)n + 1)) != NULL)
		snprintf(text, (size_t)n + 1, DIFF_FMT, DIFF_ARGS);
#undef DIFF_FMT
#undef DIFF_ARGS
	d.text = text ? text : small;
	r->opt.on_diff(&d, r->opt.diff_arg);
	if (text != small)
		free(text);
}

static void check(struct replay *r, struct rproc *p, const struct strace_line *l,
		  const char *call, long long got)
{
	long long rec;

	r->st.calls++;
	if (!l->has_result || l->result_unknown)
		return;
	rec = l->err ? -l->err : l->ret;
	if (rec == got && !r->diff_note[0]) {
		r->st.matched++;
		return;
	}
	r->st.differed++;
	if (r->opt.check && r->opt.on_diff)
		report_diff(r, p, l, call, rec, got);
}

static bool recorded_ok(const struct strace_line *l)
{
	return l->has_result && !l->result_unknown && !l->err;
}

/* ---- the executors, one per row of calls[] ------------------------------------------------ */

static int exec_mmap(struct replay *r, struct rproc *p, const struct strace_line *l,
		     const struct mm_args *a, long long *got)
{
	unsigned long addr = a->v[0], flags = a->v[3];
	struct mm_file *file = NULL;
	int err = 0;

	if (!(flags & MAP_ANONYMOUS))
		file = replay_file_for(r, p, a->v[4], a->path, &err);
	if (err)
		return err;	/* -ENOMEM: the replay itself ran out of memory */
	if (r->opt.follow_trace && recorded_ok(l) && !(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE))) {
		addr = (unsigned long)l->ret;
		flags |= MAP_FIXED;
	}
	*got = mm_mmap(mm_task_mm(p->task), addr, a->v[1], a->v[2], flags, file, a->v[5]);
	return 0;
}

static int exec_mremap(struct replay *r, struct rproc *p, const struct strace_line *l,
		       const struct mm_args *a, long long *got)
{
	unsigned long flags = a->v[3], new_addr = a->v[4];

	if (r->opt.follow_trace && recorded_ok(l) && (flags & MREMAP_MAYMOVE) &&
	    !(flags & MREMAP_FIXED) && (unsigned long long)l->ret != (unsigned long long)a->v[0]) {
		flags |= MREMAP_FIXED;
		new_addr = (unsigned long)l->ret;
	}
	*got = mm_mremap(mm_task_mm(p->task), a->v[0], a->v[1], a->v[2], flags, new_addr);
	return 0;
}

static int exec_brk(struct replay *r, struct rproc *p, const struct strace_line *l,
		    const struct mm_args *a, long long *got)
{
	struct mm_struct *mm = mm_task_mm(p->task);

	(void)r;
	if (!p->brk_known && recorded_ok(l) && a->v[0] == 0)
		mm_set_brk_start(mm, (unsigned long)l->ret);
	p->brk_known = true;
	*got = (long long)mm_brk(mm, a->v[0]);
	return 0;
}

/*
 * mincore's vector is never sized by the trace's length. As the kernel does (mm/mincore.c:
 * the whole range's checks first, then do_mincore() one page of vector at a time), the range
 * is checked whole (a NULL vector gets the answer those checks give: EINVAL, ENOMEM, else
 * EFAULT), then read in chunks of sizeof(r->mincore_vec) pages into the replay's fixed
 * scratch, stopping at the first error (a hole: ENOMEM). Host memory is that one buffer, and
 * the work is bounded by the pages the model has mapped before the first hole.
 */
/*
 * Is page @i of the range at @start private anonymous memory (the pages mmlab has page tables
 * for)? Only there is the vector compared: file and shmem residency needs the page cache.
 */
static bool page_compared(struct mm_struct *mm, unsigned long start, unsigned long i)
{
	struct mm_vma_info info;
	unsigned long addr = start + (i << 12);

	return mm_vma_at(mm, addr, &info) && info.start <= addr && !info.file &&
	       !(info.vm_flags & VM_SHARED) && !info.name[0];
}

/*
 * The vector strace printed for a successful mincore ("[1, 0, ...]", at most its first
 * elements and then "...") against mmlab's @vec of @n pages, where the pages are private
 * anonymous memory: a difference makes the call differ (r->diff_note says where).
 */
static void compare_vector(struct replay *r, struct mm_struct *mm, unsigned long start,
			   struct strace_span s, const unsigned char *vec, unsigned long n)
{
	const char *p = s.p, *end = s.p + s.n;
	unsigned long i = 0;

	if (s.n < 2 || *p != '[')
		return;		/* not printed as a vector (an address): nothing to compare */
	p++;
	while (p < end && *p != ']') {
		unsigned long v = 0;
		int digits = 0;

		while (p < end && (*p == ' ' || *p == ','))
			p++;
		if (p < end && *p == '.')
			return;		/* strace stopped printing: the rest is unknown */
		while (p < end && *p >= '0' && *p <= '9' && digits < 4) {
			v = v * 10 + (unsigned long)(*p++ - '0');
			digits++;
		}
		if (!digits)
			return;		/* something else: leave it */
		if (i >= n)
			return;
		if (vec[i] != v && page_compared(mm, start, i)) {
			snprintf(r->diff_note, sizeof(r->diff_note),
				 "; vector differs at page %lu: recorded %lu, got %d", i, v, vec[i]);
			return;
		}
		i++;
	}
}

static int exec_mincore(struct replay *r, struct rproc *p, const struct strace_line *l,
			const struct mm_args *a, long long *got)
{
	struct mm_struct *mm = mm_task_mm(p->task);
	const unsigned long chunk = sizeof(r->mincore_vec);
	unsigned long start = a->v[0], len = a->v[1], pages, n;
	bool compare = l->has_result && !l->err && l->nargs > 2;
	int err;

	pages = len / 4096 + !!(len % 4096);
	if (!a->v[2] || pages <= chunk) {
		*got = mm_mincore(mm, start, len, a->v[2] ? r->mincore_vec : NULL);
		if (*got == 0 && a->v[2] && compare)
			compare_vector(r, mm, start, l->arg[2], r->mincore_vec, pages);
		return 0;
	}
	err = mm_mincore(mm, start, len, NULL);
	if (err != -EFAULT) {		/* the range itself is bad (or, never, fine) */
		*got = err;
		return 0;
	}
	for (err = 0; pages && !err; pages -= n, start += n * 4096, len -= n * 4096) {
		n = pages < chunk ? pages : chunk;
		err = mm_mincore(mm, start, n == pages ? len : n * 4096, r->mincore_vec);
		/* strace prints at most the first few dozen elements: the first chunk has them */
		if (!err && compare && start == (unsigned long)a->v[0])
			compare_vector(r, mm, start, l->arg[2], r->mincore_vec, n);
	}
	*got = err;
	return 0;
}

/* The calls that need nothing but their numbers: mmlab's result is the syscall's. */
static long call_munmap(struct mm_struct *mm, const long long *v)
{
	return mm_munmap(mm, v[0], v[1]);
}

static long call_mprotect(struct mm_struct *mm, const long long *v)
{
	return mm_mprotect(mm, v[0], v[1], v[2]);
}

static long call_madvise(struct mm_struct *mm, const long long *v)
{
	return mm_madvise(mm, v[0], v[1], (int)v[2]);
}

static long call_mlock(struct mm_struct *mm, const long long *v)
{
	return mm_mlock(mm, v[0], v[1]);
}

static long call_mlock2(struct mm_struct *mm, const long long *v)
{
	return mm_mlock2(mm, v[0], v[1], (unsigned int)v[2]);
}

static long call_munlock(struct mm_struct *mm, const long long *v)
{
	return mm_munlock(mm, v[0], v[1]);
}

static long call_mlockall(struct mm_struct *mm, const long long *v)
{
	return mm_mlockall(mm, (int)v[0]);
}

static long call_munlockall(struct mm_struct *mm, const long long *v)
{
	(void)v;
	return mm_munlockall(mm);
}

static long call_msync(struct mm_struct *mm, const long long *v)
{
	return mm_msync(mm, v[0], v[1], (int)v[2]);
}

/* ---- the table ---------------------------------------------------------------------------- */

/* The memory syscalls: name, how many arguments they need, what each is, who runs them. */
static const struct mm_call {
	const char *name;
	int nargs;			/* at least */
	enum arg_kind kind[MM_ARGS];
	mm_exec_fn exec;		/* or, for a call that needs only its numbers: */
	long (*call)(struct mm_struct *mm, const long long *v);
} calls[] = {
	{ "mmap",	   6, { A_NUM, A_NUM, A_PROT, A_MAP, A_FD, A_NUM }, exec_mmap, NULL },
	{ "munmap",	   2, { A_NUM, A_NUM },				     NULL, call_munmap },
	{ "mprotect",	   3, { A_NUM, A_NUM, A_PROT },			     NULL, call_mprotect },
	/* As mprotect: mmlab has no protection keys (the pkey is read, not used). */
	{ "pkey_mprotect", 4, { A_NUM, A_NUM, A_PROT, A_NUM },		     NULL, call_mprotect },
	/* new_address (the 5th) only with MREMAP_FIXED; strace leaves it out otherwise. */
	{ "mremap",	   4, { A_NUM, A_NUM, A_NUM, A_MREMAP, A_NUM },	     exec_mremap, NULL },
	{ "brk",	   1, { A_NUM },				     exec_brk, NULL },
	{ "madvise",	   3, { A_NUM, A_NUM, A_MADV },			     NULL, call_madvise },
	{ "mlock",	   2, { A_NUM, A_NUM },				     NULL, call_mlock },
	{ "mlock2",	   3, { A_NUM, A_NUM, A_MLOCK },		     NULL, call_mlock2 },
	{ "munlock",	   2, { A_NUM, A_NUM },				     NULL, call_munlock },
	{ "mlockall",	   1, { A_MCL },				     NULL, call_mlockall },
	{ "munlockall",	   0, { A_NUM },				     NULL, call_munlockall },
	{ "msync",	   3, { A_NUM, A_NUM, A_MSYNC },		     NULL, call_msync },
	{ "mincore",	   3, { A_NUM, A_NUM, A_VEC },			     exec_mincore, NULL },
};

#define NR_CALLS (sizeof(calls) / sizeof(calls[0]))

static const struct mm_call *which(struct strace_span name)
{
	size_t i;

	/* Cheap reject: every memory call starts with 'm', 'b' or 'p'. */
	if (!name.n || (name.p[0] != 'm' && name.p[0] != 'b' && name.p[0] != 'p'))
		return NULL;
	for (i = 0; i < NR_CALLS; i++)
		if (strace_span_is(name, calls[i].name))
			return &calls[i];
	return NULL;
}

/*
 * Decode @l's arguments by @c's kinds into @a. Returns 0, or -EINVAL with @why naming the
 * first argument (in order) that cannot be read, or the shortage of arguments.
 */
static int decode_args(const struct mm_call *c, const struct strace_line *l, struct mm_args *a,
		       char *why, size_t size)
{
	int i;

	memset(a, 0, sizeof(*a));
	if (l->nargs < c->nargs)
		return replay_fail(why, size, "%s needs %d arguments, the line has %d", c->name,
				   c->nargs, l->nargs);
	a->n = l->nargs < MM_ARGS ? l->nargs : MM_ARGS;
	for (i = 0; i < a->n; i++) {
		enum arg_kind k = c->kind[i];
		struct strace_span s = l->arg[i];
		uint64_t fl = 0;
		int err;

		if (k == A_NUM || k == A_FD) {
			err = strace_num(s, &a->v[i], k == A_FD ? &a->path : NULL);
		} else if (k == A_VEC) {
			a->v[i] = !strace_span_is(s, "NULL");
			err = 0;
		} else {
			err = strace_flags(s, flag_syms[k], &fl);
			a->v[i] = (long long)fl;
		}
		if (err == -ERANGE)
			return replay_fail(why, size, "%s: argument %d '%.*s' is out of range (more "
					   "than 64 bits)", c->name, i + 1, (int)s.n, s.p);
		if (err)
			return replay_fail(why, size, "%s: cannot read argument %d '%.*s'", c->name,
					   i + 1, (int)s.n, s.p);
	}
	return 0;
}

/* ---- the entry point ---------------------------------------------------------------------- */

int replay_mm_call(struct replay *r, struct rproc *p, const struct strace_line *l, char *why,
		   size_t size)
{
	const struct mm_call *c = which(l->name);
	struct mm_args a;
	long long got = 0;
	int err;

	if (!c)
		return 0;
	err = decode_args(c, l, &a, why, size);
	r->diff_note[0] = 0;
	if (!err && c->exec)
		err = c->exec(r, p, l, &a, &got);
	else if (!err)
		got = c->call(mm_task_mm(p->task), a.v);
	if (err)
		return err;
	check(r, p, l, c->name, got);
	return 1;
}
