/*
 * replay_exec.c - what an execve in the trace maps, read from the program itself.
 *
 * A trace shows the execve but not what the kernel's ELF loader then mapped. When the program
 * is readable on this host (as it is for a trace recorded here; "this host" is
 * replay_options.host, which may answer from a recording), its ELF headers say it, and
 * the loader's steps are reproduced in the order the kernel takes them, without ASLR (as a
 * `setarch -R` recording):
 *
 *   1. the program's PT_LOAD segments at load_bias (ET_EXEC: 0; ET_DYN with an interpreter:
 *      ELF_ET_DYN_BASE = 2/3 of TASK_SIZE, page-aligned, aligned further to the segments'
 *      largest p_align), each file part MAP_PRIVATE|MAP_FIXED, the bss beyond it anonymous;
 *      start_brk = brk = the page after the highest bss end;
 *   2. the interpreter (PT_INTERP) placed top-down from mmap_base as one mapping of its total
 *      span, trimmed to its first segment, then its other segments MAP_FIXED and its bss;
 *   3. the vDSO block ([vvar] [vvar_vclock] [vdso], sized as in the --initial-maps snapshot or
 *      as this host's kernel has them) placed top-down below that.
 *
 * Anything unreadable (no such file, not a 64-bit x86-64 ELF) falls back to mm_create()'s
 * default layout: the trace replays, its later placements just differ.
 */
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "replay_internal.h"

#define PAGE 4096UL
#define PAGE_DOWN(x) ((x) & ~(PAGE - 1))
#define PAGE_UP(x) (((x) + PAGE - 1) & ~(PAGE - 1))
#define ELF_ET_DYN_BASE (MM_TASK_SIZE / 3 * 2)
#define MAX_PHDRS 64

struct elf_image {
	int type;			/* ET_EXEC or ET_DYN */
	int nload;
	Elf64_Phdr load[MM_EXEC_MAX_SEGMENTS];
	unsigned long max_align;
	char interp[256];		/* "" if none */
};

static unsigned long prot_of(Elf64_Word f)
{
	return (f & PF_R ? PROT_READ : 0) | (f & PF_W ? PROT_WRITE : 0) |
	       (f & PF_X ? PROT_EXEC : 0);
}

/* @n bytes of @path at @off, through replay_options.host: 0, -ENOENT (unreadable), -ENOEXEC
 * (short). */
static int host_read(const struct replay *r, const char *path, void *buf, size_t n,
		     unsigned long long off)
{
	long got = r->opt.host->pread(path, buf, n, off, r->opt.host->arg);

	if (got < 0)
		return -ENOENT;
	return (size_t)got == n ? 0 : -ENOEXEC;
}

/* Read the headers of @path. 0, or -ENOEXEC / -ENOENT / -E2BIG for what cannot be used. */
static int elf_read(const struct replay *r, const char *path, struct elf_image *im)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[MAX_PHDRS];
	int i, err;

	memset(im, 0, sizeof(*im));
	err = host_read(r, path, &eh, sizeof(eh), 0);
	if (err)
		return err;
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64 ||
	    (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phnum == 0 || eh.e_phnum > MAX_PHDRS)
		return -ENOEXEC;
	if (host_read(r, path, ph, eh.e_phnum * sizeof(Elf64_Phdr), eh.e_phoff))
		return -ENOEXEC;
	im->type = eh.e_type;
	for (i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_INTERP && ph[i].p_filesz < sizeof(im->interp)) {
			if (host_read(r, path, im->interp, ph[i].p_filesz, ph[i].p_offset))
				return -ENOEXEC;
			im->interp[ph[i].p_filesz] = 0;
		} else if (ph[i].p_type == PT_LOAD) {
			if (im->nload == MM_EXEC_MAX_SEGMENTS)
				return -E2BIG;
			im->load[im->nload++] = ph[i];
			if (ph[i].p_align > im->max_align && !(ph[i].p_align & (ph[i].p_align - 1)))
				im->max_align = ph[i].p_align;
		}
	}
	return im->nload ? 0 : -ENOEXEC;
}

/* The sizes of [vvar], [vvar_vclock], [vdso]: from the snapshot, else this host's kernel. */
static void vdso_sizes(const struct replay *r, unsigned long sz[3])
{
	static const char *const names[3] = { "[vvar]", "[vvar_vclock]", "[vdso]" };
	int i;

	sz[0] = 4 * PAGE;
	sz[1] = 2 * PAGE;
	sz[2] = 2 * PAGE;
	for (i = 0; i < 3 && r->have_snap; i++) {
		const struct snap_vma *v = replay_snapshot_find_path(&r->snap, names[i]);

		if (v)
			sz[i] = v->end - v->start;
	}
}

/* A file as the kernel names it in maps: symlinks resolved (PT_INTERP is /lib64/ld-linux...). */
static struct mm_file *open_resolved(struct replay *r, const char *path)
{
	char real[PATH_MAX];
	bool ok = !r->opt.host->realpath(path, real, sizeof(real), r->opt.host->arg);

	return replay_open_file(r, ok ? real : path, O_RDONLY);
}

