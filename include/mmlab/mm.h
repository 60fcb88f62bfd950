/*
 * mmlab/mm.h - process address spaces: mm_struct, VMAs, the memory syscalls, processes (pid ->
 * task -> mm), file and shmem objects, and the /proc views of an address space.
 *
 * Model. An address space (struct mm_struct) is an ordered set of non-overlapping VMAs
 * [vm_start, vm_end) with vm_flags, an optional file and page offset, and an anon_vma that
 * decides merges as the kernel's does. The syscalls below take the mm explicitly and return
 * what the Linux x86-64 kernel returns for the same call on an address space with the same
 * layout: the same address, the same errno (negative), checked in the kernel's order, with the
 * kernel's partial effects before an error (madvise over holes, munlock, ...).
 *
 * A process (struct mm_task) has a pid in its machine's pid namespace and points at an mm;
 * threads (clone with CLONE_VM) share one mm. /proc/<pid>/maps and /proc/<pid>/status of a task
 * are rendered through mmlab_proc_read() (mmlab/proc.h) or directly from an mm with
 * mm_maps_read().
 *
 * What is modelled and what is not (see docs/address-space.md and docs/page-tables.md):
 *  - Page tables in real frames and the fault handler (mm_access(), access_process_vm()):
 *    anonymous private memory has real pages (demand zero, the zero page, copy-on-write, THP).
 *    File and shared mappings have no pages yet (no page cache): their faults only mark the VMA
 *    resident.
 *  - anon_vma: a private VMA gets one at its first anonymous page (a write fault, populate of a
 *    writable private mapping, mlock of one, the exec stack, a THP read fault), or shares a
 *    mergeable neighbour's; splits and mremap copies link to the same ones; fork links the
 *    child's copies to the parent's and gives them their own, with the kernel's reuse rule.
 *    The reverse map walks from an anonymous page to every PTE that maps it.
 *  - Rlimits (RLIMIT_AS, DATA, STACK, MEMLOCK) and capabilities live in the mm (the kernel keeps
 *    them per thread group); fork copies them.
 *
 * Locking: every mm_* syscall takes the mm's mmap_lock itself (for writing, or for reading where
 * the kernel reads: mincore, msync, mm_maps_read). Tasks, files and the pid namespace are safe to
 * use from several threads bound to the same machine. A caller must be bound to the mm's
 * machine (machine_bind_cpu()) as for every kernel-named function.
 *
 * Constants (PROT_*, MAP_*, MREMAP_*, MADV_*, MCL_*, MS_*) come from mmlab/mman.h.
 */
#ifndef MMLAB_MM_H
#define MMLAB_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "export.h"
#include "mman.h"

struct machine;
struct mm_struct;
struct vm_area_struct;
struct mm_task;
struct mm_file;

/* ---- vm_flags (the kernel's bit values) ---------------------------------------------------- */

