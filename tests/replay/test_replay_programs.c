/*
 * test_replay_programs.c - ordinary programs, recorded and replayed.
 *
 * Each program runs with ASLR off under `strace -f -y`; snapexec gives the address space right
 * after its execve; mmlab replays the trace from there. Unlike the generator's traces these
 * touch memory (page faults are invisible to strace), start children that execve and run
 * threads concurrently, so not every result can match: the test requires every trace to be
 * readable and prints the match rate per program, which docs/replay-differences.md reports.
 *
 * The modes of tests/hostfp.h:
 *   fixture (default)  every case below recorded under tests/fixtures/replay_programs/NAME.*
 *                      (replay_fixture.c: the trace, the exec-time snapshot, the kernel's final
 *                      maps where the test has them, and the recording host's fingerprint, RAM
 *                      and answers about the files the trace names, ELF headers of every
 *                      program a child execve'd included), replayed on mmlab alone: no strace,
 *                      no setarch, nothing read from this host. Besides readability, a recorded
 *                      case may not differ in more results than mmlab did when it was recorded
 *                      ("expect differed N": mmlab's count then, a ceiling, not the kernel's
 *                      answer), so a changed result or a regression fails.
 *   live (_live)       as the test always did, against this host; a failure fails only on a
 *                      host the model covers (hostfp_covered), elsewhere it is printed.
 *   record             the live runs, written as the fixtures. A program not installed on the
 *                      recording host is recorded as such ("expect not_installed 1") and
 *                      skipped with a message when replayed.
 * The recordings total about 0.7 MB; the sh pipeline (find | head | xargs grep | wc) is the
 * largest, at about 250 KB of trace. Nothing is left live-only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay_harness.h"
#include "testlib.h"

struct program {
	const char *name;	/* as printed */
	const char *slug;	/* the fixture's name under replay_programs/ */
	const char *argv[10];
};

/* What the test checks of one replay, and how it got the trace. */
struct prog_run {
	enum fixture_mode mode;
	bool strict;			/* a failure fails (else it is printed) */
	struct harness_case c;		/* fixture mode: the loaded case */
	char *trace;			/* the trace (live: read from the run; fixture: c.trace) */
	const char *start_path;		/* the start snapshot's file, or NULL */
	char *end_maps;			/* the kernel's final maps, or NULL */
	struct harness_run_opts ho;
	struct replay_stats st;
	char *maps, *diffs;
	int rc;
};

static void prog_run_init(struct prog_run *pr, const char *live_fixture)
{
	memset(pr, 0, sizeof(*pr));
	pr->mode = fixture_mode();
	pr->strict = true;
	if (pr->mode != FIXTURE_REPLAY) {
		harness_require("strace");
		harness_require("setarch");
		pr->strict = harness_live_strict(live_fixture);
	}
}

static void case_name(const char *slug, char *out, size_t size)
{
	snprintf(out, size, "replay_programs/%s", slug);
}

/*
 * Fixture mode: load case @slug into @pr. Returns false (the case is to be skipped) when the
 * recording host did not have the program; fails when there is no recording.
 */
static bool prog_load(struct prog_run *pr, const char *slug)
{
	char name[128];

	case_name(slug, name, sizeof(name));
	if (!harness_case_load(name, &pr->c))
		fail_msg("%s: no such recording (scripts/record-fixtures.sh makes it)", name);
	if (harness_case_expect(&pr->c, "not_installed", 0)) {
		fprintf(stderr, "%-14s was not installed on the recording host: skipped\n", slug);
		harness_case_free(&pr->c);
		return false;
	}
	pr->trace = pr->c.trace;
	pr->c.trace = NULL;
	pr->end_maps = pr->c.end_maps;
	pr->c.end_maps = NULL;
	pr->start_path = pr->c.start_path[0] ? pr->c.start_path : NULL;
	pr->ho.fp = &pr->c.fp;
	pr->ho.ram = pr->c.ram;
	pr->ho.files = pr->c.files;
	return true;
}

