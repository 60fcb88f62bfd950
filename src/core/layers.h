/*
 * layers.h - the boot interface of the layers above core: what machine.c calls, in boot order,
 * and nothing else of theirs.
 *
 * Core may not include a layer's headers (a lower layer never sees a higher one's types), yet
 * machine_boot() must bring the layers up in order, as start_kernel brings up the page
 * allocator, then slab, then the rest. So each layer exports three functions with these
 * signatures, declared here and defined in the layer; machine.c lists them in a table. This is
 * a link-time dependency on three symbols per layer, not a view of the layer's internals: the
 * layer's state stays an opaque pointer in struct machine.
 *
 *   init   bring the layer up on @m (the layers below are up); 0 or a negative errno, with
 *          everything the layer had set up undone
 *   exit   tear it down (the layers above are down)
 *   check  the layer's whole-machine invariant checker: 0, or -EUCLEAN with the first broken
 *          invariant in @why
 */
#ifndef MMLAB_CORE_LAYERS_H
#define MMLAB_CORE_LAYERS_H

#include <stddef.h>

struct machine;

/* src/phys/boot.c and check.c: memmap, nodes, zones, per-CPU lists, the buddy allocator */
int page_alloc_init(struct machine *m);
void page_alloc_exit(struct machine *m);
int phys_check(struct machine *m, char *why, size_t why_size);

/* src/slab: caches and kmalloc */
int slab_init(struct machine *m);
void slab_exit(struct machine *m);
int slab_check(struct machine *m, char *why, size_t why_size);

/* src/vm: mms, VMAs and the memory syscalls */
int vm_init(struct machine *m);
void vm_exit(struct machine *m);
int vm_check(struct machine *m, char *why, size_t why_size);

/* src/vmalloc: the kernel layout, init_mm's page tables, vmalloc, vmap, kmap */
int vmalloc_init(struct machine *m);
void vmalloc_exit(struct machine *m);
int vmalloc_check(struct machine *m, char *why, size_t why_size);

#endif /* MMLAB_CORE_LAYERS_H */
