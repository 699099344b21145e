/* aegis kernel, boot: main sizes RAM and the STLB (and its organisation) from
 * the boot parameters, places the STLB, takes the kernel's pages, creates the
 * environments (as many as the parameters say, with their ASIDs and time slice)
 * and enters the first.
 * Part of the kernel's compilation unit (kernel.c includes it; the state is there). */

static void boot_fail(int code, const char *msg, uint32_t value)
{
    printf("aegis: %s (%u)\n", msg, (unsigned)value);
    vmsim_exit(code);
}

extern const uint8_t aegis_app_start[], aegis_app_end[];

int main(void)
{
    const struct vmsim_bootparams *bp = &aegis_bootparams;
    int have_bp = bootparams_valid();

    /* RAM: from the block, else from the boot stack the simulator put at its top. */
    uint32_t sp = (uint32_t)__builtin_frame_address(0);
    uint32_t ram = (have_bp && bp->ram_size) ? bp->ram_size
                                             : ((sp - 0x80000000u + 0xffffu) & ~0xffffu);
    npages = ram >> AEGIS_PAGE_SHIFT;
    if (npages > AEGIS_MAX_PAGES)
        npages = AEGIS_MAX_PAGES;

    stlb_org = have_bp ? bp->stlb_org : VMSIM_STLB_ORG_DIRECT;
    if (stlb_org > VMSIM_STLB_ORG_NONE) {
        printf("aegis: boot parameter stlb_org=%u names no organisation: 0 = direct, 1 = 2way, 2 = none\n",
               (unsigned)stlb_org);
        vmsim_exit(AEGIS_EXIT_BADPARAM);
    }
    stlb_entries = (have_bp && bp->stlb_entries) ? bp->stlb_entries : VMSIM_STLB_DEFAULT_ENTRIES;
    uint32_t min_entries = stlb_org == VMSIM_STLB_ORG_2WAY ? 2 : 1; /* a set of two */
    if (stlb_entries & (stlb_entries - 1) || stlb_entries < min_entries || stlb_entries > VMSIM_STLB_MAX_ENTRIES) {
        printf("aegis: boot parameter stlb_entries=%u is not a power of two in %u..%u\n",
               (unsigned)stlb_entries, (unsigned)min_entries, (unsigned)VMSIM_STLB_MAX_ENTRIES);
        vmsim_exit(AEGIS_EXIT_BADPARAM);
    }
    if (stlb_org == VMSIM_STLB_ORG_NONE)
        stlb_entries = 0;

    /* STLB: at the first 4 MB (2way: 8 MB) boundary above the kernel image (stlb.c). */
    uint32_t kend = ((uint32_t)_end - 0x80000000u + 0xfffu) & ~0xfffu;
    uint32_t stlb_pa = stlb_place(kend);
    uint32_t stlb_bytes = stlb_entries * 8;
    uint32_t kstack_pages = 4; /* the boot stack at the top of RAM */
    if (stlb_pa + stlb_bytes + (kstack_pages << AEGIS_PAGE_SHIFT) > (npages << AEGIS_PAGE_SHIFT))
        boot_fail(AEGIS_EXIT_BADPARAM, "RAM too small for the kernel and its STLB, bytes", ram);
    stlb_init(stlb_pa);

    /* Physical pages: the kernel image, the STLB and the boot stack are the kernel's. */
    for (uint32_t p = 0; p < npages; p++) {
        uint32_t pa = p << AEGIS_PAGE_SHIFT;
        int kernel = pa < kend || (pa >= stlb_pa && pa < stlb_pa + stlb_bytes) ||
                     p >= npages - kstack_pages;
        if (kernel)
            page_take(p, OWNER_KERNEL, AEGIS_CAP_NONE);
        else {
            freemap[p >> 5] |= 1u << (p & 31);
            page_cap[p] = AEGIS_CAP_NONE;
        }
    }

    /* Environments: how many, their ASIDs, the time slice (sched.c). */
    nenvs = (have_bp && bp->aegis_nenvs) ? bp->aegis_nenvs : AEGIS_NUM_ENVS;
    if (nenvs > AEGIS_MAX_ENVS) {
        printf("aegis: boot parameter aegis.nenvs=%u is more than the %u environments of this image\n",
               nenvs, (unsigned)AEGIS_MAX_ENVS);
        vmsim_exit(AEGIS_EXIT_BADPARAM);
    }
    nasids = (have_bp && bp->aegis_asids) ? bp->aegis_asids : AEGIS_NASIDS;
    if (nasids < 2 || nasids > AEGIS_NASIDS) {
        printf("aegis: boot parameter aegis.asids=%u is not in 2..%u\n", (unsigned)nasids, AEGIS_NASIDS);
        vmsim_exit(AEGIS_EXIT_BADPARAM);
    }
    uint32_t slice = (have_bp && bp->aegis_timeslice) ? bp->aegis_timeslice : VMSIM_AEGIS_TIMESLICE_DEFAULT;
    if (slice < VMSIM_AEGIS_TIMESLICE_MIN) {
        printf("aegis: boot parameter aegis.timeslice=%u is below %u cycles\n", (unsigned)slice,
               VMSIM_AEGIS_TIMESLICE_MIN);
        vmsim_exit(AEGIS_EXIT_BADPARAM);
    }
    for (unsigned i = 0; i < nenvs; i++)
        env_create(&envs[i], i, aegis_app_start, (uint32_t)(aegis_app_end - aegis_app_start));

    /* Status for user mode (the rfe in aegis_resume_env): KUp = 1, and with
     * several envs the timer's interrupt line unmasked and IEp = 1. */
    uint32_t status = 0x8;
    if (nenvs > 1) {
        timeslice = slice;
        TIMER_REG(VMSIM_TIMER_PERIOD) = timeslice;
        status |= (1u << (8 + VMSIM_TIMER_IRQ_LINE)) | 0x4;
    }
    switch_to(&envs[0]);
    C0_WRITE(12, status);
    aegis_resume_env(&envs[0]);
}
