/*
 * unix kernel stub: physical pages, page tables, regions, mprotect and sbrk.
 *
 * Each process has a linear page table in kseg2 (512K PTEs in EntryLo format,
 * 2 MB) that the UTLB refill handler reads through Context. The kernel itself
 * reaches PTEs through kseg0, from the physical page-table pages recorded in
 * usrptmap[], so only the refill handler ever misses on the kseg2 addresses.
 * Page-table pages that hold no mapping all share one zeroed page, mapped
 * read-only: a refill from it loads an invalid PTE, and the access faults
 * through the general vector into trap() like any unmapped address.
 */
#include <string.h>
#include <unix/syscall.h>
#include <vmsim/bootparams.h>

#include "kern.h"

uint32_t usrptmap[UPT_PAGES];  /* EntryLo of each kseg2 page of the page-table area */

static uint32_t next_frame, end_frame;  /* physical page allocator (never freed) */
static uint32_t empty_ptpage;           /* EntryLo of the shared empty page-table page */

static uint32_t frame_alloc(void)
{
    if (next_frame >= end_frame)
        panic("out of physical memory");
    uint32_t pa = next_frame;
    next_frame += NBPG;
    memset((void *)KSEG0(pa), 0, NBPG);
    cnt.frames++;
    return pa;
}

void vm_bootstrap(uint32_t first_free_pa)
{
    next_frame = round_page(first_free_pa);
    /* The top 16 KB of RAM hold the boot stack (the one the simulator gave). */
    end_frame = trunc_page(ram_top & 0x1fffffffu) - 16u * 1024u;
    empty_ptpage = frame_alloc() | PG_V | PG_G;
    for (unsigned i = 0; i < UPT_PAGES; i++)
        usrptmap[i] = empty_ptpage;
}

static uint32_t *ptpage_slot(struct proc *p, uint32_t va)
{
    return &usrptmap[((p->upt - UPT_AREA) >> PGSHIFT) + (va >> 22)];
}

/* The PTE of va in p's page table, or 0 when its page-table page holds no
 * mapping yet. The address is the PTE's kseg2 address (4.3BSD's vtopte: the
 * page-table base plus the virtual page number), so kernel references to it go
 * through the TLB and may take a kernel TLB miss (locore's exc_ktlb). */
uint32_t *pte_lookup(struct proc *p, uint32_t va)
{
    if (*ptpage_slot(p, va) == empty_ptpage)
        return 0;
    return (uint32_t *)p->upt + (va >> PGSHIFT);
}

static uint32_t *pte_alloc(struct proc *p, uint32_t va)
{
    uint32_t *slot = ptpage_slot(p, va);
    if (*slot == empty_ptpage) {
        *slot = frame_alloc() | PG_V | PG_M | PG_G;
        /* The shared empty page may be in the TLB under this kseg2 address. */
        tlb_flush_addr(p->upt + ((va >> 22) << PGSHIFT));
    }
    return pte_lookup(p, va);
}

static uint32_t pte_bits(int prot)
{
    if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
        return 0;
    return PG_V | (prot & PROT_WRITE ? PG_M : 0);
}

/* Maps a fresh zeroed page at va; returns its physical address. */
uint32_t map_zero_page(struct proc *p, uint32_t va, int prot)
{
    uint32_t *pte = pte_alloc(p, va);
    if (*pte)
        panic("map_zero_page: page already mapped");
    uint32_t pa = frame_alloc();
    *pte = pa | pte_bits(prot);
    return pa;
}

struct vm_region *region_find(struct proc *p, uint32_t va)
{
    for (struct vm_region *r = p->regions; r; r = r->next)
        if (va >= r->start && va < r->end)
            return r;
    return 0;
}

struct vm_region *region_add(struct proc *p, uint32_t start, uint32_t end, int maxprot,
                             const char *name)
{
    static struct vm_region pool[8];
    static unsigned used;
    if (used == sizeof pool / sizeof pool[0])
        panic("out of regions");
    struct vm_region *r = &pool[used++];
    r->start = start;
    r->end = end;
    r->maxprot = maxprot;
    r->name = name;
    struct vm_region **link = &p->regions;
    while (*link && (*link)->start < start)
        link = &(*link)->next;
    r->next = *link;
    *link = r;
    return r;
}

/* 1 if the user may access [va, va + len) now (4.3BSD's useracc): every page
 * mapped, valid, and writable when write is set. */
