/*
 * replay_fixture.c - a recorded replay case, and the answers of the host that recorded it.
 *
 * A replay reads more of its host than the trace: the start snapshot, the machine's RAM and
 * vm sysctls, and, through replay_options.host, the files the trace names (stat for device,
 * inode, size and type; the ELF headers of every program an execve loads; realpath of its
 * interpreter). A case recorded on one host therefore replays on any other only if all of
 * that travels with it. A case NAME is four files under tests/fixtures/:
 *
 *   NAME.trace        what `strace -f -y` wrote, unchanged
 *   NAME.start.maps   the snapshot replay starts from (absent: the trace starts at an execve)
 *   NAME.end.maps     the kernel's maps at the end (absent: the test compares none)
 *   NAME.host         "host KEY VALUE" (hostfp_write), "ram BYTES", "expect KEY VALUE" (what
 *                     the test checks besides, its own keys), and one line per question the
 *                     replay asked of the recording host's files, with the answer:
 *                       stat PATH 0 MAJ:MIN INO SIZE MODE   or   stat PATH -ERRNO
 *                       read PATH OFF N RET HEXBYTES        (RET < 0: -ERRNO, no bytes)
 *                       realpath PATH 0 RESOLVED            or   realpath PATH -ERRNO
 *                     PATH and RESOLVED have every byte <= ' ', '%' and >= 0x7f as %XX.
 *
 * Recording wraps replay_host_default() and keeps each answer; answering looks the question up
 * and never touches the file system. A question the recording cannot answer (the replay engine
 * changed what it asks) is answered -ENOENT and counted, and the tests fail on it: the case
 * must be re-recorded, not replayed against guesses.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay_harness.h"
#include "testlib.h"

enum hf_kind { HF_STAT, HF_READ, HF_REALPATH };

struct hf_row {
	enum hf_kind kind;
	char *path;
	unsigned long long off;		/* HF_READ: the question's offset and length */
	size_t n;
	long ret;			/* the answer: 0 / bytes read, or -errno */
	struct replay_file_stat st;	/* HF_STAT */
	unsigned char *data;		/* HF_READ: ret bytes */
	char *resolved;			/* HF_REALPATH */
};

struct harness_files {
	bool recording;
	struct hf_row *rows;
	size_t nrows, cap;
	unsigned long missed;
	struct replay_host host;
};

static struct hf_row *hf_find(struct harness_files *hf, enum hf_kind kind, const char *path,
			      unsigned long long off, size_t n)
{
	size_t i;

	for (i = 0; i < hf->nrows; i++) {
		struct hf_row *w = &hf->rows[i];

		if (w->kind == kind && !strcmp(w->path, path) &&
		    (kind != HF_READ || (w->off == off && w->n == n)))
			return w;
	}
	return NULL;
}

static struct hf_row *hf_add(struct harness_files *hf, enum hf_kind kind, const char *path)
{
	struct hf_row *w;

	if (hf->nrows == hf->cap) {
		size_t cap = hf->cap ? 2 * hf->cap : 64;
		struct hf_row *nr = realloc(hf->rows, cap * sizeof(*nr));

		assert_non_null(nr);
		hf->rows = nr;
		hf->cap = cap;
	}
	w = &hf->rows[hf->nrows++];
	memset(w, 0, sizeof(*w));
	w->kind = kind;
	w->path = strdup(path);
	assert_non_null(w->path);
	return w;
}

/* ---- replay_host: recording (forwarding to this host) or answering from the rows --------- */

static int hf_stat(const char *path, struct replay_file_stat *st, void *arg)
{
	struct harness_files *hf = arg;
	struct hf_row *w = hf_find(hf, HF_STAT, path, 0, 0);

	if (!w && hf->recording) {
		w = hf_add(hf, HF_STAT, path);
		w->ret = replay_host_default()->stat(path, &w->st, NULL);
	}
	if (!w) {
		hf->missed++;
		return -ENOENT;
	}
	*st = w->st;
	return (int)w->ret;
}

static long hf_pread(const char *path, void *buf, size_t n, unsigned long long off, void *arg)
{
	struct harness_files *hf = arg;
	struct hf_row *w = hf_find(hf, HF_READ, path, off, n);

	if (!w && hf->recording) {
		w = hf_add(hf, HF_READ, path);
		w->off = off;
		w->n = n;
		w->data = malloc(n ? n : 1);
		assert_non_null(w->data);
		w->ret = replay_host_default()->pread(path, w->data, n, off, NULL);
	}
	if (!w) {
		hf->missed++;
		return -ENOENT;
	}
	if (w->ret > 0)
		memcpy(buf, w->data, (size_t)w->ret);
	return w->ret;
}

