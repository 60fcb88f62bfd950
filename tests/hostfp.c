/*
 * hostfp.c - probing this host's fingerprint, writing and reading it in fixtures, and the
 * model's coverage claim. See hostfp.h for the three test modes.
 */
#include "hostfp.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

enum fixture_mode fixture_mode(void)
{
	const char *e = getenv("MMLAB_FIXTURE_MODE");

	if (e && !strcmp(e, "live"))
		return FIXTURE_LIVE;
	if (e && !strcmp(e, "record"))
		return FIXTURE_RECORD;
	return FIXTURE_REPLAY;
}

char *read_whole_file(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t cap = 1 << 16, len = 0, n;
	char *buf, *nb;

	if (!f)
		return NULL;
	buf = malloc(cap);
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 4096) {
			nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

void fixture_path(const char *name, char *out, size_t size)
{
	const char *src = getenv("MMLAB_SOURCE_DIR");

	snprintf(out, size, "%s/tests/fixtures/%s", src ? src : ".", name);
}

/* The selected word of a sysfs choice list ("always [madvise] never" -> "madvise"). */
static void sysfs_choice(const char *path, char *out, size_t size)
{
	char *s = read_whole_file(path), *a, *b;

	snprintf(out, size, "none");
	if (s && (a = strchr(s, '[')) && (b = strchr(a, ']')))
		snprintf(out, size, "%.*s", (int)(b - a - 1), a + 1);
	free(s);
}

static long read_long(const char *path, long dflt)
{
	char *s = read_whole_file(path);
	long v = s && isdigit((unsigned char)s[0]) ? strtol(s, NULL, 10) : dflt;

	free(s);
	return v;
}

static unsigned long rlim(int res)
{
	struct rlimit r;

	if (getrlimit(res, &r) || r.rlim_cur == RLIM_INFINITY)
		return ~0UL;
	return (unsigned long)r.rlim_cur;
}

static bool cpu_flag(const char *info, const char *flag)
{
	const char *line = info ? strstr(info, "\nflags") : NULL, *end, *p;
	size_t n = strlen(flag);

	if (!line)
		return false;
	end = strchr(line + 1, '\n');
	for (p = line; (p = strstr(p, flag)) && (!end || p < end); p += n)
		if (p[-1] == ' ' && (p[n] == ' ' || p[n] == '\n' || !p[n]))
			return true;
	return false;
}

/* Read one fresh page of private anonymous memory: does smaps count it in Rss? */
static bool probe_zero_page_reads(void)
{
	volatile char *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *smaps, *at, head[40];
	bool zero = false;

	if (p == MAP_FAILED)
		return false;
	(void)p[0];
	smaps = read_whole_file("/proc/self/smaps");
	snprintf(head, sizeof(head), "\n%lx-", (unsigned long)p);
	at = smaps ? strstr(smaps, head) : NULL;
	if (at && (at = strstr(at, "\nRss:")))
		zero = strtol(at + 5, NULL, 10) == 0;
	free(smaps);
	munmap((void *)p, 4096);
	return zero;
}

/* A new VMA is VM_SOFTDIRTY ("sd" in VmFlags) only in a kernel built with soft-dirty bits. */
static bool probe_soft_dirty(void)
{
	char *smaps = read_whole_file("/proc/self/smaps"), *at;
	bool sd = false;

	for (at = smaps; at && (at = strstr(at, "\nVmFlags:")); at++) {
		char *end = strchr(at + 1, '\n');

		if (end)
			*end = '\0';
		sd = strstr(at, " sd") != NULL;
		if (end)
			*end = '\n';
		if (sd)
			break;
	}
	free(smaps);
	return sd;
}

void hostfp_probe(struct hostfp *fp)
{
	struct utsname u;
	char *status, *cap, *info;

	memset(fp, 0, sizeof(*fp));
	if (uname(&u) == 0) {
		snprintf(fp->release, sizeof(fp->release), "%s", u.release);
		snprintf(fp->arch, sizeof(fp->arch), "%s", u.machine);
	}
	sysfs_choice("/sys/kernel/mm/transparent_hugepage/enabled", fp->thp_enabled,
		     sizeof(fp->thp_enabled));
	sysfs_choice("/sys/kernel/mm/transparent_hugepage/defrag", fp->thp_defrag,
		     sizeof(fp->thp_defrag));
	fp->thp_use_zero_page = (int)read_long("/sys/kernel/mm/transparent_hugepage/use_zero_page", 1);
	fp->overcommit_memory = (int)read_long("/proc/sys/vm/overcommit_memory", 0);
	fp->overcommit_ratio = (int)read_long("/proc/sys/vm/overcommit_ratio", 50);
	fp->overcommit_kbytes = (unsigned long)read_long("/proc/sys/vm/overcommit_kbytes", 0);
	fp->max_map_count = (int)read_long("/proc/sys/vm/max_map_count", 65530);
	fp->mmap_min_addr = (unsigned long)read_long("/proc/sys/vm/mmap_min_addr", 65536);
	fp->rlim_memlock = rlim(RLIMIT_MEMLOCK);
	fp->rlim_as = rlim(RLIMIT_AS);
	fp->rlim_stack = rlim(RLIMIT_STACK);
	fp->rlim_data = rlim(RLIMIT_DATA);
	fp->euid = (unsigned int)geteuid();
	status = read_whole_file("/proc/self/status");
	cap = status ? strstr(status, "\nCapEff:") : NULL;
	if (cap)
		fp->cap_eff = strtoull(cap + 8, NULL, 16);
	free(status);
	info = read_whole_file("/proc/cpuinfo");
	fp->gbpages = cpu_flag(info, "pdpe1gb");
	fp->la57 = cpu_flag(info, "la57");
	free(info);
	fp->zero_page_reads = probe_zero_page_reads();
	fp->soft_dirty = probe_soft_dirty();
	fp->cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
}

/* One table drives writing, parsing and diffing: field name, kind, offset. */
enum fkind { F_STR, F_INT, F_ULONG, F_ULL, F_BOOL, F_UINT };
static const struct field {
	const char *key;
	enum fkind kind;
	size_t off, size;
} fields[] = {
#define FLD(k, kind, m) { k, kind, offsetof(struct hostfp, m), sizeof(((struct hostfp *)0)->m) }
	FLD("release", F_STR, release),
	FLD("arch", F_STR, arch),
	FLD("thp_enabled", F_STR, thp_enabled),
	FLD("thp_defrag", F_STR, thp_defrag),
	FLD("thp_use_zero_page", F_INT, thp_use_zero_page),
	FLD("overcommit_memory", F_INT, overcommit_memory),
	FLD("overcommit_ratio", F_INT, overcommit_ratio),
	FLD("overcommit_kbytes", F_ULONG, overcommit_kbytes),
	FLD("max_map_count", F_INT, max_map_count),
	FLD("mmap_min_addr", F_ULONG, mmap_min_addr),
	FLD("rlimit_memlock", F_ULONG, rlim_memlock),
	FLD("rlimit_as", F_ULONG, rlim_as),
	FLD("rlimit_stack", F_ULONG, rlim_stack),
	FLD("rlimit_data", F_ULONG, rlim_data),
	FLD("euid", F_UINT, euid),
	FLD("cap_eff", F_ULL, cap_eff),
	FLD("gbpages", F_BOOL, gbpages),
	FLD("la57", F_BOOL, la57),
	FLD("zero_page_reads", F_BOOL, zero_page_reads),
	FLD("soft_dirty", F_BOOL, soft_dirty),
	FLD("cpus", F_INT, cpus),
#undef FLD
};

static void field_str(const struct hostfp *fp, const struct field *f, char *out, size_t size)
{
	const char *p = (const char *)fp + f->off;

	switch (f->kind) {
	case F_STR: snprintf(out, size, "%s", p); break;
	case F_INT: snprintf(out, size, "%d", *(const int *)p); break;
	case F_UINT: snprintf(out, size, "%u", *(const unsigned int *)p); break;
	case F_BOOL: snprintf(out, size, "%s", *(const bool *)p ? "yes" : "no"); break;
	case F_ULL: snprintf(out, size, "%llx", *(const unsigned long long *)p); break;
	case F_ULONG:
		if (*(const unsigned long *)p == ~0UL)
			snprintf(out, size, "unlimited");
		else
			snprintf(out, size, "%lu", *(const unsigned long *)p);
		break;
	}
}

void hostfp_write(FILE *f, const struct hostfp *fp)
{
	char v[128];
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		field_str(fp, &fields[i], v, sizeof(v));
		fprintf(f, "host %s %s\n", fields[i].key, v);
	}
}

