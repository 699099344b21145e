// MmuStats::list(): every counter with its name and meaning, in a fixed order.
#include <cstdio>
#include <string>

#include "models/x86_64/stats.hpp"

namespace vmsim::x86 {

namespace {

void add_tlb(common::StatList& out, const std::string& name, const std::string& what, const TlbStats& s) {
    for (unsigned i = 0; i < kPageSizes; ++i) {
        const std::string size = page_size_name(static_cast<PageSize>(i));
        out.push_back({name + ".hits." + size, what + " hits on translations of " + size + " pages", s.hits[i]});
    }
    for (unsigned i = 0; i < kPageSizes; ++i) {
        const std::string size = page_size_name(static_cast<PageSize>(i));
        out.push_back(
            {name + ".misses." + size, what + " misses resolved below it to " + size + " pages", s.misses[i]});
    }
    out.push_back({name + ".misses.faulted", what + " misses that ended in a page fault", s.misses_faulted});
}

// "not present, write, user" for an error code.
std::string describe(unsigned code) {
    std::string d = (code & kPfRsvd) ? "reserved bit" : (code & kPfP) ? "protection" : "not present";
    d += (code & kPfW) ? ", write" : (code & kPfI) ? ", fetch" : ", read";
    d += (code & kPfU) ? ", user" : ", supervisor";
    return d;
}

}  // namespace

common::StatList MmuStats::list() const {
    common::StatList out;
    add_tlb(out, "dtlb", "L1 D-TLB", dtlb);
    add_tlb(out, "itlb", "L1 I-TLB", itlb);
    add_tlb(out, "stlb", "second-level TLB", stlb);
    out.push_back({"tlb_faults", "page faults raised from the rights cached in a TLB entry, without a walk", tlb_faults});
    out.push_back({"dirty_rewalks", "writes that hit a TLB entry cached with D = 0 and walked to set D", dirty_rewalks});

    out.push_back({"walks", "page walks (TLB misses and dirty re-walks)", walks});
    out.push_back({"walks.faulted", "page walks that ended in a page fault", walk_faults});
    out.push_back({"walk.cycles", "cycles of page-walk references and A/D writes", walk_cycles});
    out.push_back({"walk.refs", "paging-structure entries read by page walks", walk_refs});
    for (unsigned i = 0; i < common::kCacheLevels; ++i) {
        const std::string level = common::cache_level_name(static_cast<common::CacheLevel>(i));
        out.push_back({"walk.refs." + level, "page-walk reads served by " + level, walk_refs_served[i]});
    }
    for (unsigned n = 1; n < walks_by_refs.size(); ++n)
        out.push_back({"walks.refs_" + std::to_string(n), "page walks that read " + std::to_string(n) +
                                                              (n == 1 ? " entry" : " entries"),
                       walks_by_refs[n]});
    static constexpr const char* kLevel[][2] = {{}, {}, {"pde", "PDE"}, {"pdpte", "PDPTE"}, {"pml4e", "PML4E"},
                                                {"pml5e", "PML5E"}};
    for (unsigned l = 2; l < psc_hits.size(); ++l) {
        const std::string name = std::string("psc.") + kLevel[l][0], entry = kLevel[l][1];
        out.push_back({name + ".hits", "page walks that started below an entry of the " + entry + " cache", psc_hits[l]});
        out.push_back({name + ".misses", "page walks that looked the " + entry + " cache up and missed", psc_misses[l]});
    }

    out.push_back({"ad.a_set", "paging-structure entries whose accessed bit the walker set", a_set});
    out.push_back({"ad.d_set", "paging-structure entries whose dirty bit the walker set", d_set});
    out.push_back({"ad.entry_writes", "paging-structure entry writes by the walker (A and D together count once)",
                   entry_writes});

    out.push_back({"faults.page", "page faults (#PF) of every error code", faults()});
    // The error codes that can occur: RSVD only with P, I/D only without W/R (Figure 4-12).
    for (unsigned code = 0; code < 32; ++code) {
        if (((code & kPfRsvd) && !(code & kPfP)) || ((code & kPfI) && (code & kPfW))) continue;
        char name[8];
        std::snprintf(name, sizeof name, "0x%02x", code);
        out.push_back({std::string("faults.ec_") + name, "page faults with error code " + std::string(name) + " (" +
                                                             describe(code) + ")",
                       page_faults[code]});
    }
    out.push_back({"faults.non_canonical", "accesses to non-canonical addresses (#GP or #SS)", non_canonical});
    out.push_back({"faults.bus", "walks that read an entry where no memory answers", bus_errors});

    out.push_back({"invlpg", "INVLPG executed", invlpg});
    out.push_back({"cr3.writes", "MOV to CR3", cr3_writes});
    out.push_back({"cr3.no_flush", "MOV to CR3 with CR4.PCIDE = 1 and bit 63 set (nothing invalidated)", cr3_no_flush});
    out.push_back({"full_flushes", "invalidations of every TLB and paging-structure-cache entry", full_flushes});
    out.push_back({"walker.waits", "page walks that found every walker busy", walker_waits});
    out.push_back({"walker.wait_cycles", "cycles page walks waited for a walker", walker_wait_cycles});
    out.push_back({"miss_cycles", "cycles of translations that were not L1 TLB hits, walker waits included",
                   miss_cycles});
    return out;
}

}  // namespace vmsim::x86
