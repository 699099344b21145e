/* aegis kernel, environments: switching on yield and exit, and creating an
 * environment at boot from the embedded application image (ELF loading, page
 * colouring of its code, the guaranteed mappings of its stacks and the free bitmap).
 * Part of the kernel's compilation unit (kernel.c includes it; the state is there). */

enum { ENV_FREE, ENV_RUNNABLE, ENV_DEAD };

static void switch_to(struct aegis_env *e)
{
    aegis_cur = e;
    if (e->asid == AEGIS_NO_ASID)
        asid_take(e);
    load_fwd(e);
    restore_entryhi();
    pin_xpage(e);
    restore_entryhi();
    if (timeslice)
        timer_restart(); /* a whole time slice for e */
}

static void finish(void) __attribute__((noreturn));

/* The next runnable env after e, round robin (e itself if it is the only one),
 * switched to; the run ends when none is left. */
static struct aegis_env *schedule(struct aegis_env *e)
{
    for (unsigned k = 1; k <= nenvs; k++) {
        struct aegis_env *n = &envs[(e->id + k) % nenvs];
        if (n->state == ENV_RUNNABLE) {
            if (n != e) {
                kstat.switches++;
                switch_to(n);
            }
            return n;
        }
    }
    finish();
}

/* entry.S, for yield and exit: the env to continue. */
struct aegis_env *aegis_switch(uint32_t num, uint32_t arg)
{
    struct aegis_env *e = aegis_cur;
    e->tf[TF_V0] = 0; /* what the call returns */
    if (num == AEGIS_SYS_EXIT) {
        e->state = ENV_DEAD;
        e->exit_code = arg;
        asid_release(e);
    } else if (num != AEGIS_SYS_YIELD) {
        return e; /* unknown number: nothing happens */
    }
    return schedule(e);
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
extern char __kernel_text_end[];

static uint32_t kalloc_code(struct aegis_env *e)
{
    uint32_t kcolors = (((uint32_t)__kernel_text_end - 0x80000000u) + 0xfffu) >> AEGIS_PAGE_SHIFT;
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
    e->asid = AEGIS_NO_ASID; /* one is taken when it first runs */
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
            /* the file's bytes in this page (the rest stays zero) */
            uint32_t from = va > p->vaddr ? va : p->vaddr;
            uint32_t to = va + AEGIS_PAGE_SIZE < p->vaddr + p->filesz ? va + AEGIS_PAGE_SIZE
                                                                      : p->vaddr + p->filesz;
            if (from < to)
                memcpy((uint8_t *)pfn_kva(g->lo >> AEGIS_PAGE_SHIFT) + (from - va),
                       elf + p->offset + (from - p->vaddr), to - from);
        }
    }
    for (int i = 1; i <= AEGIS_USTACK_PAGES; i++)
        map_new(e, AEGIS_USTACK_TOP - i * AEGIS_PAGE_SIZE, AEGIS_TLB_V | AEGIS_TLB_D);
    for (int i = 1; i <= AEGIS_XP_MAXDEPTH; i++)
        map_new(e, AEGIS_XSTACK_TOP - i * AEGIS_PAGE_SIZE, AEGIS_TLB_V | AEGIS_TLB_D);
    for (uint32_t i = 0; i * 32768 < npages; i++) /* the free bitmap, read-only */
        gmap_add(e, AEGIS_FREEMAP_VA + i * AEGIS_PAGE_SIZE,
                 (((uint32_t)freemap - 0x80000000u) + i * AEGIS_PAGE_SIZE) | AEGIS_TLB_V);
    e->tf[TF_SP] = AEGIS_USTACK_TOP - 16;
    e->tf[TF_EPC] = h->entry;
    e->state = ENV_RUNNABLE;
}
