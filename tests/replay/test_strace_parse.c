/*
 * test_strace_parse.c - the strace reader on every line shape `strace -f -y` writes: prefixes,
 * -y annotations, results, errors, unfinished/resumed pairs, signals and exits, and the
 * malformed lines that must be refused.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>

#include "testlib.h"
#include "replay/strace.h"

static struct strace_line parse_ok(const char *s)
{
	struct strace_line l;
	const char *why = NULL;
	int err = strace_parse_line(s, strlen(s), &l, &why);

	if (err)
		fail_msg("'%s': %s", s, why);
	return l;
}

static void assert_span(struct strace_span sp, const char *want)
{
	if (!strace_span_is(sp, want))
		fail_msg("got '%.*s', want '%s'", (int)sp.n, sp.p, want);
}

static void test_mmap_file_line(void **state)
{
	struct strace_line l = parse_ok("17475 mmap(NULL, 1974096, PROT_READ, MAP_PRIVATE|MAP_DENYWRITE, "
		"3</usr/lib/x86_64-linux-gnu/libc.so.6>, 0) = 0x7f818725d000");
	long long v;
	uint64_t f;
	struct strace_span path;

	(void)state;
	assert_int_equal(l.kind, STRACE_CALL);
	assert_int_equal(l.pid, 17475);
	assert_span(l.name, "mmap");
	assert_int_equal(l.nargs, 6);
	assert_true(l.has_result);
	assert_int_equal(l.ret, 0x7f818725d000LL);
	assert_int_equal(strace_num(l.arg[0], &v, NULL), 0);
	assert_int_equal(v, 0);
	assert_int_equal(strace_flags(l.arg[3], strace_map, &f), 0);
	assert_int_equal(f, MAP_PRIVATE | MAP_DENYWRITE);
	assert_int_equal(strace_num(l.arg[4], &v, &path), 0);
	assert_int_equal(v, 3);
	assert_span(path, "/usr/lib/x86_64-linux-gnu/libc.so.6");
}

static void test_prefixes_and_errors(void **state)
{
	struct strace_line l;

	(void)state;
	l = parse_ok("[pid  1234] munmap(0x7f0000000000, 4096) = -1 EINVAL (Invalid argument)");
	assert_int_equal(l.pid, 1234);
	assert_int_equal(l.err, EINVAL);
	assert_int_equal(l.ret, -EINVAL);
	l = parse_ok("mprotect(0x1000, 4096, PROT_READ|PROT_WRITE)");
	assert_int_equal(l.pid, -1);
	assert_false(l.has_result);
	l = parse_ok("12:01:02.123456 brk(NULL) = 0x555555560000");
	assert_int_equal(l.pid, -1);
	assert_int_equal(l.ret, 0x555555560000LL);
	l = parse_ok("99 1700000000.123 exit_group(0)                     = ?");
	assert_int_equal(l.pid, 99);
	assert_true(l.result_unknown);
	l = parse_ok("5 openat(AT_FDCWD</tmp>, \"a,b)\", O_RDONLY) = 3</tmp/we ird\\76,(x).txt>");
	assert_int_equal(l.nargs, 3);
	assert_int_equal(l.ret, 3);
	assert_span(l.ret_path, "/tmp/we ird\\76,(x).txt");
	{
		char buf[64];

		strace_unescape(l.ret_path, buf, sizeof(buf));
		assert_string_equal(buf, "/tmp/we ird>,(x).txt");
	}
	l = parse_ok("26330 ftruncate(7</memfd:gen>(deleted), 65536) = 0");
	{
		char buf[64];
		long long fd;
		struct strace_span path;

		assert_int_equal(strace_num(l.arg[0], &fd, &path), 0);
		assert_int_equal(fd, 7);
		strace_unescape(path, buf, sizeof(buf));
		assert_string_equal(buf, "/memfd:gen (deleted)");
		l = parse_ok("26330 memfd_create(\"gen\", 0) = 7</memfd:gen>(deleted)");
		strace_unescape(l.ret_path, buf, sizeof(buf));
		assert_string_equal(buf, "/memfd:gen (deleted)");
	}
	l = parse_ok("7 read(3<pipe:[34729]>, \"x\\\"y\"..., 832) = 832 <0.000010>");
	assert_int_equal(l.ret, 832);
	l = parse_ok("7 --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x10} ---");
	assert_int_equal(l.kind, STRACE_SIGNAL);
	l = parse_ok("7 +++ killed by SIGKILL +++");
	assert_int_equal(l.kind, STRACE_KILLED);
	assert_int_equal(l.status, SIGKILL);
	l = parse_ok("[pid 8] +++ killed by SIGSEGV (core dumped) +++");
	assert_int_equal(l.status, SIGSEGV);
	l = parse_ok("+++ exited with 3 +++");
	assert_int_equal(l.kind, STRACE_EXITED);
	assert_int_equal(l.status, 3);
	l = parse_ok("[ Process PID=7 runs in 32 bit mode. ]");
	assert_int_equal(l.kind, STRACE_NOTHING);
	l = parse_ok(" > /usr/lib/x86_64-linux-gnu/libc.so.6(__mmap+0x26) [0xfe9a6]");
	assert_int_equal(l.kind, STRACE_NOTHING);
	l = parse_ok("7 restart_syscall(<... resuming interrupted read ...>) = 0");
	assert_int_equal(l.kind, STRACE_CALL);
	l = parse_ok("7 mmap(NULL, 4096, PROT_READ, 0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, -1, 0) = 0x7f0000000000 <0.000011>");
	assert_int_equal(l.ret, 0x7f0000000000LL);
	l = parse_ok("# a scenario comment");
	assert_int_equal(l.kind, STRACE_NOTHING);
	l = parse_ok("5 wait4(-1, 0x7ffe, 0, NULL) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)");
	assert_true(l.result_unknown);
}

static void test_clone_fields(void **state)
{
	struct strace_line l = parse_ok("clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|"
		"CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, "
		"child_tid=0x7f2626924990, exit_signal=0, stack=0x7f2626124000} => {parent_tid=[17942]}, 88) = 17942");
	struct strace_span v;
	uint64_t f;

	(void)state;
	assert_int_equal(l.nargs, 2);
	assert_true(strace_field(l.arg[0], "flags", &v));
	assert_int_equal(strace_flags(v, strace_clone, &f), 0);
	assert_true(f & 0x100);
	assert_int_equal(l.ret, 17942);
	l = parse_ok("clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, "
		     "child_tidptr=0x7f818725aa10) = 17477");
	assert_true(strace_field(l.arg[1], "flags", &v));
	assert_int_equal(strace_flags(v, strace_clone, &f), 0);
	assert_int_equal(f, 0x200000 | 0x1000000 | SIGCHLD);
}

static int feed(struct strace_reader *r, const char *s, struct strace_line *l)
{
	const char *why = NULL;

	return strace_reader_feed(r, s, strlen(s), l, &why);
}

/*
 *  1234: mmap(NULL, 4096, <unfinished ...>      head, returned as unfinished
 *  1235: munmap(...) = 0                         another thread in between
 *  1234: <... mmap resumed>...) = 0x7f..        the joined call
 */