static int map_interp(struct replay *r, struct mm_struct *mm, const char *path)
{
	struct elf_image im;
	struct mm_file *f;
	unsigned long lo, hi, first_end, base;
	long addr;
	int i, err = elf_read(r, path, &im);

	if (err)
		return err;
	f = open_resolved(r, path);
	if (!f)
		return -ENOMEM;
	lo = PAGE_DOWN(im.load[0].p_vaddr);
	hi = PAGE_UP(im.load[im.nload - 1].p_vaddr + im.load[im.nload - 1].p_memsz);
	addr = mm_mmap(mm, 0, hi - lo, prot_of(im.load[0].p_flags), MAP_PRIVATE | MAP_DENYWRITE, f,
		       PAGE_DOWN(im.load[0].p_offset));
	if (addr < 0 && addr > -4096) {
		err = (int)addr;
		goto out;
	}
	base = (unsigned long)addr - lo;
	first_end = PAGE_UP(im.load[0].p_vaddr + im.load[0].p_filesz);
	if (hi > first_end)
		mm_munmap(mm, base + first_end, hi - first_end);
	for (i = 0; i < im.nload; i++) {
		const Elf64_Phdr *ph = &im.load[i];
		unsigned long start = base + PAGE_DOWN(ph->p_vaddr);
		unsigned long fend = base + PAGE_UP(ph->p_vaddr + ph->p_filesz);
		unsigned long mend = base + PAGE_UP(ph->p_vaddr + ph->p_memsz);

		if (i && fend > start)
			mm_mmap(mm, start, fend - start, prot_of(ph->p_flags),
				MAP_PRIVATE | MAP_FIXED | MAP_DENYWRITE, f, PAGE_DOWN(ph->p_offset));
		if (mend > fend)
			mm_mmap(mm, fend, mend - fend, prot_of(ph->p_flags),
				MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, NULL, 0);
	}
	err = 0;
out:
	mm_file_put(f);
	return err;
}

static int map_vdso(struct replay *r, struct mm_struct *mm)
{
	static const char *const names[3] = { "[vvar]", "[vvar_vclock]", "[vdso]" };
	static const unsigned long prot[3] = { PROT_READ, PROT_READ, PROT_READ | PROT_EXEC };
	unsigned long sz[3], at;
	long addr;
	int i, err;

	vdso_sizes(r, sz);
	addr = mm_mmap(mm, 0, sz[0] + sz[1] + sz[2], PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       NULL, 0);
	if (addr < 0 && addr > -4096)
		return (int)addr;
	mm_munmap(mm, (unsigned long)addr, sz[0] + sz[1] + sz[2]);
	for (i = 0, at = (unsigned long)addr; i < 3; at += sz[i], i++) {
		err = mm_seed_vma(mm, at, at + sz[i], prot[i], MAP_PRIVATE, NULL, 0, names[i]);
		if (err)
			return err;
	}
	return 0;
}

/*
 * binfmt_script: if @path starts with "#!", the interpreter it names (the first word after
 * the "#!" in the file's first 256 bytes, BINPRM_BUF_SIZE) into @out, and true. The kernel
 * then execs the interpreter: its image is what the address space gets.
 */
static bool script_interp(const struct replay *r, const char *path, char *out, size_t size)
{
	char buf[257];
	long got = r->opt.host->pread(path, buf, 256, 0, r->opt.host->arg);
	char *s, *e;

	if (got < 2 || buf[0] != '#' || buf[1] != '!')
		return false;
	buf[got] = 0;
	e = strchr(buf, '\n');
	if (e)
		*e = 0;
	for (s = buf + 2; *s == ' ' || *s == '\t'; s++)
		;
	for (e = s; *e && *e != ' ' && *e != '\t'; e++)
		;
	if (e == s || (size_t)(e - s) >= size)
		return false;
	memcpy(out, s, (size_t)(e - s));
	out[e - s] = 0;
	return true;
}

int replay_exec_image(struct replay *r, struct mm_task *t, const char *path, bool *from_elf)
{
	char interp[2][256];
	struct mm_exec_args a;
	struct elf_image im;
	unsigned long bias = 0, brk = 0;
	int i, n = 0, err, depth;

	/* a #! script runs its interpreter (which may be a script too: the kernel allows 4 more) */
	for (depth = 0; depth < 5 && script_interp(r, path, interp[depth & 1], sizeof(interp[0]));
	     depth++)
		path = interp[depth & 1];
	err = elf_read(r, path, &im);

	replay_exec_args(r, &a, false);
	*from_elf = false;
	if (err || (im.type == ET_DYN && !im.interp[0]))
		return mm_task_exec(t, &a);	/* unreadable, or a static PIE: default layout */
	if (im.type == ET_DYN) {
		bias = PAGE_DOWN(ELF_ET_DYN_BASE);
		if (im.max_align > PAGE)
			bias &= ~(im.max_align - 1);
		bias = PAGE_DOWN(bias - im.load[0].p_vaddr);
	}
	a.exe = open_resolved(r, path);
	if (!a.exe)
		return -ENOMEM;
	for (i = 0; i < im.nload; i++) {
		const Elf64_Phdr *ph = &im.load[i];
		struct mm_exec_segment *sg = &a.segments[n];
		unsigned long bss_end = bias + PAGE_UP(ph->p_vaddr + ph->p_memsz);

		brk = brk > bss_end ? brk : bss_end;
		if (!ph->p_filesz)
			continue;	/* a segment of bss only: not modelled (rare) */
		sg->start = bias + PAGE_DOWN(ph->p_vaddr);
		sg->end = bias + PAGE_UP(ph->p_vaddr + ph->p_filesz);
		sg->prot = prot_of(ph->p_flags);
		sg->pgoff_bytes = PAGE_DOWN(ph->p_offset);
		sg->bss_end = bss_end;
		n++;
	}
	a.nr_segments = n;
	a.start_brk = brk;
	a.flags |= MM_EXEC_NO_VDSO;
	err = mm_task_exec(t, &a);
	mm_file_put(a.exe);
	if (err)
		return err;
	*from_elf = true;
	if (im.interp[0] && map_interp(r, mm_task_mm(t), im.interp) == -ENOMEM)
		return -ENOMEM;
	return map_vdso(r, mm_task_mm(t));
}
