/*
 * test_replay_cli.c - `mmlab replay` as a user runs it: scenarios without results, --check's
 * report and summary line, --maps, --follow-trace, --initial-maps, and the exit statuses
 * (0 ok, 1 differences, 2 unusable input with its line number), also over mutated traces.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "replay_harness.h"
#include "testlib.h"

static char dir[256];

struct result {
	int status;
	char *out, *err;
};

/* Run `mmlab replay ARGS` with @trace written to a file; stdout and stderr captured. */
static struct result mmlab_replay(const char *args, const char *trace)
{
	const char *bin = getenv("MMLAB_BINARY_DIR");
	char path[512], out[512], err[512], cmd[2048];
	struct result r;
	FILE *f;

	snprintf(path, sizeof(path), "%s/trace", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(err, sizeof(err), "%s/err", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(trace, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s/mmlab replay %s %s >%s 2>%s", bin ? bin : ".", args, path,
		 out, err);
	r.status = system(cmd);
	r.status = WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1;
	r.out = harness_slurp(out);
	r.err = harness_slurp(err);
	return r;
}

static void result_free(struct result *r)
{
	free(r->out);
	free(r->err);
}

static const char *last_line(const char *s)
{
	const char *end = s + strlen(s), *p;

	if (end > s && end[-1] == '\n')
		end--;
	for (p = end; p > s && p[-1] != '\n'; p--)
		;
	return p;
}

/*
 * A scenario: calls without results, no pids. Default exec layout, then
 *
 *     [ A: 4 pages rw ][ B: 4 pages rw ]    mmap twice: B lands right below A and merges
 *     [ A ][ r ][ A ]                        mprotect the middle page: split into three
 */
static void test_scenario(void **state)
{
	struct result r = mmlab_replay("",
		"# two anonymous mappings, then a split\n"
		"mmap(0x10000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)\n"
		"mmap(0x10004000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)\n"
		"mprotect(0x10002000, 4096, PROT_READ)\n");

	(void)state;
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "10000000-10002000 rw-p 00000000 00:00 0"));
	assert_non_null(strstr(r.out, "10002000-10003000 r--p 00000000 00:00 0"));
	assert_non_null(strstr(r.out, "10003000-10008000 rw-p 00000000 00:00 0"));
	assert_non_null(strstr(r.out, "[stack]"));
	result_free(&r);
}

static void test_check_summary(void **state)
{
	struct result r = mmlab_replay("--check",
		"100 mmap(0x10000000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x10000000\n"
		"100 munmap(0x10000001, 4096) = -1 EINVAL (Invalid argument)\n"
		"100 munmap(0x10000000, 4096) = -1 ENOMEM (Cannot allocate memory)\n"
		"100 write(1, \"x\", 1) = 1\n"
		"100 exit_group(0) = ?\n"
		"100 +++ exited with 0 +++\n");

	(void)state;
	assert_int_equal(r.status, 1);
	assert_string_equal(last_line(r.err), "3 calls replayed, 2 matched, 1 differed\n");
	assert_non_null(strstr(r.err, "line 3: [pid 100] munmap(0x10000000, 4096): recorded -1 ENOMEM, got 0"));
	result_free(&r);
	r = mmlab_replay("--check", "mmap(0x10000000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x10000000\n");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "1 calls replayed, 1 matched, 0 differed\n");
	result_free(&r);
}

