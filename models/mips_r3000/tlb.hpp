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

    Tlb() { rebuild_index(); }

    // Index of the single entry matching (vpn, asid); kMiss if none; kDuplicate if
    // more than one entry matches (a guest bug: the real chip sets Status.TS).
    // Only entries whose VPN hashes to the same bucket are compared.
    int lookup(uint32_t vpn, uint32_t asid) const {
        int found = kMiss;
        for (uint64_t m = buckets_[bucket(vpn)]; m; m &= m - 1) {
            const unsigned i = static_cast<unsigned>(__builtin_ctzll(m));
            if (entries_[i].matches(vpn, asid)) {
                if (found != kMiss) return kDuplicate;
                found = static_cast<int>(i);
            }
        }
        return found;
    }

    const TlbEntry& entry(unsigned i) const { return entries_[i]; }
    void write(unsigned i, uint32_t hi, uint32_t lo) {
        buckets_[bucket(entries_[i].vpn())] &= ~(uint64_t{1} << i);
        entries_[i].hi = hi & (kEntryHiVpnMask | kEntryHiAsidMask);
        entries_[i].lo = lo & kEntryLoMask;
        buckets_[bucket(entries_[i].vpn())] |= uint64_t{1} << i;
    }

private:
    static constexpr unsigned kBuckets = 256;
    static unsigned bucket(uint32_t vpn) { return (vpn ^ (vpn >> 8)) % kBuckets; }
    void rebuild_index() {
        buckets_.fill(0);
        for (unsigned i = 0; i < kTlbEntries; ++i) buckets_[bucket(entries_[i].vpn())] |= uint64_t{1} << i;
    }

    std::array<TlbEntry, kTlbEntries> entries_{};
    // For each VPN hash bucket, the set of entries whose VPN falls in it: a host-side
    // index that keeps lookups O(1) without changing what matches.
    std::array<uint64_t, kBuckets> buckets_{};
};

}  // namespace vmsim::r3000
