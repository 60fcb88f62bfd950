/*
 * replay_harness.c - see replay_harness.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "replay_harness.h"
#include "testlib.h"

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
	struct replay_options o = { .initial_maps = initial_maps, .check = true,
				    .maps_pid = maps_pid };
	struct machine *m = test_boot(replay_host_ram(), 1, 1);
	const char *p = trace;
	struct replay *r;
	size_t dlen = 0;
	char why[512] = "";
	int err;

	*maps = NULL;
	o.diff_out = open_memstream(diffs, &dlen);
	replay_like_host(m);
	if (marker) {
		const char *q = strstr(trace, marker);

		if (q) {
			q = strchr(q, '\n');
			p = q ? q + 1 : q;
		}
	}
	err = replay_new(m, &o, &r, why, sizeof(why));
	if (err) {
		fprintf(o.diff_out, "replay_new: %s\n", why);
		goto out;
	}
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		err = replay_line(r, p, len, why, sizeof(why));
		if (err) {
			fprintf(o.diff_out, "unusable line '%.*s': %s\n", (int)len, p, why);
			break;
		}
		p = nl ? nl + 1 : NULL;
	}
	if (!err && replay_finish(r) == 0)
		*maps = strdup(replay_maps(r));
	replay_get_stats(r, st);
	replay_free(r);
out:
	fclose(o.diff_out);
	machine_shutdown(m);
	return err;
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
