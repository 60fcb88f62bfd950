/*
 * proc.h - the registry of /proc formatters. Each formatter renders one file into a seq_buf;
 * proc.c looks the name up and handles buffering. Formatters live one per file in src/proc/.
 */
#ifndef MMLAB_PROC_INTERNAL_H
#define MMLAB_PROC_INTERNAL_H

#include <stdio.h>

#include "core/core.h"

struct machine;

/* A formatter of a machine-wide file. Returns 0 or a negative errno. */
typedef int (*proc_show_fn)(struct machine *m, struct seq_buf *s);
/* A formatter of a per-process file /proc/<pid>/<name>. Returns 0, -ESRCH, or an errno. */
typedef int (*proc_pid_show_fn)(struct machine *m, int pid, struct seq_buf *s);

int proc_buddyinfo_show(struct machine *m, struct seq_buf *s);
int proc_pagetypeinfo_show(struct machine *m, struct seq_buf *s);
int proc_zoneinfo_show(struct machine *m, struct seq_buf *s);
int proc_meminfo_show(struct machine *m, struct seq_buf *s);
int proc_vmstat_show(struct machine *m, struct seq_buf *s);
int proc_slabinfo_show(struct machine *m, struct seq_buf *s);
int proc_vmallocinfo_show(struct machine *m, struct seq_buf *s);
int proc_ptdump_kernel_show(struct machine *m, struct seq_buf *s);
int proc_min_free_kbytes_show(struct machine *m, struct seq_buf *s);
int proc_watermark_scale_factor_show(struct machine *m, struct seq_buf *s);
int proc_percpu_pagelist_high_fraction_show(struct machine *m, struct seq_buf *s);
int proc_lowmem_reserve_ratio_show(struct machine *m, struct seq_buf *s);
int proc_pid_maps_show(struct machine *m, int pid, struct seq_buf *s);
int proc_pid_status_show(struct machine *m, int pid, struct seq_buf *s);
int proc_pid_smaps_show(struct machine *m, int pid, struct seq_buf *s);
int proc_pid_smaps_rollup_show(struct machine *m, int pid, struct seq_buf *s);
int proc_pid_stat_show(struct machine *m, int pid, struct seq_buf *s);
int proc_pid_statm_show(struct machine *m, int pid, struct seq_buf *s);

/* pid_maps.c: the maps line shared by maps, smaps and smaps_rollup */
struct mm_struct;
struct vm_area_struct;
/*
 * proc_maps_line - one maps line: "start-end perms offset major:minor inode", then, if @name is
 * given, spaces up to column 73 and @name (and @name2 and ']' if given), then a newline.
 */
void proc_maps_line(struct seq_buf *s, unsigned long start, unsigned long end,
		    unsigned long flags, unsigned long long pgoff, unsigned int major,
		    unsigned int minor, unsigned long ino, const char *name, const char *name2);
/* proc_maps_vma - the maps line of @vma of @mm (its name chosen as show_map_vma does). */
void proc_maps_vma(struct seq_buf *s, struct mm_struct *mm, const struct vm_area_struct *vma);

/* pid_smaps.c: the smaps views of one mm; mmap_lock held for reading */
void mm_show_smaps(struct mm_struct *mm, struct seq_buf *s);
void mm_show_smaps_rollup(struct mm_struct *mm, struct seq_buf *s);

/* proc.c */
/* Renders a whole file into @buf (NUL-terminated, truncated to @size); returns its full length. */
typedef long (*proc_read_fn)(void *arg, char *buf, size_t size);
/*
 * proc_print - render with @read(@arg, ...) into a host buffer grown until the whole file fits,
 * and write it to @out. Returns 0, @read's negative errno, -ENOMEM, or -EIO if @out did not take
 * every byte.
 */
int proc_print(proc_read_fn read, void *arg, FILE *out);

#endif /* MMLAB_PROC_INTERNAL_H */
