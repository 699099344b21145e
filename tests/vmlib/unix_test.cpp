// The `unix` kernel stub (vmlib/unix) on the simulator: the Appel-Li benchmark
// image runs to completion with one measured region per iteration, SIGSEGV
// delivery and sigreturn behave as a Unix program expects (checked from inside
// by the sigtest guest), mprotect flushes the TLB, the classic refill handler
// takes nested misses on the kseg2 page table, and an uncaught fault ends the
// run with a one-line report.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "appel.h"
#include "temp_dir.hpp"
#include "vmsim_run.hpp"

namespace vmsim::vmlib_test {
namespace {

using vmsim::testing::parse_stats_json;
using vmsim::testing::run_vmsim;
using vmsim::testing::split_lines;
using vmsim::testing::StatsJson;
using vmsim::testing::TempDir;
using vmsim::testing::VmsimRun;

struct GuestRun {
    VmsimRun r;
    std::vector<std::string> lines;
    StatsJson stats;
};

GuestRun run_guest(const std::string& elf, const std::vector<std::string>& extra = {}) {
    TempDir dir;
    const std::string json = dir.path() + "/stats.json";
    GuestRun run;
    std::vector<std::string> args{"run", "--quiet", "--elf", elf, "--stats-json", json, "--max-instructions",
                                  "100000000"};
    args.insert(args.end(), extra.begin(), extra.end());
    run.r = run_vmsim(args);
    run.lines = split_lines(run.r.out);
    std::ifstream in(json);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!text.empty()) run.stats = parse_stats_json(text);
    return run;
}

// The value of `key=` in the first line starting with `prefix`, or -1.
long long field(const std::vector<std::string>& lines, const std::string& prefix, const std::string& key) {
    for (const auto& line : lines) {
        if (line.compare(0, prefix.size(), prefix) != 0) continue;
        const size_t at = line.find(" " + key + "=");
        if (at == std::string::npos) return -1;
        return std::stoll(line.substr(at + key.size() + 2), nullptr, 0);
    }
    return -1;
}

bool has_line(const std::vector<std::string>& lines, const std::string& text) {
    for (const auto& line : lines)
        if (line == text) return true;
    return false;
}

const GuestRun& appel_run() {
    static const GuestRun run = run_guest(UNIX_APPEL_ELF);
    return run;
}

const std::map<std::string, unsigned> kRegions = {
    {"null", APPEL_REGION_NULL},       {"prot1", APPEL_REGION_PROT1},
    {"unprot1", APPEL_REGION_UNPROT1}, {"prot100", APPEL_REGION_PROT100},
    {"unprot100", APPEL_REGION_UNPROT100}, {"trap", APPEL_REGION_TRAP},
    {"appel1", APPEL_REGION_APPEL1},   {"appel2", APPEL_REGION_APPEL2},
};

// Cycles per iteration of benchmark `name`, from the stats and the printed count.
double per_iteration(const GuestRun& run, const std::string& name) {
    const long long n = field(run.lines, "appel " + name + " ", "iterations");
    if (n <= 0) return 0;
    return static_cast<double>(run.stats.u64("region." + std::to_string(kRegions.at(name)) + ".cycles")) / n;
}

TEST(UnixAppel, RunsEveryBenchmarkToExitZero) {
    const GuestRun& run = appel_run();
    ASSERT_EQ(run.r.exit_code, 0) << vmsim::testing::describe(run.r);
    for (const auto& [name, id] : kRegions)
        EXPECT_GT(field(run.lines, "appel " + name + " ", "iterations"), 0) << name << "\n" << run.r.out;
    EXPECT_TRUE(has_line(run.lines, "appel dirty n/a")) << run.r.out;  // Ultrix has no dirty query
    EXPECT_TRUE(has_line(run.lines, "appel done")) << run.r.out;
}

TEST(UnixAppel, EachRegionIsEnteredOncePerIteration) {
    const GuestRun& run = appel_run();
    ASSERT_EQ(run.r.exit_code, 0) << vmsim::testing::describe(run.r);
    for (const auto& [name, id] : kRegions) {
        const long long n = field(run.lines, "appel " + name + " ", "iterations");
        const uint64_t entries = name == "trap" ? APPEL_TRAP_ENTRIES_PER_ITERATION : 1;
        const std::string base = "region." + std::to_string(id);
        EXPECT_EQ(run.stats.u64(base + ".count"), static_cast<uint64_t>(n) * entries) << name;
        EXPECT_GE(run.stats.u64(base + ".cycles"), run.stats.u64(base + ".instructions")) << name;
    }
    EXPECT_FALSE(run.stats.has("region." + std::to_string(APPEL_REGION_DIRTY) + ".count"));
}

std::vector<std::string> appel_lines(const std::vector<std::string>& lines) {
    std::vector<std::string> out;
    for (const auto& line : lines)
        if (line.compare(0, 6, "appel ") == 0) out.push_back(line);
    return out;
}

// The same image on the DECstation 3100 preset (caches, write buffer, memory
// latency): the same work is done, each region only takes longer. (The kernel's
// own counters may differ: TLB Random follows the cycle count.)
TEST(UnixAppel, RunsTheSameOnTheDecstation3100Preset) {
    const GuestRun& plain = appel_run();
    const GuestRun run = run_guest(UNIX_APPEL_ELF, {"--config", DEC3100_CFG});
    ASSERT_EQ(run.r.exit_code, 0) << vmsim::testing::describe(run.r);
    EXPECT_EQ(appel_lines(run.lines), appel_lines(plain.lines));
    for (const auto& [name, id] : kRegions) {
        const std::string base = "region." + std::to_string(id);
        EXPECT_EQ(run.stats.u64(base + ".count"), plain.stats.u64(base + ".count")) << name;
        EXPECT_GE(run.stats.u64(base + ".cycles"), plain.stats.u64(base + ".cycles")) << name;
    }
}

TEST(UnixAppel, CostsHaveTheShapeOfTheOperations) {
    const GuestRun& run = appel_run();
    ASSERT_EQ(run.r.exit_code, 0) << vmsim::testing::describe(run.r);
    const double null = per_iteration(run, "null");
    EXPECT_GT(null, 0);
    // A system call costs more than the region pair around it; a range costs
    // more than one page but much less than one call per page; a trap more
    // than a protection change; appel1 is prot1 + trap + unprot1.
    EXPECT_GT(per_iteration(run, "prot1"), 2 * null);
    EXPECT_GT(per_iteration(run, "unprot1"), 2 * null);
    EXPECT_GT(per_iteration(run, "prot100"), per_iteration(run, "prot1"));
    EXPECT_GT(per_iteration(run, "unprot100"), per_iteration(run, "unprot1"));
    EXPECT_LT(per_iteration(run, "prot100"), 0.5 * APPEL_PAGES * per_iteration(run, "prot1"));
    EXPECT_LT(per_iteration(run, "unprot100"), 0.5 * APPEL_PAGES * per_iteration(run, "unprot1"));
    EXPECT_GT(per_iteration(run, "trap"), per_iteration(run, "prot1"));
    EXPECT_GT(per_iteration(run, "appel1"), per_iteration(run, "trap"));
    EXPECT_GT(per_iteration(run, "appel2") / APPEL_PAGES, per_iteration(run, "trap") / 2);
}

TEST(UnixAppel, OneSignalPerFaultAndNestedPageTableMisses) {
    const GuestRun& run = appel_run();
    ASSERT_EQ(run.r.exit_code, 0) << vmsim::testing::describe(run.r);
    const long long faults = field(run.lines, "appel faults", "faults");
    const long long signals = field(run.lines, "unix: stats", "signals");
    const long long nested = field(run.lines, "unix: stats", "nested_tlb_misses");
    EXPECT_GT(faults, 0) << run.r.out;
    EXPECT_EQ(signals, faults) << run.r.out;
    // The refill handler's PTE load misses on the kseg2 page table at least
    // once per page-table page in use (text/data/heap and stack: two).
    EXPECT_GE(nested, 2) << run.r.out;
    EXPECT_LE(static_cast<uint64_t>(nested), run.stats.u64("cpu.exceptions.TLBL"));
    EXPECT_GE(run.stats.u64("tlb.refill_exceptions"), static_cast<uint64_t>(nested));
}

// The UTLB vector of the kernel image is the classic 9-instruction handler,
// ending in rfe: read it from the ELF file.
TEST(UnixKernel, RefillHandlerIsNineInstructions) {
    std::ifstream in(UNIX_APPEL_ELF, std::ios::binary);
    const std::vector<unsigned char> elf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GT(elf.size(), 52u);
    auto u32 = [&](size_t off) {
        return static_cast<uint32_t>(elf[off] | elf[off + 1] << 8 | elf[off + 2] << 16 |
                                     static_cast<uint32_t>(elf[off + 3]) << 24);
    };
    auto u16 = [&](size_t off) { return static_cast<uint32_t>(elf[off] | elf[off + 1] << 8); };
    const uint32_t phoff = u32(28), phentsize = u16(42), phnum = u16(44);
    int count = -1;
    for (uint32_t i = 0; i < phnum; ++i) {
        const size_t ph = phoff + i * phentsize;
        const uint32_t offset = u32(ph + 4), vaddr = u32(ph + 8), filesz = u32(ph + 16);
        if (u32(ph) != 1 || vaddr != 0x80000000u) continue;
        ASSERT_GE(filesz, 0x80u);
        for (uint32_t k = 0; k < 32; ++k) {
            if (u32(offset + 4 * k) == 0x42000010u) {  // rfe
                count = static_cast<int>(k) + 1;
                break;
            }
        }
    }
    EXPECT_EQ(count, 9);
}

// ---- unix.mprotect_asid_threshold: new ASID or page-by-page flushing ---------------

// The statistics of a run that are the simulated machine's (host.* measure the host).
std::vector<std::pair<std::string, std::string>> simulated_stats(const GuestRun& run) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& kv : run.stats.stats)
        if (kv.first.compare(0, 5, "host.") != 0) out.push_back(kv);
    return out;
}

