/*
 * strace_parse.c - reading `strace -f -y` output, line by line, without copying.
 *
 * Grammar of one physical line (what strace 5.x/6.x writes, with or without -o):
 *
 *   line    := [prefix] [time] body
 *   prefix  := PID ' '+            (-o FILE with -f)
 *            | '[pid' ' '* PID '] '  (stderr, when more than one process is traced)
 *   time    := a token of digits, ':' and '.' (-t, -tt, -ttt, -r)
 *   body    := NAME '(' args ')' [ ' '* '=' ' '* result ]
 *            | NAME '(' args ' <unfinished ...>'
 *            | '<... ' NAME ' resumed>' rest-of-args-and-result
 *            | '--- ' SIGNAME ... ' ---'
 *            | '+++ exited with ' N ' +++' | '+++ killed by ' SIGNAME [' (core dumped)'] ' +++'
 *            | '+++ superseded by execve in pid ' N ' +++'
 *   result  := '?' ... | NUMBER [annotation] ... | '-1 ' ENAME ' (' text ')'
 *
 * Arguments are split at commas outside (), [], {}, quoted strings, comments and -y annotations
 * (`3</path>`, in which strace escapes '>' as \76, so the first unescaped '>' closes it).
 * Blank lines, lines starting with '#', strace's own "strace: ..." messages and "[ ... ]" notes,
 * and -k stack frames ("> ...") are nothing.
 *
 * The reader (struct strace_reader) keeps, per pid, the head of a call that printed
 * `<unfinished ...>` and glues the `<... NAME resumed>` tail to it, so every finished call is
 * seen as one line. When stderr interleaves "strace: Process N attached" into the middle of a
 * line, the text before it is kept and the next line continues it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strace.h"

#define UNFINISHED " <unfinished ...>"

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_name(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
}

static const char *skip_spaces(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static bool starts(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(end - p) >= n && !memcmp(p, lit, n);
}

static struct strace_span trim(const char *a, const char *b)
{
	while (a < b && (*a == ' ' || *a == '\t'))
		a++;
	while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
		b--;
	return (struct strace_span){ a, (uint32_t)(b - a) };
}

/* Past the closing quote of the string starting at @p (which is '"'); NULL if unterminated. */
static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* Past the '>' closing the -y annotation starting at @p (which is '<'); NULL if unterminated. */
static const char *skip_annotation(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '>')
			return p + 1;
	}
	return NULL;
}

/*
 * Split the arguments starting at @p. Stops at the ')' closing the list (returned in *@close)
 * or at @end for an unfinished head (*@close = NULL). Returns -EINVAL on unbalanced text.
 */
static int split_args(const char *p, const char *end, struct strace_line *out,
		      const char **close, const char **why)
{
	const char *arg = p;
	int depth = 0;

	*close = NULL;
	while (p < end) {
		char c = *p;

		if (c == '"') {
			p = skip_string(p, end);
			if (!p) {
				*why = "unterminated string";
				return -EINVAL;
			}
			continue;
		}
		if (c == '<' && p + 1 < end && p[1] == '<') {	/* 21<<MAP_HUGE_SHIFT */
			p += 2;
			continue;
		}
		if (c == '<' && p > arg && (is_name(p[-1]) || p[-1] == ']')) {
			p = skip_annotation(p, end);
			if (!p) {
				*why = "unterminated <...> fd annotation";
				return -EINVAL;
			}
			continue;
		}
		if (c == '/' && p + 1 < end && p[1] == '*') {
			const char *q = p + 2;

			while (q + 1 < end && !(q[0] == '*' && q[1] == '/'))
				q++;
			p = q + 2 <= end ? q + 2 : end;
			continue;
		}
		if (c == '(' || c == '[' || c == '{') {
			depth++;
		} else if (c == ')' || c == ']' || c == '}') {
			if (depth == 0) {
				if (c != ')') {
					*why = "unbalanced brackets in the arguments";
					return -EINVAL;
				}
				*close = p;
				break;
			}
			depth--;
		} else if (c == ',' && depth == 0) {
			if (out->nargs < STRACE_MAX_ARGS)
				out->arg[out->nargs] = trim(arg, p);
			out->nargs++;
			arg = p + 1;
		}
		p++;
	}
	{
		struct strace_span last = trim(arg, *close ? *close : end);

		/* "f()" has no arguments; "f(a, )" in a head before <unfinished> has one. */
		if (last.n || out->nargs) {
			if (last.n) {
				if (out->nargs < STRACE_MAX_ARGS)
					out->arg[out->nargs] = last;
				out->nargs++;
			}
		}
	}
	if (out->nargs > STRACE_MAX_ARGS)
		out->nargs = STRACE_MAX_ARGS;
	if (!*close && depth) {
		/* An unfinished head may stop inside a struct; only a finished call must balance. */
	}
	return 0;
}

