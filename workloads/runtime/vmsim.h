/*
 * vmsim guest runtime: simulator services and the exception interface.
 *
 * Everything here talks to the simulated platform through the devices in
 * <vmsim/memmap.h>, reached through kseg1 (unmapped, uncached).
 */
#ifndef VMSIM_GUEST_VMSIM_H
#define VMSIM_GUEST_VMSIM_H

#include <stdint.h>
#include <vmsim/memmap.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMSIM_SIMCTL_REG(off) (*(volatile uint32_t *)VMSIM_KSEG1(VMSIM_SIMCTL_BASE + (off)))

/* Stops the simulation; the simulator exits with `code`. Never returns. */
void vmsim_exit(int code) __attribute__((noreturn));

/* Adds `value` to guest counter `n` (0 .. VMSIM_SIMCTL_MAX_COUNTERS - 1), which the
 * simulator reports as the statistic guest.<n>. */
static inline void vmsim_counter_add(uint32_t n, uint32_t value)
{
    VMSIM_SIMCTL_REG(VMSIM_SIMCTL_COUNTER_SELECT) = n;
    VMSIM_SIMCTL_REG(VMSIM_SIMCTL_COUNTER_ADD) = value;
}

/* Reads a 64-bit simulator counter whose halves live at lo_off/hi_off:
 * hi, lo, hi again, and retry if the high word moved in between. */
static inline uint64_t vmsim_read_counter64(uint32_t lo_off, uint32_t hi_off)
{
    uint32_t hi, lo, hi2;
    for (;;) {
        hi = VMSIM_SIMCTL_REG(hi_off);
        lo = VMSIM_SIMCTL_REG(lo_off);
        hi2 = VMSIM_SIMCTL_REG(hi_off);
        if (hi == hi2)
            return ((uint64_t)hi << 32) | lo;
    }
}

/* Simulated cycles since reset. */
static inline uint64_t vmsim_cycles(void)
{
    return vmsim_read_counter64(VMSIM_SIMCTL_CYCLES_LO, VMSIM_SIMCTL_CYCLES_HI);
}

/* Retired instructions since reset. */
static inline uint64_t vmsim_instructions(void)
{
    return vmsim_read_counter64(VMSIM_SIMCTL_INSNS_LO, VMSIM_SIMCTL_INSNS_HI);
}

/* Measured regions 0..VMSIM_SIMCTL_MAX_REGIONS-1: the simulator reports the
 * cycles, instructions and events between begin(n) and end(n). */
static inline void vmsim_region_begin(unsigned n)
{
    VMSIM_SIMCTL_REG(VMSIM_SIMCTL_REGION_BEGIN) = n;
}

static inline void vmsim_region_end(unsigned n)
{
    VMSIM_SIMCTL_REG(VMSIM_SIMCTL_REGION_END) = n;
}

/* ---- exceptions ------------------------------------------------------------
 *
 * The default vectors (0x80000000 UTLB refill, 0x80000080 general) save all
 * registers into a trap frame on a private exception stack and call
 * vmsim_exception(). Its default prints
 *   unhandled exception: ExcCode=N EPC=0x... BadVAddr=0x... Cause=0x...
 * and exits with VMSIM_EXIT_UNHANDLED. Define vmsim_exception() in your
 * program to handle exceptions in C: when it returns, the registers (and
 * Status) are reloaded from the frame and execution resumes at tf->epc.
 * An exception taken while vmsim_exception() runs is fatal (exit
 * VMSIM_EXIT_DOUBLE_FAULT).
 *
 * For speed-critical handlers, replace a vector itself: define the global
 * symbol vmsim_utlb_vector (or vmsim_general_vector) in section
 * ".vector.utlb" (".vector.general"), at most 32 instructions; see
 * workloads/README.md.
 */
#define VMSIM_EXIT_UNHANDLED 125
#define VMSIM_EXIT_DOUBLE_FAULT 126

#define VMSIM_VECTOR_UTLB 0u     /* taken through 0x80000000 */
#define VMSIM_VECTOR_GENERAL 1u  /* taken through 0x80000080 */

/* Cause.ExcCode values */
#define VMSIM_EXC_INT 0
#define VMSIM_EXC_MOD 1
#define VMSIM_EXC_TLBL 2
#define VMSIM_EXC_TLBS 3
#define VMSIM_EXC_ADEL 4
#define VMSIM_EXC_ADES 5
#define VMSIM_EXC_IBE 6
#define VMSIM_EXC_DBE 7
#define VMSIM_EXC_SYS 8
#define VMSIM_EXC_BP 9
#define VMSIM_EXC_RI 10
#define VMSIM_EXC_CPU 11
#define VMSIM_EXC_OV 12

#define VMSIM_CAUSE_BD 0x80000000u
#define VMSIM_CAUSE_EXCCODE(cause) (((cause) >> 2) & 0x1fu)

/* Layout is shared with exception.S (VMSIM_TF_* offsets). */
struct vmsim_trapframe {
    uint32_t regs[32];  /* regs[0] reads 0; k0/k1 (26, 27) are not preserved */
    uint32_t hi, lo;
    uint32_t epc;       /* where execution resumes */
    uint32_t status;    /* Status after exception entry; written back on return */
    uint32_t cause;
    uint32_t badvaddr;
    uint32_t vector;    /* VMSIM_VECTOR_UTLB or VMSIM_VECTOR_GENERAL */
};

void vmsim_exception(struct vmsim_trapframe *tf);

#ifdef __cplusplus
}
#endif

#endif /* VMSIM_GUEST_VMSIM_H */
