/*
 * malloc_threads.c - a glibc-malloc-heavy workload with threads, for replay tests: four
 * threads (each with its own malloc arena: mmap'd heaps grown with mprotect) and the main
 * thread (brk heap) allocate, reallocate and free blocks from 16 bytes to 1 MiB (large ones go
 * to mmap), with a fixed seed.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 256

static void *work(void *arg)
{
	uint64_t s = (uintptr_t)arg * 0x9E3779B97F4A7C15ULL + 1;
	void *slot[SLOTS] = { 0 };
	unsigned long sum = 0;
	int i;

	for (i = 0; i < 20000; i++) {
		int k;
		size_t sz;

		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		k = (int)(s % SLOTS);
		sz = (s >> 8) % 100 < 95 ? 16 + (s >> 16) % 4096 : 65536 + (s >> 16) % (1 << 20);
		if (slot[k] && (s >> 40) % 4 == 0) {
			void *p = realloc(slot[k], sz);

			if (p)
				slot[k] = p;
		} else {
			free(slot[k]);
			slot[k] = malloc(sz);
		}
		if (slot[k]) {
			memset(slot[k], (int)i, 16);
			sum += ((unsigned char *)slot[k])[0];
		}
	}
	for (i = 0; i < SLOTS; i++)
		free(slot[i]);
	return (void *)sum;
}

int main(void)
{
	pthread_t t[4];
	uintptr_t i;

	for (i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, work, (void *)(i + 1)))
			return 1;
	work((void *)99);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	puts("ok");
	return 0;
}