/* fork copies, CLONE_VM shares; --maps picks the process; its maps are taken at its exit. */
static void test_processes(void **state)
{
	static const char trace[] =
		"10 mmap(0x10000000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x10000000\n"
		"10 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x1) = 11\n"
		"11 mmap(0x20000000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x20000000\n"
		"10 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD, exit_signal=0} <unfinished ...>\n"
		"12 mmap(0x30000000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x30000000\n"
		"10 <... clone3 resumed> => {parent_tid=[12]}, 88) = 12\n"
		"11 exit_group(0) = ?\n"
		"11 +++ exited with 0 +++\n"
		"10 munmap(0x10000000, 4096) = 0\n";
	struct result r;

	(void)state;
	r = mmlab_replay("--maps 11", trace);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "10000000-10001000"));
	assert_non_null(strstr(r.out, "20000000-20001000"));
	assert_null(strstr(r.out, "30000000-30001000"));
	result_free(&r);
	r = mmlab_replay("", trace);	/* the first process, at the end of the trace */
	assert_int_equal(r.status, 0);
	assert_null(strstr(r.out, "10000000-10001000"));
	assert_null(strstr(r.out, "20000000-20001000"));
	assert_non_null(strstr(r.out, "30000000-30001000"));
	result_free(&r);
	r = mmlab_replay("--maps 99", trace);
	assert_int_equal(r.status, 2);
	result_free(&r);
}

/*
 * strace without -o: the first process has no prefix until a second one exists, then shows up
 * as "[pid 40]" (never cloned: it is the first), and loses the prefix again when alone; a call
 * split across that change is still joined.
 */
static void test_stderr_prefixes(void **state)
{
	struct result r = mmlab_replay("--check --maps 40",
		"mmap(0x10000000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x10000000\n"
		"clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD, exit_signal=0}strace: Process 50 attached\n"
		" => {parent_tid=[50]}, 88) = 50\n"
		"[pid 50] mmap(0x20000000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x20000000\n"
		"[pid 40] munmap(0x10000000, 4096 <unfinished ...>\n"
		"[pid 50] +++ exited with 0 +++\n"
		"<... munmap resumed>) = 0\n"
		"mmap(0x30000000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x30000000\n");

	(void)state;
	assert_int_equal(r.status, 0);
	assert_null(strstr(r.out, "10000000-10001000"));
	assert_non_null(strstr(r.out, "20000000-20001000"));
	assert_non_null(strstr(r.out, "30000000-30001000"));
	assert_string_equal(last_line(r.err), "4 calls replayed, 4 matched, 0 differed\n");
	result_free(&r);
}

/* A file mapping knows its file and its open mode (O_RDONLY + MAP_SHARED + PROT_WRITE). */
static void test_files(void **state)
{
	struct result r = mmlab_replay("--check",
		"5 openat(AT_FDCWD</>, \"/nonexistent/data\", O_RDONLY|O_CLOEXEC) = 3</nonexistent/data>\n"
		"5 mmap(0x10000000, 8192, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3</nonexistent/data>, 0) = -1 EACCES (Permission denied)\n"
		"5 mmap(0x10000000, 8192, PROT_READ, MAP_SHARED|MAP_FIXED, 3</nonexistent/data>, 0x1000) = 0x10000000\n"
		"5 dup2(3</nonexistent/data>, 7) = 7</nonexistent/data>\n"
		"5 close(3</nonexistent/data>) = 0\n"
		"5 mmap(0x20000000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED, 7</nonexistent/data>, 0) = 0x20000000\n"
		"5 mmap(0x30000000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0) = -1 EBADF (Bad file descriptor)\n"
		"5 fcntl(7</nonexistent/data>, F_DUPFD_CLOEXEC, 0) = 8</nonexistent/data>\n"
		"5 close_range(3, 4294967295, 0) = 0\n"
		"5 pipe2([3<pipe:[77]>, 7<pipe:[77]>], 0) = 0\n"
		"5 mmap(0x40000000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED, 7<pipe:[77]>, 0) = -1 ENODEV (No such device)\n"
		"5 mmap(0x50000000, 4096, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 8</nonexistent/data>, 0) = -1 EACCES (Permission denied)\n");

	(void)state;
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "10000000-10002000 r--s 00001000 00:00 0"));
	assert_non_null(strstr(r.out, "/nonexistent/data\n"));
	assert_string_equal(last_line(r.err), "6 calls replayed, 6 matched, 0 differed\n");
	result_free(&r);
}

