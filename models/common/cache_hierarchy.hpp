// Latency model of a data-cache hierarchy: up to three levels of cache (L1D, L2, L3) in front of
// memory, each a tag store on the shared set-associative template (set_assoc.hpp). An access names
// a physical address and gets back the level that served it and that level's latency. Plain C++17,
// header-only, no allocation after construction, deterministic.
//
// What it is for: the x86 page walker sends each paging-structure reference through it, so that a
// walk costs the sum of its references (Intel's Skylake PMU counts where walker loads were served,
// PAGE_WALKER_LOADS.DTLB_L1/L2/L3/MEMORY: the same four places), and a core model can send its own
// data references through the same object so that both compete for the same lines.
//
// The model, and what it leaves out:
//  - Latency is the load-to-use latency of the level that holds the line, as published for a core
//    (Skylake client: L1D 4, L2 12, L3 44 cycles; Intel 64 and IA-32 Architectures Optimization
//    Reference Manual, "Skylake client microarchitecture", cache parameters table). It is not a sum
//    of per-level lookups: published figures already include the misses on the way.
//  - A miss fills the line into every level above the one that served it (write-allocate, so a
//    store is an access like a load). Evictions are not propagated: no level is kept inclusive or
//    exclusive of another, no write-backs are timed, there is no prefetching, no bandwidth limit
//    and no miss overlap. Those are the limits of a latency model, not a timing model.
//  - A level of size 0 does not exist (the Pentium has no on-chip L2); the levels that exist are
//    looked up in order. All levels share one line size.
#pragma once
#include <array>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "models/common/replacement.hpp"
#include "models/common/set_assoc.hpp"
#include "models/common/stat_list.hpp"

namespace vmsim::common {

enum class CacheLevel : uint8_t { L1, L2, L3, Memory };
constexpr unsigned kCacheLevels = 4;  // including memory

// The level's name in statistics and parameters.
inline const char* cache_level_name(CacheLevel level) {
    static constexpr const char* kNames[kCacheLevels] = {"l1d", "l2", "l3", "memory"};
    return kNames[static_cast<unsigned>(level)];
}

struct CacheLevelConfig {
    uint64_t size = 0;        // bytes; 0 = the level does not exist
    uint32_t ways = 1;
    uint32_t hit_cycles = 0;  // load-to-use latency of an access this level serves
    Replacement replacement = Replacement::Lru;
    uint64_t seed = 0;        // Replacement::Random only
};

// Defaults: a Skylake client core (optimization manual's Skylake cache table for L1D, L2, L3 per
// the text above; 8 MB is the L3 of a four-core part at 2 MB per core). Memory: about 200 cycles,
// the reference sheet's figure for a modern core (../shared/reference/x86.md); DRAM latency is a
// property of the platform, not the core, so it is the first figure a preset should restate.
struct CacheHierarchyConfig {
    uint32_t line = 64;  // bytes, every level
    CacheLevelConfig l1d{32 * 1024, 8, 4};
    CacheLevelConfig l2{256 * 1024, 4, 12};
    CacheLevelConfig l3{8 * 1024 * 1024, 16, 44};
    uint32_t memory_cycles = 200;

    const CacheLevelConfig& level(CacheLevel l) const { return l == CacheLevel::L1 ? l1d : l == CacheLevel::L2 ? l2 : l3; }

    // Empty when usable, else one sentence naming the field that is wrong ("l2.ways ...").
    std::string check() const {
        auto pow2 = [](uint64_t v) { return v != 0 && (v & (v - 1)) == 0; };
        if (!pow2(line)) return "line must be a power of two bytes, got " + std::to_string(line);
        for (CacheLevel l : {CacheLevel::L1, CacheLevel::L2, CacheLevel::L3}) {
            const CacheLevelConfig& c = level(l);
            if (c.size == 0) continue;
            const std::string name = cache_level_name(l);
            if (c.ways == 0) return name + ".ways must be at least 1";
            const uint64_t set_bytes = uint64_t{line} * c.ways;
            if (c.size % set_bytes != 0)
                return name + ".size " + std::to_string(c.size) + " is not a multiple of " + name + ".ways x line (" +
                       std::to_string(c.ways) + " x " + std::to_string(line) + " bytes)";
            if (!pow2(c.size / set_bytes) || c.size / set_bytes > (uint64_t{1} << 31))
                return name + ".size / (" + name + ".ways x line) must be a power of two sets up to 2^31, got " +
                       std::to_string(c.size / set_bytes);
            if (std::string problem = tag_store(l).check(); !problem.empty()) return name + ": " + problem;
        }
        return {};
    }

