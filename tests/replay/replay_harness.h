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

#include "hostfp.h"

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
	/* The machine: configured from @fp (hostfp_machine_config, its sysctls and mmap_min_addr)
	 * with @ram bytes; NULL: this host as replay_like_host() and replay_host_ram() see it. */
	const struct hostfp *fp;
	unsigned long long ram;
	struct harness_files *files;	/* replay_options.host from it; NULL: this host's files */
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

/*
 * Recorded cases: see replay_fixture.c for the files of a case and what they hold.
 *
 * struct harness_files - the answers of a host's file system to a replay's questions
 * (replay_host): a recorder forwards to replay_host_default() and keeps every answer; a loaded
 * case's table answers alone, and counts the questions it has no answer for (missed).
 */
struct harness_files;
struct harness_files *harness_files_recorder(void);
const struct replay_host *harness_files_host(struct harness_files *hf);
unsigned long harness_files_missed(const struct harness_files *hf);
void harness_files_free(struct harness_files *hf);

#define HARNESS_CASE_MAX_EXPECT 8

/* A case loaded from tests/fixtures/NAME.*: everything a replay of it needs. */
struct harness_case {
	char *trace;
	char start_path[1024];		/* the start snapshot's file, "" if the case has none */
	char *end_maps;			/* the kernel's final maps, NULL if the case has none */
	struct hostfp fp;		/* the recording host */
	unsigned long long ram;		/* its RAM, as replay_host_ram() saw it */
	struct harness_files *files;	/* its answers about files */
	struct { char key[64]; long long value; } expect[HARNESS_CASE_MAX_EXPECT];
	int nexpect;
};
/* Load case @name (relative to tests/fixtures); false if its trace or .host file is missing. */
bool harness_case_load(const char *name, struct harness_case *c);
/* The value of the case's "expect @key V" line, or @dflt. */
long long harness_case_expect(const struct harness_case *c, const char *key, long long dflt);
void harness_case_free(struct harness_case *c);

/* What record mode writes for one case (NULL texts: that file is not written, or removed). */
struct harness_record {
	const char *trace, *start_maps, *end_maps;
	const struct hostfp *fp;
	unsigned long long ram;
	const struct harness_files *files;
	const char *expect;		/* "expect KEY VALUE\n" lines, or NULL */
};
void harness_case_write(const char *name, const struct harness_record *rec);

/* This host's fingerprint (probed once). */
const struct hostfp *harness_this_host(void);
/*
 * harness_live_strict - in live mode: does a difference fail here (hostfp_covered)? Says on
 * stderr when it does not, and where this host differs from the host that recorded @fixture
 * (a case name, or NULL).
 */
bool harness_live_strict(const char *fixture);
/* Fail with the message when @strict (at the caller's line), else print it as reported. */
#define harness_complain(strict, ...)							\
	do {										\
		if (strict)								\
			fail_msg(__VA_ARGS__);						\
		else									\
			harness_report(__VA_ARGS__);					\
	} while (0)
void harness_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
