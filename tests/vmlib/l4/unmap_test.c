/*
 * Recursive unmap through the mapping database. The root task A has page P; task B (paged by A)
 * gets P by a fault; task C (paged by a thread of B) gets P from B. Then:
 *  - A flushes P from the others (fpage_unmap w = 1, f = 0): C faults again, B's pager faults
 *    again too (B lost P as well), and C sees A's data once more;
 *  - A downgrades P (w = 0): reads go on without faults, a store by C faults with the write bit
 *    at B's pager, whose own store faults at A's pager; re-mapping lifts the rights again;
 *  - B flushes P including its own mapping (f = 1): B and C both fault again.
 */
#include "l4test.h"

#define TASK_B 5u
#define TASK_C 6u
enum { CMD_READ = 1, CMD_WRITE, CMD_FLUSH_SELF, CMD_READ_NOFAULT };

L4T_PAGE(page_p);

static void task_c(void)
{
    l4_msg_t cmd = l4t_call(L4T_ROOT, page_p[0], 0, 0);
    for (;;) {
        l4_word_t v = 0;
        if (cmd.w[0] == CMD_READ || cmd.w[0] == CMD_READ_NOFAULT) v = page_p[0];
        if (cmd.w[0] == CMD_WRITE) {
            page_p[1] = cmd.w[1];
            v = page_p[1];
        }
        cmd = l4t_call(L4T_ROOT, v, 0, 0);
    }
}

static void task_b(void)
{
    l4_word_t v = page_p[0];
    l4_threadid_t my_pager = l4t_start_pager();
    l4t_spawn(TASK_C, task_c, my_pager);
    l4_msg_t cmd = l4t_call(L4T_ROOT, v, 0, 0);
    for (;;) {
        if (cmd.w[0] == CMD_FLUSH_SELF) {
            l4_fpage_unmap(l4_fpage((l4_word_t)page_p, L4_PAGESHIFT, 1, 0), L4_FP_FLUSH_PAGE | L4_FP_ALL_SPACES);
            v = page_p[0];
        }
        cmd = l4t_call(L4T_ROOT, v, 0, 0);
    }
}

int main(void)
{
    l4_word_t P = (l4_word_t)page_p;
    l4_threadid_t b = l4_make_id(TASK_B, 0, 0), c = l4_make_id(TASK_C, 0, 0);
    page_p[0] = 0x1111;
    l4_threadid_t pager = l4t_start_pager();
    l4t_spawn(TASK_B, task_b, pager);
    /* Both B and C report their first read of P (C is created by B, so either comes first). */
    l4_msg_t mb = l4t_wait_for(b), mc = l4t_wait_for(c);
    CHECK(mb.w[0] == 0x1111 && mc.w[0] == 0x1111, "B got P from A, C got P from B (A -> B -> C)");
    CHECK(l4t_faults(L4_ROOT_TASK, P, TASK_B) == 1, "B faulted once on P at A's pager");
    CHECK(l4t_faults(TASK_B, P, TASK_C) == 1, "C faulted once on P at B's pager");

    /* A flushes P from everyone it gave it to, directly or indirectly. */
    l4_fpage_unmap(l4_fpage(P, L4_PAGESHIFT, 1, 0), L4_FP_FLUSH_PAGE | L4_FP_OTHER_SPACES);
    CHECK(page_p[0] == 0x1111, "A keeps its own mapping (f = 0)");
    l4t_reply(c, CMD_READ, 0, 0);
    mc = l4t_wait_for(c);
    CHECK(mc.w[0] == 0x1111, "C reads A's data again after its new fault");
    CHECK(l4t_faults(TASK_B, P, TASK_C) == 2, "C's mapping (two levels down) was removed: C faulted again");
    CHECK(l4t_faults(L4_ROOT_TASK, P, TASK_B) == 2, "B's mapping was removed: B's pager faulted again");

    /* Downgrade to read-only in B and C. */
    l4_fpage_unmap(l4_fpage(P, L4_PAGESHIFT, 1, 0), L4_FP_REMAP_PAGE | L4_FP_OTHER_SPACES);
    l4t_reply(c, CMD_READ_NOFAULT, 0, 0);
    mc = l4t_wait_for(c);
    CHECK(mc.w[0] == 0x1111 && l4t_faults(TASK_B, P, TASK_C) == 2, "after the downgrade C still reads without a fault");
    l4t_reply(c, CMD_WRITE, 0x2222, 0);
    mc = l4t_wait_for(c);
    CHECK(mc.w[0] == 0x2222 && page_p[1] == 0x2222, "C's store completes after the pagers map P writable again");
    struct l4t_fault_log *lb = &l4t_log[TASK_B], *la = &l4t_log[L4_ROOT_TASK];
    unsigned nth = 0;
    int third_is_write = 0;
    for (unsigned i = 0; i < lb->n && i < L4T_LOG_SIZE; i++)
        if ((lb->addr[i] & ~0xFFFu) == P && l4_task_of((l4_threadid_t){.raw = lb->src[i]}) == TASK_C && ++nth == 3)
            third_is_write = lb->write[i] != 0;
    CHECK(nth == 3 && third_is_write, "C's store after the downgrade faulted with the write bit at B's pager");
    CHECK(la->write[la->n - 1] != 0 && (la->addr[la->n - 1] & ~0xFFFu) == P &&
              l4_task_of((l4_threadid_t){.raw = la->src[la->n - 1]}) == TASK_B,
          "B's pager's store faulted with the write bit at A's pager (B was downgraded too)");

    /* B flushes P from itself and from C (f = 1). */
    unsigned a_before = l4t_faults(L4_ROOT_TASK, P, TASK_B), b_before = l4t_faults(TASK_B, P, TASK_C);
    l4t_reply(b, CMD_FLUSH_SELF, 0, 0);
    mb = l4t_wait_for(b);
    CHECK(mb.w[0] == 0x1111 && l4t_faults(L4_ROOT_TASK, P, TASK_B) == a_before + 1, "with f = 1 B unmaps its own page and faults on it");
    l4t_reply(c, CMD_READ, 0, 0);
    mc = l4t_wait_for(c);
    CHECK(mc.w[0] == 0x1111 && l4t_faults(TASK_B, P, TASK_C) == b_before + 1, "and C, below B, lost it as well");
    return l4t_finish("unmap");
}
