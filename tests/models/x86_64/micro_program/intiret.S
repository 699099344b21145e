/*
 * The INT + IRET micro-check guest (micro_check_test.cpp): a Multiboot guest in assembly that
 * measures, warm, the round trip through an interrupt gate whose handler only IRETs, from CPL 3
 * (the privilege change: INT n with the TSS stack switch, IRET to the outer level) and at CPL 0
 * (same privilege), as vmsim sim-control regions (i386-platform.md: OUT id to 0x700 begins region
 * id, to 0x704 ends it).
 *
 * Paging is on (one page table mapping the first 4 MB 1:1, user-accessible, 4 KB pages) so that
 * every fetch and stack reference goes through the TLBs. The user code runs with IOPL 3 so that it
 * can reach the sim-control, console and exit ports itself: no kernel call disturbs the regions.
 *
 * Each measurement runs its loop twice: once unmeasured (caches, TLBs and BTB loaded), then inside
 * its region. Loops have ROUNDS iterations of UNROLL round trips; the "empty" loops are the same
 * loops without the INTs, so region(trips) - region(empty) is the round trips alone.
 *
 * Regions: 1 CPL 3 round trips, 2 CPL 3 empty loop, 3 CPL 0 round trips, 4 CPL 0 empty loop,
 * 5 an empty region at CPL 3 (the cost of the marks themselves). Warm-up passes use id + 10.
 * COM1 prints one line per measurement and "intiret: done"; the exit value is 0.
 */
#define ROUNDS 100
#define UNROLL 100
#define NVEC 0x42
        .equ vec_outer, 0x40            /* DPL 3 gate: reachable from user mode */
        .equ vec_same, 0x41             /* DPL 0 gate: used at CPL 0 */

        .section .multiboot, "a"
        .align 4
        .long 0x1badb002, 0x00000000, -(0x1badb002)

        .text
        .globl _start
_start:
        mov $kstack_top, %esp
        lgdt gdtr
        ljmp $0x08, $1f
1:      mov $0x10, %eax
        mov %eax, %ss
        mov $0x23, %eax                 /* data segments usable at both levels (IRET keeps them) */
        mov %eax, %ds
        mov %eax, %es
        mov %eax, %fs
        mov %eax, %gs

        /* TSS descriptor (GDT slot 5): base = tss, limit 103, 32-bit available TSS. */
        mov $tss, %eax
        mov %ax, gdt + 5 * 8 + 2
        shr $16, %eax
        mov %al, gdt + 5 * 8 + 4
        mov %ah, gdt + 5 * 8 + 7
        movl $kstack_top, tss + 4       /* ESP0 */
        movl $0x10, tss + 8             /* SS0 */
        movw $104, tss + 102            /* no I/O bitmap (IOPL 3 lets user code use the ports) */
        mov $0x28, %eax
        ltr %ax

        /* IDT: every vector to `unexpected` (DPL 0), VEC_OUTER DPL 3 and VEC_SAME DPL 0 to `iret_only`. */
        xor %ecx, %ecx
2:      mov $unexpected, %eax
        cmp $vec_outer, %ecx
        jb 3f
        mov $iret_only, %eax
3:      mov %eax, %edx
        and $0xffff, %eax
        or $0x00080000, %eax            /* selector 0x08 */
        mov %eax, idt(,%ecx,8)
        and $0xffff0000, %edx
        or $0x8e00, %edx                /* present, DPL 0, 32-bit interrupt gate */
        cmp $vec_outer, %ecx
        jne 4f
        or $0x6000, %edx                /* DPL 3 */
4:      mov %edx, idt + 4(,%ecx,8)
        inc %ecx
        cmp $NVEC, %ecx
        jb 2b
        lidt idtr

        /* Paging: 4 MB identity-mapped, present | writable | user. */
        xor %ecx, %ecx