GuestRun appel_with_threshold(const std::string& pages) {
    return run_guest(UNIX_APPEL_ELF, {"--set", "unix.mprotect_asid_threshold=" + pages});
}

// The benchmark's ranges are 1 and APPEL_PAGES (100) pages, and a range takes a new ASID
// when it has more pages than the threshold: 16 (the default) and 99 give the same run,
// and so do 100 and a value that no range reaches.
TEST(UnixMprotectStrategy, ThresholdSplitsRangesAtMoreThanThatManyPages) {
    static_assert(APPEL_PAGES == 100, "the thresholds below bracket a 100-page range");
    const GuestRun& defaults = appel_run();
    ASSERT_EQ(defaults.r.exit_code, 0) << vmsim::testing::describe(defaults.r);
    EXPECT_EQ(simulated_stats(appel_with_threshold("16")), simulated_stats(defaults));
    EXPECT_EQ(simulated_stats(appel_with_threshold("99")), simulated_stats(defaults));
    const GuestRun per_page = appel_with_threshold("1000000");
    ASSERT_EQ(per_page.r.exit_code, 0) << vmsim::testing::describe(per_page.r);
    EXPECT_EQ(simulated_stats(appel_with_threshold("100")), simulated_stats(per_page));
    EXPECT_NE(simulated_stats(per_page), simulated_stats(defaults));
}

