/*
 * test_replay_hostile.c - a replay driven by a hostile trace (issue 11): host memory follows the
 * model's state, never a number of the trace; a host allocation failure is reported as such.
 * Each test replays lines in-process on a small machine with a replay_host that knows no file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "replay/replay_internal.h"
#include "testlib.h"

static int no_stat(const char *path, struct replay_file_stat *st, void *arg)
{
	(void)path; (void)st; (void)arg;
	return -ENOENT;
}

static long no_pread(const char *path, void *buf, size_t n, unsigned long long off, void *arg)
{
	(void)path; (void)buf; (void)n; (void)off; (void)arg;
	return -ENOENT;
}

static int no_realpath(const char *path, char *out, size_t size, void *arg)
{
	(void)path; (void)out; (void)size; (void)arg;
	return -ENOENT;
}

static const struct replay_host no_files = { no_stat, no_pread, no_realpath, NULL };

struct hostile {
	struct machine *m;
	struct replay *r;
	char why[512];
	unsigned long differed;
};

static void on_diff(const struct replay_diff *d, void *arg)
{
	fprintf(stderr, "%s\n", d->text);
	((struct hostile *)arg)->differed++;
}

static void start(struct hostile *h)
{
	struct replay_options o = { .check = true, .on_diff = on_diff, .diff_arg = h,
				    .host = &no_files };

	memset(h, 0, sizeof(*h));
	h->m = test_boot(256ULL << 20, 1, 1);
	assert_non_null(h->m);
	vm_set_overcommit(h->m, 1, 50, 0);	/* "always": a 1 TiB mapping is only a VMA */
	assert_int_equal(replay_new(h->m, &o, &h->r, h->why, sizeof(h->why)), 0);
}

static int line(struct hostile *h, const char *text)
{
	h->why[0] = 0;
	return replay_line(h->r, text, strlen(text), h->why, sizeof(h->why));
}

static void finish(struct hostile *h)
{
	replay_free(h->r);
	assert_machine_ok(h->m);
	machine_shutdown(h->m);
}

static long maxrss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/*
 * mincore over a mapped 1 TiB (2^28 pages): the answer is 0, read in chunks of one fixed 4 KiB
 * vector, where the replay once allocated (and the model filled) a vector of 256 MiB. Peak RSS
 * may not grow by 64 MiB. Over a range with a hole the answer is the kernel's ENOMEM, and a
 * NULL vector gets the range checks' answer (EFAULT only for a valid range).
 *
 *     0x10000000000 [ 1 TiB anonymous, NORESERVE ] hole
 */
static void test_mincore_bounded(void **state)
{
	struct hostile h;
	long before;

	(void)state;
	start(&h);
	before = maxrss_kb();
	assert_int_equal(line(&h, "1 mmap(0x10000000000, 1099511627776, PROT_READ|PROT_WRITE, "
			      "MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE|MAP_FIXED, -1, 0) = 0x10000000000"), 0);
	assert_int_equal(line(&h, "1 mincore(0x10000000000, 1099511627776, [0]) = 0"), 0);
	assert_int_equal(line(&h, "1 mincore(0x10000000000, 1099511631872, [0]) = "
			      "-1 ENOMEM (Cannot allocate memory)"), 0);
	assert_int_equal(line(&h, "1 mincore(0x10000000000, 17592186044416, [0]) = "
			      "-1 ENOMEM (Cannot allocate memory)"), 0);
	assert_int_equal(line(&h, "1 mincore(0x10000000000, 1099511627776, NULL) = "
			      "-1 EFAULT (Bad address)"), 0);
	assert_int_equal(line(&h, "1 mincore(0x10000000001, 17592186044416, NULL) = "
			      "-1 EINVAL (Invalid argument)"), 0);
	assert_int_equal(line(&h, "1 mincore(0x10000000000, 0xfffffffffffff000, NULL) = "
			      "-1 ENOMEM (Cannot allocate memory)"), 0);
	assert_int_equal(line(&h, "1 mincore(0x10000000000, 10000, [0]) = 0"), 0);
	assert_true(maxrss_kb() - before < 64 * 1024);
	assert_int_equal(h.differed, 0);
	finish(&h);
}

/*
 * fd tables: the highest fd nr_open allows (2^20 - 1) costs no more host memory than fd 3, and
 * 2,000 forks of a table holding it share it (the old dense table copied 2^20 slots per fork:
 * 201 lines reached 6.6 GB). Each child's writes stay its own: a child's close does not close
 * the parent's fd, the parent's later open is not in the child, CLOEXEC goes only at exec.
 */
