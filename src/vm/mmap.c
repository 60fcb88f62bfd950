/*
 * mmap.c - mmap, munmap and brk; get_unmapped_area; the address-space limits.
 *
 * Model (Linux 6.18, x86-64, 4-level page tables):
 *  - get_unmapped_area: MAP_FIXED takes the address as given; a hint is taken if [hint,
 *    hint + len) is free up to the next VMA's start gap (stack_guard_gap below a VM_GROWSDOWN
 *    VMA); otherwise the highest fitting gap in [max(PAGE_SIZE, mmap_min_addr), mmap_base)
 *    (top-down layout), falling back to the lowest gap in [mmap_legacy_base, TASK_SIZE). The
 *    bottom-up (legacy) layout searches only the latter. Anonymous private mappings without a
 *    hint whose length is a multiple of 2 MiB, and regular-file mappings covering a 2 MiB-aligned
 *    file range, are placed THP-aligned (thp_get_unmapped_area).
 *  - do_mmap checks in the kernel's order: len 0 (EINVAL), hint rounded up to mmap_min_addr,
 *    length overflow (ENOMEM), offset overflow (EOVERFLOW), map count (ENOMEM), placement,
 *    MAP_FIXED_NOREPLACE (EEXIST), mlock limits (EPERM/EAGAIN), file mode and type (EOPNOTSUPP,
 *    EACCES, EPERM, ENODEV, EINVAL), then mmap_region: unmapping under MAP_FIXED (ENOMEM on map
 *    count), RLIMIT_AS/RLIMIT_DATA (ENOMEM), commit (ENOMEM), allocation (ENOMEM).
 *  - Commit accounting: a private writable mapping without MAP_NORESERVE is VM_ACCOUNT and
 *    charged (overcommit.c's policy decides); brk charges what it adds.
 */
#include "vm/internal.h"

#define SZ_128M		(128UL << 20)

unsigned long rlimit(struct mm_struct *mm, int res)
{
	return mm->rlim_cur[res];
}

unsigned long calc_vm_prot_bits(unsigned long prot)
{
	return prot & (PROT_READ | PROT_WRITE | PROT_EXEC);	/* the same bits as VM_* */
}

static unsigned long calc_vm_flag_bits(unsigned long flags)
{
	unsigned long vm = 0;

	if (flags & MAP_GROWSDOWN)
		vm |= VM_GROWSDOWN;
	if (flags & MAP_LOCKED)
		vm |= VM_LOCKED;
	if (flags & MAP_SYNC)
		vm |= VM_SYNC;
	if (flags & MAP_STACK)
		vm |= VM_NOHUGEPAGE;	/* 6.7+: thread stacks are never THP-backed */
	return vm;
}

unsigned long vm_start_gap(struct mm_struct *mm, const struct vm_area_struct *vma)
{
	unsigned long start = vma->vm_start;

	if (vma->vm_flags & VM_GROWSDOWN) {
		start -= vm_of(mm)->stack_guard_gap;
		if (start > vma->vm_start)
			start = 0;
	}
	return start;
}

bool can_do_mlock(struct mm_struct *mm)
{
	return rlimit(mm, RLIMIT_MEMLOCK) != 0 || (mm->caps & MM_CAP_IPC_LOCK);
}

