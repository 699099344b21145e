/*
 * Marsaglia's xorshift32 (shifts 13, 17, 5): the deterministic generator the
 * guest programs use to fill their inputs. Plain portable C, shared with the
 * host tests (tests/workloads), which compute the same values natively.
 */
#ifndef VMSIM_WORKLOADS_XORSHIFT32_H
#define VMSIM_WORKLOADS_XORSHIFT32_H

#include <stdint.h>

/* A zero state would stay zero forever: map seed 0 to a fixed non-zero one. */
static inline uint32_t xorshift32_init(uint32_t seed)
{
    return seed ? seed : 0x9e3779b9u;
}

static inline uint32_t xorshift32_next(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

#endif /* VMSIM_WORKLOADS_XORSHIFT32_H */
