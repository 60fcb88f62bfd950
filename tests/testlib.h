/*
 * testlib.h - helpers shared by the cmocka tests: small machines, the invariant checker as an
 * assertion, and reading /proc files into strings.
 */
#ifndef MMLAB_TESTLIB_H
#define MMLAB_TESTLIB_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <mmlab/mmlab.h>

/* test_config - the default config with @mem_bytes on @nodes x @cpus_per_node CPUs, no holes. */
void test_config(struct machine_config *cfg, unsigned long long mem_bytes, int nodes,
		 int cpus_per_node);
/* test_boot_config - boot @cfg at debug level 3; NULL if it does not boot. */
struct machine *test_boot_config(const struct machine_config *cfg);
/* Boot a machine of @mem_bytes on @nodes nodes with @cpus_per_node CPUs, no holes, debug 3. */
struct machine *test_boot(unsigned long long mem_bytes, int nodes, int cpus_per_node);
/* Boot the default config (with the PC holes) at @mem_bytes. */
struct machine *test_boot_pc(unsigned long long mem_bytes, int nodes);

/* Fail the test with the checker's message if any invariant of @m is broken. */
#define assert_machine_ok(m)							\
	do {									\
		char why_[512];							\
		int err_ = machine_check((m), why_, sizeof(why_));		\
		if (err_)							\
			fail_msg("machine_check: %s", why_);			\
	} while (0)

/* /proc/@name of @m as a malloc'd string (caller frees). */
char *test_proc(struct machine *m, const char *name);

/*
 * Run the built `mmlab ARGS` ($MMLAB_BINARY_DIR/mmlab), its stdout and stderr captured into
 * *@out (malloc'd, caller frees). Returns its exit status (128 if it died by a signal).
 */
int test_run_mmlab(const char *args, char **out);

/* The machine's kernel log as a malloc'd string. */
char *test_dmesg(struct machine *m);

/* A 64-bit xorshift generator: tests print their seed. */
static inline uint64_t test_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* The seed: $MMLAB_SEED if set, else @dflt. Printed either way. */
uint64_t test_seed(uint64_t dflt);

/*
 * Running tests by name. A test main ends with
 *
 *	return mmlab_run_tests(tests, group_setup, group_teardown);
 *
 * in place of cmocka_run_group_tests() (same arguments, same result). With $MMLAB_TEST set to
 * a glob (`*` and `?`, as cmocka_set_test_filter() matches), only the tests of @tests whose
 * names match run, e.g.
 *
 *	MMLAB_TEST=test_aslr_on build/dev/tests/replay/test_replay_diff
 *	MMLAB_TEST='test_*maps*' ctest --test-dir build/dev -R test_replay_cli
 *
 * Unset or empty: every test. A glob that matches none of them is a mistake, not a pass: it
 * prints the names there are and returns 1 (so with ctest, pick the binary with -R too). The
 * group setup and teardown run as without a filter.
 */
int mmlab_run_group(const char *group_name, const struct CMUnitTest *tests, size_t n,
		    CMFixtureFunction group_setup, CMFixtureFunction group_teardown);
#define mmlab_run_tests(tests, group_setup, group_teardown)					\
	mmlab_run_group(#tests, (tests), sizeof(tests) / sizeof((tests)[0]), (group_setup),	\
			(group_teardown))

#endif /* MMLAB_TESTLIB_H */
