/* The system calls other than ipc: id_nearest, fpage_unmap, thread_switch, thread_schedule,
 * lthread_ex_regs, task_new (register conventions in include/l4/syscalls.h). */
#include "kernel.h"

/* INT 0x31. No clans and chiefs: the nearest partner of dest is dest; nil asks for oneself. */
void sys_id_nearest(struct frame *f)
{
    if (f->esi == 0) f->esi = current->id.raw;
    f->eax = 0;
}

/* INT 0x32: EAX = fpage, ECX = mapmask. */
void sys_fpage_unmap(struct frame *f)
{
    fpage_unmap(current->space, (l4_fpage_t){.raw = f->eax}, f->ecx);
}

/* INT 0x33: to the tail of the ready ring, then run dest if it is ready (time-slice donation),
 * else the next ready thread. */
void sys_thread_switch(struct frame *f)
{
    struct tcb *dest = f->esi != 0 ? tcb_lookup((l4_threadid_t){.raw = f->esi}) : 0;
    ready_dequeue(current);
    ready_enqueue(current);
    schedule(dest);
}

/* INT 0x34: one priority, no time-slice parameters: nothing to change. */
void sys_thread_schedule(struct frame *f) { f->eax = L4_NO_CHANGE; }

/* INT 0x35 lthread_ex_regs (X.0): EAX lthread, ECX ESP, EDX EIP, EBX preempter, ESI pager. */
void sys_lthread_ex_regs(struct frame *f)
{
    struct space *s = current->space;
    if (f->eax >= L4_LTHREADS_PER_TASK) {
        f->eax = f->ecx = f->edx = f->ebx = f->esi = L4_NO_CHANGE;
        return;
    }
    struct tcb *t = s->threads[f->eax];
    if (t == 0) {
        t = thread_create(s, f->eax);
        if (t == 0) {
            f->eax = f->ecx = f->edx = f->ebx = f->esi = L4_NO_CHANGE;
            return;
        }
        t->pager = current->pager; /* a new thread inherits its creator's pager */
    }
    struct frame *tf = TCB_FRAME(t);
    int running = t->state != TS_FREE && t->state != TS_DEAD;
    l4_word_t old_eflags = running ? tf->eflags : 0, old_esp = running ? tf->user_esp : L4_NO_CHANGE;
    l4_word_t old_eip = running ? tf->eip : L4_NO_CHANGE;
    l4_word_t old_pre = t->preempter.raw, old_pager = t->pager.raw;
    l4_word_t new_esp = f->ecx, new_eip = f->edx;
    if (f->ebx != L4_NO_CHANGE) t->preempter.raw = f->ebx;
    if (f->esi != L4_NO_CHANGE) t->pager.raw = f->esi;
    if (!running) {
        if (new_eip != L4_NO_CHANGE) thread_start(t, new_eip, new_esp != L4_NO_CHANGE ? new_esp : 0);
    } else {
        if (t != current) thread_cancel_ipc(t); /* X.0: an ongoing IPC is aborted */
        if (new_eip != L4_NO_CHANGE) tf->eip = new_eip;
        if (new_esp != L4_NO_CHANGE) tf->user_esp = new_esp;
    }
    f->eax = old_eflags;
    f->ecx = old_esp;
    f->edx = old_eip;
    f->ebx = old_pre;
    f->esi = old_pager;
}

static void task_delete(struct space *s)
{
    for (unsigned i = 0; i < L4_LTHREADS_PER_TASK; i++)
        if (s->threads[i] != 0) thread_destroy(s->threads[i]);
    space_flush_all(s);
    space_destroy(s);
}

/* INT 0x36 task_new (X.0): EAX mcp, ECX ESP, EDX EIP, EBX pager, ESI task id. */
void sys_task_new(struct frame *f)
{
    l4_threadid_t id = {.raw = f->esi}, pager = {.raw = f->ebx};
    unsigned task = l4_task_of(id);
    f->esi = 0;
    if (task <= L4_SIGMA0_TASK || task >= L4_MAX_TASKS - 1 || task == current->space->task) return;
    if (spaces[task] != 0) task_delete(spaces[task]);
    if (l4_is_nil(pager)) return;
    struct space *s = space_create(task, id.id.version);
    if (s == 0) return;
    struct tcb *t = thread_create(s, 0);
    if (t == 0) {
        space_destroy(s);
        return;
    }
    t->pager = pager;
    thread_start(t, f->edx, f->ecx);
    f->esi = t->id.raw;
}
