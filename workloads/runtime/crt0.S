/*
 * vmsim guest runtime: program entry.
 *
 * The simulator enters _start in kernel mode with sp = top of RAM (kseg0).
 * _start puts Status in a known state (kernel mode, interrupts off, BEV = 0
 * so the vectors at 0x80000000/0x80000080 are used), clears .bss, calls
 * main(0, 0) and passes its return value to vmsim_exit().
 */
#include <vmsim/memmap.h>

        .text
        .set    noreorder
        .globl  _start
        .ent    _start
_start:
        mtc0    $0, $12                 /* Status = 0 */
        mtc0    $0, $13                 /* Cause: clear the software interrupt bits */
        bnez    $sp, 1f                 /* no stack given: use the default RAM top */
        nop
        li      $sp, VMSIM_KSEG0(VMSIM_RAM_BASE + VMSIM_RAM_DEFAULT_SIZE)
1:
        la      $t0, __bss_start
        la      $t1, __bss_end
        beq     $t0, $t1, 3f
        nop
2:      addiu   $t0, $t0, 4
        bne     $t0, $t1, 2b
        sw      $0, -4($t0)             /* delay slot */
3:
        li      $t0, -8
        and     $sp, $sp, $t0           /* 8-byte aligned stack */
        addiu   $sp, $sp, -24           /* o32: argument save area for callees */
        move    $a0, $0                 /* argc */
        jal     main
        move    $a1, $0                 /* delay slot: argv */
        jal     vmsim_exit
        move    $a0, $v0                /* delay slot */
        .end    _start
