/*
 * vmsim R3000 platform: the boot parameter block.
 *
 * Parameters that a sweep changes without rebuilding the guest (e.g. the aegis
 * kernel's software-TLB size, the unix kernel's mprotect strategy) reach the
 * guest kernel through this block, at a fixed physical address:
 *
 *   VMSIM_BOOTPARAMS_PADDR = 0x00000100 (kseg0 0x80000100), at most
 *   VMSIM_BOOTPARAMS_MAX_SIZE = 0x100 bytes, i.e. right after the two exception
 *   vector slots (0x000 UTLB refill, 0x080 general).
 *
 * Protocol (shared by the simulator and the guest kernels; little-endian words):
 *   - A kernel that accepts parameters reserves [0x100, 0x200) in its image and
 *     places there a placeholder block whose magic is VMSIM_BOOTPARAMS_REQUEST
 *     and whose other words are zero.
 *   - After loading the ELF segments, and only if the word at the block's address
 *     is VMSIM_BOOTPARAMS_REQUEST, the simulator writes the whole block with magic
 *     VMSIM_BOOTPARAMS_MAGIC, version VMSIM_BOOTPARAMS_VERSION, size =
 *     sizeof(struct vmsim_bootparams), and the fields below. Images that do not
 *     carry the placeholder (everything linked with workloads/runtime/link.ld)
 *     are never written.
 *   - The kernel uses the fields only when magic == VMSIM_BOOTPARAMS_MAGIC and
 *     version matches; otherwise it uses its built-in defaults. A field that is 0
 *     means "the kernel's default".
 *   - A kernel rejects an invalid value with a one-line message on the console and
 *     a non-zero exit (aegis: exit code 120, see vmlib/aegis/README.md; the unix
 *     kernel's one field has no invalid value).
 *
 * Kernels that take the block: aegis and unix, both linked with
 * vmlib/kernel.ld. Layout of version 4 (byte offsets below):
 *   0x00 magic  0x04 version  0x08 size (64)  0x0c ram_size  0x10 stlb_entries
 *   0x14 avm_pagetable  0x18 unix_mprotect_asid_threshold  0x1c avm_hashed_buckets
 *   0x20 stlb_org  0x24 aegis_nenvs  0x28 aegis_timeslice  0x2c aegis_asids
 *   0x30 scenario_pages_slices  0x34 scenario_accesses_seed  0x38 avm_measure_lookups
 *   0x3c reserved
 *
 * Only #defines and a plain C struct: usable from C, C++ and (the #defines) from
 * assembly.
 */
#ifndef VMSIM_BOOTPARAMS_H
#define VMSIM_BOOTPARAMS_H

#define VMSIM_BOOTPARAMS_PADDR 0x00000100u
#define VMSIM_BOOTPARAMS_MAX_SIZE 0x100u
#define VMSIM_BOOTPARAMS_REQUEST 0x51525042u /* "BPRQ": placeholder, fill me */
#define VMSIM_BOOTPARAMS_MAGIC 0x544f4f42u   /* "BOOT": filled by the simulator */
#define VMSIM_BOOTPARAMS_VERSION 4u /* 2: avm_pagetable; 3: unix_mprotect_asid_threshold;
                                      * 4: avm_hashed_buckets, stlb_org, aegis_nenvs .. scenario_accesses_seed,
                                      * avm_measure_lookups */

/* Byte offsets, for assembly and for the simulator. */
#define VMSIM_BOOTPARAMS_OFF_MAGIC 0x00u
#define VMSIM_BOOTPARAMS_OFF_VERSION 0x04u
#define VMSIM_BOOTPARAMS_OFF_SIZE 0x08u
#define VMSIM_BOOTPARAMS_OFF_RAM_SIZE 0x0cu
#define VMSIM_BOOTPARAMS_OFF_STLB_ENTRIES 0x10u
#define VMSIM_BOOTPARAMS_OFF_AVM_PAGETABLE 0x14u
#define VMSIM_BOOTPARAMS_OFF_UNIX_MPROTECT_ASID_THRESHOLD 0x18u
#define VMSIM_BOOTPARAMS_OFF_AVM_HASHED_BUCKETS 0x1cu
#define VMSIM_BOOTPARAMS_OFF_STLB_ORG 0x20u
#define VMSIM_BOOTPARAMS_OFF_AEGIS_NENVS 0x24u
#define VMSIM_BOOTPARAMS_OFF_AEGIS_TIMESLICE 0x28u
#define VMSIM_BOOTPARAMS_OFF_AEGIS_ASIDS 0x2cu
#define VMSIM_BOOTPARAMS_OFF_SCENARIO_PAGES_SLICES 0x30u
#define VMSIM_BOOTPARAMS_OFF_SCENARIO_ACCESSES_SEED 0x34u
#define VMSIM_BOOTPARAMS_OFF_AVM_MEASURE_LOOKUPS 0x38u

/* aegis: software-TLB entries; a power of two in 1 .. VMSIM_STLB_MAX_ENTRIES
 * (2way: from 2, one set of two entries). */
#define VMSIM_STLB_DEFAULT_ENTRIES 4096u
#define VMSIM_STLB_MAX_ENTRIES 524288u /* 2^19: one entry per kuseg page */

/* aegis.stlb_org: the software TLB's organisation (vmlib/aegis/kernel/stlb.c). A
 * value is an index into VMSIM_STLB_ORG_NAMES; 0 (direct, the paper's) is the
 * default. direct: direct-mapped; 2way: two-way set-associative, like Rialto's
 * MIPS VTLB; none: no software TLB, every user TLB miss of segment 0 goes to the
 * application. */
