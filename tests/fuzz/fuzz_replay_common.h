/*
 * fuzz_replay_common.h - replaying a trace in a harness: a replay_host that knows only two
 * synthetic ELF files (so nothing of the machine running the fuzzer is read), and the replay of
 * a buffer line by line.
 */
#ifndef MMLAB_TESTS_FUZZ_REPLAY_COMMON_H
#define MMLAB_TESTS_FUZZ_REPLAY_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;

/*
 * fuzz_replay - replay the @size bytes at @trace (lines split at '\n', NUL bytes and all) on
 * @m, seeding the first process from @initial_maps (a file name, or NULL), with --check and,
 * if @follow, --follow-trace. Stops at the first unusable line, as `mmlab replay` does. Every
 * process and file is torn down before it returns, then the machine is checked (debug level
 * 3 checks each layer after every operation besides).
 * Returns what replay_new() or the failing replay_line() returned, else 0.
 */
int fuzz_replay(struct machine *m, const char *trace, size_t size, const char *initial_maps,
		bool follow);

/*
 * fuzz_set_prog - the contents of "/fuzz/prog" for the next replays (NULL: the built-in ELF
 * image). The bytes must stay valid while they are used.
 */
void fuzz_set_prog(const uint8_t *bytes, size_t len);

#endif /* MMLAB_TESTS_FUZZ_REPLAY_COMMON_H */
