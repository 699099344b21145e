// GUPS (workloads/x86) on the MMU model and the self-paging library directly, in this process: its
// table must be mapped with the page size asked for in each paging mode, on demand one fault per
// page, its updates must land in the table as a host replay says, and its checks must name the
// parameter at fault and agree with what the pager can place. The platform's own runs are
// tests/sim/x86_platform_test.cpp; the library's are tests/vmlib/x86.
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

namespace vmsim::x86 {
namespace {

constexpr uint64_t kMiB = 1 << 20, kGiB = uint64_t{1} << 30;

uint64_t bytes_of(PageSize p) { return uint64_t{1} << page_shift(p); }

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
            ok = mmu_.write_cr4(kCr4Pae) && mmu_.write_efer(kEferLme | kEferNxe);  // as the platform boots
        }
        ok = ok && mmu_.write_cr0(kPe | kCr0Wp | kCr0Pg);
        if (!ok || mmu_.mode() != mode) throw std::logic_error("TestMachine: paging mode refused");
    }
    uint64_t load(uint64_t la, unsigned bytes) override {
        uint64_t v = 0;
        ram_.read(pa(la, Access::Read), &v, bytes);
        return v;
    }
    void store(uint64_t la, uint64_t value, unsigned bytes) override { ram_.write(pa(la, Access::Write), &value, bytes); }
    void fetch(uint64_t la) override { pa(la, Access::Fetch); }
    void operation(uint32_t) override { ++operations; }
    PhysicalMemory& physical_memory() override { return ram_; }
    PhysRange free_memory() const override { return {kMiB, ram_.limit()}; }
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

// ---- GUPS ------------------------------------------------------------------------------

class GupsTable : public ::testing::TestWithParam<std::tuple<PagingMode, PageSize>> {};

TEST_P(GupsTable, IsMappedWithThePageSizeAskedForAndTheCodeReadOnly) {
    const auto [mode, page] = GetParam();
    TestMachine m(mode, 3 * kGiB);
    GupsConfig c;
    c.table_bytes = 8 * kMiB;
    c.page = page;
    Gups g(c);
    ASSERT_EQ(Gups::check(c, mode, true, m.free_memory()), "");
    g.setup(m);
    for (uint64_t off : {uint64_t{0}, c.table_bytes / 2 + 8, c.table_bytes - 8}) {
        const Translation t = m.translate(Gups::kTableLa + off, Access::Write);
        ASSERT_TRUE(t.ok()) << off;
        EXPECT_EQ(t.page_size, page) << off;
        EXPECT_EQ((t.pa - off) % bytes_of(page), 0u) << "the frame is aligned to its page size";
    }
    EXPECT_TRUE(m.translate(Gups::kCodeLa, Access::Fetch).ok());
    const Translation w = m.translate(Gups::kCodeLa, Access::Write);
    ASSERT_EQ(w.fault, Fault::Page);
    EXPECT_EQ(w.error_code, kPfP | kPfW | kPfU) << "the code page is read-only";
}

INSTANTIATE_TEST_SUITE_P(Modes, GupsTable,
                         ::testing::Values(std::tuple{PagingMode::Legacy, PageSize::k4K},
                                           std::tuple{PagingMode::Legacy, PageSize::k4M},
                                           std::tuple{PagingMode::Long4, PageSize::k4K},
                                           std::tuple{PagingMode::Long4, PageSize::k2M},
                                           std::tuple{PagingMode::Long4, PageSize::k1G}),
                         [](const auto& info) {
                             return std::string(std::get<0>(info.param) == PagingMode::Legacy ? "legacy32_" : "long4_") +
                                    page_size_name(std::get<1>(info.param));
                         });

TEST(Gups, OnDemandEachTablePageFaultsOnce) {
    TestMachine m(PagingMode::Long4, 64 * kMiB);
    GupsConfig c;
    c.table_bytes = 64 * 1024;  // 16 pages, each touched many times below
    c.updates = 5000;
    c.populate = false;
    Gups g(c);
    g.setup(m);
    ASSERT_EQ(m.translate(Gups::kTableLa, Access::Read).fault, Fault::Page) << "nothing mapped yet";
    g.run(m);
    EXPECT_EQ(m.faults, 16u);
    EXPECT_EQ(g.pager_stats().faults_mapped, 16u);
}

// The check's model of the pager's placement, at the boundary it matters for: a 1 GB frame sits at
// 1 GB, the pager's tables above it.
TEST(Gups, CheckAgreesWithWhatThePagerCanPlace) {
    GupsConfig c;
    c.table_bytes = 256 * kMiB;
    c.page = PageSize::k1G;
    for (const auto& [ram, fits] : {std::pair{2 * kGiB, false}, std::pair{3 * kGiB, true}}) {
        TestMachine m(PagingMode::Long4, ram);
        EXPECT_EQ(Gups::check(c, PagingMode::Long4, true, m.free_memory()).empty(), fits) << ram;
        Gups g(c);
        if (fits) EXPECT_NO_THROW(g.setup(m)) << ram;
        else EXPECT_THROW(g.setup(m), std::runtime_error) << ram;
    }
}

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
    EXPECT_EQ(Gups::check(c, PagingMode::Long5, true, two_gig).rfind("mmu.paging:", 0), 0u) << "no 5-level pager";
    c.page = PageSize::k4K;
    c.table_bytes = 3 * kMiB;
    EXPECT_EQ(Gups::check(c, PagingMode::Long4, true, two_gig).rfind("gups.table_size", 0), 0u);
}

}  // namespace
}  // namespace vmsim::x86
