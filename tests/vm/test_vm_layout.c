/*
 * test_vm_layout.c - the exec layout and placement rules, with the addresses the host kernel
 * gives a process under `setarch -R` (no randomization): mmap_base, the vDSO pages, [stack],
 * THP alignment of 2 MiB multiples, hints, the stack guard gap, brk and [heap], the legacy
 * layout, max_map_count, fork/CLONE_VM/exit, /proc/PID/maps and status, protection_map.
 */
#include "vmtest.h"

#include <mmlab/proc.h>

#define MB (1UL << 20)

static struct vmt boot_default(void)
{
	struct vmt t;
	struct mm_exec_args args = { 0 };

	t.m = test_boot(256ULL << 20, 1, 2);
	vm_set_mmap_min_addr(t.m, 4096);
	assert_int_equal(mm_task_exec_new(t.m, 0, &args, &t.task), 0);
	t.mm = mm_task_mm(t.task);
	return t;
}

/*
 *   7ffff7ff7000 [vvar] [vvar_vclock] [vdso] 7ffff7fff000 = mmap_base ... [stack] 7ffffffff000
 */
static void test_exec_layout_and_maps_format(void **state)
{
	struct vmt t = boot_default();
	struct mm_stats st;
	char *maps;

	(void)state;
	mm_get_stats(t.mm, &st);
	assert_int_equal(st.mmap_base, 0x7ffff7fff000UL);
	maps = vmt_maps(t.mm);
	assert_string_equal(maps,
		"7ffff7ff7000-7ffff7ffb000 r--p 00000000 00:00 0                          [vvar]\n"
		"7ffff7ffb000-7ffff7ffd000 r--p 00000000 00:00 0                          [vvar_vclock]\n"
		"7ffff7ffd000-7ffff7fff000 r-xp 00000000 00:00 0                          [vdso]\n"
		"7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]\n"
		"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n");
	free(maps);
	vmt_teardown(&t);
}

/*
 * The vDSO and vvar pages are special (VM_DONTEXPAND, vvar also VM_PFNMAP): mremap may move
 * them, but not grow them (EFAULT) or leave a copy behind with MREMAP_DONTUNMAP (EINVAL, checked
 * before the range is, as the host kernel answers: seed 219366 of test_replay_diff).
 */
static void test_special_mremap(void **state)
{
	struct vmt t = boot_default();
	const unsigned long vdso = 0x7ffff7ffd000UL, vvar = 0x7ffff7ff7000UL;
	const unsigned long dontunmap = MREMAP_MAYMOVE | MREMAP_DONTUNMAP;

	(void)state;
	assert_int_equal(mm_mremap(t.mm, vdso, 4096, 4096, dontunmap, 0), -EINVAL);
	assert_int_equal(mm_mremap(t.mm, vvar, 4096, 4096, dontunmap, 0), -EINVAL);
	assert_int_equal(mm_mremap(t.mm, vdso, 3 * 4096, 3 * 4096, dontunmap, 0), -EINVAL);
	assert_int_equal(mm_mremap(t.mm, vdso, 8192, 3 * 4096, MREMAP_MAYMOVE, 0), -EFAULT);
	assert_int_equal(mm_mremap(t.mm, vdso, 3 * 4096, 3 * 4096, MREMAP_MAYMOVE, 0), 0x7ffff7ffd000L);
	vmt_teardown(&t);
}

/*
 * Who gets THP-aligned placement (host kernel 6.18, shmem huge pages off): files on disk file
 * systems and private /dev/zero (aligned unless a hint is free); not tmpfs files such as a
 * memfd, nor shared /dev/zero or shared anonymous memory, which shmem places. Replay seeds
 * 250699 and 57 of test_replay_diff found the two that were wrong.
 */
