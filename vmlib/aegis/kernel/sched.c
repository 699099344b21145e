/* aegis kernel, several environments: the timer that preempts them, the ASIDs
 * they share, and the counters the kernel prints at the end of a run.
 *
 * Preemption: when more than one environment runs, the timer interrupts user
 * mode every `timeslice` cycles (restarted at each switch, so each environment
 * gets a whole slice); entry.S (aegis_intr) saves every register and
 * aegis_preempt picks the next environment round robin.
 *
 * ASIDs: an environment holds an ASID while it can run. One scheduled without an
 * ASID takes a free one, or, with more environments than ASIDs (boot parameter
 * aegis.asids), the next one round robin from its holder. An ASID that was
 * handed out before may still tag TLB and STLB entries of its previous holder's
 * address space, which the new holder would otherwise use as its own: those are
 * flushed first (tlb_flush_asid, stlb_flush_asid). ASID 0 counts as used from
 * the start: the TLB comes out of reset with every entry VPN 0, ASID 0.
 *
 * Part of the kernel's compilation unit (kernel.c includes it; the state is there). */

#ifndef AEGIS_TEST_SKIP_ASID_FLUSH
#define AEGIS_TEST_SKIP_ASID_FLUSH 0 /* test images: 1 skips the TLB flush, 2 the STLB's */
#endif
#define TIMER_REG(off) (*(volatile uint32_t *)VMSIM_KSEG1(VMSIM_TIMER_BASE + (off)))

static uint32_t nasids = AEGIS_NASIDS;          /* boot parameter aegis.asids */
static struct aegis_env *asid_owner[AEGIS_NASIDS];
static uint8_t asid_used[AEGIS_NASIDS] = {[0] = 1}; /* may tag TLB/STLB entries */
static uint32_t asid_next = 1;                  /* round robin: 1, 2, ..., nasids - 1, 0 */

static void timer_restart(void)
{
    TIMER_REG(VMSIM_TIMER_CTRL) = 1; /* enabling restarts the period */
    TIMER_REG(VMSIM_TIMER_ACK) = 1;
}

static void asid_take(struct aegis_env *e)
{
    uint32_t a = asid_next, k;
    for (k = 0; k < nasids && asid_owner[a]; k++)
        a = a + 1 == nasids ? 0 : a + 1;
    if (k == nasids) { /* none free: the next one round robin changes hands */
        a = asid_next;
        asid_owner[a]->asid = AEGIS_NO_ASID;
        kstat.asid_steals++;
    }
    if (asid_used[a]) {
        if (AEGIS_TEST_SKIP_ASID_FLUSH != 1)
            tlb_flush_asid(a);
        if (AEGIS_TEST_SKIP_ASID_FLUSH != 2)
            stlb_flush_asid(a);
        kstat.asid_flushes++;
    }
    asid_used[a] = 1;
    asid_owner[a] = e;
    e->asid = a;
    asid_next = a + 1 == nasids ? 0 : a + 1;
}

static void asid_release(struct aegis_env *e)
{
    asid_owner[e->asid] = 0;
    e->asid = AEGIS_NO_ASID;
}

/* The xpage's return stub (user/xpage.S) runs in user mode with k0/k1, which the
 * interrupt entry overwrites: an env interrupted inside the stub must not resume
 * there. Until the stub's load of sp, sp is still the handler's and the stub
 * starts over; after it, every register is restored but LO and the jump to the
 * frame's EPC, which is done here. The frame follows from sp, the restored one,
 * as the kernel chose it when it forwarded the exception (abi.h). */
static void stub_fixup(struct aegis_env *e)
{
    uint32_t off = e->tf[TF_EPC] - (e->xpage_u + AEGIS_XP_STUB);
    if (!e->xpage_k || off >= AEGIS_XP_STUB_SIZE)
        return;
    if (off <= AEGIS_XP_STUB_SP_LOAD) {
        e->tf[TF_EPC] = e->xpage_u + AEGIS_XP_STUB;
        kstat.stub_restarts++;
        return;
    }
    uint32_t below = AEGIS_XSTACK_TOP - 1 - e->tf[TF_SP];
    uint32_t depth = below < (AEGIS_XP_MAXDEPTH << AEGIS_PAGE_SHIFT) ? (below >> AEGIS_PAGE_SHIFT) + 1 : 0;
    const struct aegis_xframe *xf =
        (const struct aegis_xframe *)(e->xpage_k + ((depth + 1) << AEGIS_XP_FRAME_SHIFT));
    e->tf[TF_LO] = xf->lo;
    e->tf[TF_EPC] = xf->epc;
    kstat.stub_finishes++;
}

/* entry.S, on a timer interrupt from user mode (the env's registers saved): the
 * env to continue. */
struct aegis_env *aegis_preempt(void)
{
    struct aegis_env *e = aegis_cur;
    TIMER_REG(VMSIM_TIMER_ACK) = 1;
    kstat.preemptions++;
    stub_fixup(e);
    return schedule(e);
}

/* Every env has exited: the run's exit code is the first non-zero one. Images
 * built for several envs print the kernel's counters first. */
static void finish(void)
{
    int code = 0;
    for (unsigned i = 0; i < nenvs; i++)
        if (envs[i].exit_code && !code)
            code = (int)envs[i].exit_code;
#if AEGIS_MAX_ENVS > 1
    /* The same counters as statistics guest.0 .. guest.4 (vmlib/aegis/README.md). */
    vmsim_counter_add(AEGIS_COUNTER_SWITCHES, kstat.switches);
    vmsim_counter_add(AEGIS_COUNTER_PREEMPTIONS, kstat.preemptions);
    vmsim_counter_add(AEGIS_COUNTER_ASID_STEALS, kstat.asid_steals);
    vmsim_counter_add(AEGIS_COUNTER_ASID_FLUSHES, kstat.asid_flushes);
    vmsim_counter_add(AEGIS_COUNTER_SEG1_STLB_MISSES, kstat.seg1_misses);
    printf("aegis: envs=%u asids=%u timeslice=%u switches=%u preemptions=%u asid_steals=%u "
           "asid_flushes=%u seg1_stlb_misses=%u stub_restarts=%u stub_finishes=%u\n",
           nenvs, (unsigned)nasids, (unsigned)timeslice, (unsigned)kstat.switches,
           (unsigned)kstat.preemptions, (unsigned)kstat.asid_steals, (unsigned)kstat.asid_flushes,
           (unsigned)kstat.seg1_misses, (unsigned)kstat.stub_restarts, (unsigned)kstat.stub_finishes);
#endif
    vmsim_exit(code);
}
