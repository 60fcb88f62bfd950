/*
 * replay_harness.h - what the replay tests share: running a command under strace, cutting a
 * trace at a marker, and replaying a trace in-process on a machine like this host.
 */
#ifndef MMLAB_TEST_REPLAY_HARNESS_H
#define MMLAB_TEST_REPLAY_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <mmlab/replay.h>

/* Is @prog an executable file in a directory of $PATH? */
bool harness_on_path(const char *prog);
/*
 * In a cmocka test: skip it (cmocka's skip(), reported as skipped, never as passed) with a
 * message naming @prog when @prog is not on $PATH. For tests that record with strace/setarch.
 */
#define harness_require(prog)								\
	do {										\
		if (!harness_on_path(prog)) {						\
			fprintf(stderr, "%s is not on PATH: test skipped\n", (prog));	\
			skip();								\
		}									\
	} while (0)

/* Run @argv (NULL-terminated) with stdout/stderr to /dev/null; its exit status, or -1. */
int harness_run(char *const argv[]);
/* The whole file @path as a malloc'd string, or NULL. */
char *harness_slurp(const char *path);
/*
 * harness_replay - replay @trace (a string of lines), starting after the first line that
 * contains @marker (NULL: from the start), seeding from @initial_maps (may be NULL).
 * Returns 0 with @st filled, *@maps the final maps (malloc'd) and *@diffs the --check report
 * (malloc'd); or -EINVAL with *@diffs holding the parse error.
 */
int harness_replay(const char *trace, const char *marker, const char *initial_maps,
		   struct replay_stats *st, char **maps, char **diffs);
/* The same, showing the maps of process @maps_pid at its exit. */
int harness_replay_pid(const char *trace, const char *marker, const char *initial_maps,
		       long maps_pid, struct replay_stats *st, char **maps, char **diffs);
/* One difference of a replay, as its replay_diff_fn saw it. */
struct harness_diff {
	unsigned long line;
	long pid;
	char call[16];
	long long recorded, got;
};

/* What harness_replay_run() is to do; zero fields mean "as harness_replay()". */
struct harness_run_opts {
	const char *marker;		/* start after the first line containing it */
	const char *initial_maps;
	long maps_pid;
	struct harness_diff **list;	/* if non-NULL: every difference, malloc'd, in order */
	size_t *nlist;			/* ... and how many (required with list) */
};
/* harness_replay with every option: returns and fills what harness_replay() does. */
int harness_replay_run(const char *trace, const struct harness_run_opts *ho,
		       struct replay_stats *st, char **maps, char **diffs);
/*
 * harness_maps_equal - two /proc/PID/maps texts are the same, except for the device and inode
 * of internal shmem objects (/dev/zero (deleted), /memfd:, /SYSV), a kernel-wide counter no
 * replay can know. With @print, the differing lines go to stderr.
 */
bool harness_maps_equal(const char *want, const char *got, bool print);
/* A fresh temporary directory (malloc'd path), and its removal with everything in it. */
char *harness_tmpdir(void);
void harness_rmdir(const char *dir);

#endif
