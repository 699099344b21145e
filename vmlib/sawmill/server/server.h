/*
 * The SawMill root task ("server"): the main-memory manager and the
 * anonymous-memory manager, two dataspace managers in one L4 task (the paper's
 * prototype, seed 001 section 5), and the boot code that starts the
 * application task. See ../README.md.
 */
#ifndef SAWMILL_SERVER_H
#define SAWMILL_SERVER_H

#include <l4/l4.h>
#include <stdint.h>

#include "sawmill/dsm.h"
#include "sawmill/fatal.h"
#include "sawmill/tasks.h"

/* Where the main-memory manager keeps the frames it got from sigma0, in the root
 * task's address space (a 4 MB flexpage: its blocks are aligned up to 4 MB). */
#define SM_POOL_BASE 0x40000000u
#define SM_POOL_PAGES 1024u

/* ---- main-memory manager (mm.c) ---------------------------------------------- */
/* Gets SM_POOL_PAGES frames from sigma0 into the pool. 0 on success. */
int mm_init(void);
/* A main-memory dataspace of npages rounded up to a power of two, aligned to its
 * size in the pool. Returns its id, or -1 when the pool is exhausted. */
int mm_identify(uint32_t npages);
/* The image dataspace of the application (loaded by mm_load_image): its id and
 * the virtual address the application sees it at. */
struct mm_image {
    uint32_t ds, vbase, npages, entry;
};
/* Copies the PT_LOAD segments of the ELF32 at elf into a new dataspace. 0 on success. */
int mm_load_image(const void *elf, struct mm_image *out);
/* The main-memory manager's server loop (never returns). It also pages the
 * region-mapper thread of the application task `task` from the image. */
void mm_serve(unsigned task) __attribute__((noreturn));

/* ---- anonymous-memory manager (anon.c) ----------------------------------------- */
/* The thread body (lthread 1 of the root task). */
void anon_serve(void) __attribute__((noreturn));
/* The main-memory manager thread, which the anonymous manager gets its blocks from. */
extern l4_threadid_t anon_mm_thread;

/* ---- both managers (dsm.c) ---------------------------------------------------- */

/* A server's answer to one request: a register message, a map message, or none
 * (desc = L4_IPC_NIL_DESCRIPTOR: the client is not answered now). */
struct sm_reply {
    l4_word_t desc;
    l4_msg_t msg;
};

static inline void sm_reply_words(struct sm_reply *r, uint32_t w0, uint32_t w1, uint32_t w2)
{
    r->desc = L4_IPC_SHORT_MSG;
    r->msg = l4_msg(w0, w1, w2);
}

/* A map message of the 2^order pages at base (in the server's space); snd_base
 * places them in a receive window larger than the fpage (the hot spot). */
static inline void sm_reply_fpage(struct sm_reply *r, uint32_t snd_base, uint32_t base, uint32_t order, int writable,
                                  uint32_t status)
{
    r->desc = L4_IPC_SHORT_FPAGE;
    r->msg = l4_msg(snd_base, l4_fpage(base, order + L4_PAGESHIFT, writable, 0).raw, status);
}

/* The L4 server loop: open wait, then handle and reply-and-wait in one IPC
 * (send timeout 0: a client that does not wait for the answer cannot block the
 * server). Never returns. */
typedef void (*sm_handler_t)(l4_threadid_t client, const l4_msg_t *request, struct sm_reply *reply);
void sm_server_loop(sm_handler_t handle) __attribute__((noreturn));

/* What every dataspace of a manager here has: a window in this task, aligned to
 * its size rounded up to a power of two, so a flexpage of the dataspace is a
 * flexpage of the window. */
struct sm_ds {
    int used;
    uint32_t base;   /* the window's address in this task */
    uint32_t npages; /* the dataspace's size */
    uint32_t rights; /* SM_RIGHT_R | SM_RIGHT_W as opened; 0 = not open, or closed */
};

/* A dataspace manager: what differs between the two; dsm.c does the rest of the
 * protocol (interrogate, open, close, page-in, protect, unprotect, stats). */
struct sm_manager {
    uint32_t ops; /* what interrogate answers: 1 << SM_DS_* */
    /* identify: a new (or a named) dataspace, answered in reply */
    void (*identify)(l4_threadid_t client, uint32_t npages, struct sm_reply *reply);
    struct sm_ds *(*lookup)(uint32_t id); /* 0 if there is no such dataspace */
    /* Makes the page at offset off present in this task (touched, or filled the
     * first time) and returns its address here. */
    uint32_t (*ready)(struct sm_ds *d, uint32_t off);
    uint32_t unmap_calls, maps_sent; /* what stats answers */
};

/* Answers one request of the dataspace-manager protocol (sawmill/dsm.h). */
void sm_dsm_handle(struct sm_manager *m, l4_threadid_t client, const l4_msg_t *request, struct sm_reply *reply);

/* Unmaps pages [first, first + npages) of the window at base from every client:
 * one fpage_unmap per flexpage, removing the mappings (w = 1), keeping this
 * task's own (f = 0). Returns the calls made. */
unsigned sm_unmap_pages(uint32_t base, uint32_t first, uint32_t npages);

/* Reads a page so that it is mapped here before it is mapped on: L4 maps only
 * what the mapper has, and mapping a page this task lacks would unmap it in the
 * client (seed 001, section 2.3); the read faults it in from this task's pager. */
static inline void sm_touch(uint32_t addr)
{
    (void)*(volatile uint32_t *)addr;
}

#endif /* SAWMILL_SERVER_H */
