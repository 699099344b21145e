/*
 * Threads and scheduling: TCBs (one page each, the kernel stack above the TCB, as in L4), a
 * ready ring scheduled round-robin with one 10 ms time slice per PIT tick, an idle thread, and
 * the timeout list for IPC timeouts. One priority only (thread_schedule is a stub, README).
 */
#include "kernel.h"
#include "ipc_fast.h"

struct tcb *current;
static struct tcb *ready_head; /* next to run */
static struct tcb *idle_thread;
static struct tcb *timeout_list;
static struct tcb boot_context; /* where the boot stack's ESP goes on the first switch */
uint32_t ticks;

struct tcb *tcb_lookup(l4_threadid_t id)
{
    unsigned task = l4_task_of(id);
    struct space *s = spaces[task];
    if (s == 0) return 0;
    struct tcb *t = s->threads[l4_lthread_of(id)];
    if (t == 0 || t->id.raw != id.raw || t->state == TS_FREE) return 0;
    return t;
}

void ready_enqueue(struct tcb *t)
{
    if (t->ready_next != 0) return;
    if (ready_head == 0) {
        t->ready_next = t->ready_prev = t;
        ready_head = t;
    } else { /* at the tail, i.e. just before the head */
        t->ready_next = ready_head;
        t->ready_prev = ready_head->ready_prev;
        ready_head->ready_prev->ready_next = t;
        ready_head->ready_prev = t;
    }
}

void ready_dequeue(struct tcb *t)
{
    if (t->ready_next == 0) return;
    if (t->ready_next == t) {
        ready_head = 0;
    } else {
        t->ready_prev->ready_next = t->ready_next;
        t->ready_next->ready_prev = t->ready_prev;
        if (ready_head == t) ready_head = t->ready_next;
    }
    t->ready_next = t->ready_prev = 0;
}

static void switch_to(struct tcb *next)
{
    if (next == current) return;
    /* The idle thread runs in whatever space was active: no CR3 load (and no TLB flush) for it. */
    if (!next->is_idle) set_cr3(next->cr3);
    tss_set_esp0((uint32_t)next + PAGE_SIZE);
    struct tcb *prev = current;
    current = next;
    switch_stacks(&prev->ksp, next->ksp);
}

/* Give the CPU to `prefer` if it is ready (L4's direct process switch on IPC), else to the head
 * of the ready ring, else to the idle thread. A still-ready current thread keeps its place.
 * The ring may hold blocked threads: the IPC fast path (ipc_fast.S) leaves a sender that blocks in
 * it, as L4's lazy queuing does [Liedtke, SOSP'93, "Improving IPC by kernel design"], so that a
 * ping-pong never touches the ring; they are dropped here when they come to its head. */
void schedule(struct tcb *prefer)
{
    struct tcb *next;
    while (ready_head != 0 && ready_head->state != TS_READY) ready_dequeue(ready_head);
    if (prefer != 0 && prefer->state == TS_READY) next = prefer;
    else if (ready_head != 0) next = ready_head;
    else next = idle_thread;
    if (next != idle_thread && next == ready_head) ready_head = next->ready_next;
    if (next != idle_thread) next->ticks_left = TIME_SLICE_TICKS;
    switch_to(next);
}

static void idle_loop(void)
{
    for (;;) {
        if (ready_head != 0) schedule(0);
        __asm__ __volatile__("sti; hlt; cli" ::: "memory");
    }
}

/* A TCB page with a kernel stack prepared so that the first switch to it "returns" into
 * entry (ret_to_user for user threads: it pops the frame at the top of the page and IRETs). */
static void prepare_stack(struct tcb *t, void (*entry)(void))
{
    uint32_t *sp = (uint32_t *)TCB_FRAME(t);
    *--sp = (uint32_t)entry;
    for (int i = 0; i < 4; i++) *--sp = 0; /* EBP, EBX, ESI, EDI of switch_stacks */
    t->ksp = (uint32_t)sp;
}

