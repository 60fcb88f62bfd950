/*
 * mremap.c - mremap(2): shrink, grow in place, move (MREMAP_MAYMOVE), move to a fixed place
 * (MREMAP_FIXED), move leaving the old range mapped (MREMAP_DONTUNMAP), and old_len 0
 * (duplicating a shared mapping).
 *
 * Model (mm/mremap.c, 6.16+ structure): parameter checks (flags, alignment, new_len 0, sizes,
 * then for a given new address: range, alignment, MAYMOVE required, DONTUNMAP with a size
 * change, overlap) all EINVAL; then the VMA at addr must exist (EFAULT); growing or moving
 * needs [addr, addr + old_len) inside it (EFAULT), no VM_DONTEXPAND/VM_PFNMAP (EFAULT), room
 * under RLIMIT_MEMLOCK (EAGAIN) and RLIMIT_AS/DATA (ENOMEM). Growing in place happens when the
 * range ends the VMA and the pages after it are free; otherwise a move needs MREMAP_MAYMOVE
 * (ENOMEM) and max_map_count - 3 (ENOMEM). A move creates the new VMA the way copy_vma() does
 * (merging with neighbours; an anonymous VMA never written takes the new address as page
 * offset) and unmaps the old range, keeping the commit charge.
 *
 * MREMAP_FIXED with equal lengths moves every VMA of the range, gaps kept (6.17+).
 */
#include "vm/internal.h"

/*
 * The new VMA of a move, as copy_vma(): merged into a neighbour when the kernel would, else a
 * vm_area_dup() of @vma from the reserve. NULL (-ENOMEM, nothing changed) if that copy fails.
 */
static struct vm_area_struct *copy_vma(struct mm_struct *mm, struct vm_area_struct *vma,
				       unsigned long addr, unsigned long len, unsigned long pgoff)
{
	struct vma_merge_desc d;
	struct vm_area_struct *new;

	if (vma_is_anonymous(vma) && !vma->anon_vma)
		pgoff = addr >> PAGE_SHIFT;
	d = (struct vma_merge_desc){
		.start = addr, .end = addr + len, .pgoff = pgoff, .flags = vma->vm_flags,
		.file = vma->vm_file, .anon_vma = vma->anon_vma, .anon_name = vma->anon_name,
		.middle = vma->anon_vma && !anon_vma_chain_singular(vma) ? vma : NULL,
	};
	new = vma_merge_new_range(mm, &d);
	if (new) {
		take_anon(new, vma);
		new->populated |= vma->populated;
		return new;
	}
	new = vm_area_dup(mm, vma);
	if (!new)
		return NULL;
	new->vm_start = addr;
	new->vm_end = addr + len;
	new->vm_pgoff = pgoff;
	/*
	 * The copy is always an ordinary VMA: a moved [vdso] or [vvar] loses its name here (the
	 * host kernel keeps it); kept as it was when this became a vm_area_dup() user.
	 */
	new->special = VMA_NORMAL;
	anon_vma_clone_reserved(new, vma);
	vma_link(mm, new);
	return new;
}

static long move_vma(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long old_addr,
		     unsigned long old_len, unsigned long new_len, unsigned long new_addr,
		     unsigned long flags)
{
	unsigned long vm_flags = vma->vm_flags, charged = 0, hiwater = mm->hiwater_vm;
	unsigned long pgoff = vma->vm_pgoff + ((old_addr - vma->vm_start) >> PAGE_SHIFT);
	bool whole = vma->vm_start == old_addr && vma->vm_end == old_addr + old_len;
	struct vm_area_struct *new;
	int err;

	if (mm->map_count >= vm_of(mm)->max_map_count - 3)
		return -ENOMEM;
	if (vm_flags & VM_ACCOUNT) {
		if (flags & MREMAP_DONTUNMAP)
			charged = new_len >> PAGE_SHIFT;
		else if (new_len > old_len)
			charged = (new_len - old_len) >> PAGE_SHIFT;
		if (charged && vm_enough_memory(mm, (long)charged))
			return -ENOMEM;
	}
	/*
	 * The copy and up to two splits of the old range copy @vma's name: the splits cut @vma, or
	 * the neighbour the copy merged into, which has the same name.
	 */
	err = vma_prealloc(mm, 4);
	if (!err)
		err = vma_prealloc_names(mm, (struct vm_area_struct *const[]){ vma, vma, vma }, 3);
	if (err) {
		if (charged)
			vm_unacct_memory(mm->machine, (long)charged);
		return err;
	}
	/* The destination tables first: a failure there changes nothing. */
	err = move_page_tables(vma, old_addr, NULL, new_addr, old_len);
	if (err) {
		/* free the destination tables already allocated, as the kernel's munmap of it */
		unmap_region(mm, new_addr, new_addr + old_len);
		if (charged)
			vm_unacct_memory(mm->machine, (long)charged);
		return err;
	}
	new = copy_vma(mm, vma, new_addr, new_len, pgoff);
	if (!new) {
		move_page_tables(vma, new_addr, NULL, old_addr, old_len);	/* tables exist */
		unmap_region(mm, new_addr, new_addr + old_len);
		if (charged)
			vm_unacct_memory(mm->machine, (long)charged);
		return -ENOMEM;
	}
	/* copy_vma may have merged away nothing of the old range: look the old VMA up again. */
	vma = find_vma(mm, old_addr);
	if (flags & MREMAP_DONTUNMAP) {
		vma_set_flags(mm, vma, vma->vm_flags & ~VM_LOCKED_MASK);
		if (whole && new != vma) {
			unlink_anon_vmas(vma);	/* its pages went with the tables */
			vma->populated = false;
		}
		mm->hiwater_vm = MAX(hiwater, mm->total_vm);
		return (long)new_addr;
	}
	err = vma_split_range(mm, old_addr, old_addr + old_len);
	MM_BUG_ON(err);		/* map count checked and VMAs reserved above */
	/* The charge moves with the pages: unmapping the old range must not give it back. */
	if (vm_flags & VM_ACCOUNT)
		vm_acct_memory(mm->machine, (long)(old_len >> PAGE_SHIFT));
	vm_unmap_range(mm, old_addr, old_addr + old_len);
	mm->hiwater_vm = MAX(hiwater, mm->total_vm);
	return (long)new_addr;
}

