/*
 * plat_exit: prints one line and stops with PLAT_EXIT_VALUE written to
 * sim-control EXIT (through main's return, or vmsim_exit() with
 * PLAT_EXIT_DIRECT), for tests/sim/platform_test.cpp. Prints
 *   exit: stopping with 0xVALUE
 */
#include <stdio.h>
#include <vmsim.h>

int main(void)
{
    printf("exit: stopping with 0x%x\n", (unsigned)PLAT_EXIT_VALUE);
#ifdef PLAT_EXIT_DIRECT
    vmsim_exit(PLAT_EXIT_VALUE);
#endif
    return PLAT_EXIT_VALUE;
}
