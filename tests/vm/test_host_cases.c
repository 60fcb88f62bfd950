/*
 * test_host_cases.c - the replay differences found with test_replay_diff and test_host_diff,
 * each reduced to its minimal call sequence at fixed addresses in a window far from
 * everything else, and run through hostops.h: every result, maps line and VmFlags of the
 * window must equal the kernel's. Each call also carries the kernel's answer the case was
 * written for, so a recording, or a live host, that answers otherwise shows up by name.
 *
 *   - test_host_cases replays tests/fixtures/host_cases/NAME.txt on mmlab alone.
 *   - test_host_cases_live runs each case on this host and on mmlab (failing only on a host
 *     the model covers); MMLAB_FIXTURE_MODE=record rewrites the recordings.
 */
#include "vmtest.h"
#include "hostops.h"

#include <sys/mman.h>

#define WIN	0x310000000000UL
#define W(p)	(WIN + (unsigned long)(p) * PAGE_SIZE)
#define WIN_END	W(64)
#define P	PAGE_SIZE

#define ANON	(MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)
#define MOVE	(MREMAP_MAYMOVE | MREMAP_FIXED)
#define RW	(PROT_READ | PROT_WRITE)
#define RWX	(PROT_READ | PROT_WRITE | PROT_EXEC)

#define MMAP_ANON(a, len, prot)	{ { OP_MMAP_ANON, a, len, prot, ANON, 0, -1 }, (long)(a) }
#define MMAP_ZERO(a, len, prot, off) \
	{ { OP_MMAP_FILE, a, len, prot, MAP_PRIVATE | MAP_FIXED, off, 2 }, (long)(a) }
#define MREMAP(a, old, new, fl, to, res) { { OP_MREMAP, a, old, new, fl, to, -1 }, (long)(res) }

/*
 * A moved private /dev/zero piece that was never written takes its new address as page
 * offset: copy_vma() asks vma_is_anonymous(), which a private /dev/zero mapping is (its mmap
 * handler drops the vm_ops). Seeds 31342, 62674, 125349 of test_replay_diff.
 *
 *   0123456789abcdef
 *   ZZZZ..........     private /dev/zero at offset 0x12000
 *   ..ZZ......ZZ       mremap 2 pages to page 10: offset = W(10) >> PAGE_SHIFT
 */
static const struct case_op devzero_move_pgoff[] = {
	MMAP_ZERO(W(0), 4 * P, RW, 0x12000),
	MREMAP(W(0), 2 * P, 2 * P, MOVE, W(10), W(10)),
};

/*
 * A multi-VMA MREMAP_FIXED move (equal lengths) refuses VMAs whose file has its own
 * get_unmapped_area: private /dev/zero. Met after another VMA, or not covering the range to its
 * end, it makes the call fail with EFAULT before it moves, the pieces before it already
 * moved. Alone, it moves. Seeds 125350, 156686.
 *
 *   0123456789abcdef...
 *   AZ                 anonymous page, then a private /dev/zero page
 *   .Z..............A  mremap(0, 2 pages, FIXED to 16): A moved, then EFAULT
 *   ZA                 and the other order: EFAULT before anything moved
 *   Z.                 /dev/zero then a gap: EFAULT; Z alone: moved
 */
static const struct case_op multi_move_devzero[] = {
	MMAP_ANON(W(0), P, PROT_READ),
	MMAP_ZERO(W(1), P, PROT_READ, 0x3000),
	MREMAP(W(0), 2 * P, 2 * P, MOVE, W(16), -EFAULT),
	MMAP_ZERO(W(32), P, PROT_READ, 0x5000),
	MMAP_ANON(W(33), P, PROT_READ),
	MREMAP(W(32), 2 * P, 2 * P, MOVE, W(48), -EFAULT),
	MMAP_ZERO(W(40), P, PROT_READ, 0x7000),
	MREMAP(W(40), 2 * P, 2 * P, MOVE, W(56), -EFAULT),
	MREMAP(W(40), P, P, MOVE, W(56), W(56)),
};

