/*
 * The Appel-Li virtual-memory benchmarks over APPEL_PAGES pages, as defined in
 * the AVM paper (section 4): dirty, (un)prot1, prot100, unprot100, trap,
 * appel1, appel2. One source for every kernel personality: it uses only
 * <vmsim/vmbench.h> and printf. Each measured operation is wrapped in a
 * sim-control region (appel.h); the simulator reports the cycles.
 *
 * Output: `appel <name> iterations=N` per benchmark (`appel dirty n/a` when
 * the personality has no dirty query), then `appel faults=F` and `appel done`.
 * Exit 0 when every check held, 1 otherwise.
 */
#include <stdint.h>
#include <stdio.h>
#include <vmsim/vmbench.h>

#include "appel.h"
#include "xorshift32.h"

enum mode { MODE_NONE, MODE_TRAP, MODE_APPEL1, MODE_APPEL2 };

static char *pages;
static volatile enum mode mode;
static unsigned last_unprotected; /* appel1: the one page not protected */
static volatile unsigned faults, bad_faults; /* changed by the handler */
static uint32_t rng;
static volatile uint32_t sink;

static char *page(unsigned i)
{
    return pages + i * VM_PAGE_SIZE;
}

static unsigned random_page(void)
{
    return xorshift32_next(&rng) % APPEL_PAGES;
}

static void touch(unsigned i)
{
    sink += *(volatile uint32_t *)page(i);
}

static void handler(void *addr, int is_write)
{
    (void)is_write;
    uintptr_t off = (uintptr_t)addr - (uintptr_t)pages;
    unsigned i = off / VM_PAGE_SIZE;
    faults++;
    if (off >= APPEL_PAGES * VM_PAGE_SIZE) {
        bad_faults++;
        vm_unprotect((void *)((uintptr_t)addr & ~(uintptr_t)(VM_PAGE_SIZE - 1)), 1);
        return;
    }
    switch (mode) {
    case MODE_TRAP:
        /* The trap alone: the unprotect that lets the access finish is outside. */
        vm_region_end(APPEL_REGION_TRAP);
        vm_unprotect(page(i), 1);
        vm_region_begin(APPEL_REGION_TRAP);
        break;
    case MODE_APPEL1: /* prot1 + trap + unprot */
        vm_protect(page(last_unprotected), 1);
        vm_unprotect(page(i), 1);
        last_unprotected = i;
        break;
    case MODE_APPEL2: /* protN + trap + unprot */
        vm_unprotect(page(i), 1);
        break;
    default:
        bad_faults++;
        vm_unprotect(page(i), 1);
        break;
    }
}

static int check(int ok, const char *what)
{
    if (!ok)
        printf("appel: check failed: %s\n", what);
    return ok ? 0 : 1;
}

