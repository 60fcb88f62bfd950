/*
 * fuzz_common.c - the machine every harness runs on, and the checker as a crash (fuzz.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include <mmlab/mmlab.h>

#include "fuzz.h"

struct machine *fuzz_machine(unsigned long long mem_bytes)
{
	static struct machine *m;
	struct machine_config cfg;

	if (m) {
		machine_bind_cpu(m, 0);
		return m;
	}
	machine_config_default(&cfg);
	cfg.mem_bytes = mem_bytes;
	cfg.nr_nodes = 1;
	cfg.cpus_per_node = 1;
	cfg.nr_holes = 0;
	if (machine_boot(&cfg, &m)) {
		fprintf(stderr, "fuzz: cannot boot the machine\n");
		abort();
	}
	machine_set_debug_level(m, 3);
	return m;
}

void fuzz_check(struct machine *m, const char *after)
{
	char why[512];

	if (machine_check(m, why, sizeof(why))) {
		fprintf(stderr, "fuzz: machine_check after %s: %s\n", after, why);
		abort();
	}
}