int useracc(struct proc *p, uint32_t va, uint32_t len, int write)
{
    if (len == 0)
        return 1;
    if (va + len < va || va + len > 0x80000000u)
        return 0;
    for (uint32_t pg = trunc_page(va); pg < va + len; pg += NBPG) {
        uint32_t *pte = pte_lookup(p, pg);
        if (!pte || !(*pte & PG_V) || (write && !(*pte & PG_M)))
            return 0;
    }
    return 1;
}

/* Above this many pages, mprotect drops all of the process's TLB entries at
 * once by giving it a new ASID (the TLB PID per process of the MIPS Unix
 * kernels) instead of probing the TLB page by page: a probe costs about 20
 * instructions a page, while the new ASID costs a refill only for pages the
 * process touches again. Set at boot from the boot parameter block
 * (unix.mprotect_asid_threshold); from VMSIM_UNIX_MPROTECT_ASID_NEVER on,
 * every range is flushed page by page.
 *
 * What the MIPS Unix kernels did (vmlib/unix/README.md, "mprotect and the
 * TLB", has the sources):
 * - Ultrix 4.2: source never published; a TLB PID per process, a full flush
 *   when they run out. Whether mprotect switched PIDs for a range, no public
 *   source we have says.
 * - 4.4BSD pmax (CSRG 1992-1995): pmap_protect never switches PIDs for a
 *   range; it updates each page's TLB entry in place (probe, rewrite),
 *   and pmap_remove (protection without read) flushes page by page. A new
 *   TLB PID is taken only at context switch, generation-counted.
 * Our choices: switching ASID above a threshold, the value 16 (for the
 * Appel-Li benchmarks, whose ranges are 1 and 100 pages, any value from 1 to
 * 99 behaves alike), and probing only the pages whose PTE changed. */
uint32_t mprotect_asid_threshold = VMSIM_UNIX_MPROTECT_ASID_DEFAULT;

/* Give p a fresh ASID; after the last one, flush the whole TLB and start over. */
static void new_tlbpid(struct proc *p)
{
    static unsigned next_asid = 2; /* ASID 1 went to pid 1 at boot */
    if (next_asid > 63) {
        tlb_flush_all();
        next_asid = 1;
    }
    p->asid = next_asid++;
    set_entryhi(p->asid << ASID_SHIFT);
    cnt.tlbpid_flushes++;
}

/* Sets the protection bits of the PTEs of [s, e) (inside one region) to bits;
 * flushes each changed page's TLB entry when per_page. Returns how many PTEs
 * changed. */
static unsigned chprot(struct proc *p, uint32_t s, uint32_t e, uint32_t bits, int per_page)
{
    uint32_t asid = p->asid << ASID_SHIFT;
    unsigned changed = 0;
    while (s < e) {
        /* one page-table page (4 MB of address space) at a time */
        uint32_t chunk = (s | 0x3fffffu) + 1;
        if (chunk > e || chunk == 0)
            chunk = e;
        uint32_t *pte = pte_lookup(p, s);
        if (pte) {
            for (; s < chunk; s += NBPG, pte++) {
                uint32_t opte = *pte;
                uint32_t npte = (opte & ~(PG_V | PG_M)) | bits;
                if (!opte || npte == opte)
                    continue;
                *pte = npte;
                changed++;
                if (per_page) {
                    tlb_flush_addr(s | asid);
                    cnt.tlb_flushes++;
                }
            }
        }
        s = chunk;
    }
    return changed;
}

/* mprotect(2): walk the region list over [addr, addr + len), check every page
 * is in a region that allows prot, then rewrite each PTE that changes and
 * flush its TLB entry (tlbp; invalidate the matching entry), or for a large
 * range retire all the process's TLB entries at once. */
int vm_mprotect(struct proc *p, uint32_t addr, uint32_t len, int prot)
{
    if (addr & PGOFSET)
        return EINVAL;
    uint32_t end = round_page(addr + len);
    if (end < addr || end > 0x80000000u)
        return ENOMEM;
    for (uint32_t va = addr; va < end;) {
        struct vm_region *r = region_find(p, va);
        if (!r)
            return ENOMEM;
        if (prot & ~r->maxprot)
            return EACCES;
        va = r->end < end ? r->end : end;
    }
    uint32_t bits = pte_bits(prot);
    int per_page = (end - addr) >> PGSHIFT <= mprotect_asid_threshold;
    unsigned changed = 0;
    for (struct vm_region *r = p->regions; r && r->start < end; r = r->next) {
        if (r->end <= addr)
            continue;
        changed += chprot(p, r->start > addr ? r->start : addr, r->end < end ? r->end : end, bits,
                          per_page);
    }
    if (!per_page && changed)
        new_tlbpid(p);
    return 0;
}

