/*
 * replay_internal.h - the replay engine's table of contents.
 *
 * Glossary:
 *   struct replay        one replay: options, the machine, processes by pid, counters, output
 *   struct rproc         one traced pid: its mm_task and its file table
 *   struct fdtable       fd -> open file (struct mm_file), shared by CLONE_FILES threads
 *   struct snapshot      a parsed /proc/PID/maps file, for seeding the first process
 */
#ifndef MMLAB_REPLAY_INTERNAL_H
#define MMLAB_REPLAY_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include <mmlab/mm.h>
#include <mmlab/replay.h>

#include "strace.h"

/* The kernel's default fs.nr_open: fds are 0 .. REPLAY_NR_OPEN - 1. */
#define REPLAY_NR_OPEN (1L << 20)

struct fdnode;			/* replay_fd.c: a node of the persistent radix tree */

/*
 * A file table: a persistent radix tree over fd numbers (fork shares it in O(1) and copies
 * only the path to an fd it writes), so host memory follows the fds open, never the fd values.
 */
struct fdtable {
	int refs;			/* processes sharing it (CLONE_FILES) */
	struct fdnode *root;		/* NULL: empty */
};

struct rproc {
	long pid;
	struct mm_task *task;
	struct fdtable *fds;
	bool brk_known;			/* start_brk was given (snapshot [heap] or a first brk) */
	char *cwd;			/* its working directory from chdir/fchdir; NULL: unknown */
};

/* The largest SIZE of an access line (lackey's are at most a few hundred bytes). */
#define REPLAY_ACCESS_MAX (1 << 20)

struct snap_vma {
	unsigned long start, end, pgoff;
	unsigned long prot, flags;	/* PROT_*, MAP_SHARED or MAP_PRIVATE */
	unsigned int dev_major, dev_minor;
	unsigned long ino;
	char *path;			/* file path or [special] name; NULL for anonymous */
	unsigned long lineno;		/* its line in the maps file */
};

struct snapshot {
	int n;
	struct snap_vma *v;
	unsigned long mmap_base;	/* inferred; 0 if the snapshot does not show one */
	unsigned long bad_line;		/* the line replay_snapshot_seed() could not seed, or 0 */
};

/* A clone whose result has not been printed yet (its child may speak first). */
struct pending_clone {
	long parent;
	unsigned long flags;
	long child;			/* 0 until the child's first line or the result */
};

#define REPLAY_MAX_PENDING_CLONES 64
#define REPLAY_STAT_CACHE 64

struct stat_cache_ent {
	char *path;			/* NULL: empty slot */
	int err;			/* 0 or -errno of replay_host.stat */
	struct replay_file_stat st;
};

struct replay {
	struct machine *m;
	struct replay_options opt;
	struct strace_reader *reader;
	struct snapshot snap;
	bool have_snap;

	struct rproc **procs;		/* open-addressing table by pid */
	size_t procs_cap, nprocs;
	long long pid_sum;		/* of the live pids: the only one's when nprocs == 1 */
	long first_pid;			/* 0 until the first line */
	bool first_anon;		/* its pid was not shown yet: named when it first is */
	long max_pid;
	bool first_call_seen;		/* the first process's first call was handled */

	struct pending_clone pend[REPLAY_MAX_PENDING_CLONES];
	int npend;

	struct replay_stats st;
	unsigned long lineno;
	char *maps;			/* the captured maps of the chosen process */
	bool maps_captured;
	struct stat_cache_ent stat_cache[REPLAY_STAT_CACHE];	/* host stat() by path */
	/* Sizes the trace itself established (ftruncate, O_TRUNC, fstat), by path: a file closed
	 * and opened again keeps its size even when it does not exist on this host. */
	struct known_size { char *path; unsigned long long size; } known_size[REPLAY_STAT_CACHE];
	time_t progress_last;		/* CLOCK_MONOTONIC second of the last on_progress */
	bool progress_told;		/* on_progress was called at least once */
	char **proc_text;		/* [i]: opt.proc_paths[i] as captured, or NULL */
	char diff_note[96];		/* why the current call differs beyond its result */
	struct rproc *access_proc;	/* the process of the last access line (until it exits) */
	long access_pid;		/* ... and the pid that line named (-1: none) */
	unsigned char mincore_vec[4096];	/* mincore's scratch: one chunk, as the kernel's page */
};

