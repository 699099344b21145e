/* The whole user-visible ABI of vmsim's l4 kernel (see vmlib/l4/README.md). */
#ifndef L4_L4_H
#define L4_L4_H
#include <l4/types.h>
#include <l4/syscalls.h>
#include <l4/kdebug.h>
#include <l4/sigma0.h>
#endif
