/*
 * crc32: CRC-32 (IEEE, reflected 0xEDB88320) of xorshift32-filled buffers of
 * several sizes (cases in crc32_core.h). One line per case:
 *   crc32 size=N seed=S value=0xXXXXXXXX
 * Exits 0.
 */
#include <stdint.h>
#include <stdio.h>

#include "crc32_core.h"

static uint32_t table[256];
static uint8_t buffer[CRC32_MAX_SIZE];

int main(void)
{
    crc32_make_table(table);
    for (unsigned i = 0; i < CRC32_NUM_CASES; i++) {
        const struct crc32_case *c = &crc32_cases[i];
        crc32_fill(buffer, c->size, c->seed);
        uint32_t value = crc32_update(table, 0, buffer, c->size);
        printf("crc32 size=%u seed=%u value=0x%08x\n", (unsigned)c->size, (unsigned)c->seed,
               (unsigned)value);
    }
    return 0;
}
