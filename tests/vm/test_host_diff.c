/*
 * test_host_diff.c - differential test against the host kernel: a seeded generator of memory
 * syscalls in a 48-page window far from everything else. A child process runs each call for
 * real and on mmlab, and compares the results and the window's /proc/self/maps lines after
 * every call. Writes to memory are done for real only where mmlab says the page is writable
 * (mm_touch), so the child never faults.
 *
 * Besides the maps text, every VMA's flags are compared with the host's smaps "VmFlags" line
 * (rd wr ex sh mr mw me ms gd lo dc de lf ac nr wf dd hg nh mg ...): VM_LOCKED, VM_ACCOUNT,
 * VM_DONTCOPY and the other flags maps does not show must match too.
 *
 * Calls whose placement is the kernel's own choice outside the window (a hint that is taken
 * elsewhere) are compared as "both outside" and unmapped at once. Inode numbers of shmem
 * objects are masked (the host's are its own).
 *
 * Environment: MMLAB_DIFF_SEEDS=n runs seeds MMLAB_SEED.. (default: the green list below);
 * MMLAB_DIFF_LOG=1 prints the call log on a difference; MMLAB_DIFF_NOFLAGS=1 skips VmFlags;
 * MMLAB_DIFF_DUMP_AT=n prints both sides' VmFlags after call n.
 */
#include "vmtest.h"

#include <fcntl.h>
#include <sys/resource.h>
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

#define WIN_BASE	0x300000000000UL
#define WIN_PAGES	48
#define WADDR(p)	(WIN_BASE + (unsigned long)(p) * PAGE_SIZE)
#define NR_OPS		400

struct ctx {
	struct machine *m;
	struct mm_struct *mm;
	struct mm_file *lab_file[2];	/* O_RDONLY, O_RDWR */
	int fd[2];
	uint64_t rng;
	int diffs, calls;
	char log[NR_OPS][240];
};

static unsigned long rnd(struct ctx *c, unsigned long n)
{
	return n ? test_rand(&c->rng) % n : 0;
}

/* The window's lines of a maps text, shmem inodes masked. */
static void window_lines(const char *maps, char *out, size_t size)
{
	const char *line = maps;
	size_t len = 0;

	out[0] = '\0';
	while (*line) {
		const char *nl = strchr(line, '\n');
		unsigned long start = strtoul(line, NULL, 16);
		size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);

		if (start >= WIN_BASE && start < WADDR(WIN_PAGES) && len + n < size) {
			char buf[512];

			snprintf(buf, sizeof(buf), "%.*s", (int)n, line);
			if (strstr(buf, "/dev/zero (deleted)")) {
				/* "range perms off dev ino name": drop the inode and its padding */
				char r[64], pm[8], of[16], dv[16];

				sscanf(buf, "%63s %7s %15s %15s", r, pm, of, dv);
				snprintf(buf, sizeof(buf), "%s %s %s %s # /dev/zero (deleted)\n", r, pm,
					 of, dv);
			}
			memcpy(out + len, buf, strlen(buf));
			len += strlen(buf);
			out[len] = '\0';
		}
		if (!nl)
			break;
		line = nl + 1;
	}
}

