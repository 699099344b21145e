// A set-associative tag store: the one structure behind the simulator's caches, TLBs,
// paging-structure caches and software TLBs. Plain C++17, header-only, no allocation after
// construction, deterministic.
//
// Geometry: `sets` x `ways` entries. sets = 1 is fully associative, ways = 1 is direct-mapped.
// Replacement: one of the policies of replacement.hpp, chosen at construction.
//
// Keys. Every operation takes a key, not an address: the block number, address / block_bytes
// (block_of() computes it), where a block is a cache line or a page. The low log2(sets) bits of
// the key choose the set; the whole key is the tag, so comparing it whole is the hardware's tag
// compare. A key may carry context bits above the address bits that take part in the compare but
// not in the index: an ASID or PCID, or the page size when one structure holds several (a unified
// STLB looks a virtual address up once per size, each with its own key). Keys, not addresses,
// because such keys need not fit in an address, and because a page-sized block can be larger than
// the type of the address allows to shift out (the paging-structure caches' 512 GB regions).
// The all-ones key marks an empty way: it cannot be filled or looked up.
//
// Payload: what a TLB keeps per entry (frame number, permissions, PCID, global bit...). Caches use
// the empty NoPayload, which takes no storage. invalidate_if() drops every entry whose key and
// payload satisfy a predicate (INVLPG over all page sizes, a PCID flush, non-global entries on a
// CR3 write).
//
// Layout and hot path. Tags are one array, [set][slot], apart from the payloads so that a set's
// compare reads contiguous keys. Sets start at a power-of-two stride so that the set index is a
// shift; slots past the last way stay empty. Under Lru and Fifo a set's ways are kept in order,
// most recent (Lru) or newest (Fifo) first, with the empty ways at the back: a lookup that hits the
// front way changes nothing, and a fill evicts the back way. Under Random ways stay where they
// were filled, and a hit changes nothing either. So lookup() first compares the set's first slot
// and, on a match, returns at once: one compare, with no test of the policy, as in a hand-written
// direct-mapped cache. A TreePlru hit must update the tree whichever way it hits, so under TreePlru
// (with more than one way) each set's first slot is one that stays empty and the ways follow it:
// that compare never matches and every lookup goes on to the path that updates the bits.
#pragma once
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "models/common/replacement.hpp"

namespace vmsim::common {

struct SetAssocConfig {
    uint32_t sets = 1;         // a power of two; 1 = fully associative
    uint32_t ways = 1;         // 1 = direct-mapped; TreePlru needs a power of two, at most 64
    uint64_t block_bytes = 1;  // a power of two: the line or page size (used by block_of only)
    Replacement replacement = Replacement::Lru;
    uint64_t seed = 0;         // Random only: the generator's seed

    // Empty when the configuration is usable, else one sentence saying what is wrong.
    std::string check() const {
        auto pow2 = [](uint64_t v) { return v != 0 && (v & (v - 1)) == 0; };
        if (!pow2(sets)) return "number of sets must be a power of two, got " + std::to_string(sets);
        if (ways == 0) return "number of ways must be at least 1";
        if (!pow2(block_bytes)) return "block size must be a power of two bytes, got " + std::to_string(block_bytes);
        if (replacement == Replacement::TreePlru && (!pow2(ways) || ways > 64))
            return "tree-PLRU replacement needs a power-of-two number of ways up to 64, got " + std::to_string(ways);
        return {};
    }
};

struct NoPayload {};

template <typename Key, typename Payload = NoPayload>
class SetAssoc {
    static_assert(std::is_unsigned_v<Key>, "keys are unsigned block numbers");
    static constexpr bool kHasPayload = !std::is_empty_v<Payload>;

public:
    static constexpr Key kEmpty = std::numeric_limits<Key>::max();  // marks an empty way

    // A displaced entry, as fill() returns it.
    struct Entry {
        Key key;
        Payload payload;
    };

