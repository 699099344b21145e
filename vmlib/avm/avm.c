/* AVM: the application-level virtual memory system (see avm.h). */
#include <stdio.h>
#include <aegis/sys.h>
#include <vmsim/bootparams.h>
#include "avm.h"
#include "avm_regions.h"

#define PAGE_SHIFT AEGIS_PAGE_SHIFT
#define EXC_MOD 1
#define EXC_TLBL 2
#define EXC_TLBS 3
#define AVM_HEAP_BASE 0x10000000u /* segment 0: where avm_alloc places pages */

static const struct avm_pt_ops *ops;
static unsigned mapped_pages; /* entries in the page table */
static int measure_lookups;    /* avm.measure_lookups: time each page-table lookup */
static uint32_t cap;
static uint32_t heap_next = AVM_HEAP_BASE;
static avm_fault_handler_t fault_handler;
static avm_exc_handler_t exc_handler;

/* The entry's word with protection prot: V, D and the protection bits follow. */
_Static_assert(AVM_PTE_DIRTY << 8 == AEGIS_TLB_D, "AVM's dirty bit sits 8 below D");
#define LO_PROT_BITS (AVM_PTE_PROT | AEGIS_TLB_V | AEGIS_TLB_D)
static inline uint32_t lo_with_prot(uint32_t lo, unsigned prot)
{
    lo &= ~LO_PROT_BITS;
    if (prot == AVM_PROT_NONE)
        return lo;
    lo |= prot | AEGIS_TLB_V;
    if (prot == AVM_PROT_RW)
        lo |= (lo & AVM_PTE_DIRTY) << 8;
    return lo;
}

/* An operand or result held in a register at a region boundary: the work that
 * computes it finishes before, the work that uses it starts after (the empty asm
 * may change it and clobbers memory; workloads/appel/appel.c does the same). */
#define SETTLE(x) __asm__ volatile("" : "+r"(x) : : "memory")

/* The first write of a page allowed to be written: the software dirty bit, and D. */
static inline uint32_t lo_dirty(uint32_t lo)
{
    return lo | AVM_PTE_DIRTY | AEGIS_TLB_D;
}

int avm_init(void)
{
    /* The structure the boot parameter names; the kernel passes the value on. */
    uint32_t pt = (uint32_t)aegis_info(AEGIS_INFO_AVM_PAGETABLE);
    if (pt >= avm_npagetables) {
        printf("avm: boot parameter avm.pagetable=%u names no page table of this library:",
               (unsigned)pt);
        for (unsigned i = 0; i < avm_npagetables; i++)
            printf(" %u = %s", i, avm_pagetables[i]->name);
        printf("\n");
        aegis_exit(AEGIS_EXIT_BADPARAM);
    }
    ops = avm_pagetables[pt];
    /* What the structures are sized by: the frames the kernel manages (inverted)
     * and avm.hashed_buckets, which the kernel passes on from the boot block. */
    struct avm_pt_params params = {
        (uint32_t)aegis_info(AEGIS_INFO_NPAGES),
        (uint32_t)aegis_info(AEGIS_INFO_BOOTPARAM(VMSIM_BOOTPARAMS_OFF_AVM_HASHED_BUCKETS))};
    if (ops->init(&params)) {
        printf("avm: page table %s does not fit frames=%u avm.hashed_buckets=%u (limits: "
               "vmlib/avm/README.md)\n",
               ops->name, (unsigned)params.frames, (unsigned)params.hashed_buckets);
        aegis_exit(AEGIS_EXIT_BADPARAM);
    }
    measure_lookups = aegis_info(AEGIS_INFO_BOOTPARAM(VMSIM_BOOTPARAMS_OFF_AVM_MEASURE_LOOKUPS)) != 0;
    mapped_pages = 0;
    cap = 0x41564d00u ^ ((uint32_t)aegis_info(AEGIS_INFO_ENV_ID) * 0x9e3779b1u);
    /* Every exception to avm_exception, except the protection faults of
     * avm_protect's invalid entries, which go straight to the fault handler. */
    if (aegis_set_handlers(&aegis_xpage, avm_tlb_miss, avm_exception) ||
        aegis_set_exc_handler(EXC_TLBL, avm_prot_read) ||
        aegis_set_exc_handler(EXC_TLBS, avm_prot_write))
        return -1;
    return 0;
}

