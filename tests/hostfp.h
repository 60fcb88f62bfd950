/*
 * hostfp.h - the fingerprint of a host kernel, and recorded fixtures of what it did.
 *
 * The kernel on the machine that runs the tests is the oracle, but machines differ: kernel
 * release, THP and overcommit settings, rlimits, privileges, CPU features that change /proc
 * (gbpages: DirectMap1G), and behaviour only a probe shows (does a read fault map the zero
 * page?). A differential test therefore runs in one of three modes:
 *
 *   fixture  (default) replay the recorded cases on mmlab alone, configured from the
 *            fingerprint stored in each fixture; needs neither strace nor any given kernel.
 *   live     run the cases on this host and on mmlab configured from this host's fingerprint.
 *            A difference fails only when this host is inside what the model claims to cover
 *            (hostfp_covered); otherwise it is reported with both answers and the test passes.
 *   record   run the cases on this host and write them as fixtures (scripts/record-fixtures.sh).
 *
 * The mode comes from $MMLAB_FIXTURE_MODE; CTest runs each such test twice, "NAME" in fixture
 * mode (label unit) and "NAME_live" in live mode (label live).
 *
 * A fingerprint is written into a fixture as "host KEY VALUE" lines, one per field.
 */
#ifndef MMLAB_TESTS_HOSTFP_H
#define MMLAB_TESTS_HOSTFP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <mmlab/mmlab.h>

struct hostfp {
	char release[72];		/* uname -r */
	char arch[72];			/* uname -m */
	char thp_enabled[16];		/* /sys/kernel/mm/transparent_hugepage/enabled: "madvise" */
	char thp_defrag[24];
	int thp_use_zero_page;
	int overcommit_memory, overcommit_ratio;
	unsigned long overcommit_kbytes;
	int max_map_count;
	unsigned long mmap_min_addr;
	unsigned long rlim_memlock, rlim_as, rlim_stack, rlim_data;	/* ~0UL: unlimited */
	unsigned int euid;
	unsigned long long cap_eff;	/* /proc/self/status CapEff */
	bool gbpages;			/* cpuinfo "pdpe1gb": meminfo prints DirectMap1G */
	bool la57;			/* 5-level page tables */
	bool zero_page_reads;		/* probe: a read fault on private anonymous memory maps the zero page */
	bool soft_dirty;		/* CONFIG_MEM_SOFT_DIRTY: smaps VmFlags say "sd", pagemap has bit 55 */
	int cpus;			/* online CPUs (zoneinfo prints a pageset per CPU) */
};

enum fixture_mode { FIXTURE_REPLAY, FIXTURE_LIVE, FIXTURE_RECORD };

/* $MMLAB_FIXTURE_MODE: "live", "record", anything else (or unset) replays fixtures. */
enum fixture_mode fixture_mode(void);

/* Fill @fp from this host (files under /proc and /sys, uname, getrlimit, one probe). */
void hostfp_probe(struct hostfp *fp);

/* Write @fp as "host KEY VALUE" lines. */
void hostfp_write(FILE *f, const struct hostfp *fp);

/* Parse one "host KEY VALUE" line into @fp; returns false if the line is not one. */
bool hostfp_parse_line(struct hostfp *fp, const char *line);

/*
 * Is @fp inside what the model claims to cover? If not, @why (of @size) says which field is
 * outside. A live difference on a covered host is a failure; elsewhere it is a report.
 */
bool hostfp_covered(const struct hostfp *fp, char *why, size_t size);

/* The fields in which @a and @b differ, "key: a / b" separated by "; " ("" if none). */
void hostfp_diff(const struct hostfp *a, const struct hostfp *b, char *out, size_t size);

/* The machine configuration that makes mmlab behave like the host of @fp (gbpages, zero page, THP). */
void hostfp_machine_config(const struct hostfp *fp, struct machine_config *cfg);

/* The vm sysctls of @fp on @m (overcommit, max_map_count; mmap_min_addr is left to the test). */
void hostfp_apply_sysctls(const struct hostfp *fp, struct machine *m);

/* MM_CAP_* that @fp's process had (from CapEff). */
unsigned int hostfp_mm_caps(const struct hostfp *fp);

/* $MMLAB_SOURCE_DIR/tests/fixtures/@name in @out (the directory the fixtures live in). */
void fixture_path(const char *name, char *out, size_t size);

/* A whole file as a malloc'd NUL-terminated string, or NULL if it cannot be read. */
char *read_whole_file(const char *path);

#endif /* MMLAB_TESTS_HOSTFP_H */
