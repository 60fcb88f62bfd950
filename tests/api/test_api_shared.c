/*
 * test_api_shared.c - a program written against the public headers alone, linked against
 * libmmlab.so rather than the static library, uses every layer: it boots a machine, allocates
 * pages, slab objects and a mapping, reads and prints /proc and replays a trace line. It does not link if a
 * public header (an inline function, a macro) needs a symbol the shared library hides.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <mmlab/mmlab.h>
#include <mmlab/replay.h>

static struct machine *boot_small(void)
{
	struct machine_config cfg;
	struct machine *m = NULL;

	machine_config_default(&cfg);
	cfg.mem_bytes = 64ULL << 20;
	cfg.nr_nodes = 1;
	cfg.nr_holes = 0;
	assert_int_equal(machine_boot(&cfg, &m), 0);
	assert_ptr_equal(machine_current(), m);
	return m;
}

static void test_pages_and_slab(void **state)
{
	struct machine *m = boot_small();
	unsigned long before = nr_free_pages();
	struct page *p = alloc_page(GFP_KERNEL | __GFP_ZERO);	/* an inline wrapper */
	char *obj;

	assert_non_null(p);
	assert_int_equal(page_count(p), 1);
	assert_ptr_equal(virt_to_page(page_address(p)), p);
	__free_pages(p, 0);
	obj = kmalloc(100, GFP_KERNEL);
	assert_non_null(obj);
	assert_int_equal(ksize(obj), 128);
	kfree(obj);
	drain_all_pages(NULL);
	assert_true(nr_free_pages() <= before);
	assert_int_equal(machine_check(m, NULL, 0), 0);
	machine_shutdown(m);
}

static void test_mapping_and_proc(void **state)
{
	struct machine *m = boot_small();
	int err = 0;
	struct mm_struct *mm = mm_create(m, NULL, &err);
	char buf[4096];
	long addr;

	assert_non_null(mm);
	addr = mm_mmap(mm, 0, 8 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       NULL, 0);
	assert_true(addr > 0);
	assert_int_equal(mm_touch(mm, (unsigned long)addr, true), 0);
	assert_true(mm_maps_read(mm, buf, sizeof(buf)) > 0);
	assert_int_equal(mm_munmap(mm, (unsigned long)addr, 8 * PAGE_SIZE), 0);
	mmput(mm);
	assert_true(mmlab_proc_read(m, "buddyinfo", buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "Node 0, zone"));
	assert_int_equal(mmlab_proc_read(m, "nosuchfile", buf, sizeof(buf)), -ENOENT);
	machine_shutdown(m);
}

/* A write error is an error: /proc text that did not reach its stream is reported (-EIO). */
static void test_print_write_error(void **state)
{
	struct machine *m;
	struct mm_struct *mm;
	FILE *full = fopen("/dev/full", "w"), *ok = tmpfile();
	int err = 0;

	if (!full || !ok) {
		if (full)
			fclose(full);
		if (ok)
			fclose(ok);
		skip();
	}
	setvbuf(full, NULL, _IONBF, 0);	/* fail in fwrite, not later in fclose */
	m = boot_small();
	mm = mm_create(m, NULL, &err);
	assert_non_null(mm);
	assert_int_equal(mmlab_proc_print(m, "buddyinfo", full), -EIO);
	assert_int_equal(mm_maps_print(mm, full), -EIO);
	assert_int_equal(mmlab_proc_print(m, "nosuchfile", full), -ENOENT);
	assert_int_equal(mmlab_proc_print(m, "buddyinfo", ok), 0);
	assert_true(ftell(ok) > 0);
	mmput(mm);
	fclose(full);
	fclose(ok);
	machine_shutdown(m);
}

static void test_replay(void **state)
{
	static const char line[] =
		"100 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = "
		"0x7ffff7ffd000\n";
	struct machine *m = boot_small();
	struct replay_options opts = { .check = false };
	struct replay_stats st;
	struct replay *r;
	char why[256];

	assert_int_equal(replay_new(m, &opts, &r, why, sizeof(why)), 0);
	assert_int_equal(replay_line(r, line, sizeof(line) - 1, why, sizeof(why)), 0);
	replay_get_stats(r, &st);
	assert_int_equal(st.calls, 1);
	replay_free(r);
	machine_shutdown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages_and_slab),
		cmocka_unit_test(test_mapping_and_proc),
		cmocka_unit_test(test_print_write_error),
		cmocka_unit_test(test_replay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
