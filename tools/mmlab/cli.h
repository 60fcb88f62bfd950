/*
 * cli.h - the mmlab command: subcommands and the tour's sections. A subsystem adds a command by
 * adding a row to commands[] in main.c, and a tour section by adding a row to sections[] in
 * tour.c, each implemented in its own file here.
 */
#ifndef MMLAB_CLI_H
#define MMLAB_CLI_H

#include <stdbool.h>
#include <stdio.h>

struct machine;

/* Subcommands: return the process exit status. */
int cmd_tour(int argc, char **argv);
int cmd_proc(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_slabinfo(int argc, char **argv);

/* Tour sections: print to @out, return 0 or a negative errno. */
int tour_phys(struct machine *m, FILE *out);
int tour_slab(struct machine *m, FILE *out);

/* slabinfo.c: the tools/mm/slabinfo report of @m's caches. Returns 0 or -ENOMEM. */
int slabinfo_report(struct machine *m, FILE *out, bool show_empty, bool sort_by_size);
int tour_vm(struct machine *m, FILE *out);
int tour_pages(struct machine *m, FILE *out);
int tour_vmalloc(struct machine *m, FILE *out);

struct machine_config;
/*
 * Parse and remove --mem/--nodes/--cpus-per-node/--movablecore/--thp/--gbpages/--no-zero-page
 * from argv, each range-checked (the limits in `mmlab --help`), the combination too. Returns
 * 0, or -EINVAL after printing what was wrong and what is allowed.
 */
int cli_parse_machine_opts(int *argc, char **argv, struct machine_config *cfg);
/* Boot @cfg, printing a clear error on failure. */
int cli_boot(const struct machine_config *cfg, struct machine **m);

/*
 * Shared option parsing: a size (digits, decimal or 0x hex, then an optional K/M/G/T suffix; no
 * sign). Returns 0 or -EINVAL (also for a value that does not fit in 64 bits).
 */
int cli_parse_size(const char *s, unsigned long long *out);
/* A decimal count from @min to @max (no suffix). Returns 0, -EINVAL (not a number), -ERANGE. */
int cli_parse_count(const char *s, long long min, long long max, long long *out);

/*
 * cli_fail_from_env - for tests: MMLAB_FAIL=KIND:NTH[:TIMES] arms @m's fault injection (the
 * kernel's fail_page_alloc/failslab), so that the NTH next allocation of KIND (page, slab, vma,
 * pgtable, misc: the host-side metadata) and TIMES - 1 after it fail (TIMES default 1, -1 all).
 * Unset or empty: nothing. Returns 0, or -EINVAL after printing what was wrong (@cmd names
 * the subcommand in the message).
 */
int cli_fail_from_env(struct machine *m, const char *cmd);

#endif /* MMLAB_CLI_H */