uint32_t avm_cap(void) { return cap; }

int avm_page_alloc(uint32_t pfn) { return aegis_page_alloc(pfn, cap); }

int avm_map(uint32_t va, uint32_t pfn, uint32_t pcap, unsigned prot)
{
    int existed = ops->lookup(va >> PAGE_SHIFT) != 0;
    struct avm_pte *p = ops->insert(va >> PAGE_SHIFT, lo_with_prot(pfn << PAGE_SHIFT, prot & AVM_PTE_PROT));
    if (!p)
        return -1;
    p->cap = pcap;
    if (existed)
        aegis_tlb_flush(va & ~0xfffu, 1, AEGIS_FLUSH_TLB | AEGIS_FLUSH_STLB);
    else
        mapped_pages++;
    return 0;
}

int avm_unmap(uint32_t va)
{
    if (ops->remove(va >> PAGE_SHIFT))
        return -1;
    mapped_pages--;
    return aegis_tlb_flush(va & ~0xfffu, 1, AEGIS_FLUSH_TLB | AEGIS_FLUSH_STLB);
}

void *avm_alloc(unsigned npages, unsigned prot)
{
    uint32_t va = heap_next;
    for (unsigned i = 0; i < npages; i++) {
        int pfn = aegis_page_alloc(AEGIS_ANY_PAGE, cap);
        if (pfn < 0 || avm_map(va + (i << PAGE_SHIFT), (uint32_t)pfn, cap, prot))
            return 0;
    }
    heap_next += npages << PAGE_SHIFT;
    return (void *)va;
}

int avm_protect(uint32_t va, unsigned npages, unsigned prot)
{
    va &= ~0xfffu;
    prot &= AVM_PTE_PROT;
    if (npages == 0)
        return 0;
    uint32_t vpn = va >> PAGE_SHIFT;
    struct avm_pte *run = ops->run ? ops->run(vpn, npages) : 0;
    if (!run) { /* not one array: page by page */
        struct avm_pte *p = ops->lookup(vpn);
        for (unsigned i = 0; i < npages; i++, p = ops->next(p)) {
            if (!p)
                return -1;
            p->lo = lo_with_prot(p->lo, prot);
            if (prot != AVM_PROT_NONE && aegis_tlb_write(va + (i << PAGE_SHIFT), p->lo, p->cap))
                return -1;
        }
        return prot == AVM_PROT_NONE
                   ? aegis_tlb_flush(va, npages,
                                     AEGIS_FLUSH_TLB | AEGIS_FLUSH_STLB | AEGIS_FLUSH_INVALID)
                   : 0;
    }
    if (prot == AVM_PROT_NONE) {
        /* Page table, then one kernel call for the STLB and TLB copies: they
         * become invalid entries, so an access raises TLBL/TLBS, which the
         * kernel forwards to avm_prot_read/write: no page-table lookup. */
        for (unsigned i = 0; i < npages; i++)
            run[i].lo &= ~LO_PROT_BITS;
        return aegis_tlb_flush(va, npages,
                               AEGIS_FLUSH_TLB | AEGIS_FLUSH_STLB | AEGIS_FLUSH_INVALID);
    }
    /* Granting access: the page table, then the new entries in the kernel's
     * STLB (and over any TLB copy), each page's capability checked. A single
     * page goes into the TLB as well; a range is one call that reads the page
     * table's {lo, cap} words. */
    if (npages == 1) {
        run->lo = lo_with_prot(run->lo, prot);
        return aegis_tlb_write(va, run->lo, run->cap);
    }
    if (prot == AVM_PROT_RW) {
        for (unsigned i = 0; i < npages; i++) {
            uint32_t lo = run[i].lo & ~LO_PROT_BITS;
            run[i].lo = lo | AVM_PROT_RW | AEGIS_TLB_V | ((lo & AVM_PTE_DIRTY) << 8);
        }
    } else {
        for (unsigned i = 0; i < npages; i++)
            run[i].lo = lo_with_prot(run[i].lo, prot);
    }
    return aegis_tlb_write_range(va, &run->lo, npages, sizeof *run);
}

int avm_dirty(uint32_t va)
{
    const struct avm_pte *p = ops->lookup(va >> PAGE_SHIFT);
    return p ? (p->lo & AVM_PTE_DIRTY) != 0 : -1;
}

