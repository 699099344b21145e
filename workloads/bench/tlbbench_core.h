/*
 * tlbbench: the computation of the TLB benchmark guest. Random bursts of
 * read-modify-write over an array of `npages` 4 KiB pages (a power of two):
 * each step picks a page and a 6-word run inside it from xorshift32, so
 * almost every step touches a page the TLB does not map. Plain portable C:
 * the guest runs it over TLB-mapped virtual memory, the host test over a
 * host array, and both must agree.
 */
#ifndef VMSIM_WORKLOADS_TLBBENCH_CORE_H
#define VMSIM_WORKLOADS_TLBBENCH_CORE_H

#include <stdint.h>

#include "xorshift32.h"

#define TLBBENCH_PAGE_WORDS 1024u /* 4 KiB pages */
#define TLBBENCH_BURST 6u         /* words touched per step */
#define TLBBENCH_SEED 0x2545f491u

/* The two configurations built (workloads/bench/CMakeLists.txt):
 * tlbbench (4 MiB, ~470 million instructions) and tlbbench_small (~1 million). */
#define TLBBENCH_FULL_PAGES 1024u
#define TLBBENCH_FULL_STEPS 4500000u
#define TLBBENCH_SMALL_PAGES 64u
#define TLBBENCH_SMALL_STEPS 4000u

static inline void tlbbench_init(uint32_t *a, uint32_t npages, uint32_t seed)
{
    uint32_t v = seed;
    for (uint32_t i = 0; i < npages * TLBBENCH_PAGE_WORDS; i++) {
        a[i] = v;
        v += 0x9e3779b9u;
    }
}

/* The timed part. Returns a running checksum of the values written. */
static inline uint32_t tlbbench_run(uint32_t *a, uint32_t npages, uint32_t steps, uint32_t seed)
{
    uint32_t state = xorshift32_init(seed);
    uint32_t sum = 0;
    for (uint32_t s = 0; s < steps; s++) {
        uint32_t x = xorshift32_next(&state);
        uint32_t *p = a + (x & (npages - 1)) * TLBBENCH_PAGE_WORDS +
                      ((x >> 16) & (TLBBENCH_PAGE_WORDS - 8)); /* 8-word aligned */
        for (uint32_t i = 0; i < TLBBENCH_BURST; i++) {
            uint32_t v = p[i];
            v = (v ^ (v >> 7)) + sum + i;
            sum = ((sum << 3) | (sum >> 29)) ^ v;
            p[i] = v;
        }
    }
    return sum;
}

/* Order-dependent digest of the whole array. */
static inline uint32_t tlbbench_fold(const uint32_t *a, uint32_t npages)
{
    uint32_t h = 0;
    for (uint32_t i = 0; i < npages * TLBBENCH_PAGE_WORDS; i++)
        h = ((h << 5) | (h >> 27)) + a[i];
    return h;
}

/* What the guest prints as checksum=0x%08x. */
static inline uint32_t tlbbench_checksum(uint32_t *a, uint32_t npages, uint32_t steps,
                                         uint32_t seed)
{
    tlbbench_init(a, npages, seed);
    uint32_t run = tlbbench_run(a, npages, steps, seed);
    return run ^ tlbbench_fold(a, npages);
}

#endif /* VMSIM_WORKLOADS_TLBBENCH_CORE_H */
