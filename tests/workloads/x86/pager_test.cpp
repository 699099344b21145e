// The minimal pager and GUPS (workloads/x86) on the MMU model directly, in this process: the page
// tables the pager writes must be what the walker reads in every paging mode and page size, lazy
// regions must fault once per page and then translate, and GUPS's checks must name the parameter
// at fault. The platform's own runs are tests/sim/x86_platform_test.cpp.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "models/common/cache_hierarchy.hpp"
#include "models/x86_64/mmu.hpp"
#include "workloads/x86/gups.hpp"
#include "workloads/x86/simple_pager.hpp"

namespace vmsim::x86 {
namespace {

constexpr uint64_t kMiB = 1 << 20, kGiB = uint64_t{1} << 30;

uint64_t bytes_of(PageSize p) { return uint64_t{1} << page_shift(p); }

// RAM of any size whose 4 KB pages exist once written (reads of others give zeros): a test can have
// gigabytes of physical memory for 1 GB frames without the host zeroing them.
class SparseRam final : public PhysicalMemory {
public:
    explicit SparseRam(uint64_t size) : size_(size) {}
    bool read32(uint64_t pa, uint32_t& v) override { return get(pa, &v, 4); }
    bool read64(uint64_t pa, uint64_t& v) override { return get(pa, &v, 8); }
    bool write32(uint64_t pa, uint32_t v) override { return put(pa, &v, 4); }
    bool write64(uint64_t pa, uint64_t v) override { return put(pa, &v, 8); }
    uint64_t size() const { return size_; }
    // Accesses are naturally aligned, so never cross a page.
    bool get(uint64_t pa, void* v, unsigned n) const {
        if (pa + n > size_) return false;
        const auto page = pages_.find(pa >> 12);
        if (page == pages_.end()) std::memset(v, 0, n);
        else std::memcpy(v, page->second.data() + (pa & 0xfff), n);
        return true;
    }
    bool put(uint64_t pa, const void* v, unsigned n) {
        if (pa + n > size_) return false;
        std::memcpy(pages_[pa >> 12].data() + (pa & 0xfff), v, n);
        return true;
    }

private:
    uint64_t size_;
    std::map<uint64_t, std::array<uint8_t, 4096>> pages_;
};

// A Machine over the models alone: accesses translate through the MMU, faults go to the handler
// and retry, data is read and written in the flat RAM. No timing.
class TestMachine final : public Machine {
public:
    TestMachine(PagingMode mode, uint64_t ram_bytes)  // Long4 or Legacy (MmuConfig{} has no LA57)
        : ram_(ram_bytes), caches_(common::CacheHierarchyConfig{}), mmu_(MmuConfig{}, ram_, caches_) {
        constexpr uint64_t kPe = 1;
        bool ok;
        if (mode == PagingMode::Legacy) {
            ok = mmu_.write_cr4(kCr4Pse);
        } else {
            ok = mmu_.write_cr4(kCr4Pae | (mode == PagingMode::Long5 ? kCr4La57 : 0)) && mmu_.write_efer(kEferLme);
        }
        ok = ok && mmu_.write_cr0(kPe | kCr0Wp | kCr0Pg);
        if (!ok || mmu_.mode() != mode) throw std::logic_error("TestMachine: paging mode refused");
    }
    uint64_t load(uint64_t la, unsigned bytes) override {
        uint64_t v = 0;
        ram_.get(pa(la, Access::Read), &v, bytes);
        return v;
    }
    void store(uint64_t la, uint64_t value, unsigned bytes) override { ram_.put(pa(la, Access::Write), &value, bytes); }
    void fetch(uint64_t la) override { pa(la, Access::Fetch); }
    void operation(uint32_t) override { ++operations; }
    PhysicalMemory& physical_memory() override { return ram_; }
    PhysRange free_memory() const override { return {kMiB, ram_.size()}; }
    Mmu& mmu() override { return mmu_; }
    void set_page_fault_handler(FaultHandler handler) override { handler_ = std::move(handler); }

    Translation translate(uint64_t la, Access access) { return mmu_.translate(la, access, Privilege::User); }

    uint64_t operations = 0, faults = 0;

private:
    uint64_t pa(uint64_t la, Access access) {
        for (;;) {
            const Translation t = translate(la, access);
            if (t.ok()) return t.pa;
            if (t.fault != Fault::Page || !handler_ || !handler_(t.cr2, t.error_code))
                throw std::runtime_error("unhandled fault");
            ++faults;
        }
    }

