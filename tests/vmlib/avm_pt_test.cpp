// The AVM page tables in the guest (vmlib/avm): the Appel-Li benchmarks and the
// AVM test program on aegis under every value of avm.pagetable, on the
// DECstation 3100 preset. A structure changes what a page-table operation costs,
// never what the program computes or which faults it takes; each reports the
// bytes it needs and measures its lookups in the refill path (avm_regions.h).
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "appel.h"
#include "avm_regions.h"
#include "temp_dir.hpp"
#include "vmsim/bootparams.h"
#include "vmsim_run.hpp"

namespace {

using vmsim::testing::parse_stats_json;
using vmsim::testing::StatsJson;

constexpr int kExitBadParam = 120;  // vmlib/aegis/include/aegis/abi.h
const char* const kStructures[] = VMSIM_AVM_PAGETABLE_NAMES;

struct GuestRun {
    int exit_code = -1;
    std::string describe;
    std::vector<std::string> lines;
    StatsJson stats;

    std::vector<std::string> with_prefix(const std::string& prefix) const {
        std::vector<std::string> v;
        for (const auto& l : lines)
            if (l.rfind(prefix, 0) == 0) v.push_back(l);
        return v;
    }
    // "key=N" of the first line starting with prefix; -1 if absent.
    long long field(const std::string& prefix, const std::string& key) const {
        std::smatch m;
        for (const auto& l : with_prefix(prefix))
            if (std::regex_search(l, m, std::regex(" " + key + "=([0-9]+)"))) return std::stoll(m[1]);
        return -1;
    }
    double region(unsigned id, const char* counter) const {
        return static_cast<double>(stats.u64("region." + std::to_string(id) + "." + counter));
    }
    // counter per lookup in the refill path, less the in-place empty region.
    double per_lookup(const char* counter) const {
        return (region(AVM_REGION_LOOKUP, counter) - region(AVM_REGION_LOOKUP_NULL, counter)) /
               region(AVM_REGION_LOOKUP, "count");
    }
};

GuestRun run(const std::string& elf, const std::vector<std::string>& sets) {
    vmsim::testing::TempDir dir;
    const std::string json = dir.path() + "/stats.json";
    std::vector<std::string> args{"run",          "--quiet", "--elf", elf, "--config", DEC3100_CFG,
                                  "--stats-json", json,      "--max-instructions", "100000000"};
    for (const auto& s : sets) args.insert(args.end(), {"--set", s});
    const vmsim::testing::VmsimRun v = vmsim::testing::run_vmsim(args);
    GuestRun r;
    r.exit_code = v.exit_code;
    r.describe = vmsim::testing::describe(v);
    r.lines = vmsim::testing::split_lines(v.out + v.err);
    const std::string text = vmsim::testing::read_whole_file(json);
    if (!text.empty()) r.stats = parse_stats_json(text);
    return r;
}

// aegis_appel under one structure, its lookups measured (avm.measure_lookups), run
// once per test process.
const GuestRun& appel(const std::string& structure) {
    static std::map<std::string, GuestRun> runs;
    auto it = runs.find(structure);
    if (it == runs.end())
        it = runs.emplace(structure, run(AEGIS_APPEL_ELF, {"avm.pagetable=" + structure, "avm.measure_lookups=true"}))
                 .first;
    return it->second;
}

// Lookups are measured only when asked: by default no system call of the library's
// own regions lands inside the benchmarks' regions.
TEST(AvmPageTables, LookupsAreMeasuredOnlyWhenAsked) {
    const GuestRun plain = run(AEGIS_APPEL_ELF, {});
    ASSERT_EQ(plain.exit_code, 0) << plain.describe;
    EXPECT_FALSE(plain.stats.has("region." + std::to_string(AVM_REGION_LOOKUP) + ".count"));
    EXPECT_FALSE(plain.stats.has("region." + std::to_string(AVM_REGION_LOOKUP_NULL) + ".count"));
    const GuestRun& measured = appel("linear");
    EXPECT_GT(measured.region(AVM_REGION_LOOKUP, "count"), 0) << measured.describe;
    // The measurement's system calls are the only difference in the appel1 region.
    EXPECT_LT(plain.region(APPEL_REGION_APPEL1, "instructions"), measured.region(APPEL_REGION_APPEL1, "instructions"));
}

TEST(AvmPageTables, AppelComputesTheSameAndTakesTheSameFaultsUnderEveryStructure) {
    const GuestRun& linear = appel("linear");
    ASSERT_EQ(linear.exit_code, 0) << linear.describe;
    ASSERT_GT(linear.field("appel faults", "faults"), 0) << linear.describe;
    for (const char* s : kStructures) {
        const GuestRun& r = appel(s);
        EXPECT_EQ(r.exit_code, 0) << s << "\n" << r.describe;
        EXPECT_TRUE(r.with_prefix("appel: check failed").empty()) << s << "\n" << r.describe;
        // Every `appel ...` line: the benchmarks, their iterations, the protection
        // faults the handler saw, `appel done`.
        EXPECT_EQ(r.with_prefix("appel "), linear.with_prefix("appel ")) << s;
        EXPECT_EQ(r.stats.u64("cpu.exceptions.Mod"), linear.stats.u64("cpu.exceptions.Mod")) << s;
    }
}

// What each structure needs for appel's 100 pages, all in one megabyte (from
// 0x10000000, AVM's heap) on a 24 MB machine, from the structures' definitions
// (vmlib/avm/README.md): linear and hashed 16 bytes a page, hashed also its 1024
// chain heads; hier2 its root of 2048 leaf pointers and one 4 KB leaf; inverted
// an entry per frame (6144) and 64 overflow entries, and 4096 anchors.
TEST(AvmPageTables, EachStructureReportsTheBytesItNeedsForAppelsPages) {
    const std::map<std::string, long long> bytes = {
        {"linear", APPEL_PAGES * 16},
        {"hier2", 2048 * 4 + 4096},
        {"hashed", 1024 * 4 + APPEL_PAGES * 16},
        {"inverted", (6144 + 64) * 16 + 4096 * 4}};
    ASSERT_EQ(bytes.size(), std::size(kStructures));
    for (const char* s : kStructures) {
        const GuestRun& r = appel(s);
        const std::string prefix = std::string("avm: pagetable=") + s + " ";
        ASSERT_EQ(r.with_prefix(prefix).size(), 1u) << s << "\n" << r.describe;
        EXPECT_EQ(r.field(prefix, "pages"), APPEL_PAGES) << s;
        EXPECT_EQ(r.field(prefix, "bytes"), bytes.at(s)) << s;
    }
}

// Every page's first touch is a forwarded miss (avm_map installs no STLB entry),
// so the refill path looks each of the 100 pages up at least once; each lookup
// region follows an empty one.
TEST(AvmPageTables, EachRefillLookupIsMeasuredBesideAnEmptyRegion) {
    for (const char* s : kStructures) {
        const GuestRun& r = appel(s);
        ASSERT_EQ(r.exit_code, 0) << s << "\n" << r.describe;
        EXPECT_GE(r.region(AVM_REGION_LOOKUP, "count"), APPEL_PAGES) << s;
        EXPECT_EQ(r.region(AVM_REGION_LOOKUP_NULL, "count"), r.region(AVM_REGION_LOOKUP, "count")) << s;
        EXPECT_GT(r.per_lookup("instructions"), 5.0) << s;
        EXPECT_GT(r.per_lookup("cycles"), r.per_lookup("instructions") - 1.0) << s;
        RecordProperty(std::string(s) + "_cycles_per_lookup", std::to_string(r.per_lookup("cycles")));
    }
}

// A binary search over appel's 100 pages is 7 probes; hier2 indexes twice, the
// hashed and inverted tables find a page at the head of its chain (its pages
// all hash apart). The user-mode part of a lookup (without the refills of the
// page table's own pages) and the dirty benchmark, a lookup alone, show it.
TEST(AvmPageTables, IndexedStructuresLookUpInAFractionOfTheBinarySearchsCycles) {
    const GuestRun& linear = appel("linear");
    const double linear_user = linear.per_lookup("user");
    const double linear_dirty = linear.region(APPEL_REGION_DIRTY, "cycles");
    for (const char* s : {"hier2", "hashed", "inverted"}) {
        const GuestRun& r = appel(s);
        EXPECT_LT(r.per_lookup("user"), linear_user / 2) << s;
        EXPECT_LT(r.region(APPEL_REGION_DIRTY, "cycles"), linear_dirty) << s;
    }
}

// avm.hashed_buckets reaches AVM through the boot block and the kernel
// (AEGIS_INFO_BOOTPARAM): the heads it reports change with it, the results not.
TEST(AvmPageTables, HashedBucketsComeFromTheBootParameter) {
    const GuestRun& linear = appel("linear");
    for (unsigned buckets : {1u, 64u, VMSIM_AVM_HASHED_MAX_BUCKETS}) {
        const GuestRun r =
            run(AEGIS_APPEL_ELF, {"avm.pagetable=hashed", "avm.hashed_buckets=" + std::to_string(buckets)});
        EXPECT_EQ(r.exit_code, 0) << buckets << "\n" << r.describe;
        EXPECT_EQ(r.field("avm: pagetable=hashed", "bytes"), buckets * 4 + APPEL_PAGES * 16) << buckets;
        EXPECT_EQ(r.with_prefix("appel "), linear.with_prefix("appel ")) << buckets;
    }
}

TEST(AvmPageTables, SimulatorRejectsABucketCountThatIsNotAPowerOfTwoUpToTheMaximumBeforeBoot) {
    for (const char* value : {"3000", "16384", "0"}) {
        const GuestRun r = run(AEGIS_APPEL_ELF, {"avm.pagetable=hashed", std::string("avm.hashed_buckets=") + value});
        EXPECT_NE(r.exit_code, 0) << value;
        EXPECT_NE(r.describe.find("avm.hashed_buckets"), std::string::npos) << value << "\n" << r.describe;
        EXPECT_TRUE(r.with_prefix("appel").empty()) << "the guest never ran\n" << r.describe;
    }
}

// The inverted table's arena holds up to 7104 frames (27.75 MB); the aegis
// kernel manages up to 128 MB. More stops the application with one line.
TEST(AvmPageTables, InvertedStopsWhenTheKernelManagesMoreFramesThanItHolds) {
    const GuestRun r = run(AEGIS_APPEL_ELF, {"avm.pagetable=inverted", "mem.size=64M"});
    EXPECT_EQ(r.exit_code, kExitBadParam) << r.describe;
    ASSERT_EQ(r.with_prefix("avm:").size(), 1u) << r.describe;
    EXPECT_NE(r.with_prefix("avm:")[0].find("inverted does not fit frames=16384"), std::string::npos)
        << r.describe;
    EXPECT_TRUE(r.with_prefix("appel").empty()) << r.describe;
    const GuestRun fits = run(AEGIS_APPEL_ELF, {"avm.pagetable=inverted", "mem.size=27M"});
    EXPECT_EQ(fits.exit_code, 0) << fits.describe;
}

// Map, unmap, protect ranges, dirty bits, faults in handlers, segment-1 pages:
// the AVM test program's checks hold under every structure.
TEST(AvmPageTables, AvmTestPassesUnderEveryStructure) {
    long long linear_faults = -1;
    for (const char* s : kStructures) {
        const GuestRun r = run(AEGIS_AVM_TEST_ELF, {std::string("avm.pagetable=") + s});
        EXPECT_EQ(r.exit_code, 0) << s << "\n" << r.describe;
        EXPECT_TRUE(r.with_prefix("avm-test: FAIL").empty()) << s << "\n" << r.describe;
        EXPECT_EQ(r.with_prefix("avm-test: done").size(), 1u) << s << "\n" << r.describe;
        const long long faults = r.field("avm-test: stlb_entries", "faults");
        EXPECT_GT(faults, 0) << s;
        if (linear_faults < 0) linear_faults = faults;
        EXPECT_EQ(faults, linear_faults) << s;
    }
}

}  // namespace
