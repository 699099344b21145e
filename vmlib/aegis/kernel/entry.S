/*
 * aegis: exception vectors and the kernel's assembly paths.
 *
 * UTLB refill (0x80000000): probe the direct-mapped STLB; on a hit write the
 * TLB and return (the fast path, vmsim_utlb_vector .. aegis_utlb_fast_end,
 * 15 instructions). The 2way and none organisations copy their own handler over
 * this one at boot (below). The STLB base B is 4 MB aligned; Context.PTEBase holds B/2,
 * so Context << 1 = B | VPN << 3 and one AND with aegis_stlb_mask = B |
 * (entries - 1) << 3 gives the entry's address. An entry is two words: the tag
 * (EntryHi format: VPN | ASID, 1 when empty, never equal to an EntryHi) and the
 * EntryLo to install.
 * On an STLB miss: segment 0 goes straight to the application's TLB-miss
 * handler; segment 1 asks C (guaranteed mappings are refilled by the kernel).
 *
 * General vector (0x80000080): system calls, and every exception from user mode
 * forwarded to the application's exception handler (protection faults, Mod,
 * address errors, break, RI, ...), and the timer interrupt, which preempts the
 * running environment when several run (aegis_intr). Exceptions in kernel mode
 * are fatal; the kernel runs with interrupts off.
 */
#include <vmsim/memmap.h>
#include "kernel.h"

#define C0_INDEX $0
#define C0_ENTRYLO $2
#define C0_CONTEXT $4
#define C0_BADVADDR $8
#define C0_ENTRYHI $10
#define C0_STATUS $12
#define C0_CAUSE $13
#define C0_EPC $14
#define SR_KUP 0x8

        .set    noreorder
        .set    noat

/* FWD_DEPTH: k1 = XSTACK_TOP - sp on entry; leaves k0 = the frame (kseg0).
 * The nested case is out of line (FWD_NESTED), and comes back to `back`. */
        .macro  FWD_DEPTH nested
        addiu   $27, $27, -1
        sltiu   $26, $27, AEGIS_XP_MAXDEPTH << 12
        bnez    $26, \nested                    /* sp on an exception stack */
        lui     $26, %hi(aegis_fwd + FWD_FRAME1)
        lw      $26, %lo(aegis_fwd + FWD_FRAME1)($26)
        .endm
        .macro  FWD_NESTED back
        srl     $27, $27, 12                    /* depth - 1 */
        lw      $26, %lo(aegis_fwd + FWD_FRAME1)($26)
        addiu   $27, $27, -(AEGIS_XP_MAXDEPTH - 1)
        bgez    $27, aegis_kfatal_nest
        addiu   $27, $27, AEGIS_XP_MAXDEPTH     /* delay slot: depth */
        sll     $27, $27, AEGIS_XP_FRAME_SHIFT
        b       \back
        addu    $26, $26, $27                   /* delay slot: frame 1 + depth */
        .endm

/* ---- UTLB refill ------------------------------------------------------- */
        .section .vector.utlb, "ax", @progbits
        .globl  vmsim_utlb_vector
        .globl  aegis_utlb_fast_end
        .ent    vmsim_utlb_vector
vmsim_utlb_vector:
        mfc0    $26, C0_CONTEXT                 /* B/2 | VPN << 2 */
        lui     $27, %hi(aegis_stlb_mask)
        lw      $27, %lo(aegis_stlb_mask)($27)  /* B | (entries-1) << 3 */
        sll     $26, $26, 1                     /* B | VPN << 3 */
        and     $26, $26, $27                   /* &stlb[VPN mod entries] */
        lw      $27, 4($26)                     /* EntryLo */
        lw      $26, 0($26)                     /* tag */
        mtc0    $27, C0_ENTRYLO
        mfc0    $27, C0_ENTRYHI                 /* VPN | ASID of the miss */
        nop
        bne     $26, $27, aegis_utlb_slow
        mfc0    $26, C0_EPC                     /* delay slot */
        tlbwr
        jr      $26
        rfe