struct tcb *thread_create(struct space *s, unsigned lthread)
{
    struct tcb *t = frame_alloc();
    if (t == 0) return 0;
    t->id = l4_make_id(s->task, lthread, s->version);
    t->space = s;
    t->cr3 = s->pdir_phys;
    t->state = TS_FREE;
    s->threads[lthread] = t;
    s->nthreads++;
    return t;
}

/* Start (or restart) a thread at user EIP/ESP with fresh registers. */
void thread_start(struct tcb *t, uint32_t eip, uint32_t esp)
{
    struct frame *f = TCB_FRAME(t);
    memset(f, 0, sizeof *f);
    f->eip = eip;
    f->user_esp = esp;
    f->cs = SEL_UCODE;
    f->user_ss = SEL_UDATA;
    f->eflags = 0x202; /* IF; IOPL 0: user code cannot reach the I/O ports */
    prepare_stack(t, ret_to_user);
    t->state = TS_READY;
    ready_enqueue(t);
}

void timeout_add(struct tcb *t, uint32_t deadline)
{
    t->deadline = deadline;
    if (t->on_timeout_list) return;
    t->on_timeout_list = 1;
    t->timeout_prev = 0;
    t->timeout_next = timeout_list;
    if (timeout_list != 0) timeout_list->timeout_prev = t;
    timeout_list = t;
}

void timeout_remove(struct tcb *t)
{
    if (!t->on_timeout_list) return;
    if (t->timeout_prev != 0) t->timeout_prev->timeout_next = t->timeout_next;
    else timeout_list = t->timeout_next;
    if (t->timeout_next != 0) t->timeout_next->timeout_prev = t->timeout_prev;
    t->on_timeout_list = 0;
    t->timeout_next = t->timeout_prev = 0;
}

/* PIT tick: expire IPC timeouts, then preempt the current thread at the end of its slice. */
void timer_tick(void)
{
    ticks++;
    for (struct tcb *t = timeout_list, *next; t != 0; t = next) {
        next = t->timeout_next;
        if (t->deadline <= ticks) {
            timeout_remove(t);
            ipc_abort(t, L4_IPC_SETIMEOUT, L4_IPC_RETIMEOUT);
        }
    }
    if (current->is_idle) {
        if (ready_head != 0) schedule(0);
        return;
    }
    if (current->ticks_left > 0) current->ticks_left--;
    if (current->ticks_left == 0 && current->state == TS_READY) {
        ready_dequeue(current); /* to the tail of the ring */
        ready_enqueue(current);
        schedule(0);
    }
}

/* Cancel a thread's blocked IPC (lthread_ex_regs, task deletion). */
void thread_cancel_ipc(struct tcb *t)
{
    timeout_remove(t);
    ipc_abort(t, L4_IPC_SECANCELED, L4_IPC_RECANCELED);
}

/* Remove a thread for good (task deletion): it must not be current. */
void thread_destroy(struct tcb *t)
{
    if (t->state == TS_SEND || t->state == TS_RECV) thread_cancel_ipc(t);
    ready_dequeue(t);
    /* Senders blocked on it fail as if it never existed. */
    while (t->sendq_head != 0) {
        struct tcb *s = t->sendq_head;
        timeout_remove(s);
        ipc_abort(s, L4_IPC_ENOT_EXISTENT, L4_IPC_ENOT_EXISTENT);
    }
    t->space->threads[l4_lthread_of(t->id)] = 0;
    t->space->nthreads--;
    frame_free(t);
}

void sched_init(void)
{
    idle_thread = frame_alloc();
    if (idle_thread == 0) panic("no memory for the idle thread");
    idle_thread->is_idle = 1;
    idle_thread->state = TS_READY; /* never in the ring: chosen when the ring is empty */
    prepare_stack(idle_thread, idle_loop);
    current = &boot_context;
    boot_context.is_idle = 1;
}