/* Replay pr->trace as pr->ho says (live and record: configured from this host). */
static void prog_replay(struct prog_run *pr)
{
	if (pr->mode != FIXTURE_REPLAY) {
		pr->ho.fp = harness_this_host();
		pr->ho.ram = replay_host_ram();
		if (pr->mode == FIXTURE_RECORD)
			pr->ho.files = harness_files_recorder();
	}
	pr->ho.initial_maps = pr->start_path;
	pr->rc = harness_replay_run(pr->trace, &pr->ho, &pr->st, &pr->maps, &pr->diffs);
	if (getenv("MMLAB_VERBOSE"))
		fprintf(stderr, "%s", pr->diffs);
}

/*
 * After the checks every mode shares: fixture mode checks what only a recording can (no
 * unanswered question, no more differences than at recording); record mode writes the case.
 */
static void prog_finish(struct prog_run *pr, const char *slug, const char *start_maps_file)
{
	char name[128];

	case_name(slug, name, sizeof(name));
	if (pr->mode == FIXTURE_REPLAY) {
		long long ceiling = harness_case_expect(&pr->c, "differed", 0);

		if (harness_files_missed(pr->c.files))
			fail_msg("%s: the replay asked %lu questions about files the recording cannot "
				 "answer: re-record it", name, harness_files_missed(pr->c.files));
		if ((long long)pr->st.differed > ceiling)
			fail_msg("%s: %lu results differ from the kernel's, %lld when recorded:\n%s",
				 name, pr->st.differed, ceiling, pr->diffs);
		harness_case_free(&pr->c);
	} else if (pr->mode == FIXTURE_RECORD) {
		char expect[64], *start = start_maps_file ? harness_slurp(start_maps_file) : NULL;
		struct harness_record rec = { .trace = pr->trace, .start_maps = start,
					      .end_maps = pr->end_maps, .fp = pr->ho.fp,
					      .ram = pr->ho.ram, .files = pr->ho.files,
					      .expect = expect };

		snprintf(expect, sizeof(expect), "expect differed %lu\n", pr->st.differed);
		harness_case_write(name, &rec);
		free(start);
		harness_files_free(pr->ho.files);
	}
	free(pr->trace);
	free(pr->end_maps);
	free(pr->maps);
	free(pr->diffs);
}

/* Record mode, a program this host does not have: say so in its recording. */
static void record_not_installed(const char *slug)
{
	struct harness_record rec = { .trace = "", .fp = harness_this_host(),
				      .ram = replay_host_ram(), .expect = "expect not_installed 1\n" };
	char name[128];

	case_name(slug, name, sizeof(name));
	harness_case_write(name, &rec);
}

/* Live and record: run @pg under snapexec and under strace into @dir; false if not installed. */
static bool run_program(const struct program *pg, const char *dir, struct prog_run *pr,
			char *snap, size_t snap_size)
{
	char trace[512], snapexec[512], prog[512], *argv[24];
	const char *bin = getenv("MMLAB_BINARY_DIR");
	int i, n = 0;

	snprintf(trace, sizeof(trace), "%s/trace", dir);
	snprintf(snap, snap_size, "%s/start.maps", dir);
	snprintf(snapexec, sizeof(snapexec), "%s/tests/replay/snapexec", bin ? bin : ".");
	if (pg->argv[0][0] == '@')
		snprintf(prog, sizeof(prog), "%s/tests/replay/%s", bin ? bin : ".", pg->argv[0] + 1);
	else
		snprintf(prog, sizeof(prog), "%s", pg->argv[0]);
	if (access(prog, X_OK)) {
		fprintf(stderr, "%-14s not installed here: skipped\n", pg->name);
		return false;
	}
	argv[n++] = snapexec;
	argv[n++] = snap;
	argv[n++] = prog;
	for (i = 1; pg->argv[i]; i++)
		argv[n++] = (char *)pg->argv[i];
	argv[n] = NULL;
	if (harness_run(argv))
		harness_complain(pr->strict, "%s: snapexec failed", pg->name);
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
	harness_run(argv);
	pr->trace = harness_slurp(trace);
	pr->start_path = snap;
	return true;
}

