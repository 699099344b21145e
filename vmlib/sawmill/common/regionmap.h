/*
 * The region map of one address space (seed 001, section 3.1): virtual-address
 * ranges (regions), each attached to a dataspace, translate an address into the
 * triple (dataspace manager, dataspace id, offset) the fault is forwarded with.
 *
 * Beyond the paper, each region also keeps what the application left of its
 * access rights page by page: vmbench's vm_protect removes all access to single
 * pages of a region (Appel-Li), and the region mapper sends a fault on such a
 * page to the application's handler instead of to the manager. The region map
 * lives in the application's address space; the application's library and the
 * region-mapper thread use it as memory (they never run at the same time: the
 * region mapper runs while the thread that faulted waits for it).
 *
 * Plain C with no dependency (guest and host tests compile it). Regions are
 * kept sorted in a small array: an address space here has a handful of them
 * (the program image, one per vm_alloc_pages), so a linear search is a few
 * compares; a tree would pay off only for many regions.
 */
#ifndef SAWMILL_REGIONMAP_H
#define SAWMILL_REGIONMAP_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SM_REGIONS_MAX 16u
/* Pages of one region whose access can be removed page by page (4 MB). */
#define SM_REGION_PROTECTABLE_PAGES 1024u
/* The largest alignment attach gives a region: a 4 MB fpage. */
#define SM_ATTACH_MAX_ALIGN_PAGES 1024u

#define SM_RIGHT_R 1u
#define SM_RIGHT_W 2u

struct sm_region {
    uint32_t start;   /* first virtual address, page aligned */
    uint32_t npages;  /* length in pages */
    uint32_t manager; /* L4 thread id of the dataspace manager */
    uint32_t ds;      /* dataspace id, as the manager's identify gave it */
    uint32_t offset;  /* byte offset in the dataspace that `start` shows */
    uint32_t rights;  /* SM_RIGHT_R | SM_RIGHT_W, as the region was opened */
    /* Bit p set: page p of the region has no access (vm_protect). */
    uint32_t noaccess[SM_REGION_PROTECTABLE_PAGES / 32];
};

struct sm_regionmap {
    struct sm_region region[SM_REGIONS_MAX]; /* sorted by start, no overlap */
    unsigned count;
    uint32_t attach_base; /* [attach_base, attach_end): where attach places regions */
    uint32_t attach_end;
};

void sm_rm_init(struct sm_regionmap *m, uint32_t attach_base, uint32_t attach_end);

/*
 * Attaches [start, start + npages pages) to (manager, ds, offset) with rights.
 * start == 0 lets the map choose: the lowest free address in the attach area
 * aligned to the region's size rounded up to a power of two (at most 4 MB), so
 * that a dataspace whose manager keeps it equally aligned splits into the same
 * flexpages on both sides. Returns the start, or 0 when the range is not page
 * aligned, overlaps a region, the map is full or no space is left.
 */
uint32_t sm_rm_attach(struct sm_regionmap *m, uint32_t start, uint32_t npages, uint32_t manager,
                      uint32_t ds, uint32_t offset, uint32_t rights);

/* Removes the region that starts at start. 0 on success, -1 if there is none. */
int sm_rm_detach(struct sm_regionmap *m, uint32_t start);

/* The region holding addr, or 0. */
struct sm_region *sm_rm_lookup(struct sm_regionmap *m, uint32_t addr);

/*
 * Removes (allow = 0) or restores (allow = 1) access to npages pages of region
 * r from the page holding addr (the caller has looked the region up). -1 if
 * they are not all inside r or lie beyond its first SM_REGION_PROTECTABLE_PAGES
 * pages.
 */
int sm_rm_set_access(struct sm_region *r, uint32_t addr, uint32_t npages, int allow);

/* Whether an access (write = 1) to addr in region r is allowed by the region's
 * rights and the application's per-page protection. */
int sm_rm_allows(const struct sm_region *r, uint32_t addr, int write);

#ifdef __cplusplus
}
#endif

#endif /* SAWMILL_REGIONMAP_H */
