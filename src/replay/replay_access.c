/*
 * replay_access.c - memory accesses in a trace: valgrind lackey's --trace-mem=yes lines.
 *
 * A line, after an optional PID prefix as strace -f -o writes it (the PID, then any run of
 * blanks), is an access when it reads
 *   "I  ADDR,SIZE"   an instruction fetch       " L ADDR,SIZE"   a load
 *   " S ADDR,SIZE"   a store                     " M ADDR,SIZE"   a load, then a store
 * with ADDR in hex without 0x and SIZE in decimal bytes (1 to REPLAY_ACCESS_MAX). The access
 * touches each page it covers in ascending order through mm_access(): a load, a store, a load
 * then a store, or a fetch. Without a PID it belongs to the trace's first process (so a plain
 * lackey log replays on its own). An access the kernel answers with SIGSEGV or SIGBUS kills
 * the process, as it would without a handler; with replay_options.map_on_access, a private
 * anonymous page is mapped where an access finds nothing (access logs without syscalls).
 * valgrind's own lines ("==PID== ...") are skipped.
 */
#include "replay/replay_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Plain range checks: the <ctype.h> ones cost a locale table lookup per character. */
static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
		p++;
	return p;
}

/* "==N==" at the start: a line of valgrind's own. */
static bool valgrind_line(const char *p, const char *end)
{
	if (end - p < 4 || p[0] != '=' || p[1] != '=')
		return false;
	p += 2;
	if (p >= end || !is_digit(*p))
		return false;
	while (p < end && is_digit(*p))
		p++;
	return end - p >= 2 && p[0] == '=' && p[1] == '=';
}

/* A hex number of 1 to 16 digits into *@v; the end of it, or NULL. */
static const char *read_hex(const char *p, const char *end, unsigned long *v)
{
	const char *start = p;
	unsigned long x = 0;
	unsigned int d;

	while (p < end && (d = strace_hex1[(unsigned char)*p]) != 0) {
		x = x << 4 | (d - 1);
		p++;
	}
	if (p == start || p - start > 16)
		return NULL;
	*v = x;
	return p;
}

static const char *read_dec(const char *p, const char *end, unsigned long *v, unsigned long max)
{
	int digits = 0;

	*v = 0;
	while (p < end && is_digit(*p)) {
		*v = *v * 10 + (unsigned long)(*p - '0');
		if (*v > max)
			return NULL;
		digits++;
		p++;
	}
	return digits ? p : NULL;
}

/*
 * Parse @line as an access: 1 with the fields filled, 0 if it is not one (an strace line),
 * -EINVAL if it starts like one but is malformed (@why says how).
 */
static int parse_access(const char *line, size_t len, long *pid, char *kind, unsigned long *addr,
			unsigned long *size, char *why, size_t why_size)
{
	const char *p = line, *end = line + len;
	unsigned long v;

	while (end > p && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	*pid = -1;
	if (p < end && is_digit(*p)) {
		const char *q = read_dec(p, end, &v, 0x7fffffff);

		if (!q || q == end || !is_blank(*q))
			return 0;	/* strace's "PID  call(...)" is not ours either way */
		*pid = (long)v;
		p = q;
	}
	p = skip_blanks(p, end);
	if (end - p < 3 || (*p != 'L' && *p != 'S' && *p != 'M' && *p != 'I') || !is_blank(p[1]))
		return 0;
	*kind = *p;
	p = skip_blanks(p + 1, end);
	p = read_hex(p, end, addr);
	if (!p || p == end || *p != ',')
		return replay_fail(why, why_size, "access line: ADDR must be 1 to 16 hex digits");
	p = read_dec(p + 1, end, size, REPLAY_ACCESS_MAX);
	if (!p || *size == 0)
		return replay_fail(why, why_size, "access line: SIZE must be 1 to %d bytes",
				   REPLAY_ACCESS_MAX);
	if (skip_blanks(p, end) != end)
		return replay_fail(why, why_size, "access line: junk after SIZE");
	return 1;
}

/*
 * Map one private anonymous page at @addr (map_on_access). 0, or -1 if nothing could be mapped
 * there (beyond the address space, below mmap_min_addr, a VMA already there, no memory).
 */
static int map_for_access(struct mm_struct *mm, unsigned long addr)
{
	long r = mm_mmap(mm, addr & ~0xfffUL, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, NULL, 0);

	return r == (long)(addr & ~0xfffUL) ? 0 : -1;
}

static int touch_page(struct replay *r, struct mm_struct *mm, unsigned long addr, char kind)
{
	int err;

	switch (kind) {
	case 'I':
		err = mm_access(mm, addr, 1, MM_ACCESS_EXEC);
		break;
	case 'S':
		err = mm_access(mm, addr, 1, MM_ACCESS_WRITE);
		break;
	case 'M':
		err = mm_access(mm, addr, 1, MM_ACCESS_READ);
		if (!err)
			err = mm_access(mm, addr, 1, MM_ACCESS_WRITE);
		break;
	default:
		err = mm_access(mm, addr, 1, MM_ACCESS_READ);
		break;
	}
	if (err == -EFAULT && r->opt.map_on_access && map_for_access(mm, addr) == 0)
		return touch_page(r, mm, addr, kind);	/* now mapped: at most once more */
	return err;
}

int replay_access_line(struct replay *r, const char *line, size_t len, char *why, size_t why_size)
{
	unsigned long addr = 0, size = 0, page, last;
	struct mm_struct *mm;
	struct rproc *p;
	long pid;
	char kind;
	int n, err;

	if (valgrind_line(line, line + len))
		return 1;
	n = parse_access(line, len, &pid, &kind, &addr, &size, why, why_size);
	if (n <= 0)
		return n;
	if (r->access_proc && r->access_pid == pid) {
		p = r->access_proc;	/* the same process as the last access line */
	} else {
		err = replay_proc_for(r, pid, &p, why, why_size);
		if (err)
			return err;
		r->access_proc = p;
		r->access_pid = pid;
	}
	r->st.accesses++;
	mm = mm_task_mm(p->task);
	last = addr + size - 1;
	if (last < addr)
		last = ~0UL;
	for (page = addr; ; page = (page & ~0xfffUL) + 0x1000) {
		err = touch_page(r, mm, page, kind);
		if (err) {
			/*
			 * SIGSEGV or SIGBUS: the process dies as without a handler. VM_FAULT_OOM
			 * (-ENOMEM) is where the OOM killer will choose a victim; until it
			 * exists, the faulting process is the one that dies.
			 */
			if (err == -ENOMEM)
				r->st.oom_kills++;
			else
				r->st.access_kills++;
			replay_proc_killed(r, p);
			return 1;
		}
		if ((page & ~0xfffUL) == (last & ~0xfffUL))
			break;
	}
	return 1;
}
