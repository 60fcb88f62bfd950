/*
 * fuzz_replay_common.c - see fuzz_replay_common.h.
 */
#include <elf.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <string.h>

#include <mmlab/mmlab.h>
#include <mmlab/replay.h>

#include "fuzz.h"
#include "fuzz_replay_common.h"

/*
 * The files a harness's replay can read: two synthetic x86-64 ELF images, "/fuzz/prog" (ET_DYN
 * with PT_INTERP "/fuzz/ld.so", a read-only, an executable, a read-only and a writable segment
 * with bss) and "/fuzz/ld.so" (its interpreter, with a bss-only segment too), so that an execve
 * in a fuzzed trace takes the ELF loader's path (replay_exec.c), not only its fallback. An input
 * may carry its own "/fuzz/prog" (fuzz_set_prog()), which libFuzzer then mutates. Every other
 * path does not exist.
 */
struct image {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[6];
	char interp[16];
};

static struct image prog_image, interp_image;
static const uint8_t *prog_bytes;
static size_t prog_len;

static void image_init(struct image *im, bool interp)
{
	static const struct { uint32_t flags; uint64_t off, vaddr, filesz, memsz; } seg[] = {
		{ PF_R, 0, 0, 0x1000, 0x1000 },
		{ PF_R | PF_X, 0x1000, 0x1000, 0x3000, 0x3000 },
		{ PF_R, 0x4000, 0x4000, 0x1000, 0x1000 },
		{ PF_R | PF_W, 0x5000, 0x6000, 0x800, 0x3000 },
		{ PF_R | PF_W, 0, 0xa000, 0, 0x2000 },
	};
	int i, n = 0;

	memset(im, 0, sizeof(*im));
	memcpy(im->eh.e_ident, ELFMAG, SELFMAG);
	im->eh.e_ident[EI_CLASS] = ELFCLASS64;
	im->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im->eh.e_ident[EI_VERSION] = EV_CURRENT;
	im->eh.e_type = ET_DYN;
	im->eh.e_machine = EM_X86_64;
	im->eh.e_version = EV_CURRENT;
	im->eh.e_phoff = offsetof(struct image, ph);
	im->eh.e_ehsize = sizeof(Elf64_Ehdr);
	im->eh.e_phentsize = sizeof(Elf64_Phdr);
	if (!interp) {
		strcpy(im->interp, "/fuzz/ld.so");
		im->ph[n].p_type = PT_INTERP;
		im->ph[n].p_offset = offsetof(struct image, interp);
		im->ph[n].p_filesz = strlen(im->interp) + 1;
		n++;
	}
	for (i = 0; i < (interp ? 5 : 4); i++, n++) {
		im->ph[n].p_type = PT_LOAD;
		im->ph[n].p_flags = seg[i].flags;
		im->ph[n].p_offset = seg[i].off;
		im->ph[n].p_vaddr = seg[i].vaddr;
		im->ph[n].p_filesz = seg[i].filesz;
		im->ph[n].p_memsz = seg[i].memsz;
		im->ph[n].p_align = interp ? 0x1000 : 0x200000;
	}
	im->eh.e_phnum = (Elf64_Half)n;
}

/* The bytes of @path, or NULL for a file that does not exist. */
static const uint8_t *file_bytes(const char *path, size_t *len)
{
	if (!prog_image.eh.e_phnum) {
		image_init(&prog_image, false);
		image_init(&interp_image, true);
	}
	if (!strcmp(path, "/fuzz/prog")) {
		*len = prog_bytes ? prog_len : sizeof(prog_image);
		return prog_bytes ? prog_bytes : (const uint8_t *)&prog_image;
	}
	if (!strcmp(path, "/fuzz/ld.so")) {
		*len = sizeof(interp_image);
		return (const uint8_t *)&interp_image;
	}
	return NULL;
}

void fuzz_set_prog(const uint8_t *bytes, size_t len)
{
	prog_bytes = bytes;
	prog_len = len;
}

static int fuzz_stat(const char *path, struct replay_file_stat *st, void *arg)
{
	size_t len;

	(void)arg;
	if (!file_bytes(path, &len))
		return -ENOENT;
	memset(st, 0, sizeof(*st));
	st->dev_major = 8;
	st->dev_minor = 1;
	st->ino = strlen(path);
	st->size = 0x100000;	/* the segments' offsets reach past the headers */
	st->mode = S_IFREG | 0755;
	return 0;
}

static long fuzz_pread(const char *path, void *buf, size_t n, unsigned long long off, void *arg)
{
	size_t len;
	const uint8_t *b = file_bytes(path, &len);

	(void)arg;
	if (!b)
		return -ENOENT;
	if (off >= len)
		return 0;
	if (n > len - off)
		n = len - (size_t)off;
	memcpy(buf, b + off, n);
	return (long)n;
}

static int fuzz_realpath(const char *path, char *out, size_t size, void *arg)
{
	size_t len;

	(void)arg;
	if (!file_bytes(path, &len) || strlen(path) >= size)
		return -ENOENT;
	strcpy(out, path);
	return 0;
}

static const struct replay_host fuzz_files = { fuzz_stat, fuzz_pread, fuzz_realpath, NULL };

static void count_diff(const struct replay_diff *d, void *arg)
{
	/* Read every field, as a caller would: a bad string is found here, not later. */
	*(size_t *)arg += strlen(d->text) + strlen(d->call);
}

int fuzz_replay(struct machine *m, const char *trace, size_t size, const char *initial_maps,
		bool follow)
{
	size_t diff_bytes = 0;
	struct replay_options o = {
		.initial_maps = initial_maps, .check = true, .follow_trace = follow,
		.on_diff = count_diff, .diff_arg = &diff_bytes, .host = &fuzz_files,
	};
	const char *p = trace, *end = trace + size;
	struct replay *r;
	char why[512];
	int err;

	err = replay_new(m, &o, &r, why, sizeof(why));
	if (err)
		return err;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		err = replay_line(r, p, n, why, sizeof(why));
		if (err)
			break;
		p += n;
	}
	if (!err) {
		replay_finish(r);
		if (replay_maps(r))
			diff_bytes += strlen(replay_maps(r));
	}
	replay_free(r);
	fuzz_check(m, "a replay");
	return err;
}
