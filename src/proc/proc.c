/*
 * proc.c - /proc name lookup. Machine-wide files are in proc_files[]; per-process files
 * ("<pid>/<name>") in proc_pid_files[]. A layer adds its file by adding one row here and one
 * formatter file beside this one.
 */
#include "proc/proc.h"

#include <mmlab/proc.h>

struct proc_entry {
	const char *name;
	proc_show_fn show;
};

struct proc_pid_entry {
	const char *name;
	proc_pid_show_fn show;
};

static const struct proc_entry proc_files[] = {
	{ "buddyinfo", proc_buddyinfo_show },
	{ "pagetypeinfo", proc_pagetypeinfo_show },
	{ "zoneinfo", proc_zoneinfo_show },
	{ "meminfo", proc_meminfo_show },
	{ "vmstat", proc_vmstat_show },
	{ "slabinfo", proc_slabinfo_show },
	{ "vmallocinfo", proc_vmallocinfo_show },
	{ "sys/kernel/debug/page_tables/kernel", proc_ptdump_kernel_show },
	{ "sys/vm/min_free_kbytes", proc_min_free_kbytes_show },
	{ "sys/vm/watermark_scale_factor", proc_watermark_scale_factor_show },
	{ "sys/vm/lowmem_reserve_ratio", proc_lowmem_reserve_ratio_show },
	{ "sys/vm/percpu_pagelist_high_fraction", proc_percpu_pagelist_high_fraction_show },
};

static const struct proc_pid_entry proc_pid_files[] = {
	{ "maps", proc_pid_maps_show },
	{ "status", proc_pid_status_show },
	{ "smaps", proc_pid_smaps_show },
	{ "smaps_rollup", proc_pid_smaps_rollup_show },
	{ "stat", proc_pid_stat_show },
	{ "statm", proc_pid_statm_show },
};

static const char *const proc_file_names[] = {
	"buddyinfo", "pagetypeinfo", "zoneinfo", "meminfo", "vmstat", "slabinfo", "vmallocinfo",
	"sys/kernel/debug/page_tables/kernel",
	"sys/vm/min_free_kbytes", "sys/vm/watermark_scale_factor", "sys/vm/lowmem_reserve_ratio",
	"sys/vm/percpu_pagelist_high_fraction", NULL,
};

static const char *const proc_pid_file_names[] = {
	"maps", "status", "smaps", "smaps_rollup", "stat", "statm", NULL,
};

const char *const *mmlab_proc_files(void)
{
	return proc_file_names;
}

const char *const *mmlab_proc_pid_files(void)
{
	return proc_pid_file_names;
}

static int proc_render(struct machine *m, const char *name, struct seq_buf *s)
{
	const char *slash;
	char *end;
	long pid;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(proc_files); i++)
		if (strcmp(proc_files[i].name, name) == 0)
			return proc_files[i].show(m, s);

	slash = strchr(name, '/');
	if (!slash)
		return -ENOENT;
	pid = strtol(name, &end, 10);
	if (end != slash || pid <= 0 || pid > 4194304)
		return -ENOENT;
	for (i = 0; i < ARRAY_SIZE(proc_pid_files); i++)
		if (proc_pid_files[i].name && strcmp(proc_pid_files[i].name, slash + 1) == 0)
			return proc_pid_files[i].show(m, (int)pid, s);
	return -ENOENT;
}

long mmlab_proc_read(struct machine *m, const char *name, char *buf, size_t size)
{
	struct seq_buf s;
	int err;

	seq_buf_init(&s, buf, size);
	err = proc_render(m, name, &s);
	if (err)
		return err;
	return (long)s.len;
}

int proc_print(proc_read_fn read, void *arg, FILE *out)
{
	size_t size = 1 << 16;
	char *buf;
	long len;
	int err = 0;

	for (;;) {
		buf = malloc(size);
		if (!buf)
			return -ENOMEM;
		len = read(arg, buf, size);
		if (len < 0 || (size_t)len < size)
			break;
		free(buf);
		size = (size_t)len + 1;
	}
	if (len < 0)
		err = (int)len;
	else if (fwrite(buf, 1, (size_t)len, out) != (size_t)len)
		err = -EIO;
	free(buf);
	return err;
}

struct proc_file_ref {
	struct machine *m;
	const char *name;
};

static long proc_file_read(void *arg, char *buf, size_t size)
{
	const struct proc_file_ref *ref = arg;

	return mmlab_proc_read(ref->m, ref->name, buf, size);
}

int mmlab_proc_print(struct machine *m, const char *name, FILE *out)
{
	struct proc_file_ref ref = { m, name };

	return proc_print(proc_file_read, &ref, out);
}
