/*
 * vmsim guest runtime: the default C exception handler. Programs that define
 * their own vmsim_exception() do not link this one.
 */
#include <stdio.h>
#include <vmsim.h>

__attribute__((weak)) void vmsim_exception(struct vmsim_trapframe *tf)
{
    printf("unhandled exception: ExcCode=%u EPC=0x%08x BadVAddr=0x%08x Cause=0x%08x\n",
           (unsigned)VMSIM_CAUSE_EXCCODE(tf->cause), (unsigned)tf->epc,
           (unsigned)tf->badvaddr, (unsigned)tf->cause);
    vmsim_exit(VMSIM_EXIT_UNHANDLED);
}
