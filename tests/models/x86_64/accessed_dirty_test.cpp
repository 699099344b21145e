// Accessed and dirty flags (SDM Vol. 3A 4.8): the walker sets A in every entry it uses and D in the
// entry that maps the page on the first write. gem5's x86 walker never sets D and ChampSim has no
// A/D at all; these tests pin the architecture's rules, including the one a TLB must keep: an
// entry filled by a read (D = 0) cannot satisfy a write without walking again.
#include <gtest/gtest.h>

#include "tests/models/x86_64/machine.hpp"

namespace vmsim::x86::test {
namespace {

constexpr uint64_t kLa = 0x7000401000, kPa = 0x00555000;

TEST(AccessedDirty, AReadSetsAccessedInEveryLevelAndDirtyInNone) {
    Machine m;
    m.pt.map(kLa, kPa, K4);
    m.enable();
    ASSERT_TRUE(m.read(kLa).ok());
    for (unsigned level = 1; level <= 4; ++level) {
        EXPECT_NE(m.pt.read(m.pt.entry(kLa, level)) & A, 0u) << "level " << level;
        EXPECT_EQ(m.pt.read(m.pt.entry(kLa, level)) & D, 0u) << "level " << level;
    }
    EXPECT_EQ(m.mmu.stats().a_set, 4u);
    EXPECT_EQ(m.mmu.stats().d_set, 0u);
}

TEST(AccessedDirty, AWriteSetsDirtyInTheLeafOnly) {
    Machine m;
    m.pt.map(kLa, kPa, K4);
    m.enable();
    ASSERT_TRUE(m.write(kLa).ok());
    EXPECT_EQ(m.pt.read(m.pt.entry(kLa, 1)) & (A | D), A | D);
    for (unsigned level = 2; level <= 4; ++level) EXPECT_EQ(m.pt.read(m.pt.entry(kLa, level)) & D, 0u);
}

TEST(AccessedDirty, AnEntryFilledByAReadWalksAgainOnTheFirstWriteAndSetsDirty) {
    Machine m;
    m.pt.map(kLa, kPa, K4);
    m.enable();
    ASSERT_TRUE(m.read(kLa).ok());
    ASSERT_EQ(m.pt.read(m.pt.entry(kLa, 1)) & D, 0u);
    ASSERT_TRUE(m.read(kLa).ok());
    EXPECT_EQ(m.mmu.stats().walks, 1u);  // the second read hit

    const Translation w = m.write(kLa);
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(w.pa, kPa);
    EXPECT_NE(m.pt.read(m.pt.entry(kLa, 1)) & D, 0u);
    EXPECT_EQ(m.mmu.stats().walks, 2u);
    EXPECT_EQ(m.mmu.stats().dirty_rewalks, 1u);

    ASSERT_TRUE(m.write(kLa).ok());  // now cached dirty: a hit
    EXPECT_EQ(m.mmu.stats().walks, 2u);
}

TEST(AccessedDirty, AnEntryFilledWhileDirtyServesWritesWithoutAWalk) {
    Machine m;
    m.pt.map(kLa, kPa, K4, P | RW | US | D);
    m.enable();
    ASSERT_TRUE(m.read(kLa).ok());
    ASSERT_TRUE(m.write(kLa).ok());
    EXPECT_EQ(m.mmu.stats().walks, 1u);
    EXPECT_EQ(m.mmu.stats().dirty_rewalks, 0u);
}

TEST(AccessedDirty, TheDirtyRewalkReadsThePageTablesAsTheyAreNow) {
    Machine m;
    const uint64_t pte = m.pt.map(kLa, kPa, K4);
    m.enable();
    ASSERT_TRUE(m.read(kLa).ok());
    m.pt.clear(pte, P);  // unmapped, without INVLPG
    EXPECT_TRUE(m.read(kLa).ok());  // the stale entry still serves reads
    const Translation w = m.write(kLa);
    EXPECT_EQ(w.fault, Fault::Page);
    EXPECT_EQ(w.error_code, EC_W);  // not present
    EXPECT_EQ(m.pt.read(pte) & D, 0u);
}

TEST(AccessedDirty, TheDirtyBitOfALargePageIsInTheEntryThatMapsIt) {
    Machine m;
    const uint64_t pde = m.pt.map(0x40000000, 0x600000, M2);
    const uint64_t pdpte = m.pt.map(0x80000000, 0x40000000, G1);
    m.enable();
    ASSERT_TRUE(m.write(0x40001000).ok());
    ASSERT_TRUE(m.write(0x80001000).ok());
    EXPECT_EQ(m.pt.read(pde) & (A | D), A | D);
    EXPECT_EQ(m.pt.read(pdpte) & (A | D), A | D);
    EXPECT_EQ(m.pt.read(m.pt.entry(0x40000000, 3)) & D, 0u);  // the PDPTE above the 2 MB page
}

TEST(AccessedDirty, LegacyFourMegabytePagesKeepDirtyInThePde) {
    Machine m(MmuConfig{}, Format::Legacy);
    const uint64_t pde = m.pt.map(0x00800000, 0x01c00000, M4);
    m.enable();
    ASSERT_TRUE(m.write(0x00812345).ok());
    EXPECT_EQ(m.pt.read(pde) & (A | D), A | D);
}

TEST(AccessedDirty, LegacyWritesTouchOnlyTheFourBytesOfTheEntry) {
    Machine m(MmuConfig{}, Format::Legacy);
    const uint64_t pte = m.pt.map(0x00401000, 0x00777000, K4);
    m.pt.write(pte + 4, 0xdeadb000);  // the next PTE, not present
    m.pt.write(pte - 4, 0xbeef0000);  // the previous PTE, not present
    m.enable();
    ASSERT_TRUE(m.write(0x00401000).ok());
    EXPECT_EQ(m.pt.read(pte) & (A | D), A | D);
    EXPECT_EQ(m.pt.read(pte + 4), 0xdeadb000u);
    EXPECT_EQ(m.pt.read(pte - 4), 0xbeef0000u);
}

TEST(AccessedDirty, AProtectionFaultSetsAccessedInTheTablesButNotInTheLeaf) {
    Machine m;
    const uint64_t pte = m.pt.map(kLa, kPa, K4, P | RW);  // supervisor page
    m.enable();
    ASSERT_EQ(m.read(kLa, Privilege::User).fault, Fault::Page);
    EXPECT_EQ(m.pt.read(pte) & A, 0u);
    for (unsigned level = 2; level <= 4; ++level) EXPECT_NE(m.pt.read(m.pt.entry(kLa, level)) & A, 0u);
}

TEST(AccessedDirty, AProtectionFaultOnAWriteNeverSetsDirty) {
    Machine m;
    const uint64_t pte = m.pt.map(kLa, kPa, K4, P | US);
    m.enable();
    ASSERT_EQ(m.write(kLa, Privilege::User).fault, Fault::Page);
    EXPECT_EQ(m.pt.read(pte) & D, 0u);
}

TEST(AccessedDirty, ANotPresentPageLeavesTheTablesAboveItAccessed) {
    Machine m;
    const uint64_t pte = m.pt.map(kLa, kPa, K4);
    m.pt.clear(pte, P);
    m.enable();
    ASSERT_EQ(m.read(kLa).fault, Fault::Page);
    for (unsigned level = 2; level <= 4; ++level) EXPECT_NE(m.pt.read(m.pt.entry(kLa, level)) & A, 0u);
}

TEST(AccessedDirty, FlagsAlreadySetAreNotWrittenAgain) {
    Machine m;
    m.pt.map(kLa, kPa, K4, P | RW | US | A, /*table=*/P | RW | US | A);
    m.enable();
    ASSERT_TRUE(m.read(kLa).ok());
    EXPECT_EQ(m.mmu.stats().entry_writes, 0u);
    ASSERT_TRUE(m.write(kLa).ok());
    EXPECT_EQ(m.mmu.stats().entry_writes, 1u);
    EXPECT_EQ(m.mmu.stats().d_set, 1u);
    EXPECT_EQ(m.mmu.stats().a_set, 0u);
}

TEST(AccessedDirty, EachFlagWriteCostsADataCacheAccess) {
    // Two walks identical but for the A bits: the one that sets A in four entries pays four writes,
    // each an L1D hit (the line was just read).
    MmuConfig c = no_caching();
    Machine clean(c), accessed(c);
    clean.pt.map(kLa, kPa, K4);
    accessed.pt.map(kLa, kPa, K4, P | RW | US | A, P | RW | US | A);
    clean.enable();
    accessed.enable();
    const Translation a = clean.read(kLa), b = accessed.read(kLa);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a.cycles - b.cycles, 4 * clean.caches.config().l1d.hit_cycles);
}

}  // namespace
}  // namespace vmsim::x86::test
