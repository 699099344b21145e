/*
 * Grant, and map into a receive window. Task A (paged by the root) has page P; it grants P to
 * task B, which receives it into a window at another address W. Then B sees A's data at W,
 * A no longer has P (its next access faults at its pager), and since the granted mapping keeps
 * its place in the mapping tree, the root's unmap of P removes it from B as well.
 */
#include "l4test.h"

#define TASK_A 5u
#define TASK_B 6u
#define WINDOW 0x00800000u /* where B receives the page: not P's address */

L4T_PAGE(page_p);

static void task_b(void)
{
    l4_threadid_t a = l4_make_id(TASK_A, 0, 0);
    l4_msg_t m;
    l4_word_t res = l4_ipc_receive(a, l4_rcv_window(l4_fpage(WINDOW, L4_PAGESHIFT, 1, 0)), &m, L4_IPC_NEVER);
    volatile l4_word_t *w = (volatile l4_word_t *)WINDOW;
    l4_msg_t cmd = l4t_call(L4T_ROOT, res, w[0], 0);
    /* After the root's unmap: W faults at B's pager, which maps its own (different) page. */
    (void)cmd;
    l4t_call(L4T_ROOT, w[0], 0, 0);
    l4t_sleep_forever();
}

static void task_a(void)
{
    page_p[0] = 0xCAFE; /* write fault: A gets P from the root */
    l4_threadid_t b = l4_make_id(TASK_B, 0, 0);
    l4_word_t res = l4_ipc_send_fpage(b, (l4_word_t)page_p, l4_fpage((l4_word_t)page_p, L4_PAGESHIFT, 1, 1), 0,
                                      L4_IPC_NEVER);
    l4_msg_t cmd = l4t_call(L4T_ROOT, res, 0, 0);
    (void)cmd;
    l4_word_t v = page_p[0]; /* P was granted away: fault at A's pager */
    l4t_call(L4T_ROOT, v, 0, 0);
    l4t_sleep_forever();
}

int main(void)
{
    l4_word_t P = (l4_word_t)page_p;
    l4_threadid_t a = l4_make_id(TASK_A, 0, 0), b = l4_make_id(TASK_B, 0, 0);
    l4_threadid_t pager = l4t_start_pager();
    (void)*(volatile l4_word_t *)WINDOW; /* the root's own page at W, different from P */
    l4t_spawn(TASK_B, task_b, pager);
    l4t_spawn(TASK_A, task_a, pager);
    l4_msg_t ma = l4t_wait_for(a), mb = l4t_wait_for(b);
    CHECK(ma.w[0] == 0, "A's grant IPC succeeds");
    CHECK(mb.w[0] == L4_IPC_FPAGE_RECEIVED, "B's receive reports a received fpage");
    CHECK(mb.w[1] == 0xCAFE, "B sees A's data at its window address");
    CHECK(l4t_faults(L4_ROOT_TASK, P, TASK_A) == 1, "A faulted once on P before the grant");
    CHECK(l4t_faults(L4_ROOT_TASK, WINDOW, TASK_B) == 0, "B did not fault on the window: the grant put the page there");
    l4t_reply(a, 0, 0, 0);
    ma = l4t_wait_for(a);
    CHECK(l4t_faults(L4_ROOT_TASK, P, TASK_A) == 2, "after the grant A no longer has P: it faults again");
    CHECK(ma.w[0] == 0xCAFE, "A gets P back from its pager, with the same data");

    /* The granted node stayed below the root's mapping of P: the root's flush reaches B. */
    l4_fpage_unmap(l4_fpage(P, L4_PAGESHIFT, 1, 0), L4_FP_FLUSH_PAGE | L4_FP_OTHER_SPACES);
    *(volatile l4_word_t *)WINDOW = 0x5EED;
    l4t_reply(b, 0, 0, 0);
    mb = l4t_wait_for(b);
    CHECK(l4t_faults(L4_ROOT_TASK, WINDOW, TASK_B) == 1, "the root's unmap of P removed B's granted page");
    CHECK(mb.w[0] == 0x5EED, "B's new fault at W maps the pager's own page at W");
    return l4t_finish("grant");
}