// Page by page, each 100-page prot100/unprot100 call probes the TLB for each of its
// 100 changed PTEs (tlb_flush_addr in locore.S: 11 instructions when nothing
// matches, more when an entry is invalidated) instead of taking a new ASID; the
// benchmark computes the same thing.
TEST(UnixMprotectStrategy, PerPageFlushingProbesEachPageOfALargeRange) {
    const GuestRun& asid = appel_run();
    const GuestRun per_page = appel_with_threshold("524288");  // VMSIM_UNIX_MPROTECT_ASID_NEVER
    ASSERT_EQ(asid.r.exit_code, 0) << vmsim::testing::describe(asid.r);
    ASSERT_EQ(per_page.r.exit_code, 0) << vmsim::testing::describe(per_page.r);
    EXPECT_EQ(appel_lines(per_page.lines), appel_lines(asid.lines));

    const long long calls = field(asid.lines, "appel prot100 ", "iterations") +
                            field(asid.lines, "appel unprot100 ", "iterations");
    ASSERT_GT(calls, 0) << asid.r.out;
    EXPECT_GE(field(asid.lines, "unix: stats", "tlbpid_flushes"), calls) << asid.r.out;
    EXPECT_EQ(field(per_page.lines, "unix: stats", "tlbpid_flushes"), 0) << per_page.r.out;
    const uint64_t pages = static_cast<uint64_t>(APPEL_PAGES) * static_cast<uint64_t>(calls);
    EXPECT_GE(per_page.stats.u64("tlb.probes"), asid.stats.u64("tlb.probes") + pages);
    EXPECT_GE(field(per_page.lines, "unix: stats", "tlb_flushes"),
              field(asid.lines, "unix: stats", "tlb_flushes") + static_cast<long long>(pages));
    for (const char* name : {"prot100", "unprot100"})
        EXPECT_GE(per_iteration(per_page, name), per_iteration(asid, name) + 11.0 * APPEL_PAGES) << name;
    // One-page calls never reach any threshold: the same cost either way.
    EXPECT_EQ(per_iteration(per_page, "prot1"), per_iteration(asid, "prot1"));
}