#define VM_NONE		0x00000000UL
#define VM_READ		0x00000001UL
#define VM_WRITE	0x00000002UL
#define VM_EXEC		0x00000004UL
#define VM_SHARED	0x00000008UL
#define VM_MAYREAD	0x00000010UL	/* may become readable with mprotect */
#define VM_MAYWRITE	0x00000020UL
#define VM_MAYEXEC	0x00000040UL
#define VM_MAYSHARE	0x00000080UL	/* MAP_SHARED, even of a read-only file */
#define VM_GROWSDOWN	0x00000100UL	/* a stack: grows down on faults below it */
#define VM_GROWSUP	0x00000000UL	/* no upward-growing stacks on x86-64 and ARM64 */
#define VM_PFNMAP	0x00000400UL	/* raw PFNs, no struct page */
#define VM_LOCKED	0x00002000UL
#define VM_IO		0x00004000UL	/* device memory */
#define VM_SEQ_READ	0x00008000UL	/* MADV_SEQUENTIAL */
#define VM_RAND_READ	0x00010000UL	/* MADV_RANDOM */
#define VM_DONTCOPY	0x00020000UL	/* MADV_DONTFORK: not inherited by fork */
#define VM_DONTEXPAND	0x00040000UL	/* mremap may not grow it */
#define VM_LOCKONFAULT	0x00080000UL	/* mlock2(MLOCK_ONFAULT): lock pages as they fault */
#define VM_ACCOUNT	0x00100000UL	/* charged to Committed_AS */
#define VM_NORESERVE	0x00200000UL	/* MAP_NORESERVE: not charged */
#define VM_HUGETLB	0x00400000UL
#define VM_SYNC		0x00800000UL	/* MAP_SYNC */
#define VM_PAT		0x01000000UL	/* x86 VM_ARCH_1 */
#define VM_WIPEONFORK	0x02000000UL	/* MADV_WIPEONFORK: the child gets it empty */
#define VM_DONTDUMP	0x04000000UL
#define VM_SOFTDIRTY	0x08000000UL	/* ignored by merges */
#define VM_MIXEDMAP	0x10000000UL
#define VM_HUGEPAGE	0x20000000UL	/* MADV_HUGEPAGE */
#define VM_NOHUGEPAGE	0x40000000UL	/* MADV_NOHUGEPAGE */
#define VM_MERGEABLE	0x80000000UL	/* MADV_MERGEABLE (KSM) */
#define VM_DROPPABLE	0x0000000200000000UL	/* MAP_DROPPABLE (high VMA flag bit 1 as x86-64) */

/* Mappings that never merge, never grow with mremap, and are skipped by mlock. */
#define VM_SPECIAL	(VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP)
#define VM_LOCKED_MASK	(VM_LOCKED | VM_LOCKONFAULT)

/* ---- machine-wide settings (the vm.* sysctls) ---------------------------------------------- */

/*
 * vm_set_overcommit - vm.overcommit_memory (0 heuristic, 1 always, 2 never), overcommit_ratio
 * (percent of RAM) and overcommit_kbytes (0: use the ratio). Returns 0 or -EINVAL.
 */
MMLAB_API int vm_set_overcommit(struct machine *m, int mode, int ratio, unsigned long kbytes);
/* vm_set_max_map_count - vm.max_map_count (default 65530). Returns 0 or -EINVAL if < 0. */
MMLAB_API int vm_set_max_map_count(struct machine *m, int count);
/* vm_set_mmap_min_addr - vm.mmap_min_addr (default 65536). Returns 0. */
MMLAB_API int vm_set_mmap_min_addr(struct machine *m, unsigned long addr);
/* vm_set_stack_guard_gap - the stack_guard_gap= boot parameter in pages (default 256). */
MMLAB_API int vm_set_stack_guard_gap(struct machine *m, unsigned long pages);
/* vm_committed_as_pages - Committed_AS of @m in pages, as /proc/meminfo reports it. */
MMLAB_API long vm_committed_as_pages(struct machine *m);
/*
 * vm_commit_limit_pages - CommitLimit of @m in pages, as /proc/meminfo reports it:
 * overcommit_kbytes if set, else overcommit_ratio percent of RAM (there is no swap).
 */
MMLAB_API unsigned long vm_commit_limit_pages(struct machine *m);

/* ---- file objects ------------------------------------------------------------------------- */

enum mm_file_kind {
	MM_FILE_REGULAR,	/* a regular file: mappable, shared writable needs O_RDWR */
	MM_FILE_DEV_ZERO,	/* /dev/zero: MAP_PRIVATE is anonymous, MAP_SHARED is shmem */
	MM_FILE_NO_MMAP,	/* no mmap method (pipe, socket, directory): mmap gives ENODEV */
};

/* What open(2) knows about a file. @path is copied. */
struct mm_file_desc {
	const char *path;		/* as /proc/PID/maps prints it (strace -y gives it) */
	unsigned int dev_major, dev_minor;
	unsigned long ino;
	int open_flags;			/* O_RDONLY, O_WRONLY or O_RDWR (other bits ignored) */
	unsigned long long size;	/* i_size, shared by every open of (dev, ino) */
	enum mm_file_kind kind;
	bool noexec;			/* on a noexec mount: PROT_EXEC mappings give EPERM */
	bool append_only;		/* chattr +a: writable shared mappings give EACCES */
	/*
	 * On tmpfs (a memfd, /dev/shm): shmem places its mappings, which with shmem huge pages
	 * off (the default) means no THP alignment, and there is no ext4 file size limit.
	 */
	bool tmpfs;
};

