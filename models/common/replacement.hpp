// Replacement policies for the set-associative structures of models/common/set_assoc.hpp (caches,
// TLBs, paging-structure caches). Plain C++17, header-only, deterministic.
//
// Every policy first fills an invalid way of the set, if there is one; the policy chooses among
// valid ways only when the set is full. With one way all policies are the same direct-mapped
// replacement.
//
//  - Lru: evicts the least recently used way. A hit (lookup) and a fill make the way the most
//    recently used. SetAssoc keeps each set's ways in recency order, most recent first.
//  - Fifo: evicts the way filled longest ago. Hits change nothing. SetAssoc keeps each set's ways
//    in fill order, newest first, so it is Lru without the move on a hit.
//  - TreePlru: tree pseudo-LRU, ways - 1 bits per set. The bits are the inner nodes of a binary
//    tree whose leaves are the ways; each bit points to the half of its subtree to evict from
//    next. A hit or fill of a way sets every bit on the way's path to point away from it; the
//    victim is the leaf reached by following the bits from the root. The i486's 4-way on-chip
//    cache uses this scheme with 3 bits (Intel486 Microprocessor Family Programmer's Reference
//    Manual, "Cache Replacement"). A tree needs a power-of-two number of leaves, so check()
//    refuses TreePlru with other way counts (rather than padding the tree with ways that never
//    exist, which would skew the victims); the bits of a set live in one 64-bit word, so ways are
//    at most 64 (ways - 1 = 63 bits).
//  - Random: evicts a way drawn from a seeded xorshift64 generator, one stream per structure,
//    advanced only when a full set needs a victim. The same seed and the same sequence of
//    operations give the same victims.
#pragma once
#include <cstdint>

namespace vmsim::common {

enum class Replacement {
    Lru,       // least recently used (exact)
    TreePlru,  // tree pseudo-LRU; power-of-two ways, at most 64
    Fifo,      // first in, first out; hits do not count
    Random,    // seeded xorshift64
};

// The tree-PLRU bits of one set, in heap order: bit 1 is the root, the children of bit n are
// bits 2n and 2n + 1, and leaf `ways + w` is way w (bit 0 is unused). A bit of 0 sends the next
// victim to its left child, 1 to its right child. `ways` is a power of two, at most 64.
namespace tree_plru {

// Marks `way` as the most recently used: each inner node on its path points to the other child.
inline void touch(uint64_t& bits, unsigned way, unsigned ways) {
    for (unsigned node = ways + way; node > 1; node >>= 1) {
        const uint64_t parent = uint64_t{1} << (node >> 1);
        if (node & 1)
            bits &= ~parent;  // came from the right child: evict from the left next
        else
            bits |= parent;   // came from the left child: evict from the right next
    }
}

// The way the bits point to.
inline unsigned victim(uint64_t bits, unsigned ways) {
    unsigned node = 1;
    while (node < ways) node = 2 * node + static_cast<unsigned>((bits >> node) & 1);
    return node - ways;
}

}  // namespace tree_plru

// Xorshift64 (Marsaglia, "Xorshift RNGs", Journal of Statistical Software 8(14), 2003; the shift
// triple 13, 7, 17 from its table). The seed goes through the SplitMix64 finaliser (Steele, Lea
// and Flood, "Fast Splittable Pseudorandom Number Generators", OOPSLA 2014) so that seeds that
// differ in one bit start from unrelated states, and so that seed 0 does not give the all-zero
// state xorshift never leaves.
class XorShift64 {
public:
    explicit XorShift64(uint64_t seed) {
        uint64_t z = seed + 0x9e3779b97f4a7c15u;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        z ^= z >> 31;
        state_ = z != 0 ? z : 0x9e3779b97f4a7c15u;
    }

    uint64_t next() {
        state_ ^= state_ << 13;
        state_ ^= state_ >> 7;
        state_ ^= state_ << 17;
        return state_;
    }

    // A value in [0, n): the high 32 bits scaled by n (Lemire, "Fast Random Integer Generation in
    // an Interval", ACM TOMACS 29(1), 2019, without the rejection step: the bias, below n / 2^32,
    // does not matter for choosing a way).
    uint32_t below(uint32_t n) { return static_cast<uint32_t>(((next() >> 32) * n) >> 32); }

private:
    uint64_t state_;
};

}  // namespace vmsim::common
