/*
 * mmlab/proc.h - the /proc views of a machine, byte-for-byte in the kernel's formats.
 *
 * Names are paths below /proc: "buddyinfo", "pagetypeinfo", "zoneinfo", "meminfo", "vmstat",
 * and those later layers add ("slabinfo", "<pid>/maps", "<pid>/status", ...).
 */
#ifndef MMLAB_PROC_H
#define MMLAB_PROC_H

#include <stddef.h>
#include <stdio.h>

#include "export.h"

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

#endif /* MMLAB_PROC_H */
