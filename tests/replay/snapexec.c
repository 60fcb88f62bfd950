/*
 * snapexec.c - `snapexec OUT PROG ARG...`: start PROG with ASLR off, stop it right after its
 * execve (before the dynamic loader runs), copy its /proc/PID/maps to OUT, and kill it.
 *
 * That snapshot is the address space a `setarch -R strace -f -y PROG ARG...` run starts from
 * after its first line (the execve), so mmlab can replay the rest of that trace from it.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char path[64], buf[65536];
	int status;
	size_t n;
	FILE *in, *out;
	pid_t pid;

	if (argc < 3)
		return 2;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		personality(ADDR_NO_RANDOMIZE);
		execv(argv[2], argv + 2);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status))
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	in = fopen(path, "r");
	out = fopen(argv[1], "w");
	if (!in || !out)
		return 1;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	fclose(out);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return 0;
}