static bool vma_expandable(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long delta)
{
	unsigned long end = vma->vm_end + delta;

	if (end < vma->vm_end)
		return false;
	if (find_vma_intersection(mm, vma->vm_end, end))
		return false;
	if (get_unmapped_area(mm, NULL, vma->vm_start, end - vma->vm_start, 0, MAP_FIXED, 0) &
	    ~PAGE_MASK)
		return false;
	return true;
}

static long expand_in_place(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long delta)
{
	unsigned long pages = delta >> PAGE_SHIFT;
	struct vma_merge_desc d;
	int err;

	if ((vma->vm_flags & VM_ACCOUNT) && vm_enough_memory(mm, (long)pages))
		return -ENOMEM;
	err = vma_prealloc(mm, 1);
	if (err) {
		if (vma->vm_flags & VM_ACCOUNT)
			vm_unacct_memory(mm->machine, (long)pages);
		return err;
	}
	d = (struct vma_merge_desc){
		.start = vma->vm_end, .end = vma->vm_end + delta,
		.pgoff = vma->vm_pgoff + vma_pages(vma), .flags = vma->vm_flags,
		.file = vma->vm_file, .anon_vma = vma->anon_vma, .anon_name = vma->anon_name,
	};
	if (!vma_merge_new_range(mm, &d)) {
		/* A VM_SPECIAL VMA cannot merge: extend it directly, as vma_expand does. */
		vma_set_range(mm, vma, vma->vm_start, vma->vm_end + delta, vma->vm_pgoff);
	}
	return 0;
}

/* The checks of a resize (not of a pure move): pgoff overflow, special VMAs, limits. */
static long resize_is_valid(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr,
			    unsigned long old_len, unsigned long new_len, unsigned long delta)
{
	unsigned long pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);

	if (pgoff + (new_len >> PAGE_SHIFT) < pgoff)
		return -EINVAL;
	if (vma->vm_flags & (VM_DONTEXPAND | VM_PFNMAP))
		return -EFAULT;
	if (new_len > old_len) {
		if (!mlock_future_ok(mm, vma->vm_flags, delta))
			return -EAGAIN;
		if (!may_expand_vm(mm, vma->vm_flags, delta >> PAGE_SHIFT))
			return -ENOMEM;
	}
	return 0;
}

static long remap_one(struct mm_struct *mm, unsigned long addr, unsigned long old_len,
		      unsigned long new_len, unsigned long flags, unsigned long new_addr);

/*
 * May this VMA be one of several moved by one call? Not if its file places mappings with its
 * own get_unmapped_area that could ignore MAP_FIXED: of the files mmlab knows, that is only
 * /dev/zero mapped privately (a shared /dev/zero VMA is backed by shmem, which is known good;
 * regular files on ext4 and tmpfs use the generic THP-aware placement, also known good).
 */
static bool vma_multi_allowed(const struct vm_area_struct *vma)
{
	return !vma->vm_file || vma->vm_file->kind != MM_FILE_DEV_ZERO ||
	       (vma->vm_flags & VM_SHARED);
}

