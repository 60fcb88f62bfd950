/*
 * strace_values.c - the symbolic constants strace prints for the calls mmlab replays, and the
 * number, flag, errno and signal readers over them.
 *
 * Values are the x86-64 Linux ABI's (uapi asm-generic/mman-common.h, asm/mman.h, fcntl.h,
 * sched.h). errno and signal names come from the C library (strerrorname_np, sigabbrev_np),
 * so they match the host's strace. A name not in a table is an error, not a zero: a trace
 * with a flag mmlab does not know must not be replayed as if the flag were absent.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "strace.h"

const struct strace_sym strace_prot[] = {
	{ "PROT_NONE", 0 }, { "PROT_READ", 0x1 }, { "PROT_WRITE", 0x2 }, { "PROT_EXEC", 0x4 },
	{ "PROT_SEM", 0x8 }, { "PROT_GROWSDOWN", 0x01000000 }, { "PROT_GROWSUP", 0x02000000 },
	{ NULL, 0 }
};

const struct strace_sym strace_map[] = {
	{ "MAP_FILE", 0 }, { "MAP_SHARED", 0x01 }, { "MAP_PRIVATE", 0x02 },
	{ "MAP_SHARED_VALIDATE", 0x03 }, { "MAP_DROPPABLE", 0x08 }, { "MAP_FIXED", 0x10 },
	{ "MAP_ANONYMOUS", 0x20 }, { "MAP_ANON", 0x20 }, { "MAP_32BIT", 0x40 },
	{ "MAP_GROWSDOWN", 0x100 }, { "MAP_DENYWRITE", 0x800 }, { "MAP_EXECUTABLE", 0x1000 },
	{ "MAP_LOCKED", 0x2000 }, { "MAP_NORESERVE", 0x4000 }, { "MAP_POPULATE", 0x8000 },
	{ "MAP_NONBLOCK", 0x10000 }, { "MAP_STACK", 0x20000 }, { "MAP_HUGETLB", 0x40000 },
	{ "MAP_SYNC", 0x80000 }, { "MAP_FIXED_NOREPLACE", 0x100000 },
	{ "MAP_UNINITIALIZED", 0x4000000 },
	{ "MAP_HUGE_64KB", 16ULL << 26 }, { "MAP_HUGE_2MB", 21ULL << 26 },
	{ "MAP_HUGE_1GB", 30ULL << 26 },
	{ NULL, 0 }
};

const struct strace_sym strace_mremap[] = {
	{ "MREMAP_MAYMOVE", 1 }, { "MREMAP_FIXED", 2 }, { "MREMAP_DONTUNMAP", 4 }, { NULL, 0 }
};

const struct strace_sym strace_madv[] = {
	{ "MADV_NORMAL", 0 }, { "MADV_RANDOM", 1 }, { "MADV_SEQUENTIAL", 2 },
	{ "MADV_WILLNEED", 3 }, { "MADV_DONTNEED", 4 }, { "MADV_FREE", 8 }, { "MADV_REMOVE", 9 },
	{ "MADV_DONTFORK", 10 }, { "MADV_DOFORK", 11 }, { "MADV_MERGEABLE", 12 },
	{ "MADV_UNMERGEABLE", 13 }, { "MADV_HUGEPAGE", 14 }, { "MADV_NOHUGEPAGE", 15 },
	{ "MADV_DONTDUMP", 16 }, { "MADV_DODUMP", 17 }, { "MADV_WIPEONFORK", 18 },
	{ "MADV_KEEPONFORK", 19 }, { "MADV_COLD", 20 }, { "MADV_PAGEOUT", 21 },
	{ "MADV_POPULATE_READ", 22 }, { "MADV_POPULATE_WRITE", 23 },
	{ "MADV_DONTNEED_LOCKED", 24 }, { "MADV_COLLAPSE", 25 }, { "MADV_HWPOISON", 100 },
	{ "MADV_SOFT_OFFLINE", 101 }, { "MADV_GUARD_INSTALL", 102 },
	{ "MADV_GUARD_REMOVE", 103 },
	{ NULL, 0 }
};

const struct strace_sym strace_mcl[] = {
	{ "MCL_CURRENT", 1 }, { "MCL_FUTURE", 2 }, { "MCL_ONFAULT", 4 }, { NULL, 0 }
};

const struct strace_sym strace_mlock[] = { { "MLOCK_ONFAULT", 1 }, { NULL, 0 } };

const struct strace_sym strace_personality[] = {
	{ "PER_LINUX", 0 }, { "UNAME26", 0x0020000 }, { "ADDR_NO_RANDOMIZE", 0x0040000 },
	{ "FDPIC_FUNCPTRS", 0x0080000 }, { "MMAP_PAGE_ZERO", 0x0100000 },
	{ "ADDR_COMPAT_LAYOUT", 0x0200000 }, { "READ_IMPLIES_EXEC", 0x0400000 },
	{ "ADDR_LIMIT_32BIT", 0x0800000 }, { "SHORT_INODE", 0x1000000 },
	{ "WHOLE_SECONDS", 0x2000000 }, { "STICKY_TIMEOUTS", 0x4000000 },
	{ "ADDR_LIMIT_3GB", 0x8000000 }, { NULL, 0 }
};

const struct strace_sym strace_msync[] = {
	{ "MS_ASYNC", 1 }, { "MS_INVALIDATE", 2 }, { "MS_SYNC", 4 }, { NULL, 0 }
};

const struct strace_sym strace_open[] = {
	{ "O_RDONLY", 0 }, { "O_WRONLY", 01 }, { "O_RDWR", 02 }, { "O_ACCMODE", 03 },
	{ "O_CREAT", 0100 }, { "O_EXCL", 0200 }, { "O_NOCTTY", 0400 }, { "O_TRUNC", 01000 },
	{ "O_APPEND", 02000 }, { "O_NONBLOCK", 04000 }, { "O_NDELAY", 04000 },
	{ "O_DSYNC", 010000 }, { "O_ASYNC", 020000 }, { "FASYNC", 020000 },
	{ "O_DIRECT", 040000 }, { "O_LARGEFILE", 0100000 }, { "O_DIRECTORY", 0200000 },
	{ "O_NOFOLLOW", 0400000 }, { "O_NOATIME", 01000000 }, { "O_CLOEXEC", 02000000 },
	{ "O_SYNC", 04010000 }, { "O_RSYNC", 04010000 }, { "O_PATH", 010000000 },
	{ "O_TMPFILE", 020200000 },
	{ NULL, 0 }
};

const struct strace_sym strace_clone[] = {
	{ "CLONE_VM", 0x100 }, { "CLONE_FS", 0x200 }, { "CLONE_FILES", 0x400 },
	{ "CLONE_SIGHAND", 0x800 }, { "CLONE_PIDFD", 0x1000 }, { "CLONE_PTRACE", 0x2000 },
	{ "CLONE_VFORK", 0x4000 }, { "CLONE_PARENT", 0x8000 }, { "CLONE_THREAD", 0x10000 },
	{ "CLONE_NEWNS", 0x20000 }, { "CLONE_SYSVSEM", 0x40000 }, { "CLONE_SETTLS", 0x80000 },
	{ "CLONE_PARENT_SETTID", 0x100000 }, { "CLONE_CHILD_CLEARTID", 0x200000 },
	{ "CLONE_DETACHED", 0x400000 }, { "CLONE_UNTRACED", 0x800000 },
	{ "CLONE_CHILD_SETTID", 0x1000000 }, { "CLONE_NEWCGROUP", 0x2000000 },
	{ "CLONE_NEWUTS", 0x4000000 }, { "CLONE_NEWIPC", 0x8000000 },
	{ "CLONE_NEWUSER", 0x10000000 }, { "CLONE_NEWPID", 0x20000000 },
	{ "CLONE_NEWNET", 0x40000000 }, { "CLONE_IO", 0x80000000ULL },
	{ "CLONE_CLEAR_SIGHAND", 0x100000000ULL }, { "CLONE_INTO_CGROUP", 0x200000000ULL },
	{ NULL, 0 }
};

bool strace_span_is(struct strace_span s, const char *str)
{
	uint32_t i;

	/*
	 * Byte by byte, bounded by both: a span may hold NUL bytes (a trace is untrusted text),
	 * and @str must not be read past its terminator. Most comparisons fail on the first byte.
	 */
	for (i = 0; i < s.n; i++)
		if (!str[i] || str[i] != s.p[i])
			return false;
	return str[s.n] == 0;
}