static int parse_result(const char *p, const char *end, struct strace_line *out, const char **why)
{
	const char *q;
	struct strace_span num;
	int err = 0;

	out->has_result = true;
	if (p < end && *p == '?') {
		out->result_unknown = true;
		return 0;
	}
	q = p;
	if (q < end && *q == '-')
		q++;
	while (q < end && is_name(*q))
		q++;
	num = (struct strace_span){ p, (uint32_t)(q - p) };
	if (!num.n || (err = strace_num(num, &out->ret, NULL)) != 0) {
		*why = err == -ERANGE ? "result after '=' out of range (more than 64 bits)"
				      : "malformed result after '='";
		return -EINVAL;
	}
	if (q < end && *q == '<') {
		const char *a = skip_annotation(q, end);

		if (!a) {
			*why = "unterminated <...> annotation on the result";
			return -EINVAL;
		}
		out->ret_path = (struct strace_span){ q + 1, (uint32_t)(a - q - 2) };
		q = a;
		if (starts(q, end, "(deleted)")) {	/* keep it: strace_unescape() reads it */
			q += 9;
			out->ret_path.n += 10;
		}
	}
	if (out->ret == -1) {
		const char *e = skip_spaces(q, end), *f = e;

		while (f < end && is_name(*f))
			f++;
		if (f > e && *e == 'E') {
			struct strace_span name = { e, (uint32_t)(f - e) };
			const char *d = skip_spaces(f, end);

			/* "(Description)": a line cut inside it was cut short, not written so. */
			if (d < end && *d == '(' && !memchr(d, ')', end - d)) {
				*why = "unterminated errno description after the result";
				return -EINVAL;
			}
			out->err = strace_errno(name);
			if (!out->err && name.n >= 8 && !memcmp(name.p, "ERESTART", 8)) {
				/* ERESTARTSYS and friends: the call will be restarted, no result. */
				out->result_unknown = true;
				return 0;
			}
			if (!out->err) {
				*why = "unknown errno name in the result";
				return -EINVAL;
			}
			out->ret = -out->err;
		}
	}
	return 0;
}

/*
 * A decimal number of at most @max at *@pp, which it advances. Returns the number, -1 if there
 * are no digits, -2 if it is larger than @max (never read modulo anything).
 */
static long parse_long(const char **pp, const char *end, long max)
{
	const char *p = *pp;
	long v = 0;

	if (p >= end || !is_digit(*p))
		return -1;
	while (p < end && is_digit(*p)) {
		int d = *p++ - '0';

		if (v > (max - d) / 10)
			return -2;
		v = v * 10 + d;
	}
	*pp = p;
	return v;
}

static int parse_plus(const char *p, const char *end, struct strace_line *out, const char **why)
{
	if (starts(p, end, "+++ exited with ")) {
		const char *q = p + 16;

		out->kind = STRACE_EXITED;
		out->status = (int)parse_long(&q, end, 255);
		if (out->status == -2) {
			*why = "exit status out of range (0 to 255)";
			return -EINVAL;
		}
		if (out->status < 0)
			goto bad;
		return 0;
	}
	if (starts(p, end, "+++ killed by ")) {
		const char *q = p + 14, *r = q;

		while (r < end && is_name(*r))
			r++;
		out->kind = STRACE_KILLED;
		out->status = strace_signal((struct strace_span){ q, (uint32_t)(r - q) });
		if (!out->status)
			goto bad;
		return 0;
	}
	if (starts(p, end, "+++ superseded by execve in pid ")) {
		const char *q = p + 32;

		out->kind = STRACE_SUPERSEDED;
		out->status = (int)parse_long(&q, end, STRACE_PID_MAX);
		if (out->status == -2) {
			*why = "superseding pid out of range (1 to 4194304)";
			return -EINVAL;
		}
		if (out->status <= 0)
			goto bad;
		return 0;
	}
bad:
	*why = "unrecognised +++ line";
	return -EINVAL;
}