/*
 * mm_file_open - an open file description (the kernel's struct file) on @m. Two opens of the
 * same (dev, ino) share the inode (its size) but are different files: their mappings never
 * merge, as in the kernel. Returns the file with one reference, or NULL (-ENOMEM, FAULT_MISC).
 */
MMLAB_API struct mm_file *mm_file_open(struct machine *m, const struct mm_file_desc *desc);
/* mm_file_get - one more reference (dup(2) shares the description). Returns @f. */
MMLAB_API struct mm_file *mm_file_get(struct mm_file *f);
/* mm_file_put - drop a reference (close(2)); mappings keep their own references. */
MMLAB_API void mm_file_put(struct mm_file *f);
/*
 * mm_file_truncate - ftruncate(2): set the inode's size. Returns 0, -EINVAL if @f is not open
 * for writing or not a regular file. Mappings are not changed (beyond EOF is SIGBUS territory).
 */
MMLAB_API int mm_file_truncate(struct mm_file *f, unsigned long long size);
/* mm_file_size - the size of @f's inode in bytes (i_size, after any mm_file_truncate()). */
MMLAB_API unsigned long long mm_file_size(const struct mm_file *f);
/* mm_file_path - @f's path as it was opened; valid while @f has a reference. */
MMLAB_API const char *mm_file_path(const struct mm_file *f);

/* ---- address spaces and processes --------------------------------------------------------- */

enum mm_arch {
	MM_ARCH_X86_64,
	MM_ARCH_ARM64,
};

/* Flags of struct mm_exec_args. */
#define MM_EXEC_LEGACY_LAYOUT	0x01	/* bottom-up mmap from TASK_UNMAPPED_BASE (legacy_va_layout) */
#define MM_EXEC_NO_STACK	0x02	/* no [stack] VMA (seed it yourself) */
#define MM_EXEC_NO_VDSO		0x04	/* no [vvar], [vvar_vclock], [vdso] */
#define MM_EXEC_NO_VSYSCALL	0x08	/* no [vsyscall] line */
#define MM_EXEC_EMPTY		(MM_EXEC_NO_STACK | MM_EXEC_NO_VDSO | MM_EXEC_NO_VSYSCALL)
/*
 * PF_RANDOMIZE: mmap_base's gap also reserves the stack's random range (16 GiB on x86-64), as a
 * process with ASLR on. Without it the layout is that of `setarch -R` (mmap_base 0x7ffff7fff000).
 */
#define MM_EXEC_RANDOMIZE	0x10

/* Capabilities that change memory-syscall results (a root shell has all three). */
#define MM_CAP_IPC_LOCK		0x01	/* mlock beyond RLIMIT_MEMLOCK */
#define MM_CAP_SYS_RAWIO	0x02	/* map below mmap_min_addr */
#define MM_CAP_SYS_ADMIN	0x04	/* overcommit heuristic reserve (admin_reserve) */

/* One executable segment: mapped MAP_PRIVATE|MAP_FIXED from args->exe at exec. */
struct mm_exec_segment {
	unsigned long start, end;	/* page aligned */
	unsigned long prot;		/* PROT_* */
	unsigned long pgoff_bytes;
	unsigned long bss_end;		/* > end: an anonymous bss mapping [end, bss_end) */
};

#define MM_EXEC_MAX_SEGMENTS 8

/*
 * How execve lays out a new address space. Zero means "as the kernel would by default";
 * everything random in the kernel is given here instead (mmlab has no ASLR of its own).
 */
