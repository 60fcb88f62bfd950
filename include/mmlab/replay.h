/*
 * mmlab/replay.h - replaying `strace -f -y` traces (or hand-written scenarios in the same
 * syntax) through mmlab's address-space layer, and checking mmlab's results against the ones
 * the kernel recorded.
 *
 * A replay owns processes named by the trace's pids on one machine. Memory syscalls (mmap,
 * munmap, mprotect, pkey_mprotect (as mprotect: no protection keys), mremap, brk, madvise,
 * mlock, mlock2, munlock, mlockall, munlockall, msync, mincore) are executed by mmlab; fork,
 * vfork, clone, clone3, execve (laid out from the program's ELF headers when it is readable),
 * exit, exit_group and death by signal change the process set; open, openat, openat2, creat,
 * memfd_create, dup, dup2, dup3, fcntl(F_DUPFD*), close and ftruncate (with the -y paths and
 * fstat's st_size) keep a file table per process so that a file mapping knows its file, open
 * mode and size. Every other line is skipped. See docs/replay.md for the exact rules.
 *
 * Not thread-safe: one replay is driven by one thread at a time.
 */
#ifndef MMLAB_REPLAY_H
#define MMLAB_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "export.h"

struct machine;
struct replay;

struct replay_stats {
	unsigned long lines;		/* physical lines read */
	unsigned long calls;		/* memory syscalls replayed */
	unsigned long matched;		/* ... whose recorded result mmlab reproduced */
	unsigned long differed;		/* ... whose recorded result mmlab did not reproduce */
	unsigned long accesses;		/* memory access lines (valgrind lackey) replayed */
	unsigned long access_kills;	/* processes killed by an access (SIGSEGV, SIGBUS) */
	unsigned long oom_kills;	/* processes killed because a fault found no memory */
};

/* One memory syscall whose recorded result mmlab did not reproduce (see replay_diff_fn). */
struct replay_diff {
	unsigned long line;		/* the trace line that completed the call (1-based) */
	long pid;			/* the process that made it */
	const char *call;		/* its name: "mmap", "munmap", ... (static storage) */
	long long recorded;		/* the kernel's result: a value, or -errno for -1 ERRNO */
	long long got;			/* mmlab's result, in the same form */
	/* "line L: [pid P] call(args): recorded R, got G", without a newline; R and G are
	 * decimal below 0x10000, else hex, and "-1 ENAME" for an error. */
	const char *text;
};

/*
 * replay_diff_fn - told of each difference, when replay_options.check is set. Called from
 * replay_line() (so also from replay_file()) on the thread driving the replay, once per
 * differing call, in trace order, after the stats already count it. @d and the strings it
 * points to, except d->call, are valid only during the call: copy what you keep. The callback
 * must not call into the same replay.
 */
typedef void (*replay_diff_fn)(const struct replay_diff *d, void *arg);

/*
 * replay_progress_fn - told how far replay_file() has got. Called only from replay_file(), on
 * its thread, with the running counts (@st valid during the call only): at the 65,536th line,
 * then at most once per second of CLOCK_MONOTONIC (the clock is read every 65,536 lines), and
 * once more with @done true when replay_file() returns (also on unusable input) if 65,536
 * lines or more have been read by then. A shorter trace never calls it. The callback must not
 * call into the same replay.
 */
typedef void (*replay_progress_fn)(const struct replay_stats *st, bool done, void *arg);

/* What replay_host.stat says of a file (as stat(2), reduced to what a replay uses). */
struct replay_file_stat {
	unsigned int dev_major, dev_minor;
	unsigned long ino;
	unsigned long long size;	/* st_size */
	unsigned int mode;		/* st_mode: only its S_IFMT bits are used */
};

/*
 * struct replay_host - where a replay learns what a trace names but does not show: a file's
 * device, inode, size and type (for files the snapshot does not list), the ELF headers of an
 * execve'd program and of its interpreter, and the name maps gives a path (symlinks
 * resolved). replay_host_default() answers from this host's file system; a caller that
 * replays a trace recorded elsewhere answers from the recording instead, so that the replay
 * reads nothing of the machine it runs on. Each function is called on the thread driving the
 * replay, with a NUL-terminated absolute path, and returns:
 *   stat      0 with *@st filled, or -errno as stat(2) would fail;
 *   pread     the bytes read into @buf (at most @n, from offset @off), or -errno;
 *   realpath  0 with the resolved path in @out (NUL-terminated, at most @size bytes), or -errno.
 * A replay calls stat at most once per path while the path stays in its cache, and pread and
 * realpath once per execve per file; the answers must not change during one replay.
 */