static void test_fd_tables(void **state)
{
	struct hostile h;
	char text[256];
	long before;
	int i;

	(void)state;
	start(&h);
	before = maxrss_kb();
	assert_int_equal(line(&h, "1 openat(AT_FDCWD, \"/data/a\", O_RDWR) = 3</data/a>"), 0);
	assert_int_equal(line(&h, "1 dup2(3</data/a>, 1048575) = 1048575</data/a>"), 0);
	assert_int_equal(line(&h, "1 dup2(3</data/a>, 1048576) = 1048576"), 0);	/* beyond nr_open */
	assert_int_equal(line(&h, "1 openat(AT_FDCWD, \"/data/c\", O_RDONLY|O_CLOEXEC) = 5</data/c>"), 0);
	for (i = 0; i < 2000; i++) {
		snprintf(text, sizeof(text), "1 clone(child_stack=NULL, flags=SIGCHLD) = %d", 100 + i);
		assert_int_equal(line(&h, text), 0);
	}
	assert_true(maxrss_kb() - before < 256 * 1024);
	/* Child 100 closes 1048575 and opens /data/b at 4; the parent keeps its fd 1048575. */
	assert_int_equal(line(&h, "100 close(1048575) = 0"), 0);
	assert_int_equal(line(&h, "100 openat(AT_FDCWD, \"/data/b\", O_RDWR) = 4</data/b>"), 0);
	assert_int_equal(line(&h, "100 mmap(0x20000000, 4096, PROT_READ, MAP_SHARED|MAP_FIXED, 4, 0) = 0x20000000"), 0);
	assert_int_equal(line(&h, "100 mmap(0x20001000, 4096, PROT_READ, MAP_SHARED|MAP_FIXED, 1048575, 0) = -1 EBADF (Bad file descriptor)"), 0);
	assert_int_equal(line(&h, "1 mmap(0x20001000, 4096, PROT_READ, MAP_SHARED|MAP_FIXED, 1048575, 0) = 0x20001000"), 0);
	assert_int_equal(line(&h, "1 mmap(0x20002000, 4096, PROT_READ, MAP_SHARED|MAP_FIXED, 4, 0) = -1 EBADF (Bad file descriptor)"), 0);
	/* exec in child 101 closes its O_CLOEXEC fd 5, not the parent's. */
	assert_int_equal(line(&h, "101 execve(\"/nonexistent\", [\"x\"], 0x1 /* 0 vars */) = 0"), 0);
	assert_int_equal(line(&h, "101 mmap(0x20000000, 4096, PROT_READ, MAP_SHARED|MAP_FIXED, 5, 0) = -1 EBADF (Bad file descriptor)"), 0);
	assert_int_equal(line(&h, "101 mmap(0x20001000, 4096, PROT_READ, MAP_SHARED|MAP_FIXED, 3, 0) = 0x20001000"), 0);
	assert_int_equal(line(&h, "1 mmap(0x20003000, 4096, PROT_READ, MAP_SHARED|MAP_FIXED, 5, 0) = 0x20003000"), 0);
	assert_int_equal(h.differed, 0);
	finish(&h);
}

/* The lowest free fd of a scenario (no results) is found by the tree's masks. */
static void test_fd_lowest_free(void **state)
{
	struct fdtable *t = replay_fdtable_new(), *c;
	struct machine *m = test_boot(64ULL << 20, 1, 1);
	struct mm_file_desc d = { .path = "/f", .open_flags = 2, .size = 4096 };
	long fd;

	(void)state;
	assert_non_null(t);
	assert_int_equal(replay_fdtable_lowest_free(t), 0);
	for (fd = 0; fd < 40; fd++)
		assert_int_equal(replay_fdtable_install(t, fd, mm_file_open(m, &d), fd & 1), 0);
	assert_int_equal(replay_fdtable_lowest_free(t), 40);
	c = replay_fdtable_copy(t);
	assert_int_equal(replay_fdtable_close(c, 7), 0);
	assert_int_equal(replay_fdtable_lowest_free(c), 7);
	assert_int_equal(replay_fdtable_lowest_free(t), 40);
	assert_int_equal(replay_fdtable_close_on_exec(c), 0);
	assert_int_equal(replay_fdtable_lowest_free(c), 1);
	assert_null(replay_fdtable_get(c, 39));
	assert_non_null(replay_fdtable_get(t, 39));
	assert_non_null(replay_fdtable_get(c, 38));
	assert_int_equal(replay_fdtable_install(t, REPLAY_NR_OPEN, mm_file_open(m, &d), false),
			 -EBADF);
	assert_int_equal(replay_fdtable_install(t, REPLAY_NR_OPEN - 1, mm_file_open(m, &d), false),
			 0);
	assert_non_null(replay_fdtable_get(t, REPLAY_NR_OPEN - 1));
	assert_null(replay_fdtable_get(c, REPLAY_NR_OPEN - 1));
	replay_fdtable_put(c);
	replay_fdtable_put(t);
	assert_machine_ok(m);
	machine_shutdown(m);
}

/* A clone whose result is not a pid is unusable input, not a truncated int. */
static void test_clone_result_range(void **state)
{
	struct hostile h;

	(void)state;
	start(&h);
	assert_int_equal(line(&h, "1 clone(child_stack=NULL, flags=SIGCHLD) = 99999999999"), -EINVAL);
	assert_non_null(strstr(h.why, "is not a pid"));
	finish(&h);
}

/*
 * The model (here: its file objects, FAULT_MISC) out of memory is -ENOMEM from replay_line,
 * which `mmlab replay` reports as exit 1 "out of memory", never as unusable input.
 */
static void test_nomem_is_not_bad_input(void **state)
{
	struct hostile h;

	(void)state;
	start(&h);
	assert_int_equal(line(&h, "1 brk(NULL) = 0x555555560000"), 0);
	assert_int_equal(machine_fail_nth(h.m, FAULT_MISC, 1, -1), 0);
	assert_int_equal(line(&h, "1 openat(AT_FDCWD, \"/data/a\", O_RDWR) = 3</data/a>"), -ENOMEM);
	/* an fd first seen in an mmap's -y annotation: its file object cannot be made either */
	assert_int_equal(line(&h, "1 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 7</data/b>, 0) = "
				  "0x7ffff7ff0000"), -ENOMEM);
	assert_int_equal(line(&h, "1 dup(8</data/c>) = 9</data/c>"), -ENOMEM);
	machine_fault_clear(h.m);
	finish(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mincore_bounded),	/* first: it measures peak RSS */
		cmocka_unit_test(test_fd_tables),
		cmocka_unit_test(test_fd_lowest_free),
		cmocka_unit_test(test_clone_result_range),
		cmocka_unit_test(test_nomem_is_not_bad_input),
	};

	return mmlab_run_tests(tests, NULL, NULL);
}
