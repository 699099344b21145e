/*
 * aegis test application for several environments under the timer (run as 3
 * environments; tests/vmlib/aegis_test.cpp sets the time slice). Each env, never
 * yielding:
 *   1. prints "sched-test: env N step K" for K = 0..3 with busy work between
 *      (each step lasts many time slices): under preemption every env prints
 *      its step 0 before any env's step 1;
 *   2. spins with every register it may use holding a known value, checking
 *      them all on each iteration (sched_asm.S): a preemption that does not give
 *      back every register, HI and LO is caught;
 *   3. the same with a `break` in each iteration, handled by a minimal
 *      forwarded-exception handler: preemptions then also land in the handler
 *      and in the xpage's return stub, which the kernel restarts or finishes
 *      (its line at the end counts both; the kernel itself runs with
 *      interrupts off).
 * Each env prints "sched-test: env N regs ok" / "traps ok" (or FAIL lines) and
 * "sched-test: env N done", and exits 0 when all passed.
 */
#include <stdio.h>
#include <aegis/sys.h>
#include "avm.h"

#define STEPS 4
#define STEP_WORK 60000  /* loop iterations per step: about 400000 cycles */
#define SPINS 20000
#define TRAPS 3000
#define EXC_BP 9

uint32_t sched_spin(uint32_t seed, uint32_t iterations, uint32_t with_break);

static volatile uint32_t sink, breaks;

static void on_break(struct aegis_xframe *xf, uint32_t cause, uint32_t badvaddr)
{
    (void)cause;
    (void)badvaddr;
    breaks++;
    xf->epc += 4; /* past the break */
}

int main(void)
{
    int env = aegis_info(AEGIS_INFO_ENV_ID), failures = 0;
    for (int k = 0; k < STEPS; k++) {
        printf("sched-test: env %d step %d\n", env, k);
        for (uint32_t i = 0; i < STEP_WORK; i++)
            sink += i ^ (uint32_t)env;
    }

    uint32_t left = sched_spin(0x1234567u * (uint32_t)(env + 1), SPINS, 0);
    if (left)
        printf("sched-test: env %d FAIL regs (%u iterations left)\n", env, (unsigned)left), failures++;
    else
        printf("sched-test: env %d regs ok\n", env);

    if (avm_init() || aegis_set_exc_handler(EXC_BP, on_break)) {
        printf("sched-test: env %d FAIL handlers\n", env);
        return 1;
    }
    left = sched_spin(0x89abcdeu * (uint32_t)(env + 1), TRAPS, 1);
    if (left || breaks != TRAPS)
        printf("sched-test: env %d FAIL traps (%u iterations left, %u breaks)\n", env, (unsigned)left,
               (unsigned)breaks),
            failures++;
    else
        printf("sched-test: env %d traps ok\n", env);
    printf("sched-test: env %d %s\n", env, failures ? "FAILED" : "done");
    return failures ? 1 : 0;
}
