/* Root-task start-up (the kernel enters at l4_root_start with no stack): a 16 KB stack, main(),
 * and exit through kdebug with main's return value as the machine's exit status. */
    .text
    .globl l4_root_start
l4_root_start:
    movl $root_stack_top, %esp
    call main
    int3
    cmpb $0xF4, %al
1:  jmp 1b

    .bss
    .align 16
root_stack:
    .space 16384
root_stack_top:

    .section .note.GNU-stack, "", @progbits
