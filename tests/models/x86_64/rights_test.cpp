// Access rights (SDM Vol. 3A 4.6) and the #PF error code and CR2 (4.7). Rights are combined over
// every level of the walk: U/S and R/W ANDed, XD ORed. Each expected error code is built from the
// SDM's bit definitions: P 0, W/R 1, U/S 2, RSVD 3, I/D 4.
#include <gtest/gtest.h>

#include "tests/models/x86_64/machine.hpp"

namespace vmsim::x86::test {
namespace {

constexpr uint64_t kLa = 0x7000401000, kPa = 0x00555000;

void expect_page_fault(const Translation& t, uint8_t error_code, uint64_t la) {
    EXPECT_EQ(t.fault, Fault::Page);
    EXPECT_EQ(t.error_code, error_code);
    EXPECT_EQ(t.cr2, la);
}

TEST(Rights, UserReadOfASupervisorPageFaultsWithPAndUserBits) {
    Machine m;
    m.pt.map(kLa, kPa, K4, P | RW);  // U/S = 0 in the PTE
    m.enable();
    expect_page_fault(m.read(kLa, Privilege::User), EC_P | EC_U, kLa);
}

TEST(Rights, UserAccessNeedsUserAtEveryLevel) {
    Machine m;
    m.pt.map(kLa, kPa, K4, P | RW | US, /*table=*/P | RW);  // user PTE below supervisor tables
    m.enable();
    expect_page_fault(m.read(kLa, Privilege::User), EC_P | EC_U, kLa);
    EXPECT_TRUE(m.read(kLa, Privilege::Supervisor).ok());
}

TEST(Rights, SupervisorReadsUserPages) {
    Machine m;
    m.pt.map(kLa, kPa, K4, P | US);
    m.enable();
    EXPECT_TRUE(m.read(kLa, Privilege::Supervisor).ok());
}

TEST(Rights, UserWriteToAReadOnlyPageFaultsWithPWriteAndUserBits) {
    Machine m;
    m.pt.map(kLa, kPa, K4, P | US);
    m.enable();
    EXPECT_TRUE(m.read(kLa, Privilege::User).ok());
    expect_page_fault(m.write(kLa, Privilege::User), EC_P | EC_W | EC_U, kLa);
}

TEST(Rights, AReadOnlyTableEntryMakesEveryPageBelowItReadOnly) {
    Machine m;
    m.pt.map(kLa, kPa, K4, P | RW | US, /*table=*/P | US);
    m.enable();
    expect_page_fault(m.write(kLa, Privilege::User), EC_P | EC_W | EC_U, kLa);
}

TEST(Rights, SupervisorWriteToAReadOnlyPageFaultsOnlyWithCr0Wp) {
    Machine m;
    m.pt.map(kLa, kPa, K4, P);
    m.enable();  // CR0.WP = 1
    expect_page_fault(m.write(kLa), EC_P | EC_W, kLa);
    ASSERT_TRUE(m.mmu.write_cr0(CR0_PE | CR0_PG));  // WP = 0
    const Translation t = m.write(kLa);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.pa, kPa);
}

TEST(Rights, Cr0WpClearDoesNotLetUserCodeWriteReadOnlyPages) {
    Machine m;
    m.pt.map(kLa, kPa, K4, P | US);
    m.enable();
    ASSERT_TRUE(m.mmu.write_cr0(CR0_PE | CR0_PG));
    expect_page_fault(m.write(kLa, Privilege::User), EC_P | EC_W | EC_U, kLa);
}

TEST(Rights, FetchFromAnExecuteDisabledPageFaultsWithIdBit) {
    Machine m;
    m.pt.map(kLa, kPa, K4, P | RW | US | XD);
    m.enable();  // EFER.NXE = 1
    EXPECT_TRUE(m.read(kLa, Privilege::User).ok());
    expect_page_fault(m.fetch(kLa), EC_P | EC_I, kLa);
    expect_page_fault(m.fetch(kLa, Privilege::User), EC_P | EC_I | EC_U, kLa);
}

TEST(Rights, ExecuteDisableAnywhereOnThePathDisablesFetches) {
    Machine m;
    m.pt.map(kLa, kPa, K4, P | RW | US, /*table=*/P | RW | US | XD);
    m.enable();
    expect_page_fault(m.fetch(kLa), EC_P | EC_I, kLa);
}

TEST(Rights, XdIsAReservedBitWithoutEferNxe) {
    Machine m;
    m.pt.map(kLa, kPa, K4, P | RW | US | XD);
    m.enable();
    ASSERT_TRUE(m.mmu.write_efer(EFER_LME));  // NXE = 0
    expect_page_fault(m.read(kLa), EC_P | EC_RSVD, kLa);
}

TEST(Rights, NotPresentFaultsHaveTheFirstBitClear) {
    Machine m;
    m.enable();
    expect_page_fault(m.read(kLa), 0, kLa);
    expect_page_fault(m.write(kLa, Privilege::User), EC_W | EC_U, kLa);
}

TEST(Rights, IdBitIsSetForFetchesOnlyWithPaeFormatPagingAndNxe) {
    // SDM 4.7: I/D is 1 for a fetch only if CR4.PAE = 1 and EFER.NXE = 1 (or CR4.SMEP = 1).
    Machine with_nxe;
    with_nxe.enable();
    expect_page_fault(with_nxe.fetch(kLa), EC_I, kLa);

    Machine without_nxe;
    without_nxe.enable();
    ASSERT_TRUE(without_nxe.mmu.write_efer(EFER_LME));
    expect_page_fault(without_nxe.fetch(kLa), 0, kLa);

    Machine legacy(MmuConfig{}, Format::Legacy);
    legacy.enable();
    expect_page_fault(legacy.fetch(0x401000, Privilege::User), EC_U, 0x401000);
}

TEST(Rights, RightsCachedInTheTlbFaultWithoutAWalk) {
    Machine m;
    m.pt.map(kLa, kPa, K4, P | US);
    m.enable();
    ASSERT_TRUE(m.read(kLa, Privilege::User).ok());
    ASSERT_EQ(m.mmu.stats().walks, 1u);
    expect_page_fault(m.write(kLa, Privilege::User), EC_P | EC_W | EC_U, kLa);
    EXPECT_EQ(m.mmu.stats().walks, 1u);
    EXPECT_EQ(m.mmu.stats().tlb_faults, 1u);
}

TEST(Rights, ARightsUpgradeWithoutInvlpgFaultsOnceThenTheRetrySucceeds) {
    // SDM 4.10.4.3: changing R/W from 0 to 1 without invalidating may cause one spurious #PF,
    // because the fault invalidates the stale entry (4.10.4.1).
    Machine m;
    const uint64_t pte = m.pt.map(kLa, kPa, K4, P | US);
    m.enable();
    ASSERT_TRUE(m.read(kLa, Privilege::User).ok());
    m.pt.set(pte, RW);  // no INVLPG
    expect_page_fault(m.write(kLa, Privilege::User), EC_P | EC_W | EC_U, kLa);
    const Translation retry = m.write(kLa, Privilege::User);
    ASSERT_TRUE(retry.ok());
    EXPECT_EQ(retry.pa, kPa);
}

TEST(Rights, Cr2HoldsTheLastFaultingLinearAddress) {
    Machine m;
    m.enable();
    m.read(0x1234567);
    EXPECT_EQ(m.mmu.cr2(), 0x1234567u);
    m.write(0x7654321);
    EXPECT_EQ(m.mmu.cr2(), 0x7654321u);
}

TEST(Rights, FaultsAreCountedByErrorCode) {
    Machine m;
    m.pt.map(kLa, kPa, K4, P | US);
    m.enable();
    m.write(kLa, Privilege::User);  // P | W | U
    m.write(kLa, Privilege::User);
    m.read(0x1000);                 // not present, supervisor read
    EXPECT_EQ(m.mmu.stats().page_faults[EC_P | EC_W | EC_U], 2u);
    EXPECT_EQ(m.mmu.stats().page_faults[0], 1u);
    EXPECT_EQ(m.mmu.stats().faults(), 3u);
}

}  // namespace
}  // namespace vmsim::x86::test
