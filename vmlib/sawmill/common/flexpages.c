/* Splitting a page range into flexpages; see flexpages.h. */
#include "flexpages.h"

/* The largest k with 2^k dividing x (x != 0). */
static uint32_t trailing_zeros(uint32_t x)
{
    uint32_t k = 0;
    while (!(x & 1u)) {
        x >>= 1;
        k++;
    }
    return k;
}

/* The largest k with 2^k <= x (x != 0). */
static uint32_t floor_log2(uint32_t x)
{
    uint32_t k = 0;
    while (x >>= 1)
        k++;
    return k;
}

unsigned sm_flexpages(uint32_t first, uint32_t first_other, uint32_t npages,
                      struct sm_flexpage *out, unsigned max)
{
    unsigned n = 0;
    uint32_t done = 0;
    while (done < npages) {
        uint32_t order = floor_log2(npages - done);
        /* Both numberings must be aligned to the block; 0 is aligned to all. */
        uint32_t both = (first + done) | (first_other + done);
        if (both) {
            uint32_t align = trailing_zeros(both);
            if (align < order)
                order = align;
        }
        if (n < max) {
            out[n].page = done;
            out[n].order = order;
        }
        n++;
        done += 1u << order;
    }
    return n;
}