struct mm_exec_args {
	unsigned int flags;		/* MM_EXEC_* */
	unsigned int caps;		/* MM_CAP_* */
	unsigned long mmap_base;	/* 0: TASK_SIZE - gap - mmap_rnd, gap from RLIMIT_STACK */
	unsigned long mmap_rnd;		/* the random part of mmap_base (page aligned) */
	unsigned long stack_top;	/* 0: TASK_SIZE (STACK_TOP) minus stack_rnd */
	unsigned long stack_rnd;
	unsigned long stack_size;	/* initial [stack] VMA size; 0: 132 KiB as exec leaves it */
	struct mm_file *exe;		/* the executable, NULL for none */
	int nr_segments;
	struct mm_exec_segment segments[MM_EXEC_MAX_SEGMENTS];
	unsigned long start_brk;	/* 0: page after the last segment's bss_end/end + brk_rnd */
	unsigned long brk_rnd;
	/* Initial rlimits (cur = max); 0 keeps the default (STACK 8 MiB, MEMLOCK 8 MiB, rest inf). */
	unsigned long rlim_stack, rlim_memlock, rlim_data, rlim_as;
};

/* Default layout constants of x86-64 with 4-level page tables. */
#define MM_TASK_SIZE		0x00007ffffffff000UL
#define MM_TASK_UNMAPPED_BASE	(MM_TASK_SIZE / 3 & ~0xfffUL)	/* PAGE_ALIGN(TASK_SIZE / 3) */

/*
 * mm_create - a new address space laid out as execve leaves it with @args (NULL: all defaults).
 * Returns it with mm_users = 1, or NULL with *@err = -ENOMEM (FAULT_MISC/FAULT_VMA) or -EINVAL
 * (segments overlapping, unaligned). Not attached to any task: mmput() frees it.
 */
MMLAB_API struct mm_struct *mm_create(struct machine *m, const struct mm_exec_args *args, int *err);
/* mmget - one more user of @mm (a thread). mmput - drop one; the last tears the mm down. */
MMLAB_API void mmget(struct mm_struct *mm);
MMLAB_API void mmput(struct mm_struct *mm);
/*
 * dup_mm - fork's copy of @oldmm: every VMA but VM_DONTCOPY ones, VM_WIPEONFORK ones copied
 * empty (no anon_vma), locks not inherited (VM_LOCKED cleared, mlockall's MCL_FUTURE kept off),
 * accounting charged again. Returns the new mm or NULL with *@err (-ENOMEM: the kernel's fork
 * fails the same way when Committed_AS would exceed the limit).
 */
MMLAB_API struct mm_struct *dup_mm(struct mm_struct *oldmm, int *err);

/*
 * mm_task_exec_new - a new process with pid @pid (0: the next free pid) and a fresh address
 * space from @args. Returns 0 and *@out, -EEXIST if @pid is taken, -ENOMEM, -EINVAL.
 */
MMLAB_API int mm_task_exec_new(struct machine *m, int pid, const struct mm_exec_args *args,
			       struct mm_task **out);
/*
 * mm_task_exec - execve: @t gets a fresh address space from @args; the old one loses a user.
 * The resource limits carry over from the old address space, as the kernel keeps them per
 * process across exec (an rlim_* of @args, if non-zero, overrides one): RLIMIT_STACK decides
 * the new mmap_base (unlimited: the top-down layout with the largest gap, 5/6 of the space).
 * Returns 0, or a negative errno with @t unchanged.
 */
MMLAB_API int mm_task_exec(struct mm_task *t, const struct mm_exec_args *args);
/*
 * mm_task_personality - personality(2) of @t: sets it to @persona (0xffffffff: only asks) and
 * returns the old one. Kept by fork and exec; ADDR_COMPAT_LAYOUT makes the next exec lay the
 * address space out bottom-up (the legacy layout); READ_IMPLIES_EXEC is dropped at exec, as
 * the kernel drops it for every 64-bit program.
 */
MMLAB_API unsigned int mm_task_personality(struct mm_task *t, unsigned long persona);
/*
 * mm_task_clone - fork/vfork/clone/clone3 of @parent into a new task with pid @pid (0: next).
 * With CLONE_VM in @clone_flags the child shares the parent's mm (mm_users + 1), otherwise it
 * gets dup_mm(). Returns 0 and *@out, -EEXIST, -ENOMEM (state unchanged on error).
 */