static void test_unfinished_resumed(void **state)
{
	struct strace_reader *r = strace_reader_new();
	struct strace_line l;

	(void)state;
	assert_int_equal(feed(r, "1234 mmap(NULL, 4096, PROT_READ,  <unfinished ...>", &l), 1);
	assert_true(l.unfinished);
	assert_int_equal(l.pid, 1234);
	assert_int_equal(feed(r, "1235 munmap(0x1000, 4096) = 0", &l), 1);
	assert_int_equal(l.pid, 1235);
	assert_int_equal(feed(r, "1234 <... mmap resumed>MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000", &l), 1);
	assert_false(l.unfinished);
	assert_int_equal(l.pid, 1234);
	assert_int_equal(l.nargs, 6);
	assert_span(l.arg[3], "MAP_PRIVATE|MAP_ANONYMOUS");
	assert_int_equal(l.ret, 0x7f0000000000LL);
	/* A tail whose head is missing is nothing; an interleaved strace message is cut out. */
	assert_int_equal(feed(r, "1236 <... futex resumed>) = 0", &l), 0);
	assert_int_equal(feed(r, "clone3({flags=CLONE_VM}strace: Process 17793 attached", &l), 0);
	assert_int_equal(feed(r, " => {parent_tid=[17793]}, 88) = 17793", &l), 1);
	assert_span(l.name, "clone3");
	assert_int_equal(l.ret, 17793);
	strace_reader_free(r);
}

