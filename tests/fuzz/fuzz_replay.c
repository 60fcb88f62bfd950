/*
 * fuzz_replay.c - libFuzzer harness: the trace reader and the replay engine on any bytes.
 *
 * The input is a trace (the seed corpus, tests/fuzz/corpus/replay, holds small real and
 * hand-written ones), optionally followed by a line "--- elf" and the bytes of "/fuzz/prog",
 * the program an `execve("/fuzz/prog", ...)` of the trace loads (without it, a built-in ELF
 * image: fuzz_replay_common.c). A comment line "# follow-trace" turns --follow-trace on. What
 * counts as a finding: a sanitizer report, a leak, an abort of the invariant checker after the
 * replay. Unusable input is an answer (replay_line's -EINVAL), not a finding.
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_replay_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct machine *m = fuzz_machine(64ULL << 20);
	bool follow = size >= 14 && memmem(data, size, "# follow-trace", 14) != NULL;
	const uint8_t *elf = memmem(data, size, "\n--- elf\n", 9);
	size_t trace_len = elf ? (size_t)(elf - data) + 1 : size;

	fuzz_set_prog(elf ? elf + 9 : NULL, elf ? size - trace_len - 8 : 0);
	fuzz_replay(m, (const char *)data, trace_len, NULL, follow);
	fuzz_set_prog(NULL, 0);
	return 0;
}
