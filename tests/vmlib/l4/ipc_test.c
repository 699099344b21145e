/*
 * IPC between two address spaces and inside one: call/reply-and-wait ping-pong with a server in
 * another task (each message checked), send/receive with timeout 0 and a finite timeout, a
 * closed receive that ignores another sender, errors for a thread that does not exist, and
 * preemption by the timer (a thread spinning without system calls does not stop the others).
 */
#include "l4test.h"

#define ROUNDS 1000u
#define SERVER_TASK 5u

static volatile unsigned spin_flag, spinner_progress;

/* Task 5: answers every call with (w0 + 1, w1 ^ 0xFFFF, sender id). */
static l4_word_t echo(l4_threadid_t src, const l4_msg_t *m, l4_msg_t *reply)
{
    *reply = l4_msg(m->w[0] + 1, m->w[1] ^ 0xFFFFu, src.raw);
    return L4_IPC_SHORT_MSG;
}

static void echo_server(void) { l4t_serve(echo); }

/* Root lthread 2: sends one message to root's main thread, then sleeps. */
static void other_sender(void)
{
    l4_msg_t m = l4_msg(0xAB, 0xCD, 0xEF);
    l4_ipc_send(L4T_ROOT, L4_IPC_SHORT_MSG, &m, L4_IPC_NEVER);
    l4t_sleep_forever();
}

/* Root lthread 3: spins (no system calls) until the main thread sets the flag. */
static void spinner(void)
{
    while (!spin_flag) spinner_progress++;
    l4t_sleep_forever();
}

int main(void)
{
    l4_threadid_t me = l4_myself();
    CHECK(me.raw == L4T_ROOT.raw, "the root task's main thread is task 4, lthread 0");
    l4_threadid_t pager = l4t_start_pager();
    l4_threadid_t server = l4t_spawn(SERVER_TASK, echo_server, pager);
    CHECK(l4_task_of(server) == SERVER_TASK && l4_lthread_of(server) == 0, "task_new returns lthread 0 of the new task");

    /* Ping-pong across address spaces. */
    unsigned good = 0;
    for (unsigned i = 0; i < ROUNDS; i++) {
        l4_msg_t m = l4_msg(i, i * 7u, 0), r;
        l4_threadid_t src;
        l4_word_t res = l4_ipc(server, L4_IPC_SHORT_MSG, &m, L4_IPC_SHORT_MSG, &r, &src, L4_IPC_NEVER);
        if (!L4_IPC_IS_ERROR(res) && src.raw == server.raw && r.w[0] == i + 1 && r.w[1] == ((i * 7u) ^ 0xFFFFu) &&
            r.w[2] == me.raw)
            good++;
    }
    l4_printf("ipc: %u of %u round trips to task 5 correct\n", good, ROUNDS);
    CHECK(good == ROUNDS, "every call to the server in task 5 got its own reply, with the right ids");

    /* Timeouts and errors. */
    l4_msg_t m = l4_msg(1, 2, 3), r;
    CHECK(l4_ipc_send(l4_make_id(4, 9, 0), L4_IPC_SHORT_MSG, &m, L4_IPC_SEND_TIMEOUT_0) == L4_IPC_ENOT_EXISTENT,
          "send to a thread that does not exist fails with ENOT_EXISTENT");
    l4_threadid_t sleeper = l4t_start_thread(4, l4t_sleep_forever);
    l4_thread_switch(sleeper); /* let it block in its closed receive from nil */
    CHECK(l4_ipc_send(sleeper, L4_IPC_SHORT_MSG, &m, L4_IPC_SEND_TIMEOUT_0) == L4_IPC_SETIMEOUT,
          "send with timeout 0 to a thread that is not receiving from us fails with SETIMEOUT");
    CHECK(l4_ipc_receive(server, L4_IPC_SHORT_MSG, &r, L4_IPC_RECV_TIMEOUT_0) == L4_IPC_RETIMEOUT,
          "receive with timeout 0 when nobody sends fails with RETIMEOUT");
    CHECK(l4_ipc_receive(server, L4_IPC_SHORT_MSG, &r, L4_IPC_TIMEOUT(0, 0, 20, 10, 0, 0)) == L4_IPC_RETIMEOUT,
          "receive with a 20 ms timeout when nobody sends ends with RETIMEOUT");

    /* Closed receive: a message from lthread 2 waits while we receive from the server only. */
    l4_threadid_t other = l4t_start_thread(2, other_sender);
    l4_thread_switch(other); /* let it block in its send to us */
    CHECK(l4_ipc_receive(server, L4_IPC_SHORT_MSG, &r, L4_IPC_RECV_TIMEOUT_0) == L4_IPC_RETIMEOUT,
          "a closed receive from the server does not take a queued message from another thread");
    l4_threadid_t src;
    l4_word_t res = l4_ipc_wait(&src, L4_IPC_SHORT_MSG, &r, L4_IPC_NEVER);
    CHECK(res == 0 && src.raw == other.raw && r.w[0] == 0xAB && r.w[1] == 0xCD && r.w[2] == 0xEF,
          "an open receive then takes the queued message with its sender id");

    /* Preemption: the spinner never enters the kernel; we still get the CPU back. */
    l4t_start_thread(3, spinner);
    unsigned seen = 0;
    for (unsigned i = 0; i < 100000000u && seen == 0; i++) seen = spinner_progress;
    CHECK(seen != 0, "a spinning thread and the main thread share the CPU (timer preemption)");
    spin_flag = 1;
    return l4t_finish("ipc");
}
