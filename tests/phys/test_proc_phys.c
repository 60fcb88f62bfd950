/*
 * test_proc_phys.c - the /proc views against the host kernel's own files: a machine shaped like
 * the host (one node, the host's CPU count, PC holes, RAM above 4 GiB) must print
 * buddyinfo, pagetypeinfo, zoneinfo, meminfo and vmstat with exactly the host's layout: the same
 * lines and the same text between the numbers. Numbers differ (different memory), so every run
 * of digits is folded to '#' on both sides before comparing.
 */
#include "testlib.h"

#include "phys/internal.h"

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

/* Does the host's /proc/cpuinfo list @flag among its CPU flags? */
static bool host_has_cpu_flag(const char *flag)
{
	char *info = read_host("/proc/cpuinfo"), *line;
	bool found = false;

	for (line = info ? strstr(info, "\nflags") : NULL; line && !found; line = NULL) {
		char *end = strchr(line + 1, '\n'), *p = line;
		size_t n = strlen(flag);

		while ((p = strstr(p, flag)) && (!end || p < end)) {
			if (p[-1] == ' ' && (p[n] == ' ' || p[n] == '\n' || !p[n]))
				found = true;
			p += n;
		}
	}
	free(info);
	return found;
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
	cfg.gbpages = host_has_cpu_flag("pdpe1gb");
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
	compare_layout(m, "sys/vm/min_free_kbytes");
	compare_layout(m, "sys/vm/watermark_scale_factor");
	compare_layout(m, "sys/vm/lowmem_reserve_ratio");
	compare_layout(m, "sys/vm/percpu_pagelist_high_fraction");
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

struct host_zone {
	char name[16];
	long present, managed, wmark[4], protection[MAX_NR_ZONES], batch, high_min, high_max;
	bool seen_pcp;
};

/* The host's THP mode, the bracketed word of transparent_hugepage/enabled; -1 if unknown. */
static int read_host_thp(void)
{
	static const char *const words[] = { "[madvise]", "[always]", "[never]" };
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	char line[128] = "";
	int mode = -1;

	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f))
		for (int i = 0; i < 3; i++)
			if (strstr(line, words[i]))
				mode = i;	/* the order of enum thp_mode */
	fclose(f);
	return mode;
}

static long read_long_file(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* Node 0's zones from the host's /proc/zoneinfo. Returns how many, or -1 (also for NUMA hosts). */
static int parse_host_zoneinfo(struct host_zone *hz, int max)
{
	FILE *f = fopen("/proc/zoneinfo", "r");
	char line[256];
	int n = -1, node;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char name[16];
		long v;

		if (sscanf(line, "Node %d, zone %15s", &node, name) == 2) {
			if (node != 0) {
				n = -2;		/* several nodes: not comparable */
				break;
			}
			if (n + 1 >= max)
				break;
			n++;
			memset(&hz[n], 0, sizeof(hz[n]));
			strcpy(hz[n].name, name);
			continue;
		}
		if (n < 0)
			continue;
		if (sscanf(line, " present %ld", &v) == 1)
			hz[n].present = v;
		else if (sscanf(line, " managed %ld", &v) == 1)
			hz[n].managed = v;
		else if (sscanf(line, " min %ld", &v) == 1)
			hz[n].wmark[0] = v;
		else if (sscanf(line, " low %ld", &v) == 1)
			hz[n].wmark[1] = v;
		else if (sscanf(line, " high %ld", &v) == 1)
			hz[n].wmark[2] = v;
		else if (sscanf(line, " promo %ld", &v) == 1)
			hz[n].wmark[3] = v;
		else if (sscanf(line, " protection: (%ld, %ld, %ld, %ld, %ld)", &hz[n].protection[0],
				&hz[n].protection[1], &hz[n].protection[2], &hz[n].protection[3],
				&hz[n].protection[4]) == 5)
			;
		else if (!hz[n].seen_pcp && sscanf(line, " batch: %ld", &v) == 1)
			hz[n].batch = v;
		else if (!hz[n].seen_pcp && sscanf(line, " high_min: %ld", &v) == 1)
			hz[n].high_min = v;
		else if (!hz[n].seen_pcp && sscanf(line, " high_max: %ld", &v) == 1) {
			hz[n].high_max = v;
			hz[n].seen_pcp = true;
		}
	}
	fclose(f);
	return n + 1;
}

