// The MMU's parameters: the CPU's paging features, the TLBs, the paging-structure caches, the
// walkers and the two latencies that are not memory references. Defaults are a Skylake client
// core; the data-cache hierarchy the walker's references go through has its own configuration
// (models/common/cache_hierarchy.hpp).
//
// Sources of the defaults:
//  - TLB sizes: Intel 64 and IA-32 Architectures Optimization Reference Manual, "Skylake client
//    microarchitecture", TLB parameters table (also ../shared/reference/x86.md): I-TLB 4K 128/8-way,
//    2M/4M 8 (per thread, fully associative); D-TLB 4K 64/4-way, 2M/4M 32/4-way, 1G 4/4-way; STLB
//    4K+2M 1536/12-way, 1G 16/4-way. The same chapter: two page walks in parallel (walkers = 2).
//  - STLB hit latency: "about 8-9 cycles" (x86.md); 9 chosen.
//  - Paging-structure caches: Intel does not publish their sizes. PML4E 2 and PDPTE 4 entries, fully
//    associative, and PDE 32 entries, 4-way, are a choice (x86.md's sizes); no PML5E cache (Skylake
//    has no LA57).
//  - MAXPHYADDR 39: CPUID.80000008H:EAX[7:0] of Skylake client parts.
#pragma once
#include <cstdint>
#include <string>
#include <utility>

#include "models/common/replacement.hpp"
#include "models/common/set_assoc.hpp"

namespace vmsim::x86 {

// One TLB or paging-structure cache.
struct TlbConfig {
    uint32_t entries = 0;  // 0 = the structure does not exist
    uint32_t ways = 1;     // entries = ways: fully associative
    common::Replacement replacement = common::Replacement::Lru;
    uint64_t seed = 0;     // Replacement::Random only

    bool present() const { return entries != 0; }

    // Empty when usable, else one sentence naming `name`'s bad field.
    std::string check(const std::string& name) const {
        if (entries == 0) return {};
        if (ways == 0) return name + ".ways must be at least 1";
        if (entries % ways != 0)
            return name + ".entries (" + std::to_string(entries) + ") is not divisible by " + name + ".ways (" +
                   std::to_string(ways) + ")";
        const uint32_t sets = entries / ways;
        if ((sets & (sets - 1)) != 0)
            return name + ".entries / " + name + ".ways must be a power of two (the number of sets), got " +
                   std::to_string(sets);
        if (std::string problem = tag_store().check(); !problem.empty()) return name + ": " + problem;
        return {};
    }

    // The tag store; meaningful once check() passes. An absent structure gets one way that is never
    // filled, so that a lookup in it is an ordinary miss.
    common::SetAssocConfig tag_store() const {
        common::SetAssocConfig c;
        c.sets = entries == 0 ? 1 : entries / ways;
        c.ways = entries == 0 ? 1 : ways;
        c.replacement = replacement;
        c.seed = seed;
        return c;
    }
};

struct MmuConfig {
    // What the CPU supports (CPUID). A control-register write that needs a missing feature is
    // refused, as the CPU would raise #GP.
    unsigned max_phys_addr_bits = 39;  // MAXPHYADDR, 32..52: entry bits above it are reserved
    bool pages_1g = true;              // PS in a PDPTE maps a 1 GB page (else PS there is reserved)
    bool la57 = false;                 // CR4.LA57: 5-level paging
    bool nx = true;                    // EFER.NXE
    bool pge = true;                   // CR4.PGE: global pages (the P6 and later; not the Pentium)
    bool pcid = true;                  // CR4.PCIDE
    bool pat = true;                   // PAT: PTE bit 7 and bit 12 of a large-page entry (else reserved)

    // First-level TLBs, one per side and page size. "2m" holds 2 MB pages in long mode and 4 MB pages
    // with 32-bit paging (Intel's "2M/4M" TLBs). A page whose size has no structure on its side is
    // cached as entries of the largest smaller size that has one (SDM 4.10.2.3), or not at all.
    TlbConfig itlb_4k{128, 8};
    TlbConfig itlb_2m{8, 8};
    TlbConfig itlb_1g{};
    TlbConfig dtlb_4k{64, 4};
    TlbConfig dtlb_2m{32, 4};
    TlbConfig dtlb_1g{4, 4};

    // Second level, shared by both sides: a unified STLB holding the page sizes chosen below, plus an
    // optional structure for 1 GB pages alone (Skylake has both). A size neither holds is not
    // cached at the second level.
    TlbConfig stlb{1536, 12};
    bool stlb_holds_4k = true;
    bool stlb_holds_2m = true;  // 2 MB and 4 MB pages
    bool stlb_holds_1g = false;
    TlbConfig stlb_1g{16, 4};

    // Paging-structure caches (SDM 4.10.3), by the level of the entry they cache. With 32-bit paging
    // only the PDE cache is used.
    TlbConfig psc_pde{32, 4};
    TlbConfig psc_pdpte{4, 4};
    TlbConfig psc_pml4e{2, 2};
    TlbConfig psc_pml5e{};

    // Page walkers: how many walks may be in flight at once. Only Mmu::translate_at, which is told the
    // cycle each access issues, can have walks overlap; see mmu.hpp.
    unsigned walkers = 2;

    uint32_t l1_hit_cycles = 0;    // added by an L1 TLB hit (0: the lookup overlaps the L1D access)
    uint32_t stlb_hit_cycles = 9;  // added by an L1 miss that looks the STLB up (hit, or before a walk)

    // Host speed only, no part of the model: translate misses through code compiled for this
    // geometry when it is one the Mmu has such code for (mmu.hpp, SkylakeGeometry). Results are the
    // same either way; a test turns it off to compare the two.
    bool compiled_paths = true;

    // Empty when usable, else one sentence naming the bad field.
    std::string check() const {
        if (max_phys_addr_bits < 32 || max_phys_addr_bits > 52)
            return "max_phys_addr_bits must be 32 to 52, got " + std::to_string(max_phys_addr_bits);
        if (walkers < 1 || walkers > 64) return "walkers must be 1 to 64, got " + std::to_string(walkers);
        const std::pair<const char*, const TlbConfig*> all[] = {
            {"itlb_4k", &itlb_4k}, {"itlb_2m", &itlb_2m},     {"itlb_1g", &itlb_1g},     {"dtlb_4k", &dtlb_4k},
            {"dtlb_2m", &dtlb_2m}, {"dtlb_1g", &dtlb_1g},     {"stlb", &stlb},           {"stlb_1g", &stlb_1g},
            {"psc_pde", &psc_pde}, {"psc_pdpte", &psc_pdpte}, {"psc_pml4e", &psc_pml4e}, {"psc_pml5e", &psc_pml5e}};
        for (const auto& [name, tlb] : all)
            if (std::string problem = tlb->check(name); !problem.empty()) return problem;
        if (stlb.present() && stlb_holds_1g && stlb_1g.present())
            return "stlb_holds_1g and stlb_1g both cache 1 GB pages: set stlb_holds_1g = false or stlb_1g.entries = 0";
        return {};
    }
};

}  // namespace vmsim::x86
