/*
 * vmsim R3000 platform: physical memory map and device registers.
 *
 * Shared by the simulator (C++) and by guest code (C and assembly, built with
 * mipsel-linux-gnu-gcc), so it holds only #defines. Guests reach devices through
 * kseg1 (uncached, unmapped): VMSIM_KSEG1(VMSIM_CONSOLE_BASE) etc.
 */
#ifndef VMSIM_MEMMAP_H
#define VMSIM_MEMMAP_H

/* RAM: physical 0 .. mem.size-1 (default 24 MiB, the DECstation 3100 maximum). */
#define VMSIM_RAM_BASE 0x00000000u
#define VMSIM_RAM_DEFAULT_SIZE (24u * 1024u * 1024u)

/* Console: a byte written to offset 0 is printed on the simulator's stdout. */
#define VMSIM_CONSOLE_BASE 0x1fe00000u
#define VMSIM_CONSOLE_SIZE 0x10u
#define VMSIM_CONSOLE_PUTC 0x0u

/* Simulation control. */
#define VMSIM_SIMCTL_BASE 0x1fe10000u
#define VMSIM_SIMCTL_SIZE 0x100u
#define VMSIM_SIMCTL_EXIT 0x00u          /* write: stop, exit code = value */
#define VMSIM_SIMCTL_CYCLES_LO 0x08u     /* read: cycle counter, low word  */
#define VMSIM_SIMCTL_CYCLES_HI 0x0cu     /* read: cycle counter, high word */
#define VMSIM_SIMCTL_INSNS_LO 0x10u      /* read: retired instructions, low */
#define VMSIM_SIMCTL_INSNS_HI 0x14u      /* read: retired instructions, high */
#define VMSIM_SIMCTL_REGION_BEGIN 0x20u  /* write N: begin measured region N */
#define VMSIM_SIMCTL_REGION_END 0x24u    /* write N: end measured region N */
#define VMSIM_SIMCTL_MAX_REGIONS 64u     /* regions 0 .. 63 */
/* Guest counters: numbers a guest reports as statistics `guest.N` (a kernel's
 * software-TLB misses, context switches...). Write N to SELECT, then values to
 * ADD, each added to counter N; a counter written at least once is a statistic.
 * Which N means what is the guest's to document (vmlib/aegis/README.md). */
#define VMSIM_SIMCTL_COUNTER_SELECT 0x28u /* write N: the counter ADD adds to */
#define VMSIM_SIMCTL_COUNTER_ADD 0x2cu    /* write V: counter N += V          */
#define VMSIM_SIMCTL_MAX_COUNTERS 64u     /* counters 0 .. 63 */

/* Timer: raises interrupt line IP2 (Cause bit 10) every timer.period cycles
 * while enabled. Reading CTRL returns 1 when enabled; writing 1/0 enables or
 * disables it (enabling restarts the period). Writing ACK clears the pending
 * interrupt. PERIOD reads/writes the period in cycles (0 is ignored). */
#define VMSIM_TIMER_BASE 0x1fe20000u
#define VMSIM_TIMER_SIZE 0x10u
#define VMSIM_TIMER_CTRL 0x0u
#define VMSIM_TIMER_ACK 0x4u
#define VMSIM_TIMER_PERIOD 0x8u
#define VMSIM_TIMER_IRQ_LINE 2u          /* Cause.IP2 */

/* Address-space helpers (R3000 segments). */
#define VMSIM_KSEG0(pa) (0x80000000u | (pa))
#define VMSIM_KSEG1(pa) (0xa0000000u | (pa))

#endif /* VMSIM_MEMMAP_H */
