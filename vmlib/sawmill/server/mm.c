/*
 * The main-memory manager (seed 001, section 4: "a main memory manager can be
 * thought of as a dataspace manager that exports dataspaces that map directly
 * to main memory"). It owns frames it got from sigma0, kept in a pool window of
 * its own address space, and hands out power-of-two blocks of them as
 * dataspaces: the anonymous-memory manager's caches, and the application's
 * program image.
 *
 * It also pages the application's region-mapper thread, which has no region
 * map of its own: that thread's page faults arrive as plain L4 page-fault IPC
 * (seed 001, section 2.2's simple pager) and are resolved from the image.
 */
#include <l4/user.h>

#include "server.h"

#define MM_DS_MAX 16u

static struct sm_ds dataspaces[MM_DS_MAX]; /* npages: a power of two */
static uint32_t pool_next = SM_POOL_BASE; /* bump allocation inside the pool */

static struct mm_image image;
static unsigned app_task;

int mm_init(void)
{
    /* Any free frame, placed by the one-page receive window at the next pool
     * address: the pool is contiguous in this task whatever the frames are. */
    for (uint32_t p = 0; p < SM_POOL_PAGES; p++) {
        uint32_t va = SM_POOL_BASE + (p << L4_PAGESHIFT);
        l4_msg_t req = l4_msg(L4_SIGMA0_ANY_PAGE, 0, 0), rep;
        l4_word_t r = l4_ipc_call(L4_SIGMA0_ID, L4_IPC_SHORT_MSG, &req,
                                  l4_rcv_window(l4_fpage(va, L4_PAGESHIFT, 1, 0)), &rep, L4_IPC_NEVER);
        if (L4_IPC_IS_ERROR(r) || !(r & L4_IPC_FPAGE_RECEIVED))
            return -1;
    }
    return 0;
}

static uint32_t order_of(uint32_t npages)
{
    uint32_t order = 0;
    while ((1u << order) < npages)
        order++;
    return order;
}

int mm_identify(uint32_t npages)
{
    if (npages == 0 || npages > SM_POOL_PAGES)
        return -1;
    uint32_t size = (1u << order_of(npages)) << L4_PAGESHIFT;
    uint32_t base = (pool_next + size - 1) & ~(size - 1);
    if (base - SM_POOL_BASE + size > (SM_POOL_PAGES << L4_PAGESHIFT))
        return -1;
    for (unsigned i = 0; i < MM_DS_MAX; i++) {
        if (dataspaces[i].used)
            continue;
        dataspaces[i] = (struct sm_ds){1, base, size >> L4_PAGESHIFT, 0};
        pool_next = base + size;
        return (int)i;
    }
    return -1;
}

/* ---- the application's program image -------------------------------------------- */

/* ELF32 as far as loading needs it (System V ABI, i386 supplement). */
struct elf32_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version, entry, phoff, shoff, flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf32_phdr {
    uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};
#define ELF_PT_LOAD 1u
#define ELF_EM_386 3u

int mm_load_image(const void *elf, struct mm_image *out)
{
    const struct elf32_ehdr *eh = elf;
    if (memcmp(eh->ident, "\177ELF", 4) != 0 || eh->ident[4] != 1 || eh->machine != ELF_EM_386)
        return -1;
    const struct elf32_phdr *ph = (const void *)((const char *)elf + eh->phoff);
    uint32_t lo = 0xffffffffu, hi = 0;
    for (unsigned i = 0; i < eh->phnum; i++) {
        if (ph[i].type != ELF_PT_LOAD || ph[i].memsz == 0)
            continue;
        if (ph[i].vaddr < lo)
            lo = ph[i].vaddr;
        if (ph[i].vaddr + ph[i].memsz > hi)
            hi = ph[i].vaddr + ph[i].memsz;
    }
    if (hi == 0)
        return -1;
    lo &= ~(L4_PAGESIZE - 1);
    hi = (hi + L4_PAGESIZE - 1) & ~(L4_PAGESIZE - 1);
    int ds = mm_identify((hi - lo) >> L4_PAGESHIFT);
    if (ds < 0)
        return -1;
    struct sm_ds *d = &dataspaces[ds];
    memset((void *)d->base, 0, d->npages << L4_PAGESHIFT); /* bss, and frames sigma0 did not clear */
    for (unsigned i = 0; i < eh->phnum; i++) {
        if (ph[i].type == ELF_PT_LOAD)
            memcpy((void *)(d->base + (ph[i].vaddr - lo)), (const char *)elf + ph[i].offset, ph[i].filesz);
    }
    d->rights = SM_RIGHT_R | SM_RIGHT_W;
    *out = (struct mm_image){(uint32_t)ds, lo, (hi - lo) >> L4_PAGESHIFT, eh->entry};
    image = *out;
    return 0;
}

/* ---- the server ------------------------------------------------------------------ */

/* Identify: a block of npages frames, or (npages = 0) the caller's program image. */
static void identify(l4_threadid_t client, uint32_t npages, struct sm_reply *reply)
{
    if (npages == 0) {
        if (l4_task_of(client) == app_task)
            sm_reply_words(reply, SM_OK, image.ds, image.npages);
        else
            sm_reply_words(reply, SM_ENOENT, 0, 0);
        return;
    }
    int id = mm_identify(npages);
    if (id < 0)
        sm_reply_words(reply, SM_ENOMEM, 0, 0);
    else
        sm_reply_words(reply, SM_OK, (uint32_t)id, dataspaces[id].npages);
}

static struct sm_ds *lookup(uint32_t id)
{
    return id < MM_DS_MAX && dataspaces[id].used ? &dataspaces[id] : 0;
}

/* Main memory is always there: the page needs only the touch. */
static uint32_t ready(struct sm_ds *d, uint32_t off)
{
    sm_touch(d->base + off);
    return d->base + off;
}

static struct sm_manager mm = {
    .ops = SM_DS_MANDATORY_OPS | 1u << SM_DS_PAGEIN | 1u << SM_DS_STATS,
    .identify = identify,
    .lookup = lookup,
    .ready = ready,
};

/* A page fault of the region-mapper thread: its program image, at the address
 * it faulted on (the kernel's window for a fault is the whole space). */
static void page_fault(l4_threadid_t client, const l4_msg_t *m, struct sm_reply *reply)
{
    uint32_t addr = L4_PF_ADDR(m->w[0]);
    if (l4_task_of(client) != app_task || addr - image.vbase >= (image.npages << L4_PAGESHIFT))
        sm_fatal("sawmill mm: fault outside the image at", addr);
    uint32_t page = (addr - image.vbase) & ~(L4_PAGESIZE - 1);
    uint32_t base = ready(&dataspaces[image.ds], page);
    mm.maps_sent++;
    sm_reply_fpage(reply, image.vbase + page, base, 0, 1, SM_OK);
}

static void handle(l4_threadid_t client, const l4_msg_t *m, struct sm_reply *reply)
{
    if (SM_DSM_IS_REQUEST(m->w[0]))
        sm_dsm_handle(&mm, client, m, reply);
    else
        page_fault(client, m, reply);
}

void mm_serve(unsigned task)
{
    app_task = task;
    sm_server_loop(handle);
}
