// Micro-check of the l4 kernel on vmsim's timed Pentium-100 against a published figure that is
// not SawMill's Table 1 (issue 13): the direct cost of a short cross-address-space IPC on a
// Pentium, 121 cycles (Liedtke et al., "Achieved IPC performance", HotOS'97; the sheet
// ../shared/reference/i386.md section 4 [S5]). The guest is ipccost_test.c (regions there).
//
// What is counted. A region is ROUNDS warm call/reply round trips of register messages (the
// kernel's fast path, vmlib/l4/kernel/ipc_fast.S); less the empty region (the marks' own
// cycles) and divided by 2 * ROUNDS it is one one-way IPC: from the sender's INT 0x30 to the
// receiver's first user instruction, plus the loop's user part (the client's dec+jnz pair and
// the server's jmp: one clock a one-way on average, not subtracted). The direct cost is that less
// the TLB refills ("translation": the walker's references after the CR3 load; the P5 has no
// global pages, so the kernel's own pages refill too). They are excluded because Liedtke counts
// TLB and cache refills after a switch as indirect costs, given apart (864 cycles to refill the
// P5's TLBs [S7]), and L4 on the Pentium avoids them altogether with small address spaces
// (segment switch, no CR3 load [S4][S8]), which this kernel does not have (vmlib/l4/README.md).
//
// Tolerance: +-10 %, 12 cycles. The sheet gives the clocks of INT, IRET and MOV CR3 (79 of the
// path) exactly; the rest, ~70 instructions, is timed by the model's simplified pairing rules and
// estimates (the BTB's size, bank conflicts), good to a few clocks. The measured direct cost is
// about 129 cycles, 6 % above 121 (vmlib/l4/README.md, "Micro-checks", says where they go). The
// breakdown assertions hold whatever the total: the system clocks are exactly one privilege-
// changing INT + IRET pair and one CR3 load (the sheet's figures [S10][S9]), the warm path misses
// neither L1 cache, and the TLB refill is there across spaces and not within one.
#include <gtest/gtest.h>

#include <cstdio>

#include "region_run.hpp"

namespace vmsim::x86::pc::test {
namespace {

#ifdef IPCCOST_ELF
constexpr double kOneWays = 2.0 * 10000;  // 2 x ROUNDS in ipccost_test.c
constexpr double kPublished = 121;        // [S5] direct cost of a short cross-address-space IPC, Pentium
constexpr double kTolerance = 0.10;
// [S10]: INT n to an inner privilege 6 + 42, IRET to an outer one 27; [S9]: MOV CR3,r 4.
constexpr double kIntIret = 6 + 42 + 27, kMovCr3 = 4;

const GuestRun& ipccost_run() {
    static const GuestRun run = run_guest(IPCCOST_ELF, 4'000'000'000ull);
    return run;
}

struct OneWay {
    double cycles, direct, system, translation, cache_fills, instructions, walks;
    iss::PentiumCycles causes;  // the region's, not per IPC (printed per IPC)
};

// Region `id` less the empty region 2, per one-way IPC.
OneWay one_way(uint32_t id) {
    const RegionTotal& r = ipccost_run().regions.at(id);
    const RegionTotal& e = ipccost_run().regions.at(2);
    const auto per = [](uint64_t a, uint64_t b) { return (static_cast<double>(a) - static_cast<double>(b)) / kOneWays; };
    OneWay w;
    w.cycles = per(r.cycles, e.cycles);
    w.translation = per(r.causes.translation, e.causes.translation);
    w.direct = w.cycles - w.translation;
    w.system = per(r.causes.system, e.causes.system);
    w.cache_fills = per(r.causes.icache + r.causes.dcache, e.causes.icache + e.causes.dcache);
    w.instructions = per(r.instructions, e.instructions);
    w.walks = per(r.walks, e.walks);
    w.causes = r.causes - e.causes;
    return w;
}

TEST(IpcCost, GuestEchoesEveryMessageOnEveryPath) {
    const GuestRun& run = ipccost_run();
    ASSERT_EQ(run.result.kind, Pc::Result::Exit) << run.result.message;
    EXPECT_EQ(run.result.exit_value, 0u) << run.console;
    EXPECT_NE(run.console.find("l4test ipccost: PASS"), std::string::npos) << run.console;
    for (uint32_t id : {1u, 2u, 3u, 4u}) EXPECT_EQ(run.regions.at(id).entries, 1u) << "region " << id;
}

TEST(IpcCost, ShortCrossSpaceIpcDirectCostIsWithinToleranceOfThePublished121Cycles) {
    const OneWay w = one_way(1);
    for (uint32_t id : {1u, 3u, 4u}) {  // the numbers behind vmlib/l4/README.md's table
        const OneWay o = one_way(id);
        const auto per = [](uint64_t c) { return static_cast<double>(c) / kOneWays; };
        std::printf("region %u: one-way %.1f cycles, TLB refill %.1f, direct %.1f, system %.1f, cache fills %.1f, "
                    "%.1f instructions, %.1f walks; issue %.1f, AGI %.1f, mispredict %.1f, write buffer %.1f, "
                    "bank %.1f, prefix %.1f\n",
                    id, o.cycles, o.translation, o.direct, o.system, o.cache_fills, o.instructions, o.walks,
                    per(o.causes.issue), per(o.causes.agi), per(o.causes.mispredict), per(o.causes.write_buffer),
                    per(o.causes.bank), per(o.causes.prefix));
    }
    EXPECT_NEAR(w.direct, kPublished, kTolerance * kPublished)
        << "one-way " << w.cycles << " cycles, of which TLB refill " << w.translation;
}

TEST(IpcCost, FastPathSystemCyclesAreOneIntIretPairAndOneCr3Load) {
    EXPECT_NEAR(one_way(1).system, kIntIret + kMovCr3, 0.5);
    EXPECT_NEAR(one_way(4).system, kIntIret, 0.5);  // same space: no CR3 load
}

TEST(IpcCost, WarmFastPathMissesNeitherL1Cache) {
    // Liedtke's path uses 2.3 % of the L1 caches [S5]; this one fits as well (the TCB's fast-path
    // fields share one line, away from the set every page-aligned structure's first line maps to).
    EXPECT_LT(one_way(1).cache_fills, 1.0);
    EXPECT_LT(one_way(4).cache_fills, 1.0);
}

TEST(IpcCost, TlbRefillFollowsTheCr3LoadAndIsAbsentWithinOneSpace) {
    const OneWay cross = one_way(1), local = one_way(4);
    EXPECT_GE(cross.walks, 2.0);  // at least the receiver's code and its kernel stack page
    EXPECT_GT(cross.translation, 0.0);
    EXPECT_LT(local.walks, 0.01);
    EXPECT_LT(local.translation, 0.01);
    // Apart from the TLB refill and MOV CR3, crossing spaces costs what staying in one does.
    EXPECT_NEAR(cross.direct - kMovCr3, local.direct, 0.1 * local.direct);
}

TEST(IpcCost, FastPathIsAShortPathAndBeatsTheCPathByFar) {
    const OneWay fast = one_way(1), slow = one_way(3);
    EXPECT_LT(fast.instructions, 90.0);         // a few dozen instructions besides INT and IRET
    EXPECT_GT(slow.instructions, 3 * fast.instructions);
    EXPECT_LT(2 * fast.cycles, slow.cycles);
}
#else
TEST(IpcCost, NeedsAGccThatTargetsI386) { GTEST_SKIP() << "no GCC for i386: ipccost guest not built"; }
#endif

}  // namespace
}  // namespace vmsim::x86::pc::test
