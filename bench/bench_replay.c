/*
 * bench_replay.c - replay throughput in trace lines per second (goal: >= 1 M lines/s), side by
 * side, in one run, with what a user compares it to:
 *
 *   strace reader only       parsing and joining lines, no execution (the floor of replay)
 *   mmlab replay --check     parse + execute every memory call in mmlab + compare results
 *   host kernel              the same memory calls made for real (no parsing), per call
 *
 * The trace is generated: one process and three threads (`[pid N] ` prefixes, some calls split
 * into `<unfinished ...>` / `<... resumed>` pairs) doing what a malloc-heavy program does:
 * mmap (placed and MAP_FIXED), munmap, mprotect, madvise(MADV_DONTNEED), brk, among 40% of
 * lines that replay skips (read, write, futex, openat/close). Addresses stay inside a 1 GiB
 * window so every call does real work on a populated address space (~2,000 VMAs).
 *
 * Usage: bench_replay [lines]   (default 2,000,000)
 */
#include "benchlib.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <mmlab/machine.h>
#include <mmlab/replay.h>

#include "replay/strace.h"

#define WINDOW		0x7e0000000000UL
#define WINDOW_PAGES	(1UL << 18)	/* 1 GiB */

struct op {
	int kind;		/* 0 mmap fixed, 1 munmap, 2 mprotect, 3 madvise, 4 mmap NULL */
	unsigned long addr, len, prot;
};

static uint64_t rng = 42;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char *const skipped[] = {
	"read(3</usr/lib/x86_64-linux-gnu/libc.so.6>, \"\\177ELF\\2\\1\\1\\3\\0\\0\\0\"..., 832) = 832",
	"write(1</dev/pts/0>, \"hello\\n\", 6) = 6",
	"futex(0x7f5a1c000b70, FUTEX_WAKE_PRIVATE, 1) = 0",
	"openat(AT_FDCWD</tmp>, \"/etc/ld.so.cache\", O_RDONLY|O_CLOEXEC) = 3</etc/ld.so.cache>",
	"close(3</etc/ld.so.cache>) = 0",
	"newfstatat(3</etc/ld.so.cache>, \"\", {st_mode=S_IFREG|0644, st_size=42827, ...}, AT_EMPTY_PATH) = 0",
};

static const char *prot_name(unsigned long p)
{
	static const char *const n[] = { "PROT_NONE", "PROT_READ", "PROT_WRITE", "PROT_READ|PROT_WRITE" };

	return n[p & 3];
}

/* The trace text and the op list for the host run. */
static char *make_trace(long lines, size_t *len, struct op **ops, long *nops)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	long i, n = 0;
	static const long pids[] = { 1000, 1001, 1002, 1003 };

	*ops = calloc(lines, sizeof(**ops));
	fprintf(f, "1000 execve(\"/usr/bin/app\", [\"app\"], 0x7ffc /* 3 vars */) = 0\n");
	fprintf(f, "1000 brk(NULL) = 0x555555560000\n");
	for (i = 0; i < 3; i++)
		fprintf(f, "1000 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD, "
			   "exit_signal=0, stack=0x7f0000000000, stack_size=0x7fff80} => {parent_tid=[%ld]}, 88) = %ld\n",
			pids[i + 1], pids[i + 1]);
	for (i = 0; i < lines - 6; i++) {
		long pid = pids[rnd() % 4];
		unsigned long k = rnd() % 100, page = rnd() % WINDOW_PAGES, npages = 1 + rnd() % 16;
		unsigned long addr = WINDOW + page * 4096, sz = npages * 4096, prot = rnd() % 4;
		struct op *o = &(*ops)[n];

		if (k < 40) {
			fprintf(f, "[pid %ld] %s\n", pid, skipped[rnd() % 6]);
			continue;
		}
		o->addr = addr;
		o->len = sz;
		o->prot = prot;
		if (k < 55) {
			o->kind = 0;
			if (k < 45) {
				fprintf(f, "[pid %ld] mmap(%#lx, %lu, %s, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0 <unfinished ...>\n",
					pid, addr, sz, prot_name(prot));
				fprintf(f, "[pid %ld] <... mmap resumed>) = %#lx\n", pid, addr);
			} else {
				fprintf(f, "[pid %ld] mmap(%#lx, %lu, %s, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0) = %#lx\n",
					pid, addr, sz, prot_name(prot), addr);
			}
		} else if (k < 70) {
			o->kind = 1;
			fprintf(f, "[pid %ld] munmap(%#lx, %lu) = 0\n", pid, addr, sz);
		} else if (k < 82) {
			o->kind = 2;
			fprintf(f, "[pid %ld] mprotect(%#lx, %lu, %s) = 0\n", pid, addr, sz, prot_name(prot));
		} else if (k < 92) {
			o->kind = 3;
			fprintf(f, "[pid %ld] madvise(%#lx, %lu, MADV_DONTNEED) = 0\n", pid, addr, sz);
		} else {
			o->kind = 4;
			fprintf(f, "[pid %ld] mmap(NULL, %lu, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7000000\n",
				pid, sz);
		}
		n++;
	}
	fprintf(f, "1000 exit_group(0) = ?\n1000 +++ exited with 0 +++\n");
	fclose(f);
	*nops = n;
	return buf;
}