/* sbrk(2): grow (or query) the heap; new pages are zero-filled read-write. */
int vm_sbrk(struct proc *p, int32_t incr, uint32_t *old)
{
    struct vm_region *h = p->heap;
    uint32_t nbrk = p->brk + (uint32_t)incr;
    if (incr < 0 || nbrk < p->brk)
        return EINVAL; /* shrinking is not supported */
    uint32_t nend = round_page(nbrk);
    if (nend > p->stack->start)
        return ENOMEM;
    for (uint32_t va = h->end; va < nend; va += NBPG)
        map_zero_page(p, va, PROT_READ | PROT_WRITE);
    h->end = nend;
    p->p_dsize = (nend - p->p_daddr) >> PGSHIFT;
    *old = p->brk;
    p->brk = nbrk;
    return 0;
}

/* Pages the stack grows by beyond what a fault below it needs (4.3BSD's SINCR). */
#define SINCR 2

/* grow (4.3BSD): sp is below the stack segment; if the stack may grow down to
 * it (within the stack limit and above the heap), map zero-filled pages down
 * to sp and SINCR more, and return 1. Returns 0 when sp is already in the
 * stack or the stack cannot reach it. */
int grow(struct proc *p, uint32_t sp)
{
    uint32_t base = USRSTACK - (p->p_ssize << PGSHIFT);
    if (sp >= base || sp >= USRSTACK)
        return 0;
    uint32_t si = ((base - trunc_page(sp)) >> PGSHIFT) + SINCR;
    uint32_t nssize = p->p_ssize + si;
    if (nssize > p->p_maxssize >> PGSHIFT)
        return 0;
    uint32_t nbase = USRSTACK - (nssize << PGSHIFT);
    if (nbase < round_page(p->brk) || nbase < p->heap->end)
        return 0;
    for (uint32_t va = nbase; va < base; va += NBPG)
        map_zero_page(p, va, PROT_READ | PROT_WRITE);
    p->stack->start = nbase;
    p->p_ssize = nssize;
    return 1;
}

/* The VM fault routine (4.3BSD's pagein, for what this kernel has: every page
 * of a segment is resident, so a fault is either a stale TLB entry or a
 * protection violation). Called from trap() for TLBL/TLBS/Mod on a user
 * address with write = the access was a store. Validates the address against
 * the process's text, data and stack segments (u_tsize/u_dsize/u_ssize), finds
 * its map entry (region) and PTE, and decides. */
int vm_fault(struct proc *p, uint32_t va, int write)
{
    cnt.faults++;
    uint32_t vpn = va >> PGSHIFT;
    int text = 0;
    if (vpn - (p->p_taddr >> PGSHIFT) < p->p_tsize)
        text = 1;                                              /* isatsv */
    else if (vpn - (p->p_daddr >> PGSHIFT) < p->p_dsize)
        ;                                                      /* isadsv */
    else if ((USRSTACK >> PGSHIFT) - 1 - vpn < p->p_ssize)
        ;                                                      /* isassv */
    else
        return FAULT_BADADDR;
    struct vm_region *r = region_find(p, va);
    if (!r)
        return FAULT_BADADDR; /* a hole between segments (the page after the data) */
    uint32_t *pte = pte_lookup(p, va);
    if (!pte || !(*pte & PG_FRAME))
        return FAULT_NOPAGE;
    /* Protection: the segment's maximum (text is never writable), then the
     * page's current protection in its PTE. */
    if (write && (text || !(r->maxprot & PROT_WRITE)))
        return FAULT_PROTECTION;
    uint32_t pte_v = *pte;
    if (!(pte_v & PG_V) || (write && !(pte_v & PG_M)))
        return FAULT_PROTECTION;
    /* The PTE allows the access: the TLB held an older copy (an mprotect that
     * raised the protection without a flush reaching it). Drop it; the retry
     * refills from the page table. A fault serviced without I/O: ru_minflt. */
    tlb_flush_addr(trunc_page(va) | (p->asid << ASID_SHIFT));
    p->p_ru.ru_minflt++;
    return FAULT_OK;
}
