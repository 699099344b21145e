/* Entry of the SawMill root task (lthread 0, started by the kernel with sigma0
 * as its pager): its own stack, then main.c. */
    .section .text.start, "ax"
    .globl _start
_start:
    movl $boot_stack_top, %esp
    call sm_server_main
1:  jmp 1b

    .bss
    .balign 16
boot_stack:
    .space 8192
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