bool mlock_future_ok(struct mm_struct *mm, unsigned long flags, unsigned long bytes)
{
	unsigned long locked_pages, limit_pages;

	if (!(flags & VM_LOCKED) || (mm->caps & MM_CAP_IPC_LOCK))
		return true;
	locked_pages = (bytes >> PAGE_SHIFT) + mm->locked_vm;
	limit_pages = rlimit(mm, RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	return locked_pages <= limit_pages;
}

bool may_expand_vm(struct mm_struct *mm, unsigned long flags, unsigned long npages)
{
	if (mm->total_vm + npages > rlimit(mm, RLIMIT_AS) >> PAGE_SHIFT)
		return false;
	if ((flags & (VM_WRITE | VM_SHARED | VM_GROWSDOWN)) == VM_WRITE &&
	    mm->data_vm + npages > rlimit(mm, RLIMIT_DATA) >> PAGE_SHIFT) {
		/* RLIMIT_DATA soft 0 with a larger hard limit is allowed up to the hard limit. */
		if (rlimit(mm, RLIMIT_DATA) == 0 &&
		    mm->data_vm + npages <= mm->rlim_max[RLIMIT_DATA] >> PAGE_SHIFT)
			return true;
		printk(mm->machine, "mmap: mmlab (%d): VmData %lu exceed data ulimit %lu. "
		       "Update limits or use boot option ignore_rlimit_data.\n", 0,
		       (mm->data_vm + npages) << PAGE_SHIFT, rlimit(mm, RLIMIT_DATA));
		return false;
	}
	return true;
}

bool accountable_mapping(struct mm_file *file, unsigned long vm_flags)
{
	(void)file;
	return (vm_flags & (VM_NORESERVE | VM_SHARED | VM_WRITE)) == VM_WRITE;
}

/* ---- get_unmapped_area ---------------------------------------------------------------------- */

/*
 * The highest gap inside [low, high) at least @length long: returns its end (clipped to high)
 * and the VMA above it in *@next, or 0 if none. The index keeps the largest gap of each leaf,
 * so this is O(log n), as the kernel's mas_empty_area_rev() on the maple tree.
 */
static unsigned long area_highest(struct mm_struct *mm, unsigned long low, unsigned long high,
				  unsigned long length, struct vm_area_struct **pnext)
{
	return vma_tree_gap_highest(&mm->mm_mt, low, high, length, pnext);
}

/* The lowest gap inside [low, high) at least @length long: its start, or -1UL if none. */
static unsigned long area_lowest(struct mm_struct *mm, unsigned long low, unsigned long high,
				 unsigned long length, struct vm_area_struct **pnext)
{
	return vma_tree_gap_lowest(&mm->mm_mt, low, high, length, pnext);
}

struct unmapped_area_info {
	bool topdown;
	unsigned long length, low_limit, high_limit, align_mask, align_offset;
};

static unsigned long vm_unmapped_area(struct mm_struct *mm, struct unmapped_area_info *info)
{
	unsigned long length = info->length + info->align_mask;
	unsigned long low = MAX(info->low_limit, vm_of(mm)->mmap_min_addr);
	unsigned long high = info->high_limit;
	struct vm_area_struct *next = NULL;
	unsigned long gap;

	if (length < info->length)
		return -ENOMEM;
	if (info->topdown) {
		for (;;) {
			unsigned long gap_end = area_highest(mm, low, high, length, &next);

			if (!gap_end)
				return -ENOMEM;
			gap = gap_end - info->length;
			gap -= (gap - info->align_offset) & info->align_mask;
			if (next && (next->vm_flags & VM_GROWSDOWN) && vm_start_gap(mm, next) < gap_end) {
				high = vm_start_gap(mm, next);
				continue;
			}
			if (next)	/* mmap_region's lookups of the new range find it */
				mm->mmap_cache = next;
			return gap;
		}
	}
	for (;;) {
		gap = area_lowest(mm, low, high, length, &next);
		if (gap == -1UL)
			return -ENOMEM;
		gap += (info->align_offset - gap) & info->align_mask;
		if (next && (next->vm_flags & VM_GROWSDOWN) &&
		    vm_start_gap(mm, next) < gap + length - 1) {
			low = next->vm_end;
			continue;
		}
		if (next)
			mm->mmap_cache = next;
		return gap;
	}
}

static bool hint_valid(struct mm_struct *mm, unsigned long addr, unsigned long len)
{
	if (mm->task_size - len < addr)
		return false;
	return (addr > MM_TASK_SIZE) == (addr + len > MM_TASK_SIZE);
}

static unsigned long arch_get_unmapped_area(struct mm_struct *mm, unsigned long addr,
					    unsigned long len, unsigned long pgoff,
					    unsigned long flags)
{
	struct unmapped_area_info info = { 0 };
	unsigned long begin = mm->mmap_legacy_base, end = mm->task_size;
	struct vm_area_struct *vma;

	if (flags & MAP_FIXED)
		return addr;
	if (flags & MAP_32BIT) {
		begin = 0x40000000UL;
		end = 0x80000000UL;
	}
	if (len > end)
		return -ENOMEM;
	if (addr) {
		addr = PAGE_ALIGN(addr);
		vma = find_vma(mm, addr);
		if (end - len >= addr && (!vma || addr + len <= vm_start_gap(mm, vma)))
			return addr;
	}
	info.length = len;
	info.low_limit = begin;
	info.high_limit = end;
	info.align_offset = pgoff << PAGE_SHIFT;
	return vm_unmapped_area(mm, &info);
}

static unsigned long arch_get_unmapped_area_topdown(struct mm_struct *mm, unsigned long addr0,
						    unsigned long len, unsigned long pgoff,
						    unsigned long flags)
{
	struct unmapped_area_info info = { 0 };
	unsigned long addr = addr0;
	struct vm_area_struct *vma;

	if (len > mm->task_size)
		return -ENOMEM;
	if (flags & MAP_FIXED)
		return addr;
	if (flags & MAP_32BIT)
		goto bottomup;
	if (addr) {
		addr &= PAGE_MASK;
		if (hint_valid(mm, addr, len)) {
			vma = find_vma(mm, addr);
			if (!vma || addr + len <= vm_start_gap(mm, vma))
				return addr;
		}
	}
	info.topdown = true;
	info.length = len;
	info.low_limit = PAGE_SIZE;
	info.high_limit = mm->mmap_base;
	info.align_offset = pgoff << PAGE_SHIFT;
	addr = vm_unmapped_area(mm, &info);
	if (!(addr & ~PAGE_MASK))
		return addr;
bottomup:
	return arch_get_unmapped_area(mm, addr0, len, pgoff, flags);
}

static unsigned long mm_get_unmapped_area(struct mm_struct *mm, unsigned long addr,
					  unsigned long len, unsigned long pgoff, unsigned long flags)
{
	if (mm->legacy_layout)
		return arch_get_unmapped_area(mm, addr, len, pgoff, flags);
	return arch_get_unmapped_area_topdown(mm, addr, len, pgoff, flags);
}

/* thp_get_unmapped_area: place so that 2 MiB-aligned file offsets land on 2 MiB boundaries. */
static unsigned long thp_get_unmapped_area(struct mm_struct *mm, unsigned long addr,
					   unsigned long len, unsigned long pgoff,
					   unsigned long flags)
{
	unsigned long off = pgoff << PAGE_SHIFT, off_end = off + len;
	unsigned long off_align = ALIGN_UP(off, PMD_SIZE), len_pad, ret, off_sub;

	if (off_end <= off_align || off_end - off_align < PMD_SIZE)
		goto plain;
	len_pad = len + PMD_SIZE;
	if (len_pad < len || (off + len_pad) < off)
		goto plain;
	ret = mm_get_unmapped_area(mm, addr, len_pad, pgoff, flags);
	if (IS_ERR_VALUE(ret))
		goto plain;
	if (ret == addr)
		return addr;
	off_sub = (off - ret) & (PMD_SIZE - 1);
	if (!mm->legacy_layout && !off_sub)
		return ret + PMD_SIZE;
	return ret + off_sub;
plain:
	return mm_get_unmapped_area(mm, addr, len, pgoff, flags);
}

unsigned long get_unmapped_area(struct mm_struct *mm, struct mm_file *file, unsigned long addr,
				unsigned long len, unsigned long pgoff, unsigned long flags,
				unsigned long vm_flags)
{
	(void)vm_flags;
	if (len > mm->task_size)
		return -ENOMEM;
	/*
	 * Files on disk file systems place with THP alignment; tmpfs and shmem only when shmem
	 * huge pages are on (never, here). A private /dev/zero mapping, which has no shmem
	 * object beneath it, is placed like a file's: aligned unless the hint is free.
	 */
	if (file && file->kind == MM_FILE_REGULAR && !file->shmem && !file->tmpfs)
		addr = thp_get_unmapped_area(mm, addr, len, pgoff, flags);
	else if (file && file->kind == MM_FILE_DEV_ZERO && !(flags & MAP_SHARED))
		addr = thp_get_unmapped_area(mm, addr, len, pgoff, flags);
	else if (!file && !(flags & MAP_SHARED) && !addr && IS_ALIGNED(len, PMD_SIZE))
		addr = thp_get_unmapped_area(mm, addr, len, pgoff, flags);
	else
		addr = mm_get_unmapped_area(mm, addr, len, (flags & MAP_SHARED) && !file ? 0 : pgoff,
					    flags);
	if (IS_ERR_VALUE(addr))
		return addr;
	if (addr > mm->task_size - len)
		return -ENOMEM;
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	if (addr < vm_of(mm)->mmap_min_addr && !(mm->caps & MM_CAP_SYS_RAWIO))
		return -EPERM;
	return addr;
}

/* ---- unmapping ------------------------------------------------------------------------------ */

void vm_unmap_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	struct vm_area_struct *vma = find_vma(mm, start);

	while (vma && vma->vm_start < end) {
		struct vm_area_struct *next = vma->vm_next;

		VM_BUG_ON(vma->vm_start < start || vma->vm_end > end);
		if (vma->vm_flags & VM_ACCOUNT)
			vm_unacct_memory(mm->machine, (long)vma_pages(vma));
		vma_unlink(mm, vma);
		vm_area_free(mm, vma);
		vma = next;
	}
	unmap_region(mm, start, end);
}