struct replay_host {
	int (*stat)(const char *path, struct replay_file_stat *st, void *arg);
	long (*pread)(const char *path, void *buf, size_t n, unsigned long long off, void *arg);
	int (*realpath)(const char *path, char *out, size_t size, void *arg);
	void *arg;			/* passed to each */
};

struct replay_options {
	const char *initial_maps;	/* a /proc/PID/maps snapshot for the first process, or NULL */
	unsigned long mmap_base;	/* 0: inferred from initial_maps, else the mm's default */
	bool follow_trace;		/* place mappings where the trace says they went */
	bool check;			/* compare results with the recorded ones */
	long maps_pid;			/* whose maps replay_maps() shows; 0: the first process */
	replay_diff_fn on_diff;		/* each difference (with check), or NULL: only counted */
	void *diff_arg;			/* passed to on_diff */
	replay_progress_fn on_progress;	/* replay_file()'s progress, or NULL */
	void *progress_arg;		/* passed to on_progress */
	const struct replay_host *host;	/* files the trace names; NULL: replay_host_default() */
	bool map_on_access;		/* an access that finds no VMA maps an anonymous page */
	/* /proc files to keep, as mmlab_proc_read() names them ("1234/smaps", "meminfo"): a
	 * process's files as they stood when it exited, the others at replay_finish(). */
	const char *const *proc_paths;
	size_t nr_proc_paths;
};

/*
 * replay_new - a replay on @m (the caller stays bound to @m while using it). Reads
 * @opts->initial_maps now. Returns 0 and *@out, -ENOMEM, or -EINVAL / -ENOENT with a message
 * in @why for an unusable snapshot.
 */
MMLAB_API int replay_new(struct machine *m, const struct replay_options *opts, struct replay **out,
			 char *why, size_t why_size);
/*
 * replay_line - feed one line (without or with its newline). Returns 0, or -EINVAL for unusable
 * input with @why saying what was wrong (the caller adds the line number), -ENOMEM.
 */
MMLAB_API int replay_line(struct replay *r, const char *line, size_t len, char *why,
			  size_t why_size);
/* replay_file - every line of @f; on error *@lineno is the offending line. 0 or -errno. */
MMLAB_API int replay_file(struct replay *r, FILE *f, unsigned long *lineno, char *why,
			  size_t why_size);
/*
 * replay_finish - the trace has ended: capture the chosen process's maps if it is still alive.
 * Returns 0 or -ESRCH when the chosen pid never appeared.
 */
MMLAB_API int replay_finish(struct replay *r);
/* replay_maps - the captured /proc/PID/maps text (after replay_finish), or NULL. */
MMLAB_API const char *replay_maps(const struct replay *r);
/*
 * replay_proc_text - replay_options.proc_paths[@i] as it was captured (see there), or NULL if
 * it was not (a process that never appeared, a file mmlab does not have). Valid until
 * replay_free().
 */
MMLAB_API const char *replay_proc_text(const struct replay *r, size_t i);
/* replay_get_stats - copy @r's counters so far into @st. */
MMLAB_API void replay_get_stats(const struct replay *r, struct replay_stats *st);
/* replay_free - tear down every process and file of the replay. */
MMLAB_API void replay_free(struct replay *r);

/*
 * replay_like_host - set @m's vm.overcommit_memory, overcommit_ratio, overcommit_kbytes,
 * max_map_count and mmap_min_addr to this host's (/proc/sys/vm), so a trace recorded here
 * replays against the same limits.
 */
MMLAB_API void replay_like_host(struct machine *m);
/* replay_host_default - the replay_host that answers from this host's file system. */
MMLAB_API const struct replay_host *replay_host_default(void);
/* replay_host_ram - this host's RAM in bytes, rounded down to 4 MiB (0 if unknown). */
MMLAB_API unsigned long long replay_host_ram(void);

#endif /* MMLAB_REPLAY_H */
