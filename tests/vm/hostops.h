/*
 * hostops.h - sequences of memory calls run on a host kernel and on mmlab, recorded as
 * fixtures, replayed offline (see tests/hostfp.h for the three modes).
 *
 * A sequence is a list of calls (struct op) in a window of the address space far from
 * everything else. After every call the result, the window's /proc/PID/maps lines and every
 * window VMA's smaps "VmFlags" are compared: mmlab's with the host's (live) or with the
 * recording (fixture mode). A recording is tests/fixtures/NAME: the fingerprint of the host that
 * made it, then per call "op KIND A B C D E FD # text", "ret R", "acct DRSS DPTE DFLT", and,
 * where the window changed, "maps" and "flags" blocks, and where its pages changed a "pages"
 * block, each ended by ".".
 *
 * Writes and reads (loads) are done for real on the host with SIGSEGV and SIGBUS caught
 * (SEGV_MAPERR -EFAULT, SEGV_ACCERR -EACCES, SIGBUS -EIO), as mm_touch() answers. A hint the
 * kernel placed outside the window is "outside" (HOSTOPS_OUTSIDE) and unmapped at once. The
 * test file's device, inode and name, and the inode of shmem objects, are masked. OP_FORK
 * forks a child that only waits (the host's: pause(); mmlab's: mm_task_clone) and OP_CHILD_EXIT
 * ends the oldest one, so copy-on-write is seen from the parent, whose state is compared.
 *
 * Page-level state, compared after every call too:
 *   - "pages" block: "mincore V" and "pagemap V", one character per window page: '-' for a
 *     page outside every private anonymous VMA (file and shared mappings have no pages in the
 *     model yet), else the mincore byte, and the pagemap entry's present | exclusive (bit 56)
 *     << 1 | soft-dirty (bit 55) << 2 as a digit;
 *   - "acct DRSS DPTE DFLT": what the call changed in /proc/self/status RssAnon and VmPTE (KiB)
 *     and in /proc/self/stat minflt, measured on the host right around the call (everything it
 *     touches on the way touched before, so only the call's own faults count). They are
 *     compared only while every VMA the window has held since it was last empty was private
 *     anonymous (acct_comparable in hostops.c), and minflt not for OP_FORK (the fork faults on
 *     the parent's own copy-on-write stack).
 */
#ifndef MMLAB_TESTS_HOSTOPS_H
#define MMLAB_TESTS_HOSTOPS_H

#include "hostfp.h"

#include <stdbool.h>
#include <stdint.h>

#define HOSTOPS_MAX	400		/* calls in one sequence */
#define HOSTOPS_OUTSIDE	1L		/* the result of a hint placed outside the window */
#define HOSTOPS_ANY	(-4096L)	/* a case op whose result the case does not fix */

enum op_kind { OP_MMAP_ANON, OP_MMAP_FILE, OP_MMAP_HINT, OP_MUNMAP, OP_MPROTECT, OP_MADVISE,
	       OP_MREMAP, OP_WRITE, OP_MLOCK, OP_MUNLOCK, OP_MLOCK2, OP_MSYNC, OP_MINCORE,
	       OP_READ, OP_FORK, OP_CHILD_EXIT, NR_OP_KINDS };

/* Children that OP_FORK keeps alive at once; a fork beyond them first ends the oldest. */
#define HOSTOPS_MAX_CHILDREN	3

/*
 * One call, its arguments in the system call's order. fd (OP_MMAP_FILE): 0 the test file
 * O_RDONLY, 1 O_RDWR (64 pages, so no window page is past its end), 2 /dev/zero O_RDWR.
 */
struct op {
	enum op_kind kind;
	unsigned long a, b, c, d, e;
	int fd;
};

/* A call of a hand-written case, with the kernel's answer it was written for (or HOSTOPS_ANY). */
struct case_op {
	struct op op;
	long expect;
};

/* What one call did to the process's counters: RssAnon and VmPTE in KiB, minflt. */
enum { ACCT_RSS, ACCT_PTE, ACCT_FLT, NR_ACCT };

struct step {
	struct op op;
	long ret;
	bool changed;		/* maps and flags below are new */
	char *maps, *flags;
	bool pages_changed;	/* pages below is new */
	char *pages;		/* "mincore ...", "pagemap ..." and "smaps ..." of the window */
	bool has_acct;
	long acct[NR_ACCT];	/* the call's deltas (a recording without them compares none) */
};

struct recording {
	struct hostfp fp;
	char name[96];		/* under tests/fixtures/ */
	int nr;
	struct step steps[HOSTOPS_MAX];
};

/* The window [start, end) that sequences run in and that is compared. */
void hostops_set_window(unsigned long start, unsigned long end);

/* "mmap(0x..., ...)" as a person reads it. */
void op_text(const struct op *o, char *out, size_t size);

/* How many calls were compared, and on how many the pages and each delta were. */
struct hostops_stats {
	int steps, pages, acct[NR_ACCT];
	int reconciled;		/* host lazy-free batch drains between calls, made in the model too */
};

/* The totals of the recording_replay() calls of this process so far. */
void hostops_stats_get(struct hostops_stats *out);

/* Read recording tests/fixtures/@name; NULL (with @err set) if missing or malformed. */
struct recording *recording_read(const char *name, char *err, size_t size);
void recording_free(struct recording *rec);

/*
 * Fixture mode: replay @rec on mmlab alone, configured from its fingerprint. Returns 0, or 1
 * after printing the first difference from the recording, or 2 after printing an open
 * difference (one the model does not claim to cover: reported, the sequence ends there).
 */
int recording_replay(const struct recording *rec);

/*
 * In a child process: run the @n calls of @ops on this host, fingerprinted @fp. Live (@record
 * false): on mmlab too, configured from @fp; returns 0, or 1 after printing the first
 * difference (or a result other than a call's @expect); notes where the host disagrees with
 * @old (may be NULL). Record: writes recording @name. Returns 1 if the child failed, 2 after
 * an open difference (see recording_replay).
 */
int hostops_run(const char *name, const struct case_op *ops, int n, const struct hostfp *fp,
		bool record, const struct recording *old);

#endif /* MMLAB_TESTS_HOSTOPS_H */
