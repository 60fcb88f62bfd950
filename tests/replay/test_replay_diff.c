/*
 * test_replay_diff.c - differential testing against the kernel, from recordings or live.
 *
 * For each seed, gen_memops runs a random sequence of memory syscalls for real, with ASLR off
 * (setarch -R) or on, under `strace -f -y`. It snapshots its maps just before the sequence and
 * just after. mmlab then replays the trace from the marker on, seeded with the first snapshot,
 * and must reproduce every recorded result and the second snapshot byte for byte.
 *
 *    host:   start.maps --[ mmap munmap mprotect mremap brk madvise mlock fork clone ... ]--> end.maps
 *    mmlab:  start.maps --[ the same calls, read back from the trace                     ]--> maps
 *            every result equal, and maps == end.maps
 *
 * Three passes: test_random_sequences runs everything (ASLR off); test_known_differences_avoided
 * the same seeds with the generator steering clear of the address-space layer's known
 * differences (docs/replay-differences.md: [vvar]/[vdso] splits, MAP_FIXED_NOREPLACE, mlock
 * populating PROT_NONE), so a difference there is a new one; test_aslr_on that again without
 * setarch -R.
 *
 * The modes of tests/hostfp.h:
 *   fixture (default)  seeds 1-8 of each pass, 300 calls each, recorded under
 *                      tests/fixtures/replay_diff/PASS-seed-N.* (replay_fixture.c: trace, both
 *                      snapshots, the recording host's fingerprint, RAM and file answers) and
 *                      replayed on mmlab alone, configured from the recording: no strace, no
 *                      setarch, nothing read from this host. Every pass is strict, ASLR on
 *                      included: a recording is one fixed scenario, so the live pass's allowance
 *                      for placement (below) has no flakiness to absorb here.
 *   live (_live)       as the test always did: recorded now with strace, replayed on mmlab
 *                      configured from this host. $MMLAB_SEED picks the first seed (printed),
 *                      $MMLAB_DIFF_SEEDS the number of seeds (8), $MMLAB_DIFF_OPS the calls
 *                      per seed (300). A difference fails only on a host the model covers
 *                      (hostfp_covered); elsewhere it is printed and the test passes.
 *   record             the live runs of the recorded seeds, written as the fixtures.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay_harness.h"
#include "testlib.h"

#define RECORDED_SEEDS	8	/* seeds 1..8 of each pass are the fixtures */
#define RECORDED_OPS	300

struct pass {
	const char *name;	/* in the fixture's name */
	const char *avoid;	/* gen_memops' list of what to steer clear of, or NULL */
	bool aslr;
};

static const struct pass pass_random = { "random", NULL, false };
static const struct pass pass_avoided = { "avoided", "special,noreplace,mlocknone", false };
static const struct pass pass_aslr = { "aslr", "special,noreplace,mlocknone", true };

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

static void case_name(const struct pass *ps, unsigned long seed, char *out, size_t size)
{
	snprintf(out, size, "replay_diff/%s-seed-%lu", ps->name, seed);
}

/* Replay @tr with @ho and compare with the kernel's results and final maps @want. */
static void replay_seed(unsigned long seed, const char *tr, const char *want,
			struct harness_run_opts *ho, struct seed_result *res)
{
	struct harness_diff *list = NULL;
	char *got = NULL, *diffs = NULL;
	struct replay_stats st;
	int rc;

	ho->marker = "\"MMLAB-START\"";
	ho->list = &list;
	ho->nlist = &res->ndiffs;
	rc = harness_replay_run(tr, ho, &st, &got, &diffs);
	fprintf(stderr, "seed %lu: %lu calls replayed, %lu matched, %lu differed\n", seed, st.calls,
		st.matched, st.differed);
	res->readable = rc == 0 && got;
	if (res->ndiffs)
		res->first = list[0];
	if (!res->readable || res->ndiffs)
		fprintf(stderr, "%s", diffs);
	res->maps_equal = got && want && harness_maps_equal(want, got, false);
	if (!res->maps_equal) {
		fprintf(stderr, "seed %lu: final maps differ\n", seed);
		harness_maps_equal(want ? want : "", got ? got : "", true);
	}
	free(list);
	free(got);
	free(diffs);
}

/* One recorded seed, replayed from tests/fixtures/replay_diff. */
static void fixture_seed(const struct pass *ps, unsigned long seed, struct seed_result *res)
{
	struct harness_run_opts ho = { 0 };
	struct harness_case c;
	char name[128];

	memset(res, 0, sizeof(*res));
	case_name(ps, seed, name, sizeof(name));
	if (!harness_case_load(name, &c))
		fail_msg("%s: no such recording (scripts/record-fixtures.sh makes it)", name);
	res->recorded = true;
	ho.initial_maps = c.start_path[0] ? c.start_path : NULL;
	ho.fp = &c.fp;
	ho.ram = c.ram;
	ho.files = c.files;
	replay_seed(seed, c.trace, c.end_maps, &ho, res);
	if (harness_files_missed(c.files))
		fail_msg("%s: the replay asked %lu questions about files the recording cannot answer: "
			 "re-record it", name, harness_files_missed(c.files));
	harness_case_free(&c);
}

