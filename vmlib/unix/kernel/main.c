/*
 * unix kernel stub: boot and exec of the one user process.
 *
 * The user program is a separate ELF file linked at kuseg addresses and
 * embedded in the kernel image (user_image.S, .incbin). At boot the kernel
 * reads its program headers as exec(2) would: each PT_LOAD segment becomes a
 * region whose pages get fresh frames, filled from the file and zeroed past
 * p_filesz; then a stack region below USRSTACK and an empty heap region after
 * the last segment; then it returns to user mode at e_entry with ASID 1.
 */
#include <stdio.h>
#include <string.h>
#include <unix/syscall.h>
#include <vmsim/bootparams.h>

#include "kern.h"


extern const unsigned char user_image[], user_image_end[];
extern char _end[];

/* The boot parameter block (vmsim/bootparams.h): a placeholder the simulator
 * fills in before boot; vmlib/kernel.ld puts it at physical 0x100. */
struct vmsim_bootparams unix_bootparams __attribute__((section(".bootparams"), used)) = {
    .magic = VMSIM_BOOTPARAMS_REQUEST};

struct proc proc1;
struct proc *curproc;
struct kstats cnt;
int curpri;
int runrun;

/* setpri (4.3BSD): the user-mode priority from recent cpu use and nice; ask
 * for a reschedule if it is now better than the running process's. */
void setpri(struct proc *p)
{
    int pri = PUSER + p->p_cpu / 4 + 2 * p->p_nice;
    if (pri > 127)
        pri = 127;
    if (pri < curpri)
        runrun++;
    p->p_usrpri = pri;
}

/* The parts of <elf.h> exec needs. */
struct elf32_ehdr {
    unsigned char e_ident[16];
    uint16_t e_type, e_machine;
    uint32_t e_version, e_entry, e_phoff, e_shoff, e_flags;
    uint16_t e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};
struct elf32_phdr {
    uint32_t p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
};
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4

static uint32_t exec_image(struct proc *p)
{
    const struct elf32_ehdr *eh = (const void *)user_image;
    uint32_t size = (uint32_t)(user_image_end - user_image);
    if (size < sizeof *eh || memcmp(eh->e_ident, "\177ELF", 4) != 0 || eh->e_machine != 8)
        panic("exec: the embedded user program is not a MIPS ELF file");
    uint32_t top = 0;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        const struct elf32_phdr *ph =
            (const void *)(user_image + eh->e_phoff + i * eh->e_phentsize);
        if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
            continue;
        uint32_t start = trunc_page(ph->p_vaddr), end = round_page(ph->p_vaddr + ph->p_memsz);
        if (end > 0x80000000u || end <= start || region_find(p, start) || region_find(p, end - 1))
            panic("exec: bad or overlapping segment");
        int prot = (ph->p_flags & PF_R ? PROT_READ : 0) | (ph->p_flags & PF_W ? PROT_WRITE : 0) |
                   (ph->p_flags & PF_X ? PROT_EXEC : 0);
        region_add(p, start, end, prot, ph->p_flags & PF_W ? "data" : "text");
        for (uint32_t va = start; va < end; va += NBPG) {
            uint32_t pa = map_zero_page(p, va, prot);
            /* the file bytes that fall in this page */
            uint32_t lo = va > ph->p_vaddr ? va : ph->p_vaddr;
            uint32_t hi = ph->p_vaddr + ph->p_filesz;
            if (hi > va + NBPG)
                hi = va + NBPG;
            if (lo < hi)
                memcpy((char *)KSEG0(pa) + (lo - va), user_image + ph->p_offset + (lo - ph->p_vaddr),
                       hi - lo);
        }
        if (end > top)
            top = end;
    }
    if (!top)
        panic("exec: no loadable segment");
    p->heap = region_add(p, top, top, PROT_READ | PROT_WRITE, "heap");
    p->brk = top;
    p->stack = region_add(p, USRSTACK - USRSTACK_SIZE, USRSTACK, PROT_READ | PROT_WRITE, "stack");
    /* The segment sizes (u_tsize, u_dsize, u_ssize): text is the first
     * region, data runs from the next one to the break. */
    struct vm_region *t = p->regions;
    p->p_taddr = t->start;
    p->p_tsize = (t->end - t->start) >> PGSHIFT;
    p->p_daddr = t->next != p->stack ? t->next->start : top;
    p->p_dsize = (top - p->p_daddr) >> PGSHIFT;
    p->p_ssize = USRSTACK_SIZE >> PGSHIFT;
    p->p_maxssize = MAXSSIZ;
    for (uint32_t va = USRSTACK - USRSTACK_SIZE; va < USRSTACK; va += NBPG)
        map_zero_page(p, va, PROT_READ | PROT_WRITE);
    return eh->e_entry;
}

/* The parameters of a filled-in block; a field that is 0 keeps the default. Every
 * value of the one field is valid (VMSIM_UNIX_MPROTECT_ASID_* in bootparams.h). */
static void read_bootparams(void)
{
    const struct vmsim_bootparams *bp = &unix_bootparams;
    if (bp->magic != VMSIM_BOOTPARAMS_MAGIC || bp->version != VMSIM_BOOTPARAMS_VERSION)
        return;
    if (bp->unix_mprotect_asid_threshold)
        mprotect_asid_threshold = bp->unix_mprotect_asid_threshold;
}

void kmain(void)
{
    read_bootparams();
    vm_bootstrap((uint32_t)_end & 0x1fffffffu);
    tlb_flush_all();

    struct proc *p = &proc1;
    p->pid = 1;
    p->p_stat = SRUN;
    p->p_flag = SLOAD;
    p->p_nice = NZERO;
    setpri(p);
    p->p_pri = p->p_usrpri;
    curpri = p->p_pri;
    p->asid = 1;
    p->upt = UPT_AREA + ((uint32_t)p->pid << UPT_SLOT_SHIFT);
    curproc = p;
    uint32_t entry = exec_image(p);

    set_context(p->upt);
    set_entryhi(p->asid << ASID_SHIFT);
    printf("unix: pid %d asid %u entry 0x%08x page table 0x%08x\n", p->pid, p->asid,
           (unsigned)entry, (unsigned)p->upt);

    struct trapframe *tf = (struct trapframe *)(kstack + KSTACK_SIZE - TF_SIZE);
    memset(tf, 0, sizeof *tf);
    tf->regs[29] = USRSTACK - 32; /* room for a (0, 0, 0) argc/argv/envp */
    tf->epc = entry;
    tf->status = SR_KUP;          /* rfe: user mode, interrupts off */
    enter_user(tf);
}
