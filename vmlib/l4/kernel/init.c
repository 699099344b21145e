/*
 * Kernel initialisation: console, GDT/TSS, IDT, PIC and PIT, the kernel pool, then sigma0
 * (task 2) and the root task (task 4, paged by sigma0), as L4 starts them.
 */
#include "kernel.h"

#define MB_BOOT_MAGIC 0x2BADB002u
#define PIT_HZ 1193182u

struct space *spaces[L4_MAX_TASKS];
uint32_t ram_end, kernel_reserved_start, kernel_reserved_end, kernel_phys_start;

/* Linker-script symbols (link.ld). */
extern uint32_t kernel_pdir_page[1024];
extern char __sigma0_start[], __kernel_phys_start[], __kernel_end[];
/* The user programs the kernel starts: sigma0 (sigma0/) and the root task's crt0 (user/). */
extern char sigma0_entry[], l4_root_start[];

struct tss32 {
    uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap_base;
};
struct tss32 kernel_tss; /* global: the IPC fast path (ipc_fast.S) writes ESP0 */
static uint64_t gdt[6];
static uint64_t idt[0x37];

static uint64_t seg_desc(uint32_t base, uint32_t limit, uint32_t access, uint32_t flags)
{
    return (uint64_t)(limit & 0xFFFFu) | ((uint64_t)(base & 0xFFFFFFu) << 16) | ((uint64_t)access << 40) |
           ((uint64_t)((limit >> 16) & 0xFu) << 48) | ((uint64_t)flags << 52) | ((uint64_t)(base >> 24) << 56);
}

static uint64_t gate_desc(uint32_t handler, unsigned dpl)
{
    /* 32-bit interrupt gate: IF is cleared on entry, so the whole kernel runs with interrupts off. */
    return (uint64_t)(handler & 0xFFFFu) | ((uint64_t)SEL_KCODE << 16) | ((uint64_t)(0x8Eu | (dpl << 5)) << 40) |
           ((uint64_t)(handler >> 16) << 48);
}

void tss_set_esp0(uint32_t esp0) { kernel_tss.esp0 = esp0; }

static void cpu_tables_init(void)
{
    gdt[0] = 0;
    gdt[1] = seg_desc(0, 0xFFFFF, 0x9A, 0xC); /* kernel code, flat 4 GB */
    gdt[2] = seg_desc(0, 0xFFFFF, 0x92, 0xC); /* kernel data (SS) */
    gdt[3] = seg_desc(0, 0xFFFFF, 0xFA, 0xC); /* user code, DPL 3 */
    gdt[4] = seg_desc(0, 0xFFFFF, 0xF2, 0xC); /* user data, DPL 3 (also the kernel's DS/ES) */
    kernel_tss.ss0 = SEL_KDATA;
    kernel_tss.iomap_base = sizeof kernel_tss; /* no I/O bitmap: IOPL 0 code gets #GP on IN/OUT */
    gdt[5] = seg_desc((uint32_t)&kernel_tss, sizeof kernel_tss - 1, 0x89, 0x0);
    struct {
        uint16_t limit;
        uint32_t base;
    } __attribute__((packed)) gdtr = {sizeof gdt - 1, (uint32_t)gdt}, idtr = {sizeof idt - 1, (uint32_t)idt};
    __asm__ __volatile__("lgdt %0\n\t"
                         "ljmp %1, $1f\n"
                         "1:\tmovl %2, %%eax\n\t"
                         "movw %%ax, %%ds\n\tmovw %%ax, %%es\n\tmovw %%ax, %%fs\n\tmovw %%ax, %%gs\n\t"
                         "movl %3, %%eax\n\tmovw %%ax, %%ss\n\t"
                         "movl %4, %%eax\n\tltr %%ax"
                         :
                         : "m"(gdtr), "i"(SEL_KCODE), "i"(SEL_UDATA), "i"(SEL_KDATA), "i"(SEL_TSS)
                         : "eax", "memory");
    /* Only the kdebug trap (3) and the system calls (0x30..0x36) are reachable from user mode;
     * INT n on any other vector raises #GP (sheet section 2). */
    for (unsigned v = 0; v < 0x37; v++) {
        unsigned dpl = (v == 3 || v >= 0x30) ? 3 : 0;
        idt[v] = gate_desc(isr_table[v], dpl);
    }
    __asm__ __volatile__("lidt %0" : : "m"(idtr));
}

