/*
 * unix user library: program entry. The kernel enters _start in user mode
 * with sp just below USRSTACK and .bss already zero (fresh pages).
 */
#include <unix/syscall.h>

        .text
        .set    noreorder
        .globl  _start
        .ent    _start
_start:
        move    $a0, $zero              /* argc */
        jal     main
        move    $a1, $zero              /* delay slot: argv */
        jal     exit
        move    $a0, $v0                /* delay slot */
        .end    _start
