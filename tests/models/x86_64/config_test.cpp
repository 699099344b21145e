// MmuConfig::check(): a configuration the structures cannot be built from is one sentence naming
// the field, before any Mmu exists; the presets' sizes from ../shared/reference/x86.md pass.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "tests/models/x86_64/machine.hpp"

namespace vmsim::x86::test {
namespace {

using ::testing::HasSubstr;

std::string problem_with(void (*change)(MmuConfig&)) {
    MmuConfig c;
    change(c);
    return c.check();
}

TEST(MmuConfigCheck, TheSkylakeDefaultsAreUsable) { EXPECT_EQ(MmuConfig{}.check(), ""); }

TEST(MmuConfigCheck, EntriesNotDivisibleByWaysNameTheStructure) {
    const std::string p = problem_with([](MmuConfig& c) { c.dtlb_4k = TlbConfig{96, 5}; });
    EXPECT_THAT(p, HasSubstr("dtlb_4k.entries (96)"));
    EXPECT_THAT(p, HasSubstr("dtlb_4k.ways (5)"));
}

TEST(MmuConfigCheck, TheNumberOfSetsMustBeAPowerOfTwo) {
    EXPECT_THAT(problem_with([](MmuConfig& c) { c.stlb = TlbConfig{1536, 16}; }),
                HasSubstr("stlb.entries / stlb.ways must be a power of two (the number of sets), got 96"));
}

TEST(MmuConfigCheck, TreePlruNeedsAPowerOfTwoNumberOfWays) {
    // Skylake's 12-way STLB is fine under LRU, not under tree-PLRU.
    const std::string p = problem_with([](MmuConfig& c) { c.stlb.replacement = common::Replacement::TreePlru; });
    EXPECT_THAT(p, HasSubstr("stlb:"));
    EXPECT_THAT(p, HasSubstr("got 12"));
}

TEST(MmuConfigCheck, ZeroWaysIsRefusedForAStructureThatExists) {
    EXPECT_EQ(problem_with([](MmuConfig& c) { c.psc_pde = TlbConfig{32, 0}; }), "psc_pde.ways must be at least 1");
    EXPECT_EQ(problem_with([](MmuConfig& c) { c.psc_pml5e = TlbConfig{0, 0}; }), "");  // absent: no geometry
}

TEST(MmuConfigCheck, MaxPhysAddrAndWalkersHaveRanges) {
    EXPECT_THAT(problem_with([](MmuConfig& c) { c.max_phys_addr_bits = 53; }), HasSubstr("max_phys_addr_bits"));
    EXPECT_THAT(problem_with([](MmuConfig& c) { c.max_phys_addr_bits = 31; }), HasSubstr("max_phys_addr_bits"));
    EXPECT_THAT(problem_with([](MmuConfig& c) { c.walkers = 0; }), HasSubstr("walkers"));
}

TEST(MmuConfigCheck, OneGigabytePagesCannotLiveInBothSecondLevelStructures) {
    EXPECT_THAT(problem_with([](MmuConfig& c) { c.stlb_holds_1g = true; }), HasSubstr("stlb_holds_1g"));
}

TEST(MmuConfigCheck, ProblemsAreOneLine) {
    const std::string p = problem_with([](MmuConfig& c) { c.itlb_4k = TlbConfig{100, 8}; });
    ASSERT_FALSE(p.empty());
    EXPECT_EQ(p.find('\n'), std::string::npos);
}

TEST(MmuConfigCheck, TheMmuRefusesAnUnusableConfigurationWithTheSentence) {
    MmuConfig c;
    c.dtlb_2m = TlbConfig{30, 4};
    FlatRam ram(4096);
    common::CacheHierarchy caches{common::CacheHierarchyConfig{}};
    try {
        Mmu mmu(c, ram, caches);
        FAIL() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_EQ(std::string(e.what()), c.check());
    }
}

TEST(MmuConfigCheck, ThePresetSizesOfTheReferenceSheetAreUsable) {
    MmuConfig pentium = no_caching();  // P5: I 32/4 (4K), D 64/4 (4K) + 8/4 (4M), nothing else
    pentium.itlb_4k = TlbConfig{32, 4};
    pentium.dtlb_4k = TlbConfig{64, 4};
    pentium.dtlb_2m = TlbConfig{8, 4};
    pentium.max_phys_addr_bits = 32;
    EXPECT_EQ(pentium.check(), "");
    MmuConfig golden_cove;  // D 4K 96/6, 2M 32/4, 1G 8; I 256; STLB 2048/16 all sizes; 4 walkers
    golden_cove.dtlb_4k = TlbConfig{96, 6};
    golden_cove.dtlb_1g = TlbConfig{8, 8};
    golden_cove.itlb_4k = TlbConfig{256, 8};
    golden_cove.stlb = TlbConfig{2048, 16};
    golden_cove.stlb_holds_1g = true;
    golden_cove.stlb_1g = TlbConfig{};
    golden_cove.walkers = 4;
    EXPECT_EQ(golden_cove.check(), "");
}

}  // namespace
}  // namespace vmsim::x86::test
