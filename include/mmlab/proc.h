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

/*
 * mmlab_proc_write - write @count bytes of @buf to /proc/@name of @m, as write(2) on the
 * kernel's file: "<pid>/clear_refs" takes "1".."5" (mm_clear_refs(), mmlab/mm.h) and returns
 * the bytes it took (at most 12, as the kernel). Returns -EINVAL for a bad value or a
 * per-process file that is only read, -ERANGE for a number past an int, -EIO for a
 * machine-wide file that is only read, -EOPNOTSUPP for sys/vm/ files (their writes are not
 * modelled: use the vm_set_* setters), -ESRCH for a pid that does not exist, -ENOENT for no
 * such file.
 */
MMLAB_API long mmlab_proc_write(struct machine *m, const char *name, const void *buf,
				size_t count);

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

/* The bits of a /proc/kpageflags entry (include/uapi/linux/kernel-page-flags.h). */
#define KPF_LOCKED		0
#define KPF_ERROR		1
#define KPF_REFERENCED		2
#define KPF_UPTODATE		3
#define KPF_DIRTY		4
#define KPF_LRU			5
#define KPF_ACTIVE		6
#define KPF_SLAB		7
#define KPF_WRITEBACK		8
#define KPF_RECLAIM		9
#define KPF_BUDDY		10
#define KPF_MMAP		11
#define KPF_ANON		12
#define KPF_SWAPCACHE		13
#define KPF_SWAPBACKED		14
#define KPF_COMPOUND_HEAD	15
#define KPF_COMPOUND_TAIL	16
#define KPF_HUGE		17
#define KPF_UNEVICTABLE		18
#define KPF_HWPOISON		19
#define KPF_NOPAGE		20
#define KPF_KSM			21
#define KPF_THP			22
#define KPF_OFFLINE		23
#define KPF_ZERO_PAGE		24
#define KPF_IDLE		25
#define KPF_PGTABLE		26
#define KPF_RESERVED		32	/* the kernel-hacking bits, always reported */
#define KPF_MLOCKED		33
#define KPF_MAPPEDTODISK	34	/* PG_anon_exclusive on an anonymous page */
#define KPF_PRIVATE		35
#define KPF_PRIVATE_2		36
#define KPF_OWNER_PRIVATE	37
#define KPF_ARCH		38

/*
 * mmlab_kpagecount_read - /proc/kpagecount from frame @pfn: how many PTEs map each of @nr
 * frames (0 for free, slab and buddy frames, holes and the zero page) into @out. Returns the
 * entries filled, fewer than @nr where the file ends (max_pfn, or just past the zero page,
 * which is the frame after RAM here), 0 from there on.
 */
MMLAB_API long mmlab_kpagecount_read(struct machine *m, unsigned long pfn, uint64_t *out,
				     unsigned long nr);
/*
 * mmlab_kpageflags_read - /proc/kpageflags from frame @pfn: the 1 << KPF_* bits of each of @nr
 * frames into @out (the ones the model knows: src/proc/kpage.c). Returns as
 * mmlab_kpagecount_read().
 */
MMLAB_API long mmlab_kpageflags_read(struct machine *m, unsigned long pfn, uint64_t *out,
				     unsigned long nr);

#endif /* MMLAB_PROC_H */
