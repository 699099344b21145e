// The x86_64 target through the real `vmsim` (one child process per run, as SystemC requires):
// GUPS under each preset and page size, the page-size ordering the issue asks for, determinism,
// demand paging through the pager upcall, the operation and cycle limits, bad presets (one line
// naming the parameter), the command line and sweeps without a program, and the figure.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

#include "temp_dir.hpp"
#include "vmsim_run.hpp"

namespace vmsim::testing {
namespace {

constexpr int kUsage = 64, kLimit = 124;

std::string preset(const std::string& name) { return std::string(VMSIM_CONFIGS) + "/machines/" + name + ".cfg"; }

struct X86Run {
    VmsimRun run;
    StatsJson stats;
    std::string json_text;
};

// `vmsim run` on the x86_64 target with the preset's file (if any) and `sets`.
X86Run run_x86(const std::string& machine, const std::vector<std::string>& sets) {
    TempDir dir;
    const std::string json = dir.path() + "/stats.json";
    std::vector<std::string> args{"run", "--quiet", "--stats-json", json, "--set", "target=x86_64"};
    if (!machine.empty()) {
        args.push_back("--config");
        args.push_back(preset(machine));
    }
    for (const std::string& s : sets) {
        args.push_back("--set");
        args.push_back(s);
    }
    X86Run r;
    r.run = run_vmsim(args);
    r.json_text = read_whole_file(json);
    if (!r.json_text.empty()) r.stats = parse_stats_json(r.json_text);
    return r;
}

double per_update(const StatsJson& s, const std::string& name) {
    return static_cast<double>(s.u64(name)) / static_cast<double>(s.u64("cpu.operations"));
}

// The table of the runs below: large against every TLB's 4 KB reach (6 MB on Skylake, 8 MB on Golden
// Cove, 256 KB on the Pentium), updates enough for the misses to settle.
const std::vector<std::string> kGups = {"workload=gups", "gups.table_size=64M", "gups.updates=100000"};

std::vector<std::string> with(std::vector<std::string> sets, const std::vector<std::string>& more) {
    sets.insert(sets.end(), more.begin(), more.end());
    return sets;
}

// ---- every preset and page size ----------------------------------------------------------

class GupsOnPreset : public ::testing::TestWithParam<std::tuple<const char*, const char*>> {};

TEST_P(GupsOnPreset, RunsEveryUpdateThroughTheTablesPageSize) {
    const auto [machine, page] = GetParam();
    // pentium100's 64 MB of RAM cannot hold a 64 MB table beside its page tables.
    std::vector<std::string> sets = with(kGups, {std::string("gups.page_size=") + page});
    if (std::string(machine) == "pentium100") sets.push_back("mem.size=256M");
    const X86Run r = run_x86(machine, sets);
    ASSERT_EQ(r.run.exit_code, 0) << describe(r.run);
    const StatsJson& s = r.stats;
    EXPECT_EQ(*s.find("sim.outcome"), "exited");
    EXPECT_EQ(s.u64("cpu.operations"), 100000u);
    EXPECT_EQ(s.u64("cpu.loads"), 100000u);
    EXPECT_EQ(s.u64("cpu.stores"), 100000u);
    EXPECT_EQ(s.u64("cpu.fetches"), 100000u);
    EXPECT_EQ(s.u64("cpu.page_faults"), 0u) << "the table is mapped before the run";
    // Every data translation is of the table's page size: hits and misses of that size, and the
    // writes that walked again to set D, add up to the loads and stores; no other size appears on the
    // data side.
    uint64_t data_translations = s.u64("mmu.dirty_rewalks");
    for (const char* size : {"4k", "2m", "4m", "1g"}) {
        const uint64_t n = s.u64(std::string("mmu.dtlb.hits.") + size) + s.u64(std::string("mmu.dtlb.misses.") + size);
        if (std::string(size) == page) data_translations += n;
        else EXPECT_EQ(n, 0u) << size;
    }
    EXPECT_EQ(data_translations, 200000u);
    // The categories add up to the cycle count, and the stated cost per update is in it.
    EXPECT_EQ(s.u64("cycles.compute") + s.u64("cycles.translation") + s.u64("cycles.data") +
                  s.u64("cycles.page_faults"),
              s.u64("cpu.cycles"));
    EXPECT_EQ(s.u64("cycles.user") + s.u64("cycles.kernel"), s.u64("cpu.cycles"));
    EXPECT_GT(s.u64("cycles.compute"), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    X86, GupsOnPreset,
    ::testing::Values(std::tuple{"skylake", "4k"}, std::tuple{"skylake", "2m"}, std::tuple{"skylake", "1g"},
                      std::tuple{"goldencove", "4k"}, std::tuple{"goldencove", "2m"}, std::tuple{"goldencove", "1g"},
                      std::tuple{"pentium100", "4k"}, std::tuple{"pentium100", "4m"}),
    [](const auto& info) { return std::string(std::get<0>(info.param)) + "_" + std::get<1>(info.param); });

// ---- the issue's acceptance: 4 KB slower than 2 MB, 2 MB no faster than 1 GB ---------------

class PageSizeOrder : public ::testing::TestWithParam<const char*> {};

TEST_P(PageSizeOrder, SmallerPagesCostMoreCyclesPerUpdate) {
    const std::string machine = GetParam();
    const StatsJson k4 = run_x86(machine, with(kGups, {"gups.page_size=4k"})).stats;
    const StatsJson m2 = run_x86(machine, with(kGups, {"gups.page_size=2m"})).stats;
    const StatsJson g1 = run_x86(machine, with(kGups, {"gups.page_size=1g"})).stats;
    ASSERT_TRUE(k4.has("cpu.cycles") && m2.has("cpu.cycles") && g1.has("cpu.cycles"));
    EXPECT_GT(k4.u64("cpu.cycles"), m2.u64("cpu.cycles"));
    EXPECT_GE(m2.u64("cpu.cycles"), g1.u64("cpu.cycles"));
    // Why: with 4 KB pages most loads walk; with 2 MB pages the second level holds the whole table.
    EXPECT_GT(per_update(k4, "mmu.walks"), 0.5);
    EXPECT_LT(per_update(m2, "mmu.walks"), 0.01);
    EXPECT_LT(per_update(g1, "mmu.walks"), 0.01);
}

INSTANTIATE_TEST_SUITE_P(X86, PageSizeOrder, ::testing::Values("skylake", "goldencove"));

TEST(X86PageSize, PentiumFourMegabytePagesBeatFourKilobyte) {
    const StatsJson k4 = run_x86("pentium100", with(kGups, {"gups.page_size=4k", "mem.size=256M"})).stats;
    const StatsJson m4 = run_x86("pentium100", with(kGups, {"gups.page_size=4m", "mem.size=256M"})).stats;
    ASSERT_TRUE(k4.has("cpu.cycles") && m4.has("cpu.cycles"));
    EXPECT_GT(k4.u64("cpu.cycles"), m4.u64("cpu.cycles"));
    // No paging-structure caches: a 4 KB walk reads the PDE and the PTE, a 4 MB walk the PDE alone
    // (the code page is 4 KB either way: the I-TLB's misses walk two levels).
    EXPECT_EQ(k4.u64("mmu.walk.refs"), 2 * k4.u64("mmu.walks"));
    EXPECT_EQ(m4.u64("mmu.walk.refs"), m4.u64("mmu.walks") + m4.u64("mmu.itlb.misses.4k"));
    EXPECT_GT(m4.u64("mmu.walks"), m4.u64("mmu.itlb.misses.4k")) << "the table's 4 MB pages walk too";
}

// The platform turns each paging mode on: with no paging-structure caches a walk reads one entry
// per level of the mode.
TEST(X86PagingMode, WalksReadOneEntryPerLevelOfTheMode) {
    const std::vector<std::string> no_psc = {"psc_pde.entries=0", "psc_pdpte.entries=0", "psc_pml4e.entries=0",
                                             "gups.updates=2000", "gups.table_size=16M"};
    for (const auto& [mode, levels] : {std::pair{"legacy32", 2u}, std::pair{"long4", 4u}}) {
        const X86Run r = run_x86("", with(no_psc, {std::string("mmu.paging=") + mode}));
        ASSERT_EQ(r.run.exit_code, 0) << mode << describe(r.run);
        ASSERT_GT(r.stats.u64("mmu.walks"), 0u) << mode;
        EXPECT_EQ(r.stats.u64("mmu.walk.refs"), levels * r.stats.u64("mmu.walks")) << mode;
    }
}

// ---- determinism ---------------------------------------------------------------------------

// The JSON without the host.* entries, the only ones allowed to differ.
std::string without_host(const StatsJson& s) {
    std::string out;
    for (const auto& [k, v] : s.stats)
        if (k.rfind("host.", 0) != 0) out += k + "=" + v + "\n";
    for (const auto& [k, v] : s.config) out += "config " + k + "=" + v + "\n";
    return out;
}

TEST(X86Determinism, SameSeedSameStatisticsOtherSeedOtherUpdates) {
    const std::vector<std::string> sets = with(kGups, {"gups.seed=7"});
    const X86Run a = run_x86("skylake", sets), b = run_x86("skylake", sets);
    ASSERT_EQ(a.run.exit_code, 0) << describe(a.run);
    EXPECT_EQ(without_host(a.stats), without_host(b.stats));
    const X86Run c = run_x86("skylake", with(kGups, {"gups.seed=8"}));
    EXPECT_NE(a.stats.u64("cpu.cycles"), c.stats.u64("cpu.cycles")) << "the seed chooses the updates";
}

TEST(X86Determinism, QuantumAndSyncElisionChangeNoSimulatedResult) {
    const X86Run a = run_x86("skylake", kGups);
    const X86Run b = run_x86("skylake", with(kGups, {"sim.quantum=100ns", "sim.sync_elision=false"}));
    ASSERT_EQ(b.run.exit_code, 0) << describe(b.run);
    EXPECT_GT(b.stats.u64("sim.quantum_syncs"), a.stats.u64("sim.quantum_syncs"));
    for (const char* stat : {"cpu.cycles", "mmu.walks", "mmu.walk.refs.memory", "cache.memory.accesses"})
        EXPECT_EQ(a.stats.u64(stat), b.stats.u64(stat)) << stat;
}

// ---- demand paging through the pager upcall ------------------------------------------------

TEST(X86PageFaults, EachTablePageFaultsOnceAndTheAccessRetries) {
    // 64 KB = 16 pages, each touched many times by 20000 updates.
    const X86Run r = run_x86("skylake", {"gups.table_size=64K", "gups.updates=20000", "gups.populate=false",
                                         "cpu.fault_cycles=777"});
    ASSERT_EQ(r.run.exit_code, 0) << describe(r.run);
    EXPECT_EQ(r.stats.u64("cpu.page_faults"), 16u);
    // The first touch of a page is the update's load: not present, read, user.
    EXPECT_EQ(r.stats.u64("mmu.faults.ec_0x04"), 16u);
    EXPECT_EQ(r.stats.u64("mmu.faults.page"), 16u);
    EXPECT_EQ(r.stats.u64("cycles.page_faults"), 16u * 777u);
    EXPECT_EQ(r.stats.u64("cycles.kernel"), 16u * 777u);
    EXPECT_EQ(r.stats.u64("cpu.loads"), 20000u) << "a retried access counts once";
}

TEST(X86PageFaults, OneGigabytePagesOnDemandMapTheTableWithOneFault) {
    const X86Run r = run_x86("skylake", {"gups.table_size=64M", "gups.updates=5000", "gups.populate=false",
                                         "gups.page_size=1g"});
    ASSERT_EQ(r.run.exit_code, 0) << describe(r.run);
    EXPECT_EQ(r.stats.u64("cpu.page_faults"), 1u);
}

// ---- limits --------------------------------------------------------------------------------

TEST(X86Limits, RunawayWorkloadStopsAtTheOperationLimit) {
    const X86Run r = run_x86("skylake", {"gups.updates=1000000000000", "gups.table_size=1M",
                                         "sim.max_instructions=12345"});
    EXPECT_EQ(r.run.exit_code, kLimit) << describe(r.run);
    const std::vector<std::string> lines = split_lines(r.run.err);
    ASSERT_EQ(lines.size(), 1u) << describe(r.run);
    EXPECT_TRUE(contains(lines[0], "12345 operations") && contains(lines[0], "sim.max_instructions")) << lines[0];
    EXPECT_EQ(*r.stats.find("sim.outcome"), "instruction_limit");
    EXPECT_EQ(r.stats.u64("cpu.operations"), 12345u);
}

// host.mops is the rate of the workload's run, as GUPS counts it: the setup (mapping a 64 MB table,
// a large part of a run of 100k updates) is host.setup_seconds, part of host.seconds and not of the
// rate's time.
TEST(X86HostStats, TheRateLeavesOutTheSetup) {
    const X86Run r = run_x86("skylake", {"gups.updates=100000", "gups.table_size=64M"});
    ASSERT_EQ(r.run.exit_code, 0) << describe(r.run);
    auto number = [&](const char* name) {
        const std::string* v = r.stats.find(name);
        EXPECT_NE(v, nullptr) << name;
        return v ? std::stod(*v) : 0.0;
    };
    const double seconds = number("host.seconds"), setup = number("host.setup_seconds"), mops = number("host.mops");
    EXPECT_GT(setup, 0.0);
    EXPECT_LT(setup, seconds);
    EXPECT_NEAR(mops, 100000 / (seconds - setup) / 1e6, mops * 1e-6);
}

TEST(X86Limits, WorkloadEndingExactlyAtTheLimitExited) {
    const X86Run r = run_x86("skylake", {"gups.updates=500", "gups.table_size=1M", "sim.max_instructions=500"});
    EXPECT_EQ(r.run.exit_code, 0) << describe(r.run);
    EXPECT_EQ(*r.stats.find("sim.outcome"), "exited");
}

TEST(X86Limits, CycleLimitStopsTheRun) {
    const X86Run r = run_x86("skylake", {"gups.updates=1000000000", "gups.table_size=1M", "sim.max_cycles=200000"});
    EXPECT_EQ(r.run.exit_code, kLimit) << describe(r.run);
    EXPECT_TRUE(contains(r.run.err, "sim.max_cycles")) << r.run.err;
    EXPECT_EQ(*r.stats.find("sim.outcome"), "cycle_limit");
    EXPECT_GE(r.stats.u64("cpu.cycles"), 200000u);
    EXPECT_LT(r.stats.u64("cpu.cycles"), 200000u + 5000u) << "stops within an update of the limit";
}

// ---- the core's compiled workload path (host speed only) ----------------------------------

// GUPS through direct calls with its read-modify-write in one pass against the virtual interface's
// load then store: the same outcome and every simulated statistic the same, with the table mapped up
// front and on demand (the store after a faulting load), under each limit (a cycle limit mostly falls
// within an update's load, so that the run stops before its store), and on presets whose structures
// take the generic paths.
TEST(X86CompiledWorkloads, ChangeNoSimulatedResult) {
    const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
        {"skylake", kGups},
        {"skylake", {"gups.table_size=16M", "gups.updates=20000", "gups.populate=false"}},
        {"skylake", {"gups.updates=1000000000", "gups.table_size=1M", "sim.max_cycles=200000"}},
        {"skylake", {"gups.updates=1000000000", "gups.table_size=1M", "sim.max_cycles=123457"}},
        {"skylake", {"gups.updates=1000000000", "gups.table_size=1M", "sim.max_instructions=12345"}},
        {"goldencove", with(kGups, {"gups.page_size=2m"})},
        {"pentium100", {"gups.table_size=4M", "gups.updates=20000", "gups.populate=false"}},
    };
    // Every statistic and every other parameter: the one that differs is left out.
    const auto simulated = [](const X86Run& r) {
        std::string all = without_host(r.stats);
        for (const char* line : {"config cpu.compiled_workloads=true\n", "config cpu.compiled_workloads=false\n"})
            if (const size_t at = all.find(line); at != std::string::npos) all.erase(at, std::string(line).size());
        return all;
    };
    for (const auto& [machine, sets] : cases) {
        const X86Run direct = run_x86(machine, sets);
        const X86Run virtual_calls = run_x86(machine, with(sets, {"cpu.compiled_workloads=false"}));
        ASSERT_FALSE(direct.json_text.empty()) << describe(direct.run);
        EXPECT_EQ(direct.run.exit_code, virtual_calls.run.exit_code) << machine << " " << describe(direct.run);
        EXPECT_EQ(simulated(direct), simulated(virtual_calls)) << machine << " " << sets.back();
        EXPECT_GT(direct.stats.u64("cpu.stores"), 0u);
    }
}

// ---- bad presets: one line naming the parameter, before anything runs ----------------------

struct BadPreset {
    const char* name;
    std::vector<std::string> sets;
    const char* names;  // the parameter the line must name
};
void PrintTo(const BadPreset& b, std::ostream* os) { *os << b.name; }

class X86BadPreset : public ::testing::TestWithParam<BadPreset> {};

TEST_P(X86BadPreset, IsOneLineNamingTheParameter) {
    const BadPreset& b = GetParam();
    const X86Run r = run_x86("skylake", b.sets);
    const std::string line = one_error_line(r.run, kUsage);
    EXPECT_TRUE(contains(line, b.names)) << line;
    EXPECT_EQ(r.json_text, "") << "nothing ran";
}

INSTANTIATE_TEST_SUITE_P(
    X86, X86BadPreset,
    ::testing::Values(
        BadPreset{"EntriesNotDivisibleByWays", {"dtlb_4k.entries=64", "dtlb_4k.ways=3"}, "dtlb_4k.ways"},
        BadPreset{"SetsNotAPowerOfTwo", {"stlb.entries=1536", "stlb.ways=16"}, "stlb.entries"},
        BadPreset{"PlruWaysNotAPowerOfTwo", {"dtlb_4k.entries=96", "dtlb_4k.ways=6", "dtlb_4k.replacement=plru"},
                  "dtlb_4k.ways"},
        BadPreset{"CacheSizeNotWaysTimesLines", {"l2.size=1000K"}, "l2.size"},
        BadPreset{"TwoHomesForGigabytePages", {"stlb.holds_1g=true"}, "stlb.holds_1g"},
        BadPreset{"FourMegabytePagesInLongMode", {"gups.page_size=4m"}, "gups.page_size"},
        BadPreset{"GigabytePagesWithoutSupport", {"gups.page_size=1g", "mmu.pages_1g=false"}, "gups.page_size"},
        BadPreset{"TableLargerThanRam", {"gups.table_size=1G", "mem.size=512M"}, "mem.size"},
        BadPreset{"FiveLevelsWithoutLa57", {"mmu.paging=long5"}, "mmu.paging"},
        BadPreset{"GupsPagerHasNoFiveLevels", {"mmu.paging=long5", "mmu.la57=true"}, "mmu.paging"}),
    [](const auto& info) { return std::string(info.param.name); });

// ---- the command line and sweeps -----------------------------------------------------------

TEST(X86Cli, RunsWithoutAProgramAndRefusesOne) {
    const VmsimRun ok = run_vmsim({"run", "--quiet", "--config", preset("skylake"), "--set", "gups.updates=100",
                                   "--set", "gups.table_size=1M"});
    EXPECT_EQ(ok.exit_code, 0) << describe(ok);
    const std::string line = one_error_line(
        run_vmsim({"run", "--quiet", "--config", preset("skylake"), "--elf", VMSIM_BINARY}), kUsage);
    EXPECT_TRUE(contains(line, "--elf") && contains(line, "x86_64")) << line;
}

TEST(X86Cli, HelpListsTheTargetItsParametersAndStatistics) {
    const VmsimRun targets = run_vmsim({"help", "targets"});
    EXPECT_TRUE(contains(targets.out, "x86_64")) << targets.out;
    const VmsimRun params = run_vmsim({"help", "params", "--target", "x86_64"});
    for (const char* p : {"gups.page_size", "dtlb_4k.entries", "psc_pde.entries", "stlb.holds_1g", "mmu.paging"})
        EXPECT_TRUE(contains(params.out, p)) << p;
    const VmsimRun stats = run_vmsim({"help", "stats", "--target", "x86_64"});
    for (const char* s : {"cpu.operations", "cycles.translation", "mmu.walks", "mmu.psc.pde.hits",
                          "mmu.walk.refs.memory", "cache.l1d.hits", "host.mops"})
        EXPECT_TRUE(contains(stats.out, s)) << s;
}

TEST(X86Cli, EveryRecordedStatisticIsDescribed) {
    const X86Run r = run_x86("skylake", {"gups.updates=100", "gups.table_size=1M"});
    const VmsimRun described = run_vmsim({"help", "stats", "--target", "x86_64"});
    for (const auto& [name, value] : r.stats.stats) EXPECT_TRUE(contains(described.out, name + " ")) << name;
}

TEST(X86Sweep, PointsRunWithoutAProgramAndAProgramIsRefused) {
    TempDir dir;
    const std::string file = dir.write("pages.cfg", "include = " + preset("skylake") +
                                                        "\ngups.updates = 2000\ngups.table_size = 16M\n"
                                                        "sweep.gups.page_size = 4k 2m\n");
    const VmsimRun r = run_vmsim({"sweep", file, "--out", dir.path() + "/out", "--jobs", "2"});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    const std::vector<std::string> csv = split_lines(read_whole_file(dir.path() + "/out/results.csv"));
    ASSERT_EQ(csv.size(), 3u) << read_whole_file(dir.path() + "/out/results.csv");
    EXPECT_TRUE(contains(csv[0], "mmu.walks"));
    const std::string bad = dir.write("bad.cfg", "include = " + preset("skylake") + "\nprogram = pages.cfg\n");
    const std::string line = one_error_line(run_vmsim({"sweep", bad, "--out", dir.path() + "/bad"}), kUsage);
    EXPECT_TRUE(contains(line, "not a program")) << line;
}

}  // namespace
}  // namespace vmsim::testing

