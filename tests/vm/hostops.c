/*
 * hostops.c - running call sequences on the host and on mmlab, and their recordings.
 * See hostops.h for the model and the fixture format.
 */
#include "vmtest.h"
#include "hostops.h"

#include <ctype.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#if __has_include(<sys/rseq.h>)
#include <sys/rseq.h>
#define HAVE_RSEQ 1
#endif

#include <mmlab/page.h>

#include "pgtable/pgtable.h"

/*
 * Raw system calls: sanitizer runtimes intercept mlock() and friends as no-ops, and their
 * mmap/munmap interceptors touch the shadow of the range, which would count in RssAnon.
 */
#define host_mlock(a, l)		syscall(SYS_mlock, (a), (l))
#define host_munlock(a, l)		syscall(SYS_munlock, (a), (l))
#define host_mlock2(a, l, f)		syscall(SYS_mlock2, (a), (l), (f))
#define host_mmap(a, l, p, f, fd, o)	syscall(SYS_mmap, (a), (l), (p), (f), (fd), (o))
#define host_munmap(a, l)		syscall(SYS_munmap, (a), (l))
#define host_mremap(a, l, n, f, t)	syscall(SYS_mremap, (a), (l), (n), (f), (t))
#define host_mprotect(a, l, p)		syscall(SYS_mprotect, (a), (l), (p))
#define host_madvise(a, l, b)		syscall(SYS_madvise, (a), (l), (b))
#define host_msync(a, l, f)		syscall(SYS_msync, (a), (l), (f))
#define host_mincore(a, l, v)		syscall(SYS_mincore, (a), (l), (v))

#define STATE_SIZE	65536

static unsigned long win_start = 0x300000000000UL, win_end = 0x300000030000UL;

static const char *const op_names[NR_OP_KINDS] = {
	"mmap", "mmap-file", "mmap-hint", "munmap", "mprotect", "madvise", "mremap", "write",
	"mlock", "munlock", "mlock2-onfault", "msync", "mincore", "read", "fork", "child-exit",
};

struct lab {
	struct machine *m;
	struct mm_task *task;
	struct mm_struct *mm;
	struct mm_file *file[3];	/* O_RDONLY, O_RDWR, /dev/zero */
	struct mm_task *child[HOSTOPS_MAX_CHILDREN];	/* OP_FORK's, oldest first */
	int nr_children;
	bool soft_dirty;		/* the fingerprint's: pagemap bit 55 exists */
};

/* One side's answer to a call and its window after it. */
struct answer {
	long ret;
	const char *maps, *flags, *pages;
	long acct[NR_ACCT];
};

void hostops_set_window(unsigned long start, unsigned long end)
{
	win_start = start;
	win_end = end;
}

static struct mm_file *open_dev_zero(struct machine *m)
{
	struct mm_file_desc d = { .path = "/dev/zero", .open_flags = O_RDWR,
				  .kind = MM_FILE_DEV_ZERO };
	struct stat st;

	if (stat("/dev/zero", &st))
		return NULL;
	d.dev_major = major(st.st_dev);
	d.dev_minor = minor(st.st_dev);
	d.ino = st.st_ino;
	return mm_file_open(m, &d);
}

void op_text(const struct op *o, char *out, size_t size)
{
	switch (o->kind) {
	case OP_MMAP_ANON: case OP_MMAP_HINT:
		snprintf(out, size, "mmap(%#lx, %#lx, %lu, %#lx, -1, 0)", o->a, o->b, o->c, o->d);
		break;
	case OP_MMAP_FILE:
		snprintf(out, size, "mmap(%#lx, %#lx, %lu, %#lx, fd%d, %#lx)", o->a, o->b, o->c, o->d,
			 o->fd, o->e);
		break;
	case OP_MREMAP:
		snprintf(out, size, "mremap(%#lx, %#lx, %#lx, %#lx, %#lx)", o->a, o->b, o->c, o->d, o->e);
		break;
	case OP_WRITE:
		snprintf(out, size, "write to %#lx", o->a);
		break;
	case OP_READ:
		snprintf(out, size, "read from %#lx", o->a);
		break;
	case OP_FORK:
		snprintf(out, size, "fork()");
		break;
	case OP_CHILD_EXIT:
		snprintf(out, size, "the oldest child exits");
		break;
	case OP_MPROTECT: case OP_MADVISE: case OP_MSYNC:
		snprintf(out, size, "%s(%#lx, %#lx, %#lx)", op_names[o->kind], o->a, o->b, o->c);
		break;
	default:
		snprintf(out, size, "%s(%#lx, %#lx)", op_names[o->kind], o->a, o->b);
		break;
	}
}

/* ---- the two sides ------------------------------------------------------------------------- */

static long sys_ret(long r)
{
	return r == -1 ? -errno : r;
}

static sigjmp_buf write_jmp;

static void write_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	siglongjmp(write_jmp, sig == SIGBUS ? -EIO : si->si_code == SEGV_ACCERR ? -EACCES : -EFAULT);
}

/* The access itself, out of the sanitizers' sight (ASan would first load the shadow byte). */
__attribute__((__noinline__, __no_sanitize_address__, __no_sanitize_undefined__))
static void host_poke(unsigned long addr, bool write)
{
	if (write)
		*(volatile char *)addr = 1;
	else
		(void)*(volatile char *)addr;
}

/* A one-byte write or read on the host, its fault caught: 0, -EFAULT, -EACCES or -EIO (SIGBUS). */
static long host_access(unsigned long addr, bool write)
{
	struct sigaction sa = { .sa_sigaction = write_fault, .sa_flags = SA_SIGINFO | SA_NODEFER };
	struct sigaction old_segv, old_bus;
	volatile long r;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	r = sigsetjmp(write_jmp, 1);
	if (r == 0)
		host_poke(addr, write);
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return r;
}

/* OP_FORK's children on the host: each only waits to be killed. */
static pid_t host_child[HOSTOPS_MAX_CHILDREN];
static int host_nr_children;

static long host_child_exit(void)
{
	if (!host_nr_children)
		return -ECHILD;
	syscall(SYS_kill, host_child[0], SIGKILL);
	syscall(SYS_wait4, host_child[0], NULL, 0, NULL);	/* exit_mmap is done by then */
	memmove(host_child, host_child + 1, (size_t)--host_nr_children * sizeof(host_child[0]));
	return 0;
}

