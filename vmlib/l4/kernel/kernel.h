/*
 * vmsim's l4 kernel: internal definitions.
 *
 * A small L4 X.0-style microkernel for the i386 guest platform (../shared/reference/i386.md,
 * /work/notes/i386-platform.md): address spaces, threads, synchronous register IPC, page faults
 * as IPC to user-level pagers, map/grant/unmap of flexpages with a mapping database, sigma0 and a
 * root task. The user-visible ABI is include/l4/; README.md lists what differs from X.0.
 *
 * Memory layout. Physical RAM [0, ram_end) is mapped supervisor-only at KERNEL_BASE + pa in every
 * address space (page directory entries 768..1023 are the same in all spaces), so the kernel
 * reaches any frame, page table or TCB through that window; user space is [0, L4_USER_END).
 * The kernel runs non-preemptibly with interrupts off (all gates are interrupt gates), on a
 * 4 KB kernel stack per thread that shares its page with the thread's TCB, as in L4.
 */
#ifndef L4_KERNEL_H
#define L4_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include <l4/types.h>

#define KERNEL_BASE 0xC0000000u
#define PAGE_SIZE 4096u
#define KERNEL_MAX_RAM (64u << 20) /* boot maps at most this much RAM into the kernel window */
#define KERNEL_POOL_SIZE (4u << 20) /* frames for TCBs, page tables, mdb nodes, spaces */
#define TIMER_HZ 100u               /* PIT rate: one tick = one time slice = 10 ms */
#define TICK_US (1000000u / TIMER_HZ)

#define P2V(pa) ((void *)((uintptr_t)(pa) + KERNEL_BASE))
#define V2P(va) ((uint32_t)(uintptr_t)(va) - KERNEL_BASE)

/* Segment selectors (GDT in init.c). The kernel keeps DS = ES = the flat user data selector, as
 * user code has it, so kernel entry needs no segment reloads (README: differences). */
#define SEL_KCODE 0x08u
#define SEL_KDATA 0x10u
#define SEL_UCODE 0x1Bu
#define SEL_UDATA 0x23u
#define SEL_TSS 0x28u

/* Page table entry bits (x86.md). */
#define PTE_P 0x001u
#define PTE_W 0x002u
#define PTE_U 0x004u
#define PTE_A 0x020u
#define PTE_D 0x040u
#define PTE_FRAME 0xFFFFF000u
#define USER_PDES (L4_USER_END >> 22) /* 768 */

/* ---- trap frame: what the entry stubs in entry.S push, lowest address first ------------------ */
struct frame {
    uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax; /* pushal */
    uint32_t vector, error;
    uint32_t eip, cs, eflags;
    uint32_t user_esp, user_ss; /* only when entered from CPL 3 */
};

/* ---- mapping database: one node per user mapping of a frame (per-frame tree) --------------- */
struct space;
struct mdb_node {
    struct space *space;
    uint32_t va;
    struct mdb_node *parent, *child, *next, *prev; /* tree; siblings doubly linked */
};

/* ---- address space (task). One page; shadow[] has, per user page table, a page of mdb node
 * pointers parallel to the PTEs (the per-mapping half of the mapping database). -------------- */
struct tcb;
struct space {
    uint32_t *pdir;      /* kernel virtual address of the page directory */
    uint32_t pdir_phys;  /* CR3 value */
    unsigned task;       /* task number */
    unsigned version;    /* version bits of its thread ids */
    unsigned nthreads;
    /* At offset 32 (the fast path's lookup): not in the page's first line, which shares its
     * D-cache set with every TCB's, page directory's and page table's first line. */
    struct tcb *threads[L4_LTHREADS_PER_TASK] __attribute__((aligned(32)));
    struct mdb_node **shadow[USER_PDES];
};

/* ---- thread control block + kernel stack (one page) --------------------------------------- */
enum thread_state {
    TS_FREE = 0,   /* lthread slot exists but never started */
    TS_READY,      /* runnable (or running) */
    TS_SEND,       /* blocked in the send phase, queued at ipc_partner */
    TS_RECV,       /* blocked in the receive phase */
    TS_DEAD,       /* stopped by an unhandled exception */
};

