/*
 * The application side of SawMill: what runs in the application's L4 task
 * besides the program itself. Three threads share the task:
 *   lthread 0  the region mapper (rm.c): pager of the other two; its own pager
 *              is the main-memory manager, which pages it from the image
 *   lthread 1  the program (main), paged by the region mapper
 *   lthread 2  the fault-handler thread, paged by the region mapper: it runs
 *              the vmbench handler when the region mapper sends it a
 *              protection fault (an IPC upcall)
 * See ../README.md for the fault path.
 */
#ifndef SAWMILL_APP_H
#define SAWMILL_APP_H

#include <l4/l4.h>
#include <stdint.h>
#include <vmsim/vmbench.h>

#include "regionmap.h"
#include "sawmill/dsm.h"
#include "sawmill/fatal.h"
#include "sawmill/tasks.h"

/* Where attach places dataspaces (above the program image, below the kernel). */
#define SM_ATTACH_BASE 0x10000000u
#define SM_ATTACH_END 0xB0000000u

#define SM_LTHREAD_RM 0u
#define SM_LTHREAD_MAIN 1u
#define SM_LTHREAD_HANDLER 2u

/* The handler thread tells the region mapper it is done with this word0 (bit 0
 * set: not a page fault). */
#define SM_UPCALL_DONE SM_DSM_WORD0(0u, 0u)

extern struct sm_regionmap sm_regions;

/* What the region mapper did (read by the guest tests; the program and the
 * region mapper share the address space; volatile: another thread writes it,
 * while the reader's fault is being served). */
struct sm_rm_stats {
    uint32_t forwarded;      /* faults forwarded to a dataspace manager */
    uint32_t last_forwarded; /* the page of the last one */
    uint32_t upcalls;        /* protection faults sent to the handler thread */
};
extern volatile struct sm_rm_stats sm_rm_stats;
extern l4_threadid_t sm_rm, sm_handler_thread, sm_mm, sm_anon;
extern vm_fault_handler_t sm_user_handler;

/* A request to a dataspace manager; returns the reply's status word (word0 of
 * a register reply, word2 of a map reply) or SM_ENOSYS when the IPC failed.
 * With window != 0 (an fpage's raw word) a map is accepted into it, and
 * *mapped tells whether one came. */
uint32_t sm_dsm_call(l4_threadid_t manager, uint32_t op, uint32_t ds, uint32_t w1, uint32_t w2,
                     l4_word_t window, l4_msg_t *reply, int *mapped);

/* The region mapper's loop (never returns). */
void sm_rm_serve(void) __attribute__((noreturn));


#endif /* SAWMILL_APP_H */
