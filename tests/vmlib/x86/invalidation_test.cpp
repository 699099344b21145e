// The invalidations the kernel performs (SDM Vol. 3A 4.10.4), on an MMU with its TLBs and
// paging-structure caches: after each change the next translation must see the tables as they are
// in memory, which it would not if the kernel skipped an INVLPG or a CR3 reload.
#include <gtest/gtest.h>

#include "tests/vmlib/x86/machine.hpp"

namespace vmsim::selfpage::test {
namespace {

// An address space with one table per level on the path of linear address 0, loaded in CR3.
struct Space {
    explicit Space(Machine& machine, uint64_t ram_base = 64 << 20) : m(machine) {
        ram = m.grant(ram_base, 512 << 20);
        const Path p = make_path(m, ram);
        pml4 = p.pml4, pdpt = p.pdpt, pd = p.pd, pt = p.pt;
        EXPECT_EQ(m.kernel.set_root(pml4), Error::Ok);
    }
    // A new Frame of `pages` 4 KB pages (offsets from 4 MB up, in allocation order).
    CapRef frame(uint64_t pages = 1) {
        const CapRef f = m.make(ram, ObjType::Frame, next_, pages * K4);
        next_ += pages * K4;
        return f;
    }
    Machine& m;
    CapRef ram, pml4, pdpt, pd, pt;
    uint64_t next_ = 4 << 20;
};

TEST(Invalidation, TheFixtureNeedsItAStaleTlbEntryOutlivesAnEntryClearedInMemory) {
    // What every test below guards against: the TLB keeps a translation whose entry is gone.
    Machine m;
    Space s(m);
    const CapRef f = s.frame();
    ASSERT_EQ(m.kernel.install(s.pt, 1, f, kMapRead), Error::Ok);
    ASSERT_TRUE(m.read(0x1000).ok());
    m.ram.write64(m.base_of(s.pt) + 8, 0);
    EXPECT_TRUE(m.read(0x1000).ok());
}

TEST(Invalidation, UnmapDropsThePagesCachedTranslation) {
    Machine m;
    Space s(m);
    const CapRef f = s.frame();
    ASSERT_EQ(m.kernel.install(s.pt, 1, f, kMapRead), Error::Ok);
    const x86::Translation before = m.read(0x1234);
    ASSERT_TRUE(before.ok());
    EXPECT_EQ(before.pa, m.base_of(f) + 0x234);
    ASSERT_EQ(m.kernel.unmap(s.pt, 1), Error::Ok);
    const x86::Translation after = m.read(0x1234);
    EXPECT_EQ(after.fault, x86::Fault::Page);
    EXPECT_EQ(after.error_code, EC_U);  // not present
    EXPECT_EQ(m.kernel.stats().invlpgs, 1u);
    EXPECT_EQ(m.mmu.stats().invlpg, 1u);
}

TEST(Invalidation, InstallingIntoAnEmptyEntryNeedsNone) {
    // SDM 4.10.4.3: not-present entries are not cached, so P 0 -> 1 needs no invalidation.
    Machine m;
    Space s(m);
    EXPECT_EQ(m.read(0x5000).fault, x86::Fault::Page);
    ASSERT_EQ(m.kernel.install(s.pt, 5, s.frame(), kMapRead), Error::Ok);
    EXPECT_TRUE(m.read(0x5000).ok());
    EXPECT_EQ(m.kernel.stats().invlpgs + m.kernel.stats().cr3_reloads, 0u);
}

TEST(Invalidation, UnmappingAPageTableDropsEveryPageBelowIt) {
    Machine m;
    Space s(m);
    for (unsigned i = 0; i < 3; ++i) ASSERT_EQ(m.kernel.install(s.pt, i, s.frame(), kMapRead), Error::Ok);
    for (unsigned i = 0; i < 3; ++i) ASSERT_TRUE(m.read(i * K4).ok());
    ASSERT_EQ(m.kernel.unmap(s.pd, 0), Error::Ok);
    for (unsigned i = 0; i < 3; ++i) EXPECT_EQ(m.read(i * K4).fault, x86::Fault::Page) << i;
    EXPECT_EQ(m.kernel.stats().invlpgs, 3u);
    EXPECT_EQ(m.entry(m.base_of(s.pd), 0), 0u);
}

TEST(Invalidation, AReplacedPageTableIsNotWalkedAgain) {
    // The PDE cache holds the entry that referenced the old table: a walk for another page of the
    // same 2 MB would start from it and find the old table's empty entry.
    Machine m;
    Space s(m);
    ASSERT_EQ(m.kernel.install(s.pt, 6, s.frame(), kMapRead), Error::Ok);
    ASSERT_TRUE(m.read(0x6000).ok());
    ASSERT_TRUE(m.read(0x6000 + M2).fault == x86::Fault::Page);  // (another PDE: nothing cached for it)
    ASSERT_EQ(m.kernel.unmap(s.pd, 0), Error::Ok);
    const CapRef other = m.make(s.ram, ObjType::Pt, 4 * K4);
    const CapRef f = s.frame();
    ASSERT_EQ(m.kernel.install(other, 5, f, kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.install(s.pd, 0, other, 0), Error::Ok);
    const x86::Translation t = m.read(0x5000);
    ASSERT_TRUE(t.ok()) << int(t.error_code);
    EXPECT_EQ(t.pa, m.base_of(f));
    EXPECT_FALSE(m.read(0x6000).ok());
}

TEST(Invalidation, AnEmptyPageTableStillGetsOneInvlpgForThePagingStructureCaches) {
    // The processor may cache a PDE whose page table maps nothing (SDM 4.10.3.1), and every INVLPG
    // empties the paging-structure caches (4.10.4.1): one is enough, and one is needed.
    Machine m;
    Space s(m);
    ASSERT_EQ(m.kernel.unmap(s.pd, 0), Error::Ok);
    EXPECT_EQ(m.kernel.stats().invlpgs, 1u);
    EXPECT_EQ(m.mmu.stats().invlpg, 1u);
}

TEST(Invalidation, ReducedRightsTakeEffectAtOnceAndAccessedAndDirtyStay) {
    Machine m;
    Space s(m);
    ASSERT_EQ(m.kernel.install(s.pt, 2, s.frame(), kMapRead | kMapWrite), Error::Ok);
    ASSERT_TRUE(m.write(0x2000).ok());
    ASSERT_EQ(m.kernel.modify_flags(s.pt, 2, 1, kMapRead), Error::Ok);
    EXPECT_EQ(m.kernel.read_ad(s.pt, 2).value, kAccessed | kDirty);
    const x86::Translation t = m.write(0x2000);
    EXPECT_EQ(t.fault, x86::Fault::Page);
    EXPECT_EQ(t.error_code, EC_P | EC_W | EC_U);
    EXPECT_TRUE(m.read(0x2000).ok());
}

TEST(Invalidation, ClearingDirtyMakesTheNextWriteSetItAgain) {
    // A TLB entry filled by a write remembers the page is dirty: without an INVLPG the next write
    // would go through it and leave D clear (SDM 4.8).
    Machine m;
    Space s(m);
    ASSERT_EQ(m.kernel.install(s.pt, 3, s.frame(), kMapRead | kMapWrite), Error::Ok);
    EXPECT_EQ(m.kernel.read_ad(s.pt, 3).value, 0);
    ASSERT_TRUE(m.read(0x3000).ok());
    EXPECT_EQ(m.kernel.read_ad(s.pt, 3).value, kAccessed);
    ASSERT_TRUE(m.write(0x3000).ok());
    EXPECT_EQ(m.kernel.read_ad(s.pt, 3).value, kAccessed | kDirty);
    ASSERT_EQ(m.kernel.clear_ad(s.pt, 3, 1, kDirty), Error::Ok);
    EXPECT_EQ(m.kernel.read_ad(s.pt, 3).value, kAccessed);
    ASSERT_TRUE(m.write(0x3000).ok());
    EXPECT_EQ(m.kernel.read_ad(s.pt, 3).value, kAccessed | kDirty);
}

TEST(Invalidation, ClearingAccessedOnATableEntryMakesTheNextAccessSetItAgain) {
    Machine m;
    Space s(m);
    ASSERT_EQ(m.kernel.install(s.pt, 3, s.frame(), kMapRead), Error::Ok);
    ASSERT_TRUE(m.read(0x3000).ok());
    EXPECT_EQ(m.kernel.read_ad(s.pd, 0).value, kAccessed);
    ASSERT_EQ(m.kernel.clear_ad(s.pd, 0, 1, kAccessed), Error::Ok);
    EXPECT_EQ(m.kernel.read_ad(s.pd, 0).value, 0);
    ASSERT_TRUE(m.read(0x3000).ok());
    EXPECT_EQ(m.kernel.read_ad(s.pd, 0).value, kAccessed);
}

TEST(Invalidation, UpToTheLimitEachPageGetsAnInvlpgBeyondItCr3IsReloaded) {
    Machine m;
    Space s(m);
    const unsigned limit = m.kernel.config().invlpg_limit;
    ASSERT_EQ(limit, 33u);
    ASSERT_EQ(m.kernel.install(s.pt, 0, s.frame(limit), kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.install(s.pt, 100, s.frame(limit + 1), kMapRead), Error::Ok);
    for (unsigned i = 0; i < limit; ++i) ASSERT_TRUE(m.read(i * K4).ok());
    for (unsigned i = 0; i <= limit; ++i) ASSERT_TRUE(m.read((100 + i) * K4).ok());
    const uint64_t cr3_writes = m.mmu.stats().cr3_writes;

    ASSERT_EQ(m.kernel.unmap(s.pt, 0), Error::Ok);
    EXPECT_EQ(m.kernel.stats().invlpgs, limit);
    EXPECT_EQ(m.kernel.stats().cr3_reloads, 0u);
    for (unsigned i = 0; i < limit; ++i) EXPECT_FALSE(m.read(i * K4).ok()) << i;

    ASSERT_EQ(m.kernel.unmap(s.pt, 100), Error::Ok);
    EXPECT_EQ(m.kernel.stats().invlpgs, limit);
    EXPECT_EQ(m.kernel.stats().cr3_reloads, 1u);
    EXPECT_EQ(m.mmu.stats().cr3_writes, cr3_writes + 1);
    EXPECT_EQ(m.mmu.cr3(), m.base_of(s.pml4));
    for (unsigned i = 0; i <= limit; ++i) EXPECT_FALSE(m.read((100 + i) * K4).ok()) << i;
}

TEST(Invalidation, ALimitOfZeroAlwaysReloadsCr3) {
    KernelConfig k;
    k.invlpg_limit = 0;
    Machine m(x86::MmuConfig{}, k);
    Space s(m);
    ASSERT_EQ(m.kernel.install(s.pt, 1, s.frame(), kMapRead), Error::Ok);
    ASSERT_TRUE(m.read(0x1000).ok());
    ASSERT_EQ(m.kernel.unmap(s.pt, 1), Error::Ok);
    EXPECT_EQ(m.kernel.stats().invlpgs, 0u);
    EXPECT_EQ(m.kernel.stats().cr3_reloads, 1u);
    EXPECT_FALSE(m.read(0x1000).ok());
}

TEST(Invalidation, ASharedTableIsInvalidatedAtEveryAddressThatReachesIt) {
    Machine m;
    Space s(m);
    ASSERT_EQ(m.kernel.install(s.pd, 7, s.pt, 0), Error::Ok);  // the same PT at 0 and at 14 MB
    const CapRef f = s.frame();
    ASSERT_EQ(m.kernel.install(s.pt, 1, f, kMapRead), Error::Ok);
    const uint64_t alias = 7 * M2 + K4;
    ASSERT_EQ(m.read(0x1000).pa, m.base_of(f));
    ASSERT_EQ(m.read(alias).pa, m.base_of(f));
    ASSERT_EQ(m.kernel.unmap(s.pt, 1), Error::Ok);
    EXPECT_EQ(m.kernel.stats().invlpgs, 2u);
    EXPECT_FALSE(m.read(0x1000).ok());
    EXPECT_FALSE(m.read(alias).ok());
}

TEST(Invalidation, HighHalfAddressesAreInvalidatedInCanonicalForm) {
    // PML4 entry 511 maps 0xffffff80'00000000 up; an INVLPG of the non-canonical 0x0000ff80'... is a
    // no-op (SDM 4.10.4.1), which would leave the translation cached.
    Machine m;
    Space s(m);
    const CapRef pdpt = m.make(s.ram, ObjType::Pdpt, 8 * K4);
    const CapRef pd = m.make(s.ram, ObjType::Pd, 9 * K4);
    const CapRef pt = m.make(s.ram, ObjType::Pt, 10 * K4);
    ASSERT_EQ(m.kernel.install(s.pml4, 511, pdpt, 0), Error::Ok);
    ASSERT_EQ(m.kernel.install(pdpt, 511, pd, 0), Error::Ok);
    ASSERT_EQ(m.kernel.install(pd, 511, pt, 0), Error::Ok);
    ASSERT_EQ(m.kernel.install(pt, 511, s.frame(), kMapRead), Error::Ok);
    const uint64_t va = 0xfffffffffffff000;
    ASSERT_TRUE(m.read(va).ok());
    ASSERT_EQ(m.kernel.unmap(pt, 511), Error::Ok);
    EXPECT_FALSE(m.read(va).ok());
}

TEST(Invalidation, ChangesOutsideTheLoadedAddressSpaceNeedNone) {
    Machine m;
    Space s(m);
    const CapRef pt = m.make(s.ram, ObjType::Pt, 8 * K4);  // installed nowhere
    ASSERT_EQ(m.kernel.install(pt, 0, s.frame(), kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.unmap(pt, 0), Error::Ok);
    EXPECT_EQ(m.kernel.stats().invlpgs + m.kernel.stats().cr3_reloads, 0u);
}

TEST(Invalidation, DeletingTheCapabilityRemovesTheMappingsMadeWithIt) {
    Machine m;
    Space s(m);
    const CapRef f = s.frame();
    const CapRef copy = m.kernel.copy(f, kRead).value;
    ASSERT_EQ(m.kernel.install(s.pt, 1, f, kMapRead | kMapWrite), Error::Ok);
    ASSERT_EQ(m.kernel.install(s.pt, 2, copy, kMapRead), Error::Ok);
    ASSERT_TRUE(m.write(0x1000).ok());
    ASSERT_EQ(m.kernel.delete_cap(f), Error::Ok);
    EXPECT_FALSE(m.write(0x1000).ok());
    EXPECT_EQ(m.entry(m.base_of(s.pt), 1), 0u);
    // The read-only copy's mapping stays.
    EXPECT_TRUE(m.read(0x2000).ok());
    EXPECT_EQ(m.kernel.unmap(s.pt, 1), Error::NotMapped);
}

TEST(Invalidation, DeletingAPageTablesLastCapabilityUnmapsItEverywhere) {
    Machine m;
    Space s(m);
    ASSERT_EQ(m.kernel.install(s.pt, 1, s.frame(), kMapRead), Error::Ok);
    ASSERT_TRUE(m.read(0x1000).ok());
    ASSERT_EQ(m.kernel.delete_cap(s.pt), Error::Ok);
    EXPECT_FALSE(m.read(0x1000).ok());
    EXPECT_EQ(m.entry(m.base_of(s.pd), 0), 0u);
    // Its memory may now be retyped, and the PD entry reused.
    const CapRef pt = m.make(s.ram, ObjType::Pt, 3 * K4);
    EXPECT_EQ(m.kernel.install(s.pd, 0, pt, 0), Error::Ok);
}

TEST(Invalidation, SwitchingRootsSwitchesTranslations) {
    Machine m;
    Space a(m, 64 << 20);
    Space b(m, 1024 << 20);
    const CapRef fa = a.frame(), fb = b.frame();
    ASSERT_EQ(m.kernel.install(a.pt, 1, fa, kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.install(b.pt, 1, fb, kMapRead), Error::Ok);
    ASSERT_EQ(m.read(0x1000).pa, m.base_of(fb));  // b was loaded last
    ASSERT_EQ(m.kernel.set_root(a.pml4), Error::Ok);
    EXPECT_EQ(m.read(0x1000).pa, m.base_of(fa));
    // Changes in the address space not loaded need no invalidation.
    const uint64_t invlpgs = m.kernel.stats().invlpgs;
    ASSERT_EQ(m.kernel.unmap(b.pt, 1), Error::Ok);
    EXPECT_EQ(m.kernel.stats().invlpgs, invlpgs);
}

TEST(Invalidation, LegacyPagingUnmapOfA4MPage) {
    KernelConfig k;
    k.mode = x86::PagingMode::Legacy;
    Machine m(x86::MmuConfig{}, k);
    const CapRef ram = m.grant(0, 64 << 20);
    const CapRef pd = m.make(ram, ObjType::Pd32, 0);
    const CapRef big = m.make(ram, ObjType::Frame, M4, M4);
    ASSERT_EQ(m.kernel.install(pd, 3, big, kMapRead), Error::Ok);
    ASSERT_EQ(m.kernel.set_root(pd), Error::Ok);
    const x86::Translation t = m.read(3 * M4 + 0x1234);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.pa, M4 + 0x1234);
    EXPECT_EQ(t.page_size, x86::PageSize::k4M);
    ASSERT_EQ(m.kernel.unmap(pd, 3), Error::Ok);
    EXPECT_FALSE(m.read(3 * M4 + 0x1234).ok());
}

}  // namespace
}  // namespace vmsim::selfpage::test
