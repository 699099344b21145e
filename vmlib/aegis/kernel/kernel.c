/*
 * aegis: a small exokernel for the simulated R3000 (the kernel of the AVM paper,
 * sections 3-4). It multiplexes physical memory and the TLB and nothing else:
 *   - physical pages are allocated by number, each with the capability the
 *     allocating application chose; every TLB write presents a capability that
 *     is checked against the page's;
 *   - a direct-mapped software TLB (STLB) in kseg0 backs the 64-entry TLB; the
 *     UTLB refill handler (entry.S) satisfies hits, misses go to the application;
 *   - segment 1 of each address space may hold guaranteed mappings that the
 *     kernel refills itself (the application's image, stacks, page tables);
 *   - exceptions are forwarded to user-level handlers (entry.S);
 *   - several environments (address spaces, ASID = env id + 1), switched on
 *     yield and exit.
 * Applications are ELF images embedded in the kernel image (apps.S) and loaded
 * into segment 1 at boot.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <vmsim.h>
#include <vmsim/bootparams.h>

#include "kernel.h"

#ifndef AEGIS_NUM_ENVS
#define AEGIS_NUM_ENVS 1
#endif

/* ---- boot parameter block (see vmsim/bootparams.h) ------------------------ */
#ifdef AEGIS_TEST_BOOTPARAMS_STLB
/* Test images: a block as the simulator would write it. */
struct vmsim_bootparams aegis_bootparams __attribute__((section(".bootparams"), used)) = {
    VMSIM_BOOTPARAMS_MAGIC, VMSIM_BOOTPARAMS_VERSION, sizeof(struct vmsim_bootparams), 0,
    AEGIS_TEST_BOOTPARAMS_STLB, {0}};
#else
struct vmsim_bootparams aegis_bootparams __attribute__((section(".bootparams"), used)) = {
    VMSIM_BOOTPARAMS_REQUEST, 0, 0, 0, 0, {0}};
#endif

/* ---- CP0 and TLB ------------------------------------------------------------ */
#define C0_READ(reg)                                                          \
    ({ uint32_t v_;                                                           \
       __asm__ volatile(".set push\n.set noreorder\nmfc0 %0, $" #reg "\nnop\n.set pop" \
                        : "=r"(v_)); v_; })
