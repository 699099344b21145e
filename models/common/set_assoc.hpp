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
// shift; slots past the last way stay empty. Each set has a front slot that lookup() compares
// first, returning at once on a match: one compare, with no test of the policy, as in a
// hand-written direct-mapped cache. A hit there changes nothing under any policy.
//  - Lru and Fifo keep each set's ways in order, most recent (Lru) or newest (Fifo) first, with the
//    empty ways last; the front slot, way 0, holds the first in that order (or nothing), a fill
//    evicts the last. With up to 16 ways the order is a permutation of way numbers packed four
//    bits a position into one word per set: a hit or a fill rewrites the word (a few shifts and
//    masks) and trades the entry that becomes the first with what way 0 held, instead of moving
//    every way between it and the front. With more ways the entries themselves are kept in order
//    and moved. A packed structure configured with front = false (SetAssocConfig) keeps no entry
//    in way 0 in particular: a hit rewrites only the word and a fill writes the victim's way, for
//    callers that seldom hit the first in order (a cache level searched past another's miss); its
//    lookup() compares the first in order's way (read from the word) before the search.
//    A packed search compares one-byte fingerprints of the ways' keys first (sixteen at once with
//    SSE2), then the tags of the ways whose byte matches.
//  - Random leaves ways where they were filled; the front slot is way 0.
//  - A TreePlru hit must update the tree whichever way it hits, so under TreePlru (with more than
//    one way) each set's front slot is one that stays empty and the ways follow it: that compare
//    never matches and every lookup goes on to the path that updates the bits.
#pragma once
#include <cassert>
#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "models/common/replacement.hpp"

namespace vmsim::common {

struct SetAssocConfig {
    uint32_t sets = 1;         // a power of two; 1 = fully associative
    uint32_t ways = 1;         // 1 = direct-mapped; TreePlru needs a power of two, at most 64
    uint64_t block_bytes = 1;  // a power of two: the line or page size (used by block_of only)
    Replacement replacement = Replacement::Lru;
    uint64_t seed = 0;         // Random only: the generator's seed
    // Packed sets (Lru or Fifo, 2 to 16 ways): whether way 0 holds the first in order, so that
    // lookup() and access() answer a hit there with one compare (see the layout notes above).
    // False for a structure whose callers seldom hit the first in order (a cache level reached
    // only past another level's miss): its hits then only rewrite the order word and its fills
    // write the victim's way, where keeping way 0 first moves an entry on each (a fill moves way
    // 0's entry to the victim's way; a hit trades entries with way 0). lookup() and access()
    // still give the same results, one compare slower on a first-in-order hit; front_tag() and
    // its kin are not for such a structure.
    bool front = true;

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
        packed_ = ordered_ && ways_ > 1 && ways_ <= kPackedWays;
        lru_ = config.replacement == Replacement::Lru;
        front_ = config.front || !packed_;
        choose_packed_for(ways_);
        first_ = plru_ ? 1 : 0;
        stride_shift_ = log2(ways_ + first_);
        if ((uint64_t{1} << stride_shift_) < ways_ + first_) ++stride_shift_;
        set_mask_ = static_cast<Key>(config.sets - 1);
        const size_t slots = static_cast<size_t>(config.sets) << stride_shift_;
        tags_.assign(slots, kEmpty);
        if constexpr (kHasPayload) payloads_.resize(slots);
        if (plru_) plru_bits_.assign(config.sets, 0);
        // Every set starts in way order. Only packed sets use theirs.
        uint64_t identity = 0;
        for (unsigned way = std::min(ways_, kPackedWays); way-- > 0;) identity = identity << 4 | way;
        meta_.assign(config.sets, SetMeta{identity, {}, 0});
    }

    // The key of the block holding `address` (without context bits).
    Key block_of(Key address) const { return address >> block_shift_; }

    // Looks `key` up as an access does: a hit updates the replacement state and returns the
    // entry's payload; a miss returns null and changes nothing.
    Payload* lookup(Key key) {
        assert(key != kEmpty);
        const size_t set = set_of(key);
        const size_t front = front_of(set);
        if (tags_[front] == key && front_) return payload(front);
        if (packed_) return lookup_packed_(*this, set, key);
        return ways_ > 1 ? lookup_ways(set, key) : nullptr;
    }

