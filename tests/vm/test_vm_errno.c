/*
 * test_vm_errno.c - every errno of every memory syscall, in the kernel's order, checked two
 * ways: against the value written in the table (the kernel's documented answer) and against
 * the host kernel, which runs the same call on the same layout in a child process.
 *
 * Layout pictures: one char per page from W(0): 'A' private anonymous rw, 'R' private
 * anonymous read-only, 'N' PROT_NONE, 'F' shared file rw (offset = page index), '.' hole.
 */
#include "vmtest.h"

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

static void test_errno_table(void **state)
{
	struct mm_file_desc d = { 0 };
	struct stat st;
	size_t k;
	int tmp, bad = 0;

	(void)state;
	snprintf(file_path, sizeof(file_path), "/tmp/mmlab-errno-XXXXXX");
	tmp = mkstemp(file_path);
	assert_true(tmp >= 0 && ftruncate(tmp, 16 * P) == 0);
	fstat(tmp, &st);
	close(tmp);
	d.path = file_path;
	d.dev_major = major(st.st_dev);
	d.dev_minor = minor(st.st_dev);
	d.ino = st.st_ino;
	d.size = 16 * P;

	for (k = 0; k < ARRAY_SIZE(cases); k++) {
		const struct ecase *c = &cases[k];
		struct mm_file *files[3];
		int fds[4], pipefd[2];
		long host = 0, lab;
		struct vmt t;
		pid_t pid;

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

		if ((c->expect < 0 && (lab != c->expect || host != c->expect)) ||
		    (c->expect == 0 && (lab < 0 || host < 0 || (c->call == C_MMAP || c->call == C_MREMAP ?
								lab != host : lab != 0)))) {
			fprintf(stderr, "%-36s expected %ld, mmlab %ld, host %ld\n", c->name, c->expect,
				lab, host);
			bad++;
		}
		for (int i = 0; i < 3; i++)
			mm_file_put(files[i]);
		vmt_teardown(&t);
	}
	unlink(file_path);
	fprintf(stderr, "%zu errno cases, %d wrong\n", ARRAY_SIZE(cases), bad);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errno_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
