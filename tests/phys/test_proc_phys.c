/*
 * test_proc_phys.c - the /proc views against a host kernel's own files: a machine shaped like
 * the host (one node, the host's CPU count and CPU features, PC holes, RAM above 4 GiB) must
 * print buddyinfo, pagetypeinfo, zoneinfo, meminfo and vmstat with exactly the host's layout:
 * the same lines and the same text between the numbers. Numbers differ (different memory), so
 * every run of digits is folded to '#' on both sides before comparing.
 *
 * The host's files are recorded (hostfp.h): tests/fixtures/proc_phys/ holds them as the host
 * printed them, with its fingerprint. test_proc_phys compares with that recording;
 * test_proc_phys_live with this host's /proc, failing only on a host the model covers.
 */
#include "testlib.h"
#include "hostfp.h"

#include "phys/internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The recording of host file @path: tests/fixtures/proc_phys/ + path with '/' as '_'. */
static void recorded_name(const char *path, char *out, size_t size)
{
	char name[128];
	size_t i;

	snprintf(name, sizeof(name), "proc_phys/%s", path + 1);
	for (i = strlen("proc_phys/"); name[i]; i++)
		if (name[i] == '/')
			name[i] = '_';
	fixture_path(name, out, size);
}

/*
 * Host file @path as a malloc'd string: this host's (live), or the recording (fixture mode).
 * Record mode reads this host's and writes it into the recording. NULL if there is none.
 */
static char *read_host(const char *path)
{
	char rec[512], *text;
	FILE *f;

	recorded_name(path, rec, sizeof(rec));
	if (fixture_mode() == FIXTURE_REPLAY)
		return read_whole_file(rec);
	text = read_whole_file(path);
	if (text && fixture_mode() == FIXTURE_RECORD && (f = fopen(rec, "w"))) {
		fputs(text, f);
		fclose(f);
	}
	return text;
}

/* The recording's fingerprint, or this host's (written into the recording in record mode). */
static const struct hostfp *host_fp(void)
{
	static struct hostfp fp;
	static bool done;
	char path[512], *text, *line, *save;
	FILE *f;

	if (done)
		return &fp;
	done = true;
	fixture_path("proc_phys/fingerprint", path, sizeof(path));
	if (fixture_mode() != FIXTURE_REPLAY) {
		hostfp_probe(&fp);
		if (fixture_mode() == FIXTURE_RECORD && (f = fopen(path, "w"))) {
			hostfp_write(f, &fp);
			fclose(f);
		}
		return &fp;
	}
	text = read_whole_file(path);
	if (!text)
		fail_msg("no recording: %s", path);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		hostfp_parse_line(&fp, line);
	free(text);
	return &fp;
}

/*
 * A difference from the host: always a failure against the recording; against this host
 * only where the model claims to cover it (otherwise a report).
 */
