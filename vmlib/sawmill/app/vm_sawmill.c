/*
 * <vmsim/vmbench.h> on SawMill: the Appel-Li primitives as region-map changes
 * and requests to the anonymous-memory manager.
 *
 *   vm_alloc_pages  a new anonymous dataspace (identify), opened read-write and
 *                   attached in the region map at a size-aligned address
 *   vm_protect      the region map takes the pages' access away (so the region
 *                   mapper sends their faults to the handler), then one request
 *                   to the manager, which unmaps them from the client with
 *                   fpage_unmap, w = 1 (remove), one call per flexpage
 *   vm_unprotect    the region map gives access back, then one request per
 *                   flexpage: the manager maps it read-write into a receive
 *                   window covering that flexpage
 *   vm_dirty        -1: L4 X.0 has no call that reads a page's dirty bit
 *   vm_region_*     the kernel's kdebug trap (INT 3 + marker) to sim-control
 */
#include "app.h"
#include "flexpages.h"

#define NEEDED_OPS ((1u << SM_DS_IDENTIFY) | (1u << SM_DS_OPEN) | (1u << SM_DS_PROTECT) | (1u << SM_DS_UNPROTECT))

void vm_init(void)
{
    l4_msg_t reply;
    if (sm_dsm_call(sm_anon, SM_DS_INTERROGATE, 0, 0, 0, 0, &reply, 0) != SM_OK ||
        (reply.w[1] & NEEDED_OPS) != NEEDED_OPS)
        sm_fatal("sawmill: the anonymous-memory manager lacks operations, has", reply.w[1]);
}

void *vm_alloc_pages(unsigned n)
{
    l4_msg_t reply;
    if (sm_dsm_call(sm_anon, SM_DS_IDENTIFY, 0, n, 0, 0, &reply, 0) != SM_OK)
        return 0;
    uint32_t ds = reply.w[1];
    if (sm_dsm_call(sm_anon, SM_DS_OPEN, ds, 0, SM_RIGHT_R | SM_RIGHT_W, 0, &reply, 0) != SM_OK)
        return 0;
    return (void *)sm_rm_attach(&sm_regions, 0, n, sm_anon.raw, ds, 0, SM_RIGHT_R | SM_RIGHT_W);
}

/* The region holding [addr, addr + n pages) and the dataspace offset of addr;
 * 0 if the range is not page aligned or not inside one region. */
static struct sm_region *range(void *addr, unsigned n, uint32_t *offset)
{
    uint32_t a = (uint32_t)addr;
    struct sm_region *r = sm_rm_lookup(&sm_regions, a);
    if (!r || (a & (L4_PAGESIZE - 1)) || n == 0 || n > r->npages - ((a - r->start) >> L4_PAGESHIFT))
        return 0;
    *offset = r->offset + (a - r->start);
    return r;
}

int vm_protect(void *addr, unsigned n)
{
    uint32_t off;
    struct sm_region *r = range(addr, n, &off);
    if (!r || sm_rm_set_access(r, (uint32_t)addr, n, 0) != 0)
        return -1;
    l4_msg_t reply;
    return sm_dsm_call((l4_threadid_t){.raw = r->manager}, SM_DS_PROTECT, r->ds, off, n, 0, &reply, 0) == SM_OK
               ? 0
               : -1;
}

int vm_unprotect(void *addr, unsigned n)
{
    uint32_t off, a = (uint32_t)addr;
    struct sm_region *r = range(addr, n, &off);
    if (!r || sm_rm_set_access(r, a, n, 1) != 0)
        return -1;
    l4_threadid_t manager = {.raw = r->manager};
    struct sm_flexpage fp[32];
    unsigned blocks = sm_flexpages(a >> L4_PAGESHIFT, off >> L4_PAGESHIFT, n, fp, 32);
    for (unsigned i = 0; i < blocks && i < 32; i++) {
        uint32_t delta = fp[i].page << L4_PAGESHIFT;
        l4_msg_t reply;
        int mapped = 0;
        if (sm_dsm_call(manager, SM_DS_UNPROTECT, r->ds, off + delta, fp[i].order,
                        l4_fpage(a + delta, fp[i].order + L4_PAGESHIFT, 1, 0).raw, &reply, &mapped) != SM_OK ||
            !mapped)
            return -1;
    }
    return 0;
}

int vm_dirty(void *addr)
{
    (void)addr;
    return -1;
}

void vm_set_fault_handler(vm_fault_handler_t handler)
{
    sm_user_handler = handler;
}

void vm_region_begin(unsigned id)
{
    l4_kd_region_begin(id);
}

void vm_region_end(unsigned id)
{
    l4_kd_region_end(id);
}