static int hf_realpath(const char *path, char *out, size_t size, void *arg)
{
	struct harness_files *hf = arg;
	struct hf_row *w = hf_find(hf, HF_REALPATH, path, 0, 0);

	if (!w && hf->recording) {
		char real[4096];

		w = hf_add(hf, HF_REALPATH, path);
		w->ret = replay_host_default()->realpath(path, real, sizeof(real), NULL);
		w->resolved = strdup(w->ret ? "" : real);
		assert_non_null(w->resolved);
	}
	if (!w) {
		hf->missed++;
		return -ENOENT;
	}
	if (w->ret)
		return (int)w->ret;
	if (strlen(w->resolved) >= size)
		return -ENAMETOOLONG;
	strcpy(out, w->resolved);
	return 0;
}

static struct harness_files *hf_new(bool recording)
{
	struct harness_files *hf = calloc(1, sizeof(*hf));

	assert_non_null(hf);
	hf->recording = recording;
	hf->host = (struct replay_host){ .stat = hf_stat, .pread = hf_pread,
					 .realpath = hf_realpath, .arg = hf };
	return hf;
}

struct harness_files *harness_files_recorder(void)
{
	return hf_new(true);
}

const struct replay_host *harness_files_host(struct harness_files *hf)
{
	return &hf->host;
}

unsigned long harness_files_missed(const struct harness_files *hf)
{
	return hf->missed;
}

void harness_files_free(struct harness_files *hf)
{
	size_t i;

	if (!hf)
		return;
	for (i = 0; i < hf->nrows; i++) {
		free(hf->rows[i].path);
		free(hf->rows[i].data);
		free(hf->rows[i].resolved);
	}
	free(hf->rows);
	free(hf);
}

/* ---- the .host file ------------------------------------------------------------------------ */

static void put_path(FILE *f, const char *p)
{
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c == '%' || c >= 0x7f)
			fprintf(f, "%%%02X", c);
		else
			fputc(c, f);
	}
}

/* One space-separated word of *@s, %XX undone, into @out; false if there is none. */
static bool get_word(const char **s, char *out, size_t size)
{
	const char *p = *s;
	size_t n = 0;

	while (*p == ' ')
		p++;
	if (!*p || *p == '\n')
		return false;
	while (*p && *p != ' ' && *p != '\n') {
		unsigned int c = (unsigned char)*p++;

		if (c == '%' && p[0] && p[1] && sscanf(p, "%2X", &c) == 1)
			p += 2;
		if (n + 1 < size)
			out[n++] = (char)c;
	}
	out[n] = 0;
	*s = p;
	return true;
}

static void hf_write(const struct harness_files *hf, FILE *f)
{
	size_t i, j;

	for (i = 0; i < hf->nrows; i++) {
		const struct hf_row *w = &hf->rows[i];

		fputs(w->kind == HF_STAT ? "stat " : w->kind == HF_READ ? "read " : "realpath ", f);
		put_path(f, w->path);
		if (w->kind == HF_STAT) {
			fprintf(f, " %ld", w->ret);
			if (!w->ret)
				fprintf(f, " %u:%u %lu %llu %o", w->st.dev_major, w->st.dev_minor,
					w->st.ino, w->st.size, w->st.mode);
		} else if (w->kind == HF_READ) {
			fprintf(f, " %llu %zu %ld%s", w->off, w->n, w->ret, w->ret > 0 ? " " : "");
			for (j = 0; w->ret > 0 && j < (size_t)w->ret; j++)
				fprintf(f, "%02x", w->data[j]);
		} else {
			fprintf(f, " %ld", w->ret);
			if (!w->ret) {
				fputc(' ', f);
				put_path(f, w->resolved);
			}
		}
		fputc('\n', f);
	}
}

/* A "stat", "read" or "realpath" line into @hf; false if @line is none of them or malformed. */
static bool hf_parse_line(struct harness_files *hf, const char *line)
{
	char kind[16], path[4096], word[4096];
	const char *p = line;
	struct hf_row *w;

	if (!get_word(&p, kind, sizeof(kind)) || !get_word(&p, path, sizeof(path)))
		return false;
	if (!strcmp(kind, "stat")) {
		w = hf_add(hf, HF_STAT, path);
		if (!get_word(&p, word, sizeof(word)))
			return false;
		w->ret = strtol(word, NULL, 10);
		return w->ret || sscanf(p, " %u:%u %lu %llu %o", &w->st.dev_major,
					&w->st.dev_minor, &w->st.ino, &w->st.size,
					&w->st.mode) == 5;
	}
	if (!strcmp(kind, "read")) {
		size_t j;
		int used = 0;

		w = hf_add(hf, HF_READ, path);
		if (sscanf(p, " %llu %zu %ld%n", &w->off, &w->n, &w->ret, &used) < 3 ||
		    w->ret > (long)w->n)
			return false;
		for (p += used; *p == ' '; p++)
			;
		w->data = malloc(w->n ? w->n : 1);
		assert_non_null(w->data);
		for (j = 0; w->ret > 0 && j < (size_t)w->ret; j++) {
			unsigned int b;

			if (sscanf(p + 2 * j, "%2x", &b) != 1)
				return false;
			w->data[j] = (unsigned char)b;
		}
		return true;
	}
	if (!strcmp(kind, "realpath")) {
		w = hf_add(hf, HF_REALPATH, path);
		if (!get_word(&p, word, sizeof(word)))
			return false;
		w->ret = strtol(word, NULL, 10);
		if (!w->ret && !get_word(&p, word, sizeof(word)))
			return false;
		w->resolved = strdup(w->ret ? "" : word);
		assert_non_null(w->resolved);
		return true;
	}
	return false;
}

