// SawMill's region map and flexpage split (vmlib/sawmill/common), compiled for
// the host: how a range becomes flexpages on both sides of a map, where attach
// places a dataspace, how lookups and per-page protection answer.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "flexpages.h"
#include "regionmap.h"

namespace {

std::vector<std::pair<uint32_t, uint32_t>> split(uint32_t first, uint32_t other, uint32_t npages) {
    sm_flexpage out[256];
    const unsigned n = sm_flexpages(first, other, npages, out, 256);
    std::vector<std::pair<uint32_t, uint32_t>> blocks;
    for (unsigned i = 0; i < n && i < 256; i++) blocks.emplace_back(out[i].page, 1u << out[i].order);
    return blocks;
}

TEST(SawmillFlexpages, HundredAlignedPagesAreSixtyFourThirtyTwoAndFour) {
    // seed 001, section 5: "three superpages of 64, 32, and 4 machine-size pages"
    const auto blocks = split(0x10000000u >> 12, 0, 100);
    const std::vector<std::pair<uint32_t, uint32_t>> expected{{0, 64}, {64, 32}, {96, 4}};
    EXPECT_EQ(blocks, expected);
}

TEST(SawmillFlexpages, EveryBlockIsAlignedInBothNumberingsAndTheBlocksTileTheRange) {
    for (uint32_t first : {0u, 1u, 3u, 64u, 100u, 1000u})
        for (uint32_t other : {0u, 2u, 5u, 128u})
            for (uint32_t n : {1u, 2u, 7u, 100u, 129u}) {
                uint32_t next = 0;
                for (const auto& [page, size] : split(first, other, n)) {
                    EXPECT_EQ(page, next);
                    EXPECT_EQ((first + page) % size, 0u) << first << " " << other << " " << n;
                    EXPECT_EQ((other + page) % size, 0u) << first << " " << other << " " << n;
                    next = page + size;
                }
                EXPECT_EQ(next, n);
            }
}

TEST(SawmillFlexpages, ALessAlignedOtherSideSplitsFiner) {
    // client at a 64-page boundary, manager offset only 4-page aligned: blocks of 4
    const auto blocks = split(64, 4, 12);
    const std::vector<std::pair<uint32_t, uint32_t>> expected{{0, 4}, {4, 4}, {8, 4}};
    EXPECT_EQ(blocks, expected);
}

TEST(SawmillFlexpages, ReturnsTheCountNeededEvenWhenTheOutputIsShort) {
    sm_flexpage out[1];
    EXPECT_EQ(sm_flexpages(0, 0, 100, out, 1), 3u);
    EXPECT_EQ(out[0].order, 6u);
}

struct SawmillRegionMap : ::testing::Test {
    std::unique_ptr<sm_regionmap> m = std::make_unique<sm_regionmap>();
    void SetUp() override { sm_rm_init(m.get(), 0x10000000u, 0x20000000u); }
};

TEST_F(SawmillRegionMap, AttachAlignsARegionToItsSizeRoundedUpToAPowerOfTwo) {
    const uint32_t a = sm_rm_attach(m.get(), 0, 3, 7, 1, 0, SM_RIGHT_R);
    const uint32_t b = sm_rm_attach(m.get(), 0, 100, 7, 2, 0, SM_RIGHT_R | SM_RIGHT_W);
    EXPECT_EQ(a, 0x10000000u);
    EXPECT_EQ(b % (128u * 4096u), 0u);
    EXPECT_GE(b, a + 3 * 4096u);
}

TEST_F(SawmillRegionMap, LookupFindsTheRegionAndItsDataspaceOnlyInsideIt) {
    const uint32_t a = sm_rm_attach(m.get(), 0, 100, 9, 4, 0x3000, SM_RIGHT_R);
    ASSERT_NE(a, 0u);
    const sm_region* r = sm_rm_lookup(m.get(), a + 99 * 4096 + 17);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->manager, 9u);
    EXPECT_EQ(r->ds, 4u);
    EXPECT_EQ(r->offset, 0x3000u);
    EXPECT_EQ(sm_rm_lookup(m.get(), a + 100 * 4096), nullptr);
    EXPECT_EQ(sm_rm_lookup(m.get(), a - 1), nullptr);
}