static long count_lines(const char *t)
{
	long n = 0;

	for (; *t; t++)
		n += *t == '\n';
	return n;
}

static double run_reader(const char *trace)
{
	struct strace_reader *rd = strace_reader_new();
	const char *p = trace, *why;
	struct strace_line l;
	uint64_t t0 = bench_now_ns();
	long n = 0, events = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');

		events += strace_reader_feed(rd, p, nl - p, &l, &why) > 0;
		n++;
		p = nl + 1;
	}
	t0 = bench_now_ns() - t0;
	bench_keep(events);
	strace_reader_free(rd);
	return (double)t0 / (double)n;
}

/* Differences are formatted, as for --check, and dropped. */
static void drop_diff(const struct replay_diff *d, void *arg)
{
	(void)d;
	(void)arg;
}

static double run_replay(struct machine *m, const char *trace)
{
	struct replay_options o = { .check = true, .on_diff = drop_diff };
	const char *p = trace;
	struct replay *r;
	char why[256];
	uint64_t t0;
	long n = 0;

	if (replay_new(m, &o, &r, why, sizeof(why)))
		exit(1);
	t0 = bench_now_ns();
	while (*p) {
		const char *nl = strchr(p, '\n');

		if (replay_line(r, p, nl - p, why, sizeof(why))) {
			fprintf(stderr, "bench_replay: line %ld: %s\n", n + 1, why);
			exit(1);
		}
		n++;
		p = nl + 1;
	}
	t0 = bench_now_ns() - t0;
	replay_free(r);
	return (double)t0 / (double)n;
}

static double run_host(const struct op *ops, long n)
{
	void *win = mmap((void *)WINDOW, WINDOW_PAGES * 4096, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	uint64_t t0;
	long i;

	if (win == MAP_FAILED)
		return 0;
	t0 = bench_now_ns();
	for (i = 0; i < n; i++) {
		const struct op *o = &ops[i];
		void *a = (void *)o->addr;

		switch (o->kind) {
		case 0: mmap(a, o->len, (int)o->prot, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0); break;
		case 1: munmap(a, o->len); break;
		case 2: mprotect(a, o->len, (int)o->prot); break;
		case 3: madvise(a, o->len, MADV_DONTNEED); break;
		case 4: {
			void *q = mmap(NULL, o->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			munmap(q, o->len);
			break;
		}
		}
	}
	t0 = bench_now_ns() - t0;
	munmap(win, WINDOW_PAGES * 4096);
	return (double)t0 / (double)n;
}

int main(int argc, char **argv)
{
	long lines = argc > 1 ? atol(argv[1]) : 2000000, nops, total;
	struct machine_config cfg;
	struct machine *m;
	struct op *ops;
	size_t len;
	char *trace = make_trace(lines, &len, &ops, &nops);
	double ns;

	total = count_lines(trace);
	machine_config_default(&cfg);
	cfg.nr_nodes = 1;
	if (machine_boot(&cfg, &m))
		return 1;
	printf("\nreplay of a generated trace: %ld lines, %ld memory calls, %.1f MB\n", total, nops,
	       len / 1e6);
	bench_header("replay: trace lines per second");
	ns = run_reader(trace);
	bench_row("strace -f -y line", "strace reader only (parse, join)", ns);
	ns = run_replay(m, trace);
	bench_row("strace -f -y line", "mmlab replay --check", ns);
	ns = run_host(ops, nops);
	bench_row("memory call", "host kernel, same calls (no parsing)", ns);
	machine_shutdown(m);
	free(ops);
	free(trace);
	return 0;
}