/* Pages and accounted pages of the VMAs overlapping [start, end). */
static void count_range(struct mm_struct *mm, unsigned long start, unsigned long end,
			unsigned long *pages, unsigned long *accounted)
{
	struct vm_area_struct *vma = find_vma_wr(mm, start);	/* the first of mmap_region's */

	*pages = *accounted = 0;
	for (; vma && vma->vm_start < end; vma = vma->vm_next) {
		unsigned long n = (MIN(end, vma->vm_end) - MAX(start, vma->vm_start)) >> PAGE_SHIFT;

		*pages += n;
		if (vma->vm_flags & VM_ACCOUNT)
			*accounted += n;
	}
}

/*
 * True if covering [start, end) with whole VMAs would cut a special mapping ([vdso], [vvar],
 * [vvar_vclock]): their may_split refuses, so the caller fails with -EINVAL, changing nothing.
 */
bool vma_split_refused(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	struct vm_area_struct *vma = find_vma(mm, start), *last;

	if (!vma || vma->vm_start >= end)
		return false;
	if (start > vma->vm_start && vma->special != VMA_NORMAL)
		return true;
	last = find_vma(mm, end - 1);
	return last && last->vm_start < end && last->vm_end > end && last->special != VMA_NORMAL;
}

/*
 * Split the VMAs straddling start and end so [start, end) is covered by whole VMAs. The map
 * count check is the kernel's: only a split of one VMA into three is refused at the limit.
 * The VMAs and name copies needed are reserved first, so this either fails with nothing changed or succeeds.
 */