static void replay_program(const struct program *pg, unsigned long *calls, unsigned long *matched)
{
	char *dir = NULL, snap[512];
	struct prog_run pr;

	prog_run_init(&pr, "replay_programs/ls");
	if (pr.mode == FIXTURE_REPLAY) {
		if (!prog_load(&pr, pg->slug))
			return;
	} else {
		dir = harness_tmpdir();
		assert_non_null(dir);
		if (!run_program(pg, dir, &pr, snap, sizeof(snap))) {
			if (pr.mode == FIXTURE_RECORD)
				record_not_installed(pg->slug);
			harness_rmdir(dir);
			free(dir);
			return;
		}
		if (!pr.trace) {
			harness_complain(pr.strict, "%s: no trace was written", pg->name);
			harness_rmdir(dir);
			free(dir);
			return;
		}
	}
	prog_replay(&pr);
	fprintf(stderr, "%-14s %5lu calls replayed, %5lu matched, %4lu differed (%.1f%%)\n", pg->name,
		pr.st.calls, pr.st.matched, pr.st.differed,
		pr.st.matched + pr.st.differed ?
		100.0 * pr.st.matched / (pr.st.matched + pr.st.differed) : 100.0);
	if (pr.rc)
		harness_complain(pr.strict, "%s: trace unreadable: %s", pg->name, pr.diffs);
	*calls += pr.st.matched + pr.st.differed;
	*matched += pr.st.matched;
	prog_finish(&pr, pg->slug, dir ? snap : NULL);
	if (dir && getenv("MMLAB_KEEP"))
		fprintf(stderr, "  kept %s\n", dir);
	else if (dir)
		harness_rmdir(dir);
	free(dir);
}

static void test_programs(void **state)
{
	static const struct program progs[] = {
		{ "ls", "ls", { "/usr/bin/ls", "-la", "/usr/lib", NULL } },
		{ "cat", "cat", { "/usr/bin/cat", "/etc/passwd", NULL } },
		{ "sh -c", "sh-c", { "/bin/sh", "-c", "ls /tmp | cat >/dev/null; echo hi", NULL } },
		{ "python3 -c", "python3-c",
		  { "/usr/bin/python3", "-c", "import json; print(sum(range(10**5)))", NULL } },
		{ "malloc_threads", "malloc_threads", { "@malloc_threads", NULL } },
		{ "gcc -c", "gcc-c",
		  { "/usr/bin/gcc", "-O2", "-c", "-x", "c", "-o", "/dev/null", "/dev/null", NULL } },
		{ "sh pipeline", "sh-pipeline",
		  { "/bin/sh", "-c", "find /usr/include -name '*.h' | head -100 | "
		    "xargs grep -l define | wc -l", NULL } },
	};
	unsigned long calls = 0, matched = 0;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		replay_program(&progs[i], &calls, &matched);
	fprintf(stderr, "programs: %lu of %lu recorded results reproduced (%.1f%%)\n", matched, calls,
		calls ? 100.0 * matched / calls : 100.0);
}

/*
 * No snapshot at all: `sh -c 'printmaps > FILE'` from its execve on. mmlab lays out sh and then
 * printmaps from their ELF headers (program, ld.so, vDSO) as the kernel's loader does with ASLR
 * off, replays ld.so's work, and must end with the maps printmaps printed, byte for byte.
 * Recorded, the ELF headers are the recording host's (replay_fixture.c), so the layout does not
 * depend on the binaries of the machine that replays it.
 *
 *   sh:        execve -> [exe][heap] ... [ld.so][vdso] [stack]   (from /bin/sh's headers)
 *   printmaps: fork -> execve -> the same from printmaps' headers -> libc mapped -> maps printed
 */
