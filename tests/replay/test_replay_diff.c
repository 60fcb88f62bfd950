/*
 * test_replay_diff.c - differential testing against the host kernel.
 *
 * For each seed, gen_memops runs a random sequence of memory syscalls for real, with ASLR off
 * (setarch -R), under `strace -f -y`. It snapshots its maps just before the sequence and just
 * after. mmlab then replays the trace from the marker on, seeded with the first snapshot, and
 * must reproduce every recorded result and the second snapshot byte for byte.
 *
 *    host:   start.maps --[ mmap munmap mprotect mremap brk madvise mlock fork clone ... ]--> end.maps
 *    mmlab:  start.maps --[ the same calls, read back from the trace                     ]--> maps
 *            every result equal, and maps == end.maps
 *
 * $MMLAB_SEED picks the first seed (printed); $MMLAB_DIFF_SEEDS the number of seeds (8) and
 * $MMLAB_DIFF_OPS the calls per seed (300).
 *
 * test_random_sequences runs everything (ASLR off). test_known_differences_avoided runs the same seeds
 * with the generator steering clear of the address-space layer's known differences (see
 * docs/replay-differences.md: [vvar]/[vdso] splits, MAP_FIXED_NOREPLACE, mlock populating
 * PROT_NONE), so a difference there is a new one, and the replay engine itself is shown exact.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay_harness.h"
#include "testlib.h"

static int env_int(const char *name, int dflt)
{
	const char *v = getenv(name);

	return v && *v ? atoi(v) : dflt;
}

static int run_seed(unsigned long seed, int nops, const char *avoid, bool aslr)
{
	char *dir = harness_tmpdir(), trace[512], start[512], end[512], gen[512], sseed[32], sops[32];
	const char *bin = getenv("MMLAB_BINARY_DIR");
	char *tr, *want, *got = NULL, *diffs = NULL;
	struct replay_stats st;
	int rc, failed = 0;

	assert_non_null(dir);
	snprintf(trace, sizeof(trace), "%s/trace", dir);
	snprintf(start, sizeof(start), "%s/start.maps", dir);
	snprintf(end, sizeof(end), "%s/end.maps", dir);
	snprintf(gen, sizeof(gen), "%s/tests/replay/gen_memops", bin ? bin : ".");
	snprintf(sseed, sizeof(sseed), "%lu", seed);
	snprintf(sops, sizeof(sops), "%d", nops);
	{
		char *argv[] = { "setarch", "-R", "strace", "-f", "-y", "-o", trace, gen, sseed, sops,
				 dir, (char *)avoid, NULL };

		rc = harness_run(aslr ? argv + 2 : argv);
	}
	if (rc) {
		fprintf(stderr, "seed %lu: gen_memops under strace exited with %d\n", seed, rc);
		harness_rmdir(dir);
		free(dir);
		return 1;
	}
	tr = harness_slurp(trace);
	want = harness_slurp(end);
	assert_non_null(tr);
	assert_non_null(want);
	rc = harness_replay(tr, "\"MMLAB-START\"", start, &st, &got, &diffs);
	fprintf(stderr, "seed %lu: %lu calls replayed, %lu matched, %lu differed\n", seed, st.calls,
		st.matched, st.differed);
	if (rc || st.differed) {
		fprintf(stderr, "%s", diffs);
		failed = 1;
	}
	if (!got || !harness_maps_equal(want, got, false)) {
		fprintf(stderr, "seed %lu: final maps differ\n", seed);
		harness_maps_equal(want, got ? got : "", true);
		failed = 1;
	}
	if (failed && getenv("MMLAB_KEEP"))
		fprintf(stderr, "seed %lu: kept %s\n", seed, dir);
	else
		harness_rmdir(dir);
	free(tr);
	free(want);
	free(got);
	free(diffs);
	free(dir);
	return failed;
}

static void run_seeds(const char *avoid, bool aslr)
{
	unsigned long seed = test_seed(1);
	int i, n = env_int("MMLAB_DIFF_SEEDS", 8), nops = env_int("MMLAB_DIFF_OPS", 300), bad = 0;

	for (i = 0; i < n; i++)
		bad += run_seed(seed + i, nops, avoid, aslr);
	fprintf(stderr, "differential%s%s%s: %d of %d seeds identical to the kernel\n",
		avoid ? ", avoiding " : "", avoid ? avoid : "", aslr ? ", ASLR on" : "", n - bad, n);
	/*
	 * With ASLR on every run is a new scenario (the generator's own addresses differ), so a
	 * rare known difference (docs/replay-differences.md, "Still open after the sweep") would
	 * make the suite flaky: that pass reports, and fails only with MMLAB_STRICT_ASLR=1. The
	 * fixed-layout passes are strict.
	 */
	if (aslr && !getenv("MMLAB_STRICT_ASLR"))
		return;
	assert_int_equal(bad, 0);
}

static void test_random_sequences(void **state)
{
	(void)state;
	harness_require("strace");
	harness_require("setarch");
	run_seeds(NULL, false);
}

static void test_known_differences_avoided(void **state)
{
	(void)state;
	harness_require("strace");
	harness_require("setarch");
	run_seeds("special,noreplace,mlocknone", false);
}

/*
 * ASLR on (no setarch -R): every address is random, and mmlab learns the layout only from the
 * start snapshot (mmap_base inferred from it). With a randomized brk the heap no longer touches
 * the bss, so this pass does not meet the [heap] naming difference.
 */
static void test_aslr_on(void **state)
{
	(void)state;
	harness_require("strace");
	harness_require("setarch");
	run_seeds("special,noreplace,mlocknone", true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_sequences),
		cmocka_unit_test(test_known_differences_avoided),
		cmocka_unit_test(test_aslr_on),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
