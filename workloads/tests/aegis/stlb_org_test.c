/*
 * aegis test application: every STLB maintenance path under the organisation the
 * boot parameters chose (aegis.stlb_org = direct, 2way or none; any size). The
 * application keeps its own page table (`truth`) and refills from it in its
 * TLB-miss handler, so a read returns the frame the page table names unless a
 * stale translation survived in the kernel: each frame holds its own marker.
 * Test pages share one STLB set (direct: one slot): B and C are A plus one and
 * two sets' worth of pages, so in a 2way STLB writing A then B leaves A in way 1,
 * where the scenarios put the entry under test:
 *   update    STLB_UPDATE and TLB_WRITE of a page whose entry is in way 1
 *   flush     a page flush of way 1 (and of way 0: way 1 must survive)
 *   protect   invalid entries over way 1 (one page, and a range over 4 sets)
 *   range     TLB_WRITE_RANGE over pages whose entries are in way 1
 *   revoke    PAGE_SETCAP and PAGE_FREE of a frame mapped by way 1 and by way 0
 *   asid      the address space's flush with both ways of the set its own; with
 *             two environments (NENVS 2, run with a time slice longer than the run:
 *             they take turns at aegis_yield), another address space's flush keeps them
 * Each read also says whether the STLB served it (no call to the handler), which
 * the organisation predicts: a 2way STLB holds both A and B, direct only the last,
 * none neither. Prints "stlb-org: <check> ok" or "stlb-org: FAIL ..." (exit 1).
 */
#include <stdio.h>
#include <aegis/sys.h>
#include <vmsim/bootparams.h>

#define NFRAMES 16
#define NMAP 32
#define MARKER(i) (0x57000000u | (i))
#define UNMAPPED 0xffffffffu
#define PROTECTED 0xfffffffeu
#define CAP 0x5ca1ab1eu

struct map {
    uint32_t va, frame; /* frame index, UNMAPPED or PROTECTED */
};

/* In .data, next to the code: the hot pages the test set avoids are the image's. */
static struct state {
    int env, org, failures;
    uint32_t sets, set, nmap;
    uint32_t pfn[NFRAMES], cap[NFRAMES];
    struct map map[NMAP];
    volatile unsigned misses, denied;
} st __attribute__((section(".data")));

#define CHECK(name, cond)                                                                 \
    do {                                                                                  \
        if (cond)                                                                         \
            printf("stlb-org: %s ok\n", name);                                            \
        else {                                                                            \
            printf("stlb-org: FAIL %s (line %d) env=%d org=%d\n", name, __LINE__, st.env, \
                   st.org);                                                               \
            st.failures++;                                                                \
        }                                                                                 \
    } while (0)

static uint32_t lo_of(uint32_t f) { return (st.pfn[f] << 12) | AEGIS_TLB_V | AEGIS_TLB_D; }

static struct map *find(uint32_t va)
{
    for (uint32_t i = 0; i < st.nmap; i++)
        if (st.map[i].va == (va & ~0xfffu))
            return &st.map[i];
    return 0;
}

/* The page table: va now maps frame f (or UNMAPPED / PROTECTED). No kernel call. */
static void set_pt(uint32_t va, uint32_t f)
{
    struct map *m = find(va);
    if (!m) {
        m = &st.map[st.nmap++];
        m->va = va & ~0xfffu;
    }
    m->frame = f;
}

static void on_miss(struct aegis_xframe *xf, uint32_t cause, uint32_t va)
{
    (void)cause;
    struct map *m = find(va);
    if (!m || m->frame == UNMAPPED) {
        printf("stlb-org: FAIL unexpected miss at 0x%08x env=%d\n", (unsigned)va, st.env);
        aegis_exit(1);
    }
    if (m->frame == PROTECTED) { /* as AVM: the page table says no */
        st.denied++;
        xf->epc += 4;
        return;
    }
    st.misses++;
    aegis_tlb_write(va, lo_of(m->frame), st.cap[m->frame]);
}

/* TLBL on an invalid entry: a protection fault (skip the load). */
static void on_exc(struct aegis_xframe *xf, uint32_t cause, uint32_t va)
{
    if (AEGIS_CAUSE_EXCCODE(cause) != 2) {
        printf("stlb-org: FAIL exception %u at 0x%08x\n", (unsigned)AEGIS_CAUSE_EXCCODE(cause),
               (unsigned)va);
        aegis_exit(1);
    }
    st.denied++;
    xf->epc += 4;
}

/* One load; -1 when it was denied (the handlers skip it). */
static uint32_t load(uint32_t va)
{
    uint32_t v;
    __asm__ volatile(".set push\n.set noreorder\nli %0, -1\nlw %0, 0(%1)\nnop\n.set pop"
                     : "=&r"(v)
                     : "r"(va)
                     : "memory");
    return v;
}

