/*
 * Offsets and constants of the kernel structures (kernel.h) that the IPC fast path (ipc_fast.S)
 * uses. ipc.c checks each against the compiler's layout with _Static_assert, so a change of
 * struct tcb, struct space or struct frame that moves one of these fails to compile.
 */
#ifndef L4_IPC_FAST_H
#define L4_IPC_FAST_H

#define TCB_ID 64
#define TCB_STATE 68
#define TCB_KSP 72
#define TCB_READY_NEXT 76
#define TCB_RCV_FROM 80
#define TCB_SENDQ_HEAD 84
#define TCB_RCV_DESC 92
#define TCB_ON_TIMEOUT_LIST 70
#define TCB_IN_USER_IPC 69
#define TCB_CR3 88
#define TCB_TS_READY 1
#define TCB_TS_RECV 3
/* The word at TCB_STATE: state | in_user_ipc << 8 | on_timeout_list << 16. */
#define STATUS_READY TCB_TS_READY                  /* ready, in no IPC, no timeout */
#define STATUS_RECV_IN_IPC (TCB_TS_RECV | 0x100)   /* waits in an ipc call's receive, no timeout */
#define SPACE_THREADS 32
#define TCB_FRAME_OFFSET 4036 /* PAGE_SIZE - sizeof(struct frame): TCB_FRAME(t) */
#define FRAME_EDI 0
#define FRAME_ESI 4
#define FRAME_EBP 8
#define FRAME_ECX 24
#define FRAME_EBX 16
#define FRAME_EDX 20
#define FRAME_EAX 28
#define FRAME_EIP 40 /* where IRET finds EIP, CS, EFLAGS, ESP, SS */
#define TIME_SLICE_TICKS 1 /* a time slice in PIT ticks, what schedule() gives the thread it runs */

#endif /* L4_IPC_FAST_H */
