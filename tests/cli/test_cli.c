/*
 * test_cli.c - the mmlab command as a user runs it: the tour completes and shows every /proc
 * view; bad input gets a clear message and a non-zero exit, never a crash.
 */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>


/* How many lines of @text contain @needle. */
static int count_lines_with(const char *text, const char *needle)
{
	const char *line = text;
	int n = 0;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		const char *hit = strstr(line, needle);

		if (hit && (!nl || hit < nl))
			n++;
		line = nl ? nl + 1 : NULL;
	}
	return n;
}

static void test_tour(void **state)
{
	char *out;

	assert_int_equal(test_run_mmlab("", &out), 0);
	assert_non_null(strstr(out, "$ cat /proc/buddyinfo"));
	assert_non_null(strstr(out, "page allocation failure: order:10"));
	assert_non_null(strstr(out, "Page block order: 9"));
	assert_non_null(strstr(out, "MemAvailable:"));
	assert_non_null(strstr(out, "  pagesets"));
	/* THP madvise (the default) raises min_free_kbytes: 11 pageblocks x 4 zones. */
	assert_non_null(strstr(out, "$ cat /proc/sys/vm/min_free_kbytes\n90112\n"));
	/* pcp high grew with the burst and decayed back to high_min in the vmstat passes. */
	assert_non_null(strstr(out, "  after the frees     count  3906  high  5729"));
	assert_non_null(strstr(out, "settled at high_min (1760) after 9 passes"));
	/* Pages: the zero page on a read, a frame on a write, COW after fork with its bytes. */
	assert_non_null(strstr(out, "  before  pagemap:  [0] none  [1] none  [2] none  [3] none\n"));
	assert_non_null(strstr(out, "  parent  reads page 1: \"written by the parent\"\n"
				    "  child   reads page 1: \"the child's copy\"\n"));
	assert_non_null(strstr(out, "Shared_Dirty:          4 kB\n"));
	assert_non_null(strstr(out, "RssAnon:\t       4 kB\n"));
	/* Kernel address space: a vmalloc, its PTEs, vmallocinfo naming the caller, the purge. */
	assert_non_null(strstr(out, "page_address(vmalloc_to_page(v + 4096)) reads \"hello from vmalloc\""));
	assert_non_null(strstr(out, "0xffffc90000000000-0xffffc90000004000          16K     RW"
				    "                 GLB NX pte\n"));
	assert_non_null(strstr(out, "   20480 tour_vmalloc+0x"));
	assert_non_null(strstr(out, "/0x"));
	assert_non_null(strstr(out, " pages=4 vmalloc N0=4\n"));
	assert_non_null(strstr(out, "0xffffc90000000000-0xffffc90000005000   20480 unpurged vm_area\n"));
	free(out);
	assert_int_equal(test_run_mmlab("proc", &out), 2);
	assert_non_null(strstr(out, "NAME one of: maps status smaps smaps_rollup stat statm\n"));
	free(out);
}

static void test_bad_input(void **state)
{
	char *out;

	assert_int_equal(test_run_mmlab("tour --mem lots", &out), 2);
	assert_non_null(strstr(out, "bad value for --mem"));
	free(out);
	assert_int_equal(test_run_mmlab("tour --thp sometimes", &out), 2);
	assert_non_null(strstr(out, "bad value for --thp: 'sometimes'"));
	free(out);
	assert_int_equal(test_run_mmlab("proc --thp never sys/vm/min_free_kbytes", &out), 0);
	assert_string_equal(out, "11585\n");
	free(out);
	/* Out of range: refused at parse time, saying what is allowed (it once booted, and failed). */
	assert_int_equal(test_run_mmlab("tour --nodes 0", &out), 2);
	assert_non_null(strstr(out, "bad value for --nodes: '0' (1 to 64)"));
	free(out);
	assert_int_equal(test_run_mmlab("proc nosuchfile", &out), 1);
	assert_non_null(strstr(out, "nosuchfile: No such file or directory"));
	free(out);
	assert_int_equal(test_run_mmlab("frobnicate", &out), 2);
	assert_non_null(strstr(out, "unknown command"));
	free(out);
	assert_int_equal(test_run_mmlab("proc --mem 1G --nodes 2 /proc/buddyinfo", &out), 0);
	/* 1 GiB below the PCI hole: node 1 gets the upper half, all of it DMA32. */
	assert_non_null(strstr(out, "Node 1, zone    DMA32"));
	free(out);
}

