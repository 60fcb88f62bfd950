/*
 * mmlab/gfp.h - Get Free Page flags: what an allocation may do and where it may come from.
 *
 * The bit values are the kernel's (x86-64, no lockdep), so a "mode:0x..." in an allocation
 * failure report reads the same as the kernel's. The zone modifiers pick the highest zone an
 * allocation may use; the mobility bits pick the pageblock migratetype; the reclaim bits say
 * whether the caller may sleep and reclaim.
 */
#ifndef MMLAB_GFP_H
#define MMLAB_GFP_H

typedef unsigned int gfp_t;

#define ___GFP_DMA		0x01u
#define ___GFP_HIGHMEM		0x02u
#define ___GFP_DMA32		0x04u
#define ___GFP_MOVABLE		0x08u
#define ___GFP_RECLAIMABLE	0x10u
#define ___GFP_HIGH		0x20u
#define ___GFP_IO		0x40u
#define ___GFP_FS		0x80u
#define ___GFP_ZERO		0x100u
#define ___GFP_DIRECT_RECLAIM	0x400u
#define ___GFP_KSWAPD_RECLAIM	0x800u
#define ___GFP_WRITE		0x1000u
#define ___GFP_NOWARN		0x2000u
#define ___GFP_RETRY_MAYFAIL	0x4000u
#define ___GFP_NOFAIL		0x8000u
#define ___GFP_NORETRY		0x10000u
#define ___GFP_MEMALLOC		0x20000u
#define ___GFP_COMP		0x40000u
#define ___GFP_NOMEMALLOC	0x80000u
#define ___GFP_HARDWALL		0x100000u
#define ___GFP_THISNODE		0x200000u
#define ___GFP_ACCOUNT		0x400000u
#define ___GFP_ZEROTAGS		0x800000u

/* Zone modifiers. */
#define __GFP_DMA		___GFP_DMA
#define __GFP_HIGHMEM		___GFP_HIGHMEM
#define __GFP_DMA32		___GFP_DMA32
#define __GFP_MOVABLE		___GFP_MOVABLE	/* also a mobility hint: ZONE_MOVABLE allowed */
#define GFP_ZONEMASK		(__GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE)

/* Mobility. */
#define __GFP_RECLAIMABLE	___GFP_RECLAIMABLE
#define __GFP_WRITE		___GFP_WRITE
#define __GFP_HARDWALL		___GFP_HARDWALL
#define __GFP_THISNODE		___GFP_THISNODE	/* only the requested node, no fallback */
#define __GFP_ACCOUNT		___GFP_ACCOUNT
#define GFP_MOVABLE_MASK	(__GFP_RECLAIMABLE | __GFP_MOVABLE)
#define GFP_MOVABLE_SHIFT	3

/* Watermark modifiers: access to reserves. */
#define __GFP_HIGH		___GFP_HIGH	/* high priority: may dip below the min mark */
#define __GFP_MEMALLOC		___GFP_MEMALLOC
#define __GFP_NOMEMALLOC	___GFP_NOMEMALLOC

/* Reclaim modifiers. */
#define __GFP_IO		___GFP_IO
#define __GFP_FS		___GFP_FS
#define __GFP_DIRECT_RECLAIM	___GFP_DIRECT_RECLAIM	/* caller may sleep and reclaim */
#define __GFP_KSWAPD_RECLAIM	___GFP_KSWAPD_RECLAIM	/* wake kswapd at the low mark */
#define __GFP_RECLAIM		(__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM)
#define __GFP_RETRY_MAYFAIL	___GFP_RETRY_MAYFAIL
#define __GFP_NOFAIL		___GFP_NOFAIL
#define __GFP_NORETRY		___GFP_NORETRY

/* Action modifiers. */
#define __GFP_NOWARN		___GFP_NOWARN	/* no failure report */
#define __GFP_COMP		___GFP_COMP	/* make a compound page */
#define __GFP_ZERO		___GFP_ZERO	/* return zeroed memory */
#define __GFP_ZEROTAGS		___GFP_ZEROTAGS

#define __GFP_BITS_SHIFT	24
#define __GFP_BITS_MASK		((1u << __GFP_BITS_SHIFT) - 1)

/* The common combinations. */
#define GFP_ATOMIC		(__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define GFP_KERNEL		(__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_KERNEL_ACCOUNT	(GFP_KERNEL | __GFP_ACCOUNT)
#define GFP_PGTABLE_USER	(GFP_KERNEL_ACCOUNT | __GFP_ZERO)	/* user page tables */
#define GFP_NOWAIT		(__GFP_KSWAPD_RECLAIM | __GFP_NOWARN)
#define GFP_NOIO		(__GFP_RECLAIM)
#define GFP_NOFS		(__GFP_RECLAIM | __GFP_IO)
#define GFP_USER		(__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL)
#define GFP_DMA			__GFP_DMA
#define GFP_DMA32		__GFP_DMA32
#define GFP_HIGHUSER		(GFP_USER | __GFP_HIGHMEM)
#define GFP_HIGHUSER_MOVABLE	(GFP_HIGHUSER | __GFP_MOVABLE)
#define GFP_TRANSHUGE_LIGHT	((GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | \
				  __GFP_NOWARN) & ~__GFP_RECLAIM)
#define GFP_TRANSHUGE		(GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM)

/* True if the caller may sleep (direct reclaim allowed). */
static inline int gfpflags_allow_blocking(gfp_t gfp)
{
	return !!(gfp & __GFP_DIRECT_RECLAIM);
}

#endif /* MMLAB_GFP_H */
