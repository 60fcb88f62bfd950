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
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "replay_internal.h"

/* A hex number at *@pp of at most @max, which it advances past; false if none or too large. */
static bool parse_hex(const char **pp, unsigned long max, unsigned long *v)
{
	const char *p = *pp;
	unsigned long x = 0;

	for (; ; p++) {
		int d = strace_hex_digit(*p);

		if (d < 0)
			break;
		if (x > (max - (unsigned long)d) / 16)
			return false;
		x = x * 16 + d;
	}
	if (p == *pp)
		return false;
	*pp = p;
	*v = x;
	return true;
}

static bool parse_dec(const char **pp, unsigned long *v)
{
	const char *p = *pp;
	unsigned long x = 0;

	for (; *p >= '0' && *p <= '9'; p++) {
		if (x > (ULONG_MAX - (unsigned long)(*p - '0')) / 10)
			return false;
		x = x * 10 + (*p - '0');
	}
	if (p == *pp)
		return false;
	*pp = p;
	*v = x;
	return true;
}

static bool expect(const char **pp, char c)
{
	if (**pp != c)
		return false;
	(*pp)++;
	return true;
}

/*
 * One line as the kernel's show_map_vma() writes it: "START-END PERM OFFSET MAJ:MIN INODE
 * [PATH]". Every number is range-checked (device numbers as the kernel's 12-bit major and
 * 20-bit minor). Returns 0, -EINVAL with *@why saying what was wrong, or -ENOMEM.
 */
static int parse_line(const char *line, struct snap_vma *v, const char **why)
{
	const char *p = line;
	unsigned long maj, min;
	size_t n;

	memset(v, 0, sizeof(*v));
	*why = "not a /proc/PID/maps line";
	while (*p == ' ' || *p == '\t')
		p++;
	if (!parse_hex(&p, ULONG_MAX, &v->start) || !expect(&p, '-') ||
	    !parse_hex(&p, ULONG_MAX, &v->end) || !expect(&p, ' '))
		return -EINVAL;
	if (!((p[0] == 'r' || p[0] == '-') && (p[1] == 'w' || p[1] == '-') &&
	      (p[2] == 'x' || p[2] == '-') && (p[3] == 's' || p[3] == 'p') && p[4] == ' '))
		return -EINVAL;
	v->prot = (p[0] == 'r' ? PROT_READ : 0) | (p[1] == 'w' ? PROT_WRITE : 0) |
		  (p[2] == 'x' ? PROT_EXEC : 0);
	v->flags = p[3] == 's' ? MAP_SHARED : MAP_PRIVATE;
	p += 5;
	if (!parse_hex(&p, ULONG_MAX, &v->pgoff) || !expect(&p, ' ') ||
	    !parse_hex(&p, 0xfff, &maj) || !expect(&p, ':') || !parse_hex(&p, 0xfffff, &min) ||
	    !expect(&p, ' ') || !parse_dec(&p, &v->ino)) {
		*why = "not a /proc/PID/maps line (or a number out of range)";
		return -EINVAL;
	}
	v->dev_major = (unsigned int)maj;
	v->dev_minor = (unsigned int)min;
	if (*p && *p != ' ' && *p != '\n')
		return -EINVAL;
	if (v->start >= v->end || (v->start | v->end) & 0xfff) {
		*why = "start not below end, or not page-aligned";
		return -EINVAL;
	}
	if (v->pgoff & 0xfff) {
		*why = "offset not page-aligned";
		return -EINVAL;
	}
	while (*p == ' ')
		p++;
	n = strcspn(p, "\n");
	if (n) {
		v->path = strndup(p, n);
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
	size_t cap = 0, vcap = 0;
	unsigned long lineno = 0;
	ssize_t len;
	struct stat sb;
	int err = 0;

	memset(s, 0, sizeof(*s));
	if (!f) {
		err = errno == ENOMEM ? -ENOMEM : -ENOENT;
		snprintf(why, size, "%s: %s", path, strerror(errno));
		return err;
	}
	if (!fstat(fileno(f), &sb) && S_ISDIR(sb.st_mode)) {
		/* fopen() opens a directory for reading; every read of it fails with EISDIR. */
		snprintf(why, size, "%s: %s", path, strerror(EISDIR));
		fclose(f);
		return -EINVAL;
	}
	errno = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		struct snap_vma *v;
		const char *msg;

		lineno++;
		if (line[strspn(line, " \t\n")] == 0)
			continue;
		if (strlen(line) != (size_t)len) {
			snprintf(why, size, "%s:%lu: a NUL byte in the line", path, lineno);
			err = -EINVAL;
			break;
		}
		if (s->n == (int)vcap) {
			size_t c = vcap ? 2 * vcap : 64;
			struct snap_vma *nv = c > INT_MAX ? NULL : realloc(s->v, c * sizeof(*nv));

			if (!nv) {
				err = -ENOMEM;
				snprintf(why, size, "%s:%lu: out of memory", path, lineno);
				break;
			}
			s->v = nv;
			vcap = c;
		}
		v = &s->v[s->n];
		err = parse_line(line, v, &msg);
		if (err) {
			snprintf(why, size, "%s:%lu: %s", path, lineno,
				 err == -ENOMEM ? "out of memory" : msg);
			break;
		}
		v->lineno = lineno;
		s->n++;
		if (s->n > 1 && v->start < v[-1].end) {
			snprintf(why, size, "%s:%lu: overlaps or comes before line %lu (maps lines "
				 "are in address order)", path, lineno, v[-1].lineno);
			err = -EINVAL;
			break;
		}
	}
	if (!err && ferror(f)) {
		err = errno == ENOMEM ? -ENOMEM : -EINVAL;
		snprintf(why, size, "%s: %s", path, strerror(errno ? errno : EIO));
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
		if (err) {
			r->snap.bad_line = v->lineno;
			break;
		}
	}
	if (file)
		mm_file_put(file);
	if (!err && r->opt.mmap_base)
		err = mm_set_mmap_base(mm, r->opt.mmap_base);
	return err;
}
