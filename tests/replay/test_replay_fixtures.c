/*
 * test_replay_fixtures.c - traces recorded from the host kernel and kept in
 * tests/replay/fixtures, replayed with their start snapshot: every recorded result and the
 * final maps must come out the same. They need neither strace nor the recording kernel, so
 * they pin kernel behaviour for every machine the suite runs on.
 *
 *   kernel-cases   [vvar] splits refused (A), MAP_FIXED_NOREPLACE and its error order (B, C),
 *                  mlock of PROT_NONE (D), [heap] naming (E), MREMAP_FIXED shrink across VMAs
 *                  (F), 2 MiB-aligned mremap moves (G), mlock beyond i_size (H)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay_harness.h"
#include "testlib.h"

static void replay_fixture(const char *name)
{
	const char *src = getenv("MMLAB_SOURCE_DIR");
	char trace[512], start[512], end[512], *tr, *want, *got = NULL, *diffs = NULL;
	struct replay_stats st;
	int rc;

	snprintf(trace, sizeof(trace), "%s/tests/replay/fixtures/%s.trace", src ? src : ".", name);
	snprintf(start, sizeof(start), "%s/tests/replay/fixtures/%s.start.maps", src ? src : ".", name);
	snprintf(end, sizeof(end), "%s/tests/replay/fixtures/%s.end.maps", src ? src : ".", name);
	tr = harness_slurp(trace);
	want = harness_slurp(end);
	assert_non_null(tr);
	assert_non_null(want);
	rc = harness_replay(tr, NULL, start, &st, &got, &diffs);
	fprintf(stderr, "%s: %lu calls replayed, %lu matched, %lu differed\n%s", name, st.calls,
		st.matched, st.differed, diffs);
	assert_int_equal(rc, 0);
	if (!got || !harness_maps_equal(want, got, true)) {
		fprintf(stderr, "%s: final maps differ (above)\n", name);
		st.differed++;
	}
	free(tr);
	free(want);
	free(got);
	free(diffs);
	assert_int_equal(st.differed, 0);
}

static void test_kernel_cases(void **state)
{
	(void)state;
	replay_fixture("kernel-cases");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_cases),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
