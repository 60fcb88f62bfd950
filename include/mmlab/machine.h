/*
 * mmlab/machine.h - a simulated machine: physical memory split into NUMA nodes and zones, CPUs,
 * and the kernel log. Several machines may live in one process.
 *
 * The "current" machine and CPU are per host thread, as the kernel's current task runs on one
 * CPU: machine_bind_cpu() binds the calling thread, and every kernel-named function (alloc_pages,
 * kmalloc, ...) then acts on that machine and that CPU's per-CPU state. machine_boot() binds the
 * booting thread to CPU 0 of the new machine. Several threads may bind to the same CPU; per-CPU
 * state is locked, as the kernel locks its pcp lists.
 *
 * Physical layout (x86-64): RAM fills the physical address space from 0 upward, skipping the
 * configured holes, until mem_bytes of RAM are placed. Nodes take consecutive equal shares of
 * RAM, on 4 MiB (max-order block) boundaries. Zones: DMA below 16 MiB, DMA32 below 4 GiB, NORMAL above,
 * and MOVABLE taken from the top of each node when movablecore_bytes is set (as movablecore=).
 */
#ifndef MMLAB_MACHINE_H
#define MMLAB_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "export.h"

#define MMLAB_MAX_NUMNODES	64
#define MMLAB_MAX_CPUS		256
#define MMLAB_MAX_HOLES		16

enum zone_type {
	ZONE_DMA,	/* below 16 MiB: ISA DMA */
	ZONE_DMA32,	/* below 4 GiB: 32-bit DMA */
	ZONE_NORMAL,	/* the rest of RAM */
	ZONE_MOVABLE,	/* only movable allocations: for hot-unplug and compaction */
	ZONE_DEVICE,	/* device memory; never populated here, listed as the kernel lists it */
	MAX_NR_ZONES
};

/* A physical address range [start, end), in bytes. */
struct mmlab_range {
	uint64_t start, end;
};

/* machine_config.transparent_hugepage */
enum thp_mode { THP_MADVISE, THP_ALWAYS, THP_NEVER };

struct machine_config {
	uint64_t mem_bytes;		/* RAM to place (present pages), a multiple of 4 KiB */
	int nr_nodes;			/* 1..MMLAB_MAX_NUMNODES */
	int cpus_per_node;		/* nr_nodes * cpus_per_node <= MMLAB_MAX_CPUS */
	/* SLIT distances; a 0 entry means the default: 10 local, 20 remote. */
	unsigned char distance[MMLAB_MAX_NUMNODES][MMLAB_MAX_NUMNODES];
	int nr_holes;			/* ranges of the physical address space with no RAM */
	struct mmlab_range holes[MMLAB_MAX_HOLES];
	uint64_t movablecore_bytes;	/* ZONE_MOVABLE size, spread evenly over the nodes */
	/*
	 * 0: computed as the kernel does at boot: sqrt(lowmem_kb * 16), then raised to
	 * khugepaged's recommendation when transparent huge pages are enabled. Otherwise the
	 * value given, as if written to /proc/sys/vm/min_free_kbytes after boot.
	 */
	int min_free_kbytes;
	/*
	 * /sys/kernel/mm/transparent_hugepage/enabled. mmlab has no huge pages yet; what it
	 * changes so far is min_free_kbytes, which the kernel raises when THP is not "never".
	 * Default THP_MADVISE, Debian's.
	 */
	int transparent_hugepage;
	/*
	 * /sys/kernel/mm/transparent_hugepage/use_zero_page: a read fault where a THP could be
	 * maps the huge zero page (default true, the kernel's).
	 */
	bool thp_use_zero_page;
	int watermark_scale_factor;	/* in 1/10000 of a zone; kernel default 10 */
	int lowmem_reserve_ratio[MAX_NR_ZONES]; /* kernel default 256, 256, 32, 0, 0 */
	int percpu_pagelist_high_fraction; /* 0: pcp high from the low watermark (kernel default) */
	/*
	 * One CPU's share of its last-level cache, in KiB (the kernel's per_cpu_data_slice_size).
	 * When it holds more than three pcp batches, a CPU freeing high-order pages in a row keeps
	 * a batch on its lists (PCPF_FREE_HIGH_BATCH). 0: unknown, as without cache info.
	 */
	int cache_slice_kbytes;
	/*
	 * A contiguous memory allocator area (cma=): pageblocks of type MIGRATE_CMA at the top of
	 * node 0's DMA32 zone (or its highest zone), rounded up to 4 MiB; only movable
	 * allocations may use them. 0: none, and /proc prints no CMA fields, like a kernel built
	 * without CONFIG_CMA.
	 */
	uint64_t cma_bytes;
	/*
	 * CPU features that change what the kernel prints. gbpages: the CPU maps the direct map
	 * with 1 GiB pages (x86 "pdpe1gb"), so /proc/meminfo has a DirectMap1G line.
	 */
	bool gbpages;
	/*
	 * The kernel's mm_forbids_zeropage(): false on x86-64, so a read fault on private
	 * anonymous memory maps the shared zero page and gives the VMA no anon_vma. true: such a
	 * read allocates a private page (and an anon_vma), as on hosts that forbid the zero page.
	 */
	bool forbid_zero_page;
	/*
	 * The page-table format of every address space: MM_ARCH_X86_64 (the default) or
	 * MM_ARCH_ARM64 entries (4 KiB granule, hardware access and dirty flags); la57: five
	 * levels of tables instead of four (x86-64 with 5-level paging).
	 */
	int arch;
	bool la57;
	/*
	 * A kernel built with CONFIG_MEM_SOFT_DIRTY: writing 4 to /proc/<pid>/clear_refs clears
	 * the soft-dirty bits and write-protects the pages, so the next write faults (and
	 * mprotect no longer makes such a page writable at once). false (the default, as the
	 * recording host): that write does nothing.
	 */
	bool soft_dirty;
	/*
	 * KASLR of the kernel's memory regions (kernel_randomize_memory): 0, the default, keeps
	 * the documented fixed layout; any other value seeds the draw that moves the direct map,
	 * vmalloc and vmemmap bases (mmlab/vmalloc.h), the same layout for the same seed.
	 */
	uint64_t kaslr_seed;
};

