/* Entry of the application task's first thread (lthread 0, started by the root
 * task's task_new): its own stack, then the start-up in start.c, which becomes
 * the region mapper and never returns. */
    .section .text.start, "ax"
    .globl _start
_start:
    movl $rm_stack_top, %esp
    call sm_app_start
1:  jmp 1b

    .bss
    .balign 16
rm_stack:
    .space 8192
rm_stack_top:

    .section .note.GNU-stack, "", @progbits
