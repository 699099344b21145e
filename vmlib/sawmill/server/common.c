/* What both managers of the root task use: the server loop, unmapping a page
 * range as flexpages, fatal errors. */
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

void sm_fatal(const char *what, uint32_t value)
{
    l4_kd_outstring(what);
    l4_kd_outchar(' ');
    l4_kd_outhex32(value);
    l4_kd_outchar('\n');
    l4_kd_exit(SM_FATAL_EXIT);
}