int vma_split_range(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	struct vm_area_struct *vma = find_vma(mm, start), *last;
	int err;

	if (!vma || vma->vm_start >= end)
		return 0;
	if (start > vma->vm_start && end < vma->vm_end &&
	    mm->map_count >= vm_of(mm)->max_map_count)
		return -ENOMEM;
	if (vma_split_refused(mm, start, end))
		return -EINVAL;
	err = vma_prealloc_split(mm, 2, start, end);
	if (err)
		return err;
	if (start > vma->vm_start) {
		err = __split_vma(mm, vma, start, 1);
		MM_BUG_ON(err);
	}
	last = find_vma(mm, end - 1);
	if (last && last->vm_start < end && last->vm_end > end) {
		err = __split_vma(mm, last, end, 0);
		MM_BUG_ON(err);
	}
	return 0;
}

int do_munmap(struct mm_struct *mm, unsigned long start, unsigned long len)
{
	struct vm_area_struct *vma;
	unsigned long end;
	int err;

	if ((start & ~PAGE_MASK) || start > mm->task_size || len > mm->task_size - start)
		return -EINVAL;
	end = start + PAGE_ALIGN(len);
	if (end == start)
		return -EINVAL;
	vma = find_vma_wr(mm, start);	/* what follows looks the same range up again */
	if (!vma || vma->vm_start >= end)
		return 0;
	err = vma_split_range(mm, start, end);
	if (err)
		return err;
	vm_unmap_range(mm, start, end);
	return 0;
}

int mm_munmap(struct mm_struct *mm, unsigned long addr, unsigned long len)
{
	int err;

	mm_down_write(&mm->mmap_lock);
	err = do_munmap(mm, addr, len);
	vm_debug_check_mm(mm);
	mm_up_write(&mm->mmap_lock);
	return err;
}

/* ---- mmap ------------------------------------------------------------------------------------ */

