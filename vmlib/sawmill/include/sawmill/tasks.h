/* The tasks of a SawMill system on the l4 kernel: sigma0 (2), the root task with
 * the dataspace managers (4, L4's first user task), the application (5). */
#ifndef SAWMILL_TASKS_H
#define SAWMILL_TASKS_H

#include <l4/l4.h>

#define SM_APP_TASK 5u
#define SM_APP_VERSION 1u

/* The caller's own thread id: id_nearest of nil (X.0's l4_myself). */
static inline l4_threadid_t sm_myself(void)
{
    return l4_id_nearest(L4_NIL_ID, 0);
}

#endif /* SAWMILL_TASKS_H */
