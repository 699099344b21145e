/*
 * L4 X.0-style system-call stubs for i386 (GCC inline assembly, non-PIC code).
 *
 * Each system call is a software interrupt through a DPL-3 gate (sheet section 4, X.0 manual):
 *   INT 0x30 ipc              INT 0x31 id_nearest      INT 0x32 fpage_unmap
 *   INT 0x33 thread_switch    INT 0x34 thread_schedule INT 0x35 lthread_ex_regs
 *   INT 0x36 task_new
 * Register convention of INT 0x30 (ipc), in and out:
 *   in:  EAX snd descriptor, ECX timeouts, EDX/EBX/EDI message words 0/1/2,
 *        ESI destination (send) or source (closed receive), EBP rcv descriptor
 *   out: EAX result (types.h), EDX/EBX/EDI received words 0/1/2, ESI sender id;
 *        ECX is undefined, EBP and ESP are preserved.
 * All seven general registers are inputs, and GCC cannot name EBP as an operand, so the stub
 * passes word 2 and the receive descriptor through a small block in memory addressed by EDI
 * (taken before EBP is pushed, so the address stays valid).
 */
#ifndef L4_SYSCALLS_H
#define L4_SYSCALLS_H

#include <l4/types.h>

#define L4_SYSCALL_IPC 0x30
#define L4_SYSCALL_ID_NEAREST 0x31
#define L4_SYSCALL_FPAGE_UNMAP 0x32
#define L4_SYSCALL_THREAD_SWITCH 0x33
#define L4_SYSCALL_THREAD_SCHEDULE 0x34
#define L4_SYSCALL_LTHREAD_EX_REGS 0x35
#define L4_SYSCALL_TASK_NEW 0x36

/* The general IPC: an optional send phase to dest, then an optional receive phase (closed from
 * dest, or open when rcv_desc has L4_IPC_OPEN_WAIT). Returns the result word; *rcv and *src get
 * the received message and its sender (they may be null). */
static inline l4_word_t l4_ipc(l4_threadid_t dest, l4_word_t snd_desc, const l4_msg_t *snd, l4_word_t rcv_desc,
                               l4_msg_t *rcv, l4_threadid_t *src, l4_timeout_t timeout)
{
    struct {
        l4_word_t w2;
        l4_word_t rcv_desc;
    } blk = {snd ? snd->w[2] : 0, rcv_desc};
    l4_word_t eax = snd_desc, ecx = timeout, edx = snd ? snd->w[0] : 0, ebx = snd ? snd->w[1] : 0;
    l4_word_t esi = dest.raw, edi = (l4_word_t)&blk;
    __asm__ __volatile__("pushl %%ebp\n\t"
                         "movl 4(%%edi), %%ebp\n\t"
                         "movl (%%edi), %%edi\n\t"
                         "int $0x30\n\t"
                         "popl %%ebp"
                         : "+a"(eax), "+c"(ecx), "+d"(edx), "+b"(ebx), "+S"(esi), "+D"(edi)
                         : "m"(blk)
                         : "memory", "cc");
    if (rcv) {
        rcv->w[0] = edx;
        rcv->w[1] = ebx;
        rcv->w[2] = edi;
    }
    if (src) src->raw = esi;
    return eax;
}

static inline l4_msg_t l4_msg(l4_word_t w0, l4_word_t w1, l4_word_t w2)
{
    l4_msg_t m;
    m.w[0] = w0;
    m.w[1] = w1;
    m.w[2] = w2;
    return m;
}

/* Send only. */
static inline l4_word_t l4_ipc_send(l4_threadid_t dest, l4_word_t snd_desc, const l4_msg_t *snd,
                                    l4_timeout_t timeout)
{
    return l4_ipc(dest, snd_desc, snd, L4_IPC_NIL_DESCRIPTOR, 0, 0, timeout);
}

/* Closed receive: only from src. */
static inline l4_word_t l4_ipc_receive(l4_threadid_t src, l4_word_t rcv_desc, l4_msg_t *rcv, l4_timeout_t timeout)
{
    return l4_ipc(src, L4_IPC_NIL_DESCRIPTOR, 0, rcv_desc & ~L4_IPC_OPEN_WAIT, rcv, 0, timeout);
}

/* Open receive: from anybody; *src gets the sender. */
static inline l4_word_t l4_ipc_wait(l4_threadid_t *src, l4_word_t rcv_desc, l4_msg_t *rcv, l4_timeout_t timeout)
{
    return l4_ipc(L4_NIL_ID, L4_IPC_NIL_DESCRIPTOR, 0, rcv_desc | L4_IPC_OPEN_WAIT, rcv, src, timeout);
}

/* Call: send to dest, then (atomically, so the reply cannot be missed) closed receive from dest. */
static inline l4_word_t l4_ipc_call(l4_threadid_t dest, l4_word_t snd_desc, const l4_msg_t *snd,
                                    l4_word_t rcv_desc, l4_msg_t *rcv, l4_timeout_t timeout)
{
    return l4_ipc(dest, snd_desc, snd, rcv_desc & ~L4_IPC_OPEN_WAIT, rcv, 0, timeout);
}

/* Reply and wait: send to dest, then open receive; *src gets the next sender. A server loop
 * normally uses a send timeout of 0 so that a client that is not waiting cannot block it. */
static inline l4_word_t l4_ipc_reply_and_wait(l4_threadid_t dest, l4_word_t snd_desc, const l4_msg_t *snd,
                                              l4_threadid_t *src, l4_word_t rcv_desc, l4_msg_t *rcv,
                                              l4_timeout_t timeout)
{
    return l4_ipc(dest, snd_desc, snd, rcv_desc | L4_IPC_OPEN_WAIT, rcv, src, timeout);
}

