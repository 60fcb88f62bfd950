/*
 * test_host_diff.c - differential test against the host kernel: a seeded generator of memory
 * syscalls and writes in a 48-page window far from everything else. After every call the
 * result, the window's /proc/PID/maps lines and every window VMA's smaps "VmFlags" (rd wr ex
 * sh mr mw me ms gd lo dc de lf ac nr wf dd hg nh mg ...: VM_LOCKED, VM_ACCOUNT, VM_DONTCOPY
 * and the other flags maps does not show) are compared.
 *
 * The kernel's answers are recorded (hostfp.h): tests/fixtures/host_diff/seed-N.txt holds
 * the fingerprint of the host that recorded it, then per call "op KIND A B C D E FD # text",
 * "ret R", and, where the window changed, "maps" and "flags" blocks ended by ".".
 *   - test_host_diff (fixture mode) replays every fixture on mmlab alone, configured from the
 *     fixture's fingerprint; every result, maps line and flag must equal the recording.
 *   - test_host_diff_live runs the seeds for real in a child (the writes too, with SIGSEGV and
 *     SIGBUS caught: MAPERR is -EFAULT, ACCERR -EACCES, SIGBUS -EIO) and on mmlab configured
 *     from this host; a difference fails only on a host the model claims to cover. It also
 *     says where this host disagrees with the recording.
 *   - MMLAB_FIXTURE_MODE=record rewrites the fixtures (scripts/record-fixtures.sh).
 *
 * Calls whose placement is the kernel's own choice outside the window (a hint that is taken
 * elsewhere) are compared as "outside" and unmapped at once. The test file's device, inode and
 * name, and the inode of shmem objects, are masked (they are the recording run's own).
 *
 * Environment: MMLAB_DIFF_SEEDS=n runs seeds MMLAB_SEED.. live instead of the recorded list;
 * MMLAB_DIFF_LOG=1 prints the call log on a difference.
 */
#include "vmtest.h"
#include "hostfp.h"

#include <ctype.h>
#include <fcntl.h>
#include <signal.h>
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

#define WIN_BASE	0x300000000000UL
#define WIN_PAGES	48
#define WADDR(p)	(WIN_BASE + (unsigned long)(p) * PAGE_SIZE)
#define NR_OPS		400
#define OUTSIDE		1L	/* the result of a hint the kernel placed outside the window */
#define STATE_SIZE	16384

/* The seeds recorded as fixtures (and run live by default). */
static const uint64_t recorded_seeds[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

enum op_kind { OP_MMAP_ANON, OP_MMAP_FILE, OP_MMAP_HINT, OP_MUNMAP, OP_MPROTECT, OP_MADVISE,
	       OP_MREMAP, OP_WRITE, OP_MLOCK, OP_MUNLOCK, OP_MLOCK2, OP_MSYNC, OP_MINCORE,
	       NR_OP_KINDS };

static const char *const op_names[NR_OP_KINDS] = {
	"mmap", "mmap-file", "mmap-hint", "munmap", "mprotect", "madvise", "mremap", "write",
	"mlock", "munlock", "mlock2-onfault", "msync", "mincore",
};

/* One call: arguments in the order of the system call; fd is 0 (O_RDONLY) or 1 (O_RDWR). */
struct op {
	enum op_kind kind;
	unsigned long a, b, c, d, e;
	int fd;
};

struct lab {
	struct machine *m;
	struct mm_task *task;
	struct mm_struct *mm;
	struct mm_file *file[2];	/* O_RDONLY, O_RDWR */
};

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

static void op_text(const struct op *o, char *out, size_t size)
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

/* A one-byte write on the host, its fault caught: 0, -EFAULT, -EACCES or -EIO (SIGBUS). */
static long host_write(unsigned long addr)
{
	struct sigaction sa = { .sa_sigaction = write_fault, .sa_flags = SA_SIGINFO | SA_NODEFER };
	struct sigaction old_segv, old_bus;
	volatile long r;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	r = sigsetjmp(write_jmp, 1);
	if (r == 0)
		*(volatile char *)addr = 1;
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return r;
}

static long host_exec(const struct op *o, const int fd[2])
{
	long r;

	switch (o->kind) {
	case OP_MMAP_ANON: case OP_MMAP_HINT: case OP_MMAP_FILE:
		r = sys_ret((long)mmap((void *)o->a, o->b, (int)o->c, (int)o->d,
				       o->kind == OP_MMAP_FILE ? fd[o->fd] : -1, (off_t)o->e));
		if (r > 0 && (unsigned long)r != o->a) {
			munmap((void *)r, o->b);
			r = OUTSIDE;
		}
		return r;
	case OP_MUNMAP: return sys_ret(munmap((void *)o->a, o->b));
	case OP_MPROTECT: return sys_ret(mprotect((void *)o->a, o->b, (int)o->c));
	case OP_MADVISE: return sys_ret(madvise((void *)o->a, o->b, (int)o->c));
	case OP_MREMAP:
		return sys_ret((long)mremap((void *)o->a, o->b, o->c, (int)o->d, (void *)o->e));
	case OP_WRITE: return host_write(o->a);
	case OP_MLOCK: return sys_ret(host_mlock((void *)o->a, o->b));
	case OP_MUNLOCK: return sys_ret(host_munlock((void *)o->a, o->b));
	case OP_MLOCK2: return sys_ret(host_mlock2((void *)o->a, o->b, o->c));
	case OP_MSYNC: return sys_ret(msync((void *)o->a, o->b, (int)o->c));
	default: {
		unsigned char vec[8];

		return sys_ret(mincore((void *)o->a, o->b, vec));
	}
	}
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
			r = OUTSIDE;
		}
		return r;
	case OP_MUNMAP: return mm_munmap(mm, o->a, o->b);
	case OP_MPROTECT: return mm_mprotect(mm, o->a, o->b, o->c);
	case OP_MADVISE: return mm_madvise(mm, o->a, o->b, (int)o->c);
	case OP_MREMAP: return mm_mremap(mm, o->a, o->b, o->c, o->d, o->e);
	case OP_WRITE: return mm_touch(mm, o->a, true);
	case OP_MLOCK: return mm_mlock(mm, o->a, o->b);
	case OP_MUNLOCK: return mm_munlock(mm, o->a, o->b);
	case OP_MLOCK2: return mm_mlock2(mm, o->a, o->b, (unsigned int)o->c);
	case OP_MSYNC: return mm_msync(mm, o->a, o->b, (int)o->c);
	default: {
		unsigned char vec[8];

		return mm_mincore(mm, o->a, o->b, vec);
	}
	}
}