/*
 * mlock over a hole locks the VMAs before it and fails with ENOMEM before populating: those
 * VMAs get no anon_vma, so a later mprotect that makes two of them equal merges them. Seeds
 * 31340, 94017, 156686, 219361.
 *
 *   0123
 *   ABB.   A rw-, B rwx, then a hole; mlock(0, 4 pages) = ENOMEM
 *   AAA.   mprotect(A, rwx): one VMA on the kernel
 */
static const struct case_op mlock_hole_no_populate[] = {
	MMAP_ANON(W(0), P, RW),
	MMAP_ANON(W(1), 2 * P, RWX),
	{ { OP_MLOCK, W(0), 4 * P, 0, 0, 0, -1 }, -ENOMEM },
	{ { OP_MPROTECT, W(0), P, RWX, 0, 0, -1 }, 0 },
};

/*
 * A read populate of untouched anonymous memory maps the zero page and gives the VMA no
 * anon_vma (test_host_diff seed 1, op 98, on 6.18): mlock faults the r-x page in with a
 * read, so when mprotect makes it rw it merges with its neighbours. (Had the read allocated,
 * X would have an anon_vma of its own: it lacks their VM_ACCOUNT, so it could not share theirs.)
 *
 *   012
 *   AXA    A rw (written: both pieces share its anon_vma), X r-x; mlock(0, 3 pages)
 *   AAA    mprotect(X, rw): one VMA
 */
static const struct case_op read_populate_zero_page[] = {
	MMAP_ANON(W(0), 3 * P, RW),
	{ { OP_WRITE, W(0), 0, 0, 0, 0, -1 }, 0 },
	{ { OP_MMAP_ANON, W(1), P, PROT_READ | PROT_EXEC, ANON, 0, -1 }, (long)W(1) },
	{ { OP_MLOCK, W(0), 3 * P, 0, 0, 0, -1 }, 0 },
	{ { OP_MPROTECT, W(1), P, RW, 0, 0, -1 }, 0 },
	{ { OP_MUNLOCK, W(0), 3 * P, 0, 0, 0, -1 }, 0 },
};

#define OP(kind, a, b, c, expect)	{ { kind, a, b, c, 0, 0, -1 }, expect }
#define WRITE(a)	OP(OP_WRITE, a, 0, 0, 0)
#define READ(a)		OP(OP_READ, a, 0, 0, 0)
#define MADVISE(a, len, advice, expect)	OP(OP_MADVISE, a, len, advice, expect)

/*
 * MADV_POPULATE_READ/WRITE do not walk the VMAs as the other advice does: they fault page by
 * page from the start (madvise_populate, GUP with FOLL_MADV_POPULATE) and stop at the first
 * failure, what came before populated: no VMA is ENOMEM, a VMA without the permission EINVAL.
 * mmlab populated every VMA of the range and then answered the walk's error (test_host_diff
 * pages seeds 1, 2, 4, 7, 8 before the fix).
 *
 *   0123456
 *   .AA.BC     A, B rw; C r--
 *   .AA.BC     populate_write(0, 3 pages) = ENOMEM: nothing populated (page 0 is a hole)
 *   .ww.BC     populate_write(1, 5 pages) = ENOMEM at page 3: 1 and 2 written, B not
 *   .ww.wC     populate_write(4, 2 pages) = EINVAL at C: B written, C not
 *   .ww.wz     populate_read(5, 1 page): the zero page
 */
static const struct case_op populate_stops_at_failure[] = {
	MMAP_ANON(W(1), 2 * P, RW),
	MMAP_ANON(W(4), P, RW),
	MMAP_ANON(W(5), P, PROT_READ),
	MADVISE(W(0), 3 * P, MADV_POPULATE_WRITE, -ENOMEM),
	MADVISE(W(1), 5 * P, MADV_POPULATE_WRITE, -ENOMEM),
	MADVISE(W(4), 2 * P, MADV_POPULATE_WRITE, -EINVAL),
	MADVISE(W(5), P, MADV_POPULATE_READ, 0),
};

