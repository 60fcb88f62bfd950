#include "benchlib.h"

#include <time.h>

#include <mmlab/machine.h>

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void bench_header(const char *title)
{
	printf("\n### %s\n\n| benchmark | implementation | ns/op | Mops/s |\n|---|---|---:|---:|\n", title);
}

void bench_row(const char *what, const char *who, double ns)
{
	printf("| %s | %s | %.1f | %.2f |\n", what, who, ns, ns > 0 ? 1000.0 / ns : 0.0);
	fflush(stdout);
}

struct machine *bench_boot(unsigned long long mem_bytes)
{
	struct machine_config cfg;
	struct machine *m;

	machine_config_default(&cfg);
	cfg.mem_bytes = mem_bytes;
	cfg.nr_nodes = 1;
	cfg.nr_holes = 0;
	if (machine_boot(&cfg, &m))
		return NULL;
	machine_set_debug_level(m, 0);
	return m;
}
