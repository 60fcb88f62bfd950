/*
 * fuzz.h - what the libFuzzer harnesses of tests/fuzz share: the entry point each defines, the
 * small machine they run on, and the invariant checker as a crash.
 *
 * Every harness defines LLVMFuzzerTestOneInput(). Built with clang and -DMMLAB_FUZZ=ON it links
 * libFuzzer (scripts/fuzz.sh NAME SECONDS runs it); in every build it also links fuzz_driver.c,
 * a main that feeds each file of the corpus and crash directories to the same function, which
 * is how the regular suite (gcc, ASan+UBSan) replays every input ever found.
 */
#ifndef MMLAB_TESTS_FUZZ_H
#define MMLAB_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

struct machine;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * fuzz_machine - the harness's machine: @mem_bytes on one node with one CPU, no holes, debug
 * level 3, booted on first use and kept for the process (each input must leave it as it found
 * it, which the checker and the leak sanitizer verify). The calling thread is bound to it.
 */
struct machine *fuzz_machine(unsigned long long mem_bytes);

/* fuzz_check - run machine_check() on @m; a broken invariant aborts with its reason. */
void fuzz_check(struct machine *m, const char *after);

/* fuzz_byte - the next input byte at *@p before @end (0 once it runs out), advancing *@p. */
static inline unsigned int fuzz_byte(const uint8_t **p, const uint8_t *end)
{
	return *p < end ? *(*p)++ : 0;
}

/* fuzz_u64 - the next 8 input bytes, big-endian (zeros once it runs out). */
static inline unsigned long fuzz_u64(const uint8_t **p, const uint8_t *end)
{
	unsigned long v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | fuzz_byte(p, end);
	return v;
}

#endif /* MMLAB_TESTS_FUZZ_H */