/*
 * Fault in [start, end) as __mm_populate does: writable private mappings with write faults
 * (real frames, and an anon_vma), the rest with read faults, which map the zero page on
 * private anonymous memory. VMAs that cannot fault (no access, VM_SPECIAL) and VM_LOCKONFAULT
 * ones are skipped. Returns 0, or -ENOMEM when a page or page table could not be allocated
 * (what is populated stays).
 */
int vm_populate_range(struct mm_struct *mm, unsigned long start, unsigned long end, bool write_fault)
{
	struct vm_area_struct *vma = find_vma(mm, start);

	for (; vma && vma->vm_start < end; vma = vma->vm_next) {
		bool write = write_fault && (vma->vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE;
		int err;

		if (!(vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)) || (vma->vm_flags & VM_SPECIAL))
			continue;
		if (vma->vm_flags & VM_LOCKONFAULT)
			continue;
		err = vm_populate_vma(vma, MAX(start, vma->vm_start), MIN(end, vma->vm_end), write);
		if (err)
			return err;
	}
	return 0;
}

/*
 * The shmem object behind a shared anonymous mapping (shmem_zero_setup), charged to
 * Committed_AS until its last reference unless VM_NORESERVE. NULL: -ENOMEM, nothing charged.
 */
static struct mm_file *mmap_shmem_object(struct mm_struct *mm, unsigned long len,
					 unsigned long vm_flags)
{
	long pglen = (long)(len >> PAGE_SHIFT);
	bool charge = !(vm_flags & VM_NORESERVE);
	struct mm_file *shm;

	if (charge && vm_enough_memory(mm, pglen))
		return NULL;
	shm = shmem_zero_setup(mm->machine, len);
	if (!shm) {
		if (charge)
			vm_unacct_memory(mm->machine, pglen);
		return NULL;
	}
	shm->shmem_acct_pages = charge ? (unsigned long)pglen : 0;
	return shm;
}

static long mmap_region(struct mm_struct *mm, struct mm_file *file, unsigned long addr,
			unsigned long len, unsigned long vm_flags, unsigned long pgoff)
{
	unsigned long end = addr + len, pglen = len >> PAGE_SHIFT;
	unsigned long nr_pages, nr_accounted, charged = 0;
	struct mm_file *shm = NULL;
	struct vm_area_struct *vma;
	struct vma_merge_desc d;
	int err;

	count_range(mm, addr, end, &nr_pages, &nr_accounted);
	/* vms_gather_munmap_vmas: the one map-count check of munmap. */
	vma = find_vma(mm, addr);
	if (vma && vma->vm_start < addr && end < vma->vm_end &&
	    mm->map_count >= vm_of(mm)->max_map_count)
		return -ENOMEM;
	if (vma_split_refused(mm, addr, end))
		return -EINVAL;
	if (!may_expand_vm(mm, vm_flags, pglen - nr_pages))
		return -ENOMEM;
	if (accountable_mapping(file, vm_flags)) {
		charged = pglen - nr_accounted;
		if (charged && vm_enough_memory(mm, (long)charged))
			return -ENOMEM;
		vm_flags |= VM_ACCOUNT;
	}
	/* Reserve everything before changing anything: 2 splits + the new VMA. */
	err = vma_prealloc_split(mm, 3, addr, end);
	if (err)
		goto unacct;
	if ((!file || file->kind == MM_FILE_DEV_ZERO) && (vm_flags & VM_SHARED)) {
		shm = mmap_shmem_object(mm, len, vm_flags);
		if (!shm) {
			err = -ENOMEM;
			goto unacct;
		}
	}

	if (nr_pages) {
		err = vma_split_range(mm, addr, end);
		MM_BUG_ON(err);		/* checked and reserved above */
		vm_unmap_range(mm, addr, end);
		/* An accountable mapping took over the old charge (charged = pglen - nr_accounted). */
		if (vm_flags & VM_ACCOUNT)
			vm_acct_memory(mm->machine, (long)nr_accounted);
	}

	d = (struct vma_merge_desc){
		.start = addr, .end = end, .pgoff = pgoff, .flags = vm_flags,
		.file = shm ? shm : file,
	};
	vma = shm ? NULL : vma_merge_new_range(mm, &d);
	if (!vma) {
		vma = vma_from_reserve(mm);
		vma->vm_start = addr;
		vma->vm_end = end;
		vma->vm_pgoff = pgoff;
		vma->vm_flags = vm_flags;
		vma->vm_file = shm ? shm : file ? mm_file_get(file) : NULL;
		vma_link(mm, vma);
	}
	if (vm_flags & VM_LOCKED) {
		if (vm_flags & VM_SPECIAL)
			vma_set_flags(mm, vma, vma->vm_flags & ~VM_LOCKED_MASK);
	}
	vma->vm_flags |= VM_SOFTDIRTY;
	return (long)addr;

unacct:
	if (charged)
		vm_unacct_memory(mm->machine, (long)charged);
	return err;
}

