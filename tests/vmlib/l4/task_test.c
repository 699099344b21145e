/*
 * Task and thread management: lthread_ex_regs reads and sets a thread's EIP/ESP and cancels its
 * blocked IPC; task_new with a nil pager deletes a task (its threads vanish, IPC to them fails,
 * its kernel memory returns: 300 create / fault / delete rounds do not exhaust the pool).
 */
#include "l4test.h"

#define CHILD_TASK 5u
#define ROUNDS 300u

L4T_PAGE(page_p);
static volatile unsigned redirected;
static char redirect_stack[1024] __attribute__((aligned(16)));

static void redirected_entry(void)
{
    redirected = 1;
    l4t_sleep_forever();
}

static void child(void)
{
    l4_word_t v = page_p[0] + page_p[512]; /* a fault at the root's pager */
    l4t_call(L4T_ROOT, v, 0, 0);            /* deleted while waiting for the reply */
    l4t_sleep_forever();
}

int main(void)
{
    l4_threadid_t pager = l4t_start_pager();

    /* ex_regs on a thread blocked in a closed receive. */
    l4_threadid_t sleeper = l4t_start_thread(2, l4t_sleep_forever);
    l4_thread_switch(sleeper);
    l4_exregs_t old;
    l4_lthread_ex_regs(2, (l4_word_t)redirected_entry, (l4_word_t)&redirect_stack[sizeof redirect_stack],
                       (l4_threadid_t){.raw = L4_NO_CHANGE}, &old);
    CHECK(old.eip >= (l4_word_t)l4t_sleep_forever && old.eip < (l4_word_t)l4t_sleep_forever + 64,
          "lthread_ex_regs returns the old EIP (inside the receive loop)");
    CHECK(old.pager.raw == L4_SIGMA0_ID.raw, "and the old pager (inherited from its creator, whose pager is sigma0)");
    l4_thread_switch(sleeper);
    CHECK(redirected == 1, "the thread's IPC was cancelled and it runs at the new EIP");

    /* Task deletion. */
    unsigned ok_rounds = 0;
    for (unsigned i = 0; i < ROUNDS; i++) {
        page_p[0] = i;
        l4_threadid_t c = l4t_spawn(CHILD_TASK, child, pager);
        if (l4_is_nil(c)) break;
        l4_msg_t m = l4t_wait_for(c);
        l4_threadid_t gone = l4_task_new(l4_make_id(CHILD_TASK, 0, 0), 0, 0, 0, L4_NIL_ID);
        l4_msg_t x = l4_msg(0, 0, 0);
        if (m.w[0] == i && l4_is_nil(gone) && l4_ipc_send(c, L4_IPC_SHORT_MSG, &x, L4_IPC_SEND_TIMEOUT_0) == L4_IPC_ENOT_EXISTENT)
            ok_rounds++;
    }
    l4_printf("task: %u of %u create/fault/delete rounds correct\n", ok_rounds, ROUNDS);
    CHECK(ok_rounds == ROUNDS, "a deleted task's thread no longer exists, and deleting frees its kernel memory");
    return l4t_finish("task");
}
