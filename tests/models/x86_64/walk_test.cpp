// The walk in each paging mode (SDM Vol. 3A 4.3 32-bit paging, 4.5 4- and 5-level paging): which
// entries it reads, the page sizes each level maps, canonical addresses, and the control-register
// values the model accepts. Expected physical addresses are the ones the test mapped.
#include <gtest/gtest.h>

#include "tests/models/x86_64/machine.hpp"

namespace vmsim::x86::test {
namespace {

TEST(PagingOff, LinearAddressIsThePhysicalAddress) {
    Machine m;
    const Translation t = m.read(0x12345678);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.pa, 0x12345678u);
    EXPECT_EQ(t.cycles, 0u);
    EXPECT_EQ(m.mmu.stats().walks, 0u);
}

TEST(PagingOff, AddressesAreTakenModulo4G) {
    Machine m;
    EXPECT_EQ(m.read(0x100001234).pa, 0x1234u);
}

TEST(LegacyPaging, Translates4KPageWithTwoReads) {
    Machine m(MmuConfig{}, Format::Legacy);
    m.pt.map(0x00401000, 0x00777000, K4);
    m.enable();
    const Translation t = m.read(0x00401abc);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.pa, 0x00777abcu);
    EXPECT_EQ(t.page_size, PageSize::k4K);
    EXPECT_EQ(m.mmu.mode(), PagingMode::Legacy);
    EXPECT_EQ(m.mmu.stats().walk_refs, 2u);  // PDE, PTE
}

TEST(LegacyPaging, PseMapsA4MPageFromThePde) {
    Machine m(MmuConfig{}, Format::Legacy);
    m.pt.map(0x00800000, 0x01c00000, M4);
    m.enable();
    const Translation t = m.read(0x00923456);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.pa, 0x01c00000u + 0x123456);
    EXPECT_EQ(t.page_size, PageSize::k4M);
    EXPECT_EQ(m.mmu.stats().walk_refs, 1u);
}

TEST(LegacyPaging, PsInAPdeIsIgnoredWithoutCr4Pse) {
    // Without CR4.PSE a PDE always references a page table, whatever bit 7 says (4.3).
    Machine m(MmuConfig{}, Format::Legacy);
    const uint64_t table = m.pt.alloc();
    m.pt.write(table + 5 * 4, 0x00abc000 | P | RW);                         // PTE for 0x00405000
    m.pt.write(m.pt.root() + 1 * 4, table | PS | P | RW);                   // PDE for 0x00400000
    ASSERT_TRUE(m.mmu.write_cr3(m.pt.root()));
    ASSERT_TRUE(m.mmu.write_cr0(CR0_PE | CR0_PG));
    const Translation t = m.read(0x00405010);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.pa, 0x00abc010u);
    EXPECT_EQ(t.page_size, PageSize::k4K);
}

TEST(LegacyPaging, Pse36TakesPhysicalBits39To32FromPdeBits20To13) {
    MmuConfig c;
    c.max_phys_addr_bits = 40;
    Machine m(c, Format::Legacy);
    m.pt.map(0x00c00000, 0x1234400000, M4);
    m.enable();
    const Translation t = m.read(0x00c00010);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.pa, 0x1234400010u);
}

TEST(LegacyPaging, LinearAddressesAreTakenModulo4G) {
    Machine m(MmuConfig{}, Format::Legacy);
    m.pt.map(0x1000, 0x5000, K4);
    m.enable();
    EXPECT_EQ(m.read(0x100001234).pa, 0x5234u);
}

TEST(LongMode4, Translates4KPageWithFourReads) {
    Machine m;
    m.pt.map(0x7f0000401000, 0x00333000, K4);
    m.enable();
    const Translation t = m.read(0x7f0000401abc);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.pa, 0x00333abcu);
    EXPECT_EQ(t.page_size, PageSize::k4K);
    EXPECT_EQ(m.mmu.mode(), PagingMode::Long4);
    EXPECT_EQ(m.mmu.stats().walk_refs, 4u);
    EXPECT_EQ(m.mmu.stats().walks_by_refs[4], 1u);
}

