/* aegis user runtime: system call stubs. A system call is a function call:
 * v0 = number, a0..a3 = arguments, v0 = result. */
#include <aegis/abi.h>
        .text
        .set    noreorder
#define SYSCALL(name, num) \
        .globl name; .ent name; name: li $2, num; syscall; jr $31; nop; .end name
SYSCALL(aegis_cputs, AEGIS_SYS_CPUTS)
SYSCALL(aegis_page_alloc, AEGIS_SYS_PAGE_ALLOC)
SYSCALL(aegis_page_free, AEGIS_SYS_PAGE_FREE)
SYSCALL(aegis_page_setcap, AEGIS_SYS_PAGE_SETCAP)
SYSCALL(aegis_tlb_write, AEGIS_SYS_TLB_WRITE)
SYSCALL(aegis_tlb_flush, AEGIS_SYS_TLB_FLUSH)
SYSCALL(aegis_stlb_probe, AEGIS_SYS_STLB_PROBE)
SYSCALL(aegis_stlb_update, AEGIS_SYS_STLB_UPDATE)
SYSCALL(aegis_tlb_write_n, AEGIS_SYS_TLB_WRITE_N)
SYSCALL(aegis_tlb_write_range, AEGIS_SYS_TLB_WRITE_RANGE)
SYSCALL(aegis_set_handlers, AEGIS_SYS_SET_HANDLERS)
SYSCALL(aegis_set_exc_handler, AEGIS_SYS_SET_EXC_HANDLER)
SYSCALL(aegis_guarantee, AEGIS_SYS_GUARANTEE)
SYSCALL(aegis_region, AEGIS_SYS_REGION)
SYSCALL(aegis_counter, AEGIS_SYS_COUNTER)
SYSCALL(aegis_info, AEGIS_SYS_INFO)
SYSCALL(aegis_yield, AEGIS_SYS_YIELD)
SYSCALL(aegis_exit, AEGIS_SYS_EXIT)