static void test_unusable(void **state)
{
	struct result r = mmlab_replay("", "brk(NULL)\nmunmap(0x1000, 4096)\nmmap(NULL, 4096\n");

	(void)state;
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, ":3: "));
	result_free(&r);
	r = mmlab_replay("", "mprotect(0x1000, 4096, PROT_READ|PROT_BOGUS)\n");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, ":1: "));
	assert_non_null(strstr(r.err, "PROT_BOGUS"));
	result_free(&r);
	r = mmlab_replay("--frobnicate", "brk(NULL)\n");
	assert_int_equal(r.status, 2);
	result_free(&r);
	r = mmlab_replay("--mmap-base 0x1001", "brk(NULL)\n");
	assert_int_equal(r.status, 2);
	result_free(&r);
}

/* --initial-maps: specials kept, mmap_base inferred (the top of ld.so), [heap] gives brk. */
static void test_initial_maps(void **state)
{
	char path[512], args[600];
	FILE *f;
	struct result r;

	(void)state;
	snprintf(path, sizeof(path), "%s/start.maps", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("555555554000-555555556000 r--p 00000000 fe:00 247134                     /usr/bin/cat\n"
	      "555555560000-555555581000 rw-p 00000000 00:00 0                          [heap]\n"
	      "7ffff7fc2000-7ffff7fc6000 r--p 00000000 00:00 0                          [vvar]\n"
	      "7ffff7fc6000-7ffff7fc8000 r--p 00000000 00:00 0                          [vvar_vclock]\n"
	      "7ffff7fc8000-7ffff7fca000 r-xp 00000000 00:00 0                          [vdso]\n"
	      "7ffff7fca000-7ffff7fff000 r--p 00000000 fe:00 332383                     /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2\n"
	      "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]\n"
	      "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n", f);
	fclose(f);
	snprintf(args, sizeof(args), "--check --initial-maps %s", path);
	r = mmlab_replay(args,
		"brk(NULL) = 0x555555581000\n"
		"mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7fc0000\n");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "[vvar_vclock]"));
	assert_non_null(strstr(r.out, "7ffff7fc0000-7ffff7fc2000 rw-p"));
	assert_string_equal(last_line(r.err), "2 calls replayed, 2 matched, 0 differed\n");
	result_free(&r);
	/* --follow-trace: the recorded address wins even where mmlab would place elsewhere. */
	snprintf(args, sizeof(args), "--check --follow-trace --initial-maps %s", path);
	r = mmlab_replay(args,
		"mmap(NULL, 8192, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7000000\n");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "7ffff7000000-7ffff7002000 r--p"));
	result_free(&r);
	/* --mmap-base overrides the inferred base: top-down placement starts below it. */
	snprintf(args, sizeof(args), "--mmap-base 0x7f0000000000 --initial-maps %s", path);
	r = mmlab_replay(args, "mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\n");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "7efffffff000-7f0000000000 r--p"));
	result_free(&r);
}

/* ---- mutated traces ---------------------------------------------------------------------- */

/*
 * A trace whose every result mmlab reproduces; the mutation test breaks or disguises its lines.
 * Its columns say which mutations apply: a memory call (its arguments are read), all of whose
 * arguments are required (dropping one is unusable), a flag name that is read, a quoted path.
 */
