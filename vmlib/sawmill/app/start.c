/*
 * Start-up of the application task: the task's first thread (lthread 0, started
 * by the root task's task_new at _start, paged by the main-memory manager)
 * builds the region map, starts the program thread and the fault-handler
 * thread with itself as their pager, and becomes the region mapper.
 */
#include "app.h"

l4_threadid_t sm_rm, sm_handler_thread, sm_mm, sm_anon;

int main(void);

/* Stacks of the other two threads (lthread 0 runs on the one crt0.S sets). */
static uint32_t main_stack[4096] __attribute__((aligned(16)));
static uint32_t handler_stack[2048] __attribute__((aligned(16)));

extern char __image_start[], __image_end[]; /* app.ld */

static void __attribute__((noreturn)) main_thread(void)
{
    l4_kd_exit((l4_word_t)main());
}

/* Waits for an upcall from the region mapper, runs the program's handler, and
 * reports back (which also waits for the next upcall). */
static void __attribute__((noreturn)) handler_thread(void)
{
    l4_msg_t m;
    l4_ipc_receive(sm_rm, L4_IPC_SHORT_MSG, &m, L4_IPC_NEVER);
    for (;;) {
        sm_user_handler((void *)L4_PF_ADDR(m.w[0]), L4_PF_IS_WRITE(m.w[0]));
        l4_msg_t done = l4_msg(SM_UPCALL_DONE, 0, 0);
        l4_ipc_call(sm_rm, L4_IPC_SHORT_MSG, &done, L4_IPC_SHORT_MSG, &m, L4_IPC_NEVER);
    }
}

/* The top of a stack for a thread entered at a function: one empty slot where
 * the function expects its return address. */
#define STACK_TOP(s) ((l4_word_t)((s) + sizeof(s) / sizeof((s)[0]) - 4))

void __attribute__((noreturn)) sm_app_start(void)
{
    /* This thread's pager is the main-memory manager (root task, lthread 0);
     * the anonymous-memory manager is lthread 1 there. */
    l4_exregs_t old;
    l4_lthread_ex_regs(SM_LTHREAD_RM, L4_NO_CHANGE, L4_NO_CHANGE, (l4_threadid_t){.raw = L4_NO_CHANGE}, &old);
    sm_mm = old.pager;
    sm_anon = l4_sibling(sm_mm, 1);
    sm_rm = sm_myself();
    sm_handler_thread = l4_sibling(sm_rm, SM_LTHREAD_HANDLER);

    /* The program image: the main-memory manager's image dataspace of this task
     * (identify with size 0 names it), at the addresses it was linked for. */
    l4_msg_t reply;
    uint32_t start = (uint32_t)__image_start & ~(L4_PAGESIZE - 1);
    uint32_t end = ((uint32_t)__image_end + L4_PAGESIZE - 1) & ~(L4_PAGESIZE - 1);
    sm_rm_init(&sm_regions, SM_ATTACH_BASE, SM_ATTACH_END);
    if (sm_dsm_call(sm_mm, SM_DS_IDENTIFY, 0, 0, 0, 0, &reply, 0) != SM_OK)
        sm_fatal("sawmill: no image dataspace, status", reply.w[0]);
    uint32_t image = reply.w[1];
    if (sm_dsm_call(sm_mm, SM_DS_OPEN, image, 0, SM_RIGHT_R | SM_RIGHT_W, 0, &reply, 0) != SM_OK ||
        !sm_rm_attach(&sm_regions, start, (end - start) >> L4_PAGESHIFT, sm_mm.raw, image, 0,
                      SM_RIGHT_R | SM_RIGHT_W))
        sm_fatal("sawmill: cannot attach the image at", start);

    l4_lthread_ex_regs(SM_LTHREAD_HANDLER, (l4_word_t)handler_thread, STACK_TOP(handler_stack), sm_rm, 0);
    l4_lthread_ex_regs(SM_LTHREAD_MAIN, (l4_word_t)main_thread, STACK_TOP(main_stack), sm_rm, 0);
    sm_rm_serve();
}
