/*
 * strace.h - the strace text format as mmlab reads it: one line of `strace -f -y` output (or of
 * a hand-written scenario in the same syntax) split into prefix, call, arguments and result,
 * without copying. See strace_parse.c for the grammar and strace_values.c for the symbolic
 * constants.
 *
 * Glossary:
 *   struct strace_span   a slice of the line: pointer + length, never NUL-terminated
 *   struct strace_line   one parsed event: a call (finished or not), a signal, an exit
 *   struct strace_reader joins `<unfinished ...>` heads with their `<... resumed>` tails, per pid
 */
#ifndef MMLAB_REPLAY_STRACE_H
#define MMLAB_REPLAY_STRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STRACE_MAX_ARGS 8
/* The largest pid a line may name: the kernel's PID_MAX_LIMIT on 64-bit (4 x 1024 x 1024). */
#define STRACE_PID_MAX 4194304L
/* The longest line (a head and its tail joined) read: 16 MiB, far beyond strace -s 65535. */
#define STRACE_MAX_LINE (16UL << 20)

struct strace_span {
	const char *p;
	uint32_t n;
};

enum strace_kind {
	STRACE_NOTHING,		/* blank line, comment, strace's own message */
	STRACE_CALL,		/* name(args) [= result] */
	STRACE_SIGNAL,		/* --- SIGxxx {...} --- : delivery, not death */
	STRACE_EXITED,		/* +++ exited with N +++ */
	STRACE_KILLED,		/* +++ killed by SIGxxx [(core dumped)] +++ */
	STRACE_SUPERSEDED,	/* +++ superseded by execve in pid N +++ */
};

struct strace_line {
	enum strace_kind kind;
	long pid;			/* from `PID ` or `[pid N] `; -1 when the line has none */
	struct strace_span name;	/* the syscall's name */
	int nargs;
	struct strace_span arg[STRACE_MAX_ARGS];	/* trimmed, annotations included */
	bool unfinished;		/* a head: the call has not returned yet */
	bool has_result;		/* " = ..." was present (scenarios leave it out) */
	bool result_unknown;		/* "= ?" (exit, exit_group, restarted calls) */
	long long ret;			/* the return value; -errno when err != 0 */
	int err;			/* the errno the call failed with, or 0 */
	struct strace_span ret_path;	/* the -y annotation on a returned fd, else n == 0 */
	int status;			/* exit code, killing signal, or the new pid (superseded) */
};

/*
 * strace_parse_line - parse one complete line (no trailing newline) into @out. Spans point into
 * @line. Returns 0, or -EINVAL with *@why set to a static description of what was wrong.
 */
int strace_parse_line(const char *line, size_t len, struct strace_line *out, const char **why);

struct strace_reader;
/* strace_reader_new - a reader with no pending heads; NULL on allocation failure. */
struct strace_reader *strace_reader_new(void);
void strace_reader_free(struct strace_reader *r);
/*
 * strace_reader_feed - give the next physical line to @r. Returns 1 with @out filled (spans
 * valid until the next call), 0 if the line produced no event of its own (it was merged or
 * stashed), -EINVAL with *@why set, or -ENOMEM (the host is out of memory: not the input's
 * fault). Pending heads are found in O(1), however many there are. An unfinished head is returned as an event too (with
 * out->unfinished set) so callers can see a clone before its child's first line; the joined
 * call comes back later as a finished event.
 */
int strace_reader_feed(struct strace_reader *r, const char *line, size_t len,
		       struct strace_line *out, const char **why);

/* ---- values (strace_values.c) ------------------------------------------------------------ */

/* A symbolic constant family: NULL-terminated name/value rows. */
struct strace_sym {
	const char *name;
	uint64_t value;
};
extern const struct strace_sym strace_prot[], strace_map[], strace_mremap[], strace_madv[],
	strace_mcl[], strace_mlock[], strace_msync[], strace_open[], strace_clone[],
	strace_personality[];

/*
 * strace_num - a number as strace prints one: decimal, negative, 0x hex, 0-octal, NULL, or a
 * fd with its -y annotation (`3</path>`, whose path goes to *@path if non-NULL). Values from
 * -2^63 to 2^64-1 are read (2^63 and above as the same 64 bits). Returns 0, -EINVAL (not a
 * number) or -ERANGE (a number that does not fit in 64 bits).
 */
int strace_num(struct strace_span s, long long *v, struct strace_span *path);
/*
 * strace_flags - OR of `|`-separated names from @tab, numbers (with strace's comment after
 * unknown bits: `0xf (comment) |MAP_FIXED`), N<<MAP_HUGE_SHIFT and SIGxxx. Returns 0, -EINVAL,
 * or -ERANGE (a number wider than 64 bits, a huge-page shift above 63).
 */
int strace_flags(struct strace_span s, const struct strace_sym *tab, uint64_t *v);
/* strace_errno - the errno whose name is @s (ENOMEM -> 12), or 0 if unknown. */
int strace_errno(struct strace_span s);
/* strace_signal - the signal whose name is @s (SIGKILL -> 9), or 0 if unknown. */
int strace_signal(struct strace_span s);
/* strace_field - the value span of `key=value` inside @s (a struct or a named argument). */
bool strace_field(struct strace_span s, const char *key, struct strace_span *val);
/* strace_unescape - a -y path or a quoted string with strace's escapes undone, into @buf. */
size_t strace_unescape(struct strace_span s, char *buf, size_t size);
/* strace_span_is - @s equals the C string @str (byte-exact; a NUL in @s never matches). */
bool strace_span_is(struct strace_span s, const char *str);

/* strace_hex1 - each hex digit's value + 1, 0 for every other byte (one table for every reader). */
extern const unsigned char strace_hex1[256];
/* strace_hex_digit - the value of hex digit @c, or -1. */
static inline int strace_hex_digit(char c)
{
	return (int)strace_hex1[(unsigned char)c] - 1;
}

#endif /* MMLAB_REPLAY_STRACE_H */
