/*
 * test_host_cases.c - the replay differences found with test_replay_diff, each reduced to its
 * minimal syscall sequence and run twice: for real on the host kernel (the oracle) and on
 * mmlab, at the same fixed addresses in a window far from everything else. Every call's result
 * and the window's /proc/PID/maps lines must be equal; each case also checks the kernel's
 * answer it was written for, so a different host kernel shows up as a clear failure.
 */
#include "vmtest.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <unistd.h>

#define WIN	0x310000000000UL
#define W(p)	(WIN + (unsigned long)(p) * PAGE_SIZE)
#define WIN_END	W(64)

/* Both sides of one case: the host's /dev/zero fd and mmlab's file for it. */
struct hc {
	struct vmt t;
	int zero_fd;
	struct mm_file *zero;
};

/* The window's lines of a maps text, in @out. */
static void window_lines(const char *maps, char *out, size_t size)
{
	const char *line = maps;
	size_t len = 0;

	out[0] = '\0';
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);
		unsigned long start = strtoul(line, NULL, 16);

		if (start >= WIN && start < WIN_END && len + n < size) {
			memcpy(out + len, line, n);
			len += n;
			out[len] = '\0';
		}
		if (!nl)
			break;
		line = nl + 1;
	}
}

static void compare_maps(struct hc *c, const char *step)
{
	static char host[1 << 20], hw[8192], lw[8192];
	int fd = open("/proc/self/maps", O_RDONLY);
	ssize_t n, len = 0;
	char *lab;

	while ((n = read(fd, host + len, sizeof(host) - 1 - (size_t)len)) > 0)
		len += n;
	close(fd);
	host[len] = '\0';
	window_lines(host, hw, sizeof(hw));
	lab = vmt_maps(c->t.mm);
	window_lines(lab, lw, sizeof(lw));
	free(lab);
	if (strcmp(hw, lw))
		fail_msg("after %s, maps differ\nkernel:\n%smmlab:\n%s", step, hw, lw);
}

/* A host result as mmlab returns it: the address, or -errno. */
static long host_ret(long r)
{
	return r == -1 ? -errno : r;
}

static long both_mmap(struct hc *c, unsigned long addr, unsigned long len, int prot, int flags,
		      bool zero, unsigned long off)
{
	void *p = mmap((void *)addr, len, prot, flags, zero ? c->zero_fd : -1, (off_t)off);
	long h = p == MAP_FAILED ? -errno : (long)p;
	long l = mm_mmap(c->t.mm, addr, len, (unsigned long)prot, (unsigned long)flags,
			 zero ? c->zero : NULL, off);

	assert_int_equal(l, h);
	return h;
}

static void setup(struct hc *c)
{
	struct mm_file_desc d = { .path = "/dev/zero", .open_flags = O_RDWR,
				  .kind = MM_FILE_DEV_ZERO };
	struct stat st;

	munmap((void *)WIN, WIN_END - WIN);	/* what a failed case left */
	vmt_setup(&c->t, 0);
	c->zero_fd = open("/dev/zero", O_RDWR);
	assert_true(c->zero_fd >= 0);
	fstat(c->zero_fd, &st);
	d.dev_major = major(st.st_dev);
	d.dev_minor = minor(st.st_dev);
	d.ino = st.st_ino;
	c->zero = mm_file_open(c->t.m, &d);
	assert_non_null(c->zero);
}

static void teardown(struct hc *c)
{
	munmap((void *)WIN, WIN_END - WIN);
	close(c->zero_fd);
	mm_file_put(c->zero);
	vmt_teardown(&c->t);
}

/*
 * A moved private /dev/zero piece that was never written takes its new address as page
 * offset: the kernel's copy_vma() asks vma_is_anonymous(), which a private /dev/zero mapping
 * is (its mmap handler drops the vm_ops). Seeds 31342, 62674, 125349 of test_replay_diff.
 *
 *   0123456789abcdef
 *   ZZZZ..........     private /dev/zero at offset 0x12000
 *   ..........ZZ       mremap 2 pages to page 10: offset = W(10) >> PAGE_SHIFT
 */
static void case_devzero_move_pgoff(struct hc *c)
{
	long h, l;

	both_mmap(c, W(0), 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, true,
		  0x12000);
	h = host_ret((long)mremap((void *)W(0), 2 * PAGE_SIZE, 2 * PAGE_SIZE,
				  MREMAP_MAYMOVE | MREMAP_FIXED, (void *)W(10)));
	l = mm_mremap(c->t.mm, W(0), 2 * PAGE_SIZE, 2 * PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED,
		      W(10));
	assert_int_equal(l, h);
	assert_int_equal(h, (long)W(10));
	compare_maps(c, "the move");
	{
		struct mm_vma_info vi;

		assert_true(mm_vma_at(c->t.mm, W(10), &vi));
		assert_int_equal(vi.pgoff, W(10) >> PAGE_SHIFT);
	}
}

