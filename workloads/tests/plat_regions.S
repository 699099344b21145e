/*
 * plat_regions: measured region PLAT_REGION around a loop whose instruction
 * count is exact (hand-written, no stalls), for tests/sim/platform_test.cpp.
 * First an END without a BEGIN (must not count), then PLAT_REGION_PAIRS times:
 *
 *      sw    BEGIN                 <- region starts after this store
 *   1: addiu t3, t3, -1            \
 *      bnez  t3, 1b                 > PLAT_REGION_ITERS times: 3 instructions
 *      nop   (delay slot)          /
 *      sw    END                   <- counted: the counters are read at the store
 *
 * Prints nothing; exits 0.
 */
#include <vmsim/memmap.h>
#include "plat_regions.h"

        .text
        .set    noreorder
        .globl  main
        .ent    main
main:
        li      $8, VMSIM_KSEG1(VMSIM_SIMCTL_BASE)
        li      $9, PLAT_REGION
        sw      $9, VMSIM_SIMCTL_REGION_END($8)         /* end without begin */
        li      $10, PLAT_REGION_PAIRS
1:      li      $11, PLAT_REGION_ITERS
        sw      $9, VMSIM_SIMCTL_REGION_BEGIN($8)
2:      addiu   $11, $11, -1
        bnez    $11, 2b
        nop
        sw      $9, VMSIM_SIMCTL_REGION_END($8)
        addiu   $10, $10, -1
        bnez    $10, 1b
        nop
        jr      $31
        move    $2, $0                                  /* delay slot: return 0 */
        .end    main
