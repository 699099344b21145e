/* The region map; see regionmap.h. */
#include "regionmap.h"

#include "flexpages.h"

void sm_rm_init(struct sm_regionmap *m, uint32_t attach_base, uint32_t attach_end)
{
    m->count = 0;
    m->attach_base = attach_base;
    m->attach_end = attach_end;
}

static uint32_t end_of(const struct sm_region *r)
{
    return r->start + (r->npages << SM_PAGE_SHIFT);
}

/* Index where a region starting at start goes, or -1 if [start, end) overlaps one. */
static int slot_for(const struct sm_regionmap *m, uint32_t start, uint32_t end)
{
    unsigned i = 0;
    while (i < m->count && end_of(&m->region[i]) <= start)
        i++;
    if (i < m->count && m->region[i].start < end)
        return -1;
    return (int)i;
}

/* The alignment attach gives a region of npages pages, in bytes. */
static uint32_t attach_alignment(uint32_t npages)
{
    uint32_t align = 1;
    while (align < npages && align < SM_ATTACH_MAX_ALIGN_PAGES)
        align <<= 1;
    return align << SM_PAGE_SHIFT;
}

static uint32_t choose_start(const struct sm_regionmap *m, uint32_t npages)
{
    uint32_t align = attach_alignment(npages), size = npages << SM_PAGE_SHIFT;
    uint32_t at = (m->attach_base + align - 1) & ~(align - 1);
    while (at >= m->attach_base && at < m->attach_end && m->attach_end - at >= size) {
        int blocked = 0;
        for (unsigned i = 0; i < m->count; i++) {
            const struct sm_region *r = &m->region[i];
            if (r->start < at + size && end_of(r) > at) {
                /* skip past the region in the way, keeping the alignment */
                at = (end_of(r) + align - 1) & ~(align - 1);
                blocked = 1;
                break;
            }
        }
        if (!blocked)
            return at;
    }
    return 0;
}

uint32_t sm_rm_attach(struct sm_regionmap *m, uint32_t start, uint32_t npages, uint32_t manager,
                      uint32_t ds, uint32_t offset, uint32_t rights)
{
    if (npages == 0 || npages > (0xffffffffu >> SM_PAGE_SHIFT) || m->count == SM_REGIONS_MAX)
        return 0;
    if (start == 0)
        start = choose_start(m, npages);
    if (start == 0 || (start & (SM_PAGE_SIZE - 1)))
        return 0;
    uint32_t end = start + (npages << SM_PAGE_SHIFT);
    if (end != 0 && end < start)
        return 0;
    int at = slot_for(m, start, end ? end : 0xfffff000u);
    if (at < 0)
        return 0;
    for (unsigned i = m->count; i > (unsigned)at; i--)
        m->region[i] = m->region[i - 1];
    struct sm_region *r = &m->region[at];
    r->start = start;
    r->npages = npages;
    r->manager = manager;
    r->ds = ds;
    r->offset = offset;
    r->rights = rights;
    for (unsigned w = 0; w < SM_REGION_PROTECTABLE_PAGES / 32; w++)
        r->noaccess[w] = 0;
    m->count++;
    return start;
}

int sm_rm_detach(struct sm_regionmap *m, uint32_t start)
{
    for (unsigned i = 0; i < m->count; i++) {
        if (m->region[i].start != start)
            continue;
        for (unsigned j = i + 1; j < m->count; j++)
            m->region[j - 1] = m->region[j];
        m->count--;
        return 0;
    }
    return -1;
}

struct sm_region *sm_rm_lookup(struct sm_regionmap *m, uint32_t addr)
{
    for (unsigned i = 0; i < m->count; i++) {
        struct sm_region *r = &m->region[i];
        if (addr < r->start)
            return 0;
        if (addr - r->start < (r->npages << SM_PAGE_SHIFT))
            return r;
    }
    return 0;
}

int sm_rm_set_access(struct sm_region *r, uint32_t addr, uint32_t npages, int allow)
{
    if (addr < r->start || addr - r->start >= (r->npages << SM_PAGE_SHIFT) || npages == 0)
        return -1;
    uint32_t first = (addr - r->start) >> SM_PAGE_SHIFT;
    if (npages > r->npages - first || first + npages > SM_REGION_PROTECTABLE_PAGES)
        return -1;
    for (uint32_t p = first; p < first + npages; p++) {
        uint32_t bit = 1u << (p & 31);
        if (allow)
            r->noaccess[p >> 5] &= ~bit;
        else
            r->noaccess[p >> 5] |= bit;
    }
    return 0;
}

int sm_rm_allows(const struct sm_region *r, uint32_t addr, int write)
{
    if (!(r->rights & (write ? SM_RIGHT_W : SM_RIGHT_R)))
        return 0;
    uint32_t p = (addr - r->start) >> SM_PAGE_SHIFT;
    if (p < SM_REGION_PROTECTABLE_PAGES && (r->noaccess[p >> 5] & (1u << (p & 31))))
        return 0;
    return 1;
}