    // A cache's access: lookup() then, on a miss, fill() with an empty payload, in one pass over the
    // set. Returns whether it hit. The state afterwards is exactly that of the two calls.
    bool access(Key key) {
        assert(key != kEmpty);
        const size_t set = set_of(key);
        const size_t front = front_of(set);
        if (tags_[front] == key && front_) return true;
        if (packed_) return access_packed_(*this, set, key);
        if (ways_ > 1) return access_ways(set, key);
        tags_[front] = key;  // direct-mapped miss: the only way is replaced
        *payload(front) = Payload{};
        return false;
    }

    // A key with its fingerprint, as packed sets compare it: for a caller that looks one key up in
    // several structures (a cache hierarchy: the line number at every level), so that the
    // multiply and the broadcast are done once, not once a structure.
#if defined(__SSE2__)
    using FpPattern = __m128i;  // the fingerprint in every byte
#else
    using FpPattern = uint64_t;
#endif
    struct Hashed {
        Key key;
        uint8_t fp;
        FpPattern pattern;
    };
    [[gnu::always_inline]] static Hashed hash(Key key) {
        const uint8_t fp = fingerprint(key);
#if defined(__SSE2__)
        return {key, fp, _mm_set1_epi8(static_cast<char>(fp))};
#else
        return {key, fp, kBytes * fp};
#endif
    }

    // lookup(), access() and insert() for a caller compiled for one geometry: a structure of
    // packed sets with W ways (packed_ways() == W, which the caller checks once) that keeps its
    // first in front (SetAssocConfig::front). The same operations, inlined into the caller, with
    // the set stride and the search unrolled for W.
    unsigned packed_ways() const { return packed_ ? ways_ : 0; }
    bool is_lru() const { return lru_; }
    template <unsigned W>
    [[gnu::always_inline]] Payload* lookup_fixed(Key key) {
        assert(packed_ways() == W && front_ && key != kEmpty);
        const size_t set = set_of(key), base = packed_base<W>(set);
        if (tags_[base] == key) return payload(base);
        return lookup_packed_body<W, true>(set, base, hash(key));
    }
    template <unsigned W>
    [[gnu::always_inline]] bool access_fixed(Key key) {
        assert(packed_ways() == W && front_ && key != kEmpty);
        const size_t set = set_of(key), base = packed_base<W>(set);
        if (tags_[base] == key) return true;
        return access_packed_body<W, true>(set, base, hash(key));
    }
    // access_fixed() when the caller has already compared way 0 (front_tag()) and it missed.
    // Lru: the caller knows the policy is Lru (is_lru()), so a hit needs no test of it.
    template <unsigned W, bool Lru = false>
    [[gnu::always_inline]] bool access_fixed_past_front(const Hashed& h) {
        assert(packed_ways() == W && front_ && h.key != kEmpty && (!Lru || lru_));
        const size_t set = set_of(h.key);
        return access_packed_body<W, true, Lru>(set, packed_base<W>(set), h);
    }
    // lookup_fixed(), access_fixed() and insert_fixed() of a structure that does not keep its
    // first in front (front = false): no first compare; hits and fills move no entry.
    template <unsigned W>
    [[gnu::always_inline]] Payload* lookup_fixed_no_front(Key key) {
        assert(packed_ways() == W && !front_ && key != kEmpty);
        const size_t set = set_of(key);
        return lookup_packed_body<W, false>(set, packed_base<W>(set), hash(key));
    }
    template <unsigned W, bool Lru = false>
    [[gnu::always_inline]] bool access_fixed_no_front(const Hashed& h) {
        assert(packed_ways() == W && !front_ && h.key != kEmpty && (!Lru || lru_));
        const size_t set = set_of(h.key);
        return access_packed_body<W, false, Lru>(set, packed_base<W>(set), h);
    }
    template <unsigned W>
    [[gnu::always_inline]] void insert_fixed_no_front(Key key, const Payload& value) {
        assert(packed_ways() == W && !front_ && key != kEmpty && !contains(key));
        const size_t set = set_of(key);
        fill_packed<W, false>(set, packed_base<W>(set), key, fingerprint(key), value);
    }
    template <unsigned W>
    [[gnu::always_inline]] void insert_fixed(Key key, const Payload& value) {
        assert(packed_ways() == W && front_ && key != kEmpty && !contains(key));
        const size_t set = set_of(key);
        fill_packed<W, true>(set, packed_base<W>(set), key, fingerprint(key), value);
    }
    // The same four operations with the key hashed by the caller (hash()): for a caller that looks
    // one key up in several structures and inserts it after a miss (a TLB hierarchy: the 4 KB
    // page number in the L1 and the second level), so that the multiply is done once. An insert
    // that takes the Hashed of the lookup that missed needs nothing else from it: the set is the
    // key's, found again with one AND.
    template <unsigned W>
    [[gnu::always_inline]] Payload* lookup_fixed(const Hashed& h) {
        assert(packed_ways() == W && front_ && h.key != kEmpty);
        const size_t set = set_of(h.key), base = packed_base<W>(set);
        if (tags_[base] == h.key) return payload(base);
        return lookup_packed_body<W, true>(set, base, h);
    }
    template <unsigned W>
    [[gnu::always_inline]] void insert_fixed(const Hashed& h, const Payload& value) {
        assert(packed_ways() == W && front_ && h.key != kEmpty && !contains(h.key) && h.fp == fingerprint(h.key));
        const size_t set = set_of(h.key);
        fill_packed<W, true>(set, packed_base<W>(set), h.key, h.fp, value);
    }
    template <unsigned W>
    [[gnu::always_inline]] Payload* lookup_fixed_no_front(const Hashed& h) {
        assert(packed_ways() == W && !front_ && h.key != kEmpty);
        const size_t set = set_of(h.key);
        return lookup_packed_body<W, false>(set, packed_base<W>(set), h);
    }
    template <unsigned W>
    [[gnu::always_inline]] void insert_fixed_no_front(const Hashed& h, const Payload& value) {
        assert(packed_ways() == W && !front_ && h.key != kEmpty && !contains(h.key) && h.fp == fingerprint(h.key));
        const size_t set = set_of(h.key);
        fill_packed<W, false>(set, packed_base<W>(set), h.key, h.fp, value);
    }
    // Whether way 0 holds the first in order (SetAssocConfig::front; always, but for packed sets).
    bool keeps_front() const { return front_; }

