/*
 * test_replay_programs.c - ordinary programs, recorded and replayed.
 *
 * Each program runs with ASLR off under `strace -f -y`; snapexec gives the address space right
 * after its execve; mmlab replays the trace from there. Unlike the generator's traces these
 * touch memory (page faults are invisible to strace), start children that execve (whose ELF
 * images mmlab does not load) and run threads concurrently, so not every result can match:
 * the test requires every trace to be readable and prints the match rate per program, which
 * docs/replay-differences.md reports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay_harness.h"
#include "testlib.h"

struct program {
	const char *name;
	const char *argv[10];
};

static void replay_program(const struct program *pg, unsigned long *calls, unsigned long *matched)
{
	char *dir = harness_tmpdir(), trace[512], snap[512], snapexec[512], prog[512];
	const char *bin = getenv("MMLAB_BINARY_DIR");
	char *tr, *maps = NULL, *diffs = NULL, *argv[24];
	struct replay_stats st;
	int i, n = 0, rc;

	assert_non_null(dir);
	snprintf(trace, sizeof(trace), "%s/trace", dir);
	snprintf(snap, sizeof(snap), "%s/start.maps", dir);
	snprintf(snapexec, sizeof(snapexec), "%s/tests/replay/snapexec", bin ? bin : ".");
	if (pg->argv[0][0] == '@') {
		snprintf(prog, sizeof(prog), "%s/tests/replay/%s", bin ? bin : ".", pg->argv[0] + 1);
	} else {
		snprintf(prog, sizeof(prog), "%s", pg->argv[0]);
	}
	if (access(prog, X_OK)) {
		fprintf(stderr, "%-14s not installed here: skipped\n", pg->name);
		harness_rmdir(dir);
		free(dir);
		return;
	}
	argv[n++] = snapexec;
	argv[n++] = snap;
	argv[n++] = prog;
	for (i = 1; pg->argv[i]; i++)
		argv[n++] = (char *)pg->argv[i];
	argv[n] = NULL;
	rc = harness_run(argv);
	assert_int_equal(rc, 0);
	n = 0;
	argv[n++] = "setarch";
	argv[n++] = "-R";
	argv[n++] = "strace";
	argv[n++] = "-f";
	argv[n++] = "-y";
	argv[n++] = "-o";
	argv[n++] = trace;
	argv[n++] = prog;
	for (i = 1; pg->argv[i]; i++)
		argv[n++] = (char *)pg->argv[i];
	argv[n] = NULL;
	rc = harness_run(argv);
	tr = harness_slurp(trace);
	assert_non_null(tr);
	rc = harness_replay(tr, NULL, snap, &st, &maps, &diffs);
	fprintf(stderr, "%-14s %5lu calls replayed, %5lu matched, %4lu differed (%.1f%%)\n", pg->name,
		st.calls, st.matched, st.differed,
		st.matched + st.differed ? 100.0 * st.matched / (st.matched + st.differed) : 100.0);
	if (getenv("MMLAB_VERBOSE"))
		fprintf(stderr, "%s", diffs);
	if (rc)
		fail_msg("%s: trace unreadable: %s", pg->name, diffs);
	*calls += st.matched + st.differed;
	*matched += st.matched;
	free(tr);
	free(maps);
	free(diffs);
	if (getenv("MMLAB_KEEP"))
		fprintf(stderr, "  kept %s\n", dir);
	else
		harness_rmdir(dir);
	free(dir);
}

static void test_programs(void **state)
{
	static const struct program progs[] = {
		{ "ls", { "/usr/bin/ls", "-la", "/usr/lib", NULL } },
		{ "cat", { "/usr/bin/cat", "/etc/passwd", NULL } },
		{ "sh -c", { "/bin/sh", "-c", "ls /tmp | cat >/dev/null; echo hi", NULL } },
		{ "python3 -c", { "/usr/bin/python3", "-c", "import json; print(sum(range(10**5)))", NULL } },
		{ "malloc_threads", { "@malloc_threads", NULL } },
		{ "gcc -c", { "/usr/bin/gcc", "-O2", "-c", "-x", "c", "-o", "/dev/null", "/dev/null", NULL } },
		{ "sh pipeline", { "/bin/sh", "-c", "find /usr/include -name '*.h' | head -100 | "
				   "xargs grep -l define | wc -l", NULL } },
	};
	unsigned long calls = 0, matched = 0;
	size_t i;

	(void)state;
	harness_require("strace");
	harness_require("setarch");
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		replay_program(&progs[i], &calls, &matched);
	fprintf(stderr, "programs: %lu of %lu recorded results reproduced (%.1f%%)\n", matched, calls,
		calls ? 100.0 * matched / calls : 100.0);
}

/*
 * No snapshot at all: `sh -c 'printmaps > FILE'` from its execve on. mmlab lays out sh and then
 * printmaps from their ELF headers (program, ld.so, vDSO) as the kernel's loader does with ASLR
 * off, replays ld.so's work, and must end with the maps printmaps printed, byte for byte.
 *
 *   sh:        execve -> [exe][heap] ... [ld.so][vdso] [stack]   (from /bin/sh's headers)
 *   printmaps: fork -> execve -> the same from printmaps' headers -> libc mapped -> maps printed
 */
