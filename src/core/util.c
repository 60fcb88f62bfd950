/*
 * util.c - the small services of core.h: bug reports, locks, the kernel log, host metadata
 * allocation and seq_buf output.
 */
#include "core/core.h"

#include <mmlab/page.h>

#include <sched.h>

_Noreturn void mm_bug(const char *func, const char *file, int line, const char *cond)
{
	fprintf(stderr, "mmlab BUG: %s: %s (%s:%d)\n", func, cond, file, line);
	fflush(stderr);
	abort();
}

_Noreturn void mm_bug_page(const struct page *page, const char *func, const char *file, int line,
			   const char *cond)
{
	fprintf(stderr, "mmlab BUG: page %p: flags %#lx refcount %d mapcount %d mapping %p "
		"index %#lx private %#lx\n", (const void *)page, page->flags,
		atomic_load_explicit((atomic_int *)&page->_refcount, memory_order_relaxed),
		atomic_load_explicit((atomic_int *)&page->_mapcount, memory_order_relaxed) + 1,
		page->mapping, page->index, page->private);
	mm_bug(func, file, line, cond);
}

void mm_lock_init(mm_lock_t *l)
{
	pthread_mutex_init(&l->mutex, NULL);
	mm_lock_set_owner(l, 0);
}

void mm_lock_destroy(mm_lock_t *l)
{
	pthread_mutex_destroy(&l->mutex);
}

void mm_spin_lock_slow(mm_spinlock_t *l)
{
	unsigned int spins = 0;

	for (;;) {
		while (atomic_load_explicit(&l->locked, memory_order_relaxed)) {
			if (++spins > 64) {
				sched_yield();	/* two host cores: let the holder run */
				spins = 0;
			} else {
				cpu_relax();
			}
		}
		if (mm_spin_trylock(l))
			return;
	}
}

void mm_rwsem_init(mm_rwsem_t *s)
{
	pthread_rwlock_init(&s->rw, NULL);
}

void mm_rwsem_destroy(mm_rwsem_t *s)
{
	pthread_rwlock_destroy(&s->rw);
}

/* The log keeps at most this much; older lines are dropped, like the kernel's ring buffer. */
#define LOG_MAX (1u << 20)

void vprintk(struct machine *m, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	mm_lock(&m->log_lock);
	if (m->log_len + (size_t)n + 1 > m->log_cap) {
		size_t cap = m->log_cap ? m->log_cap * 2 : 4096;
		char *p;

		while (cap < m->log_len + (size_t)n + 1)
			cap *= 2;
		if (cap > LOG_MAX) {
			/* Drop the older half of the log. */
			size_t keep = m->log_len / 2;
			char *nl = memchr(m->log + m->log_len - keep, '\n', keep);

			keep = nl ? (size_t)(m->log + m->log_len - nl - 1) : 0;
			memmove(m->log, m->log + m->log_len - keep, keep);
			m->log_len = keep;
			cap = m->log_cap;
		}
		if (cap > m->log_cap) {
			p = realloc(m->log, cap);
			if (!p) {
				mm_unlock(&m->log_lock);
				return;	/* the log is best effort */
			}
			m->log = p;
			m->log_cap = cap;
		}
		if (m->log_len + (size_t)n + 1 > m->log_cap) {
			mm_unlock(&m->log_lock);
			return;
		}
	}
	memcpy(m->log + m->log_len, line, (size_t)n);
	m->log_len += (size_t)n;
	m->log[m->log_len] = '\0';
	mm_unlock(&m->log_lock);
}

void printk(struct machine *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(m, fmt, ap);
	va_end(ap);
}

size_t machine_dmesg(struct machine *m, char *buf, size_t size)
{
	size_t len;

	mm_lock(&m->log_lock);
	len = m->log_len;
	if (buf && size) {
		size_t n = MIN(len, size - 1);

		if (n)
			memcpy(buf, m->log, n);
		buf[n] = '\0';
	}
	mm_unlock(&m->log_lock);
	return len;
}

void machine_dmesg_clear(struct machine *m)
{
	mm_lock(&m->log_lock);
	m->log_len = 0;
	if (m->log)
		m->log[0] = '\0';
	mm_unlock(&m->log_lock);
}

void *mm_meta_zalloc_as(struct machine *m, enum mmlab_fault which, size_t size)
{
	if (should_fail(m, which, 0))
		return NULL;
	return calloc(1, size);
}

void *mm_meta_zalloc(struct machine *m, size_t size)
{
	return mm_meta_zalloc_as(m, FAULT_MISC, size);
}

void mm_meta_free(struct machine *m, void *p)
{
	(void)m;
	free(p);
}

void seq_buf_init(struct seq_buf *s, char *buf, size_t size)
{
	s->buf = buf;
	s->size = size;
	s->len = 0;
	if (buf && size)
		buf[0] = '\0';
}

static void seq_buf_terminate(struct seq_buf *s)
{
	if (s->size)
		s->buf[MIN(s->len, s->size - 1)] = '\0';
}

void seq_printf(struct seq_buf *s, const char *fmt, ...)
{
	size_t room = s->len < s->size ? s->size - s->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? s->buf + s->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->len += (size_t)n;
	seq_buf_terminate(s);
}

void seq_puts(struct seq_buf *s, const char *str)
{
	size_t n = strlen(str);

	if (s->len < s->size) {
		size_t room = s->size - s->len;

		memcpy(s->buf + s->len, str, MIN(n, room));
	}
	s->len += n;
	seq_buf_terminate(s);
}

void seq_putc(struct seq_buf *s, char c)
{
	if (s->len < s->size)
		s->buf[s->len] = c;
	s->len++;
	seq_buf_terminate(s);
}
