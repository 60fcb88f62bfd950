/*
 * file.c - file objects for mappings: open file descriptions over shared inodes, and the shmem
 * objects behind shared anonymous mappings.
 *
 * Model. An mm_file is what a file descriptor points at (the kernel's struct file): a path, an
 * access mode and a reference to an inode, which is shared by every open of the same (dev, ino)
 * and carries i_size. Mappings compare files by identity, so two opens of one file never merge,
 * as in the kernel. A shared anonymous mapping gets its own shmem object named
 * "/dev/zero (deleted)" on device 00:01 with a fresh inode number; its pages are charged to
 * Committed_AS (unless MAP_NORESERVE) until the last mapping of the object goes away.
 *
 * Locking: the inode table is under vm_state->lock; references are atomic.
 */
#include "vm/internal.h"

static unsigned int inode_hash(unsigned int major, unsigned int minor, unsigned long ino)
{
	return (unsigned int)((ino * 2654435761UL) ^ (major << 8) ^ minor) % 256;
}

static struct mm_inode *inode_get(struct machine *m, unsigned int major, unsigned int minor,
				  unsigned long ino, unsigned long long size, bool share)
{
	struct vm_state *vs = m->vm;
	unsigned int h = inode_hash(major, minor, ino);
	struct mm_inode *in;

	mm_lock(&vs->lock);
	if (share)
		for (in = vs->inodes[h]; in; in = in->hash_next)
			if (in->dev_major == major && in->dev_minor == minor && in->ino == ino) {
				atomic_fetch_add(&in->refcount, 1);
				mm_unlock(&vs->lock);
				return in;
			}
	in = mm_meta_zalloc(m, sizeof(*in));
	if (in) {
		atomic_init(&in->refcount, 1);
		in->dev_major = major;
		in->dev_minor = minor;
		in->ino = ino;
		in->size = size;
		if (share) {
			in->hash_next = vs->inodes[h];
			vs->inodes[h] = in;
		}
	}
	mm_unlock(&vs->lock);
	return in;
}

static void inode_put(struct machine *m, struct mm_inode *in, bool shared)
{
	struct vm_state *vs = m->vm;
	struct mm_inode **pp;

	if (atomic_fetch_sub(&in->refcount, 1) != 1)
		return;
	if (shared) {
		mm_lock(&vs->lock);
		for (pp = &vs->inodes[inode_hash(in->dev_major, in->dev_minor, in->ino)]; *pp;
		     pp = &(*pp)->hash_next)
			if (*pp == in) {
				*pp = in->hash_next;
				break;
			}
		mm_unlock(&vs->lock);
	}
	mm_meta_free(m, in);
}

static struct mm_file *file_new(struct machine *m, const char *path, struct mm_inode *in)
{
	struct mm_file *f = mm_meta_zalloc(m, sizeof(*f));

	if (!f)
		return NULL;
	f->path = strdup(path ? path : "");
	if (!f->path) {
		mm_meta_free(m, f);
		return NULL;
	}
	f->machine = m;
	f->inode = in;
	atomic_init(&f->refcount, 1);
	return f;
}

struct mm_file *mm_file_open(struct machine *m, const struct mm_file_desc *desc)
{
	struct mm_inode *in;
	struct mm_file *f;

	if (!desc)
		return NULL;
	in = inode_get(m, desc->dev_major, desc->dev_minor, desc->ino, desc->size, true);
	if (!in)
		return NULL;
	f = file_new(m, desc->path, in);
	if (!f) {
		inode_put(m, in, true);
		return NULL;
	}
	f->open_flags = desc->open_flags;
	f->kind = desc->kind;
	f->noexec = desc->noexec;
	f->append_only = desc->append_only;
	f->tmpfs = desc->tmpfs;
	return f;
}

struct mm_file *shmem_zero_setup(struct machine *m, unsigned long size)
{
	unsigned long ino = atomic_fetch_add(&m->vm->next_shmem_ino, 1);
	struct mm_inode *in = inode_get(m, 0, 1, ino, size, false);
	struct mm_file *f;

	if (!in)
		return NULL;
	f = file_new(m, "/dev/zero (deleted)", in);
	if (!f) {
		inode_put(m, in, false);
		return NULL;
	}
	f->open_flags = O_RDWR;
	f->kind = MM_FILE_REGULAR;
	f->shmem = true;
	return f;
}

struct mm_file *mm_file_get(struct mm_file *f)
{
	atomic_fetch_add(&f->refcount, 1);
	return f;
}

void mm_file_put(struct mm_file *f)
{
	struct machine *m;

	if (!f || atomic_fetch_sub(&f->refcount, 1) != 1)
		return;
	m = f->machine;
	if (f->shmem_acct_pages)
		vm_unacct_memory(m, (long)f->shmem_acct_pages);
	inode_put(m, f->inode, !f->shmem);
	free(f->path);
	mm_meta_free(m, f);
}

int mm_file_truncate(struct mm_file *f, unsigned long long size)
{
	int acc = f->open_flags & O_ACCMODE;

	if (f->kind != MM_FILE_REGULAR || f->shmem || acc == O_RDONLY)
		return -EINVAL;
	if ((long long)size < 0)
		return -EINVAL;
	f->inode->size = size;
	return 0;
}

unsigned long long mm_file_size(const struct mm_file *f)
{
	return f->inode->size;
}

const char *mm_file_path(const struct mm_file *f)
{
	return f->path;
}

int vm_file_init(struct vm_state *vs)
{
	/* The kernel's shmem inode numbers start low; any fresh number will do. */
	atomic_init(&vs->next_shmem_ino, 1024);
	return 0;
}

void vm_file_exit(struct vm_state *vs)
{
	(void)vs;
}