MMLAB_API int mm_task_clone(struct mm_task *parent, unsigned long clone_flags, int pid,
			    struct mm_task **out);
/* mm_task_exit - exit/exit_group of one task: drops its mm user and its pid. @t is freed. */
MMLAB_API void mm_task_exit(struct mm_task *t);
/* mm_task_find - the live task with @pid on @m, or NULL. */
MMLAB_API struct mm_task *mm_task_find(struct machine *m, int pid);
/* mm_task_pid - the pid of @t. */
MMLAB_API int mm_task_pid(const struct mm_task *t);
/* mm_task_mm - the address space @t runs in (shared by its CLONE_VM threads); no reference. */
MMLAB_API struct mm_struct *mm_task_mm(const struct mm_task *t);
/* mm_task_set_comm - the Name: of /proc/PID/status (default "mmlab"). */
MMLAB_API void mm_task_set_comm(struct mm_task *t, const char *comm);

/* ---- per-mm settings ----------------------------------------------------------------------- */

/*
 * mm_setrlimit - setrlimit(2) for RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_MEMLOCK of @mm
 * (RLIM_INFINITY = ~0UL). Returns 0, -EINVAL (cur > max, other resource), -EPERM (raising max
 * without CAP_SYS_RESOURCE is allowed here: mmlab models root for limits). mm_getrlimit returns
 * the current soft limit (0 for a resource number out of range).
 */
MMLAB_API int mm_setrlimit(struct mm_struct *mm, int resource, unsigned long cur,
			   unsigned long max);
MMLAB_API unsigned long mm_getrlimit(struct mm_struct *mm, int resource);
/* mm_set_caps - MM_CAP_* of @mm's processes. */
MMLAB_API void mm_set_caps(struct mm_struct *mm, unsigned int caps);
/*
 * mm_set_mmap_base - where top-down allocation starts (the kernel randomizes it; replay infers it
 * from a maps snapshot). Returns 0 or -EINVAL (unaligned, above TASK_SIZE).
 */
MMLAB_API int mm_set_mmap_base(struct mm_struct *mm, unsigned long base);
/*
 * mm_set_brk_start - start_brk = brk = @start (as exec's randomize_brk decides). Returns 0,
 * -EINVAL if unaligned, -EBUSY if the heap is already non-empty.
 */
MMLAB_API int mm_set_brk_start(struct mm_struct *mm, unsigned long start);
/*
 * mm_seed_vma - insert a mapping as a /proc/PID/maps snapshot shows it, bypassing the syscall
 * checks (for replay --initial-maps and tests): [@start, @end) with PROT_* @prot, MAP_SHARED or
 * MAP_PRIVATE in @flags, @file (NULL: anonymous) at @pgoff_bytes, and @name for special mappings:
 * "[heap]" (sets start_brk/brk), "[stack]" (VM_GROWSDOWN, start_stack), "[vdso]", "[vvar]",
 * "[vvar_vclock]", "[vsyscall]" (the gate line), "[anon:NAME]" (prctl PR_SET_VMA_ANON_NAME), or
 * NULL. Returns 0, -EINVAL (unaligned, empty), -EEXIST (overlaps a VMA), -ENOMEM.
 */
MMLAB_API int mm_seed_vma(struct mm_struct *mm, unsigned long start, unsigned long end,
			  unsigned long prot, unsigned long flags, struct mm_file *file,
			  unsigned long pgoff_bytes, const char *name);

/* ---- the memory syscalls (x86-64 semantics) ------------------------------------------------ */

/*
 * mm_mmap - mmap(2). @file is the open file of the fd (NULL with MAP_ANONYMOUS; NULL without it
 * is a bad fd: -EBADF). @pgoff_bytes is the byte offset. Returns the address or a negative errno:
 * -EINVAL (len 0, offset unaligned, no or bad MAP_TYPE, ...), -EOPNOTSUPP (MAP_SHARED_VALIDATE
 * with an unknown flag), -EACCES (file mode), -EPERM (noexec, below mmap_min_addr), -ENODEV,
 * -EEXIST (MAP_FIXED_NOREPLACE), -ENOMEM (no room, max_map_count, RLIMIT_AS/DATA, commit), -EAGAIN
 * (MAP_LOCKED over RLIMIT_MEMLOCK), -EOVERFLOW (pgoff + len wraps). Errors in the kernel's order.
 */
