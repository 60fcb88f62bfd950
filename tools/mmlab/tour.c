/*
 * tour.c - `mmlab` with no arguments: boot the built-in machine and walk through every layer,
 * printing what it does and the /proc views that show it. Each layer contributes one section.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mmlab/mmlab.h>

#include "cli.h"

struct tour_section {
	const char *title;
	int (*run)(struct machine *m, FILE *out);
};

static const struct tour_section sections[] = {
	{ "Physical memory: nodes, zones, the buddy allocator and per-CPU lists", tour_phys },
	{ "Slab allocator: caches created, used and shrunk; kmalloc; debug checks", tour_slab },
	{ "Process address spaces: VMAs, mmap and friends, brk, fork, /proc/PID/maps", tour_vm },
	{ "Pages: demand paging, the zero page, fork and copy-on-write, pagemap and smaps", tour_pages },
	{ "Kernel address space: vmalloc of scattered frames, init_mm's PTEs, /proc/vmallocinfo", tour_vmalloc },
};

/* machine_boot()'s limits (src/core/machine.c config_validate), said before booting. */
#define MEM_MIN (16ULL << 20)
#define MEM_MAX (1ULL << 42)
#define MEM_PER_NODE_MIN (8ULL << 20)

int cli_parse_machine_opts(int *argc, char **argv, struct machine_config *cfg)
{
	int i, j = 1;

	for (i = 1; i < *argc; i++) {
		unsigned long long v;
		const char *opt = argv[i];

		if (!strcmp(opt, "--thp") && i + 1 < *argc) {
			static const char *const modes[] = { "madvise", "always", "never" };
			int mode = -1;

			for (int k = 0; k < 3; k++)
				if (!strcmp(argv[i + 1], modes[k]))
					mode = k;	/* enum thp_mode order */
			if (mode < 0) {
				fprintf(stderr, "mmlab: bad value for --thp: '%s' (always, madvise or never)\n",
					argv[i + 1]);
				return -EINVAL;
			}
			cfg->transparent_hugepage = mode;
			i++;
			continue;
		}
		if (!strcmp(opt, "--gbpages")) {	/* the CPU maps 1 GiB pages: DirectMap1G */
			cfg->gbpages = true;
			continue;
		}
		if (!strcmp(opt, "--no-zero-page")) {	/* read faults allocate (mm_forbids_zeropage) */
			cfg->forbid_zero_page = true;
			continue;
		}
		if ((!strcmp(opt, "--mem") || !strcmp(opt, "--movablecore")) && i + 1 < *argc) {
			bool mem = !strcmp(opt, "--mem");

			if (cli_parse_size(argv[i + 1], &v) || v % 4096 ||
			    (mem && (v < MEM_MIN || v > MEM_MAX))) {
				fprintf(stderr, "mmlab: bad value for %s: '%s' (%s)\n", opt, argv[i + 1],
					mem ? "a size from 16M to 4T, a multiple of 4K, e.g. 8G"
					    : "a size below --mem, a multiple of 4K");
				return -EINVAL;
			}
			if (mem)
				cfg->mem_bytes = v;
			else
				cfg->movablecore_bytes = v;
			i++;
			continue;
		}
		if ((!strcmp(opt, "--nodes") || !strcmp(opt, "--cpus-per-node")) && i + 1 < *argc) {
			bool nodes = !strcmp(opt, "--nodes");
			long long n;

			if (cli_parse_count(argv[i + 1], 1, nodes ? MMLAB_MAX_NUMNODES : MMLAB_MAX_CPUS,
					    &n)) {
				fprintf(stderr, "mmlab: bad value for %s: '%s' (1 to %d)\n", opt,
					argv[i + 1], nodes ? MMLAB_MAX_NUMNODES : MMLAB_MAX_CPUS);
				return -EINVAL;
			}
			if (nodes)
				cfg->nr_nodes = (int)n;
			else
				cfg->cpus_per_node = (int)n;
			i++;
			continue;
		}
		argv[j++] = argv[i];
	}
	*argc = j;
	argv[j] = NULL;
	/* The combinations machine_boot() would refuse with a bare EINVAL. */
	if (cfg->nr_nodes * cfg->cpus_per_node > MMLAB_MAX_CPUS) {
		fprintf(stderr, "mmlab: %d nodes x %d CPUs per node is more than %d CPUs\n",
			cfg->nr_nodes, cfg->cpus_per_node, MMLAB_MAX_CPUS);
		return -EINVAL;
	}
	if (cfg->mem_bytes / cfg->nr_nodes < MEM_PER_NODE_MIN) {
		fprintf(stderr, "mmlab: %llu MiB on %d nodes is less than 8 MiB per node\n",
			(unsigned long long)(cfg->mem_bytes >> 20), cfg->nr_nodes);
		return -EINVAL;
	}
	if (cfg->movablecore_bytes >= cfg->mem_bytes) {
		fprintf(stderr, "mmlab: --movablecore must be below --mem (%llu MiB)\n",
			(unsigned long long)(cfg->mem_bytes >> 20));
		return -EINVAL;
	}
	return 0;
}

int cli_boot(const struct machine_config *cfg, struct machine **m)
{
	int err = machine_boot(cfg, m);

	if (err)
		fprintf(stderr, "mmlab: cannot boot the machine: %s\n", strerror(-err));
	return err;
}

int cmd_tour(int argc, char **argv)
{
	struct machine_config cfg;
	struct machine *m;
	size_t i;

	machine_config_default(&cfg);
	if (argc > 1 && cli_parse_machine_opts(&argc, argv, &cfg))
		return 2;
	if (argc > 1) {
		fprintf(stderr, "mmlab tour: unexpected argument '%s'\n", argv[1]);
		return 2;
	}
	if (cli_boot(&cfg, &m))
		return 1;
	printf("mmlab: the Linux memory-management subsystem, in user space.\n");
	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		printf("\n==== %zu. %s ====\n\n", i + 1, sections[i].title);
		if (sections[i].run(m, stdout)) {
			fprintf(stderr, "mmlab: tour section %zu failed\n", i + 1);
			machine_shutdown(m);
			return 1;
		}
	}
	machine_shutdown(m);
	return 0;
}

int cmd_proc(int argc, char **argv)
{
	struct machine_config cfg;
	struct machine *m;
	int i, err, rc = 0;

	machine_config_default(&cfg);
	if (cli_parse_machine_opts(&argc, argv, &cfg))
		return 2;
	if (argc < 2) {
		const char *const *f;

		fprintf(stderr, "usage: mmlab proc [--mem SIZE] [--nodes N] FILE...\n\nFILE is one of:");
		for (f = mmlab_proc_files(); *f; f++)
			fprintf(stderr, " %s", *f);
		fprintf(stderr, "\nor PID/NAME for a process (the tour and mmlab replay --proc create them), NAME one of:");
		for (f = mmlab_proc_pid_files(); *f; f++)
			fprintf(stderr, " %s", *f);
		fputc('\n', stderr);
		return 2;
	}
	if (cli_boot(&cfg, &m))
		return 1;
	for (i = 1; i < argc; i++) {
		const char *name = argv[i];

		if (!strncmp(name, "/proc/", 6))
			name += 6;
		err = mmlab_proc_print(m, name, stdout);
		if (err) {
			fprintf(stderr, "mmlab proc: %s: %s\n", argv[i], strerror(-err));
			rc = 1;
		}
	}
	machine_shutdown(m);
	return rc;
}