    SparseRam ram_;
    common::CacheHierarchy caches_;
    Mmu mmu_;
    FaultHandler handler_;
};

class PagerMapsEveryPageSize : public ::testing::TestWithParam<std::tuple<PagingMode, PageSize>> {};

TEST_P(PagerMapsEveryPageSize, WalkerFindsEachPageAtItsOwnAlignedFrame) {
    const auto [mode, page] = GetParam();
    const uint64_t size = bytes_of(page);
    TestMachine m(mode, page == PageSize::k1G ? 5 * kGiB : 64 * kMiB);
    SimplePager pager(m);
    const uint64_t la = kGiB;
    pager.add_region({la, 3 * size, page, true}, true);
    EXPECT_EQ(pager.pages_mapped(), 3u);
    std::map<uint64_t, int> frames;
    for (int i = 0; i < 3; ++i) {
        const uint64_t offset = size / 2 + 8;
        const Translation t = m.translate(la + i * size + offset, Access::Write);
        ASSERT_TRUE(t.ok()) << "page " << i << " fault " << int(t.error_code);
        EXPECT_EQ(t.page_size, page);
        const uint64_t frame = t.pa - offset;
        EXPECT_EQ(frame % size, 0u) << "frame aligned to its page size";
        EXPECT_GE(frame, kMiB);
        ++frames[frame];
    }
    EXPECT_EQ(frames.size(), 3u) << "each page its own frame";
}

INSTANTIATE_TEST_SUITE_P(Modes, PagerMapsEveryPageSize,
                         ::testing::Values(std::tuple{PagingMode::Legacy, PageSize::k4K},
                                           std::tuple{PagingMode::Legacy, PageSize::k4M},
                                           std::tuple{PagingMode::Long4, PageSize::k4K},
                                           std::tuple{PagingMode::Long4, PageSize::k2M},
                                           std::tuple{PagingMode::Long4, PageSize::k1G}),
                         [](const auto& info) {
                             return std::string(std::get<0>(info.param) == PagingMode::Legacy ? "legacy32_" : "long4_") +
                                    page_size_name(std::get<1>(info.param));
                         });

TEST(Pager, DataWrittenThroughOnePageIsReadBackThroughIt) {
    TestMachine m(PagingMode::Long4, 64 * kMiB);
    SimplePager pager(m);
    pager.add_region({kGiB, 8 * 4096, PageSize::k4K, true}, true);
    for (uint64_t i = 0; i < 8; ++i) m.store(kGiB + i * 4096 + 16, 0x1000 + i, 8);
    for (uint64_t i = 0; i < 8; ++i) EXPECT_EQ(m.load(kGiB + i * 4096 + 16, 8), 0x1000 + i);
}

TEST(Pager, LazyRegionFaultsOncePerPageThenTranslates) {
    TestMachine m(PagingMode::Long4, 64 * kMiB);
    SimplePager pager(m);
    m.set_page_fault_handler([&](uint64_t cr2, uint8_t ec) { return pager.handle_fault(cr2, ec); });
    pager.add_region({kGiB, 4 * 2 * kMiB, PageSize::k2M, true}, false);
    EXPECT_EQ(pager.pages_mapped(), 0u);
    const Translation before = m.translate(kGiB + 3 * 2 * kMiB + 5, Access::Read);
    ASSERT_EQ(before.fault, Fault::Page);
    EXPECT_EQ(before.error_code, kPfU) << "not present, read, user";
    for (int pass = 0; pass < 2; ++pass)
        for (uint64_t i = 0; i < 4; ++i) m.load(kGiB + i * 2 * kMiB + 64, 8);
    EXPECT_EQ(m.faults, 4u) << "one fault per page, the second pass none";
    EXPECT_EQ(pager.pages_mapped(), 4u);
}

TEST(Pager, DoesNotResolveFaultsOutsideItsRegionsOrOfProtection) {
    TestMachine m(PagingMode::Long4, 64 * kMiB);
    SimplePager pager(m);
    pager.add_region({0x400000, 4096, PageSize::k4K, false}, true);  // read-only
    pager.add_region({kGiB, 4096, PageSize::k4K, true}, false);
    EXPECT_FALSE(pager.handle_fault(2 * kGiB, kPfU)) << "outside every region";
    const Translation w = m.translate(0x400000, Access::Write);
    ASSERT_EQ(w.fault, Fault::Page);
    EXPECT_EQ(w.error_code, kPfP | kPfW | kPfU) << "a write to the read-only page is a protection fault";
    EXPECT_FALSE(pager.handle_fault(w.cr2, w.error_code));
    EXPECT_TRUE(pager.handle_fault(kGiB + 8, kPfU | kPfW));
}

TEST(Pager, Long5WalksFiveLevels) {
    // Five levels of 4 KB tables above a 4 KB page: a cold walk of a fresh MMU reads five entries.
    MmuConfig c;
    c.la57 = true;
    SparseRam ram(64 * kMiB);
    common::CacheHierarchy caches{common::CacheHierarchyConfig{}};
    Mmu mmu(c, ram, caches);
    struct Shim final : Machine {
        Shim(SparseRam& r, Mmu& m) : ram(r), mmu_(m) {}
        uint64_t load(uint64_t, unsigned) override { return 0; }
        void store(uint64_t, uint64_t, unsigned) override {}
        void fetch(uint64_t) override {}
        void operation(uint32_t) override {}
        PhysicalMemory& physical_memory() override { return ram; }
        PhysRange free_memory() const override { return {kMiB, ram.size()}; }
        Mmu& mmu() override { return mmu_; }
        void set_page_fault_handler(FaultHandler) override {}
        SparseRam& ram;
        Mmu& mmu_;
    } shim(ram, mmu);
    ASSERT_TRUE(mmu.write_cr4(kCr4Pae | kCr4La57) && mmu.write_efer(kEferLme) && mmu.write_cr0(1 | kCr0Pg));
    SimplePager pager(shim);
    pager.add_region({kGiB, 4096, PageSize::k4K, true}, true);
    const Translation t = mmu.translate(kGiB + 8, Access::Read, Privilege::User);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(mmu.stats().walk_refs, 5u);
}

TEST(Pager, RefusesAPageSizeTheModeLacks) {
    TestMachine legacy(PagingMode::Legacy, 64 * kMiB);
    SimplePager p32(legacy);
    EXPECT_THROW(p32.add_region({kGiB, 2 * kMiB, PageSize::k2M, true}, true), std::invalid_argument);
    TestMachine long4(PagingMode::Long4, 64 * kMiB);
    SimplePager p64(long4);
    EXPECT_THROW(p64.add_region({kGiB, 4 * kMiB, PageSize::k4M, true}, true), std::invalid_argument);
    EXPECT_THROW(p64.add_region({kGiB + 4096, 2 * kMiB, PageSize::k2M, true}, true), std::invalid_argument)
        << "misaligned";
}

// check_fit() and the allocator agree at the boundary: a 1 GB frame needs 1 GB-aligned memory
// above the tables.
TEST(Pager, CheckFitAgreesWithTheAllocator) {
    const std::vector<SimplePager::Region> one_gig = {{kGiB, 256 * kMiB, PageSize::k1G, true}};
    EXPECT_NE(SimplePager::check_fit(PagingMode::Long4, {kMiB, 2 * kGiB - 4096}, one_gig), "");
    EXPECT_EQ(SimplePager::check_fit(PagingMode::Long4, {kMiB, 2 * kGiB}, one_gig), "");
    {
        TestMachine m(PagingMode::Long4, 2 * kGiB - 4096);
        SimplePager p(m);
        EXPECT_THROW(p.add_region(one_gig[0], true), std::runtime_error);
    }
    TestMachine m(PagingMode::Long4, 2 * kGiB);
    SimplePager p(m);
    EXPECT_NO_THROW(p.add_region(one_gig[0], true));
}

// ---- GUPS ------------------------------------------------------------------------------

TEST(Gups, GeneratorIsHpccShiftRegister) {
    EXPECT_EQ(Gups::step(1), 2u);
    EXPECT_EQ(Gups::step(uint64_t{1} << 63), 7u) << "the bit shifted out feeds POLY back in";
    EXPECT_EQ(Gups::step((uint64_t{1} << 63) | 1), 2u ^ 7u);
    EXPECT_NE(Gups::start(1), Gups::start(2));
    EXPECT_NE(Gups::start(0), 0u);
}

TEST(Gups, UpdatesXorTheStreamIntoTheTable) {
    TestMachine m(PagingMode::Long4, 64 * kMiB);
    GupsConfig c;
    c.table_bytes = 64 * 1024;
    c.updates = 5000;
    c.seed = 3;
    Gups g(c);
    g.setup(m);
    g.run(m);
    EXPECT_EQ(m.operations, c.updates);
    // The same stream replayed on the host.
    std::map<uint64_t, uint64_t> expect;
    uint64_t x = Gups::start(c.seed);
    for (uint64_t i = 0; i < c.updates; ++i) {
        x = Gups::step(x);
        expect[x & (c.table_bytes / 8 - 1)] ^= x;
    }
    for (uint64_t w = 0; w < c.table_bytes / 8; ++w)
        ASSERT_EQ(m.load(Gups::kTableLa + 8 * w, 8), expect.count(w) ? expect[w] : 0) << "word " << w;
}

TEST(Gups, ChecksNameTheParameterAtFault) {
    const PhysRange two_gig{kMiB, 2 * kGiB};
    GupsConfig c;
    c.page = PageSize::k4M;
    EXPECT_EQ(Gups::check(c, PagingMode::Long4, true, two_gig).rfind("gups.page_size:", 0), 0u);
    c.page = PageSize::k2M;
    EXPECT_EQ(Gups::check(c, PagingMode::Legacy, true, two_gig).rfind("gups.page_size:", 0), 0u);
    EXPECT_EQ(Gups::check(c, PagingMode::Long4, true, two_gig), "");
    c.page = PageSize::k1G;
    EXPECT_EQ(Gups::check(c, PagingMode::Long4, false, two_gig).rfind("gups.page_size:", 0), 0u);
    EXPECT_EQ(Gups::check(c, PagingMode::Long4, true, {kMiB, kGiB}).rfind("mem.size:", 0), 0u);
    c.page = PageSize::k4K;
    c.table_bytes = 3 * kMiB;
    EXPECT_EQ(Gups::check(c, PagingMode::Long4, true, two_gig).rfind("gups.table_size", 0), 0u);
}

}  // namespace
}  // namespace vmsim::x86