static const struct {
	const char *text;
	bool mem, fixed_args;
	const char *flag;
	bool quoted;
} good_trace[] = {
	{ "100 mmap(0x10000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x10000000", true, true, "PROT_WRITE", false },
	{ "100 mprotect(0x10001000, 4096, PROT_READ) = 0", true, true, "PROT_READ", false },
	{ "100 openat(AT_FDCWD</>, \"/nonexistent/data\", O_RDONLY|O_CLOEXEC) = 3</nonexistent/data>", false, false, "O_CLOEXEC", true },
	{ "100 mmap(0x20000000, 8192, PROT_READ, MAP_SHARED|MAP_FIXED, 3</nonexistent/data>, 0) = 0x20000000", true, true, "MAP_SHARED", false },
	{ "100 madvise(0x10000000, 4096, MADV_DONTNEED) = 0", true, true, "MADV_DONTNEED", false },
	{ "100 mremap(0x10002000, 4096, 8192, MREMAP_MAYMOVE|MREMAP_FIXED, 0x30000000) = 0x30000000", true, false, "MREMAP_MAYMOVE", false },
	{ "100 mlock(0x10003000, 4096) = 0", true, true, NULL, false },
	{ "100 msync(0x20000000, 8192, MS_SYNC) = 0", true, true, "MS_SYNC", false },
	{ "100 munmap(0x20000000, 8192) = 0", true, true, NULL, false },
	{ "100 munmap(0x10000001, 4096) = -1 EINVAL (Invalid argument)", true, true, NULL, false },
	{ "100 close(3</nonexistent/data>) = 0", false, false, NULL, false },
	{ "100 exit_group(0) = ?", false, false, NULL, false },
	{ "100 +++ exited with 0 +++", false, false, NULL, false },
};
#define GOOD_LINES (sizeof(good_trace) / sizeof(good_trace[0]))
#define GOOD_SUMMARY "9 calls replayed, 9 matched, 0 differed\n"
/* The lines that are calls with arguments and a result (not exit_group, not the exit). */
#define GOOD_CALLS (GOOD_LINES - 2)

enum { BAD_CUT, BAD_FLAG, BAD_NUM, BAD_RESULT, BAD_NARGS, BAD_QUOTE, NR_BAD };
enum { OK_PID, OK_TIME, OK_DURATION, OK_HEX, OK_SPLIT, OK_INSERT, OK_PAD, NR_OK };

struct mtrace {
	char line[2 * GOOD_LINES][640];
	int n;
	int bad_line;			/* 1-based number of the broken line, 0 for none */
};

static char *mline_push(struct mtrace *t, const char *text)
{
	assert_true(t->n < (int)(2 * GOOD_LINES));
	snprintf(t->line[t->n], sizeof(t->line[0]), "%s", text);
	return t->line[t->n++];
}

/* Replace @n bytes at @at of @line with @with. */
static void line_splice(char *line, size_t size, char *at, size_t n, const char *with)
{
	char rest[640];

	snprintf(rest, sizeof(rest), "%s", at + n);
	snprintf(at, size - (size_t)(at - line), "%s%s", with, rest);
}

static bool bad_applies(int kind, size_t i)
{
	switch (kind) {
	case BAD_CUT:
	case BAD_RESULT:
		return i < GOOD_CALLS;
	case BAD_FLAG:
		return good_trace[i].flag != NULL;
	case BAD_NUM:
		return good_trace[i].mem;
	case BAD_NARGS:
		return good_trace[i].fixed_args;
	default:
		return good_trace[i].quoted;
	}
}

/* @line made unusable in the way @kind says; @seed picks where. */
static void break_line(char *line, size_t size, size_t i, int kind, uint64_t *seed)
{
	char *open = strchr(line, '('), *close = strstr(line, ") = "), *p;

	switch (kind) {
	case BAD_CUT:		/* cut inside the argument list */
		line[(open - line) + 1 + test_rand(seed) % (size_t)(close - open)] = 0;
		break;
	case BAD_FLAG:		/* a flag name nobody knows */
		p = strstr(line, good_trace[i].flag) + strlen(good_trace[i].flag);
		line_splice(line, size, p, 0, "X");
		break;
	case BAD_NUM:		/* the first argument is not a number */
		line_splice(line, size, open + 1, strcspn(open + 1, ","), "banana");
		break;
	case BAD_RESULT:
		p = strstr(line, ") = ") + 4;
		line_splice(line, size, p, strlen(p), "banana");
		break;
	case BAD_NARGS:		/* the last argument left out */
		p = strrchr(line, ',');
		line_splice(line, size, p, (size_t)(close - p), "");
		break;
	default:		/* BAD_QUOTE: the path's closing quote gone */
		p = strchr(strchr(line, '"') + 1, '"');
		line_splice(line, size, p, 1, "");
		break;
	}
}