    // Throws std::invalid_argument when config.check() fails or a block is too large for Key.
    explicit SetAssoc(const SetAssocConfig& config) : config_(config), random_(config.seed) {
        if (std::string problem = config.check(); !problem.empty()) throw std::invalid_argument(problem);
        block_shift_ = log2(config.block_bytes);
        if (block_shift_ >= std::numeric_limits<Key>::digits)
            throw std::invalid_argument("block of " + std::to_string(config.block_bytes) +
                                        " bytes leaves no block number in a " +
                                        std::to_string(std::numeric_limits<Key>::digits) + "-bit key");
        ways_ = config.ways;
        plru_ = config.replacement == Replacement::TreePlru && ways_ > 1;
        ordered_ = config.replacement == Replacement::Lru || config.replacement == Replacement::Fifo;
        first_ = plru_ ? 1 : 0;
        stride_shift_ = log2(ways_ + first_);
        if ((uint64_t{1} << stride_shift_) < ways_ + first_) ++stride_shift_;
        set_mask_ = static_cast<Key>(config.sets - 1);
        const size_t slots = static_cast<size_t>(config.sets) << stride_shift_;
        tags_.assign(slots, kEmpty);
        if constexpr (kHasPayload) payloads_.resize(slots);
        if (plru_) plru_bits_.assign(config.sets, 0);
    }

    // The key of the block holding `address` (without context bits).
    Key block_of(Key address) const { return address >> block_shift_; }

    // Looks `key` up as an access does: a hit updates the replacement state and returns the
    // entry's payload; a miss returns null and changes nothing.
    Payload* lookup(Key key) {
        assert(key != kEmpty);
        const size_t set = set_of(key);
        const size_t first = set << stride_shift_;  // way 0, or TreePlru's empty slot
        if (tags_[first] == key) return payload(first);
        return ways_ > 1 ? lookup_ways(set, key) : nullptr;
    }

    // The payload of `key` if it is present, else null. No side effects.
    const Payload* probe(Key key) const {
        const size_t base = base_of(set_of(key));
        for (unsigned way = 0; way < ways_; ++way)
            if (tags_[base + way] == key) return payload(base + way);
        return nullptr;
    }

    bool contains(Key key) const { return probe(key) != nullptr; }

    // Puts `key` in its set as an access does, taking an empty way if there is one, else the
    // policy's victim, which it returns. A key already present is not duplicated: its payload is
    // replaced, it counts as accessed, and nothing is evicted.
    std::optional<Entry> fill(Key key, Payload value = {}) {
        assert(key != kEmpty);
        const size_t set = set_of(key);
        if (ways_ > 1) return fill_ways(set, key, value);
        // Direct-mapped, inline: every policy replaces the only way.
        const size_t slot = set << stride_shift_;  // first_ is 0 with one way
        std::optional<Entry> evicted;
        if (tags_[slot] != kEmpty && tags_[slot] != key) evicted = Entry{tags_[slot], *payload(slot)};
        tags_[slot] = key;
        *payload(slot) = value;
        return evicted;
    }

    // Drops `key` if present; returns whether it was.
    bool invalidate(Key key) {
        const size_t base = base_of(set_of(key));
        for (unsigned way = 0; way < ways_; ++way) {
            if (tags_[base + way] == key) {
                drop(base, way);
                return true;
            }
        }
        return false;
    }

    // Drops every entry for which pred(key, payload) is true; returns how many. The order of the
    // others (Lru, Fifo) is kept.
    template <typename Pred>
    size_t invalidate_if(Pred pred) {
        size_t dropped = 0;
        for (size_t set = 0; set < config_.sets; ++set) {
            const size_t base = base_of(set);
            for (unsigned way = ways_; way-- > 0;) {  // backwards: drop() moves only later ways
                if (tags_[base + way] != kEmpty && pred(tags_[base + way], std::as_const(*payload(base + way)))) {
                    drop(base, way);
                    ++dropped;
                }
            }
        }
        return dropped;
    }

    // Empties every set and resets the tree-PLRU bits; the Random stream goes on.
    void invalidate_all() {
        tags_.assign(tags_.size(), kEmpty);
        plru_bits_.assign(plru_bits_.size(), 0);
    }

    uint32_t sets() const { return config_.sets; }
    unsigned ways() const { return ways_; }
    uint64_t block_bytes() const { return config_.block_bytes; }
    Replacement replacement() const { return config_.replacement; }
    const SetAssocConfig& config() const { return config_; }

private:
    static unsigned log2(uint64_t v) {
        unsigned n = 0;
        while (v > 1) {
            v >>= 1;
            ++n;
        }
        return n;
    }

    size_t set_of(Key key) const { return static_cast<size_t>(key & set_mask_); }
    size_t base_of(size_t set) const { return (set << stride_shift_) + first_; }  // slot of way 0

