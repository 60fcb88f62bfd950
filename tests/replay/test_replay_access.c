/*
 * test_replay_access.c - memory accesses in traces (valgrind lackey lines): each kind faults
 * the pages it covers in order, a fatal access kills its process, a plain lackey log replays
 * with --map-on-access, malformed access lines are errors, and --proc keeps a process's files
 * as they were at its exit.
 */
#include "testlib.h"

#include <errno.h>
#include <string.h>

#include <mmlab/machine.h>
#include <mmlab/mm.h>
#include <mmlab/replay.h>

#include "replay/replay_internal.h"

static struct machine *m;

static int setup(void **state)
{
	(void)state;
	m = test_boot(256ULL << 20, 1, 2);
	return m ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	machine_shutdown(m);
	return 0;
}

/* Feed @lines (newline-separated) to a replay; returns it (the caller frees). */
static struct replay *feed(const struct replay_options *o, const char *lines, int want_err)
{
	struct replay *r;
	char why[256] = "";
	const char *p = lines;
	int err = 0;

	assert_int_equal(replay_new(m, o, &r, why, sizeof(why)), 0);
	while (*p && !err) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		err = replay_line(r, p, len, why, sizeof(why));
		p += len + (nl != NULL);
	}
	if (err != want_err)
		fail_msg("replay_line: %d (%s), wanted %d", err, why, want_err);
	return r;
}

static const char map_lines[] =
	"100   mmap(0x10000000, 16384, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1,"
	" 0) = 0x10000000\n";

/* Each page an access covers, in order; loads map the zero page, stores real frames. */
static void test_access_kinds(void **state)
{
	struct replay_options o = { .follow_trace = true };
	const char *paths[] = { "100/status" };
	struct replay_stats st;
	unsigned char vec[4];
	struct replay *r;
	struct rproc *p;
	char lines[1024];

	(void)state;
	o.proc_paths = paths;
	o.nr_proc_paths = 1;
	snprintf(lines, sizeof(lines), "%s%s", map_lines,
		 "100   L 10000000,8\n"
		 "100   S 10001ffc,8\n"		/* crosses into page 2 */
		 "100   M 10003000,4\n");
	r = feed(&o, lines, 0);
	p = replay_proc_find(r, 100);
	assert_non_null(p);
	assert_int_equal(mm_mincore(mm_task_mm(p->task), 0x10000000, 16384, vec), 0);
	assert_memory_equal(vec, ((unsigned char[]){ 1, 1, 1, 1 }), 4);
	replay_get_stats(r, &st);
	assert_int_equal(st.accesses, 3);
	assert_int_equal(st.access_kills, 0);
	assert_int_equal(replay_line(r, "100   exit_group(0) = ?", 23, NULL, 0), 0);
	assert_int_equal(replay_line(r, "100   +++ exited with 0 +++", 27, NULL, 0), 0);
	assert_int_equal(replay_finish(r), 0);
	/* captured at exit, while the process still had its memory */
	assert_non_null(replay_proc_text(r, 0));
	assert_non_null(strstr(replay_proc_text(r, 0), "VmSize:\t     180 kB"));
	/* three written pages and a zero page, and the stack page execve wrote; PUD, PMD and
	 * PTE tables for the mapping, and again for the stack at the top */
	assert_non_null(strstr(replay_proc_text(r, 0), "RssAnon:\t      16 kB"));
	assert_non_null(strstr(replay_proc_text(r, 0), "VmPTE:\t      24 kB"));
	replay_free(r);
	assert_machine_ok(m);
}

/*
 * A traced write of "1" to /proc/PID/clear_refs (or /proc/self/...) clears the referenced
 * bits of the model's process too: smaps then counts only the page touched after it. A
 * failed write, or one to another file, changes nothing.
 */
