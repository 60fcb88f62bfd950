/*
 * gen_memops.c - the host side of the differential test: a seeded random sequence of memory
 * syscalls, run for real (under `strace -f -y`) so that mmlab can replay the trace and must
 * reach the same results and the same /proc/self/maps.
 *
 *   gen_memops SEED NOPS DIR [AVOID]
 *
 * AVOID (optional) leaves out what a diagnosis wants out of the way, comma-separated:
 *   special    a 16 MiB PROT_NONE guard below the vDSO, so no call reaches [vvar]/[vdso]
 *   noreplace  no MAP_FIXED_NOREPLACE
 *   mlocknone  mlock/mlock2 always with MLOCK_ONFAULT (no populate of PROT_NONE ranges)
 *
 * Writes DIR/start.maps (its maps just before the first generated call), then makes the
 * marker call write(-1, "MMLAB-START", 11) that tells the test where the replay begins, then
 * NOPS operations, then DIR/end.maps, then exit_group(0).
 *
 * What keeps the run replayable: no memory is ever touched by user code after the snapshot
 * (a page fault would change anon_vma and merging without a line in the trace), the stack is
 * grown before the snapshot, nothing allocates (no stdio, no malloc: glibc would brk and mmap
 * on its own), and threads and children run while the parent waits, so the trace's order is
 * the kernel's order. Every call goes through a raw syscall instruction, so errno and the
 * C library never get between the generator and the kernel.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif

#define PAGE 4096UL

static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
#define sys(n, a, b, c) sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)

static uint64_t rng;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}
static unsigned long below(unsigned long n) { return n ? rnd() % n : 0; }

/* Regions this run mapped (possibly since unmapped or moved): targets for the next calls. */
#define NREG 64
static struct { unsigned long addr, len; } reg[NREG];
static int nreg;
static int fds[5];
static int avoid_noreplace, avoid_mlocknone;		/* RDWR file, RDONLY file, WRONLY file, /dev/zero, memfd */
static unsigned long cur_brk, min_brk;	/* below min_brk lives the static TLS */

static void remember(long addr, unsigned long len)
{
	if (addr < 0 && addr > -4096)
		return;
	if (nreg < NREG) {
		reg[nreg].addr = addr;
		reg[nreg++].len = len;
	} else {
		int i = (int)below(NREG);

		reg[i].addr = addr;
		reg[i].len = len;
	}
}

/* A page-aligned address in or near a remembered region, sometimes anywhere. */
static unsigned long some_addr(void)
{
	unsigned long r = below(20);

	if (!nreg || r == 0)
		return 0x7f0000000000UL + below(1UL << 20) * PAGE;
	r = below(nreg);
	return reg[r].addr + (below(reg[r].len / PAGE + 4) - 2) * PAGE;
}

static unsigned long some_len(void)
{
	static const unsigned long lens[] = { 1, 1, 2, 3, 4, 8, 16, 33, 64, 512 };

	return lens[below(sizeof(lens) / sizeof(lens[0]))] * PAGE;
}

static unsigned long some_prot(void)
{
	static const unsigned long prots[] = {
		PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
		PROT_READ | PROT_WRITE | PROT_EXEC, PROT_WRITE, PROT_EXEC, PROT_READ | PROT_WRITE,
	};

	return prots[below(sizeof(prots) / sizeof(prots[0]))];
}

/* Occasionally an argument the kernel must refuse. */
static unsigned long maybe_bad_addr(unsigned long a)
{
	switch (below(40)) {
	case 0: return a + 123;			/* unaligned */
	case 1: return 0x800000000000UL;	/* beyond TASK_SIZE */
	case 2: return -PAGE;
	default: return a;
	}
}

static unsigned long maybe_bad_len(unsigned long l)
{
	switch (below(40)) {
	case 0: return 0;
	case 1: return 1UL << 47;
	case 2: return -PAGE;
	default: return l;
	}
}

static void op_mmap(void)
{
	unsigned long len = some_len(), prot = some_prot(), addr = 0, flags;
	long fd = -1, off = 0, r;
	int kind = (int)below(10);

	if (below(3) == 0)
		addr = some_addr();
	if (kind < 4) {
		flags = MAP_PRIVATE | MAP_ANONYMOUS;
	} else if (kind < 5) {
		flags = MAP_SHARED | MAP_ANONYMOUS;
	} else {
		fd = fds[below(5)];
		flags = below(2) ? MAP_SHARED : MAP_PRIVATE;
		if (below(8) == 0)
			flags = MAP_SHARED_VALIDATE;
		off = below(16) * PAGE;
		if (below(30) == 0)
			off += 100;
	}
	switch (below(12)) {
	case 0: flags |= MAP_FIXED; if (!addr) addr = some_addr(); break;
	case 1:
		flags |= avoid_noreplace ? 0 : MAP_FIXED_NOREPLACE;
		if (!addr)
			addr = some_addr();
		break;
	case 2: flags |= MAP_NORESERVE; break;
	case 3: flags |= MAP_POPULATE; break;
	case 4: flags |= MAP_GROWSDOWN; break;
	case 5: flags |= MAP_STACK; break;
	case 6: flags |= MAP_LOCKED; break;
	default: break;
	}
	if (below(60) == 0)
		flags &= ~(unsigned long)MAP_TYPE;	/* no mapping type: EINVAL */
	if (below(60) == 0)
		fd = 99;				/* a closed fd */
	len = maybe_bad_len(len);
	if (flags & MAP_FIXED)
		addr = maybe_bad_addr(addr);
	r = sys6(SYS_mmap, addr, len, prot, flags, fd, off);
	remember(r, len);
}

