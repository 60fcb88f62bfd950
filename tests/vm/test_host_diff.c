/*
 * test_host_diff.c - differential test against the host kernel: seeded generators of memory
 * syscalls, loads, stores and forks in a 48-page window far from everything else, run through
 * hostops.h (results, maps lines, VmFlags, the mincore and pagemap bits of the private
 * anonymous pages, and the RssAnon/VmPTE/minflt deltas compared after every call).
 *
 * Two generators: "seed" draws every kind of mapping (file, shared, anonymous) and call, and
 * a few forks;
 * "pages" only private anonymous mappings, with more accesses, forks and child exits and the
 * madvise advices that act on pages, so that the counter deltas are compared on every call
 * (hostops.h: they are compared only while the window held private anonymous memory alone).
 *
 * The kernel's answers for the seeds below are recorded in tests/fixtures/host_diff/seed-N.txt
 * and pages-N.txt.
 *   - test_host_diff (fixture mode) replays every recording on mmlab alone, configured from the
 *     recording's fingerprint: needs neither strace nor any particular kernel.
 *   - test_host_diff_live runs the seeds for real in a child and on mmlab configured from this
 *     host; a difference fails only on a host the model claims to cover (hostfp_covered), and
 *     it notes where this host disagrees with the recording.
 *   - MMLAB_FIXTURE_MODE=record rewrites the recordings (scripts/record-fixtures.sh).
 *
 * Environment: MMLAB_DIFF_SEEDS=n runs seeds MMLAB_SEED.. live instead of the recorded list
 * (with MMLAB_FIXTURE_MODE=live), MMLAB_DIFF_GEN=seed|pages only one generator;
 * MMLAB_DIFF_LOG=1 prints the call log on a difference, MMLAB_DIFF_STATS=1 what was compared.
 */
#include "vmtest.h"
#include "hostops.h"

#include <sys/mman.h>

#define WIN_BASE	0x300000000000UL
#define WIN_PAGES	48
#define WADDR(p)	(WIN_BASE + (unsigned long)(p) * PAGE_SIZE)

