/* The page-table structures of AVM, by boot-parameter value (pt.h). A new
 * structure: its ops here, its name in VMSIM_AVM_PAGETABLE_NAMES
 * (vmsim/bootparams.h), its source in vmlib/avm/CMakeLists.txt. */
#include <vmsim/bootparams.h>
#include "pt.h"

const struct avm_pt_ops *const avm_pagetables[] = {
    [VMSIM_AVM_PT_LINEAR] = &avm_pt_linear,
};
const unsigned avm_npagetables = sizeof avm_pagetables / sizeof avm_pagetables[0];

_Static_assert(sizeof avm_pagetables / sizeof avm_pagetables[0] ==
                   sizeof((const char *[])VMSIM_AVM_PAGETABLE_NAMES) / sizeof(const char *),
               "one structure per name of the boot parameter avm.pagetable");
