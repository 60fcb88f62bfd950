/*
 * debug.c - SLUB's debug checks: red zones, poisoning, owner tracking and consistency checks,
 * and the kernel-style reports they print to the machine log.
 *
 * Model: a debug cache (any of SLAB_RED_ZONE, SLAB_POISON, SLAB_STORE_USER,
 * SLAB_CONSISTENCY_CHECKS) moves objects one at a time under the node's list_lock (slub.c), so
 * the checks here see a stable slab. Bytes of an object, as the kernel sets them:
 *
 *   free object      [ 6b 6b ... 6b a5 ][ bb bb ]   (poison if SLAB_POISON and no ctor/RCU)
 *   allocated object [ user bytes       ][ cc cc ]   red zone 0xcc while allocated
 *
 * Reports follow mm/slub.c's wording so a reader can match them with a kernel log:
 *   BUG <cache> (Not tainted): <what>   then details, then "FIX <cache>: <what was done>".
 * A damaged object is never followed: a bad free is refused ("Object at ... not freed"), a
 * damaged free object makes its slab unusable ("Marking all objects used"), and overwritten
 * debug bytes are restored. With SLAB_CONSISTENCY_CHECKS off, as in the kernel, objects are
 * laid out with red zones and poison but not checked.
 */
#include "slab/internal.h"

/* Pointers print as the kernel's "0x%p": 0x and 16 hex digits (mmlab does not hash them). */
#define PTR(p) ((unsigned long)(p))

static const char *const pageflag_names[NR_PAGEFLAGS] = {
	[PG_locked] = "locked", [PG_writeback] = "writeback", [PG_referenced] = "referenced",
	[PG_uptodate] = "uptodate", [PG_dirty] = "dirty", [PG_lru] = "lru", [PG_head] = "head",
	[PG_waiters] = "waiters", [PG_active] = "active", [PG_workingset] = "workingset",
	[PG_owner_priv_1] = "owner_priv_1", [PG_owner_2] = "owner_2", [PG_arch_1] = "arch_1",
	[PG_reserved] = "reserved", [PG_private] = "private", [PG_private_2] = "private_2",
	[PG_reclaim] = "reclaim", [PG_swapbacked] = "swapbacked", [PG_unevictable] = "unevictable",
	[PG_mlocked] = "mlocked",
};

/*
 * The kernel's %pGp: "0x<flags>(<names>|node=N|zone=Z)". PG_slab is a page type in the kernel,
 * not a flag, so it is not named.
 */
static void format_page_flags(const struct machine *m, const struct page *page, char *buf,
			      size_t size)
{
	size_t len = (size_t)snprintf(buf, size, "0x%lx(", page->flags);
	int bit;

	for (bit = 0; bit < NR_PAGEFLAGS && len < size; bit++)
		if (pageflag_names[bit] && test_page_flag(page, (enum pageflags)bit))
			len += (size_t)snprintf(buf + len, size - len, "%s|", pageflag_names[bit]);
	if (len < size)
		snprintf(buf + len, size - len, "node=%d|zone=%d)", page_to_nid(page),
			 (int)page_zonenum(page));
}

/* Objects poisoned while free: not if a ctor or RCU readers need their bytes kept. */
static inline bool object_poison(const struct kmem_cache *s)
{
	return (s->flags & SLAB_POISON) && !s->ctor && !(s->flags & SLAB_TYPESAFE_BY_RCU);
}

/* Where the metadata after the free pointer starts. */
static inline unsigned int get_info_end(const struct kmem_cache *s)
{
	return s->offset >= s->inuse ? s->inuse + (unsigned int)sizeof(void *) : s->inuse;
}

static inline struct track *get_track(const struct kmem_cache *s, void *object, enum track_item i)
{
	return (struct track *)((char *)object + get_info_end(s)) + i;
}

void slab_bug(struct kmem_cache *s, const char *fmt, ...)
{
	struct machine *m = s->machine;
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk(m, "=============================================================================\n");
	printk(m, "BUG %s (Not tainted): %s\n", s->name, buf);
	printk(m, "-----------------------------------------------------------------------------\n\n");
}