struct machine;

/*
 * machine_config_default - fill @cfg with the built-in machine: 8 GiB of RAM on 2 nodes with
 * 2 CPUs each, and the holes of a PC (page 0, the legacy 640 KiB-1 MiB area, the 3-4 GiB PCI
 * hole). Callers then change what they want before machine_boot().
 */
MMLAB_API void machine_config_default(struct machine_config *cfg);

/*
 * machine_boot - build a machine from @cfg: reserve its host arena (MAP_NORESERVE, committed
 * lazily), lay out nodes and zones, compute watermarks and per-CPU list sizes, and put every
 * present page on the buddy free lists. Binds the calling thread to CPU 0 of the new machine.
 * Returns 0 and sets *@mp, or -EINVAL for an inconsistent config (or a NULL @cfg or @mp),
 * -ENOMEM if the host refuses the arena or the metadata.
 */
MMLAB_API int machine_boot(const struct machine_config *cfg, struct machine **mp);

/*
 * machine_shutdown - release everything @m holds on the host. Pages still allocated in it are
 * simply dropped. Unbinds the calling thread if it was bound to @m.
 */
MMLAB_API void machine_shutdown(struct machine *m);

/*
 * machine_bind_cpu - make (@m, @cpu) the calling thread's current machine and CPU.
 * Returns 0, or -EINVAL if @cpu is not a CPU of @m.
 */
MMLAB_API int machine_bind_cpu(struct machine *m, int cpu);

/* machine_unbind_cpu - the calling thread no longer has a current machine. */
MMLAB_API void machine_unbind_cpu(void);

/* machine_current - the calling thread's current machine, or NULL if it is not bound. */
MMLAB_API struct machine *machine_current(void);

/*
 * smp_processor_id - the calling thread's current CPU on its machine, as the kernel's
 * smp_processor_id(); 0 when the thread is not bound.
 */
MMLAB_API int smp_processor_id(void);

/* machine_nr_cpus - how many CPUs @m has (nr_nodes * cpus_per_node of its config). */
MMLAB_API int machine_nr_cpus(const struct machine *m);

/* machine_nr_nodes - how many NUMA nodes @m has. */
MMLAB_API int machine_nr_nodes(const struct machine *m);

/* machine_cpu_to_node - the node of CPU @cpu of @m, or -EINVAL if @m has no such CPU. */
MMLAB_API int machine_cpu_to_node(const struct machine *m, int cpu);

/*
 * machine_node_distance - the SLIT distance from node @a to node @b of @m (10 local, 20 remote
 * unless the config said otherwise), or -EINVAL if either is not a node of @m.
 */
MMLAB_API int machine_node_distance(const struct machine *m, int a, int b);

/*
 * machine_config - the configuration @m was booted with, defaults filled in. Valid until
 * machine_shutdown().
 */
MMLAB_API const struct machine_config *machine_config(const struct machine *m);

/*
 * machine_set_debug_level - 0 no runtime checks, 1 cheap checks, 2 poison freed memory,
 * 3 run the invariant checkers after every operation. Never above the compiled-in MMLAB_DEBUG
 * for checks that are compiled out. A @level outside 0..3 is clamped to that range.
 */
MMLAB_API void machine_set_debug_level(struct machine *m, int level);

/* machine_debug_level - the runtime debug level of @m, 0..3 (machine_set_debug_level()). */
MMLAB_API int machine_debug_level(const struct machine *m);

/*
 * machine_dmesg - copy the machine's kernel log (what the kernel would printk: allocation
 * failure reports, slab corruption reports, ...) into @buf, NUL-terminated. Returns the full
 * length of the log, which may exceed @size - 1. The library never prints by itself.
 */
MMLAB_API size_t machine_dmesg(struct machine *m, char *buf, size_t size);

/* machine_dmesg_clear - forget the kernel log (like dmesg -C). */
MMLAB_API void machine_dmesg_clear(struct machine *m);

/*
 * machine_check - run every layer's invariant checker on @m (frames accounted, free counts add
 * up, slabs consistent, VMAs ordered...). Returns 0 if all hold, or -EUCLEAN with a description
 * of the first broken invariant in @why (may be NULL). Callers must not run it concurrently with
 * other operations on @m.
 */
MMLAB_API int machine_check(struct machine *m, char *why, size_t why_size);

#endif /* MMLAB_MACHINE_H */
