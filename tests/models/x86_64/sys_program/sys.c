/* The full-system test guest: run on vmsim's i386 platform (models/x86_64/pc.hpp) and on
 * qemu-system-i386 -cpu pentium, it must print the same on COM1 and exit the same way
 * (tests/models/x86_64/pc_qemu_test.cpp). It exercises what a small kernel does: its own GDT with
 * a far jump to reload CS, segment loads that fault, an IDT with interrupt and trap gates, a TSS,
 * paging with 4 KB and 4 MB (PSE) pages, demand paging from #PF, WP, INVLPG, a CR3 reload, #DF,
 * the PIC and PIT (timer interrupts woken from HLT), ring 3 through IRET, INT 0x30 system calls,
 * #GP for CLI at CPL 3 and for INT through a DPL-0 gate, and a checksum of all it printed.
 * Nothing it prints depends on time or on where the loader put the multiboot information. */
#include <stdint.h>

/* ---- port I/O and the console ---- */
static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) {
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static uint32_t checksum = 2166136261u; /* FNV-1a over every byte printed */

static void putc_raw(char c) {
    while (!(inb(0x3fd) & 0x20)) {
    }
    outb(0x3f8, (uint8_t)c);
    checksum = (checksum ^ (uint8_t)c) * 16777619u;
}
static void puts_(const char* s) {
    while (*s) putc_raw(*s++);
}
static void puthex(uint32_t v) {
    for (int i = 28; i >= 0; i -= 4) putc_raw("0123456789abcdef"[(v >> i) & 15]);
}
static void putdec(uint32_t v) {
    char buf[12];
    int n = 0;
    do buf[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
    while (n) putc_raw(buf[--n]);
}
static void exit_(uint32_t v) {
    outl(0xf4, v);
    for (;;) __asm__ volatile("cli; hlt");
}

/* ---- descriptor tables ---- */
struct tss {
    uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap;
} __attribute__((packed));

static uint64_t gdt[8] __attribute__((aligned(8)));
static uint64_t idt[64] __attribute__((aligned(8)));
static struct tss tss;
static uint8_t kernel_stack[8192] __attribute__((aligned(16)));
static uint8_t user_stack[4096] __attribute__((aligned(16)));

enum { KCODE = 0x08, KDATA = 0x10, UCODE = 0x1b, UDATA = 0x23, TSSSEL = 0x28, ABSENT = 0x30, GDT_ENTRIES = 7 };

static uint64_t seg_desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags) {
    uint64_t d = limit & 0xffff;
    d |= (uint64_t)(base & 0xffffff) << 16;
    d |= (uint64_t)access << 40;
    d |= (uint64_t)((limit >> 16) & 0xf) << 48;
    d |= (uint64_t)(flags & 0xf) << 52;
    d |= (uint64_t)(base >> 24) << 56;
    return d;
}
static void set_gate(unsigned n, void (*fn)(void), unsigned type, unsigned dpl) {
    uint32_t off = (uint32_t)fn;
    idt[n] = (off & 0xffff) | ((uint64_t)KCODE << 16) | ((uint64_t)(0x80 | (dpl << 5) | type) << 40) |
             ((uint64_t)(off >> 16) << 48);
}
struct __attribute__((packed)) dtr {
    uint16_t limit;
    uint32_t base;
};

/* ---- interrupts ---- */
struct frame {
    uint32_t edi, esi, ebp, esp_, ebx, edx, ecx, eax, vector, err, eip, cs, eflags, user_esp, user_ss;
};

volatile uint32_t recover_eip; /* where a fault that a test provoked resumes (0: none expected) */
static volatile uint32_t ticks;
static uint32_t page_dir[1024] __attribute__((aligned(4096)));
static uint32_t pt_low[1024] __attribute__((aligned(4096)));
static uint32_t pt_demand[1024] __attribute__((aligned(4096)));
static uint8_t ro_page[4096] __attribute__((aligned(4096)));
static uint8_t kernel_only_page[4096] __attribute__((aligned(4096)));
static void after_user(void);

#define DEMAND 0x00c00000u
#define PRESENT 1u
#define RW 2u
#define USER 4u
#define PS 0x80u

static inline uint32_t read_cr2(void) {
    uint32_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}
static inline void invlpg(uint32_t a) { __asm__ volatile("invlpg (%0)" : : "r"(a) : "memory"); }

static void syscall(struct frame* f) {
    switch (f->eax) {
    case 1: puts_((const char*)f->ebx); break;
    case 2: f->eax = f->ebx * 2 + 1; break;
    case 3: {
        const uint32_t here = (uint32_t)f;
        puts_("syscall from cs=");
        puthex(f->cs);
        puts_(" ss=");
        puthex(f->user_ss);
        puts_(" on the TSS stack: ");
        puts_(here >= (uint32_t)kernel_stack && here < (uint32_t)kernel_stack + sizeof kernel_stack ? "yes\n" : "no\n");
        break;
    }
    case 4: after_user(); break;
    }
}

void isr(struct frame* f) {
    if (f->vector == 32) {
        ++ticks;
        outb(0x20, 0x20);
        return;
    }
    if (f->vector == 48) {
        syscall(f);
        return;
    }
    if (f->vector == 3) {
        puts_("int3: trap returns after it\n");
        return;
    }
    if (f->vector == 14 && read_cr2() >= DEMAND && read_cr2() < DEMAND + 0x400000 && !(page_dir[3] & PRESENT)) {
        puts_("#PF cr2=");
        puthex(read_cr2());
        puts_(" err=");
        puthex(f->err);
        puts_(": map a page table on demand\n");
        pt_demand[0] = 0x600000 | PRESENT | RW | USER;
        page_dir[3] = (uint32_t)pt_demand | PRESENT | RW | USER;
        return; /* the faulting instruction runs again */
    }
    if (recover_eip) {
        puts_("exception ");
        putdec(f->vector);
        puts_(" err=");
        puthex(f->err);
        puts_(" cpl=");
        putdec(f->cs & 3);
        if (f->vector == 14) {
            puts_(" cr2=");
            puthex(read_cr2());
        }
        puts_("\n");
        f->eip = recover_eip;
        recover_eip = 0;
        return;
    }
    puts_("unexpected exception ");
    putdec(f->vector);
    puts_(" err=");
    puthex(f->err);
    puts_(" eip=");
    puthex(f->eip);
    puts_("\n");
    exit_(2);
}

extern void stub0(void), stub1(void), stub2(void), stub3(void), stub4(void), stub5(void), stub6(void),
    stub7(void), stub8(void), stub9(void), stub10(void), stub11(void), stub12(void), stub13(void),
    stub14(void), stub15(void), stub16(void), stub17(void), stub32(void), stub48(void), stub49(void);

/* Runs `insn` (asm text) with recovery armed; a fault prints and resumes after it. */
#define TRY(insn, ...)                                                                              \
    __asm__ volatile("movl $1f, recover_eip\n\t" insn "\n\tmovl $0, recover_eip\n1:" : : __VA_ARGS__ : "memory", "eax")

/* ---- ring 3 ---- */
static long user_call(uint32_t n, uint32_t arg) {
    long r;
    __asm__ volatile("int $0x30" : "=a"(r) : "a"(n), "b"(arg) : "memory");
    return r;
}
static void user_main(void) {
    user_call(1, (uint32_t) "user: hello from ring 3\n");
    user_call(3, 0);
    if (user_call(2, 20) == 41) user_call(1, (uint32_t) "user: syscall result 41\n");
    TRY("cli", "i"(0));                                      /* #GP(0): IOPL 0 < CPL 3 */
    TRY("int $0x31", "i"(0));                                /* #GP(0x31 * 8 + 2): gate DPL 0 */
    TRY("movb $1, (%0)", "r"(ro_page));                      /* #PF err 7: user write, read-only */
    TRY("movl (%0), %%eax", "r"(kernel_only_page));           /* #PF err 5: user read, supervisor page */
    TRY("hlt", "i"(0));                                      /* #GP(0) */
    TRY("movl %%cr3, %%eax", "i"(0));                        /* #GP(0) */
    TRY("outb %%al, $0x80", "i"(0));                         /* #GP(0): IOPL 0 */
    user_call(4, 0);
}

static void enter_user(void) {
    __asm__ volatile(
        "mov %0, %%ds\n\tmov %0, %%es\n\tmov %0, %%fs\n\tmov %0, %%gs\n\t"
        "pushl %0\n\tpushl %1\n\tpushl $0x002\n\tpushl %2\n\tpushl %3\n\tiret"
        :
        : "r"((uint32_t)UDATA), "r"((uint32_t)user_stack + sizeof user_stack), "i"(UCODE), "r"(user_main)
        : "memory");
}

/* ---- the kernel ---- */
static void segments(void) {
    gdt[0] = 0;
    gdt[1] = seg_desc(0, 0xfffff, 0x9a, 0xc); /* kernel code, 4 GB */
    gdt[2] = seg_desc(0, 0xfffff, 0x92, 0xc); /* kernel data */
    gdt[3] = seg_desc(0, 0xfffff, 0xfa, 0xc); /* user code, DPL 3 */
    gdt[4] = seg_desc(0, 0xfffff, 0xf2, 0xc); /* user data, DPL 3 */
    tss.ss0 = KDATA;
    tss.esp0 = (uint32_t)kernel_stack + sizeof kernel_stack;
    tss.iomap = sizeof tss; /* no I/O bitmap */
    gdt[5] = seg_desc((uint32_t)&tss, sizeof tss - 1, 0x89, 0x0);
    gdt[6] = seg_desc(0, 0xfffff, 0x12, 0xc); /* data, not present */
    struct dtr g = {GDT_ENTRIES * 8 - 1, (uint32_t)gdt};
    __asm__ volatile("lgdt %0" : : "m"(g));
    __asm__ volatile(
        "ljmp $0x08, $1f\n1:\t"
        "mov $0x10, %%ax\n\tmov %%ax, %%ds\n\tmov %%ax, %%es\n\tmov %%ax, %%ss\n\tmov %%ax, %%fs\n\tmov %%ax, %%gs"
        :
        :
        : "eax", "memory");
    uint32_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    puts_("cs after the far jump: ");
    puthex(cs);
    puts_("\n");
    /* A far return and an indirect far jump at the same privilege. */
    static struct __attribute__((packed)) {
        uint32_t off;
        uint16_t sel;
    } far;
    __asm__ volatile("pushl $0x08\n\tpushl $1f\n\tlret\n1:" : : : "memory");
    __asm__ volatile("movl $1f, %0\n\tmovw $0x08, %1\n\tljmp *%0\n1:" : "=m"(far.off), "=m"(far.sel) : : "memory");
    __asm__ volatile("push %%ds\n\tpop %%es" : : : "memory");
    puts_("far return and far jump: ok\n");

    struct dtr back;
    __asm__ volatile("sgdt %0" : "=m"(back));
    puts_("sgdt limit=");
    puthex(back.limit);
    puts_(back.base == (uint32_t)gdt ? " base=gdt\n" : " base=?\n");

}

static void interrupts(void) {
    void (*stubs[18])(void) = {stub0, stub1, stub2, stub3, stub4, stub5, stub6, stub7, stub8,
                               stub9, stub10, stub11, stub12, stub13, stub14, stub15, stub16, stub17};
    for (unsigned i = 0; i < 18; ++i) set_gate(i, stubs[i], 0xe, 0);
    set_gate(32, stub32, 0xe, 0);
    set_gate(48, stub48, 0xf, 3); /* the system call: a trap gate user code may use */
    set_gate(49, stub49, 0xe, 0); /* DPL 0: INT 0x31 from ring 3 is #GP */
    struct dtr i = {sizeof idt - 1, (uint32_t)idt};
    __asm__ volatile("lidt %0" : : "m"(i));
    __asm__ volatile("ltr %w0" : : "r"(TSSSEL));
    uint32_t tr = 0;
    __asm__ volatile("str %0" : "=r"(tr));
    puts_("tr=");
    puthex(tr);
    puts_("\n");
    __asm__ volatile("int3");
    TRY("int $0x40", "i"(0)); /* beyond the IDT limit: #GP(0x40 * 8 + 2) */
}

/* Segment loads that fault, each resumed after the instruction. */
static void segment_faults(void) {
    TRY("mov %w0, %%ds", "r"(0x38));    /* #GP(0x38): beyond the GDT limit */
    TRY("mov %w0, %%ds", "r"(ABSENT));  /* #NP(0x30) */
    TRY("mov %w0, %%ss", "r"(UDATA));   /* #GP(0x20): RPL 3 != CPL 0 */
    TRY("mov %w0, %%ds", "r"(TSSSEL));  /* #GP(0x28): a system descriptor */
    TRY("mov %w0, %%ss", "r"(0));       /* #GP(0): null SS */
    __asm__ volatile("mov %w0, %%ds\n\tmov %w1, %%ds" : : "r"(UCODE), "r"(KDATA)); /* readable code: ok */
}

static void paging(void) {
    for (unsigned i = 0; i < 1024; ++i) pt_low[i] = (i << 12) | PRESENT | RW | USER;
    pt_low[(uint32_t)ro_page >> 12] &= ~RW;
    pt_low[(uint32_t)kernel_only_page >> 12] &= ~USER;
    page_dir[0] = (uint32_t)pt_low | PRESENT | RW | USER;
    page_dir[1] = 0x400000 | PS | PRESENT | RW | USER; /* one 4 MB page: 4-8 MB */
    __asm__ volatile(
        "mov %%cr4, %%eax\n\tor $0x10, %%eax\n\tmov %%eax, %%cr4\n\t"
        "mov %0, %%cr3\n\t"
        "mov %%cr0, %%eax\n\tor $0x80010000, %%eax\n\tmov %%eax, %%cr0"
        :
        : "r"(page_dir)
        : "eax", "memory");
    puts_("paging on\n");
    volatile uint32_t* big = (volatile uint32_t*)0x600000;
    big[0] = 0x11111111;
    big[1024] = 0x22222222; /* 0x601000 */
    volatile uint32_t* demand = (volatile uint32_t*)(DEMAND + 0x123 * 4);
    *demand = 0xcafe; /* #PF, mapped on demand to 0x600000, retried */
    puts_("demand page reads ");
    puthex(*demand);
    puts_(", through the 4 MB page ");
    puthex(big[0x123]);
    puts_("\n");
    /* Remap and INVLPG: the new frame shows. */
    pt_demand[0] = 0x601000 | PRESENT | RW | USER;
    invlpg(DEMAND);
    puts_("after invlpg ");
    puthex(*(volatile uint32_t*)DEMAND);
    puts_("\n");
    pt_demand[0] = 0x600000 | PRESENT | RW | USER;
    __asm__ volatile("mov %%cr3, %%eax\n\tmov %%eax, %%cr3" : : : "eax", "memory");
    puts_("after a cr3 reload ");
    puthex(*(volatile uint32_t*)DEMAND);
    puts_("\n");
    TRY("movb $1, (%0)", "r"(ro_page)); /* CR0.WP: #PF err 3 */
    TRY("movl (%0), %%eax", "r"(0x01000000)); /* not present: #PF err 0 */
    /* #DF: a page fault while #PF's gate is not present (#NP) is a double fault. */
    idt[14] &= ~(1ull << 47);
    set_gate(8, stub8, 0xe, 0);
    TRY("movl (%0), %%eax", "r"(0x01000000));
    set_gate(14, stub14, 0xe, 0);
}

static void timer(void) {
    /* PICs: ICW1-ICW4, vectors 0x20 and 0x28, every line masked but IRQ 0. */
    outb(0x20, 0x11); outb(0x21, 0x20); outb(0x21, 0x04); outb(0x21, 0x01);
    outb(0xa0, 0x11); outb(0xa1, 0x28); outb(0xa1, 0x02); outb(0xa1, 0x01);
    outb(0x21, 0xff); outb(0xa1, 0xff);
    /* PIT channel 0, mode 2, 100 Hz. */
    outb(0x43, 0x34);
    outb(0x40, 11932 & 0xff);
    outb(0x40, 11932 >> 8);
    __asm__ volatile("sti");
    for (volatile int i = 0; i < 20000; ++i) {
    }
    puts_("masked: ");
    putdec(ticks);
    puts_(" ticks\n");
    outb(0x21, 0xfe);
    while (ticks < 3) __asm__ volatile("hlt");
    __asm__ volatile("cli");
    outb(0x21, 0xff);
    puts_("timer: woke from hlt ");
    putdec(ticks >= 3 ? 3 : 0);
    puts_(" times\n");
}

static void after_user(void) {
    puts_("back in the kernel\n");
    uint32_t c = checksum;
    puts_("checksum ");
    puthex(c);
    puts_("\n");
    exit_(0);
}

void kmain(uint32_t magic, const uint32_t* info) {
    puts_("sys: magic ");
    puthex(magic);
    puts_((info[0] & 1) ? " mem_upper " : " no memory info ");
    putdec(info[2]);
    puts_(" KB\n");
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0));
    const uint32_t vendor[4] = {b, d, c, 0};
    puts_("cpuid: ");
    puts_((const char*)vendor);
    puts_(" max ");
    puthex(a);
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1));
    puts_(" signature ");
    puthex(a);
    puts_(" features ");
    puthex(d);
    puts_(" ");
    puthex(c);
    puts_("\n");
    uint32_t t0, t1, hi;
    __asm__ volatile("rdtsc" : "=a"(t0), "=d"(hi));
    __asm__ volatile("rdtsc" : "=a"(t1), "=d"(hi));
    puts_(t1 != t0 ? "rdtsc advances\n" : "rdtsc stuck\n");
    segments();
    interrupts();
    segment_faults();
    paging();
    timer();
    enter_user();
}

/* GCC may call these even with -ffreestanding (i386.md section 1). */
void* memset(void* d, int c, unsigned n) {
    uint8_t* p = d;
    while (n--) *p++ = (uint8_t)c;
    return d;
}
void* memcpy(void* d, const void* s, unsigned n) {
    uint8_t* p = d;
    const uint8_t* q = s;
    while (n--) *p++ = *q++;
    return d;
}