    // The tag store of one level; meaningful once check() passes.
    SetAssocConfig tag_store(CacheLevel l) const {
        const CacheLevelConfig& c = level(l);
        SetAssocConfig s;
        s.ways = c.ways;
        s.sets = static_cast<uint32_t>(c.size / (uint64_t{line} * c.ways));
        s.block_bytes = line;
        s.replacement = c.replacement;
        s.seed = c.seed;
        return s;
    }
};

struct CacheHierarchyStats {
    std::array<uint64_t, kCacheLevels> served{};  // accesses each level served (memory: every miss of the last)
    std::array<uint64_t, kCacheLevels> misses{};  // accesses that looked a level up and missed (memory: none)

    // As statistics, relative names ("l1d.hits"); levels that do not exist are still listed, at 0.
    StatList list() const {
        StatList out;
        for (unsigned i = 0; i + 1 < kCacheLevels; ++i) {
            const std::string n = cache_level_name(static_cast<CacheLevel>(i));
            out.push_back({n + ".hits", "accesses the " + n + " cache served", served[i]});
            out.push_back({n + ".misses", "accesses that missed the " + n + " cache", misses[i]});
        }
        out.push_back({"memory.accesses", "accesses that missed every cache and went to memory",
                       served[static_cast<unsigned>(CacheLevel::Memory)]});
        return out;
    }
};

class CacheHierarchy {
public:
    struct Access {
        uint32_t cycles;
        CacheLevel level;  // where the line was found
    };

    // Throws std::invalid_argument with check()'s sentence when the configuration is unusable.
    explicit CacheHierarchy(const CacheHierarchyConfig& config) : config_(checked(config)) {
        line_shift_ = 0;
        while ((uint64_t{1} << line_shift_) < config.line) ++line_shift_;
        // Under the compiled geometry only the first level's way 0 is compared alone (access()'s
        // inline hit); the levels after it are reached past a miss and searched whole, so they
        // need not keep their first in way 0 (SetAssocConfig::front: cheaper hits and fills).
        const bool fixed = fixed_geometry(config);
        for (CacheLevel l : {CacheLevel::L1, CacheLevel::L2, CacheLevel::L3}) {
            if (config.level(l).size == 0) continue;
            SetAssocConfig tag_store = config.tag_store(l);
            tag_store.front = !fixed || levels_.empty();
            levels_.push_back(Level{l, config.level(l).hit_cycles, SetAssoc<uint64_t>(tag_store)});
        }
        // A level's tags take 8 bytes a line of the modelled cache (a 256 KB L2: 32 KB of tags).
        // Up to kHostResident bytes of them stay in a host core's L2 between accesses (a Skylake
        // client core has 256 KB of L2, later cores more), so prefetching their set would only
        // cost instructions; a last level of several MB has a megabyte of tags and more.
        constexpr uint64_t kHostResident = 128 * 1024;
        host_hints_.line_shift = line_shift_;
        for (unsigned i = 0; i < levels_.size(); ++i)
            if (config.level(levels_[i].id).size / config.line * sizeof(uint64_t) > kHostResident)
                host_hints_.levels[host_hints_.count++] = levels_[i].tags.host_sets();
        choose_access();
    }

    // Not copyable: host_hints_ points into this object's own tag stores (a move keeps them where
    // they are).
    CacheHierarchy(const CacheHierarchy&) = delete;
    CacheHierarchy& operator=(const CacheHierarchy&) = delete;
    CacheHierarchy(CacheHierarchy&&) = default;
    CacheHierarchy& operator=(CacheHierarchy&&) = default;

    // A load or store of the line holding `pa`: the level that served it and its latency. The line
    // is filled into every level above that one.
    Access access(uint64_t pa) {
        const uint64_t line = pa >> line_shift_;
        if (access_fixed_) {
            // A geometry compiled for (choose_access): a hit in the L1's first way inline, the rest
            // in one call.
            if (front_hit(line)) return fixed_result(0);
            return access_fixed_(*this, line);
        }
        // Each level that misses is filled as it is passed: the levels are separate tag stores, so
        // this leaves the state that filling them after the serving level was found would.
        for (Level& level : levels_) {
            if (level.tags.access(line)) {
                ++stats_.served[static_cast<unsigned>(level.id)];
                return {level.cycles, level.id};
            }
            ++stats_.misses[static_cast<unsigned>(level.id)];
        }
        ++stats_.served[static_cast<unsigned>(CacheLevel::Memory)];
        return {config_.memory_cycles, CacheLevel::Memory};
    }

