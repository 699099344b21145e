/* aegis kernel, physical pages: allocation by number, each page's owner and
 * capability, and the capability check every TLB write goes through.
 * Part of the kernel's compilation unit (kernel.c includes it; the state is there). */

static inline int page_is_free(uint32_t pfn)
{
    return (freemap[pfn >> 5] >> (pfn & 31)) & 1;
}

static void page_take(uint32_t pfn, uint32_t owner, uint32_t cap)
{
    freemap[pfn >> 5] &= ~(1u << (pfn & 31));
    page_owner[pfn] = (uint8_t)owner;
    page_cap[pfn] = cap;
}

static uint32_t page_find_free(void)
{
    for (uint32_t w = 0; w < (npages + 31) / 32; w++)
        if (freemap[w])
            for (uint32_t b = 0; b < 32; b++)
                if ((freemap[w] >> b) & 1 && w * 32 + b < npages)
                    return w * 32 + b;
    return 0xffffffffu;
}

static void *pfn_kva(uint32_t pfn)
{
    return (void *)VMSIM_KSEG0(pfn << AEGIS_PAGE_SHIFT);
}

/* ---- capability check ----------------------------------------------------------------- */
/* Free and kernel pages hold AEGIS_CAP_NONE, which is never accepted: one
 * comparison checks ownership and capability. */
static inline int check_lo(uint32_t va, uint32_t lo, uint32_t cap)
{
    uint32_t pfn = lo >> AEGIS_PAGE_SHIFT;
    if (va >= AEGIS_USER_TOP || pfn >= npages)
        return AEGIS_E_INVAL;
    if (page_cap[pfn] != cap || cap == AEGIS_CAP_NONE)
        return AEGIS_E_CAP;
    return 0;
}
