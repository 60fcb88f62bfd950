/*
 * test_host_diff.c - differential test against the host kernel: a seeded generator of memory
 * syscalls and writes in a 48-page window far from everything else, run through hostops.h
 * (results, maps lines and VmFlags compared after every call).
 *
 * The kernel's answers for the seeds below are recorded in tests/fixtures/host_diff/seed-N.txt.
 *   - test_host_diff (fixture mode) replays every recording on mmlab alone, configured from the
 *     recording's fingerprint: needs neither strace nor any particular kernel.
 *   - test_host_diff_live runs the seeds for real in a child and on mmlab configured from this
 *     host; a difference fails only on a host the model claims to cover (hostfp_covered), and
 *     it notes where this host disagrees with the recording.
 *   - MMLAB_FIXTURE_MODE=record rewrites the recordings (scripts/record-fixtures.sh).
 *
 * Environment: MMLAB_DIFF_SEEDS=n runs seeds MMLAB_SEED.. live instead of the recorded list
 * (with MMLAB_FIXTURE_MODE=live); MMLAB_DIFF_LOG=1 prints the call log on a difference.
 */
#include "vmtest.h"
#include "hostops.h"

#include <sys/mman.h>

#define WIN_BASE	0x300000000000UL
#define WIN_PAGES	48
#define WADDR(p)	(WIN_BASE + (unsigned long)(p) * PAGE_SIZE)

/* The seeds recorded as fixtures (and run live by default). */
static const uint64_t recorded_seeds[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static void seed_name(uint64_t seed, char *out, size_t size)
{
	snprintf(out, size, "host_diff/seed-%llu.txt", (unsigned long long)seed);
}

/* ---- the generator ------------------------------------------------------------------------ */

static unsigned long rnd(uint64_t *rng, unsigned long n)
{
	return n ? test_rand(rng) % n : 0;
}

static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE, PROT_NONE,
			     PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE, PROT_WRITE };
static const int advices[] = { MADV_DONTFORK, MADV_DOFORK, MADV_DONTDUMP, MADV_DODUMP,
			       MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WIPEONFORK,
			       MADV_KEEPONFORK, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTNEED,
			       MADV_FREE, MADV_WILLNEED, MADV_COLD, MADV_MERGEABLE,
			       MADV_UNMERGEABLE, MADV_PAGEOUT, MADV_REMOVE, 77, MADV_HWPOISON };

static struct op gen_mmap(uint64_t *rng, unsigned long s, unsigned long len, int prot, int kind)
{
	struct op o = { .a = WADDR(s), .b = len, .c = (unsigned long)prot, .fd = -1 };

	if (kind < 2) {		/* anonymous MAP_FIXED */
		unsigned long flags = MAP_ANONYMOUS | MAP_FIXED | (rnd(rng, 8) ? MAP_PRIVATE : MAP_SHARED);

		if (!rnd(rng, 6))
			flags |= MAP_NORESERVE;
		if (!rnd(rng, 8))
			flags |= MAP_STACK;
		if (!rnd(rng, 8))
			flags |= MAP_POPULATE;
		o.kind = OP_MMAP_ANON;
		o.d = flags;
	} else if (kind == 2) {	/* file MAP_FIXED, either open mode */
		unsigned long flags;

		o.fd = (int)rnd(rng, 2);
		flags = MAP_FIXED | (rnd(rng, 2) ? MAP_PRIVATE : MAP_SHARED);
		o.e = rnd(rng, 8) * PAGE_SIZE;
		if (!rnd(rng, 10))
			flags = (flags & ~(unsigned long)MAP_TYPE) | MAP_SHARED_VALIDATE |
				(rnd(rng, 2) ? 0x100000 : 0x40000000);
		o.kind = OP_MMAP_FILE;
		o.d = flags;
	} else {		/* MAP_FIXED_NOREPLACE, or a hint */
		o.kind = OP_MMAP_HINT;
		o.d = MAP_PRIVATE | MAP_ANONYMOUS | (rnd(rng, 2) ? MAP_FIXED_NOREPLACE : 0);
	}
	return o;
}

static struct op gen_op(uint64_t *rng)
{
	unsigned long s = rnd(rng, WIN_PAGES - 2), n = 1 + rnd(rng, 6), len;
	int prot = prots[rnd(rng, ARRAY_SIZE(prots))], kind;
	struct op o = { .fd = -1 };