/* ---- cases ---------------------------------------------------------------------------------- */

static void case_file(const char *name, const char *suffix, char *out, size_t size)
{
	char rel[512];

	snprintf(rel, sizeof(rel), "%s.%s", name, suffix);
	fixture_path(rel, out, size);
}

bool harness_case_load(const char *name, struct harness_case *c)
{
	char path[1024], *host, *line, *save = NULL;

	memset(c, 0, sizeof(*c));
	case_file(name, "trace", path, sizeof(path));
	c->trace = read_whole_file(path);
	case_file(name, "host", path, sizeof(path));
	host = read_whole_file(path);
	if (!c->trace || !host) {
		free(host);
		harness_case_free(c);
		return false;
	}
	case_file(name, "start.maps", c->start_path, sizeof(c->start_path));
	if (access(c->start_path, R_OK))
		c->start_path[0] = 0;
	case_file(name, "end.maps", path, sizeof(path));
	c->end_maps = read_whole_file(path);
	c->files = hf_new(false);
	c->nexpect = 0;
	for (line = strtok_r(host, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char key[64];
		long long v;

		if (hostfp_parse_line(&c->fp, line))
			continue;
		if (sscanf(line, "ram %llu", &c->ram) == 1)
			continue;
		if (sscanf(line, "expect %63s %lld", key, &v) == 2 &&
		    c->nexpect < HARNESS_CASE_MAX_EXPECT) {
			snprintf(c->expect[c->nexpect].key, sizeof(c->expect[0].key), "%s", key);
			c->expect[c->nexpect++].value = v;
			continue;
		}
		if (!hf_parse_line(c->files, line))
			fail_msg("%s.host: unusable line '%s'", name, line);
	}
	free(host);
	if (!c->ram)
		fail_msg("%s.host: no ram line", name);
	return true;
}

long long harness_case_expect(const struct harness_case *c, const char *key, long long dflt)
{
	int i;

	for (i = 0; i < c->nexpect; i++)
		if (!strcmp(c->expect[i].key, key))
			return c->expect[i].value;
	return dflt;
}

void harness_case_free(struct harness_case *c)
{
	free(c->trace);
	free(c->end_maps);
	harness_files_free(c->files);
	memset(c, 0, sizeof(*c));
}

static void write_text(const char *name, const char *suffix, const char *text)
{
	char path[1024];
	FILE *f;

	case_file(name, suffix, path, sizeof(path));
	if (!text) {
		remove(path);
		return;
	}
	f = fopen(path, "w");
	if (!f)
		fail_msg("cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

void harness_case_write(const char *name, const struct harness_record *rec)
{
	char path[1024];
	FILE *f;

	write_text(name, "trace", rec->trace);
	write_text(name, "start.maps", rec->start_maps);
	write_text(name, "end.maps", rec->end_maps);
	case_file(name, "host", path, sizeof(path));
	f = fopen(path, "w");
	if (!f)
		fail_msg("cannot write %s", path);
	hostfp_write(f, rec->fp);
	fprintf(f, "ram %llu\n", rec->ram);
	if (rec->expect)
		fputs(rec->expect, f);
	if (rec->files)
		hf_write(rec->files, f);
	fclose(f);
	fprintf(stderr, "recorded %s\n", name);
}

/* ---- the host the tests run on, and how a live difference counts ---------------------------- */

const struct hostfp *harness_this_host(void)
{
	static struct hostfp fp;
	static bool probed;

	if (!probed) {
		hostfp_probe(&fp);
		probed = true;
	}
	return &fp;
}

bool harness_live_strict(const char *fixture)
{
	struct harness_case c;
	char why[256], d[1024];
	bool covered = hostfp_covered(harness_this_host(), why, sizeof(why));

	if (!covered)
		fprintf(stderr, "this host is outside what the model covers (%s): differences are "
			"reported, not failed\n", why);
	if (fixture && harness_case_load(fixture, &c)) {
		hostfp_diff(&c.fp, harness_this_host(), d, sizeof(d));
		if (d[0])
			fprintf(stderr, "this host differs from the one that recorded %s: %s\n",
				fixture, d);
		harness_case_free(&c);
	}
	return covered;
}

void harness_report(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "difference (reported, not failed): ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
