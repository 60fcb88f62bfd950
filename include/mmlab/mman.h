/*
 * mmlab/mman.h - the constants of the memory syscalls: PROT_*, MAP_*, MREMAP_*, MADV_*, MCL_*,
 * MLOCK_*, MS_*, with the Linux x86-64 ABI values.
 *
 * The host's <sys/mman.h> is included first: on a Linux host its values are the ABI values
 * (src/vm/mman_abi.c checks that at compile time), and including it here means a program may
 * include both headers in any order. Values the host's C library does not define yet are
 * defined here with the kernel's numbers.
 */
#ifndef MMLAB_MMAN_H
#define MMLAB_MMAN_H

#include <fcntl.h>		/* O_RDONLY, O_WRONLY, O_RDWR for mm_file_open() */
#include <sys/mman.h>
#include <sys/resource.h>	/* RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_MEMLOCK */

#ifndef PROT_SEM
#define PROT_SEM		0x8
#endif
#ifndef PROT_GROWSDOWN
#define PROT_GROWSDOWN		0x01000000
#endif
#ifndef PROT_GROWSUP
#define PROT_GROWSUP		0x02000000
#endif

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE	0x03
#endif
#ifndef MAP_TYPE
#define MAP_TYPE		0x0f
#endif
#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE		0x08
#endif
#ifndef MAP_32BIT
#define MAP_32BIT		0x40
#endif
#ifndef MAP_GROWSDOWN
#define MAP_GROWSDOWN		0x0100
#endif
#ifndef MAP_DENYWRITE
#define MAP_DENYWRITE		0x0800
#endif
#ifndef MAP_EXECUTABLE
#define MAP_EXECUTABLE		0x1000
#endif
#ifndef MAP_LOCKED
#define MAP_LOCKED		0x2000
#endif
#ifndef MAP_NORESERVE
#define MAP_NORESERVE		0x4000
#endif
#ifndef MAP_POPULATE
#define MAP_POPULATE		0x8000
#endif
#ifndef MAP_NONBLOCK
#define MAP_NONBLOCK		0x10000
#endif
#ifndef MAP_STACK
#define MAP_STACK		0x20000
#endif
#ifndef MAP_HUGETLB
#define MAP_HUGETLB		0x40000
#endif
#ifndef MAP_SYNC
#define MAP_SYNC		0x80000
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED	0x4000000
#endif

#ifndef MREMAP_MAYMOVE
#define MREMAP_MAYMOVE		1
#endif
#ifndef MREMAP_FIXED
#define MREMAP_FIXED		2
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif

#ifndef MADV_FREE
#define MADV_FREE		8
#endif
#ifndef MADV_REMOVE
#define MADV_REMOVE		9
#endif
#ifndef MADV_DONTFORK
#define MADV_DONTFORK		10
#endif
#ifndef MADV_DOFORK
#define MADV_DOFORK		11
#endif
#ifndef MADV_MERGEABLE
#define MADV_MERGEABLE		12
#endif
#ifndef MADV_UNMERGEABLE
#define MADV_UNMERGEABLE	13
#endif
#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE		14
#endif
#ifndef MADV_NOHUGEPAGE
#define MADV_NOHUGEPAGE		15
#endif
#ifndef MADV_DONTDUMP
#define MADV_DONTDUMP		16
#endif
#ifndef MADV_DODUMP
#define MADV_DODUMP		17
#endif
#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK		18
#endif
#ifndef MADV_KEEPONFORK
#define MADV_KEEPONFORK		19
#endif
#ifndef MADV_COLD
#define MADV_COLD		20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT		21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif
#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED	24
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE		25
#endif
#ifndef MADV_HWPOISON
#define MADV_HWPOISON		100
#endif
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE	101
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL	102
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE	103
#endif

#ifndef MCL_CURRENT
#define MCL_CURRENT		1
#endif
#ifndef MCL_FUTURE
#define MCL_FUTURE		2
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT		4
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT		0x01
#endif

#ifndef MS_ASYNC
#define MS_ASYNC		1
#endif
#ifndef MS_INVALIDATE
#define MS_INVALIDATE		2
#endif
#ifndef MS_SYNC
#define MS_SYNC			4
#endif

/* clone() flags the address-space layer looks at. */
#ifndef CLONE_VM
#define CLONE_VM		0x00000100
#endif
#ifndef CLONE_VFORK
#define CLONE_VFORK		0x00004000
#endif
#ifndef CLONE_THREAD
#define CLONE_THREAD		0x00010000
#endif

#endif /* MMLAB_MMAN_H */
