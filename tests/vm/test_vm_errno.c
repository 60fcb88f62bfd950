/*
 * test_vm_errno.c - every errno of every memory syscall, in the kernel's order: one cmocka test
 * per row of the table, named after the row (MMLAB_TEST=name runs one alone). Each row is the
 * kernel's documented answer; a host kernel runs the same call on the same layout in a child.
 *   - test_vm_errno: mmlab must give the row's answer, and where the row is a success whose
 *     address the kernel chooses, the address recorded in tests/fixtures/vm_errno.txt.
 *   - test_vm_errno_live: also runs each row on this host. "mmlab differs from the row" always
 *     fails; "this host differs from the row" fails only on a host the model covers
 *     (hostfp.h), and is a report elsewhere.
 *   - MMLAB_FIXTURE_MODE=record rewrites the recording from this host.
 *
 * Layout pictures: one char per page from W(0): 'A' private anonymous rw, 'R' private
 * anonymous read-only, 'N' PROT_NONE, 'F' shared file rw (offset = page index), '.' hole.
 */
#include "vmtest.h"
#include "hostfp.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Raw system calls: sanitizer runtimes intercept mlock() and friends as no-ops. */
#define host_mlock(a, l)		syscall(SYS_mlock, (a), (l))
#define host_munlock(a, l)		syscall(SYS_munlock, (a), (l))
#define host_mlock2(a, l, f)		syscall(SYS_mlock2, (a), (l), (f))
#define host_mlockall(f)		syscall(SYS_mlockall, (f))

#define WIN	0x310000000000UL
#define W(p)	(WIN + (unsigned long)(p) * PAGE_SIZE)
#define P	PAGE_SIZE

enum call { C_MMAP, C_MUNMAP, C_MPROTECT, C_MREMAP, C_MADVISE, C_MLOCK, C_MLOCK2, C_MUNLOCK,
	    C_MLOCKALL, C_MSYNC, C_MINCORE };

struct ecase {
	const char *name;
	const char *layout;
	enum call call;
	unsigned long a, b, c, d, e;
	int fd;			/* mmap: -1 none, 0 O_RDONLY, 1 O_RDWR, 2 O_WRONLY, 3 bad fd */
	long expect;		/* 0: success (addresses compared with the host) */
};