static long host_fork(void)
{
	pid_t pid, parent;

	if (host_nr_children == HOSTOPS_MAX_CHILDREN)
		host_child_exit();
	parent = getpid();
	pid = fork();
	if (pid == 0) {
		/* it dies with us, whatever ends us */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		for (;;)
			pause();
	}
	if (pid < 0)
		return -errno;
	host_child[host_nr_children++] = pid;
	return 0;
}

static long host_exec(const struct op *o, const int fd[3])
{
	long r;

	switch (o->kind) {
	case OP_MMAP_ANON: case OP_MMAP_HINT: case OP_MMAP_FILE:
		r = sys_ret(host_mmap(o->a, o->b, o->c, o->d,
				      o->kind == OP_MMAP_FILE ? fd[o->fd] : -1, o->e));
		if (r > 0 && (unsigned long)r != o->a) {
			host_munmap(r, o->b);
			r = HOSTOPS_OUTSIDE;
		}
		return r;
	case OP_MUNMAP: return sys_ret(host_munmap(o->a, o->b));
	case OP_MPROTECT: return sys_ret(host_mprotect(o->a, o->b, o->c));
	case OP_MADVISE: return sys_ret(host_madvise(o->a, o->b, o->c));
	case OP_MREMAP: return sys_ret(host_mremap(o->a, o->b, o->c, o->d, o->e));
	case OP_WRITE: return host_access(o->a, true);
	case OP_READ: return host_access(o->a, false);
	case OP_FORK: return host_fork();
	case OP_CHILD_EXIT: return host_child_exit();
	case OP_MLOCK: return sys_ret(host_mlock((void *)o->a, o->b));
	case OP_MUNLOCK: return sys_ret(host_munlock((void *)o->a, o->b));
	case OP_MLOCK2: return sys_ret(host_mlock2((void *)o->a, o->b, o->c));
	case OP_MSYNC: return sys_ret(host_msync(o->a, o->b, o->c));
	default: {
		static unsigned char vec[64];

		return sys_ret(host_mincore(o->a, o->b, vec));
	}
	}
}

/* ---- the host's counters, read without touching anything new ------------------------------ */

static char counters_buf[2][8192];

static long status_kb(const char *text, const char *key)
{
	const char *at = strstr(text, key);

	return at ? strtol(at + strlen(key), NULL, 10) : -1;
}

