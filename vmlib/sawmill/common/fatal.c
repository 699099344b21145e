/* sm_fatal (sawmill/fatal.h), through the kernel's kdebug output and exit. */
#include <l4/kdebug.h>

#include "sawmill/fatal.h"

void sm_fatal(const char *what, uint32_t value)
{
    l4_kd_outstring(what);
    l4_kd_outchar(' ');
    l4_kd_outhex32(value);
    l4_kd_outchar('\n');
    l4_kd_exit(SM_FATAL_EXIT);
}