void slab_fix(struct kmem_cache *s, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk(s->machine, "FIX %s: %s\n", s->name, buf);
}

/* print_hex_dump(DUMP_PREFIX_ADDRESS, 16 bytes a row, with ASCII), as the kernel does. */
static void print_section(struct kmem_cache *s, const char *text, const unsigned char *addr,
			  unsigned int length)
{
	unsigned int i, j;

	for (i = 0; i < length; i += 16) {
		char hex[16 * 3 + 1], ascii[17];
		unsigned int n = MIN(16u, length - i);
		size_t h = 0;

		for (j = 0; j < n; j++) {
			unsigned char c = addr[i + j];

			h += (size_t)snprintf(hex + h, sizeof(hex) - h, j ? " %02x" : "%02x", c);
			ascii[j] = c >= 0x20 && c < 0x7f ? (char)c : '.';
		}
		ascii[n] = '\0';
		printk(s->machine, "%s%016lx: %-47s  %s\n", text, (unsigned long)(addr + i), hex, ascii);
	}
}

static void print_track(struct kmem_cache *s, const char *what, const struct track *t)
{
	unsigned long now = atomic_load_explicit(&slab_state_of(s->machine)->clock,
						 memory_order_relaxed);

	if (!t->addr)
		return;
	printk(s->machine, "%s in 0x%lx age=%lu cpu=%d pid=%d\n", what, t->addr, now - t->when, t->cpu,
	       t->pid);
}

static void print_slab_info(struct kmem_cache *s, const struct slab *slab)
{
	char flags[128];

	format_page_flags(s->machine, slab_page(slab), flags, sizeof(flags));
	printk(s->machine, "Slab 0x%016lx objects=%u used=%u fp=0x%016lx flags=%s\n", PTR(slab),
	       slab->objects, slab->inuse, PTR(slab->freelist), flags);
}

static void print_trailer(struct kmem_cache *s, struct slab *slab, unsigned char *p)
{
	unsigned char *addr = slab_address(s->machine, slab);
	unsigned int off;

	if (s->flags & SLAB_STORE_USER) {
		print_track(s, "Allocated", get_track(s, p, TRACK_ALLOC));
		print_track(s, "Freed", get_track(s, p, TRACK_FREE));
	}
	print_slab_info(s, slab);
	printk(s->machine, "Object 0x%016lx @offset=%tu fp=0x%016lx\n\n", PTR(p), p - addr,
	       PTR(get_freepointer(s, p)));
	if (p > addr + 16)
		print_section(s, "Bytes b4 ", p - 16, 16);
	print_section(s, "Object   ", p, MIN(s->object_size, (unsigned int)PAGE_SIZE));
	if (s->flags & SLAB_RED_ZONE)
		print_section(s, "Redzone  ", p + s->object_size, s->inuse - s->object_size);
	off = get_info_end(s);
	if (s->flags & SLAB_STORE_USER)
		off += 2 * (unsigned int)sizeof(struct track);
	if (off != s->size)
		print_section(s, "Padding  ", p + off, s->size - off);
}

static void object_err(struct kmem_cache *s, struct slab *slab, void *object, const char *reason)
{
	slab_bug(s, "%s", reason);
	print_trailer(s, slab, object);
}

