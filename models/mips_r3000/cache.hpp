// Cache timing model for the R3000's instruction and data caches: physically indexed and
// physically tagged, with size, line size and associativity as parameters (the DECstation
// 3100/2100: 64 KB each, 4-byte lines, direct-mapped). It keeps tags only. The data stays in
// the functional memory the ISS already uses, so a lookup answers "hit or miss" and changes the
// tag state the way the hardware would. Plain C++, header-only, no allocation after construction.
//
// The tags live in a common::SetAssoc (models/common/set_assoc.hpp): sets of `assoc` ways, one
// line per block. Replacement with more than one way is a parameter, LRU by default; every policy
// fills an invalid way before a valid one. With one way all reduce to the direct-mapped tag
// compare. This file adds what is the R3000's: the size/line/assoc geometry and the store rules.
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
#include <cstdint>
#include <stdexcept>
#include <string>

#include "models/common/set_assoc.hpp"

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
    common::Replacement replacement = common::Replacement::Lru;  // with assoc > 1
    uint64_t seed = 0;          // Replacement::Random only

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
        return tag_store().check();  // the replacement policy's own limits
    }

    // The tag store's geometry, one block per line; meaningful once the checks above pass.
    common::SetAssocConfig tag_store() const {
        common::SetAssocConfig c;
        c.sets = size / line / assoc;
        c.ways = assoc;
        c.block_bytes = line;
        c.replacement = replacement;
        c.seed = seed;
        return c;
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
    explicit Cache(const CacheConfig& config) : config_(checked(config)), tags_(config.tag_store()) {}

    // A read of the line holding `pa`: an instruction fetch or a load. Returns true on a hit. On a
    // miss the line is filled (replacing the victim the policy chooses) and the caller charges
    // the memory read.
    bool access(uint32_t pa) {
        const uint32_t line = tags_.block_of(pa);
        if (tags_.lookup(line)) {  // direct-mapped: compares the only way
            ++stats_.read_hits;
            return true;
        }
        ++stats_.read_misses;
        tags_.fill(line);
        return false;
    }

    // A store of `bytes` bytes (1, 2 or 4, never crossing a line) at `pa`: returns true on a hit.
    // Pass the bytes the instruction writes (for SWL/SWR, 1 to 4) so that a whole-line store can
    // be told from a partial one.
    bool write(uint32_t pa, unsigned bytes) {
        const uint32_t line = tags_.block_of(pa);
        if (tags_.lookup(line)) {  // a hit counts as an access for the replacement policy
            ++stats_.write_hits;
            return true;
        }
        ++stats_.write_misses;
        if (config_.write_miss == WriteMiss::AllocateFullLine && bytes >= config_.line) {
            tags_.fill(line);
            ++stats_.write_allocations;
        }
        return false;
    }

    // Drops the line holding `pa` if it is cached; otherwise changes nothing.
    void invalidate(uint32_t pa) { tags_.invalidate(tags_.block_of(pa)); }

    // Invalidates every line (counters are kept).
    void flush() { tags_.invalidate_all(); }

    // Whether the line holding `pa` is cached. No side effects: counters and replacement state stay.
    bool contains(uint32_t pa) const { return tags_.contains(tags_.block_of(pa)); }

    uint32_t sets() const { return tags_.sets(); }
    unsigned ways() const { return tags_.ways(); }
    const CacheConfig& config() const { return config_; }
    const CacheStats& stats() const { return stats_; }
    void reset_stats() { stats_ = CacheStats{}; }

private:
    static const CacheConfig& checked(const CacheConfig& config) {
        if (std::string problem = config.check(); !problem.empty()) throw std::invalid_argument(problem);
        return config;
    }

    CacheConfig config_;
    // Keyed by the line address (pa / line), index and tag together. Lines of at least 4 bytes keep
    // every key below the all-ones key that marks an empty way.
    common::SetAssoc<uint32_t> tags_;
    CacheStats stats_;
};

}  // namespace vmsim::r3000
