/*
 * aegis test application: AVM map/protect/fault/unprotect, the software dirty
 * bit, forwarded exceptions (address error, break) with registers preserved,
 * the free bitmap, specific page allocation and the capability check on TLB
 * writes. Prints "avm-test: <check> ok" per check, "avm-test: FAIL ..." on a
 * failure (exit 1), "avm-test: done" at the end (exit 0).
 */
#include <stdio.h>
#include <aegis/sys.h>
#include <vmsim/bootparams.h>
#include <vmsim/vmbench.h>
#include "avm.h"

static int failures;
#define CHECK(name, cond)                                                     \
    do {                                                                      \
        if (cond)                                                             \
            printf("avm-test: %s ok\n", name);                                \
        else {                                                                \
            printf("avm-test: FAIL %s (line %d)\n", name, __LINE__);          \
            failures++;                                                       \
        }                                                                     \
    } while (0)

static volatile unsigned nfaults;
static volatile uint32_t last_addr;
static volatile int last_write;
static int unprotect_in_handler = 1;

static int map_in_handler;
static void on_fault(void *addr, int is_write)
{
    nfaults++;
    last_addr = (uint32_t)addr;
    last_write = is_write;
    if (map_in_handler) { /* a fresh page where the access faulted */
        avm_map((uint32_t)addr & ~0xfffu, (uint32_t)avm_page_alloc(AEGIS_ANY_PAGE), avm_cap(),
                AVM_PROT_RW);
        return;
    }
    if (unprotect_in_handler)
        vm_unprotect((void *)((uint32_t)addr & ~0xfffu), 1);
}

static volatile unsigned nexc;
static volatile unsigned last_code;
static volatile uint32_t *nested_page; /* on_exc reads it: a fault nested in a handler */
static volatile uint32_t nested_value;
static int on_exc(struct aegis_xframe *xf)
{
    nexc++;
    last_code = AEGIS_CAUSE_EXCCODE(xf->cause);
    if (nested_page) {
        volatile uint32_t *q = nested_page;
        nested_page = 0;
        nested_value = *q; /* protected: forwarded at depth 2, unprotected there */
    }
    xf->epc += 4; /* skip the faulting instruction (never in a delay slot here) */
    return 1;
}

/* Loads from an odd address (AdEL) with live values in caller-saved registers,
 * then checks them: the forwarding path must restore every one. */
static int adel_preserves_registers(void)
{
    unsigned ok;
    __asm__ volatile(
        ".set push\n.set noreorder\n.set noat\n"
        "li $8, 0x11111111\nli $9, 0x22222222\nli $24, 0x33333333\nli $3, 0x44444444\n"
        "li $5, 0x55555555\nli $1, 0x66666666\n"
        "li $2, 0x40000001\n"
        "lw $2, 0($2)\n" /* AdEL, skipped by the handler: v0 keeps 0x40000001 */
        "nop\n"
        "li %0, 1\n"
        "li $10, 0x11111111\nbne $8, $10, 1f\nnop\n"
        "li $10, 0x22222222\nbne $9, $10, 1f\nnop\n"
        "li $10, 0x33333333\nbne $24, $10, 1f\nnop\n"
        "li $10, 0x44444444\nbne $3, $10, 1f\nnop\n"
        "li $10, 0x55555555\nbne $5, $10, 1f\nnop\n"
        "li $10, 0x66666666\nbne $1, $10, 1f\nnop\n"
        "li $10, 0x40000001\nbne $2, $10, 1f\nnop\n"
        "b 2f\nnop\n"
        "1: li %0, 0\n"
        "2:\n.set pop\n"
        : "=r"(ok)
        :
        : "$1", "$2", "$3", "$5", "$8", "$9", "$10", "$24", "memory");
    return ok;
}

