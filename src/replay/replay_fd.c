/*
 * replay_fd.c - file tables, so that `mmap(..., 3</path>, ...)` maps the file fd 3 was opened
 * as: its path (from -y), its open mode (O_ACCMODE of the open's flags: what decides EACCES),
 * its device and inode (for /proc/PID/maps), and its size.
 *
 * Where a file's facts come from, best first:
 *   path    the -y annotation on the open's result, else the path argument
 *   mode    the open's flags; creat is O_WRONLY; an fd the trace never opened (inherited, or
 *           opened before the trace began) is taken as O_RDWR, the mode that forbids nothing
 *   dev/ino the --initial-maps line with the same path, else stat() of the path on this host
 *           (replay_options.host), else 00:00 0 (files named in a trace need not exist)
 *   size    ftruncate, O_TRUNC/creat (0), fstat's st_size in the trace, stat() on this host;
 *           unknown means "large enough" (mmap never checks it; the fault path would)
 * Pipes, sockets, directories and anon inodes other than memfds cannot be mapped (ENODEV);
 * /dev/zero maps as anonymous memory (private) or shmem (shared).
 *
 * Tables are shared by threads (CLONE_FILES) and copied by fork (lazily: a persistent radix
 * tree, below); execve closes O_CLOEXEC fds. An fd is 0 .. 2^20 - 1, the kernel's nr_open.
 * Calls followed: open, openat, openat2, creat, memfd_create, dup, dup2, dup3, fcntl(F_DUPFD*),
 * close, ftruncate, and fstat/newfstatat for st_size. A mapping's fd whose -y path disagrees
 * with the table (an fd reused by a call not followed) takes the path's file.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "replay_internal.h"

#include <mmlab/proc.h>

#define SIZE_UNKNOWN (1ULL << 50)
#define PATH_MAX_REPLAY 4096

/*
 * The file table as a persistent radix tree: FD_LEVELS levels of FD_FAN slots cover the fds
 * 0 .. REPLAY_NR_OPEN - 1 (32^4 = 2^20, the kernel's default nr_open). A node is shared by
 * every table and parent that points to it (refs); a write copies the nodes on its path that
 * are shared, so fork is O(1) and a write O(FD_LEVELS x FD_FAN) whatever the table holds. Each
 * node keeps two masks, so that the lowest free fd and the O_CLOEXEC fds are found by descent:
 *   full:    leaf: bit i = slot i is open;  inner: bit i = child i exists and is all full
 *   cloexec: leaf: bit i = slot i is O_CLOEXEC;  inner: bit i = child i has such a slot
 * A leaf holds a reference to each of its files.
 */
#define FD_BITS 5
#define FD_FAN (1 << FD_BITS)
#define FD_LEVELS 4
#define FD_ALL 0xffffffffu

_Static_assert(1L << (FD_BITS * FD_LEVELS) == REPLAY_NR_OPEN, "the tree covers nr_open");

struct fdnode {
	int refs;
	uint32_t full, cloexec;
	union {
		struct fdnode *child[FD_FAN];	/* inner levels */
		struct mm_file *file[FD_FAN];	/* level 0 */
	};
};

static unsigned int slot_of(long fd, int level)
{
	return (unsigned int)(fd >> (level * FD_BITS)) & (FD_FAN - 1);
}

static void node_put(struct fdnode *n, int level)
{
	int i;

	if (!n || --n->refs)
		return;
	for (i = 0; i < FD_FAN; i++) {
		if (!level && n->file[i])
			mm_file_put(n->file[i]);
		else if (level)
			node_put(n->child[i], level - 1);
	}
	free(n);
}

/* An unshared copy of @n: its children (or files) gain a reference. NULL if out of memory. */
static struct fdnode *node_copy(const struct fdnode *n, int level)
{
	struct fdnode *c = malloc(sizeof(*c));
	int i;

	if (!c)
		return NULL;
	*c = *n;
	c->refs = 1;
	for (i = 0; i < FD_FAN; i++) {
		if (!level && c->file[i])
			mm_file_get(c->file[i]);
		else if (level && c->child[i])
			c->child[i]->refs++;
	}
	return c;
}

