#include "testlib.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

void test_config(struct machine_config *cfg, unsigned long long mem_bytes, int nodes,
		 int cpus_per_node)
{
	machine_config_default(cfg);
	cfg->mem_bytes = mem_bytes;
	cfg->nr_nodes = nodes;
	cfg->cpus_per_node = cpus_per_node;
	cfg->nr_holes = 0;
}

struct machine *test_boot_config(const struct machine_config *cfg)
{
	struct machine *m = NULL;

	if (machine_boot(cfg, &m))
		return NULL;
	machine_set_debug_level(m, 3);
	return m;
}

struct machine *test_boot(unsigned long long mem_bytes, int nodes, int cpus_per_node)
{
	struct machine_config cfg;

	test_config(&cfg, mem_bytes, nodes, cpus_per_node);
	return test_boot_config(&cfg);
}

struct machine *test_boot_pc(unsigned long long mem_bytes, int nodes)
{
	struct machine_config cfg;
	struct machine *m = NULL;

	machine_config_default(&cfg);
	cfg.mem_bytes = mem_bytes;
	cfg.nr_nodes = nodes;
	if (machine_boot(&cfg, &m))
		return NULL;
	machine_set_debug_level(m, 3);
	return m;
}

char *test_proc(struct machine *m, const char *name)
{
	size_t size = 1 << 16;

	for (;;) {
		char *buf = malloc(size);
		long len;

		if (!buf)
			return NULL;
		len = mmlab_proc_read(m, name, buf, size);
		if (len < 0) {
			free(buf);
			return NULL;
		}
		if ((size_t)len < size)
			return buf;
		free(buf);
		size = (size_t)len + 1;
	}
}

char *test_dmesg(struct machine *m)
{
	size_t len = machine_dmesg(m, NULL, 0);
	char *buf = malloc(len + 1);

	if (buf)
		machine_dmesg(m, buf, len + 1);
	return buf;
}

uint64_t test_seed(uint64_t dflt)
{
	const char *env = getenv("MMLAB_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : dflt;

	if (!seed)
		seed = 1;
	fprintf(stderr, "seed: %#llx (set MMLAB_SEED to replay)\n", (unsigned long long)seed);
	return seed;
}

int test_run_mmlab(const char *args, char **out)
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
	assert_non_null(*out);
	while ((n = fread(*out + len, 1, cap - len - 1, p)) > 0)
		len += n;
	(*out)[len] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

int mmlab_run_group(const char *group_name, const struct CMUnitTest *tests, size_t n,
		    CMFixtureFunction group_setup, CMFixtureFunction group_teardown)
{
	const char *glob = getenv("MMLAB_TEST");
	size_t i, hits = 0;

	if (glob && *glob) {
		for (i = 0; i < n; i++)
			hits += fnmatch(glob, tests[i].name, 0) == 0;
		if (!hits) {
			fprintf(stderr, "MMLAB_TEST=%s matches no test of %s; its tests are:\n",
				glob, group_name);
			for (i = 0; i < n; i++)
				fprintf(stderr, "  %s\n", tests[i].name);
			return 1;
		}
		cmocka_set_test_filter(glob);
	}
	return _cmocka_run_group_tests(group_name, tests, n, group_setup, group_teardown);
}