static const struct ecase cases[] = {
	/* mmap */
	{ "mmap len 0", "", C_MMAP, W(0), 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 0, -1, -EINVAL },
	{ "mmap len wraps", "", C_MMAP, W(0), -1UL, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 0, -1, -ENOMEM },
	{ "mmap offset unaligned", "", C_MMAP, W(0), P, PROT_READ, MAP_PRIVATE, 100, 1, -EINVAL },
	{ "mmap no map type", "", C_MMAP, W(0), P, PROT_READ, MAP_ANONYMOUS, 0, -1, -EINVAL },
	{ "mmap anon shared_validate", "", C_MMAP, W(0), P, PROT_READ, MAP_SHARED_VALIDATE | MAP_ANONYMOUS | MAP_FIXED, 0, -1, -EINVAL },
	{ "mmap bad fd", "", C_MMAP, W(0), P, PROT_READ, MAP_PRIVATE, 0, 3, -EBADF },
	{ "mmap file hugetlb", "", C_MMAP, W(0), P, PROT_READ, MAP_PRIVATE | MAP_HUGETLB, 0, 1, -EINVAL },
	{ "mmap fixed unaligned", "", C_MMAP, W(0) + 1, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0, -1, -EINVAL },
	{ "mmap fixed beyond TASK_SIZE", "", C_MMAP, 0x7ffffffff000UL, 2 * P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0, -1, -ENOMEM },
	{ "mmap len > TASK_SIZE", "", C_MMAP, 0, 1UL << 48, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 0, -1, -ENOMEM },
	{ "mmap noreplace over mapping", "A", C_MMAP, W(0), P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, 0, -1, -EEXIST },
	{ "mmap noreplace partial overlap", ".A", C_MMAP, W(0), 2 * P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, 0, -1, -EEXIST },
	{ "mmap shared_validate unknown flag", "", C_MMAP, W(0), P, PROT_READ, MAP_SHARED_VALIDATE | MAP_FIXED | MAP_SYNC, 0, 1, -EOPNOTSUPP },
	{ "mmap shared huge bits legacy", "", C_MMAP, W(0), P, PROT_READ, MAP_SHARED_VALIDATE | MAP_FIXED | 0x40000000, 0, 1, 0 },
	{ "mmap shared_validate noreplace", "", C_MMAP, W(0), P, PROT_READ, MAP_SHARED_VALIDATE | MAP_FIXED_NOREPLACE, 0, 1, -EOPNOTSUPP },
	{ "mmap shared write on O_RDONLY", "", C_MMAP, W(0), P, PROT_WRITE, MAP_SHARED | MAP_FIXED, 0, 0, -EACCES },
	{ "mmap shared read on O_RDONLY", "", C_MMAP, W(0), P, PROT_READ, MAP_SHARED | MAP_FIXED, 0, 0, 0 },
	{ "mmap private write on O_RDONLY", "", C_MMAP, W(0), P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, 0, 0, 0 },
	{ "mmap any on O_WRONLY", "", C_MMAP, W(0), P, PROT_WRITE, MAP_SHARED | MAP_FIXED, 0, 2, -EACCES },
	{ "mmap private on O_WRONLY", "", C_MMAP, W(0), P, PROT_READ, MAP_PRIVATE | MAP_FIXED, 0, 2, -EACCES },
	{ "mmap file growsdown", "", C_MMAP, W(0), P, PROT_READ, MAP_PRIVATE | MAP_FIXED | MAP_GROWSDOWN, 0, 1, -EINVAL },
	{ "mmap shared anon growsdown", "", C_MMAP, W(0), P, PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, 0, -1, -EINVAL },
	{ "mmap pgoff overflow", "", C_MMAP, W(0), 2 * P, PROT_READ, MAP_PRIVATE | MAP_FIXED, -P, 1, -EOVERFLOW },
	{ "mmap fixed replaces", "AAA", C_MMAP, W(1), P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0, -1, 0 },
	{ "mmap hint taken", "", C_MMAP, W(4), P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 0, -1, 0 },
	{ "mmap denywrite ignored", "", C_MMAP, W(0), P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_DENYWRITE | MAP_EXECUTABLE, 0, -1, 0 },
	/* munmap */
	{ "munmap unaligned", "A", C_MUNMAP, W(0) + 8, P, 0, 0, 0, -1, -EINVAL },
	{ "munmap len 0", "A", C_MUNMAP, W(0), 0, 0, 0, 0, -1, -EINVAL },
	{ "munmap beyond TASK_SIZE", "", C_MUNMAP, 0x7ffffffff000UL, 2 * P, 0, 0, 0, -1, -EINVAL },
	{ "munmap hole ok", "...", C_MUNMAP, W(0), 3 * P, 0, 0, 0, -1, 0 },
	{ "munmap partial len", "AA", C_MUNMAP, W(0), 100, 0, 0, 0, -1, 0 },
	/* mprotect */
	{ "mprotect unaligned", "A", C_MPROTECT, W(0) + 1, P, PROT_READ, 0, 0, -1, -EINVAL },
	{ "mprotect len 0", "", C_MPROTECT, W(0), 0, PROT_READ, 0, 0, -1, 0 },
	{ "mprotect bad prot", "A", C_MPROTECT, W(0), P, 0x10, 0, 0, -1, -EINVAL },
	{ "mprotect both grows", "A", C_MPROTECT, W(0), P, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP, 0, 0, -1, -EINVAL },
	{ "mprotect unmapped", "", C_MPROTECT, W(0), P, PROT_READ, 0, 0, -1, -ENOMEM },
	{ "mprotect hole after", "A.A", C_MPROTECT, W(0), 3 * P, PROT_READ, 0, 0, -1, -ENOMEM },
	{ "mprotect starts in hole", ".A", C_MPROTECT, W(0), 2 * P, PROT_READ, 0, 0, -1, -ENOMEM },
	{ "mprotect wraps", "A", C_MPROTECT, W(0), -P, PROT_READ, 0, 0, -1, -ENOMEM },
	{ "mprotect growsdown on normal", "A", C_MPROTECT, W(0), P, PROT_READ | PROT_GROWSDOWN, 0, 0, -1, -EINVAL },
	{ "mprotect growsup", "A", C_MPROTECT, W(0), P, PROT_READ | PROT_GROWSUP, 0, 0, -1, -EINVAL },
	{ "mprotect write on ro shared file", "", C_MPROTECT, W(0), P, PROT_WRITE, 0, 0, 0, -EACCES },
	{ "mprotect sem ok", "A", C_MPROTECT, W(0), P, PROT_READ | PROT_SEM, 0, 0, -1, 0 },
	/* mremap */
	{ "mremap bad flags", "A", C_MREMAP, W(0), P, P, 8, 0, -1, -EINVAL },
	{ "mremap unaligned", "A", C_MREMAP, W(0) + 1, P, P, 0, 0, -1, -EINVAL },
	{ "mremap new_len 0", "A", C_MREMAP, W(0), P, 0, 0, 0, -1, -EINVAL },
	{ "mremap fixed without maymove", "A", C_MREMAP, W(0), P, P, MREMAP_FIXED, W(4), -1, -EINVAL },
	{ "mremap fixed unaligned target", "A", C_MREMAP, W(0), P, P, MREMAP_FIXED | MREMAP_MAYMOVE, W(4) + 1, -1, -EINVAL },
	{ "mremap fixed overlap", "AA", C_MREMAP, W(0), 2 * P, 2 * P, MREMAP_FIXED | MREMAP_MAYMOVE, W(1), -1, -EINVAL },
	{ "mremap dontunmap resize", "A", C_MREMAP, W(0), P, 2 * P, MREMAP_DONTUNMAP | MREMAP_MAYMOVE, 0, -1, -EINVAL },
	{ "mremap unmapped", "", C_MREMAP, W(0), P, 2 * P, 0, 0, -1, -EFAULT },
	{ "mremap grow across vmas", "AR.", C_MREMAP, W(0), 2 * P, 3 * P, 0, 0, -1, -EFAULT },
	{ "mremap grow blocked", "AR", C_MREMAP, W(0), P, 2 * P, 0, 0, -1, -ENOMEM },
	{ "mremap grow in place", "A..", C_MREMAP, W(0), P, 3 * P, 0, 0, -1, 0 },
	{ "mremap shrink", "AAA", C_MREMAP, W(0), 3 * P, P, 0, 0, -1, 0 },
	{ "mremap same size", "A", C_MREMAP, W(0), P, P, 0, 0, -1, 0 },
	{ "mremap old_len 0 private", "A", C_MREMAP, W(0), 0, P, MREMAP_MAYMOVE | MREMAP_FIXED, W(4), -1, -EINVAL },
	{ "mremap fixed move", "AA", C_MREMAP, W(0), 2 * P, 2 * P, MREMAP_FIXED | MREMAP_MAYMOVE, W(4), -1, 0 },
	{ "mremap dontunmap", "AA", C_MREMAP, W(0), 2 * P, 2 * P, MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP, W(4), -1, 0 },
	{ "mremap fixed gap at start", ".A", C_MREMAP, W(0), 2 * P, 2 * P, MREMAP_FIXED | MREMAP_MAYMOVE, W(4), -1, -EFAULT },
	/* madvise */
	{ "madvise bad advice", "A", C_MADVISE, W(0), P, 77, 0, 0, -1, -EINVAL },
	{ "madvise unaligned", "A", C_MADVISE, W(0) + 1, P, MADV_NORMAL, 0, 0, -1, -EINVAL },
	{ "madvise len wraps", "A", C_MADVISE, W(0), -1UL, MADV_NORMAL, 0, 0, -1, -EINVAL },
	{ "madvise len 0", "", C_MADVISE, W(0), 0, MADV_NORMAL, 0, 0, -1, 0 },
	{ "madvise unmapped", "", C_MADVISE, W(0), P, MADV_NORMAL, 0, 0, -1, -ENOMEM },
	{ "madvise hole", "A.A", C_MADVISE, W(0), 3 * P, MADV_DONTDUMP, 0, 0, -1, -ENOMEM },
	{ "madvise wipeonfork on file", "", C_MADVISE, W(0), P, MADV_WIPEONFORK, 0, 0, 1, -EINVAL },
	{ "madvise free on file", "", C_MADVISE, W(0), P, MADV_FREE, 0, 0, 1, -EINVAL },
	{ "madvise remove on anon", "A", C_MADVISE, W(0), P, MADV_REMOVE, 0, 0, -1, -EINVAL },
	{ "madvise remove on ro shared", "", C_MADVISE, W(0), P, MADV_REMOVE, 0, 0, 0, -EACCES },
	{ "madvise hwpoison", "A", C_MADVISE, W(0), P, MADV_HWPOISON, 0, 0, -1, -EINVAL },
	{ "madvise populate_write ro", "R", C_MADVISE, W(0), P, MADV_POPULATE_WRITE, 0, 0, -1, -EINVAL },
	{ "madvise populate_read none", "N", C_MADVISE, W(0), P, MADV_POPULATE_READ, 0, 0, -1, -EINVAL },
	{ "madvise dontneed locked", "A", C_MADVISE, W(0), P, MADV_DONTNEED, 1, 0, -1, -EINVAL },
	/* mlock family */
	{ "mlock unmapped", "", C_MLOCK, W(0), P, 0, 0, 0, -1, -ENOMEM },
	{ "mlock hole", "A.A", C_MLOCK, W(0), 3 * P, 0, 0, 0, -1, -ENOMEM },
	{ "mlock prot none", "N", C_MLOCK, W(0), P, 0, 0, 0, -1, -ENOMEM },
	{ "mlock unaligned ok", "A", C_MLOCK, W(0) + 5, 10, 0, 0, 0, -1, 0 },
	{ "mlock2 bad flags", "A", C_MLOCK2, W(0), P, 2, 0, 0, -1, -EINVAL },
	{ "mlock2 onfault prot none", "N", C_MLOCK2, W(0), P, MLOCK_ONFAULT, 0, 0, -1, 0 },
	{ "munlock hole", "A.A", C_MUNLOCK, W(0), 3 * P, 0, 0, 0, -1, -ENOMEM },
	{ "mlockall 0", "", C_MLOCKALL, 0, 0, 0, 0, 0, -1, -EINVAL },
	{ "mlockall onfault alone", "", C_MLOCKALL, MCL_ONFAULT, 0, 0, 0, 0, -1, -EINVAL },
	{ "mlockall bad bit", "", C_MLOCKALL, 8, 0, 0, 0, 0, -1, -EINVAL },
	/* msync */
	{ "msync bad flags", "A", C_MSYNC, W(0), P, 8, 0, 0, -1, -EINVAL },
	{ "msync unaligned", "A", C_MSYNC, W(0) + 1, P, MS_SYNC, 0, 0, -1, -EINVAL },
	{ "msync async+sync", "A", C_MSYNC, W(0), P, MS_SYNC | MS_ASYNC, 0, 0, -1, -EINVAL },
	{ "msync wraps", "A", C_MSYNC, W(0), -P, MS_SYNC, 0, 0, -1, -ENOMEM },
	{ "msync hole", "A.A", C_MSYNC, W(0), 3 * P, MS_SYNC, 0, 0, -1, -ENOMEM },
	{ "msync async hole", "A.A", C_MSYNC, W(0), 3 * P, MS_ASYNC, 0, 0, -1, -ENOMEM },
	{ "msync invalidate locked", "A", C_MSYNC, W(0), P, MS_INVALIDATE, 1, 0, -1, -EBUSY },
	{ "msync len 0", "", C_MSYNC, W(0), 0, MS_SYNC, 0, 0, -1, 0 },
	/* mincore */
	{ "mincore unaligned", "A", C_MINCORE, W(0) + 1, P, 0, 0, 0, -1, -EINVAL },
	{ "mincore unmapped", "", C_MINCORE, W(0), P, 0, 0, 0, -1, -ENOMEM },
	{ "mincore beyond user space", "", C_MINCORE, 0x7ffffffff000UL, 2 * P, 0, 0, 0, -1, -ENOMEM },
	{ "mincore null vec", "A", C_MINCORE, W(0), P, 1, 0, 0, -1, -EFAULT },
	{ "mincore hole", "A.", C_MINCORE, W(0), 2 * P, 0, 0, 0, -1, -ENOMEM },
	/*
	 * Added later, at the end so the recorded row numbers stay: MADV_POPULATE_* stop at the
	 * first hole (ENOMEM) before a VMA beyond it can refuse (EINVAL).
	 */
	{ "madvise populate_write unmapped", "", C_MADVISE, W(0), P, MADV_POPULATE_WRITE, 0, 0, -1, -ENOMEM },
	{ "madvise populate_read unmapped", "", C_MADVISE, W(0), P, MADV_POPULATE_READ, 0, 0, -1, -ENOMEM },
	{ "madvise populate_write hole then ro", ".R", C_MADVISE, W(0), 2 * P, MADV_POPULATE_WRITE, 0, 0, -1, -ENOMEM },
	{ "madvise populate_read hole then none", ".N", C_MADVISE, W(0), 2 * P, MADV_POPULATE_READ, 0, 0, -1, -ENOMEM },
	{ "madvise populate_write hole", "A.A", C_MADVISE, W(0), 3 * P, MADV_POPULATE_WRITE, 0, 0, -1, -ENOMEM },
};