    // The ways of a packed set whose fingerprint byte (fps[w], w < ways) the search visits for
    // `fp`, a bit a way: every way whose byte is `fp` and, for the portable search, perhaps ways
    // after them. Public so that a test can compare the two searches; the structure uses the
    // SSE2 one where there is SSE2.
    static uint32_t fingerprint_candidates_portable(const uint8_t* fps, uint8_t fp, unsigned ways) {
        uint32_t visited = 0;
        search_swar(fps, kBytes * fp, ways, [&](unsigned way) {
            visited |= uint32_t{1} << way;
            return false;  // go on: every candidate
        });
        return visited;
    }
#if defined(__SSE2__)
    static uint32_t fingerprint_candidates_sse2(const uint8_t* fps, uint8_t fp, unsigned ways) {
        return candidates_sse2(fps, _mm_set1_epi8(static_cast<char>(fp)), ways);
    }
#endif

    // The key that lookup() and access() compare first for `key`'s set (keeps_front() only).
    Key front_tag(Key key) const {
        assert(front_);
        return tags_[front_of(set_of(key))];
    }

    // The payload of `key` if it is present, else null. No side effects.
    const Payload* probe(Key key) const {
        const size_t set = set_of(key), base = base_of(set);
        const unsigned way = find(set, base, key);
        return way < ways_ ? payload(base + way) : nullptr;
    }

    bool contains(Key key) const { return probe(key) != nullptr; }

    // Where front_tag() is kept, and the payload beside it: a lookup that finds `key` in that tag
    // changes nothing, so a caller that keeps these may repeat such a hit by comparing the tag.
    // Valid for the structure's life. keeps_front() only.
    const Key* front_tag_slot(Key key) const {
        assert(front_);
        return &tags_[front_of(set_of(key))];
    }
    const Payload* front_payload(Key key) const {
        assert(front_);
        return payload(front_of(set_of(key)));
    }

