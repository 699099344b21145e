// The R3000 TLB: exactly the architecture. 64 fully-associative entries, each an
// EntryHi (VPN, ASID) and EntryLo (PFN, N, D, V, G) pair. Matching uses VPN and
// (G or ASID); V is not part of matching (reference sheet, "Translation").
#pragma once
#include <array>
#include <cstdint>

#include "models/mips_r3000/isa.hpp"

namespace vmsim::r3000 {

struct TlbEntry {
    uint32_t hi = 0;  // EntryHi layout: VPN 31:12, ASID 11:6
    uint32_t lo = 0;  // EntryLo layout: PFN 31:12, N 11, D 10, V 9, G 8

    uint32_t vpn() const { return hi >> kPageShift; }
    uint32_t asid() const { return (hi & kEntryHiAsidMask) >> kEntryHiAsidShift; }
    bool global() const { return lo & kEntryLoG; }
    bool matches(uint32_t vpn, uint32_t asid) const {
        return this->vpn() == vpn && (global() || this->asid() == asid);
    }
};

class Tlb {
public:
    static constexpr int kMiss = -1;
    static constexpr int kDuplicate = -2;

    // Index of the single entry matching (vpn, asid); kMiss if none; kDuplicate if
    // more than one entry matches (a guest bug: the real chip sets Status.TS).
    int lookup(uint32_t vpn, uint32_t asid) const {
        int found = kMiss;
        for (unsigned i = 0; i < kTlbEntries; ++i) {
            if (entries_[i].matches(vpn, asid)) {
                if (found != kMiss) return kDuplicate;
                found = static_cast<int>(i);
            }
        }
        return found;
    }

    const TlbEntry& entry(unsigned i) const { return entries_[i]; }
    void write(unsigned i, uint32_t hi, uint32_t lo) {
        entries_[i].hi = hi & (kEntryHiVpnMask | kEntryHiAsidMask);
        entries_[i].lo = lo & kEntryLoMask;
    }

private:
    std::array<TlbEntry, kTlbEntries> entries_{};
};

}  // namespace vmsim::r3000
