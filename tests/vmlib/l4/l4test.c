/* Helpers of the l4 guest tests (l4test.h). */
#include "l4test.h"

struct l4t_fault_log l4t_log[L4T_MAX_TASKS];
static char stacks[L4T_MAX_TASKS][L4T_MAX_LTHREADS][L4T_STACK_SIZE] __attribute__((aligned(4096)));
static unsigned checks, failures;
static volatile l4_word_t read_only_pages[8];

void l4t_check(int ok, const char *what, const char *file, int line)
{
    checks++;
    if (ok) {
        l4_printf("ok: %s\n", what);
    } else {
        failures++;
        l4_printf("FAIL: %s (%s:%d)\n", what, file, line);
    }
}

int l4t_finish(const char *name)
{
    if (failures == 0) {
        l4_printf("l4test %s: %u checks\n", name, checks);
        l4_printf("l4test %s: PASS\n", name);
        return 0;
    }
    l4_printf("l4test %s: %u of %u checks FAILED\n", name, failures, checks);
    return 1;
}

unsigned l4t_faults(unsigned pager_task, l4_word_t addr, unsigned from)
{
    struct l4t_fault_log *log = &l4t_log[pager_task % L4T_MAX_TASKS];
    unsigned count = 0;
    for (unsigned i = 0; i < log->n && i < L4T_LOG_SIZE; i++)
        if ((log->addr[i] & ~0xFFFu) == (addr & ~0xFFFu) && (from == 0 || l4_task_of((l4_threadid_t){.raw = log->src[i]}) == from))
            count++;
    return count;
}

void l4t_pager_read_only(l4_word_t addr)
{
    for (unsigned i = 0; i < 8; i++)
        if (read_only_pages[i] == 0) {
            read_only_pages[i] = addr & ~0xFFFu;
            return;
        }
}

void l4t_pager_allow_write(l4_word_t addr)
{
    for (unsigned i = 0; i < 8; i++)
        if (read_only_pages[i] == (addr & ~0xFFFu)) read_only_pages[i] = 0;
}

static int is_read_only(l4_word_t page)
{
    for (unsigned i = 0; i < 8; i++)
        if (read_only_pages[i] == page) return 1;
    return 0;
}

void l4t_serve(l4t_handler handler)
{
    l4_threadid_t src;
    l4_msg_t m, reply;
    l4_word_t res = l4_ipc_wait(&src, L4_IPC_SHORT_MSG, &m, L4_IPC_NEVER);
    for (;;) {
        if (L4_IPC_IS_ERROR(res)) {
            res = l4_ipc_wait(&src, L4_IPC_SHORT_MSG, &m, L4_IPC_NEVER);
            continue;
        }
        l4_word_t desc = handler(src, &m, &reply);
        res = l4_ipc_reply_and_wait(src, desc, &reply, &src, L4_IPC_SHORT_MSG, &m, L4_IPC_SEND_TIMEOUT_0);
    }
}

/* The pager: log the fault, have the page ourselves first (our own pager provides it), map it. */
static l4_word_t serve_fault(l4_threadid_t src, const l4_msg_t *m, l4_msg_t *reply)
{
    struct l4t_fault_log *log = &l4t_log[l4_task_of(l4_myself()) % L4T_MAX_TASKS];
    l4_word_t page = L4_PF_ADDR(m->w[0]) & ~0xFFFu;
    int write = L4_PF_IS_WRITE(m->w[0]) && !is_read_only(page);
    unsigned i = log->n;
    if (i < L4T_LOG_SIZE) {
        log->addr[i] = L4_PF_ADDR(m->w[0]);
        log->eip[i] = m->w[1];
        log->src[i] = src.raw;
        log->write[i] = L4_PF_IS_WRITE(m->w[0]);
    }
    log->n = i + 1;
    if (write) *(volatile char *)page = *(volatile char *)page;
    else (void)*(volatile char *)page;
    *reply = l4_msg(page, l4_fpage(page, L4_PAGESHIFT, write, 0).raw, 0);
    return L4_IPC_SHORT_FPAGE;
}

static void pager_loop(void) { l4t_serve(serve_fault); }

static l4_word_t stack_top(unsigned task, unsigned lthread)
{
    return (l4_word_t)&stacks[task % L4T_MAX_TASKS][lthread % L4T_MAX_LTHREADS][L4T_STACK_SIZE];
}

l4_threadid_t l4t_start_thread(unsigned lthread, void (*entry)(void))
{
    l4_threadid_t me = l4_myself();
    l4_lthread_ex_regs(lthread, (l4_word_t)entry, stack_top(l4_task_of(me), lthread),
                       (l4_threadid_t){.raw = L4_NO_CHANGE}, 0);
    return l4_sibling(me, lthread);
}

l4_threadid_t l4t_start_pager(void) { return l4t_start_thread(L4T_PAGER_LTHREAD, pager_loop); }

l4_threadid_t l4t_spawn(unsigned task, void (*entry)(void), l4_threadid_t pager)
{
    return l4_task_new(l4_make_id(task, 0, 0), 0, stack_top(task, 0), (l4_word_t)entry, pager);
}

l4_msg_t l4t_call(l4_threadid_t to, l4_word_t w0, l4_word_t w1, l4_word_t w2)
{
    l4_msg_t m = l4_msg(w0, w1, w2), r = l4_msg(0, 0, 0);
    l4_word_t res = l4_ipc_call(to, L4_IPC_SHORT_MSG, &m, L4_IPC_SHORT_MSG, &r, L4_IPC_NEVER);
    if (L4_IPC_IS_ERROR(res)) l4_printf("l4t_call: ipc error %x\n", res);
    return r;
}

l4_msg_t l4t_wait_for(l4_threadid_t from)
{
    l4_msg_t m = l4_msg(0, 0, 0);
    l4_word_t res = l4_ipc_receive(from, L4_IPC_SHORT_MSG, &m, L4_IPC_NEVER);
    if (L4_IPC_IS_ERROR(res)) l4_printf("l4t_wait_for: ipc error %x\n", res);
    return m;
}

void l4t_reply(l4_threadid_t to, l4_word_t w0, l4_word_t w1, l4_word_t w2)
{
    l4_msg_t m = l4_msg(w0, w1, w2);
    l4_word_t res = l4_ipc_send(to, L4_IPC_SHORT_MSG, &m, L4_IPC_SEND_TIMEOUT_0);
    if (L4_IPC_IS_ERROR(res)) l4_printf("l4t_reply: ipc error %x\n", res);
}

void l4t_sleep_forever(void)
{
    for (;;) {
        l4_msg_t m;
        l4_ipc_receive(L4_NIL_ID, L4_IPC_SHORT_MSG, &m, L4_IPC_NEVER);
    }
}