/* The seeds recorded as fixtures (and run live by default), per generator. */
static const uint64_t recorded_seeds[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint64_t recorded_page_seeds[] = { 1, 2, 3, 4, 5, 6, 7, 8 };

struct generator;
static void seed_name(const struct generator *g, uint64_t seed, char *out, size_t size);

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

/* mlock, munlock or mlock2(MLOCK_ONFAULT) of [s, s + len) of the window. */
static struct op gen_mlock(uint64_t *rng, unsigned long s, unsigned long len)
{
	int k = (int)rnd(rng, 3);
	struct op o = { .fd = -1, .a = WADDR(s), .b = len };

	o.kind = k == 0 ? OP_MLOCK : k == 1 ? OP_MUNLOCK : OP_MLOCK2;
	o.c = k == 2 ? MLOCK_ONFAULT : 0;
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
	case 8: {		/* a store, a load (the zero page), now and then a fork or a child's exit */
		unsigned long k = rnd(rng, 12);

		o.kind = k < 7 ? OP_WRITE : k < 10 ? OP_READ : k == 10 ? OP_FORK : OP_CHILD_EXIT;
		if (k < 10)
			o.a = WADDR(s) + rnd(rng, PAGE_SIZE);
		return o;
	}
	case 9:
		return gen_mlock(rng, s, len);
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

/* ---- the page generator: private anonymous memory only ------------------------------------ */

static const int page_advices[] = { MADV_DONTNEED, MADV_FREE, MADV_COLD, MADV_PAGEOUT,
				    MADV_WILLNEED, MADV_DONTFORK, MADV_DOFORK, MADV_WIPEONFORK,
				    MADV_KEEPONFORK, MADV_NORMAL, MADV_POPULATE_READ,
				    MADV_POPULATE_WRITE, MADV_DONTNEED_LOCKED, MADV_HUGEPAGE };

static struct op gen_page_op(uint64_t *rng)
{
	unsigned long s = rnd(rng, WIN_PAGES - 2), n = 1 + rnd(rng, 8), len;
	int prot = prots[rnd(rng, ARRAY_SIZE(prots))];
	struct op o = { .fd = -1 };

	if (s + n > WIN_PAGES)
		n = WIN_PAGES - s;
	len = n * PAGE_SIZE;
	switch (rnd(rng, 20)) {
	case 0: case 1: {	/* private anonymous MAP_FIXED, now and then populated */
		unsigned long flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;

		if (!rnd(rng, 6))
			flags |= MAP_POPULATE;
		if (!rnd(rng, 8))
			flags |= MAP_NORESERVE;
		o.kind = OP_MMAP_ANON;
		o.a = WADDR(s);
		o.b = len;
		o.c = (unsigned long)(rnd(rng, 3) ? PROT_READ | PROT_WRITE : prot);
		o.d = flags;
		return o;
	}
	case 2:
		o.kind = OP_MUNMAP;
		o.a = WADDR(s);
		o.b = len;
		return o;
	case 3:
		o.kind = OP_MPROTECT;
		o.a = WADDR(s);
		o.b = len;
		o.c = (unsigned long)prot;
		return o;
	case 4: case 5:
		o.kind = OP_MADVISE;
		o.a = WADDR(s);
		o.b = len;
		o.c = (unsigned long)page_advices[rnd(rng, ARRAY_SIZE(page_advices))];
		return o;
	case 6: {		/* mremap: grow or shrink in place, or move */
		unsigned long n2 = 1 + rnd(rng, 8), t = rnd(rng, WIN_PAGES - 8);

		if (s + n2 > WIN_PAGES)
			n2 = WIN_PAGES - s;
		o.kind = OP_MREMAP;
		o.a = WADDR(s);
		o.b = len;
		o.c = n2 * PAGE_SIZE;
		o.d = rnd(rng, 2) ? 0 : MREMAP_MAYMOVE | MREMAP_FIXED;
		o.e = o.d ? WADDR(t) : 0;
		return o;
	}
	case 7: case 8: case 9: case 10: case 11:
		o.kind = OP_WRITE;
		o.a = WADDR(s) + rnd(rng, PAGE_SIZE);
		return o;
	case 12: case 13: case 14:
		o.kind = OP_READ;
		o.a = WADDR(s) + rnd(rng, PAGE_SIZE);
		return o;
	case 15:
		return gen_mlock(rng, s, len);
	case 16:
		o.kind = OP_MINCORE;
		o.a = WADDR(s);
		o.b = len;
		return o;
	case 17: case 18:
		o.kind = OP_FORK;
		return o;
	default:
		o.kind = OP_CHILD_EXIT;
		return o;
	}
}

struct generator {
	const char *name;		/* of the recordings: host_diff/NAME-SEED.txt */
	struct op (*gen)(uint64_t *rng);
	const uint64_t *seeds;
	size_t nr_seeds;
};

static const struct generator generators[] = {
	{ "seed", gen_op, recorded_seeds, ARRAY_SIZE(recorded_seeds) },
	{ "pages", gen_page_op, recorded_page_seeds, ARRAY_SIZE(recorded_page_seeds) },
};

static void seed_name(const struct generator *g, uint64_t seed, char *out, size_t size)
{
	snprintf(out, size, "host_diff/%s-%llu.txt", g->name, (unsigned long long)seed);
}

/* The generators to run: both, or only $MMLAB_DIFF_GEN. */
static bool gen_selected(const struct generator *g)
{
	const char *e = getenv("MMLAB_DIFF_GEN");

	return !e || !strcmp(e, g->name);
}

static void test_host_diff_fixtures(void)
{
	struct hostops_stats st;
	int failed = 0, seeds = 0, nopen = 0, r;

	for (size_t i = 0; i < ARRAY_SIZE(generators); i++) {
		const struct generator *g = &generators[i];

		for (size_t k = 0; k < g->nr_seeds && gen_selected(g); k++) {
			char name[64], err[600];
			struct recording *rec;

			seed_name(g, g->seeds[k], name, sizeof(name));
			rec = recording_read(name, err, sizeof(err));
			if (!rec)
				fail_msg("%s", err);
			r = recording_replay(rec);
			failed += r == 1;
			nopen += r == 2;
			seeds++;
			recording_free(rec);
		}
	}
	hostops_stats_get(&st);
	fprintf(stderr, "host differential (recorded): %d seeds x %d calls, %d seeds differed, %d "
		"ended at an open difference; %d calls compared, pages and smaps after %d (%d host "
		"drains of the lazy-free batch between calls), RssAnon/VmPTE/minflt deltas on "
		"%d/%d/%d\n", seeds, HOSTOPS_MAX, failed, nopen, st.steps, st.pages, st.reconciled,
		st.acct[ACCT_RSS], st.acct[ACCT_PTE], st.acct[ACCT_FLT]);
	assert_int_equal(failed, 0);
}

static void test_host_diff_live(bool record)
{
	static struct case_op ops[HOSTOPS_MAX];
	const char *e = getenv("MMLAB_DIFF_SEEDS");
	uint64_t first = e ? test_seed(1) : 0, total = 0;
	struct hostfp fp;
	char why[200];
	int failed = 0, nopen = 0, r;
	bool covered, noted = false;

	hostfp_probe(&fp);
	covered = hostfp_covered(&fp, why, sizeof(why));
	for (size_t gi = 0; gi < ARRAY_SIZE(generators); gi++) {
		const struct generator *g = &generators[gi];
		uint64_t n = !gen_selected(g) ? 0 : e ? strtoull(e, NULL, 0) : g->nr_seeds;

		for (uint64_t k = 0; k < n; k++) {
			uint64_t seed = e ? first + k : g->seeds[k], rng = seed;
			char name[64], err[600];
			struct recording *old;

			seed_name(g, seed, name, sizeof(name));
			old = record || e ? NULL : recording_read(name, err, sizeof(err));
			if (old && !noted) {
				char d[1024];

				hostfp_diff(&old->fp, &fp, d, sizeof(d));
				if (d[0])
					fprintf(stderr, "note: recorded on another host (recorded / this): %s\n", d);
				noted = true;
			}
			for (int i = 0; i < HOSTOPS_MAX; i++)
				ops[i] = (struct case_op){ g->gen(&rng), HOSTOPS_ANY };
			r = hostops_run(name, ops, HOSTOPS_MAX, &fp, record, old);
			if (r == 2) {
				fprintf(stderr, "%s %llu ended at an open difference\n", g->name,
					(unsigned long long)seed);
				nopen++;
			} else if (r) {
				fprintf(stderr, "%s %llu %s\n", g->name, (unsigned long long)seed,
					record ? "could not be recorded" : "differed");
				failed++;
			}
			total++;
			if (old)
				recording_free(old);
		}
	}
	if (record) {
		fprintf(stderr, "recorded %llu seeds into tests/fixtures/host_diff\n",
			(unsigned long long)total);
		assert_int_equal(failed, 0);
		return;
	}
	fprintf(stderr, "host differential (live, %s %s): %llu seeds x %d calls, %d seeds differed, "
		"%d ended at an open difference\n", fp.release, covered ? "covered" : "not covered",
		(unsigned long long)total, HOSTOPS_MAX, failed, nopen);
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