static void test_clear_refs_write(void **state)
{
	struct replay_options o = { .follow_trace = true };
	const char *paths[] = { "100/smaps_rollup" };
	struct replay *r;
	char lines[2048];

	(void)state;
	o.proc_paths = paths;
	o.nr_proc_paths = 1;
	snprintf(lines, sizeof(lines), "%s%s", map_lines,
		 "100   S 10000000,8\n"
		 "100   S 10001000,8\n"
		 "100   S 10002000,8\n"
		 "100   write(3</proc/100/clear_refs>, \"1\", 1) = 1\n"
		 "100   write(4</tmp/x>, \"1\", 1) = 1\n"
		 "100   write(3</proc/self/clear_refs>, \"7\", 1) = -1 EINVAL (Invalid argument)\n"
		 "100   L 10001000,8\n"
		 "100   exit_group(0) = ?\n"
		 "100   +++ exited with 0 +++\n");
	r = feed(&o, lines, 0);
	assert_int_equal(replay_finish(r), 0);
	assert_non_null(replay_proc_text(r, 0));
	assert_non_null(strstr(replay_proc_text(r, 0), "Anonymous:            16 kB"));
	/* the one page touched after the write; the stack page's bit is cleared too */
	assert_non_null(strstr(replay_proc_text(r, 0), "Referenced:            4 kB"));
	replay_free(r);
	assert_machine_ok(m);
}

/* A store to a read-only page, or any access to nothing, kills the process (SIGSEGV). */
static void test_fatal_access_kills(void **state)
{
	struct replay_options o = { .follow_trace = true };
	struct replay_stats st;
	struct replay *r;
	char lines[1024];

	(void)state;
	snprintf(lines, sizeof(lines), "%s%s", map_lines,
		 "100   mprotect(0x10000000, 4096, PROT_READ) = 0\n"
		 "100   S 10000000,1\n");
	r = feed(&o, lines, 0);
	replay_get_stats(r, &st);
	assert_int_equal(st.access_kills, 1);
	assert_null(replay_proc_find(r, 100));
	replay_free(r);
	assert_machine_ok(m);
}

/* A lackey log alone: no PID, no syscalls; --map-on-access gives it memory. */
static void test_plain_lackey_log(void **state)
{
	struct replay_options o = { .map_on_access = true };
	struct replay_stats st;
	struct replay *r;

	(void)state;
	r = feed(&o, "==4242== Lackey, an example Valgrind tool\n"
		     "I  04017a0,3\n"
		     " S 1ffefffd50,8\n"
		     " L 1ffefffd58,8\n", 0);
	replay_get_stats(r, &st);
	assert_int_equal(st.accesses, 3);
	assert_int_equal(st.access_kills, 0);
	replay_free(r);
	/* where nothing can be mapped (beyond the address space) the access still kills */
	r = feed(&o, " L ffffffffffff0000,8\n", 0);
	replay_get_stats(r, &st);
	assert_int_equal(st.access_kills, 1);
	replay_free(r);
	assert_machine_ok(m);
}

/* --check compares the vector strace printed for mincore with mmlab's. */
static void test_mincore_vector_checked(void **state)
{
	struct replay_options o = { .follow_trace = true, .check = true };
	struct replay_stats st;
	struct replay *r;
	char lines[1024];

	(void)state;
	snprintf(lines, sizeof(lines), "%s%s", map_lines,
		 "100   S 10000000,8\n"
		 "100   L 10002000,8\n"
		 "100   mincore(0x10000000, 16384, [1, 0, 1, 0]) = 0\n"
		 "100   mincore(0x10000000, 16384, [1, 1, 1, 0]) = 0\n"
		 "100   mincore(0x10000000, 16384, [1, ...]) = 0\n");
	r = feed(&o, lines, 0);
	replay_get_stats(r, &st);
	assert_int_equal(st.calls, 4);
	assert_int_equal(st.matched, 3);
	assert_int_equal(st.differed, 1);
	replay_free(r);
	assert_machine_ok(m);
}

static void test_malformed_access_lines(void **state)
{
	static const char *bad[] = {
		" L 10000000\n",		/* no size */
		" L 10000000,0\n",		/* empty */
		" L 10000000,2000000\n",	/* larger than REPLAY_ACCESS_MAX */
		" L 123456789abcdef01,8\n",	/* wider than 64 bits */
		" S 10000000,8 junk\n",
	};
	struct replay_options o = { .map_on_access = true };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		replay_free(feed(&o, bad[i], -EINVAL));
	assert_machine_ok(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_access_kinds),
		cmocka_unit_test(test_clear_refs_write),
		cmocka_unit_test(test_fatal_access_kills),
		cmocka_unit_test(test_plain_lackey_log),
		cmocka_unit_test(test_mincore_vector_checked),
		cmocka_unit_test(test_malformed_access_lines),
	};

	return mmlab_run_tests(tests, setup, teardown);
}