static void test_thp_placement_by_file(void **state)
{
	struct mm_file_desc disk = { .path = "/data/f", .dev_major = 8, .dev_minor = 1, .ino = 12,
				     .open_flags = O_RDWR, .size = 8 * MB, .kind = MM_FILE_REGULAR };
	struct mm_file_desc memfd = { .path = "/memfd:x (deleted)", .dev_minor = 1, .ino = 7,
				      .open_flags = O_RDWR, .size = 8 * MB, .kind = MM_FILE_REGULAR,
				      .tmpfs = true };
	struct mm_file_desc zero = { .path = "/dev/zero", .dev_minor = 5, .ino = 4,
				     .open_flags = O_RDWR, .kind = MM_FILE_DEV_ZERO };
	const unsigned long rw = PROT_READ | PROT_WRITE, top = 0x7ffff7ff7000UL;	/* [vvar] */
	struct vmt t = boot_default();
	struct mm_file *f[3];
	long a;

	(void)state;
	f[0] = mm_file_open(t.m, &disk);
	f[1] = mm_file_open(t.m, &memfd);
	f[2] = mm_file_open(t.m, &zero);
	assert_non_null(f[0]);
	assert_non_null(f[1]);
	assert_non_null(f[2]);
	/* shmem's placement: just below [vvar], not aligned. */
	a = mm_mmap(t.mm, 0, 2 * MB, rw, MAP_SHARED, f[1], 0);
	assert_int_equal(a, (long)(top - 2 * MB));
	assert_int_equal(mm_munmap(t.mm, (unsigned long)a, 2 * MB), 0);
	a = mm_mmap(t.mm, 0, 2 * MB, rw, MAP_SHARED, f[2], 0);
	assert_int_equal(a, (long)(top - 2 * MB));
	assert_int_equal(mm_munmap(t.mm, (unsigned long)a, 2 * MB), 0);
	a = mm_mmap(t.mm, 0, 2 * MB, rw, MAP_SHARED | MAP_ANONYMOUS, NULL, 0);
	assert_int_equal(a, (long)(top - 2 * MB));
	assert_int_equal(mm_munmap(t.mm, (unsigned long)a, 2 * MB), 0);
	/* THP placement: on a 2 MiB boundary. */
	assert_int_equal(mm_mmap(t.mm, 0, 2 * MB, rw, MAP_SHARED, f[0], 0), 0x7ffff7c00000L);
	assert_int_equal(mm_mmap(t.mm, 0, 2 * MB, rw, MAP_PRIVATE, f[2], 0), 0x7ffff7a00000L);
	/* A private /dev/zero hint that is taken: aligned below, not next to it. */
	assert_int_equal(mm_mmap(t.mm, 0x7ffff7a00000UL, 2 * MB, rw, MAP_PRIVATE, f[2], 0),
			 0x7ffff7800000L);
	/* A free hint is used as it is. */
	assert_int_equal(mm_mmap(t.mm, 0x7f0000001000UL, 2 * MB, rw, MAP_PRIVATE, f[2], 0),
			 0x7f0000001000L);
	for (int i = 0; i < 3; i++)
		mm_file_put(f[i]);
	vmt_teardown(&t);
}

/*
 * Moving a locked mapping faults in only what grew (host kernel 6.18; test_host_diff seed
 * 5012). A VMA locked by an mlock that failed on a hole was never faulted in: moved at the same
 * length it still has no anon_vma, so mprotect(PROT_NONE) takes back its commit charge
 * (VM_ACCOUNT goes). Moved and grown, it is faulted in and keeps the charge.
 */