/* @s without its trailing comment and spaces: "0x3e7 (comment MADV_???)" -> "0x3e7". */
static struct strace_span strip_comment(struct strace_span s)
{
	const char *c = s.n > 4 && s.p[s.n - 1] == '/' ? memmem(s.p, s.n, "/*", 2) : NULL;

	if (c)
		s.n = (uint32_t)(c - s.p);
	while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
		s.n--;
	return s;
}

/*
 * Unsigned number in base 16 (0x), 8 (leading 0) or 10; the whole span must be used. Returns 0,
 * -EINVAL (not a number), or -ERANGE (more than 64 bits: never read modulo 2^64).
 */
const unsigned char strace_hex1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
	['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
	['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static int parse_unsigned(const char *p, const char *end, unsigned long long *v)
{
	unsigned long long x = 0;
	int base = 10;

	if (p == end)
		return -EINVAL;
	if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (end - p > 1 && p[0] == '0') {
		base = 8;
		p++;
	}
	for (; p < end; p++) {
		int d = strace_hex_digit(*p);

		if (d < 0)
			return -EINVAL;
		if (d >= base)
			return -EINVAL;
		if (x > (ULLONG_MAX - (unsigned)d) / (unsigned)base) {
			/* Keep reading: a later non-digit makes it "not a number" instead. */
			for (p++; p < end; p++)
				if (!((*p >= '0' && *p <= '9') || (base == 16 &&
				      ((*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')))))
					return -EINVAL;
			return -ERANGE;
		}
		x = x * base + d;
	}
	*v = x;
	return 0;
}

int strace_num(struct strace_span s, long long *v, struct strace_span *path)
{
	const char *p, *end, *q;
	unsigned long long x;
	bool neg = false;
	int err;

	if (s.n && s.p[s.n - 1] == '/')
		s = strip_comment(s);
	p = s.p;
	end = s.p + s.n;
	if (path)
		path->n = 0;
	if (strace_span_is(s, "NULL")) {
		*v = 0;
		return 0;
	}
	/*
	 * A -y annotation: "3</path>", "AT_FDCWD</dir>", or "7</memfd:x>(deleted)" for a file
	 * that is gone (the span then keeps ">(deleted)", which strace_unescape() turns into
	 * the " (deleted)" of /proc/PID/maps).
	 */
	q = s.n ? memchr(p, '<', s.n) : NULL;
	if (q) {
		static const char del[] = ">(deleted)";
		size_t dl = sizeof(del) - 1;

		if (end[-1] == '>' && end - q >= 2) {
			if (path)
				*path = (struct strace_span){ q + 1, (uint32_t)(end - q - 2) };
		} else if ((size_t)(end - q) > dl && !memcmp(end - dl, del, dl)) {
			if (path)
				*path = (struct strace_span){ q + 1, (uint32_t)(end - q - 1) };
		} else {
			return -EINVAL;
		}
		end = q;
	}
	if (end - p == 8 && !memcmp(p, "AT_FDCWD", 8)) {
		*v = -100;
		return 0;
	}
	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	err = parse_unsigned(p, end, &x);
	if (err)
		return err;
	if (neg) {
		/* -2^63 is the most negative: its magnitude is not a long long. */
		if (x > (unsigned long long)LLONG_MAX + 1)
			return -ERANGE;
		*v = x == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)x;
	} else {
		*v = (long long)x;	/* 2^63.. are addresses and sizes: the same 64 bits */
	}
	return 0;
}

int strace_signal(struct strace_span s)
{
	int sig;

	if (s.n < 4 || memcmp(s.p, "SIG", 3))
		return 0;
	for (sig = 1; sig < 65; sig++) {
		const char *abbrev = sigabbrev_np(sig);

		if (abbrev && strlen(abbrev) == s.n - 3 && !memcmp(abbrev, s.p + 3, s.n - 3))
			return sig;
	}
	return 0;
}

/* The end of the flag token starting at @p: the first '|' outside a comment, or @end. */
static const char *flag_token_end(const char *p, const char *end)
{
	while (p < end && *p != '|') {
		if (*p == '/' && p + 1 < end && p[1] == '*') {
			const char *c = memmem(p + 2, (size_t)(end - p - 2), "*/", 2);

			p = c ? c + 2 : end;
			continue;
		}
		p++;
	}
	return p;
}

/* @t without a comment anywhere after its first byte, and without spaces around it. */
static struct strace_span flag_token(const char *p, const char *e)
{
	const char *c = e - p > 2 ? memmem(p + 1, (size_t)(e - p - 1), "/*", 2) : NULL;

	if (c)
		e = c;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return (struct strace_span){ p, (uint32_t)(e - p) };
}

int strace_flags(struct strace_span s, const struct strace_sym *tab, uint64_t *v)
{
	const char *p = s.p, *end = s.p + s.n;
	uint64_t acc = 0;

	if (!flag_token(p, end).n)
		return -EINVAL;
	/*
	 * Tokens are split at '|' outside comments: strace writes unknown bits as a number with
	 * a comment, in any position ("0xf (comment MAP_???)|MAP_FIXED"), and a whole value as a
	 * number followed by its decoding ("0x22 (comment MAP_PRIVATE|MAP_ANONYMOUS)"). Either
	 * way the number is the kernel's bits.
	 */
	while (p <= end) {
		const char *tok_end = flag_token_end(p, end);
		struct strace_span tok = flag_token(p, tok_end);
		const struct strace_sym *sym;
		unsigned long long x;
		const char *shl = tok.n > 2 ? memmem(tok.p, tok.n, "<<", 2) : NULL;
		int err;

		if (!tok.n)
			return -EINVAL;
		if (shl) {	/* "21<<MAP_HUGE_SHIFT": a 6-bit page-size log in bits 26..31 */
			struct strace_span sh = { shl + 2, (uint32_t)(tok.p + tok.n - shl - 2) };

			err = parse_unsigned(tok.p, shl, &x);
			if (err)
				return err;
			if (!strace_span_is(sh, "MAP_HUGE_SHIFT"))
				return -EINVAL;
			if (x > 0x3f)
				return -ERANGE;
			acc |= x << 26;
			goto next;
		}
		err = parse_unsigned(tok.p, tok.p + tok.n, &x);
		if (err == -ERANGE)
			return err;
		if (!err) {
			acc |= x;
			goto next;
		}
		for (sym = tab; sym->name; sym++)
			if (strace_span_is(tok, sym->name))
				break;
		if (sym->name) {
			acc |= sym->value;
			goto next;
		}
		x = strace_signal(tok);
		if (!x)
			return -EINVAL;
		acc |= x;
next:
		if (tok_end == end)
			break;
		p = tok_end + 1;
	}
	*v = acc;
	return 0;
}

int strace_errno(struct strace_span s)
{
	int e;

	for (e = 1; e < 134; e++) {
		const char *name = strerrorname_np(e);

		if (name && strlen(name) == s.n && !memcmp(name, s.p, s.n))
			return e;
	}
	return 0;
}

bool strace_field(struct strace_span s, const char *key, struct strace_span *val)
{
	size_t kl = strlen(key);
	const char *p = s.p, *end = s.p + s.n;

	while (p + kl < end) {
		const char *q = memmem(p, end - p, key, kl);
		const char *v, *e;
		int depth = 0;

		if (!q)
			return false;
		if (q + kl >= end || q[kl] != '=' ||
		    (q > s.p && q[-1] != '{' && q[-1] != ' ' && q[-1] != ',')) {
			p = q + 1;
			continue;
		}
		v = q + kl + 1;
		for (e = v; e < end; e++) {
			if (*e == '{' || *e == '[' || *e == '(')
				depth++;
			else if (*e == '}' || *e == ']' || *e == ')') {
				if (!depth)
					break;
				depth--;
			} else if (*e == ',' && !depth)
				break;
		}
		*val = (struct strace_span){ v, (uint32_t)(e - v) };
		return true;
	}
	return false;
}

size_t strace_unescape(struct strace_span s, char *buf, size_t size)
{
	const char *p = s.p, *end = s.p + s.n;
	size_t n = 0;

	if (p < end && *p == '"') {
		p++;
		while (end > p && end[-1] != '"')
			end--;		/* drop a trailing "..." truncation mark */
		if (end > p)
			end--;
	}
	while (p < end && n + 1 < size) {
		char c = *p++;

		if (c == '>' && end - p == 9 && !memcmp(p, "(deleted)", 9)) {
			size_t k = snprintf(buf + n, size - n, " (deleted)");

			n = n + k < size ? n + k : size - 1;
			break;
		}

		if (c == '\\' && p < end) {
			char e = *p++;

			switch (e) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'v': c = '\v'; break;
			case 'f': c = '\f'; break;
			case 'x': {
				int d = 0, k;

				for (k = 0; k < 2 && p < end; k++, p++) {
					char h = *p;

					if (h >= '0' && h <= '9') d = d * 16 + h - '0';
					else if (h >= 'a' && h <= 'f') d = d * 16 + h - 'a' + 10;
					else if (h >= 'A' && h <= 'F') d = d * 16 + h - 'A' + 10;
					else break;
				}
				c = (char)d;
				break;
			}
			default:
				if (e >= '0' && e <= '7') {
					int d = e - '0', k;

					for (k = 0; k < 2 && p < end && *p >= '0' && *p <= '7'; k++)
						d = d * 8 + (*p++ - '0');
					c = (char)d;
				} else {
					c = e;
				}
			}
		}
		buf[n++] = c;
	}
	buf[n] = 0;
	return n;
}