static void test_exec_without_snapshot(void **state)
{
	char *dir, trace[512], real[512], cmd[1200], *tr, *want, *got, *diffs;
	const char *bin = getenv("MMLAB_BINARY_DIR");
	struct replay_stats st;
	const char *p;
	long pid = 0;
	int rc;

	(void)state;
	harness_require("strace");
	harness_require("setarch");
	dir = harness_tmpdir();
	assert_non_null(dir);
	snprintf(trace, sizeof(trace), "%s/trace", dir);
	snprintf(real, sizeof(real), "%s/real.maps", dir);
	snprintf(cmd, sizeof(cmd), "%s/tests/replay/printmaps > %s", bin ? bin : ".", real);
	{
		char *argv[] = { "setarch", "-R", "strace", "-f", "-y", "-o", trace, "/bin/sh", "-c",
				 cmd, NULL };

		assert_int_equal(harness_run(argv), 0);
	}
	tr = harness_slurp(trace);
	want = harness_slurp(real);
	assert_non_null(tr);
	assert_non_null(want);
	p = strstr(tr, "printmaps\", [");	/* "PID execve(".../printmaps", ["...printmaps"], ...) */
	while (p && p > tr && p[-1] != '\n')
		p--;
	assert_non_null(p);
	pid = strtol(p, NULL, 10);
	rc = harness_replay_pid(tr, NULL, NULL, pid, &st, &got, &diffs);
	fprintf(stderr, "sh -c printmaps: %lu calls replayed, %lu matched, %lu differed\n",
		st.calls, st.matched, st.differed);
	assert_int_equal(rc, 0);
	if (!got || strcmp(got, want))
		fail_msg("maps of %ld differ:\n--- kernel\n%s--- mmlab\n%s", pid, want, got ? got : "");
	assert_int_equal(st.differed, 0);
	free(tr);
	free(want);
	free(got);
	free(diffs);
	harness_rmdir(dir);
	free(dir);
}

/*
 * strace writing to stderr (no -o): prefixes come and go with the number of processes, and
 * "strace: Process N attached" cuts into lines. Threads of python3.
 */
static void test_stderr_trace(void **state)
{
	char *dir, cmd[1024], trace[512], *tr, *maps, *diffs;
	struct replay_stats st;
	int rc;

	(void)state;
	harness_require("strace");
	harness_require("setarch");
	dir = harness_tmpdir();
	assert_non_null(dir);
	snprintf(trace, sizeof(trace), "%s/trace", dir);
	snprintf(cmd, sizeof(cmd), "setarch -R strace -f -y /usr/bin/python3 -c 'import threading; "
		 "t=[threading.Thread(target=lambda: bytearray(10**6)) for i in range(4)]; "
		 "[x.start() for x in t]; [x.join() for x in t]' 2> %s", trace);
	{
		char *argv[] = { "sh", "-c", cmd, NULL };

		assert_int_equal(harness_run(argv), 0);
	}
	tr = harness_slurp(trace);
	assert_non_null(tr);
	rc = harness_replay(tr, NULL, NULL, &st, &maps, &diffs);
	fprintf(stderr, "python3 threads, strace on stderr: %lu calls replayed, %lu matched, %lu differed\n",
		st.calls, st.matched, st.differed);
	if (getenv("MMLAB_VERBOSE"))
		fprintf(stderr, "%s", diffs);
	assert_int_equal(rc, 0);
	assert_non_null(maps);
	free(tr);
	free(maps);
	free(diffs);
	harness_rmdir(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_programs),
		cmocka_unit_test(test_exec_without_snapshot),
		cmocka_unit_test(test_stderr_trace),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