/*
 * Make the nodes from the root to @fd's leaf this table's own, creating missing ones if
 * @create; path[level] is then the node at each level. Returns 0, 1 (a node is missing and
 * !@create), or -ENOMEM (the nodes made so far are valid copies: the table means the same).
 */
static int writable_path(struct fdtable *t, long fd, bool create, struct fdnode **path)
{
	struct fdnode **slot = &t->root;
	int level;

	for (level = FD_LEVELS - 1; level >= 0; level--) {
		struct fdnode *n = *slot;

		if (!n) {
			if (!create)
				return 1;
			n = calloc(1, sizeof(*n));
			if (!n)
				return -ENOMEM;
			n->refs = 1;
			*slot = n;
		} else if (n->refs > 1) {
			struct fdnode *c = node_copy(n, level);

			if (!c)
				return -ENOMEM;
			n->refs--;
			*slot = n = c;
		}
		path[level] = n;
		if (level)
			slot = &n->child[slot_of(fd, level)];
	}
	return 0;
}

/* After @fd's leaf slot changed: the masks of the inner nodes above it. */
static void update_masks(struct fdnode **path, long fd)
{
	int level;

	for (level = 1; level < FD_LEVELS; level++) {
		struct fdnode *n = path[level], *c = path[level - 1];
		uint32_t bit = 1u << slot_of(fd, level);

		n->full = c->full == FD_ALL ? n->full | bit : n->full & ~bit;
		n->cloexec = c->cloexec ? n->cloexec | bit : n->cloexec & ~bit;
	}
}

struct fdtable *replay_fdtable_new(void)
{
	struct fdtable *t = calloc(1, sizeof(*t));

	if (t)
		t->refs = 1;
	return t;
}

struct fdtable *replay_fdtable_copy(const struct fdtable *src)
{
	struct fdtable *t = replay_fdtable_new();

	if (!t)
		return NULL;
	t->root = src->root;
	if (t->root)
		t->root->refs++;
	return t;
}

void replay_fdtable_put(struct fdtable *t)
{
	if (!t || --t->refs)
		return;
	node_put(t->root, FD_LEVELS - 1);
	free(t);
}

struct mm_file *replay_fdtable_get(struct fdtable *t, long fd)
{
	struct fdnode *n = t->root;
	int level;

	if (fd < 0 || fd >= REPLAY_NR_OPEN)
		return NULL;
	for (level = FD_LEVELS - 1; n && level > 0; level--)
		n = n->child[slot_of(fd, level)];
	return n ? n->file[slot_of(fd, 0)] : NULL;
}

int replay_fdtable_install(struct fdtable *t, long fd, struct mm_file *f, bool cloexec)
{
	struct fdnode *path[FD_LEVELS];
	unsigned int i = slot_of(fd, 0);
	int err;

	if (fd < 0 || fd >= REPLAY_NR_OPEN) {
		mm_file_put(f);
		return -EBADF;
	}
	err = writable_path(t, fd, true, path);
	if (err) {
		mm_file_put(f);
		return err;
	}
	if (path[0]->file[i])
		mm_file_put(path[0]->file[i]);
	path[0]->file[i] = f;
	path[0]->full |= 1u << i;
	path[0]->cloexec = cloexec ? path[0]->cloexec | 1u << i : path[0]->cloexec & ~(1u << i);
	update_masks(path, fd);
	return 0;
}

int replay_fdtable_close(struct fdtable *t, long fd)
{
	struct fdnode *path[FD_LEVELS];
	unsigned int i = slot_of(fd, 0);
	int err;

	if (!replay_fdtable_get(t, fd))
		return 0;
	err = writable_path(t, fd, false, path);
	if (err)
		return err < 0 ? err : 0;
	mm_file_put(path[0]->file[i]);
	path[0]->file[i] = NULL;
	path[0]->full &= ~(1u << i);
	path[0]->cloexec &= ~(1u << i);
	update_masks(path, fd);
	return 0;
}

int replay_fdtable_close_on_exec(struct fdtable *t)
{
	/* Find the lowest O_CLOEXEC fd by the masks, close it, again: O(levels) per fd closed. */
	while (t->root && t->root->cloexec) {
		struct fdnode *n = t->root;
		long fd = 0;
		int level, err;

		for (level = FD_LEVELS - 1; level >= 0; level--) {
			unsigned int i = (unsigned int)__builtin_ctz(n->cloexec);

			fd |= (long)i << (level * FD_BITS);
			if (level)
				n = n->child[i];
		}
		err = replay_fdtable_close(t, fd);
		if (err)
			return err;
	}
	return 0;
}