static void test_locked_move_populates_growth_only(void **state)
{
	const unsigned long a = 0x310000000000UL, b = 0x310000100000UL, c = 0x310000200000UL;
	const unsigned long rw = PROT_READ | PROT_WRITE, fixed = MREMAP_MAYMOVE | MREMAP_FIXED;
	const int anon = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
	struct vmt t = boot_default();
	struct mm_vma_info vi;

	(void)state;
	assert_int_equal(mm_mmap(t.mm, a, 2 * PAGE_SIZE, rw, anon, NULL, 0), (long)a);
	assert_int_equal(mm_mlock(t.mm, a, 3 * PAGE_SIZE), -ENOMEM);	/* locks, no fault-in */
	assert_true(mm_vma_at(t.mm, a, &vi) && (vi.vm_flags & VM_LOCKED));
	assert_int_equal(mm_mremap(t.mm, a, 2 * PAGE_SIZE, 2 * PAGE_SIZE, fixed, b), (long)b);
	assert_int_equal(mm_mprotect(t.mm, b, PAGE_SIZE, PROT_NONE), 0);
	assert_true(mm_vma_at(t.mm, b, &vi));
	assert_true(vi.vm_flags & VM_LOCKED);
	assert_false(vi.vm_flags & VM_ACCOUNT);
	assert_true(mm_vma_at(t.mm, b + PAGE_SIZE, &vi) && (vi.vm_flags & VM_ACCOUNT));

	assert_int_equal(mm_mremap(t.mm, b + PAGE_SIZE, PAGE_SIZE, 2 * PAGE_SIZE, fixed, c), (long)c);
	assert_int_equal(mm_mprotect(t.mm, c, PAGE_SIZE, PROT_NONE), 0);
	assert_true(mm_vma_at(t.mm, c, &vi) && (vi.vm_flags & VM_ACCOUNT));
	vmt_teardown(&t);
}

/*
 * A file page at or past the end of the file cannot be faulted in: the host raises SIGBUS
 * (test_host_diff seeds 9043 and 9054 wrote there), mm_touch returns -EIO, shared or private.
 */
static void test_touch_past_eof(void **state)
{
	struct mm_file_desc small = { .path = "/data/small", .dev_major = 8, .dev_minor = 1,
				      .ino = 13, .open_flags = O_RDWR, .size = 5000,
				      .kind = MM_FILE_REGULAR };
	const unsigned long a = 0x310000000000UL, rw = PROT_READ | PROT_WRITE;
	struct vmt t = boot_default();
	struct mm_file *f = mm_file_open(t.m, &small);

	(void)state;
	assert_non_null(f);
	assert_int_equal(mm_mmap(t.mm, a, 4 * PAGE_SIZE, rw, MAP_SHARED | MAP_FIXED, f, 0), (long)a);
	assert_int_equal(mm_touch(t.mm, a, true), 0);
	assert_int_equal(mm_touch(t.mm, a + PAGE_SIZE + 7, false), 0);	/* byte 4103 < 5000 */
	assert_int_equal(mm_touch(t.mm, a + 2 * PAGE_SIZE, true), -EIO);
	assert_int_equal(mm_touch(t.mm, a + 3 * PAGE_SIZE, false), -EIO);
	/* Private, from page 1 of the file: only that page is inside it. */
	assert_int_equal(mm_mmap(t.mm, a + 8 * PAGE_SIZE, 2 * PAGE_SIZE, rw, MAP_PRIVATE | MAP_FIXED,
				 f, PAGE_SIZE), (long)(a + 8 * PAGE_SIZE));
	assert_int_equal(mm_touch(t.mm, a + 8 * PAGE_SIZE, true), 0);
	assert_int_equal(mm_touch(t.mm, a + 9 * PAGE_SIZE, true), -EIO);
	/* Growing the file makes the page reachable. */
	assert_int_equal(mm_file_truncate(f, 4 * PAGE_SIZE), 0);
	assert_int_equal(mm_touch(t.mm, a + 3 * PAGE_SIZE, true), 0);
	mm_file_put(f);
	vmt_teardown(&t);
}