static char file_path[64];

/* Runs @c on the host (in this process: the caller is a child). */
static long host_call(const struct ecase *c, int fds[4])
{
	static unsigned char vec[64];
	int fd = c->fd < 0 ? -1 : fds[c->fd];
	long r;

	switch (c->call) {
	case C_MMAP:
		r = (long)mmap((void *)c->a, c->b, (int)c->c, (int)c->d, fd, (off_t)c->e);
		return r == -1 ? -errno : r;
	case C_MUNMAP: r = munmap((void *)c->a, c->b); break;
	case C_MPROTECT: r = mprotect((void *)c->a, c->b, (int)c->c); break;
	case C_MREMAP:
		r = (long)mremap((void *)c->a, c->b, c->c, (int)c->d, (void *)c->e);
		return r == -1 ? -errno : r;
	case C_MADVISE: r = madvise((void *)c->a, c->b, (int)c->c); break;
	case C_MLOCK: r = host_mlock((void *)c->a, c->b); break;
	case C_MLOCK2: r = host_mlock2((void *)c->a, c->b, (unsigned int)c->c); break;
	case C_MUNLOCK: r = host_munlock((void *)c->a, c->b); break;
	case C_MLOCKALL: r = host_mlockall((int)c->a); break;
	case C_MSYNC: r = msync((void *)c->a, c->b, (int)c->c); break;
	default: r = mincore((void *)c->a, c->b, c->c ? NULL : vec); break;
	}
	return r == -1 ? -errno : r;
}

