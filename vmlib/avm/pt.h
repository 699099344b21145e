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
 * installs, with AVM's protection and dirty bits); a structure only keeps them.
 * link is the structure's own word (the hashed and inverted tables chain through
 * it); callers leave it alone. AEGIS_SYS_TLB_WRITE_RANGE reads the {lo, cap} pairs
 * of a run with stride 16 and wants each pair 8-byte aligned (so that none
 * straddles a page): lo and cap come first, and every structure keeps its entries
 * at 16-byte multiples of the page-aligned arena. */
struct avm_pte {
    uint32_t lo;   /* EntryLo | AVM_PTE_PROT | AVM_PTE_DIRTY */
    uint32_t cap;  /* capability of the physical page */
    uint32_t vpn;  /* virtual page number */
    uint32_t link; /* the structure's */
};
#ifndef __cplusplus
_Static_assert(sizeof(struct avm_pte) == 16, "runs are read with stride 16");
#endif

/* What a structure is sized by, read at boot (avm_init) or given by a host test;
 * 0 in a field means the structure's default. */
struct avm_pt_params {
    uint32_t frames;         /* physical pages the kernel manages (inverted) */
    uint32_t hashed_buckets; /* avm.hashed_buckets (hashed; a power of two) */
};

/* A page-table structure. init empties it and sizes it by the parameters: 0, or
 * -1 when they do not fit its limits (README.md). lookup/insert/remove by virtual
 * page number.
 *
 * insert(vpn, lo) maps page vpn with the EntryLo word lo, whose PFN field names the
 * physical frame (an inverted table places the entry by it, which is why the frame
 * comes with the insert and is not written afterwards): it returns the entry, new
 * (cap 0) or existing (lo replaced, cap kept), or 0 when there is no room. Callers
 * may change cap and the bits of lo below the PFN in place (protection, dirty,
 * valid), never the PFN: mapping the page to another frame is another insert.
 * remove returns 0, or -1 when the page is not there. next returns the entry of
 * page e->vpn + 1 or 0 (range operations walk with it, or use run). Entry pointers
 * are valid until the next insert or remove. bytes is the memory the structure
 * needs for what it holds now (its share of avm_pt_arena, README.md). */
struct avm_pt_ops {
    const char *name; /* as the boot parameter names it (vmsim/bootparams.h) */
    int (*init)(const struct avm_pt_params *params);
    struct avm_pte *(*lookup)(uint32_t vpn);
    struct avm_pte *(*insert)(uint32_t vpn, uint32_t lo);
    int (*remove)(uint32_t vpn);
    struct avm_pte *(*next)(struct avm_pte *e);
    /* Optional (may be 0): the entries of pages vpn .. vpn + n - 1 as one array,
     * if the structure stores them so; 0 otherwise. */
    struct avm_pte *(*run)(uint32_t vpn, unsigned n);
    uint32_t (*bytes)(void);
};

/* Virtual page numbers a structure holds: kuseg, 2 GB of 4 KB pages (AVM manages
 * segment 0 and may map pages of segment 1). An insert beyond returns 0. */
#define AVM_PT_VPNS 0x80000u
#define AVM_PT_PAGE_SHIFT 12 /* the PFN of lo */

/* The storage of every structure: one static arena, which the structure chosen at
 * boot divides at init (only one is in use in a run, so the application's image,
 * which the kernel copies page by page at boot, does not grow with the number of
 * structures). 128 KB: the paper prototype's 8192 entries of 16 bytes. Page
 * aligned: hier2's leaves are pages, and none of the arena is lost aligning them. */
#define AVM_PT_ARENA_BYTES (128u * 1024u)
extern unsigned char avm_pt_arena[AVM_PT_ARENA_BYTES];

/* A vector sorted by virtual page number, binary search: the paper's prototype. */
extern const struct avm_pt_ops avm_pt_linear;
/* Two levels indexed by VPN bits: a root of pointers, 4 KB leaves of entries. */
extern const struct avm_pt_ops avm_pt_hier2;
/* Chained hash table: heads by a hash of the VPN, entries from a pool. */
extern const struct avm_pt_ops avm_pt_hashed;
/* One entry per physical frame, found through a hash anchor table. */
extern const struct avm_pt_ops avm_pt_inverted;

/* The inverted table's reverse translation, what the structure exists for: the
 * entry of the page mapped in frame pfn (the entry in that frame's slot), or 0 when
 * none is (an alias of a frame already held lives in the overflow, not here). */
struct avm_pte *avm_pt_inverted_frame(uint32_t pfn);

/* Every structure, indexed by the value of the boot parameter avm.pagetable
 * (VMSIM_AVM_PT_* in vmsim/bootparams.h); entry i is named
 * VMSIM_AVM_PAGETABLE_NAMES[i]. */
extern const struct avm_pt_ops *const avm_pagetables[];
extern const unsigned avm_npagetables;

#ifdef __cplusplus
}
#endif

#endif /* AVM_PT_H */
