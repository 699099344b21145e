// The measured regions of the Appel-Li benchmarks (workloads/appel) hold the
// benchmark's operation and nothing else, on both kernels: a region that also
// held set-up work (a random page number's `% APPEL_PAGES`, an address
// computation) would make its Figure 1 cell right or wrong by accident (issue 8:
// GCC once moved a divide into the aegis dirty region). Each test states what
// the operation's code path explains and fails when a region holds more.
//
// Runs on the DECstation 3100 preset, where caches and the write buffer are in
// force; counts per operation are net of the in-place null region that each
// benchmark measures right before its own (appel.h).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "appel.h"
#include "temp_dir.hpp"
#include "vmsim_run.hpp"

namespace vmsim::vmlib_test {
namespace {

using vmsim::testing::parse_stats_json;
using vmsim::testing::run_vmsim;
using vmsim::testing::StatsJson;
using vmsim::testing::TempDir;

struct Benchmark {
    const char* name;
    unsigned region;
    unsigned entries_per_iteration;
};
const Benchmark kBenchmarks[] = {
    {"dirty", APPEL_REGION_DIRTY, 1},         {"prot1", APPEL_REGION_PROT1, 1},
    {"unprot1", APPEL_REGION_UNPROT1, 1},     {"prot100", APPEL_REGION_PROT100, 1},
    {"unprot100", APPEL_REGION_UNPROT100, 1}, {"trap", APPEL_REGION_TRAP, APPEL_TRAP_ENTRIES_PER_ITERATION},
    {"appel1", APPEL_REGION_APPEL1, 1},       {"appel2", APPEL_REGION_APPEL2, 1},
};

struct AppelRun {
    std::string kernel;
    int exit_code = -1;
    std::string describe;
    StatsJson stats;

