/*
 * The scenario workload's access sequence (workloads/scenario): which page of
 * its working set a process touches next. Plain portable C: the guest and the
 * host test (tests/vmlib/scenario_test.cpp) both compile it.
 *
 * Locality, as a sliding window: most accesses fall in a window of
 * SCENARIO_WINDOW consecutive pages (uniformly), the window moves on by one page
 * every SCENARIO_DRIFT accesses (wrapping around the working set), and one
 * access in SCENARIO_JUMP goes to a page anywhere in the working set. So a
 * process keeps about SCENARIO_WINDOW pages hot, sweeps its whole working set
 * every pages * SCENARIO_DRIFT accesses, and now and then strays.
 */
#ifndef VMSIM_WORKLOADS_SCENARIO_CORE_H
#define VMSIM_WORKLOADS_SCENARIO_CORE_H

#include <stdint.h>

#include "xorshift32.h"

#define SCENARIO_WINDOW 8u /* pages (a power of two) */
#define SCENARIO_DRIFT 16u /* accesses per window step (a power of two) */
#define SCENARIO_JUMP 32u  /* one access in this many goes anywhere (a power of two) */

struct scenario_walk {
    uint32_t rng;   /* xorshift32 state */
    uint32_t pages; /* working-set size */
    uint32_t start; /* first page of the window */
    uint32_t n;     /* accesses so far */
};

/* Process `proc` of a run with seed `seed`: each process its own sequence. */
static inline void scenario_walk_init(struct scenario_walk *w, uint32_t pages, uint32_t seed, uint32_t proc)
{
    w->rng = xorshift32_init(seed * 0x9e3779b1u + proc);
    w->pages = pages;
    w->start = 0;
    w->n = 0;
}

/* The page (0 .. pages-1) of the next access. */
static inline uint32_t scenario_walk_next(struct scenario_walk *w)
{
    uint32_t r = xorshift32_next(&w->rng), page;
    if ((r & (SCENARIO_JUMP - 1)) == 0) {
        page = (uint32_t)(((r >> 8) & 0xffffu) * w->pages >> 16); /* anywhere */
    } else {
        page = w->start + ((r >> 16) & (SCENARIO_WINDOW - 1));
        while (page >= w->pages)
            page -= w->pages;
    }
    if ((++w->n & (SCENARIO_DRIFT - 1)) == 0 && ++w->start == w->pages)
        w->start = 0;
    return page;
}

/* Fingerprint of per-page access counts, page by page (FNV-1a over the words):
 * what the guest prints and the host recomputes. */
#define SCENARIO_FINGERPRINT_INIT 0x811c9dc5u
static inline uint32_t scenario_fingerprint(uint32_t h, uint32_t count)
{
    for (int i = 0; i < 4; i++, count >>= 8)
        h = (h ^ (count & 0xffu)) * 0x01000193u;
    return h;
}

#endif /* VMSIM_WORKLOADS_SCENARIO_CORE_H */
