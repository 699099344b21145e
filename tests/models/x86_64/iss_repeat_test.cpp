// The ISS's repeated translations (Mmu::repeat, Cpu::set_repeat_translations: the fetch's, and the
// last read's and write's) are exact: a repeat happens only when translate() would be a front-way L1 hit, which changes no replacement state,
// and counts the hit as translate() does. Checked at the Mmu (when a repeat must fail) and on
// whole runs, repeats on and off: the benchmark loop with the Pentium timing model and the
// SawMill guests on the i386 platform (page faults, INVLPG, CR3 switches, user and kernel code),
// where every statistic, every cycle and the console must be the same.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "models/common/cache_hierarchy.hpp"
#include "models/x86_64/iss.hpp"
#include "models/x86_64/pc.hpp"
#include "models/x86_64/pentium_timing.hpp"
#include "sim/loader/elf_loader.hpp"
#include "tests/models/x86_64/p5_config.hpp"
#include "tests/models/x86_64/page_tables.hpp"

namespace vmsim::x86 {
namespace {

using test::PageTables;

// Every statistic of the Mmu, by name.
std::vector<std::pair<std::string, uint64_t>> mmu_stats(const Mmu& mmu) {
    std::vector<std::pair<std::string, uint64_t>> out;
    for (const auto& e : mmu.stats().list()) out.emplace_back(e.name, e.value);
    return out;
}
std::vector<std::pair<std::string, uint64_t>> timing_stats(const iss::PentiumTiming& timing) {
    std::vector<std::pair<std::string, uint64_t>> out;
    for (const auto& e : timing.stats().list()) out.emplace_back(e.name, e.value);
    return out;
}

// ---- Mmu::repeat ------------------------------------------------------------------------------

// 32-bit paging over 8 MB of RAM with the pentium100 structures (I-TLB 32 entries, 4-way: 8 sets),
// linear [0, 0x100000) mapped to physical 0x200000 + la.
struct PagedMmu {
    FlatRam ram{8 << 20};
    common::CacheHierarchy caches{test::p5_caches()};
    Mmu mmu{test::p5_mmu(), ram, caches};
    PageTables pt{ram, test::Format::Legacy};
    PagedMmu() {
        for (uint32_t a = 0; a < 0x100000; a += 0x1000) pt.map(a, 0x200000 + a, test::K4);
        mmu.write_cr4(test::CR4_PSE);
        mmu.write_cr3(pt.root());
        mmu.write_cr0(test::CR0_PE | test::CR0_WP | test::CR0_PG);
    }
    uint64_t itlb_hits() const {
        uint64_t n = 0;
        for (uint64_t h : mmu.stats().itlb.hits) n += h;
        return n;
    }
};

constexpr uint32_t kPage = 0x5000;
constexpr uint32_t kSameSet = kPage + 8 * 0x1000;  // 8 sets: the same I-TLB set, another page

TEST(MmuRepeat, RepeatsAFrontWayHitAndCountsItAsTranslateDoes) {
    PagedMmu m;
    ASSERT_TRUE(m.mmu.translate(kPage + 0x10, Access::Fetch, Privilege::Supervisor).ok());
    const Mmu::Repeat r = m.mmu.repeatable(kPage + 0x10, Access::Fetch, Privilege::Supervisor);
    const uint64_t hits = m.itlb_hits();
    ASSERT_TRUE(m.mmu.repeat(r));
    EXPECT_EQ(m.itlb_hits(), hits + 1);
    EXPECT_EQ(r.frame(), 0x200000u + kPage);

    // The same run through translate() on a twin ends with the same statistics.
    PagedMmu twin;
    ASSERT_TRUE(twin.mmu.translate(kPage + 0x10, Access::Fetch, Privilege::Supervisor).ok());
    const Translation t = twin.mmu.translate(kPage + 0x20, Access::Fetch, Privilege::Supervisor);
    EXPECT_EQ(t.pa, r.frame() | 0x20);
    EXPECT_EQ(t.cycles, r.cycles());
    EXPECT_EQ(mmu_stats(m.mmu), mmu_stats(twin.mmu));
}

TEST(MmuRepeat, FailsOnceAnotherPageTakesTheFrontOfTheSet) {
    PagedMmu m;
    ASSERT_TRUE(m.mmu.translate(kPage, Access::Fetch, Privilege::Supervisor).ok());
    const Mmu::Repeat r = m.mmu.repeatable(kPage, Access::Fetch, Privilege::Supervisor);
    ASSERT_TRUE(m.mmu.translate(kSameSet, Access::Fetch, Privilege::Supervisor).ok());
    const uint64_t hits = m.itlb_hits();
    EXPECT_FALSE(m.mmu.repeat(r));  // a translate() now would move kPage to the front: not a repeat
    EXPECT_EQ(m.itlb_hits(), hits);
    // A fetch from the other side's structures leaves it alone.
    PagedMmu d;
    ASSERT_TRUE(d.mmu.translate(kPage, Access::Fetch, Privilege::Supervisor).ok());
    const Mmu::Repeat rd = d.mmu.repeatable(kPage, Access::Fetch, Privilege::Supervisor);
    ASSERT_TRUE(d.mmu.translate(kSameSet, Access::Write, Privilege::Supervisor).ok());
    EXPECT_TRUE(d.mmu.repeat(rd));
}

TEST(MmuRepeat, FailsAfterInvlpgAndAfterARegisterWrite) {
    PagedMmu m;
    ASSERT_TRUE(m.mmu.translate(kPage, Access::Fetch, Privilege::Supervisor).ok());
    Mmu::Repeat r = m.mmu.repeatable(kPage, Access::Fetch, Privilege::Supervisor);
    m.mmu.invlpg(kPage);
    EXPECT_FALSE(m.mmu.repeat(r));

    ASSERT_TRUE(m.mmu.translate(kPage, Access::Fetch, Privilege::Supervisor).ok());
    r = m.mmu.repeatable(kPage, Access::Fetch, Privilege::Supervisor);
    ASSERT_TRUE(m.mmu.repeat(r));
    // CR0.WP changes what a write needs; any register write makes every Repeat stale, even one
    // that leaves the TLB entry in place.
    ASSERT_TRUE(m.mmu.write_cr0(test::CR0_PE | test::CR0_PG));
    EXPECT_FALSE(m.mmu.repeat(r));
}

TEST(MmuRepeat, NeverHoldsForAHitTheAccessIsNotAllowed) {
    PagedMmu m;
    m.pt.map(kPage, 0x200000 + kPage, test::K4, test::P | test::RW);  // supervisor only
    ASSERT_TRUE(m.mmu.translate(kPage, Access::Fetch, Privilege::Supervisor).ok());
    const Mmu::Repeat r = m.mmu.repeatable(kPage, Access::Fetch, Privilege::User);
    EXPECT_FALSE(m.mmu.repeat(r));
}

// ---- whole runs, repeats on and off -----------------------------------------------------------

// The benchmark's loop (iss_bench.cpp) and a call into a second code page and back, so that the
// fetch changes pages, with the pentium100 structures and the timing model.
TEST(IssRepeat, TimedPagedLoopIsTheSameWithAndWithoutRepeats) {
    const std::vector<uint8_t> loop = {
        0x89, 0xc2, 0xc1, 0xe2, 0x05, 0x01, 0xca, 0x31, 0xd0, 0x89, 0x04, 0xb3,  // mov shl add xor mov
        0x81, 0xe6, 0xff, 0x00, 0x00, 0x00, 0x46, 0x8b, 0x3c, 0xb3, 0x01, 0xf9,  // and inc mov add
        0xe8, 0xe3, 0x0f, 0x00, 0x00,                                            // call 0x2000 (page 2)
        0x4d, 0x75, 0xe0,                                                        // dec ebp; jnz start
        0xf4,                                                                    // hlt
    };
    const std::vector<uint8_t> callee = {0x83, 0xc0, 0x03, 0xc3};  // add eax, 3; ret
    struct Run {
        std::vector<std::pair<std::string, uint64_t>> mmu, timing;
        uint64_t instructions, cycles;
        uint32_t eax;
    };
    auto run = [&](bool repeat) {
        PagedMmu m;
        std::memcpy(m.ram.data() + 0x200000 + 0x1000, loop.data(), loop.size());
        std::memcpy(m.ram.data() + 0x200000 + 0x2000, callee.data(), callee.size());
        iss::PentiumTiming timing(iss::PentiumTimingConfig{}, m.caches);
        iss::MmuMemory plain(m.mmu, m.ram);
        iss::TimedMemory<iss::MmuMemory> mem(plain, timing);
        iss::Cpu<iss::TimedMemory<iss::MmuMemory>> cpu(mem);
        cpu.set_repeat_translations(repeat);
        cpu.set_eip(0x1000);
        cpu.set_reg(iss::kEbx, 0x10000);
        cpu.set_reg(iss::kEsp, 0x80000);
        cpu.set_reg(iss::kEbp, 5000);
        const iss::StepResult r = cpu.run(1000000);
        EXPECT_EQ(r.stop, iss::Stop::Halt);
        return Run{mmu_stats(m.mmu), timing_stats(timing), cpu.instructions(), cpu.cycles(), cpu.reg(iss::kEax)};
    };
    const Run on = run(true), off = run(false);
    EXPECT_EQ(on.instructions, 5000u * 14 + 1);  // 14 a round, with the callee's two; then HLT
    EXPECT_EQ(on.instructions, off.instructions);
    EXPECT_EQ(on.cycles, off.cycles);
    EXPECT_EQ(on.eax, off.eax);
    EXPECT_EQ(on.mmu, off.mmu);
    EXPECT_EQ(on.timing, off.timing);
}

struct GuestRun {
    pc::Pc::Result::Kind kind;
    uint32_t exit_value;
    std::string console;
    uint64_t instructions, cycles, interrupts;
    std::vector<std::pair<std::string, uint64_t>> mmu, timing;
    std::vector<uint64_t> regions;  // cycle, then instructions, of each region mark
};

GuestRun run_guest(const char* image, bool repeat) {
    pc::Pc pc;
    const loader::ElfImage elf = loader::load_elf_i386(image, pc.ram().size());
    for (const auto& s : elf.segments) pc.load(s.paddr, s.bytes.data(), s.bytes.size(), s.memsz);
    pc.boot_multiboot(elf.entry);
    pc.cpu().set_repeat_translations(repeat);
    const pc::Pc::Result r = pc.run(4'000'000'000ull);
    GuestRun g{r.kind, r.exit_value, pc.console(), pc.cpu().instructions(), pc.cpu().cycles(),
               pc.cpu().interrupts(), mmu_stats(pc.mmu()), timing_stats(pc.timing()), {}};
    for (const auto& m : pc.regions()) {
        g.regions.push_back(m.cycle);
        g.regions.push_back(m.instructions);
    }
    return g;
}

// The SawMill guests: the Appel-Li benchmark and the guest tests (kernel and user code, page
// faults turned into IPC, flexpage map and unmap with INVLPG, address-space switches).
TEST(IssRepeat, SawmillGuestsAreTheSameWithAndWithoutRepeats) {
    const std::vector<std::string> images = {SAWMILL_APPEL_IMAGE, SAWMILL_PROT_TEST_IMAGE, SAWMILL_FAULT_TEST_IMAGE};
    for (const std::string& image : images) {
        if (image.empty()) GTEST_SKIP() << "no GCC for i386: the SawMill images were not built";
        SCOPED_TRACE(image);
        const GuestRun on = run_guest(image.c_str(), true), off = run_guest(image.c_str(), false);
        EXPECT_EQ(on.kind, pc::Pc::Result::Exit);
        EXPECT_EQ(on.exit_value, 0u);
        EXPECT_GT(on.instructions, 1000000u);
        EXPECT_EQ(on.kind, off.kind);
        EXPECT_EQ(on.exit_value, off.exit_value);
        EXPECT_EQ(on.console, off.console);
        EXPECT_EQ(on.instructions, off.instructions);
        EXPECT_EQ(on.cycles, off.cycles);
        EXPECT_EQ(on.interrupts, off.interrupts);
        EXPECT_EQ(on.mmu, off.mmu);
        EXPECT_EQ(on.timing, off.timing);
        EXPECT_EQ(on.regions, off.regions);
    }
}

}  // namespace
}  // namespace vmsim::x86