static long lab_call(struct vmt *t, const struct ecase *c, struct mm_file *files[3])
{
	static unsigned char vec[64];
	struct mm_file *f = c->fd < 0 || c->fd > 2 ? NULL : files[c->fd];

	switch (c->call) {
	case C_MMAP:
		if (c->fd == 3)
			return (c->d & MAP_ANONYMOUS) ? 0 : -EBADF;
		return mm_mmap(t->mm, c->a, c->b, c->c, c->d, f, c->e);
	case C_MUNMAP: return mm_munmap(t->mm, c->a, c->b);
	case C_MPROTECT: return mm_mprotect(t->mm, c->a, c->b, c->c);
	case C_MREMAP: return mm_mremap(t->mm, c->a, c->b, c->c, c->d, c->e);
	case C_MADVISE: return mm_madvise(t->mm, c->a, c->b, (int)c->c);
	case C_MLOCK: return mm_mlock(t->mm, c->a, c->b);
	case C_MLOCK2: return mm_mlock2(t->mm, c->a, c->b, (unsigned int)c->c);
	case C_MUNLOCK: return mm_munlock(t->mm, c->a, c->b);
	case C_MLOCKALL: return mm_mlockall(t->mm, (int)c->a);
	case C_MSYNC: return mm_msync(t->mm, c->a, c->b, (int)c->c);
	default: return mm_mincore(t->mm, c->a, c->b, c->c ? NULL : vec);
	}
}

