/*
 * replay_mm.c - the memory syscalls of a trace, decoded and executed by mmlab, and their
 * results compared with the recorded ones.
 *
 * A call's arguments are read as strace prints them (symbolic flags, hex, NULL, fd with its -y
 * path); an argument mmlab cannot read is unusable input, not a guess. What is compared is the
 * syscall's return value: an address, 0, or -1 with its errno (for brk, the new break).
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

enum mm_call {
	C_MMAP, C_MUNMAP, C_MPROTECT, C_PKEY_MPROTECT, C_MREMAP, C_BRK, C_MADVISE, C_MLOCK,
	C_MLOCK2, C_MUNLOCK, C_MLOCKALL, C_MUNLOCKALL, C_MSYNC, C_MINCORE, C_NONE
};

static const struct {
	const char *name;
	int nargs;	/* at least */
} calls[] = {
	[C_MMAP] = { "mmap", 6 }, [C_MUNMAP] = { "munmap", 2 }, [C_MPROTECT] = { "mprotect", 3 },
	[C_PKEY_MPROTECT] = { "pkey_mprotect", 4 }, [C_MREMAP] = { "mremap", 4 },
	[C_BRK] = { "brk", 1 }, [C_MADVISE] = { "madvise", 3 }, [C_MLOCK] = { "mlock", 2 },
	[C_MLOCK2] = { "mlock2", 3 }, [C_MUNLOCK] = { "munlock", 2 },
	[C_MLOCKALL] = { "mlockall", 1 }, [C_MUNLOCKALL] = { "munlockall", 0 },
	[C_MSYNC] = { "msync", 3 }, [C_MINCORE] = { "mincore", 3 },
};

static enum mm_call which(struct strace_span name)
{
	int i;

