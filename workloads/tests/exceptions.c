/*
 * exceptions: a program that handles exceptions in C by defining
 * vmsim_exception() (replacing the runtime's default). Exercises the default
 * vectors' save/restore path for syscall, break, an address error, and a UTLB
 * miss that the handler resolves by writing a TLB entry. Prints
 *   exceptions: syscall(5) = 1005
 *   exceptions: syscall(-1000) = 0
 *   exceptions: break code=5 count=1
 *   exceptions: unaligned load from 0xXXXXXXXX: code=4 badvaddr=0xXXXXXXXX value=0xbad
 *   exceptions: utlb store to 0x00402004: vector=0 code=3 badvaddr=0x00402004 readback=0x12345678
 *   exceptions: registers preserved=yes
 *   exceptions: done
 * and exits 0; an unexpected exception prints a line and exits 3.
 */
#include <stdint.h>
#include <stdio.h>
#include <vmsim.h>

int exc_syscall(int arg);
void exc_break(void);
uint32_t exc_load_word(uintptr_t addr);
void exc_tlb_write_random(uint32_t entryhi, uint32_t entrylo);
int exc_regs_survive(void);

#define ENTRYLO_D (1u << 10)
#define ENTRYLO_V (1u << 9)

static struct {
    unsigned count[32];
    unsigned last_code, last_vector, break_code;
    uint32_t last_badvaddr;
} seen;

/* Backing frame for the one user page the UTLB test maps. */
static uint32_t frame[1024] __attribute__((aligned(4096)));

void vmsim_exception(struct vmsim_trapframe *tf)
{
    unsigned code = VMSIM_CAUSE_EXCCODE(tf->cause);
    seen.count[code]++;
    seen.last_code = code;
    seen.last_vector = tf->vector;
    seen.last_badvaddr = tf->badvaddr;
    switch (code) {
    case VMSIM_EXC_SYS:
        tf->regs[2] = tf->regs[4] + 1000; /* v0 = a0 + 1000 */
        tf->epc += 4;
        return;
    case VMSIM_EXC_BP:
        seen.break_code = (*(const uint32_t *)(uintptr_t)tf->epc >> 16) & 0x3ff;
        tf->epc += 4;
        return;
    case VMSIM_EXC_ADEL:
        tf->regs[2] = 0xbad; /* skip the load, "return" 0xbad */
        tf->epc += 4;
        return;
    case VMSIM_EXC_TLBS:
        if (tf->vector == VMSIM_VECTOR_UTLB) {
            /* map the page (ASID 0) and retry the store */
            uint32_t pa = (uint32_t)(uintptr_t)frame - 0x80000000u;
            exc_tlb_write_random(tf->badvaddr & ~0xfffu, pa | ENTRYLO_D | ENTRYLO_V);
            return;
        }
        break;
    default:
        break;
    }
    printf("exceptions: unexpected ExcCode=%u vector=%u EPC=0x%08x BadVAddr=0x%08x\n", code,
           (unsigned)tf->vector, (unsigned)tf->epc, (unsigned)tf->badvaddr);
    vmsim_exit(3);
}

int main(void)
{
    printf("exceptions: syscall(5) = %d\n", exc_syscall(5));
    printf("exceptions: syscall(-1000) = %d\n", exc_syscall(-1000));

    exc_break();
    printf("exceptions: break code=%u count=%u\n", seen.break_code, seen.count[VMSIM_EXC_BP]);

    static uint32_t words[2];
    uintptr_t odd = (uintptr_t)words + 2;
    uint32_t value = exc_load_word(odd);
    printf("exceptions: unaligned load from 0x%08x: code=%u badvaddr=0x%08x value=0x%x\n",
           (unsigned)odd, seen.last_code, (unsigned)seen.last_badvaddr, (unsigned)value);

    volatile uint32_t *user = (volatile uint32_t *)0x00402004u;
    *user = 0x12345678u;
    printf("exceptions: utlb store to 0x%08x: vector=%u code=%u badvaddr=0x%08x readback=0x%08x\n",
           (unsigned)(uintptr_t)user, seen.last_vector, seen.last_code,
           (unsigned)seen.last_badvaddr, (unsigned)((volatile uint32_t *)frame)[1]);

    printf("exceptions: registers preserved=%s\n", exc_regs_survive() ? "yes" : "no");
    printf("exceptions: done\n");
    return 0;
}