MMLAB_API long mm_mmap(struct mm_struct *mm, unsigned long addr, unsigned long len,
		       unsigned long prot, unsigned long flags, struct mm_file *file,
		       unsigned long pgoff_bytes);
/* mm_munmap - munmap(2). Returns 0, -EINVAL (unaligned, len 0, beyond TASK_SIZE), -ENOMEM
 * (a split would exceed max_map_count, or VMA allocation failed). */
MMLAB_API int mm_munmap(struct mm_struct *mm, unsigned long addr, unsigned long len);
/* mm_mprotect - mprotect(2), also pkey-less PROT_GROWSDOWN. Returns 0, -EINVAL, -ENOMEM (hole:
 * after changing what precedes it, as the kernel), -EACCES (file mode forbids), -EPERM. */
MMLAB_API int mm_mprotect(struct mm_struct *mm, unsigned long start, unsigned long len,
			  unsigned long prot);
/* mm_mremap - mremap(2), every mode. Returns the new address or -EINVAL, -ENOMEM, -EFAULT, -EAGAIN. */
MMLAB_API long mm_mremap(struct mm_struct *mm, unsigned long old_addr, unsigned long old_len,
			 unsigned long new_len, unsigned long flags, unsigned long new_addr);
/* mm_brk - brk(2): returns the new break, or the current one if the request is refused. */
MMLAB_API unsigned long mm_brk(struct mm_struct *mm, unsigned long brk);
/* mm_madvise - madvise(2). Returns 0, -EINVAL, -ENOMEM (a hole: after applying elsewhere),
 * -EBADF, -EAGAIN, -EPERM, -EIO as the kernel for the advice. */
MMLAB_API int mm_madvise(struct mm_struct *mm, unsigned long start, unsigned long len, int advice);
/* mm_mlock/mm_mlock2/mm_munlock - Returns 0, -EINVAL, -ENOMEM (hole or over the limit), -EPERM
 * (RLIMIT_MEMLOCK 0 without CAP_IPC_LOCK), -EAGAIN. */
MMLAB_API int mm_mlock(struct mm_struct *mm, unsigned long start, unsigned long len);
MMLAB_API int mm_mlock2(struct mm_struct *mm, unsigned long start, unsigned long len,
			unsigned int flags);
MMLAB_API int mm_munlock(struct mm_struct *mm, unsigned long start, unsigned long len);
/* mm_mlockall - MCL_* flags. Returns 0, -EINVAL, -ENOMEM, -EPERM. mm_munlockall returns 0. */
MMLAB_API int mm_mlockall(struct mm_struct *mm, int flags);
MMLAB_API int mm_munlockall(struct mm_struct *mm);
/* mm_msync - msync(2). Returns 0, -EINVAL, -ENOMEM (hole), -EBUSY (MS_INVALIDATE on locked). */
MMLAB_API int mm_msync(struct mm_struct *mm, unsigned long start, unsigned long len, int flags);
/* What a write to /proc/<pid>/clear_refs asks for (the kernel's enum clear_refs_types). */
enum mm_clear_refs_type {
	MM_CLEAR_REFS_ALL = 1,		/* accessed bits and PG_referenced of every page */
	MM_CLEAR_REFS_ANON = 2,		/* ... of anonymous VMAs' pages */
	MM_CLEAR_REFS_MAPPED = 3,	/* ... of file VMAs' pages */
	MM_CLEAR_REFS_SOFT_DIRTY = 4,	/* soft-dirty bits (machine_config.soft_dirty only) */
	MM_CLEAR_REFS_MM_HIWATER_RSS = 5, /* VmHWM back to the current RSS */
};
/*
 * mm_clear_refs - what writing @type to /proc/<pid>/clear_refs does to @mm: clear the accessed
 * bits and PG_referenced of the pages chosen (smaps' Referenced then counts what is touched
 * afterwards), or with soft-dirty clear every soft-dirty bit and write-protect the entries so
 * the next write faults, or reset VmHWM. Takes the mmap_lock itself. Returns 0 or -EINVAL.
 */
