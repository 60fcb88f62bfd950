/*
 * mmlab/proc.h - the /proc views of a machine, byte-for-byte in the kernel's formats.
 *
 * Names are paths below /proc: "buddyinfo", "pagetypeinfo", "zoneinfo", "meminfo", "vmstat",
 * and those later layers add ("slabinfo", "<pid>/maps", "<pid>/status", "<pid>/smaps",
 * "<pid>/smaps_rollup", "<pid>/stat", "<pid>/statm", ...). The binary files (pagemap) have
 * their own readers below.
 */
#ifndef MMLAB_PROC_H
#define MMLAB_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "export.h"
#include "mm.h"

struct machine;

/*
 * mmlab_proc_read - render /proc/@name of @m into @buf (NUL-terminated, truncated to @size).
 * Returns the full length of the file (which may be >= @size: call again with a bigger buffer),
 * or -ENOENT if there is no such file, -ESRCH for a pid that does not exist.
 */
MMLAB_API long mmlab_proc_read(struct machine *m, const char *name, char *buf, size_t size);

/*
 * mmlab_proc_print - render /proc/@name of @m to @out. Returns 0, an error of mmlab_proc_read(),
 * -ENOMEM, or -EIO if @out did not take every byte.
 */
MMLAB_API int mmlab_proc_print(struct machine *m, const char *name, FILE *out);

/* mmlab_proc_files - the names of the non-pid files, NULL-terminated, for listing. */
MMLAB_API const char *const *mmlab_proc_files(void);

/* mmlab_proc_pid_files - the names of the per-process files ("maps", ...), NULL-terminated. */
MMLAB_API const char *const *mmlab_proc_pid_files(void);

/*
 * mmlab_pagemap_read - /proc/@pid/pagemap: mm_pagemap_read() (mmlab/mm.h) of the process's
 * address space, MM_PAGEMAP_* @flags. Returns the entries filled, -ESRCH if there is no such
 * process, or -EINVAL (@addr not page aligned).
 */
MMLAB_API long mmlab_pagemap_read(struct machine *m, int pid, unsigned long addr,
				  uint64_t *entries, unsigned long nr, unsigned int flags);

#endif /* MMLAB_PROC_H */