/*
 * Copy-on-write seen from the parent: pagemap's exclusive bit is "mapped once" (a small
 * folio's !folio_maybe_mapped_shared), RssAnon counts the parent's pages, minflt its faults.
 *
 *   0123
 *   wwwz   three pages written, page 3 read (the zero page: present, never exclusive)
 *   ssss   fork: 0-2 shared with the child (present, not exclusive)
 *   wsss   write 0: a copy (exclusive, RssAnon unchanged, one fault)
 *   wwwz   the child exits: 1 and 2 are mapped once again; write 1: reused, one fault
 *   ww.z   MADV_DONTNEED 2: RssAnon -4 kB
 *   wwwz   a child with page 2 MADV_DONTFORK: it is not shared
 */
static const struct case_op fork_cow_parent[] = {
	MMAP_ANON(W(0), 4 * P, RW),
	WRITE(W(0)), WRITE(W(1)), WRITE(W(2)), READ(W(3)),
	OP(OP_FORK, 0, 0, 0, 0),
	WRITE(W(0)),
	OP(OP_CHILD_EXIT, 0, 0, 0, 0),
	WRITE(W(1)),
	MADVISE(W(2), P, MADV_DONTNEED, 0),
	WRITE(W(2)),
	MADVISE(W(2), P, MADV_DONTFORK, 0),
	OP(OP_FORK, 0, 0, 0, 0),
	WRITE(W(2)),
	WRITE(W(1)),
	OP(OP_CHILD_EXIT, 0, 0, 0, 0),
};

/*
 * An open difference (docs/replay-differences.md), kept as its reproducer: MADV_PAGEOUT
 * discards the lazy-free pages (MADV_FREE) that were not written since, even without swap;
 * the model has no reclaim yet and keeps them. The case reports it and does not fail.
 *
 *   01
 *   ww     written; MADV_FREE both; write 1 again (it is dirty again)
 *   .w     MADV_PAGEOUT: page 0 is gone (RssAnon -4 kB), page 1 stays
 */
static const struct case_op lazyfree_pageout[] = {
	MMAP_ANON(W(0), 2 * P, RW),
	WRITE(W(0)), WRITE(W(1)),
	MADVISE(W(0), 2 * P, MADV_FREE, 0),
	WRITE(W(1)),
	MADVISE(W(0), 2 * P, MADV_PAGEOUT, 0),
};

/*
 * MADV_POPULATE_READ of a file mapping that runs past the end of its file: the pages inside it
 * are faulted, the first page past it would be SIGBUS, so the call fails with EFAULT (the
 * test file has 64 pages; the mapping starts at its page 62).
 *
 *   0123
 *   FF..   two pages of file, two past its end: populate_read = EFAULT
 */
static const struct case_op populate_past_eof[] = {
	{ { OP_MMAP_FILE, W(0), 4 * P, PROT_READ, MAP_PRIVATE | MAP_FIXED, 62 * P, 0 }, (long)W(0) },
	MADVISE(W(0), 4 * P, MADV_POPULATE_READ, -EFAULT),
	MADVISE(W(0), 2 * P, MADV_POPULATE_READ, 0),
};

/*
 * mlock and MADV_COLLAPSE over what cannot be faulted or collapsed, the classes a scorer of
 * real programs' traces found (docs/replay-differences.md): mlock of PROT_NONE memory and of a
 * file mapping past the end of its file is ENOMEM (its populate fails; mlock2 ONFAULT does not
 * populate: 0); MADV_COLLAPSE is EINVAL for any VMA that cannot hold an aligned PMD (mmlab
 * answered 0 for a small anonymous one), for PROT_NONE and a file, ENOMEM over a hole.
 *
 *   0123456789abcdef0123
 *   NN..FFFF........AAAA   N PROT_NONE, F file from its page 62 (2 pages past the end), A rw
 */
