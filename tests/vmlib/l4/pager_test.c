/*
 * Page faults served by a user-level pager: a task whose pager is a thread of the root task
 * touches pages it has never had; each fault arrives at the pager as an IPC from the faulting
 * thread with the fault address, the write bit and the faulting EIP; the pager's map reply
 * installs the page and the instruction restarts. Data written through the mapping is the
 * pager's own page.
 */
#include "l4test.h"

#define CHILD_TASK 5u

L4T_PAGE(page_a);
L4T_PAGE(page_b);
static volatile l4_word_t store_eip; /* EIP of the child's first store to page_b */

static void child(void)
{
    l4_word_t v = page_a[5];   /* read fault on page_a */
    page_b[7] = v + 1;         /* write fault on page_b */
    page_b[8] = 0x5A5A;        /* no fault: the page is there, writable */
    l4t_call(L4T_ROOT, v, page_b[7], 0);
    l4t_sleep_forever();
}

/* The same store as in child(), with a label on the instruction so the test knows its EIP. */
static void child_store(void)
{
    __asm__ __volatile__(".globl child_store_insn\n"
                         "child_store_insn: movl $0x77, page_c\n" ::: "memory");
    l4t_call(L4T_ROOT, 0, 0, 0);
    l4t_sleep_forever();
}
L4T_PAGE(page_c);
extern char child_store_insn[];

#define HELD 0x00A00000u   /* a page the child has (from its pager) */
#define ABSENT 0x00B00000u /* a page the root never touched: it has no mapping there */

/* Gets HELD by a fault, then receives a map of a page its mapper lacks into a window at HELD. */
static void child_unmapped_map(void)
{
    (void)*(volatile l4_word_t *)HELD;
    l4_msg_t m = l4_msg(0, 0, 0), r;
    l4_word_t res = l4_ipc_call(L4T_ROOT, L4_IPC_SHORT_MSG, &m, l4_rcv_window(l4_fpage(HELD, L4_PAGESHIFT, 1, 0)), &r,
                                L4_IPC_NEVER);
    (void)*(volatile l4_word_t *)HELD; /* faults again if the map removed the page */
    l4t_call(L4T_ROOT, res, 0, 0);
    l4t_sleep_forever();
}

int main(void)
{
    l4_threadid_t pager = l4t_start_pager();
    page_a[5] = 0x1234;
    l4_threadid_t c = l4t_spawn(CHILD_TASK, child, pager);
    l4_msg_t m = l4t_wait_for(c);
    CHECK(m.w[0] == 0x1234, "the child reads the pager's data through the mapped page");
    CHECK(page_b[7] == 0x1235 && page_b[8] == 0x5A5A, "the child's stores land in the pager's page");
    CHECK(l4t_faults(L4_ROOT_TASK, (l4_word_t)page_a, CHILD_TASK) == 1, "one fault on the read page");
    CHECK(l4t_faults(L4_ROOT_TASK, (l4_word_t)page_b, CHILD_TASK) == 1, "one fault on the written page");
    struct l4t_fault_log *log = &l4t_log[L4_ROOT_TASK];
    int a_read = 0, b_write = 0, exact_addr = 0;
    for (unsigned i = 0; i < log->n; i++) {
        if ((log->addr[i] & ~0xFFFu) == (l4_word_t)page_a) a_read = log->write[i] == 0;
        if ((log->addr[i] & ~0xFFFu) == (l4_word_t)page_b) {
            b_write = log->write[i] != 0;
            exact_addr = log->addr[i] == (l4_word_t)&page_b[7];
        }
    }
    CHECK(a_read, "a load faults without the write bit");
    CHECK(b_write, "a store faults with the write bit (word0 bit 1)");
    CHECK(exact_addr, "word0 carries the faulting address itself (bits 31..2)");
    l4t_reply(c, 0, 0, 0);

    /* The fault's EIP is the faulting instruction, and the instruction restarts after the map. */
    l4_threadid_t c2 = l4t_spawn(CHILD_TASK + 1, child_store, pager);
    l4t_wait_for(c2);
    unsigned idx = log->n;
    int eip_ok = 0;
    for (unsigned i = 0; i < idx; i++)
        if ((log->addr[i] & ~0xFFFu) == (l4_word_t)page_c) eip_ok = log->eip[i] == (l4_word_t)child_store_insn;
    CHECK(eip_ok, "word1 of the fault IPC is the EIP of the faulting store");
    CHECK(page_c[0] == 0x77, "the faulting store is executed again after the pager's reply");
    l4t_reply(c2, 0, 0, 0);

    /* Mapping a page the mapper does not have removes the receiver's page there [S1]. */
    l4_threadid_t c3 = l4t_spawn(CHILD_TASK + 2, child_unmapped_map, pager);
    l4t_wait_for(c3);
    CHECK(l4t_faults(L4_ROOT_TASK, HELD, CHILD_TASK + 2) == 1, "the child faulted once on HELD");
    l4_msg_t map = l4_msg(ABSENT, l4_fpage(ABSENT, L4_PAGESHIFT, 1, 0).raw, 0);
    CHECK(l4_ipc_send(c3, L4_IPC_SHORT_FPAGE, &map, L4_IPC_NEVER) == 0, "the map of an absent page is sent");
    m = l4t_wait_for(c3);
    CHECK(m.w[0] == L4_IPC_FPAGE_RECEIVED, "the child's call returns with a received fpage");
    CHECK(l4t_faults(L4_ROOT_TASK, HELD, CHILD_TASK + 2) == 2,
          "mapping a page the mapper lacks unmapped HELD in the child: it faulted again");
    l4_printf("pager: %u faults served\n", log->n);
    return l4t_finish("pager");
}