struct tcb {
    /* Offsets 0-63: what only the C path uses. */
    struct space *space;
    l4_threadid_t pager, preempter;
    struct tcb *ready_prev;        /* ready ring */
    struct tcb *ipc_partner;       /* TS_SEND: the receiver */
    struct tcb *sendq_tail, *sendq_next, *sendq_prev;
    l4_word_t snd_desc;
    l4_timeout_t timeout;
    l4_threadid_t partner_id;      /* the IPC's destination (and source of a closed receive) */
    struct tcb *handoff;           /* receiver readied by our send: run it when we block */
    l4_threadid_t rcv_src;
    l4_word_t snd_result, rcv_result; /* set by the partner that completes a phase */
    uint32_t deadline;             /* tick at which the blocked phase times out; 0 = never */
    /* Offset 64, one 32-byte cache line: everything the IPC fast path (ipc_fast.S, offsets in
     * ipc_fast.h) reads. Not at offset 0: TCBs, spaces and page directories are page-aligned,
     * so their first lines all compete for the same set of the 2-way L1 D-cache. The fast path
     * tests and sets state, in_user_ipc and on_timeout_list as one 32-bit word. */
    l4_threadid_t id;
    uint8_t state;                 /* enum thread_state */
    uint8_t in_user_ipc;           /* blocked in an ipc system call: completing the receive only
                                      writes the user registers (not so in the page-fault IPC) */
    uint8_t on_timeout_list;       /* never set while the thread runs */
    uint8_t pad_;
    uint32_t ksp;                  /* saved kernel ESP while switched out */
    struct tcb *ready_next;        /* ready ring; non-zero = in it */
    l4_threadid_t rcv_from;        /* TS_RECV: the expected sender; invalid = open receive */
    struct tcb *sendq_head;        /* threads blocked sending to this one */
    uint32_t cr3;                  /* the space's page directory (a copy: no struct space access) */
    l4_word_t rcv_desc;            /* the fast path writes it */
    unsigned ticks_left;
    int rcv_done;                  /* a message was delivered while blocked (0 in user mode) */
    /* The rest. */
    l4_msg_t snd_msg, rcv_msg;
    struct tcb *timeout_next, *timeout_prev;
    int is_idle;
};

#define TCB_FRAME(t) ((struct frame *)((uint8_t *)(t) + PAGE_SIZE) - 1)

/* ---- kernel globals and functions ----------------------------------------------------------- */
extern struct tcb *current;
extern struct space *spaces[L4_MAX_TASKS];
extern uint32_t ram_end, kernel_reserved_start, kernel_reserved_end, ticks;
extern uint32_t *kernel_pdir;

/* console.c */
void console_init(void);
void kputc(char c);
void kprintf(const char *fmt, ...);
void __attribute__((noreturn)) panic(const char *fmt, ...);
void __attribute__((noreturn)) machine_exit(uint32_t status);
static inline void outb(uint16_t port, uint8_t v) { __asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline void invlpg(uint32_t va) { __asm__ __volatile__("invlpg (%0)" : : "r"(va) : "memory"); }
static inline uint32_t read_cr3(void)
{
    uint32_t v;
    __asm__ __volatile__("movl %%cr3, %0" : "=r"(v));
    return v;
}
static inline void write_cr3(uint32_t v) { __asm__ __volatile__("movl %0, %%cr3" : : "r"(v) : "memory"); }

/* lib.c */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

/* memory.c: kernel frame pool, page tables */
void pool_init(uint32_t start, uint32_t end);
void *frame_alloc(void); /* zeroed page (kernel virtual), 0 when the pool is empty */
void frame_free(void *page);
struct space *space_create(unsigned task, unsigned version);
void space_destroy(struct space *s);
uint32_t *space_pte(struct space *s, uint32_t va, int alloc);  /* 0 if absent (and !alloc) */
struct mdb_node **space_slot(struct space *s, uint32_t va);    /* shadow slot of a present pt */
int user_read(struct space *s, uint32_t va, void *dst, uint32_t n); /* through the page tables */
uint32_t cur_cr3(void);
void set_cr3(uint32_t v);

/* mdb.c: mapping database, map/grant/unmap */
void mdb_init(void);
int mdb_map_root(struct space *s, uint32_t va, uint32_t pa);   /* sigma0's own mappings */
int map_fpage(struct space *from, l4_word_t snd_base, l4_fpage_t fp, struct space *to, l4_word_t rcv_window);
void fpage_unmap(struct space *s, l4_fpage_t fp, l4_word_t mapmask);
void space_flush_all(struct space *s);

/* thread.c: threads, scheduling */
struct tcb *tcb_lookup(l4_threadid_t id);
struct tcb *thread_create(struct space *s, unsigned lthread);
void thread_start(struct tcb *t, uint32_t eip, uint32_t esp);
void thread_destroy(struct tcb *t);
void ready_enqueue(struct tcb *t);
void ready_dequeue(struct tcb *t);
void schedule(struct tcb *prefer);
void timer_tick(void);
void timeout_add(struct tcb *t, uint32_t deadline);
void timeout_remove(struct tcb *t);
void sched_init(void);
void thread_cancel_ipc(struct tcb *t);

/* ipc.c */
void ipc_fast_resume(struct frame *f);
l4_word_t ipc_send(struct tcb *self, l4_threadid_t dest, l4_timeout_t to);
l4_word_t ipc_receive(struct tcb *self, l4_threadid_t from, l4_timeout_t to);
void sys_ipc(struct frame *f);
void ipc_abort(struct tcb *t, l4_word_t send_code, l4_word_t recv_code);

/* trap.c */
void trap_dispatch(struct frame *f);

/* entry.S */
void switch_stacks(uint32_t *save_ksp, uint32_t new_ksp);
void ret_to_user(void);
/* ipc_fast.S */
void ipc_resume(void); /* a fast-path sender's switch_stacks return address (stack_resume_frame) */
extern uint32_t isr_table[];

/* init.c */
void tss_set_esp0(uint32_t esp0);

#endif /* L4_KERNEL_H */