aegis_utlb_fast_end:
        .end    vmsim_utlb_vector

/* ---- UTLB refill of the other STLB organisations ------------------------------
 * Copied over the vector at boot (stlb.c, stlb_init) when the boot parameter
 * stlb_org names them; kept here as data, never run in place. A branch inside a
 * copy keeps its target (relative); the way out is a j (absolute, the same 256 MB).
 *
 * 2way: the set's address from Context as direct's entry address, but with 16-byte
 * sets: Context.PTEBase holds B/4 (B 8 MB aligned), Context << 2 = B | VPN << 4,
 * aegis_stlb_mask = B | (sets-1) << 4. Way 0 (the set's newest entry) exactly as
 * direct: 15 instructions on a hit. Way 1 at +8: k0 and k1 are all the registers
 * there are, and way 0's compare used both, so the set's address is computed again:
 * 12 + 15 = 27 instructions on a hit. No stores on either hit path.
 * none: straight to the STLB-miss path. */
        .section .rodata.utlb, "a"
        .globl  aegis_utlb2
        .globl  aegis_utlb2_way0_end
        .globl  aegis_utlb2_way1_end
        .globl  aegis_utlb2_end
        .globl  aegis_utlb0
        .globl  aegis_utlb0_end
        .align  2
/* PROBE2 way, miss: k0 = the set's address from Context; compare way `way`'s tag
 * with EntryHi; on a match write the TLB and return, else go to `miss` (EntryLo
 * written, k0 = EPC). 15 instructions on a hit. */
        .macro  PROBE2 way, miss
        mfc0    $26, C0_CONTEXT                 /* B/4 | VPN << 2 */
        lui     $27, %hi(aegis_stlb_mask)
        lw      $27, %lo(aegis_stlb_mask)($27)  /* B | (sets-1) << 4 */
        sll     $26, $26, 2                     /* B | VPN << 4 */
        and     $26, $26, $27                   /* &set[VPN mod sets] */
        lw      $27, 8 * \way + 4($26)          /* EntryLo */
        lw      $26, 8 * \way($26)              /* tag */
        mtc0    $27, C0_ENTRYLO
        mfc0    $27, C0_ENTRYHI                 /* VPN | ASID of the miss */
        nop
        bne     $26, $27, \miss
        mfc0    $26, C0_EPC                     /* delay slot */
        tlbwr
        jr      $26
        rfe
        .endm
aegis_utlb2:
        PROBE2  0, 1f
aegis_utlb2_way0_end:
1:      PROBE2  1, 2f                           /* way 1: the set again (k0, k1 are all we have) */
aegis_utlb2_way1_end:
2:      j       aegis_utlb_slow
        nop
aegis_utlb2_end:

aegis_utlb0:
        j       aegis_utlb_slow
        nop
aegis_utlb0_end:

/* ---- general vector ------------------------------------------------------ */
        .section .vector.general, "ax", @progbits
        .globl  vmsim_general_vector
        .ent    vmsim_general_vector
vmsim_general_vector:
        mfc0    $26, C0_CAUSE
        lui     $27, %hi(AEGIS_XSTACK_TOP)
        andi    $26, $26, 0x7c                  /* ExcCode << 2 */
        addiu   $26, $26, -(8 << 2)             /* Sys? */
        beqz    $26, aegis_syscall
        subu    $27, $27, $29                   /* delay slot: TOP - sp (the syscall path sets k1) */
        /* forwarding: the frame first, so that the stores start early; the
         * kernel-mode check follows the first two (a kernel-mode exception is
         * fatal, and the frame it wrote is the env's own) */
        FWD_DEPTH 2f