static void op_munmap(void)
{
	sys(SYS_munmap, maybe_bad_addr(some_addr()), maybe_bad_len(some_len()), 0);
}

static void op_mprotect(void)
{
	unsigned long prot = some_prot();

	if (below(30) == 0)
		prot |= 0x100;		/* an unknown bit: EINVAL */
	if (below(30) == 0)
		prot |= PROT_GROWSDOWN;
	sys(SYS_mprotect, maybe_bad_addr(some_addr()), maybe_bad_len(some_len()), prot);
}

static void op_mremap(void)
{
	unsigned long old = some_addr(), olen = some_len(), nlen = some_len(), flags = 0, naddr = 0;
	long r;

	switch (below(6)) {
	case 0: break;
	case 1: case 2: flags = MREMAP_MAYMOVE; break;
	case 3: flags = MREMAP_MAYMOVE | MREMAP_FIXED; naddr = some_addr(); break;
	case 4: flags = MREMAP_MAYMOVE | MREMAP_DONTUNMAP; nlen = olen; break;
	case 5: flags = MREMAP_MAYMOVE; olen = 0; break;	/* duplicate a shared mapping */
	}
	r = sys6(SYS_mremap, maybe_bad_addr(old), olen, maybe_bad_len(nlen), flags, naddr, 0);
	remember(r, nlen);
}

static void op_brk(void)
{
	long d = (long)(below(64) * PAGE) - 24 * (long)PAGE;

	if (below(10) == 0)
		d += 123;
	if (d < 0 && cur_brk + d < min_brk)
		d = -d;
	cur_brk = (unsigned long)sys(SYS_brk, below(20) ? cur_brk + d : 0, 0, 0);
}

static void op_madvise(void)
{
	static const int adv[] = {
		MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED, MADV_FREE,
		MADV_DONTFORK, MADV_DOFORK, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTDUMP,
		MADV_DODUMP, MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_COLD, MADV_PAGEOUT, 999,
	};

	sys(SYS_madvise, maybe_bad_addr(some_addr()), some_len(),
	    adv[below(sizeof(adv) / sizeof(adv[0]))]);
}

static void op_mlock(void)
{
	unsigned long a = some_addr(), l = some_len();

	switch (below(4)) {
	case 0:
		if (avoid_mlocknone)
			sys(SYS_mlock2, a, l, MLOCK_ONFAULT);
		else
			sys(SYS_mlock, a, l, 0);
		break;
	case 1: sys(SYS_mlock2, a, l, below(2) || avoid_mlocknone ? MLOCK_ONFAULT : 0); break;
	default: sys(SYS_munlock, a, l, 0); break;
	}
}

static void op_misc(void)
{
	unsigned long a = some_addr(), l = some_len();
	static unsigned char vec[512 + 8];

	switch (below(3)) {
	case 0: sys(SYS_msync, a, l, below(5) ? MS_ASYNC : MS_SYNC | MS_ASYNC); break;
	case 1: sys(SYS_mincore, a, l, vec); break;
	case 2: sys(SYS_msync, maybe_bad_addr(a), l, MS_INVALIDATE); break;
	}
}

static void run_ops(int n);

static int thread_fn(void *arg)
{
	run_ops((int)(long)arg);
	return 0;
}

/*
 * A CLONE_VM thread; the parent waits for it to exit. Its stack was mapped before the snapshot
 * far from every address the run picks, so no random call can pull it away. Threads share the
 * parent's TLS (no CLONE_SETTLS), so they neither fork nor start threads: the C library's fork
 * would rewrite the parent's thread descriptor.
 */
#define THREAD_STACK 0x200000000UL
#define THREAD_STACK_SIZE (64 * PAGE)
static int in_thread;

static void op_thread(void)
{
	static volatile int tid;
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
		    CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
	long r;

	in_thread = 1;
	r = clone(thread_fn, (void *)(THREAD_STACK + THREAD_STACK_SIZE), flags,
		  (void *)(long)(1 + below(8)), &tid, NULL, &tid);
	if (r > 0)
		while (tid)
			sys6(SYS_futex, (long)&tid, FUTEX_WAIT, r, 0, 0, 0);
	in_thread = 0;
}

