/*
 * replay_task.c - what a trace sets of a process beyond its memory calls.
 *
 * chdir(PATH) and fchdir(FD</path>), when they succeeded: the process's working directory,
 * which fork keeps, so a relative execve path (`cd dir && ./prog`) names the right program. A
 * relative chdir from an unknown directory leaves it unknown (the trace never shows the first
 * process's); paths are joined lexically ("." and ".." folded), symlinks are the host's
 * realpath's business when the program is opened.
 *
 * personality(PERSONA) (not the 0xffffffff query), when it succeeded: the task's personality
 * (mm_task_personality), which fork and exec keep; ADDR_COMPAT_LAYOUT lays the next exec out
 * bottom-up (`setarch -L`). The resource limits: prlimit64(pid, RESOURCE, new, old) and
 * setrlimit(RESOURCE, new), when they succeeded, set the limit of the process they name (pid 0:
 * the caller) in its mm: RLIMIT_STACK (which decides mmap_base at the next exec; exec keeps the
 * limits, mm_task_exec), RLIMIT_AS, RLIMIT_DATA and RLIMIT_MEMLOCK. Other resources change
 * nothing the model has. A limit strace prints as `8192*1024`, a number, or RLIM64_INFINITY /
 * RLIM_INFINITY. A line that cannot be read teaches nothing and is not an error (the call is
 * not a memory call the replay compares).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>

#include "replay_internal.h"

static const struct {
	const char *name;
	int resource;
} resources[] = {
	{ "RLIMIT_STACK", RLIMIT_STACK }, { "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_DATA", RLIMIT_DATA }, { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
};

/* One limit value: 0 and *@v, or -EINVAL. */
static int rlim_value(struct strace_span s, unsigned long *v)
{
	struct strace_span n = s;
	long long x, m = 1;
	const char *star;

	if (strace_span_is(s, "RLIM64_INFINITY") || strace_span_is(s, "RLIM_INFINITY")) {
		*v = RLIM_INFINITY;
		return 0;
	}
	star = memchr(s.p, '*', s.n);
	if (star) {
		struct strace_span k = { star + 1, (size_t)(s.p + s.n - star - 1) };

		n.n = (size_t)(star - s.p);
		if (strace_num(k, &m, NULL) || m <= 0)
			return -EINVAL;
	}
	if (strace_num(n, &x, NULL) || x < 0 ||
	    (unsigned long long)x > ULONG_MAX / (unsigned long long)m)
		return -EINVAL;
	*v = (unsigned long)x * (unsigned long)m;
	return 0;
}

/* `{rlim_cur=..., rlim_max=...}`: 0 with *@cur and *@max, or -EINVAL (NULL, unreadable). */
static int rlim_struct(struct strace_span s, unsigned long *cur, unsigned long *max)
{
	struct strace_span c, m;

	if (!strace_field(s, "rlim_cur", &c) || !strace_field(s, "rlim_max", &m))
		return -EINVAL;
	return rlim_value(c, cur) || rlim_value(m, max) ? -EINVAL : 0;
}

const char *replay_path_in_cwd(const struct rproc *p, const char *path, char *buf, size_t size)
{
	if (path[0] == '/' || !path[0] || !p->cwd)
		return path;
	if ((size_t)snprintf(buf, size, "%s/%s", p->cwd, path) >= size)
		return path;
	return buf;
}

/* @path (absolute) with "//", "." and ".." folded, into a new string; NULL out of memory. */
static char *fold_path(const char *path)
{
	size_t n = strlen(path);
	char *out = malloc(n + 2), *o = out;
	const char *s = path;

	if (!out)
		return NULL;
	while (*s) {
		const char *e;
		size_t len;

		while (*s == '/')
			s++;
		e = strchr(s, '/');
		len = e ? (size_t)(e - s) : strlen(s);
		if (len == 0 || (len == 1 && s[0] == '.')) {
			/* nothing */
		} else if (len == 2 && s[0] == '.' && s[1] == '.') {
			while (o > out && *--o != '/')
				;
		} else {
			*o++ = '/';
			memcpy(o, s, len);
			o += len;
		}
		s += len;
	}
	if (o == out)
		*o++ = '/';
	*o = 0;
	return out;
}

static void chdir_call(struct rproc *p, const struct strace_line *l, bool by_fd)
{
	char path[4096], joined[4096], *cwd;
	struct strace_span fdpath = { 0 };
	const char *to = path;
	long long fd;

	if (l->err || !l->has_result || l->result_unknown || l->ret != 0 || l->nargs < 1)
		return;
	if (by_fd) {
		if (strace_num(l->arg[0], &fd, &fdpath) || !fdpath.n)
			return;
		strace_unescape(fdpath, path, sizeof(path));
	} else {
		strace_unescape(l->arg[0], path, sizeof(path));
	}
	if (path[0] != '/') {
		if (!p->cwd)
			return;		/* relative to a directory we never saw */
		to = replay_path_in_cwd(p, path, joined, sizeof(joined));
		if (to == path)
			return;		/* too long to join */
	}
	cwd = fold_path(to);
	if (!cwd)
		return;
	free(p->cwd);
	p->cwd = cwd;
}

static void personality_call(struct rproc *p, const struct strace_line *l)
{
	uint64_t v;

	if (l->err || !l->has_result || l->result_unknown || l->nargs < 1 ||
	    strace_flags(l->arg[0], strace_personality, &v) || v > 0xffffffffULL)
		return;
	mm_task_personality(p->task, (unsigned long)v);
}

int replay_task_call(struct replay *r, struct rproc *p, const struct strace_line *l)
{
	bool prlimit = strace_span_is(l->name, "prlimit64");

	if (strace_span_is(l->name, "personality")) {
		personality_call(p, l);
		return 0;
	}
	if (strace_span_is(l->name, "chdir") || strace_span_is(l->name, "fchdir")) {
		chdir_call(p, l, strace_span_is(l->name, "fchdir"));
		return 0;
	}
	struct strace_span res, lim;
	unsigned long cur, max;
	struct rproc *target = p;
	size_t i;

	if (!prlimit && !strace_span_is(l->name, "setrlimit"))
		return 0;
	if (l->err || !l->has_result || l->result_unknown || l->ret != 0 ||
	    l->nargs < (prlimit ? 3 : 2))
		return 0;
	if (prlimit) {
		long long pid;

		if (strace_num(l->arg[0], &pid, NULL))
			return 0;
		if (pid)
			target = replay_proc_find(r, (long)pid);
		if (!target)
			return 0;
	}
	res = l->arg[prlimit ? 1 : 0];
	lim = l->arg[prlimit ? 2 : 1];
	for (i = 0; i < sizeof(resources) / sizeof(resources[0]); i++)
		if (strace_span_is(res, resources[i].name))
			break;
	if (i == sizeof(resources) / sizeof(resources[0]) || rlim_struct(lim, &cur, &max))
		return 0;
	mm_setrlimit(mm_task_mm(target->task), resources[i].resource, cur, max);
	return 0;
}