    Payload* payload(size_t slot) {
        if constexpr (kHasPayload)
            return &payloads_[slot];
        else
            return &no_payload_;
    }
    const Payload* payload(size_t slot) const {
        if constexpr (kHasPayload)
            return &payloads_[slot];
        else
            return &no_payload_;
    }

    // lookup() past its first compare. Out of line, as is fill_ways(), so that a caller's lookup
    // and direct-mapped fill stay small enough to inline into its hot loop.
    [[gnu::noinline]] Payload* lookup_ways(size_t set, Key key) {
        const size_t base = base_of(set);
        for (unsigned way = 0; way < ways_; ++way)
            if (tags_[base + way] == key) return hit(set, base, way);
        return nullptr;
    }

    // fill() with more than one way.
    [[gnu::noinline]] std::optional<Entry> fill_ways(size_t set, Key key, const Payload& value) {
        const size_t base = base_of(set);
        unsigned empty = ways_;  // the first empty way (ordered sets keep theirs at the back)
        for (unsigned way = 0; way < ways_; ++way) {
            if (tags_[base + way] == key) {
                *payload(base + way) = value;
                hit(set, base, way);
                return std::nullopt;
            }
            if (empty == ways_ && tags_[base + way] == kEmpty) empty = way;
        }
        unsigned way;
        if (ordered_)
            way = ways_ - 1;  // the least recent or oldest way, or an empty one
        else if (empty != ways_)
            way = empty;
        else if (plru_)
            way = tree_plru::victim(plru_bits_[set], ways_);
        else
            way = random_.below(ways_);
        // The victim is copied out as plain values and the optional built at the return: GCC 12
        // copies a local std::optional through a byte store and a wider load, a store-forwarding
        // stall on every fill (measured on the x86 TLBs).
        const Key old_key = tags_[base + way];
        const Payload old_value = *payload(base + way);
        if (ordered_) {
            shift_back(base, way);  // the way becomes the front: the most recent, the newest
            way = 0;
        }
        tags_[base + way] = key;
        *payload(base + way) = value;
        if (plru_) tree_plru::touch(plru_bits_[set], way, ways_);
        if (old_key == kEmpty) return std::nullopt;
        return Entry{old_key, old_value};
    }

    // A hit in `way`: updates the policy's state and returns the payload, wherever it now is.
    Payload* hit(size_t set, size_t base, unsigned way) {
        if (plru_) {
            tree_plru::touch(plru_bits_[set], way, ways_);
        } else if (config_.replacement == Replacement::Lru) {
            shift_back(base, way);
            return payload(base);
        }
        return payload(base + way);  // Fifo and Random: a hit changes nothing
    }

    // Moves ways 0 .. way-1 one place back, over `way`, whose entry moves to way 0. Written as a
    // rotation through a carried value: GCC turns the plain `a[w] = a[w - 1]` loop into a call to
    // memmove, which costs more than moving the few ways of a set (it doubled the time of an x86
    // TLB hit outside way 0).
    void shift_back(size_t base, unsigned way) {
        rotate(&tags_[base], way);
        if constexpr (kHasPayload) rotate(&payloads_[base], way);
    }
    template <typename T>
    static void rotate(T* ways, unsigned way) {
        T carry = ways[way];
        for (unsigned w = 0; w <= way; ++w) std::swap(carry, ways[w]);
    }

    // Empties `way`. Ordered sets close the gap so that the empty ways stay at the back.
    void drop(size_t base, unsigned way) {
        if (ordered_) {
            for (; way + 1 < ways_; ++way) {
                tags_[base + way] = tags_[base + way + 1];
                if constexpr (kHasPayload) payloads_[base + way] = payloads_[base + way + 1];
            }
        }
        tags_[base + way] = kEmpty;
    }

    SetAssocConfig config_;
    unsigned ways_ = 1;
    unsigned first_ = 0;         // slot of way 0 within a set: 1 under TreePlru, else 0
    unsigned stride_shift_ = 0;  // log2 of the slots per set
    unsigned block_shift_ = 0;
    Key set_mask_ = 0;
    bool ordered_ = true;        // Lru or Fifo: ways kept in order, empty ways at the back
    bool plru_ = false;          // TreePlru with more than one way
    std::vector<Key> tags_;           // [set][slot]
    std::vector<Payload> payloads_;   // [set][slot]; unused for an empty Payload
    std::vector<uint64_t> plru_bits_; // [set]; TreePlru only
    XorShift64 random_;
    Payload no_payload_{};       // what lookup() points to for an empty Payload
};

}  // namespace vmsim::common