enum exec_kind { EXEC_ABSOLUTE, EXEC_RELATIVE, EXEC_SCRIPT };

static void exec_without_snapshot(const char *slug, const char *prefix, enum exec_kind kind)
{
	char *dir = NULL, trace[512], real[512], cmd[1200], fixture[128];
	const char *bin = getenv("MMLAB_BINARY_DIR"), *p;
	struct prog_run pr;
	long pid = 0;

	snprintf(fixture, sizeof(fixture), "replay_programs/%s", slug);
	prog_run_init(&pr, fixture);
	if (pr.mode == FIXTURE_REPLAY) {
		if (!prog_load(&pr, slug))
			return;
	} else {
		dir = harness_tmpdir();
		assert_non_null(dir);
		snprintf(trace, sizeof(trace), "%s/trace", dir);
		snprintf(real, sizeof(real), "%s/real.maps", dir);
		if (kind == EXEC_RELATIVE)	/* relative to the shell's new directory */
			snprintf(cmd, sizeof(cmd), "%scd %s/tests/replay && ./printmaps > %s", prefix,
				 bin ? bin : ".", real);
		else if (kind == EXEC_SCRIPT)	/* a #! script whose interpreter is printmaps */
			snprintf(cmd, sizeof(cmd), "%sprintf '#!%s/tests/replay/printmaps\\n' > "
				 "%s/printmaps && chmod +x %s/printmaps && %s/printmaps > %s", prefix,
				 bin ? bin : ".", dir, dir, dir, real);
		else
			snprintf(cmd, sizeof(cmd), "%s%s/tests/replay/printmaps > %s", prefix,
				 bin ? bin : ".", real);
		{
			char *argv[] = { "setarch", "-R", "strace", "-f", "-y", "-o", trace, "/bin/sh",
					 "-c", cmd, NULL };

			if (harness_run(argv))
				harness_complain(pr.strict, "sh -c printmaps under strace failed");
		}
		pr.trace = harness_slurp(trace);
		pr.end_maps = harness_slurp(real);
	}
	assert_non_null(pr.trace);
	assert_non_null(pr.end_maps);
	p = strstr(pr.trace, "printmaps\", [");	/* "PID execve(".../printmaps", ["...printmaps"], ...) */
	while (p && p > pr.trace && p[-1] != '\n')
		p--;
	assert_non_null(p);
	pid = strtol(p, NULL, 10);
	pr.ho.maps_pid = pid;
	prog_replay(&pr);
	fprintf(stderr, "sh -c %sprintmaps: %lu calls replayed, %lu matched, %lu differed\n",
		prefix, pr.st.calls, pr.st.matched, pr.st.differed);
	if (pr.rc)
		harness_complain(pr.strict, "sh -c printmaps: trace unreadable: %s", pr.diffs);
	else if (!pr.maps || strcmp(pr.maps, pr.end_maps))
		harness_complain(pr.strict, "maps of %ld differ:\n--- kernel\n%s--- mmlab\n%s", pid,
				 pr.end_maps, pr.maps ? pr.maps : "");
	else if (pr.st.differed)
		harness_complain(pr.strict, "sh -c printmaps: %lu results differ:\n%s",
				 pr.st.differed, pr.diffs);
	prog_finish(&pr, slug, NULL);
	if (dir)
		harness_rmdir(dir);
	free(dir);
}

static void test_exec_without_snapshot(void **state)
{
	(void)state;
	exec_without_snapshot("exec-without-snapshot", "", EXEC_ABSOLUTE);
}

