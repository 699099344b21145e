/*
 * Read-only mappings. The pager maps page R read-only (w = 0 in the send fpage) even when the
 * child's fault is a store: the child's loads work, its store faults again with the write bit,
 * and only when the pager maps R writable (a second map of the same page extends the rights)
 * does the store complete.
 */
#include "l4test.h"

#define CHILD_TASK 5u

L4T_PAGE(page_r);

static void child(void)
{
    l4_word_t v = page_r[0]; /* read fault: mapped read-only */
    l4t_call(L4T_ROOT, v, 0, 0);
    page_r[1] = 0x99;        /* store: faults (read-only) until the pager maps it writable */
    l4t_call(L4T_ROOT, page_r[1], 0, 0);
    l4t_sleep_forever();
}

int main(void)
{
    l4_word_t R = (l4_word_t)page_r;
    page_r[0] = 0x4242;
    l4t_pager_read_only(R);
    l4_threadid_t pager = l4t_start_pager();
    l4_threadid_t c = l4t_spawn(CHILD_TASK, child, pager);
    l4_msg_t m = l4t_wait_for(c);
    CHECK(m.w[0] == 0x4242, "the child reads the read-only page");
    CHECK(l4t_faults(L4_ROOT_TASK, R, CHILD_TASK) == 1, "one (read) fault so far");
    /* Let the child store: it faults with the write bit, gets R read-only again and refaults,
     * until we allow writing. Wait for three write faults first. */
    l4t_reply(c, 0, 0, 0);
    struct l4t_fault_log *log = &l4t_log[L4_ROOT_TASK];
    for (unsigned i = 0; i < 100000u && l4t_faults(L4_ROOT_TASK, R, CHILD_TASK) < 3; i++) l4_thread_switch(L4_NIL_ID);
    CHECK(l4t_faults(L4_ROOT_TASK, R, CHILD_TASK) >= 3, "the store keeps faulting while the pager maps R read-only");
    CHECK(page_r[1] == 0, "the store to the read-only page has not happened");
    int all_write = 1;
    for (unsigned i = 0; i < log->n; i++)
        if ((log->addr[i] & ~0xFFFu) == R && i > 0 && l4_task_of((l4_threadid_t){.raw = log->src[i]}) == CHILD_TASK &&
            log->addr[i] == (l4_word_t)&page_r[1] && log->write[i] == 0)
            all_write = 0;
    CHECK(all_write, "each refault of the store carries the write bit");
    l4t_pager_allow_write(R);
    m = l4t_wait_for(c);
    CHECK(m.w[0] == 0x99 && page_r[1] == 0x99, "the store completes once the pager maps R writable");
    return l4t_finish("readonly");
}