void avm_set_fault_handler(avm_fault_handler_t h) { fault_handler = h; }
void avm_set_exc_handler(avm_exc_handler_t h) { exc_handler = h; }

static void fatal(struct aegis_xframe *xf, uint32_t cause, uint32_t badvaddr)
    __attribute__((noreturn, noinline));
static void fatal(struct aegis_xframe *xf, uint32_t cause, uint32_t badvaddr)
{
    printf("avm: unhandled exception ExcCode=%u EPC=0x%08x BadVAddr=0x%08x\n",
           (unsigned)AEGIS_CAUSE_EXCCODE(cause), (unsigned)xf->epc, (unsigned)badvaddr);
    aegis_exit(AEGIS_EXIT_FAULT);
}

static inline void fault(struct aegis_xframe *xf, uint32_t cause, uint32_t badvaddr, int is_write)
{
    avm_fault_handler_t h = fault_handler;
    if (!h)
        fatal(xf, cause, badvaddr);
    h((void *)badvaddr, is_write);
}

/* Forwarded by the kernel when neither the TLB nor the STLB maps the page. With
 * the boot parameter avm.measure_lookups, the page-table lookup is measured
 * region AVM_REGION_LOOKUP, after an empty region that measures the begin/end
 * pair in place (avm_regions.h). Off by default: those system calls would sit
 * inside whatever region the application measures (the Appel benchmarks'). */
void avm_tlb_miss(struct aegis_xframe *xf, uint32_t cause, uint32_t va)
{
    int is_write = AEGIS_CAUSE_EXCCODE(cause) == EXC_TLBS;
    uint32_t vpn = va >> PAGE_SHIFT;
    struct avm_pte *p;
    if (measure_lookups) {
        SETTLE(vpn);
        aegis_region_begin(AVM_REGION_LOOKUP_NULL);
        aegis_region_end(AVM_REGION_LOOKUP_NULL);
        aegis_region_begin(AVM_REGION_LOOKUP);
        p = ops->lookup(vpn);
        aegis_region_end(AVM_REGION_LOOKUP);
        SETTLE(p);
    } else {
        p = ops->lookup(vpn);
    }
    if (p) {
        unsigned prot = p->lo & AVM_PTE_PROT;
        if (prot == AVM_PROT_RW || (prot == AVM_PROT_READ && !is_write)) {
            if (is_write)
                p->lo = lo_dirty(p->lo);
            aegis_tlb_write(va, p->lo, p->cap);
            return;
        }
    }
    fault(xf, cause, va, is_write);
}

/* TLBL/TLBS on an invalid entry (avm_protect's): a protection fault, reported
 * without a page-table lookup. The kernel enters these directly. */
void avm_prot_read(struct aegis_xframe *xf, uint32_t cause, uint32_t badvaddr)
{
    fault(xf, cause, badvaddr, 0);
}

void avm_prot_write(struct aegis_xframe *xf, uint32_t cause, uint32_t badvaddr)
{
    fault(xf, cause, badvaddr, 1);
}

/* Every other forwarded exception. */
void avm_exception(struct aegis_xframe *xf, uint32_t cause, uint32_t badvaddr)
{
    unsigned code = AEGIS_CAUSE_EXCCODE(cause);
    if (code == EXC_TLBL || code == EXC_TLBS) { /* an invalid entry: avm_protect's */
        fault(xf, cause, badvaddr, code == EXC_TLBS);
        return;
    }
    if (code == EXC_MOD) {
        struct avm_pte *p = ops->lookup(badvaddr >> PAGE_SHIFT);
        if (p && (p->lo & AVM_PTE_PROT) == AVM_PROT_RW) {
            p->lo = lo_dirty(p->lo); /* first write: the software dirty bit */
            aegis_tlb_write(badvaddr, p->lo, p->cap);
            return;
        }
        fault(xf, cause, badvaddr, 1);
        return;
    }
    xf->cause = cause; /* for exc_handler */
    xf->badvaddr = badvaddr;
    if (exc_handler && exc_handler(xf))
        return;
    fatal(xf, cause, badvaddr);
}

/* Called by the runtime after main returns (crt0.S): what the page table cost. */
void aegis_libos_exit(void)
{
    if (ops)
        printf("avm: pagetable=%s bytes=%u pages=%u\n", ops->name, (unsigned)ops->bytes(),
               mapped_pages);
}