    // Host hints: HostSets::prefetch(key) says the set of `key` will be looked up soon, so start
    // bringing its tags (and order) into the host's caches. No effect on the structure. For a large
    // structure looked up at random (a last-level cache's tags, a megabyte and more) the host's miss
    // on the set costs as much as the lookup itself; issued early, it overlaps other work.
    // host_sets() is taken once by a caller that hints at every access (CacheHierarchy::prefetch):
    // the arrays never move after construction, and a copy of these few values is cheaper to reach
    // than the structure's members through its vectors.
    //
    // prefetch() is always inlined: GCC 12 takes a function whose only effect is a prefetch for one
    // without effects and deletes the calls to it (checked in the disassembly).
    struct HostSets {
        const char* tags = nullptr;  // the tag array
        const char* meta = nullptr;  // the per-set order and fingerprints
        uint64_t set_mask = 0;
        unsigned set_shift = 0;      // log2 of the bytes of a set's tags
        bool two_lines = false;      // a set's tags span two host lines
        [[gnu::always_inline]] void prefetch(Key key) const {
            const uint64_t set = static_cast<uint64_t>(key) & set_mask;
            const char* t = tags + (set << set_shift);
            __builtin_prefetch(t);
            if (two_lines) __builtin_prefetch(t + 64);
            __builtin_prefetch(meta + set * sizeof(SetMeta));
        }
    };
    HostSets host_sets() const {
        HostSets h;
        h.tags = reinterpret_cast<const char*>(tags_.data());
        h.meta = reinterpret_cast<const char*>(meta_.data());
        h.set_mask = set_mask_;
        h.set_shift = stride_shift_ + log2(sizeof(Key));
        h.two_lines = (ways_ + first_) * sizeof(Key) > 64;
        return h;
    }

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

    // fill() of a key the caller knows is absent (it has just looked it up and missed, and
    // nothing has filled the structure since), without the search for it; the displaced entry is
    // not returned. The state afterwards is exactly that of fill().
    void insert(Key key, Payload value = {}) {
        assert(key != kEmpty && !contains(key));
        if (packed_)
            insert_packed_(*this, set_of(key), key, value);
        else
            fill(key, value);
    }