TEST(LongMode4, PsInAPdeMapsA2MPageWithThreeReads) {
    Machine m;
    m.pt.map(0x40000000, 0x7600000, M2);
    m.enable();
    const Translation t = m.read(0x40123456);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.pa, 0x7600000u + 0x123456);
    EXPECT_EQ(t.page_size, PageSize::k2M);
    EXPECT_EQ(m.mmu.stats().walk_refs, 3u);
}

TEST(LongMode4, PsInAPdpteMapsA1GPageWithTwoReads) {
    Machine m;
    m.pt.map(0x80000000, 0x40000000, G1);
    m.enable();
    const Translation t = m.read(0x80000000 + 0x2345678);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.pa, 0x40000000u + 0x2345678);
    EXPECT_EQ(t.page_size, PageSize::k1G);
    EXPECT_EQ(m.mmu.stats().walk_refs, 2u);
}

TEST(LongMode4, HigherHalfAddressesTranslate) {
    Machine m;
    m.pt.map(0xffff800000001000, 0x9000, K4);
    m.enable();
    const Translation t = m.read(0xffff800000001008);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.pa, 0x9008u);
}

TEST(LongMode4, NonCanonicalAddressIsAGeneralProtectionFaultNotAPageFault) {
    Machine m;
    m.enable();
    const Translation t = m.read(0x0000800000000000);  // bit 47 set, bits 63:48 clear
    EXPECT_EQ(t.fault, Fault::NonCanonical);
    EXPECT_EQ(m.mmu.stats().non_canonical, 1u);
    EXPECT_EQ(m.mmu.stats().faults(), 0u);
    EXPECT_EQ(m.mmu.stats().walks, 0u);
    EXPECT_EQ(m.mmu.cr2(), 0u);
}

TEST(LongMode5, AddressesAbove47BitsTranslateWithFiveReads) {
    MmuConfig c;
    c.la57 = true;
    Machine m(c, Format::Long5);
    m.pt.map(0x00ff000000001000, 0x4000, K4);  // canonical in 5-level paging, not in 4-level
    m.enable();
    const Translation t = m.read(0x00ff000000001004);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.pa, 0x4004u);
    EXPECT_EQ(m.mmu.mode(), PagingMode::Long5);
    EXPECT_EQ(m.mmu.stats().walk_refs, 5u);
    EXPECT_EQ(m.read(0x0100000000000000).fault, Fault::NonCanonical);  // bit 56 set, bits 63:57 clear
}

TEST(ControlRegisters, La57IsRefusedWhenTheCpuLacksIt) {
    Machine m;  // the Skylake default has no 5-level paging
    EXPECT_FALSE(m.mmu.write_cr4(CR4_PAE | CR4_LA57));
    EXPECT_EQ(m.mmu.cr4(), 0u);
}

TEST(ControlRegisters, ValuesThatSelectPaePagingAreRefused) {
    Machine m;
    ASSERT_TRUE(m.mmu.write_cr4(CR4_PAE));  // paging is off: allowed
    EXPECT_FALSE(m.mmu.write_cr0(CR0_PE | CR0_PG));  // PAE without LME: PAE paging, not modelled
    EXPECT_EQ(m.mmu.mode(), PagingMode::Off);
}

TEST(ControlRegisters, PcideNeedsLongModeAndZeroCr3Bits11To0) {
    Machine m;
    EXPECT_FALSE(m.mmu.write_cr4(CR4_PAE | CR4_PCIDE));  // not in IA-32e mode
    m.enable();
    ASSERT_TRUE(m.mmu.write_cr3(m.pt.root() | 5));
    EXPECT_FALSE(m.mmu.write_cr4(CR4_PAE | CR4_PCIDE));  // CR3[11:0] = 5
    ASSERT_TRUE(m.mmu.write_cr3(m.pt.root()));
    EXPECT_TRUE(m.mmu.write_cr4(CR4_PAE | CR4_PCIDE));
}

TEST(ControlRegisters, LmeAndLa57CannotChangeWithPagingOn) {
    MmuConfig c;
    c.la57 = true;
    Machine m(c);
    m.enable();
    EXPECT_FALSE(m.mmu.write_efer(EFER_NXE));  // clears LME
    EXPECT_FALSE(m.mmu.write_cr4(CR4_PAE | CR4_LA57));
    EXPECT_FALSE(m.mmu.write_cr4(0));  // clears PAE in IA-32e mode
    EXPECT_EQ(m.mmu.mode(), PagingMode::Long4);
}