int main(void)
{
    int failures = 0;
    rng = xorshift32_init(APPEL_SEED);
    vm_init();
    pages = vm_alloc_pages(APPEL_PAGES);
    if (!pages) {
        printf("appel: cannot allocate %u pages\n", APPEL_PAGES);
        return 1;
    }
    for (unsigned i = 0; i < APPEL_PAGES; i++)
        *(volatile uint32_t *)page(i) = i;
    vm_set_fault_handler(handler);

    /* null: the region begin/end pair alone */
    for (unsigned n = 0; n < APPEL_ITERATIONS_SMALL; n++) {
        vm_region_begin(APPEL_REGION_NULL);
        vm_region_end(APPEL_REGION_NULL);
    }
    printf("appel null iterations=%u\n", APPEL_ITERATIONS_SMALL);

    /* dirty: look a random page up in the page table */
    if (vm_dirty(page(0)) < 0) {
        printf("appel dirty n/a\n");
    } else {
        int dirty = 0;
        for (unsigned n = 0; n < APPEL_ITERATIONS_SMALL; n++) {
            unsigned i = random_page();
            vm_region_begin(APPEL_REGION_DIRTY);
            dirty += vm_dirty(page(i));
            vm_region_end(APPEL_REGION_DIRTY);
        }
        failures += check(dirty == APPEL_ITERATIONS_SMALL, "every page written is dirty");
        printf("appel dirty iterations=%u\n", APPEL_ITERATIONS_SMALL);
    }

    /* prot1 / unprot1: one page in use (its mapping likely in the TLB) */
    int err = 0;
    for (unsigned n = 0; n < APPEL_ITERATIONS_SMALL; n++) {
        unsigned i = random_page();
        touch(i);
        vm_region_begin(APPEL_REGION_PROT1);
        err |= vm_protect(page(i), 1);
        vm_region_end(APPEL_REGION_PROT1);
        vm_region_begin(APPEL_REGION_UNPROT1);
        err |= vm_unprotect(page(i), 1);
        vm_region_end(APPEL_REGION_UNPROT1);
    }
    failures += check(!err, "prot1/unprot1 calls succeed");
    printf("appel prot1 iterations=%u\n", APPEL_ITERATIONS_SMALL);
    printf("appel unprot1 iterations=%u\n", APPEL_ITERATIONS_SMALL);

    /* prot100 / unprot100: the whole range, after the program has used it */
    for (unsigned n = 0; n < APPEL_ITERATIONS_LARGE; n++) {
        for (unsigned i = 0; i < APPEL_PAGES; i++)
            touch(i);
        vm_region_begin(APPEL_REGION_PROT100);
        err |= vm_protect(pages, APPEL_PAGES);
        vm_region_end(APPEL_REGION_PROT100);
        vm_region_begin(APPEL_REGION_UNPROT100);
        err |= vm_unprotect(pages, APPEL_PAGES);
        vm_region_end(APPEL_REGION_UNPROT100);
    }
    failures += check(!err, "prot100/unprot100 calls succeed");
    printf("appel prot100 iterations=%u\n", APPEL_ITERATIONS_LARGE);
    printf("appel unprot100 iterations=%u\n", APPEL_ITERATIONS_LARGE);
    failures += check(faults == 0, "no fault before the trap benchmarks");

    /* trap: a read of a protected page, through the handler and back */
    unsigned before = faults;
    mode = MODE_TRAP;
    for (unsigned n = 0; n < APPEL_ITERATIONS_SMALL; n++) {
        unsigned i = random_page();
        err |= vm_protect(page(i), 1);
        vm_region_begin(APPEL_REGION_TRAP);
        touch(i);
        vm_region_end(APPEL_REGION_TRAP);
    }
    failures += check(faults - before == APPEL_ITERATIONS_SMALL, "trap: one fault per access");
    printf("appel trap iterations=%u\n", APPEL_ITERATIONS_SMALL);

    /* appel1: all pages protected but one; the handler protects that one and
     * unprotects the faulting page */
    mode = MODE_NONE;
    err |= vm_protect(pages, APPEL_PAGES);
    last_unprotected = 0;
    err |= vm_unprotect(page(0), 1);
    before = faults;
    mode = MODE_APPEL1;
    for (unsigned n = 0; n < APPEL_ITERATIONS_SMALL; n++) {
        unsigned i;
        do
            i = random_page();
        while (i == last_unprotected);
        vm_region_begin(APPEL_REGION_APPEL1);
        touch(i);
        vm_region_end(APPEL_REGION_APPEL1);
    }
    failures += check(faults - before == APPEL_ITERATIONS_SMALL, "appel1: one fault per access");
    mode = MODE_NONE;
    err |= vm_unprotect(pages, APPEL_PAGES);
    printf("appel appel1 iterations=%u\n", APPEL_ITERATIONS_SMALL);

    /* appel2: protect all pages, touch each in a random order, the handler
     * unprotects the faulting page */
    static unsigned order[APPEL_PAGES];
    before = faults;
    mode = MODE_APPEL2;
    for (unsigned n = 0; n < APPEL_ROUNDS; n++) {
        for (unsigned i = 0; i < APPEL_PAGES; i++)
            order[i] = i;
        for (unsigned i = APPEL_PAGES - 1; i > 0; i--) {
            unsigned j = xorshift32_next(&rng) % (i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        vm_region_begin(APPEL_REGION_APPEL2);
        err |= vm_protect(pages, APPEL_PAGES);
        for (unsigned k = 0; k < APPEL_PAGES; k++)
            touch(order[k]);
        vm_region_end(APPEL_REGION_APPEL2);
    }
    mode = MODE_NONE;
    failures += check(faults - before == APPEL_ROUNDS * APPEL_PAGES, "appel2: one fault per page");
    printf("appel appel2 iterations=%u pages=%u\n", APPEL_ROUNDS, APPEL_PAGES);

    failures += check(!err, "protection calls succeed");
    failures += check(bad_faults == 0, "faults only on the benchmark pages, when expected");
    for (unsigned i = 0; i < APPEL_PAGES; i++)
        failures += check(*(volatile uint32_t *)page(i) == i, "page contents survive");
    printf("appel faults=%u\n", faults);
    printf("appel done\n");
    return failures ? 1 : 0;
}
