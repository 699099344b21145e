/*
 * aegis user runtime: the xpage, one page the kernel pins in the TLB while the
 * application runs. It holds the frames of forwarded exceptions (written by
 * the kernel, struct aegis_xpage) and, at AEGIS_XP_STUB, the return stub that
 * ends every handler: it finds the frame from sp (abi.h), restores the
 * caller-saved registers and HI/LO, and jumps to the frame's EPC. Because the stub's code and every
 * word it touches are in the pinned page, nothing can fault between its use of
 * k0/k1 and the jump. A timer interrupt can (when several environments run):
 * the kernel then restarts the stub, or finishes it once sp is loaded (abi.h,
 * AEGIS_XP_STUB_SP_LOAD; vmlib/aegis/kernel/sched.c).
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
        /* The handler returns with the sp it was given: XSTACK_TOP - 16 -
         * (d - 1) * 4096 at depth d, whose frame is at xpage + (d << 7); so
         * (XSTACK_TOP - sp) >> 5 = (d - 1) << 7. */
        lui     $27, %hi(AEGIS_XSTACK_TOP)
        subu    $27, $27, $29
        lui     $26, %hi(aegis_xpage)
        srl     $27, $27, 5                     /* (d - 1) << 7 */
        addu    $27, $27, $26                   /* frame - 128 - %lo(aegis_xpage) */
#define F(off) %lo(aegis_xpage + (1 << AEGIS_XP_FRAME_SHIFT) + off)($27)
        lw      $26, F(AEGIS_XF_HI)
        lw      $1, F(AEGIS_XF_AT)
        mthi    $26
        lw      $2, F(AEGIS_XF_V0)
        lw      $3, F(AEGIS_XF_V1)
        lw      $4, F(AEGIS_XF_A0)
        lw      $5, F(AEGIS_XF_A1)
        lw      $6, F(AEGIS_XF_A2)
        lw      $7, F(AEGIS_XF_A3)
        .irp    r, 8,9,10,11,12,13,14,15
        lw      $\r, F(AEGIS_XF_T0 + (\r - 8) * 4)
        .endr
        lw      $24, F(AEGIS_XF_T8)
        lw      $25, F(AEGIS_XF_T9)
        lw      $31, F(AEGIS_XF_RA)
aegis_xret_sp:
        lw      $29, F(AEGIS_XF_SP)             /* (sp's last use was above) */
        lw      $26, F(AEGIS_XF_EPC)
        lw      $27, F(AEGIS_XF_LO)             /* the frame base, last */
        jr      $26
        mtlo    $27                             /* delay slot */
aegis_xret_end:
        .end    aegis_xret
        .if     aegis_xret_sp - aegis_xret != AEGIS_XP_STUB_SP_LOAD
        .error  "AEGIS_XP_STUB_SP_LOAD (abi.h) is not the offset of the stub's load of sp"
        .endif
        .if     aegis_xret_end - aegis_xret != AEGIS_XP_STUB_SIZE
        .error  "AEGIS_XP_STUB_SIZE (abi.h) is not the stub's length"
        .endif
        .balign 4096, 0
