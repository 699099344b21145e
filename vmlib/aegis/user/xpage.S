/*
 * aegis user runtime: the xpage, one page the kernel pins in the TLB while the
 * application runs. It holds the frames of forwarded exceptions (written by
 * the kernel, struct aegis_xpage) and, at AEGIS_XP_STUB, the return stub that
 * ends every handler: it pops the frame, restores the caller-saved registers
 * and HI/LO, and jumps to the frame's EPC. Because the stub's code and every
 * word it touches are in the pinned page, nothing can fault between its use of
 * k0/k1 and the jump (interrupts are off under aegis).
 */
#include <aegis/abi.h>
        .section .aegis.xpage, "awx", @progbits
        .balign 4096
        .globl  aegis_xpage
aegis_xpage:
        .space  AEGIS_XP_STUB
        .set    noreorder
        .set    noat
        .globl  aegis_xret
        .ent    aegis_xret
aegis_xret:
        lui     $27, %hi(aegis_xpage)
        addiu   $27, $27, %lo(aegis_xpage)
        lw      $26, AEGIS_XP_DEPTH($27)
        nop
        addiu   $1, $26, -1
        sw      $1, AEGIS_XP_DEPTH($27)
        sll     $26, $26, AEGIS_XP_FRAME_SHIFT
        addu    $27, $27, $26                   /* the frame being popped */
        lw      $2, AEGIS_XF_HI($27)
        lw      $3, AEGIS_XF_LO($27)
        lw      $1, AEGIS_XF_AT($27)
        mthi    $2
        mtlo    $3
        lw      $2, AEGIS_XF_V0($27)
        lw      $3, AEGIS_XF_V1($27)
        lw      $4, AEGIS_XF_A0($27)
        lw      $5, AEGIS_XF_A1($27)
        lw      $6, AEGIS_XF_A2($27)
        lw      $7, AEGIS_XF_A3($27)
        .irp    r, 8,9,10,11,12,13,14,15
        lw      $\r, AEGIS_XF_T0 + (\r - 8) * 4($27)
        .endr
        lw      $24, AEGIS_XF_T8($27)
        lw      $25, AEGIS_XF_T9($27)
        lw      $31, AEGIS_XF_RA($27)
        lw      $26, AEGIS_XF_EPC($27)
        lw      $29, AEGIS_XF_SP($27)
        jr      $26
        nop
        .end    aegis_xret
        .balign 4096, 0