/* The gap follows RLIMIT_STACK: 8 MiB + guard < 128 MiB, so 128 MiB; with 1 GiB, 1 GiB + 1 MiB. */
static void test_mmap_base_from_rlimit(void **state)
{
	struct mm_exec_args args = { .flags = MM_EXEC_EMPTY, .rlim_stack = 1UL << 30 };
	struct mm_struct *mm;
	struct mm_stats st;
	struct machine *m = test_boot(64ULL << 20, 1, 1);
	int err;

	(void)state;
	mm = mm_create(m, &args, &err);
	assert_non_null(mm);
	mm_get_stats(mm, &st);
	assert_int_equal(st.mmap_base, MM_TASK_SIZE - (1UL << 30) - MB);
	mmput(mm);
	args.flags |= MM_EXEC_RANDOMIZE;
	args.rlim_stack = 0;
	args.mmap_rnd = 0x1234000;
	mm = mm_create(m, &args, &err);
	mm_get_stats(mm, &st);
	/* 8 MiB + 1 MiB guard + 16 GiB of stack randomization, minus the random offset. */
	assert_int_equal(st.mmap_base, MM_TASK_SIZE - (8 * MB + MB + 0x3fffff000UL) - 0x1234000);
	mmput(mm);
	machine_shutdown(m);
}

/*
 * Top-down placement under the vDSO: a 2 MiB anonymous mapping is THP-aligned (the host gives
 * 0x7ffff7c00000 here), a 3 MiB one is not a multiple of 2 MiB and goes right below it.
 */
static void test_topdown_thp_alignment(void **state)
{
	struct vmt t = boot_default();

	(void)state;
	assert_int_equal(mm_mmap(t.mm, 0, 2 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				 NULL, 0), 0x7ffff7c00000L);
	assert_int_equal(mm_mmap(t.mm, 0, 3 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				 NULL, 0), 0x7ffff7900000L);
	assert_int_equal(mm_mmap(t.mm, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0),
			 0x7ffff7ff6000L);
	vmt_teardown(&t);
}

/*
 *  ....hint....|<- 1 MiB stack_guard_gap ->|[stack]
 *  a hint inside the guard gap is refused (placed top-down); one below it is taken
 */
static void test_stack_guard_gap(void **state)
{
	struct vmt t = boot_default();
	unsigned long stack = 0x7ffffffde000UL;
	long r;

	(void)state;
	r = mm_mmap(t.mm, stack - 0x10000, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	assert_int_not_equal(r, (long)(stack - 0x10000));
	r = mm_mmap(t.mm, stack - MB - PAGE_SIZE, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		    NULL, 0);
	assert_int_equal(r, (long)(stack - MB - PAGE_SIZE));
	/* MAP_FIXED ignores the gap. */
	assert_int_equal(mm_mmap(t.mm, stack - 0x10000, PAGE_SIZE, PROT_READ,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0), (long)(stack - 0x10000));
	vmt_teardown(&t);
}

/* The legacy layout allocates bottom-up from TASK_UNMAPPED_BASE = PAGE_ALIGN(TASK_SIZE / 3). */
static void test_legacy_layout(void **state)
{
	struct vmt t;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY | MM_EXEC_LEGACY_LAYOUT);
	assert_int_equal(mm_mmap(t.mm, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0),
			 0x2aaaaaaab000L);
	assert_int_equal(mm_mmap(t.mm, 0, PAGE_SIZE, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0),
			 0x2aaaaaaac000L);
	vmt_teardown(&t);
}

/*
 *  start_brk                        the break moves by bytes, the [heap] VMA by pages
 *  |[heap]....|
 */
