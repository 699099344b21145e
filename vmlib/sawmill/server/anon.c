/*
 * The anonymous-memory manager (seed 001, sections 3-5): zero-filled memory
 * dataspaces. Each dataspace is cached in a window of this task's address
 * space, a block of the main-memory manager (so it is aligned to its size
 * rounded up to a power of two, and a flexpage of the dataspace is a flexpage
 * here too); a page is zero-filled the first time it is asked for and touched
 * every later time, before it is mapped to a client (seed 001, section 2.3).
 * Supports the mandatory operations, page-in, protect and unprotect (dsm.c).
 */
#include <l4/user.h>

#include "server.h"

#define ANON_DS_MAX 16u
#define ANON_MAX_PAGES 1024u /* 4 MB: the largest main-memory block */

struct anon_ds {
    struct sm_ds ds;
    uint32_t present[ANON_MAX_PAGES / 32]; /* zero-filled already */
};

static struct anon_ds dataspaces[ANON_DS_MAX];

l4_threadid_t anon_mm_thread; /* the main-memory manager; set before this thread starts */

static uint32_t call_mm(uint32_t op, uint32_t ds, uint32_t w1, uint32_t w2, l4_msg_t *rep)
{
    l4_msg_t req = l4_msg(SM_DSM_WORD0(op, ds), w1, w2);
    l4_word_t r = l4_ipc_call(anon_mm_thread, L4_IPC_SHORT_MSG, &req, L4_IPC_SHORT_MSG, rep, L4_IPC_NEVER);
    return L4_IPC_IS_ERROR(r) ? SM_ENOMEM : rep->w[0];
}

/* Identify: a new dataspace of npages zero pages, backed by a main-memory block
 * that the main-memory manager keeps in this same task (its open says where). */
static void identify(l4_threadid_t client, uint32_t npages, struct sm_reply *reply)
{
    (void)client;
    unsigned i = 0;
    while (i < ANON_DS_MAX && dataspaces[i].ds.used)
        i++;
    l4_msg_t rep;
    if (npages == 0 || npages > ANON_MAX_PAGES || i == ANON_DS_MAX ||
        call_mm(SM_DS_IDENTIFY, 0, npages, 0, &rep) != SM_OK ||
        call_mm(SM_DS_OPEN, rep.w[1], 0, SM_RIGHT_R | SM_RIGHT_W, &rep) != SM_OK) {
        sm_reply_words(reply, SM_ENOMEM, 0, 0);
        return;
    }
    struct anon_ds *d = &dataspaces[i];
    d->ds = (struct sm_ds){1, rep.w[1], npages, 0};
    memset(d->present, 0, sizeof d->present);
    sm_reply_words(reply, SM_OK, i, npages);
}

static struct sm_ds *lookup(uint32_t id)
{
    return id < ANON_DS_MAX && dataspaces[id].ds.used ? &dataspaces[id].ds : 0;
}

static uint32_t ready(struct sm_ds *ds, uint32_t off)
{
    struct anon_ds *d = (struct anon_ds *)ds;
    uint32_t p = off >> L4_PAGESHIFT, addr = ds->base + off;
    if (d->present[p >> 5] & (1u << (p & 31))) {
        sm_touch(addr);
    } else {
        memset((void *)addr, 0, L4_PAGESIZE);
        d->present[p >> 5] |= 1u << (p & 31);
    }
    return addr;
}

static struct sm_manager anon = {
    .ops = SM_DS_MANDATORY_OPS | 1u << SM_DS_PAGEIN | 1u << SM_DS_PROTECT | 1u << SM_DS_UNPROTECT |
           1u << SM_DS_STATS,
    .identify = identify,
    .lookup = lookup,
    .ready = ready,
};

static void handle(l4_threadid_t client, const l4_msg_t *m, struct sm_reply *reply)
{
    if (!SM_DSM_IS_REQUEST(m->w[0]))
        sm_fatal("sawmill anon: page fault IPC, but this manager is nobody's pager, at", L4_PF_ADDR(m->w[0]));
    sm_dsm_handle(&anon, client, m, reply);
}

void anon_serve(void)
{
    sm_server_loop(handle);
}
