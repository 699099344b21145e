/*
 * The IPC fast path: INT 0x30 enters here (entry.S sends vector 0x30 nowhere else). As in L4's
 * kernels, which reach their published short-IPC costs with a hand-written path for exactly this
 * case [Liedtke, SOSP'93 "Improving IPC by kernel design"; HotOS'97 "Achieved IPC performance",
 * ../shared/reference/i386.md section 4 [S5]], it serves the common case in a few dozen
 * instructions and leaves everything else to the C path (sys_ipc in ipc.c) unchanged:
 *
 *   send descriptor 0 (a register message; no map item), receive descriptor 0 or 1 (a closed or
 *   open register receive; no window), an infinite receive timeout (the send timeout does not
 *   matter: the receiver is waiting), a destination that exists and waits in a receive it made by
 *   an ipc system call (in_user_ipc; not a faulting thread waiting for its pager) for this sender
 *   or for anyone, with no timeout pending, and no sender queued at the caller.
 *
 * Then it does what the C path would: the three words and the sender id go straight into the
 * receiver's saved user registers with result 0, the receiver becomes ready and the sender waits
 * in its receive phase (from the destination, or open), and the CPU goes to the receiver (direct
 * process switch: current, TSS.ESP0, CR3 when the space differs) by the receiver's own trap
 * frame. Two L4 techniques keep it short: lazy queuing (the blocked sender stays in the ready
 * ring; schedule() drops it when it comes to the ring's head) and leaving the receiver's kernel
 * stack behind (a receiver blocked in sys_ipc has nothing left to do but write its registers).
 * The sender's kernel stack gets a switch_stacks frame returning to ipc_resume, so the C path can
 * complete its receive like any other (ipc_fast_resume writes the registers).
 *
 * Register use on entry (X.0 ABI): EAX send descriptor, ECX timeouts, EDX/EBX/EDI words 0-2,
 * ESI destination, EBP receive descriptor. Offsets: ipc_fast.h (checked in ipc.c).
 */
#include "ipc_fast.h"

    .text
    .globl ipc_entry
    .align 16
ipc_entry:
    pushl $0                        /* error code, vector, registers: trap_common's frame */
    pushl $0x30
    pushal
    testl %eax, %eax                /* register message */
    jnz slow
    cmpl $1, %ebp                   /* register receive, closed or open */
    ja slow
    testb $0x0f, %cl                /* receive timeout exponent 0: infinite */
    jnz slow
    movl %esi, %eax                 /* r = spaces[task(dest)]->threads[lthread(dest)] */
    movl %esi, %ecx
    shrl $16, %eax
    shrl $10, %ecx
    andl $0xff, %eax
    andl $0x3f, %ecx
    movl spaces(,%eax,4), %eax
    testl %eax, %eax
    jz slow
    movl SPACE_THREADS(%eax,%ecx,4), %eax
    movl current, %ecx
    testl %eax, %eax
    jz slow
    cmpl TCB_ID(%eax), %esi         /* the thread of that version */
    jne slow
    cmpl $TCB_TS_RECV, TCB_STATE(%eax)
    jne slow
    cmpb $0, TCB_IN_USER_IPC(%eax)
    je slow
    cmpb $0, TCB_ON_TIMEOUT_LIST(%eax)
    jne slow
    movl TCB_RCV_FROM(%eax), %ebp   /* r waits for anyone (~0) or for us */
    cmpl $-1, %ebp
    je 1f
    cmpl TCB_ID(%ecx), %ebp
    jne slow
1:  cmpl $0, TCB_SENDQ_HEAD(%ecx)   /* nobody queued for our receive phase */
    jne slow

    /* Committed. The receiver: message, sender id and result 0 into its saved registers. */
    leal TCB_FRAME_OFFSET(%eax), %ebp
    movl %edx, FRAME_EDX(%ebp)
    movl %ebx, FRAME_EBX(%ebp)
    movl TCB_ID(%ecx), %edx
    movl %edi, FRAME_EDI(%ebp)
    movl %edx, FRAME_ESI(%ebp)
    movl $0, FRAME_EAX(%ebp)
    movl $TCB_TS_READY, TCB_STATE(%eax)
    movb $0, TCB_IN_USER_IPC(%eax)
    movl $TIME_SLICE_TICKS, TCB_TICKS_LEFT(%eax)
    cmpl $0, TCB_READY_NEXT(%eax)   /* blocked by the C path: not in the ready ring */
    je enqueue
2:
    /* The sender: waits for the reply from the destination (closed) or for anyone (open). */
    movl FRAME_EBP(%esp), %edx      /* its receive descriptor, 0 or 1 */
    movl $TCB_TS_RECV, TCB_STATE(%ecx)
    movl %edx, TCB_RCV_DESC(%ecx)
    negl %edx                       /* 1 -> ~0 (open), 0 -> 0 */
    movb $1, TCB_IN_USER_IPC(%ecx)
    orl %esi, %edx                  /* open: ~0; closed: the destination */
    movl $0, TCB_RCV_DONE(%ecx)
    movl %edx, TCB_RCV_FROM(%ecx)
    movl $ipc_resume, -4(%esp)      /* switch_stacks frame: EBP EBX ESI EDI (unused), return */
    leal -20(%esp), %edx
    movl %edx, TCB_KSP(%ecx)

    /* Direct process switch to the receiver. */
    movl %eax, current
    leal 4096(%eax), %edx
    movl TCB_CR3(%eax), %esi
    movl %edx, kernel_tss + 4       /* ESP0 */
    cmpl cur_cr3_value, %esi        /* set_cr3's cache of CR3 (memory.c) stays right */
    je 3f
    movl %esi, cur_cr3_value
    movl %esi, %cr3
3:  movl %ebp, %esp
    popal
    addl $8, %esp
    iret

enqueue:                            /* ready_enqueue(r); the sender's frame is below ESP, intact */
    pushl %eax
    pushl %ecx
    pushl %eax
    call ready_enqueue
    addl $4, %esp
    popl %ecx
    popl %eax
    jmp 2b

slow:                               /* the C path with the frame trap_common builds */
    pushl %esp
    call trap_dispatch
    addl $4, %esp
    jmp ret_to_user

/* A fast-path sender whose receive the C path completed: switch_stacks returns here with ESP at
 * its trap frame. */
    .globl ipc_resume
ipc_resume:
    pushl %esp
    call ipc_fast_resume
    addl $4, %esp
    jmp ret_to_user

    .section .note.GNU-stack, "", @progbits