TEST_F(SawmillRegionMap, AFixedAttachThatOverlapsIsRefusedAndDetachFreesTheRange) {
    ASSERT_EQ(sm_rm_attach(m.get(), 0x00400000u, 16, 1, 0, 0, SM_RIGHT_R), 0x00400000u);
    EXPECT_EQ(sm_rm_attach(m.get(), 0x0040f000u, 1, 1, 1, 0, SM_RIGHT_R), 0u);
    EXPECT_EQ(sm_rm_attach(m.get(), 0x00401001u, 1, 1, 1, 0, SM_RIGHT_R), 0u);
    EXPECT_EQ(sm_rm_detach(m.get(), 0x00400000u), 0);
    EXPECT_EQ(sm_rm_detach(m.get(), 0x00400000u), -1);
    EXPECT_EQ(sm_rm_attach(m.get(), 0x0040f000u, 1, 1, 1, 0, SM_RIGHT_R), 0x0040f000u);
}

TEST_F(SawmillRegionMap, RegionsStaySortedWhateverTheAttachOrder) {
    ASSERT_NE(sm_rm_attach(m.get(), 0x30000000u, 1, 1, 3, 0, SM_RIGHT_R), 0u);
    ASSERT_NE(sm_rm_attach(m.get(), 0x00400000u, 1, 1, 1, 0, SM_RIGHT_R), 0u);
    ASSERT_NE(sm_rm_attach(m.get(), 0, 1, 1, 2, 0, SM_RIGHT_R), 0u);
    for (uint32_t addr : {0x00400000u, 0x10000000u, 0x30000000u}) {
        const sm_region* r = sm_rm_lookup(m.get(), addr);
        ASSERT_NE(r, nullptr) << addr;
        EXPECT_EQ(r->start, addr);
    }
}

TEST_F(SawmillRegionMap, AttachFailsWhenTheAreaIsFull) {
    sm_rm_init(m.get(), 0x10000000u, 0x10004000u);  // 4 pages
    EXPECT_NE(sm_rm_attach(m.get(), 0, 4, 1, 0, 0, SM_RIGHT_R), 0u);
    EXPECT_EQ(sm_rm_attach(m.get(), 0, 1, 1, 0, 0, SM_RIGHT_R), 0u);
}

TEST_F(SawmillRegionMap, ProtectedPagesDenyEveryAccessUntilUnprotected) {
    const uint32_t a = sm_rm_attach(m.get(), 0, 100, 1, 0, 0, SM_RIGHT_R | SM_RIGHT_W);
    sm_region* r = sm_rm_lookup(m.get(), a);
    ASSERT_NE(r, nullptr);
    ASSERT_EQ(sm_rm_set_access(r, a + 4096, 2, 0), 0);
    EXPECT_TRUE(sm_rm_allows(r, a, 1));
    EXPECT_FALSE(sm_rm_allows(r, a + 4096, 0));
    EXPECT_FALSE(sm_rm_allows(r, a + 2 * 4096 + 8, 1));
    EXPECT_TRUE(sm_rm_allows(r, a + 3 * 4096, 0));
    ASSERT_EQ(sm_rm_set_access(r, a + 2 * 4096, 1, 1), 0);
    EXPECT_TRUE(sm_rm_allows(r, a + 2 * 4096, 1));
    EXPECT_FALSE(sm_rm_allows(r, a + 4096, 1));
}

TEST_F(SawmillRegionMap, ARegionOpenedReadOnlyRefusesWrites) {
    const uint32_t a = sm_rm_attach(m.get(), 0, 1, 1, 0, 0, SM_RIGHT_R);
    const sm_region* r = sm_rm_lookup(m.get(), a);
    EXPECT_TRUE(sm_rm_allows(r, a, 0));
    EXPECT_FALSE(sm_rm_allows(r, a, 1));
}

TEST_F(SawmillRegionMap, SetAccessRefusesARangeThatLeavesItsRegion) {
    const uint32_t a = sm_rm_attach(m.get(), 0, 4, 1, 0, 0, SM_RIGHT_R);
    sm_region* r = sm_rm_lookup(m.get(), a);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(sm_rm_set_access(r, a + 2 * 4096, 3, 0), -1);
    EXPECT_EQ(sm_rm_set_access(r, a - 4096, 1, 0), -1);
    EXPECT_EQ(sm_rm_set_access(r, a + 4 * 4096, 1, 0), -1);
    EXPECT_EQ(sm_rm_set_access(r, a, 0, 0), -1);
    EXPECT_EQ(sm_rm_set_access(r, a + 3 * 4096, 1, 0), 0);
}

}  // namespace
