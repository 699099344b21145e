/* aegis user runtime: entry of an application (user mode, segment 1). The
 * kernel has zeroed .bss and set sp to the top of the user stack. */
#include <aegis/abi.h>
        .text
        .set    noreorder
        .globl  _start
        .ent    _start
_start:
        move    $4, $0
        jal     main
        move    $5, $0
        jal     aegis_exit
        move    $4, $2
        .end    _start
