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

/* Region boundaries. vm_region_begin/end are calls, yet GCC may move
 * register-only work across them: it once computed the `% APPEL_PAGES` of
 * random_page() after vm_region_begin, which put a divide into the dirty
 * region. SETTLE(x) passes x through an empty asm that may change it and
 * clobbers memory: the work that computes x must finish before the asm, the
 * asm (a memory barrier) stays on its side of the calls, and code that uses x
 * after it cannot be hoisted above it. Each region's operands are settled
 * before its vm_region_begin and its results after its vm_region_end, so a
 * region holds the operation's calls and nothing else. */
#define SETTLE(x) __asm__ volatile("" : "+r"(x) : : "memory")

/* The begin/end overhead, measured in place: an empty region with its own id
 * right before the real one, in the same loop and after the same work, so its
 * cost is what the begin/end pair costs where the benchmark stands (a
 * back-to-back loop of empty regions runs in a different state: at a slow
 * write-buffer drain its cost rises while the benchmark's does not). */
static void null_region(unsigned id)
{
    vm_region_begin(APPEL_REGION_INPLACE_NULL(id));
    vm_region_end(APPEL_REGION_INPLACE_NULL(id));
}

/* One word of a page, as an access the compiler must perform. */
static uint32_t read_word(const char *p)
{
    return *(const volatile uint32_t *)p;
}

static void touch(unsigned i)
{
    sink += read_word(page(i));
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
        /* The trap alone: the unprotect that lets the access finish is
         * outside. The region is entered again here, so the in-place null
         * is measured here too. */
        vm_region_end(APPEL_REGION_TRAP);
        vm_unprotect(page(i), 1);
        null_region(APPEL_REGION_TRAP);
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

    /* null: the region begin/end pair alone, back to back (reported for
     * comparison; each benchmark subtracts its own in-place null) */
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
            char *p = page(random_page());
            SETTLE(p);
            null_region(APPEL_REGION_DIRTY);
            vm_region_begin(APPEL_REGION_DIRTY);
            int d = vm_dirty(p);
            vm_region_end(APPEL_REGION_DIRTY);
            SETTLE(d);
            dirty += d;
        }
        failures += check(dirty == APPEL_ITERATIONS_SMALL, "every page written is dirty");
        printf("appel dirty iterations=%u\n", APPEL_ITERATIONS_SMALL);
    }

    /* prot1 / unprot1: one page in use (its mapping likely in the TLB) */
    int err = 0;
    for (unsigned n = 0; n < APPEL_ITERATIONS_SMALL; n++) {
        unsigned i = random_page();
        touch(i);
        char *p = page(i);
        SETTLE(p);
        null_region(APPEL_REGION_PROT1);
        vm_region_begin(APPEL_REGION_PROT1);
        int e1 = vm_protect(p, 1);
        vm_region_end(APPEL_REGION_PROT1);
        SETTLE(p);
        null_region(APPEL_REGION_UNPROT1);
        vm_region_begin(APPEL_REGION_UNPROT1);
        int e2 = vm_unprotect(p, 1);
        vm_region_end(APPEL_REGION_UNPROT1);
        SETTLE(e1);
        SETTLE(e2);
        err |= e1 | e2;
    }
    failures += check(!err, "prot1/unprot1 calls succeed");
    printf("appel prot1 iterations=%u\n", APPEL_ITERATIONS_SMALL);
    printf("appel unprot1 iterations=%u\n", APPEL_ITERATIONS_SMALL);

    /* prot100 / unprot100: the whole range, after the program has used it */
    for (unsigned n = 0; n < APPEL_ITERATIONS_LARGE; n++) {
        for (unsigned i = 0; i < APPEL_PAGES; i++)
            touch(i);
        char *p = pages;
        SETTLE(p);
        null_region(APPEL_REGION_PROT100);
        vm_region_begin(APPEL_REGION_PROT100);
        int e1 = vm_protect(p, APPEL_PAGES);
        vm_region_end(APPEL_REGION_PROT100);
        SETTLE(p);
        null_region(APPEL_REGION_UNPROT100);
        vm_region_begin(APPEL_REGION_UNPROT100);
        int e2 = vm_unprotect(p, APPEL_PAGES);
        vm_region_end(APPEL_REGION_UNPROT100);
        SETTLE(e1);
        SETTLE(e2);
        err |= e1 | e2;
    }
    failures += check(!err, "prot100/unprot100 calls succeed");
    printf("appel prot100 iterations=%u\n", APPEL_ITERATIONS_LARGE);
    printf("appel unprot100 iterations=%u\n", APPEL_ITERATIONS_LARGE);
    failures += check(faults == 0, "no fault before the trap benchmarks");

    /* trap: a read of a protected page, through the handler and back */
    unsigned before = faults;
    mode = MODE_TRAP;
    for (unsigned n = 0; n < APPEL_ITERATIONS_SMALL; n++) {
        char *p = page(random_page());
        err |= vm_protect(p, 1);
        SETTLE(p);
        null_region(APPEL_REGION_TRAP);
        vm_region_begin(APPEL_REGION_TRAP);
        uint32_t v = read_word(p);
        vm_region_end(APPEL_REGION_TRAP);
        SETTLE(v);
        sink += v;
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
        char *p = page(i);
        SETTLE(p);
        null_region(APPEL_REGION_APPEL1);
        vm_region_begin(APPEL_REGION_APPEL1);
        uint32_t v = read_word(p);
        vm_region_end(APPEL_REGION_APPEL1);
        SETTLE(v);
        sink += v;
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
        /* The round itself (protect, then the reads in shuffled order) is
         * the benchmark: its loop is inside the region, its setup is not. */
        char *p = pages;
        SETTLE(p);
        null_region(APPEL_REGION_APPEL2);
        vm_region_begin(APPEL_REGION_APPEL2);
        int e = vm_protect(p, APPEL_PAGES);
        uint32_t sum = 0;
        for (unsigned k = 0; k < APPEL_PAGES; k++)
            sum += read_word(p + order[k] * VM_PAGE_SIZE);
        vm_region_end(APPEL_REGION_APPEL2);
        SETTLE(e);
        SETTLE(sum);
        err |= e;
        sink += sum;
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