    // access() for a caller compiled for the geometry that choose_access() compiles with every level
    // Lru (the skylake preset's), inlined into it rather than called: valid only when
    // compiled_lru_8_4_16() is true.
    bool compiled_lru_8_4_16() const { return access_fixed_ == &access_fixed<true, 8, 4, 16>; }
    [[gnu::always_inline]] Access access_lru_8_4_16(uint64_t pa) {
        assert(compiled_lru_8_4_16());
        const uint64_t line = pa >> line_shift_;
        if (front_hit(line)) return fixed_result(0);
        return access_levels<true, 0, 8, 4, 16>(levels_.data(), Tags::hash(line));
    }

    // The same, starting at `first`: the levels above it are neither looked up nor filled. For a
    // reference that bypasses the L1D, as a fetch that missed a separate L1 I-cache does on its way
    // to the unified levels below (the Pentium's, models/x86_64/pentium_timing.hpp). A loop of its
    // own rather than access() calling it with L1: that changed the code GCC makes of the page
    // walker, access()'s hot caller (mmu.cpp's object code compared).
    Access access_from(CacheLevel first, uint64_t pa) {
        const uint64_t line = pa >> line_shift_;
        for (Level& level : levels_) {
            if (level.id < first) continue;
            if (level.tags.access(line)) {
                ++stats_.served[static_cast<unsigned>(level.id)];
                return {level.cycles, level.id};
            }
            ++stats_.misses[static_cast<unsigned>(level.id)];
        }
        ++stats_.served[static_cast<unsigned>(CacheLevel::Memory)];
        return {config_.memory_cycles, CacheLevel::Memory};
    }

    // What prefetch() reads: SetAssoc::HostSets for the levels whose tag stores are too large to
    // stay in the host's own caches, and the line shift. A value, so that a caller that hints at
    // every access can keep a copy (host_hints(): the MMU's host hints) rather than reach it
    // through the hierarchy; valid while the hierarchy lives (its tag stores never move). Always
    // inlined, as HostSets::prefetch is (whose note says why).
    struct HostHints {
        std::array<SetAssoc<uint64_t>::HostSets, 3> levels{};
        unsigned count = 0;
        unsigned line_shift = 0;
        [[gnu::always_inline]] void prefetch(uint64_t pa) const {
            if (__builtin_expect(count == 1, 1)) {  // the usual case, one large level: no loop
                levels[0].prefetch(pa >> line_shift);
                return;
            }
            for (unsigned i = 0; i < count; ++i) levels[i].prefetch(pa >> line_shift);
        }
    };
    const HostHints& host_hints() const { return host_hints_; }

    // A hint to the host that `pa` will be accessed soon. No effect on the model.
    [[gnu::always_inline]] void prefetch(uint64_t pa) const { host_hints_.prefetch(pa); }

    // Whether `level` holds the line of `pa`. No side effects. A level that does not exist holds
    // nothing; memory holds everything.
    bool contains(CacheLevel level, uint64_t pa) const {
        if (level == CacheLevel::Memory) return true;
        for (const Level& l : levels_)
            if (l.id == level) return l.tags.contains(pa >> line_shift_);
        return false;
    }

    // Empties every level (counters are kept).
    void flush() {
        for (Level& l : levels_) l.tags.invalidate_all();
    }

    const CacheHierarchyConfig& config() const { return config_; }
    const CacheHierarchyStats& stats() const { return stats_; }
    void reset_stats() { stats_ = CacheHierarchyStats{}; }

private:
    struct Level {
        CacheLevel id;
        uint32_t cycles;
        SetAssoc<uint64_t> tags;  // keyed by line number (pa / line): never the all-ones key
    };