#define host_differs(...)							\
	do {									\
		char why_[200];							\
		if (fixture_mode() != FIXTURE_LIVE ||				\
		    hostfp_covered(host_fp(), why_, sizeof(why_)))		\
			fail_msg(__VA_ARGS__);					\
		print_message(__VA_ARGS__);					\
		print_message("\n(this host is not covered: %s)\n", why_);	\
	} while (0)

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
		if (fixture_mode() == FIXTURE_REPLAY)
			fail_msg("%s was not recorded", path);
		print_message("this host has no %s\n", path);
		skip();
	}
	ours = test_proc(m, name);
	assert_non_null(ours);
	fh = fold_numbers(host);
	fo = fold_numbers(ours);
	if (strcmp(fh, fo)) {
		const char *a = fh, *b = fo;
		char msg[400];
		int line = 1;

		while (*a && *a == *b) {
			if (*a == '\n')
				line++;
			a++;
			b++;
		}
		snprintf(msg, sizeof(msg), "/proc/%s layout differs from the %s's at line %d:\n"
			 "host: %.80s\nours: %.80s", name,
			 fixture_mode() == FIXTURE_REPLAY ? "recording" : "host", line, a, b);
		free(host);
		free(ours);
		free(fh);
		free(fo);
		host_differs("%s", msg);
		return;
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
	long cpus = host_fp()->cpus;

	machine_config_default(&cfg);
	cfg.nr_nodes = 1;
	cfg.cpus_per_node = cpus > 0 && cpus <= 64 ? (int)cpus : 2;
	cfg.mem_bytes = 8ULL << 30;
	hostfp_machine_config(host_fp(), &cfg);
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

/* The host's THP mode, as enum thp_mode; -1 if unknown. */
static int read_host_thp(void)
{
	const char *w = host_fp()->thp_enabled;

	return !strcmp(w, "madvise") ? THP_MADVISE : !strcmp(w, "always") ? THP_ALWAYS :
	       !strcmp(w, "never") ? THP_NEVER : -1;
}

static long read_long_file(const char *path)
{
	char *text = read_host(path);
	long v = text && isdigit((unsigned char)text[0]) ? strtol(text, NULL, 10) : -1;

	free(text);
	return v;
}

/* Node 0's zones from the host's /proc/zoneinfo. Returns how many, or -1 (also for NUMA hosts). */
static int parse_host_zoneinfo(struct host_zone *hz, int max)
{
	char *text = read_host("/proc/zoneinfo"), *line, *save;
	int n = -1, node;

	if (!text)
		return -1;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
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
	free(text);
	return n + 1;
}

/*
 * Differential test of the formulas: give our zones the host's managed page counts and the
 * host's min_free_kbytes, then our watermarks, lowmem reserves and per-CPU list sizes must be
 * exactly the host kernel's numbers.
 */
/* Keep the first difference found in @bad. */
static void __attribute__((format(printf, 3, 4))) first_bad(char *bad, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (bad[0])
		return;
	va_start(ap, fmt);
	vsnprintf(bad, size, fmt, ap);
	va_end(ap);
}

static void test_host_watermarks(void **state)
{
	struct host_zone hz[MAX_NR_ZONES + 1];
	struct machine *m;
	long min_free = read_long_file("/proc/sys/vm/min_free_kbytes");
	long wsf = read_long_file("/proc/sys/vm/watermark_scale_factor");
	long frac = read_long_file("/proc/sys/vm/percpu_pagelist_high_fraction");
	int thp = read_host_thp();
	int n = parse_host_zoneinfo(hz, MAX_NR_ZONES + 1), i, j;
	char bad[300] = "";

	if (n != MAX_NR_ZONES || min_free <= 0 || wsf <= 0 || frac != 0) {
		print_message("host zoneinfo not comparable (%d zones)\n", n);
		skip();
	}
	for (i = 0; i < MAX_NR_ZONES; i++)
		if (strcmp(hz[i].name, zone_names[i])) {
			print_message("host zone %d is %s\n", i, hz[i].name);
			skip();
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
			first_bad(bad, sizeof(bad), "min_free_kbytes: ours %d (%s), host %ld", ours,
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
				first_bad(bad, sizeof(bad), "zone %s watermark %d: ours %lu, host %ld", hz[i].name, j,
					 z->_watermark[j], hz[i].wmark[j]);
		for (j = 0; j < MAX_NR_ZONES; j++)
			if (z->lowmem_reserve[j] != hz[i].protection[j])
				first_bad(bad, sizeof(bad), "zone %s protection[%d]: ours %ld, host %ld", hz[i].name, j,
					 z->lowmem_reserve[j], hz[i].protection[j]);
		if (hz[i].managed && (z->pageset_batch != hz[i].batch ||
				      z->pageset_high_min != hz[i].high_min ||
				      z->pageset_high_max != hz[i].high_max))
			first_bad(bad, sizeof(bad), "zone %s pcp batch/high_min/high_max: ours %d/%d/%d, host %ld/%ld/%ld",
				 hz[i].name, z->pageset_batch, z->pageset_high_min, z->pageset_high_max,
				 hz[i].batch, hz[i].high_min, hz[i].high_max);
	}
	machine_shutdown(m);
	if (bad[0])
		host_differs("%s", bad);
	else
		print_message("watermarks, protection and pcp sizes of %d host zones match\n", n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_layouts),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_host_watermarks),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