namespace vmsim::testing {
namespace {

// ---- vmsim reproduce gups-pagesize ----------------------------------------------------------

std::vector<std::string> cells(const std::string& line) {
    std::vector<std::string> out(1);
    for (char c : line) {
        if (c == ',') out.emplace_back();
        else out.back() += c;
    }
    return out;
}

TEST(GupsPagesizeFigure, TableOrdersPageSizesAsTheIssueRequires) {
    TempDir dir;
    const VmsimRun r = run_vmsim({"reproduce", "gups-pagesize", "--out", dir.path(), "--set", "gups.updates=20000",
                                  "--set", "gups.table_size=64M"});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> header;
    for (const std::string& line : split_lines(read_whole_file(dir.path() + "/gups_pagesize.csv"))) {
        if (line.empty() || line[0] == '#') continue;
        if (header.empty()) header = cells(line);
        else rows.push_back(cells(line));
    }
    const auto col = [&](const std::string& name) {
        return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
    };
    ASSERT_LT(col("cycles_per_update"), header.size());
    const auto cycles = [&](const std::string& machine, const std::string& page) {
        for (const auto& row : rows)
            if (row[col("machine")] == machine && row[col("page_size")] == page)
                return std::strtod(row[col("cycles_per_update")].c_str(), nullptr);
        ADD_FAILURE() << "no row " << machine << " " << page;
        return 0.0;
    };
    EXPECT_EQ(rows.size(), 8u);
    for (const char* m : {"skylake", "goldencove"}) {
        EXPECT_GT(cycles(m, "4k"), cycles(m, "2m")) << m;
        EXPECT_GE(cycles(m, "2m"), cycles(m, "1g")) << m;
    }
    EXPECT_GT(cycles("pentium100", "4k"), cycles("pentium100", "4m"));
    const std::string md = read_whole_file(dir.path() + "/gups_pagesize.md");
    EXPECT_TRUE(contains(md, "reach") && contains(md, "PSC hits")) << "the explanation is in the table";
    EXPECT_TRUE(contains(md, "gups.updates=20000")) << "the overrides are stated";
}

TEST(GupsPagesizeFigure, AnOverrideNoChosenFigureDeclaresIsRefused) {
    TempDir dir;
    const std::string line = one_error_line(
        run_vmsim({"reproduce", "gups-pagesize", "--out", dir.path(), "--set", "wbuf.depth=2"}), kUsage);
    EXPECT_TRUE(contains(line, "wbuf.depth")) << line;
    const std::string other = one_error_line(
        run_vmsim({"reproduce", "rialto-refill", "--out", dir.path(), "--set", "gups.updates=5"}), kUsage);
    EXPECT_TRUE(contains(other, "gups.updates")) << other;
}

}  // namespace
}  // namespace vmsim::testing
