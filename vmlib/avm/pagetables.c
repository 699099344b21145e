/* The page-table structures of AVM, by boot-parameter value (pt.h), and the arena
 * they share. A new structure: its ops here, its name in VMSIM_AVM_PAGETABLE_NAMES
 * (vmsim/bootparams.h), its source in vmlib/avm/CMakeLists.txt. */
#include <vmsim/bootparams.h>
#include "pt.h"

unsigned char avm_pt_arena[AVM_PT_ARENA_BYTES] __attribute__((aligned(4096)));

const struct avm_pt_ops *const avm_pagetables[] = {
    [VMSIM_AVM_PT_LINEAR] = &avm_pt_linear,
    [VMSIM_AVM_PT_HIER2] = &avm_pt_hier2,
    [VMSIM_AVM_PT_HASHED] = &avm_pt_hashed,
    [VMSIM_AVM_PT_INVERTED] = &avm_pt_inverted,
};
const unsigned avm_npagetables = sizeof avm_pagetables / sizeof avm_pagetables[0];

_Static_assert(sizeof avm_pagetables / sizeof avm_pagetables[0] ==
                   sizeof((const char *[])VMSIM_AVM_PAGETABLE_NAMES) / sizeof(const char *),
               "one structure per name of the boot parameter avm.pagetable");