5:      mov %ecx, %eax
        shl $12, %eax
        or $0x007, %eax
        mov %eax, ptable(,%ecx,4)
        inc %ecx
        cmp $1024, %ecx
        jb 5b
        mov $ptable, %eax
        or $0x007, %eax
        mov %eax, pdir
        mov $pdir, %eax
        mov %eax, %cr3
        mov %cr0, %eax
        or $0x80010000, %eax            /* PG | WP */
        mov %eax, %cr0

        /* Same privilege (CPL 0). */
        mov $13, %ebx
        call same_trips
        mov $3, %ebx
        call same_trips
        mov $14, %ebx
        call same_empty
        mov $4, %ebx
        call same_empty
        mov $msg_same, %esi
        call puts

        /* To user mode with IOPL 3. */
        pushl $0x23                     /* SS */
        pushl $ustack_top               /* ESP */
        pushl $0x3002                   /* EFLAGS: IOPL 3, IF 0 */
        pushl $0x1b                     /* CS */
        pushl $user
        iret

user:   mov $11, %ebx
        call outer_trips
        mov $1, %ebx
        call outer_trips
        mov $12, %ebx
        call outer_empty
        mov $2, %ebx
        call outer_empty
        mov $15, %ebx
        call empty_region
        mov $5, %ebx
        call empty_region
        mov %cs, %eax
        and $3, %eax
        cmp $3, %eax                    /* still at CPL 3 after all those IRETs */
        jne fail
        mov $msg_outer, %esi
        call puts
        mov $msg_done, %esi
        call puts
        xor %eax, %eax
        out %eax, $0xf4
        jmp .

/* Region EBX around ROUNDS x UNROLL round trips (or the loop without them). */
.macro LOOP name, body
\name:
        mov %ebx, %eax
        mov $0x700, %edx
        out %eax, %dx
        mov $ROUNDS, %ecx
        .align 16
1:
        .rept UNROLL
        \body
        .endr
        dec %ecx
        jnz 1b
        mov %ebx, %eax
        mov $0x704, %edx
        out %eax, %dx
        ret
.endm
        LOOP outer_trips, "int $vec_outer"
        LOOP outer_empty, ""
        LOOP same_trips, "int $vec_same"
        LOOP same_empty, ""

empty_region:
        mov %ebx, %eax
        mov $0x700, %edx
        out %eax, %dx
        mov $0x704, %edx
        out %eax, %dx
        ret

/* Print the NUL-terminated string at ESI on COM1. */
puts:   mov $0x3f8, %edx
1:      lodsb
        test %al, %al
        jz 2f
        out %al, %dx
        jmp 1b
2:      ret

        .align 16
iret_only:
        iret

unexpected:
fail:   mov $msg_fail, %esi
        call puts
        mov $1, %eax
        out %eax, $0xf4
        jmp .

        .data
        .align 8
gdt:    .quad 0
        .quad 0x00cf9a000000ffff        /* 0x08 kernel code */
        .quad 0x00cf92000000ffff        /* 0x10 kernel data */
        .quad 0x00cffa000000ffff        /* 0x1b user code, DPL 3 */
        .quad 0x00cff2000000ffff        /* 0x23 user data, DPL 3 */
        .quad 0x0000890000000067        /* 0x28 TSS (base filled in) */
gdt_end:
        .align 4
        .word 0
gdtr:   .word gdt_end - gdt - 1
        .long gdt
        .word 0
idtr:   .word NVEC * 8 - 1
        .long idt
msg_same:  .asciz "intiret: round trips at CPL 0 measured\n"
msg_outer: .asciz "intiret: round trips from CPL 3 measured\n"
msg_done:  .asciz "intiret: done\n"
msg_fail:  .asciz "FAIL: intiret: unexpected exception\n"

        .bss
        .align 4096
pdir:   .space 4096
ptable: .space 4096
idt:    .space NVEC * 8
        .align 16
tss:    .space 104
        .align 16
        .space 4096
kstack_top:
        .space 4096
ustack_top:

        .section .note.GNU-stack, "", @progbits
