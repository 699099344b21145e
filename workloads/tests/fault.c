/*
 * fault: loads from an unmapped user address with no handler installed, so
 * the runtime's default handler reports it. Prints
 *   fault: load from 0x00001000 at 0xXXXXXXXX
 *   unhandled exception: ExcCode=2 EPC=0xXXXXXXXX BadVAddr=0x00001000 Cause=0x...
 * and the simulator exits with 125 (VMSIM_EXIT_UNHANDLED).
 */
#include <stdint.h>
#include <stdio.h>
#include <vmsim.h>

extern const char fault_insn[]; /* the faulting lw, labelled in the asm below */

int main(void)
{
    uint32_t addr = 0x00001000u; /* kuseg, nothing mapped: UTLB miss, then TLBL */
    printf("fault: load from 0x%08x at 0x%08x\n", (unsigned)addr, (unsigned)(uintptr_t)fault_insn);
    __asm__ volatile(".globl fault_insn\n"
                     "fault_insn:\n\t"
                     "lw $2, 0(%0)\n\t"
                     "nop"
                     :
                     : "r"(addr)
                     : "$2", "memory");
    printf("fault: survived the fault (unexpected)\n");
    return 1;
}
