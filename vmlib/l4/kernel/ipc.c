/*
 * Synchronous IPC with register messages (INT 0x30; X.0 manual "ipc", sheet section 4).
 *
 * An IPC has an optional send phase and an optional receive phase. Sending to a thread that is
 * waiting for us transfers the three words (and the map item) at once and readies the receiver;
 * otherwise the sender blocks in the receiver's send queue (unless its send timeout is 0). A
 * receiver first takes a matching sender from its queue, else blocks (unless its receive timeout
 * is 0). When a receiver takes a queued sender whose IPC has a receive phase (a call), the sender
 * is put into the receiving state right then, so a reply sent with timeout 0 cannot be missed.
 * Messages are copied TCB to TCB; only sys_ipc touches the user registers, so the same code
 * serves the page-fault IPC the kernel makes on behalf of a faulting thread.
 */
#include "kernel.h"
#include "ipc_fast.h"

/* The fast path's view of the kernel's structures (ipc_fast.h) must be the compiler's. */
#define ASM_OFFSET(field, value) _Static_assert(offsetof(struct tcb, field) == (value), #field)
ASM_OFFSET(id, TCB_ID);
ASM_OFFSET(state, TCB_STATE);
ASM_OFFSET(ksp, TCB_KSP);
ASM_OFFSET(ready_next, TCB_READY_NEXT);
ASM_OFFSET(rcv_from, TCB_RCV_FROM);
ASM_OFFSET(sendq_head, TCB_SENDQ_HEAD);
ASM_OFFSET(rcv_desc, TCB_RCV_DESC);
ASM_OFFSET(on_timeout_list, TCB_ON_TIMEOUT_LIST);
ASM_OFFSET(in_user_ipc, TCB_IN_USER_IPC);
ASM_OFFSET(cr3, TCB_CR3);
_Static_assert(offsetof(struct space, threads) == SPACE_THREADS, "threads");
_Static_assert(PAGE_SIZE - sizeof(struct frame) == TCB_FRAME_OFFSET, "frame");
_Static_assert(offsetof(struct frame, edi) == FRAME_EDI && offsetof(struct frame, esi) == FRAME_ESI &&
                   offsetof(struct frame, ebp) == FRAME_EBP && offsetof(struct frame, ebx) == FRAME_EBX &&
                   offsetof(struct frame, edx) == FRAME_EDX && offsetof(struct frame, eax) == FRAME_EAX &&
                   offsetof(struct frame, ecx) == FRAME_ECX && offsetof(struct frame, eip) == FRAME_EIP,
               "frame registers");
_Static_assert(TS_RECV == TCB_TS_RECV && TS_READY == TCB_TS_READY, "thread states");
_Static_assert(offsetof(struct tcb, in_user_ipc) == TCB_STATE + 1 && offsetof(struct tcb, on_timeout_list) == TCB_STATE + 2 &&
                   offsetof(struct tcb, pad_) == TCB_STATE + 3,
               "the status word");

/* Internal "from" of an open receive; a closed receive from nil never completes (a sleep). */
#define ANY_SENDER L4_INVALID_ID

static int accepts(const struct tcb *r, const struct tcb *sender)
{
    return r->state == TS_RECV && (l4_is_invalid(r->rcv_from) || r->rcv_from.raw == sender->id.raw);
}

/* Microseconds of a timeout (mantissa, exponent) to a deadline in ticks; 0 = never. */
static uint32_t deadline_of(unsigned man, unsigned exp)
{
    unsigned shift = 2u * (15u - exp);
    uint32_t us = (shift + 8u >= 32u && (man >> (32u - shift)) != 0) ? 0xFFFFFFFFu : (uint32_t)man << shift;
    return ticks + us / TICK_US + 1u;
}

