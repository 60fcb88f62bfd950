/*
 * replay_harness.c - see replay_harness.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "replay_harness.h"
#include "testlib.h"

bool harness_on_path(const char *prog)
{
	const char *path = getenv("PATH"), *p, *colon;
	char file[4096];

	for (p = path ? path : ""; *p; p = *colon ? colon + 1 : colon) {
		colon = strchrnul(p, ':');
		if (colon == p)		/* an empty entry is the current directory */
			snprintf(file, sizeof(file), "./%s", prog);
		else
			snprintf(file, sizeof(file), "%.*s/%s", (int)(colon - p), p, prog);
		if (access(file, X_OK) == 0)
			return true;
	}
	return false;
}

int harness_run(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

char *harness_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *out;
	char chunk[65536];
	size_t n;

	if (!f)
		return NULL;
	out = open_memstream(&buf, &len);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, out);
	fclose(out);
	fclose(f);
	return buf;
}

int harness_replay(const char *trace, const char *marker, const char *initial_maps,
		   struct replay_stats *st, char **maps, char **diffs)
{
	return harness_replay_pid(trace, marker, initial_maps, 0, st, maps, diffs);
}

int harness_replay_pid(const char *trace, const char *marker, const char *initial_maps,
		       long maps_pid, struct replay_stats *st, char **maps, char **diffs)
{
	struct harness_run_opts ho = { .marker = marker, .initial_maps = initial_maps,
				       .maps_pid = maps_pid };

	return harness_replay_run(trace, &ho, st, maps, diffs);
}

struct collect {
	FILE *text;
	struct harness_diff **list;
	size_t *n, cap;
};

/* replay_diff_fn: the text to the report, the record to the list (if asked for). */
static void collect_diff(const struct replay_diff *d, void *arg)
{
	struct collect *c = arg;
	struct harness_diff *hd;

	fprintf(c->text, "%s\n", d->text);
	if (!c->list)
		return;
	if (*c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		struct harness_diff *nl = realloc(*c->list, cap * sizeof(*nl));

		assert_non_null(nl);
		*c->list = nl;
		c->cap = cap;
	}
	hd = &(*c->list)[(*c->n)++];
	hd->line = d->line;
	hd->pid = d->pid;
	snprintf(hd->call, sizeof(hd->call), "%s", d->call);
	hd->recorded = d->recorded;
	hd->got = d->got;
}

int harness_replay_run(const char *trace, const struct harness_run_opts *ho,
		       struct replay_stats *st, char **maps, char **diffs)
{
	struct collect c = { .list = ho->list, .n = ho->nlist };
	struct replay_options o = { .initial_maps = ho->initial_maps, .check = true,
				    .maps_pid = ho->maps_pid, .on_diff = collect_diff,
				    .diff_arg = &c };
	struct machine *m = test_boot(replay_host_ram(), 1, 1);
	const char *p = trace;
	struct replay *r;
	size_t dlen = 0;
	char why[512] = "";
	int err;

	*maps = NULL;
	memset(st, 0, sizeof(*st));
	if (c.list) {
		*c.list = NULL;
		*c.n = 0;
	}
	c.text = open_memstream(diffs, &dlen);
	replay_like_host(m);
	if (ho->marker) {
		const char *q = strstr(trace, ho->marker);

		if (q) {
			q = strchr(q, '\n');
			p = q ? q + 1 : q;
		}
	}
	err = replay_new(m, &o, &r, why, sizeof(why));
	if (err) {
		fprintf(c.text, "replay_new: %s\n", why);
		goto out;
	}
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		err = replay_line(r, p, len, why, sizeof(why));
		if (err) {
			fprintf(c.text, "unusable line '%.*s': %s\n", (int)len, p, why);
			break;
		}
		p = nl ? nl + 1 : NULL;
	}
	if (!err && replay_finish(r) == 0)
		*maps = strdup(replay_maps(r));
	replay_get_stats(r, st);
	replay_free(r);
