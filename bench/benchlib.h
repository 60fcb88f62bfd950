/*
 * benchlib.h - timing helpers for the benchmarks: a monotonic clock, best-of-N runs, and one
 * table format so every benchmark prints rows a reader can paste into docs/PERFORMANCE.md.
 */
#ifndef MMLAB_BENCHLIB_H
#define MMLAB_BENCHLIB_H

#include <stdint.h>
#include <stdio.h>

/* Nanoseconds from CLOCK_MONOTONIC. */
uint64_t bench_now_ns(void);

/* Print one result row: what, who, ns per operation, and operations per second. */
void bench_row(const char *what, const char *who, double ns_per_op);

/* Print the table header. */
void bench_header(const char *title);

struct machine;
/*
 * bench_boot - a one-node machine of @mem_bytes with no holes and debug level 0 (no runtime
 * checks), the calling thread bound to CPU 0. NULL if it cannot boot.
 */
struct machine *bench_boot(unsigned long long mem_bytes);

/* Keep the compiler from discarding a value. */
#define bench_keep(x) __asm__ volatile("" : : "r"(x) : "memory")

#endif /* MMLAB_BENCHLIB_H */
