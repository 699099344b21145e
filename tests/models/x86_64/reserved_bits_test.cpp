// Reserved bits (SDM Vol. 3A 4.3 Table 4-4 for 32-bit paging, 4.5 for 4- and 5-level paging): a
// present entry with a reserved bit set gives no translation, and the #PF has RSVD and P set (4.7).
// Which bits are reserved depends on the mode, the level, PS, MAXPHYADDR, EFER.NXE and PAT support.
#include <gtest/gtest.h>

#include "tests/models/x86_64/machine.hpp"

namespace vmsim::x86::test {
namespace {

constexpr uint64_t kLa = 0x7000401000, kPa = 0x00555000;
constexpr uint64_t bit(unsigned n) { return uint64_t{1} << n; }

// Maps kLa with a 4 KB page, sets `bits` in the entry at `level`, and reads kLa.
Translation read_with(const MmuConfig& config, unsigned level, uint64_t bits) {
    Machine m(config);
    m.pt.map(kLa, kPa, K4);
    m.pt.set(m.pt.entry(kLa, level), bits);
    m.enable();
    return m.read(kLa);
}

TEST(ReservedBits, AddressBitsAboveMaxPhysAddrAreReservedAtEveryLevel) {
    MmuConfig c;
    c.max_phys_addr_bits = 39;
    for (unsigned level = 1; level <= 4; ++level) {
        const Translation t = read_with(c, level, bit(39));
        EXPECT_EQ(t.fault, Fault::Page) << "level " << level;
        EXPECT_EQ(t.error_code, EC_P | EC_RSVD) << "level " << level;
    }
}

TEST(ReservedBits, MaxPhysAddrIsAParameter) {
    MmuConfig c;
    c.max_phys_addr_bits = 46;
    const Translation t = read_with(c, 1, bit(39));
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.pa, kPa | bit(39));
}

TEST(ReservedBits, Bit51IsReservedUnlessMaxPhysAddrIs52) {
    MmuConfig c;
    c.max_phys_addr_bits = 51;
    EXPECT_EQ(read_with(c, 1, bit(51)).error_code, EC_P | EC_RSVD);
    c.max_phys_addr_bits = 52;
    EXPECT_TRUE(read_with(c, 1, bit(51)).ok());
}

TEST(ReservedBits, ProtectionKeyAndIgnoredBitsAreNotReserved) {
    // Bits 62:52 of a PTE are ignored (or protection keys, 62:59), bits 11:9 ignored.
    const Translation t = read_with(MmuConfig{}, 1, bit(62) | bit(52) | bit(11) | bit(9));
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.pa, kPa);
}

TEST(ReservedBits, PsInAPml4eIsReserved) {
    EXPECT_EQ(read_with(MmuConfig{}, 4, PS).error_code, EC_P | EC_RSVD);
}

TEST(ReservedBits, PsInAPml5eIsReserved) {
    MmuConfig c;
    c.la57 = true;
    Machine m(c, Format::Long5);
    m.pt.map(kLa, kPa, K4);
    m.pt.set(m.pt.entry(kLa, 5), PS);
    m.enable();
    EXPECT_EQ(m.read(kLa).error_code, EC_P | EC_RSVD);
}

TEST(ReservedBits, PsInAPdpteIsReservedWithout1GPages) {
    MmuConfig c;
    c.pages_1g = false;
    Machine m(c);
    m.pt.map(0x80000000, 0x40000000, G1);
    m.enable();
    EXPECT_EQ(m.read(0x80000000).error_code, EC_P | EC_RSVD);
}

// Maps a large page of `size` at 0x80000000 (physical 0x40000000), sets `bits` in the entry that
// maps it, and reads 4 KB into the page.
Translation large_page_read_with(uint64_t size, uint64_t bits) {
    Machine m;
    m.pt.set(m.pt.map(0x80000000, 0x40000000, size), bits);
    m.enable();
    return m.read(0x80000000 + 0x1000);
}

TEST(ReservedBits, OneGigabytePageBits29To13AreReservedAndBit12IsPat) {
    for (unsigned b : {13u, 20u, 29u}) EXPECT_EQ(large_page_read_with(G1, bit(b)).error_code, EC_P | EC_RSVD) << b;
    const Translation t = large_page_read_with(G1, bit(12));
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.pa, 0x40000000u + 0x1000);  // PAT is no address bit
}

