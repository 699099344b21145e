/*
 * aegis test application for ASID recycling: run as 3 environments with 2 ASIDs
 * (--set aegis.asids=2), so that nearly every switch gives the incoming env an
 * ASID another env held, whose TLB and STLB entries the kernel must flush.
 * The three envs share three virtual pages, each env two of them: env i maps its
 * own physical pages at PAGE(i) and PAGE(i + 1) (mod 3; on its first touch,
 * through AVM's fault handler). Over ROUNDS rounds separated by yields, each
 * env checks that both still hold what it wrote last, then writes
 * (env << 24) | (page << 16) | round. A translation left from the ASID's previous
 * holder maps a page to that env's frame: the value read is then another env's.
 * With round robin on 3 envs and 2 ASIDs, the previous holder of the incoming
 * env's ASID shares one page with it that the env run in between does not use,
 * so that holder's STLB entry for it is still there (one shared page alone would
 * be overwritten in the direct-mapped STLB by the env in between).
 * Prints "recycle-test: env N FAIL round R page P read 0x... expected 0x..." for
 * every wrong value, "recycle-test: env N asid changes=C" (how often its ASID
 * differed from the round before), then "recycle-test: env N done" (exit 0) or
 * "... FAILED" (exit 1).
 */
#include <stdio.h>
#include <aegis/sys.h>
#include "avm.h"

#define PAGE(k) (0x00400000u + ((k) % 3) * AEGIS_PAGE_SIZE)
#define ROUNDS 12

static volatile unsigned nfaults;
static void on_fault(void *addr, int is_write)
{
    (void)is_write;
    nfaults++;
    int pfn = avm_page_alloc(AEGIS_ANY_PAGE);
    avm_map((uint32_t)addr & ~0xfffu, (uint32_t)pfn, avm_cap(), AVM_PROT_RW);
}

int main(void)
{
    int env = aegis_info(AEGIS_INFO_ENV_ID), failures = 0, changes = 0;
    avm_init();
    avm_set_fault_handler(on_fault);
    volatile uint32_t *x[2] = {(volatile uint32_t *)PAGE(env), (volatile uint32_t *)PAGE(env + 1)};
    uint32_t expected[2] = {0, 0}; /* a fresh page reads 0 */
    int asid = aegis_info(AEGIS_INFO_ASID);
    for (int r = 0; r < ROUNDS; r++) {
        for (int p = 0; p < 2; p++) {
            uint32_t v = *x[p];
            if (v != expected[p]) {
                printf("recycle-test: env %d FAIL round %d page %d read 0x%08x expected 0x%08x\n", env, r,
                       (env + p) % 3, (unsigned)v, (unsigned)expected[p]);
                failures++;
            }
            expected[p] = ((uint32_t)env << 24) | ((uint32_t)p << 16) | (uint32_t)r;
            *x[p] = expected[p];
        }
        aegis_yield();
        int now = aegis_info(AEGIS_INFO_ASID);
        changes += now != asid;
        asid = now;
    }
    if (nfaults != 2) {
        printf("recycle-test: env %d FAIL %u faults (two expected: the first touches)\n", env, nfaults);
        failures++;
    }
    printf("recycle-test: env %d asid changes=%d\n", env, changes);
    printf("recycle-test: env %d %s\n", env, failures ? "FAILED" : "done");
    return failures ? 1 : 0;
}