MMLAB_API int mm_clear_refs(struct mm_struct *mm, int type);
/* mm_mincore - mincore(2) into @vec (len pages). Returns 0, -EINVAL, -ENOMEM, -EFAULT (vec NULL). */
MMLAB_API int mm_mincore(struct mm_struct *mm, unsigned long start, unsigned long len,
			 unsigned char *vec);
/* The kinds of a user access (mm_access). */
enum mm_access_kind {
	MM_ACCESS_READ,		/* a load */
	MM_ACCESS_WRITE,	/* a store */
	MM_ACCESS_EXEC,		/* an instruction fetch */
};

/*
 * mm_access - what a CPU does for a user access of @len bytes at @addr: each page it covers,
 * in ascending order, is walked in the page tables, and where the hardware refuses (no PTE,
 * write-protected, no execute) the fault handler runs: stack growth below a VM_GROWSDOWN VMA,
 * the access check, then demand paging (the zero page on a read of private anonymous memory,
 * a zeroed frame on a write) and copy-on-write. The pages before a failing one stay touched.
 * File and shared mappings have no pages yet: their faults only mark the VMA resident. Returns
 * 0, -EFAULT (SIGSEGV SEGV_MAPERR: no VMA, or beyond TASK_SIZE), -EACCES (SIGSEGV
 * SEGV_ACCERR), -EIO (SIGBUS: a file page past the end of the file), -ENOMEM (VM_FAULT_OOM: no
 * frame or page table could be allocated; nothing is left half-mapped).
 */
MMLAB_API int mm_access(struct mm_struct *mm, unsigned long addr, unsigned long len,
			enum mm_access_kind kind);
/* mm_touch - mm_access of the one byte at @addr, a store if @write, else a load. */
MMLAB_API int mm_touch(struct mm_struct *mm, unsigned long addr, bool write);
/*
 * access_process_vm - copy @len bytes between @buf and @mm's memory at @addr, through its page
 * tables as the process's own loads (@write false: into @buf) or stores (@write true: from
 * @buf) would, faulting pages in and breaking copy-on-write on the way. Returns the number of
 * bytes copied if any, else the errno of mm_access(); -EOPNOTSUPP for memory without pages
 * (file and shared mappings, until the page cache exists).
 */
MMLAB_API long access_process_vm(struct mm_struct *mm, unsigned long addr, void *buf,
				 unsigned long len, bool write);

/* ---- views --------------------------------------------------------------------------------- */

/* Counters of one address space, in pages unless said (the seeds' mm_struct fields). */
struct mm_stats {
	unsigned long total_vm, locked_vm, pinned_vm, data_vm, exec_vm, stack_vm;
	int map_count;
	int mm_users, mm_count;
	unsigned long start_code, end_code, start_data, end_data;	/* addresses */
	unsigned long start_brk, brk, start_stack;
	unsigned long mmap_base, mmap_legacy_base, task_size;
	unsigned long def_flags;	/* VM_LOCKED etc. after mlockall(MCL_FUTURE) */
	unsigned long hiwater_vm;
};
/* mm_get_stats - fill @st with @mm's counters, read together under its mmap_lock. */
MMLAB_API void mm_get_stats(struct mm_struct *mm, struct mm_stats *st);

/* One VMA as seen from outside (a snapshot). */
struct mm_vma_info {
	unsigned long start, end, vm_flags, pgoff;	/* pgoff in pages */
	const struct mm_file *file;
	unsigned long anon_vma_id;			/* 0: none */
	char name[64];					/* "[heap]", "[stack]", ... or "" */
};

/*
 * mm_vma_at - find_vma(): the first VMA ending above @addr. Returns true and fills @info, or
 * false if there is none. Iterate with addr = info.end.
 */
MMLAB_API bool mm_vma_at(struct mm_struct *mm, unsigned long addr, struct mm_vma_info *info);