1:      mfc0    $27, C0_CAUSE
        sw      $8, AEGIS_XF_T0 + 0($26)
        sw      $9, AEGIS_XF_T0 + 4($26)
        mfc0    $9, C0_STATUS
        andi    $8, $27, 0x7c                   /* ExcCode << 2 */
        andi    $9, $9, SR_KUP
        beqz    $9, aegis_kfatal                /* from kernel mode */
        lui     $9, %hi(aegis_fwd + FWD_HTAB)
        addu    $9, $9, $8
        j       aegis_fwd_exc
        lw      $9, %lo(aegis_fwd + FWD_HTAB)($9) /* delay slot: the entry for this code */
2:      FWD_NESTED 1b
        .end    vmsim_general_vector

        .text
/* STLB miss (k0, k1 free). */
        .ent    aegis_utlb_slow
aegis_utlb_slow:
        mfc0    $27, C0_STATUS
        mfc0    $26, C0_BADVADDR
        andi    $27, $27, SR_KUP
        beqz    $27, aegis_kfatal               /* the kernel touched kuseg */
        lui     $27, 0x4000
        sltu    $27, $26, $27
        bnez    $27, aegis_fwd_tlbmiss          /* segment 0 */
        nop
        /* segment 1: save the caller-saved registers, ask C */
        lui     $27, %hi(aegis_ktf)
        addiu   $27, $27, %lo(aegis_ktf)
        .irp    r, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,24,25,29,31
        sw      $\r, \r*4($27)
        .endr
        mfhi    $8
        mflo    $9
        sw      $8, 32*4($27)
        sw      $9, 33*4($27)
        lui     $sp, %hi(aegis_kstack_top)
        addiu   $sp, $sp, %lo(aegis_kstack_top)
        jal     aegis_seg1_miss                 /* 0: installed, 1: forward */
        move    $4, $26                         /* delay slot: BadVAddr */
        lui     $27, %hi(aegis_ktf)
        addiu   $27, $27, %lo(aegis_ktf)
        lw      $8, 32*4($27)
        lw      $9, 33*4($27)
        mthi    $8
        mtlo    $9
        .irp    r, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,24,25,29,31
        lw      $\r, \r*4($27)
        .endr
        bnez    $2, aegis_fwd_tlbmiss
        lw      $2, 2*4($27)                    /* delay slot: v0 */
        mfc0    $26, C0_EPC
        nop
        jr      $26
        rfe
        .end    aegis_utlb_slow

/* ---- exception forwarding --------------------------------------------------
 * Enter the current env's handler in user mode (a0 = frame, a1 = Cause,
 * a2 = BadVAddr), saving the caller-saved registers, HI/LO and EPC in a frame of
 * its xpage (written through kseg0). The frame: 1, or d + 1 when sp is on
 * exception stack d (a nested exception). aegis_fwd holds the current env's
 * entries and xpage addresses (kernel.h). */
/* FWD_SAVE: k0 = frame, $9 = handler (checked), k1 = Cause. 22 stores; the
 * other work is spread between them so that the write buffer drains meanwhile. */
        .macro  FWD_SAVE
        sw      $10, AEGIS_XF_T0 + 8($26)
        mfhi    $10
        beqz    $9, aegis_kfatal_nohandler
        sw      $11, AEGIS_XF_T0 + 12($26)
        mflo    $11
        sw      $12, AEGIS_XF_T0 + 16($26)
        mfc0    $12, C0_EPC
        sw      $13, AEGIS_XF_T0 + 20($26)
        lui     $13, %hi(aegis_fwd + FWD_DELTA)
        sw      $1, AEGIS_XF_AT($26)
        sw      $2, AEGIS_XF_V0($26)
        lw      $8, %lo(aegis_fwd + FWD_DELTA)($13)
        sw      $3, AEGIS_XF_V1($26)
        sw      $4, AEGIS_XF_A0($26)
        sw      $5, AEGIS_XF_A1($26)
        subu    $4, $26, $8                     /* a0 = frame, user address */
        sw      $6, AEGIS_XF_A2($26)
        move    $5, $27                         /* a1 = Cause */
        sw      $7, AEGIS_XF_A3($26)
        mfc0    $6, C0_BADVADDR                 /* a2 = BadVAddr */
        sw      $14, AEGIS_XF_T0 + 24($26)
        sw      $15, AEGIS_XF_T0 + 28($26)
        sw      $24, AEGIS_XF_T8($26)
        sw      $25, AEGIS_XF_T9($26)
        sw      $29, AEGIS_XF_SP($26)
        sw      $31, AEGIS_XF_RA($26)
        lw      $31, %lo(aegis_fwd + FWD_STUB)($13) /* ra = the return stub */
        sw      $10, AEGIS_XF_HI($26)
        sw      $11, AEGIS_XF_LO($26)
        lw      $29, AEGIS_XF_STACK($26)
        sw      $12, AEGIS_XF_EPC($26)
        jr      $9
        rfe                                     /* back to user mode */
        .endm