#define C0_WRITE(reg, val) \
    __asm__ volatile(".set push\n.set noreorder\nmtc0 %0, $" #reg "\nnop\n.set pop" ::"r"(val))

#define TLB_NENTRIES 64
#define TLB_WIRED 8   /* Random never picks 0..7: slot (asid & 7) pins an xpage */
#define STLB_EMPTY 1u /* never equals an EntryHi (bits 5..0 read 0) */

static inline uint32_t tlb_probe(uint32_t hi) /* index, or -1 */
{
    uint32_t idx;
    __asm__ volatile(".set push\n.set noreorder\n"
                     "mtc0 %1, $10\nnop\ntlbp\nnop\nmfc0 %0, $0\nnop\n.set pop"
                     : "=r"(idx) : "r"(hi));
    return (idx & 0x80000000u) ? 0xffffffffu : (idx >> 8) & 63;
}

static inline void tlb_write_index(uint32_t idx, uint32_t hi, uint32_t lo)
{
    __asm__ volatile(".set push\n.set noreorder\n"
                     "mtc0 %0, $0\nmtc0 %1, $10\nmtc0 %2, $2\nnop\ntlbwi\nnop\n.set pop"
                     ::"r"(idx << 8), "r"(hi), "r"(lo));
}

static inline void tlb_write_random(uint32_t hi, uint32_t lo)
{
    __asm__ volatile(".set push\n.set noreorder\n"
                     "mtc0 %0, $10\nmtc0 %1, $2\nnop\ntlbwr\nnop\n.set pop"
                     ::"r"(hi), "r"(lo));
}

static inline uint32_t tlb_read_lo(uint32_t idx)
{
    uint32_t lo;
    __asm__ volatile(".set push\n.set noreorder\n"
                     "mtc0 %1, $0\nnop\ntlbr\nnop\nmfc0 %0, $2\nnop\n.set pop"
                     : "=r"(lo) : "r"(idx << 8));
    return lo;
}

/* ---- state ---------------------------------------------------------------- */
uint32_t aegis_stlb_mask;            /* read by the UTLB handler: B | (N-1) << 3 */
uint32_t aegis_ksave[3];             /* syscall path: user sp, ra, return EPC */
uint32_t aegis_ktf[34];              /* STLB-miss slow path: registers, hi, lo */
uint8_t aegis_kstack[AEGIS_KSTACK_SIZE] __attribute__((aligned(8)));
/* entry.S's kernel stack pointer: aegis_kstack + AEGIS_KSTACK_SIZE - 16 */
__asm__(".globl aegis_kstack_top\n.set aegis_kstack_top, aegis_kstack + 16368");
_Static_assert(AEGIS_KSTACK_SIZE - 16 == 16368, "aegis_kstack_top");

struct aegis_env *aegis_cur;
struct aegis_fwd aegis_fwd __attribute__((aligned(256))); /* no %hi carry inside */
/* Where the forwarding path writes a frame when the env has no xpage: it then
 * finds no handler and stops the run (aegis_fatal reads the original CP0 state). */
static uint32_t fwd_scratch[(AEGIS_XP_MAXDEPTH + 1) << (AEGIS_XP_FRAME_SHIFT - 2)];
_Static_assert(sizeof(struct aegis_fwd) == 144 && FWD_STUB == 140, "struct aegis_fwd offsets");
static struct aegis_env envs[AEGIS_NUM_ENVS];
static unsigned nenvs;

static uint32_t *stlb;               /* kseg0, stlb_entries * 2 words */
static uint32_t stlb_entries;
static uint32_t npages;              /* managed physical pages */
/* Free bitmap, bit set = free; one page, mapped read-only into every env. */
static uint32_t freemap[AEGIS_MAX_PAGES / 32] __attribute__((aligned(4096)));
static uint32_t page_cap[AEGIS_MAX_PAGES];
static uint8_t page_owner[AEGIS_MAX_PAGES]; /* 0 free, 1 kernel, 2 + env id */
#define OWNER_KERNEL 1u
#define OWNER_ENV(e) (2u + (e)->id)

extern char _end[];

/* ---- physical pages ----------------------------------------------------------- */
static inline int page_is_free(uint32_t pfn)
{
    return (freemap[pfn >> 5] >> (pfn & 31)) & 1;
}

static void page_take(uint32_t pfn, uint32_t owner, uint32_t cap)
{
    freemap[pfn >> 5] &= ~(1u << (pfn & 31));
    page_owner[pfn] = (uint8_t)owner;
    page_cap[pfn] = cap;
}

static uint32_t page_find_free(void)
{
    for (uint32_t w = 0; w < (npages + 31) / 32; w++)
        if (freemap[w])
            for (uint32_t b = 0; b < 32; b++)
                if ((freemap[w] >> b) & 1 && w * 32 + b < npages)
                    return w * 32 + b;
    return 0xffffffffu;
}

static void *pfn_kva(uint32_t pfn)
{
    return (void *)VMSIM_KSEG0(pfn << AEGIS_PAGE_SHIFT);
}

/* ---- STLB and TLB maintenance --------------------------------------------------- */
static inline uint32_t *stlb_slot(uint32_t va)
{
    return stlb + 2 * ((va >> AEGIS_PAGE_SHIFT) & (stlb_entries - 1));
}

static inline uint32_t env_hi(uint32_t va)
{
    return (va & ~0xfffu) | (aegis_cur->asid << 6);
}

/* (The UTLB handler cannot run between the two stores: the kernel never
 * touches kuseg and runs with interrupts off.) */
static inline void stlb_insert(uint32_t hi, uint32_t lo)
{
    uint32_t *s = stlb_slot(hi);
    s[1] = lo;
    s[0] = hi;
}

/* Write hi/lo into the TLB: over a matching entry, else a random one. */
static void tlb_install(uint32_t hi, uint32_t lo)
{
    uint32_t idx = tlb_probe(hi);
    if (idx == 0xffffffffu)
        tlb_write_random(hi, lo);
    else
        tlb_write_index(idx, hi, lo);
}

static void tlb_invalidate_index(uint32_t idx)
{
    tlb_write_index(idx, VMSIM_KSEG0(idx << AEGIS_PAGE_SHIFT), 0);
}

static void restore_entryhi(void)
{
    C0_WRITE(10, aegis_cur ? aegis_cur->asid << 6 : 0);
}

/* ---- guaranteed mappings ------------------------------------------------------------ */
/* Sorted by vpn: binary search. */
static unsigned gmap_lower(const struct aegis_env *e, uint32_t vpn)
{
    unsigned lo = 0, hi = e->ng;
    while (lo < hi) {
        unsigned mid = (lo + hi) >> 1;
        if (e->g[mid].vpn < vpn)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static struct aegis_gmap *gmap_find(struct aegis_env *e, uint32_t vpn)
{
    unsigned i = gmap_lower(e, vpn);
    return i < e->ng && e->g[i].vpn == vpn ? &e->g[i] : 0;
}

static int gmap_add(struct aegis_env *e, uint32_t va, uint32_t lo)
{
    uint32_t vpn = va >> AEGIS_PAGE_SHIFT;
    unsigned i = gmap_lower(e, vpn);
    if (i == e->ng || e->g[i].vpn != vpn) {
        if (e->ng == AEGIS_MAX_GUARANTEED)
            return AEGIS_E_NOMEM;
        memmove(&e->g[i + 1], &e->g[i], (e->ng - i) * sizeof e->g[0]);
        e->ng++;
        e->g[i].vpn = vpn;
    }
    e->g[i].lo = lo & ~AEGIS_LO_IGNORED;
    return 0;
}

/* Called by entry.S on an STLB miss in segment 1 (user mode). */
int aegis_seg1_miss(uint32_t badvaddr)
{
    struct aegis_gmap *g = gmap_find(aegis_cur, badvaddr >> AEGIS_PAGE_SHIFT);
    if (!g)
        return 1; /* not guaranteed: the application's business */
    uint32_t hi = env_hi(badvaddr);
    stlb_insert(hi, g->lo);
    tlb_write_random(hi, g->lo); /* a UTLB miss: no entry matches */
    return 0;
}

/* A user address the kernel may read or write: through the env's guaranteed
 * mappings, the STLB or the TLB. 0 if none maps it (or not writable). */
static uint8_t *uva_to_kva(uint32_t va, int write)
{
    if (va >= AEGIS_USER_TOP)
        return 0;
    uint32_t lo = 0;
    uint32_t hi = env_hi(va);
    struct aegis_gmap *g;
    if (stlb_slot(va)[0] == hi)
        lo = stlb_slot(va)[1];
    else if ((g = gmap_find(aegis_cur, va >> AEGIS_PAGE_SHIFT)))
        lo = g->lo;
    else {
        uint32_t idx = tlb_probe(hi);
        if (idx != 0xffffffffu)
            lo = tlb_read_lo(idx);
        restore_entryhi();
    }
    if (!(lo & AEGIS_TLB_V) || (write && !(lo & AEGIS_TLB_D)) || (lo >> 12) >= npages)
        return 0;
    return (uint8_t *)pfn_kva(lo >> 12) + (va & 0xfffu);
}

/* ---- capability check ----------------------------------------------------------------- */
/* Free and kernel pages hold AEGIS_CAP_NONE, which is never accepted: one
 * comparison checks ownership and capability. */
static inline int check_lo(uint32_t va, uint32_t lo, uint32_t cap)
{
    uint32_t pfn = lo >> AEGIS_PAGE_SHIFT;
    if (va >= AEGIS_USER_TOP || pfn >= npages)
        return AEGIS_E_INVAL;
    if (page_cap[pfn] != cap || cap == AEGIS_CAP_NONE)
        return AEGIS_E_CAP;
    return 0;
}

/* ---- system calls ------------------------------------------------------------------------ */
static int sys_cputs(uint32_t s, uint32_t len)
{
    if (len > 4096)
        return AEGIS_E_INVAL;
    while (len) {
        const uint8_t *p = uva_to_kva(s, 0);
        if (!p)
            return AEGIS_E_FAULT;
        uint32_t chunk = AEGIS_PAGE_SIZE - (s & 0xfffu);
        if (chunk > len)
            chunk = len;
        for (uint32_t i = 0; i < chunk; i++)
            putchar(p[i]);
        s += chunk;
        len -= chunk;
    }
    return 0;
}

static int sys_page_alloc(uint32_t pfn, uint32_t cap)
{
    if (cap == AEGIS_CAP_NONE)
        return AEGIS_E_INVAL;
    if (pfn == AEGIS_ANY_PAGE) {
        pfn = page_find_free();
        if (pfn == 0xffffffffu)
            return AEGIS_E_NOMEM;
    } else if (pfn >= npages)
        return AEGIS_E_INVAL;
    if (cap == AEGIS_CAP_NONE)
        return AEGIS_E_INVAL;
    else if (!page_is_free(pfn))
        return AEGIS_E_BUSY;
    page_take(pfn, OWNER_ENV(aegis_cur), cap);
    memset(pfn_kva(pfn), 0, AEGIS_PAGE_SIZE);
    return (int)pfn;
}

/* Remove every STLB and TLB translation to a physical page (all ASIDs), and
 * guaranteed mappings of it. */
static void revoke_translations(uint32_t pfn)
{
    for (unsigned k = 0; k < nenvs; k++) {
        struct aegis_env *e = &envs[k];
        for (uint32_t i = 0; i < e->ng;)
            if ((e->g[i].lo >> AEGIS_PAGE_SHIFT) == pfn) {
                memmove(&e->g[i], &e->g[i + 1], (e->ng - i - 1) * sizeof e->g[0]);
                e->ng--;
            } else
                i++;
    }
    for (uint32_t i = 0; i < stlb_entries; i++)
        if ((stlb[2 * i + 1] >> AEGIS_PAGE_SHIFT) == pfn && (stlb[2 * i + 1] & AEGIS_TLB_V))
            stlb[2 * i] = STLB_EMPTY;
    for (uint32_t i = TLB_WIRED; i < TLB_NENTRIES; i++)
        if ((tlb_read_lo(i) >> AEGIS_PAGE_SHIFT) == pfn && (tlb_read_lo(i) & AEGIS_TLB_V))
            tlb_invalidate_index(i);
    restore_entryhi();
}

/* The owner changes a page's capability: translations made under the old one
 * are revoked, so whoever held it loses the page. */
static int sys_page_setcap(uint32_t pfn, uint32_t cap, uint32_t newcap)
{
    int r = check_lo(0, pfn << AEGIS_PAGE_SHIFT, cap);
    if (r)
        return r;
    if (page_owner[pfn] != OWNER_ENV(aegis_cur))
        return AEGIS_E_CAP;
    if (newcap == AEGIS_CAP_NONE)
        return AEGIS_E_INVAL;
    revoke_translations(pfn);
    page_cap[pfn] = newcap;
    return 0;
}

static int sys_page_free(uint32_t pfn, uint32_t cap)
{
    int r = check_lo(0, pfn << AEGIS_PAGE_SHIFT, cap);
    if (r)
        return r;
    if (page_owner[pfn] != OWNER_ENV(aegis_cur))
        return AEGIS_E_CAP; /* the owner frees; a capability alone lets one map */
    revoke_translations(pfn); /* before the page can be reused */
    freemap[pfn >> 5] |= 1u << (pfn & 31);
    page_owner[pfn] = 0;
    page_cap[pfn] = AEGIS_CAP_NONE;
    return 0;
}

static int sys_tlb_write(uint32_t va, uint32_t lo, uint32_t cap)
{
    int r = check_lo(va, lo, cap);
    if (r)
        return r;
    uint32_t hi = env_hi(va);
    lo &= ~AEGIS_LO_IGNORED;
    stlb_insert(hi, lo);
    tlb_install(hi, lo);
    return 0;
}

void aegis_range_invalidate(uint32_t hi, uint32_t n, uint32_t *base, uint32_t mask);
struct range_ctx {
    uint32_t *base;
    uint32_t mask;
    const uint32_t *caps;
    uint32_t npages, stride;
};
uint32_t aegis_range_write(uint32_t hi, const uint32_t *ents, uint32_t n, const struct range_ctx *c);

static int sys_tlb_flush(uint32_t va, uint32_t n, uint32_t flags)
{
    if (va >= AEGIS_USER_TOP || n > (AEGIS_USER_TOP - va) >> AEGIS_PAGE_SHIFT)
        return AEGIS_E_INVAL;
    uint32_t hi = env_hi(va);
    if ((flags & (AEGIS_FLUSH_INVALID | AEGIS_FLUSH_STLB | AEGIS_FLUSH_TLB)) ==
        (AEGIS_FLUSH_INVALID | AEGIS_FLUSH_STLB | AEGIS_FLUSH_TLB)) {
        /* protection: invalid entries in both (entry.S) */
        aegis_range_invalidate(hi, n, stlb, (stlb_entries - 1) << 3);
        restore_entryhi();
        return 0;
    }
    const int leave_invalid = (flags & AEGIS_FLUSH_INVALID) != 0;
    const int do_stlb = (flags & AEGIS_FLUSH_STLB) != 0, do_tlb = (flags & AEGIS_FLUSH_TLB) != 0;
    for (; n; n--, hi += AEGIS_PAGE_SIZE) {
        if (do_stlb) {
            uint32_t *s = stlb_slot(hi);
            if (leave_invalid)
                stlb_insert(hi, 0);
            else if (s[0] == hi)
                s[0] = STLB_EMPTY;
        }
        if (do_tlb) {
            uint32_t idx = tlb_probe(hi);
            if (idx != 0xffffffffu && idx >= TLB_WIRED) {
                if (leave_invalid)
                    tlb_write_index(idx, hi, 0);
                else
                    tlb_invalidate_index(idx);
            }
        }
    }
    restore_entryhi();
    return 0;
}

static int sys_stlb_probe(uint32_t va)
{
    uint32_t *s = stlb_slot(va);
    return va < AEGIS_USER_TOP && s[0] == env_hi(va) ? (int)s[1] : 0;
}

static int sys_stlb_update(uint32_t va, uint32_t lo, uint32_t cap)
{
    int r = check_lo(va, lo, cap);
    if (r)
        return r;
    stlb_insert(env_hi(va), lo & ~AEGIS_LO_IGNORED);
    return 0;
}

/* A batch of STLB writes (one capability check each); TLB entries already
 * present for those pages are rewritten so that no stale rights survive. */
static int sys_tlb_write_n(uint32_t ureqs, uint32_t n)
{
    if (n == 0)
        return 0;
    if (n > AEGIS_PAGE_SIZE / sizeof(struct aegis_tlbreq) ||
        ((ureqs & 0xfffu) + n * sizeof(struct aegis_tlbreq)) > AEGIS_PAGE_SIZE || (ureqs & 3))
        return AEGIS_E_INVAL;
    const struct aegis_tlbreq *q = (const struct aegis_tlbreq *)uva_to_kva(ureqs, 0);
    if (!q)
        return AEGIS_E_FAULT;
    int done = 0;
    for (uint32_t i = 0; i < n; i++, q++) {
        if (check_lo(q->va, q->entrylo, q->cap))
            break;
        uint32_t hi = env_hi(q->va), lo = q->entrylo & ~AEGIS_LO_IGNORED;
        stlb_insert(hi, lo);
        uint32_t idx = tlb_probe(hi);
        if (idx != 0xffffffffu)
            tlb_write_index(idx, hi, lo);
        done++;
    }
    restore_entryhi();
    return done == (int)n ? 0 : AEGIS_E_CAP;
}

/* Contiguous pages va, va + 4K, ...: entry i = {entrylo, cap} at uents + i * stride
 * (the application's page table, typically). The STLB entries, and TLB entries
 * already present (so that no stale rights survive). Read page by page of the
 * entries through the env's mappings. */
static int sys_tlb_write_range(uint32_t va, uint32_t uents, uint32_t n, uint32_t stride)
{
    if (n == 0)
        return 0;
    if ((uents & 7) || (stride & 7) || stride == 0 || stride > AEGIS_PAGE_SIZE ||
        va >= AEGIS_USER_TOP || n > (AEGIS_USER_TOP - va) >> AEGIS_PAGE_SHIFT)
        return AEGIS_E_INVAL;
    const struct range_ctx c = {stlb, (stlb_entries - 1) << 3, page_cap, npages, stride};
    uint32_t hi = env_hi(va);
    int r = 0;
    while (n) {
        const uint32_t *k = (const uint32_t *)uva_to_kva(uents, 0);
        if (!k) {
            r = AEGIS_E_FAULT;
            break;
        }
        uint32_t room = AEGIS_PAGE_SIZE - (uents & 0xfffu), fit = n; /* entries in this page */
        if (n > room / stride + 1 || (n - 1) * stride >= room)
            fit = (room + stride - 1) / stride;
        if (aegis_range_write(hi, k, fit, &c) != fit) { /* entry.S */
            r = AEGIS_E_CAP;
            break;
        }
        n -= fit;
        hi += fit << AEGIS_PAGE_SHIFT;
        uents += fit * stride;
    }
    restore_entryhi();
    return r;
}

static void pin_xpage(struct aegis_env *e)
{
    if (!e->xpage_k)
        return;
    uint32_t hi = (e->xpage_u & ~0xfffu) | (e->asid << 6);
    uint32_t lo = ((e->xpage_k - 0x80000000u) & ~0xfffu) | AEGIS_TLB_V | AEGIS_TLB_D;
    uint32_t slot = e->asid & (TLB_WIRED - 1);
    uint32_t idx = tlb_probe(hi);
    if (idx != 0xffffffffu && idx != slot)
        tlb_invalidate_index(idx); /* e.g. refilled through the STLB while unpinned */
    tlb_write_index(slot, hi, lo);
}

static void load_fwd(const struct aegis_env *e)
{
    if (!e->xpage_k) {
        memset(&aegis_fwd, 0, sizeof aegis_fwd);
        aegis_fwd.frame1 = (uint32_t)fwd_scratch;
        return;
    }
    memcpy(aegis_fwd.htab, e->h_exc, sizeof aegis_fwd.htab);
    aegis_fwd.htab[8] = 0; /* Sys never reaches the forwarding path */
    aegis_fwd.tlbmiss = e->h_tlbmiss;
    aegis_fwd.frame1 = e->xpage_k + (1u << AEGIS_XP_FRAME_SHIFT);
    aegis_fwd.delta = e->xpage_k - e->xpage_u;
    aegis_fwd.stub = e->xpage_u + AEGIS_XP_STUB;
}

static int sys_set_exc_handler(uint32_t code, uint32_t entry)
{
    if (code >= 32 || code == 8 || !aegis_cur->xpage_k)
        return AEGIS_E_INVAL;
    aegis_cur->h_exc[code] = entry;
    load_fwd(aegis_cur);
    return 0;
}

static int sys_set_handlers(uint32_t xpage, uint32_t h_tlbmiss, uint32_t h_exc)
{
    struct aegis_env *e = aegis_cur;
    if (xpage & 0xfffu || xpage < AEGIS_SEG1_BASE || xpage >= AEGIS_USER_TOP)
        return AEGIS_E_INVAL;
    struct aegis_gmap *g = gmap_find(e, xpage >> AEGIS_PAGE_SHIFT);
    if (!g || !(g->lo & AEGIS_TLB_D))
        return AEGIS_E_INVAL; /* must be a writable guaranteed mapping */
    struct aegis_xpage *xp = (struct aegis_xpage *)VMSIM_KSEG0(g->lo & ~0xfffu);
    xp->self = xpage;
    for (uint32_t d = 0; d < AEGIS_XP_MAXDEPTH; d++)
        xp->frame[d].stack = AEGIS_XSTACK_TOP - d * AEGIS_PAGE_SIZE - 16;
    e->xpage_u = xpage;
    e->xpage_k = (uint32_t)xp;
    e->h_tlbmiss = h_tlbmiss;
    for (uint32_t c = 0; c < 32; c++)
        e->h_exc[c] = h_exc;
    load_fwd(e);
    pin_xpage(e);
    restore_entryhi();
    return 0;
}

static int sys_guarantee(uint32_t va, uint32_t lo, uint32_t cap)
{
    if (va < AEGIS_SEG1_BASE)
        return AEGIS_E_INVAL;
    int r = check_lo(va, lo, cap);
    if (r)
        return r;
    sys_tlb_flush(va, 1, AEGIS_FLUSH_TLB | AEGIS_FLUSH_STLB);
    return gmap_add(aegis_cur, va, lo);
}

static int sys_region(uint32_t n, uint32_t end)
{
    if (n >= VMSIM_SIMCTL_MAX_REGIONS)
        return AEGIS_E_INVAL;
    if (end)
        vmsim_region_end(n);
    else
        vmsim_region_begin(n);
    return 0;
}

static int sys_info(uint32_t what)
{
    switch (what) {
    case AEGIS_INFO_ENV_ID: return (int)aegis_cur->id;
    case AEGIS_INFO_ASID: return (int)aegis_cur->asid;
    case AEGIS_INFO_NPAGES: return (int)npages;
    case AEGIS_INFO_STLB_ENTRIES: return (int)stlb_entries;
    case AEGIS_INFO_FASTPATH_INSNS: return (int)(aegis_utlb_fast_end - vmsim_utlb_vector) / 4;
    case AEGIS_INFO_NENVS: return (int)nenvs;
    }
    return AEGIS_E_INVAL;
}

static int sys_bad(void) { return AEGIS_E_INVAL; }

typedef int (*syscall_fn)();
#pragma GCC diagnostic ignored "-Woverride-init"
const syscall_fn aegis_systab[AEGIS_SYS_SWITCH_MIN] = {
    [0 ... AEGIS_SYS_SWITCH_MIN - 1] = (syscall_fn)sys_bad,
    [AEGIS_SYS_CPUTS] = (syscall_fn)sys_cputs,
    [AEGIS_SYS_PAGE_ALLOC] = (syscall_fn)sys_page_alloc,
    [AEGIS_SYS_PAGE_FREE] = (syscall_fn)sys_page_free,
    [AEGIS_SYS_TLB_WRITE] = (syscall_fn)sys_tlb_write,
    [AEGIS_SYS_TLB_FLUSH] = (syscall_fn)sys_tlb_flush,
    [AEGIS_SYS_STLB_PROBE] = (syscall_fn)sys_stlb_probe,
    [AEGIS_SYS_STLB_UPDATE] = (syscall_fn)sys_stlb_update,
    [AEGIS_SYS_TLB_WRITE_N] = (syscall_fn)sys_tlb_write_n,
    [AEGIS_SYS_SET_HANDLERS] = (syscall_fn)sys_set_handlers,
    [AEGIS_SYS_GUARANTEE] = (syscall_fn)sys_guarantee,
    [AEGIS_SYS_REGION] = (syscall_fn)sys_region,
    [AEGIS_SYS_INFO] = (syscall_fn)sys_info,
    [AEGIS_SYS_TLB_WRITE_RANGE] = (syscall_fn)sys_tlb_write_range,
    [AEGIS_SYS_PAGE_SETCAP] = (syscall_fn)sys_page_setcap,
    [AEGIS_SYS_SET_EXC_HANDLER] = (syscall_fn)sys_set_exc_handler,
};

/* ---- environments ------------------------------------------------------------------- */
enum { ENV_FREE, ENV_RUNNABLE, ENV_DEAD };

static void switch_to(struct aegis_env *e)
{
    aegis_cur = e;
    load_fwd(e);
    restore_entryhi();
    pin_xpage(e);
    restore_entryhi();
}

static void finish(void) __attribute__((noreturn));
static void finish(void)
{
    int code = 0;
    for (unsigned i = 0; i < nenvs; i++)
        if (envs[i].exit_code && !code)
            code = (int)envs[i].exit_code;
    vmsim_exit(code);
}

/* entry.S, for yield and exit: the env to continue. */
struct aegis_env *aegis_switch(uint32_t num, uint32_t arg)
{
    struct aegis_env *e = aegis_cur;
    if (num == AEGIS_SYS_EXIT) {
        e->state = ENV_DEAD;
        e->exit_code = arg;
    } else if (num != AEGIS_SYS_YIELD) {
        return e; /* unknown number: nothing happens */
    }
    for (unsigned k = 1; k <= nenvs; k++) {
        struct aegis_env *n = &envs[(e->id + k) % nenvs];
        if (n->state == ENV_RUNNABLE) {
            if (n != e)
                switch_to(n);
            return n;
        }
    }
    finish();
}

static const char *const fatal_what[] = {"in kernel mode", "no handler registered",
                                         "forwarded exceptions nested too deep"};

void aegis_fatal(int reason)
{
    uint32_t cause = C0_READ(13), epc = C0_READ(14), bad = C0_READ(8);
    printf("aegis: unhandled exception ExcCode=%u EPC=0x%08x BadVAddr=0x%08x env=%d (%s)\n",
           (unsigned)VMSIM_CAUSE_EXCCODE(cause), (unsigned)epc, (unsigned)bad,
           aegis_cur ? (int)aegis_cur->id : -1, fatal_what[reason]);
    vmsim_exit(AEGIS_EXIT_FAULT);
}

static void boot_fail(int code, const char *msg, uint32_t value) __attribute__((noreturn));
static void boot_fail(int code, const char *msg, uint32_t value)
{
    printf("aegis: %s (%u)\n", msg, (unsigned)value);
    vmsim_exit(code);
}

/* Minimal ELF32 structures. */
struct elf_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version, entry, phoff, shoff, flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf_phdr {
    uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

static uint32_t kalloc(struct aegis_env *e)
{
    uint32_t pfn = page_find_free();
    if (pfn == 0xffffffffu)
        boot_fail(AEGIS_EXIT_BADAPP, "out of memory loading an application", e->id);
    page_take(pfn, OWNER_ENV(e), e->cap);
    memset(pfn_kva(pfn), 0, AEGIS_PAGE_SIZE);
    return pfn;
}

static void map_new(struct aegis_env *e, uint32_t va, uint32_t flags)
{
    uint32_t pfn = kalloc(e);
    gmap_add(e, va, (pfn << AEGIS_PAGE_SHIFT) | flags);
}

/* Page colouring for application code: the DECstation's caches are physically
 * indexed, direct-mapped, 64 KB (AEGIS_CACHE_COLORS pages). Code pages of an
 * application get colours the kernel's own code does not use, so that the
 * kernel's exception paths and the application's handlers do not evict each
 * other from the I-cache. Falls back to any page. */
#define AEGIS_CACHE_COLORS 16u
extern char __aegis_text_end[];

static uint32_t kalloc_code(struct aegis_env *e)
{
    uint32_t kcolors = (((uint32_t)__aegis_text_end - 0x80000000u) + 0xfffu) >> AEGIS_PAGE_SHIFT;
    if (kcolors < AEGIS_CACHE_COLORS)
        for (uint32_t p = 0; p < npages; p++)
            if ((p % AEGIS_CACHE_COLORS) >= kcolors && page_is_free(p)) {
                page_take(p, OWNER_ENV(e), e->cap);
                memset(pfn_kva(p), 0, AEGIS_PAGE_SIZE);
                return p;
            }
    return kalloc(e);
}

static void env_create(struct aegis_env *e, unsigned id, const uint8_t *elf, uint32_t size)
{
    const struct elf_ehdr *h = (const struct elf_ehdr *)elf;
    memset(e, 0, sizeof *e);
    e->id = id;
    e->asid = id + 1;
    e->cap = 0x9e3779b9u * (id + 1) ^ 0xae915u; /* kernel-chosen, never told */
    if (size < sizeof *h || memcmp(h->ident, "\177ELF", 4) || h->phentsize != sizeof(struct elf_phdr))
        boot_fail(AEGIS_EXIT_BADAPP, "application image is not an ELF32 file", id);
    for (unsigned i = 0; i < h->phnum; i++) {
        const struct elf_phdr *p = (const struct elf_phdr *)(elf + h->phoff) + i;
        if (p->type != 1 || p->memsz == 0)
            continue;
        if (p->vaddr < AEGIS_SEG1_BASE || p->vaddr + p->memsz > AEGIS_USTACK_TOP - 0x100000u ||
            p->offset + p->filesz > size)
            boot_fail(AEGIS_EXIT_BADAPP, "application segment outside segment 1", p->vaddr);
        for (uint32_t va = p->vaddr & ~0xfffu; va < p->vaddr + p->memsz; va += AEGIS_PAGE_SIZE) {
            struct aegis_gmap *g = gmap_find(e, va >> AEGIS_PAGE_SHIFT);
            if (!g) {
                uint32_t pfn = (p->flags & 1) ? kalloc_code(e) : kalloc(e); /* PF_X */
                gmap_add(e, va, (pfn << AEGIS_PAGE_SHIFT) | AEGIS_TLB_V | AEGIS_TLB_D);
                g = gmap_find(e, va >> AEGIS_PAGE_SHIFT);
            }
            uint8_t *k = pfn_kva(g->lo >> AEGIS_PAGE_SHIFT);
            for (uint32_t b = 0; b < AEGIS_PAGE_SIZE; b++) {
                uint32_t a = va + b;
                if (a >= p->vaddr && a < p->vaddr + p->filesz)
                    k[b] = elf[p->offset + (a - p->vaddr)];
            }
        }
    }
    for (int i = 1; i <= AEGIS_USTACK_PAGES; i++)
        map_new(e, AEGIS_USTACK_TOP - i * AEGIS_PAGE_SIZE, AEGIS_TLB_V | AEGIS_TLB_D);
    for (int i = 1; i <= AEGIS_XP_MAXDEPTH; i++)
        map_new(e, AEGIS_XSTACK_TOP - i * AEGIS_PAGE_SIZE, AEGIS_TLB_V | AEGIS_TLB_D);
    for (uint32_t i = 0; i * 32768 < npages; i++) /* the free bitmap, read-only */
        gmap_add(e, AEGIS_FREEMAP_VA + i * AEGIS_PAGE_SIZE,
                 (((uint32_t)freemap - 0x80000000u) + i * AEGIS_PAGE_SIZE) | AEGIS_TLB_V);
    e->ctx[9] = AEGIS_USTACK_TOP - 16;
    e->ctx[11] = h->entry;
    e->state = ENV_RUNNABLE;
}

extern const uint8_t aegis_app_start[], aegis_app_end[];

int main(void)
{
    const struct vmsim_bootparams *bp = &aegis_bootparams;
    int have_bp = bp->magic == VMSIM_BOOTPARAMS_MAGIC && bp->version == VMSIM_BOOTPARAMS_VERSION;

    /* RAM: from the block, else from the boot stack the simulator put at its top. */
    uint32_t sp = (uint32_t)__builtin_frame_address(0);
    uint32_t ram = (have_bp && bp->ram_size) ? bp->ram_size
                                             : ((sp - 0x80000000u + 0xffffu) & ~0xffffu);
    npages = ram >> AEGIS_PAGE_SHIFT;
    if (npages > AEGIS_MAX_PAGES)
        npages = AEGIS_MAX_PAGES;

    stlb_entries = (have_bp && bp->stlb_entries) ? bp->stlb_entries : VMSIM_STLB_DEFAULT_ENTRIES;
    if (stlb_entries & (stlb_entries - 1) || stlb_entries > VMSIM_STLB_MAX_ENTRIES) {
        printf("aegis: boot parameter stlb_entries=%u is not a power of two in 1..%u\n",
               (unsigned)stlb_entries, (unsigned)VMSIM_STLB_MAX_ENTRIES);
        vmsim_exit(AEGIS_EXIT_BADPARAM);
    }

    /* STLB: at the first 4 MB boundary above the kernel image (entry.S). */
    uint32_t kend = ((uint32_t)_end - 0x80000000u + 0xfffu) & ~0xfffu;
    uint32_t stlb_pa = (kend + 0x3fffffu) & ~0x3fffffu;
    uint32_t stlb_bytes = stlb_entries * 8;
    uint32_t kstack_pages = 4; /* the boot stack at the top of RAM */
    if (stlb_pa + stlb_bytes + (kstack_pages << AEGIS_PAGE_SHIFT) > (npages << AEGIS_PAGE_SHIFT))
        boot_fail(AEGIS_EXIT_BADPARAM, "RAM too small for the kernel and its STLB, bytes", ram);
    stlb = (uint32_t *)VMSIM_KSEG0(stlb_pa);
    for (uint32_t i = 0; i < stlb_entries; i++) {
        stlb[2 * i] = STLB_EMPTY;
        stlb[2 * i + 1] = 0;
    }
    aegis_stlb_mask = VMSIM_KSEG0(stlb_pa) | ((stlb_entries - 1) << 3);
    C0_WRITE(4, VMSIM_KSEG0(stlb_pa) >> 1); /* Context.PTEBase = B / 2 */

    /* Physical pages: the kernel image, the STLB and the boot stack are the kernel's. */
    for (uint32_t p = 0; p < npages; p++) {
        uint32_t pa = p << AEGIS_PAGE_SHIFT;
        int kernel = pa < kend || (pa >= stlb_pa && pa < stlb_pa + stlb_bytes) ||
                     p >= npages - kstack_pages;
        if (kernel)
            page_take(p, OWNER_KERNEL, AEGIS_CAP_NONE);
        else {
            freemap[p >> 5] |= 1u << (p & 31);
            page_cap[p] = AEGIS_CAP_NONE;
        }
    }

    nenvs = AEGIS_NUM_ENVS;
    for (unsigned i = 0; i < nenvs; i++)
        env_create(&envs[i], i, aegis_app_start, (uint32_t)(aegis_app_end - aegis_app_start));

    switch_to(&envs[0]);
    C0_WRITE(12, 0x8); /* KUp = 1: the rfe in aegis_resume_env enters user mode */
    aegis_resume_env(&envs[0]);
}