/* Map (or grant, with L4_FPAGE_GRANT in fpage) the send fpage to dest as a map message:
 * word0 = snd_base (selects where the fpage lands inside dest's receive window), word1 = fpage. */
static inline l4_word_t l4_ipc_send_fpage(l4_threadid_t dest, l4_word_t snd_base, l4_fpage_t fpage, l4_word_t w2,
                                          l4_timeout_t timeout)
{
    l4_msg_t m = l4_msg(snd_base, fpage.raw, w2);
    return l4_ipc_send(dest, L4_IPC_SHORT_FPAGE, &m, timeout);
}

/* id_nearest (INT 0x31): ESI = dest in, ESI = nearest partner out, EAX = type out
 * (0 = dest itself: this kernel has no clans, so the nearest partner is always dest).
 * With dest = nil it returns the caller's own id. */
static inline l4_threadid_t l4_id_nearest(l4_threadid_t dest, l4_word_t *type)
{
    l4_word_t eax, esi = dest.raw;
    __asm__ __volatile__("int $0x31" : "=a"(eax), "+S"(esi) : : "memory", "cc");
    if (type) *type = eax;
    return (l4_threadid_t){.raw = esi};
}

/* The caller's own id: id_nearest(nil), as in L4 V2's l4_myself(). */
static inline l4_threadid_t l4_myself(void)
{
    return l4_id_nearest(L4_NIL_ID, 0);
}

/* fpage_unmap (INT 0x32): EAX = fpage, ECX = mapmask (L4_FP_*). Unmaps, recursively, every
 * mapping derived from the caller's pages in fpage (and the caller's own ones with
 * L4_FP_ALL_SPACES); L4_FP_REMAP_PAGE only takes the write right away. */
static inline void l4_fpage_unmap(l4_fpage_t fpage, l4_word_t mapmask)
{
    l4_word_t eax = fpage.raw, ecx = mapmask;
    __asm__ __volatile__("int $0x32" : "+a"(eax), "+c"(ecx) : : "memory", "cc");
}

/* thread_switch (INT 0x33): ESI = thread to donate the rest of the time slice to, or nil to
 * just yield to the next ready thread. */
static inline void l4_thread_switch(l4_threadid_t dest)
{
    l4_word_t esi = dest.raw;
    __asm__ __volatile__("int $0x33" : "+S"(esi) : : "memory", "cc");
}

/* thread_schedule (INT 0x34): EAX = param word, ESI = dest; out EAX = old param word.
 * Accepted for ABI completeness; this kernel has one priority and returns L4_NO_CHANGE. */
static inline l4_word_t l4_thread_schedule(l4_threadid_t dest, l4_word_t param)
{
    l4_word_t eax = param, esi = dest.raw;
    __asm__ __volatile__("int $0x34" : "+a"(eax), "+S"(esi) : : "memory", "cc", "ecx", "edx", "ebx", "edi");
    return eax;
}

/* lthread_ex_regs (INT 0x35), X.0: in EAX = lthread number (of the caller's task), ECX = ESP,
 * EDX = EIP, EBX = preempter (kept, unused), ESI = pager; L4_NO_CHANGE leaves a value as it is.
 * Out: EAX = old EFLAGS, ECX = old ESP, EDX = old EIP, EBX = old preempter, ESI = old pager.
 * Setting EIP/ESP of a thread that does not run yet starts it; a thread blocked in IPC has the
 * IPC cancelled (L4_IPC_SECANCELED / RECANCELED) and continues at the new EIP/ESP. */
typedef struct {
    l4_word_t eflags, esp, eip, preempter;
    l4_threadid_t pager;
} l4_exregs_t;

static inline l4_threadid_t l4_lthread_ex_regs(unsigned lthread, l4_word_t eip, l4_word_t esp, l4_threadid_t pager,
                                               l4_exregs_t *old)
{
    l4_word_t eax = lthread, ecx = esp, edx = eip, ebx = L4_NO_CHANGE, esi = pager.raw;
    __asm__ __volatile__("int $0x35" : "+a"(eax), "+c"(ecx), "+d"(edx), "+b"(ebx), "+S"(esi) : : "memory", "cc");
    if (old) {
        old->eflags = eax;
        old->esp = ecx;
        old->eip = edx;
        old->preempter = ebx;
        old->pager.raw = esi;
    }
    return (l4_threadid_t){.raw = esi};
}

/* task_new (INT 0x36), X.0: in EAX = mcp / new chief (kept for the ABI, unused), ECX = ESP,
 * EDX = EIP, EBX = pager of lthread 0, ESI = task id (its task number and version are used).
 * Creates the address space and starts its lthread 0 at EIP/ESP with that pager (its first
 * instruction fetch faults to the pager). Out: ESI = id of the new lthread 0, or nil if the task
 * number is in use or out of range. With pager = nil an existing task is deleted instead
 * (its threads stop, its mappings are flushed, its address space is freed) and nil is returned. */
static inline l4_threadid_t l4_task_new(l4_threadid_t task, l4_word_t mcp, l4_word_t esp, l4_word_t eip,
                                        l4_threadid_t pager)
{
    l4_word_t eax = mcp, ecx = esp, edx = eip, ebx = pager.raw, esi = task.raw;
    __asm__ __volatile__("int $0x36" : "+a"(eax), "+c"(ecx), "+d"(edx), "+b"(ebx), "+S"(esi) : : "memory", "cc", "edi");
    return (l4_threadid_t){.raw = esi};
}

#endif /* L4_SYSCALLS_H */
