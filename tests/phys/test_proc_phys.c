/*
 * test_proc_phys.c - the /proc views against the host kernel's own files: a machine shaped like
 * the host (one node, the host's CPU count, PC holes, RAM above 4 GiB) must print
 * buddyinfo, pagetypeinfo, zoneinfo, meminfo and vmstat with exactly the host's layout: the same
 * lines and the same text between the numbers. Numbers differ (different memory), so every run
 * of digits is folded to '#' on both sides before comparing.
 */
#include "testlib.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *read_host(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t cap = 1 << 16, len = 0, n;
	char *buf;

	if (!f)
		return NULL;
	buf = malloc(cap);
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/*
 * Fold each number, with the padding in front of it (numbers are right-aligned in fixed
 * widths, so the padding depends on the value), to " #".
 */
static char *fold_numbers(const char *s)
{
	char *out = malloc(strlen(s) + 2), *o = out;

	while (*s) {
		const char *t = s;

		while (*t == ' ')
			t++;
		if (*t == '-' && isdigit((unsigned char)t[1]))
			t++;
		if (isdigit((unsigned char)*t)) {
			if (t != s)
				*o++ = ' ';
			*o++ = '#';
			while (isdigit((unsigned char)*t))
				t++;
			s = t;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

static void compare_layout(struct machine *m, const char *name)
{
	char path[64], *host, *ours, *fh, *fo;

	snprintf(path, sizeof(path), "/proc/%s", name);
	host = read_host(path);
	if (!host) {
		print_message("no host %s: skipped\n", path);
		return;
	}
	ours = test_proc(m, name);
	assert_non_null(ours);
	fh = fold_numbers(host);
	fo = fold_numbers(ours);
	if (strcmp(fh, fo)) {
		const char *a = fh, *b = fo;
		int line = 1;

		while (*a && *a == *b) {
			if (*a == '\n')
				line++;
			a++;
			b++;
		}
		fail_msg("/proc/%s layout differs from the host's at line %d:\nhost: %.80s\nours: %.80s",
			 name, line, a, b);
	}
	free(host);
	free(ours);
	free(fh);
	free(fo);
}

static struct machine *host_shaped(void)
{
	struct machine_config cfg;
	struct machine *m = NULL;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	machine_config_default(&cfg);
	cfg.nr_nodes = 1;
	cfg.cpus_per_node = cpus > 0 && cpus <= 64 ? (int)cpus : 2;
	cfg.mem_bytes = 8ULL << 30;
	assert_int_equal(machine_boot(&cfg, &m), 0);
	return m;
}

static void test_host_layouts(void **state)
{
	struct machine *m = host_shaped();
	struct page *p = alloc_pages(GFP_KERNEL, 3);

	compare_layout(m, "buddyinfo");
	compare_layout(m, "pagetypeinfo");
	compare_layout(m, "meminfo");
	compare_layout(m, "vmstat");
	compare_layout(m, "zoneinfo");
	__free_pages(p, 3);
	machine_shutdown(m);
}

/* Exact values a user can check by hand: counters move with allocations. */
static void test_counters(void **state)
{
	struct machine *m = test_boot(64ULL << 20, 1, 1);
	char *vm, *mi;
	struct page *p;
	long before = (long)nr_free_pages();

	p = alloc_pages(GFP_DMA, 4);		/* 16 pages from DMA, buddy path */
	assert_int_equal((long)nr_free_pages(), before - 16);
	vm = test_proc(m, "vmstat");
	assert_non_null(strstr(vm, "\npgalloc_dma 16\n"));
	free(vm);
	__free_pages(p, 4);
	vm = test_proc(m, "vmstat");
	assert_non_null(strstr(vm, "\npgfree 16\n"));
	assert_non_null(strstr(vm, "\nnuma_hit 1\n"));
	free(vm);
	mi = test_proc(m, "meminfo");
	assert_non_null(strstr(mi, "MemTotal:          65536 kB\n"));
	free(mi);
	assert_int_equal(mmlab_proc_read(m, "nosuchfile", NULL, 0), -ENOENT);
	machine_shutdown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_layouts),
		cmocka_unit_test(test_counters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