    // Drops `key` if present; returns whether it was.
    bool invalidate(Key key) {
        const size_t set = set_of(key), base = base_of(set);
        const unsigned way = find(set, base, key);
        if (way == ways_) return false;
        drop(set, base, way);
        return true;
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
                    drop(set, base, way);
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

    static constexpr unsigned kPackedWays = 16;  // ways whose order fits a word, four bits each
    static constexpr uint64_t kNibbles = 0x1111111111111111u;

    size_t set_of(Key key) const { return static_cast<size_t>(key & set_mask_); }
    // The slot lookup() compares first: way 0 (TreePlru: its empty slot).
    size_t front_of(size_t set) const { return set << stride_shift_; }

    // Packed orders. Bits 4p..4p+3 of a set's word hold the way at position p.
    static uint64_t low_positions(unsigned n) { return n >= 16 ? ~uint64_t{0} : (uint64_t{1} << (4 * n)) - 1; }
    // The position of `way`, which is in the first ways_ positions: the lowest nibble of the order
    // XOR the way that is zero (the zero-nibble test can also flag nibbles above a zero one, never
    // below it; positions past ways_ hold 0 and come after the way's own).
    static unsigned position_of(uint64_t order, unsigned way) {
        const uint64_t x = order ^ (kNibbles * way);
        const uint64_t zero = (x - kNibbles) & ~x & (kNibbles << 3);
        return static_cast<unsigned>(__builtin_ctzll(zero)) / 4;
    }
    // `way`, at `position`, moves to the front; those before it move back one. The masks are
    // written as shifts of constants, valid for every position up to 15 without the test that
    // low_positions() needs for 16.
    static uint64_t to_front(uint64_t order, unsigned position, unsigned way) {
        const uint64_t before = order & ~(~uint64_t{0} << (4 * position));
        return (order & (~uint64_t{0xf} << (4 * position))) | (before << 4) | way;
    }
    // The last way in order, the one a fill replaces.
    uint64_t last_of(uint64_t order) const { return (order >> (4 * (ways_ - 1))) & 0xf; }

    // Fingerprints (packed sets): a set's fp[w] is a hash of way w's key, so that a search compares
    // eight of them at once, read as a word (a zero-byte test on the XOR, as in position_of)
    // and reads only the tags whose byte matches — about none on a miss, the one on a hit — instead
    // of every tag. A byte of an empty way is stale; its tag (kEmpty) never matches.
    static constexpr uint64_t kBytes = 0x0101010101010101u;
    static uint8_t fingerprint(Key key) {
        return static_cast<uint8_t>((static_cast<uint64_t>(key) * 0x9e3779b97f4a7c15u) >> 56);
    }
    // The search of a packed set's fingerprints for one (`pattern`: it in every byte), portable:
    // calls visit(way) for each way whose byte may match, in increasing order, until visit
    // returns true, and returns that way, or `ways`. Eight bytes a word, XOR the pattern and the
    // zero-byte test of position_of (which can also flag a byte above a zero one: visit's tag
    // compare decides).
    template <typename Visit>
    [[gnu::always_inline]] static unsigned search_swar(const uint8_t* fps, uint64_t pattern, unsigned ways, Visit visit) {
        for (unsigned word = 0; word < 2; ++word) {
            if (word == 1 && ways <= 8) break;
            uint64_t bytes;  // fingerprints of ways 8 word .. 8 word + 7, way 8 word in the low byte
            std::memcpy(&bytes, fps + 8 * word, 8);
            const uint64_t x = bytes ^ pattern;
            for (uint64_t match = (x - kBytes) & ~x & (kBytes << 7); match; match &= match - 1) {
                const unsigned way = word * 8 + static_cast<unsigned>(__builtin_ctzll(match)) / 8;
                if (way < ways && visit(way)) return way;
            }
        }
        return ways;
    }
#if defined(__SSE2__)
    // SSE2 (which x86-64 always has): one byte compare for up to 16 ways, exact; the cache
    // model's access takes a third fewer instructions than with the portable search. The ways
    // whose byte matches, a bit a way.
    static uint32_t candidates_sse2(const uint8_t* fps, __m128i pattern, unsigned ways) {
        const __m128i bytes = ways <= 8 ? _mm_loadl_epi64(reinterpret_cast<const __m128i*>(fps))
                                        : _mm_loadu_si128(reinterpret_cast<const __m128i*>(fps));
        const auto m = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, pattern)));
        return m & ((uint32_t{1} << ways) - 1);
    }