bool hostfp_parse_line(struct hostfp *fp, const char *line)
{
	char key[40], val[128];
	size_t i;

	if (strncmp(line, "host ", 5) || sscanf(line + 5, "%39s %127[^\n]", key, val) != 2)
		return false;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const struct field *f = &fields[i];
		char *p = (char *)fp + f->off;

		if (strcmp(key, f->key))
			continue;
		switch (f->kind) {
		case F_STR: snprintf(p, f->size, "%s", val); break;
		case F_INT: *(int *)p = (int)strtol(val, NULL, 10); break;
		case F_UINT: *(unsigned int *)p = (unsigned int)strtoul(val, NULL, 10); break;
		case F_BOOL: *(bool *)p = !strcmp(val, "yes"); break;
		case F_ULL: *(unsigned long long *)p = strtoull(val, NULL, 16); break;
		case F_ULONG:
			*(unsigned long *)p = !strcmp(val, "unlimited") ? ~0UL : strtoul(val, NULL, 10);
			break;
		}
		return true;
	}
	return true;	/* a key this build does not know: ignored, still a fingerprint line */
}

void hostfp_diff(const struct hostfp *a, const struct hostfp *b, char *out, size_t size)
{
	char va[128], vb[128];
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		field_str(a, &fields[i], va, sizeof(va));
		field_str(b, &fields[i], vb, sizeof(vb));
		if (strcmp(va, vb) && len < size)
			len += (size_t)snprintf(out + len, size - len, "%s%s: %s / %s",
						len ? "; " : "", fields[i].key, va, vb);
	}
}

