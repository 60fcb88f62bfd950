/*
 * replay_proc.c - the model's /proc files as a replay leaves them (replay_options.proc_paths):
 * a "PID/..." file is rendered when that process exits, every other file (and the files of
 * processes still alive) when the trace ends (replay_finish).
 */
#include "replay/replay_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mmlab/proc.h>

/* The pid a "PID/..." path names, or 0 for a machine-wide file. */
static long path_pid(const char *path)
{
	long pid = 0;

	if (!isdigit((unsigned char)*path))
		return 0;
	while (isdigit((unsigned char)*path) && pid < 0x7fffffff)
		pid = pid * 10 + (*path++ - '0');
	return *path == '/' ? pid : 0;
}

/*
 * Render @path of @r's machine (malloc'd), or NULL if it cannot be read or memory is short. A
 * "PID/..." path names the trace's pid, which need not be the model's: it is translated.
 */
static char *render(struct replay *r, const char *path)
{
	long pid = path_pid(path), n;
	char model_path[256];
	char *buf;

	if (pid) {
		struct rproc *p = replay_proc_find(r, pid);

		if (!p)
			return NULL;
		snprintf(model_path, sizeof(model_path), "%d%s", mm_task_pid(p->task),
			 strchr(path, '/'));
		path = model_path;
	}
	n = mmlab_proc_read(r->m, path, NULL, 0);
	if (n < 0)
		return NULL;
	buf = malloc((size_t)n + 1);
	if (buf)
		mmlab_proc_read(r->m, path, buf, (size_t)n + 1);
	return buf;
}

int replay_procs_init(struct replay *r)
{
	if (!r->opt.nr_proc_paths)
		return 0;
	r->proc_text = calloc(r->opt.nr_proc_paths, sizeof(*r->proc_text));
	return r->proc_text ? 0 : -ENOMEM;
}

void replay_capture_procs(struct replay *r, long pid)
{
	size_t i;

	for (i = 0; i < r->opt.nr_proc_paths; i++) {
		const char *path = r->opt.proc_paths[i];

		if (r->proc_text[i] || (pid && path_pid(path) != pid))
			continue;
		r->proc_text[i] = render(r, path);
	}
}

void replay_procs_free(struct replay *r)
{
	size_t i;

	for (i = 0; r->proc_text && i < r->opt.nr_proc_paths; i++)
		free(r->proc_text[i]);
	free(r->proc_text);
}

const char *replay_proc_text(const struct replay *r, size_t i)
{
	return i < r->opt.nr_proc_paths && r->proc_text ? r->proc_text[i] : NULL;
}
