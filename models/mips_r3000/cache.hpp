// Cache timing model for the R3000's instruction and data caches: physically indexed and
// physically tagged, with size, line size and associativity as parameters (the DECstation
// 3100/2100: 64 KB each, 4-byte lines, direct-mapped). It keeps tags only. The data stays in
// the functional memory the ISS already uses, so a lookup answers "hit or miss" and changes the
// tag state the way the hardware would. Plain C++, header-only, no allocation after construction.
//
// Replacement with more than one way: LRU. Each set keeps its ways ordered from most to least
// recently used; a hit moves the way to the front, a fill shifts the set down and evicts the last
// way. Invalidated ways move to the back, so a fill takes an invalid way before a valid one.
// With one way this reduces to the direct-mapped tag compare.
//
// Writes (the D-cache is write-through; the caller also sends every store to the write buffer):
//  - a store that hits updates the line, which stays valid;
//  - a store that misses never fetches from memory. Under WriteMiss::AllocateFullLine, a store that
//    covers a whole line still writes that line (tag and data, valid) and evicts what was there:
//    the R2000/R3000 do this for a word store to their one-word lines, because tag and data are
//    written in the same cycle as the tag check. A smaller store that misses leaves the cache as
//    it was (IDT's R30xx family documentation; MAME's R2000/R3000 model does the same). With lines
//    longer than the store, AllocateFullLine behaves like NoAllocate.
//  - WriteMiss::NoAllocate: no store that misses changes the cache (classic no-write-allocate).
//
// Not modelled: cache isolation and swapping (Status bits IsC 16 and SwC 17, which the kernel uses
// to flush or size the caches), parity, and whether an R2000 partial-word store hit costs extra.
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/common/stat_list.hpp"

namespace vmsim::r3000 {

enum class WriteMiss {
    AllocateFullLine,  // the R2000/R3000: a store that writes a whole line fills it, no fetch
    NoAllocate,        // a store that misses leaves the cache unchanged
};

struct CacheConfig {
    uint32_t size = 64 * 1024;  // bytes (DECstation 3100: 64 KB I-cache, 64 KB D-cache)
    uint32_t line = 4;          // bytes per line (R2000/R3000 caches: one word)
    uint32_t assoc = 1;         // ways per set; 1 = direct-mapped (the DECstation)
    WriteMiss write_miss = WriteMiss::AllocateFullLine;

    // Empty when the geometry is usable, else one sentence saying what is wrong.
    std::string check() const {
        auto pow2 = [](uint32_t v) { return v != 0 && (v & (v - 1)) == 0; };
        if (!pow2(size)) return "cache size must be a power of two, got " + std::to_string(size);
        if (!pow2(line) || line < 4)
            return "cache line must be a power of two of at least 4 bytes, got " + std::to_string(line);
        if (!pow2(assoc)) return "cache associativity must be a power of two, got " + std::to_string(assoc);
        if (static_cast<uint64_t>(line) * assoc > size)
            return "cache of " + std::to_string(size) + " bytes cannot hold one set of " + std::to_string(assoc) +
                   " lines of " + std::to_string(line) + " bytes";
        return {};
    }
};

enum class CacheSide { Instruction, Data };

struct CacheStats {
    uint64_t read_hits = 0;
    uint64_t read_misses = 0;        // each one filled a line: the caller charges a memory read
    uint64_t write_hits = 0;
    uint64_t write_misses = 0;
    uint64_t write_allocations = 0;  // write misses that wrote a whole line (AllocateFullLine)

    // As statistics ("icache." / "dcache." prefix): an I-cache is only read.
    common::StatList list(CacheSide side) const {
        if (side == CacheSide::Instruction)
            return {{"hits", "instruction fetches that hit", read_hits},
                    {"misses", "instruction fetches that missed", read_misses}};
        return {{"read_hits", "cached loads that hit", read_hits},
                {"read_misses", "cached loads that missed", read_misses},
                {"write_hits", "cached stores that hit", write_hits},
                {"write_misses", "cached stores that missed", write_misses}};
    }
};

class Cache {
public:
    explicit Cache(const CacheConfig& config) : config_(config) {
        if (std::string problem = config.check(); !problem.empty()) throw std::invalid_argument(problem);
        line_shift_ = log2(config.line);
        way_shift_ = log2(config.assoc);
        set_mask_ = config.size / config.line / config.assoc - 1;
        tags_.assign(static_cast<size_t>(config.size / config.line), kInvalid);
    }

