/*
 * Kernel entry and exit. Every vector has a stub that pushes a zero error code when the CPU
 * pushes none (all vectors but 8, 10-14, 17, sheet section 2) and the vector number, then the
 * common path saves the general registers (struct frame in kernel.h) and calls trap_dispatch.
 * All gates are interrupt gates, so the kernel runs with IF = 0. Segment registers are not
 * touched: the kernel uses the user's flat DS/ES (see kernel.h).
 */
    .text
    .macro ISR n
    .align 8
isr_\n:
    .if \n == 0x30
    jmp ipc_entry                   /* ipc: the fast path (ipc_fast.S) builds the same frame */
    .else
    .if (\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17)
    .else
    pushl $0
    .endif
    pushl $\n
    jmp trap_common
    .endif
    .endm

    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54
    ISR \n
    .endr

trap_common:
    pushal
    pushl %esp                      /* struct frame * */
    call trap_dispatch
    addl $4, %esp
    .globl ret_to_user
ret_to_user:                        /* also where a new thread's first switch returns to */
    popal
    addl $8, %esp                   /* vector, error code */
    iret

/* void switch_stacks(uint32_t *save_ksp, uint32_t new_ksp): save the callee-saved registers on
 * this kernel stack, store ESP, continue on the other thread's kernel stack. */
    .globl switch_stacks
switch_stacks:
    movl 4(%esp), %eax
    movl 8(%esp), %edx
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    movl %esp, (%eax)
    movl %edx, %esp
    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret

    .section .rodata
    .align 4
    .globl isr_table
isr_table:
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54
    .long isr_\n
    .endr

    .section .note.GNU-stack, "", @progbits