/* RssAnon and VmPTE (KiB) from /proc/self/status, minflt from /proc/self/stat, into @c. */
static void host_counters(char *buf, long c[NR_ACCT])
{
	const size_t size = sizeof(counters_buf[0]);
	char *p;
	ssize_t n;
	int fd, i;

	fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/status", O_RDONLY);
	n = fd >= 0 ? syscall(SYS_read, fd, buf, size - 1) : -1;
	if (fd >= 0)
		syscall(SYS_close, fd);
	buf[n > 0 ? n : 0] = '\0';
	c[ACCT_RSS] = status_kb(buf, "\nRssAnon:");
	c[ACCT_PTE] = status_kb(buf, "\nVmPTE:");
	fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/stat", O_RDONLY);
	n = fd >= 0 ? syscall(SYS_read, fd, buf, size - 1) : -1;
	if (fd >= 0)
		syscall(SYS_close, fd);
	buf[n > 0 ? n : 0] = '\0';
	c[ACCT_FLT] = -1;
	p = strrchr(buf, ')');		/* the comm may hold blanks: fields count from its end */
	if (!p)
		return;
	p += 2;				/* field 3, the state */
	for (i = 3; i < 10 && p; i++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (p)
		c[ACCT_FLT] = strtol(p, NULL, 10);
}

/*
 * Touch what host_measured() writes before its first read of the counters: after a fork
 * every page the parent writes is a copy-on-write fault of its own, which must not count.
 */
__attribute__((__noinline__)) static void host_pretouch(void)
{
	volatile char stack[32768];

	memset((char *)stack, 0, sizeof(stack));
	memset(counters_buf, 0, sizeof(counters_buf));
	memset(&write_jmp, 0, sizeof(write_jmp));
	for (int i = 0; i < HOSTOPS_MAX_CHILDREN; i++)
		((volatile pid_t *)host_child)[i] = host_child[i];
	*(volatile int *)&host_nr_children = host_nr_children;
#ifdef HAVE_RSEQ
	/*
	 * The kernel writes this thread's rseq area (cpu_id) when it returns to user space after
	 * a reschedule: after a fork, a copy-on-write fault counted to us. rseq_cs is ours to
	 * clear (outside a critical section it is 0 already).
	 */
	if (__rseq_size)
		__atomic_store_n(&((struct rseq *)((char *)__builtin_thread_pointer() +
						   __rseq_offset))->rseq_cs, 0, __ATOMIC_RELAXED);
#endif
	errno = 0;
}

/*
 * A caught SIGSEGV at address 16 (no VMA: no fault is counted), so the signal frame, the
 * sanitizer's stack shadow that siglongjmp unpoisons and everything else on the way of a
 * caught fault are in place before the counters are read.
 */
static void host_prefault(void)
{
	host_access(16, false);
	errno = 0;
}

/* host_exec of @o, with what it changed in RssAnon, VmPTE and minflt in @delta. */
static long host_measured(const struct op *o, const int fd[3], long delta[NR_ACCT])
{
	long before[NR_ACCT], after[NR_ACCT], r;

	host_pretouch();
	host_prefault();
	host_counters(counters_buf[0], before);
	r = host_exec(o, fd);
	host_counters(counters_buf[1], after);
	for (int i = 0; i < NR_ACCT; i++)
		delta[i] = after[i] - before[i];
	return r;
}

static long lab_child_exit(struct lab *l)
{
	if (!l->nr_children)
		return -ECHILD;
	mm_task_exit(l->child[0]);
	memmove(l->child, l->child + 1, (size_t)--l->nr_children * sizeof(l->child[0]));
	return 0;
}

static void lab_counters(struct lab *l, long c[NR_ACCT])
{
	c[ACCT_RSS] = (long)get_mm_counter(l->mm, MM_ANONPAGES) * (long)(PAGE_SIZE >> 10);
	c[ACCT_PTE] = (long)(l->mm->pgtables_bytes >> 10);
	c[ACCT_FLT] = (long)atomic_load(&l->mm->min_flt);
}

static long lab_exec(struct lab *l, const struct op *o)
{
	struct mm_struct *mm = l->mm;
	long r;

	switch (o->kind) {
	case OP_MMAP_ANON: case OP_MMAP_HINT: case OP_MMAP_FILE:
		r = mm_mmap(mm, o->a, o->b, o->c, o->d,
			    o->kind == OP_MMAP_FILE ? l->file[o->fd] : NULL, o->e);
		if (r > 0 && (unsigned long)r != o->a) {
			mm_munmap(mm, (unsigned long)r, o->b);
			r = HOSTOPS_OUTSIDE;
		}
		return r;
	case OP_MUNMAP: return mm_munmap(mm, o->a, o->b);
	case OP_MPROTECT: return mm_mprotect(mm, o->a, o->b, o->c);
	case OP_MADVISE: return mm_madvise(mm, o->a, o->b, (int)o->c);
	case OP_MREMAP: return mm_mremap(mm, o->a, o->b, o->c, o->d, o->e);
	case OP_WRITE: return mm_touch(mm, o->a, true);
	case OP_READ: return mm_touch(mm, o->a, false);
	case OP_FORK:
		if (l->nr_children == HOSTOPS_MAX_CHILDREN)
			lab_child_exit(l);
		r = mm_task_clone(l->task, 0, 0, &l->child[l->nr_children]);
		if (!r)
			l->nr_children++;
		return r;
	case OP_CHILD_EXIT: return lab_child_exit(l);
	case OP_MLOCK: return mm_mlock(mm, o->a, o->b);
	case OP_MUNLOCK: return mm_munlock(mm, o->a, o->b);
	case OP_MLOCK2: return mm_mlock2(mm, o->a, o->b, (unsigned int)o->c);
	case OP_MSYNC: return mm_msync(mm, o->a, o->b, (int)o->c);
	default: {
		static unsigned char vec[64];

		return mm_mincore(mm, o->a, o->b, vec);
	}
	}
}

/* lab_exec of @o, with what it changed in mmlab's counters in @delta. */
static long lab_measured(struct lab *l, const struct op *o, long delta[NR_ACCT])
{
	long before[NR_ACCT], after[NR_ACCT], r;

	lab_counters(l, before);
	r = lab_exec(l, o);
	lab_counters(l, after);
	for (int i = 0; i < NR_ACCT; i++)
		delta[i] = after[i] - before[i];
	return r;
}

/* ---- window state: maps lines and VmFlags ------------------------------------------------- */

static void append(char *out, size_t size, const char *s)
{
	size_t len = strlen(out), n = strlen(s);

	if (len + n < size)
		memcpy(out + len, s, n + 1);
}

/*
 * A maps line with its file identity masked: "range perms off dev ino name" keeps the name
 * (the test file's becomes FILE) but not the device and inode, which are the recording host's;
 * a shmem object ("/dev/zero (deleted)") keeps its device (the shmem mount) but not its inode.
 */
static void mask_line(const char *line, size_t n, char *out, size_t size)
{
	char r[64], pm[8], of[16], dv[16], ino[24];
	int used = 0;

	if (sscanf(line, "%63s %7s %15s %15s %23s %n", r, pm, of, dv, ino, &used) == 5 &&
	    strcmp(ino, "0") && (size_t)used < n) {
		const char *name = line + used;
		int len = (int)(n - (size_t)used);

		while (len > 0 && (name[len - 1] == '\n' || name[len - 1] == ' '))
			len--;
		if (!strncmp(name, "/dev/zero (deleted)", 19))
			snprintf(out, size, "%s %s %s %s # /dev/zero (deleted)\n", r, pm, of, dv);
		else if (!strncmp(name, "/tmp/mmlab-", 11))
			snprintf(out, size, "%s %s %s dd:dd FILE\n", r, pm, of);
		else
			snprintf(out, size, "%s %s %s dd:dd %.*s\n", r, pm, of, len, name);
		return;
	}
	snprintf(out, size, "%.*s", (int)n, line);
}

/* The window's lines of a maps text, masked, in @out. */
static void window_lines(const char *maps, char *out, size_t size)
{
	const char *line = maps;

	out[0] = '\0';
	while (*line) {
		const char *nl = strchr(line, '\n');
		unsigned long start = strtoul(line, NULL, 16);
		size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);

		if (start >= win_start && start < win_end) {
			char buf[512];

			mask_line(line, n, buf, sizeof(buf));
			append(out, size, buf);
		}
		if (!nl)
			break;
		line = nl + 1;
	}
}

/* The smaps VmFlags mnemonics of the bits both sides know, in the kernel's bit order. */
static void vmflags_str(unsigned long f, char *out, size_t size)
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
			append(out, size, names[i].s);
			append(out, size, " ");
		}
}

/* This process's window: maps lines, then "start flags" per VMA from smaps. */
static void host_state(char *maps, char *flags)
{
	char *text = read_whole_file("/proc/self/maps"), *line, *save;
	unsigned long cur = 0;

	window_lines(text ? text : "", maps, STATE_SIZE);
	free(text);
	flags[0] = '\0';
	text = read_whole_file("/proc/self/smaps");
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		char *dash = strchr(line, '-'), *sp = strchr(line, ' ');

		if (isxdigit((unsigned char)line[0]) && dash && sp && dash < sp)
			cur = strtoul(line, NULL, 16);
		if (!strncmp(line, "VmFlags: ", 9) && cur >= win_start && cur < win_end) {
			char l[200];

			snprintf(l, sizeof(l), "%lx %s\n", cur, line + 9);
			append(flags, STATE_SIZE, l);
		}
	}
	free(text);
}

static void lab_state(struct lab *l, char *maps, char *flags)
{
	char *text = vmt_maps(l->mm);
	unsigned long a = win_start;
	struct mm_vma_info vi;

	window_lines(text, maps, STATE_SIZE);
	free(text);
	flags[0] = '\0';
	while (mm_vma_at(l->mm, a, &vi) && vi.start < win_end) {
		char f[200], line[240];

		vmflags_str(vi.vm_flags, f, sizeof(f));
		snprintf(line, sizeof(line), "%lx %s\n", vi.start, f);
		append(flags, STATE_SIZE, line);
		a = vi.end;
	}
}