static void test_brk(void **state)
{
	struct vmt t;
	unsigned long start = 0x555555559000UL;
	char *maps;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	assert_int_equal(mm_set_brk_start(t.mm, start), 0);
	assert_int_equal(mm_brk(t.mm, 0), start);
	assert_int_equal(mm_brk(t.mm, start + 5), start + 5);
	assert_int_equal(mm_brk(t.mm, start - 100 * PAGE_SIZE), start + 5);	/* below: refused */
	assert_int_equal(mm_brk(t.mm, start + 0x21000), start + 0x21000);
	maps = vmt_maps(t.mm);
	assert_string_equal(maps,
		"555555559000-55555557a000 rw-p 00000000 00:00 0                          [heap]\n");
	free(maps);
	/* Shrink, then RLIMIT_DATA: the heap may not pass 16 KiB. */
	assert_int_equal(mm_brk(t.mm, start + PAGE_SIZE), start + PAGE_SIZE);
	assert_int_equal(mm_setrlimit(t.mm, RLIMIT_DATA, 16384, RLIM_INFINITY), 0);
	assert_int_equal(mm_brk(t.mm, start + 5 * PAGE_SIZE), start + PAGE_SIZE);
	assert_int_equal(mm_brk(t.mm, start + 4 * PAGE_SIZE), start + 4 * PAGE_SIZE);
	/* A mapping in the way (plus a page of slack) stops growth. */
	assert_int_equal(mm_mmap(t.mm, start + 8 * PAGE_SIZE, PAGE_SIZE, PROT_READ,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0),
			 (long)(start + 8 * PAGE_SIZE));
	assert_int_equal(mm_setrlimit(t.mm, RLIMIT_DATA, RLIM_INFINITY, RLIM_INFINITY), 0);
	assert_int_equal(mm_brk(t.mm, start + 7 * PAGE_SIZE + 1), start + 4 * PAGE_SIZE);
	assert_int_equal(mm_brk(t.mm, start + 7 * PAGE_SIZE), start + 7 * PAGE_SIZE);
	vmt_teardown(&t);
}

/*
 * max_map_count: mmap refuses once map_count > the limit (so the limit + 1 VMAs can exist),
 * munmap refuses only a split of one VMA into three at the limit, mprotect any split.
 */
static void test_max_map_count_small(void **state)
{
	struct vmt t;
	int i;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	vm_set_max_map_count(t.m, 10);
	for (i = 0; i < 11; i++)
		assert_int_equal(mm_mmap(t.mm, PG(4 * i), 3 * PAGE_SIZE, PROT_READ,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0), (long)PG(4 * i));
	assert_int_equal(t.mm->map_count, 11);
	assert_int_equal(mm_mmap(t.mm, PG(60), PAGE_SIZE, PROT_READ,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0), -ENOMEM);
	assert_int_equal(mm_mprotect(t.mm, PG(0), PAGE_SIZE, PROT_NONE), -ENOMEM);
	assert_int_equal(mm_munmap(t.mm, PG(1), PAGE_SIZE), -ENOMEM);	/* one into three */
	assert_int_equal(mm_munmap(t.mm, PG(0), PAGE_SIZE), 0);	/* a split in two is allowed */
	vmt_expect(t.mm, ".AA.BBB.");
	vmt_teardown(&t);
}

/* The real limit: 65,530 VMAs (alternating protections so nothing merges), then ENOMEM. */
static void test_max_map_count_65530(void **state)
{
	struct vmt t;
	int i;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	machine_set_debug_level(t.m, 1);	/* the O(n) checker after each call would be O(n^2) */
	for (i = 0; i < 65531; i++)
		assert_int_equal(mm_mmap(t.mm, PG(i), PAGE_SIZE, i & 1 ? PROT_READ : PROT_NONE,
					 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0), (long)PG(i));
	assert_int_equal(t.mm->map_count, 65531);
	assert_int_equal(mm_mmap(t.mm, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0),
			 -ENOMEM);
	assert_machine_ok(t.m);
	vmt_teardown(&t);
}

/*
 *  parent: AA BB CC     A plain, B MADV_DONTFORK, C MADV_WIPEONFORK (written)
 *  child:  AA .. CC     B is not copied; C is copied empty (no anon_vma); locks dropped
 */
