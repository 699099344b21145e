// The user-level pager: regions mapped now or on first touch, the page-size policy, its own page
// faults through translate_with_pager, unmapping, physical placement, and its errors.
#include <gtest/gtest.h>

#include <set>

#include "tests/vmlib/x86/machine.hpp"

namespace vmsim::selfpage::test {
namespace {

using x86::PageSize;

struct PagerTest : ::testing::Test {
    Machine m;
    Pager pager{m.kernel};
    // 4 GB of RAM at 4 GB: room for 1 GB pages and the tables beside them.
    CapRef ram = m.grant(4 * G1, 4 * G1);

    void SetUp() override { ASSERT_EQ(pager.add_ram(ram), Error::Ok); }

    // The page size and physical address the MMU finds for `va` (a user read).
    x86::Translation read(uint64_t va) { return m.read(va); }
};

TEST_F(PagerTest, MapRegionWithFourKilobytePagesMapsEveryPageToItsOwnFrame) {
    const uint64_t va = 0x40000000;
    ASSERT_EQ(pager.map_region(va, 64 * K4, kRead | kWrite), Error::Ok);
    ASSERT_EQ(pager.activate(), Error::Ok);
    std::set<uint64_t> frames;
    for (uint64_t off = 0; off < 64 * K4; off += K4) {
        const x86::Translation t = m.write(va + off + 8);
        ASSERT_TRUE(t.ok()) << off;
        EXPECT_EQ(t.page_size, PageSize::k4K);
        EXPECT_EQ(t.pa % K4, 8u);
        frames.insert(t.pa);
    }
    EXPECT_EQ(frames.size(), 64u);
    EXPECT_FALSE(read(va + 64 * K4).ok());
    EXPECT_FALSE(read(va - K4).ok());
    EXPECT_EQ(pager.stats().pages[0], 64u);
    EXPECT_EQ(pager.stats().frames, 1u);  // one run in one page table: one Frame, one install
    EXPECT_EQ(pager.stats().tables, 4u);
}

TEST_F(PagerTest, TwoMegabytePolicyUsesLargePagesWhereAWholeAlignedBlockFits) {
    // [1 MB, 7 MB): 4 KB pages up to 2 MB, two 2 MB pages, 4 KB pages from 6 MB.
    ASSERT_EQ(pager.map_region(1 << 20, 6 << 20, kRead | kWrite, PageSize::k2M), Error::Ok);
    ASSERT_EQ(pager.activate(), Error::Ok);
    EXPECT_EQ(read(1 << 20).page_size, PageSize::k4K);
    EXPECT_EQ(read((2 << 20) - K4).page_size, PageSize::k4K);
    EXPECT_EQ(read(2 << 20).page_size, PageSize::k2M);
    EXPECT_EQ(read((6 << 20) - 1).page_size, PageSize::k2M);
    EXPECT_EQ(read(6 << 20).page_size, PageSize::k4K);
    EXPECT_EQ(read((7 << 20) - 1).page_size, PageSize::k4K);
    EXPECT_FALSE(read(7 << 20).ok());
    EXPECT_EQ(pager.stats().pages[static_cast<unsigned>(PageSize::k2M)], 2u);
    EXPECT_EQ(pager.stats().pages[static_cast<unsigned>(PageSize::k4K)], 512u);
    // A large page's frame is aligned to its size.
    EXPECT_EQ(read(2 << 20).pa % M2, 0u);
}

TEST_F(PagerTest, OneGigabytePolicyMixesAllThreeSizes) {
    // [1 GB - 4 KB, 2 GB + 2 MB + 4 KB): one 4 KB page, one 1 GB page, one 2 MB page, one 4 KB page.
    const uint64_t start = G1 - K4, bytes = K4 + G1 + M2 + K4;
    ASSERT_EQ(pager.map_region(start, bytes, kRead | kWrite, PageSize::k1G), Error::Ok);
    ASSERT_EQ(pager.activate(), Error::Ok);
    EXPECT_EQ(read(start).page_size, PageSize::k4K);
    EXPECT_EQ(read(G1).page_size, PageSize::k1G);
    EXPECT_EQ(read(2 * G1 - 1).page_size, PageSize::k1G);
    EXPECT_EQ(read(2 * G1).page_size, PageSize::k2M);
    EXPECT_EQ(read(2 * G1 + M2).page_size, PageSize::k4K);
    EXPECT_FALSE(read(2 * G1 + M2 + K4).ok());
    EXPECT_EQ(read(G1).pa % G1, 0u);
    const PagerStats& s = pager.stats();
    EXPECT_EQ(s.pages[static_cast<unsigned>(PageSize::k1G)], 1u);
    EXPECT_EQ(s.pages[static_cast<unsigned>(PageSize::k2M)], 1u);
    EXPECT_EQ(s.pages[static_cast<unsigned>(PageSize::k4K)], 2u);
}

TEST_F(PagerTest, AGigabyteOfFourKilobytePagesTakes512Installs) {
    ASSERT_EQ(pager.map_region(G1, G1, kRead | kWrite), Error::Ok);
    EXPECT_EQ(pager.stats().pages[0], G1 / K4);
    EXPECT_EQ(pager.stats().frames, 512u);
    ASSERT_EQ(pager.activate(), Error::Ok);
    EXPECT_EQ(read(G1 + 12345 * K4).page_size, PageSize::k4K);
}

TEST_F(PagerTest, LazyRegionsAreMappedByTheirOwnFaults) {
    const uint64_t va = 0x7f0000000000;
    ASSERT_EQ(pager.reserve_region(va, 4 * M2, kRead | kWrite, PageSize::k2M), Error::Ok);
    ASSERT_EQ(pager.activate(), Error::Ok);
    EXPECT_EQ(pager.stats().pages[1], 0u);
    unsigned faults = 0;
    x86::Translation t = translate_with_pager(m.mmu, pager, va + M2 + 0x40, x86::Access::Write, &faults);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(faults, 1u);
    EXPECT_EQ(t.page_size, PageSize::k2M);
    EXPECT_EQ(pager.stats().faults_mapped, 1u);
    t = translate_with_pager(m.mmu, pager, va + M2 + 0x80000, x86::Access::Read, &faults);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(faults, 0u);  // same 2 MB page
    t = translate_with_pager(m.mmu, pager, va, x86::Access::Read, &faults);
    EXPECT_EQ(faults, 1u);
    EXPECT_EQ(pager.stats().pages[1], 2u);
}

TEST_F(PagerTest, LazyAndEagerMappingChooseTheSamePages) {
    // The same region mapped eagerly and touched lazily, page by page, gives the same page sizes.
    const uint64_t start = 3 * M2 - 2 * K4, bytes = 3 * M2;
    Machine other;
    Pager lazy(other.kernel);
    ASSERT_EQ(lazy.add_ram(other.grant(4 * G1, G1)), Error::Ok);
    ASSERT_EQ(pager.map_region(start, bytes, kRead, PageSize::k2M), Error::Ok);
    ASSERT_EQ(lazy.reserve_region(start, bytes, kRead, PageSize::k2M), Error::Ok);
    ASSERT_EQ(pager.activate(), Error::Ok);
    ASSERT_EQ(lazy.activate(), Error::Ok);
    for (uint64_t va = start; va < start + bytes; va += K4) {
        const x86::Translation a = read(va);
        const x86::Translation b = translate_with_pager(other.mmu, lazy, va, x86::Access::Read);
        ASSERT_TRUE(a.ok() && b.ok());
        ASSERT_EQ(a.page_size, b.page_size) << std::hex << va;
    }
}

TEST_F(PagerTest, FaultsOutsideRegionsOrAgainstTheirRightsAreNotResolved) {
    ASSERT_EQ(pager.reserve_region(G1, M2, kRead), Error::Ok);
    ASSERT_EQ(pager.activate(), Error::Ok);
    unsigned faults = 0;
    x86::Translation t = translate_with_pager(m.mmu, pager, 5 * G1, x86::Access::Read, &faults);
    EXPECT_EQ(t.fault, x86::Fault::Page);
    EXPECT_EQ(faults, 1u);
    EXPECT_EQ(pager.handle_fault(5 * G1, EC_U), FaultOutcome::NoRegion);
    // A write to the read-only region: the pager maps nothing for it.
    t = translate_with_pager(m.mmu, pager, G1, x86::Access::Write, &faults);
    EXPECT_EQ(t.fault, x86::Fault::Page);
    EXPECT_EQ(t.error_code, EC_W | EC_U);
    EXPECT_EQ(pager.handle_fault(G1, EC_W | EC_U), FaultOutcome::Protection);
    EXPECT_EQ(pager.stats().faults_mapped, 0u);
    // Reading maps it; a write then faults on protection and is still refused.
    EXPECT_TRUE(translate_with_pager(m.mmu, pager, G1, x86::Access::Read).ok());
    t = translate_with_pager(m.mmu, pager, G1, x86::Access::Write, &faults);
    EXPECT_EQ(t.error_code, EC_P | EC_W | EC_U);
    EXPECT_EQ(faults, 1u);
    // A fetch from a region without Execute.
    EXPECT_EQ(translate_with_pager(m.mmu, pager, G1, x86::Access::Fetch).fault, x86::Fault::Page);
    EXPECT_EQ(pager.handle_fault(G1, EC_P | EC_U | EC_I), FaultOutcome::Protection);
}

TEST_F(PagerTest, AFaultOnAMappedPageIsSpurious) {
    ASSERT_EQ(pager.map_region(G1, K4, kRead), Error::Ok);
    EXPECT_EQ(pager.handle_fault(G1, EC_U), FaultOutcome::Spurious);
}

TEST_F(PagerTest, UnmapRegionReturnsItsFramesForReuse) {
    // RAM for one 1 GB page and the tables: mapping a second gigabyte needs the first one's frame.
    Machine small;
    Pager p(small.kernel);
    ASSERT_EQ(p.add_ram(small.grant(G1, G1 + M2)), Error::Ok);
    ASSERT_EQ(p.map_region(G1, G1, kRead | kWrite, PageSize::k1G), Error::Ok);
    EXPECT_EQ(p.map_region(2 * G1, G1, kRead | kWrite, PageSize::k1G), Error::OutOfMemory);
    EXPECT_EQ(p.unmap_region(2 * G1), Error::Ok);  // the failed region stays defined; nothing mapped
    ASSERT_EQ(p.activate(), Error::Ok);
    ASSERT_TRUE(small.read(G1).ok());
    ASSERT_EQ(p.unmap_region(G1), Error::Ok);
    EXPECT_FALSE(small.read(G1).ok());
    EXPECT_EQ(p.stats().pages[static_cast<unsigned>(PageSize::k1G)], 0u);
    ASSERT_EQ(p.map_region(2 * G1, G1, kRead | kWrite, PageSize::k1G), Error::Ok);
    EXPECT_EQ(small.read(2 * G1 + 5).pa, G1 + 5);
    EXPECT_EQ(p.unmap_region(3 * G1), Error::NotMapped);
}

TEST_F(PagerTest, TablesAndSmallFramesComeFromTheTopOfMemoryLargeFramesFromTheBottom) {
    ASSERT_EQ(pager.map_region(0, K4, kRead), Error::Ok);
    ASSERT_EQ(pager.map_region(G1, G1, kRead, PageSize::k1G), Error::Ok);
    ASSERT_EQ(pager.activate(), Error::Ok);
    EXPECT_EQ(read(G1).pa, 4 * G1);                 // the lowest aligned gigabyte
    EXPECT_EQ(read(0).pa, 8 * G1 - 5 * K4);         // below the four tables at the top
    EXPECT_EQ(m.mmu.cr3(), 8 * G1 - K4);            // the first table: the PML4
}

TEST_F(PagerTest, WithoutContiguousMemoryARunIsMappedPageByPage) {
    // RAM in two pieces: 16 pages of 4 KB cannot come from either piece as one Frame.
    Machine two;
    Pager p(two.kernel);
    ASSERT_EQ(p.add_ram(two.grant(64 << 20, 12 * K4)), Error::Ok);
    ASSERT_EQ(p.add_ram(two.grant(128 << 20, 12 * K4)), Error::Ok);
    ASSERT_EQ(p.map_region(0, 16 * K4, kRead), Error::Ok);
    EXPECT_EQ(p.stats().frames, 16u);
    ASSERT_EQ(p.activate(), Error::Ok);
    for (uint64_t i = 0; i < 16; ++i) EXPECT_TRUE(two.read(i * K4).ok()) << i;
}

TEST_F(PagerTest, LookupAndAccessedDirtyBits) {
    ASSERT_EQ(pager.map_region(M2, 2 * M2, kRead | kWrite, PageSize::k2M), Error::Ok);
    ASSERT_EQ(pager.activate(), Error::Ok);
    const Result<PageInfo> info = pager.lookup(M2 + M2 + 0x1234);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info.value.page_va, 2 * M2);
    EXPECT_EQ(info.value.page_bytes, M2);
    EXPECT_EQ(info.value.slot, 2u);
    EXPECT_EQ(read(2 * M2).pa, info.value.pa);
    EXPECT_EQ(pager.lookup(0).error, Error::NotMapped);
    EXPECT_EQ(pager.page_ad(2 * M2).value, kAccessed);
    ASSERT_TRUE(m.write(2 * M2 + 8).ok());
    EXPECT_EQ(pager.page_ad(2 * M2).value, kAccessed | kDirty);
    EXPECT_EQ(pager.page_ad(M2).value, 0);
    ASSERT_EQ(pager.clear_page_ad(2 * M2, kAccessed | kDirty), Error::Ok);
    EXPECT_EQ(pager.page_ad(2 * M2).value, 0);
    ASSERT_TRUE(m.write(2 * M2 + 8).ok());
    EXPECT_EQ(pager.page_ad(2 * M2).value, kAccessed | kDirty);
}

TEST_F(PagerTest, BadRegionsAreErrors) {
    EXPECT_EQ(pager.map_region(0x1001, K4, kRead), Error::Misaligned);
    EXPECT_EQ(pager.map_region(0, 0, kRead), Error::BadSize);
    EXPECT_EQ(pager.map_region(0, K4 + 1, kRead), Error::BadSize);
    EXPECT_EQ(pager.map_region(0, K4, 0x10), Error::BadFlags);
    EXPECT_EQ(pager.map_region(0, K4, kRead, PageSize::k4M), Error::BadSize);  // not in long mode
    EXPECT_EQ(pager.map_region(0, K4, kRead, static_cast<PageSize>(9)), Error::BadSize);
    // Non-canonical, and ranges across the hole or past the top.
    EXPECT_EQ(pager.map_region(uint64_t{1} << 47, K4, kRead), Error::OutOfRange);
    EXPECT_EQ(pager.map_region((uint64_t{1} << 47) - K4, 2 * K4, kRead), Error::OutOfRange);
    EXPECT_EQ(pager.map_region(~uint64_t{0xfff}, 2 * K4, kRead), Error::OutOfRange);
    EXPECT_EQ(pager.map_region(~uint64_t{0xfff}, K4, kRead), Error::Ok);
    ASSERT_EQ(pager.map_region(G1, M2, kRead), Error::Ok);
    EXPECT_EQ(pager.map_region(G1 - K4, 2 * K4, kRead), Error::Overlap);
    EXPECT_EQ(pager.reserve_region(G1 + M2 - K4, K4, kRead), Error::Overlap);
    EXPECT_EQ(pager.add_ram(CapRef{9999}), Error::InvalidCap);
    const CapRef frame = m.kernel.retype(ram, ObjType::Frame, 0, K4).value;
    EXPECT_EQ(pager.add_ram(frame), Error::WrongType);
}

TEST(PagerMemory, RunningOutOfRamIsAnErrorNotACrash) {
    Machine m;
    Pager p(m.kernel);
    EXPECT_EQ(p.map_region(0, K4, kRead), Error::OutOfMemory);  // no RAM at all
    ASSERT_EQ(p.add_ram(m.grant(64 << 20, 8 * K4)), Error::Ok);
    EXPECT_EQ(p.map_region(G1, 8 * K4, kRead), Error::OutOfMemory);
    EXPECT_EQ(p.last_error(), Error::OutOfMemory);
}

TEST(PagerLegacy, FourMegabytePagesWith32BitPaging) {
    KernelConfig k;
    k.mode = x86::PagingMode::Legacy;
    Machine m(x86::MmuConfig{}, k);
    Pager p(m.kernel);
    ASSERT_EQ(p.add_ram(m.grant(64 << 20, 64 << 20)), Error::Ok);
    ASSERT_EQ(p.map_region(0x00400000 - K4, M4 + 2 * K4, kRead | kWrite, PageSize::k4M), Error::Ok);
    EXPECT_EQ(p.map_region(0, K4, kRead, PageSize::k2M), Error::BadSize);
    EXPECT_EQ(p.map_region(0xfffff000, 2 * K4, kRead), Error::OutOfRange);
    EXPECT_EQ(p.reserve_region(uint64_t{1} << 32, K4, kRead), Error::OutOfRange);
    ASSERT_EQ(p.reserve_region(0x80000000, 2 * M4, kRead | kWrite, PageSize::k4M), Error::Ok);
    ASSERT_EQ(p.activate(), Error::Ok);
    EXPECT_EQ(m.read(0x00400000 - K4).page_size, PageSize::k4K);
    EXPECT_EQ(m.read(0x00400000).page_size, PageSize::k4M);
    EXPECT_EQ(m.read(0x00800000).page_size, PageSize::k4K);
    unsigned faults = 0;
    const x86::Translation t = translate_with_pager(m.mmu, p, 0x80400010, x86::Access::Write, &faults);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(faults, 1u);
    EXPECT_EQ(t.page_size, PageSize::k4M);
    EXPECT_EQ(t.pa % M4, 0x10u);
}

}  // namespace
}  // namespace vmsim::selfpage::test