/* ---- window pages: mincore and pagemap of the private anonymous VMAs ---------------------- */

#define PAGES_MAX	1024		/* window pages compared (a larger window: its start) */
#define PM_PRESENT	(1ULL << 63)
#define PM_EXCLUSIVE	(1ULL << 56)
#define PM_SOFT_DIRTY	(1ULL << 55)

/*
 * Is this (masked) maps line private anonymous memory, which has pages in the model: no file,
 * or a private mapping of /dev/zero (the kernel makes it anonymous, vma_set_anonymous)?
 */
static bool line_private_anon(const char *line, unsigned long *start, unsigned long *end)
{
	char pm[8], of[16], dv[16], name[64];
	int used = 0;

	if (sscanf(line, "%lx-%lx %7s %15s %15s %63s%n", start, end, pm, of, dv, name, &used) != 6 ||
	    pm[3] != 'p')
		return false;
	while (line[used] == ' ')
		used++;
	if (line[used] != '\n' && line[used] != '\0')
		return false;		/* a name of more than one word */
	return !strcmp(name, "0") || !strcmp(name, "/dev/zero");
}

/* For each window page (up to PAGES_MAX), is it in a private anonymous VMA of @maps? */
static unsigned long window_anon(const char *maps, bool *anon)
{
	unsigned long n = MIN((win_end - win_start) >> PAGE_SHIFT, (unsigned long)PAGES_MAX);
	const char *line;

	memset(anon, 0, n * sizeof(*anon));
	for (line = maps; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		unsigned long start, end, a;

		if (!line_private_anon(line, &start, &end))
			continue;
		for (a = MAX(start, win_start); a < end && a < win_start + n * PAGE_SIZE; a += PAGE_SIZE)
			anon[(a - win_start) >> PAGE_SHIFT] = true;
	}
	return n;
}

/* The pagemap digit of an entry: present | exclusive << 1 | soft-dirty << 2. */
static char pagemap_digit(bool present, bool exclusive, bool soft_dirty)
{
	return (char)('0' + (present ? 1 : 0) + (exclusive ? 2 : 0) + (soft_dirty ? 4 : 0));
}

static void pages_text(const char *mc, const char *pm, unsigned long n, char *out, size_t size)
{
	snprintf(out, size, "mincore %.*s\npagemap %.*s\n", (int)n, mc, (int)n, pm);
}

/*
 * The smaps lines of the private anonymous VMAs of the window in @smaps (a whole smaps text,
 * the host's or mmlab's): "smaps START Field=kB ..." with every field the entry prints but
 * VmFlags (compared on its own), in the kernel's order, appended to @out.
 */
/*
 * Whether the live runs read the host's smaps: not in a sanitizer build, where the test
 * process's own smaps (its shadow mappings span terabytes) take long enough per read to make
 * the live run last many minutes; its release build compares them, and the fixture runs
 * compare the recorded ones in every build.
 */
#ifdef __SANITIZE_ADDRESS__
static const bool live_smaps = false;
#else
static const bool live_smaps = true;
#endif
static bool want_smaps = true;	/* this run compares smaps (the recording or the host has them) */