static void op_fork(void)
{
	/* The C library's wrappers: a raw vfork would let the child clobber the parent's frame. */
	long pid = below(4) ? fork() : vfork();

	if (pid == 0)
		sys(SYS_exit_group, 0, 0, 0);
	if (pid > 0)
		sys6(SYS_wait4, pid, 0, 0, 0, 0, 0);
}

static void op_fork_work(void)
{
	long pid = fork();

	if (pid == 0) {
		run_ops(1 + (int)below(10));
		sys(SYS_exit_group, 0, 0, 0);
	}
	if (pid > 0)
		sys6(SYS_wait4, pid, 0, 0, 0, 0, 0);
}

static int depth;

static void run_ops(int n)
{
	depth++;
	while (n-- > 0) {
		unsigned long k = below(100);

		if (k < 30)
			op_mmap();
		else if (k < 45)
			op_munmap();
		else if (k < 60)
			op_mprotect();
		else if (k < 68)
			op_mremap();
		else if (k < 74)
			op_brk();
		else if (k < 84)
			op_madvise();
		else if (k < 90)
			op_mlock();
		else if (k < 94)
			op_misc();
		else if (k < 96 && depth < 3 && !in_thread)
			op_thread();
		else if (k < 98 && depth < 3 && !in_thread)
			op_fork_work();
		else if (depth < 3 && !in_thread)
			op_fork();
	}
	depth--;
}

/* Copy /proc/self/maps to @path with no allocation. */
static char mapsbuf[1 << 20];
static void snapshot(const char *path)
{
	long in = sys(SYS_open, "/proc/self/maps", O_RDONLY, 0), out, n, len = 0;

	while ((n = sys(SYS_read, in, mapsbuf + len, sizeof(mapsbuf) - len)) > 0)
		len += n;
	sys(SYS_close, in, 0, 0);
	out = sys(SYS_open, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	sys(SYS_write, out, mapsbuf, len);
	sys(SYS_close, out, 0, 0);
}

static void make_file(const char *path, unsigned long size)
{
	long fd = sys6(SYS_openat, AT_FDCWD, (long)path, O_RDWR | O_CREAT | O_TRUNC, 0644, 0, 0);

	sys(SYS_ftruncate, fd, size, 0);
	sys(SYS_close, fd, 0, 0);
}

static char *join(char *buf, const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);

	memcpy(buf, dir, a);
	buf[a] = '/';
	memcpy(buf + a + 1, name, b + 1);
	return buf;
}

int main(int argc, char **argv)
{
	char p0[4096], p1[4096], p2[4096], p3[4096], p4[4096];
	volatile char deep[192 * 1024];
	unsigned long seed;
	int nops;

	if (argc != 4 && argc != 5)
		return 2;
	if (argc == 5) {
		avoid_noreplace = strstr(argv[4], "noreplace") != NULL;
		avoid_mlocknone = strstr(argv[4], "mlocknone") != NULL;
		/*
		 * Placed top-down, right below the vDSO; not a multiple of 2 MiB, which the
		 * kernel would align to a huge page and leave a gap above.
		 */
		if (strstr(argv[4], "special"))
			sys6(SYS_mmap, 0, (16UL << 20) - PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			     -1, 0);
	}
	seed = strtoul(argv[1], NULL, 0);
	nops = atoi(argv[2]);
	rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	/* Grow the stack now, so faults during the run do not change its VMA. */
	memset((char *)deep, 1, sizeof(deep));
	join(p0, argv[3], "start.maps");
	join(p1, argv[3], "end.maps");
	join(p2, argv[3], "file-rw");
	join(p3, argv[3], "file-ro");
	join(p4, argv[3], "file-wo");
	sys6(SYS_mmap, THREAD_STACK, THREAD_STACK_SIZE, PROT_READ | PROT_WRITE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE, -1, 0);
	make_file(p2, 64 * PAGE);
	make_file(p3, 32 * PAGE);
	make_file(p4, 32 * PAGE);
	snapshot(p0);
	sys(SYS_write, -1, "MMLAB-START", 11);
	fds[0] = (int)sys(SYS_openat, AT_FDCWD, p2, O_RDWR);
	fds[1] = (int)sys(SYS_openat, AT_FDCWD, p3, O_RDONLY);
	fds[2] = (int)sys(SYS_openat, AT_FDCWD, p4, O_WRONLY);
	fds[3] = (int)sys(SYS_openat, AT_FDCWD, "/dev/zero", O_RDWR);
	fds[4] = (int)sys(SYS_memfd_create, "gen", 0, 0);
	sys(SYS_ftruncate, fds[4], 16 * PAGE, 0);
	min_brk = cur_brk = (unsigned long)sys(SYS_brk, 0, 0, 0);
	run_ops(nops);
	snapshot(p1);
	sys(SYS_exit_group, 0, 0, 0);
	return 0;
}
