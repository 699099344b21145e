/*
 * plat_bootparams: carries the boot parameter block placeholder, so the simulator
 * fills it in (vmsim/bootparams.h), and reports what it found through its exit code:
 *   1 magic wrong, 2 version wrong, 3 size wrong, otherwise
 *   (ram_size >> 20) + (stlb_entries >> 8) + unix_mprotect_asid_threshold
 *   + (stlb_org << 7)
 * For tests/sim/platform_test.cpp.
 */
#include <vmsim/memmap.h>
#include <vmsim/bootparams.h>

        .set    noreorder
        .section .vectors, "ax"
        .space  0x100                   /* never taken: interrupts stay off */

        .section .bootparams, "aw"
        .word   VMSIM_BOOTPARAMS_REQUEST
        .space  VMSIM_BOOTPARAMS_MAX_SIZE - 4

        .text
        .globl  _start
        .ent    _start
_start:
        li      $8, VMSIM_KSEG0(VMSIM_BOOTPARAMS_PADDR)
        lw      $9, VMSIM_BOOTPARAMS_OFF_MAGIC($8)
        lw      $10, VMSIM_BOOTPARAMS_OFF_VERSION($8)
        lw      $11, VMSIM_BOOTPARAMS_OFF_SIZE($8)
        lw      $12, VMSIM_BOOTPARAMS_OFF_RAM_SIZE($8)
        lw      $13, VMSIM_BOOTPARAMS_OFF_STLB_ENTRIES($8)
        lw      $15, VMSIM_BOOTPARAMS_OFF_UNIX_MPROTECT_ASID_THRESHOLD($8)
        lw      $24, VMSIM_BOOTPARAMS_OFF_STLB_ORG($8)
        li      $14, VMSIM_BOOTPARAMS_MAGIC
        bne     $9, $14, done
        li      $2, 1                   /* delay slot */
        li      $14, VMSIM_BOOTPARAMS_VERSION
        bne     $10, $14, done
        li      $2, 2
        li      $14, 64                 /* sizeof(struct vmsim_bootparams) */
        bne     $11, $14, done
        li      $2, 3
        srl     $12, $12, 20
        srl     $13, $13, 8
        addu    $2, $12, $13
        addu    $2, $2, $15
        sll     $24, $24, 7
        addu    $2, $2, $24
done:
        li      $8, VMSIM_KSEG1(VMSIM_SIMCTL_BASE)
        sw      $2, VMSIM_SIMCTL_EXIT($8)
1:      b       1b
        nop
        .end    _start
