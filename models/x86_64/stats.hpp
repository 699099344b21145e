// The MMU's counters, and the list that names and describes them (common/stat_list.hpp). Names
// are relative: the platform adds its prefix.
#pragma once
#include <array>
#include <cstdint>

#include "models/common/cache_hierarchy.hpp"
#include "models/common/stat_list.hpp"
#include "models/x86_64/paging.hpp"

namespace vmsim::x86 {

// One TLB level of one side (the L1 I-TLB, the L1 D-TLB) or the second level (STLB and the 1 GB
// STLB together). By page size: the size of the page the translation maps, which an entry cached
// in a smaller structure (a fractured large page) keeps.
struct TlbStats {
    std::array<uint64_t, kPageSizes> hits{};    // lookups that hit and were used
    std::array<uint64_t, kPageSizes> misses{};  // misses the level below resolved, by the size it found
    uint64_t misses_faulted = 0;                // misses that ended in a #PF
};

struct MmuStats {
    TlbStats dtlb, itlb, stlb;
    uint64_t tlb_faults = 0;     // #PF raised from the rights cached in a TLB entry, without a walk
    uint64_t dirty_rewalks = 0;  // writes that hit an entry filled while D was 0, and walked to set it

    uint64_t walks = 0;          // page walks started (misses and dirty re-walks)
    uint64_t walk_faults = 0;    // walks that ended in a #PF
    uint64_t walk_cycles = 0;    // cycles of the walks' references and A/D writes
    uint64_t walk_refs = 0;      // paging-structure entries read
    std::array<uint64_t, common::kCacheLevels> walk_refs_served{};  // where each read was served
    std::array<uint64_t, 6> walks_by_refs{};                        // walks that read N entries, N = 1..5
    std::array<uint64_t, 6> psc_hits{};    // by the level of the cached entry: 2 PDE .. 5 PML5E
    std::array<uint64_t, 6> psc_misses{};  // lookups that missed (a deeper cache that hits is looked up first)

    uint64_t a_set = 0;          // entries whose A bit the walker set
    uint64_t d_set = 0;          // entries whose D bit the walker set
    uint64_t entry_writes = 0;   // writes of paging-structure entries (one may set A and D)

    std::array<uint64_t, 32> page_faults{};  // #PF by error code (bits P, W/R, U/S, RSVD, I/D)
    uint64_t non_canonical = 0;  // accesses to non-canonical addresses (#GP or #SS: not a #PF)
    uint64_t bus_errors = 0;     // walks that read an entry where no memory answers

    uint64_t invlpg = 0;         // INVLPG executed
    uint64_t cr3_writes = 0;     // MOV to CR3
    uint64_t cr3_no_flush = 0;   // ... with CR4.PCIDE = 1 and bit 63 set
    uint64_t full_flushes = 0;   // invalidations of every TLB and paging-structure-cache entry

    uint64_t walker_waits = 0;        // walks that found every walker busy (translate_at only)
    uint64_t walker_wait_cycles = 0;  // cycles they waited
    uint64_t miss_cycles = 0;         // cycles of translations that were not L1 hits (walker waits included)

    uint64_t faults() const {
        uint64_t n = 0;
        for (uint64_t f : page_faults) n += f;
        return n;
    }

    common::StatList list() const;
};

}  // namespace vmsim::x86
