/*
 * hostops.c - running call sequences on the host and on mmlab, and their recordings.
 * See hostops.h for the model and the fixture format.
 */
#include "vmtest.h"
#include "hostops.h"

#include <ctype.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Raw system calls: sanitizer runtimes intercept mlock() and friends as no-ops. */
#define host_mlock(a, l)		syscall(SYS_mlock, (a), (l))
#define host_munlock(a, l)		syscall(SYS_munlock, (a), (l))
#define host_mlock2(a, l, f)		syscall(SYS_mlock2, (a), (l), (f))

#define STATE_SIZE	16384

static unsigned long win_start = 0x300000000000UL, win_end = 0x300000030000UL;

static const char *const op_names[NR_OP_KINDS] = {
	"mmap", "mmap-file", "mmap-hint", "munmap", "mprotect", "madvise", "mremap", "write",
	"mlock", "munlock", "mlock2-onfault", "msync", "mincore",
};

struct lab {
	struct machine *m;
	struct mm_task *task;
	struct mm_struct *mm;
	struct mm_file *file[3];	/* O_RDONLY, O_RDWR, /dev/zero */
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

static long host_exec(const struct op *o, const int fd[3])
{
	long r;

	switch (o->kind) {
	case OP_MMAP_ANON: case OP_MMAP_HINT: case OP_MMAP_FILE:
		r = sys_ret((long)mmap((void *)o->a, o->b, (int)o->c, (int)o->d,
				       o->kind == OP_MMAP_FILE ? fd[o->fd] : -1, (off_t)o->e));
		if (r > 0 && (unsigned long)r != o->a) {
			munmap((void *)r, o->b);
			r = HOSTOPS_OUTSIDE;
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
			r = HOSTOPS_OUTSIDE;
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
	l->file[2] = open_dev_zero(l->m);
	return l->file[0] && l->file[1] && l->file[2] ? 0 : -1;
}

static void lab_close(struct lab *l)
{
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
		fprintf(stderr, "%s op %d: %s: %s %ld (%s), mmlab %ld\n",
			rec->name, k + 1, text, who, ret,
			ret < 0 ? strerror((int)-ret) : "ok", lab_ret);
		print_log(rec, k);
		return 1;
	}
	if (strcmp(maps, lab_maps) || strcmp(flags, lab_flags)) {
		fprintf(stderr, "%s: after op %d (%s) the window differs:\n--- %s\n%s%s--- mmlab\n%s%s",
			rec->name, k + 1, text, who, maps, flags, lab_maps, lab_flags);
		print_log(rec, k);
		return 1;
	}
	return 0;
}

int recording_replay(const struct recording *rec)
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

/* The body of hostops_run's child. */
static int run_on_host(const char *name, const struct case_op *ops, int n,
		       const struct hostfp *fp, bool live, const struct recording *old)
{
	static char hm[STATE_SIZE], hf[STATE_SIZE], lm[STATE_SIZE], lf[STATE_SIZE];
	static char pm[STATE_SIZE], pf[STATE_SIZE];
	char path[] = "/tmp/mmlab-diff-XXXXXX";
	struct recording *rec = calloc(1, sizeof(*rec));
	int fd[3], k, diff = 0, old_diff = 0;
	struct lab l;

	rec->fp = *fp;
	snprintf(rec->name, sizeof(rec->name), "%s", name);
	if (make_file(path) || (live && lab_open(&l, fp, path)))
		return 1;
	fd[0] = open(path, O_RDONLY);
	fd[1] = open(path, O_RDWR);
	fd[2] = open("/dev/zero", O_RDWR);
	pm[0] = pf[0] = '\0';
	for (k = 0; k < n && k < HOSTOPS_MAX && !diff; k++) {
		struct step *s = &rec->steps[rec->nr++];
		char text[180];

		s->op = ops[k].op;
		s->ret = host_exec(&s->op, fd);
		if (ops[k].expect != HOSTOPS_ANY && s->ret != ops[k].expect) {
			op_text(&s->op, text, sizeof(text));
			fprintf(stderr, "%s op %d: %s: this host answers %ld, the case was written for %ld\n",
				name, k + 1, text, s->ret, ops[k].expect);
			diff = 1;
		}
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
				fprintf(stderr, "note: this host disagrees with recording %s at op %d:\n",
					name, k + 1);
				compare_step(rec, k, "host", s->ret, hm, hf, o->ret, om ? om : "",
					     of ? of : "");
				old_diff = 1;
			}
		}
	}
	for (k = 0; k < 3; k++)
		close(fd[k]);
	if (live)
		lab_close(&l);
	unlink(path);
	if (!live && recording_write(rec))
		diff = 1;
	recording_free(rec);
	return diff;
}

int hostops_run(const char *name, const struct case_op *ops, int n, const struct hostfp *fp,
		bool record, const struct recording *old)
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(run_on_host(name, ops, n, fp, !record, old) ? 1 : 0);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