#define VMSIM_STLB_ORG_DIRECT 0u
#define VMSIM_STLB_ORG_2WAY 1u
#define VMSIM_STLB_ORG_NONE 2u
#define VMSIM_STLB_ORG_NAMES {"direct", "2way", "none"}

/* avm.pagetable: the page-table structure of the AVM library (vmlib/avm/pt.h),
 * which an aegis application picks at avm_init. A value is an index into
 * VMSIM_AVM_PAGETABLE_NAMES, the names the simulator's parameter accepts; 0
 * (linear, the paper's prototype) is the default. A guest that meets a value it
 * does not know stops with a message (AVM: exit code 120). */
#define VMSIM_AVM_PT_LINEAR 0u
#define VMSIM_AVM_PT_HIER2 1u
#define VMSIM_AVM_PT_HASHED 2u
#define VMSIM_AVM_PT_INVERTED 3u
#define VMSIM_AVM_PAGETABLE_NAMES {"linear", "hier2", "hashed", "inverted"}

/* avm.hashed_buckets: hash chains of AVM's `hashed` page table, a power of two
 * up to VMSIM_AVM_HASHED_MAX_BUCKETS; 0 = the library's default (vmlib/avm/README.md
 * says why 1024: one 4 KB page of chain heads, and no two pages of an aligned
 * 1024-page range share a chain). Like avm.pagetable, the kernel passes it on unread
 * (AEGIS_INFO_BOOTPARAM) and AVM checks it. */
#define VMSIM_AVM_HASHED_DEFAULT_BUCKETS 1024u
#define VMSIM_AVM_HASHED_MAX_BUCKETS 8192u

/* unix: mprotect of more than this many pages gives the process a new ASID
 * instead of flushing the TLB page by page (vmlib/unix/kernel/vm.c). Any value
 * from 1 is valid; from VMSIM_UNIX_MPROTECT_ASID_NEVER (the number of kuseg
 * pages, more than any range holds) mprotect always flushes page by page. */
#define VMSIM_UNIX_MPROTECT_ASID_DEFAULT 16u
#define VMSIM_UNIX_MPROTECT_ASID_NEVER 524288u /* 2^19 pages of 4 KB: all of kuseg */

/* aegis: several environments (vmlib/aegis/README.md, "Several environments").
 * aegis_nenvs: how many run, 1 .. the image's maximum (aegis_add_system MAX_ENVS);
 * 0 = the image's default (NENVS). aegis_timeslice: the timer period in CPU cycles
 * (the timer preempts only when more than one environment runs).
 * aegis_asids: ASIDs the kernel hands out, 2 .. 64 (the R3000 has 64). */
#define VMSIM_AEGIS_MAX_ENVS 64u
#define VMSIM_AEGIS_TIMESLICE_DEFAULT 100000u /* cycles: 6 ms at 16.67 MHz */
#define VMSIM_AEGIS_TIMESLICE_MIN 1000u       /* well above the interrupt path's cost */
#define VMSIM_AEGIS_ASIDS_MAX 64u

/* The scenario workload (workloads/scenario) on aegis: four values in two words,
 * each field 0 = the program's default. scenario_pages_slices: pages per process
 * (bits 15..0), time slices per process (bits 31..16); scenario_accesses_seed:
 * accesses per time slice (bits 19..0), seed (bits 31..20). */
#define VMSIM_SCENARIO_PAGES_DEFAULT 64u
#define VMSIM_SCENARIO_SLICES_DEFAULT 20u
#define VMSIM_SCENARIO_ACCESSES_DEFAULT 1000u
#define VMSIM_SCENARIO_SEED_DEFAULT 1u
#define VMSIM_SCENARIO_PAGES_MAX 0xffffu
#define VMSIM_SCENARIO_SLICES_MAX 0xffffu
#define VMSIM_SCENARIO_ACCESSES_MAX 0xfffffu
#define VMSIM_SCENARIO_SEED_MAX 0xfffu
#define VMSIM_SCENARIO_PACK(lo, lo_bits, hi) ((uint32_t)(lo) | ((uint32_t)(hi) << (lo_bits)))

#ifndef __ASSEMBLER__
#include <stdint.h>

struct vmsim_bootparams {
    uint32_t magic;        /* VMSIM_BOOTPARAMS_MAGIC once written        */
    uint32_t version;      /* VMSIM_BOOTPARAMS_VERSION                   */
    uint32_t size;         /* sizeof(struct vmsim_bootparams)            */
    uint32_t ram_size;     /* bytes of RAM at physical 0 (mem.size)      */
    uint32_t stlb_entries; /* aegis software TLB entries; 0 = default    */
    uint32_t avm_pagetable; /* VMSIM_AVM_PT_*; 0 = linear                */
    uint32_t unix_mprotect_asid_threshold; /* unix: pages; 0 = default   */
    uint32_t avm_hashed_buckets; /* AVM hashed page table; 0 = default   */
    uint32_t stlb_org;     /* aegis: VMSIM_STLB_ORG_*; 0 = direct        */
    uint32_t aegis_nenvs;  /* environments that run; 0 = the image's     */
    uint32_t aegis_timeslice; /* timer period, CPU cycles; 0 = default  */
    uint32_t aegis_asids;  /* ASIDs handed out, 2..64; 0 = 64            */
    uint32_t scenario_pages_slices;  /* pages | slices << 16; 0 = default */
    uint32_t scenario_accesses_seed; /* accesses | seed << 20; 0 = default */
    uint32_t avm_measure_lookups; /* AVM: 1 = time each page-table lookup */
    uint32_t reserved[1];  /* zero; later parameters go here             */
};
#endif

#endif /* VMSIM_BOOTPARAMS_H */
