// The cache timing model (models/mips_r3000/cache.hpp): geometry, direct-mapped conflicts,
// LRU with several ways, the write-miss policies, invalidation and the counters. Expected values
// follow from the model's definition; each test says how.
#include <gtest/gtest.h>

#include <stdexcept>

#include "models/mips_r3000/cache.hpp"

namespace vmsim::r3000 {
namespace {

// The DECstation 3100 D-cache: 64 KB, 4-byte lines, direct-mapped, R3000 store behaviour.
CacheConfig decstation() { return CacheConfig{}; }

CacheConfig geometry(uint32_t size, uint32_t line, uint32_t assoc, WriteMiss miss = WriteMiss::AllocateFullLine) {
    CacheConfig c;
    c.size = size;
    c.line = line;
    c.assoc = assoc;
    c.write_miss = miss;
    return c;
}

constexpr uint32_t k64K = 64 * 1024;

TEST(CacheGeometry, DecstationCacheHas16384OneWordSets) {
    Cache cache(decstation());
    EXPECT_EQ(cache.sets(), 16384u);  // 64 KB / 4-byte lines / 1 way
    EXPECT_EQ(cache.ways(), 1u);
}

TEST(CacheGeometry, SetsAreSizeOverLineTimesWays) {
    Cache cache(geometry(8 * 1024, 16, 4));
    EXPECT_EQ(cache.sets(), 128u);  // 8192 / (16 * 4)
    EXPECT_EQ(cache.ways(), 4u);
}

TEST(CacheGeometry, RejectsSizesLinesAndWaysThatAreNotPowersOfTwo) {
    EXPECT_NE(geometry(48 * 1024, 4, 1).check(), "");
    EXPECT_NE(geometry(k64K, 12, 1).check(), "");
    EXPECT_NE(geometry(k64K, 4, 3).check(), "");
    EXPECT_NE(geometry(0, 4, 1).check(), "");
    EXPECT_THROW(Cache(geometry(k64K, 12, 1)), std::invalid_argument);
}

TEST(CacheGeometry, RejectsLinesShorterThanAWord) {
    EXPECT_NE(geometry(k64K, 2, 1).check(), "");
}

TEST(CacheGeometry, RejectsASetLargerThanTheCache) {
    EXPECT_NE(geometry(64, 16, 8).check(), "");  // one set would need 128 bytes
    EXPECT_EQ(geometry(64, 16, 4).check(), "");  // exactly one set: fully associative
}

TEST(CacheRead, GivenColdCacheWhenReadTwiceThenMissThenHit) {
    Cache cache(decstation());
    EXPECT_FALSE(cache.access(0x1000));
    EXPECT_TRUE(cache.access(0x1000));
    EXPECT_EQ(cache.stats().read_misses, 1u);
    EXPECT_EQ(cache.stats().read_hits, 1u);
}

TEST(CacheRead, BytesOfOneLineShareIt) {
    Cache cache(geometry(k64K, 16, 1));
    EXPECT_FALSE(cache.access(0x2000));
    EXPECT_TRUE(cache.access(0x2001));
    EXPECT_TRUE(cache.access(0x200c));
    EXPECT_FALSE(cache.access(0x2010));  // next 16-byte line
}

TEST(CacheRead, NeighbouringWordsOfOneWordLinesAreSeparateLines) {
    Cache cache(decstation());
    EXPECT_FALSE(cache.access(0x2000));
    EXPECT_FALSE(cache.access(0x2004));
    EXPECT_TRUE(cache.access(0x2000));
    EXPECT_TRUE(cache.access(0x2004));
}

TEST(CacheRead, DirectMappedConflictEvictsPreviousLine) {
    // 0x00010 and 0x10010 are 64 KB apart: same index, different tag.
    Cache cache(decstation());
    EXPECT_FALSE(cache.access(0x00010));
    EXPECT_FALSE(cache.access(0x10010));  // replaces the first
    EXPECT_FALSE(cache.access(0x00010));  // so this misses again, and replaces the second
    EXPECT_FALSE(cache.access(0x10010));
    EXPECT_EQ(cache.stats().read_misses, 4u);
    EXPECT_EQ(cache.stats().read_hits, 0u);
}

TEST(CacheRead, AddressesAtDifferentIndexesDoNotConflict) {
    Cache cache(decstation());
    cache.access(0x00010);
    cache.access(0x1fff0);  // index 0xfff0 / 4, not 0x10 / 4
    EXPECT_TRUE(cache.access(0x00010));
    EXPECT_TRUE(cache.access(0x1fff0));
}

TEST(CacheRead, HighPhysicalAddressesIndexAndTagLikeLowOnes) {
    Cache cache(decstation());
    EXPECT_FALSE(cache.access(0xfffffffcu));
    EXPECT_TRUE(cache.access(0xfffffffcu));
    EXPECT_FALSE(cache.access(0x0000fffcu));  // same index, tag 0
    EXPECT_FALSE(cache.access(0xfffffffcu));
}

TEST(CacheLru, TwoWaySetKeepsTheMostRecentlyUsedLine) {
    // 2 ways of 4-byte lines in 64 bytes: 8 sets, so lines 32 bytes apart share set 0.
    Cache cache(geometry(64, 4, 2));
    const uint32_t a = 0x00, b = 0x20, c = 0x40;
    cache.access(a);
    cache.access(b);
    EXPECT_TRUE(cache.access(a));   // a is now the most recent, b the least
    EXPECT_FALSE(cache.access(c));  // evicts b
    EXPECT_TRUE(cache.access(a));
    EXPECT_TRUE(cache.access(c));
    EXPECT_FALSE(cache.access(b));
}

TEST(CacheLru, FourWaySetEvictsInLeastRecentlyUsedOrder) {
    Cache cache(geometry(64, 4, 4));  // 4 sets: lines 16 bytes apart share set 0
    for (uint32_t i = 0; i < 4; ++i) cache.access(i * 16);  // ways hold 0,16,32,48; LRU = 0
    cache.access(0);                                         // LRU is now 16
    EXPECT_FALSE(cache.access(64));                          // evicts 16
    EXPECT_FALSE(cache.contains(16));
    EXPECT_TRUE(cache.contains(0));
    EXPECT_TRUE(cache.contains(32));
    EXPECT_TRUE(cache.contains(48));
    EXPECT_TRUE(cache.contains(64));
}

TEST(CacheLru, InvalidatedWayIsRefilledBeforeAValidOne) {
    Cache cache(geometry(64, 4, 2));
    cache.access(0x00);
    cache.access(0x20);  // the set is full; 0x00 is LRU
    cache.invalidate(0x20);
    EXPECT_FALSE(cache.access(0x40));  // takes the invalidated way, not 0x00's
    EXPECT_TRUE(cache.access(0x00));
    EXPECT_TRUE(cache.access(0x40));
}

TEST(CacheLru, FullyAssociativeCacheHoldsOneLinePerWay) {
    Cache cache(geometry(64, 16, 4));  // one set of four 16-byte lines
    for (uint32_t i = 0; i < 4; ++i) EXPECT_FALSE(cache.access(i * 0x1000));
    for (uint32_t i = 0; i < 4; ++i) EXPECT_TRUE(cache.access(i * 0x1000));
    EXPECT_FALSE(cache.access(0x4000));  // a fifth line evicts the LRU, 0x0000
    EXPECT_FALSE(cache.contains(0x0000));
}

TEST(CacheWrite, WriteHitUpdatesTheLineWhichStaysValid) {
    Cache cache(decstation());
    cache.access(0x3000);
    EXPECT_TRUE(cache.write(0x3000, 1));
    EXPECT_TRUE(cache.write(0x3000, 4));
    EXPECT_TRUE(cache.access(0x3000));
    EXPECT_EQ(cache.stats().write_hits, 2u);
    EXPECT_EQ(cache.stats().write_misses, 0u);
}

TEST(CacheWrite, WriteHitMakesTheLineMostRecentlyUsed) {
    Cache cache(geometry(64, 4, 2));
    cache.access(0x00);
    cache.access(0x20);              // LRU: 0x00
    EXPECT_TRUE(cache.write(0x00, 4));  // LRU: 0x20
    cache.access(0x40);              // evicts 0x20
    EXPECT_TRUE(cache.contains(0x00));
    EXPECT_FALSE(cache.contains(0x20));
}

TEST(CacheWrite, WriteMissDoesNotAllocate) {
    Cache cache(geometry(k64K, 4, 1, WriteMiss::NoAllocate));
    cache.access(0x00020);                    // resident line at that index
    EXPECT_FALSE(cache.write(0x10020, 4));    // same index, other tag: a miss, even for a word
    EXPECT_FALSE(cache.contains(0x10020));    // not allocated
    EXPECT_TRUE(cache.access(0x00020));       // and the resident line is untouched
    EXPECT_FALSE(cache.access(0x10020));      // the next read of it misses
    EXPECT_EQ(cache.stats().write_misses, 1u);
    EXPECT_EQ(cache.stats().write_allocations, 0u);
}

TEST(CacheWrite, R3000WordStoreMissWritesItsOneWordLineWithoutAFetch) {
    Cache cache(decstation());
    cache.access(0x00020);
    EXPECT_FALSE(cache.write(0x10020, 4));  // reported as a miss (no memory read is implied)
    EXPECT_TRUE(cache.contains(0x10020));   // but the word now owns the line...
    EXPECT_FALSE(cache.contains(0x00020));  // ...and the previous line is gone
    EXPECT_TRUE(cache.access(0x10020));
    EXPECT_EQ(cache.stats().write_allocations, 1u);
    EXPECT_EQ(cache.stats().read_misses, 1u);  // only the first read fetched
}

TEST(CacheWrite, R3000PartialWordStoreMissLeavesTheCacheAlone) {
    Cache cache(decstation());
    cache.access(0x00020);
    EXPECT_FALSE(cache.write(0x10021, 1));  // byte store, same index, other tag
    EXPECT_FALSE(cache.write(0x10022, 2));  // halfword store
    EXPECT_TRUE(cache.contains(0x00020));
    EXPECT_FALSE(cache.contains(0x10020));
    EXPECT_EQ(cache.stats().write_allocations, 0u);
}

TEST(CacheWrite, WordStoreMissDoesNotAllocateALongerLine) {
    // A word cannot fill a 16-byte line without a fetch, so AllocateFullLine acts as NoAllocate.
    Cache cache(geometry(k64K, 16, 1, WriteMiss::AllocateFullLine));
    EXPECT_FALSE(cache.write(0x4000, 4));
    EXPECT_FALSE(cache.contains(0x4000));
}

TEST(CacheInvalidate, InvalidatedLineMissesOnTheNextRead) {
    Cache cache(decstation());
    cache.access(0x5000);
    cache.invalidate(0x5000);
    EXPECT_FALSE(cache.contains(0x5000));
    EXPECT_FALSE(cache.access(0x5000));
}

TEST(CacheInvalidate, InvalidatingAnAbsentLineLeavesTheResidentOneAtThatIndex) {
    Cache cache(decstation());
    cache.access(0x05000);
    cache.invalidate(0x15000);  // same index, different tag
    EXPECT_TRUE(cache.access(0x05000));
}

TEST(CacheInvalidate, FlushEmptiesTheCacheAndKeepsTheCounters) {
    Cache cache(decstation());
    for (uint32_t pa = 0; pa < 0x100; pa += 4) cache.access(pa);
    cache.flush();
    for (uint32_t pa = 0; pa < 0x100; pa += 4) EXPECT_FALSE(cache.contains(pa));
    EXPECT_EQ(cache.stats().read_misses, 64u);  // 0x100 / 4 reads before the flush
}

TEST(CacheCounters, ContainsChangesNeitherCountersNorLruOrder) {
    Cache cache(geometry(64, 4, 2));
    cache.access(0x00);
    cache.access(0x20);  // LRU: 0x00
    const CacheStats before = cache.stats();
    EXPECT_TRUE(cache.contains(0x00));  // must not make 0x00 most recent
    cache.access(0x40);                 // so this still evicts 0x00
    EXPECT_FALSE(cache.contains(0x00));
    EXPECT_EQ(cache.stats().read_hits, before.read_hits);
    EXPECT_EQ(cache.stats().read_misses, before.read_misses + 1);
}

TEST(CacheCounters, ResetStatsClearsCountersButNotContents) {
    Cache cache(decstation());
    cache.access(0x10);
    cache.write(0x10, 4);
    cache.reset_stats();
    EXPECT_EQ(cache.stats().read_misses, 0u);
    EXPECT_EQ(cache.stats().write_hits, 0u);
    EXPECT_TRUE(cache.access(0x10));
}

TEST(CacheCounters, SequentialSweepOfTwiceTheCacheMissesEveryWordBothTimes) {
    // 128 KB of words through a 64 KB direct-mapped cache: each word evicts the one 64 KB
    // earlier, so the second pass finds none of them.
    Cache cache(decstation());
    for (int pass = 0; pass < 2; ++pass)
        for (uint32_t pa = 0; pa < 2 * k64K; pa += 4) cache.access(pa);
    EXPECT_EQ(cache.stats().read_hits, 0u);
    EXPECT_EQ(cache.stats().read_misses, 2u * 2 * k64K / 4);
}

TEST(CacheCounters, WorkingSetThatFitsHitsAfterTheFirstPass) {
    Cache cache(decstation());
    for (int pass = 0; pass < 3; ++pass)
        for (uint32_t pa = 0; pa < k64K; pa += 4) cache.access(pa);
    EXPECT_EQ(cache.stats().read_misses, k64K / 4);      // first pass only
    EXPECT_EQ(cache.stats().read_hits, 2u * k64K / 4);   // passes two and three
}

}  // namespace
}  // namespace vmsim::r3000
