/*
 * replay.c - `mmlab replay`: a strace trace in, the kernel's answers out.
 *
 *   mmlab replay [--initial-maps FILE] [--mmap-base ADDR] [--follow-trace] [--check]
 *                [--maps PID] [--proc PATH]... [--map-on-access] [--mem SIZE] TRACE
 *
 * Prints /proc/PID/maps of the first process of the trace as it was when it exited or when the
 * trace ended; --proc PATH (repeatable) prints the model's /proc/PATH instead ("PID/smaps",
 * "meminfo", ...: a process's files as they stood when it exited, the others at the end), each
 * after a line "==> PATH <==" when there are several; --maps PID is --proc PID/maps. TRACE may
 * hold memory accesses in valgrind lackey's format (docs/replay.md). With --check, every memory syscall whose result differs
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

static const char usage_text[] =
	"usage: mmlab replay [--initial-maps FILE] [--mmap-base ADDR] [--follow-trace] [--check]\n"
	"                    [--maps PID] [--proc PATH]... [--map-on-access] [--mem SIZE] TRACE\n";

static const char help_text[] =
	"Replay an `strace -f -y` trace (and valgrind lackey memory-access lines) on a simulated\n"
	"machine and print what the kernel would show.\n\n"
	"  --initial-maps FILE  /proc/PID/maps of the first process at its exec (seeds its layout)\n"
	"  --mmap-base ADDR     where top-down mmap starts (default: inferred, or the kernel's)\n"
	"  --follow-trace       place mappings where the trace says they went\n"
	"  --check              report each memory call whose result differs from the trace's;\n"
	"                       exit 1 if any did\n"
	"  --maps PID           print PID's /proc/PID/maps (the same as --proc PID/maps)\n"
	"  --proc PATH          print the model's /proc/PATH (repeatable): PID/maps, PID/status,\n"
	"                       meminfo, vmstat, buddyinfo, zoneinfo, ...; a process's files as\n"
	"                       they stood when it exited, the others at the end of the trace\n"
	"  --map-on-access      an access that finds no mapping maps an anonymous page there\n"
	"                       (for access logs without system calls)\n"
	"  --mem SIZE, --nodes N, ...  the machine (see `mmlab --help`)\n"
	"TRACE \"-\" is standard input. Exit status: 0, 1 (differences, or a host failure),\n"
	"2 (unusable input or options).\n"
	"For tests, MMLAB_FAIL=KIND:NTH[:TIMES] makes the NTH allocation of KIND after boot fail\n"
	"(page, slab, vma, pgtable, or misc: this host's memory for the model's bookkeeping).\n";

static int usage(void)
{
	fputs(usage_text, stderr);
	return 2;
}

#define MAX_PROC_PATHS 64

struct proc_list {
	const char *paths[MAX_PROC_PATHS];
	char maps_path[24];
	size_t n;
};

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
static int parse_args(int argc, char **argv, struct replay_options *o, const char **trace,
		      struct proc_list *pl)
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
			snprintf(pl->maps_path, sizeof(pl->maps_path), "%ld/maps", o->maps_pid);
			if (pl->n == MAX_PROC_PATHS)
				goto too_many;
			pl->paths[pl->n++] = pl->maps_path;
		} else if (!strcmp(a, "--proc") && i + 1 < argc) {
			if (pl->n == MAX_PROC_PATHS)
				goto too_many;
			pl->paths[pl->n++] = argv[++i];
		} else if (!strcmp(a, "--map-on-access")) {
			o->map_on_access = true;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage_text, stdout);
			fputs(help_text, stdout);
			exit(0);
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "mmlab replay: unknown option '%s'\n", a);
			return usage();
		} else if (!*trace) {
			*trace = a;
		} else {
			return usage();
		}
	}
	o->proc_paths = pl->paths;
	o->nr_proc_paths = pl->n;
	return *trace ? 0 : usage();
too_many:
	fprintf(stderr, "mmlab replay: at most %d --proc and --maps files\n", MAX_PROC_PATHS);
	return 2;
}

/* The chosen /proc files, each after "==> PATH <==" when there are several. 0 or 2. */
static int print_procs(struct replay *r, const struct replay_options *o)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < o->nr_proc_paths; i++) {
		const char *text = replay_proc_text(r, i);

		if (o->nr_proc_paths > 1)
			printf("%s==> %s <==\n", i ? "\n" : "", o->proc_paths[i]);
		if (!text) {
			fprintf(stderr, "mmlab replay: no /proc/%s (a process that never appeared, or a "
					"file mmlab does not have)\n", o->proc_paths[i]);
			rc = 2;
			continue;
		}
		fputs(text, stdout);
	}
	return rc;
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
	if (o->nr_proc_paths)
		rc = print_procs(r, o);
	else
		fputs(replay_maps(r), stdout);
	replay_get_stats(r, &st);
	if (o->check) {
		fprintf(stderr, "%lu calls replayed, %lu matched, %lu differed\n", st.calls,
			st.matched, st.differed);
		if (st.accesses)
			fprintf(stderr, "%lu memory accesses, %lu processes killed by one, %lu out of "
					"memory\n", st.accesses, st.access_kills, st.oom_kills);
		if (st.differed && !rc)
			rc = 1;
	}
out:
	replay_free(r);
	return rc;
}

int cmd_replay(int argc, char **argv)
{
	struct replay_options o = { .on_diff = print_diff };
	struct proc_list pl = { .n = 0 };
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
	rc = parse_args(argc, argv, &o, &trace, &pl);
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
		rc = cli_fail_from_env(m, "replay") ? 2 : run_replay(m, &o, f, trace);
		machine_shutdown(m);
	}
	if (f != stdin)
		fclose(f);
	return rc;
}