/* Append good line @i to @t, disguised as @kind says but with the same meaning. */
static void push_disguised(struct mtrace *t, size_t i, int kind, uint64_t *seed)
{
	static const char *const insert[] = {
		"# a comment", "", "100 write(1, \"x\", 1) = 1",
		"100 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=101} ---",
	};
	static const char *const hex[][2] = {
		{ "PROT_READ|PROT_WRITE", "0x3 /* PROT_READ|PROT_WRITE */" },
		{ "MAP_SHARED|MAP_FIXED", "0x11 /* MAP_SHARED|MAP_FIXED */" },
		{ "MADV_DONTNEED", "0x4 /* MADV_DONTNEED */" },
		{ "(Invalid argument)", "(any text at all)" },
	};
	const char *text = good_trace[i].text;
	char buf[640], *p;
	size_t k;

	switch (kind) {
	case OK_PID:
		snprintf(buf, sizeof(buf), "[pid   100] %s", text + 4);
		mline_push(t, buf);
		break;
	case OK_TIME:
		snprintf(buf, sizeof(buf), "100 12:01:02.123456 %s", text + 4);
		mline_push(t, buf);
		break;
	case OK_DURATION:
		snprintf(buf, sizeof(buf), "%s <0.000011>", text);
		mline_push(t, buf);
		break;
	case OK_HEX:
		p = mline_push(t, text);
		for (k = 0; k < sizeof(hex) / sizeof(hex[0]); k++)
			if (strstr(p, hex[k][0]))
				line_splice(p, sizeof(t->line[0]), strstr(p, hex[k][0]),
				       strlen(hex[k][0]), hex[k][1]);
		break;
	case OK_SPLIT:		/* NAME(a, <unfinished ...>  then  <... NAME resumed>b...) = R */
		if (i >= GOOD_CALLS || !strchr(text, ',')) {
			mline_push(t, text);
			break;
		}
		p = strchr(text, ',') + 2;
		snprintf(buf, sizeof(buf), "%.*s <unfinished ...>", (int)(p - text), text);
		mline_push(t, buf);
		snprintf(buf, sizeof(buf), "100 <... %.*s resumed>%s",
			 (int)(strchr(text, '(') - text - 4), text + 4, p);
		mline_push(t, buf);
		break;
	case OK_INSERT:
		mline_push(t, insert[test_rand(seed) % (sizeof(insert) / sizeof(insert[0]))]);
		mline_push(t, text);
		break;
	default:		/* OK_PAD: strace's alignment of the result */
		p = mline_push(t, text);
		if (strstr(p, ") = "))
			line_splice(p, sizeof(t->line[0]), strstr(p, ") = ") + 1, 0, "          ");
		break;
	}
}

/*
 * @t: the good trace with line @bad_at broken as @bad says (bad_at >= GOOD_LINES: none), and
 * each other line i disguised as ok_kind[i] says (-1: as it is). t->bad_line is where the broken
 * line ended up.
 */
static void build(struct mtrace *t, int bad, size_t bad_at, const int *ok_kind, uint64_t *seed)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < GOOD_LINES; i++) {
		if (i == bad_at) {
			break_line(mline_push(t, good_trace[i].text), sizeof(t->line[0]), i, bad,
				   seed);
			t->bad_line = t->n;
		} else if (ok_kind[i] >= 0) {
			push_disguised(t, i, ok_kind[i], seed);
		} else {
			mline_push(t, good_trace[i].text);
		}
	}
}

/* @bad (< NR_BAD) breaks one line picked by @seed, or none; up to three are disguised. */
static void mutate(struct mtrace *t, int bad, uint64_t *seed)
{
	int ok_kind[GOOD_LINES];
	size_t i, bad_at = GOOD_LINES, nok = test_rand(seed) % 4;

	for (i = 0; i < GOOD_LINES; i++)
		ok_kind[i] = -1;
	if (bad < NR_BAD)
		do
			bad_at = test_rand(seed) % GOOD_LINES;
		while (!bad_applies(bad, bad_at));
	for (i = 0; i < nok; i++)
		ok_kind[test_rand(seed) % GOOD_LINES] = (int)(test_rand(seed) % NR_OK);
	build(t, bad, bad_at, ok_kind, seed);
}