/* The rest of the general vector's forwarding: k0 = frame, $9 = entry, k1 = Cause. */
        .globl  aegis_fwd_exc
        .ent    aegis_fwd_exc
aegis_fwd_exc:                                  /* from the general vector */
        FWD_SAVE
        .end    aegis_fwd_exc

/* From the UTLB path (STLB miss in segment 0 or not guaranteed in segment 1). */
        .ent    aegis_fwd_tlbmiss
aegis_fwd_tlbmiss:
        lui     $27, %hi(AEGIS_XSTACK_TOP)
        subu    $27, $27, $29
        FWD_DEPTH 2f
1:      mfc0    $27, C0_CAUSE
        sw      $8, AEGIS_XF_T0 + 0($26)
        sw      $9, AEGIS_XF_T0 + 4($26)
        lui     $9, %hi(aegis_fwd + FWD_TLBMISS)
        lw      $9, %lo(aegis_fwd + FWD_TLBMISS)($9)
        FWD_SAVE
2:      FWD_NESTED 1b
        .end    aegis_fwd_tlbmiss

/* ---- system calls --------------------------------------------------------- */
        .ent    aegis_syscall
aegis_syscall:
        mfc0    $26, C0_STATUS
        lui     $27, %hi(aegis_ksave)
        andi    $26, $26, SR_KUP
        beqz    $26, aegis_kfatal               /* from kernel mode */
        addiu   $27, $27, %lo(aegis_ksave)      /* delay slot */
        mfc0    $26, C0_EPC
        sw      $29, KS_SP($27)
        sw      $31, KS_RA($27)
        addiu   $26, $26, 4
        sltiu   $1, $2, AEGIS_SYS_SWITCH_MIN
        beqz    $1, aegis_sys_switch
        sw      $26, KS_EPC($27)                /* delay slot */
        sll     $26, $2, 2
        lui     $27, %hi(aegis_systab)
        addu    $27, $27, $26
        lw      $26, %lo(aegis_systab)($27)
        lui     $sp, %hi(aegis_kstack_top)
        jalr    $26
        addiu   $sp, $sp, %lo(aegis_kstack_top) /* delay slot */
        lui     $27, %hi(aegis_ksave)
        addiu   $27, $27, %lo(aegis_ksave)
        lw      $29, KS_SP($27)
        lw      $31, KS_RA($27)
        lw      $26, KS_EPC($27)
        nop
        jr      $26
        rfe
        .end    aegis_syscall

/* yield and exit: save the callee-saved context, let C pick the next env. */
        .ent    aegis_sys_switch