	/* Cheap reject: every memory call starts with 'm', 'b' or 'p'. */
	if (!name.n || (name.p[0] != 'm' && name.p[0] != 'b' && name.p[0] != 'p'))
		return C_NONE;
	for (i = 0; i < C_NONE; i++)
		if (strace_span_is(name, calls[i].name))
			return i;
	return C_NONE;
}

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
#define DIFF_FMT "line %lu: [pid %ld] %s(%.*s): recorded %s, got %s"
#define DIFF_ARGS r->lineno, p->pid, call, (int)(e - s), s, a, b
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
	if (rec == got) {
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

int replay_mm_call(struct replay *r, struct rproc *p, const struct strace_line *l, char *why,
		   size_t size)
{
	enum mm_call c = which(l->name);
	struct mm_struct *mm = mm_task_mm(p->task);
	long long a[6] = { 0 };
	uint64_t fl = 0;
	struct strace_span path = { NULL, 0 };
	long long got = 0;
	int i, bad = -1;

	if (c == C_NONE)
		return 0;
	if (l->nargs < calls[c].nargs)
		return replay_fail(why, size, "%s needs %d arguments, the line has %d",
				   calls[c].name, calls[c].nargs, l->nargs);
	/* Numeric arguments: every position that is not a flag set. */
	for (i = 0; i < l->nargs && i < 6; i++) {
		bool flagarg = (c == C_MMAP && (i == 2 || i == 3)) ||
			       ((c == C_MPROTECT || c == C_PKEY_MPROTECT) && i == 2) ||
			       (c == C_MREMAP && i == 3) || (c == C_MADVISE && i == 2) ||
			       (c == C_MLOCK2 && i == 2) || (c == C_MLOCKALL && i == 0) ||
			       (c == C_MSYNC && i == 2) || (c == C_MINCORE && i == 2);

		if (!flagarg && strace_num(l->arg[i], &a[i], c == C_MMAP && i == 4 ? &path : NULL)) {
			bad = i;
			break;
		}
	}
	switch (c) {
	case C_MMAP:
		if (bad < 0 && strace_flags(l->arg[2], strace_prot, &fl))
			bad = 2;
		a[2] = (long long)fl;
		if (bad < 0 && strace_flags(l->arg[3], strace_map, &fl))
			bad = 3;
		a[3] = (long long)fl;
		break;
	case C_MPROTECT:
	case C_PKEY_MPROTECT:
		if (bad < 0 && strace_flags(l->arg[2], strace_prot, &fl))
			bad = 2;
		a[2] = (long long)fl;
		break;
	case C_MREMAP:
		if (bad < 0 && strace_flags(l->arg[3], strace_mremap, &fl))
			bad = 3;
		a[3] = (long long)fl;
		break;
	case C_MADVISE:
		if (bad < 0 && strace_flags(l->arg[2], strace_madv, &fl))
			bad = 2;
		a[2] = (long long)fl;
		break;
	case C_MLOCK2:
		if (bad < 0 && strace_flags(l->arg[2], strace_mlock, &fl))
			bad = 2;
		a[2] = (long long)fl;
		break;
	case C_MLOCKALL:
		if (bad < 0 && strace_flags(l->arg[0], strace_mcl, &fl))
			bad = 0;
		a[0] = (long long)fl;
		break;
	case C_MSYNC:
		if (bad < 0 && strace_flags(l->arg[2], strace_msync, &fl))
			bad = 2;
		a[2] = (long long)fl;
		break;
	default:
		break;
	}
	if (bad >= 0)
		return replay_fail(why, size, "%s: cannot read argument %d '%.*s'", calls[c].name,
				   bad + 1, (int)l->arg[bad].n, l->arg[bad].p);

	switch (c) {
	case C_MMAP: {
		unsigned long addr = a[0], flags = a[3];
		struct mm_file *file = NULL;

		if (!(flags & MAP_ANONYMOUS))
			file = replay_file_for(r, p, a[4], path);
		if (r->opt.follow_trace && recorded_ok(l) &&
		    !(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE))) {
			addr = (unsigned long)l->ret;
			flags |= MAP_FIXED;
		}
		got = mm_mmap(mm, addr, a[1], a[2], flags, file, a[5]);
		break;
	}
	case C_MUNMAP:
		got = mm_munmap(mm, a[0], a[1]);
		break;
	case C_MPROTECT:
	case C_PKEY_MPROTECT:
		got = mm_mprotect(mm, a[0], a[1], a[2]);
		break;
	case C_MREMAP: {
		unsigned long flags = a[3], new_addr = l->nargs > 4 ? a[4] : 0;

		if (r->opt.follow_trace && recorded_ok(l) && (flags & MREMAP_MAYMOVE) &&
		    !(flags & MREMAP_FIXED) && (unsigned long long)l->ret != (unsigned long long)a[0]) {
			flags |= MREMAP_FIXED;
			new_addr = (unsigned long)l->ret;
		}
		got = mm_mremap(mm, a[0], a[1], a[2], flags, new_addr);
		break;
	}
	case C_BRK:
		if (!p->brk_known && recorded_ok(l) && a[0] == 0)
			mm_set_brk_start(mm, (unsigned long)l->ret);
		p->brk_known = true;
		got = (long long)mm_brk(mm, a[0]);
		break;
	case C_MADVISE:
		got = mm_madvise(mm, a[0], a[1], (int)a[2]);
		break;
	case C_MLOCK:
		got = mm_mlock(mm, a[0], a[1]);
		break;
	case C_MLOCK2:
		got = mm_mlock2(mm, a[0], a[1], (unsigned int)a[2]);
		break;
	case C_MUNLOCK:
		got = mm_munlock(mm, a[0], a[1]);
		break;
	case C_MLOCKALL:
		got = mm_mlockall(mm, (int)a[0]);
		break;
	case C_MUNLOCKALL:
		got = mm_munlockall(mm);
		break;
	case C_MSYNC:
		got = mm_msync(mm, a[0], a[1], (int)a[2]);
		break;
	case C_MINCORE: {
		unsigned long len = a[1], pages = len / 4096 + !!(len % 4096);
		unsigned char *vec = NULL;

		if (!strace_span_is(l->arg[2], "NULL")) {
			if (pages > r->mincore_cap) {
				free(r->mincore_vec);
				r->mincore_vec = malloc(pages ? pages : 1);
				r->mincore_cap = r->mincore_vec ? pages : 0;
				if (!r->mincore_vec)
					return -ENOMEM;
			}
			vec = r->mincore_vec;
		}
		got = mm_mincore(mm, a[0], a[1], vec);
		break;
	}
	case C_NONE:
		break;
	}
	check(r, p, l, calls[c].name, got);
	return 1;
}