static void test_fork_clone_exit(void **state)
{
	struct mm_task *child, *thread;
	struct mm_vma_info vi;
	struct vmt t;
	struct mm_stats st;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	vmt_map(&t, 0, 2, PROT_READ | PROT_WRITE);
	vmt_map(&t, 2, 2, PROT_READ);
	vmt_map(&t, 4, 2, PROT_READ | PROT_WRITE | PROT_EXEC);
	assert_int_equal(mm_madvise(t.mm, PG(2), 2 * PAGE_SIZE, MADV_DONTFORK), 0);
	assert_int_equal(mm_madvise(t.mm, PG(4), 2 * PAGE_SIZE, MADV_WIPEONFORK), 0);
	assert_int_equal(mm_touch(t.mm, PG(4), true), 0);
	assert_int_equal(mm_mlock(t.mm, PG(0), 2 * PAGE_SIZE), 0);
	assert_int_equal(mm_task_clone(t.task, 0, 0, &child), 0);
	vmt_expect(mm_task_mm(child), "AA..CC");
	assert_true(mm_vma_at(mm_task_mm(child), PG(4), &vi) && vi.anon_vma_id == 0);
	assert_true(mm_vma_at(mm_task_mm(child), PG(0), &vi) && !(vi.vm_flags & VM_LOCKED));
	mm_get_stats(mm_task_mm(child), &st);
	assert_int_equal(st.locked_vm, 0);
	assert_int_equal(st.total_vm, 4);
	/* CLONE_VM: one mm, two users; the thread's exit leaves it to the other. */
	assert_int_equal(mm_task_clone(child, CLONE_VM, 0, &thread), 0);
	assert_ptr_equal(mm_task_mm(thread), mm_task_mm(child));
	mm_get_stats(mm_task_mm(child), &st);
	assert_int_equal(st.mm_users, 2);
	{
		struct mm_task *dup;

		assert_int_equal(mm_task_clone(t.task, 0, mm_task_pid(child), &dup), -EEXIST);
		assert_null(dup);
	}
	assert_machine_ok(t.m);
	{
		int tpid = mm_task_pid(thread);

		mm_task_exit(child);
		assert_non_null(mm_task_find(t.m, tpid));
		mm_task_exit(thread);
		assert_null(mm_task_find(t.m, tpid));
	}
	vmt_teardown(&t);
}

static void test_proc_pid_files(void **state)
{
	struct vmt t = boot_default();
	char name[32], *via_proc, *direct, *status;

	(void)state;
	snprintf(name, sizeof(name), "%d/maps", mm_task_pid(t.task));
	via_proc = test_proc(t.m, name);
	direct = vmt_maps(t.mm);
	assert_string_equal(via_proc, direct);
	snprintf(name, sizeof(name), "%d/status", mm_task_pid(t.task));
	status = test_proc(t.m, name);
	/* 8 pages of vDSO + 33 of stack = 164 kB; the stack is VmStk. */
	assert_non_null(strstr(status, "VmSize:\t     164 kB\n"));
	assert_non_null(strstr(status, "VmStk:\t     132 kB\n"));
	assert_int_equal(mmlab_proc_read(t.m, "4000000/maps", NULL, 0), -ESRCH);
	free(via_proc);
	free(direct);
	free(status);
	vmt_teardown(&t);
}

