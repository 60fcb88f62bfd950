/*
 * replay_snapshot.c - --initial-maps: a /proc/PID/maps snapshot as the first process's address
 * space.
 *
 * Every line becomes a VMA through mm_seed_vma() with its protection, sharing, offset, file
 * (path, device, inode; one open file per path, as one open of a library backs all its
 * segments) and, for [heap], [stack], [vvar], [vvar_vclock], [vdso], [vsyscall] and
 * [anon:...], its special kind. A shared writable file line is taken as opened O_RDWR, every
 * other as O_RDONLY.
 *
 * mmap_base is inferred: the kernel maps the ELF interpreter (and then the vDSO) top-down from
 * mmap_base first, so mmap_base is the highest end of a mapping below the [stack] that is not
 * itself the stack or the vsyscall page. A snapshot taken later, with mappings placed above the
 * interpreter by hint or MAP_FIXED, misleads this: give --mmap-base then.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay_internal.h"

static int parse_line(char *line, struct snap_vma *v)
{
	char perms[8], *path;
	int off = 0;

	memset(v, 0, sizeof(*v));
	if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %n", &v->start, &v->end, perms, &v->pgoff,
		   &v->dev_major, &v->dev_minor, &v->ino, &off) < 7 || strlen(perms) != 4)
		return -EINVAL;
	if (v->start >= v->end || (v->start | v->end) & 0xfff)
		return -EINVAL;
	v->prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
		  (perms[2] == 'x' ? PROT_EXEC : 0);
	if (perms[3] != 's' && perms[3] != 'p')
		return -EINVAL;
	v->flags = perms[3] == 's' ? MAP_SHARED : MAP_PRIVATE;
	path = line + off;
	path[strcspn(path, "\n")] = 0;
	if (*path) {
		v->path = strdup(path);
		if (!v->path)
			return -ENOMEM;
	}
	return 0;
}

static void infer_mmap_base(struct snapshot *s)
{
	unsigned long stack = ~0UL, base = 0;
	int i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].path && !strcmp(s->v[i].path, "[stack]"))
			stack = s->v[i].start;
	for (i = 0; i < s->n; i++) {
		const struct snap_vma *v = &s->v[i];

		if (v->end > stack || (v->path && !strcmp(v->path, "[vsyscall]")))
			continue;
		if (v->end > base)
			base = v->end;
	}
	s->mmap_base = base;
}

int replay_snapshot_load(const char *path, struct snapshot *s, char *why, size_t size)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	int err = 0;

	memset(s, 0, sizeof(*s));
	if (!f) {
		snprintf(why, size, "%s: %s", path, strerror(errno));
		return -ENOENT;
	}
	while (getline(&line, &cap, f) >= 0) {
		struct snap_vma *nv;

		lineno++;
		if (line[strspn(line, " \t\n")] == 0)
			continue;
		nv = realloc(s->v, (s->n + 1) * sizeof(*nv));
		if (!nv) {
			err = -ENOMEM;
			break;
		}
		s->v = nv;
		err = parse_line(line, &s->v[s->n]);
		if (err) {
			snprintf(why, size, "%s:%zu: not a /proc/PID/maps line", path, lineno);
			break;
		}
		s->n++;
	}
	free(line);
	fclose(f);
	if (err) {
		replay_snapshot_free(s);
		return err;
	}
	infer_mmap_base(s);
	return 0;
}

void replay_snapshot_free(struct snapshot *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].path);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

const struct snap_vma *replay_snapshot_find_path(const struct snapshot *s, const char *path)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].path && !strcmp(s->v[i].path, path))
			return &s->v[i];
	return NULL;
}

int replay_snapshot_seed(struct replay *r, struct mm_struct *mm)
{
	struct mm_file *file = NULL;
	const char *file_path = NULL;
	int i, err = 0;

	for (i = 0; i < r->snap.n; i++) {
		const struct snap_vma *v = &r->snap.v[i];
		const char *name = NULL;
		struct mm_file *f = NULL;

		if (v->path && v->path[0] == '[') {
			name = v->path;
		} else if (v->path) {
			if (!file || strcmp(file_path, v->path) ||
			    (v->flags == MAP_SHARED && (v->prot & PROT_WRITE))) {
				struct mm_file_desc d = {
					.path = v->path, .dev_major = v->dev_major,
					.dev_minor = v->dev_minor, .ino = v->ino,
					.open_flags = v->flags == MAP_SHARED && (v->prot & PROT_WRITE)
						      ? O_RDWR : O_RDONLY,
					.size = 1ULL << 50,
					.kind = MM_FILE_REGULAR,
				};

				if (file)
					mm_file_put(file);
				file = mm_file_open(r->m, &d);
				file_path = v->path;
				if (!file)
					return -ENOMEM;
			}
			f = file;
		}
		err = mm_seed_vma(mm, v->start, v->end, v->prot, v->flags, f, v->pgoff, name);
		if (err)
			break;
	}
	if (file)
		mm_file_put(file);
	if (!err && r->opt.mmap_base)
		err = mm_set_mmap_base(mm, r->opt.mmap_base);
	return err;
}
