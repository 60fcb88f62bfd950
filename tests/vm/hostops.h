/*
 * hostops.h - sequences of memory calls run on a host kernel and on mmlab, recorded as
 * fixtures, replayed offline (see tests/hostfp.h for the three modes).
 *
 * A sequence is a list of calls (struct op) in a window of the address space far from
 * everything else. After every call the result, the window's /proc/PID/maps lines and every
 * window VMA's smaps "VmFlags" are compared: mmlab's with the host's (live) or with the
 * recording (fixture mode). A recording is tests/fixtures/NAME: the fingerprint of the host that
 * made it, then per call "op KIND A B C D E FD # text", "ret R", and, where the window changed,
 * "maps" and "flags" blocks ended by ".".
 *
 * Writes are done for real on the host with SIGSEGV and SIGBUS caught (SEGV_MAPERR -EFAULT,
 * SEGV_ACCERR -EACCES, SIGBUS -EIO), as mm_touch() answers. A hint the kernel placed outside
 * the window is "outside" (HOSTOPS_OUTSIDE) and unmapped at once. The test file's device,
 * inode and name, and the inode of shmem objects, are masked.
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
	       NR_OP_KINDS };

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

struct step {
	struct op op;
	long ret;
	bool changed;		/* maps and flags below are new */
	char *maps, *flags;
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

/* Read recording tests/fixtures/@name; NULL (with @err set) if missing or malformed. */
struct recording *recording_read(const char *name, char *err, size_t size);
void recording_free(struct recording *rec);

/*
 * Fixture mode: replay @rec on mmlab alone, configured from its fingerprint. Returns 0, or 1
 * after printing the first difference from the recording.
 */
int recording_replay(const struct recording *rec);

/*
 * In a child process: run the @n calls of @ops on this host, fingerprinted @fp. Live (@record
 * false): on mmlab too, configured from @fp; returns 0, or 1 after printing the first
 * difference (or a result other than a call's @expect); notes where the host disagrees with
 * @old (may be NULL). Record: writes recording @name. Returns 1 if the child failed.
 */
int hostops_run(const char *name, const struct case_op *ops, int n, const struct hostfp *fp,
		bool record, const struct recording *old);

#endif /* MMLAB_TESTS_HOSTOPS_H */
