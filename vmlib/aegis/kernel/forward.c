/* aegis kernel, exception forwarding: the running env's xpage pinned in a wired
 * TLB slot and its handler table in the form entry.S reads (struct aegis_fwd),
 * and the report of a fault nobody handles.
 * Part of the kernel's compilation unit (kernel.c includes it; the state is there). */

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
    aegis_fwd.htab[0] = 0; /* Int (the timer) is the kernel's: entry.S, aegis_intr */
    aegis_fwd.tlbmiss = e->h_tlbmiss;
    aegis_fwd.frame1 = e->xpage_k + (1u << AEGIS_XP_FRAME_SHIFT);
    aegis_fwd.delta = e->xpage_k - e->xpage_u;
    aegis_fwd.stub = e->xpage_u + AEGIS_XP_STUB;
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
