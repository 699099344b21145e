/*
 * The region mapper (seed 001, section 3.1): the pager of every application
 * thread. A page fault arrives as the kernel's page-fault IPC; the region map
 * translates the address into (manager, dataspace, offset) and the fault is
 * forwarded to the manager by a call whose receive window is the faulting page.
 * The region mapper shares the application's address space, so the manager's
 * map reply lands where the application faulted: the manager maps directly
 * (the seed's step 7), one map per fault, and the region mapper then answers
 * the faulting thread with an empty reply, after which the access restarts.
 * (It cannot leave the answer to the manager: a faulting thread waits, in a
 * closed receive, for its own pager only.)
 *
 * A fault on a page the application protected (vm_protect) never reaches a
 * manager: it is sent to the fault-handler thread as an IPC upcall, and the
 * faulting thread is answered when the handler reports back. Meanwhile the
 * region mapper keeps serving faults, so the handler's own page faults (its
 * stack, the program's data) are resolved as usual.
 */
#include "app.h"

struct sm_regionmap sm_regions;
vm_fault_handler_t sm_user_handler;
volatile struct sm_rm_stats sm_rm_stats;

uint32_t sm_dsm_call(l4_threadid_t manager, uint32_t op, uint32_t ds, uint32_t w1, uint32_t w2,
                     l4_word_t window, l4_msg_t *reply, int *mapped)
{
    l4_msg_t req = l4_msg(SM_DSM_WORD0(op, ds), w1, w2);
    l4_word_t r = l4_ipc_call(manager, L4_IPC_SHORT_MSG, &req,
                              window ? l4_rcv_window((l4_fpage_t){.raw = window}) : L4_IPC_SHORT_MSG, reply,
                              L4_IPC_NEVER);
    if (L4_IPC_IS_ERROR(r))
        return SM_ENOSYS;
    int got = (r & L4_IPC_FPAGE_RECEIVED) != 0;
    if (mapped)
        *mapped = got;
    return got ? reply->w[2] : reply->w[0];
}

/* Resolves a fault on an accessible page of region r: the manager maps it. */
static void forward(const struct sm_region *r, uint32_t addr, int write)
{
    uint32_t page = addr & ~(L4_PAGESIZE - 1);
    l4_msg_t reply;
    int mapped = 0;
    uint32_t status = sm_dsm_call((l4_threadid_t){.raw = r->manager}, SM_DS_PAGEIN, r->ds, r->offset + (page - r->start),
                                  write ? SM_RIGHT_W : SM_RIGHT_R, l4_fpage(page, L4_PAGESHIFT, 1, 0).raw,
                                  &reply, &mapped);
    if (status != SM_OK || !mapped)
        sm_fatal("sawmill rm: the dataspace manager did not map", addr);
}

void sm_rm_serve(void)
{
    l4_threadid_t client, waiting = L4_NIL_ID; /* the thread whose fault the handler has */
    l4_msg_t m;
    const l4_msg_t empty = l4_msg(0, 0, 0);
    l4_word_t r = l4_ipc_wait(&client, L4_IPC_SHORT_MSG, &m, L4_IPC_NEVER);
    for (;;) {
        if (L4_IPC_IS_ERROR(r)) {
            r = l4_ipc_wait(&client, L4_IPC_SHORT_MSG, &m, L4_IPC_NEVER);
            continue;
        }
        if (SM_DSM_IS_REQUEST(m.w[0])) {
            /* The handler is done: the faulting thread retries its access. */
            if (m.w[0] != SM_UPCALL_DONE || !l4_same_thread(client, sm_handler_thread) || l4_is_nil(waiting))
                sm_fatal("sawmill rm: unexpected message from", client.raw);
            l4_threadid_t to = waiting;
            waiting = L4_NIL_ID;
            r = l4_ipc_reply_and_wait(to, L4_IPC_SHORT_MSG, &empty, &client, L4_IPC_SHORT_MSG, &m,
                                      L4_IPC_SEND_TIMEOUT_0);
            continue;
        }
        uint32_t addr = L4_PF_ADDR(m.w[0]);
        int write = L4_PF_IS_WRITE(m.w[0]);
        const struct sm_region *region = sm_rm_lookup(&sm_regions, addr);
        if (!region)
            sm_fatal("sawmill rm: page fault outside every region at", addr);
        if (!sm_rm_allows(region, addr, write)) {
            if (!sm_user_handler || l4_same_thread(client, sm_handler_thread))
                sm_fatal("sawmill rm: protection fault with no handler to run it, at", addr);
            /* The upcall: fault address and access, and the faulting EIP. */
            sm_rm_stats.upcalls++;
            waiting = client;
            l4_msg_t upcall = l4_msg(m.w[0], m.w[1], 0);
            r = l4_ipc_reply_and_wait(sm_handler_thread, L4_IPC_SHORT_MSG, &upcall, &client, L4_IPC_SHORT_MSG, &m,
                                      L4_IPC_NEVER);
            continue;
        }
        sm_rm_stats.forwarded++;
        sm_rm_stats.last_forwarded = addr & ~(L4_PAGESIZE - 1);
        forward(region, addr, write);
        r = l4_ipc_reply_and_wait(client, L4_IPC_SHORT_MSG, &empty, &client, L4_IPC_SHORT_MSG, &m,
                                  L4_IPC_SEND_TIMEOUT_0);
    }
}
