/*
 * bench_lackey.c - replay of memory-access lines (valgrind lackey's --trace-mem=yes format)
 * in lines per second, parsing included (goal: >= 20 M lines/s), beside the host doing the
 * same accesses for real (plain loads and stores, no parsing).
 *
 * The lines are generated in memory, as lackey prints them: 70 % loads, 20 % stores, 10 %
 * modifies, sizes 1-8, 90 % of them in a 32 KiB hot set (a stack) and the rest anywhere in a
 * 4 MiB window of one process's anonymous memory that the first pass faults in
 * (--map-on-access), so the timed passes measure the steady state: parse, find the process,
 * translate through the page tables (the translation cache), touch.
 *
 * Usage: bench_lackey [lines]   (default 4,000,000)
 */
#include "benchlib.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <mmlab/machine.h>
#include <mmlab/replay.h>

#define WINDOW		0x10000000UL
#define WINDOW_SIZE	(4UL << 20)

static uint64_t rng = 7;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(int argc, char **argv)
{
	long lines = argc > 1 ? atol(argv[1]) : 4000000, i;
	struct replay_options o = { .map_on_access = true };
	char *text, *p, why[256];
	unsigned long *offs;
	struct machine *m;
	struct replay *r;
	volatile char *host;
	double lab, hostns;
	uint64_t t0;
	int pass;

	if (lines <= 0)
		return 2;
	text = malloc((size_t)lines * 32);
	offs = malloc((size_t)lines * sizeof(*offs));
	m = bench_boot(256ULL << 20);
	if (!text || !offs || !m)
		return 1;
	for (i = 0, p = text; i < lines; i++) {
		uint64_t k = rnd() % 10;
		/* locality as in real traces: 90 % in a 32 KiB hot set (a stack), the rest anywhere */
		unsigned long off = rnd() % 10 ? rnd() % (32768 - 8) : rnd() % (WINDOW_SIZE - 8);

		offs[i] = off;
		p += sprintf(p, "%c%c %lx,%d\n", k < 7 ? ' ' : ' ', k < 7 ? 'L' : k < 9 ? 'S' : 'M',
			     WINDOW + off, 1 + (int)(rnd() % 8));
	}
	if (replay_new(m, &o, &r, why, sizeof(why)))
		return 1;
	bench_header("replay of lackey access lines (ns per line, parsing included)");
	lab = 0;
	for (pass = 0; pass < 3; pass++) {
		char *line = text;

		t0 = bench_now_ns();
		for (i = 0; i < lines; i++) {
			char *nl = strchr(line, '\n');

			replay_line(r, line, (size_t)(nl - line), why, sizeof(why));
			line = nl + 1;
		}
		if (pass)	/* the first pass faults the window in */
			lab = (double)(bench_now_ns() - t0) / (double)lines;
	}
	bench_row("lackey L/S/M line, present pages", "mmlab replay (parse + mm_access)", lab);
	printf("  %.1f M lines/s (goal >= 20)\n", 1e3 / lab);

	host = mmap(NULL, WINDOW_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset((void *)host, 1, WINDOW_SIZE);
	t0 = bench_now_ns();
	for (i = 0; i < lines; i++)
		host[offs[i]] += 1;
	hostns = (double)(bench_now_ns() - t0) / (double)lines;
	bench_row("the same accesses", "host CPU (plain loads and stores)", hostns);
	munmap((void *)host, WINDOW_SIZE);
	replay_free(r);
	machine_shutdown(m);
	free(offs);
	free(text);
	return 0;
}