/* Replay @t with --check: broken (bad < NR_BAD) or only disguised, as @base replayed. */
static void check_mutated(const struct mtrace *t, int bad, const struct result *base)
{
	static const char *const bad_name[] = {
		"cut", "flag", "num", "result", "nargs", "quote", "none",
	};
	char trace[sizeof(t->line) + 2 * GOOD_LINES], want_loc[640];
	struct result r;
	size_t len = 0;
	int i;

	for (i = 0; i < t->n; i++)
		len += (size_t)snprintf(trace + len, sizeof(trace) - len, "%s\n", t->line[i]);
	r = mmlab_replay("--check", trace);
	snprintf(want_loc, sizeof(want_loc), "%s/trace:%d: ", dir, t->bad_line);
	if (bad < NR_BAD && (r.status != 2 || strncmp(r.err, "mmlab replay: ", 14) ||
			     !strstr(r.err, want_loc) || r.out[0]))
		fail_msg("mutation '%s' at line %d: status %d, stderr:\n%s--- trace:\n%s",
			 bad_name[bad], t->bad_line, r.status, r.err, trace);
	if (bad == NR_BAD && (r.status != 0 || strcmp(r.out, base->out) ||
			      strcmp(r.err, GOOD_SUMMARY)))
		fail_msg("harmless mutations: status %d, stderr:\n%s--- trace:\n%s", r.status,
			 r.err, trace);
	result_free(&r);
}

/*
 * Mutation fuzz: a trace with one broken line (cut short, an unknown flag, a non-number, a
 * non-result, an argument missing, an unclosed quote) stops the replay with status 2 and
 * "TRACE:LINE: " naming that line, and prints no maps; a trace that is only disguised (other
 * pid prefix, timestamps, durations, flags in hex, unfinished/resumed pairs, comments and
 * skipped lines, padding) replays as the original: status 0, the same maps and summary.
 * First every single mutation on every line it applies to, then seeded mixtures.
 */
static void test_mutated_traces(void **state)
{
	uint64_t seed = test_seed(11);
	char trace[sizeof(((struct mtrace *)0)->line)];
	int ok_kind[GOOD_LINES], kind, iter;
	struct result base;
	struct mtrace t;
	size_t i, j;

	(void)state;
	trace[0] = 0;
	for (i = 0; i < GOOD_LINES; i++)
		strcat(strcat(trace, good_trace[i].text), "\n");
	base = mmlab_replay("--check", trace);
	assert_int_equal(base.status, 0);
	assert_string_equal(base.err, GOOD_SUMMARY);
	for (i = 0; i < GOOD_LINES; i++)
		ok_kind[i] = -1;
	for (kind = 0; kind < NR_BAD; kind++)
		for (i = 0; i < GOOD_LINES; i++)
			if (bad_applies(kind, i)) {
				build(&t, kind, i, ok_kind, &seed);
				check_mutated(&t, kind, &base);
			}
	for (kind = 0; kind < NR_OK; kind++)
		for (i = 0; i < GOOD_LINES; i++) {
			for (j = 0; j < GOOD_LINES; j++)
				ok_kind[j] = j == i ? kind : -1;
			build(&t, NR_BAD, GOOD_LINES, ok_kind, &seed);
			check_mutated(&t, NR_BAD, &base);
		}
	for (iter = 0; iter < 8 * (NR_BAD + 1); iter++) {
		mutate(&t, iter % (NR_BAD + 1), &seed);
		check_mutated(&t, iter % (NR_BAD + 1), &base);
	}
	result_free(&base);
}