TEST(ControlRegisters, EferLmaIsLmeAndPg) {
    Machine m;
    ASSERT_TRUE(m.mmu.write_cr4(CR4_PAE));
    ASSERT_TRUE(m.mmu.write_efer(EFER_LME | (uint64_t{1} << 10)));  // a written LMA is ignored
    EXPECT_EQ(m.mmu.efer() & (1 << 10), 0u);
    ASSERT_TRUE(m.mmu.write_cr0(CR0_PE | CR0_PG));
    EXPECT_NE(m.mmu.efer() & (1 << 10), 0u);
    ASSERT_TRUE(m.mmu.write_cr0(CR0_PE));
    EXPECT_EQ(m.mmu.efer() & (1 << 10), 0u);
}

TEST(ControlRegisters, Cr3BitsAboveMaxPhysAddrAreRefusedInLongMode) {
    Machine m;  // MAXPHYADDR 39
    m.enable();
    EXPECT_FALSE(m.mmu.write_cr3(uint64_t{1} << 39));
    EXPECT_TRUE(m.mmu.write_cr3(uint64_t{1} << 38));
}

TEST(ControlRegisters, Cr3KeepsBitsAbove4GWithPaeAndDropsThemWithout) {
    // Paging structures above 4 GB: RAM at physical 4 GB, the tables in it.
    FlatRam ram(8 << 20, uint64_t{1} << 32);
    common::CacheHierarchy caches{common::CacheHierarchyConfig{}};
    Mmu mmu(MmuConfig{}, ram, caches);
    PageTables pt(ram, Format::Long4, uint64_t{1} << 32);
    pt.map(0x1000, 0x2000, K4);
    ASSERT_TRUE(mmu.write_cr3(pt.root()));
    EXPECT_EQ(mmu.cr3(), pt.root() & 0xffffffff);  // CR4.PAE = 0: bits 31:0
    ASSERT_TRUE(mmu.write_cr4(CR4_PAE));
    ASSERT_TRUE(mmu.write_efer(EFER_LME));
    ASSERT_TRUE(mmu.write_cr3(pt.root()));
    EXPECT_EQ(mmu.cr3(), pt.root());
    ASSERT_TRUE(mmu.write_cr0(CR0_PE | CR0_PG));
    const Translation t = mmu.translate(0x1010, Access::Read, Privilege::Supervisor);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.pa, 0x2010u);
}

TEST(ControlRegisters, FeaturesTheCpuLacksAreRefused) {
    MmuConfig c;
    c.pge = false;
    c.pcid = false;
    c.nx = false;
    Machine m(c);
    EXPECT_FALSE(m.mmu.write_cr4(CR4_PGE));
    EXPECT_FALSE(m.mmu.write_efer(EFER_NXE));
    m.enable();
    EXPECT_FALSE(m.mmu.write_cr4(CR4_PAE | CR4_PCIDE));
}

TEST(Walk, AnEntryWhereNoMemoryAnswersIsABusError) {
    Machine m;
    m.pt.map(0x1000, 0x2000, K4);
    const uint64_t pdpte = m.pt.entry(0x1000, 3);
    m.pt.write(pdpte, 0x4000000000 | P | RW | US);  // 256 GB: inside MAXPHYADDR, outside the RAM
    m.enable();
    const Translation t = m.read(0x1000);
    EXPECT_EQ(t.fault, Fault::Bus);
    EXPECT_EQ(t.pa, 0x4000000000u);  // the PDE for 0x1000 is entry 0
    EXPECT_EQ(m.mmu.stats().bus_errors, 1u);
}

TEST(Walk, FetchesAreTranslatedLikeData) {
    Machine m;
    m.pt.map(0x400000, 0x800000, K4);
    m.enable();
    const Translation t = m.fetch(0x400010, Privilege::User);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.pa, 0x800010u);
}

}  // namespace
}  // namespace vmsim::x86::test