aegis_sys_switch:
        lui     $8, %hi(aegis_cur)
        lw      $8, %lo(aegis_cur)($8)
        lw      $9, KS_SP($27)
        lw      $10, KS_RA($27)
        lw      $11, KS_EPC($27)
        .irp    r, 16,17,18,19,20,21,22,23,30
        sw      $\r, ENV_REG(\r)($8)
        .endr
        sw      $9, ENV_REG(29)($8)
        sw      $10, ENV_REG(31)($8)
        sw      $11, ENV_EPC($8)
        lui     $sp, %hi(aegis_kstack_top)
        addiu   $sp, $sp, %lo(aegis_kstack_top)
        move    $5, $4                          /* a1 = argument */
        jal     aegis_switch                    /* returns the env to run */
        move    $4, $2                          /* delay slot: a0 = number */
        b       aegis_resume_env
        move    $4, $2                          /* delay slot */
        .end    aegis_sys_switch

/* ---- timer interrupt (user mode: the kernel runs with interrupts off) -------
 * The general vector treats it as an exception to forward; the application's
 * entry for ExcCode 0 is always 0 (load_fwd), so the forwarding path branches to
 * aegis_kfatal_nohandler, which comes here. Nothing of this is on the paths of
 * refills, forwarded exceptions or system calls. */
/* From the forwarding path: k0 = the frame where it saved t0..t3, t0..t2 changed. */
aegis_intr_fwd:
        lw      $8, AEGIS_XF_T0 + 0($26)
        lw      $9, AEGIS_XF_T0 + 4($26)
        lw      $10, AEGIS_XF_T0 + 8($26)
/* Every user register but k0/k1 as interrupted: save them all in the env, let C
 * pick the env to continue (aegis_preempt), resume it. */
        .globl  aegis_intr
        .ent    aegis_intr
aegis_intr:
        lui     $27, %hi(aegis_cur)
        lw      $27, %lo(aegis_cur)($27)
        nop
        .irp    r, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,28,29,30,31
        sw      $\r, ENV_REG(\r)($27)
        .endr
        mfhi    $8
        mflo    $9
        mfc0    $10, C0_EPC
        sw      $8, ENV_HI($27)
        sw      $9, ENV_LO($27)
        sw      $10, ENV_EPC($27)
        lui     $sp, %hi(aegis_kstack_top)
        jal     aegis_preempt                   /* returns the env to run */
        addiu   $sp, $sp, %lo(aegis_kstack_top) /* delay slot */
        move    $4, $2
        .end    aegis_intr

/* aegis_resume_env(env): continue env in user mode at its EPC with its saved
 * registers (after a yield, only the callee-saved ones, sp, ra and v0 mean
 * anything). Status must have KUp = 1 (true after an exception; set by the boot
 * code). */
        .globl  aegis_resume_env
        .ent    aegis_resume_env
aegis_resume_env:
        move    $27, $4
        lw      $8, ENV_HI($27)
        lw      $9, ENV_LO($27)
        lw      $26, ENV_EPC($27)
        mthi    $8
        mtlo    $9
        .irp    r, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,28,29,30,31
        lw      $\r, ENV_REG(\r)($27)
        .endr
        jr      $26
        rfe
        .end    aegis_resume_env

/* ---- fatal --------------------------------------------------------------- */
        .ent    aegis_kfatal
aegis_kfatal:
        b       1f
        li      $4, AEGIS_FATAL_KERNEL
aegis_kfatal_nohandler:                         /* k1 = Cause */
        andi    $27, $27, 0x7c
        beqz    $27, aegis_intr_fwd             /* ExcCode 0: the timer */
        nop
        b       1f
        li      $4, AEGIS_FATAL_NOHANDLER
aegis_kfatal_nest:
        mfc0    $27, C0_CAUSE
        nop
        andi    $27, $27, 0x7c
        beqz    $27, aegis_intr                 /* the timer, at the deepest level */
        nop
        li      $4, AEGIS_FATAL_NEST
1:      lui     $sp, %hi(aegis_kstack_top)
        j       aegis_fatal
        addiu   $sp, $sp, %lo(aegis_kstack_top)
        .end    aegis_kfatal

