/* A guest that cannot handle its first exception: it prints "triple\n", loads an empty IDT and
 * executes UD2. #UD, then #GP for the IDT limit, then #DF, then #GP again: a triple fault, which
 * ends the run on qemu -no-reboot (status 0) and on vmsim's platform (Result::TripleFault). */
        .section .multiboot, "a"
        .align 4
        .long 0x1badb002, 0x00000000, -(0x1badb002)

        .text
        .globl _start
_start:
        mov $0x3f8, %dx
        mov $msg, %esi
1:      lodsb
        test %al, %al
        jz 2f
        outb %al, %dx
        jmp 1b
2:      lidt empty_idt
        ud2

        .data
msg:    .asciz "triple\n"
        .align 4
empty_idt:
        .word 0
        .long 0