/* One seed run now under strace (live mode), and written as its fixture in record mode. */
static void live_seed(const struct pass *ps, unsigned long seed, int nops, bool record,
		      struct seed_result *res)
{
	char *dir = harness_tmpdir(), trace[512], start[512], end[512], gen[512], sseed[32], sops[32];
	const char *bin = getenv("MMLAB_BINARY_DIR");
	struct harness_run_opts ho = { .fp = harness_this_host(), .ram = replay_host_ram() };
	char *tr, *want;
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
				 dir, (char *)ps->avoid, NULL };

		rc = harness_run(ps->aslr ? argv + 2 : argv);
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
	if (record)
		ho.files = harness_files_recorder();
	replay_seed(seed, tr, want, &ho, res);
	if (record) {
		char name[128], *start_maps = harness_slurp(start);
		struct harness_record rec = { .trace = tr, .start_maps = start_maps, .end_maps = want,
					      .fp = ho.fp, .ram = ho.ram, .files = ho.files };

		assert_non_null(start_maps);
		case_name(ps, seed, name, sizeof(name));
		harness_case_write(name, &rec);
		free(start_maps);
		harness_files_free(ho.files);
	}
	if (!seed_identical(res) && getenv("MMLAB_KEEP"))
		fprintf(stderr, "seed %lu: kept %s\n", seed, dir);
	else
		harness_rmdir(dir);
	free(tr);
	free(want);
	free(dir);
}

/*
 * The ASLR pass's claim for one seed: recorded and readable to the end, and either identical or
 * led astray by a placement (its first difference is one; the maps then differ with it).
 */
static void check_aslr_seed(unsigned long seed, const struct seed_result *res, bool strict)
{
	const struct harness_diff *d = &res->first;

	if (!res->recorded)
		harness_complain(strict, "seed %lu: the generator did not run under strace", seed);
	else if (!res->readable)
		harness_complain(strict, "seed %lu: the trace did not replay to its end (above)", seed);
	else if (seed_identical(res))
		return;
	else if (!res->ndiffs)
		harness_complain(strict, "seed %lu: every result matched but the final maps differ "
				 "(above)", seed);
	else if (!is_placement(d))
		harness_complain(strict, "seed %lu: first difference at line %lu is not a placement: "
				 "%s recorded %lld, got %lld", seed, d->line, d->call, d->recorded,
				 d->got);
}

static void run_seeds(const struct pass *ps)
{
	enum fixture_mode mode = fixture_mode();
	bool live = mode != FIXTURE_REPLAY;
	unsigned long seed = live && mode == FIXTURE_LIVE ? test_seed(1) : 1;
	int i, bad = 0, n = mode == FIXTURE_LIVE ? env_int("MMLAB_DIFF_SEEDS", 8) : RECORDED_SEEDS;
	int nops = mode == FIXTURE_LIVE ? env_int("MMLAB_DIFF_OPS", 300) : RECORDED_OPS;
	bool aslr_allowance = live && ps->aslr && !getenv("MMLAB_STRICT_ASLR");
	bool strict = true;
	char first[128];
	struct seed_result res;

	if (live) {
		harness_require("strace");
		harness_require("setarch");
		case_name(ps, 1, first, sizeof(first));
		strict = harness_live_strict(first);
	}
	for (i = 0; i < n; i++) {
		if (live)
			live_seed(ps, seed + i, nops, mode == FIXTURE_RECORD, &res);
		else
			fixture_seed(ps, seed + i, &res);
		if (aslr_allowance)
			check_aslr_seed(seed + i, &res, strict);
		bad += !seed_identical(&res);
	}
	fprintf(stderr, "differential, %s%s%s%s: %d of %d seeds identical to the kernel\n",
		mode == FIXTURE_LIVE ? "live" : mode == FIXTURE_RECORD ? "recording" : "recorded",
		ps->avoid ? ", avoiding " : "", ps->avoid ? ps->avoid : "",
		ps->aslr ? ", ASLR on" : "", n - bad, n);
	/*
	 * Live with ASLR on, every run is a new scenario (the generator's own addresses differ),
	 * so a rare difference of placement (docs/replay-differences.md) must not make the suite
	 * flaky: that pass allows one seed in eight (at least one) to be led astray by a
	 * placement, as check_aslr_seed() defines it, and is strict with MMLAB_STRICT_ASLR=1.
	 * The fixed-layout passes, and every recorded one, are strict.
	 */
	if (!aslr_allowance && bad)
		harness_complain(strict, "%s: %d of %d seeds differ from the kernel (above)", ps->name,
				 bad, n);
	else if (aslr_allowance && bad > (n + 7) / 8)
		harness_complain(strict, "ASLR on: %d of %d seeds differ, more than %d", bad, n,
				 (n + 7) / 8);
}

static void test_random_sequences(void **state)
{
	(void)state;
	run_seeds(&pass_random);
}

static void test_known_differences_avoided(void **state)
{
	(void)state;
	run_seeds(&pass_avoided);
}

/*
 * ASLR on (no setarch -R): every address is random, and mmlab learns the layout only from the
 * start snapshot (mmap_base inferred from it). With a randomized brk the heap no longer touches
 * the bss, so this pass does not meet the [heap] naming difference. Checked live: every seed
 * records and replays to its end; at most one seed in eight differs, and only where a placement
 * led it astray (run_seeds(), check_aslr_seed()). Recorded: every seed identical.
 */
static void test_aslr_on(void **state)
{
	(void)state;
	run_seeds(&pass_aslr);
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