out:
	fclose(c.text);
	machine_shutdown(m);
	return err;
}

/*
 * Two maps lines are the same line, except that the inode (and device) of an internal shmem
 * object (/dev/zero (deleted), /memfd:..., /SYSV...) is a kernel-wide counter no replay can
 * know: for those the rest of the line must match; and the bottom of [stack], which moves
 * with page faults no trace records.
 */
static bool same_line(const char *a, size_t la, const char *b, size_t lb)
{
	char ra[40], rb[40], pa[8], pb[8], oa[20], ob[20], da[12], db[12], path_a[512], path_b[512];
	unsigned long ia, ib;
	int na = 0, nb = 0;
	char la_buf[600], lb_buf[600];

	if (la == lb && !memcmp(a, b, la))
		return true;
	if (la >= sizeof(la_buf) || lb >= sizeof(lb_buf))
		return false;
	memcpy(la_buf, a, la);
	la_buf[la] = 0;
	memcpy(lb_buf, b, lb);
	lb_buf[lb] = 0;
	if (sscanf(la_buf, "%39s %7s %19s %11s %lu %n", ra, pa, oa, da, &ia, &na) < 5 ||
	    sscanf(lb_buf, "%39s %7s %19s %11s %lu %n", rb, pb, ob, db, &ib, &nb) < 5)
		return false;
	snprintf(path_a, sizeof(path_a), "%s", la_buf + na);
	snprintf(path_b, sizeof(path_b), "%s", lb_buf + nb);
	/*
	 * [stack] grows by page faults, which no trace shows: only its end (the top the kernel
	 * placed) must match; where the stack bottom got to depends on the random offset.
	 */
	if (!strcmp(path_a, "[stack]") && !strcmp(path_b, "[stack]") && !strcmp(pa, pb) &&
	    strchr(ra, '-') && strchr(rb, '-') && !strcmp(strchr(ra, '-'), strchr(rb, '-')))
		return true;
	if (strcmp(ra, rb) || strcmp(pa, pb) || strcmp(oa, ob) || strcmp(path_a, path_b))
		return false;
	return !strcmp(path_a, "/dev/zero (deleted)") || !strncmp(path_a, "/memfd:", 7) ||
	       !strncmp(path_a, "/SYSV", 5);
}

/* Does @line (of length @len) appear in @text, as same_line() sees lines? */
static bool has_line(const char *text, const char *line, size_t len)
{
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t l = nl ? (size_t)(nl - text) : strlen(text);

		if (same_line(text, l, line, len))
			return true;
		text += l + (nl != NULL);
	}
	return false;
}

/* Print the lines of @a that @b lacks, labelled @who. */
static void print_missing(const char *a, const char *b, const char *who)
{
	while (*a) {
		const char *nl = strchr(a, '\n');
		size_t l = nl ? (size_t)(nl - a) : strlen(a);

		if (!has_line(b, a, l))
			fprintf(stderr, "  %s only: %.*s\n", who, (int)l, a);
		a += l + (nl != NULL);
	}
}

bool harness_maps_equal(const char *want, const char *got, bool print)
{
	const char *w = want, *g = got;
	bool eq = true;

	while (*w || *g) {
		const char *a = strchr(w, '\n'), *b = strchr(g, '\n');
		size_t la = a ? (size_t)(a - w) : strlen(w), lb = b ? (size_t)(b - g) : strlen(g);

		if (!same_line(w, la, g, lb))
			eq = false;
		w += la + (a != NULL);
		g += lb + (b != NULL);
	}
	if (!eq && print) {
		print_missing(want, got, "kernel");
		print_missing(got, want, "mmlab ");
	}
	return eq;
}

char *harness_tmpdir(void)
{
	char tmpl[] = "/tmp/mmlab-replay-XXXXXX";

	return mkdtemp(tmpl) ? strdup(tmpl) : NULL;
}

void harness_rmdir(const char *dir)
{
	char *argv[] = { "rm", "-rf", (char *)dir, NULL };

	harness_run(argv);
}