/* The kernel's LEGACY_MAP_MASK: flags MAP_SHARED ignores and MAP_SHARED_VALIDATE accepts. */
#define LEGACY_MAP_MASK	(MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE | \
			 MAP_EXECUTABLE | MAP_UNINITIALIZED | MAP_GROWSDOWN | MAP_LOCKED |	\
			 MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK |		\
			 MAP_HUGETLB | MAP_32BIT | (0x3fUL << 26))

/* file_mmap_ok: the range must fit the file system's largest file (ext4: 16 TiB - 4 KiB). */
static bool file_mmap_ok(const struct mm_file *file, unsigned long len, unsigned long pgoff)
{
	const unsigned long maxsize = 0xffffffff000UL;

	if (file->kind != MM_FILE_REGULAR || file->shmem || file->tmpfs)
		return true;
	return len <= maxsize && pgoff <= (maxsize - len) >> PAGE_SHIFT;
}

/*
 * do_mmap's checks of a file mapping (not /dev/zero): the map type and flags, the open mode
 * against the protection (EACCES), append-only files, noexec mounts (EPERM), files without an
 * mmap (ENODEV), VM_GROWSDOWN (EINVAL). Adds the sharing flags to *@vm_flags and drops what
 * the open mode does not allow. 0 or the errno.
 */
