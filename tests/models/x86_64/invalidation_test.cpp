// Invalidation (SDM Vol. 3A 4.10.4.1): INVLPG, MOV to CR3 with and without PCIDs (bit 63), MOV to
// CR4 and CR0, global pages, and the invalidation a page fault performs. ChampSim models none of
// these. Each test first shows the stale translation the TLB or a paging-structure cache keeps
// after software changed the tables, then the operation that must (or must not) remove it.
#include <gtest/gtest.h>

#include "tests/models/x86_64/machine.hpp"

namespace vmsim::x86::test {
namespace {

constexpr uint64_t kLa = 0x7000401000, kOld = 0x00555000, kNew = 0x00666000;
constexpr uint64_t kElsewhere = 0x5000;  // an address in another region, also mapped

// Points the PTE of `la` at `pa`, keeping its flags.
void remap(Machine& m, uint64_t la, uint64_t pa) {
    const uint64_t pte = m.pt.entry(la, 1);
    m.pt.write(pte, (m.pt.read(pte) & 0xfff) | pa);
}

void pcids_on(Machine& m) {
    ASSERT_TRUE(m.mmu.write_cr4(m.mmu.cr4() | CR4_PCIDE));
}

constexpr uint64_t kNoFlush = uint64_t{1} << 63;
constexpr uint64_t kNoPcid = ~uint64_t{0};

bool switch_to(Machine& m, uint64_t pcid, uint64_t flags = 0) {
    return m.mmu.write_cr3(m.pt.root() | pcid | flags);
}

// The common start: kLa mapped to kOld with `leaf` flags, paging on (with `cr4` bits), PCIDs on
// and `pcid` current unless kNoPcid, kLa translated once (so cached), then its PTE pointed at kNew
// without any invalidation.
void cached_then_remapped(Machine& m, uint64_t leaf = P | RW | US, uint64_t cr4 = 0, uint64_t pcid = kNoPcid) {
    m.pt.map(kLa, kOld, K4, leaf);
    m.enable(cr4);
    if (pcid != kNoPcid) {
        pcids_on(m);
        ASSERT_TRUE(switch_to(m, pcid));
    }
    ASSERT_EQ(m.read(kLa).pa, kOld);
    remap(m, kLa, kNew);
}

TEST(Invlpg, AStaleTranslationServesUntilInvlpg) {
    Machine m;
    cached_then_remapped(m);
    EXPECT_EQ(m.read(kLa).pa, kOld);
    m.mmu.invlpg(kLa + 0x123);
    EXPECT_EQ(m.read(kLa).pa, kNew);
}

TEST(Invlpg, DropsTheTranslationWhateverThePageSize) {
    Machine m;  // a 2 MB page sits in the 2 MB D-TLB and in the STLB
    const uint64_t pde = m.pt.map(0x40000000, 0x600000, M2);
    m.enable();
    ASSERT_EQ(m.read(0x40001000).pa, 0x601000u);
    m.pt.write(pde, (m.pt.read(pde) & 0xfff) | 0xa00000);
    EXPECT_EQ(m.read(0x40001000).pa, 0x601000u);
    m.mmu.invlpg(0x40123000);  // another 4 KB page of the same 2 MB page
    EXPECT_EQ(m.read(0x40001000).pa, 0xa01000u);
}

TEST(Invlpg, DropsEveryFracturedPieceOfALargePage) {
    // Without a 2 MB structure a 2 MB page is cached as 4 KB entries (SDM 4.10.2.3); INVLPG of any
    // address in the page must drop all of them (4.10.4.1).
    MmuConfig c;
    c.dtlb_2m = TlbConfig{};
    c.stlb_holds_2m = false;
    Machine m(c);
    const uint64_t pde = m.pt.map(0x40000000, 0x600000, M2);
    m.enable();
    ASSERT_EQ(m.read(0x40001000).pa, 0x601000u);
    ASSERT_EQ(m.read(0x40005000).pa, 0x605000u);
    m.pt.write(pde, (m.pt.read(pde) & 0xfff) | 0xa00000);
    EXPECT_EQ(m.read(0x40005000).pa, 0x605000u);  // stale: cached
    m.mmu.invlpg(0x40001000);
    EXPECT_EQ(m.read(0x40005000).pa, 0xa05000u);
}

// Maps kLa and kLa + 4 KB through one page table, reads kLa (caching the PDE), then points the PDE at
// a new page table in which kLa + 4 KB maps to kNew. Returns what a read of kLa + 4 KB then gives,
// after `between` ran.
template <typename F>
uint64_t after_pde_change(Machine& m, F between) {
    m.pt.map(kLa, kOld, K4);
    m.pt.map(kLa + K4, kOld + K4, K4);
    m.pt.map(kElsewhere, 0x9000, K4);
    m.enable();
    between(0);
    EXPECT_TRUE(m.read(kLa).ok());
    const uint64_t table = m.pt.alloc();
    m.pt.write(table + ((kLa + K4) >> 12 & 0x1ff) * 8, kNew | P | RW | US);
    const uint64_t pde = m.pt.entry(kLa, 2);
    m.pt.write(pde, (m.pt.read(pde) & 0xfff) | table);
    between(1);
    const Translation t = m.read(kLa + K4);
    EXPECT_TRUE(t.ok());
    return t.pa;
}

TEST(Invlpg, DropsPagingStructureCacheEntriesForEveryAddress) {
    Machine stale;
    EXPECT_EQ(after_pde_change(stale, [](int) {}), kOld + K4);  // the PDE cache kept the old table
    Machine m;
    EXPECT_EQ(after_pde_change(m, [&](int step) {
                  if (step == 1) m.mmu.invlpg(kElsewhere);
              }),
              kNew);
}

TEST(Invlpg, KeepsPagingStructureCacheEntriesOfOtherPcids) {
    Machine m;
    const uint64_t pa = after_pde_change(m, [&](int step) {
        if (step == 0) {
            pcids_on(m);
            ASSERT_TRUE(switch_to(m, 1));
        } else {
            ASSERT_TRUE(switch_to(m, 2));
            m.mmu.invlpg(kElsewhere);  // PCID 2's entries only
            ASSERT_TRUE(switch_to(m, 1, kNoFlush));
        }
    });
    EXPECT_EQ(pa, kOld + K4);
}

TEST(Invlpg, DropsAGlobalEntryForThePage) {
    Machine m;
    cached_then_remapped(m, P | RW | G, CR4_PGE);
    m.mmu.invlpg(kLa);
    EXPECT_EQ(m.read(kLa).pa, kNew);
}

TEST(Invlpg, OfANonCanonicalAddressDoesNothing) {
    Machine m;
    cached_then_remapped(m);
    m.mmu.invlpg(kLa | (uint64_t{1} << 50));  // same bits 47:12, not canonical
    EXPECT_EQ(m.read(kLa).pa, kOld);
    EXPECT_EQ(m.mmu.stats().invlpg, 1u);
}

TEST(MovToCr3, WithoutPcidsFlushesNonGlobalEntriesAndKeepsGlobalOnes) {
    Machine m;
    m.pt.map(kLa, kOld, K4, P | RW | G);
    m.pt.map(kLa + K4, kOld + K4, K4, P | RW);
    m.enable(CR4_PGE);
    ASSERT_TRUE(m.read(kLa).ok());
    ASSERT_TRUE(m.read(kLa + K4).ok());
    remap(m, kLa, kNew);
    remap(m, kLa + K4, kNew + K4);
    ASSERT_TRUE(m.mmu.write_cr3(m.pt.root()));
    EXPECT_EQ(m.read(kLa).pa, kOld);            // global: survives
    EXPECT_EQ(m.read(kLa + K4).pa, kNew + K4);  // flushed
}

TEST(MovToCr3, WithoutCr4PgeTheGlobalBitIsIgnored) {
    // The Pentium's case: no global pages, every CR3 write empties the TLB.
    Machine m;
    cached_then_remapped(m, P | RW | G);
    ASSERT_TRUE(m.mmu.write_cr3(m.pt.root()));
    EXPECT_EQ(m.read(kLa).pa, kNew);
}

TEST(MovToCr3, WithoutPcidsFlushesThePagingStructureCaches) {
    Machine m;
    EXPECT_EQ(after_pde_change(m, [&](int step) {
                  if (step == 1) {
                      ASSERT_TRUE(m.mmu.write_cr3(m.pt.root()));
                  }
              }),
              kNew);
}

TEST(MovToCr3, WithPcidsFlushesOnlyTheNewPcidsEntries) {
    Machine m;
    cached_then_remapped(m, P | RW | US, 0, 1);
    ASSERT_TRUE(switch_to(m, 2));  // flushes PCID 2
    EXPECT_EQ(m.mmu.pcid(), 2);
    ASSERT_TRUE(switch_to(m, 1, kNoFlush));  // back, no flush
    EXPECT_EQ(m.mmu.cr3(), m.pt.root() | 1);  // bit 63 is not stored
    EXPECT_EQ(m.read(kLa).pa, kOld);  // PCID 1's entry survived both writes
    ASSERT_TRUE(switch_to(m, 1));
    EXPECT_EQ(m.read(kLa).pa, kNew);
    EXPECT_EQ(m.mmu.stats().cr3_no_flush, 1u);
}

TEST(MovToCr3, WithPcidsBit63KeepsTheCurrentPcidsEntries) {
    Machine m;
    cached_then_remapped(m, P | RW | US, 0, 3);
    ASSERT_TRUE(switch_to(m, 3, kNoFlush));
    EXPECT_EQ(m.read(kLa).pa, kOld);
}

TEST(MovToCr3, AnEntryOfOnePcidIsNotUsedUnderAnother) {
    Machine m;
    cached_then_remapped(m, P | RW | US, 0, 1);
    ASSERT_TRUE(switch_to(m, 2, kNoFlush));
    EXPECT_EQ(m.read(kLa).pa, kNew);
}

TEST(GlobalPages, AGlobalEntryServesEveryPcid) {
    Machine m;
    cached_then_remapped(m, P | RW | G, CR4_PGE, 1);
    ASSERT_TRUE(switch_to(m, 2));
    EXPECT_EQ(m.read(kLa).pa, kOld);
    EXPECT_EQ(m.mmu.stats().walks, 1u);
}

TEST(MovToCr4, ChangingPgeFlushesGlobalEntries) {
    Machine m;
    cached_then_remapped(m, P | RW | G, CR4_PGE);
    ASSERT_TRUE(m.mmu.write_cr4(CR4_PAE));
    EXPECT_EQ(m.read(kLa).pa, kNew);
}

TEST(MovToCr4, ClearingPcideFlushesEveryPcid) {
    Machine m;
    cached_then_remapped(m, P | RW | US, 0, 1);
    ASSERT_TRUE(switch_to(m, 0, kNoFlush));
    ASSERT_TRUE(m.mmu.write_cr4(CR4_PAE));  // PCIDE 1 -> 0
    pcids_on(m);
    ASSERT_TRUE(switch_to(m, 1, kNoFlush));
    EXPECT_EQ(m.read(kLa).pa, kNew);
}

TEST(MovToCr0, ClearingPgFlushesEverythingIncludingGlobals) {
    Machine m;
    cached_then_remapped(m, P | RW | G, CR4_PGE);
    ASSERT_TRUE(m.mmu.write_cr0(CR0_PE));
    ASSERT_TRUE(m.mmu.write_cr0(CR0_PE | CR0_PG));
    EXPECT_EQ(m.read(kLa).pa, kNew);
}

TEST(PageFaults, AFaultDropsStalePagingStructureCacheEntriesForItsAddress) {
    // The PDE cache still points at the old page table, where kLa + 4 KB is not present: the first
    // access faults, and the fault's invalidation (4.10.4.1) lets the retry use the new table.
    Machine m;
    m.pt.map(kLa, kOld, K4);
    m.enable();
    ASSERT_TRUE(m.read(kLa).ok());
    const uint64_t table = m.pt.alloc();
    m.pt.write(table + ((kLa + K4) >> 12 & 0x1ff) * 8, kNew | P | RW | US);
    const uint64_t pde = m.pt.entry(kLa, 2);
    m.pt.write(pde, (m.pt.read(pde) & 0xfff) | table);
    EXPECT_EQ(m.read(kLa + K4).fault, Fault::Page);
    const Translation retry = m.read(kLa + K4);
    ASSERT_TRUE(retry.ok());
    EXPECT_EQ(retry.pa, kNew);
}

}  // namespace
}  // namespace vmsim::x86::test