/* replay.c */
struct rproc *replay_proc_find(struct replay *r, long pid);
void replay_capture_maps(struct replay *r, struct rproc *p);
int replay_fail(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* replay_fd.c: file tables and file objects */
/* replay_fdtable_new - an empty table (refs 1), or NULL on allocation failure. */
struct fdtable *replay_fdtable_new(void);
/* replay_fdtable_copy - fork's copy of @t: O(1), sharing every node until one side writes. */
struct fdtable *replay_fdtable_copy(const struct fdtable *t);
/* replay_fdtable_put - drop one sharer of @t; the last frees it and puts its files. */
void replay_fdtable_put(struct fdtable *t);
/* replay_fdtable_get - the file at @fd, or NULL (none, or @fd out of 0..REPLAY_NR_OPEN-1). */
struct mm_file *replay_fdtable_get(struct fdtable *t, long fd);
/*
 * replay_fdtable_install - put @f (whose reference the table takes, also on failure) at @fd,
 * closing what was there. Returns 0, -EBADF (@fd out of range), -ENOMEM.
 */
int replay_fdtable_install(struct fdtable *t, long fd, struct mm_file *f, bool cloexec);
/* replay_fdtable_close - close @fd if open. Returns 0 or -ENOMEM (the table is unchanged). */
int replay_fdtable_close(struct fdtable *t, long fd);
/* replay_fdtable_close_on_exec - close every O_CLOEXEC fd. Returns 0 or -ENOMEM. */
int replay_fdtable_close_on_exec(struct fdtable *t);
/* replay_fdtable_lowest_free - the lowest fd not open; REPLAY_NR_OPEN if all are. */
long replay_fdtable_lowest_free(const struct fdtable *t);
/* replay_open_file - a new open file of @path with O_ACCMODE @flags, size from this host. */
struct mm_file *replay_open_file(struct replay *r, const char *path, int flags);
/*
 * replay_file_for - the open file behind a call's fd argument: the table's entry, else one made
 * from the -y annotation (an fd the trace never showed being opened). NULL for no such fd
 * (*@err 0), or when the replay ran out of memory making one (*@err -ENOMEM).
 */
struct mm_file *replay_file_for(struct replay *r, struct rproc *p, long fd,
				struct strace_span path, int *err);
/*
 * replay_task_call - chdir, fchdir, personality, prlimit64, setrlimit: what the trace set of
 * the process, in its rproc, task or mm (replay_task.c). Returns 0 (a line it cannot use changes nothing).
 */
int replay_task_call(struct replay *r, struct rproc *p, const struct strace_line *l);
/*
 * replay_path_in_cwd - @path, if relative and @p's working directory is known, joined to it
 * (into @buf of @size); else @path itself.
 */
const char *replay_path_in_cwd(const struct rproc *p, const char *path, char *buf, size_t size);
/* replay_fd_call - open/openat/creat/memfd_create/dup/dup2/dup3/close/ftruncate/fstat. */
int replay_fd_call(struct replay *r, struct rproc *p, const struct strace_line *l, char *why,
		   size_t size);

/* replay.c: the exec arguments every new address space starts from */
void replay_exec_args(struct replay *r, struct mm_exec_args *a, bool empty);

/* replay_exec.c: execve */
/*
 * replay_exec_image - execve of @path in @t: the program's ELF segments, its interpreter and
 * the vDSO as the kernel's loader places them without ASLR, or mm_create()'s default layout
 * when @path cannot be read (*@from_elf false). Returns 0 or a negative errno.
 */
int replay_exec_image(struct replay *r, struct mm_task *t, const char *path, bool *from_elf);

/* replay_snapshot.c: --initial-maps */
/*
 * replay_snapshot_load - read the maps file @path into @s. Returns 0, -ENOENT (cannot open),
 * -EINVAL (a directory, a malformed line, lines overlapping or out of order: @why names the
 * file and line), -ENOMEM.
 */
int replay_snapshot_load(const char *path, struct snapshot *s, char *why, size_t size);
void replay_snapshot_free(struct snapshot *s);
/* replay_snapshot_seed - @s's VMAs into @mm; on failure s->bad_line is the line refused. */
int replay_snapshot_seed(struct replay *r, struct mm_struct *mm);
/* The snapshot's line for @path (its dev and inode), or NULL. */
const struct snap_vma *replay_snapshot_find_path(const struct snapshot *s, const char *path);

/* replay_mm.c: the memory syscalls */
/*
 * replay_mm_call - execute the memory syscall of @l in @p's mm. Returns 1 if the call was one
 * (counted and checked), 0 if @l is not a memory syscall, -EINVAL for malformed arguments.
 */
int replay_mm_call(struct replay *r, struct rproc *p, const struct strace_line *l, char *why,
		   size_t size);

/* replay.c: the process a line names (-1: the first), created if it is new. 0 or errno. */
int replay_proc_for(struct replay *r, long pid, struct rproc **out, char *why, size_t size);
/* replay.c: @p died of a signal. */
void replay_proc_killed(struct replay *r, struct rproc *p);
/*
 * replay_access.c: @line as a memory access (valgrind lackey format): 1 if it was one (or a
 * valgrind message line), 0 if it is not, or a negative errno with @why.
 */
int replay_access_line(struct replay *r, const char *line, size_t len, char *why, size_t why_size);

/* replay_proc.c: the /proc files of replay_options.proc_paths */
int replay_procs_init(struct replay *r);
/* Render the files of process @pid (0: every file not rendered yet). */
void replay_capture_procs(struct replay *r, long pid);
void replay_procs_free(struct replay *r);

#endif /* MMLAB_REPLAY_INTERNAL_H */