	if (s + n > WIN_PAGES)
		n = WIN_PAGES - s;
	len = n * PAGE_SIZE;
	kind = (int)rnd(rng, 11);
	switch (kind) {
	case 0: case 1: case 2: case 3:
		return gen_mmap(rng, s, len, prot, kind);
	case 4:			/* munmap, sometimes misaligned */
		o.kind = OP_MUNMAP;
		o.a = WADDR(s) + (rnd(rng, 10) ? 0 : 123);
		o.b = rnd(rng, 10) ? len : len - 100;
		return o;
	case 5:			/* mprotect, sometimes with PROT_GROWSDOWN or a bad bit */
		o.kind = OP_MPROTECT;
		o.a = WADDR(s);
		o.b = len;
		o.c = (unsigned long)prot;
		if (!rnd(rng, 12))
			o.c |= PROT_GROWSDOWN;
		if (!rnd(rng, 20))
			o.c |= 0x10;
		return o;
	case 6:
		o.kind = OP_MADVISE;
		o.a = WADDR(s);
		o.b = len;
		o.c = (unsigned long)advices[rnd(rng, ARRAY_SIZE(advices))];
		return o;
	case 7: {		/* mremap within the window */
		unsigned long n2 = 1 + rnd(rng, 6), t = rnd(rng, WIN_PAGES - 8);
		int k = (int)rnd(rng, 4);

		o.kind = OP_MREMAP;
		o.d = k == 0 ? 0 : k == 1 ? MREMAP_MAYMOVE | MREMAP_FIXED :
		      k == 2 ? MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP : MREMAP_FIXED;
		if (k == 2)
			n2 = n;
		if (s + n2 > WIN_PAGES)
			n2 = WIN_PAGES - s;
		o.a = WADDR(s);
		o.b = len;
		o.c = n2 * PAGE_SIZE;
		o.e = WADDR(t);
		return o;
	}
	case 8:
		o.kind = OP_WRITE;
		o.a = WADDR(s);
		return o;
	case 9: {
		int k = (int)rnd(rng, 3);

		o.kind = k == 0 ? OP_MLOCK : k == 1 ? OP_MUNLOCK : OP_MLOCK2;
		o.a = WADDR(s);
		o.b = len;
		o.c = k == 2 ? MLOCK_ONFAULT : 0;
		return o;
	}
	default: {		/* msync (the flags are drawn for mincore too) or mincore */
		unsigned long fl = rnd(rng, 2) ? MS_ASYNC : MS_SYNC | (rnd(rng, 3) ? 0 : MS_INVALIDATE);

		o.kind = rnd(rng, 2) ? OP_MSYNC : OP_MINCORE;
		o.c = o.kind == OP_MSYNC ? fl : 0;
		o.a = WADDR(s);
		o.b = len;
		return o;
	}
	}
}

static void test_host_diff_fixtures(void)
{
	int failed = 0;
	size_t k;

	for (k = 0; k < ARRAY_SIZE(recorded_seeds); k++) {
		char name[64], err[600];
		struct recording *rec;

		seed_name(recorded_seeds[k], name, sizeof(name));
		rec = recording_read(name, err, sizeof(err));
		if (!rec)
			fail_msg("%s", err);
		failed += recording_replay(rec);
		recording_free(rec);
	}
	fprintf(stderr, "host differential (recorded): %zu seeds x %d calls, %d seeds differed\n",
		ARRAY_SIZE(recorded_seeds), HOSTOPS_MAX, failed);
	assert_int_equal(failed, 0);
}

static void test_host_diff_live(bool record)
{
	static struct case_op ops[HOSTOPS_MAX];
	const char *e = getenv("MMLAB_DIFF_SEEDS");
	uint64_t first = e ? test_seed(1) : 0, n = e ? strtoull(e, NULL, 0) : ARRAY_SIZE(recorded_seeds);
	struct hostfp fp;
	char why[200];
	int failed = 0;
	bool covered;

	hostfp_probe(&fp);
	covered = hostfp_covered(&fp, why, sizeof(why));
	for (uint64_t k = 0; k < n; k++) {
		uint64_t seed = e ? first + k : recorded_seeds[k], rng = seed;
		char name[64], err[600];
		struct recording *old;

		seed_name(seed, name, sizeof(name));
		old = record ? NULL : recording_read(name, err, sizeof(err));
		if (old && k == 0) {
			char d[1024];

			hostfp_diff(&old->fp, &fp, d, sizeof(d));
			if (d[0])
				fprintf(stderr, "note: recorded on another host (recorded / this): %s\n", d);
		}
		for (int i = 0; i < HOSTOPS_MAX; i++)
			ops[i] = (struct case_op){ gen_op(&rng), HOSTOPS_ANY };
		if (hostops_run(name, ops, HOSTOPS_MAX, &fp, record, old)) {
			fprintf(stderr, "seed %llu %s\n", (unsigned long long)seed,
				record ? "could not be recorded" : "differed");
			failed++;
		}
		if (old)
			recording_free(old);
	}
	if (record) {
		fprintf(stderr, "recorded %llu seeds into tests/fixtures/host_diff\n",
			(unsigned long long)n);
		assert_int_equal(failed, 0);
		return;
	}
	fprintf(stderr, "host differential (live, %s %s): %llu seeds x %d calls, %d seeds differed\n",
		fp.release, covered ? "covered" : "not covered", (unsigned long long)n, HOSTOPS_MAX,
		failed);
	if (failed && !covered)
		fprintf(stderr, "this host is outside what the model covers (%s): reported, not failed\n",
			why);
	if (covered)
		assert_int_equal(failed, 0);
}

static void test_host_diff(void **state)
{
	(void)state;
	hostops_set_window(WIN_BASE, WADDR(WIN_PAGES));
	switch (fixture_mode()) {
	case FIXTURE_REPLAY: test_host_diff_fixtures(); break;
	case FIXTURE_LIVE: test_host_diff_live(false); break;
	case FIXTURE_RECORD: test_host_diff_live(true); break;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_diff),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