/* The page's entry out of the TLB only: the next access goes through the STLB. */
static void tlb_out(uint32_t va) { aegis_tlb_flush(va, 1, AEGIS_FLUSH_TLB); }

/* Test page k of set offset j (j = 0: A, B, C for k = 0, 1, 2). */
static uint32_t page(uint32_t k, uint32_t j)
{
    return 0x20000000u + ((st.set + j + k * st.sets) << 12);
}

/* Maps va to frame f in the page table and writes it into the STLB (and, with
 * tlb, the TLB): STLB_UPDATE or TLB_WRITE. */
static int put(uint32_t va, uint32_t f, int tlb)
{
    set_pt(va, f);
    return tlb ? aegis_tlb_write(va, lo_of(f), st.cap[f]) : aegis_stlb_update(va, lo_of(f), st.cap[f]);
}

/* Reads va after taking it out of the TLB: its page-table frame's marker, and
 * whether the STLB served it (1) or the handler (0). */
static int read_ok(uint32_t va, int *served)
{
    tlb_out(va);
    unsigned m0 = st.misses;
    uint32_t v = load(va);
    *served = st.misses == m0;
    struct map *m = find(va);
    return m && m->frame < NFRAMES && v == MARKER(m->frame);
}

/* The organisation's prediction of a hit: 2way holds both ways, direct the last
 * written, none nothing. */
static int hit_expected(int in_way1)
{
    if (st.org == VMSIM_STLB_ORG_NONE)
        return 0;
    return st.org == VMSIM_STLB_ORG_2WAY || !in_way1;
}

/* Reads va: its frame's marker, served by the STLB when `hit` is true. */
static void expect_read(const char *name, uint32_t va, int hit)
{
    int served = 0;
    int ok = read_ok(va, &served);
    char buf[64];
    snprintf(buf, sizeof buf, "%s-value", name);
    CHECK(buf, ok);
    snprintf(buf, sizeof buf, "%s-%s", name, hit ? "hit" : "miss");
    CHECK(buf, served == hit);
}

/* A and B (same set) out of the STLB and TLB. */
static void clean(void)
{
    for (uint32_t k = 0; k < 3; k++)
        for (uint32_t j = 0; j < 4; j++)
            aegis_tlb_flush(page(k, j), 1, AEGIS_FLUSH_TLB | AEGIS_FLUSH_STLB);
}

static uint32_t probe(uint32_t va) { return (uint32_t)aegis_stlb_probe(va); }

/* A set no hot page of this application (image, xpage, stacks, free bitmap) uses,
 * and the three after it, so that the kernel's own refills never write there. */
static uint32_t free_set(void)
{
    uint32_t hot[64], n = 0;
    for (uint32_t va = 0x40000000u; va < (uint32_t)&aegis_xpage + 4096 && n < 48; va += 4096)
        hot[n++] = va >> 12;
    for (uint32_t i = 0; i < 2 + AEGIS_XP_MAXDEPTH; i++)
        hot[n++] = (i < 2 ? AEGIS_USTACK_TOP - (i + 1) * 4096 : AEGIS_XSTACK_TOP - (i - 1) * 4096) >> 12;
    hot[n++] = AEGIS_FREEMAP_VA >> 12;
    for (uint32_t s = 1; s + 4 <= st.sets; s++) {
        int clash = 0;
        for (uint32_t i = 0; i < n && !clash; i++)
            clash = ((hot[i] - s) & (st.sets - 1)) < 4;
        if (!clash)
            return s;
    }
    return 0;
}