/*
 * What the model claims: x86-64 kernels 6.17 and 6.18 (the releases whose VMA merging,
 * multi-VMA mremap and mlock rules it implements), any THP, overcommit and privilege settings
 * (it is configured from them), 4-level page tables.
 */
bool hostfp_covered(const struct hostfp *fp, char *why, size_t size)
{
	int major = 0, minor = 0;

	sscanf(fp->release, "%d.%d", &major, &minor);
	if (strcmp(fp->arch, "x86_64")) {
		snprintf(why, size, "architecture %s (the model covers x86_64)", fp->arch);
		return false;
	}
	if (major != 6 || minor < 17 || minor > 18) {
		snprintf(why, size, "kernel %s (the model covers 6.17 and 6.18)", fp->release);
		return false;
	}
	if (fp->la57) {
		snprintf(why, size, "5-level page tables (la57)");
		return false;
	}
	snprintf(why, size, "covered");
	return true;
}

void hostfp_machine_config(const struct hostfp *fp, struct machine_config *cfg)
{
	cfg->gbpages = fp->gbpages;
	cfg->forbid_zero_page = !fp->zero_page_reads;
	if (!strcmp(fp->thp_enabled, "always"))
		cfg->transparent_hugepage = THP_ALWAYS;
	else if (!strcmp(fp->thp_enabled, "never"))
		cfg->transparent_hugepage = THP_NEVER;
	else
		cfg->transparent_hugepage = THP_MADVISE;
}

void hostfp_apply_sysctls(const struct hostfp *fp, struct machine *m)
{
	vm_set_overcommit(m, fp->overcommit_memory, fp->overcommit_ratio, fp->overcommit_kbytes);
	vm_set_max_map_count(m, fp->max_map_count);
}

unsigned int hostfp_mm_caps(const struct hostfp *fp)
{
	unsigned int caps = 0;

	if (fp->cap_eff & (1ULL << 14))		/* CAP_IPC_LOCK */
		caps |= MM_CAP_IPC_LOCK;
	if (fp->cap_eff & (1ULL << 17))		/* CAP_SYS_RAWIO */
		caps |= MM_CAP_SYS_RAWIO;
	if (fp->cap_eff & (1ULL << 21))		/* CAP_SYS_ADMIN */
		caps |= MM_CAP_SYS_ADMIN;
	return caps;
}