/* Lay the picture out on the host (@host) or on mmlab; a file case maps page 0 of the file. */
static void lay_out(const struct ecase *c, struct vmt *t, struct mm_file *files[3], int fds[4],
		    bool host)
{
	size_t i;

	for (i = 0; c->layout[i]; i++) {
		int prot = c->layout[i] == 'A' ? PROT_READ | PROT_WRITE :
			   c->layout[i] == 'R' ? PROT_READ : PROT_NONE;

		if (c->layout[i] == '.')
			continue;
		if (host)
			mmap((void *)W(i), P, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		else
			mm_mmap(t->mm, W(i), P, (unsigned long)prot,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
	}
	/* Cases on a file mapping ("fd" set, not mmap): a shared mapping of page 0 at W(0). */
	if (c->call != C_MMAP && c->fd >= 0) {
		int prot = c->fd == 0 ? PROT_READ : PROT_READ | PROT_WRITE;

		if (host)
			mmap((void *)W(0), P, prot, MAP_SHARED | MAP_FIXED, fds[c->fd], 0);
		else
			mm_mmap(t->mm, W(0), P, (unsigned long)prot, MAP_SHARED | MAP_FIXED,
				files[c->fd], 0);
	}
	/* "d" = 1 on madvise/msync cases: the range is mlocked first. */
	if ((c->call == C_MADVISE || c->call == C_MSYNC) && c->d == 1) {
		if (host)
			host_mlock((void *)W(0), P);
		else
			mm_mlock(t->mm, W(0), P);
	}
}

/* The backing file of the file cases (made once, removed at exit). */
static struct mm_file_desc file_desc;

static void make_file(void)
{
	struct stat st;
	int tmp;

	snprintf(file_path, sizeof(file_path), "/tmp/mmlab-errno-XXXXXX");
	tmp = mkstemp(file_path);
	assert_true(tmp >= 0 && ftruncate(tmp, 16 * P) == 0);
	fstat(tmp, &st);
	close(tmp);
	file_desc.path = file_path;
	file_desc.dev_major = major(st.st_dev);
	file_desc.dev_minor = minor(st.st_dev);
	file_desc.ino = st.st_ino;
	file_desc.size = 16 * P;
}

/* Row @c on mmlab, in a fresh process of a fresh machine. */
static long lab_row(const struct ecase *c)
{
	struct mm_file_desc d = file_desc;
	struct mm_file *files[3];
	struct vmt t;
	long lab;
	int i;

	vmt_setup(&t, MM_EXEC_EMPTY);
	if (geteuid() == 0)
		mm_set_caps(t.mm, MM_CAP_IPC_LOCK | MM_CAP_SYS_RAWIO | MM_CAP_SYS_ADMIN);
	d.open_flags = O_RDONLY;
	files[0] = mm_file_open(t.m, &d);
	d.open_flags = O_RDWR;
	files[1] = mm_file_open(t.m, &d);
	d.open_flags = O_WRONLY;
	files[2] = mm_file_open(t.m, &d);
	lay_out(c, &t, files, NULL, false);
	lab = lab_call(&t, c, files);
	for (i = 0; i < 3; i++)
		mm_file_put(files[i]);
	vmt_teardown(&t);
	return lab;
}

/* Row @c on this host, in a child process. */
static long host_row(const struct ecase *c)
{
	int fds[4], pipefd[2];
	long host = 0;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	if (pid == 0) {
		fds[0] = open(file_path, O_RDONLY);
		fds[1] = open(file_path, O_RDWR);
		fds[2] = open(file_path, O_WRONLY);
		fds[3] = 1000;
		lay_out(c, NULL, NULL, fds, true);
		host = host_call(c, fds);
		if (write(pipefd[1], &host, sizeof(host)) != sizeof(host))
			_exit(2);
		_exit(0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &host, sizeof(host)) != sizeof(host))
		host = 1;
	close(pipefd[0]);
	waitpid(pid, NULL, 0);
	return host;
}

/* Does a result match row @c? A success whose address the kernel picks must equal @addr. */
static bool row_matches(const struct ecase *c, long r, long addr)
{
	if (c->expect < 0)
		return r == c->expect;
	if (r < 0)
		return false;
	return c->call == C_MMAP || c->call == C_MREMAP ? r == addr : r == 0;
}

/* The recording: this host's answer to every row, with its fingerprint. */
static struct hostfp rec_fp, this_fp;
static long rec_result[ARRAY_SIZE(cases)];
static bool rec_have[ARRAY_SIZE(cases)];

static void read_recording(void)
{
	char path[512], *text, *line, *save;

	fixture_path("vm_errno.txt", path, sizeof(path));
	text = read_whole_file(path);
	if (!text)
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long k;
		long r;

		if (hostfp_parse_line(&rec_fp, line))
			continue;
		if (sscanf(line, "row %lu %ld", &k, &r) == 2 && k < ARRAY_SIZE(cases)) {
			rec_result[k] = r;
			rec_have[k] = true;
		}
	}
	free(text);
}

static void write_recording(void)
{
	char path[512];
	FILE *f;
	size_t k;

	fixture_path("vm_errno.txt", path, sizeof(path));
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "# mmlab fixture: test_vm_errno, the host's answer to each row of its table.\n"
		   "# Re-record with scripts/record-fixtures.sh; see tests/vm/test_vm_errno.c.\n");
	hostfp_write(f, &this_fp);
	for (k = 0; k < ARRAY_SIZE(cases); k++)
		fprintf(f, "row %zu %ld # %s\n", k, host_row(&cases[k]), cases[k].name);
	assert_int_equal(fclose(f), 0);
}

