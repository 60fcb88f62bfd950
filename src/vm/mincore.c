/*
 * mincore.c - mincore(2).
 *
 * Model (mm/mincore.c): unaligned start is EINVAL, a range beyond the user address space
 * ENOMEM, a NULL vector EFAULT (checked in that order); len 0 succeeds. The vector is filled VMA
 * by VMA; a hole stops with ENOMEM after the bytes before it were written. Residency: a
 * private anonymous VMA's page is resident when a PTE maps it (the zero page counts, as in the
 * kernel), and only then (a VMA seeded from a maps snapshot has no pages until touched); a
 * regular file's pages are taken as cached (a warm page cache, until the page cache exists);
 * shmem (shared anonymous, memfd, /dev/shm) pages are resident once touched (vma->populated).
 */
#include "vm/internal.h"

int mm_mincore(struct mm_struct *mm, unsigned long start, unsigned long len, unsigned char *vec)
{
	unsigned long pages, end;
	struct vm_area_struct *vma;
	int err = 0;

	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (len > mm->task_size || start > mm->task_size - len)
		return -ENOMEM;
	pages = (len >> PAGE_SHIFT) + ((len & ~PAGE_MASK) != 0);
	if (!vec && pages)
		return -EFAULT;
	mm_down_read(&mm->mmap_lock);
	end = start + (pages << PAGE_SHIFT);
	while (start < end) {
		unsigned long stop, n;

		vma = vma_lookup(mm, start);
		if (!vma) {
			err = -ENOMEM;
			break;
		}
		stop = MIN(vma->vm_end, end);
		n = (stop - start) >> PAGE_SHIFT;
		if (vma_has_pages(vma)) {
			unsigned long i;

			for (i = 0; i < n; i++)
				vec[i] = vm_page_present(mm, start + (i << PAGE_SHIFT));
		} else {
			/* a regular file's pages are taken as cached; shmem has only what was touched */
			bool cached = vma->vm_file && !vma->vm_file->shmem && !vma->vm_file->tmpfs;

			memset(vec, cached || vma->populated, n);
		}
		vec += n;
		start = stop;
	}
	mm_up_read(&mm->mmap_lock);
	return err;
}
