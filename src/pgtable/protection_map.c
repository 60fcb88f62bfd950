/*
 * protection_map.c - from vm_flags to page-table protection bits, per architecture: the
 * kernel's protection_map[16], indexed by VM_READ|VM_WRITE|VM_EXEC|VM_SHARED.
 *
 * Model. A private writable mapping is mapped read-only until written (copy-on-write), so
 * every private entry lacks the write bit; PROT_WRITE alone implies read on both architectures;
 * PROT_EXEC alone is readable (no execute-only pages without Enhanced PAN on ARM64, and none on
 * x86-64 without protection keys). x86-64 marks a PROT_NONE page present-but-inaccessible
 * with _PAGE_PROTNONE (the global bit, never set on user pages) and sets NX on non-executable
 * pages. ARM64 clears PTE_VALID for PROT_NONE and marks it with PTE_NG ("present invalid"),
 * sets PTE_UXN on non-executable and PTE_PXN on all user pages, and expresses write permission
 * as PTE_WRITE (the DBM bit) over PTE_RDONLY, as the kernel does for hardware dirty tracking.
 */
#include "vm/internal.h"

/* x86-64 page-table entry bits. */
#define X86_PRESENT	0x001ULL
#define X86_RW		0x002ULL
#define X86_USER	0x004ULL
#define X86_ACCESSED	0x020ULL
#define X86_PROTNONE	0x100ULL	/* _PAGE_GLOBAL reused */
#define X86_NX		(1ULL << 63)

#define X86_PAGE_NONE		(X86_ACCESSED | X86_PROTNONE)
#define X86_PAGE_SHARED		(X86_PRESENT | X86_RW | X86_USER | X86_ACCESSED | X86_NX)
#define X86_PAGE_SHARED_EXEC	(X86_PRESENT | X86_RW | X86_USER | X86_ACCESSED)
#define X86_PAGE_COPY		(X86_PRESENT | X86_USER | X86_ACCESSED | X86_NX)
#define X86_PAGE_COPY_EXEC	(X86_PRESENT | X86_USER | X86_ACCESSED)
#define X86_PAGE_READONLY	(X86_PRESENT | X86_USER | X86_ACCESSED | X86_NX)
#define X86_PAGE_READONLY_EXEC	(X86_PRESENT | X86_USER | X86_ACCESSED)

static const unsigned long long x86_64_protection_map[16] = {
	[VM_NONE]					= X86_PAGE_NONE,
	[VM_READ]					= X86_PAGE_READONLY,
	[VM_WRITE]					= X86_PAGE_COPY,
	[VM_WRITE | VM_READ]				= X86_PAGE_COPY,
	[VM_EXEC]					= X86_PAGE_READONLY_EXEC,
	[VM_EXEC | VM_READ]				= X86_PAGE_READONLY_EXEC,
	[VM_EXEC | VM_WRITE]				= X86_PAGE_COPY_EXEC,
	[VM_EXEC | VM_WRITE | VM_READ]			= X86_PAGE_COPY_EXEC,
	[VM_SHARED]					= X86_PAGE_NONE,
	[VM_SHARED | VM_READ]				= X86_PAGE_READONLY,
	[VM_SHARED | VM_WRITE]				= X86_PAGE_SHARED,
	[VM_SHARED | VM_WRITE | VM_READ]		= X86_PAGE_SHARED,
	[VM_SHARED | VM_EXEC]				= X86_PAGE_READONLY_EXEC,
	[VM_SHARED | VM_EXEC | VM_READ]			= X86_PAGE_READONLY_EXEC,
	[VM_SHARED | VM_EXEC | VM_WRITE]		= X86_PAGE_SHARED_EXEC,
	[VM_SHARED | VM_EXEC | VM_WRITE | VM_READ]	= X86_PAGE_SHARED_EXEC,
};

/* ARM64 page-table entry bits (4 KiB granule, stage 1). */
#define A64_VALID	(1ULL << 0)
#define A64_TYPE_PAGE	(3ULL << 0)
#define A64_USER	(1ULL << 6)	/* AP[1] */
#define A64_RDONLY	(1ULL << 7)	/* AP[2] */
#define A64_SHARED	(3ULL << 8)	/* SH: inner shareable */
#define A64_AF		(1ULL << 10)
#define A64_NG		(1ULL << 11)
#define A64_WRITE	(1ULL << 51)	/* DBM */
#define A64_PXN		(1ULL << 53)
#define A64_UXN		(1ULL << 54)

#define A64_PAGE_DEFAULT	(A64_TYPE_PAGE | A64_AF | A64_SHARED | A64_NG)	/* ATTRINDX 0: normal */
#define A64_PAGE_NONE		((A64_PAGE_DEFAULT & ~A64_VALID) | A64_NG | A64_RDONLY | A64_PXN | A64_UXN)
#define A64_PAGE_SHARED		(A64_PAGE_DEFAULT | A64_USER | A64_RDONLY | A64_PXN | A64_UXN | A64_WRITE)
#define A64_PAGE_SHARED_EXEC	(A64_PAGE_DEFAULT | A64_USER | A64_RDONLY | A64_PXN | A64_WRITE)
#define A64_PAGE_READONLY	(A64_PAGE_DEFAULT | A64_USER | A64_RDONLY | A64_PXN | A64_UXN)
#define A64_PAGE_READONLY_EXEC	(A64_PAGE_DEFAULT | A64_USER | A64_RDONLY | A64_PXN)

static const unsigned long long arm64_protection_map[16] = {
	[VM_NONE]					= A64_PAGE_NONE,
	[VM_READ]					= A64_PAGE_READONLY,
	[VM_WRITE]					= A64_PAGE_READONLY,
	[VM_WRITE | VM_READ]				= A64_PAGE_READONLY,
	[VM_EXEC]					= A64_PAGE_READONLY_EXEC,
	[VM_EXEC | VM_READ]				= A64_PAGE_READONLY_EXEC,
	[VM_EXEC | VM_WRITE]				= A64_PAGE_READONLY_EXEC,
	[VM_EXEC | VM_WRITE | VM_READ]			= A64_PAGE_READONLY_EXEC,
	[VM_SHARED]					= A64_PAGE_NONE,
	[VM_SHARED | VM_READ]				= A64_PAGE_READONLY,
	[VM_SHARED | VM_WRITE]				= A64_PAGE_SHARED,
	[VM_SHARED | VM_WRITE | VM_READ]		= A64_PAGE_SHARED,
	[VM_SHARED | VM_EXEC]				= A64_PAGE_READONLY_EXEC,
	[VM_SHARED | VM_EXEC | VM_READ]			= A64_PAGE_READONLY_EXEC,
	[VM_SHARED | VM_EXEC | VM_WRITE]		= A64_PAGE_SHARED_EXEC,
	[VM_SHARED | VM_EXEC | VM_WRITE | VM_READ]	= A64_PAGE_SHARED_EXEC,
};

unsigned long long vm_get_page_prot_arch(enum mm_arch arch, unsigned long vm_flags)
{
	unsigned long idx = vm_flags & (VM_READ | VM_WRITE | VM_EXEC | VM_SHARED);

	return arch == MM_ARCH_ARM64 ? arm64_protection_map[idx] : x86_64_protection_map[idx];
}

unsigned long long vm_get_page_prot(unsigned long vm_flags)
{
	return vm_get_page_prot_arch(MM_ARCH_X86_64, vm_flags);
}
