/*
 * proc.c - /proc name lookup. Machine-wide files are in proc_files[]; per-process files
 * ("<pid>/<name>") in proc_pid_files[]. A layer adds its file by adding one row here and one
 * formatter file beside this one.
 */
#include "proc/proc.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>

#include <mmlab/proc.h>

#include "vm/internal.h"

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

/* "<pid>/<rest>": the pid (1..PID_MAX_LIMIT) and *@rest, or 0 for a machine-wide name */
static long proc_pid_of(const char *name, const char **rest)
{
	const char *slash = strchr(name, '/');
	char *end;
	long pid;

	if (!slash)
		return 0;
	pid = strtol(name, &end, 10);
	if (end != slash || pid <= 0 || pid > 4194304)
		return 0;
	*rest = slash + 1;
	return pid;
}

static int proc_render(struct machine *m, const char *name, struct seq_buf *s)
{
	const char *rest;
	long pid;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(proc_files); i++)
		if (strcmp(proc_files[i].name, name) == 0)
			return proc_files[i].show(m, s);

	pid = proc_pid_of(name, &rest);
	if (!pid)
		return -ENOENT;
	if (strcmp(rest, "clear_refs") == 0)
		return -EINVAL;	/* write-only: the kernel's read of it fails so */
	for (i = 0; i < ARRAY_SIZE(proc_pid_files); i++)
		if (proc_pid_files[i].name && strcmp(proc_pid_files[i].name, rest) == 0)
			return proc_pid_files[i].show(m, (int)pid, s);
	return -ENOENT;
}

/*
 * /proc/<pid>/clear_refs (clear_refs_write): at most 12 bytes are read (the rest is ignored
 * and the write returns 12), white space around the number is dropped, and it must be a
 * decimal int (an optional sign) in 1..5: -EINVAL, or -ERANGE past an int.
 */
static long clear_refs_write(struct machine *m, long pid, const char *buf, size_t count)
{
	char text[13] = { 0 }, *p = text, *end;
	struct mm_task *t;
	long long v;
	size_t n;

	if (count > sizeof(text) - 1)
		count = sizeof(text) - 1;
	memcpy(text, buf, count);
	while (*p && isspace((unsigned char)*p))
		p++;
	n = strlen(p);
	while (n && isspace((unsigned char)p[n - 1]))
		p[--n] = 0;
	if (!*p || !(isdigit((unsigned char)*p) || ((*p == '+' || *p == '-') && isdigit((unsigned char)p[1]))))
		return -EINVAL;
	errno = 0;
	v = strtoll(p, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v > INT_MAX || v < INT_MIN)
		return -ERANGE;
	if (v < MM_CLEAR_REFS_ALL || v > MM_CLEAR_REFS_MM_HIWATER_RSS)
		return -EINVAL;
	t = m->vm ? mm_task_find(m, (int)pid) : NULL;
	if (!t)
		return -ESRCH;
	mm_clear_refs(mm_task_mm(t), (int)v);
	return (long)count;
}

long mmlab_proc_write(struct machine *m, const char *name, const void *buf, size_t count)
{
	const char *rest;
	long pid;
	size_t i;

	if (!m || !name || (!buf && count))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(proc_files); i++)
		if (strcmp(proc_files[i].name, name) == 0)
			return strncmp(name, "sys/", 4) == 0 ? -EOPNOTSUPP : -EIO;
	pid = proc_pid_of(name, &rest);
	if (!pid)
		return -ENOENT;
	if (strcmp(rest, "clear_refs") == 0)
		return clear_refs_write(m, pid, buf, count);
	for (i = 0; i < ARRAY_SIZE(proc_pid_files); i++)
		if (strcmp(proc_pid_files[i].name, rest) == 0)
			return m->vm && mm_task_find(m, (int)pid) ? -EINVAL : -ESRCH;
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
