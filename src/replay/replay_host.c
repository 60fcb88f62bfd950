/*
 * replay_host.c - a machine that answers as this host would: a trace recorded here is replayed
 * against the same vm.* sysctls and the same amount of RAM (commit accounting reads both), and
 * the files it names are looked up in this host's file system (replay_host_default()).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
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

static int local_stat(const char *path, struct replay_file_stat *st, void *arg)
{
	struct stat sb;

	(void)arg;
	if (stat(path, &sb))
		return -errno;
	st->dev_major = major(sb.st_dev);
	st->dev_minor = minor(sb.st_dev);
	st->ino = sb.st_ino;
	st->size = (unsigned long long)sb.st_size;
	st->mode = sb.st_mode;
	return 0;
}

static long local_pread(const char *path, void *buf, size_t n, unsigned long long off, void *arg)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	(void)arg;
	if (fd < 0)
		return -errno;
	got = pread(fd, buf, n, (off_t)off);
	if (got < 0)
		got = -errno;
	close(fd);
	return got;
}

static int local_realpath(const char *path, char *out, size_t size, void *arg)
{
	char real[PATH_MAX];

	(void)arg;
	if (!realpath(path, real))
		return -errno;
	if (strlen(real) >= size)
		return -ENAMETOOLONG;
	strcpy(out, real);
	return 0;
}

static const struct replay_host local_host = {
	.stat = local_stat, .pread = local_pread, .realpath = local_realpath,
};

const struct replay_host *replay_host_default(void)
{
	return &local_host;
}