/* 8259A: IRQs 0-7 at vectors 0x20-0x27, 8-15 at 0x28-0x2F, all masked but the PIT (IRQ 0).
 * 8254 channel 0 in mode 2 at TIMER_HZ. */
static void pic_pit_init(void)
{
    outb(0x20, 0x11);
    outb(0xA0, 0x11);
    outb(0x21, 0x20);
    outb(0xA1, 0x28);
    outb(0x21, 0x04);
    outb(0xA1, 0x02);
    outb(0x21, 0x01);
    outb(0xA1, 0x01);
    outb(0x21, 0xFE);
    outb(0xA1, 0xFF);
    uint32_t divisor = (PIT_HZ + TIMER_HZ / 2) / TIMER_HZ;
    outb(0x43, 0x34);
    outb(0x40, (uint8_t)(divisor & 0xFF));
    outb(0x40, (uint8_t)(divisor >> 8));
}

static struct tcb *start_task(unsigned task, void *entry, l4_threadid_t pager)
{
    struct space *s = space_create(task, 0);
    struct tcb *t = s != 0 ? thread_create(s, 0) : 0;
    if (t == 0) panic("out of kernel memory creating task %u", task);
    t->pager = pager;
    thread_start(t, (uint32_t)entry, 0);
    return t;
}

void kmain(uint32_t magic, uint32_t mbi_phys)
{
    console_init();
    kprintf("l4: vmsim L4 X.0-style kernel (i386)\n");
    if (magic != MB_BOOT_MAGIC) panic("not booted by a multiboot loader (eax %x)", magic);
    const uint32_t *mbi = P2V(mbi_phys);
    if ((mbi[0] & 1u) == 0) panic("multiboot info without memory size");
    ram_end = 0x100000u + mbi[2] * 1024u;
    if (ram_end > KERNEL_MAX_RAM) ram_end = KERNEL_MAX_RAM;

    /* The identity mapping was only for the jump to the kernel window. */
    kernel_pdir = kernel_pdir_page;
    for (unsigned i = 0; i < USER_PDES; i++) kernel_pdir[i] = 0;
    set_cr3(V2P(kernel_pdir));

    cpu_tables_init();
    pic_pit_init();

    kernel_phys_start = (uint32_t)__kernel_phys_start;
    kernel_reserved_start = (uint32_t)__sigma0_start;
    uint32_t pool_start = ((uint32_t)__kernel_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    kernel_reserved_end = pool_start + KERNEL_POOL_SIZE;
    if (kernel_reserved_end > ram_end) panic("%u KB of RAM is too little", ram_end / 1024);
    pool_init(pool_start, kernel_reserved_end);
    sched_init();

    struct tcb *sigma0 = start_task(L4_SIGMA0_TASK, sigma0_entry, L4_NIL_ID);
    /* sigma0 learns the memory layout in registers (sigma0/sigma0.c). */
    TCB_FRAME(sigma0)->eax = ram_end;
    TCB_FRAME(sigma0)->ebx = kernel_reserved_start;
    TCB_FRAME(sigma0)->ecx = kernel_reserved_end;
    start_task(L4_ROOT_TASK, l4_root_start, sigma0->id);
    kprintf("l4: RAM %u KB, kernel reserved %x-%x, starting sigma0 and the root task\n", ram_end / 1024,
            kernel_reserved_start, kernel_reserved_end);
    schedule(0);
    panic("boot context resumed");
}