/* protection_map on both architectures: private writable is read-only until the COW fault. */
static void test_protection_map(void **state)
{
	(void)state;
	/* x86-64: PRESENT 1, RW 2, USER 4, ACCESSED 0x20, PROTNONE 0x100, NX bit 63 */
	assert_int_equal(vm_get_page_prot_arch(MM_ARCH_X86_64, VM_NONE), 0x120);
	assert_int_equal(vm_get_page_prot_arch(MM_ARCH_X86_64, VM_READ), 0x8000000000000025ULL);
	assert_int_equal(vm_get_page_prot_arch(MM_ARCH_X86_64, VM_READ | VM_WRITE),
			 0x8000000000000025ULL);
	assert_int_equal(vm_get_page_prot_arch(MM_ARCH_X86_64, VM_READ | VM_WRITE | VM_SHARED),
			 0x8000000000000027ULL);
	assert_int_equal(vm_get_page_prot_arch(MM_ARCH_X86_64, VM_EXEC), 0x25);
	assert_int_equal(vm_get_page_prot_arch(MM_ARCH_X86_64, VM_EXEC | VM_WRITE | VM_SHARED), 0x27);
	/* ARM64: VALID|TYPE 3, USER 0x40, RDONLY 0x80, SH 0x300, AF 0x400, nG 0x800,
	 * WRITE(DBM) bit 51, PXN bit 53, UXN bit 54 */
	assert_int_equal(vm_get_page_prot_arch(MM_ARCH_ARM64, VM_NONE), 0x0060000000000f82ULL);
	assert_int_equal(vm_get_page_prot_arch(MM_ARCH_ARM64, VM_READ), 0x0060000000000fc3ULL);
	assert_int_equal(vm_get_page_prot_arch(MM_ARCH_ARM64, VM_WRITE), 0x0060000000000fc3ULL);
	assert_int_equal(vm_get_page_prot_arch(MM_ARCH_ARM64, VM_WRITE | VM_SHARED),
			 0x0068000000000fc3ULL);
	assert_int_equal(vm_get_page_prot_arch(MM_ARCH_ARM64, VM_EXEC), 0x0020000000000fc3ULL);
	assert_int_equal(vm_get_page_prot_arch(MM_ARCH_ARM64, VM_EXEC | VM_WRITE | VM_SHARED),
			 0x0028000000000fc3ULL);
}

/* Commit accounting: private writable mappings are charged, NORESERVE and read-only are not. */
static void test_commit_accounting(void **state)
{
	struct vmt t;
	long base;

	(void)state;
	vmt_setup(&t, MM_EXEC_EMPTY);
	base = vm_committed_as_pages(t.m);
	vmt_map(&t, 0, 4, PROT_READ | PROT_WRITE);
	assert_int_equal(vm_committed_as_pages(t.m), base + 4);
	assert_int_equal(mm_mmap(t.mm, PG(8), 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, NULL, 0), (long)PG(8));
	vmt_map(&t, 16, 4, PROT_READ);
	assert_int_equal(vm_committed_as_pages(t.m), base + 4);
	/* Making the read-only one writable charges it; shared anonymous memory is charged too. */
	assert_int_equal(mm_mprotect(t.mm, PG(16), 4 * PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	assert_int_equal(vm_committed_as_pages(t.m), base + 8);
	assert_int_equal(mm_mmap(t.mm, PG(24), 2 * PAGE_SIZE, PROT_READ,
				 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, NULL, 0), (long)PG(24));
	assert_int_equal(vm_committed_as_pages(t.m), base + 10);
	/* overcommit_memory 2 with a tiny limit refuses. */
	vm_set_overcommit(t.m, 2, 0, 4);
	assert_int_equal(vmt_map(&t, 32, 1, PROT_READ | PROT_WRITE), -ENOMEM);
	vm_set_overcommit(t.m, 0, 50, 0);
	assert_int_equal(mm_munmap(t.mm, PG(0), 32 * PAGE_SIZE), 0);
	assert_int_equal(vm_committed_as_pages(t.m), base);
	vmt_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_layout_and_maps_format),
		cmocka_unit_test(test_mmap_base_from_rlimit),
		cmocka_unit_test(test_special_mremap),
		cmocka_unit_test(test_thp_placement_by_file),
		cmocka_unit_test(test_locked_move_populates_growth_only),
		cmocka_unit_test(test_touch_past_eof),
		cmocka_unit_test(test_topdown_thp_alignment),
		cmocka_unit_test(test_stack_guard_gap),
		cmocka_unit_test(test_legacy_layout),
		cmocka_unit_test(test_brk),
		cmocka_unit_test(test_max_map_count_small),
		cmocka_unit_test(test_max_map_count_65530),
		cmocka_unit_test(test_fork_clone_exit),
		cmocka_unit_test(test_proc_pid_files),
		cmocka_unit_test(test_protection_map),
		cmocka_unit_test(test_commit_accounting),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
