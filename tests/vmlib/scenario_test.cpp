// The scenario workload (workloads/scenario): its access sequence on the host
// (scenario_core.h), then the program on aegis under `vmsim run`: the processes'
// lines, checked against what the host computes from the same core, and how the
// STLB misses respond to the STLB's size and the number of processes.
#include <gtest/gtest.h>

#include <cstdint>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "aegis/abi.h"
#include "scenario_core.h"
#include "vmsim/bootparams.h"
#include "vmsim_run.hpp"

namespace {

// ---- the access sequence -----------------------------------------------------------

std::vector<uint32_t> walk(uint32_t pages, uint32_t seed, uint32_t proc, uint32_t n) {
    scenario_walk w;
    scenario_walk_init(&w, pages, seed, proc);
    std::vector<uint32_t> v(n);
    for (auto& p : v) p = scenario_walk_next(&w);
    return v;
}

TEST(ScenarioWalk, StaysInsideTheWorkingSet) {
    for (uint32_t pages : {1u, 3u, 8u, 64u, 1000u, 65535u})
        for (uint32_t p : walk(pages, 1, 0, 20000)) ASSERT_LT(p, pages) << pages;
}

TEST(ScenarioWalk, MostAccessesStayNearTheRecentOnes) {
    // Locality: an access is within the window of the one before, except for the
    // window's moves and the jumps (1 in SCENARIO_JUMP).
    const uint32_t pages = 1024;
    const std::vector<uint32_t> v = walk(pages, 7, 2, 100000);
    size_t near = 0;
    for (size_t i = 1; i < v.size(); ++i) {
        const uint32_t d = (v[i] + pages - v[i - 1]) % pages;
        near += d < SCENARIO_WINDOW || pages - d < SCENARIO_WINDOW;
    }
    EXPECT_GT(double(near) / double(v.size()), 0.9);
    // ... and yet the whole working set is visited: the window sweeps it.
    EXPECT_EQ(std::set<uint32_t>(v.begin(), v.end()).size(), pages);
}

TEST(ScenarioWalk, EachProcessAndSeedHasItsOwnSequence) {
    EXPECT_EQ(walk(64, 1, 0, 1000), walk(64, 1, 0, 1000));
    EXPECT_NE(walk(64, 1, 0, 1000), walk(64, 1, 1, 1000));
    EXPECT_NE(walk(64, 1, 0, 1000), walk(64, 2, 0, 1000));
}

// The fingerprint the guest prints: per-page access counts, hashed in page order.
uint32_t expected_fingerprint(uint32_t pages, uint32_t seed, uint32_t proc, uint32_t accesses) {
    std::vector<uint32_t> count(pages, 0);
    for (uint32_t p : walk(pages, seed, proc, accesses)) ++count[p];
    uint32_t h = SCENARIO_FINGERPRINT_INIT;
    for (uint32_t c : count) h = scenario_fingerprint(h, c);
    return h;
}

// ---- on aegis ----------------------------------------------------------------------

struct Proc {
    uint32_t pages = 0, slices = 0, accesses = 0, seed = 0, fingerprint = 0;
    long long misses = -1, other_misses = -1;
};

struct ScenarioRun {
    int exit_code = -1;
    std::string out;
    std::vector<Proc> procs;  // by process number
    long long kernel_envs = -1, asid_steals = -1, seg1_misses = -1;
    vmsim::testing::StatsJson stats;
};

ScenarioRun run(const std::vector<std::string>& sets) {
    vmsim::testing::TempDir dir;
    const std::string json = dir.path() + "/stats.json";
    std::vector<std::string> args{"run", "--quiet", "--elf", AEGIS_SCENARIO_ELF, "--stats-json", json};
    for (const auto& s : sets) args.insert(args.end(), {"--set", s});
    const vmsim::testing::VmsimRun v = vmsim::testing::run_vmsim(args);
    ScenarioRun r;
    r.exit_code = v.exit_code;
    r.out = v.out + v.err;
    const std::regex proc_re(
        "^scenario: proc ([0-9]+) pages=([0-9]+) slices=([0-9]+) accesses=([0-9]+) seed=([0-9]+) "
        "stlb_misses=([0-9]+) other_stlb_misses=([0-9]+) fingerprint=0x([0-9a-f]{8})$");
    const std::regex kernel_re("^aegis: envs=([0-9]+) .*asid_steals=([0-9]+) .*seg1_stlb_misses=([0-9]+) ");
    for (const std::string& l : vmsim::testing::split_lines(r.out)) {
        std::smatch m;
        if (std::regex_match(l, m, proc_re)) {
            const size_t i = std::stoul(m[1]);
            if (r.procs.size() <= i) r.procs.resize(i + 1);
            Proc& p = r.procs[i];
            p.pages = std::stoul(m[2]);
            p.slices = std::stoul(m[3]);
            p.accesses = std::stoul(m[4]);
            p.seed = std::stoul(m[5]);
            p.misses = std::stoll(m[6]);
            p.other_misses = std::stoll(m[7]);
            p.fingerprint = std::stoul(m[8], nullptr, 16);
        } else if (std::regex_search(l, m, kernel_re)) {
            r.kernel_envs = std::stoll(m[1]);
            r.asid_steals = std::stoll(m[2]);
            r.seg1_misses = std::stoll(m[3]);
        }
    }
    r.stats = vmsim::testing::parse_stats_json(vmsim::testing::read_whole_file(json));
    return r;
}

long long total_misses(const ScenarioRun& r) {
    long long n = 0;
    for (const Proc& p : r.procs) n += p.misses;
    return n;
}

long long all_misses(const ScenarioRun& r) {
    long long n = r.seg1_misses;
    for (const Proc& p : r.procs) n += p.misses + p.other_misses;
    return n;
}

// Every process ran its accesses in its own pages: the counters it read back at
// the end are those the host computes for its sequence.
void expect_processes_correct(const ScenarioRun& r, size_t nprocs, uint32_t pages, uint32_t slices,
                              uint32_t accesses, uint32_t seed) {
    ASSERT_EQ(r.exit_code, 0) << r.out;
    ASSERT_EQ(r.procs.size(), nprocs) << r.out;
    EXPECT_EQ(r.kernel_envs, static_cast<long long>(nprocs)) << r.out;
    for (uint32_t i = 0; i < nprocs; ++i) {
        const Proc& p = r.procs[i];
        EXPECT_EQ(p.pages, pages);
        EXPECT_EQ(p.slices, slices);
        EXPECT_EQ(p.accesses, accesses);
        EXPECT_EQ(p.seed, seed);
        EXPECT_EQ(p.fingerprint, expected_fingerprint(pages, seed, i, slices * accesses)) << "proc " << i;
        EXPECT_GE(p.other_misses, static_cast<long long>(pages)) << "every page's first touch misses";
    }
}

TEST(Scenario, DefaultsAreThreeProcessesOfSixtyFourPages) {
    const ScenarioRun r = run({});
    expect_processes_correct(r, 3, VMSIM_SCENARIO_PAGES_DEFAULT, VMSIM_SCENARIO_SLICES_DEFAULT,
                             VMSIM_SCENARIO_ACCESSES_DEFAULT, VMSIM_SCENARIO_SEED_DEFAULT);
}

// The kernel's counters reach the statistics (guest.N, VMSIM_SIMCTL_COUNTER_*) with the
// values it prints: the ASID steals and segment-1 misses of a run that recycles ASIDs.
TEST(Scenario, KernelCountersAreStatistics) {
    const ScenarioRun r = run({"aegis.nenvs=4", "aegis.asids=3", "scenario.pages=16", "scenario.slices=5",
                               "scenario.accesses=200"});
    ASSERT_EQ(r.exit_code, 0) << r.out;
    ASSERT_GT(r.asid_steals, 0) << r.out;
    EXPECT_EQ(r.stats.u64("guest." + std::to_string(AEGIS_COUNTER_ASID_STEALS)),
              static_cast<uint64_t>(r.asid_steals));
    EXPECT_EQ(r.stats.u64("guest." + std::to_string(AEGIS_COUNTER_SEG1_STLB_MISSES)),
              static_cast<uint64_t>(r.seg1_misses));
    EXPECT_GE(r.stats.u64("guest." + std::to_string(AEGIS_COUNTER_SWITCHES)),
              r.stats.u64("guest." + std::to_string(AEGIS_COUNTER_PREEMPTIONS)));
    EXPECT_FALSE(r.stats.has("guest.63")) << "only counters the guest wrote";
    // The processes' own counters (AEGIS_SYS_COUNTER), summed over the processes:
    // guest.16 slice STLB misses, guest.17 the others, guest.18 accesses.
    long long slice = 0, other = 0;
    for (const Proc& p : r.procs) slice += p.misses, other += p.other_misses;
    EXPECT_EQ(r.stats.u64("guest.16"), static_cast<uint64_t>(slice));
    EXPECT_EQ(r.stats.u64("guest.17"), static_cast<uint64_t>(other));
    EXPECT_EQ(r.stats.u64("guest.18"), 4u * 5u * 200u) << "4 processes, 5 slices of 200 accesses";
}

TEST(Scenario, ParametersReachEveryProcess) {
    const ScenarioRun r = run({"aegis.nenvs=5", "scenario.pages=20", "scenario.slices=3", "scenario.accesses=300",
                               "scenario.seed=9"});
    expect_processes_correct(r, 5, 20, 3, 300, 9);
}

TEST(Scenario, ProcessesKeepTheirPagesWhenAsidsAreRecycled) {
    const ScenarioRun r = run({"aegis.nenvs=4", "aegis.asids=3", "scenario.pages=16", "scenario.slices=5",
                               "scenario.accesses=200"});
    expect_processes_correct(r, 4, 16, 5, 200, VMSIM_SCENARIO_SEED_DEFAULT);
    EXPECT_GT(r.asid_steals, 0) << r.out;
}

TEST(Scenario, ProcessesKeepTheirPagesUnderFrequentPreemption) {
    // The slice of accesses takes far longer than the time slice: the timer, not
    // the program's yields, interleaves the processes.
    const ScenarioRun r = run({"aegis.nenvs=3", "aegis.timeslice=2000", "scenario.pages=16", "scenario.slices=2",
                               "scenario.accesses=2000"});
    expect_processes_correct(r, 3, 16, 2, 2000, VMSIM_SCENARIO_SEED_DEFAULT);
    EXPECT_GT(r.stats.u64("timer.interrupts"), 30u);
}

TEST(Scenario, StlbMissesRiseWhenTheWorkingSetsOutgrowTheStlb) {
    // 3 x 32 pages: they fit in 4096 entries; in 32, each process's set alone does not.
    const std::vector<std::string> common{"aegis.nenvs=3", "scenario.pages=32", "scenario.slices=4",
                                          "scenario.accesses=500"};
    auto with = [&](const std::string& s) {
        std::vector<std::string> v = common;
        v.push_back(s);
        return v;
    };
    const ScenarioRun big = run(with("aegis.stlb_entries=4096")), small = run(with("aegis.stlb_entries=32"));
    expect_processes_correct(big, 3, 32, 4, 500, VMSIM_SCENARIO_SEED_DEFAULT);
    expect_processes_correct(small, 3, 32, 4, 500, VMSIM_SCENARIO_SEED_DEFAULT);
    EXPECT_GT(total_misses(small), 4 * total_misses(big)) << big.out << small.out;
    // Every STLB miss is a UTLB refill the fast path did not finish; with 4096
    // entries most refills are hits, with 32 far fewer.
    for (const ScenarioRun* r : {&big, &small}) {
        const long long refills = static_cast<long long>(r->stats.u64("tlb.refill_exceptions"));
        EXPECT_LE(all_misses(*r), refills);
    }
    EXPECT_LT(all_misses(big) * 2, static_cast<long long>(big.stats.u64("tlb.refill_exceptions")));
    EXPECT_GT(all_misses(small) * 2, static_cast<long long>(small.stats.u64("tlb.refill_exceptions")));
}

TEST(Scenario, MoreProcessesMissMoreInTheSharedStlb) {
    // 256 entries: 2 processes of 64 pages fit, 8 do not.
    auto misses_per_process = [](const char* n) {
        const ScenarioRun r = run({std::string("aegis.nenvs=") + n, "aegis.stlb_entries=256", "scenario.slices=4",
                                   "scenario.accesses=500"});
        EXPECT_EQ(r.exit_code, 0) << r.out;
        return r.procs.empty() ? 0.0 : double(total_misses(r)) / double(r.procs.size());
    };
    EXPECT_GT(misses_per_process("8"), 2 * misses_per_process("2"));
}

TEST(Scenario, WorkingSetsBeyondMemoryStopWithAMessage) {
    const ScenarioRun r = run({"aegis.nenvs=2", "scenario.pages=60000", "scenario.slices=1"});
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.out.find("out of physical pages"), std::string::npos) << r.out;
}

}  // namespace
