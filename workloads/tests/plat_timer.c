/*
 * plat_timer: takes PLAT_TIMER_TICKS timer interrupts through its own C
 * exception handler and prints the cycle counter read at each one, for
 * tests/sim/platform_test.cpp. Without PLAT_TIMER_PERIOD the period is the
 * simulator's timer.period; with it, main() writes the PERIOD register first.
 * Prints
 *   timer: period=P
 *   timer: enabled before cycle C
 *   timer: tick I at cycle C          (one line per interrupt, I = 0..N-1)
 *   timer: ctrl=0 ticks after disable=N
 * and exits 0; an unexpected exception prints a line and exits 3.
 *
 * The main loop only spins on a RAM word (one-cycle instructions), so each
 * interrupt is taken at the cycle the timer fires, and the handler reaches its
 * cycle read through the same instructions every time.
 */
#include <stdint.h>
#include <stdio.h>
#include <vmsim.h>

#ifndef PLAT_TIMER_TICKS
#define PLAT_TIMER_TICKS 8
#endif

#define TIMER_REG(off) (*(volatile uint32_t *)VMSIM_KSEG1(VMSIM_TIMER_BASE + (off)))
#define STATUS_IEC 0x1u
#define STATUS_IM2 (1u << (8 + VMSIM_TIMER_IRQ_LINE))
#define CAUSE_IP2 (1u << (8 + VMSIM_TIMER_IRQ_LINE))

static volatile unsigned ticks;
static uint64_t stamp[PLAT_TIMER_TICKS];

static inline void set_status(uint32_t v)
{
    __asm__ volatile("mtc0 %0, $12\n\tnop\n\tnop" : : "r"(v) : "memory");
}

void vmsim_exception(struct vmsim_trapframe *tf)
{
    uint64_t now = vmsim_cycles();
    unsigned code = VMSIM_CAUSE_EXCCODE(tf->cause);
    if (code != VMSIM_EXC_INT || !(tf->cause & CAUSE_IP2) || ticks >= PLAT_TIMER_TICKS) {
        printf("timer: unexpected ExcCode=%u Cause=0x%08x EPC=0x%08x ticks=%u\n", code,
               (unsigned)tf->cause, (unsigned)tf->epc, ticks);
        vmsim_exit(3);
    }
    stamp[ticks] = now;
    TIMER_REG(VMSIM_TIMER_ACK) = 1;
    if (++ticks == PLAT_TIMER_TICKS)
        TIMER_REG(VMSIM_TIMER_CTRL) = 0;
    /* return: the interrupted instruction (tf->epc) is re-executed */
}

int main(void)
{
#ifdef PLAT_TIMER_PERIOD
    TIMER_REG(VMSIM_TIMER_PERIOD) = PLAT_TIMER_PERIOD;
#endif
    uint32_t period = TIMER_REG(VMSIM_TIMER_PERIOD);
    set_status(STATUS_IM2 | STATUS_IEC);
    uint64_t enabled = vmsim_cycles();
    TIMER_REG(VMSIM_TIMER_CTRL) = 1;
    while (ticks < PLAT_TIMER_TICKS)
        ;
    set_status(0);

    printf("timer: period=%u\n", (unsigned)period);
    printf("timer: enabled before cycle %llu\n", (unsigned long long)enabled);
    for (unsigned i = 0; i < PLAT_TIMER_TICKS; i++)
        printf("timer: tick %u at cycle %llu\n", i, (unsigned long long)stamp[i]);

    /* Disabled: three more periods pass with interrupts enabled and no tick. */
    uint64_t until = vmsim_cycles() + 3ull * period;
    set_status(STATUS_IM2 | STATUS_IEC);
    while (vmsim_cycles() < until)
        ;
    set_status(0);
    printf("timer: ctrl=%u ticks after disable=%u\n", (unsigned)TIMER_REG(VMSIM_TIMER_CTRL), ticks);
    return 0;
}