/*
 * The prefix: pid and timestamp. Returns the body's start, or NULL with *@why set for a pid
 * out of range (1 to STRACE_PID_MAX).
 */
static const char *parse_prefix(const char *p, const char *end, long *pid, const char **why)
{
	const char *q;

	*pid = -1;
	p = skip_spaces(p, end);
	if (starts(p, end, "[pid")) {
		q = skip_spaces(p + 4, end);
		*pid = parse_long(&q, end, STRACE_PID_MAX);
		if ((*pid == -2 || *pid == 0) && q < end) {
			*why = "pid in [pid N] out of range (1 to 4194304)";
			return NULL;
		}
		if (*pid >= 0 && q < end && *q == ']')
			p = skip_spaces(q + 1, end);
		else
			*pid = -1;
	} else if (p < end && is_digit(*p)) {
		q = p;
		while (q < end && is_digit(*q))
			q++;
		if (q < end && (*q == ' ' || *q == '\t')) {
			const char *d = p;

			*pid = parse_long(&d, q, STRACE_PID_MAX);
			if (*pid <= 0) {
				*why = "pid at the start of the line out of range (1 to 4194304)";
				return NULL;
			}
			p = skip_spaces(q, end);
		}
	}
	/* A timestamp token: digits with ':' or '.', then a space. */
	q = p;
	while (q < end && (is_digit(*q) || *q == ':' || *q == '.'))
		q++;
	if (q > p && q < end && *q == ' ' && memchr(p, ':', q - p) != NULL)
		p = skip_spaces(q, end);
	else if (q > p && q < end && *q == ' ' && memchr(p, '.', q - p) != NULL)
		p = skip_spaces(q, end);
	return p;
}

int strace_parse_line(const char *line, size_t len, struct strace_line *out, const char **why)
{
	const char *end = line + len, *p, *name, *close;
	size_t ulen = sizeof(UNFINISHED) - 1;
	int err;

	memset(out, 0, sizeof(*out));
	if (len > STRACE_MAX_LINE) {
		*why = "line longer than 16 MiB";
		return -EINVAL;
	}
	while (end > line && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' ||
			      end[-1] == '\t'))
		end--;
	p = parse_prefix(line, end, &out->pid, why);
	if (!p)
		return -EINVAL;
	/*
	 * Nothing to replay: blank, a comment, strace's own messages, its "[ Process PID=N runs
	 * in ... mode. ]" notes, and the stack frames of -k (" > /lib/libc.so.6(...)").
	 */
	if (p == end || *p == '#' || starts(p, end, "strace: ") || starts(p, end, "[ ") ||
	    starts(p, end, "> ")) {
		out->kind = STRACE_NOTHING;
		return 0;
	}
	if (starts(p, end, "+++ "))
		return parse_plus(p, end, out, why);
	if (starts(p, end, "--- ")) {
		out->kind = STRACE_SIGNAL;
		return 0;
	}
	name = p;
	while (p < end && is_name(*p))
		p++;
	if (p == name || p == end || *p != '(') {
		*why = "expected a call NAME(...), a --- signal --- or a +++ exit +++ line";
		return -EINVAL;
	}
	out->kind = STRACE_CALL;
	out->name = (struct strace_span){ name, (uint32_t)(p - name) };
	if ((size_t)(end - p) >= ulen && !memcmp(end - ulen, UNFINISHED, ulen)) {
		out->unfinished = true;
		return split_args(p + 1, end - ulen, out, &close, why);
	}
	err = split_args(p + 1, end, out, &close, why);
	if (err)
		return err;
	if (!close) {
		*why = "missing ')' closing the arguments";
		return -EINVAL;
	}
	p = skip_spaces(close + 1, end);
	if (p == end)
		return 0;
	if (*p != '=') {
		*why = "expected '= RESULT' after the arguments";
		return -EINVAL;
	}
	return parse_result(skip_spaces(p + 1, end), end, out, why);
}

