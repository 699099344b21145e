/*
 * AVM page tables: the interface every page-table structure implements, and the
 * list of structures the library has (avm_init picks one by the boot parameter
 * avm.pagetable). Plain C on <stdint.h> and nothing of the guest: the structures
 * also build for the host, where tests/vmlib/pagetable_test.cpp runs one property
 * suite on every entry of avm_pagetables.
 */
#ifndef AVM_PT_H
#define AVM_PT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One mapped page. lo and cap are the library's (avm.h: the EntryLo the kernel
 * installs, with AVM's protection and dirty bits); a structure only keeps them. */
struct avm_pte {
    uint32_t vpn; /* virtual page number */
    uint32_t lo;  /* EntryLo | AVM_PTE_PROT | AVM_PTE_DIRTY */
    uint32_t cap; /* capability of the physical page */
    uint32_t pad;
};

/* A page-table structure. init empties it. lookup/insert/remove by virtual page
 * number; insert returns the (new or existing) entry with vpn set, a new one
 * zeroed otherwise, and 0 when full; remove returns 0, or -1 when the page is not
 * there; next returns the entry of page e->vpn + 1 or 0 (range operations walk
 * with it, or use run). Entry pointers are valid until the next insert or remove. */
struct avm_pt_ops {
    const char *name; /* as the boot parameter names it (vmsim/bootparams.h) */
    void (*init)(void);
    struct avm_pte *(*lookup)(uint32_t vpn);
    struct avm_pte *(*insert)(uint32_t vpn);
    int (*remove)(uint32_t vpn);
    struct avm_pte *(*next)(struct avm_pte *e);
    /* Optional (may be 0): the entries of pages vpn .. vpn + n - 1 as one array,
     * if the structure stores them so; 0 otherwise. */
    struct avm_pte *(*run)(uint32_t vpn, unsigned n);
};

/* A vector sorted by virtual page number, binary search: the paper's prototype. */
extern const struct avm_pt_ops avm_pt_linear;

/* Every structure, indexed by the value of the boot parameter avm.pagetable
 * (VMSIM_AVM_PT_* in vmsim/bootparams.h); entry i is named
 * VMSIM_AVM_PAGETABLE_NAMES[i]. */
extern const struct avm_pt_ops *const avm_pagetables[];
extern const unsigned avm_npagetables;

#ifdef __cplusplus
}
#endif

#endif /* AVM_PT_H */
