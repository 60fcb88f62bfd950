/*
 * mmlab/mmlab.h - the whole public API of libmmlab. See each header for its layer.
 */
#ifndef MMLAB_MMLAB_H
#define MMLAB_MMLAB_H

#include "fault_inject.h"
#include "gfp.h"
#include "list.h"
#include "machine.h"
#include "mm.h"
#include "mman.h"
#include "page.h"
#include "page_alloc.h"
#include "slab.h"
#include "proc.h"
#include "vmalloc.h"

#endif /* MMLAB_MMLAB_H */
