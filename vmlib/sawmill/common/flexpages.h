/*
 * Splitting a page range into L4 flexpages (fpages): naturally aligned blocks of
 * 2^k pages, the only unit L4's map and fpage_unmap take (L4 X.0 reference
 * manual, "fpages"; ../shared/reference/i386.md section 4).
 *
 * SawMill changes the protection of 100 contiguous pages as three flexpages of
 * 64, 32 and 4 pages (seed 001, section 5): the range starts where a 64-page
 * block may start, and each next block is the largest one the remaining length
 * and the alignment allow. Plain C with no dependency: the guest and the host
 * tests compile it.
 */
#ifndef SAWMILL_FLEXPAGES_H
#define SAWMILL_FLEXPAGES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SM_PAGE_SHIFT 12u
#define SM_PAGE_SIZE (1u << SM_PAGE_SHIFT)

struct sm_flexpage {
    uint32_t page;  /* first page of the block, counted from the range's origin */
    uint32_t order; /* the block holds 2^order pages */
};

/*
 * Splits pages [first, first + npages) into the fewest aligned blocks: each
 * block of 2^k pages starts at a page number that is a multiple of 2^k in both
 * numberings the caller names, `first` (e.g. the client's virtual page) and
 * `first_other` (e.g. the page within the manager's aligned cache window), so
 * that one block is one fpage on both sides of a map or unmap. Writes at most
 * `max` blocks to `out` (in address order) and returns how many the range
 * needs, which may be more than `max` (then only the first `max` are written).
 */
unsigned sm_flexpages(uint32_t first, uint32_t first_other, uint32_t npages,
                      struct sm_flexpage *out, unsigned max);

#ifdef __cplusplus
}
#endif

#endif /* SAWMILL_FLEXPAGES_H */
