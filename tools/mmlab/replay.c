/*
 * replay.c - `mmlab replay`: a strace trace in, the kernel's answers out.
 *
 *   mmlab replay [--initial-maps FILE] [--mmap-base ADDR] [--follow-trace] [--check]
 *                [--maps PID] [--mem SIZE] TRACE
 *
 * Prints /proc/PID/maps of the chosen process (default: the first of the trace) as it was when
 * it exited or when the trace ended. With --check, every memory syscall whose result differs
 * from the recorded one goes to stderr, then the summary line
 * "N calls replayed, M matched, D differed"; exit 1 if D > 0. Unusable input: exit 2 with the
 * line number. This host out of memory: exit 1 saying so. TRACE "-" is standard input.
 *
 * The machine answers as this host would: vm.overcommit_memory, overcommit_ratio,
 * max_map_count and mmap_min_addr are read from /proc/sys/vm, and its RAM is the host's
 * MemTotal (commit accounting depends on it), unless --mem says otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mmlab/machine.h>
#include <mmlab/mm.h>
#include <mmlab/replay.h>

#include "cli.h"

static int usage(void)
{
	fprintf(stderr, "usage: mmlab replay [--initial-maps FILE] [--mmap-base ADDR] "
			"[--follow-trace] [--check] [--maps PID] [--mem SIZE] TRACE\n");
	return 2;
}

/* --check: each difference on its own line of stderr. */
static void print_diff(const struct replay_diff *d, void *arg)
{
	(void)arg;
	fprintf(stderr, "%s\n", d->text);
}

/* Long traces on a terminal: one progress line, rewritten in place. */
static void print_progress(const struct replay_stats *st, bool done, void *arg)
{
	(void)arg;
	fprintf(stderr, "\rreplay: %lu lines, %lu calls, %lu differed%s", st->lines, st->calls,
		st->differed, done ? "\n" : "");
}

/*
 * The replay options and TRACE from the command line (machine options already taken out).
 * Returns 0, or the exit status (2) after saying what was wrong.
 */
static int parse_args(int argc, char **argv, struct replay_options *o, const char **trace)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		unsigned long long v;

		if (!strcmp(a, "--follow-trace")) {
			o->follow_trace = true;
		} else if (!strcmp(a, "--check")) {
			o->check = true;
		} else if (!strcmp(a, "--initial-maps") && i + 1 < argc) {
			o->initial_maps = argv[++i];
		} else if (!strcmp(a, "--mmap-base") && i + 1 < argc) {
			if (cli_parse_size(argv[++i], &v) || (v & 0xfff) || !v || v > MM_TASK_SIZE) {
				fprintf(stderr, "mmlab replay: bad --mmap-base '%s' (a page-aligned "
					"address from 0x1000 to %#lx)\n", argv[i], MM_TASK_SIZE);
				return 2;
			}
			o->mmap_base = v;
		} else if (!strcmp(a, "--maps") && i + 1 < argc) {
			long long pid;

			if (cli_parse_count(argv[++i], 1, 4194304, &pid)) {
				fprintf(stderr, "mmlab replay: bad --maps pid '%s' (1 to 4194304)\n",
					argv[i]);
				return 2;
			}
			o->maps_pid = (long)pid;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "mmlab replay: unknown option '%s'\n", a);
			return usage();
		} else if (!*trace) {
			*trace = a;
		} else {
			return usage();
		}
	}
	return *trace ? 0 : usage();
}

/*
 * Replay @f (named @trace) on @m with @o, print the chosen maps and, with --check, the
 * summary. Returns the exit status: 0, 1 (differences), 2 (unusable input).
 */
static int run_replay(struct machine *m, const struct replay_options *o, FILE *f,
		      const char *trace)
{
	struct replay_stats st;
	struct replay *r;
	char why[512] = "";
	unsigned long lineno = 0;
	int err, rc = 0;

	err = replay_new(m, o, &r, why, sizeof(why));
	if (err) {
		fprintf(stderr, "mmlab replay: %s%s\n", err == -ENOMEM ? "out of memory: " : "",
			why[0] ? why : strerror(-err));
		return err == -ENOMEM ? 1 : 2;
	}
	err = replay_file(r, f, &lineno, why, sizeof(why));
	if (err == -ENOMEM) {
		/* The host failed, not the trace: exit 1, as for a failed boot. */
		fprintf(stderr, "mmlab replay: %s:%lu: out of memory on this host%s%s\n", trace,
			lineno, why[0] ? ": " : "", why);
		rc = 1;
		goto out;
	}
	if (err) {
		fprintf(stderr, "mmlab replay: %s:%lu: %s\n", trace, lineno,
			why[0] ? why : strerror(-err));
		rc = 2;
		goto out;
	}
	if (replay_finish(r)) {
		fprintf(stderr, "mmlab replay: process %ld does not appear in the trace\n",
			o->maps_pid);
		rc = 2;
		goto out;
	}
	fputs(replay_maps(r), stdout);
	replay_get_stats(r, &st);
	if (o->check) {
		fprintf(stderr, "%lu calls replayed, %lu matched, %lu differed\n", st.calls,
			st.matched, st.differed);
		if (st.differed)
			rc = 1;
	}
out:
	replay_free(r);
	return rc;
}

int cmd_replay(int argc, char **argv)
{
	struct replay_options o = { .on_diff = print_diff };
	struct machine_config cfg;
	struct machine *m;
	const char *trace = NULL;
	unsigned long long ram;
	FILE *f;
	int rc;

	machine_config_default(&cfg);
	cfg.nr_nodes = 1;
	ram = replay_host_ram();
	if (ram)
		cfg.mem_bytes = ram;
	if (cli_parse_machine_opts(&argc, argv, &cfg))
		return 2;
	rc = parse_args(argc, argv, &o, &trace);
	if (rc)
		return rc;
	f = strcmp(trace, "-") ? fopen(trace, "r") : stdin;
	if (!f) {
		fprintf(stderr, "mmlab replay: %s: %s\n", trace, strerror(errno));
		return 2;
	}
	if (isatty(STDERR_FILENO) && f != stdin)
		o.on_progress = print_progress;
	if (cli_boot(&cfg, &m)) {
		rc = 1;
	} else {
		replay_like_host(m);
		rc = run_replay(m, &o, f, trace);
		machine_shutdown(m);
	}
	if (f != stdin)
		fclose(f);
	return rc;
}
