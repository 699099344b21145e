/*
 * Trap dispatch: hardware interrupts (PIT), the system calls INT 0x30..0x36, kdebug (INT 3),
 * page faults (converted into IPC to the pager) and other exceptions.
 */
#include "kernel.h"
#include <l4/kdebug.h>

#define VEC_BREAKPOINT 3u
#define VEC_PAGE_FAULT 14u
#define VEC_IRQ0 0x20u
#define SIMCTL_BEGIN_PORT 0x700u /* i386-platform.md, sim-control */
#define SIMCTL_END_PORT 0x704u

extern uint32_t kernel_phys_start; /* init.c */

static inline uint32_t read_cr2(void)
{
    uint32_t v;
    __asm__ __volatile__("movl %%cr2, %0" : "=r"(v));
    return v;
}

/* A thread that cannot go on (unhandled exception, no pager): it stops, the others run. */
static void kill_current(const char *why, struct frame *f)
{
    kprintf("l4: thread %x stopped: %s (vector %u, error %x, eip %x)\n", current->id.raw, why, f->vector, f->error,
            f->eip);
    current->state = TS_DEAD;
    ready_dequeue(current);
    schedule(0);
    panic("dead thread %x scheduled", current->id.raw);
}

/* Page fault (X.0 manual "page faults"; Hazelnut): sigma0's faults are mapped 1:1 by the kernel;
 * any other thread's fault becomes a call to its pager with the fault address (bit 1 = write)
 * and EIP, receive window = the whole space; the reply's content is not looked at, and the
 * faulting instruction restarts. */
static void page_fault(struct frame *f)
{
    uint32_t cr2 = read_cr2();
    struct tcb *t = current;
    if ((f->cs & 3u) == 0) panic("kernel page fault at %x, eip %x, error %x", cr2, f->eip, f->error);
    if (t->space->task == L4_SIGMA0_TASK) {
        uint32_t pa = cr2 & PTE_FRAME;
        uint32_t *pte = space_pte(t->space, pa, 0);
        int present = pte != 0 && (*pte & PTE_P) != 0;
        if (present || pa < PAGE_SIZE || pa >= ram_end || (pa >= kernel_phys_start && pa < kernel_reserved_end))
            panic("sigma0 page fault at %x (eip %x) outside its memory", cr2, f->eip);
        if (!mdb_map_root(t->space, pa, pa)) panic("out of kernel memory (sigma0 fault)");
        return;
    }
    if (l4_is_nil(t->pager)) kill_current("page fault without a pager", f);
    t->snd_desc = L4_IPC_SHORT_MSG;
    t->snd_msg.w[0] = (cr2 & ~3u) | (f->error & L4_PF_WRITE);
    t->snd_msg.w[1] = f->eip;
    t->snd_msg.w[2] = 0;
    t->rcv_desc = l4_rcv_window(l4_fpage_whole_space());
    t->timeout = L4_IPC_NEVER;
    t->partner_id = t->pager;
    t->handoff = 0;
    t->rcv_done = 0;
    l4_word_t r = ipc_send(t, t->pager, L4_IPC_NEVER);
    if (r == L4_IPC_SECANCELED) return; /* lthread_ex_regs: go on at the new EIP */
    if (r & L4_IPC_ERROR_MASK) kill_current("page fault IPC to the pager failed", f);
    (void)ipc_receive(t, t->pager, L4_IPC_NEVER);
}

/* Print a user string (kdebug), reading it through the page tables a chunk at a time. */
static void print_user_string(uint32_t va, uint32_t max)
{
    char buf[64];
    while (max > 0) {
        uint32_t n = max < sizeof buf ? max : sizeof buf;
        uint32_t to_page_end = PAGE_SIZE - (va & 0xFFFu);
        if (n > to_page_end) n = to_page_end;
        if (!user_read(current->space, va, buf, n)) {
            kprintf("<unmapped %x>", va);
            return;
        }
        for (uint32_t i = 0; i < n; i++) {
            if (buf[i] == 0) return;
            kputc(buf[i]);
        }
        va += n;
        max -= n;
    }
}

/* kdebug (include/l4/kdebug.h): INT 3 followed by a marker instruction at the return EIP. */
static void kdebug(struct frame *f)
{
    uint8_t marker[2];
    if ((f->cs & 3u) == 0) panic("kernel breakpoint at %x", f->eip);
    if (!user_read(current->space, f->eip, marker, 2)) kill_current("kdebug marker not readable", f);
    if (marker[0] == 0xEB) { /* jmp over a text: enter_kdebug("text") */
        kprintf("l4: kdebug: ");
        print_user_string(f->eip + 2, marker[1]);
        kputc('\n');
        return;
    }
    if (marker[0] != 0x3C) kill_current("unknown kdebug marker", f);
    switch (marker[1]) {
    case L4_KD_OUTCHAR: kputc((char)f->eax); break;
    case L4_KD_OUTSTRING: print_user_string(f->eax, 0x10000u); break;
    case L4_KD_OUTHEX32: kprintf("%08x", f->eax); break;
    case L4_KD_OUTDEC: kprintf("%u", f->eax); break;
    case L4_KD_REGION_BEGIN: outl(SIMCTL_BEGIN_PORT, f->eax); break;
    case L4_KD_REGION_END: outl(SIMCTL_END_PORT, f->eax); break;
    case L4_KD_EXIT: machine_exit(f->eax); break;
    default: kill_current("unknown kdebug operation", f);
    }
}

void sys_id_nearest(struct frame *f);
void sys_fpage_unmap(struct frame *f);
void sys_thread_switch(struct frame *f);
void sys_thread_schedule(struct frame *f);
void sys_lthread_ex_regs(struct frame *f);
void sys_task_new(struct frame *f);

void trap_dispatch(struct frame *f)
{
    switch (f->vector) {
    case 0x30: sys_ipc(f); return;
    case 0x31: sys_id_nearest(f); return;
    case 0x32: sys_fpage_unmap(f); return;
    case 0x33: sys_thread_switch(f); return;
    case 0x34: sys_thread_schedule(f); return;
    case 0x35: sys_lthread_ex_regs(f); return;
    case 0x36: sys_task_new(f); return;
    case VEC_IRQ0:
        outb(0x20, 0x20); /* non-specific EOI first: a switch away must not leave the PIC waiting */
        timer_tick();
        return;
    case VEC_PAGE_FAULT: page_fault(f); return;
    case VEC_BREAKPOINT: kdebug(f); return;
    default: break;
    }
    if (f->vector > VEC_IRQ0 && f->vector < VEC_IRQ0 + 16) {
        if (f->vector == VEC_IRQ0 + 7) return; /* spurious IRQ 7: no EOI */
        if (f->vector >= VEC_IRQ0 + 8) outb(0xA0, 0x20);
        outb(0x20, 0x20);
        return;
    }
    if ((f->cs & 3u) == 0) panic("kernel exception %u at eip %x, error %x", f->vector, f->eip, f->error);
    /* X.0 would let the task's own (LIDT-emulated) handler see it; this kernel stops the thread. */
    kill_current("unhandled exception", f);
}
