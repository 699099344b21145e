// Every rule a kernel call checks: a call that breaks it returns that rule's error code and changes
// nothing (no entry written, no capability created), and the same call made correctly succeeds.
#include <gtest/gtest.h>

#include "tests/vmlib/x86/machine.hpp"

namespace vmsim::selfpage::test {
namespace {

// A machine with 64 MB of RAM granted at 16 MB, one table of each long-mode level and a few frames.
struct Rules : ::testing::Test {
    Machine m;
    CapRef ram = m.grant(uint64_t{64} << 20, 64 << 20);  // [64 MB, 128 MB)
    CapRef pml4 = m.make(ram, ObjType::Pml4, 0);
    CapRef pdpt = m.make(ram, ObjType::Pdpt, K4);
    CapRef pd = m.make(ram, ObjType::Pd, 2 * K4);
    CapRef pt = m.make(ram, ObjType::Pt, 3 * K4);
    CapRef frame = m.make(ram, ObjType::Frame, 4 * K4);                 // 4 KB at 64 MB + 16 KB
    CapRef big = m.make(ram, ObjType::Frame, 2 * M2, M2);               // 2 MB, 2 MB-aligned
    CapRef frame16k = m.make(ram, ObjType::Frame, 8 * K4, 4 * K4);      // 16 KB

