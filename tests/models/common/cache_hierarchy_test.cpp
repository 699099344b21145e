// The data-cache latency model (models/common/cache_hierarchy.hpp): which level serves an access,
// the latency of that level, fills on the way back, absent levels, counters and the configuration
// checks. Latencies are the configured ones.
#include <gtest/gtest.h>
#include <gmock/gmock.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/common/cache_hierarchy.hpp"

namespace vmsim::common {
namespace {

using ::testing::HasSubstr;

CacheHierarchyConfig small() {
    CacheHierarchyConfig c;
    c.l1d = CacheLevelConfig{64, 1, 2};  // one line
    c.l2 = CacheLevelConfig{1024, 2, 10};
    c.l3 = CacheLevelConfig{4096, 4, 30};
    c.memory_cycles = 100;
    return c;
}

TEST(CacheHierarchy, AColdLineComesFromMemoryAndFillsEveryLevel) {
    CacheHierarchy h(small());
    const auto a = h.access(0x1000);
    EXPECT_EQ(a.level, CacheLevel::Memory);
    EXPECT_EQ(a.cycles, 100u);
    EXPECT_TRUE(h.contains(CacheLevel::L1, 0x1000));
    EXPECT_TRUE(h.contains(CacheLevel::L2, 0x1020));  // same 64-byte line
    EXPECT_TRUE(h.contains(CacheLevel::L3, 0x1000));
}

TEST(CacheHierarchy, TheLatencyIsThatOfTheLevelThatHoldsTheLine) {
    CacheHierarchy h(small());
    h.access(0x1000);
    EXPECT_EQ(h.access(0x1008).cycles, 2u);
    h.access(0x2000);  // evicts 0x1000 from the one-line L1
    const auto a = h.access(0x1000);
    EXPECT_EQ(a.level, CacheLevel::L2);
    EXPECT_EQ(a.cycles, 10u);
    EXPECT_TRUE(h.contains(CacheLevel::L1, 0x1000));  // filled on the way back
}

TEST(CacheHierarchy, ALevelOfSizeZeroDoesNotExist) {
    CacheHierarchyConfig c = small();
    c.l2.size = 0;
    CacheHierarchy h(c);
    h.access(0x1000);
    h.access(0x2000);
    const auto a = h.access(0x1000);
    EXPECT_EQ(a.level, CacheLevel::L3);
    EXPECT_EQ(a.cycles, 30u);
    EXPECT_FALSE(h.contains(CacheLevel::L2, 0x1000));
}

TEST(CacheHierarchy, AnAccessFromTheL2NeitherLooksUpNorFillsTheL1) {
    CacheHierarchy h(small());
    h.access(0x1000);  // in every level
    const auto a = h.access_from(CacheLevel::L2, 0x1000);
    EXPECT_EQ(a.level, CacheLevel::L2);  // though the L1 holds it
    EXPECT_EQ(a.cycles, 10u);
    const auto b = h.access_from(CacheLevel::L2, 0x3000);
    EXPECT_EQ(b.level, CacheLevel::Memory);
    EXPECT_FALSE(h.contains(CacheLevel::L1, 0x3000));
    EXPECT_TRUE(h.contains(CacheLevel::L2, 0x3000));
    EXPECT_TRUE(h.contains(CacheLevel::L1, 0x1000));  // the one-line L1 kept its line
    EXPECT_EQ(h.stats().misses[0], 1u);              // only the first access looked the L1 up
}

TEST(CacheHierarchy, CountsWhatEachLevelServedAndMissed) {
    CacheHierarchy h(small());
    h.access(0x1000);  // memory
    h.access(0x1000);  // L1
    h.access(0x2000);  // memory
    h.access(0x1000);  // L2
    const CacheHierarchyStats& s = h.stats();
    EXPECT_EQ(s.served[0], 1u);
    EXPECT_EQ(s.served[1], 1u);
    EXPECT_EQ(s.served[3], 2u);
    EXPECT_EQ(s.misses[0], 3u);
    EXPECT_EQ(s.misses[1], 2u);
    EXPECT_EQ(s.misses[2], 2u);
    bool listed = false;
    for (const StatEntry& e : s.list())
        if (e.name == "memory.accesses") listed = e.value == 2;
    EXPECT_TRUE(listed);
}

TEST(CacheHierarchy, FlushEmptiesEveryLevel) {
    CacheHierarchy h(small());
    h.access(0x1000);
    h.flush();
    EXPECT_EQ(h.access(0x1000).level, CacheLevel::Memory);
}

TEST(CacheHierarchyConfig, TheSkylakeDefaultsAreUsable) { EXPECT_EQ(CacheHierarchyConfig{}.check(), ""); }

TEST(CacheHierarchyConfig, ProblemsNameTheLevelAndField) {
    CacheHierarchyConfig c;
    c.l2.size = 300 * 1024;  // 1200 sets of 4 x 64 bytes: not a power of two
    EXPECT_THAT(c.check(), HasSubstr("l2.size / (l2.ways x line)"));
    c = CacheHierarchyConfig{};
    c.l3.size = 1000;
    EXPECT_THAT(c.check(), HasSubstr("l3.size 1000 is not a multiple of l3.ways x line"));
    c = CacheHierarchyConfig{};
    c.l1d.ways = 0;
    EXPECT_EQ(c.check(), "l1d.ways must be at least 1");
    c = CacheHierarchyConfig{};
    c.l2 = CacheLevelConfig{12 * 64 * 16, 12, 12, Replacement::TreePlru};
    EXPECT_THAT(c.check(), HasSubstr("l2: tree-PLRU"));
    c = CacheHierarchyConfig{};
    c.line = 48;
    EXPECT_THAT(c.check(), HasSubstr("line"));
}

// The Skylake geometry (8, 4 and 16 ways) takes the path compiled for it, whose levels past the
// first do not keep their most recent line in way 0. Against a list per set and level (first in
// order first; Lru moves a hit first, Fifo does not; a miss fills first and drops the last), on a
// seeded stream over four sets of every level and 40 lines each, so that every level hits and
// evicts: the level that served each access, its latency, the counters and what each level holds
// must agree. Every level Lru (the path that does not test the policy on a hit), every level Fifo,
// and the two mixed (the path that tests each level's). With every level Lru, every other access
// goes through the inline copy of that path (access_lru_8_4_16, the page walk's and the x86
// core's), which no other geometry offers.
TEST(CacheHierarchy, TheCompiledSkylakeGeometryFollowsAListModelOfEachLevel) {
    constexpr Replacement kLru = Replacement::Lru, kFifo = Replacement::Fifo;
    const Replacement policies[][3] = {{kLru, kLru, kLru}, {kFifo, kFifo, kFifo}, {kLru, kFifo, kLru}, {kFifo, kLru, kFifo}};
    for (const auto& policy : policies) {
        CacheHierarchyConfig c;  // the Skylake defaults: 64, 1024 and 8192 sets
        c.l1d.replacement = policy[0];
        c.l2.replacement = policy[1];
        c.l3.replacement = policy[2];
        c.memory_cycles = 177;  // unlike every level's
        CacheHierarchy h(c);
        const bool all_lru = policy[0] == kLru && policy[1] == kLru && policy[2] == kLru;
        EXPECT_EQ(h.compiled_lru_8_4_16(), all_lru);
        const CacheLevelConfig* levels[3] = {&c.l1d, &c.l2, &c.l3};
        std::vector<std::vector<uint64_t>> model[3];  // [level][set]: line numbers
        for (unsigned l = 0; l < 3; ++l) model[l].resize(levels[l]->size / (c.line * levels[l]->ways));
        CacheHierarchyStats expected;
        XorShift64 rng(static_cast<unsigned>(policy[0]) * 4 + static_cast<unsigned>(policy[1]) + 1);
        for (int i = 0; i < 50000; ++i) {
            const uint64_t line = rng.below(40) * 8192 + rng.below(4);  // set = line % sets at each level
            unsigned served = 3;
            for (unsigned l = 0; l < 3 && served == 3; ++l) {
                std::vector<uint64_t>& list = model[l][line % model[l].size()];
                auto it = std::find(list.begin(), list.end(), line);
                if (it != list.end()) {
                    if (policy[l] == kLru) std::rotate(list.begin(), it, it + 1);
                    served = l;
                } else {
                    if (list.size() == levels[l]->ways) list.pop_back();
                    list.insert(list.begin(), line);
                    ++expected.misses[l];
                }
            }
            ++expected.served[served];
            const CacheHierarchy::Access a =
                all_lru && i % 2 ? h.access_lru_8_4_16(line * c.line) : h.access(line * c.line);
            ASSERT_EQ(static_cast<unsigned>(a.level), served) << "access " << i;
            ASSERT_EQ(a.cycles, served == 3 ? c.memory_cycles : levels[served]->hit_cycles) << "access " << i;
        }
        EXPECT_EQ(h.stats().served, expected.served);
        EXPECT_EQ(h.stats().misses, expected.misses);
        for (unsigned l = 0; l < 3; ++l)
            for (const auto& list : model[l])
                for (uint64_t line : list) EXPECT_TRUE(h.contains(static_cast<CacheLevel>(l), line * c.line));
    }
}

TEST(CacheHierarchyConfig, TheHierarchyRefusesAnUnusableConfiguration) {
    CacheHierarchyConfig c;
    c.l1d.size = 1000;
    EXPECT_THROW(CacheHierarchy h(c), std::invalid_argument);
}

}  // namespace
}  // namespace vmsim::common