/*
 * Differential test of the formulas: give our zones the host's managed page counts and the
 * host's min_free_kbytes, then our watermarks, lowmem reserves and per-CPU list sizes must be
 * exactly the host kernel's numbers.
 */
static void test_host_watermarks(void **state)
{
	struct host_zone hz[MAX_NR_ZONES + 1];
	struct machine *m;
	long min_free = read_long_file("/proc/sys/vm/min_free_kbytes");
	long wsf = read_long_file("/proc/sys/vm/watermark_scale_factor");
	long frac = read_long_file("/proc/sys/vm/percpu_pagelist_high_fraction");
	int thp = read_host_thp();
	int n = parse_host_zoneinfo(hz, MAX_NR_ZONES + 1), i, j;

	if (n != MAX_NR_ZONES || min_free <= 0 || wsf <= 0 || frac != 0) {
		print_message("host zoneinfo not comparable (%d zones): skipped\n", n);
		return;
	}
	for (i = 0; i < MAX_NR_ZONES; i++)
		if (strcmp(hz[i].name, zone_names[i])) {
			print_message("host zone %d is %s: skipped\n", i, hz[i].name);
			return;
		}
	m = host_shaped();
	m->cfg.watermark_scale_factor = (int)wsf;
	for (i = 0; i < MAX_NR_ZONES; i++) {
		struct zone *z = &m->phys->node_data[0]->node_zones[i];

		z->present_pages = (unsigned long)hz[i].present;
		atomic_store(&z->managed_pages, hz[i].managed);
	}
	/*
	 * min_free_kbytes from the host's zones alone, as its kernel computed it at boot. When THP
	 * is enabled, khugepaged's raise usually wins, and it must match exactly. The square-root
	 * value may differ a little: managed pages grew after boot (freed init memory).
	 */
	if (thp >= 0) {
		int ours, by_sqrt;

		m->cfg.min_free_kbytes = 0;
		m->cfg.transparent_hugepage = THP_NEVER;
		init_per_zone_wmark_min(m);
		by_sqrt = m->phys->min_free_kbytes;
		m->cfg.transparent_hugepage = thp;
		init_per_zone_wmark_min(m);
		ours = m->phys->min_free_kbytes;
		if (ours != by_sqrt ? ours != min_free : labs(ours - min_free) * 100 > min_free)
			fail_msg("min_free_kbytes: ours %d (%s), host %ld", ours,
				 ours != by_sqrt ? "THP raise" : "sqrt", min_free);
		print_message("min_free_kbytes from the host's zones: ours %d (%s), host %ld\n", ours,
			      ours != by_sqrt ? "THP raise" : "sqrt", min_free);
	}
	m->phys->min_free_kbytes = (int)min_free;
	setup_per_zone_wmarks(m);
	setup_per_zone_lowmem_reserve(m);
	for (i = 0; i < MAX_NR_ZONES; i++) {
		struct zone *z = &m->phys->node_data[0]->node_zones[i];

		zone_pcp_update(z);
		for (j = 0; j < NR_WMARK; j++)
			if ((long)z->_watermark[j] != hz[i].wmark[j])
				fail_msg("zone %s watermark %d: ours %lu, host %ld", hz[i].name, j,
					 z->_watermark[j], hz[i].wmark[j]);
		for (j = 0; j < MAX_NR_ZONES; j++)
			if (z->lowmem_reserve[j] != hz[i].protection[j])
				fail_msg("zone %s protection[%d]: ours %ld, host %ld", hz[i].name, j,
					 z->lowmem_reserve[j], hz[i].protection[j]);
		if (hz[i].managed && (z->pageset_batch != hz[i].batch ||
				      z->pageset_high_min != hz[i].high_min ||
				      z->pageset_high_max != hz[i].high_max))
			fail_msg("zone %s pcp batch/high_min/high_max: ours %d/%d/%d, host %ld/%ld/%ld",
				 hz[i].name, z->pageset_batch, z->pageset_high_min, z->pageset_high_max,
				 hz[i].batch, hz[i].high_min, hz[i].high_max);
	}
	print_message("watermarks, protection and pcp sizes of %d host zones match\n", n);
	machine_shutdown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_layouts),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_host_watermarks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