    // A read of the line holding `pa`: an instruction fetch or a load. Returns true on a hit. On a
    // miss the line is filled (replacing the set's least recently used way) and the caller charges
    // the memory read.
    bool access(uint32_t pa) {
        const uint32_t line = pa >> line_shift_;
        uint32_t* const set = set_of(line);
        if (set[0] == line) {  // direct-mapped: the only way; associative: the most recent one
            ++stats_.read_hits;
            return true;
        }
        return read_other_ways(set, line);
    }

    // A store of `bytes` bytes (1, 2 or 4, never crossing a line) at `pa`: returns true on a hit.
    // Pass the bytes the instruction writes (for SWL/SWR, 1 to 4) so that a whole-line store can
    // be told from a partial one.
    bool write(uint32_t pa, unsigned bytes) {
        const uint32_t line = pa >> line_shift_;
        uint32_t* const set = set_of(line);
        const unsigned way = find(set, line);
        if (way < ways()) {
            promote(set, way);
            ++stats_.write_hits;
            return true;
        }
        ++stats_.write_misses;
        if (config_.write_miss == WriteMiss::AllocateFullLine && bytes >= config_.line) {
            fill(set, line);
            ++stats_.write_allocations;
        }
        return false;
    }

    // Drops the line holding `pa` if it is cached; otherwise changes nothing.
    void invalidate(uint32_t pa) {
        const uint32_t line = pa >> line_shift_;
        uint32_t* const set = set_of(line);
        unsigned way = find(set, line);
        if (way >= ways()) return;
        for (; way + 1 < ways(); ++way) set[way] = set[way + 1];
        set[ways() - 1] = kInvalid;
    }

    // Invalidates every line (counters are kept).
    void flush() { tags_.assign(tags_.size(), kInvalid); }

    // Whether the line holding `pa` is cached. No side effects: counters and LRU order stay.
    bool contains(uint32_t pa) const {
        const uint32_t line = pa >> line_shift_;
        const uint32_t* const set = &tags_[static_cast<size_t>(line & set_mask_) << way_shift_];
        for (unsigned way = 0; way < ways(); ++way)
            if (set[way] == line) return true;
        return false;
    }

    uint32_t sets() const { return set_mask_ + 1; }
    unsigned ways() const { return 1u << way_shift_; }
    const CacheConfig& config() const { return config_; }
    const CacheStats& stats() const { return stats_; }
    void reset_stats() { stats_ = CacheStats{}; }

private:
    // The tag array holds the whole line address (pa / line): it contains the index and the tag,
    // so comparing it whole is the hardware's tag compare. Line >= 4 bytes keeps every line
    // address below kInvalid.
    static constexpr uint32_t kInvalid = 0xffffffffu;

    static unsigned log2(uint32_t v) {
        unsigned n = 0;
        while (v > 1) {
            v >>= 1;
            ++n;
        }
        return n;
    }

    uint32_t* set_of(uint32_t line) { return &tags_[static_cast<size_t>(line & set_mask_) << way_shift_]; }

    // The way holding `line`, or ways() when none does.
    unsigned find(const uint32_t* set, uint32_t line) const {
        unsigned way = 0;
        while (way < ways() && set[way] != line) ++way;
        return way;
    }

    // Makes `way` the most recently used.
    void promote(uint32_t* set, unsigned way) {
        const uint32_t tag = set[way];
        for (; way > 0; --way) set[way] = set[way - 1];
        set[0] = tag;
    }

    // Puts `line` in the most recent position, evicting the least recently used way.
    void fill(uint32_t* set, uint32_t line) {
        promote(set, ways() - 1);
        set[0] = line;
    }

    bool read_other_ways(uint32_t* set, uint32_t line) {
        for (unsigned way = 1; way < ways(); ++way) {
            if (set[way] == line) {
                promote(set, way);
                ++stats_.read_hits;
                return true;
            }
        }
        ++stats_.read_misses;
        fill(set, line);
        return false;
    }

    CacheConfig config_;
    unsigned line_shift_ = 0, way_shift_ = 0;
    uint32_t set_mask_ = 0;
    std::vector<uint32_t> tags_;  // [set][way], way 0 most recently used
    CacheStats stats_;
};

}  // namespace vmsim::r3000
