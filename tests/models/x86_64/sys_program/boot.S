/* Entry and interrupt stubs of the full-system test guest (see sys.c). */
        .section .multiboot, "a"
        .align 4
        .long 0x1badb002, 0x00000003, -(0x1badb002 + 0x00000003)

        .text
        .globl _start
_start:
        mov $boot_stack_top, %esp
        push %ebx
        push %eax
        call kmain
1:      cli
        hlt
        jmp 1b

/* One stub per vector: push a zero where the CPU pushes no error code, then the vector. */
.macro STUB n, err
        .globl stub\n
stub\n:
        .if \err == 0
        push $0
        .endif
        push $\n
        jmp common
.endm
        STUB 0,0
        STUB 1,0
        STUB 2,0
        STUB 3,0
        STUB 4,0
        STUB 5,0
        STUB 6,0
        STUB 7,0
        STUB 8,1
        STUB 9,0
        STUB 10,1
        STUB 11,1
        STUB 12,1
        STUB 13,1
        STUB 14,1
        STUB 15,0
        STUB 16,0
        STUB 17,1
        STUB 32,0
        STUB 48,0
        STUB 49,0

common:
        pusha
        push %esp
        call isr
        add $4, %esp
        popa
        add $8, %esp
        iret

        .bss
        .align 16
        .space 8192
boot_stack_top:
