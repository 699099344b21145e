/*
 * CRC-32 (IEEE 802.3: reflected polynomial 0xEDB88320, initial value and
 * final XOR 0xFFFFFFFF), table driven, and the inputs of the crc32 guest.
 * Plain portable C: the guest and the host test both compile it.
 */
#ifndef VMSIM_WORKLOADS_CRC32_CORE_H
#define VMSIM_WORKLOADS_CRC32_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "xorshift32.h"

static inline void crc32_make_table(uint32_t table[256])
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
        table[i] = c;
    }
}

/* CRC of buf[0..n), continuing from a previous result (0 to start). */
static inline uint32_t crc32_update(const uint32_t table[256], uint32_t crc,
                                    const uint8_t *buf, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++)
        crc = table[(crc ^ buf[i]) & 0xffu] ^ (crc >> 8);
    return ~crc;
}

/* Fills buf with n bytes from xorshift32(seed), four bytes per step,
 * least significant first. */
static inline void crc32_fill(uint8_t *buf, size_t n, uint32_t seed)
{
    uint32_t state = xorshift32_init(seed);
    uint32_t word = 0;
    for (size_t i = 0; i < n; i++) {
        if ((i & 3) == 0)
            word = xorshift32_next(&state);
        buf[i] = (uint8_t)(word >> (8 * (i & 3)));
    }
}

/* The crc32 guest prints one line per case:
 *   crc32 size=<size> seed=<seed> value=0x<crc, 8 hex digits> */
struct crc32_case {
    uint32_t size;
    uint32_t seed;
};

static const struct crc32_case crc32_cases[] = {
    {0, 1},        {1, 1},          {3, 7},          {64, 42},
    {1000, 12345}, {4096, 3054198966u}, {65536, 2463534242u},
};

#define CRC32_NUM_CASES (sizeof crc32_cases / sizeof crc32_cases[0])
#define CRC32_MAX_SIZE 65536u

#endif /* VMSIM_WORKLOADS_CRC32_CORE_H */