static void test_row(void **state)
{
	const struct ecase *c = *state;
	size_t k = (size_t)(c - cases);
	long lab = lab_row(c), host, addr;
	char why[200];

	if (fixture_mode() != FIXTURE_LIVE) {
		if (!rec_have[k])
			fail_msg("row %zu (%s) is not in tests/fixtures/vm_errno.txt", k, c->name);
		if (!row_matches(c, lab, rec_result[k]))
			fail_msg("mmlab differs from the row: expected %ld (recorded %ld), mmlab %ld",
				 c->expect, rec_result[k], lab);
		return;
	}
	host = host_row(c);
	addr = host;
	if (!row_matches(c, host, addr)) {
		print_message("this host differs from the row: expected %ld, host %ld\n", c->expect,
			      host);
		if (hostfp_covered(&this_fp, why, sizeof(why)))
			fail_msg("this host is covered by the model, so the row must hold");
		print_message("(this host is not covered: %s)\n", why);
	}
	if (!row_matches(c, lab, addr))
		fail_msg("mmlab differs from the row: expected %ld, host %ld, mmlab %ld", c->expect,
			 host, lab);
}

static int group_setup(void **state)
{
	(void)state;
	make_file();
	hostfp_probe(&this_fp);
	if (fixture_mode() == FIXTURE_RECORD)
		write_recording();
	read_recording();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(file_path);
	return 0;
}

int main(void)
{
	static struct CMUnitTest tests[ARRAY_SIZE(cases)];
	size_t k;

	for (k = 0; k < ARRAY_SIZE(cases); k++)
		tests[k] = (struct CMUnitTest){ .name = cases[k].name, .test_func = test_row,
						.initial_state = (void *)&cases[k] };
	return mmlab_run_group("test_vm_errno", tests, ARRAY_SIZE(cases), group_setup,
				       group_teardown);
}