/*
 * Hostile traces (issue 11): a number out of range is unusable input naming the line and the
 * field; strace's unknown-bits notation is read; a maps file's error names the maps file's
 * line; a directory is not an empty snapshot.
 */
static void test_hostile_input(void **state)
{
	char path[512], args[600];
	struct result r;
	FILE *f;

	(void)state;
	r = mmlab_replay("--check", "10 brk(NULL) = 0x555555560000\n"
				    "[pid 99999999999999999999] brk(NULL) = 0x555555560000\n");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, ":2: pid in [pid N] out of range"));
	result_free(&r);
	r = mmlab_replay("--check", "10 +++ exited with 18446744073709551616 +++\n");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, ":1: exit status out of range"));
	result_free(&r);
	/* 0x10000000000001000 once replayed as 0x1000 and counted as matched. */
	r = mmlab_replay("--check", "munmap(0x10000000000001000, 4096) = 0\n");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, ":1: munmap: argument 1 '0x10000000000001000' is out of range"));
	result_free(&r);
	r = mmlab_replay("", "mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, "
			     "-9223372036854775808)\n");	/* once a signed overflow */
	assert_int_equal(r.status, 0);
	result_free(&r);
	/* Unknown bits as strace writes them: 0xf is MAP_SHARED_VALIDATE plus bits 0x4|0x8. */
	r = mmlab_replay("--check", "mmap(0x10000000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|"
				    "MAP_FIXED|0x400000 /* MAP_??? */, -1, 0) = 0x10000000\n");
	assert_int_equal(r.status, 0);
	assert_string_equal(last_line(r.err), "1 calls replayed, 1 matched, 0 differed\n");
	result_free(&r);
	r = mmlab_replay("--check", "mmap(0x10000000, 4096, PROT_READ, 0xf /* MAP_??? */|MAP_FIXED, "
				    "-1, 0) = -1 EBADF (Bad file descriptor)\n");
	assert_int_equal(r.status, 0);
	assert_string_equal(last_line(r.err), "1 calls replayed, 1 matched, 0 differed\n");
	result_free(&r);
	/* An overlap in the maps file blames the maps file's line. */
	snprintf(path, sizeof(path), "%s/overlap.maps", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("555555554000-555555556000 r--p 00000000 fe:00 247134    /usr/bin/cat\n"
	      "\n"
	      "555555555000-555555581000 rw-p 00000000 00:00 0         [heap]\n", f);
	fclose(f);
	snprintf(args, sizeof(args), "--initial-maps %s", path);
	r = mmlab_replay(args, "brk(NULL)\n");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "overlap.maps:3: overlaps or comes before line 1"));
	result_free(&r);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("555555554000-555555556000 r--p 00000000 1000:00 247134    /usr/bin/cat\n", f);
	fclose(f);
	r = mmlab_replay(args, "brk(NULL)\n");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "overlap.maps:1: "));
	result_free(&r);
	/* A line the model refuses (beyond the user address space) names its maps line too. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("555555554000-555555556000 r--p 00000000 fe:00 247134    /usr/bin/cat\n"
	      "800000000000-800000001000 rw-p 00000000 00:00 0\n", f);
	fclose(f);
	r = mmlab_replay(args, "brk(NULL)\n");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "overlap.maps:2: "));
	result_free(&r);
	r = mmlab_replay("--initial-maps /", "brk(NULL)\n");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "/: Is a directory"));
	result_free(&r);
}

static int setup(void **state)
{
	char *d = harness_tmpdir();

	(void)state;
	snprintf(dir, sizeof(dir), "%s", d);
	free(d);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	harness_rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenario),
		cmocka_unit_test(test_check_summary),
		cmocka_unit_test(test_processes),
		cmocka_unit_test(test_stderr_prefixes),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_unusable),
		cmocka_unit_test(test_initial_maps),
		cmocka_unit_test(test_mutated_traces),
		cmocka_unit_test(test_hostile_input),
	};

	return mmlab_run_tests(tests, setup, teardown);
}