    // The error `e`, with no entry written and no capability created by the call.
    template <typename Call>
    void expect_refused(Error e, Call call) {
        const uint64_t written = m.kernel.stats().entries_written;
        const uint64_t refused = m.kernel.stats().refused;
        EXPECT_EQ(call(), e) << "expected " << error_name(e);
        EXPECT_EQ(m.kernel.stats().entries_written, written);
        EXPECT_EQ(m.kernel.stats().refused, refused + 1);
    }
};

template <typename T>
Error err(const Result<T>& r) { return r.error; }

// ---- grant_ram ---------------------------------------------------------------------------------

TEST_F(Rules, GrantRamChecksAlignmentSizeRangeAndOverlap) {
    expect_refused(Error::Misaligned, [&] { return err(m.kernel.grant_ram(0x1800, K4)); });
    expect_refused(Error::BadSize, [&] { return err(m.kernel.grant_ram(0, 0)); });
    expect_refused(Error::BadSize, [&] { return err(m.kernel.grant_ram(0, K4 + 8)); });
    // MAXPHYADDR 39 (the default configuration): 512 GB.
    expect_refused(Error::PhysAddrTooHigh, [&] { return err(m.kernel.grant_ram(uint64_t{1} << 39, K4)); });
    expect_refused(Error::PhysAddrTooHigh, [&] { return err(m.kernel.grant_ram((uint64_t{1} << 39) - K4, 2 * K4)); });
    expect_refused(Error::PhysAddrTooHigh, [&] { return err(m.kernel.grant_ram(~uint64_t{0xfff}, K4)); });
    expect_refused(Error::Overlap, [&] { return err(m.kernel.grant_ram(127 << 20, 2 << 20)); });
    expect_refused(Error::Overlap, [&] { return err(m.kernel.grant_ram(0, 256 << 20)); });
    EXPECT_TRUE(m.kernel.grant_ram(128 << 20, K4).ok());
    EXPECT_TRUE(m.kernel.grant_ram((uint64_t{1} << 39) - K4, K4).ok());
}

TEST(LegacyRules, GrantRamAbove4GIsRefused) {
    KernelConfig k;
    k.mode = x86::PagingMode::Legacy;
    Machine m(x86::MmuConfig{}, k);
    EXPECT_EQ(m.kernel.grant_ram(uint64_t{1} << 32, K4).error, Error::PhysAddrTooHigh);
    EXPECT_EQ(m.kernel.grant_ram((uint64_t{1} << 32) - 2 * K4, 4 * K4).error, Error::PhysAddrTooHigh);
    EXPECT_TRUE(m.kernel.grant_ram((uint64_t{1} << 32) - K4, K4).ok());
}

// ---- retype ------------------------------------------------------------------------------------

TEST_F(Rules, RetypeRefusesUnknownOrDeletedCapabilities) {
    expect_refused(Error::InvalidCap, [&] { return err(m.kernel.retype(CapRef{}, ObjType::Frame, 0, K4)); });
    expect_refused(Error::InvalidCap, [&] { return err(m.kernel.retype(CapRef{12345}, ObjType::Frame, 0, K4)); });
    const CapRef gone = m.make(ram, ObjType::Frame, 20 * K4);
    ASSERT_EQ(m.kernel.delete_cap(gone), Error::Ok);
    expect_refused(Error::InvalidCap, [&] { return err(m.kernel.retype(gone, ObjType::Frame, 0, K4)); });
}

TEST_F(Rules, RetypeOnlyFromRamOrFrameToFrame) {
    // A Frame may be mapped writable: a VNode carved from it would be a writable page table.
    expect_refused(Error::WrongType, [&] { return err(m.kernel.retype(big, ObjType::Pt, 0, K4)); });
    expect_refused(Error::WrongType, [&] { return err(m.kernel.retype(big, ObjType::Ram, 0, K4)); });
    expect_refused(Error::WrongType, [&] { return err(m.kernel.retype(pt, ObjType::Frame, 0, K4)); });
    expect_refused(Error::WrongType, [&] { return err(m.kernel.retype(pml4, ObjType::Pml4, 0, K4)); });
    // VNodes of the other paging mode, and values that name no type.
    expect_refused(Error::WrongType, [&] { return err(m.kernel.retype(ram, ObjType::Pt32, 40 * K4, K4)); });
    expect_refused(Error::WrongType, [&] { return err(m.kernel.retype(ram, ObjType::Pd32, 40 * K4, K4)); });
    expect_refused(Error::WrongType, [&] { return err(m.kernel.retype(ram, static_cast<ObjType>(200), 40 * K4, K4)); });
    // Frame -> smaller Frames is allowed.
    const Result<CapRef> half = m.kernel.retype(big, ObjType::Frame, M2 / 2, M2 / 2);
    ASSERT_TRUE(half.ok());
    EXPECT_EQ(m.kernel.identify(half.value).value.base, m.base_of(big) + M2 / 2);
}

TEST_F(Rules, RetypeChecksOffsetSizeAndRange) {
    expect_refused(Error::Misaligned, [&] { return err(m.kernel.retype(ram, ObjType::Frame, 40 * K4 + 8, K4)); });
    expect_refused(Error::BadSize, [&] { return err(m.kernel.retype(ram, ObjType::Frame, 40 * K4, 0)); });
    expect_refused(Error::BadSize, [&] { return err(m.kernel.retype(ram, ObjType::Frame, 40 * K4, K4 + 1)); });
    expect_refused(Error::BadSize, [&] { return err(m.kernel.retype(ram, ObjType::Pt, 40 * K4, 2 * K4)); });
    expect_refused(Error::OutOfRange, [&] { return err(m.kernel.retype(ram, ObjType::Frame, 64 << 20, K4)); });
    expect_refused(Error::OutOfRange, [&] { return err(m.kernel.retype(ram, ObjType::Frame, (64 << 20) - K4, 2 * K4)); });
    // An offset that would wrap the address space.
    expect_refused(Error::OutOfRange, [&] { return err(m.kernel.retype(ram, ObjType::Frame, ~uint64_t{0xfff}, 2 * K4)); });
    expect_refused(Error::OutOfRange, [&] { return err(m.kernel.retype(ram, ObjType::Frame, K4, ~uint64_t{0xfff})); });
    EXPECT_TRUE(m.kernel.retype(ram, ObjType::Frame, (64 << 20) - K4, K4).ok());
}

TEST_F(Rules, RetypeRefusesMemoryAlreadyRetyped) {
    expect_refused(Error::Overlap, [&] { return err(m.kernel.retype(ram, ObjType::Frame, 0, K4)); });          // the PML4
    expect_refused(Error::Overlap, [&] { return err(m.kernel.retype(ram, ObjType::Pt, 2 * M2 + K4, K4)); });   // inside big
    expect_refused(Error::Overlap, [&] { return err(m.kernel.retype(ram, ObjType::Frame, 2 * M2 - K4, 2 * K4)); });
    // The same holds when the memory was retyped two steps down and the middle object is gone:
    // RAM -> RAM -> Frame, then the middle RAM deleted, still leaves the Frame's memory taken.
    const CapRef middle = m.make(ram, ObjType::Ram, 8 * M2, M2);
    const CapRef inner = m.make(middle, ObjType::Frame, 0, K4);
    ASSERT_EQ(m.kernel.delete_cap(middle), Error::Ok);
    expect_refused(Error::Overlap, [&] { return err(m.kernel.retype(ram, ObjType::Pt, 8 * M2, K4)); });
    // The deleted RAM's whole range stays taken while anything retyped from it lives (simpler than
    // Barrelfish, which frees the parts no descendant covers); memory beside it is free.
    expect_refused(Error::Overlap, [&] { return err(m.kernel.retype(ram, ObjType::Pt, 8 * M2 + K4, K4)); });
    EXPECT_TRUE(m.kernel.retype(ram, ObjType::Pt, 9 * M2, K4).ok());
    // Once the Frame goes too, its memory may become a page table.
    ASSERT_EQ(m.kernel.delete_cap(inner), Error::Ok);
    EXPECT_TRUE(m.kernel.retype(ram, ObjType::Pt, 8 * M2, K4).ok());
}

TEST_F(Rules, RetypeOfADeletedObjectsMemorySucceeds) {
    ASSERT_EQ(m.kernel.delete_cap(frame), Error::Ok);
    EXPECT_TRUE(m.kernel.retype(ram, ObjType::Pt, 4 * K4, K4).ok());
}

TEST_F(Rules, CopiesKeepTheObjectAlive) {
    const Result<CapRef> copy = m.kernel.copy(frame, kRead);
    ASSERT_TRUE(copy.ok());
    ASSERT_EQ(m.kernel.delete_cap(frame), Error::Ok);
    expect_refused(Error::Overlap, [&] { return err(m.kernel.retype(ram, ObjType::Pt, 4 * K4, K4)); });
    ASSERT_EQ(m.kernel.delete_cap(copy.value), Error::Ok);
    EXPECT_TRUE(m.kernel.retype(ram, ObjType::Pt, 4 * K4, K4).ok());
}

TEST(RetypeMemory, AVNodeWhereNoMemoryAnswersIsRefusedAndAFrameIsNot) {
    Machine m(x86::MmuConfig{}, KernelConfig{}, 64 << 20);  // RAM ends at 64 MB
    const CapRef ram = m.grant(0, 128 << 20);
    EXPECT_EQ(m.kernel.retype(ram, ObjType::Pt, 64 << 20, K4).error, Error::NoMemory);
    EXPECT_TRUE(m.kernel.retype(ram, ObjType::Frame, 64 << 20, K4).ok());
    EXPECT_TRUE(m.kernel.retype(ram, ObjType::Pt, (64 << 20) - K4, K4).ok());
}

TEST(RetypeMemory, ANewVNodeIsZeroed) {
    Machine m;
    const CapRef ram = m.grant(0, M2);
    for (uint64_t off = 0; off < K4; off += 8) m.ram.write64(0x3000 + off, ~uint64_t{0});
    m.make(ram, ObjType::Pt, 0x3000);
    for (unsigned i = 0; i < 512; ++i) ASSERT_EQ(m.entry(0x3000, i), 0u) << i;
}

TEST(CSpace, FullCapabilitySpaceIsAnErrorAndFreedSlotsAreReused) {
    KernelConfig k;
    k.max_caps = 3;
    Machine m(x86::MmuConfig{}, k);
    const CapRef ram = m.grant(0, M2);
    const CapRef a = m.make(ram, ObjType::Frame, 0);
    m.make(ram, ObjType::Frame, K4);
    EXPECT_EQ(m.kernel.retype(ram, ObjType::Frame, 2 * K4, K4).error, Error::CSpaceFull);
    EXPECT_EQ(m.kernel.copy(a, kRead).error, Error::CSpaceFull);
    EXPECT_EQ(m.kernel.grant_ram(M2, K4).error, Error::CSpaceFull);
    ASSERT_EQ(m.kernel.delete_cap(a), Error::Ok);
    const Result<CapRef> again = m.kernel.retype(ram, ObjType::Frame, 2 * K4, K4);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again.value, a);
}

// ---- copy, delete, identify --------------------------------------------------------------------

TEST_F(Rules, CopyMayOnlyDropRights) {
    const Result<CapRef> ro = m.kernel.copy(frame, kRead);
    ASSERT_TRUE(ro.ok());
    EXPECT_EQ(m.kernel.identify(ro.value).value.rights, kRead);
    expect_refused(Error::NoRights, [&] { return err(m.kernel.copy(ro.value, kRead | kWrite)); });
    expect_refused(Error::InvalidCap, [&] { return err(m.kernel.copy(CapRef{999}, kRead)); });
}

TEST_F(Rules, DeleteTwiceIsInvalid) {
    ASSERT_EQ(m.kernel.delete_cap(frame), Error::Ok);
    expect_refused(Error::InvalidCap, [&] { return m.kernel.delete_cap(frame); });
    expect_refused(Error::InvalidCap, [&] { return err(m.kernel.identify(frame)); });
}

TEST_F(Rules, TheLastCapabilityOfTheActiveRootCannotBeDeleted) {
    ASSERT_EQ(m.kernel.set_root(pml4), Error::Ok);
    expect_refused(Error::InUse, [&] { return m.kernel.delete_cap(pml4); });
    const Result<CapRef> copy = m.kernel.copy(pml4, kRead);
    ASSERT_TRUE(copy.ok());
    EXPECT_EQ(m.kernel.delete_cap(pml4), Error::Ok);
    expect_refused(Error::InUse, [&] { return m.kernel.delete_cap(copy.value); });
}

TEST_F(Rules, IdentifyReportsWhatRetypeMade) {
    const CapInfo i = m.kernel.identify(frame16k).value;
    EXPECT_EQ(i.type, ObjType::Frame);
    EXPECT_EQ(i.base, (64u << 20) + 8 * K4);
    EXPECT_EQ(i.bytes, 4 * K4);
    EXPECT_EQ(i.rights, kAllRights);
}

// ---- install -----------------------------------------------------------------------------------

TEST_F(Rules, InstallRefusesUnknownCapabilities) {
    expect_refused(Error::InvalidCap, [&] { return m.kernel.install(CapRef{777}, 0, frame, kMapRead); });
    expect_refused(Error::InvalidCap, [&] { return m.kernel.install(pt, 0, CapRef{777}, kMapRead); });
    expect_refused(Error::InvalidCap, [&] { return m.kernel.install(pt, 0, CapRef{}, kMapRead); });
}

TEST_F(Rules, InstallIntoSomethingThatIsNotAVNodeIsWrongType) {
    expect_refused(Error::WrongType, [&] { return m.kernel.install(frame, 0, frame16k, kMapRead); });
    expect_refused(Error::WrongType, [&] { return m.kernel.install(ram, 0, frame, kMapRead); });
}

TEST_F(Rules, AVNodeGoesOnlyOneLevelUp) {
    // Each table accepts exactly the VNode type of the level below it as a table.
    expect_refused(Error::WrongType, [&] { return m.kernel.install(pml4, 0, pd, kMapRead); });
    expect_refused(Error::WrongType, [&] { return m.kernel.install(pml4, 0, pt, kMapRead); });
    expect_refused(Error::WrongType, [&] { return m.kernel.install(pml4, 0, pml4, kMapRead); });
    expect_refused(Error::WrongType, [&] { return m.kernel.install(pdpt, 0, pdpt, kMapRead); });
    expect_refused(Error::WrongType, [&] { return m.kernel.install(pdpt, 0, pt, kMapRead); });
    expect_refused(Error::WrongType, [&] { return m.kernel.install(pdpt, 0, pml4, kMapRead); });
    expect_refused(Error::WrongType, [&] { return m.kernel.install(pd, 0, pdpt, kMapRead); });
    expect_refused(Error::WrongType, [&] { return m.kernel.install(pd, 0, pd, kMapRead); });
    expect_refused(Error::WrongType, [&] { return m.kernel.install(pd, 0, pml4, kMapRead); });
    EXPECT_EQ(m.kernel.install(pml4, 0, pdpt, 0), Error::Ok);
    EXPECT_EQ(m.kernel.install(pdpt, 0, pd, 0), Error::Ok);
    EXPECT_EQ(m.kernel.install(pd, 0, pt, 0), Error::Ok);
}

TEST_F(Rules, FramesGoOnlyWhereTheHardwareMapsPages) {
    expect_refused(Error::WrongType, [&] { return m.kernel.install(pml4, 0, frame, kMapRead); });
    expect_refused(Error::WrongType, [&] { return m.kernel.install(pt, 0, ram, kMapRead); });
    expect_refused(Error::WrongType, [&] { return m.kernel.install(pml4, 0, ram, kMapRead); });
}

TEST_F(Rules, InstallChecksTheSlot) {
    expect_refused(Error::SlotOutOfRange, [&] { return m.kernel.install(pt, 512, frame, kMapRead); });
    expect_refused(Error::SlotOutOfRange, [&] { return m.kernel.install(pt, ~0u, frame, kMapRead); });
    // A 16 KB Frame needs four entries: from 509 they run past the table.
    expect_refused(Error::SlotOutOfRange, [&] { return m.kernel.install(pt, 509, frame16k, kMapRead); });
    EXPECT_EQ(m.kernel.install(pt, 508, frame16k, kMapRead), Error::Ok);
    // Every entry of a mapping must be free.
    expect_refused(Error::SlotInUse, [&] { return m.kernel.install(pt, 511, frame, kMapRead); });
    expect_refused(Error::SlotInUse, [&] { return m.kernel.install(pt, 508, frame, kMapRead); });
    const CapRef frame16k_b = m.make(ram, ObjType::Frame, 12 * K4, 4 * K4);
    expect_refused(Error::SlotInUse, [&] { return m.kernel.install(pt, 505, frame16k_b, kMapRead); });
    EXPECT_EQ(m.kernel.install(pt, 504, frame16k_b, kMapRead), Error::Ok);
}

TEST_F(Rules, LargePagesNeedAlignedFramesOfWholePages) {
    // A 4 KB-aligned Frame in a PD entry (a 2 MB page) is misaligned.
    expect_refused(Error::Misaligned, [&] { return m.kernel.install(pd, 0, frame, kMapRead); });
    // 2 MB-aligned but 2 MB + 4 KB long.
    const CapRef odd = m.make(ram, ObjType::Frame, 4 * M2, M2 + K4);
    expect_refused(Error::BadSize, [&] { return m.kernel.install(pd, 0, odd, kMapRead); });
    // A 1 GB page from a 2 MB Frame.
    expect_refused(Error::Misaligned, [&] { return m.kernel.install(pdpt, 0, big, kMapRead); });
    EXPECT_EQ(m.kernel.install(pd, 0, big, kMapRead), Error::Ok);
}

TEST(InstallLargePages, OneGigabytePagesNeedTheCpuFeature) {
    x86::MmuConfig c;
    c.pages_1g = false;
    Machine m(c);
    const CapRef ram = m.grant(G1, G1 + K4);
    const CapRef pdpt = m.make(ram, ObjType::Pdpt, G1);
    const CapRef huge = m.make(ram, ObjType::Frame, 0, G1);
    EXPECT_EQ(m.kernel.install(pdpt, 0, huge, kMapRead), Error::Unsupported);
}

TEST_F(Rules, MappingFlagsNeedTheCapabilitysRights) {
    const CapRef ro = m.kernel.copy(frame, kRead).value;
    expect_refused(Error::NoRights, [&] { return m.kernel.install(pt, 0, ro, kMapRead | kMapWrite); });
    expect_refused(Error::NoRights, [&] { return m.kernel.install(pt, 0, ro, kMapRead | kMapExecute); });
    const CapRef none = m.kernel.copy(frame, 0).value;
    expect_refused(Error::NoRights, [&] { return m.kernel.install(pt, 0, none, kMapRead); });
    EXPECT_EQ(m.kernel.install(pt, 0, ro, kMapRead), Error::Ok);
}

TEST_F(Rules, InstallNeedsWriteOnTheTable) {
    const CapRef ro_pt = m.kernel.copy(pt, kRead).value;
    expect_refused(Error::NoRights, [&] { return m.kernel.install(ro_pt, 0, frame, kMapRead); });
}

TEST_F(Rules, UndefinedFlagsAreRefused) {
    expect_refused(Error::BadFlags, [&] { return m.kernel.install(pt, 0, frame, 0x10); });
    expect_refused(Error::BadFlags, [&] { return m.kernel.install(pt, 0, frame, 0x80); });
}

TEST_F(Rules, APageTableMapsOnlyReadOnly) {
    for (CapRef table : {pml4, pdpt, pd, pt})
        expect_refused(Error::WritableTable, [&] { return m.kernel.install(pt, 0, table, kMapRead | kMapWrite); });
    EXPECT_EQ(m.kernel.install(pt, 0, pd, kMapRead), Error::Ok);
    EXPECT_EQ(m.kernel.install(pt, 1, pt, kMapRead), Error::Ok);  // itself
}

// ---- unmap, modify_flags, A/D, set_root ----------------------------------------------------------

TEST_F(Rules, UnmapNeedsTheFirstEntryOfAMapping) {
    ASSERT_EQ(m.kernel.install(pt, 8, frame16k, kMapRead), Error::Ok);
    expect_refused(Error::NotMapped, [&] { return m.kernel.unmap(pt, 7); });
    expect_refused(Error::NotMapped, [&] { return m.kernel.unmap(pt, 9); });
    expect_refused(Error::SlotOutOfRange, [&] { return m.kernel.unmap(pt, 512); });
    expect_refused(Error::WrongType, [&] { return m.kernel.unmap(frame, 0); });
    expect_refused(Error::NoRights, [&] { return m.kernel.unmap(m.kernel.copy(pt, kRead).value, 8); });
    EXPECT_EQ(m.kernel.unmap(pt, 8), Error::Ok);
    for (unsigned i = 8; i < 12; ++i) EXPECT_EQ(m.entry(m.base_of(pt), i), 0u);
    expect_refused(Error::NotMapped, [&] { return m.kernel.unmap(pt, 8); });
}

TEST_F(Rules, ModifyFlagsChecksEveryEntryBeforeChangingAny) {
    ASSERT_EQ(m.kernel.install(pt, 0, frame16k, kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.install(pt, 5, m.kernel.copy(frame, kRead).value, kMapRead), Error::Ok);
    expect_refused(Error::NotMapped, [&] { return m.kernel.modify_flags(pt, 0, 5, kMapRead); });  // entry 4 empty
    // Entry 5's capability is read-only: the write request fails for the whole range.
    ASSERT_EQ(m.kernel.install(pt, 4, m.make(ram, ObjType::Frame, 30 * K4), kMapRead), Error::Ok);
    expect_refused(Error::NoRights, [&] { return m.kernel.modify_flags(pt, 0, 6, kMapRead | kMapWrite); });
    EXPECT_EQ(m.entry(m.base_of(pt), 0) & RW, 0u);
    expect_refused(Error::BadSize, [&] { return m.kernel.modify_flags(pt, 0, 0, kMapRead); });
    expect_refused(Error::SlotOutOfRange, [&] { return m.kernel.modify_flags(pt, 510, 3, kMapRead); });
    expect_refused(Error::SlotOutOfRange, [&] { return m.kernel.modify_flags(pt, 0, ~0u, kMapRead); });
    expect_refused(Error::BadFlags, [&] { return m.kernel.modify_flags(pt, 0, 1, 0x40); });
    EXPECT_EQ(m.kernel.modify_flags(pt, 0, 5, kMapRead | kMapWrite), Error::Ok);
    for (unsigned i = 0; i < 5; ++i) EXPECT_NE(m.entry(m.base_of(pt), i) & RW, 0u) << i;
}

TEST_F(Rules, ModifyFlagsCannotMakeATableEntryOrAPageTableWritable) {
    ASSERT_EQ(m.kernel.install(pd, 3, pt, 0), Error::Ok);
    expect_refused(Error::WrongType, [&] { return m.kernel.modify_flags(pd, 3, 1, kMapRead); });
    ASSERT_EQ(m.kernel.install(pt, 0, pd, kMapRead), Error::Ok);
    expect_refused(Error::WritableTable, [&] { return m.kernel.modify_flags(pt, 0, 1, kMapRead | kMapWrite); });
    EXPECT_EQ(m.kernel.modify_flags(pt, 0, 1, kMapRead | kMapNoCache), Error::Ok);
    EXPECT_NE(m.entry(m.base_of(pt), 0) & PCD, 0u);
}

TEST_F(Rules, AccessedAndDirtyCallsCheckTheirArguments) {
    expect_refused(Error::NotMapped, [&] { return err(m.kernel.read_ad(pt, 0)); });
    expect_refused(Error::SlotOutOfRange, [&] { return err(m.kernel.read_ad(pt, 512)); });
    expect_refused(Error::WrongType, [&] { return err(m.kernel.read_ad(frame, 0)); });
    ASSERT_EQ(m.kernel.install(pt, 0, frame, kMapRead), Error::Ok);
    expect_refused(Error::BadFlags, [&] { return m.kernel.clear_ad(pt, 0, 1, 0); });
    expect_refused(Error::BadFlags, [&] { return m.kernel.clear_ad(pt, 0, 1, 4); });
    expect_refused(Error::NotMapped, [&] { return m.kernel.clear_ad(pt, 0, 2, kAccessed); });
    expect_refused(Error::SlotOutOfRange, [&] { return m.kernel.clear_ad(pt, 511, 2, kAccessed); });
    expect_refused(Error::BadSize, [&] { return m.kernel.clear_ad(pt, 0, 0, kAccessed); });
    expect_refused(Error::NoRights, [&] { return m.kernel.clear_ad(m.kernel.copy(pt, kRead).value, 0, 1, kDirty); });
    EXPECT_EQ(m.kernel.read_ad(pt, 0).value, 0);
}

TEST_F(Rules, OnlyAPml4BecomesTheRoot) {
    for (CapRef c : {pdpt, pd, pt}) expect_refused(Error::WrongType, [&] { return m.kernel.set_root(c); });
    expect_refused(Error::WrongType, [&] { return m.kernel.set_root(frame); });
    expect_refused(Error::InvalidCap, [&] { return m.kernel.set_root(CapRef{4242}); });
    EXPECT_EQ(m.mmu.mode(), x86::PagingMode::Off);
    EXPECT_EQ(m.kernel.set_root(pml4), Error::Ok);
    EXPECT_EQ(m.mmu.mode(), x86::PagingMode::Long4);
    EXPECT_EQ(m.mmu.cr3(), m.base_of(pml4));
}

TEST(LegacyRules, OnlyLegacyVNodesAndFourMegabytePages) {
    KernelConfig k;
    k.mode = x86::PagingMode::Legacy;
    Machine m(x86::MmuConfig{}, k);
    const CapRef ram = m.grant(0, 16 << 20);
    EXPECT_EQ(m.kernel.retype(ram, ObjType::Pml4, 0, K4).error, Error::WrongType);
    EXPECT_EQ(m.kernel.retype(ram, ObjType::Pt, 0, K4).error, Error::WrongType);
    const CapRef pd = m.make(ram, ObjType::Pd32, 0);
    const CapRef pt = m.make(ram, ObjType::Pt32, K4);
    EXPECT_EQ(m.kernel.install(pd, 1024, pt, 0), Error::SlotOutOfRange);
    EXPECT_EQ(m.kernel.install(pt, 0, pd, kMapRead | kMapWrite), Error::WritableTable);
    EXPECT_EQ(m.kernel.install(pt, 0, pt, kMapRead), Error::Ok);
    const CapRef two_m = m.make(ram, ObjType::Frame, M4 / 2, M4 / 2);
    EXPECT_EQ(m.kernel.install(pd, 0, two_m, kMapRead), Error::Misaligned);
    const CapRef four_m = m.make(ram, ObjType::Frame, M4, M4);
    EXPECT_EQ(m.kernel.install(pd, 1, four_m, kMapRead), Error::Ok);
    EXPECT_EQ(m.kernel.set_root(pt), Error::WrongType);
    EXPECT_EQ(m.kernel.set_root(pd), Error::Ok);
    EXPECT_EQ(m.mmu.mode(), x86::PagingMode::Legacy);
}

}  // namespace
}  // namespace vmsim::selfpage::test
