/*
 * test_cli.c - the mmlab command as a user runs it: the tour completes and shows every /proc
 * view; bad input gets a clear message and a non-zero exit, never a crash.
 */
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* Run `mmlab ARGS`, capturing stdout+stderr; returns the exit status. */
static int run(const char *args, char **out)
{
	const char *bin = getenv("MMLAB_BINARY_DIR");
	char cmd[1024];
	size_t cap = 1 << 20, len = 0, n;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "%s/mmlab %s 2>&1", bin ? bin : ".", args);
	p = popen(cmd, "r");
	assert_non_null(p);
	*out = malloc(cap);
	while ((n = fread(*out + len, 1, cap - len - 1, p)) > 0)
		len += n;
	(*out)[len] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void test_tour(void **state)
{
	char *out;

	assert_int_equal(run("", &out), 0);
	assert_non_null(strstr(out, "$ cat /proc/buddyinfo"));
	assert_non_null(strstr(out, "page allocation failure: order:10"));
	assert_non_null(strstr(out, "Page block order: 9"));
	assert_non_null(strstr(out, "MemAvailable:"));
	assert_non_null(strstr(out, "  pagesets"));
	free(out);
}

static void test_bad_input(void **state)
{
	char *out;

	assert_int_equal(run("tour --mem lots", &out), 2);
	assert_non_null(strstr(out, "bad value for --mem"));
	free(out);
	assert_int_equal(run("tour --nodes 0", &out), 1);
	assert_non_null(strstr(out, "cannot boot the machine: Invalid argument"));
	free(out);
	assert_int_equal(run("proc nosuchfile", &out), 1);
	assert_non_null(strstr(out, "nosuchfile: No such file or directory"));
	free(out);
	assert_int_equal(run("frobnicate", &out), 2);
	assert_non_null(strstr(out, "unknown command"));
	free(out);
	assert_int_equal(run("proc --mem 1G --nodes 2 /proc/buddyinfo", &out), 0);
	/* 1 GiB below the PCI hole: node 1 gets the upper half, all of it DMA32. */
	assert_non_null(strstr(out, "Node 1, zone    DMA32"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tour),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