static void test_refused(void **state)
{
	static const char *bad[] = {
		"hello world", "mmap(NULL, 4096", "munmap(0x1000, 4096) = banana",
		"5 +++ exited with +++", "read(3, \"abc) = 3", "mmap(NULL, 4096]) = 0",
		"munmap(0x1000, 4096) = -1 EBOGUS (Bogus)", "munmap(0x1000, 4096) = -1 E",
		"munmap(0x1000, 4096) = -1 EINVAL (Invalid arg",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct strace_line l;
		const char *why = NULL;

		if (strace_parse_line(bad[i], strlen(bad[i]), &l, &why) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
		assert_non_null(why);
	}
}

static void test_values(void **state)
{
	struct strace_span s;
	uint64_t f;
	long long v;

	(void)state;
	s = (struct strace_span){ "MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|21<<MAP_HUGE_SHIFT", 56 };
	assert_int_equal(strace_flags(s, strace_map, &f), 0);
	assert_int_equal(f, 0x22 | 0x40000 | (21ULL << 26));
	s = (struct strace_span){ "PROT_READ|0x10", 14 };
	assert_int_equal(strace_flags(s, strace_prot, &f), 0);
	assert_int_equal(f, 0x11);
	s = (struct strace_span){ "0x3e7 /* MADV_??? */", 20 };
	assert_int_equal(strace_flags(s, strace_madv, &f), 0);
	assert_int_equal(f, 999);
	s = (struct strace_span){ "MAP_BOGUS", 9 };
	assert_int_equal(strace_flags(s, strace_map, &f), -EINVAL);
	s = (struct strace_span){ "-1", 2 };
	assert_int_equal(strace_num(s, &v, NULL), 0);
	assert_int_equal(v, -1);
	s = (struct strace_span){ "0644", 4 };
	assert_int_equal(strace_num(s, &v, NULL), 0);
	assert_int_equal(v, 0644);
	s = (struct strace_span){ "ENOMEM", 6 };
	assert_int_equal(strace_errno(s), ENOMEM);
}

/*
 * Robustness: real lines cut at every length, with bytes flipped, fed to the reader in a
 * seeded order. Whatever it makes of them, it must not read out of bounds (ASan) or loop, and
 * it must answer as strace_reader_feed() promises: an event (1), nothing (0), or -EINVAL with
 * a reason; an event's spans lie inside the line or the reader's own copy. Which mutated lines
 * must be refused, and with which line number, test_replay_cli's test_mutated_traces checks.
 */
static void test_mutations(void **state)
{
	static const char *const lines[] = {
		"17475 mmap(NULL, 1974096, PROT_READ, MAP_PRIVATE|MAP_DENYWRITE, 3</usr/lib/libc.so.6>, 0) = 0x7f818725d000",
		"[pid 17942] clone3({flags=CLONE_VM|CLONE_FS, exit_signal=0} => {parent_tid=[17942]}, 88) = 17942",
		"17475 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 17476",
		"17475 wait4(-1,  <unfinished ...>",
		"5 openat(AT_FDCWD</tmp>, \"we ird>,(x).txt\", O_RDONLY) = 3</tmp/we ird\\76,(x).txt>",
		"26330 ftruncate(7</memfd:gen>(deleted), 65536) = 0",
		"7 --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x10} ---",
		"[pid 8] +++ killed by SIGSEGV (core dumped) +++",
		"madvise(0x7ffff7fe8000, 65536, 0x3e7 /* MADV_??? */) = -1 EINVAL (Invalid argument)",
	};
	static const char junk[] = "()[]{}<>\"\\,=?|/* 0x-1";
	uint64_t seed = test_seed(7);
	struct strace_reader *r = strace_reader_new();
	char buf[256];
	int i;

	(void)state;
	for (i = 0; i < 200000; i++) {
		const char *src = lines[test_rand(&seed) % (sizeof(lines) / sizeof(lines[0]))];
		size_t n = strlen(src), cut = test_rand(&seed) % (n + 1), flips, k;
		struct strace_line l;
		const char *why;
		char *copy;
		int rc;

		memcpy(buf, src, cut);
		flips = test_rand(&seed) % 4;
		for (k = flips; k > 0 && cut; k--)
			buf[test_rand(&seed) % cut] = junk[test_rand(&seed) % (sizeof(junk) - 1)];
		/* An exact-size heap copy, so ASan sees any read past the end. */
		copy = malloc(cut ? cut : 1);
		memcpy(copy, buf, cut);
		why = NULL;
		rc = strace_reader_feed(r, copy, cut, &l, &why);
		if (rc != 0 && rc != 1 && rc != -EINVAL)
			fail_msg("'%.*s': returned %d", (int)cut, copy, rc);
		if (rc == -EINVAL && !why)
			fail_msg("'%.*s': refused without a reason", (int)cut, copy);
		if (rc == 1 && l.kind == STRACE_CALL) {
			int a;

			assert_true(l.nargs >= 0 && l.nargs <= STRACE_MAX_ARGS);
			for (a = 0; a < l.nargs; a++)	/* ASan: every byte of it is readable */
				(void)memchr(l.arg[a].p, 0, l.arg[a].n);
		}
		/* A whole line stands on its own, except a tail, which joins a (mutated?) head. */
		if (cut == n && !flips && !strstr(src, "resumed>") && rc < 0)
			fail_msg("the unmutated line '%s' was refused: %s", src, why);
		free(copy);
	}
	strace_reader_free(r);
}

/* ---- issue 11: hostile traces ------------------------------------------------------------ */

static int parse_err(const char *s, const char **why)
{
	struct strace_line l;

	*why = NULL;
	return strace_parse_line(s, strlen(s), &l, why);
}

/* Pids and exit codes are range-checked: 20 digits are an error naming the field, not UB. */
static void test_pid_ranges(void **state)
{
	const char *why;
	struct strace_line l;

	(void)state;
	assert_int_equal(parse_err("[pid 99999999999999999999] brk(NULL) = 0x1000", &why), -EINVAL);
	assert_non_null(strstr(why, "pid in [pid N] out of range"));
	assert_int_equal(parse_err("99999999999999999999 brk(NULL) = 0x1000", &why), -EINVAL);
	assert_non_null(strstr(why, "pid at the start of the line out of range"));
	assert_int_equal(parse_err("4194305 brk(NULL) = 0x1000", &why), -EINVAL);
	assert_int_equal(parse_err("+++ exited with 99999999999999999999 +++", &why), -EINVAL);
	assert_non_null(strstr(why, "exit status out of range"));
	assert_int_equal(parse_err("+++ superseded by execve in pid 99999999999999999999 +++", &why),
			 -EINVAL);
	assert_non_null(strstr(why, "superseding pid out of range"));
	/* The largest allowed. */
	l = parse_ok("[pid 4194304] brk(NULL) = 0x1000");
	assert_int_equal(l.pid, 4194304);
	l = parse_ok("4194304 +++ superseded by execve in pid 4194304 +++");
	assert_int_equal(l.status, 4194304);
	l = parse_ok("+++ exited with 255 +++");
	assert_int_equal(l.status, 255);
}

/* -2^63 is read exactly (no signed overflow); a 65-bit value is an error, not modulo 2^64. */
static void test_number_ranges(void **state)
{
	struct strace_span s;
	long long v;
	uint64_t f;
	const char *why;

	(void)state;
	s = (struct strace_span){ "-9223372036854775808", 20 };
	assert_int_equal(strace_num(s, &v, NULL), 0);
	assert_true(v == INT64_MIN);
	s = (struct strace_span){ "-9223372036854775809", 20 };
	assert_int_equal(strace_num(s, &v, NULL), -ERANGE);
	s = (struct strace_span){ "0xffffffffffffffff", 18 };
	assert_int_equal(strace_num(s, &v, NULL), 0);
	assert_true((unsigned long long)v == ~0ULL);
	s = (struct strace_span){ "0x10000000000001000", 19 };
	assert_int_equal(strace_num(s, &v, NULL), -ERANGE);
	s = (struct strace_span){ "18446744073709551616", 20 };
	assert_int_equal(strace_num(s, &v, NULL), -ERANGE);
	s = (struct strace_span){ "0x10000000000001000|MAP_FIXED", 29 };
	assert_int_equal(strace_flags(s, strace_map, &f), -ERANGE);
	s = (struct strace_span){ "64<<MAP_HUGE_SHIFT", 18 };
	assert_int_equal(strace_flags(s, strace_map, &f), -ERANGE);
	assert_int_equal(parse_err("mmap(NULL, 4096) = 0x10000000000001000", &why), -EINVAL);
	assert_non_null(strstr(why, "out of range"));
}

/*
 * A NUL byte inside an argument: the comparison stops at the span's length and at the name's
 * terminator, never past either (the name here is a heap copy of exact size, so ASan sees any
 * byte read beyond it).
 */
static void test_nul_bytes(void **state)
{
	static const char text[] = "MAP_\0IXED";
	char *name = strdup("MAP_");
	struct strace_span s = { text, 9 };
	uint64_t f;

	(void)state;
	assert_false(strace_span_is(s, name));
	s.n = 5;
	assert_false(strace_span_is(s, name));
	s.n = 4;
	assert_true(strace_span_is(s, name));
	s = (struct strace_span){ "MAP_FIXED\0", 10 };
	assert_false(strace_span_is(s, "MAP_FIXED"));
	assert_int_equal(strace_flags(s, strace_map, &f), -EINVAL);
	free(name);
}

/* strace's notation for unknown bits is read as the kernel's bits, wherever the comment is. */
static void test_unknown_bits(void **state)
{
	struct strace_span s;
	uint64_t f;

	(void)state;
	s = (struct strace_span){ "0xf /* MAP_??? */|MAP_FIXED", 27 };
	assert_int_equal(strace_flags(s, strace_map, &f), 0);
	assert_int_equal(f, 0xf | MAP_FIXED);
	s = (struct strace_span){ "MAP_PRIVATE|MAP_ANONYMOUS|0x400000 /* MAP_??? */", 48 };
	assert_int_equal(strace_flags(s, strace_map, &f), 0);
	assert_int_equal(f, MAP_PRIVATE | MAP_ANONYMOUS | 0x400000);
	s = (struct strace_span){ "PROT_READ|0x10 /* PROT_??? */", 29 };
	assert_int_equal(strace_flags(s, strace_prot, &f), 0);
	assert_int_equal(f, PROT_READ | 0x10);
	s = (struct strace_span){ "PROT_READ|", 10 };	/* an empty name is not a zero */
	assert_int_equal(strace_flags(s, strace_prot, &f), -EINVAL);
}

/*
 * Pending heads are found by hash: 100,000 calls pending at once (each its own pid, then the
 * same name without a pid) join in linear time. The old linear scan took 5.8 s here without
 * sanitizers; the limit below is the test's TIMEOUT.
 */
static void test_many_pending(void **state)
{
	struct strace_reader *r = strace_reader_new();
	struct strace_line l;
	char line[128];
	int i;

	(void)state;
	for (i = 1; i <= 100000; i++) {
		snprintf(line, sizeof(line), "%d mmap(NULL, %d, PROT_READ <unfinished ...>", i, i * 4096);
		assert_int_equal(feed(r, line, &l), 1);
	}
	for (i = 100000; i >= 1; i--) {
		snprintf(line, sizeof(line), "%d <... mmap resumed>, MAP_PRIVATE, -1, 0) = 0x%x000", i, i);
		assert_int_equal(feed(r, line, &l), 1);
		assert_int_equal(l.pid, i);
		assert_int_equal(l.ret, (long long)i << 12);
	}
	/* By name: the one head without a pid pairs with a tail that has one, and back. */
	assert_int_equal(feed(r, "munmap(0x1000, 4096 <unfinished ...>", &l), 1);
	assert_int_equal(feed(r, "[pid 7] <... munmap resumed>) = 0", &l), 1);
	assert_span(l.name, "munmap");
	assert_int_equal(feed(r, "[pid 7] brk(NULL <unfinished ...>", &l), 1);
	assert_int_equal(feed(r, "[pid 8] brk(NULL <unfinished ...>", &l), 1);
	assert_int_equal(feed(r, "<... brk resumed>) = 0x1000", &l), 0);	/* ambiguous */
	assert_int_equal(feed(r, "[pid 8] +++ exited with 0 +++", &l), 1);
	assert_int_equal(feed(r, "<... brk resumed>) = 0x2000", &l), 1);
	assert_int_equal(l.pid, 7);
	assert_int_equal(l.ret, 0x2000);
	strace_reader_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mmap_file_line),
		cmocka_unit_test(test_prefixes_and_errors),
		cmocka_unit_test(test_clone_fields),
		cmocka_unit_test(test_unfinished_resumed),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_pid_ranges),
		cmocka_unit_test(test_number_ranges),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_unknown_bits),
		cmocka_unit_test(test_many_pending),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