/*
 * A machine without ZONE_NORMAL (2 GiB, one node: all DMA32): the tour's per-CPU section reads
 * the lists of the zone GFP_KERNEL really uses, where it once read a zone that was not there
 * and printed uninitialised numbers.
 */
static void test_tour_without_normal(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(test_run_mmlab("tour --mem 2G --nodes 1", &out), 0);
	assert_non_null(strstr(out, "its lists in node 0's DMA32 zone"));
	assert_non_null(strstr(out, "settled at high_min (6986) after 3 passes"));
	free(out);
}

/*
 * CPU features change what meminfo prints: --gbpages adds DirectMap1G, and the three direct-map
 * sizes cover all RAM (8 GiB: 2 MiB below the first 2 MiB boundary after page 0 and the legacy
 * hole, 1 GiB pages from 1 GiB up to the PCI hole and above 4 GiB).
 */
static void test_gbpages(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(test_run_mmlab("proc meminfo", &out), 0);
	assert_null(strstr(out, "DirectMap1G"));
	free(out);
	assert_int_equal(test_run_mmlab("proc --gbpages meminfo", &out), 0);
	assert_non_null(strstr(out, "DirectMap4k:        2048 kB\nDirectMap2M:     1046528 kB\n"
				    "DirectMap1G:     7340032 kB\n"));
	free(out);
}

/*
 * The tour holds one page per CPU while it shows where its pages came from: on the largest
 * machine (16 nodes x 16 CPUs = MMLAB_MAX_CPUS) that list once overran a fixed array of 64.
 */
static void test_tour_max_cpus(void **state)
{
	char *out;

	assert_int_equal(test_run_mmlab("tour --nodes 16 --cpus-per-node 16", &out), 0);
	/* 11 orders + 256 CPUs + a DMA page + a DMA32 block. */
	assert_non_null(strstr(out, "Booted 8192 MiB of RAM on 16 NUMA node(s), 16 CPU(s) each."));
	assert_int_equal(count_lines_with(out, "  page pfn "), 11 + 256 + 2);
	free(out);
}

/*
 * Every machine option is range-checked before booting, and says what is allowed (issue 11:
 * --nodes 4294967298 silently became 2, --mem -1 and --mem 1M failed at boot with a bare
 * "Invalid argument", --mmap-base -4096 was accepted, --objects -1 overflowed a calloc and
 * --objects 100000000 passed 3 GB).
 */
static void test_option_ranges(void **state)
{
	static const struct {
		const char *args, *says;
	} bad[] = {
		{ "tour --nodes 4294967298", "bad value for --nodes: '4294967298' (1 to 64)" },
		{ "tour --nodes 65", "bad value for --nodes: '65' (1 to 64)" },
		{ "tour --nodes -1", "bad value for --nodes: '-1' (1 to 64)" },
		{ "tour --cpus-per-node 0", "bad value for --cpus-per-node: '0' (1 to 256)" },
		{ "tour --nodes 16 --cpus-per-node 32", "16 nodes x 32 CPUs per node is more than 256 CPUs" },
		{ "tour --mem -1", "bad value for --mem: '-1' (a size from 16M to 4T" },
		{ "tour --mem 1M", "bad value for --mem: '1M' (a size from 16M to 4T" },
		{ "tour --mem 5T", "bad value for --mem: '5T'" },
		{ "tour --mem 16777217", "a multiple of 4K" },
		{ "tour --mem 99999999999999999999", "bad value for --mem" },
		{ "tour --mem 32M --nodes 8", "32 MiB on 8 nodes is less than 8 MiB per node" },
		{ "proc --mem 1G --movablecore 2G meminfo", "--movablecore must be below --mem" },
		{ "slabinfo --objects -1", "bad value for --objects: '-1' (0 to 1000000)" },
		{ "slabinfo --objects 100000000", "bad value for --objects: '100000000' (0 to 1000000)" },
		{ "replay --mmap-base -4096 /dev/null", "bad --mmap-base '-4096' (a page-aligned address from 0x1000 to 0x7ffffffff000)" },
		{ "replay --mmap-base 0x800000000000 /dev/null", "bad --mmap-base" },
		{ "replay --maps 0 /dev/null", "bad --maps pid '0' (1 to 4194304)" },
		{ "replay --maps 99999999999999999999 /dev/null", "bad --maps pid" },
	};
	char *out;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = test_run_mmlab(bad[i].args, &out);

		if (rc != 2 || !strstr(out, bad[i].says))
			fail_msg("mmlab %s: exit %d, '%s' (want 2 and '%s')", bad[i].args, rc, out,
				 bad[i].says);
		free(out);
	}
	/* The limits themselves are allowed. */
	assert_int_equal(test_run_mmlab("proc --mem 16M --nodes 2 buddyinfo", &out), 0);
	free(out);
	assert_int_equal(test_run_mmlab("proc --nodes 1 --cpus-per-node 256 buddyinfo", &out), 0);
	free(out);
	assert_int_equal(test_run_mmlab("slabinfo --objects 0", &out), 0);
	free(out);
	assert_int_equal(test_run_mmlab("--help", &out), 0);
	assert_non_null(strstr(out, "--nodes 1 to 64"));
	assert_non_null(strstr(out, "--objects 0 to 1000000"));
	free(out);
}