long replay_fdtable_lowest_free(const struct fdtable *t)
{
	const struct fdnode *n = t->root;
	long fd = 0;
	int level;

	for (level = FD_LEVELS - 1; n; level--) {
		unsigned int i;

		if (n->full == FD_ALL)
			return REPLAY_NR_OPEN;	/* only the root can be: a full child is a set bit */
		i = (unsigned int)__builtin_ctz(~n->full);
		fd |= (long)i << (level * FD_BITS);
		if (!level)
			break;
		n = n->child[i];
	}
	return fd;
}

static enum mm_file_kind kind_of(const char *path, int flags)
{
	if (!strcmp(path, "/dev/zero"))
		return MM_FILE_DEV_ZERO;
	if (!strncmp(path, "pipe:", 5) || !strncmp(path, "socket:", 7) ||
	    !strncmp(path, "anon_inode:", 11) || (flags & O_DIRECTORY))
		return MM_FILE_NO_MMAP;
	return MM_FILE_REGULAR;
}

/*
 * stat() of a path on this host (replay_options.host), remembered: traces open the same few
 * files again and again (ld.so.cache, libraries, locale files), and a syscall per open would
 * dominate replay time.
 */
static int host_stat(struct replay *r, const char *path, struct replay_file_stat *st)
{
	uint64_t h = 1469598103934665603ULL;
	const char *c;
	struct stat_cache_ent *e;

	for (c = path; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	e = &r->stat_cache[h % REPLAY_STAT_CACHE];
	if (e->path && !strcmp(e->path, path)) {
		*st = e->st;
		return e->err;
	}
	free(e->path);
	e->path = strdup(path);
	memset(&e->st, 0, sizeof(e->st));
	e->err = r->opt.host->stat(path, &e->st, r->opt.host->arg);
	*st = e->st;
	return e->err;
}

static struct known_size *known_size_slot(struct replay *r, const char *path)
{
	uint64_t h = 1469598103934665603ULL;
	const char *c;

	for (c = path; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	return &r->known_size[h % REPLAY_STAT_CACHE];
}

/* Remember that the trace set @path's size to @size (best effort: a slot may be reused). */
static void known_size_set(struct replay *r, const char *path, unsigned long long size)
{
	struct known_size *k = known_size_slot(r, path);

	if (!k->path || strcmp(k->path, path)) {
		char *copy = strdup(path);

		if (!copy)
			return;
		free(k->path);
		k->path = copy;
	}
	k->size = size;
}

static unsigned long long known_size_get(struct replay *r, const char *path)
{
	struct known_size *k = known_size_slot(r, path);

	return k->path && !strcmp(k->path, path) ? k->size : SIZE_UNKNOWN;
}

/* A new open file for @path (already unescaped). Returns NULL on allocation failure. */
static struct mm_file *open_file(struct replay *r, const char *path, int flags,
				 unsigned long long size)
{
	struct mm_file_desc d = {
		.path = path, .open_flags = flags & O_ACCMODE, .size = size,
		.kind = kind_of(path, flags),
		.tmpfs = !strncmp(path, "/memfd:", 7) || !strncmp(path, "/dev/shm/", 9),
	};
	const struct snap_vma *sv = r->have_snap ? replay_snapshot_find_path(&r->snap, path) : NULL;
	struct replay_file_stat st;

	if (size == SIZE_UNKNOWN)
		d.size = size = known_size_get(r, path);
	else
		known_size_set(r, path, size);

	if (sv) {
		d.dev_major = sv->dev_major;
		d.dev_minor = sv->dev_minor;
		d.ino = sv->ino;
	} else if (path[0] == '/' && !host_stat(r, path, &st)) {
		d.dev_major = st.dev_major;
		d.dev_minor = st.dev_minor;
		d.ino = st.ino;
		if (S_ISDIR(st.mode))
			d.kind = MM_FILE_NO_MMAP;
		if (size == SIZE_UNKNOWN && S_ISREG(st.mode))
			d.size = st.size;
	}
	return mm_file_open(r->m, &d);
}

struct mm_file *replay_open_file(struct replay *r, const char *path, int flags)
{
	return open_file(r, path, flags, SIZE_UNKNOWN);
}

struct mm_file *replay_file_for(struct replay *r, struct rproc *p, long fd,
				struct strace_span path, int *err)
{
	struct mm_file *f = replay_fdtable_get(p->fds, fd);
	char buf[PATH_MAX_REPLAY];

	*err = 0;
	if (!path.n || fd < 0)
		return f;
	strace_unescape(path, buf, sizeof(buf));
	/*
	 * The annotation is the truth: a table entry for another file is stale (the fd was
	 * closed and reused by a call this replay does not follow, such as close_range, pipe,
	 * socket or accept).
	 */
	if (f && !strcmp(mm_file_path(f), buf))
		return f;
	f = open_file(r, buf, O_RDWR, SIZE_UNKNOWN);
	if (!f || replay_fdtable_install(p->fds, fd, f, false)) {
		*err = -ENOMEM;		/* the replay's own memory, not the trace's fault */
		return NULL;
	}
	return f;
}

static int bad_args(char *why, size_t size, const struct strace_line *l)
{
	return replay_fail(why, size, "malformed arguments to %.*s", (int)l->name.n, l->name.p);
}

/* The fd a call returned: the recorded result, or the lowest free one in a scenario. */
static long result_fd(const struct strace_line *l, struct fdtable *t)
{
	if (l->has_result)
		return l->result_unknown ? -1 : l->ret;
	return replay_fdtable_lowest_free(t);
}

static int do_open(struct replay *r, struct rproc *p, const struct strace_line *l,
		   struct strace_span pathspan, int flags, char *why, size_t size)
{
	char buf[PATH_MAX_REPLAY];
	unsigned long long fsize = SIZE_UNKNOWN;
	long fd = result_fd(l, p->fds);
	struct mm_file *f;

	if (l->err || fd < 0)
		return 0;
	if (l->ret_path.n)
		strace_unescape(l->ret_path, buf, sizeof(buf));
	else
		strace_unescape(pathspan, buf, sizeof(buf));
	if (flags & O_TRUNC)
		fsize = 0;
	f = open_file(r, buf, flags, fsize);
	if (!f)
		return -ENOMEM;
	if ((flags & O_TRUNC) && (flags & O_ACCMODE))
		mm_file_truncate(f, 0);
	return replay_fdtable_install(p->fds, fd, f, flags & O_CLOEXEC) == -ENOMEM ? -ENOMEM : 0;
}

static int do_dup(struct replay *r, struct rproc *p, const struct strace_line *l, long oldfd,
		  struct strace_span oldpath, long newfd, bool cloexec)
{
	struct mm_file *f;
	int err;

	if (l->err || newfd < 0 || l->result_unknown)
		return 0;
	f = replay_file_for(r, p, oldfd, oldpath, &err);
	if (!f)
		return err;
	if (newfd == oldfd)
		return 0;
	mm_file_get(f);
	return replay_fdtable_install(p->fds, newfd, f, cloexec) == -ENOMEM ? -ENOMEM : 0;
}

/*
 * The calls the file table follows, one handler each. A handler returns 0 (also for a call
 * that changes nothing, such as a failed open), -EINVAL via bad_args() for arguments it cannot
 * read, or -ENOMEM.
 */
typedef int (*fd_call_fn)(struct replay *r, struct rproc *p, const struct strace_line *l,
			  char *why, size_t size);

/* open(path, flags) and openat(dirfd, path, flags): the path just before the flags. */
static int open_flags_at(struct replay *r, struct rproc *p, const struct strace_line *l, int fi,
			 char *why, size_t size)
{
	uint64_t flags = 0;

	if (l->nargs <= fi || strace_flags(l->arg[fi], strace_open, &flags))
		return bad_args(why, size, l);
	return do_open(r, p, l, l->arg[fi - 1], (int)flags, why, size);
}

static int fd_open(struct replay *r, struct rproc *p, const struct strace_line *l, char *why,
		   size_t size)
{
	return open_flags_at(r, p, l, 1, why, size);
}

static int fd_openat(struct replay *r, struct rproc *p, const struct strace_line *l, char *why,
		     size_t size)
{
	return open_flags_at(r, p, l, 2, why, size);
}

/* openat2(dirfd, path, {flags=...}, size) */
static int fd_openat2(struct replay *r, struct rproc *p, const struct strace_line *l, char *why,
		      size_t size)
{
	struct strace_span v;
	uint64_t flags = 0;

	if (l->nargs < 3 || !strace_field(l->arg[2], "flags", &v) ||
	    strace_flags(v, strace_open, &flags))
		return bad_args(why, size, l);
	return do_open(r, p, l, l->arg[1], (int)flags, why, size);
}

static int fd_creat(struct replay *r, struct rproc *p, const struct strace_line *l, char *why,
		    size_t size)
{
	if (l->nargs < 1)
		return bad_args(why, size, l);
	return do_open(r, p, l, l->arg[0], O_WRONLY | O_CREAT | O_TRUNC, why, size);
}

/* memfd_create(name, flags): the file is "/memfd:NAME (deleted)" unless -y says otherwise. */
static int fd_memfd_create(struct replay *r, struct rproc *p, const struct strace_line *l,
			   char *why, size_t size)
{
	char buf[PATH_MAX_REPLAY + 32], nm[PATH_MAX_REPLAY];
	struct mm_file *f;
	long fd = result_fd(l, p->fds);

	if (l->nargs < 1)
		return bad_args(why, size, l);
	if (l->err || fd < 0)
		return 0;
	if (l->ret_path.n) {
		strace_unescape(l->ret_path, buf, sizeof(buf));
	} else {
		strace_unescape(l->arg[0], nm, sizeof(nm));
		snprintf(buf, sizeof(buf), "/memfd:%s (deleted)", nm);
	}
	f = open_file(r, buf, O_RDWR, 0);
	if (!f)
		return -ENOMEM;
	return replay_fdtable_install(p->fds, fd, f, false) == -ENOMEM ? -ENOMEM : 0;
}

/* fcntl: only F_DUPFD and F_DUPFD_CLOEXEC change the table. */
static int fd_fcntl(struct replay *r, struct rproc *p, const struct strace_line *l, char *why,
		    size_t size)
{
	bool cloexec = l->nargs > 1 && strace_span_is(l->arg[1], "F_DUPFD_CLOEXEC");
	struct strace_span path;
	long long fd;

	if (l->nargs < 2 || (!cloexec && !strace_span_is(l->arg[1], "F_DUPFD")))
		return 0;
	if (strace_num(l->arg[0], &fd, &path))
		return bad_args(why, size, l);
	return do_dup(r, p, l, fd, path, result_fd(l, p->fds), cloexec);
}

static int fd_close(struct replay *r, struct rproc *p, const struct strace_line *l, char *why,
		    size_t size)
{
	long long fd;

	(void)r;
	if (l->nargs < 1 || strace_num(l->arg[0], &fd, NULL))
		return bad_args(why, size, l);
	return replay_fdtable_close(p->fds, fd);
}

static int fd_dup(struct replay *r, struct rproc *p, const struct strace_line *l, char *why,
		  size_t size)
{
	struct strace_span path;
	long long fd;

	if (l->nargs < 1 || strace_num(l->arg[0], &fd, &path))
		return bad_args(why, size, l);
	return do_dup(r, p, l, fd, path, result_fd(l, p->fds), false);
}

/* dup2(old, new) and dup3(old, new, flags) */
static int fd_dup2(struct replay *r, struct rproc *p, const struct strace_line *l, char *why,
		   size_t size)
{
	struct strace_span path0, path1;
	long long a0, a1;
	uint64_t flags = 0;

	if (l->nargs < 2 || strace_num(l->arg[0], &a0, &path0) ||
	    strace_num(l->arg[1], &a1, &path1))
		return bad_args(why, size, l);
	if (l->nargs > 2 && strace_flags(l->arg[2], strace_open, &flags))
		return bad_args(why, size, l);
	return do_dup(r, p, l, a0, path0, a1, flags & O_CLOEXEC);
}

static int fd_ftruncate(struct replay *r, struct rproc *p, const struct strace_line *l,
			char *why, size_t size)
{
	struct strace_span path;
	struct mm_file *f;
	long long fd, len;
	int err;

	if (l->nargs < 2 || strace_num(l->arg[0], &fd, &path) || strace_num(l->arg[1], &len, NULL))
		return bad_args(why, size, l);
	if (l->err || (l->has_result && l->result_unknown))
		return 0;
	f = replay_file_for(r, p, fd, path, &err);
	if (f) {
		mm_file_truncate(f, (unsigned long long)len);
		known_size_set(r, mm_file_path(f), (unsigned long long)len);
	}
	return err;
}

/*
 * fstat(fd, {st_size=N}) and newfstatat(fd, "", {...}, AT_EMPTY_PATH): the size of a file
 * whose size is not known yet. Lines it cannot read teach nothing, and are not errors.
 */
static int fd_fstat(struct replay *r, struct rproc *p, const struct strace_line *l, char *why,
		    size_t size)
{
	bool at = strace_span_is(l->name, "newfstatat");
	struct strace_span path, v;
	struct mm_file *f;
	long long fd, sz;

	(void)why;
	(void)size;
	if (l->err || l->nargs < 2 || strace_num(l->arg[0], &fd, &path) || fd < 0)
		return 0;
	if (at && (l->nargs < 4 || !strace_span_is(l->arg[1], "\"\"")))
		return 0;
	f = replay_fdtable_get(p->fds, fd);
	if (f && strace_field(l->arg[at ? 2 : 1], "st_size", &v) && !strace_num(v, &sz, NULL) &&
	    mm_file_size(f) == SIZE_UNKNOWN) {
		mm_file_truncate(f, (unsigned long long)sz);
		known_size_set(r, mm_file_path(f), (unsigned long long)sz);
	}
	return 0;
}

/*
 * write(fd, "TEXT", n) and pwrite64 to /proc/PID/clear_refs (or /proc/self/...): what the
 * kernel did with the text, done to the model's process (only if the traced call succeeded).
 * Writes to any other file change nothing the model has.
 */
static int fd_write(struct replay *r, struct rproc *p, const struct strace_line *l, char *why,
		    size_t size)
{
	char file[64], text[16], name[32];
	struct strace_span path = { 0 };
	const char *rest;
	long long fd, n;
	long pid = p->pid;
	size_t len;

	(void)why;
	(void)size;
	if (l->err || l->nargs < 3 || strace_num(l->arg[0], &fd, &path) || !path.n ||
	    strace_num(l->arg[2], &n, NULL) || n <= 0)
		return 0;
	len = strace_unescape(path, file, sizeof(file));
	if (len >= sizeof(file) || strncmp(file, "/proc/", 6))
		return 0;
	rest = file + 6;
	if (strncmp(rest, "self/", 5) == 0) {
		rest += 5;
	} else {
		char *end;

		pid = strtol(rest, &end, 10);
		if (end == rest || *end != '/' || !replay_proc_find(r, pid))
			return 0;
		rest = end + 1;
	}
	if (strcmp(rest, "clear_refs"))
		return 0;
	len = strace_unescape(l->arg[1], text, sizeof(text));
	snprintf(name, sizeof(name), "%ld/clear_refs", pid);
	mmlab_proc_write(r->m, name, text, len < (size_t)n ? len : (size_t)n);
	return 0;
}

static const struct {
	const char *name;
	fd_call_fn run;
} fd_calls[] = {
	{ "write", fd_write }, { "pwrite64", fd_write },
	{ "open", fd_open }, { "openat", fd_openat }, { "openat2", fd_openat2 },
	{ "creat", fd_creat }, { "memfd_create", fd_memfd_create }, { "fcntl", fd_fcntl },
	{ "close", fd_close }, { "dup", fd_dup }, { "dup2", fd_dup2 }, { "dup3", fd_dup2 },
	{ "ftruncate", fd_ftruncate }, { "fstat", fd_fstat }, { "newfstatat", fd_fstat },
};

int replay_fd_call(struct replay *r, struct rproc *p, const struct strace_line *l, char *why,
		   size_t size)
{
	size_t i;

	for (i = 0; i < sizeof(fd_calls) / sizeof(fd_calls[0]); i++)
		if (strace_span_is(l->name, fd_calls[i].name))
			return fd_calls[i].run(r, p, l, why, size);
	return 0;
}