/* ---- joining unfinished heads with their resumed tails ----------------------------------- */

/*
 * A pending head is on two chained hash lists: by pid (the tail names its pid) and by call name
 * (a tail whose pid or head's pid is unknown is paired by name). Both tables have nbuckets
 * lists, doubled when the heads outnumber them, so each lookup is O(1) whatever the number of
 * calls pending at once.
 */
struct pending {
	long pid;
	char *text;	/* the head, prefix removed, " <unfinished ...>" removed */
	size_t len, cap;
	size_t name_len;	/* the call name at the start of text */
	struct pending *pid_next, **pid_pprev;
	struct pending *name_next, **name_pprev;
};

struct strace_reader {
	struct pending **by_pid, **by_name;
	size_t nbuckets, npend;	/* nbuckets: 0 or a power of two */
	char *buf;		/* the joined line handed out last */
	size_t buf_cap;
	char *frag;		/* text before an interleaved "strace: Process" message */
	size_t frag_len, frag_cap;
};

struct strace_reader *strace_reader_new(void)
{
	return calloc(1, sizeof(struct strace_reader));
}

static void pending_free(struct pending *pd)
{
	free(pd->text);
	free(pd);
}

void strace_reader_free(struct strace_reader *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nbuckets; i++)
		while (r->by_pid[i]) {
			struct pending *pd = r->by_pid[i];

			r->by_pid[i] = pd->pid_next;
			pending_free(pd);
		}
	free(r->by_pid);
	free(r->by_name);
	free(r->buf);
	free(r->frag);
	free(r);
}

static int grow(char **buf, size_t *cap, size_t need)
{
	char *n;
	size_t c = *cap ? *cap : 256;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	n = realloc(*buf, c);
	if (!n)
		return -ENOMEM;
	*buf = n;
	*cap = c;
	return 0;
}

static size_t pid_bucket(const struct strace_reader *r, long pid)
{
	return (size_t)(((uint64_t)pid * 0x9E3779B97F4A7C15ULL) >> 32) & (r->nbuckets - 1);
}

static size_t name_bucket(const struct strace_reader *r, const char *name, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)name[i]) * 1099511628211ULL;
	return (size_t)(h >> 17) & (r->nbuckets - 1);
}

static void link_pid(struct strace_reader *r, struct pending *pd)
{
	struct pending **head = &r->by_pid[pid_bucket(r, pd->pid)];

	pd->pid_next = *head;
	if (*head)
		(*head)->pid_pprev = &pd->pid_next;
	pd->pid_pprev = head;
	*head = pd;
}

static void link_name(struct strace_reader *r, struct pending *pd)
{
	struct pending **head = &r->by_name[name_bucket(r, pd->text, pd->name_len)];

	pd->name_next = *head;
	if (*head)
		(*head)->name_pprev = &pd->name_next;
	pd->name_pprev = head;
	*head = pd;
}

static void unlink_name(struct pending *pd)
{
	*pd->name_pprev = pd->name_next;
	if (pd->name_next)
		pd->name_next->name_pprev = pd->name_pprev;
}

static void unlink_pid(struct pending *pd)
{
	*pd->pid_pprev = pd->pid_next;
	if (pd->pid_next)
		pd->pid_next->pid_pprev = pd->pid_pprev;
}

/* Double the tables (or make the first ones), relinking every head. */
static int rehash(struct strace_reader *r)
{
	size_t n = r->nbuckets ? 2 * r->nbuckets : 16, i;
	struct pending **bp = calloc(n, sizeof(*bp)), **bn = calloc(n, sizeof(*bn));
	struct pending *all = NULL;

	if (!bp || !bn) {
		free(bp);
		free(bn);
		return -ENOMEM;
	}
	for (i = 0; i < r->nbuckets; i++)	/* every head is on exactly one pid list */
		while (r->by_pid[i]) {
			struct pending *pd = r->by_pid[i];

			r->by_pid[i] = pd->pid_next;
			pd->pid_next = all;
			all = pd;
		}
	free(r->by_pid);
	free(r->by_name);
	r->by_pid = bp;
	r->by_name = bn;
	r->nbuckets = n;
	while (all) {
		struct pending *pd = all;

		all = pd->pid_next;
		link_pid(r, pd);
		link_name(r, pd);
	}
	return 0;
}

