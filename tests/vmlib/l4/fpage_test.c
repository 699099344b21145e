/*
 * Flexpages larger than a page and the sigma0 protocol.
 *  - The root maps a 512 KB fpage (128 pages) into a child's receive window at another address
 *    in one map item; the child reads every page without a fault.
 *  - The root then write-protects 100 of them as SawMill's Prot100 does, with three fpages of
 *    64 + 32 + 4 pages (fpage_unmap w = 0); the child's stores fault on exactly those 100 pages.
 *  - sigma0: memory information, any free page, a page by address (idempotent for its owner) and
 *    the refusal of a page that another task owns.
 */
#include "l4test.h"

#define CHILD_TASK 5u
#define SRC 0x00C00000u  /* the root's 128 pages (512 KB aligned) */
#define WIN 0x01000000u  /* where the child receives them */
#define PAGES 128u
#define PROT_PAGES 100u
#define ANY_WIN 0x01800000u

static volatile unsigned child_bad_reads;

static void child(void)
{
    l4_msg_t m = l4_msg(0, 0, 0), r;
    l4_word_t res = l4_ipc_call(L4T_ROOT, L4_IPC_SHORT_MSG, &m, l4_rcv_window(l4_fpage(WIN, 19, 1, 0)), &r, L4_IPC_NEVER);
    unsigned bad = 0;
    for (unsigned i = 0; i < PAGES; i++)
        if (((volatile l4_word_t *)(WIN + i * L4_PAGESIZE))[0] != 0xF000u + i) bad++;
    l4t_call(L4T_ROOT, res, bad, 0);
    for (unsigned i = 0; i < PAGES; i++) ((volatile l4_word_t *)(WIN + i * L4_PAGESIZE))[1] = i;
    l4t_call(L4T_ROOT, 0, 0, 0);
    /* A page that sigma0 gave the root: sigma0 must refuse it to us. */
    m = l4_msg(SRC, 0, 0);
    res = l4_ipc_call(L4_SIGMA0_ID, L4_IPC_SHORT_MSG, &m, l4_rcv_window(l4_fpage(ANY_WIN, 12, 1, 0)), &r, L4_IPC_NEVER);
    l4t_call(L4T_ROOT, res, r.w[1], 0);
    l4t_sleep_forever();
}

int main(void)
{
    for (unsigned i = 0; i < PAGES; i++) ((volatile l4_word_t *)(SRC + i * L4_PAGESIZE))[0] = 0xF000u + i;
    l4_threadid_t pager = l4t_start_pager();
    l4_threadid_t c = l4t_spawn(CHILD_TASK, child, pager);
    l4t_wait_for(c);
    l4_msg_t map = l4_msg(SRC, l4_fpage(SRC, 19, 1, 0).raw, 0);
    CHECK(l4_ipc_send(c, L4_IPC_SHORT_FPAGE, &map, L4_IPC_NEVER) == 0, "a 512 KB fpage is sent in one map item");
    l4_msg_t m = l4t_wait_for(c);
    CHECK(m.w[0] == L4_IPC_FPAGE_RECEIVED, "the child received an fpage");
    CHECK(m.w[1] == 0, "the child reads all 128 pages at the window address with the root's data");
    unsigned faults = 0;
    for (unsigned i = 0; i < PAGES; i++) faults += l4t_faults(L4_ROOT_TASK, WIN + i * L4_PAGESIZE, CHILD_TASK);
    CHECK(faults == 0, "reading the 128 received pages caused no fault");

    /* Prot100: 64 + 32 + 4 pages as three power-of-two fpages. */
    l4_fpage_unmap(l4_fpage(SRC, 18, 1, 0), L4_FP_REMAP_PAGE | L4_FP_OTHER_SPACES);
    l4_fpage_unmap(l4_fpage(SRC + 64 * L4_PAGESIZE, 17, 1, 0), L4_FP_REMAP_PAGE | L4_FP_OTHER_SPACES);
    l4_fpage_unmap(l4_fpage(SRC + 96 * L4_PAGESIZE, 14, 1, 0), L4_FP_REMAP_PAGE | L4_FP_OTHER_SPACES);
    l4t_reply(c, 0, 0, 0);
    m = l4t_wait_for(c);
    unsigned protected_faults = 0, other_faults = 0, write_faults = 0;
    for (unsigned i = 0; i < PAGES; i++) {
        unsigned n = l4t_faults(L4_ROOT_TASK, WIN + i * L4_PAGESIZE, CHILD_TASK);
        if (i < PROT_PAGES) protected_faults += n == 1;
        else other_faults += n;
    }
    struct l4t_fault_log *log = &l4t_log[L4_ROOT_TASK];
    for (unsigned i = 0; i < log->n && i < L4T_LOG_SIZE; i++)
        if (log->addr[i] >= WIN && log->addr[i] < WIN + PAGES * L4_PAGESIZE) write_faults += log->write[i] != 0;
    l4_printf("fpage: %u of %u write-protected pages faulted once, %u faults elsewhere\n", protected_faults, PROT_PAGES,
              other_faults);
    CHECK(protected_faults == PROT_PAGES, "every page in the three unmapped fpages faults once on a store");
    CHECK(other_faults == 0, "the 28 pages outside them take stores without a fault");
    CHECK(write_faults == PROT_PAGES, "all those faults are write faults");

    /* sigma0. */
    l4_msg_t q = l4_msg(L4_SIGMA0_MEMINFO, 0, 0), r;
    l4_ipc_call(L4_SIGMA0_ID, L4_IPC_SHORT_MSG, &q, L4_IPC_SHORT_MSG, &r, L4_IPC_NEVER);
    CHECK(r.w[0] > (16u << 20) && r.w[0] <= (64u << 20), "sigma0 reports the end of RAM (qemu -m 32)");
    CHECK(r.w[1] > (l4_word_t)&child_bad_reads && r.w[2] > r.w[1], "the kernel's reserved range lies above the user image");
    l4_word_t reserved_start = r.w[1], reserved_end = r.w[2], ram = r.w[0];
    q = l4_msg(L4_SIGMA0_ANY_PAGE, 0, 0);
    l4_word_t res = l4_ipc_call(L4_SIGMA0_ID, L4_IPC_SHORT_MSG, &q, l4_rcv_window(l4_fpage(ANY_WIN, 12, 1, 0)), &r,
                                L4_IPC_NEVER);
    CHECK(res == L4_IPC_FPAGE_RECEIVED && (r.w[0] & 0xFFFu) == 0 && r.w[0] < ram &&
              !(r.w[0] >= reserved_start && r.w[0] < reserved_end),
          "sigma0 maps any free page, outside the kernel's memory");
    *(volatile l4_word_t *)ANY_WIN = 0xA11;
    CHECK(*(volatile l4_word_t *)ANY_WIN == 0xA11, "the free page is writable at the window address");
    q = l4_msg(SRC, 0, 0);
    res = l4_ipc_call(L4_SIGMA0_ID, L4_IPC_SHORT_MSG, &q, l4_rcv_window(l4_fpage_whole_space()), &r, L4_IPC_NEVER);
    CHECK(res == L4_IPC_FPAGE_RECEIVED && r.w[0] == SRC, "sigma0 maps the owner's page again (idempotent)");
    CHECK(((volatile l4_word_t *)SRC)[0] == 0xF000u, "and the owner's data is still there");
    l4t_reply(c, 0, 0, 0);
    m = l4t_wait_for(c);
    CHECK(m.w[0] == 0 && m.w[1] == 0, "sigma0 refuses another task's page (no fpage in the reply)");
    return l4t_finish("fpage");
}
