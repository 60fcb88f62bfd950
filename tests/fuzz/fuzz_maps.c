/*
 * fuzz_maps.c - libFuzzer harness: `--initial-maps` on any bytes, then a trace over the seeded
 * address space.
 *
 * The input is a /proc/PID/maps text, optionally followed by a line "--- trace" and a trace
 * to replay in the seeded process (without one, a fixed trace of brk, mmap, mprotect, mremap,
 * munmap, fork and exit). The maps text goes to a temporary file, as replay_new() reads a
 * file. Findings are as in fuzz_replay.c.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "fuzz_replay_common.h"

static const char fixed_trace[] =
	"1 brk(NULL) = 0x555555581000\n"
	"1 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7fc0000\n"
	"1 mprotect(0x7ffff7fc0000, 4096, PROT_READ) = 0\n"
	"1 mmap(0x555555560000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x555555560000\n"
	"1 mremap(0x7ffff7fc0000, 8192, 16384, MREMAP_MAYMOVE) = 0x7ffff7fb0000\n"
	"1 madvise(0x555555554000, 65536, MADV_DONTNEED) = 0\n"
	"1 mincore(0x555555554000, 1048576, [0]) = -1 ENOMEM (Cannot allocate memory)\n"
	"1 munmap(0x555555554000, 4096) = 0\n"
	"1 clone(child_stack=NULL, flags=SIGCHLD) = 2\n"
	"2 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7fbf000\n"
	"2 exit_group(0) = ?\n"
	"2 +++ exited with 0 +++\n"
	"1 exit_group(0) = ?\n";

static char path[64];

static void remove_file(void)
{
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct machine *m = fuzz_machine(64ULL << 20);
	const char *sep = memmem(data, size, "\n--- trace\n", 11);
	size_t maps_len = sep ? (size_t)(sep - (const char *)data) + 1 : size;
	FILE *f;

	if (!path[0]) {
		int fd;

		snprintf(path, sizeof(path), "/tmp/mmlab-fuzz-maps-XXXXXX");
		fd = mkstemp(path);
		if (fd < 0)
			abort();
		close(fd);
		atexit(remove_file);
	}
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, maps_len, f) != maps_len || fclose(f))
		abort();
	if (sep)
		fuzz_replay(m, sep + 11, size - maps_len - 10, path, false);
	else
		fuzz_replay(m, fixed_trace, sizeof(fixed_trace) - 1, path, false);
	return 0;
}