static struct pending *find_pending(struct strace_reader *r, long pid)
{
	struct pending *pd;

	if (!r->nbuckets)
		return NULL;
	for (pd = r->by_pid[pid_bucket(r, pid)]; pd; pd = pd->pid_next)
		if (pd->pid == pid)
			return pd;
	return NULL;
}

/*
 * Without -o, strace drops the "[pid N] " prefix whenever one process is left, and adds it
 * when a second appears: a head and its tail may disagree on having one. Pair them by the
 * call's name then, if exactly one head of that name could be the tail's.
 */
static struct pending *find_pending_by_name(struct strace_reader *r, long pid, const char *name,
					    const char *resumed_end)
{
	const char *sp = memchr(name, ' ', resumed_end - name);
	size_t n = sp ? (size_t)(sp - name) : 0;
	struct pending *pd, *found = NULL;

	if (!n || !r->nbuckets)
		return NULL;
	if (pid >= 0) {		/* only the head without a pid can be this tail's */
		pd = find_pending(r, -1);
		return pd && pd->name_len == n && !memcmp(pd->text, name, n) ? pd : NULL;
	}
	for (pd = r->by_name[name_bucket(r, name, n)]; pd; pd = pd->name_next) {
		if (pd->name_len != n || memcmp(pd->text, name, n))
			continue;
		if (found)
			return NULL;	/* ambiguous */
		found = pd;
	}
	return found;
}

static void drop(struct strace_reader *r, struct pending *pd)
{
	unlink_pid(pd);
	unlink_name(pd);
	r->npend--;
	pending_free(pd);
}

static void drop_pending(struct strace_reader *r, long pid)
{
	struct pending *pd = find_pending(r, pid);

	if (pd)
		drop(r, pd);
}

static int stash_head(struct strace_reader *r, long pid, const char *body, size_t len)
{
	struct pending *pd = find_pending(r, pid);
	size_t n = 0;

	while (n < len && is_name(body[n]))
		n++;
	if (!pd) {
		if (r->npend >= r->nbuckets && rehash(r))
			return -ENOMEM;
		pd = calloc(1, sizeof(*pd));
		if (!pd)
			return -ENOMEM;
		pd->pid = pid;
		if (grow(&pd->text, &pd->cap, len + 1)) {
			free(pd);
			return -ENOMEM;
		}
		link_pid(r, pd);
		r->npend++;
	} else {
		if (grow(&pd->text, &pd->cap, len + 1))
			return -ENOMEM;
		unlink_name(pd);
	}
	memcpy(pd->text, body, len);
	pd->len = len;
	pd->name_len = n;
	link_name(r, pd);
	return 0;
}

/*
 * The pid label of a joined line: the head was stored without its prefix, so the joined text
 * starts with "[pid N] " again (or nothing for -1) and parses like any line.
 */
static int join(struct strace_reader *r, struct pending *pd, const char *tail, size_t tlen)
{
	char pfx[32];
	int plen = pd->pid >= 0 ? snprintf(pfx, sizeof(pfx), "[pid %ld] ", pd->pid) : 0;

	if (grow(&r->buf, &r->buf_cap, plen + pd->len + tlen + 1))
		return -ENOMEM;
	memcpy(r->buf, pfx, plen);
	memcpy(r->buf + plen, pd->text, pd->len);
	memcpy(r->buf + plen + pd->len, tail, tlen);
	r->buf[plen + pd->len + tlen] = 0;
	return plen + (int)(pd->len + tlen);
}

static int nomem(const char **why)
{
	*why = "out of memory";
	return -ENOMEM;
}