/*
 * MREMAP_FIXED with old_len == new_len moves every VMA of [addr, addr + len) (6.17+), keeping
 * the gaps between them; a gap at the start is EFAULT. A VMA that may not take part in a
 * multi-VMA move (vma_multi_allowed) is moved only if it covers the whole range: met after
 * another VMA, or ending before the range does (even at a gap), it makes the call fail with
 * EFAULT before it moves, the pieces already moved staying moved (host kernel 6.18).
 * Returns the first piece's new address.
 */
static long remap_move(struct mm_struct *mm, unsigned long start, unsigned long len,
		       unsigned long flags, unsigned long new_addr)
{
	unsigned long end = start + len, target = new_addr, last_end = 0, cur = start;
	long res = -EFAULT;
	bool seen = false;

	while (cur < end) {
		struct vm_area_struct *vma = find_vma(mm, cur);
		unsigned long a, l, off;
		long r;

		if (!vma || vma->vm_start >= end)
			break;
		if (!seen && start < vma->vm_start)
			return -EFAULT;
		if (!vma_multi_allowed(vma) && (seen || vma->vm_end < end))
			return -EFAULT;
		a = MAX(vma->vm_start, cur);
		l = MIN(end, vma->vm_end) - a;
		off = seen ? vma->vm_start - last_end : 0;
		last_end = vma->vm_end;
		r = remap_one(mm, a, l, l, flags, target + off);
		if (r < 0)
			return r;
		if (!seen)
			res = r;
		seen = true;
		target = (unsigned long)r + l;
		cur = a + l;
	}
	return res;
}

static long do_mremap(struct mm_struct *mm, unsigned long addr, unsigned long old_len,
		      unsigned long new_len, unsigned long flags, unsigned long new_addr)
{
	bool implies_new = flags & (MREMAP_FIXED | MREMAP_DONTUNMAP);

	if (flags & ~(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP))
		return -EINVAL;
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	old_len = PAGE_ALIGN(old_len);
	new_len = PAGE_ALIGN(new_len);
	if (!new_len)
		return -EINVAL;
	if (new_len > mm->task_size)
		return -EINVAL;
	if (implies_new) {
		if (new_addr > mm->task_size - new_len)
			return -EINVAL;
		if (new_addr & ~PAGE_MASK)
			return -EINVAL;
		if (!(flags & MREMAP_MAYMOVE))
			return -EINVAL;
		if ((flags & MREMAP_DONTUNMAP) && old_len != new_len)
			return -EINVAL;
		if ((flags & MREMAP_FIXED) && addr < new_addr + new_len && new_addr < addr + old_len)
			return -EINVAL;
	}

	if ((flags & MREMAP_FIXED) && old_len == new_len)
		return remap_move(mm, addr, old_len, flags, new_addr);
	return remap_one(mm, addr, old_len, new_len, flags, new_addr);
}

/*
 * A move to a new place (MREMAP_FIXED or MREMAP_DONTUNMAP), before the move: unmap the
 * destination (FIXED) and the shrunk tail, then check the resize (mremap_to's order, so by
 * then a shrink has equal lengths). Updates *@vma and *@old_len. 0 or the errno.
 */
static long mremap_to_prepare(struct mm_struct *mm, struct vm_area_struct **vma,
			      unsigned long addr, unsigned long *old_len, unsigned long new_len,
			      unsigned long flags, unsigned long new_addr, unsigned long delta)
{
	long res;

	if (flags & MREMAP_FIXED) {
		res = do_munmap(mm, new_addr, new_len);
		if (res)
			return res;
		*vma = vma_lookup(mm, addr);
		if (!*vma)
			return -EFAULT;
	}
	if (*old_len > new_len) {
		res = do_munmap(mm, addr + new_len, *old_len - new_len);
		if (res)
			return res;
		*old_len = new_len;
		*vma = vma_lookup(mm, addr);
	} else if (new_len > *old_len) {
		res = resize_is_valid(mm, *vma, addr, *old_len, new_len, delta);
		if (res)
			return res;
	}
	if ((flags & MREMAP_DONTUNMAP) &&
	    !may_expand_vm(mm, (*vma)->vm_flags, *old_len >> PAGE_SHIFT))
		return -ENOMEM;
	return 0;
}

/*
 * A resize where the mapping is: nothing, a shrink (unmap the tail), or growth into the free
 * pages after the VMA. Sets *@move when only a move can do it (MREMAP_MAYMOVE given); returns
 * @addr or the errno otherwise.
 */