static int snd_timeout_zero(l4_timeout_t to) { return ((to >> 4) & 15u) != 0 && ((to >> 16) & 255u) == 0; }
static int rcv_timeout_zero(l4_timeout_t to) { return (to & 15u) != 0 && ((to >> 24) & 255u) == 0; }
static uint32_t snd_deadline(l4_timeout_t to)
{
    return ((to >> 4) & 15u) == 0 ? 0 : deadline_of((to >> 16) & 255u, (to >> 4) & 15u);
}
static uint32_t rcv_deadline(l4_timeout_t to)
{
    return (to & 15u) == 0 ? 0 : deadline_of((to >> 24) & 255u, to & 15u);
}

static void sendq_append(struct tcb *r, struct tcb *s)
{
    s->sendq_next = 0;
    s->sendq_prev = r->sendq_tail;
    if (r->sendq_tail != 0) r->sendq_tail->sendq_next = s;
    else r->sendq_head = s;
    r->sendq_tail = s;
}

static void sendq_remove(struct tcb *r, struct tcb *s)
{
    if (s->sendq_prev != 0) s->sendq_prev->sendq_next = s->sendq_next;
    else r->sendq_head = s->sendq_next;
    if (s->sendq_next != 0) s->sendq_next->sendq_prev = s->sendq_prev;
    else r->sendq_tail = s->sendq_prev;
    s->sendq_next = s->sendq_prev = 0;
}

static struct tcb *sendq_find(struct tcb *r, l4_threadid_t from)
{
    for (struct tcb *s = r->sendq_head; s != 0; s = s->sendq_next)
        if (l4_is_invalid(from) || s->id.raw == from.raw) return s;
    return 0;
}

static void make_ready(struct tcb *t)
{
    t->state = TS_READY;
    ready_enqueue(t);
}

/* Copy sender's message into receiver r (which accepts it); returns the sender's result. */
static l4_word_t transfer(struct tcb *sender, struct tcb *r)
{
    l4_word_t sres = 0, rres = 0;
    r->rcv_msg = sender->snd_msg;
    r->rcv_src = sender->id;
    if (sender->snd_desc == L4_IPC_SHORT_FPAGE) {
        l4_fpage_t fp = {.raw = sender->snd_msg.w[1]};
        if ((r->rcv_desc & L4_IPC_SHORT_FPAGE) == 0 ||
            !map_fpage(sender->space, sender->snd_msg.w[0], fp, r->space, r->rcv_desc)) {
            sres = L4_IPC_SEMAPFAILED;
            rres = L4_IPC_REMAPFAILED;
        } else {
            rres = L4_IPC_FPAGE_RECEIVED;
        }
    }
    r->rcv_result = rres;
    return sres;
}

/* Block the current thread (already in its new state) and run someone else. */
static void block_current(struct tcb *handoff)
{
    ready_dequeue(current);
    schedule(handoff);
}

/* The receive phase a sender enters when its message has been taken from the queue. */
static void continue_after_send(struct tcb *s)
{
    if (s->snd_result == 0 && s->rcv_desc != L4_IPC_NIL_DESCRIPTOR) {
        l4_threadid_t from = (s->rcv_desc & L4_IPC_OPEN_WAIT) ? ANY_SENDER : s->partner_id;
        if (sendq_find(s, from) == 0 && !rcv_timeout_zero(s->timeout)) {
            s->state = TS_RECV;
            s->rcv_from = from;
            uint32_t d = rcv_deadline(s->timeout);
            if (d != 0) timeout_add(s, d);
            return;
        }
    }
    make_ready(s); /* it runs its own receive phase (or returns) when scheduled */
}

l4_word_t ipc_send(struct tcb *self, l4_threadid_t dest, l4_timeout_t to)
{
    struct tcb *r = tcb_lookup(dest);
    if (r == 0) return L4_IPC_ENOT_EXISTENT;
    if (accepts(r, self)) {
        l4_word_t sres = transfer(self, r);
        timeout_remove(r);
        r->rcv_done = 1;
        make_ready(r);
        self->handoff = r;
        return sres;
    }
    if (snd_timeout_zero(to)) return L4_IPC_SETIMEOUT;
    self->state = TS_SEND;
    self->ipc_partner = r;
    sendq_append(r, self);
    uint32_t d = snd_deadline(to);
    if (d != 0) timeout_add(self, d);
    block_current(0);
    return self->snd_result;
}