/*
 * A multi-VMA MREMAP_FIXED move (equal lengths) refuses VMAs whose file has its own
 * get_unmapped_area: private /dev/zero. Met after another VMA, or not covering the range to its
 * end, it makes the call fail with EFAULT before it moves, the pieces before it already
 * moved. Alone, it moves. Seeds 125350, 156686.
 *
 *   0123456789abcdef...
 *   AZ                 anonymous page, then a private /dev/zero page
 *   .Z..............A  mremap(0, 2 pages, FIXED to 16): A moved, then EFAULT
 *   ZA                 and the other order: EFAULT before anything moved
 *   Z.                 /dev/zero then a gap: EFAULT; Z alone: moved
 */
static void case_multi_move_devzero(struct hc *c)
{
	long h, l;

	both_mmap(c, W(0), PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, false, 0);
	both_mmap(c, W(1), PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, true, 0x3000);
	h = host_ret((long)mremap((void *)W(0), 2 * PAGE_SIZE, 2 * PAGE_SIZE,
				  MREMAP_MAYMOVE | MREMAP_FIXED, (void *)W(16)));
	l = mm_mremap(c->t.mm, W(0), 2 * PAGE_SIZE, 2 * PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED,
		      W(16));
	assert_int_equal(l, h);
	assert_int_equal(h, -EFAULT);
	compare_maps(c, "moving anon + /dev/zero");

	both_mmap(c, W(32), PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, true, 0x5000);
	both_mmap(c, W(33), PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, false, 0);
	h = host_ret((long)mremap((void *)W(32), 2 * PAGE_SIZE, 2 * PAGE_SIZE,
				  MREMAP_MAYMOVE | MREMAP_FIXED, (void *)W(48)));
	l = mm_mremap(c->t.mm, W(32), 2 * PAGE_SIZE, 2 * PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED,
		      W(48));
	assert_int_equal(l, h);
	assert_int_equal(h, -EFAULT);
	compare_maps(c, "moving /dev/zero + anon");

	both_mmap(c, W(40), PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_FIXED, true, 0x7000);
	h = host_ret((long)mremap((void *)W(40), 2 * PAGE_SIZE, 2 * PAGE_SIZE,
				  MREMAP_MAYMOVE | MREMAP_FIXED, (void *)W(56)));
	l = mm_mremap(c->t.mm, W(40), 2 * PAGE_SIZE, 2 * PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED,
		      W(56));
	assert_int_equal(l, h);
	assert_int_equal(h, -EFAULT);
	h = host_ret((long)mremap((void *)W(40), PAGE_SIZE, PAGE_SIZE,
				  MREMAP_MAYMOVE | MREMAP_FIXED, (void *)W(56)));
	l = mm_mremap(c->t.mm, W(40), PAGE_SIZE, PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, W(56));
	assert_int_equal(l, h);
	assert_int_equal(h, (long)W(56));
	compare_maps(c, "moving /dev/zero alone");
}

/*
 * mlock over a hole locks the VMAs before it and fails with ENOMEM before populating: those
 * VMAs get no anon_vma, so a later mprotect that makes two of them equal merges them. Seeds
 * 31340, 94017, 156686, 219361.
 *
 *   0123
 *   ABB.   A rw-, B rwx, then a hole; mlock(0, 4 pages) = ENOMEM
 *   AAA.   mprotect(A, rwx): one VMA on the kernel
 */
static void case_mlock_hole_no_populate(struct hc *c)
{
	long h, l;

	both_mmap(c, W(0), PAGE_SIZE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, false, 0);
	both_mmap(c, W(1), 2 * PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, false, 0);
	/* Raw system call: sanitizer runtimes intercept mlock() as a no-op. */
	h = host_ret(syscall(SYS_mlock, W(0), 4 * PAGE_SIZE));
	l = mm_mlock(c->t.mm, W(0), 4 * PAGE_SIZE);
	assert_int_equal(l, h);
	assert_int_equal(h, -ENOMEM);
	h = host_ret(mprotect((void *)W(0), PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC));
	l = mm_mprotect(c->t.mm, W(0), PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC);
	assert_int_equal(l, h);
	compare_maps(c, "mlock over a hole, then mprotect");
	{
		struct mm_vma_info vi;

		assert_true(mm_vma_at(c->t.mm, W(0), &vi));
		assert_int_equal(vi.end, W(3));
	}
	syscall(SYS_munlock, W(0), 3 * PAGE_SIZE);
}

static void run_case(void (*fn)(struct hc *c))
{
	struct hc c;

	setup(&c);
	fn(&c);
	teardown(&c);
}

static void test_devzero_move_pgoff(void **state)
{
	(void)state;
	run_case(case_devzero_move_pgoff);
}

static void test_multi_move_devzero(void **state)
{
	(void)state;
	run_case(case_multi_move_devzero);
}

static void test_mlock_hole_no_populate(void **state)
{
	(void)state;
	run_case(case_mlock_hole_no_populate);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_devzero_move_pgoff),
		cmocka_unit_test(test_multi_move_devzero),
		cmocka_unit_test(test_mlock_hole_no_populate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