static long remap_in_place(struct mm_struct *mm, struct vm_area_struct *vma, unsigned long addr,
			   unsigned long old_len, unsigned long new_len, unsigned long flags,
			   unsigned long delta, bool *move)
{
	long res;

	*move = false;
	if (old_len == new_len)
		return (long)addr;
	if (old_len > new_len) {
		res = do_munmap(mm, addr + new_len, old_len - new_len);
		return res ? res : (long)addr;
	}
	if (old_len == vma->vm_end - addr && vma_expandable(mm, vma, delta)) {
		res = expand_in_place(mm, vma, delta);
		if (res)
			return res;
		if (vma->vm_flags & VM_LOCKED)
			vm_populate_range(mm, addr + old_len, addr + new_len, true);
		return (long)addr;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	*move = true;
	return 0;
}

/*
 * Move [addr, addr + old_len) of @vma to a new place of @new_len bytes: @hint is the fixed
 * address (MREMAP_FIXED), a hint (DONTUNMAP) or 0. old_len 0 duplicates a shared mapping.
 */
static long remap_to_new_place(struct mm_struct *mm, struct vm_area_struct *vma,
			       unsigned long addr, unsigned long old_len, unsigned long new_len,
			       unsigned long flags, unsigned long hint)
{
	unsigned long map_flags = (flags & MREMAP_FIXED) ? MAP_FIXED : 0, pgoff, new_addr;
	long res;

	if (vma->vm_flags & VM_MAYSHARE)
		map_flags |= MAP_SHARED;
	pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	/*
	 * Anonymous memory has no file offset to keep congruent: like a new anonymous mmap, a
	 * multiple of 2 MiB is placed 2 MiB-aligned (observed on the reference kernel, 6.18).
	 */
	new_addr = get_unmapped_area(mm, vma->vm_file, hint, new_len, vma->vm_file ? pgoff : 0,
				     map_flags, vma->vm_flags);
	if (IS_ERR_VALUE(new_addr))
		return (long)new_addr;
	if (!old_len) {
		/* Duplicate a shared mapping: a new VMA over the same object. */
		int err = vma_prealloc(mm, 1);

		if (err)
			return err;
		return copy_vma(mm, vma, new_addr, new_len, pgoff) ? (long)new_addr : -ENOMEM;
	}
	res = move_vma(mm, vma, addr, old_len, new_len, new_addr, flags);
	/*
	 * A locked mapping keeps its pages as they move; only a part that grew is faulted in
	 * (so a move of an untouched locked VMA leaves it without an anon_vma, as on the host).
	 */
	if (res >= 0 && new_len > old_len && (find_vma(mm, res)->vm_flags & VM_LOCKED))
		vm_populate_range(mm, (unsigned long)res + old_len, (unsigned long)res + new_len, true);
	return res;
}

static long remap_one(struct mm_struct *mm, unsigned long addr, unsigned long old_len,
		      unsigned long new_len, unsigned long flags, unsigned long new_addr)
{
	bool implies_new = flags & (MREMAP_FIXED | MREMAP_DONTUNMAP), move;
	struct vm_area_struct *vma;
	unsigned long delta;
	long res;

	vma = vma_lookup(mm, addr);
	if (!vma)
		return -EFAULT;
	if (!old_len && !(vma->vm_flags & (VM_SHARED | VM_MAYSHARE)))
		return -EINVAL;
	/* Leaving a copy behind would grow a special mapping: refused before the EFAULT checks. */
	if ((flags & MREMAP_DONTUNMAP) && (vma->vm_flags & (VM_DONTEXPAND | VM_PFNMAP)))
		return -EINVAL;
	delta = new_len > old_len ? new_len - old_len : old_len - new_len;
	if (new_len > old_len || implies_new) {
		/* A move that shrinks unmaps the tail first: only what moves must be in the VMA. */
		if (MIN(old_len, implies_new ? new_len : old_len) > vma->vm_end - addr)
			return -EFAULT;
		/*
		 * A move to a new place checks the resize only after unmapping the destination and
		 * the shrunk tail (mremap_to_prepare).
		 */
		if (new_len != old_len && !implies_new) {
			res = resize_is_valid(mm, vma, addr, old_len, new_len, delta);
			if (res)
				return res;
		}
	}

	if (implies_new) {
		res = mremap_to_prepare(mm, &vma, addr, &old_len, new_len, flags, new_addr, delta);
		if (res)
			return res;
	} else {
		res = remap_in_place(mm, vma, addr, old_len, new_len, flags, delta, &move);
		if (!move)
			return res;
	}
	return remap_to_new_place(mm, vma, addr, old_len, new_len, flags,
				  implies_new ? new_addr : 0);
}

long mm_mremap(struct mm_struct *mm, unsigned long old_addr, unsigned long old_len,
	       unsigned long new_len, unsigned long flags, unsigned long new_addr)
{
	long ret;

	mm_down_write(&mm->mmap_lock);
	ret = do_mremap(mm, old_addr, old_len, new_len, flags, new_addr);
	vm_debug_check_mm(mm);
	mm_up_write(&mm->mmap_lock);
	return ret;
}