/*
 * A line cut by an interleaved strace message continues with *@line: make *@line and *@len the
 * whole text. It lives in frag (never in buf, which join() rewrites while reading the line).
 */
static int unfragment(struct strace_reader *r, const char **line, size_t *len)
{
	if (grow(&r->frag, &r->frag_cap, r->frag_len + *len + 1))
		return -ENOMEM;
	memcpy(r->frag + r->frag_len, *line, *len);
	*len += r->frag_len;
	r->frag_len = 0;
	*line = r->frag;
	return 0;
}

/* Where "strace: Process N attached/detached" cuts into @line, or NULL. */
static const char *attach_message(const char *line, const char *end)
{
	const char *e = end;

	/* Cheap test first: such a message always ends the line ("... attached"/"detached"). */
	while (e > line && (e[-1] == '\n' || e[-1] == '\r'))
		e--;
	if (e - line > 24 && !memcmp(e - 7, "ttached", 7))
		return memmem(line + 1, (size_t)(end - line) - 1, "strace: Process ", 16);
	return NULL;
}

/* "<... NAME resumed>TAIL": joined with its head into one call, or nothing without a head. */
static int feed_resumed(struct strace_reader *r, long pid, const char *body, const char *end,
			struct strace_line *out, const char **why)
{
	const char *q = memchr(body, '>', end - body);
	struct pending *pd = find_pending(r, pid);
	int n, err;

	if (!pd && q)
		pd = find_pending_by_name(r, pid, body + 5, q);
	if (!q) {
		*why = "malformed '<... NAME resumed>'";
		return -EINVAL;
	}
	if (!pd) {
		/* A tail without its head: tracing began mid-call. Nothing to replay. */
		memset(out, 0, sizeof(*out));
		out->kind = STRACE_NOTHING;
		return 0;
	}
	n = join(r, pd, q + 1, end - (q + 1));
	if (n < 0)
		return nomem(why);
	drop(r, pd);
	err = strace_parse_line(r->buf, n, out, why);
	return err ? err : 1;
}

/* "NAME(ARGS <unfinished ...>", parsed into @out: stash the head, hand out its parsed copy. */
static int feed_unfinished(struct strace_reader *r, long pid, const char *body, const char *end,
			   struct strace_line *out, const char **why)
{
	size_t ulen = sizeof(UNFINISHED) - 1;
	const char *e = end;
	int n, err;

	while (e > body && (e[-1] == '\n' || e[-1] == '\r'))
		e--;
	/* The head must outlive the line: stash it, then hand out the parse of the copy. */
	if (stash_head(r, pid, body, (e - body) - ulen))
		return nomem(why);
	n = join(r, find_pending(r, pid), UNFINISHED, ulen);
	if (n < 0)
		return nomem(why);
	err = strace_parse_line(r->buf, n, out, why);
	return err ? err : 1;
}

int strace_reader_feed(struct strace_reader *r, const char *line, size_t len,
		       struct strace_line *out, const char **why)
{
	const char *end, *body, *msg;
	long pid;
	int err;

	if (r->frag_len && unfragment(r, &line, &len))
		return nomem(why);
	if (len > STRACE_MAX_LINE) {
		r->frag_len = 0;
		*why = "line longer than 16 MiB";
		return -EINVAL;
	}
	end = line + len;
	msg = attach_message(line, end);
	if (msg) {
		size_t keep = msg - line;

		if (grow(&r->frag, &r->frag_cap, keep + 1))
			return nomem(why);
		memmove(r->frag, line, keep);
		r->frag_len = keep;
		return 0;
	}
	body = parse_prefix(line, end, &pid, why);
	if (!body)
		return -EINVAL;
	if (starts(body, end, "<... "))
		return feed_resumed(r, pid, body, end, out, why);
	err = strace_parse_line(line, end - line, out, why);
	if (err)
		return err;
	if (out->kind == STRACE_CALL && out->unfinished)
		return feed_unfinished(r, pid, body, end, out, why);
	if (out->kind == STRACE_EXITED || out->kind == STRACE_KILLED ||
	    out->kind == STRACE_SUPERSEDED)
		drop_pending(r, pid);
	return 1;
}
