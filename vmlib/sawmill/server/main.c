/*
 * The SawMill root task (entered at main by the l4 guest start-up, vmlib/l4/user/crt0.S,
 * with sigma0 as its pager): gets the main-memory manager's frames from sigma0,
 * loads the application's image into a main-memory dataspace, starts the
 * anonymous-memory manager (lthread 1), creates the application task with the
 * main-memory manager as the pager of its first thread, and then serves as the
 * main-memory manager (lthread 0).
 */
#include "server.h"

extern const char sm_app_elf[]; /* app_image.S */

static uint32_t anon_stack[2048] __attribute__((aligned(16)));

int main(void)
{
    l4_threadid_t me = sm_myself();
    if (mm_init() != 0)
        sm_fatal("sawmill: sigma0 gave fewer frames than the pool needs, pool at", SM_POOL_BASE);
    struct mm_image image;
    if (mm_load_image(sm_app_elf, &image) != 0)
        sm_fatal("sawmill: cannot load the application image at", (uint32_t)sm_app_elf);

    anon_mm_thread = me;
    l4_lthread_ex_regs(1, (l4_word_t)anon_serve, (l4_word_t)(anon_stack + 2048 - 4), L4_SIGMA0_ID, 0);

    l4_threadid_t app = l4_task_new(l4_make_id(SM_APP_TASK, 0, SM_APP_VERSION), 0, 0, image.entry, me);
    if (l4_is_nil(app))
        sm_fatal("sawmill: task_new refused task", SM_APP_TASK);
    mm_serve(SM_APP_TASK);
}
