/*
 * Helpers of the l4 kernel's guest tests (root-task programs run under qemu-system-i386, see
 * CMakeLists.txt here): checks that print one line each, a user-level pager thread that logs every
 * fault it serves, and task/thread start-up.
 *
 * All tasks run code and data of the one image; a pager maps its own pages 1:1, so the static
 * data below is physically shared by every task it reaches. Each thread therefore gets its own
 * stack (by task and lthread), and each task's pager logs into its own slot.
 */
#ifndef L4TEST_H
#define L4TEST_H

#include <l4/user.h>

#define L4T_MAX_TASKS 8u
#define L4T_MAX_LTHREADS 6u
#define L4T_LOG_SIZE 256u
#define L4T_PAGER_LTHREAD 1u
#define L4T_STACK_SIZE 4096u

/* One line "ok: what" or "FAIL: what (file:line)"; counts failures. */
#define CHECK(cond, what) l4t_check((cond) != 0, (what), __FILE__, __LINE__)
void l4t_check(int ok, const char *what, const char *file, int line);
/* Prints "l4test NAME: PASS" (or FAIL with the count) and returns the exit status (0 = pass). */
int l4t_finish(const char *name);

/* The faults one task's pager served. */
struct l4t_fault_log {
    volatile unsigned n;
    volatile l4_word_t addr[L4T_LOG_SIZE], eip[L4T_LOG_SIZE], src[L4T_LOG_SIZE], write[L4T_LOG_SIZE];
};
extern struct l4t_fault_log l4t_log[L4T_MAX_TASKS];

/* Number of faults logged by task `pager_task`'s pager for address page `addr` from task `from`
 * (any task if from == 0). */
unsigned l4t_faults(unsigned pager_task, l4_word_t addr, unsigned from);

/* Pages the pager maps read-only even on a write fault (until l4t_pager_allow_write). */
void l4t_pager_read_only(l4_word_t addr);
void l4t_pager_allow_write(l4_word_t addr);

/* A server loop: wait for a message, let handler fill the reply and return its send descriptor
 * (L4_IPC_SHORT_MSG or L4_IPC_SHORT_FPAGE), reply with send timeout 0 and wait for the next. */
typedef l4_word_t (*l4t_handler)(l4_threadid_t src, const l4_msg_t *msg, l4_msg_t *reply);
void l4t_serve(l4t_handler handler) __attribute__((noreturn));

/* Start lthread 1 of the calling task as its pager: it serves each fault by touching the page
 * itself (so its own pager provides it) and mapping it 1:1 with the rights of the fault. */
l4_threadid_t l4t_start_pager(void);
/* Start lthread n of the calling task at entry (own stack). */
l4_threadid_t l4t_start_thread(unsigned lthread, void (*entry)(void));
/* Create task `task` running entry (lthread 0, own stack) with the given pager. */
l4_threadid_t l4t_spawn(unsigned task, void (*entry)(void), l4_threadid_t pager);

/* Child/parent synchronisation by IPC: call parent with three words and get its reply. */
l4_msg_t l4t_call(l4_threadid_t to, l4_word_t w0, l4_word_t w1, l4_word_t w2);
/* Wait for a call from `from` (closed receive) and return its message. */
l4_msg_t l4t_wait_for(l4_threadid_t from);
/* Reply to a waiting caller. */
void l4t_reply(l4_threadid_t to, l4_word_t w0, l4_word_t w1, l4_word_t w2);
/* Block forever (a child at its end). */
void l4t_sleep_forever(void) __attribute__((noreturn));

#define L4T_ROOT l4_make_id(L4_ROOT_TASK, 0, 0)
#define L4T_PAGE(name) static volatile l4_word_t name[1024] __attribute__((aligned(4096)))

#endif