/* ---- per-page loops of the range system calls (leaf functions, C ABI) ----
 * Entries for pages hi, hi + 4K, ... (hi = VPN | ASID). The STLB slot of hi is
 * base + ((hi >> 9) & mask), mask = (entries - 1) << 3. Wired slots (0..7) are
 * never touched. EntryHi is left changed: the caller restores it. */

/* aegis_range_invalidate(hi, n, base, mask): STLB entry := (hi, 0); a TLB
 * entry for hi, if present, := (hi, 0). */
        .globl  aegis_range_invalidate
        .ent    aegis_range_invalidate
aegis_range_invalidate:
        beqz    $5, 3f
        nop
1:      srl     $8, $4, 9
        and     $8, $8, $7
        addu    $8, $8, $6
        sw      $0, 4($8)
        sw      $4, 0($8)
        mtc0    $4, C0_ENTRYHI
        nop
        tlbp
        nop
        mfc0    $9, C0_INDEX
        nop
        bgez    $9, 4f                          /* P clear: present */
        addiu   $5, $5, -1
2:      bnez    $5, 1b
        addiu   $4, $4, 4096
3:      jr      $31
        nop
4:      sltiu   $10, $9, 8 << 8                 /* a wired slot: leave it */
        bnez    $10, 2b
        nop
        mtc0    $0, C0_ENTRYLO
        nop
        tlbwi
        b       2b
        nop
        .end    aegis_range_invalidate

/* int aegis_range_write(hi, ents, n, ctx): ctx = {base, mask, caps, npages, stride}.
 * For each page: {lo, cap} at ents (then ents += stride); lo without G and bits
 * 7..0; pfn < npages, cap != AEGIS_CAP_NONE and caps[pfn] == cap, else stop and
 * return the number of pages done; STLB entry := (hi, lo); a TLB entry for hi,
 * if present, := (hi, lo). Returns n when all were written. The CP0 hazards
 * (mtc0 -> tlbp -> mfc0 Index) are filled with the loop's own work. */
        .globl  aegis_range_write
        .ent    aegis_range_write
aegis_range_write:
        lw      $8, 0($7)                       /* base */
        lw      $9, 4($7)                       /* mask */
        lw      $10, 8($7)                      /* caps */
        lw      $11, 12($7)                     /* npages */
        lw      $12, 16($7)                     /* stride */
        li      $13, ~AEGIS_LO_IGNORED
        move    $2, $0
        lw      $14, 0($5)                      /* lo */
1:      lw      $15, 4($5)                      /* cap */
        and     $14, $14, $13
        srl     $24, $14, 12                    /* pfn */
        sltu    $25, $24, $11
        beqz    $25, 3f
        sll     $24, $24, 2
        addu    $24, $24, $10
        lw      $24, 0($24)                     /* caps[pfn] */
        addiu   $25, $15, 1
        beqz    $25, 3f                         /* AEGIS_CAP_NONE is never accepted */
        srl     $25, $4, 9
        bne     $24, $15, 3f
        and     $25, $25, $9
        mtc0    $4, C0_ENTRYHI
        addu    $25, $25, $8                    /* STLB slot */
        sw      $14, 4($25)
        sw      $4, 0($25)
        tlbp
        addu    $5, $5, $12                     /* next entry */
        mfc0    $25, C0_INDEX
        addiu   $2, $2, 1
        bgez    $25, 4f                         /* present */
        addiu   $4, $4, 4096
        bne     $2, $6, 1b
        lw      $14, 0($5)                      /* delay slot: the next lo (a kseg0 read,
                                                 * harmless past the last entry) */
3:      jr      $31
        nop
4:      mtc0    $14, C0_ENTRYLO
        nop
        tlbwi
        bne     $2, $6, 1b
        lw      $14, 0($5)                      /* delay slot: the next lo */
        jr      $31
        nop
        .end    aegis_range_write
