/* aegis user runtime: entry of an application (user mode, segment 1). The
 * kernel has zeroed .bss and set sp to the top of the user stack. When main
 * returns, the library OS's aegis_libos_exit runs first if the application links
 * one (a weak reference: 0 otherwise; AVM prints what its page table cost). */
#include <aegis/abi.h>
        .text
        .set    noreorder
        .weak   aegis_libos_exit
        .globl  _start
        .ent    _start
_start:
        move    $4, $0
        jal     main
        move    $5, $0
        lui     $25, %hi(aegis_libos_exit)
        addiu   $25, $25, %lo(aegis_libos_exit)
        beq     $25, $0, 1f
        move    $16, $2                 /* s0: main's result, kept across the call */
        jalr    $25
        nop
1:      jal     aegis_exit
        move    $4, $16
        .end    _start