static void scenarios(void)
{
    const uint32_t A = page(0, 0), B = page(1, 0), C = page(2, 0);
    const int assoc = st.org == VMSIM_STLB_ORG_2WAY, none = st.org == VMSIM_STLB_ORG_NONE;

    /* update: STLB_UPDATE of A while it is in way 1 */
    clean();
    put(A, 0, 0);
    put(B, 1, 0); /* 2way: B in way 0, A in way 1 */
    CHECK("way1-holds-a", probe(A) == (assoc ? lo_of(0) : 0));
    CHECK("way0-holds-b", probe(B) == (none ? 0 : lo_of(1)));
    put(A, 2, 0); /* A -> frame 2, rewritten from way 1 */
    CHECK("update-probe-a", probe(A) == (none ? 0 : lo_of(2)));
    CHECK("update-probe-b", probe(B) == (assoc ? lo_of(1) : 0));
    expect_read("update-a", A, hit_expected(0));
    expect_read("update-b", B, hit_expected(1));
    /* the same through TLB_WRITE, A in the TLB as well */
    clean();
    put(A, 3, 1);
    put(B, 4, 1);
    put(A, 5, 1);
    expect_read("tlbwrite-a", A, hit_expected(0));
    expect_read("tlbwrite-b", B, hit_expected(1));
    /* a third page in the set: 2way keeps the last two (C, then A) */
    put(C, 6, 1);
    CHECK("third-evicts-oldest", probe(B) == 0 && probe(A) == (assoc ? lo_of(5) : 0));

    /* flush of one page: way 1, then way 0 (way 1 moves up and stays) */
    clean();
    put(A, 0, 0);
    put(B, 1, 0);
    aegis_tlb_flush(A, 1, AEGIS_FLUSH_TLB | AEGIS_FLUSH_STLB);
    set_pt(A, 7); /* remapped after the flush: a stale entry would still say frame 0 */
    CHECK("flush-way1-probe", probe(A) == 0);
    expect_read("flush-way1-a", A, 0);
    clean();
    put(A, 0, 0);
    put(B, 1, 0);
    aegis_tlb_flush(B, 1, AEGIS_FLUSH_TLB | AEGIS_FLUSH_STLB);
    set_pt(B, 8);
    CHECK("flush-way0-probe", probe(B) == 0 && probe(A) == (assoc ? lo_of(0) : 0));
    expect_read("flush-way0-keeps-a", A, hit_expected(1));
    expect_read("flush-way0-b", B, 0); /* refilled into the set: A must stay */
    expect_read("flush-way0-a-stays", A, hit_expected(1));
    /* a rewrite in way 0 leaves no old copy behind for a later flush to uncover */
    clean();
    put(B, 1, 0);
    put(A, 0, 0);
    put(A, 2, 0);
    aegis_tlb_flush(A, 1, AEGIS_FLUSH_TLB | AEGIS_FLUSH_STLB);
    set_pt(A, 7);
    CHECK("rewrite-way0-flush-probe", probe(A) == 0);
    expect_read("rewrite-way0-flush-a", A, 0);

    /* protection: invalid entries over way 1, one page */
    clean();
    put(A, 0, 1);
    put(B, 1, 1);
    set_pt(A, PROTECTED);
    aegis_tlb_flush(A, 1, AEGIS_FLUSH_TLB | AEGIS_FLUSH_STLB | AEGIS_FLUSH_INVALID);
    unsigned d0 = st.denied;
    CHECK("protect-way1", load(A) == 0xffffffffu && st.denied == d0 + 1);
    tlb_out(A);
    CHECK("protect-way1-stays", load(A) == 0xffffffffu && st.denied == d0 + 2);
    put(A, 9, 1);
    expect_read("unprotect-a", A, hit_expected(0));

    /* ranges: 4 sets, pages P in way 1 under Q; invalidate P, then write them */
    clean();
    for (uint32_t j = 0; j < 4; j++) {
        put(page(0, j), j, 0);
        put(page(1, j), 4 + j, 0);
    }
    for (uint32_t j = 0; j < 4; j++)
        set_pt(page(0, j), PROTECTED);
    aegis_tlb_flush(page(0, 0), 4, AEGIS_FLUSH_TLB | AEGIS_FLUSH_STLB | AEGIS_FLUSH_INVALID);
    d0 = st.denied;
    for (uint32_t j = 0; j < 4; j++) {
        tlb_out(page(0, j));
        load(page(0, j));
    }
    CHECK("range-protect-way1", st.denied == d0 + 4);
    uint32_t ents[8];
    for (uint32_t j = 0; j < 4; j++) {
        set_pt(page(0, j), 8 + j);
        ents[2 * j] = lo_of(8 + j);
        ents[2 * j + 1] = st.cap[8 + j];
    }
    CHECK("range-write", aegis_tlb_write_range(page(0, 0), ents, 4, 8) == 0);
    for (uint32_t j = 0; j < 4; j++) {
        char name[32];
        snprintf(name, sizeof name, "range-p%u", (unsigned)j);
        expect_read(name, page(0, j), hit_expected(0));
        snprintf(name, sizeof name, "range-q%u", (unsigned)j);
        expect_read(name, page(1, j), hit_expected(1)); /* moved to way 1, not lost */
    }

    /* revocation: a new capability, then a free, of a frame mapped from way 1;
     * then of a frame in way 0 while way 1 maps another (which stays) */
    for (int how = 0; how < 2; how++) {
        const char *what = how ? "free" : "setcap";
        char name[40];
        clean();
        put(A, 12 + how, 1);
        put(B, 1, 1);
        int r = how ? aegis_page_free(st.pfn[12 + how], st.cap[12 + how])
                    : aegis_page_setcap(st.pfn[12], st.cap[12], CAP ^ 0x77);
        snprintf(name, sizeof name, "revoke-%s", what);
        CHECK(name, r == 0 && probe(A) == 0 && probe(B) == (none ? 0 : lo_of(1)));
        set_pt(A, 10); /* the application maps another frame there */
        snprintf(name, sizeof name, "revoke-%s-way1", what);
        expect_read(name, A, 0);
    }
    clean();
    put(B, 1, 1);
    put(A, 14, 1); /* A in way 0, B in way 1 */
    CHECK("revoke-way0", aegis_page_setcap(st.pfn[14], st.cap[14], CAP ^ 0x99) == 0 && probe(A) == 0);
    set_pt(A, 10);
    expect_read("revoke-way0-keeps-b", B, hit_expected(1));
    expect_read("revoke-way0-a", A, 0);

    /* the address space's flush: both ways of the set are this ASID's */
    clean();
    put(A, 0, 1);
    put(B, 1, 1);
    CHECK("flush-asid", aegis_tlb_flush(0, 0, AEGIS_FLUSH_TLB | AEGIS_FLUSH_STLB | AEGIS_FLUSH_ASID) == 0 &&
                            probe(A) == 0 && probe(B) == 0);
    set_pt(A, 2);
    set_pt(B, 3);
    expect_read("flush-asid-a", A, 0);
    expect_read("flush-asid-b", B, 0);
    CHECK("flush-asid-invalid-refused",
          aegis_tlb_flush(0, 0, AEGIS_FLUSH_STLB | AEGIS_FLUSH_INVALID | AEGIS_FLUSH_ASID) == AEGIS_E_INVAL);
}