// Range protection still takes effect page by page (sigtest checks from inside that
// a protected range faults and an unprotected one does not).
TEST(UnixMprotectStrategy, SigtestPassesWithPageByPageRangeFlushes) {
    const GuestRun run = run_guest(UNIX_SIGTEST_ELF, {"--set", "unix.mprotect_asid_threshold=524288"});
    EXPECT_EQ(run.r.exit_code, 0) << vmsim::testing::describe(run.r);
    EXPECT_TRUE(has_line(run.lines, "sigtest: range_protect_flushes_tlb ok")) << run.r.out;
    EXPECT_TRUE(has_line(run.lines, "sigtest: done failures=0")) << run.r.out;
}

TEST(UnixSignals, SigcontextSigreturnAndTlbFlushBehave) {
    const GuestRun run = run_guest(UNIX_SIGTEST_ELF);
    EXPECT_EQ(run.r.exit_code, 0) << vmsim::testing::describe(run.r);
    for (const char* check :
         {"read_fault_count", "read_fault_addr", "read_fault_kind", "read_resumed", "write_fault_count",
          "write_fault_addr", "write_fault_kind", "write_resumed", "protect_flushes_tlb",
          "unprotect_flushes_tlb", "range_protect_flushes_tlb", "registers_survive", "hi_lo_survive", "argument_registers_survive",
          "probe_load_value", "sigcontext_signal", "sigcontext_code", "sigcontext_pc",
          "sigcontext_badvaddr", "sigcontext_a0", "sigcontext_resumed", "delay_slot_pc", "delay_slot_bd",
          "delay_slot_resumed", "sigstack_handler_on_it", "sigstack_released", "stack_grows", "mprotect_unaligned", "mprotect_unmapped", "mprotect_text_write"})
        EXPECT_TRUE(has_line(run.lines, std::string("sigtest: ") + check + " ok")) << check << "\n" << run.r.out;
    EXPECT_TRUE(has_line(run.lines, "sigtest: done failures=0")) << run.r.out;
}

TEST(UnixSignals, UncaughtFaultStopsTheRunWithOneLine) {
    const GuestRun run = run_guest(UNIX_SIGKILL_ELF);
    EXPECT_EQ(run.r.exit_code, 125) << vmsim::testing::describe(run.r);
    const long long addr = field(run.lines, "sigkill:", "reading");
    (void)addr;
    unsigned reading = 0;
    for (const auto& line : run.lines) std::sscanf(line.c_str(), "sigkill: reading 0x%x", &reading);
    ASSERT_NE(reading, 0u) << run.r.out;
    bool found = false;
    for (const auto& line : run.lines) {
        unsigned code = 0, epc = 0, bad = 0;
        if (std::sscanf(line.c_str(), "unix: pid 1 killed (SIGSEGV): ExcCode=%u EPC=0x%x BadVAddr=0x%x", &code,
                        &epc, &bad) == 3) {
            found = true;
            EXPECT_EQ(code, 2u);  // TLBL
            EXPECT_EQ(bad, reading);
            EXPECT_LT(epc, 0x80000000u);
        }
    }
    EXPECT_TRUE(found) << run.r.out;
    EXPECT_FALSE(has_line(run.lines, "sigkill: still alive")) << run.r.out;
}

}  // namespace
}  // namespace vmsim::vmlib_test
