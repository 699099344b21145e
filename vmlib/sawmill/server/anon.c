/*
 * The anonymous-memory manager (seed 001, sections 3-5): zero-filled memory
 * dataspaces. Each dataspace is cached in a window of this task's address
 * space, a block of the main-memory manager (so it is aligned to its size
 * rounded up to a power of two, and a flexpage of the dataspace is a flexpage
 * here too); a page is zero-filled the first time it is asked for.
 *
 * Before any page is mapped to a client it is touched here (seed 001, section
 * 2.3): L4's map passes on the rights the mapper holds, so mapping a page this
 * task does not have would unmap it in the client. Touching faults it in from
 * the underlying pager first.
 */
#include <l4/user.h>

#include "server.h"

#define ANON_DS_MAX 16u
#define ANON_MAX_PAGES 1024u /* 4 MB: the largest main-memory block */

struct anon_ds {
    int used;
    uint32_t npages; /* as identified */
    uint32_t base;   /* cache window in this task, aligned to its power-of-two size */
    uint32_t rights; /* as opened; 0 = closed */
    uint32_t present[ANON_MAX_PAGES / 32]; /* zero-filled already */
};

static struct anon_ds dataspaces[ANON_DS_MAX];
static uint32_t unmap_calls, maps_sent;

l4_threadid_t anon_mm_thread; /* the main-memory manager; set before this thread starts */

static l4_word_t call_mm(uint32_t op, uint32_t ds, uint32_t w1, uint32_t w2, l4_msg_t *rep)
{
    l4_msg_t req = l4_msg(SM_DSM_WORD0(op, ds), w1, w2);
    l4_word_t r = l4_ipc_call(anon_mm_thread, L4_IPC_SHORT_MSG, &req, L4_IPC_SHORT_MSG, rep, L4_IPC_NEVER);
    return L4_IPC_IS_ERROR(r) ? SM_ENOMEM : rep->w[0];
}

/* Identify: a new dataspace of npages zero pages, backed by a main-memory block
 * that the main-memory manager keeps in this same task (open tells where). */
static void identify(uint32_t npages, struct sm_reply *reply)
{
    unsigned i = 0;
    while (i < ANON_DS_MAX && dataspaces[i].used)
        i++;
    l4_msg_t rep;
    if (npages == 0 || npages > ANON_MAX_PAGES || i == ANON_DS_MAX ||
        call_mm(SM_DS_IDENTIFY, 0, npages, 0, &rep) != SM_OK) {
        sm_reply_words(reply, SM_ENOMEM, 0, 0);
        return;
    }
    uint32_t block = rep.w[1];
    if (call_mm(SM_DS_OPEN, block, 0, SM_RIGHT_R | SM_RIGHT_W, &rep) != SM_OK) {
        sm_reply_words(reply, SM_ENOMEM, 0, 0);
        return;
    }
    struct anon_ds *d = &dataspaces[i];
    d->used = 1;
    d->npages = npages;
    d->base = rep.w[1];
    d->rights = 0;
    memset(d->present, 0, sizeof d->present);
    sm_reply_words(reply, SM_OK, i, npages);
}

/* The page at off, ready to be mapped: zero-filled on first use, else touched. */
static uint32_t ready(struct anon_ds *d, uint32_t off)
{
    uint32_t p = off >> L4_PAGESHIFT, addr = d->base + off;
    if (d->present[p >> 5] & (1u << (p & 31))) {
        (void)*(volatile uint32_t *)addr;
    } else {
        memset((void *)addr, 0, L4_PAGESIZE);
        d->present[p >> 5] |= 1u << (p & 31);
    }
    return addr;
}

static void pagein(struct anon_ds *d, uint32_t off, uint32_t access, struct sm_reply *reply)
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
    uint32_t addr = ready(d, off);
    maps_sent++;
    sm_reply_fpage(reply, off, addr, 0, (d->rights & SM_RIGHT_W) != 0, SM_OK);
}

/* Protect: unmap [off, off + npages) from every client, one fpage_unmap per
 * flexpage (100 pages from offset 0: 64 + 32 + 4, seed 001 section 5). The pages
 * stay here; w = 1 removes the client's mapping entirely (vmbench's protect
 * removes all access: a read must fault too, which a read-only downgrade
 * (w = 0) would not give). */
static void protect(struct anon_ds *d, uint32_t off, uint32_t npages, struct sm_reply *reply)
{
    uint32_t first = off >> L4_PAGESHIFT;
    if ((off & (L4_PAGESIZE - 1)) || npages == 0 || first >= d->npages || npages > d->npages - first) {
        sm_reply_words(reply, SM_ERANGE, 0, 0);
        return;
    }
    unsigned n = sm_unmap_pages(d->base, first, npages);
    unmap_calls += n;
    sm_reply_words(reply, SM_OK, n, 0);
}

/* Unprotect one flexpage: touch (or zero-fill) each of its pages, then map it
 * read-write into the caller's window, one map message. */
static void unprotect(struct anon_ds *d, uint32_t off, uint32_t order, struct sm_reply *reply)
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
        ready(d, off + (p << L4_PAGESHIFT));
    maps_sent++;
    sm_reply_fpage(reply, off, d->base + off, order, 1, SM_OK);
}

static void handle(l4_threadid_t client, const l4_msg_t *m, struct sm_reply *reply)
{
    (void)client;
    uint32_t op = SM_DSM_OP(m->w[0]), ds = SM_DSM_DS(m->w[0]);
    if (!SM_DSM_IS_REQUEST(m->w[0]))
        sm_fatal("sawmill anon: page fault IPC, but this manager is nobody's pager, at", L4_PF_ADDR(m->w[0]));
    switch (op) {
    case SM_DS_IDENTIFY:
        identify(m->w[1], reply);
        return;
    case SM_DS_INTERROGATE:
        sm_reply_words(reply, SM_OK,
                       SM_DS_MANDATORY_OPS | 1u << SM_DS_PAGEIN | 1u << SM_DS_PROTECT | 1u << SM_DS_UNPROTECT |
                           1u << SM_DS_STATS,
                       0);
        return;
    case SM_DS_STATS:
        sm_reply_words(reply, SM_OK, unmap_calls, maps_sent);
        return;
    default:
        break;
    }
    struct anon_ds *d = ds < ANON_DS_MAX && dataspaces[ds].used ? &dataspaces[ds] : 0;
    if (!d) {
        sm_reply_words(reply, SM_ENOENT, 0, 0);
        return;
    }
    switch (op) {
    case SM_DS_OPEN:
        d->rights = m->w[2] & (SM_RIGHT_R | SM_RIGHT_W);
        sm_reply_words(reply, SM_OK, d->base, d->npages);
        return;
    case SM_DS_CLOSE: {
        unsigned n = sm_unmap_pages(d->base, 0, d->npages);
        unmap_calls += n;
        d->rights = 0;
        sm_reply_words(reply, SM_OK, n, 0);
        return;
    }
    case SM_DS_PAGEIN:
        pagein(d, m->w[1], m->w[2], reply);
        return;
    case SM_DS_PROTECT:
        protect(d, m->w[1], m->w[2], reply);
        return;
    case SM_DS_UNPROTECT:
        unprotect(d, m->w[1], m->w[2], reply);
        return;
    default:
        sm_reply_words(reply, SM_ENOSYS, 0, 0);
        return;
    }
}

void anon_serve(void)
{
    sm_server_loop(handle);
}