static const struct case_op mlock_collapse_unfaultable[] = {
	MMAP_ANON(W(0), 2 * P, PROT_NONE),
	{ { OP_MMAP_FILE, W(4), 4 * P, PROT_READ, MAP_PRIVATE | MAP_FIXED, 62 * P, 0 }, (long)W(4) },
	MMAP_ANON(W(16), 4 * P, RW),
	{ { OP_MLOCK, W(0), 2 * P, 0, 0, 0, -1 }, -ENOMEM },
	{ { OP_MUNLOCK, W(0), 2 * P, 0, 0, 0, -1 }, 0 },
	{ { OP_MLOCK, W(4), 4 * P, 0, 0, 0, -1 }, -ENOMEM },
	{ { OP_MUNLOCK, W(4), 4 * P, 0, 0, 0, -1 }, 0 },
	{ { OP_MLOCK2, W(0), 2 * P, MLOCK_ONFAULT, 0, 0, -1 }, 0 },
	{ { OP_MUNLOCK, W(0), 2 * P, 0, 0, 0, -1 }, 0 },
	{ { OP_MLOCK, W(16), 4 * P, 0, 0, 0, -1 }, 0 },
	{ { OP_MUNLOCK, W(16), 4 * P, 0, 0, 0, -1 }, 0 },
	MADVISE(W(16), 4 * P, MADV_COLLAPSE, -EINVAL),
	MADVISE(W(0), 2 * P, MADV_COLLAPSE, -EINVAL),
	MADVISE(W(4), 4 * P, MADV_COLLAPSE, -EINVAL),
	MADVISE(W(8), 4 * P, MADV_COLLAPSE, -ENOMEM),
	MADVISE(W(0), 20 * P, MADV_COLLAPSE, -EINVAL),
	MADVISE(W(16), 4 * P, MADV_POPULATE_WRITE, 0),
	MADVISE(W(16), 4 * P, MADV_COLLAPSE, -EINVAL),
	{ { OP_MLOCK, W(0), 20 * P, 0, 0, 0, -1 }, -ENOMEM },
};

struct host_case {
	const char *name;
	const struct case_op *ops;
	int n;
};

#define CASE(c) { #c, c, (int)ARRAY_SIZE(c) }
static const struct host_case cases[] = {
	CASE(devzero_move_pgoff),
	CASE(multi_move_devzero),
	CASE(mlock_hole_no_populate),
	CASE(read_populate_zero_page),
	CASE(populate_stops_at_failure),
	CASE(populate_past_eof),
	CASE(fork_cow_parent),
	CASE(lazyfree_pageout),
	CASE(mlock_collapse_unfaultable),
};

static void test_case(void **state)
{
	const struct host_case *c = *state;
	struct recording *old;
	struct hostfp fp;
	char name[96], err[600], why[200];
	int r;

	hostops_set_window(WIN, WIN_END);
	snprintf(name, sizeof(name), "host_cases/%s.txt", c->name);
	if (fixture_mode() != FIXTURE_REPLAY) {
		hostfp_probe(&fp);
		old = fixture_mode() == FIXTURE_LIVE ? recording_read(name, err, sizeof(err)) : NULL;
		r = hostops_run(name, c->ops, c->n, &fp, fixture_mode() == FIXTURE_RECORD, old);

		if (r == 2)
			print_message("%s ends at an open difference (reported above)\n", c->name);
		else if (r) {
			if (fixture_mode() == FIXTURE_RECORD || hostfp_covered(&fp, why, sizeof(why))) {
				if (old)
					recording_free(old);
				fail_msg("%s differs on this host", c->name);
			}
			print_message("%s differs on this host, which the model does not cover (%s)\n",
				      c->name, why);
		}
		if (old)
			recording_free(old);
		return;
	}
	old = recording_read(name, err, sizeof(err));
	if (!old)
		fail_msg("%s", err);
	for (int k = 0; k < c->n; k++)
		if (k >= old->nr || (c->ops[k].expect != HOSTOPS_ANY && old->steps[k].ret != c->ops[k].expect)) {
			recording_free(old);
			fail_msg("%s: the recording does not answer op %d as the case was written for", c->name,
				 k + 1);
		}
	switch (recording_replay(old)) {
	case 0:
		break;
	case 2:
		print_message("%s ends at an open difference (reported above)\n", c->name);
		break;
	default:
		recording_free(old);
		fail_msg("%s: mmlab differs from the recording", c->name);
	}
	recording_free(old);
}

int main(void)
{
	static struct CMUnitTest tests[ARRAY_SIZE(cases)];
	size_t k;

	for (k = 0; k < ARRAY_SIZE(cases); k++)
		tests[k] = (struct CMUnitTest){ .name = cases[k].name, .test_func = test_case,
						.initial_state = (void *)&cases[k] };
	return mmlab_run_group("test_host_cases", tests, ARRAY_SIZE(cases), NULL, NULL);
}
