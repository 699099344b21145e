/*
 * Kernel memory: a pool of 4 KB frames (TCBs with their kernel stacks, page directories, page
 * tables, mapping-database pages, space descriptors) reserved at boot, and per-space page tables.
 * Frames of the pool are never visible to sigma0 (they lie in the reserved range it is told).
 */
#include "kernel.h"

static void *free_frames;   /* free list threaded through the first word of each frame */
static uint32_t pool_free_count;
uint32_t *kernel_pdir;
uint32_t cur_cr3_value; /* global: the IPC fast path (ipc_fast.S) loads CR3 too */

void pool_init(uint32_t start, uint32_t end)
{
    for (uint32_t pa = end; pa > start; pa -= PAGE_SIZE) {
        void **page = P2V(pa - PAGE_SIZE);
        *page = free_frames;
        free_frames = page;
        pool_free_count++;
    }
}

void *frame_alloc(void)
{
    void **page = free_frames;
    if (page == 0) return 0;
    free_frames = *page;
    pool_free_count--;
    memset(page, 0, PAGE_SIZE);
    return page;
}

void frame_free(void *page)
{
    *(void **)page = free_frames;
    free_frames = page;
    pool_free_count++;
}

/* A new address space: its descriptor page and a page directory whose kernel half (PDEs
 * 768..1023) is copied from the boot directory, so the kernel window is the same everywhere. */
struct space *space_create(unsigned task, unsigned version)
{
    struct space *s = frame_alloc();
    uint32_t *pd = frame_alloc();
    if (s == 0 || pd == 0) {
        if (s != 0) frame_free(s);
        if (pd != 0) frame_free(pd);
        return 0;
    }
    for (unsigned i = USER_PDES; i < 1024; i++) pd[i] = kernel_pdir[i];
    s->pdir = pd;
    s->pdir_phys = V2P(pd);
    s->task = task;
    s->version = version;
    spaces[task] = s;
    return s;
}

/* Frees the page tables, shadow pages, directory and descriptor; the caller has removed every
 * mapping (space_flush_all) and every thread. */
void space_destroy(struct space *s)
{
    for (unsigned i = 0; i < USER_PDES; i++) {
        if ((s->pdir[i] & PTE_P) != 0) {
            frame_free(P2V(s->pdir[i] & PTE_FRAME));
            frame_free(s->shadow[i]);
        }
    }
    spaces[s->task] = 0;
    frame_free(s->pdir);
    frame_free(s);
}

/* The PTE of va in s, allocating the page table (and its shadow page of mdb node pointers) when
 * alloc is set; 0 when absent or out of memory. */
uint32_t *space_pte(struct space *s, uint32_t va, int alloc)
{
    unsigned pdi = va >> 22;
    if (pdi >= USER_PDES) return 0;
    if ((s->pdir[pdi] & PTE_P) == 0) {
        if (!alloc) return 0;
        uint32_t *pt = frame_alloc();
        struct mdb_node **shadow = frame_alloc();
        if (pt == 0 || shadow == 0) {
            if (pt != 0) frame_free(pt);
            if (shadow != 0) frame_free(shadow);
            return 0;
        }
        s->shadow[pdi] = shadow;
        /* PDE rights are the widest; the PTE decides (x86.md: rights are ANDed over levels). */
        s->pdir[pdi] = V2P(pt) | PTE_P | PTE_W | PTE_U;
    }
    uint32_t *pt = P2V(s->pdir[pdi] & PTE_FRAME);
    return &pt[(va >> 12) & 1023u];
}

struct mdb_node **space_slot(struct space *s, uint32_t va)
{
    return &s->shadow[va >> 22][(va >> 12) & 1023u];
}

/* Copies n bytes from user address va of s into dst by walking s's page tables in software, so
 * the kernel never takes a page fault on user memory. Returns 0 if a page is not mapped. */
int user_read(struct space *s, uint32_t va, void *dst, uint32_t n)
{
    uint8_t *d = dst;
    while (n > 0) {
        uint32_t *pte = space_pte(s, va, 0);
        if (pte == 0 || (*pte & PTE_P) == 0 || (*pte & PTE_U) == 0) return 0;
        uint32_t pa = (*pte & PTE_FRAME) | (va & 0xFFFu);
        if (pa >= ram_end) return 0;
        uint32_t chunk = PAGE_SIZE - (va & 0xFFFu);
        if (chunk > n) chunk = n;
        memcpy(d, P2V(pa), chunk);
        d += chunk;
        va += chunk;
        n -= chunk;
    }
    return 1;
}

/* The active CR3 is cached so that a thread switch inside one space and INVLPG decisions need
 * no MOV from CR3. */
uint32_t cur_cr3(void) { return cur_cr3_value; }
void set_cr3(uint32_t v)
{
    if (v != cur_cr3_value) {
        cur_cr3_value = v;
        write_cr3(v);
    }
}
