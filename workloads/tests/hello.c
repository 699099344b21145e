/*
 * hello: the demo guest that `make run` boots. Prints a banner, two computed
 * values and the cycles/instructions the simulator counted for a measured
 * region (region 0: CRC-32 of a 4 KiB buffer); exits 0.
 */
#include <stdint.h>
#include <stdio.h>
#include <vmsim.h>

#include "crc32_core.h"

static uint32_t table[256];
static uint8_t buffer[4096];

int main(void)
{
    printf("hello: vmsim MIPS R3000 guest running\n");

    unsigned sum = 0;
    for (unsigned i = 1; i <= 100; i++)
        sum += i;
    printf("hello: sum(1..100) = %u\n", sum);

    crc32_make_table(table);
    static const char check[] = "123456789";
    printf("hello: crc32(\"%s\") = 0x%08x\n", check,
           (unsigned)crc32_update(table, 0, (const uint8_t *)check, sizeof check - 1));

    crc32_fill(buffer, sizeof buffer, 1);
    vmsim_region_begin(0);
    uint64_t c0 = vmsim_cycles(), i0 = vmsim_instructions();
    uint32_t crc = crc32_update(table, 0, buffer, sizeof buffer);
    uint64_t c1 = vmsim_cycles(), i1 = vmsim_instructions();
    vmsim_region_end(0);
    printf("hello: region 0 crc32(%u bytes, seed 1) = 0x%08x cycles=%llu instructions=%llu\n",
           (unsigned)sizeof buffer, (unsigned)crc, (unsigned long long)(c1 - c0),
           (unsigned long long)(i1 - i0));
    printf("hello: done\n");
    return 0;
}