    bool ran(const Benchmark& b) const { return stats.has(key(b.region, "count")); }
    static std::string key(unsigned region, const char* counter) {
        return "region." + std::to_string(region) + "." + counter;
    }
    double iterations(const Benchmark& b) const {
        return static_cast<double>(stats.u64(key(b.region, "count"))) / b.entries_per_iteration;
    }
    // `counter` per iteration inside the benchmark's region, less its in-place null.
    double net(const Benchmark& b, const char* counter) const {
        const double all = static_cast<double>(stats.u64(key(b.region, counter)));
        const double null = static_cast<double>(stats.u64(key(APPEL_REGION_INPLACE_NULL(b.region), counter)));
        return (all - null) / iterations(b);
    }
    double net(const char* name, const char* counter) const { return net(find(name), counter); }
    static const Benchmark& find(const std::string& name) {
        for (const Benchmark& b : kBenchmarks)
            if (name == b.name) return b;
        throw std::logic_error("no benchmark " + name);
    }
};

AppelRun run_appel(const std::string& kernel, const std::string& elf) {
    TempDir dir;
    const std::string json = dir.path() + "/stats.json";
    const auto r = run_vmsim({"run", "--quiet", "--elf", elf, "--config", DEC3100_CFG, "--stats-json", json,
                              "--max-instructions", "100000000"});
    AppelRun run;
    run.kernel = kernel;
    run.exit_code = r.exit_code;
    run.describe = vmsim::testing::describe(r);
    std::ifstream in(json);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!text.empty()) run.stats = parse_stats_json(text);
    return run;
}

const std::vector<AppelRun>& runs() {
    static const std::vector<AppelRun> r = {run_appel("unix", UNIX_APPEL_ELF), run_appel("aegis", AEGIS_APPEL_ELF)};
    return r;
}
const AppelRun& run_of(const std::string& kernel) {
    for (const AppelRun& r : runs())
        if (r.kernel == kernel) return r;
    throw std::logic_error("no kernel " + kernel);
}

TEST(AppelRegions, BothKernelsRunEveryBenchmark) {
    for (const AppelRun& r : runs()) {
        ASSERT_EQ(r.exit_code, 0) << r.describe;
        for (const Benchmark& b : kBenchmarks)
            EXPECT_EQ(r.ran(b), r.kernel == "aegis" || std::string(b.name) != "dirty") << r.kernel << " " << b.name;
    }
}

// The overhead is measured where the benchmark is: one empty region before each
// entry of the benchmark's own (in trap also in the handler, where the region is
// entered again), so the two are entered equally often.
TEST(AppelRegions, EachRegionIsPairedEntryForEntryWithItsInPlaceNull) {
    for (const AppelRun& r : runs())
        for (const Benchmark& b : kBenchmarks) {
            if (!r.ran(b)) continue;
            EXPECT_EQ(r.stats.u64(AppelRun::key(APPEL_REGION_INPLACE_NULL(b.region), "count")),
                      r.stats.u64(AppelRun::key(b.region, "count")))
                << r.kernel << " " << b.name;
        }
}

// An empty region is the tail of the begin call and the head of the end call,
// the same instructions wherever it stands; any other instruction in it is work
// the compiler moved in.
TEST(AppelRegions, AnInPlaceNullExecutesTheSameInstructionsAtEverySite) {
    for (const AppelRun& r : runs()) {
        double first = -1;
        for (const Benchmark& b : kBenchmarks) {
            if (!r.ran(b)) continue;
            const unsigned null = APPEL_REGION_INPLACE_NULL(b.region);
            const double per_entry = static_cast<double>(r.stats.u64(AppelRun::key(null, "instructions"))) /
                                     static_cast<double>(r.stats.u64(AppelRun::key(null, "count")));
            if (first < 0) first = per_entry;
            EXPECT_EQ(per_entry, first) << r.kernel << " " << b.name;
        }
        EXPECT_GT(first, 0) << r.kernel;
    }
}

// No benchmark path multiplies or divides, except one kernel path: aegis's
// range write of software-TLB entries (sys_tlb_write_range, which unprot100
// reaches) divides the room left in a page by the entry stride, twice per page
// of entries. 100 entries of 8 bytes span at most two pages: at most four
// divides of 35 cycles (models/mips_r3000/cpu.hpp, div_latency) per call.
TEST(AppelRegions, NoMultiplyOrDivideInsideARegionWhosePathHasNone) {
    constexpr double kDivCycles = 35;
    for (const AppelRun& r : runs())
        for (const Benchmark& b : kBenchmarks) {
            if (!r.ran(b)) continue;
            const double stall = r.net(b, "muldiv_stall");
            if (r.kernel == "aegis" && std::string(b.name) == "unprot100")
                EXPECT_LE(stall, 4 * kDivCycles) << b.name;
            else
                EXPECT_EQ(stall, 0.0) << r.kernel << " " << b.name << ": a multiply or divide inside the region";
        }
}

// AVM answers a dirty query from its own page table in user space: no system
// call, no trap, so the region's kernel time is exactly its null's (the kernel
// part of the begin/end calls).
TEST(AppelRegions, AegisDirtyRunsAtUserLevelOnly) {
    const AppelRun& r = run_of("aegis");
    ASSERT_EQ(r.exit_code, 0) << r.describe;
    EXPECT_EQ(r.net("dirty", "kernel"), 0.0);
    EXPECT_EQ(r.net("dirty", "exception_entry"), 0.0);
    EXPECT_GT(r.net("dirty", "instructions"), 0.0);
}

// region.N.utlb_refills counts the TLB misses a region takes through the refill
// vector. The unix kernel's mprotect drops a protected page's TLB entry, so every
// trap and appel1 access misses in the TLB first (at least one refill an
// operation); AVM on aegis turns the entry invalid in place (AEGIS_FLUSH_INVALID),
// so its traps usually raise TLBL without a refill (fewer than one). Aegis dirty, a
// user-level walk over pages already mapped, takes none; no region counts more
// refills than the whole run.
TEST(AppelRegions, RefillsInsideRegionsAreCounted) {
    for (const AppelRun& r : runs()) {
        ASSERT_EQ(r.exit_code, 0) << r.describe;
        for (const Benchmark& b : kBenchmarks) {
            if (!r.ran(b)) continue;
            EXPECT_LE(r.stats.u64(AppelRun::key(b.region, "utlb_refills")), r.stats.u64("tlb.refill_exceptions"))
                << r.kernel << " " << b.name;
        }
    }
    const AppelRun& unix_run = run_of("unix");
    const AppelRun& aegis = run_of("aegis");
    EXPECT_GE(unix_run.net("trap", "utlb_refills"), 1.0);
    EXPECT_GE(unix_run.net("appel1", "utlb_refills"), 1.0);
    EXPECT_LT(aegis.net("trap", "utlb_refills"), 1.0);
    EXPECT_GT(aegis.net("trap", "utlb_refills"), 0.0) << "some protected entries were evicted before the access";
    EXPECT_EQ(aegis.net("dirty", "utlb_refills"), 0.0);
}

// A range protection is the one-page call plus a per-page loop: rewriting a
// PTE (and, on the unix kernel below its ASID threshold, a TLB probe of about
// 20 instructions; on aegis, the page's software-TLB entry). 5 to 60
// instructions a page covers every such loop; set-up work moved into the
// region, or a call per page, falls outside.
TEST(AppelRegions, RangeProtectionAddsAPerPageLoopToTheOnePageCall) {
    for (const AppelRun& r : runs()) {
        ASSERT_EQ(r.exit_code, 0) << r.describe;
        for (const auto& [range, one] : {std::pair{"prot100", "prot1"}, std::pair{"unprot100", "unprot1"}}) {
            const double per_page = (r.net(range, "instructions") - r.net(one, "instructions")) / (APPEL_PAGES - 1);
            EXPECT_GE(per_page, 5) << r.kernel << " " << range;
            EXPECT_LE(per_page, 60) << r.kernel << " " << range;
        }
    }
}

// The composite benchmarks are made of the simple ones (AVM paper, section 4):
// appel1 = trap + prot1 + unprot1 (the handler protects one page and
// unprotects the faulting one); appel2, per page, = trap + unprot1 + a
// hundredth of prot100 + one pass of the touch loop. What is left over is the
// handler's dispatch and the calls' argument set-up: under 50 instructions.
TEST(AppelRegions, CompositeBenchmarksAreTheSumOfTheirParts) {
    for (const AppelRun& r : runs()) {
        ASSERT_EQ(r.exit_code, 0) << r.describe;
        const double trap = r.net("trap", "instructions"), prot1 = r.net("prot1", "instructions"),
                     unprot1 = r.net("unprot1", "instructions"), prot100 = r.net("prot100", "instructions");
        const double appel1 = r.net("appel1", "instructions");
        const double appel2 = r.net("appel2", "instructions") / APPEL_PAGES;
        EXPECT_NEAR(appel1, trap + prot1 + unprot1, 50) << r.kernel;
        EXPECT_NEAR(appel2, trap + unprot1 + prot100 / APPEL_PAGES, 50) << r.kernel;
    }
}

}  // namespace
}  // namespace vmsim::vmlib_test