static void smaps_text(const char *smaps, char *out, size_t size)
{
	if (!want_smaps)
		return;
	const char *line = smaps;
	bool in = false;
	char cur[1024] = "";

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		char l[512];
		unsigned long start, end;

		snprintf(l, sizeof(l), "%.*s", (int)MIN(n, sizeof(l) - 1), line);
		if (isxdigit((unsigned char)l[0]) && strchr(l, '-') && strchr(l, '-') < strchr(l, ' ')) {
			if (in) {
				append(cur, sizeof(cur), "\n");
				append(out, size, cur);
			}
			start = strtoul(l, NULL, 16);
			in = start >= win_start && start < win_end && line_private_anon(l, &start, &end);
			snprintf(cur, sizeof(cur), "smaps %lx", start);
		} else if (in && strncmp(l, "VmFlags:", 8)) {
			char key[64], val[32];

			if (sscanf(l, "%63[^:]: %31s", key, val) == 2) {
				char kv[100];

				snprintf(kv, sizeof(kv), " %s=%s", key, val);
				append(cur, sizeof(cur), kv);
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	if (in) {
		append(cur, sizeof(cur), "\n");
		append(out, size, cur);
	}
}

/* The host's "pages" text of the window whose maps lines are @maps. */
static void host_pages(const char *maps, char *out, size_t size)
{
	static bool anon[PAGES_MAX];
	static uint64_t ent[PAGES_MAX];
	static char mc[PAGES_MAX], pm[PAGES_MAX];
	unsigned long n = window_anon(maps, anon), i;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	char *text;

	memset(ent, 0, sizeof(ent));
	if (fd >= 0) {
		if (pread(fd, ent, n * sizeof(ent[0]), (off_t)((win_start >> PAGE_SHIFT) * 8)) < 0)
			memset(ent, 0, sizeof(ent));
		close(fd);
	}
	for (i = 0; i < n; i++) {
		unsigned char v = 0;

		mc[i] = pm[i] = '-';
		if (!anon[i])
			continue;
		mc[i] = host_mincore(win_start + i * PAGE_SIZE, PAGE_SIZE, &v) ? '?' : (char)('0' + (v & 1));
		pm[i] = pagemap_digit(ent[i] & PM_PRESENT, ent[i] & PM_EXCLUSIVE, ent[i] & PM_SOFT_DIRTY);
	}
	pages_text(mc, pm, n, out, size);
	if (!want_smaps)
		return;
	text = read_whole_file("/proc/self/smaps");
	smaps_text(text ? text : "", out, size);
	free(text);
}

/*
 * mmlab's: mincore through mm_mincore; pagemap as the kernel's pte_to_pagemap_entry() makes it
 * from the PTE: present (PROT_NONE included), exclusive when the normal page (not the zero
 * page) has one mapping (page_mapcount() == 1, a small folio's !folio_maybe_mapped_shared()),
 * soft-dirty when the kernel has the bit at all: every VMA is VM_SOFTDIRTY from its mmap, and
 * nothing (no clear_refs) clears it.
 */
static void lab_pages(struct lab *l, const char *maps, char *out, size_t size)
{
	static bool anon[PAGES_MAX];
	static char mc[PAGES_MAX], pm[PAGES_MAX];
	struct mm_struct *mm = l->mm;
	unsigned long n = window_anon(maps, anon), i;
	char name[32], *text;

	for (i = 0; i < n; i++) {
		unsigned long addr = win_start + i * PAGE_SIZE;
		unsigned char v = 0;
		pte_t *pte;
		bool present, excl = false;

		mc[i] = pm[i] = '-';
		if (!anon[i])
			continue;
		mc[i] = mm_mincore(mm, addr, PAGE_SIZE, &v) ? '?' : (char)('0' + (v & 1));
		pte = mm->pgd ? pte_offset(mm, addr) : NULL;
		present = pte && pte_present(mm->fmt, *pte);
		if (present && !pte_special(mm->fmt, *pte)) {
			struct page *page = pfn_to_page(pte_pfn(mm->fmt, *pte));

			excl = page_mapcount(page) == 1;
		}
		pm[i] = pagemap_digit(present, excl, l->soft_dirty);
	}
	pages_text(mc, pm, n, out, size);
	if (!want_smaps)
		return;
	snprintf(name, sizeof(name), "%d/smaps", mm_task_pid(l->task));
	text = test_proc(l->m, name);
	smaps_text(text, out, size);
	free(text);
}

/*
 * Are the call's RssAnon, VmPTE and minflt deltas comparable? Only while every VMA the window
 * has held since it was last empty is private anonymous: a file or shared VMA has pages (and
 * page tables, fault-around, major faults) on the host that the model does not have yet, and
 * the page tables stay after it is gone. @tainted carries that from call to call.
 */
static bool acct_comparable(const char *maps_before, const char *maps_after, bool *tainted)
{
	const char *texts[2] = { maps_before, maps_after };

	if (!maps_before[0])
		*tainted = false;
	for (int t = 0; t < 2; t++)
		for (const char *line = texts[t]; line && *line;
		     line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
			unsigned long start, end;

			if (!line_private_anon(line, &start, &end))
				*tainted = true;
		}
	return !*tainted;
}

/* ---- mmlab's side: a machine configured like a host ---------------------------------------- */

static int lab_open(struct lab *l, const struct hostfp *fp, const char *path)
{
	struct mm_file_desc d = { .path = path, .size = 64 * PAGE_SIZE };
	struct mm_exec_args args = { .flags = MM_EXEC_EMPTY };
	struct machine_config cfg;
	struct stat st;

	memset(l, 0, sizeof(*l));
	machine_config_default(&cfg);
	cfg.mem_bytes = 256ULL << 20;
	cfg.nr_nodes = 1;
	cfg.nr_holes = 0;
	hostfp_machine_config(fp, &cfg);
	if (machine_boot(&cfg, &l->m))
		return -1;
	machine_set_debug_level(l->m, 1);
	hostfp_apply_sysctls(fp, l->m);
	vm_set_mmap_min_addr(l->m, 4096);
	args.caps = hostfp_mm_caps(fp);
	args.rlim_memlock = fp->rlim_memlock;
	if (mm_task_exec_new(l->m, 0, &args, &l->task))
		return -1;
	l->soft_dirty = fp->soft_dirty;
	l->mm = mm_task_mm(l->task);
	if (stat(path, &st))
		return -1;
	d.dev_major = major(st.st_dev);
	d.dev_minor = minor(st.st_dev);
	d.ino = st.st_ino;
	d.open_flags = O_RDONLY;
	l->file[0] = mm_file_open(l->m, &d);
	d.open_flags = O_RDWR;
	l->file[1] = mm_file_open(l->m, &d);
	l->file[2] = open_dev_zero(l->m);
	return l->file[0] && l->file[1] && l->file[2] ? 0 : -1;
}

static void lab_close(struct lab *l)
{
	while (l->nr_children)
		lab_child_exit(l);
	for (int i = 0; i < 3; i++)
		if (l->file[i])
			mm_file_put(l->file[i]);
	if (l->task)
		mm_task_exit(l->task);
	machine_shutdown(l->m);
}

/* The test's backing file: 64 pages, so no window page is beyond its end. */
static int make_file(char *path)
{
	int fd = mkstemp(path);
	int ok = fd >= 0 && ftruncate(fd, 64 * PAGE_SIZE) == 0;

	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* ---- a recording ---------------------------------------------------------------------------- */



void recording_free(struct recording *rec)
{
	for (int i = 0; i < rec->nr; i++) {
		free(rec->steps[i].maps);
		free(rec->steps[i].flags);
		free(rec->steps[i].pages);
	}
	free(rec);
}


static void write_block(FILE *f, const char *name, const char *text)
{
	fprintf(f, "%s\n%s.\n", name, text);
}

static int recording_write(const struct recording *rec)
{
	char path[512];
	FILE *f;

	fixture_path(rec->name, path, sizeof(path));
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "# mmlab fixture %s, recorded by the host below.\n"
		   "# Re-record with scripts/record-fixtures.sh; the format is in tests/vm/hostops.h.\n",
		rec->name);
	hostfp_write(f, &rec->fp);
	for (int i = 0; i < rec->nr; i++) {
		const struct step *s = &rec->steps[i];
		char text[180];

		op_text(&s->op, text, sizeof(text));
		fprintf(f, "op %s %#lx %#lx %#lx %#lx %#lx %d # %s\nret %ld\nacct %ld %ld %ld\n",
			op_names[s->op.kind], s->op.a, s->op.b, s->op.c, s->op.d, s->op.e, s->op.fd,
			text, s->ret, s->acct[ACCT_RSS], s->acct[ACCT_PTE], s->acct[ACCT_FLT]);
		if (s->changed) {
			write_block(f, "maps", s->maps);
			write_block(f, "flags", s->flags);
		}
		if (s->pages_changed)
			write_block(f, "pages", s->pages);
	}
	return fclose(f);
}

/* Read a block of lines up to "." into a malloc'd string; advances *@pos. */
static char *read_block(char **pos)
{
	char *start = *pos, *end = strstr(start, "\n.\n"), *out;

	if (!strncmp(start, ".\n", 2)) {
		*pos = start + 2;
		return strdup("");
	}
	if (!end)
		return NULL;
	out = strndup(start, (size_t)(end - start) + 1);
	*pos = end + 3;
	return out;
}

static int parse_op(const char *line, struct op *o)
{
	char kind[24];
	int k;

	if (sscanf(line, "op %23s %lx %lx %lx %lx %lx %d", kind, &o->a, &o->b, &o->c, &o->d, &o->e,
		   &o->fd) != 7)
		return -1;
	for (k = 0; k < NR_OP_KINDS; k++)
		if (!strcmp(kind, op_names[k])) {
			o->kind = (enum op_kind)k;
			return o->fd >= -1 && o->fd <= 2 ? 0 : -1;
		}
	return -1;
}

/* Parse a fixture; NULL (with @err set) if it is missing or malformed. */
struct recording *recording_read(const char *name, char *err, size_t size)
{
	char path[512], *text, *pos, *nl;
	struct recording *rec;
	int line = 0;

	fixture_path(name, path, sizeof(path));
	text = read_whole_file(path);
	if (!text) {
		snprintf(err, size, "%s: cannot read it", path);
		return NULL;
	}
	rec = calloc(1, sizeof(*rec));
	snprintf(rec->name, sizeof(rec->name), "%s", name);
	for (pos = text; *pos; pos = nl + 1) {
		struct step *s = rec->nr ? &rec->steps[rec->nr - 1] : NULL;

		line++;
		nl = strchr(pos, '\n');
		if (!nl)
			break;
		*nl = '\0';
		if (pos[0] == '#' || hostfp_parse_line(&rec->fp, pos))
			continue;
		if (!strncmp(pos, "op ", 3) && rec->nr < HOSTOPS_MAX &&
		    parse_op(pos, &rec->steps[rec->nr].op) == 0) {
			rec->nr++;
		} else if (s && sscanf(pos, "ret %ld", &s->ret) == 1) {
			continue;
		} else if (s && sscanf(pos, "acct %ld %ld %ld", &s->acct[ACCT_RSS], &s->acct[ACCT_PTE],
				       &s->acct[ACCT_FLT]) == 3) {
			s->has_acct = true;
		} else if (s && (!strcmp(pos, "maps") || !strcmp(pos, "flags") || !strcmp(pos, "pages"))) {
			char *b, *next = nl + 1;

			b = read_block(&next);
			if (!b)
				goto bad;
			if (pos[0] == 'm') {
				s->maps = b;
				s->changed = true;
			} else if (pos[0] == 'f') {
				s->flags = b;
				s->changed = true;
			} else {
				s->pages = b;
				s->pages_changed = true;
			}
			nl = next - 1;
		} else {
			goto bad;
		}
	}
	free(text);
	return rec;
bad:
	snprintf(err, size, "%s:%d: malformed line", path, line);
	free(text);
	recording_free(rec);
	return NULL;
}

/* ---- the three modes ------------------------------------------------------------------------ */

static void print_log(const struct recording *rec, int upto)
{
	if (!getenv("MMLAB_DIFF_LOG"))
		return;
	for (int k = 0; k <= upto && k < rec->nr; k++) {
		char text[180];

		op_text(&rec->steps[k].op, text, sizeof(text));
		fprintf(stderr, "  op %d: %s = %ld\n", k + 1, text, rec->steps[k].ret);
	}
}

static const char *const acct_names[NR_ACCT] = { "RssAnon", "VmPTE", "minflt" };

/*
 * A difference in the pages or counters after op @k that the model does not claim to cover
 * (see docs/replay-differences.md): why, or NULL. It is reported, the sequence ends there, and
 * it does not fail the test. None is known today: the last one (MADV_PAGEOUT discarding
 * lazy-free pages) is modelled now; a new kind goes here with its reason.
 */
static const char *open_difference(const struct recording *rec, int k)
{
	(void)rec;
	(void)k;
	return NULL;
}

/*
 * smaps' Referenced and LazyFree depend on when the kernel moves its per-CPU lazy-free batch
 * (src/vm/lru_batch.c). The process's own calls move it at the points the model knows; but
 * any lru_add_drain_all() elsewhere on the host (compaction, a pin, another process's fadvise)
 * also moves it, between two calls, at a time no call explains: measured, the same MADV_FREE
 * shows LazyFree at once or not at all from one run to the next on a busy machine. So when the
 * two sides differ in these fields alone, the model is drained too (reconcile_batch) and
 * compared again: equal then, the host had drained between the calls, and both go on exactly.
 * A difference that remains in these fields alone (a drain in the middle of a call) is an open
 * difference; one in any other field is a failure.
 */
/* @s with every " Referenced=N" and " LazyFree=N" of its smaps lines removed, into @out. */
static void strip_batch_fields(const char *s, char *out, size_t size)
{
	size_t n = 0;

	while (*s && n + 1 < size) {
		if (*s == ' ' && (!strncmp(s + 1, "Referenced=", 11) || !strncmp(s + 1, "LazyFree=", 9))) {
			s++;
			while (*s && *s != ' ' && *s != '\n')
				s++;
			continue;
		}
		out[n++] = *s++;
	}
	out[n] = '\0';
}

/* Do @want and @got differ only in their smaps Referenced and LazyFree fields? */
static bool differ_in_batch_fields_only(const char *want, const char *got)
{
	static char a[STATE_SIZE], b[STATE_SIZE];

	if (!strcmp(want, got))
		return false;
	strip_batch_fields(want, a, sizeof(a));
	strip_batch_fields(got, b, sizeof(b));
	return strcmp(a, b) == 0;
}

static int nr_reconciled;	/* host drains between calls that the model then made too */

/*
 * mmlab's pages text @lp (of window maps @lm) differs from @want only in the fields a drain of
 * the lazy-free batch changes: drain the model's batches and render it again.
 */
static void reconcile_batch(struct lab *l, const char *want, const char *lm, char *lp,
			    size_t size)
{
	if (!want || !differ_in_batch_fields_only(want, lp))
		return;
	lru_add_drain_all(l->m);
	lab_pages(l, lm, lp, size);
	nr_reconciled += !strcmp(want, lp);
}

/* A difference at op @k: 1, or 2 after saying why it is an open difference. */
static int differs(const struct recording *rec, int k)
{
	const char *why = open_difference(rec, k);

	print_log(rec, k);
	if (!why)
		return 1;
	fprintf(stderr, "%s op %d: an open difference, not a failure: %s; the sequence ends here\n",
		rec->name, k + 1, why);
	return 2;
}

/*
 * Compare mmlab's answer to op @k and its window after it (@lab) with @want (the host's or
 * the recording's, named @who). The deltas in @cmp_acct[] are compared (see acct_comparable);
 * pages only if @want has them. Returns 0, or 1 after printing the difference.
 */
static int compare_step(const struct recording *rec, int k, const char *who,
			const struct answer *want, const struct answer *lab, const bool cmp_acct[NR_ACCT])
{
	char text[180];

	op_text(&rec->steps[k].op, text, sizeof(text));
	if (want->ret != lab->ret) {
		fprintf(stderr, "%s op %d: %s: %s %ld (%s), mmlab %ld\n",
			rec->name, k + 1, text, who, want->ret,
			want->ret < 0 ? strerror((int)-want->ret) : "ok", lab->ret);
		print_log(rec, k);
		return 1;
	}
	if (strcmp(want->maps, lab->maps) || strcmp(want->flags, lab->flags)) {
		fprintf(stderr, "%s: after op %d (%s) the window differs:\n--- %s\n%s%s--- mmlab\n%s%s",
			rec->name, k + 1, text, who, want->maps, want->flags, lab->maps, lab->flags);
		print_log(rec, k);
		return 1;
	}
	if (want->pages && strcmp(want->pages, lab->pages)) {
		fprintf(stderr, "%s: after op %d (%s) the window's pages differ:\n--- %s\n%s--- mmlab\n%s",
			rec->name, k + 1, text, who, want->pages, lab->pages);
		if (differ_in_batch_fields_only(want->pages, lab->pages)) {
			fprintf(stderr, "%s op %d: an open difference, not a failure: smaps Referenced "
				"and LazyFree only (the host moved its lazy-free batch during a call); "
				"the sequence ends here\n", rec->name, k + 1);
			return 2;
		}
		return differs(rec, k);
	}
	for (int i = 0; i < NR_ACCT; i++)
		if (cmp_acct[i] && want->acct[i] != lab->acct[i]) {
			fprintf(stderr, "%s op %d: %s: %s changed %s by %ld, mmlab by %ld\n", rec->name,
				k + 1, text, who, acct_names[i], want->acct[i], lab->acct[i]);
			return differs(rec, k);
		}
	return 0;
}

/* Which deltas of call @o to compare, the window's maps before and after it given. */
static void acct_mask(const struct op *o, bool has_acct, const char *before, const char *after,
		      bool *tainted, bool cmp[NR_ACCT])
{
	bool ok = acct_comparable(before, after, tainted) && has_acct;

	cmp[ACCT_RSS] = cmp[ACCT_PTE] = ok;
	/*
	 * Not minflt of a fork (the parent's copy-on-write faults on its own stack and libc data
	 * on the way back), nor of a child's exit: this host counts 1 or 2 faults in the parent
	 * when the first of two or more children dies, whatever the parent touched beforehand
	 * (an open question, docs/replay-differences.md).
	 */
	cmp[ACCT_FLT] = ok && o->kind != OP_FORK && o->kind != OP_CHILD_EXIT;
}

/* Totals over a run, printed by the tests (hostops_stats). */
static struct hostops_stats stats;

void hostops_stats_get(struct hostops_stats *out)
{
	*out = stats;
}

static void count_step(const bool cmp[NR_ACCT], bool pages)
{
	stats.steps++;
	stats.pages += pages;
	stats.reconciled = nr_reconciled;
	for (int i = 0; i < NR_ACCT; i++)
		stats.acct[i] += cmp[i];
}

int recording_replay(const struct recording *rec)
{
	static char lm[STATE_SIZE], lf[STATE_SIZE], lp[STATE_SIZE];
	const char *maps = "", *flags = "", *pages = NULL, *prev = "";
	char path[] = "/tmp/mmlab-diff-XXXXXX";
	bool tainted = false;
	struct lab l;
	int k, diff = 0;

	want_smaps = true;
	assert_int_equal(make_file(path), 0);
	assert_int_equal(lab_open(&l, &rec->fp, path), 0);
	for (k = 0; k < rec->nr && !diff; k++) {
		const struct step *s = &rec->steps[k];
		struct answer want = { .ret = s->ret }, got = { .maps = lm, .flags = lf, .pages = lp };
		bool cmp[NR_ACCT];

		got.ret = lab_measured(&l, &s->op, got.acct);
		if (s->changed) {
			maps = s->maps;
			flags = s->flags;
		}
		if (s->pages_changed)
			pages = s->pages;
		lab_state(&l, lm, lf);
		lab_pages(&l, lm, lp, sizeof(lp));
		want.maps = maps;
		want.flags = flags;
		want.pages = pages;
		memcpy(want.acct, s->acct, sizeof(want.acct));
		acct_mask(&s->op, s->has_acct, prev, maps, &tainted, cmp);
		reconcile_batch(&l, pages, lm, lp, sizeof(lp));
		count_step(cmp, pages != NULL);
		diff = compare_step(rec, k, "recorded", &want, &got, cmp);
		prev = maps;
	}
	assert_machine_ok(l.m);
	lab_close(&l);
	unlink(path);
	return diff;
}

/*
 * Run on one CPU: the kernel gathers new and lazy-freed pages in per-CPU batches before they
 * reach the LRU lists, and MADV_COLD/PAGEOUT drain only this CPU's (lru_add_drain), so a
 * process that moved between CPUs would see some of its pages reclaimed and others not.
 */
static void pin_to_one_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	CPU_ZERO(&set);
	CPU_SET(cpu >= 0 ? cpu : 0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/*
 * Map every page of this process's file mappings (its program, libc, ...): fork copies no
 * PTEs of file pages, so without this the first call of each kind would also count the minor
 * faults on the code it runs (more or fewer with fault-around and the page cache's state).
 */
static void populate_own_files(void)
{
	char *maps = read_whole_file("/proc/self/maps"), *line, *save;

	for (line = maps ? strtok_r(maps, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long start, end, ino;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s %*s %*s %lu", &start, &end, perms, &ino) == 4 && ino &&
		    perms[0] == 'r' && (start >= win_end || end <= win_start))
			host_madvise(start, end - start, MADV_POPULATE_READ);
	}
	free(maps);
}

/* The body of hostops_run's child. */
static int run_on_host(const char *name, const struct case_op *ops, int n,
		       const struct hostfp *fp, bool live, const struct recording *old)
{
	static char hm[STATE_SIZE], hf[STATE_SIZE], hp[STATE_SIZE];
	static char lm[STATE_SIZE], lf[STATE_SIZE], lp[STATE_SIZE];
	static char pm[STATE_SIZE], pf[STATE_SIZE], pp[STATE_SIZE];
	char path[] = "/tmp/mmlab-diff-XXXXXX";
	struct recording *rec = calloc(1, sizeof(*rec));
	int fd[3], k, diff = 0, old_diff = 0;
	bool tainted = false, old_tainted = false;
	struct lab l;

	rec->fp = *fp;
	snprintf(rec->name, sizeof(rec->name), "%s", name);
	pin_to_one_cpu();
	if (make_file(path) || (live && lab_open(&l, fp, path)))
		return 1;
	want_smaps = !live || live_smaps;
	populate_own_files();
	fd[0] = open(path, O_RDONLY);
	fd[1] = open(path, O_RDWR);
	fd[2] = open("/dev/zero", O_RDWR);
	pm[0] = pf[0] = pp[0] = '\0';
	for (k = 0; k < n && k < HOSTOPS_MAX && !diff; k++) {
		struct step *s = &rec->steps[rec->nr++];
		struct answer host = { .maps = hm, .flags = hf, .pages = hp };
		bool cmp[NR_ACCT];
		char text[180];

		s->op = ops[k].op;
		s->ret = host_measured(&s->op, fd, s->acct);
		s->has_acct = true;
		if (ops[k].expect != HOSTOPS_ANY && s->ret != ops[k].expect) {
			op_text(&s->op, text, sizeof(text));
			fprintf(stderr, "%s op %d: %s: this host answers %ld, the case was written for %ld\n",
				name, k + 1, text, s->ret, ops[k].expect);
			diff = 1;
		}
		host_state(hm, hf);
		host_pages(hm, hp, sizeof(hp));
		host.ret = s->ret;
		memcpy(host.acct, s->acct, sizeof(host.acct));
		s->changed = strcmp(hm, pm) || strcmp(hf, pf);
		s->pages_changed = strcmp(hp, pp) != 0;
		s->maps = strdup(hm);
		s->flags = strdup(hf);
		s->pages = strdup(hp);
		acct_mask(&s->op, true, pm, hm, &tainted, cmp);
		memcpy(pm, hm, sizeof(pm));
		memcpy(pf, hf, sizeof(pf));
		memcpy(pp, hp, sizeof(pp));
		if (!live)
			continue;
		{
			struct answer lab = { .maps = lm, .flags = lf, .pages = lp };

			lab.ret = lab_measured(&l, &s->op, lab.acct);
			lab_state(&l, lm, lf);
			lab_pages(&l, lm, lp, sizeof(lp));
			reconcile_batch(&l, hp, lm, lp, sizeof(lp));
			count_step(cmp, true);
			diff = compare_step(rec, k, "host", &host, &lab, cmp);
		}
		if (old && !old_diff && k < old->nr) {
			const struct step *o = &old->steps[k];
			struct answer was = { .ret = o->ret, .maps = "", .flags = "" };
			const char *before = "";
			bool ocmp[NR_ACCT];

			for (int j = k; j >= 0 && !was.pages && want_smaps; j--)
				if (old->steps[j].pages_changed)
					was.pages = old->steps[j].pages;
			for (int j = k; j >= 0 && !was.maps[0]; j--)
				if (old->steps[j].changed) {
					was.maps = old->steps[j].maps;
					was.flags = old->steps[j].flags;
					break;
				}
			for (int j = k - 1; j >= 0; j--)
				if (old->steps[j].changed) {
					before = old->steps[j].maps;
					break;
				}
			memcpy(was.acct, o->acct, sizeof(was.acct));
			acct_mask(&o->op, o->has_acct, before, was.maps, &old_tainted, ocmp);
			if (o->ret != s->ret || strcmp(was.maps, hm) || strcmp(was.flags, hf) ||
			    (was.pages && strcmp(was.pages, hp)) ||
			    (ocmp[ACCT_RSS] && o->acct[ACCT_RSS] != s->acct[ACCT_RSS]) ||
			    (ocmp[ACCT_PTE] && o->acct[ACCT_PTE] != s->acct[ACCT_PTE]) ||
			    (ocmp[ACCT_FLT] && o->acct[ACCT_FLT] != s->acct[ACCT_FLT])) {
				fprintf(stderr, "note: this host disagrees with recording %s at op %d:\n",
					name, k + 1);
				compare_step(rec, k, "host", &host, &was, ocmp);
				old_diff = 1;
			}
		}
	}
	while (host_nr_children)
		host_child_exit();
	for (k = 0; k < 3; k++)
		close(fd[k]);
	if (live)
		lab_close(&l);
	unlink(path);
	if (!live && recording_write(rec))
		diff = 1;
	if (live && getenv("MMLAB_DIFF_STATS"))
		fprintf(stderr, "stats %s: %d calls, %d with pages, RssAnon %d VmPTE %d minflt %d%s\n",
			name, stats.steps, stats.pages, stats.acct[0], stats.acct[1], stats.acct[2],
			diff ? " (stopped at a difference)" : "");
	recording_free(rec);
	return diff;
}

int hostops_run(const char *name, const struct case_op *ops, int n, const struct hostfp *fp,
		bool record, const struct recording *old)
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(run_on_host(name, ops, n, fp, !record, old));
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status))
		return 1;
	return WEXITSTATUS(status) == 2 ? 2 : WEXITSTATUS(status) ? 1 : 0;
}
