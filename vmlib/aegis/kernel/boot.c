/* aegis kernel, boot: main sizes RAM and the STLB from the boot parameters,
 * places the STLB, takes the kernel's pages, creates the environments and
 * enters the first.
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

    stlb_entries = (have_bp && bp->stlb_entries) ? bp->stlb_entries : VMSIM_STLB_DEFAULT_ENTRIES;
    if (stlb_entries & (stlb_entries - 1) || stlb_entries > VMSIM_STLB_MAX_ENTRIES) {
        printf("aegis: boot parameter stlb_entries=%u is not a power of two in 1..%u\n",
               (unsigned)stlb_entries, (unsigned)VMSIM_STLB_MAX_ENTRIES);
        vmsim_exit(AEGIS_EXIT_BADPARAM);
    }

    /* STLB: at the first 4 MB boundary above the kernel image (entry.S). */
    uint32_t kend = ((uint32_t)_end - 0x80000000u + 0xfffu) & ~0xfffu;
    uint32_t stlb_pa = (kend + 0x3fffffu) & ~0x3fffffu;
    uint32_t stlb_bytes = stlb_entries * 8;
    uint32_t kstack_pages = 4; /* the boot stack at the top of RAM */
    if (stlb_pa + stlb_bytes + (kstack_pages << AEGIS_PAGE_SHIFT) > (npages << AEGIS_PAGE_SHIFT))
        boot_fail(AEGIS_EXIT_BADPARAM, "RAM too small for the kernel and its STLB, bytes", ram);
    stlb = (uint32_t *)VMSIM_KSEG0(stlb_pa);
    for (uint32_t i = 0; i < stlb_entries; i++) {
        stlb[2 * i] = STLB_EMPTY;
        stlb[2 * i + 1] = 0;
    }
    aegis_stlb_mask = VMSIM_KSEG0(stlb_pa) | ((stlb_entries - 1) << 3);
    C0_WRITE(4, VMSIM_KSEG0(stlb_pa) >> 1); /* Context.PTEBase = B / 2 */

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

    nenvs = AEGIS_NUM_ENVS;
    for (unsigned i = 0; i < nenvs; i++)
        env_create(&envs[i], i, aegis_app_start, (uint32_t)(aegis_app_end - aegis_app_start));

    switch_to(&envs[0]);
    C0_WRITE(12, 0x8); /* KUp = 1: the rfe in aegis_resume_env enters user mode */
    aegis_resume_env(&envs[0]);
}
