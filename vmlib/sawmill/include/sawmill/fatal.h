/* A fatal error of the framework (root task or application): one line on the
 * console, then the machine ends with SM_FATAL_EXIT (125, as the unix stub's). */
#ifndef SAWMILL_FATAL_H
#define SAWMILL_FATAL_H

#include <stdint.h>

#define SM_FATAL_EXIT 125u

void sm_fatal(const char *what, uint32_t value) __attribute__((noreturn));

#endif /* SAWMILL_FATAL_H */
