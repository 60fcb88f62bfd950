/*
 * replay_host.c - a machine that answers as this host would: a trace recorded here is replayed
 * against the same vm.* sysctls and the same amount of RAM (commit accounting reads both).
 */
#include <stdio.h>
#include <unistd.h>

#include "replay_internal.h"

static long host_sysctl(const char *name, long dflt)
{
	char path[128];
	FILE *f;
	long v;

	snprintf(path, sizeof(path), "/proc/sys/vm/%s", name);
	f = fopen(path, "r");
	if (!f)
		return dflt;
	if (fscanf(f, "%ld", &v) != 1)
		v = dflt;
	fclose(f);
	return v;
}

void replay_like_host(struct machine *m)
{
	vm_set_overcommit(m, (int)host_sysctl("overcommit_memory", 0),
			  (int)host_sysctl("overcommit_ratio", 50),
			  (unsigned long)host_sysctl("overcommit_kbytes", 0));
	vm_set_max_map_count(m, (int)host_sysctl("max_map_count", 65530));
	vm_set_mmap_min_addr(m, (unsigned long)host_sysctl("mmap_min_addr", 65536));
}

unsigned long long replay_host_ram(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || psz <= 0)
		return 0;
	return ((unsigned long long)pages * psz) & ~((4ULL << 20) - 1);
}