/*
 * The stack limit a trace sets decides where the next exec puts mmap_base (prlimit64 from the
 * shell's ulimit; exec keeps the limits): 1 GiB lowers it by the gap above 128 MiB; unlimited
 * clamps the gap to 5/6 of the address space, top-down still (x86 has no legacy switch for it).
 */
static void test_exec_after_stack_rlimit(void **state)
{
	(void)state;
	exec_without_snapshot("exec-stack-1g", "ulimit -s 1048576; ", EXEC_ABSOLUTE);
	exec_without_snapshot("exec-stack-unlimited", "ulimit -s unlimited; ", EXEC_ABSOLUTE);
}

/*
 * A relative execve path (`cd DIR && ./printmaps`) names the program in the shell's working
 * directory, which the trace's chdir set: mmlab must lay out printmaps, not fall back to the
 * default layout of a program it cannot find.
 */
static void test_exec_relative_path(void **state)
{
	(void)state;
	exec_without_snapshot("exec-relative-path", "", EXEC_RELATIVE);
}

/*
 * A #! script (binfmt_script): the kernel execs its interpreter, whose image the process gets;
 * here the interpreter is printmaps itself, so the maps it prints are the interpreter's.
 */
static void test_exec_script(void **state)
{
	(void)state;
	exec_without_snapshot("exec-script", "", EXEC_SCRIPT);
}

/*
 * personality(): `setarch -L` (ADDR_COMPAT_LAYOUT) makes the next exec lay printmaps out
 * bottom-up from TASK_SIZE / 3; `setarch -X` (READ_IMPLIES_EXEC) changes nothing for a 64-bit
 * program, whose exec drops it.
 */
static void test_exec_after_personality(void **state)
{
	(void)state;
	exec_without_snapshot("exec-setarch-legacy", "setarch -L -R ", EXEC_ABSOLUTE);
	exec_without_snapshot("exec-setarch-read-implies-exec", "setarch -X -R ", EXEC_ABSOLUTE);
}

/*
 * strace writing to stderr (no -o): prefixes come and go with the number of processes, and
 * "strace: Process N attached" cuts into lines. Threads of python3.
 */
static void test_stderr_trace(void **state)
{
	char *dir = NULL, cmd[1024], trace[512];
	struct prog_run pr;

	(void)state;
	prog_run_init(&pr, "replay_programs/stderr-trace");
	if (pr.mode == FIXTURE_REPLAY) {
		if (!prog_load(&pr, "stderr-trace"))
			return;
	} else {
		dir = harness_tmpdir();
		assert_non_null(dir);
		snprintf(trace, sizeof(trace), "%s/trace", dir);
		snprintf(cmd, sizeof(cmd), "setarch -R strace -f -y /usr/bin/python3 -c 'import "
			 "threading; t=[threading.Thread(target=lambda: bytearray(10**6)) for i in "
			 "range(4)]; [x.start() for x in t]; [x.join() for x in t]' 2> %s", trace);
		{
			char *argv[] = { "sh", "-c", cmd, NULL };

			if (harness_run(argv))
				harness_complain(pr.strict, "python3 under strace failed");
		}
		pr.trace = harness_slurp(trace);
	}
	assert_non_null(pr.trace);
	prog_replay(&pr);
	fprintf(stderr, "python3 threads, strace on stderr: %lu calls replayed, %lu matched, "
		"%lu differed\n", pr.st.calls, pr.st.matched, pr.st.differed);
	if (pr.rc || !pr.maps)
		harness_complain(pr.strict, "python3 threads: trace unreadable: %s", pr.diffs);
	prog_finish(&pr, "stderr-trace", NULL);
	if (dir)
		harness_rmdir(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_programs),
		cmocka_unit_test(test_exec_without_snapshot),
		cmocka_unit_test(test_exec_after_stack_rlimit),
		cmocka_unit_test(test_exec_after_personality),
		cmocka_unit_test(test_exec_relative_path),
		cmocka_unit_test(test_exec_script),
		cmocka_unit_test(test_stderr_trace),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
