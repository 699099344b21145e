/*
 * The short cross-address-space IPC micro-check guest (ipc_cost_test.cpp measures its regions on
 * vmsim's timed Pentium; run_qemu.sh checks its behaviour on qemu and on the ISS). A client, the
 * root task's main thread, and an echo server in another task ping-pong register messages,
 * warm: call (send + closed receive) against reply-and-wait (send + open receive), both with
 * infinite timeouts and receive descriptors that accept no mappings, the case the kernel's
 * assembly fast path serves (vmlib/l4/README.md, "IPC fast path"). The loops are assembly so that
 * the user-level part of each IPC is one instruction or a pair: the client's `dec; jnz` (words
 * come back unchanged) and the server's `jmp`.
 *
 * Regions (vmsim sim-control through kdebug): 1 ROUNDS round trips with the fast-path server in
 * task 5; 2 an empty region (the cost of the marks); 3 ROUNDS round trips with a server in task 6
 * whose receive descriptors and the client's accept a map item (an fpage window), so that every
 * IPC takes the kernel's C path; 4 ROUNDS round trips with the fast-path server as another thread
 * of the client's own task (no CR3 load, so no TLB flush). Each loop runs WARMUP round trips
 * unmeasured first.
 */
#include "l4test.h"

#define ROUNDS 10000u
#define WARMUP 1000u
#define FAST_SERVER_TASK 5u
#define SLOW_SERVER_TASK 6u
#define WINDOW_DESC 0x82u /* l4_rcv_window(l4_fpage_whole_space()): accept a map item */

/* l4_word_t ipc_pingpong(l4_threadid_t server, l4_word_t rounds, l4_word_t rcv_desc, l4_word_t out[4]):
 * `rounds` calls (register message rounds, w1, w2) with the given receive descriptor; out = the last
 * reply's EBX, EDI, ESI and the count left in EDX. Returns the last result (EAX). */
__asm__(".text\n"
        ".globl ipc_pingpong\n"
        "ipc_pingpong:\n\t"
        "pushl %ebp\n\tpushl %ebx\n\tpushl %esi\n\tpushl %edi\n\t"
        "movl 20(%esp), %esi\n\t"    /* server */
        "movl 24(%esp), %edx\n\t"    /* rounds: word 0, echoed back */
        "movl 28(%esp), %ebp\n\t"    /* receive descriptor: closed */
        "movl $0x12345678, %ebx\n\t" /* word 1 */
        "movl $0x9abcdef0, %edi\n\t" /* word 2 */
        "xorl %ecx, %ecx\n\t"        /* timeouts: never */
        "xorl %eax, %eax\n\t"        /* send descriptor: register message */
        ".align 16\n"
        "1:\tint $0x30\n\t"
        "decl %edx\n\t"
        "jnz 1b\n\t"
        "movl 32(%esp), %ecx\n\t"
        "movl %ebx, (%ecx)\n\tmovl %edi, 4(%ecx)\n\tmovl %esi, 8(%ecx)\n\tmovl %edx, 12(%ecx)\n\t"
        "popl %edi\n\tpopl %esi\n\tpopl %ebx\n\tpopl %ebp\n\t"
        "ret\n"
        /* The servers: an open wait, then reply-and-wait with the received words forever (EAX, the
         * result 0, is the send descriptor of a register message; ESI the caller). */
        ".globl fast_server\n"
        "fast_server:\n\t"
        "movl $1, %ebp\n\t"
        "jmp 2f\n"
        ".globl slow_server\n"
        "slow_server:\n\t"
        "movl $0x83, %ebp\n"
        "2:\tmovl $0xffffffff, %eax\n\t"
        "xorl %ecx, %ecx\n\t"
        "int $0x30\n\t"
        ".align 16\n"
        "3:\tint $0x30\n\t"
        "jmp 3b\n");

l4_word_t ipc_pingpong(l4_threadid_t server, l4_word_t rounds, l4_word_t rcv_desc, l4_word_t out[4]);
void fast_server(void);
void slow_server(void);

static void measure(unsigned region, l4_threadid_t server, l4_word_t rcv_desc, const char *what)
{
    l4_word_t out[4];
    l4_word_t warm = ipc_pingpong(server, WARMUP, rcv_desc, out);
    l4_kd_region_begin(region);
    l4_word_t res = ipc_pingpong(server, ROUNDS, rcv_desc, out);
    l4_kd_region_end(region);
    l4_printf("ipccost: %u round trips with %s\n", ROUNDS, what);
    CHECK(warm == 0 && res == 0 && out[0] == 0x12345678u && out[1] == 0x9abcdef0u && out[2] == server.raw &&
              out[3] == 0,
          what);
}

int main(void)
{
    l4_threadid_t pager = l4t_start_pager();
    l4_threadid_t fast = l4t_spawn(FAST_SERVER_TASK, fast_server, pager);
    l4_threadid_t slow = l4t_spawn(SLOW_SERVER_TASK, slow_server, pager);
    measure(1, fast, L4_IPC_SHORT_MSG, "the server in task 5: every reply echoed, result 0, sender the server");
    l4_kd_region_begin(2);
    l4_kd_region_end(2);
    measure(3, slow, WINDOW_DESC, "map windows (task 6): every reply echoed, result 0, sender the server");
    l4_threadid_t local = l4t_start_thread(2, fast_server);
    measure(4, local, L4_IPC_SHORT_MSG, "a server thread in the same task: every reply echoed");
    return l4t_finish("ipccost");
}
