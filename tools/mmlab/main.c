/*
 * main.c - the mmlab command line: `mmlab` alone runs the tour; `mmlab CMD ...` runs a
 * subcommand.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <mmlab/fault_inject.h>

#include "cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
};

static const struct command commands[] = {
	{ "tour", cmd_tour, "tour [--mem SIZE] [--nodes N] [--cpus-per-node N] [--thp always|madvise|never]   boot a machine and show every layer" },
	{ "replay", cmd_replay, "replay [--initial-maps FILE] [--mmap-base ADDR] [--follow-trace] [--check] [--maps PID] TRACE   replay a strace -f -y trace" },
	{ "proc", cmd_proc, "proc [--mem SIZE] [--nodes N] FILE...   print /proc files of a freshly booted machine" },
	{ "slabinfo", cmd_slabinfo, "slabinfo [--mem SIZE] [--nodes N] [--objects N] [-z] [-S]   the kernel's slabinfo report after a sample workload" },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: mmlab [COMMAND [ARGS...]]\n\nWith no command, runs the tour.\n\nCommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  mmlab %s\n", commands[i].usage);
	fprintf(out, "\nMachine options of tour, proc, slabinfo and replay: --mem SIZE, --nodes N, --cpus-per-node N,\n"
		     "--movablecore SIZE, --thp always|madvise|never, --gbpages (1 GiB direct-map pages, as\n"
		     "a CPU with pdpe1gb: meminfo's DirectMap1G), --no-zero-page (read faults allocate, as\n"
		     "on hosts that forbid the zero page).\n"
		     "\nLimits: --mem 16M to 4T, a multiple of 4K, at least 8M per node; --nodes 1 to 64;\n"
		     "--cpus-per-node 1 to 256, at most 256 CPUs in all; --movablecore below --mem.\n"
		     "replay: --mmap-base a page-aligned address from 0x1000 to 0x7ffffffff000; --maps PID 1 to\n"
		     "4194304. slabinfo: --objects 0 to 1000000 (objects of each kmalloc size).\n"
		     "SIZE is a number (decimal, 0x hex) with an optional K, M, G or T suffix.\n");
}

int cli_parse_size(const char *s, unsigned long long *out)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	/* strtoull would take leading spaces, '+' and '-' ("-1" as 2^64 - 1): digits only. */
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: break;
	}
	if (*end == 'i' && shift)
		end++;
	if ((*end == 'B' || *end == 'b') && shift)
		end++;
	if (*end || (shift && v > (~0ULL >> shift)))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

int cli_parse_count(const char *s, long long min, long long max, long long *out)
{
	long long v = 0;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	if (*p == '-' && p[1])
		p++;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (v > (LLONG_MAX - (*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (*p - '0');
	}
	if (*s == '-')
		v = -v;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int cli_fail_from_env(struct machine *m, const char *cmd)
{
	static const char *const kinds[NR_MMLAB_FAULTS] = {
		[FAULT_PAGE_ALLOC] = "page", [FAULT_SLAB] = "slab", [FAULT_VMA] = "vma",
		[FAULT_PGTABLE] = "pgtable", [FAULT_MISC] = "misc",
	};
	const char *env = getenv("MMLAB_FAIL"), *colon, *second;
	long long nth, times = 1;
	char num[32];
	size_t len;
	int k;

	if (!env || !*env)
		return 0;
	colon = strchr(env, ':');
	for (k = 0; colon && k < NR_MMLAB_FAULTS; k++)
		if ((size_t)(colon - env) == strlen(kinds[k]) && !strncmp(env, kinds[k], strlen(kinds[k])))
			break;
	if (!colon || k == NR_MMLAB_FAULTS)
		goto bad;
	second = strchr(colon + 1, ':');
	len = second ? (size_t)(second - colon - 1) : strlen(colon + 1);
	if (len >= sizeof(num))
		goto bad;
	memcpy(num, colon + 1, len);
	num[len] = '\0';
	if (cli_parse_count(num, 1, LONG_MAX, &nth) ||
	    (second && (cli_parse_count(second + 1, -1, LONG_MAX, &times) || !times)))
		goto bad;
	return machine_fail_nth(m, (enum mmlab_fault)k, (long)nth, (long)times) ? -EINVAL : 0;
bad:
	fprintf(stderr, "mmlab %s: bad MMLAB_FAIL '%s' (KIND:NTH[:TIMES], KIND one of page slab vma "
			"pgtable misc, NTH from 1, TIMES -1 or from 1)\n", cmd, env);
	return -EINVAL;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		return cmd_tour(argc, argv);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "mmlab: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
