/* vmsim guest runtime: vmsim_exit(). */
#include <vmsim.h>

void vmsim_exit(int code)
{
    VMSIM_SIMCTL_REG(VMSIM_SIMCTL_EXIT) = (uint32_t)code;
    for (;;) /* the simulator stops at the write; never fall through */
        ;
}