static char *host_maps(void)
{
	static char buf[1 << 20];
	int fd = open("/proc/self/maps", O_RDONLY);
	ssize_t n, len = 0;

	while ((n = read(fd, buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* The smaps VmFlags mnemonics of the bits both sides know, in the kernel's bit order. */
static void vmflags_str(unsigned long f, char *out)
{
	static const struct { unsigned long bit; const char *s; } names[] = {
		{ VM_READ, "rd" }, { VM_WRITE, "wr" }, { VM_EXEC, "ex" }, { VM_SHARED, "sh" },
		{ VM_MAYREAD, "mr" }, { VM_MAYWRITE, "mw" }, { VM_MAYEXEC, "me" },
		{ VM_MAYSHARE, "ms" }, { VM_GROWSDOWN, "gd" }, { VM_PFNMAP, "pf" },
		{ VM_LOCKED, "lo" }, { VM_IO, "io" }, { VM_SEQ_READ, "sr" }, { VM_RAND_READ, "rr" },
		{ VM_DONTCOPY, "dc" }, { VM_DONTEXPAND, "de" }, { VM_LOCKONFAULT, "lf" },
		{ VM_ACCOUNT, "ac" }, { VM_NORESERVE, "nr" }, { VM_HUGETLB, "ht" }, { VM_SYNC, "sf" },
		{ VM_WIPEONFORK, "wf" }, { VM_DONTDUMP, "dd" }, { VM_MIXEDMAP, "mm" },
		{ VM_HUGEPAGE, "hg" }, { VM_NOHUGEPAGE, "nh" }, { VM_MERGEABLE, "mg" },
	};
	size_t i;

	out[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (f & names[i].bit) {
			strcat(out, names[i].s);
			strcat(out, " ");
		}
}

/* "start flags\n" for every window VMA of the host (from smaps) or of mmlab. */
static void host_flags(char *out, size_t size)
{
	static char buf[1 << 21];
	int fd = open("/proc/self/smaps", O_RDONLY);
	ssize_t n, len = 0;
	char *line, *save;
	unsigned long cur = 0;

	while ((n = read(fd, buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	out[0] = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strchr(line, '-') && line[0] != ' ' && strtoul(line, NULL, 16) >= 0x1000 &&
		    !strchr(line, ':')) {
			cur = strtoul(line, NULL, 16);
		} else if (line[0] != ' ' && strchr(line, '-') && strchr(line, ' ') &&
			   strchr(line, ' ') > strchr(line, '-')) {
			cur = strtoul(line, NULL, 16);
		}
		if (!strncmp(line, "VmFlags: ", 9) && cur >= WIN_BASE && cur < WADDR(WIN_PAGES)) {
			char l[200];

			snprintf(l, sizeof(l), "%lx %s\n", cur, line + 9);
			if (strlen(out) + strlen(l) < size)
				strcat(out, l);
		}
	}
}

static void lab_flags(struct mm_struct *mm, char *out, size_t size)
{
	unsigned long a = WIN_BASE;
	struct mm_vma_info vi;

	out[0] = '\0';
	while (mm_vma_at(mm, a, &vi) && vi.start < WADDR(WIN_PAGES)) {
		char f[200], l[240];

		vmflags_str(vi.vm_flags, f);
		snprintf(l, sizeof(l), "%lx %s\n", vi.start, f);
		if (strlen(out) + strlen(l) < size)
			strcat(out, l);
		a = vi.end;
	}
}

/* With MMLAB_DIFF_LOG set, the calls of this seed so far (after a difference). */
static void print_log(const struct ctx *c)
{
	if (getenv("MMLAB_DIFF_LOG"))
		for (int k = 0; k < c->calls && k < NR_OPS; k++)
			fprintf(stderr, "  op %d: %s\n", k + 1, c->log[k]);
}

static void compare(struct ctx *c, const char *what, long host, long lab)
{
	static char hw[65536], lw[65536];
	char *lm;

	c->calls++;
	if (host != lab) {
		fprintf(stderr, "seed op %d: %s: host %ld (%s), mmlab %ld\n", c->calls, what, host,
			host < 0 ? strerror((int)-host) : "ok", lab);
		c->diffs++;
		window_lines(host_maps(), hw, sizeof(hw));
		fprintf(stderr, "%s", hw);
	}
	window_lines(host_maps(), hw, sizeof(hw));
	lm = vmt_maps(c->mm);
	window_lines(lm, lw, sizeof(lw));
	free(lm);
	if (strcmp(hw, lw)) {
		fprintf(stderr, "after op %d (%s) maps differ:\n--- host\n%s--- mmlab\n%s", c->calls,
			what, hw, lw);
		c->diffs++;
		print_log(c);
		/* resynchronise: stop this seed */
		c->calls = -1;
		return;
	}
	if (getenv("MMLAB_DIFF_DUMP_AT") && c->calls == atoi(getenv("MMLAB_DIFF_DUMP_AT"))) {
		host_flags(hw, sizeof(hw));
		lab_flags(c->mm, lw, sizeof(lw));
		fprintf(stderr, "at op %d:\n--- host\n%s--- mmlab\n%s", c->calls, hw, lw);
	}
	if (!getenv("MMLAB_DIFF_NOFLAGS")) {
		host_flags(hw, sizeof(hw));
		lab_flags(c->mm, lw, sizeof(lw));
		if (strcmp(hw, lw)) {
			fprintf(stderr, "after op %d (%s) VmFlags differ:\n--- host\n%s--- mmlab\n%s",
				c->calls, what, hw, lw);
			c->diffs++;
			print_log(c);
			c->calls = -1;
		}
	}
}

static long sys_ret(long r)
{
	return r == -1 ? -errno : r;
}

static const int prots[] = { PROT_READ, PROT_READ | PROT_WRITE, PROT_NONE,
			     PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE, PROT_WRITE };
static const int advices[] = { MADV_DONTFORK, MADV_DOFORK, MADV_DONTDUMP, MADV_DODUMP,
			       MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WIPEONFORK,
			       MADV_KEEPONFORK, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTNEED,
			       MADV_FREE, MADV_WILLNEED, MADV_COLD, MADV_MERGEABLE,
			       MADV_UNMERGEABLE, MADV_PAGEOUT, MADV_REMOVE, 77, MADV_HWPOISON };

static void one_op(struct ctx *c)
{
	unsigned long s = rnd(c, WIN_PAGES - 2), n = 1 + rnd(c, 6), len = n * PAGE_SIZE;
	int prot = prots[rnd(c, ARRAY_SIZE(prots))];
	char what[180];
	long h, l;

	if (s + n > WIN_PAGES)
		n = WIN_PAGES - s, len = n * PAGE_SIZE;
	switch (rnd(c, 11)) {
	case 0: case 1: {	/* anonymous MAP_FIXED */
		int flags = MAP_ANONYMOUS | MAP_FIXED | (rnd(c, 8) ? MAP_PRIVATE : MAP_SHARED);

		if (!rnd(c, 6))
			flags |= MAP_NORESERVE;
		if (!rnd(c, 8))
			flags |= MAP_STACK;
		if (!rnd(c, 8))
			flags |= MAP_POPULATE;
		snprintf(what, sizeof(what), "mmap(%#lx, %#lx, %d, %#x, -1, 0)", WADDR(s), len, prot, flags);
		h = sys_ret((long)mmap((void *)WADDR(s), len, prot, flags, -1, 0));
		l = mm_mmap(c->mm, WADDR(s), len, (unsigned long)prot, (unsigned long)flags, NULL, 0);
		break;
	}
	case 2: {		/* file MAP_FIXED, either open mode */
		int which = (int)rnd(c, 2), flags = MAP_FIXED | (rnd(c, 2) ? MAP_PRIVATE : MAP_SHARED);
		unsigned long off = rnd(c, 8) * PAGE_SIZE;

		if (!rnd(c, 10))
			flags = (flags & ~MAP_TYPE) | MAP_SHARED_VALIDATE | (rnd(c, 2) ? 0x100000 : 0x40000000);
		snprintf(what, sizeof(what), "mmap(%#lx, %#lx, %d, %#x, fd%d, %#lx)", WADDR(s), len, prot,
			 flags, which, off);
		h = sys_ret((long)mmap((void *)WADDR(s), len, prot, flags, c->fd[which], (off_t)off));
		l = mm_mmap(c->mm, WADDR(s), len, (unsigned long)prot, (unsigned long)flags,
			    c->lab_file[which], off);
		break;
	}
	case 3: {		/* MAP_FIXED_NOREPLACE, or a hint */
		int flags = MAP_PRIVATE | MAP_ANONYMOUS | (rnd(c, 2) ? MAP_FIXED_NOREPLACE : 0);

		snprintf(what, sizeof(what), "mmap(%#lx, %#lx, %d, %#x, -1, 0)", WADDR(s), len, prot, flags);
		h = sys_ret((long)mmap((void *)WADDR(s), len, prot, flags, -1, 0));
		l = mm_mmap(c->mm, WADDR(s), len, (unsigned long)prot, (unsigned long)flags, NULL, 0);
		if (h > 0 && (unsigned long)h != WADDR(s)) {
			/* placed elsewhere by the host: both must have left the window */
			munmap((void *)h, len);
			if (l > 0 && (unsigned long)l != WADDR(s)) {
				mm_munmap(c->mm, (unsigned long)l, len);
				l = h;
			}
		}
		break;
	}
	case 4: {		/* munmap, sometimes misaligned */
		unsigned long a = WADDR(s) + (rnd(c, 10) ? 0 : 123);
		unsigned long ln = rnd(c, 10) ? len : len - 100;

		snprintf(what, sizeof(what), "munmap(%#lx, %#lx)", a, ln);
		h = sys_ret(munmap((void *)a, ln));
		l = mm_munmap(c->mm, a, ln);
		break;
	}
	case 5: {		/* mprotect */
		unsigned long p = (unsigned long)prot;

		if (!rnd(c, 12))
			p |= PROT_GROWSDOWN;
		if (!rnd(c, 20))
			p |= 0x10;
		snprintf(what, sizeof(what), "mprotect(%#lx, %#lx, %#lx)", WADDR(s), len, p);
		h = sys_ret(mprotect((void *)WADDR(s), len, (int)p));
		l = mm_mprotect(c->mm, WADDR(s), len, p);
		break;
	}
	case 6: {		/* madvise */
		int adv = advices[rnd(c, ARRAY_SIZE(advices))];

		snprintf(what, sizeof(what), "madvise(%#lx, %#lx, %d)", WADDR(s), len, adv);
		h = sys_ret(madvise((void *)WADDR(s), len, adv));
		l = mm_madvise(c->mm, WADDR(s), len, adv);
		break;
	}
	case 7: {		/* mremap in the window */
		unsigned long n2 = 1 + rnd(c, 6), t = rnd(c, WIN_PAGES - 8);
		int kind = (int)rnd(c, 4);
		unsigned long fl = kind == 0 ? 0 : kind == 1 ? MREMAP_MAYMOVE | MREMAP_FIXED :
				   kind == 2 ? MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP :
				   MREMAP_FIXED;

		if (kind == 2)
			n2 = n;
		if (s + n2 > WIN_PAGES)
			n2 = WIN_PAGES - s;
		snprintf(what, sizeof(what), "mremap(%#lx, %#lx, %#lx, %#lx, %#lx)", WADDR(s), len,
			 n2 * PAGE_SIZE, fl, WADDR(t));
		h = sys_ret((long)mremap((void *)WADDR(s), len, n2 * PAGE_SIZE, (int)fl,
					 (void *)WADDR(t)));
		l = mm_mremap(c->mm, WADDR(s), len, n2 * PAGE_SIZE, fl, WADDR(t));
		break;
	}
	case 8: {		/* a write to memory where mmlab allows it */
		unsigned long a = WADDR(s);

		snprintf(what, sizeof(what), "write to %#lx", a);
		l = mm_touch(c->mm, a, true);
		if (l == 0) {
			struct mm_vma_info vi;

			/* Shared file pages beyond EOF would SIGBUS: the file is large enough. */
			mm_vma_at(c->mm, a, &vi);
			*(volatile char *)a = 1;
		}
		h = l;
		break;
	}
	case 9: {		/* mlock family */
		int k = (int)rnd(c, 3);

		snprintf(what, sizeof(what), "%s(%#lx, %#lx)", k == 0 ? "mlock" : k == 1 ? "munlock" :
			 "mlock2(ONFAULT)", WADDR(s), len);
		if (k == 0) {
			h = sys_ret(host_mlock((void *)WADDR(s), len));
			l = mm_mlock(c->mm, WADDR(s), len);
		} else if (k == 1) {
			h = sys_ret(host_munlock((void *)WADDR(s), len));
			l = mm_munlock(c->mm, WADDR(s), len);
		} else {
			h = sys_ret(host_mlock2((void *)WADDR(s), len, MLOCK_ONFAULT));
			l = mm_mlock2(c->mm, WADDR(s), len, MLOCK_ONFAULT);
		}
		break;
	}
	default: {		/* msync / mincore */
		int fl = rnd(c, 2) ? MS_ASYNC : MS_SYNC | (rnd(c, 3) ? 0 : MS_INVALIDATE);

		if (rnd(c, 2)) {
			snprintf(what, sizeof(what), "msync(%#lx, %#lx, %d)", WADDR(s), len, fl);
			h = sys_ret(msync((void *)WADDR(s), len, fl));
			l = mm_msync(c->mm, WADDR(s), len, fl);
		} else {
			unsigned char v1[8], v2[8];

			snprintf(what, sizeof(what), "mincore(%#lx, %#lx)", WADDR(s), len);
			h = sys_ret(mincore((void *)WADDR(s), len, v1));
			l = mm_mincore(c->mm, WADDR(s), len, v2);
		}
		break;
	}
	}
	snprintf(c->log[c->calls % NR_OPS], sizeof(c->log[0]), "%s = %ld", what, h);
	compare(c, what, h, l);
}

/* Runs in the child: returns the number of differences. */
static int run_seed(uint64_t seed)
{
	struct mm_file_desc d = { .path = NULL, .size = 64 * PAGE_SIZE };
	struct mm_exec_args args = { .flags = MM_EXEC_EMPTY };
	struct mm_task *task;
	struct rlimit rl;
	struct ctx c = { .rng = seed };
	char path[] = "/tmp/mmlab-diff-XXXXXX";
	struct stat st;
	int i, tmp;

	c.m = test_boot(256ULL << 20, 1, 2);
	machine_set_debug_level(c.m, 1);
	vm_set_mmap_min_addr(c.m, 4096);
	if (geteuid() == 0)
		args.caps = MM_CAP_IPC_LOCK | MM_CAP_SYS_RAWIO | MM_CAP_SYS_ADMIN;
	getrlimit(RLIMIT_MEMLOCK, &rl);
	args.rlim_memlock = rl.rlim_cur;
	mm_task_exec_new(c.m, 0, &args, &task);
	c.mm = mm_task_mm(task);
	tmp = mkstemp(path);
	if (tmp < 0 || ftruncate(tmp, 64 * PAGE_SIZE))
		return 1;
	close(tmp);
	c.fd[0] = open(path, O_RDONLY);
	c.fd[1] = open(path, O_RDWR);
	fstat(c.fd[0], &st);
	d.path = path;
	d.dev_major = major(st.st_dev);
	d.dev_minor = minor(st.st_dev);
	d.ino = st.st_ino;
	d.open_flags = O_RDONLY;
	c.lab_file[0] = mm_file_open(c.m, &d);
	d.open_flags = O_RDWR;
	c.lab_file[1] = mm_file_open(c.m, &d);
	for (i = 0; i < NR_OPS && c.calls >= 0; i++)
		one_op(&c);
	if (getenv("MMLAB_DIFF_SHOW_FLAGS")) {
		static char f[65536];

		host_flags(f, sizeof(f));
		fprintf(stderr, "host VmFlags at the end:\n%s", f);
	}
	unlink(path);
	return c.diffs;
}

/*
 * Seeds run by default: 1..8. Seeds 2 and 8 differed (two pieces merged on the host after an
 * mlock but not in mmlab) until mlock stopped populating before the whole range was locked.
 */
static const uint64_t green_seeds[] = { 1, 2, 3, 4, 5, 6, 7, 8 };

static int run_in_child(uint64_t seed)
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(run_seed(seed) ? 1 : 0);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static void test_host_diff(void **state)
{
	const char *e = getenv("MMLAB_DIFF_SEEDS");
	int failed = 0, runs = 0;

	(void)state;
	if (e) {
		uint64_t seed = test_seed(1), n = strtoull(e, NULL, 0);

		for (uint64_t k = 0; k < n; k++, runs++)
			if (run_in_child(seed + k)) {
				fprintf(stderr, "seed %llu differed\n", (unsigned long long)(seed + k));
				failed++;
			}
	} else {
		for (size_t k = 0; k < ARRAY_SIZE(green_seeds); k++, runs++)
			if (run_in_child(green_seeds[k])) {
				fprintf(stderr, "seed %llu differed\n", (unsigned long long)green_seeds[k]);
				failed++;
			}
	}
	fprintf(stderr, "host differential: %d seeds x %d calls, %d seeds differed\n", runs, NR_OPS,
		failed);
	assert_int_equal(failed, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_diff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