    // access() past the first level's front compare, for the three levels of one geometry: each
    // level's set operations inlined for its number of ways (SetAssoc::access_fixed). The same
    // operations, in the same order, as access()'s loop. The line's fingerprint is computed once
    // for every level (the same key at each), and the levels are reached through a pointer held
    // in a register rather than levels_, whose begin pointer the tag stores' byte stores would
    // make the compiler reload at each level.
    using Tags = SetAssoc<uint64_t>;
    // Lru: every level is Lru (else each hit tests its level's policy). The result is read whole
    // from fixed_result_, one 8-byte load (copied as a word: copied as an Access, GCC assembles
    // it from its two fields and their padding, four instructions).
    template <bool Lru, unsigned I, unsigned W, unsigned... Rest>
    [[gnu::always_inline]] Access access_levels(Level* levels, const Tags::Hashed& h) {
        Level& level = levels[I];  // every level exists: levels[I].id is level I
        bool hit;
        if constexpr (I == 0)
            hit = level.tags.template access_fixed_past_front<W, Lru>(h);
        else
            hit = level.tags.template access_fixed_no_front<W, Lru>(h);
        if (hit) {
            ++stats_.served[I];
            return fixed_result(I);
        }
        ++stats_.misses[I];
        if constexpr (sizeof...(Rest) > 0) {
            return access_levels<Lru, I + 1, Rest...>(levels, h);
        } else {
            ++stats_.served[static_cast<unsigned>(CacheLevel::Memory)];
            return fixed_result(static_cast<unsigned>(CacheLevel::Memory));
        }
    }
    // Under a compiled geometry (access_fixed_ set): the first level's front way holds `line`,
    // counted as its hit. access()'s inline part, and access_lru_8_4_16()'s.
    [[gnu::always_inline]] bool front_hit(uint64_t line) {
        if (levels_[0].tags.front_tag(line) != line) return false;
        ++stats_.served[0];
        return true;
    }
    static_assert(sizeof(Access) == sizeof(uint64_t) && std::is_trivially_copyable_v<Access>);
    [[gnu::always_inline]] Access fixed_result(unsigned i) const {
        Access a;
        std::memcpy(&a, &fixed_result_[i], sizeof a);
        return a;
    }
    template <bool Lru, unsigned... W>
    [[gnu::noinline]] static Access access_fixed(CacheHierarchy& self, uint64_t line) {
        return self.access_levels<Lru, 0, W...>(self.levels_.data(), Tags::hash(line));
    }
    // Geometries compiled for: levels of packed Lru or Fifo sets with these ways (the skylake
    // preset's 8, 4 and 16). Others take access()'s loop.
    static bool fixed_geometry(const CacheHierarchyConfig& c) {
        auto packed = [](const CacheLevelConfig& level, uint32_t ways) {
            return level.size != 0 && level.ways == ways &&
                   (level.replacement == Replacement::Lru || level.replacement == Replacement::Fifo);
        };
        return packed(c.l1d, 8) && packed(c.l2, 4) && packed(c.l3, 16);
    }
    void choose_access() {
        if (!fixed_geometry(config_)) return;
        auto ways = [this](unsigned i) { return levels_[i].tags.packed_ways(); };
        assert(levels_.size() == 3 && ways(0) == 8 && ways(1) == 4 && ways(2) == 16);
        (void)ways;
        auto set_result = [this](unsigned i, Access a) { std::memcpy(&fixed_result_[i], &a, sizeof a); };
        for (unsigned i = 0; i < levels_.size(); ++i) set_result(i, {levels_[i].cycles, levels_[i].id});
        set_result(static_cast<unsigned>(CacheLevel::Memory), {config_.memory_cycles, CacheLevel::Memory});
        const bool lru = levels_[0].tags.is_lru() && levels_[1].tags.is_lru() && levels_[2].tags.is_lru();
        access_fixed_ = lru ? &access_fixed<true, 8, 4, 16> : &access_fixed<false, 8, 4, 16>;
    }

    static const CacheHierarchyConfig& checked(const CacheHierarchyConfig& config) {
        if (std::string problem = config.check(); !problem.empty()) throw std::invalid_argument(problem);
        return config;
    }

    CacheHierarchyConfig config_;
    unsigned line_shift_ = 0;
    std::vector<Level> levels_;  // the levels that exist, nearest first
    HostHints host_hints_;  // what prefetch() reads
    Access (*access_fixed_)(CacheHierarchy&, uint64_t line) = nullptr;  // choose_access()
    std::array<uint64_t, kCacheLevels> fixed_result_{};  // access_fixed_'s Access for each level served
    CacheHierarchyStats stats_;
};

}  // namespace vmsim::common