static void slab_err(struct kmem_cache *s, struct slab *slab, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void slab_err(struct kmem_cache *s, struct slab *slab, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	slab_bug(s, "%s", buf);
	print_slab_info(s, slab);
}

bool check_valid_pointer(struct kmem_cache *s, struct slab *slab, void *obj)
{
	char *base = slab_address(s->machine, slab);
	size_t off;

	if (!obj)
		return true;
	off = (size_t)((char *)obj - base);
	return (char *)obj >= base && off < (size_t)slab->objects * s->size && off % s->size == 0;
}

/*
 * Check that @bytes bytes at @start all equal @value; if not, report, restore them and return
 * false (the kernel's check_bytes_and_report).
 */
static bool check_bytes_and_report(struct kmem_cache *s, struct slab *slab, unsigned char *object,
				   const char *what, unsigned char *start, unsigned char value,
				   unsigned int bytes)
{
	unsigned char *addr = slab_address(s->machine, slab);
	unsigned char *fault = NULL, *end = start + bytes;
	unsigned int i;

	for (i = 0; i < bytes; i++)
		if (start[i] != value) {
			fault = start + i;
			break;
		}
	if (!fault)
		return true;
	while (end > fault && end[-1] == value)
		end--;
	slab_bug(s, "%s overwritten", what);
	printk(s->machine, "0x%016lx-0x%016lx @offset=%tu. First byte 0x%x instead of 0x%x\n",
	       PTR(fault), PTR(end - 1), fault - addr, fault[0], value);
	print_trailer(s, slab, object);
	slab_fix(s, "Restoring %s 0x%016lx-0x%016lx=0x%x", what, PTR(fault), PTR(end - 1), value);
	memset(fault, value, (size_t)(end - fault));
	return false;
}

static bool check_object(struct kmem_cache *s, struct slab *slab, void *object, unsigned char val)
{
	unsigned char *p = object;
	bool ok = true;

	if (s->flags & SLAB_RED_ZONE)
		ok &= check_bytes_and_report(s, slab, p, "Right Redzone", p + s->object_size, val,
					     s->inuse - s->object_size);
	if (object_poison(s) && val == SLUB_RED_INACTIVE) {
		ok &= check_bytes_and_report(s, slab, p, "Poison", p, POISON_FREE, s->object_size - 1);
		ok &= check_bytes_and_report(s, slab, p, "End Poison", p + s->object_size - 1,
					     POISON_END, 1);
	}
	if (val == SLUB_RED_INACTIVE && !check_valid_pointer(s, slab, get_freepointer(s, p))) {
		object_err(s, slab, p, "Freepointer corrupt");
		/* Cut the chain here rather than follow a wild pointer. */
		set_freepointer(s, p, NULL);
		ok = false;
	}
	return ok;
}

static void init_object(struct kmem_cache *s, void *object, unsigned char val)
{
	unsigned char *p = object;

	if (object_poison(s)) {
		memset(p, POISON_FREE, s->object_size - 1);
		p[s->object_size - 1] = POISON_END;
	}
	if (s->flags & SLAB_RED_ZONE)
		memset(p + s->object_size, val, s->inuse - s->object_size);
}

static void set_track(struct kmem_cache *s, void *object, enum track_item alloc,
		      unsigned long caller)
{
	struct track *t = get_track(s, object, alloc);

	t->addr = caller;
	t->cpu = mm_current.cpu;
	t->pid = 0;
	t->when = atomic_fetch_add_explicit(&slab_state_of(s->machine)->clock, 1,
					    memory_order_relaxed) + 1;
}

void setup_object_debug(struct kmem_cache *s, void *obj)
{
	init_object(s, obj, SLUB_RED_INACTIVE);
	if (s->flags & SLAB_STORE_USER)
		memset(get_track(s, obj, TRACK_ALLOC), 0, 2 * sizeof(struct track));
}

/*
 * Is @search on @slab's freelist? Walks at most slab->objects links; a corrupt link is reported
 * and the chain cut there (the kernel's on_freelist). list_lock held.
 */
static bool on_freelist(struct kmem_cache *s, struct slab *slab, void *search)
{
	void *fp = slab->freelist, *object = NULL;
	unsigned int nr = 0;

	while (fp && nr <= slab->objects) {
		if (fp == search)
			return true;
		if (!check_valid_pointer(s, slab, fp)) {
			if (object) {
				object_err(s, slab, object, "Freechain corrupt");
				set_freepointer(s, object, NULL);
			} else {
				slab_err(s, slab, "Freepointer corrupt");
				slab->freelist = NULL;
				slab->inuse = slab->objects;
				slab_fix(s, "Freelist cleared");
				return false;
			}
			break;
		}
		object = fp;
		fp = get_freepointer(s, object);
		nr++;
	}
	if (nr > slab->objects) {
		slab_err(s, slab, "Freelist cycle");
		slab->freelist = NULL;
		slab->inuse = slab->objects;
		slab_fix(s, "Freelist cleared");
	}
	return false;
}

bool alloc_debug_processing(struct kmem_cache *s, struct slab *slab, void *object,
			    unsigned long caller)
{
	if (s->flags & SLAB_CONSISTENCY_CHECKS) {
		if (!check_valid_pointer(s, slab, object) || !object) {
			object_err(s, slab, object, "Freelist Pointer check fails");
			goto bad;
		}
		if (!check_object(s, slab, object, SLUB_RED_INACTIVE))
			goto bad;
	}
	if (s->flags & SLAB_STORE_USER)
		set_track(s, object, TRACK_ALLOC, caller);
	init_object(s, object, SLUB_RED_ACTIVE);
	return true;

bad:
	/* Nothing on this slab's freelist can be trusted: never hand it out again. */
	slab_fix(s, "Marking all objects used");
	slab->inuse = slab->objects;
	slab->freelist = NULL;
	return false;
}

bool free_debug_processing(struct kmem_cache *s, struct slab *slab, void *object,
			   unsigned long caller)
{
	if (s->flags & SLAB_CONSISTENCY_CHECKS) {
		if (!check_valid_pointer(s, slab, object)) {
			slab_err(s, slab, "Invalid object pointer 0x%016lx", PTR(object));
			goto fail;
		}
		if (on_freelist(s, slab, object)) {
			object_err(s, slab, object, "Object already free");
			goto fail;
		}
		if (!check_object(s, slab, object, SLUB_RED_ACTIVE))
			goto fail;
	}
	if (s->flags & SLAB_STORE_USER)
		set_track(s, object, TRACK_FREE, caller);
	init_object(s, object, SLUB_RED_INACTIVE);
	return true;

fail:
	slab_fix(s, "Object at 0x%016lx not freed", PTR(object));
	return false;
}

void list_slab_objects(struct kmem_cache *s, struct slab *slab)
{
	char *addr = slab_address(s->machine, slab);
	unsigned char *is_free;
	void *p;
	unsigned int i, nr = 0;

	slab_bug(s, "Objects remaining on __kmem_cache_shutdown()");
	print_slab_info(s, slab);
	is_free = calloc(slab->objects, 1);
	if (!is_free)
		return;
	for (p = slab->freelist; p && nr++ < slab->objects; p = get_freepointer(s, p))
		is_free[((char *)p - addr) / s->size] = 1;
	for (i = 0; i < slab->objects; i++)
		if (!is_free[i])
			printk(s->machine, "Object 0x%016lx @offset=%u\n", PTR(addr + (size_t)i * s->size),
			       i * s->size);
	free(is_free);
}

void slab_report_bad_free(struct machine *m, const char *func, const void *p, const char *why)
{
	printk(m, "------------[ cut here ]------------\n");
	printk(m, "%s: invalid pointer 0x%016lx: %s\n", func, PTR(p), why);
	printk(m, "object pointer: 0x%016lx\n", PTR(p));
}

void slab_report_invalid_free(struct kmem_cache *s, struct slab *slab, const void *obj, bool twice)
{
	if (twice) {
		printk(s->machine, "------------[ cut here ]------------\n");
		printk(s->machine, "kernel BUG at mm/slub.c: set_freepointer: naive detection of "
		       "double free or corruption\n");
		printk(s->machine, "%s: object 0x%016lx is already the head of its freelist: "
		       "not freed again\n", s->name, PTR(obj));
		return;
	}
	slab_err(s, slab, "Invalid object pointer 0x%016lx", PTR(obj));
	slab_fix(s, "Object at 0x%016lx not freed", PTR(obj));
}