static int mmap_file_flags(const struct mm_file *file, unsigned long map_type,
			   unsigned long flags, unsigned long prot, unsigned long *vm_flags)
{
	int acc = file->open_flags & O_ACCMODE;
	bool fread = acc == O_RDONLY || acc == O_RDWR, fwrite = acc == O_WRONLY || acc == O_RDWR;

	switch (map_type) {
	case MAP_SHARED:
		flags &= LEGACY_MAP_MASK;
		/* fallthrough */
	case MAP_SHARED_VALIDATE:
		if (flags & ~LEGACY_MAP_MASK)
			return -EOPNOTSUPP;
		if ((prot & PROT_WRITE) && !fwrite)
			return -EACCES;
		if (file->append_only && fwrite)
			return -EACCES;
		*vm_flags |= VM_SHARED | VM_MAYSHARE;
		if (!fwrite)
			*vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
		/* fallthrough */
	case MAP_PRIVATE:
		if (!fread)
			return -EACCES;
		if (file->noexec) {
			if (*vm_flags & VM_EXEC)
				return -EPERM;
			*vm_flags &= ~VM_MAYEXEC;
		}
		if (file->kind == MM_FILE_NO_MMAP)
			return -ENODEV;
		if (*vm_flags & VM_GROWSDOWN)
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

/* The same for /dev/zero: a character device, mappable both ways. */
static int mmap_dev_zero_flags(const struct mm_file *file, unsigned long map_type,
			       unsigned long flags, unsigned long prot, unsigned long *vm_flags)
{
	int acc = file->open_flags & O_ACCMODE;

	switch (map_type) {
	case MAP_SHARED:
	case MAP_SHARED_VALIDATE:
		if (map_type == MAP_SHARED_VALIDATE && (flags & ~LEGACY_MAP_MASK))
			return -EOPNOTSUPP;
		if ((prot & PROT_WRITE) && acc == O_RDONLY)
			return -EACCES;
		*vm_flags |= VM_SHARED | VM_MAYSHARE;
		if (acc == O_RDONLY)
			*vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
		/* fallthrough */
	case MAP_PRIVATE:
		if (acc == O_WRONLY)
			return -EACCES;
		if (*vm_flags & VM_GROWSDOWN)
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * The same for anonymous memory: shared (a shmem object, page offset 0), MAP_DROPPABLE, or
 * private (page offset = the address, so neighbours mapped later can merge). Sets *@pgoff.
 */
static int mmap_anon_flags(unsigned long map_type, unsigned long flags, unsigned long addr,
			   unsigned long *vm_flags, unsigned long *pgoff)
{
	switch (map_type) {
	case MAP_SHARED:
		if (*vm_flags & VM_GROWSDOWN)
			return -EINVAL;
		*pgoff = 0;
		*vm_flags |= VM_SHARED | VM_MAYSHARE;
		return 0;
	case MAP_DROPPABLE:
		if (flags & MAP_LOCKED)
			return -EINVAL;
		if (*vm_flags & VM_GROWSDOWN)
			return -EINVAL;
		*vm_flags |= VM_DROPPABLE | VM_WIPEONFORK | VM_DONTDUMP;
		*pgoff = addr >> PAGE_SHIFT;
		return 0;
	case MAP_PRIVATE:
		*pgoff = addr >> PAGE_SHIFT;
		return 0;
	default:
		return -EINVAL;
	}
}

long do_mmap(struct mm_struct *mm, struct mm_file *file, unsigned long addr, unsigned long len,
	     unsigned long prot, unsigned long flags, unsigned long vm_flags, unsigned long pgoff,
	     unsigned long *populate)
{
	struct vm_state *vs = vm_of(mm);
	unsigned long map_type = flags & MAP_TYPE;
	int err;

	*populate = 0;
	if (!len)
		return -EINVAL;
	if (flags & MAP_FIXED_NOREPLACE)
		flags |= MAP_FIXED;	/* placement as MAP_FIXED, then refuse to replace */
	if (!(flags & MAP_FIXED)) {
		addr &= PAGE_MASK;
		if (addr && addr < vs->mmap_min_addr)
			addr = PAGE_ALIGN(vs->mmap_min_addr);
	}
	len = PAGE_ALIGN(len);
	if (!len)
		return -ENOMEM;
	if (pgoff + (len >> PAGE_SHIFT) < pgoff)
		return -EOVERFLOW;
	if (mm->map_count > vs->max_map_count)
		return -ENOMEM;

	addr = get_unmapped_area(mm, file, addr, len, pgoff, flags, vm_flags);
	if (IS_ERR_VALUE(addr))
		return (long)addr;
	if ((flags & MAP_FIXED_NOREPLACE) && find_vma_intersection(mm, addr, addr + len))
		return -EEXIST;

	vm_flags |= calc_vm_prot_bits(prot) | calc_vm_flag_bits(flags) | mm->def_flags |
		    VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	if ((flags & MAP_LOCKED) && !can_do_mlock(mm))
		return -EPERM;
	if (!mlock_future_ok(mm, vm_flags, len))
		return -EAGAIN;

	if (file && !file_mmap_ok(file, len, pgoff))
		return -EOVERFLOW;
	if (file && file->kind != MM_FILE_DEV_ZERO)
		err = mmap_file_flags(file, map_type, flags, prot, &vm_flags);
	else if (file)
		err = mmap_dev_zero_flags(file, map_type, flags, prot, &vm_flags);
	else
		err = mmap_anon_flags(map_type, flags, addr, &vm_flags, &pgoff);
	if (err)
		return err;

	if ((flags & MAP_NORESERVE) && vs->overcommit_memory != 2)
		vm_flags |= VM_NORESERVE;

	addr = (unsigned long)mmap_region(mm, file, addr, len, vm_flags, pgoff);
	if (!IS_ERR_VALUE(addr) && ((vm_flags & VM_LOCKED) ||
				    (flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE))
		*populate = len;
	return (long)addr;
}

long mm_mmap(struct mm_struct *mm, unsigned long addr, unsigned long len, unsigned long prot,
	     unsigned long flags, struct mm_file *file, unsigned long pgoff_bytes)
{
	unsigned long populate = 0;
	long ret;

	if (pgoff_bytes & ~PAGE_MASK)
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS)) {
		if (!file)
			return -EBADF;
		if (flags & MAP_HUGETLB)
			return -EINVAL;
	} else {
		file = NULL;
		if (flags & MAP_HUGETLB)
			return -ENOMEM;		/* no huge pages reserved: hugetlb_file_setup fails */
	}
	mm_down_write(&mm->mmap_lock);
	ret = do_mmap(mm, file, addr, len, prot, flags, 0, pgoff_bytes >> PAGE_SHIFT, &populate);
	if (populate)
		vm_populate_range(mm, (unsigned long)ret, (unsigned long)ret + populate, true);
	vm_debug_check_mm(mm);
	mm_up_write(&mm->mmap_lock);
	return ret;
}

/* ---- brk ------------------------------------------------------------------------------------ */

static int do_brk_flags(struct mm_struct *mm, struct vm_area_struct *brkvma, unsigned long addr,
			unsigned long len, unsigned long flags)
{
	struct vm_area_struct *vma;
	int err;

	flags |= VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT |
		 mm->def_flags;
	if (!may_expand_vm(mm, flags, len >> PAGE_SHIFT))
		return -ENOMEM;
	if (mm->map_count > vm_of(mm)->max_map_count)
		return -ENOMEM;
	if (vm_enough_memory(mm, (long)(len >> PAGE_SHIFT)))
		return -ENOMEM;
	if (brkvma && brkvma->vm_end == addr && !brkvma->vm_file &&
	    !((brkvma->vm_flags ^ flags) & ~VM_SOFTDIRTY) && brkvma->special == VMA_NORMAL &&
	    !brkvma->anon_name &&
	    brkvma->vm_pgoff + vma_pages(brkvma) == addr >> PAGE_SHIFT) {
		vma_set_range(mm, brkvma, brkvma->vm_start, addr + len, brkvma->vm_pgoff);
		vma = brkvma;
	} else {
		err = vma_prealloc(mm, 1);
		if (err) {
			vm_unacct_memory(mm->machine, (long)(len >> PAGE_SHIFT));
			return err;
		}
		vma = vma_from_reserve(mm);
		vma->vm_start = addr;
		vma->vm_end = addr + len;
		vma->vm_pgoff = addr >> PAGE_SHIFT;
		vma->vm_flags = flags;
		vma_link(mm, vma);
	}
	vma->vm_flags |= VM_SOFTDIRTY;
	return 0;
}

unsigned long mm_brk(struct mm_struct *mm, unsigned long brk)
{
	unsigned long newbrk, oldbrk, origbrk, ret;
	struct vm_area_struct *next, *brkvma;
	bool populate = false;

	mm_down_write(&mm->mmap_lock);
	origbrk = mm->brk;
	if (brk < mm->start_brk)
		goto out;
	if (rlimit(mm, RLIMIT_DATA) != RLIM_INFINITY &&
	    (brk - mm->start_brk) + (mm->end_data - mm->start_data) > rlimit(mm, RLIMIT_DATA))
		goto out;
	newbrk = PAGE_ALIGN(brk);
	oldbrk = PAGE_ALIGN(mm->brk);
	if (oldbrk == newbrk) {
		mm->brk = brk;
		goto success;
	}
	if (brk <= mm->brk) {
		/* Shrinking works if a VMA lies in [newbrk, oldbrk) and the unmap can split. */
		brkvma = find_vma(mm, newbrk);
		if (!brkvma || brkvma->vm_start >= oldbrk)
			goto out;
		mm->brk = brk;
		if (do_munmap(mm, newbrk, oldbrk - newbrk))
			goto out;
		goto success;
	}
	/* Room up to the next VMA's start gap, one page of slack. */
	next = find_vma(mm, oldbrk);
	if (next && next->vm_start < newbrk + PAGE_SIZE + vm_of(mm)->stack_guard_gap &&
	    newbrk + PAGE_SIZE > vm_start_gap(mm, next))
		goto out;
	/* vma_prev_limit(start_brk): the VMA before that, if it reaches above start_brk. */
	brkvma = next ? next->vm_prev : mm->mmap_last;
	if (brkvma && brkvma->vm_end <= mm->start_brk)
		brkvma = NULL;
	if (do_brk_flags(mm, brkvma, oldbrk, newbrk - oldbrk, 0) < 0)
		goto out;
	mm->brk = brk;
	if (mm->def_flags & VM_LOCKED)
		populate = true;
success:
	if (populate)
		vm_populate_range(mm, oldbrk, newbrk, true);
	ret = brk;
	vm_debug_check_mm(mm);
	mm_up_write(&mm->mmap_lock);
	return ret;
out:
	mm->brk = origbrk;
	mm_up_write(&mm->mmap_lock);
	return origbrk;
}
