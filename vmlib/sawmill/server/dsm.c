/* What both managers of the root task share: the server loop, the generic part
 * of the dataspace-manager protocol, unmapping a page range as flexpages. */
#include "flexpages.h"
#include "server.h"

void sm_server_loop(sm_handler_t handle)
{
    l4_threadid_t client;
    l4_msg_t request;
    struct sm_reply reply;
    l4_word_t r = l4_ipc_wait(&client, L4_IPC_SHORT_MSG, &request, L4_IPC_NEVER);
    for (;;) {
        if (L4_IPC_IS_ERROR(r)) {
            r = l4_ipc_wait(&client, L4_IPC_SHORT_MSG, &request, L4_IPC_NEVER);
            continue;
        }
        handle(client, &request, &reply);
        if (reply.desc == L4_IPC_NIL_DESCRIPTOR)
            r = l4_ipc_wait(&client, L4_IPC_SHORT_MSG, &request, L4_IPC_NEVER);
        else
            r = l4_ipc_reply_and_wait(client, reply.desc, &reply.msg, &client, L4_IPC_SHORT_MSG, &request,
                                      L4_IPC_SEND_TIMEOUT_0);
    }
}

unsigned sm_unmap_pages(uint32_t base, uint32_t first, uint32_t npages)
{
    struct sm_flexpage fp[32];
    unsigned n = sm_flexpages(first, first, npages, fp, 32);
    for (unsigned i = 0; i < n && i < 32; i++) {
        uint32_t addr = base + ((first + fp[i].page) << L4_PAGESHIFT);
        l4_fpage_unmap(l4_fpage(addr, fp[i].order + L4_PAGESHIFT, 0, 0), L4_FP_FLUSH_PAGE | L4_FP_OTHER_SPACES);
    }
    return n < 32 ? n : 32;
}

/* Page-in: the page at off, mapped with the rights the dataspace was opened
 * with, into the caller's receive window (the faulting page of its client). */
static void pagein(struct sm_manager *m, struct sm_ds *d, uint32_t off, uint32_t access, struct sm_reply *reply)
{
    off &= ~(L4_PAGESIZE - 1);
    if (!d->rights || ((access & SM_RIGHT_W) && !(d->rights & SM_RIGHT_W))) {
        sm_reply_words(reply, SM_EACCES, 0, 0);
        return;
    }
    if (off >= (d->npages << L4_PAGESHIFT)) {
        sm_reply_words(reply, SM_ERANGE, 0, 0);
        return;
    }
    uint32_t addr = m->ready(d, off);
    m->maps_sent++;
    sm_reply_fpage(reply, off, addr, 0, (d->rights & SM_RIGHT_W) != 0, SM_OK);
}

/* Protect: unmap [off, off + npages) from every client, one fpage_unmap per
 * flexpage (100 pages from offset 0: 64 + 32 + 4, seed 001 section 5). The pages
 * stay here. w = 1 removes the client's mapping entirely: vmbench's protect
 * removes all access, so a read must fault too, which a read-only downgrade
 * (w = 0) would not give. */
static void protect(struct sm_manager *m, struct sm_ds *d, uint32_t off, uint32_t npages, struct sm_reply *reply)
{
    uint32_t first = off >> L4_PAGESHIFT;
    if ((off & (L4_PAGESIZE - 1)) || npages == 0 || first >= d->npages || npages > d->npages - first) {
        sm_reply_words(reply, SM_ERANGE, 0, 0);
        return;
    }
    unsigned n = sm_unmap_pages(d->base, first, npages);
    m->unmap_calls += n;
    sm_reply_words(reply, SM_OK, n, 0);
}

/* Unprotect one flexpage: make each of its pages ready here, then map it
 * read-write into the caller's window in one map message. */
static void unprotect(struct sm_manager *m, struct sm_ds *d, uint32_t off, uint32_t order, struct sm_reply *reply)
{
    uint32_t first = off >> L4_PAGESHIFT;
    if (order > 10 || (first & ((1u << order) - 1)) || (off & (L4_PAGESIZE - 1))) {
        sm_reply_words(reply, SM_EINVAL, 0, 0);
        return;
    }
    if (first >= d->npages || (1u << order) > d->npages - first) {
        sm_reply_words(reply, SM_ERANGE, 0, 0);
        return;
    }
    if (!(d->rights & SM_RIGHT_W)) {
        sm_reply_words(reply, SM_EACCES, 0, 0);
        return;
    }
    for (uint32_t p = 0; p < (1u << order); p++)
        m->ready(d, off + (p << L4_PAGESHIFT));
    m->maps_sent++;
    sm_reply_fpage(reply, off, d->base + off, order, 1, SM_OK);
}

void sm_dsm_handle(struct sm_manager *m, l4_threadid_t client, const l4_msg_t *req, struct sm_reply *reply)
{
    uint32_t op = SM_DSM_OP(req->w[0]);
    if (op >= 32 || !(m->ops & (1u << op))) {
        sm_reply_words(reply, SM_ENOSYS, 0, 0);
        return;
    }
    switch (op) {
    case SM_DS_IDENTIFY:
        m->identify(client, req->w[1], reply);
        return;
    case SM_DS_INTERROGATE:
        sm_reply_words(reply, SM_OK, m->ops, 0);
        return;
    case SM_DS_STATS:
        sm_reply_words(reply, SM_OK, m->unmap_calls, m->maps_sent);
        return;
    default:
        break;
    }
    struct sm_ds *d = m->lookup(SM_DSM_DS(req->w[0]));
    if (!d) {
        sm_reply_words(reply, SM_ENOENT, 0, 0);
        return;
    }
    switch (op) {
    case SM_DS_OPEN:
        d->rights = req->w[2] & (SM_RIGHT_R | SM_RIGHT_W);
        sm_reply_words(reply, SM_OK, d->base, d->npages);
        return;
    case SM_DS_CLOSE: /* every client's pages go; the id stays valid */
        m->unmap_calls += sm_unmap_pages(d->base, 0, d->npages);
        d->rights = 0;
        sm_reply_words(reply, SM_OK, 0, 0);
        return;
    case SM_DS_PAGEIN:
        pagein(m, d, req->w[1], req->w[2], reply);
        return;
    case SM_DS_PROTECT:
        protect(m, d, req->w[1], req->w[2], reply);
        return;
    case SM_DS_UNPROTECT:
        unprotect(m, d, req->w[1], req->w[2], reply);
        return;
    default:
        sm_reply_words(reply, SM_ENOSYS, 0, 0);
        return;
    }
}