l4_word_t ipc_receive(struct tcb *self, l4_threadid_t from, l4_timeout_t to)
{
    if (self->rcv_done) { /* delivered while we were still blocked after our send phase */
        self->rcv_done = 0;
        return self->rcv_result;
    }
    struct tcb *s = sendq_find(self, from);
    if (s != 0) {
        sendq_remove(self, s);
        timeout_remove(s);
        s->snd_result = transfer(s, self);
        continue_after_send(s);
        return self->rcv_result;
    }
    if (!l4_is_invalid(from) && !l4_is_nil(from) && tcb_lookup(from) == 0) return L4_IPC_ENOT_EXISTENT;
    if (rcv_timeout_zero(to)) return L4_IPC_RETIMEOUT;
    self->state = TS_RECV;
    self->rcv_from = from;
    uint32_t d = rcv_deadline(to);
    if (d != 0) timeout_add(self, d);
    struct tcb *handoff = self->handoff;
    self->handoff = 0;
    block_current(handoff);
    self->rcv_done = 0;
    return self->rcv_result;
}

/* End t's blocked IPC phase with an error (timeout, cancel, partner deleted). */
void ipc_abort(struct tcb *t, l4_word_t send_code, l4_word_t recv_code)
{
    if (t->state == TS_SEND) {
        sendq_remove(t->ipc_partner, t);
        t->snd_result = send_code;
        make_ready(t);
    } else if (t->state == TS_RECV) {
        t->rcv_result = recv_code;
        t->rcv_done = 1;
        make_ready(t);
    }
}

/* The end of an ipc system call's receive phase: the message into the user registers. */
static void receive_to_user(struct tcb *self, struct frame *f)
{
    f->edx = self->rcv_msg.w[0];
    f->ebx = self->rcv_msg.w[1];
    f->edi = self->rcv_msg.w[2];
    f->esi = self->rcv_src.raw;
}

/* A sender that blocked in the fast path's receive phase resumes here when the C path completes
 * that receive (ipc_resume in ipc_fast.S): what ipc_receive and sys_ipc would have done. */
void ipc_fast_resume(struct frame *f)
{
    struct tcb *self = current;
    self->rcv_done = 0;
    self->in_user_ipc = 0;
    receive_to_user(self, f);
    f->eax = self->rcv_result;
}

/* INT 0x30 from user mode: registers in, registers out (include/l4/syscalls.h). The common case
 * (register message to a waiting receiver, register receive, no timeouts) never gets here: the
 * fast path in ipc_fast.S serves it and falls back to this for everything else. */
void sys_ipc(struct frame *f)
{
    struct tcb *self = current;
    self->in_user_ipc = 1;
    self->snd_desc = f->eax;
    self->rcv_desc = f->ebp;
    self->timeout = f->ecx;
    self->partner_id.raw = f->esi;
    self->snd_msg.w[0] = f->edx;
    self->snd_msg.w[1] = f->ebx;
    self->snd_msg.w[2] = f->edi;
    self->handoff = 0;
    self->rcv_done = 0;
    l4_word_t res = 0;
    if (self->snd_desc != L4_IPC_NIL_DESCRIPTOR) {
        res = ipc_send(self, self->partner_id, self->timeout);
        if (res & L4_IPC_ERROR_MASK) {
            f->eax = res;
            self->in_user_ipc = 0;
            return;
        }
    }
    if (self->rcv_desc != L4_IPC_NIL_DESCRIPTOR) {
        l4_threadid_t from = (self->rcv_desc & L4_IPC_OPEN_WAIT) ? ANY_SENDER : self->partner_id;
        res = ipc_receive(self, from, self->timeout);
        receive_to_user(self, f);
    } else if (self->handoff != 0) {
        self->handoff = 0; /* send only: the sender keeps the CPU, the receiver is ready */
    }
    f->eax = res;
    self->in_user_ipc = 0;
}