TEST(ReservedBits, TwoMegabytePageBits20To13AreReservedAndBit12IsPat) {
    for (unsigned b : {13u, 20u}) EXPECT_EQ(large_page_read_with(M2, bit(b)).error_code, EC_P | EC_RSVD) << b;
    const Translation t = large_page_read_with(M2, bit(12));
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.pa, 0x40000000u + 0x1000);
}

TEST(ReservedBits, Bit7OfAPteIsPatNotPageSize) {
    const Translation t = read_with(MmuConfig{}, 1, PS);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.page_size, PageSize::k4K);
    EXPECT_EQ(t.pa, kPa);
}

TEST(ReservedBits, WithoutPatBit7OfAPteIsReserved) {
    MmuConfig c;
    c.pat = false;
    EXPECT_EQ(read_with(c, 1, PS).error_code, EC_P | EC_RSVD);
}

TEST(ReservedBits, XdInATableEntryIsReservedWithoutNxe) {
    Machine m;
    m.pt.map(kLa, kPa, K4);
    m.pt.set(m.pt.entry(kLa, 3), XD);
    m.enable();
    ASSERT_TRUE(m.mmu.write_efer(EFER_LME));
    EXPECT_EQ(m.read(kLa).error_code, EC_P | EC_RSVD);
}

TEST(ReservedBits, ANotPresentEntryIsNotCheckedForReservedBits) {
    Machine m;
    const uint64_t pte = m.pt.map(kLa, kPa, K4);
    m.pt.write(pte, bit(51) | bit(45) | kPa);  // P = 0
    m.enable();
    EXPECT_EQ(m.read(kLa).error_code, 0);
}

TEST(ReservedBits, TheErrorCodeStillDescribesTheAccess) {
    Machine m;
    m.pt.map(kLa, kPa, K4);
    m.pt.set(m.pt.entry(kLa, 2), bit(45));
    m.enable();
    EXPECT_EQ(m.write(kLa, Privilege::User).error_code, EC_P | EC_W | EC_U | EC_RSVD);
    EXPECT_EQ(m.fetch(kLa).error_code, EC_P | EC_I | EC_RSVD);
}

// 32-bit paging: only a PDE that maps a 4 MB page has reserved bits: 21:(M-19), M = min(MAXPHYADDR, 40).
Translation legacy_4m_read_with(unsigned max_phys_addr_bits, uint64_t bits) {
    MmuConfig c;
    c.max_phys_addr_bits = max_phys_addr_bits;
    Machine m(c, Format::Legacy);
    m.pt.set(m.pt.map(0x00800000, 0x01c00000, M4), bits);
    m.enable();
    return m.read(0x00800000);
}

TEST(ReservedBits, LegacyFourMegabytePdeBit21IsReserved) {
    EXPECT_EQ(legacy_4m_read_with(40, bit(21)).error_code, EC_P | EC_RSVD);
    EXPECT_EQ(legacy_4m_read_with(52, bit(21)).error_code, EC_P | EC_RSVD);
}

TEST(ReservedBits, LegacyFourMegabytePdeBitsAboveMaxPhysAddrAreReserved) {
    // MAXPHYADDR 36: PDE bits 16:13 are physical bits 35:32, bits 21:17 are reserved.
    EXPECT_EQ(legacy_4m_read_with(36, bit(17)).error_code, EC_P | EC_RSVD);
    const Translation t = legacy_4m_read_with(36, bit(16));
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.pa, 0x01c00000u | bit(35));
    // MAXPHYADDR 32 (no PSE-36): bits 21:13 are all reserved.
    EXPECT_EQ(legacy_4m_read_with(32, bit(13)).error_code, EC_P | EC_RSVD);
}

TEST(ReservedBits, LegacyFourKilobyteEntriesHaveNoReservedBits) {
    Machine m(MmuConfig{}, Format::Legacy);
    const uint64_t pte = m.pt.map(0x00401000, 0x00777000, K4);
    m.pt.set(pte, PS | bit(9) | bit(11));  // PAT and ignored bits
    m.enable();
    const Translation t = m.read(0x00401000);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.pa, 0x00777000u);
}

}  // namespace
}  // namespace vmsim::x86::test
