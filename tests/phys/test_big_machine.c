/*
 * test_big_machine.c - a 64 GiB, 4-node machine boots on a smaller host: the arena and the
 * memmap are reserved, not committed. Prints the boot time and the host RSS it cost, and
 * checks that allocating from every node works and costs only what it touches.
 */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_64g_4_nodes(void **state)
{
	struct machine_config cfg;
	struct machine *m = NULL;
	long rss0 = rss_kb(), rss1;
	double t0 = now(), t1;
	int nid;

	machine_config_default(&cfg);
	cfg.mem_bytes = 64ULL << 30;
	cfg.nr_nodes = 4;
	cfg.cpus_per_node = 4;
	assert_int_equal(machine_boot(&cfg, &m), 0);
	t1 = now();
	rss1 = rss_kb();
	print_message("64 GiB / 4 nodes: boot %.1f ms, host RSS +%ld KiB\n", (t1 - t0) * 1e3, rss1 - rss0);
	/*
	 * Only one descriptor per free 4 MiB block is written at boot: one host page of memmap
	 * per 16, about 64 MiB. Sanitizers add their shadow of what is touched.
	 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	assert_true(rss1 - rss0 < 300 * 1024);
#else
	assert_true(rss1 - rss0 < 100 * 1024);
#endif
	for (nid = 0; nid < 4; nid++) {
		struct page *p = alloc_pages_node(nid, GFP_KERNEL | __GFP_THISNODE, 10);

		assert_non_null(p);
		assert_int_equal(page_to_nid(p), nid);
		memset(page_address(p), 1, PAGE_SIZE << 10);
		__free_pages(p, 10);
	}
	assert_machine_ok(m);
	machine_shutdown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_64g_4_nodes),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
