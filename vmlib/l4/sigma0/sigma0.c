/*
 * sigma0: the initial pager (task 2), a user-level program started by the kernel.
 *
 * It owns all physical memory outside the kernel's reserved range and hands it out idempotently
 * (include/l4/sigma0.h): each page goes to the first task that asks for it and is mapped at its
 * physical address; the same task may ask again. Before mapping a page, sigma0 touches it, so
 * that the kernel maps it into sigma0's own space (the root of the page's mapping tree): L4 maps
 * only what the mapper has, and mapping a page the mapper lacks would unmap it in the receiver.
 */
#include <l4/l4.h>

#define MAX_FRAMES (64u << 20 >> 12) /* KERNEL_MAX_RAM / 4 KB */
#define VGA_HOLE_START 0xA0000u
#define VGA_HOLE_END 0x100000u

static unsigned char owner[MAX_FRAMES]; /* 0 = free, else the owning task number */
static l4_word_t ram_end, reserved_start, reserved_end, any_cursor;
char sigma0_stack[4096] __attribute__((aligned(16)));

static int page_usable(l4_word_t pa)
{
    return pa >= L4_PAGESIZE && pa < ram_end && !(pa >= VGA_HOLE_START && pa < VGA_HOLE_END) &&
           !(pa >= reserved_start && pa < reserved_end);
}

/* Give page pa to task (if it is free or already the task's); 1 on success. */
static int claim(l4_word_t pa, unsigned task)
{
    if (!page_usable(pa)) return 0;
    unsigned char *o = &owner[pa >> L4_PAGESHIFT];
    if (*o != 0 && *o != task) return 0;
    *o = (unsigned char)task;
    (void)*(volatile char *)pa; /* the kernel maps it into our space 1:1 */
    return 1;
}

/* A free page for task, searched downwards from the top of RAM; 0 when none is left. */
static l4_word_t any_page(unsigned task)
{
    while (any_cursor >= L4_PAGESIZE) {
        any_cursor -= L4_PAGESIZE;
        if (page_usable(any_cursor) && owner[any_cursor >> L4_PAGESHIFT] == 0 && claim(any_cursor, task))
            return any_cursor;
    }
    return 0;
}

static void __attribute__((noreturn, used)) sigma0_main(l4_word_t ram, l4_word_t rstart, l4_word_t rend)
{
    ram_end = ram;
    reserved_start = rstart;
    reserved_end = rend;
    any_cursor = ram_end;
    l4_threadid_t client;
    l4_msg_t req, reply;
    l4_word_t res = l4_ipc_wait(&client, L4_IPC_SHORT_MSG, &req, L4_IPC_NEVER);
    for (;;) {
        while (L4_IPC_IS_ERROR(res)) res = l4_ipc_wait(&client, L4_IPC_SHORT_MSG, &req, L4_IPC_NEVER);
        unsigned task = l4_task_of(client);
        l4_word_t desc = L4_IPC_SHORT_MSG, pa = 0;
        if (req.w[0] == L4_SIGMA0_MEMINFO) {
            reply = l4_msg(ram_end, reserved_start, reserved_end);
        } else {
            pa = req.w[0] == L4_SIGMA0_ANY_PAGE ? any_page(task) : (claim(L4_PF_ADDR(req.w[0]) & ~0xFFFu, task)
                                                                         ? (L4_PF_ADDR(req.w[0]) & ~0xFFFu)
                                                                         : 0);
            if (pa != 0) {
                desc = L4_IPC_SHORT_FPAGE;
                reply = l4_msg(pa, l4_fpage(pa, L4_PAGESHIFT, 1, 0).raw, 0);
            } else {
                l4_kd_outstring("sigma0: refused ");
                l4_kd_outhex32(req.w[0]);
                l4_kd_outstring(" from ");
                l4_kd_outhex32(client.raw);
                l4_kd_outstring("\n");
                reply = l4_msg(0, 0, 0);
            }
        }
        /* Reply with send timeout 0 (a client that is not waiting loses the reply) and wait. */
        res = l4_ipc_reply_and_wait(client, desc, &reply, &client, L4_IPC_SHORT_MSG, &req, L4_IPC_SEND_TIMEOUT_0);
    }
}

/* Entry from the kernel: EAX = end of RAM, EBX/ECX = the kernel's reserved range; no stack yet. */
__asm__(".text\n"
        ".globl sigma0_entry\n"
        "sigma0_entry:\n\t"
        "movl $sigma0_stack + 4096, %esp\n\t"
        "pushl %ecx\n\t"
        "pushl %ebx\n\t"
        "pushl %eax\n\t"
        "call sigma0_main\n");
