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
 * Then it does what the C path would: the receiver becomes ready, the sender waits in its
 * receive phase (from the destination, or open), and the CPU goes to the receiver (direct process
 * switch: current, TSS.ESP0, CR3 when the space differs), which returns to user mode with the
 * three words, the sender's id and result 0 in its registers and its own ECX, EBP, EIP, ESP from
 * its trap frame. Two L4 techniques keep it short: lazy queuing (the blocked sender stays in the ready
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
    pushal                          /* from here on every user register is also in the frame */
    testl %eax, %eax                /* register message */
    jnz slow
    cmpl $1, %ebp                   /* register receive, closed or open */
    ja slow
    testb $0x0f, %cl                /* receive timeout exponent 0: infinite */
    jnz slow
    movl %esi, %eax                 /* r = spaces[task(dest)]->threads[lthread(dest)] */
    movl %esi, %ecx
    shrl $16, %eax
    movl current, %ebp              /* the sender */
    shrl $10, %ecx
    andl $0xff, %eax
    andl $0x3f, %ecx
    movl TCB_SENDQ_HEAD(%ebp), %edx
    movl spaces(,%eax,4), %eax
    movl TCB_ID(%ebp), %edi
    testl %eax, %eax
    jz slow
    movl SPACE_THREADS(%eax,%ecx,4), %eax
    testl %edx, %edx                /* nobody queued for the sender's receive phase */
    jnz slow
    testl %eax, %eax
    jz slow
    movl TCB_STATE(%eax), %ebx      /* state, in_user_ipc, on_timeout_list */
    movl TCB_RCV_FROM(%eax), %ecx
    cmpl TCB_ID(%eax), %esi         /* the thread of that version */
    jne slow
    cmpl $STATUS_RECV_IN_IPC, %ebx  /* waits in an ipc call, no timeout pending */
    jne slow
    cmpl $-1, %ecx                  /* for anyone, or for the sender */
    je 1f
    cmpl %edi, %ecx
    jne slow
1:
    /* Committed (EAX receiver, EBP sender, EDI sender id, ESI destination). The receiver becomes
     * ready; the sender waits for the reply from the destination (closed) or for anyone (open).
     * Left alone, as the C path leaves them at user level: the sender's on_timeout_list (0: a
     * running thread has no timeout) and rcv_done (0), and the receiver's time slice (it runs on
     * what it has; with one-tick slices every tick rotates the ring anyway). */
    movl FRAME_EBP(%esp), %edx      /* the sender's receive descriptor, 0 or 1 */
    movl $STATUS_READY, %ebx
    movl $STATUS_RECV_IN_IPC, %ecx
    movl %ebx, TCB_STATE(%eax)
    movl %edx, TCB_RCV_DESC(%ebp)
    negl %edx                       /* 1 -> ~0 (open), 0 -> 0 */
    movl %ecx, TCB_STATE(%ebp)
    orl %esi, %edx                  /* open: ~0; closed: the destination */
    movl TCB_READY_NEXT(%eax), %ebx
    movl %edx, TCB_RCV_FROM(%ebp)
    testl %ebx, %ebx                /* blocked by the C path: not in the ready ring */
    jz enqueue
2:  movl $ipc_resume, %ecx          /* the sender's switch_stacks frame: EDI ESI EBX EBP (unused), return */
    leal -20(%esp), %edx
    movl %ecx, -4(%esp)
    movl %edx, TCB_KSP(%ebp)

    /* Direct process switch to the receiver. */
    leal 4096(%eax), %ecx
    movl TCB_CR3(%eax), %ebx
    movl %eax, current
    movl %ecx, kernel_tss + 4       /* ESP0 */
    cmpl cur_cr3_value, %ebx        /* set_cr3's cache of CR3 (memory.c) stays right */
    jne 4f
    /* Its registers: the message from the sender's frame, the sender's id, result 0, and its own
     * ECX and EBP from its frame; then IRET from its frame. */
3:  movl %edi, %esi
    movl FRAME_EDX(%esp), %edx
    movl FRAME_EBX(%esp), %ebx
    movl FRAME_EDI(%esp), %edi
    movl TCB_FRAME_OFFSET + FRAME_ECX(%eax), %ecx
    movl TCB_FRAME_OFFSET + FRAME_EBP(%eax), %ebp
    leal TCB_FRAME_OFFSET + FRAME_EIP(%eax), %esp
    xorl %eax, %eax
    iret

4:  movl %ebx, cur_cr3_value
    movl %ebx, %cr3
    jmp 3b

enqueue:                            /* ready_enqueue(r): EAX, ECX, EDX are the callee's */
    pushl %eax
    call ready_enqueue
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
