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

/* What one seed came to. */
struct seed_result {
	bool recorded;			/* gen_memops ran under strace and exited 0 */
	bool readable;			/* the trace replayed to its end (no unusable line) */
	bool maps_equal;		/* the final maps are the kernel's */
	size_t ndiffs;			/* results that differed ... */
	struct harness_diff first;	/* ... the first of them */
};

static bool seed_identical(const struct seed_result *res)
{
	return res->recorded && res->readable && res->maps_equal && !res->ndiffs;
}

/*
 * A placement difference: a call that placed something (mmap, mremap, brk) succeeded in both
 * the kernel and mmlab, at different addresses. Everything after it may cascade from it.
 */
static bool is_placement(const struct harness_diff *d)
{
	bool placing = !strcmp(d->call, "mmap") || !strcmp(d->call, "mremap") ||
		       !strcmp(d->call, "brk");

	return placing && d->recorded >= 0 && d->got >= 0 && d->recorded != d->got;
}

static void run_seed(unsigned long seed, int nops, const char *avoid, bool aslr,
		     struct seed_result *res)
{
	char *dir = harness_tmpdir(), trace[512], start[512], end[512], gen[512], sseed[32], sops[32];
	const char *bin = getenv("MMLAB_BINARY_DIR");
	char *tr, *want, *got = NULL, *diffs = NULL;
	struct harness_diff *list = NULL;
	struct harness_run_opts ho = { .marker = "\"MMLAB-START\"", .list = &list };
	struct replay_stats st;
	int rc;

	memset(res, 0, sizeof(*res));
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
		return;
	}
	res->recorded = true;
	tr = harness_slurp(trace);
	want = harness_slurp(end);
	assert_non_null(tr);
	assert_non_null(want);
	ho.initial_maps = start;
	ho.nlist = &res->ndiffs;
	rc = harness_replay_run(tr, &ho, &st, &got, &diffs);
	fprintf(stderr, "seed %lu: %lu calls replayed, %lu matched, %lu differed\n", seed, st.calls,
		st.matched, st.differed);
	res->readable = rc == 0 && got;
	if (res->ndiffs)
		res->first = list[0];
	if (!res->readable || res->ndiffs)
		fprintf(stderr, "%s", diffs);
	res->maps_equal = got && harness_maps_equal(want, got, false);
	if (!res->maps_equal) {
		fprintf(stderr, "seed %lu: final maps differ\n", seed);
		harness_maps_equal(want, got ? got : "", true);
	}
	if (!seed_identical(res) && getenv("MMLAB_KEEP"))
		fprintf(stderr, "seed %lu: kept %s\n", seed, dir);
	else
		harness_rmdir(dir);
	free(list);
	free(tr);
	free(want);
	free(got);
	free(diffs);
	free(dir);
}

/*
 * The ASLR pass's claim for one seed: recorded and readable to the end, and either identical or
 * led astray by a placement (its first difference is one; the maps then differ with it).
 */
static void check_aslr_seed(unsigned long seed, const struct seed_result *res)
{
	const struct harness_diff *d = &res->first;

	if (!res->recorded)
		fail_msg("seed %lu: the generator did not run under strace", seed);
	if (!res->readable)
		fail_msg("seed %lu: the trace did not replay to its end (above)", seed);
	if (seed_identical(res))
		return;
	if (!res->ndiffs)
		fail_msg("seed %lu: every result matched but the final maps differ (above)", seed);
	if (!is_placement(d))
		fail_msg("seed %lu: first difference at line %lu is not a placement: %s recorded "
			 "%lld, got %lld", seed, d->line, d->call, d->recorded, d->got);
}

static void run_seeds(const char *avoid, bool aslr)
{
	unsigned long seed = test_seed(1);
	int i, n = env_int("MMLAB_DIFF_SEEDS", 8), nops = env_int("MMLAB_DIFF_OPS", 300), bad = 0;
	bool strict = !aslr || getenv("MMLAB_STRICT_ASLR");
	struct seed_result res;

	for (i = 0; i < n; i++) {
		run_seed(seed + i, nops, avoid, aslr, &res);
		if (!strict)
			check_aslr_seed(seed + i, &res);
		bad += !seed_identical(&res);
	}
	fprintf(stderr, "differential%s%s%s: %d of %d seeds identical to the kernel\n",
		avoid ? ", avoiding " : "", avoid ? avoid : "", aslr ? ", ASLR on" : "", n - bad, n);
	/*
	 * With ASLR on every run is a new scenario (the generator's own addresses differ), so a
	 * rare difference of placement (docs/replay-differences.md) must not make the suite
	 * flaky: that pass allows one seed in eight (at least one) to be led astray by a
	 * placement, as check_aslr_seed() defines it, and is strict with MMLAB_STRICT_ASLR=1.
	 * The fixed-layout passes are strict.
	 */
	if (strict)
		assert_int_equal(bad, 0);
	else if (bad > (n + 7) / 8)
		fail_msg("ASLR on: %d of %d seeds differ, more than %d", bad, n, (n + 7) / 8);
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
 * the bss, so this pass does not meet the [heap] naming difference. Checked: every seed records
 * and replays to its end; at most one seed in eight differs, and only where a placement led it
 * astray (run_seeds(), check_aslr_seed()).
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
