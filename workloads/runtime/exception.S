/*
 * vmsim guest runtime: common exception entry for the default vectors.
 *
 * Entered with k1 = vector id (VMSIM_VECTOR_UTLB or VMSIM_VECTOR_GENERAL).
 * Saves every register into a struct vmsim_trapframe on a private exception
 * stack, calls vmsim_exception(tf), then reloads the registers, HI/LO and
 * Status from the frame and returns to tf->epc with rfe. An exception raised
 * while vmsim_exception() runs (busy flag set) is a double fault: print a
 * message and exit with VMSIM_EXIT_DOUBLE_FAULT (126).
 */
#include <vmsim/memmap.h>

/* struct vmsim_trapframe (vmsim.h) */
#define TF_REG(n)       ((n) * 4)
#define TF_HI           128
#define TF_LO           132
#define TF_EPC          136
#define TF_STATUS       140
#define TF_CAUSE        144
#define TF_BADVADDR     148
#define TF_VECTOR       152
#define TF_SIZE         160
#define ARGSAVE         16              /* o32 argument save area below the frame */


        .bss
        .balign 8
__vmsim_exc_stack:
        .space  8192
__vmsim_exc_stack_top:
__vmsim_exc_busy:
        .space  4

        .text
        .set    noreorder
        .set    noat
        .globl  __vmsim_exception_entry
        .ent    __vmsim_exception_entry
__vmsim_exception_entry:
        lui     $26, %hi(__vmsim_exc_busy)
        lw      $26, %lo(__vmsim_exc_busy)($26)
        nop                             /* load delay */
        bnez    $26, __vmsim_double_fault
        lui     $26, %hi(__vmsim_exc_stack_top - ARGSAVE - TF_SIZE)
        addiu   $26, $26, %lo(__vmsim_exc_stack_top - ARGSAVE - TF_SIZE)

        .irp    n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,28,29,30,31
        sw      $\n, ARGSAVE + TF_REG(\n)($26)
        .endr
        sw      $0, ARGSAVE + TF_REG(0)($26)
        sw      $0, ARGSAVE + TF_REG(26)($26)
        sw      $0, ARGSAVE + TF_REG(27)($26)
        sw      $27, ARGSAVE + TF_VECTOR($26)
        mfhi    $8
        mflo    $9
        mfc0    $10, $14                /* EPC */
        mfc0    $11, $12                /* Status */
        mfc0    $12, $13                /* Cause */
        mfc0    $13, $8                 /* BadVAddr */
        sw      $8, ARGSAVE + TF_HI($26)
        sw      $9, ARGSAVE + TF_LO($26)
        sw      $10, ARGSAVE + TF_EPC($26)
        sw      $11, ARGSAVE + TF_STATUS($26)
        sw      $12, ARGSAVE + TF_CAUSE($26)
        sw      $13, ARGSAVE + TF_BADVADDR($26)

        move    $sp, $26
        li      $8, 1
        lui     $9, %hi(__vmsim_exc_busy)
        sw      $8, %lo(__vmsim_exc_busy)($9)
        jal     vmsim_exception
        addiu   $a0, $sp, ARGSAVE       /* delay slot: a0 = tf */

        lui     $9, %hi(__vmsim_exc_busy)
        sw      $0, %lo(__vmsim_exc_busy)($9)
        addiu   $27, $sp, ARGSAVE       /* k1 = tf */
        lw      $8, TF_HI($27)
        lw      $9, TF_LO($27)
        lw      $10, TF_STATUS($27)
        mthi    $8
        mtlo    $9
        mtc0    $10, $12                /* Status (interrupts stay off until rfe) */
        lw      $26, TF_EPC($27)        /* k0 = return address */
        .irp    n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,28,30,31
        lw      $\n, TF_REG(\n)($27)
        .endr
        lw      $29, TF_REG(29)($27)    /* sp last; its load delay is covered by jr/rfe */
        jr      $26
        rfe                             /* delay slot: pop the KU/IE stack */
        .end    __vmsim_exception_entry

        .ent    __vmsim_double_fault
__vmsim_double_fault:
        la      $8, __vmsim_double_fault_msg
        li      $9, VMSIM_KSEG1(VMSIM_CONSOLE_BASE + VMSIM_CONSOLE_PUTC)
1:      lbu     $10, 0($8)
        nop                             /* load delay */
        beqz    $10, 2f
        addiu   $8, $8, 1
        b       1b
        sb      $10, 0($9)              /* delay slot */
2:      li      $9, VMSIM_KSEG1(VMSIM_SIMCTL_BASE + VMSIM_SIMCTL_EXIT)
        li      $10, 126                /* VMSIM_EXIT_DOUBLE_FAULT */
        sw      $10, 0($9)
3:      b       3b
        nop
        .end    __vmsim_double_fault

        .section .rodata
__vmsim_double_fault_msg:
        .asciz  "double fault: exception inside vmsim_exception()\n"