int main(void)
{
    vm_init();
    vm_set_fault_handler(on_fault);
    avm_set_exc_handler(on_exc);

    /* map and use */
    volatile uint32_t *p = vm_alloc_pages(8);
    CHECK("alloc", p != 0 && (uint32_t)p < AEGIS_SEG1_BASE);
    unsigned zero = 1;
    for (unsigned i = 0; i < 8 * 1024; i++)
        zero &= p[i] == 0;
    CHECK("zeroed", zero);
    CHECK("clean-after-read", vm_dirty((void *)p) == 0);
    for (unsigned pg = 0; pg < 6; pg++)
        p[pg * 1024 + 5] = 0xa000 + pg;
    CHECK("dirty-after-write", vm_dirty((void *)p) == 1 && vm_dirty((void *)(p + 5 * 1024)) == 1);
    CHECK("clean-unwritten", vm_dirty((void *)(p + 7 * 1024)) == 0);
    CHECK("dirty-unmapped", vm_dirty((void *)0x3f000000) == -1);
    CHECK("no-faults-yet", nfaults == 0);

    /* protect two pages: reads and writes fault, the handler unprotects */
    CHECK("protect", vm_protect((void *)(p + 2 * 1024), 2) == 0);
    uint32_t v = p[2 * 1024 + 5];
    CHECK("read-fault", nfaults == 1 && last_addr == (uint32_t)(p + 2 * 1024 + 5) && !last_write);
    CHECK("read-value", v == 0xa002);
    p[3 * 1024 + 6] = 77;
    CHECK("write-fault", nfaults == 2 && last_addr == (uint32_t)(p + 3 * 1024 + 6) && last_write);
    CHECK("write-value", p[3 * 1024 + 6] == 77 && p[3 * 1024 + 5] == 0xa003);
    v = p[2 * 1024 + 5] + p[3 * 1024 + 5];
    CHECK("unprotected-no-fault", nfaults == 2 && v == 0xa002 + 0xa003);

    /* protect a range many times over; every page faults once per protection */
    unsigned before;
    for (int round = 0; round < 3; round++) {
        vm_protect((void *)p, 6);
        unsigned before = nfaults, sum = 0;
        for (unsigned pg = 0; pg < 6; pg++)
            sum += p[pg * 1024 + 5];
        CHECK("range-faults", nfaults == before + 6 && sum == 6 * 0xa000 + 15);
    }

    /* a range protected and unprotected in one call each: no faults after */
    CHECK("protect-range", vm_protect((void *)p, 6) == 0);
    CHECK("unprotect-range", vm_unprotect((void *)p, 6) == 0);
    before = nfaults;
    unsigned sum = 0;
    for (unsigned pg = 0; pg < 6; pg++) {
        sum += p[pg * 1024 + 5];
        p[pg * 1024 + 6] = pg;
    }
    CHECK("range-unprotected", nfaults == before && sum == 6 * 0xa000 + 15);

    /* read-only: reads pass, a write is a protection fault (Mod) */
    CHECK("protect-read", avm_protect((uint32_t)(p + 4 * 1024), 1, AVM_PROT_READ) == 0);
    before = nfaults;
    v = p[4 * 1024 + 5];
    CHECK("readonly-read", nfaults == before && v == 0xa004);
    p[4 * 1024 + 5] = 99;
    CHECK("readonly-write-fault", nfaults == before + 1 && last_write &&
                                      last_addr == (uint32_t)(p + 4 * 1024 + 5) &&
                                      p[4 * 1024 + 5] == 99);

    /* no handler action: unmapped access goes to the fault handler; map it there */
    unprotect_in_handler = 0;
    CHECK("unmap", avm_unmap((uint32_t)(p + 7 * 1024)) == 0);
    CHECK("unmapped-dirty", vm_dirty((void *)(p + 7 * 1024)) == -1);
    unprotect_in_handler = 1;

    /* forwarded exceptions: address error and break, registers preserved */
    CHECK("adel-registers", adel_preserves_registers() && nexc == 1 && last_code == 4);
    __asm__ volatile("break 7");
    CHECK("break", nexc == 2 && last_code == 9);
    /* a protection fault inside the break's handler: a nested frame, then both return */
    vm_protect((void *)(p + 1024), 1);
    before = nfaults;
    nested_page = p + 1024 + 5;
    __asm__ volatile("break 7");
    CHECK("nested-fault", nexc == 3 && nfaults == before + 1 &&
                              last_addr == (uint32_t)(p + 1024 + 5) && nested_value == 0xa001);
    CHECK("nested-registers", adel_preserves_registers() && nexc == 4 && last_code == 4);

    /* physical memory: free bitmap, specific pages, capabilities */
    int any = avm_page_alloc(AEGIS_ANY_PAGE);
    CHECK("page-alloc", any > 0 && !aegis_page_is_free((uint32_t)any));
    uint32_t want = (uint32_t)any + 1;
    while (!aegis_page_is_free(want))
        want++;
    CHECK("alloc-specific", avm_page_alloc(want) == (int)want && !aegis_page_is_free(want));
    CHECK("alloc-taken", avm_page_alloc(want) == AEGIS_E_BUSY);
    CHECK("alloc-kernel-page", avm_page_alloc(0) == AEGIS_E_BUSY);
    uint32_t va = 0x20008000u; /* STLB slot 8 even with 16 entries: clear of the code and stacks */
    uint32_t lo = (want << 12) | AEGIS_TLB_V | AEGIS_TLB_D;
    CHECK("tlb-write-bad-cap", aegis_tlb_write(va, lo, avm_cap() ^ 1) == AEGIS_E_CAP);
    CHECK("stlb-update-bad-cap", aegis_stlb_update(va, lo, avm_cap() + 7) == AEGIS_E_CAP);
    CHECK("tlb-write-kernel-page", aegis_tlb_write(va, (1u << 12) | AEGIS_TLB_V, avm_cap()) == AEGIS_E_CAP);
    CHECK("tlb-write-free-page", aegis_tlb_write(va, ((want + 1) << 12) | AEGIS_TLB_V, 0) == AEGIS_E_CAP ||
                                     !aegis_page_is_free(want + 1));
    CHECK("stlb-not-written", aegis_stlb_probe(va) == 0);
    /* probe at once: the STLB is a cache, other refills may reuse the slot later */
    int written = aegis_tlb_write(va, lo, avm_cap());
    uint32_t probed = (uint32_t)aegis_stlb_probe(va);
    CHECK("tlb-write-good-cap", written == 0);
    /* (no software TLB: nothing to probe; the TLB holds the entry) */
    CHECK("stlb-written", probed == (aegis_info(AEGIS_INFO_STLB_ORG) == VMSIM_STLB_ORG_NONE ? 0 : lo));
    *(volatile uint32_t *)va = 1234; /* mapped by hand, outside AVM's page table */
    CHECK("hand-mapped", *(volatile uint32_t *)(0x80000000u - 0x80000000u + va) == 1234);
    CHECK("setcap-bad-cap", aegis_page_setcap(want, avm_cap() ^ 8, 0x1234) == AEGIS_E_CAP);
    CHECK("setcap", aegis_page_setcap(want, avm_cap(), 0x1234) == 0 && aegis_stlb_probe(va) == 0);
    CHECK("old-cap-revoked", aegis_tlb_write(va, lo, avm_cap()) == AEGIS_E_CAP);
    CHECK("new-cap", aegis_tlb_write(va, lo, 0x1234) == 0 && *(volatile uint32_t *)va == 1234);
    CHECK("setcap-back", aegis_page_setcap(want, 0x1234, avm_cap()) == 0);
    CHECK("page-free-bad-cap", aegis_page_free(want, avm_cap() ^ 2) == AEGIS_E_CAP);
    CHECK("page-free", aegis_page_free(want, avm_cap()) == 0 && aegis_page_is_free(want) &&
                           aegis_stlb_probe(va) == 0);

    /* segment 1: a page AVM maps (the kernel forwards the miss: not guaranteed)
     * and a page the kernel guarantees (refilled without the application) */
    int s1 = avm_page_alloc(AEGIS_ANY_PAGE), s2 = avm_page_alloc(AEGIS_ANY_PAGE);
    CHECK("seg1-map", s1 > 0 && avm_map(0x50000000u, (uint32_t)s1, avm_cap(), AVM_PROT_RW) == 0);
    *(volatile uint32_t *)0x50000000u = 0x5e61;
    CHECK("seg1-avm-mapped", *(volatile uint32_t *)0x50000000u == 0x5e61 &&
                                 avm_dirty(0x50000000u) == 1);
    CHECK("guarantee-bad-cap", aegis_guarantee(0x50001000u, ((uint32_t)s2 << 12) | AEGIS_TLB_V |
                                                   AEGIS_TLB_D, avm_cap() ^ 4) == AEGIS_E_CAP);
    CHECK("guarantee-seg0", aegis_guarantee(0x00801000u, ((uint32_t)s2 << 12) | AEGIS_TLB_V,
                                            avm_cap()) == AEGIS_E_INVAL);
    CHECK("guarantee", aegis_guarantee(0x50001000u, ((uint32_t)s2 << 12) | AEGIS_TLB_V | AEGIS_TLB_D,
                                       avm_cap()) == 0);
    before = nfaults;
    *(volatile uint32_t *)0x50001000u = 0x6a7;
    aegis_tlb_flush(0x50001000u, 1, AEGIS_FLUSH_TLB | AEGIS_FLUSH_STLB); /* the kernel refills it */
    CHECK("guaranteed-refill", *(volatile uint32_t *)0x50001004u == 0 &&
                                   *(volatile uint32_t *)0x50001000u == 0x6a7 && nfaults == before &&
                                   avm_dirty(0x50001000u) == -1);

    /* freeing a page revokes its guaranteed mapping too */
    CHECK("free-guaranteed", aegis_page_free((uint32_t)s2, avm_cap()) == 0);
    map_in_handler = 1;
    before = nfaults;
    uint32_t g = *(volatile uint32_t *)0x50001000u;
    map_in_handler = 0;
    CHECK("guarantee-revoked", nfaults == before + 1 && last_addr == 0x50001000u && g == 0);

    printf("avm-test: stlb_entries=%d faults=%u exceptions=%u\n",
           aegis_info(AEGIS_INFO_STLB_ENTRIES), nfaults, nexc);
    printf("avm-test: %s\n", failures ? "FAILED" : "done");
    return failures ? 1 : 0;
}