/* ---- window state: maps lines and VmFlags ------------------------------------------------- */

static void append(char *out, size_t size, const char *s)
{
	size_t len = strlen(out), n = strlen(s);

	if (len + n < size)
		memcpy(out + len, s, n + 1);
}

/* A maps line with its file identity masked: "range perms off dev ino name" -> "... FILE". */
static void mask_line(const char *line, size_t n, char *out, size_t size)
{
	char r[64], pm[8], of[16], dv[16], ino[24];
	int used = 0;

	if (sscanf(line, "%63s %7s %15s %15s %23s %n", r, pm, of, dv, ino, &used) == 5 &&
	    strcmp(ino, "0")) {
		bool zero = strstr(line, "/dev/zero (deleted)") && (size_t)(strstr(line, "/dev/zero") - line) < n;

		snprintf(out, size, "%s %s %s %s %s\n", r, pm, of, zero ? dv : "dd:dd",
			 zero ? "# /dev/zero (deleted)" : "FILE");
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

		if (start >= WIN_BASE && start < WADDR(WIN_PAGES)) {
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
		if (!strncmp(line, "VmFlags: ", 9) && cur >= WIN_BASE && cur < WADDR(WIN_PAGES)) {
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
	unsigned long a = WIN_BASE;
	struct mm_vma_info vi;

	window_lines(text, maps, STATE_SIZE);
	free(text);
	flags[0] = '\0';
	while (mm_vma_at(l->mm, a, &vi) && vi.start < WADDR(WIN_PAGES)) {
		char f[200], line[240];

		vmflags_str(vi.vm_flags, f, sizeof(f));
		snprintf(line, sizeof(line), "%lx %s\n", vi.start, f);
		append(flags, STATE_SIZE, line);
		a = vi.end;
	}
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
	return l->file[0] && l->file[1] ? 0 : -1;
}

static void lab_close(struct lab *l)
{
	for (int i = 0; i < 2; i++)
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

struct step {
	struct op op;
	long ret;
	bool changed;		/* maps and flags below are new */
	char *maps, *flags;
};

struct recording {
	struct hostfp fp;
	uint64_t seed;
	int nr;
	struct step steps[NR_OPS];
};

static void recording_free(struct recording *rec)
{
	for (int i = 0; i < rec->nr; i++) {
		free(rec->steps[i].maps);
		free(rec->steps[i].flags);
	}
	free(rec);
}

static void seed_fixture_path(uint64_t seed, char *out, size_t size)
{
	char name[64];

	snprintf(name, sizeof(name), "host_diff/seed-%llu.txt", (unsigned long long)seed);
	fixture_path(name, out, size);
}

static void write_block(FILE *f, const char *name, const char *text)
{
	fprintf(f, "%s\n%s.\n", name, text);
}

static int recording_write(const struct recording *rec)
{
	char path[512];
	FILE *f;

	seed_fixture_path(rec->seed, path, sizeof(path));
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "# mmlab fixture: test_host_diff seed %llu, recorded by the host below.\n"
		   "# Re-record with scripts/record-fixtures.sh; see tests/vm/test_host_diff.c.\n",
		(unsigned long long)rec->seed);
	hostfp_write(f, &rec->fp);
	for (int i = 0; i < rec->nr; i++) {
		const struct step *s = &rec->steps[i];
		char text[180];

		op_text(&s->op, text, sizeof(text));
		fprintf(f, "op %s %#lx %#lx %#lx %#lx %#lx %d # %s\nret %ld\n", op_names[s->op.kind],
			s->op.a, s->op.b, s->op.c, s->op.d, s->op.e, s->op.fd, text, s->ret);
		if (s->changed) {
			write_block(f, "maps", s->maps);
			write_block(f, "flags", s->flags);
		}
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
			return o->fd >= -1 && o->fd <= 1 ? 0 : -1;
		}
	return -1;
}

/* Parse a fixture; NULL (with @err set) if it is missing or malformed. */
static struct recording *recording_read(uint64_t seed, char *err, size_t size)
{
	char path[512], *text, *pos, *nl;
	struct recording *rec;
	int line = 0;

	seed_fixture_path(seed, path, sizeof(path));
	text = read_whole_file(path);
	if (!text) {
		snprintf(err, size, "%s: cannot read it", path);
		return NULL;
	}
	rec = calloc(1, sizeof(*rec));
	rec->seed = seed;
	for (pos = text; *pos; pos = nl + 1) {
		struct step *s = rec->nr ? &rec->steps[rec->nr - 1] : NULL;

		line++;
		nl = strchr(pos, '\n');
		if (!nl)
			break;
		*nl = '\0';
		if (pos[0] == '#' || hostfp_parse_line(&rec->fp, pos))
			continue;
		if (!strncmp(pos, "op ", 3) && rec->nr < NR_OPS &&
		    parse_op(pos, &rec->steps[rec->nr].op) == 0) {
			rec->nr++;
		} else if (s && sscanf(pos, "ret %ld", &s->ret) == 1) {
			continue;
		} else if (s && (!strcmp(pos, "maps") || !strcmp(pos, "flags"))) {
			char *b, *next = nl + 1;

			b = read_block(&next);
			if (!b)
				goto bad;
			if (pos[0] == 'm')
				s->maps = b;
			else
				s->flags = b;
			s->changed = true;
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

/*
 * Compare mmlab's answer to op @k and its window after it with @ret, @maps, @flags (the host's
 * or the recording's, named @who). Returns 0, or 1 after printing the difference.
 */
static int compare_step(const struct recording *rec, int k, const char *who, long ret,
			const char *maps, const char *flags, long lab_ret, const char *lab_maps,
			const char *lab_flags)
{
	char text[180];

	op_text(&rec->steps[k].op, text, sizeof(text));
	if (ret != lab_ret) {
		fprintf(stderr, "seed %llu op %d: %s: %s %ld (%s), mmlab %ld\n",
			(unsigned long long)rec->seed, k + 1, text, who, ret,
			ret < 0 ? strerror((int)-ret) : "ok", lab_ret);
		print_log(rec, k);
		return 1;
	}
	if (strcmp(maps, lab_maps) || strcmp(flags, lab_flags)) {
		fprintf(stderr, "seed %llu: after op %d (%s) the window differs:\n--- %s\n%s%s--- mmlab\n%s%s",
			(unsigned long long)rec->seed, k + 1, text, who, maps, flags, lab_maps, lab_flags);
		print_log(rec, k);
		return 1;
	}
	return 0;
}

/* Fixture mode: replay @rec on mmlab alone. Returns the number of differences (0 or 1). */
static int replay_recording(const struct recording *rec)
{
	static char lm[STATE_SIZE], lf[STATE_SIZE];
	const char *maps = "", *flags = "";
	char path[] = "/tmp/mmlab-diff-XXXXXX";
	struct lab l;
	int k, diff = 0;

	assert_int_equal(make_file(path), 0);
	assert_int_equal(lab_open(&l, &rec->fp, path), 0);
	for (k = 0; k < rec->nr && !diff; k++) {
		const struct step *s = &rec->steps[k];
		long r = lab_exec(&l, &s->op);

		if (s->changed) {
			maps = s->maps;
			flags = s->flags;
		}
		lab_state(&l, lm, lf);
		diff = compare_step(rec, k, "recorded", s->ret, maps, flags, r, lm, lf);
	}
	assert_machine_ok(l.m);
	lab_close(&l);
	unlink(path);
	return diff;
}

/*
 * In a child: run seed @seed on this host, and (live) on mmlab too. Record mode writes the
 * fixture. Live mode returns the number of differences between the host and mmlab, and says
 * where the host disagrees with the recording (@old, may be NULL).
 */
static int run_host_seed(uint64_t seed, const struct hostfp *fp, bool live,
			 const struct recording *old)
{
	static char hm[STATE_SIZE], hf[STATE_SIZE], lm[STATE_SIZE], lf[STATE_SIZE];
	static char pm[STATE_SIZE], pf[STATE_SIZE];
	char path[] = "/tmp/mmlab-diff-XXXXXX";
	struct recording *rec = calloc(1, sizeof(*rec));
	int fd[2], k, diff = 0, old_diff = 0;
	uint64_t rng = seed;
	struct lab l;

	rec->fp = *fp;
	rec->seed = seed;
	if (make_file(path) || (live && lab_open(&l, fp, path)))
		return 1;
	fd[0] = open(path, O_RDONLY);
	fd[1] = open(path, O_RDWR);
	pm[0] = pf[0] = '\0';
	for (k = 0; k < NR_OPS && !diff; k++) {
		struct step *s = &rec->steps[rec->nr++];

		s->op = gen_op(&rng);
		s->ret = host_exec(&s->op, fd);
		host_state(hm, hf);
		s->changed = strcmp(hm, pm) || strcmp(hf, pf);
		s->maps = strdup(hm);
		s->flags = strdup(hf);
		memcpy(pm, hm, sizeof(pm));
		memcpy(pf, hf, sizeof(pf));
		if (!live)
			continue;
		{
			long r = lab_exec(&l, &s->op);

			lab_state(&l, lm, lf);
			diff = compare_step(rec, k, "host", s->ret, hm, hf, r, lm, lf);
		}
		if (old && !old_diff && k < old->nr) {
			const struct step *o = &old->steps[k];
			const char *om = NULL, *of = NULL;

			for (int j = k; j >= 0 && !om; j--)
				if (old->steps[j].changed)
					om = old->steps[j].maps, of = old->steps[j].flags;
			if (o->ret != s->ret || strcmp(om ? om : "", hm) || strcmp(of ? of : "", hf)) {
				fprintf(stderr, "note: this host disagrees with the recording of seed %llu "
					"at op %d:\n", (unsigned long long)seed, k + 1);
				compare_step(rec, k, "host", s->ret, hm, hf, o->ret, om ? om : "",
					     of ? of : "");
				old_diff = 1;
			}
		}
	}
	close(fd[0]);
	close(fd[1]);
	if (live)
		lab_close(&l);
	unlink(path);
	if (!live && recording_write(rec))
		diff = 1;
	recording_free(rec);
	return diff;
}

static int run_in_child(uint64_t seed, const struct hostfp *fp, bool live,
			const struct recording *old)
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(run_host_seed(seed, fp, live, old) ? 1 : 0);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static void test_host_diff_fixtures(void)
{
	int failed = 0;
	size_t k;

	for (k = 0; k < ARRAY_SIZE(recorded_seeds); k++) {
		char err[600];
		struct recording *rec = recording_read(recorded_seeds[k], err, sizeof(err));

		if (!rec)
			fail_msg("%s", err);
		failed += replay_recording(rec);
		recording_free(rec);
	}
	fprintf(stderr, "host differential (recorded): %zu seeds x %d calls, %d seeds differed\n",
		ARRAY_SIZE(recorded_seeds), NR_OPS, failed);
	assert_int_equal(failed, 0);
}

static void test_host_diff_live(bool record)
{
	const char *e = getenv("MMLAB_DIFF_SEEDS");
	uint64_t first = e ? test_seed(1) : 0, n = e ? strtoull(e, NULL, 0) : ARRAY_SIZE(recorded_seeds);
	struct hostfp fp;
	char why[200];
	int failed = 0;
	bool covered;

	hostfp_probe(&fp);
	covered = hostfp_covered(&fp, why, sizeof(why));
	for (uint64_t k = 0; k < n; k++) {
		uint64_t seed = e ? first + k : recorded_seeds[k];
		char err[600];
		struct recording *old = record ? NULL : recording_read(seed, err, sizeof(err));

		if (old) {
			char d[1024];

			hostfp_diff(&old->fp, &fp, d, sizeof(d));
			if (d[0] && k == 0)
				fprintf(stderr, "note: recorded on another host (recorded / this): %s\n", d);
		}
		if (run_in_child(seed, &fp, !record, old)) {
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
		fp.release, covered ? "covered" : "not covered", (unsigned long long)n, NR_OPS, failed);
	if (failed && !covered)
		fprintf(stderr, "this host is outside what the model covers (%s): reported, not failed\n",
			why);
	if (covered)
		assert_int_equal(failed, 0);
}

static void test_host_diff(void **state)
{
	(void)state;
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

	return cmocka_run_group_tests(tests, NULL, NULL);
}