#endif

    // The way holding `key`, or ways_.
    unsigned find(size_t set, size_t base, Key key) const {
        if (packed_) return find_packed(set, base, hash(key));
        unsigned way = 0;
        while (way < ways_ && tags_[base + way] != key) ++way;
        return way;
    }
    // W: the number of ways when known at compile time (the geometries the simulator's presets use;
    // the compiler then unrolls the search and folds the masks), 0 for ways_.
    template <unsigned W = 0>
    [[gnu::always_inline]] unsigned find_packed(size_t set, size_t base, const Hashed& h) const {
        const unsigned ways = W ? W : ways_;
        const Key* const tags = tags_.data() + base;
#if defined(__SSE2__)
        // A loop here rather than search_swar's visitor: GCC then keeps the register saves of
        // a Lru hit's promotion off the miss path of lookup_packed (10 instructions a call).
        for (uint32_t m = candidates_sse2(meta_[set].fp, h.pattern, ways); m; m &= m - 1) {
            const unsigned way = static_cast<unsigned>(__builtin_ctz(m));
            if (tags[way] == h.key) return way;
        }
        return ways;
#else
        return search_swar(meta_[set].fp, h.pattern, ways, [tags, key = h.key](unsigned way) { return tags[way] == key; });
#endif
    }

    // Packed sets that keep their first in front (front_) hold it in way 0. `order` has `way`
    // first (position 0), where it was just put; ways 0 and `way` trade their entries (tags,
    // payloads, fingerprints) and the order its labels, so that way 0 holds that entry again.
    // `zero_at`: the position label 0 has in `order` (not 0, as `way` is not 0).
    uint64_t trade_with_front(size_t set, size_t base, unsigned way, uint64_t order, unsigned zero_at) {
        Key* const tags = tags_.data() + base;
        std::swap(tags[0], tags[way]);
        if constexpr (kHasPayload) std::swap(payloads_[base], payloads_[base + way]);
        uint8_t* fp = meta_[set].fp;
        std::swap(fp[0], fp[way]);
        // Label 0's nibble is 0: OR-ing `way` in relabels it; position 0 becomes label 0.
        return (order & ~uint64_t{0xf}) | (uint64_t{way} << (4 * zero_at));
    }
    // Where label 0 is in a front-keeping set's order: first, unless way 0 is empty (only after
    // an invalidation of way 0 moved it back). A test of the first nibble saves the search in
    // the usual case.
    static unsigned position_of_zero(uint64_t order) { return (order & 0xf) == 0 ? 0 : position_of(order, 0); }
    // A packed Lru hit in `way`: it becomes first in order and, F (front_), moves to way 0.
    template <bool F = true>
    void promote(size_t set, size_t base, unsigned way) {
        SetMeta& meta = meta_[set];
        const uint64_t old = meta.order;
        if constexpr (!F) {
            meta.order = to_front(old, position_of(old, way), way);
        } else {
            if (way == 0) return;  // way 0, when it holds an entry, is first in order
            const unsigned position = position_of(old, way);
            // Label 0 (first, unless way 0 is empty) moves back one if it was before `way`.
            unsigned zero_at = position_of_zero(old);
            zero_at += zero_at < position;
            meta.order = trade_with_front(set, base, way, to_front(old, position, way), zero_at);
        }
    }
    // A packed fill of an absent key (fingerprint `fp`): the last in order is evicted (returned,
    // kEmpty if it was empty) and the new entry is first in order. F (front_): the new entry goes
    // to way 0 and, when the victim is not way 0, way 0's entry (first in order unless empty)
    // moves into the victim's slot and takes its label. Else it goes to the victim's way.
    template <unsigned W, bool F>
    [[gnu::always_inline]] Entry fill_packed(size_t set, size_t base, Key key, uint8_t fp, const Payload& value) {
        const unsigned ways = W ? W : ways_;
        // Raw pointers, held in registers: the byte stores to the fingerprints may alias
        // anything, so indexing the vectors again would reload their begin pointers each time.
        Key* const tags = tags_.data() + base;
        SetMeta& meta = meta_[set];
        const uint64_t old = meta.order;
        const unsigned victim = static_cast<unsigned>((old >> (4 * (ways - 1))) & 0xf);  // the last in order
        const Entry evicted{tags[victim], *payload(base + victim)};
        // Every way moves back one; position 0 gets the new entry's way.
        uint64_t order = (old << 4) & low_positions(ways);
        unsigned way = victim;
        if constexpr (F) {
            if (victim != 0) {
                tags[victim] = tags[0];
                if constexpr (kHasPayload) payloads_[base + victim] = payloads_[base];
                meta.fp[victim] = meta.fp[0];
                // Label 0's position, one further back now, is the victim's way.
                order |= uint64_t{victim} << (4 * (position_of_zero(old) + 1));
            }
            way = 0;  // position 0 is label 0 (a zero nibble)
        } else {
            order |= victim;
        }
        meta.order = order;
        tags[way] = key;
        *payload(base + way) = value;
        meta.fp[way] = fp;
        return evicted;
    }

    // Stores an entry in `way` (and, for a packed set, its fingerprint).
    void put(size_t set, size_t base, unsigned way, Key key, const Payload& value) {
        tags_[base + way] = key;
        *payload(base + way) = value;
        if (packed_) meta_[set].fp[way] = fingerprint(key);
    }
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
        const unsigned way = find(set, base, key);
        return way < ways_ ? hit(set, base, way) : nullptr;
    }

    // lookup() and access() of a packed set past the front compare, apart from the other policies'
    // paths so that these stay small (a cache-model access is mostly this). base_of(set) is
    // front_of(set): packed sets are never TreePlru.
    // Slot of way 0 of a packed set (never TreePlru: no empty front slot): with W ways known, a
    // constant shift.
    template <unsigned W>
    size_t packed_base(size_t set) const {
        if constexpr (W == 0) {
            return front_of(set);
        } else {
            unsigned shift = 0;
            while ((1u << shift) < W) ++shift;
            return set << shift;
        }
    }
    // F: front_, known at compile time. Static, so that lookup() and access() call them through
    // a plain function pointer.
    template <unsigned W, bool F>
    [[gnu::always_inline]] Payload* lookup_packed_body(size_t set, size_t base, const Hashed& h) {
        const unsigned way = find_packed<W>(set, base, h);
        if (way == (W ? W : ways_)) return nullptr;
        if (!lru_) return payload(base + way);  // a Fifo hit changes nothing
        promote<F>(set, base, way);
        return payload(F ? base : base + way);
    }
    // Lru: known to be Lru at compile time (else lru_ says).
    template <unsigned W, bool F, bool Lru = false>
    [[gnu::always_inline]] bool access_packed_body(size_t set, size_t base, const Hashed& h) {
        const unsigned way = find_packed<W>(set, base, h);
        if (way < (W ? W : ways_)) {
            if (Lru || lru_) promote<F>(set, base, way);
            return true;
        }
        fill_packed<W, F>(set, base, h.key, h.fp, Payload{});
        return false;
    }
    template <unsigned W, bool F>
    [[gnu::noinline]] static Payload* lookup_packed(SetAssoc& self, size_t set, Key key) {
        const size_t base = self.packed_base<W>(set);
        if constexpr (!F) {
            // Without a front way, lookup()'s one compare is the first in order's: a hit there
            // changes nothing (a set whose few entries are hit over and over, as 2 MB pages in an
            // STLB, hits there about always).
            const unsigned first = static_cast<unsigned>(self.meta_[set].order & 0xf);
            if (self.tags_[base + first] == key) return self.payload(base + first);
        }
        return self.lookup_packed_body<W, F>(set, base, hash(key));
    }
    template <unsigned W, bool F>
    [[gnu::noinline]] static bool access_packed(SetAssoc& self, size_t set, Key key) {
        return self.access_packed_body<W, F>(set, self.packed_base<W>(set), hash(key));
    }
    template <unsigned W, bool F>
    [[gnu::noinline]] static void insert_packed(SetAssoc& self, size_t set, Key key, const Payload& value) {
        self.fill_packed<W, F>(set, self.packed_base<W>(set), key, fingerprint(key), value);
    }
    // The packed functions for this geometry, chosen at construction.
    using LookupFn = Payload* (*)(SetAssoc&, size_t, Key);
    using AccessFn = bool (*)(SetAssoc&, size_t, Key);
    using InsertFn = void (*)(SetAssoc&, size_t, Key, const Payload&);
    template <unsigned W>
    void choose_packed() {
        lookup_packed_ = front_ ? &SetAssoc::lookup_packed<W, true> : &SetAssoc::lookup_packed<W, false>;
        access_packed_ = front_ ? &SetAssoc::access_packed<W, true> : &SetAssoc::access_packed<W, false>;
        insert_packed_ = front_ ? &SetAssoc::insert_packed<W, true> : &SetAssoc::insert_packed<W, false>;
    }
    void choose_packed_for(unsigned ways) {
        switch (ways) {
            case 2: choose_packed<2>(); break;
            case 4: choose_packed<4>(); break;
            case 8: choose_packed<8>(); break;
            case 12: choose_packed<12>(); break;
            case 16: choose_packed<16>(); break;
            default: choose_packed<0>(); break;
        }
    }
    // access() with more than one way. Ordered sets (Lru, Fifo) in one scan: a hit at `way` moves
    // it to the front under Lru (as hit() does), a miss shifts every way back, evicting the last (as
    // fill_ways() does); the other policies take the two calls.
    [[gnu::noinline]] bool access_ways(size_t set, Key key) {
        if (!ordered_) {
            if (lookup_ways(set, key)) return true;
            fill_ways(set, key, Payload{});
            return false;
        }
        const size_t base = base_of(set);  // not packed: access() sent those to access_packed_
        unsigned way = 1;  // access() compared way 0
        while (way < ways_ && tags_[base + way] != key) ++way;
        const bool found = way < ways_;
        if (found && config_.replacement != Replacement::Lru) return true;  // a Fifo hit changes nothing
        shift_back(base, found ? way : ways_ - 1);
        if (found) return true;
        tags_[base] = key;
        *payload(base) = Payload{};
        return false;
    }

    // fill() with more than one way.
    [[gnu::noinline]] std::optional<Entry> fill_ways(size_t set, Key key, const Payload& value) {
        const size_t base = base_of(set);
        if (ordered_) return fill_ordered(set, base, key, value);
        unsigned empty = ways_;  // the first empty way
        for (unsigned way = 0; way < ways_; ++way) {
            if (tags_[base + way] == key) {
                *payload(base + way) = value;
                hit(set, base, way);
                return std::nullopt;
            }
            if (empty == ways_ && tags_[base + way] == kEmpty) empty = way;
        }
        unsigned way;
        if (empty != ways_)
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
        tags_[base + way] = key;
        *payload(base + way) = value;
        if (plru_) tree_plru::touch(plru_bits_[set], way, ways_);
        if (old_key == kEmpty) return std::nullopt;
        return Entry{old_key, old_value};
    }

    // fill_ways() for Lru and Fifo: no empty way to look for (they are last in order, where the
    // victim is taken from anyway), so the scan only looks for the key.
    std::optional<Entry> fill_ordered(size_t set, size_t base, Key key, const Payload& value) {
        unsigned way = find(set, base, key);
        if (way < ways_) {
            *payload(base + way) = value;
            if (config_.replacement == Replacement::Lru) hit(set, base, way);
            return std::nullopt;
        }
        if (packed_) {
            const Entry evicted = front_ ? fill_packed<0, true>(set, base, key, fingerprint(key), value)
                                         : fill_packed<0, false>(set, base, key, fingerprint(key), value);
            if (evicted.key == kEmpty) return std::nullopt;
            return Entry{evicted.key, evicted.payload};  // built at the return: see fill_ways()
        }
        way = ways_ - 1;
        const Key old_key = tags_[base + way];  // plain values, not an optional: see fill_ways()
        const Payload old_value = *payload(base + way);
        shift_back(base, way);
        put(set, base, 0, key, value);
        if (old_key == kEmpty) return std::nullopt;
        return Entry{old_key, old_value};
    }

    // A hit in `way`: updates the policy's state and returns the payload, wherever it now is.
    Payload* hit(size_t set, size_t base, unsigned way) {
        if (plru_) {
            tree_plru::touch(plru_bits_[set], way, ways_);
        } else if (config_.replacement == Replacement::Lru) {
            if (packed_) {
                if (!front_) {
                    promote<false>(set, base, way);
                    return payload(base + way);
                }
                promote(set, base, way);
                return payload(base);
            }
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
    void drop(size_t set, size_t base, unsigned way) {
        if (packed_) {
            // The ways after it in order move forward one; it becomes the last.
            const uint64_t order = meta_[set].order;
            const unsigned position = position_of(order, way);
            meta_[set].order = (order & low_positions(position)) |
                          ((order >> 4) & ~low_positions(position) & low_positions(ways_ - 1)) |
                          (uint64_t{way} << (4 * (ways_ - 1)));
        } else if (ordered_) {
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
    bool packed_ = false;        // ordered, 2 to 16 ways: the order is meta_[set].order
    bool lru_ = false;           // Replacement::Lru
    bool front_ = true;          // way 0 holds the first in order (SetAssocConfig::front)
    LookupFn lookup_packed_ = nullptr;
    AccessFn access_packed_ = nullptr;
    InsertFn insert_packed_ = nullptr;
    std::vector<Key> tags_;           // [set][slot]
    std::vector<Payload> payloads_;   // [set][slot]; unused for an empty Payload
    std::vector<uint64_t> plru_bits_; // [set]; TreePlru only
    // Per set: the order of its ways (see front_of; four bits a position, packed sets) and the
    // fingerprints of their keys (packed sets), in 32 bytes so that one host line holds them.
    struct SetMeta {
        uint64_t order;
        uint8_t fp[16];  // [way]
        uint64_t unused;
    };
    std::vector<SetMeta> meta_;       // [set]
    XorShift64 random_;
    Payload no_payload_{};       // what lookup() points to for an empty Payload
};

}  // namespace vmsim::common