/*
 * mm_maps_read - /proc/PID/maps of @mm into @buf (truncated to @size, NUL-terminated). Returns
 * the full length, as mmlab_proc_read(). mm_maps_print writes it to @out; returns 0, -ENOMEM, or
 * -EIO if @out did not take every byte.
 */
MMLAB_API long mm_maps_read(struct mm_struct *mm, char *buf, size_t size);
MMLAB_API int mm_maps_print(struct mm_struct *mm, FILE *out);

/* The bits of a /proc/PID/pagemap entry (Documentation/admin-guide/mm/pagemap.rst). */
#define MM_PAGEMAP_PFN_MASK	((1ULL << 55) - 1)	/* bits 0-54: the frame number */
#define MM_PAGEMAP_SOFT_DIRTY	(1ULL << 55)
#define MM_PAGEMAP_EXCLUSIVE	(1ULL << 56)		/* mapped by exactly one PTE */
#define MM_PAGEMAP_FILE		(1ULL << 61)		/* a file page or shared anonymous */
#define MM_PAGEMAP_SWAP		(1ULL << 62)
#define MM_PAGEMAP_PRESENT	(1ULL << 63)
/* Flags of mm_pagemap_read(). */
#define MM_PAGEMAP_SHOW_PFN	0x1	/* the reader has CAP_SYS_ADMIN: frame numbers, not 0 */
#define MM_PAGEMAP_SOFT_DIRTY_ON 0x2	/* as a kernel with CONFIG_MEM_SOFT_DIRTY (the host's is off) */

/*
 * mm_pagemap_read - the pagemap entries of the @nr pages from @addr (page aligned) into
 * @entries, as a read of /proc/PID/pagemap at offset (@addr / 4096) * 8 returns them: holes
 * and pages with no PTE are 0; a present PTE has bit 63, its frame number (with
 * MM_PAGEMAP_SHOW_PFN), bit 56 if its page is mapped once, bit 61 if it is not an anonymous
 * page; the zero page is present and not exclusive. Takes the mmap_lock for reading. Returns
 * the number of entries filled (fewer than @nr where TASK_SIZE ends the file), or -EINVAL
 * if @addr is not page aligned.
 */
MMLAB_API long mm_pagemap_read(struct mm_struct *mm, unsigned long addr, uint64_t *entries,
			       unsigned long nr, unsigned int flags);

/* One mapping of a frame that mm_rmap_walk() found: the process and the virtual address. */
struct mm_rmap_mapping {
	int pid;		/* a task of the address space (the lowest pid if several share it) */
	unsigned long addr;	/* where it maps the frame (the 4 KiB page inside a THP) */
	unsigned long anon_vma;	/* the identity of that VMA's own anon_vma */
};

/*
 * mm_rmap_walk - the reverse map of an anonymous frame, as the kernel's rmap_walk_anon walks
 * it: from the frame's anon_vma to every VMA linked to it, keeping those whose page tables map
 * the frame at the one address it can have there. Fills up to @max of @out (in the walk's
 * order) and returns how many mappings there are in all, 0 for a frame no process maps, or
 * -EINVAL for a pfn that is not RAM or a frame that is not anonymous. Takes the frame's
 * anon_vma lock; the caller must not be changing those address spaces meanwhile.
 */
MMLAB_API long mm_rmap_walk(struct machine *m, unsigned long pfn, struct mm_rmap_mapping *out,
			    size_t max);

/* mm_check - the invariant checker of one mm. Returns 0 or -EUCLEAN with a reason in @why. */
MMLAB_API int mm_check(struct mm_struct *mm, char *why, size_t why_size);

/* ---- protections -------------------------------------------------------------------------- */

/*
 * vm_get_page_prot_arch - the page-table protection bits protection_map[] gives for the
 * VM_READ|VM_WRITE|VM_EXEC|VM_SHARED bits of @vm_flags on @arch (x86-64: _PAGE_* bits; ARM64:
 * PTE_* bits of a user page).
 */
MMLAB_API unsigned long long vm_get_page_prot_arch(enum mm_arch arch, unsigned long vm_flags);

#endif /* MMLAB_MM_H */