int main(void)
{
    st.env = aegis_info(AEGIS_INFO_ENV_ID);
    st.org = aegis_info(AEGIS_INFO_STLB_ORG);
    int entries = aegis_info(AEGIS_INFO_STLB_ENTRIES);
    st.sets = st.org == VMSIM_STLB_ORG_2WAY ? (uint32_t)entries / 2
              : st.org == VMSIM_STLB_ORG_DIRECT ? (uint32_t)entries
                                                : 64;
    st.set = free_set();
    if (aegis_set_handlers(&aegis_xpage, on_miss, on_exc) || !st.set) {
        printf("stlb-org: FAIL setup (sets=%u set=%u)\n", (unsigned)st.sets, (unsigned)st.set);
        return 1;
    }
    /* frames with markers, written through a mapping at HOME (one at a time, away
     * from the test set) */
    const uint32_t home = 0x10000000u + (((st.set + st.sets / 2) & (st.sets - 1)) << 12);
    for (uint32_t f = 0; f < NFRAMES; f++) {
        st.cap[f] = CAP ^ (f * 0x1001u) ^ ((uint32_t)st.env << 20);
        int pfn = aegis_page_alloc(AEGIS_ANY_PAGE, st.cap[f]);
        if (pfn < 0) {
            printf("stlb-org: FAIL page alloc\n");
            return 1;
        }
        st.pfn[f] = (uint32_t)pfn;
        put(home, f, 1);
        *(volatile uint32_t *)home = MARKER(f);
    }
    aegis_tlb_flush(home, 1, AEGIS_FLUSH_TLB | AEGIS_FLUSH_STLB);
    set_pt(home, UNMAPPED);
    printf("stlb-org: env=%d org=%d entries=%d sets=%u set=%u way1_insns=%d\n", st.env, st.org, entries,
           (unsigned)st.sets, (unsigned)st.set, aegis_info(AEGIS_INFO_FASTPATH_WAY1_INSNS));

    if (st.env == 0)
        scenarios();
    if (aegis_info(AEGIS_INFO_NENVS) == 2) {
        /* A in both address spaces, both in the STLB (2way: one set); env 1 flushes
         * its own: env 0's entry stays. */
        const uint32_t A = page(0, 0);
        clean();
        put(A, 15, 1);
        aegis_yield(); /* env 0 -> env 1 -> env 0 */
        if (st.env == 1)
            CHECK("other-asid-flush",
                  aegis_tlb_flush(0, 0, AEGIS_FLUSH_TLB | AEGIS_FLUSH_STLB | AEGIS_FLUSH_ASID) == 0 &&
                      probe(A) == 0);
        aegis_yield();
        if (st.env == 0)
            expect_read("other-asid-kept", A, st.org == VMSIM_STLB_ORG_2WAY);
        else
            expect_read("own-asid-flushed", A, 0);
    }
    printf("stlb-org: env=%d %s\n", st.env, st.failures ? "FAILED" : "done");
    return st.failures ? 1 : 0;
}
