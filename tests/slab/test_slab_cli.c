/*
 * test_slab_cli.c - `mmlab slabinfo` as a user runs it: the kernel's tools/mm/slabinfo header,
 * one line per non-empty cache sorted by name, bad options rejected; and the tour's slab section.
 */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>


static void test_slabinfo_report(void **state)
{
	char *out, *line, *prev = NULL, *save = NULL;
	int lines = 0;

	static const char header[] = "Name                   Objects Objsize           Space "
				     "Slabs/Part/Cpu  O/S O %Fr %Ef Flg\n";

	assert_int_equal(test_run_mmlab("slabinfo --mem 256M --nodes 1", &out), 0);
	assert_memory_equal(out, header, sizeof(header) - 1);
	/* 1000 objects of 200 B, 16 per order-0 slab, HWCACHE_ALIGN: 63 slabs, 258,048 B. */
	assert_non_null(strstr(out, "sample_cache              1008     200          258.0K"));
	assert_non_null(strstr(out, "   16 0   0  78 A\n"));
	for (line = strtok_r(out + sizeof(header) - 1, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (prev)
			assert_true(strcmp(prev, line) < 0);	/* sorted by name */
		prev = line;
		lines++;
	}
	assert_int_equal(lines, 14);	/* 13 kmalloc caches in use + sample_cache */
	free(out);
	assert_int_equal(test_run_mmlab("slabinfo --bogus", &out), 2);
	assert_non_null(strstr(out, "usage: mmlab slabinfo"));
	free(out);
}

static void test_tour_slab_section(void **state)
{
	char *out;

	assert_int_equal(test_run_mmlab("tour --mem 512M", &out), 0);
	assert_non_null(strstr(out, "Slab allocator: caches created, used and shrunk"));
	assert_non_null(strstr(out, "the constructor ran 2000 times"));
	assert_non_null(strstr(out, "BUG tour-debug-64 (Not tainted): Right Redzone overwritten"));
	assert_non_null(strstr(out, "tour_inode             0      0    256   16    1 : tunables"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slabinfo_report),
		cmocka_unit_test(test_tour_slab_section),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