/* Write @text to a new temporary file; its path in @path (at least 32 bytes). */
static void write_temp(char *path, const char *text)
{
	int fd;
	FILE *f;

	strcpy(path, "/tmp/mmlab-cli-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* `mmlab replay @args` with MMLAB_FAIL=@fail (NULL: unset); the exit status, output in *@out. */
static int replay_failing(const char *fail, const char *args, char **out)
{
	char cmd[256];
	int rc;

	if (fail)
		assert_int_equal(setenv("MMLAB_FAIL", fail, 1), 0);
	snprintf(cmd, sizeof(cmd), "replay %s", args);
	rc = test_run_mmlab(cmd, out);
	assert_int_equal(unsetenv("MMLAB_FAIL"), 0);
	return rc;
}

/*
 * This host out of memory is exit 1 with "out of memory", never exit 2 (unusable input, the
 * issue 11 finding: a host allocation failure came out as "Cannot allocate memory", exit 2)
 * and never a crash: the NTH host allocation (FAULT_MISC, the model's bookkeeping) is made to
 * fail for every NTH the replay of a small trace reaches, through MMLAB_FAIL. Bad input stays
 * exit 2, and a malformed MMLAB_FAIL is refused as such.
 */
static void test_replay_host_oom(void **state)
{
	static const char trace[] =
		"100 execve(\"/mmlab-test/prog\", [\"prog\"], 0x7ffc0 /* 1 var */) = 0\n"
		"100 openat(AT_FDCWD, \"/data/a\", O_RDWR) = 3</data/a>\n"
		"100 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_SHARED, 3</data/a>, 0) = 0x7f0000000000\n"
		"100 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000002000\n"
		"100 dup(3</data/a>) = 4</data/a>\n"
		"100 munmap(0x7f0000002000, 4096) = 0\n"
		"100 exit_group(0) = ?\n"
		"100 +++ exited with 0 +++\n";
	char path[32], bad_path[32], fail[32], args[64], bad_args[64], *out;
	int nth, rc, failed = 0;

	(void)state;
	write_temp(path, trace);
	write_temp(bad_path, "100 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0x) = 0\n");
	snprintf(args, sizeof(args), "--mem 64M %s", path);
	snprintf(bad_args, sizeof(bad_args), "--mem 64M %s", bad_path);

	assert_int_equal(replay_failing(NULL, args, &out), 0);
	free(out);
	for (nth = 1; nth <= 500; nth++) {
		snprintf(fail, sizeof(fail), "misc:%d:-1", nth);
		rc = replay_failing(fail, args, &out);
		if (rc == 0) {		/* past the last host allocation the replay makes */
			free(out);
			break;
		}
		if (rc != 1 || !strstr(out, "out of memory"))
			fail_msg("MMLAB_FAIL=%s mmlab replay: exit %d, '%s' (want 1, out of memory)",
				 fail, rc, out);
		failed++;
		free(out);
	}
	assert_true(failed > 0);
	assert_true(nth <= 500);

	/* Unusable input stays exit 2, with or without a host failure to come. */
	assert_int_equal(replay_failing(NULL, bad_args, &out), 2);
	assert_non_null(strstr(out, ":1:"));
	free(out);
	assert_int_equal(replay_failing("misc:1000000", bad_args, &out), 2);
	free(out);
	assert_int_equal(replay_failing("heap:1", args, &out), 2);
	assert_non_null(strstr(out, "bad MMLAB_FAIL 'heap:1' (KIND:NTH[:TIMES]"));
	free(out);
	assert_int_equal(replay_failing("misc:0", args, &out), 2);
	assert_non_null(strstr(out, "bad MMLAB_FAIL"));
	free(out);
	unlink(path);
	unlink(bad_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tour),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_tour_max_cpus),
		cmocka_unit_test(test_gbpages),
		cmocka_unit_test(test_tour_without_normal),
		cmocka_unit_test(test_option_ranges),
		cmocka_unit_test(test_replay_host_oom),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
