#include "benchlib.h"

#include <time.h>

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
