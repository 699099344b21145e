// The R3000 platform seen from guest programs (workloads/tests/plat_*), each run
// through the real `vmsim run` in a child process: timer interrupts, measured
// regions, console and exit code, bus errors, run-to-run and quantum
// independence of the simulated result, and the keys of --stats-json.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "plat_regions.h"  // workloads/tests: the shape of plat_regions.S
#include "temp_dir.hpp"
#include "vmsim_run.hpp"

namespace vmsim::testing {
namespace {

// A guest run with its --stats-json file.
struct GuestRun {
    VmsimRun run;
    std::string json_text;
    StatsJson stats;
};

GuestRun run_guest(const std::string& elf, std::vector<std::string> extra = {}) {
    TempDir dir;
    const std::string json = dir.path() + "/stats.json";
    std::vector<std::string> args{"run", "--quiet", "--elf", elf, "--stats-json", json,
                                  "--max-instructions", "20000000"};  // every guest here needs < 1 million
    args.insert(args.end(), extra.begin(), extra.end());
    GuestRun g;
    g.run = run_vmsim(args);
    g.json_text = read_whole_file(json);
    if (!g.json_text.empty()) {
        try {
            g.stats = parse_stats_json(g.json_text);
        } catch (const std::exception& e) {
            ADD_FAILURE() << e.what() << "\n" << g.json_text;
        }
    }
    return g;
}

// ---- timer -----------------------------------------------------------------------

struct TimerOutput {
    unsigned period = 0;
    unsigned long long enabled_before = 0;
    std::vector<unsigned long long> ticks;  // cycle counter read in the handler
    std::string after;                      // the last line
};

// Parses plat_timer's console output (see workloads/tests/plat_timer.c).
TimerOutput parse_timer(const std::string& out) {
    TimerOutput t;
    const std::vector<std::string> lines = split_lines(out);
    for (const std::string& line : lines) {
        unsigned index = 0;
        unsigned long long cycle = 0;
        if (std::sscanf(line.c_str(), "timer: period=%u", &t.period) == 1) continue;
        if (std::sscanf(line.c_str(), "timer: enabled before cycle %llu", &t.enabled_before) == 1) continue;
        if (std::sscanf(line.c_str(), "timer: tick %u at cycle %llu", &index, &cycle) == 2) {
            EXPECT_EQ(index, t.ticks.size()) << line;
            t.ticks.push_back(cycle);
            continue;
        }
    }
    if (!lines.empty()) t.after = lines.back();
    return t;
}

// How the intervals are bounded: the timer raises IP2 at exactly enable + k * P
// (counted in cycles from the enabling store, independent of when the guest
// acknowledges). Pending interrupts are taken at instruction boundaries, and
// plat_timer's main loop only spins on a RAM word with one-cycle instructions,
// so each interrupt is taken at the very cycle the timer fired; the handler then
// runs the same instructions up to its cycle-counter read every time. So the
// distance between consecutive readings is exactly P: the slack is zero.
constexpr unsigned kTicks = 8;  // plat_timer's PLAT_TIMER_TICKS default

TEST(PlatformTimer, InterruptsArriveEveryConfiguredPeriod) {
    constexpr unsigned kPeriod = 2000;
    const GuestRun g = run_guest(PLAT_TIMER_ELF, {"--set", "timer.period=" + std::to_string(kPeriod)});
    ASSERT_EQ(g.run.exit_code, 0) << describe(g.run);
    const TimerOutput t = parse_timer(g.run.out);
    EXPECT_EQ(t.period, kPeriod) << "the PERIOD register reads timer.period";
    ASSERT_EQ(t.ticks.size(), kTicks) << g.run.out;
    for (size_t k = 1; k < t.ticks.size(); ++k)
        EXPECT_EQ(t.ticks[k] - t.ticks[k - 1], kPeriod) << "between ticks " << k - 1 << " and " << k;
    // First tick: one period after the enabling store, which follows the
    // "enabled before" reading by a few instructions, plus the handler's way to
    // its reading (exception entry, the runtime's register save, ~100 instructions).
    EXPECT_GE(t.ticks[0] - t.enabled_before, kPeriod);
    EXPECT_LE(t.ticks[0] - t.enabled_before, kPeriod + 400);
    // Disabled by the handler at the last tick: three more periods bring none.
    EXPECT_EQ(t.after, "timer: ctrl=0 ticks after disable=" + std::to_string(kTicks));

    EXPECT_EQ(g.stats.u64("timer.interrupts"), kTicks);
    EXPECT_EQ(g.stats.u64("cpu.exceptions.Int"), kTicks);
    EXPECT_EQ(g.stats.u64("cpu.exceptions.total"), kTicks);
}

TEST(PlatformTimer, PeriodRegisterOverridesConfiguredPeriod) {
    // plat_timer_reg writes PERIOD = 3001 before enabling and takes 5 ticks.
    const GuestRun g = run_guest(PLAT_TIMER_REG_ELF, {"--set", "timer.period=2000"});
    ASSERT_EQ(g.run.exit_code, 0) << describe(g.run);
    const TimerOutput t = parse_timer(g.run.out);
    EXPECT_EQ(t.period, 3001u);
    ASSERT_EQ(t.ticks.size(), 5u) << g.run.out;
    for (size_t k = 1; k < t.ticks.size(); ++k) EXPECT_EQ(t.ticks[k] - t.ticks[k - 1], 3001u) << k;
    EXPECT_EQ(g.stats.u64("timer.interrupts"), 5u);
    EXPECT_EQ(g.stats.u64("cpu.exceptions.Int"), 5u);
}

TEST(PlatformTimer, FirstInterruptComesOnePeriodAfterEnabling) {
    // Same guest, two periods: everything up to the enabling store is the same
    // code, so the first reading moves by exactly the difference of the periods.
    const GuestRun a = run_guest(PLAT_TIMER_ELF, {"--set", "timer.period=2000"});
    const GuestRun b = run_guest(PLAT_TIMER_ELF, {"--set", "timer.period=2600"});
    ASSERT_EQ(a.run.exit_code, 0) << describe(a.run);
    ASSERT_EQ(b.run.exit_code, 0) << describe(b.run);
    const TimerOutput ta = parse_timer(a.run.out), tb = parse_timer(b.run.out);
    ASSERT_FALSE(ta.ticks.empty());
    ASSERT_FALSE(tb.ticks.empty());
    EXPECT_EQ(ta.enabled_before, tb.enabled_before);
    EXPECT_EQ(tb.ticks[0] - ta.ticks[0], 600u);
}

// ---- measured regions --------------------------------------------------------------

TEST(PlatformRegions, RegionCountsExactlyTheInstructionsBetweenBeginAndEnd) {
    const GuestRun g = run_guest(PLAT_REGIONS_ELF);
    ASSERT_EQ(g.run.exit_code, 0) << describe(g.run);
    // Per begin/end pair in plat_regions.S: the loop body (addiu, bnez, nop in the
    // delay slot) PLAT_REGION_ITERS times, then the END store itself (the counters
    // are read as that store executes; the BEGIN store is before the region).
    constexpr uint64_t kPerPair = 3 * PLAT_REGION_ITERS + 1;
    const std::string base = "region." + std::to_string(PLAT_REGION);
    EXPECT_EQ(g.stats.u64(base + ".count"), uint64_t{PLAT_REGION_PAIRS})
        << "the END without a BEGIN does not count";
    EXPECT_EQ(g.stats.u64(base + ".instructions"), PLAT_REGION_PAIRS * kPerPair);
    // No stalls in that code: one cycle per instruction (README "Timing").
    EXPECT_EQ(g.stats.u64(base + ".cycles"), PLAT_REGION_PAIRS * kPerPair);
    for (const auto& [name, value] : g.stats.stats) {
        if (name.rfind("region.", 0) == 0) {
            EXPECT_EQ(name.rfind(base + ".", 0), 0u) << "unused region listed: " << name;
        }
    }
}

// ---- console and exit code ---------------------------------------------------------

TEST(PlatformConsole, GuestExitCodeBecomesTheProcessExitCode) {
    const VmsimRun r = run_vmsim({"run", "--elf", PLAT_EXIT42_ELF});
    EXPECT_EQ(r.exit_code, 42) << describe(r);
    EXPECT_EQ(r.out, "exit: stopping with 0x2a\n") << "stdout is the guest console only";
    EXPECT_NE(r.err.find("sim.exit_code"), std::string::npos) << "the statistics table goes to stderr";
}

TEST(PlatformConsole, ExitCodeIsTheLowByteOfTheValueWritten) {
    const GuestRun g = run_guest(PLAT_EXIT_LOW8_ELF);
    EXPECT_EQ(g.run.exit_code, 0x45) << describe(g.run);  // 0x12345 & 0xff
    EXPECT_EQ(g.run.out, "exit: stopping with 0x12345\n");
    EXPECT_EQ(g.run.err, "") << "--quiet: nothing on stderr";
    EXPECT_EQ(g.stats.u64("sim.exit_code"), 0x12345u) << "the statistics keep the whole value";
}

// ---- bus errors --------------------------------------------------------------------

struct BusAccess {
    unsigned addr = 0, exceptions = 0, code = 0, epc = 0, insn = 0, bd = 0, value = 0;
};

TEST(PlatformBusErrors, UnmappedPhysicalAddressesRaiseBusErrors) {
    const GuestRun g = run_guest(PLAT_BUSERROR_ELF);
    ASSERT_EQ(g.run.exit_code, 0) << describe(g.run);
    std::map<std::string, BusAccess> seen;
    for (const std::string& line : split_lines(g.run.out)) {
        char kind[64] = {};
        BusAccess a;
        if (std::sscanf(line.c_str(),
                        "buserror: %63s 0x%x: exceptions=%u code=%u epc=0x%x insn=0x%x bd=%u value=0x%x", kind,
                        &a.addr, &a.exceptions, &a.code, &a.epc, &a.insn, &a.bd, &a.value) == 8)
            seen[kind] = a;
    }
    ASSERT_EQ(seen.size(), 6u) << g.run.out;
    EXPECT_EQ(split_lines(g.run.out).back(), "buserror: done");

    constexpr unsigned kDbe = 7, kIbe = 6;
    // Loads and a store with nothing behind the physical address, through kseg1
    // (uncached) and kseg0 (cached), and just past the end of the 24 MiB RAM:
    // precise DBE at the accessing instruction, which the handler skips.
    for (const char* kind : {"load-kseg1", "load-kseg0", "load-past-ram", "store-kseg1"}) {
        SCOPED_TRACE(kind);
        ASSERT_TRUE(seen.count(kind));
        const BusAccess& a = seen[kind];
        EXPECT_EQ(a.exceptions, 1u);
        EXPECT_EQ(a.code, kDbe);
        EXPECT_EQ(a.epc, a.insn);
        EXPECT_EQ(a.bd, 0u);
    }
    EXPECT_EQ(seen["load-kseg1"].addr, 0xbfd00000u);
    EXPECT_EQ(seen["load-kseg1"].value, 0xdbeu);
    EXPECT_EQ(seen["load-past-ram"].addr, 0xa1800000u);
    // The last word of RAM is still RAM.
    EXPECT_EQ(seen["load-last-ram-word"].exceptions, 0u);
    // Jumping there: IBE with EPC = the address fetched.
    EXPECT_EQ(seen["fetch-kseg1"].exceptions, 1u);
    EXPECT_EQ(seen["fetch-kseg1"].code, kIbe);
    EXPECT_EQ(seen["fetch-kseg1"].epc, 0xbfd00000u);
    EXPECT_EQ(seen["fetch-kseg1"].value, 0x1beu);

    EXPECT_EQ(g.stats.u64("cpu.exceptions.DBE"), 4u);
    EXPECT_EQ(g.stats.u64("cpu.exceptions.IBE"), 1u);
    EXPECT_EQ(g.stats.u64("cpu.exceptions.total"), 5u);
}

// ---- determinism -------------------------------------------------------------------

// The JSON text without the lines that measure the host.
std::string without_host_lines(const std::string& json) {
    std::string out;
    for (const std::string& line : split_lines(json))
        if (line.find("\"host.seconds\"") == std::string::npos && line.find("\"host.mips\"") == std::string::npos)
            out += line + "\n";
    return out;
}

TEST(PlatformDeterminism, RepeatedRunsWriteIdenticalStatistics) {
    for (const char* elf : {PLAT_TIMER_ELF, HELLO_ELF}) {
        SCOPED_TRACE(elf);
        const GuestRun a = run_guest(elf, {"--set", "timer.period=2000"});
        const GuestRun b = run_guest(elf, {"--set", "timer.period=2000"});
        ASSERT_EQ(a.run.exit_code, 0) << describe(a.run);
        ASSERT_EQ(b.run.exit_code, 0) << describe(b.run);
        ASSERT_TRUE(a.stats.has("host.seconds"));
        EXPECT_EQ(without_host_lines(a.json_text), without_host_lines(b.json_text));
        EXPECT_NE(without_host_lines(a.json_text), a.json_text) << "host lines were there to remove";
        EXPECT_EQ(a.run.out, b.run.out);
    }
}

// Statistics that may depend on how the simulation is run rather than on what
// it simulates.
bool host_dependent(const std::string& name) {
    return name.rfind("host.", 0) == 0 || name == "sim.quantum_syncs" || name == "sim.elided_syncs";
}

TEST(PlatformDeterminism, QuantumAndSyncElisionDoNotChangeTheSimulatedResult) {
    const std::vector<std::vector<std::string>> variants = {
        {"--set", "sim.quantum=100ns"},
        {"--set", "sim.quantum=1ms"},
        {"--set", "sim.sync_elision=false"},
    };
    for (const char* elf : {PLAT_TIMER_ELF, HELLO_ELF, PLAT_BUSERROR_ELF}) {
        SCOPED_TRACE(elf);
        const GuestRun base = run_guest(elf, {"--set", "timer.period=2000"});
        ASSERT_EQ(base.run.exit_code, 0) << describe(base.run);
        for (const auto& variant : variants) {
            SCOPED_TRACE(variant[1]);
            std::vector<std::string> args{"--set", "timer.period=2000"};
            args.insert(args.end(), variant.begin(), variant.end());
            const GuestRun v = run_guest(elf, args);
            ASSERT_EQ(v.run.exit_code, 0) << describe(v.run);
            EXPECT_EQ(v.run.out, base.run.out) << "the guest's console output";

            std::vector<std::pair<std::string, std::string>> want, got;
            for (const auto& kv : base.stats.stats)
                if (!host_dependent(kv.first)) want.push_back(kv);
            for (const auto& kv : v.stats.stats)
                if (!host_dependent(kv.first)) got.push_back(kv);
            EXPECT_EQ(got, want);

            // The variant did take effect.
            const std::string key = variant[1].substr(0, variant[1].find('='));
            const std::string value = variant[1].substr(variant[1].find('=') + 1);
            EXPECT_EQ(v.stats.config_map()[key], value);
            if (key == "sim.sync_elision") {
                EXPECT_EQ(v.stats.u64("sim.elided_syncs"), 0u);
                EXPECT_GT(v.stats.u64("sim.quantum_syncs"), 0u);
            }
        }
    }
}

// ---- boot parameter block --------------------------------------------------------------

// An image with the placeholder gets the block filled in from the configuration
// (plat_bootparams exits with (ram_size >> 20) + (stlb_entries >> 8) +
// unix_mprotect_asid_threshold + (stlb_org << 7), or 1-3 when the magic, version or size is wrong); an
// image without it is never written, which every other guest, whose code starts at
// 0x100, shows by running at all.
TEST(PlatformBootParams, KernelsThatAskForParametersGetThem) {
    const VmsimRun defaults = run_vmsim({"run", "--quiet", "--elf", PLAT_BOOTPARAMS_ELF});
    EXPECT_EQ(defaults.exit_code, 24 + 4096 / 256 + 16) << describe(defaults);
    const VmsimRun set = run_vmsim({"run", "--quiet", "--elf", PLAT_BOOTPARAMS_ELF, "--set", "mem.size=8M", "--set",
                                    "aegis.stlb_entries=1024", "--set", "unix.mprotect_asid_threshold=100",
                                    "--set", "aegis.stlb_org=2way"});
    EXPECT_EQ(set.exit_code, 8 + 1024 / 256 + 100 + (1 << 7)) << describe(set);  // 2way is value 1
}

// 0 in the block means "the kernel's default", so the parameter cannot be 0.
TEST(PlatformBootParams, ZeroMprotectAsidThresholdIsRejectedBeforeBoot) {
    const VmsimRun r =
        run_vmsim({"run", "--quiet", "--elf", PLAT_BOOTPARAMS_ELF, "--set", "unix.mprotect_asid_threshold=0"});
    EXPECT_EQ(r.exit_code, 64) << describe(r);
    EXPECT_NE(r.err.find("unix.mprotect_asid_threshold"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
}

// An invalid value is refused before the guest boots, naming where it was set.
TEST(PlatformBootParams, InvalidStlbSizeIsRejectedBeforeBoot) {
    const VmsimRun r = run_vmsim({"run", "--quiet", "--elf", PLAT_BOOTPARAMS_ELF, "--set", "aegis.stlb_entries=1000"});
    EXPECT_EQ(r.exit_code, 64) << describe(r);
    EXPECT_NE(r.err.find("aegis.stlb_entries"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("power of two"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
}

// ---- the TLB's Random phase --------------------------------------------------------------

// plat_tlbwr exits with the index of the entry its tlbwr filled. cpu.random_seed k
// moves Random k steps further down its 63..8 countdown at every cycle, so the same
// guest fills entry k places lower (wrapping 8 -> 63); k and k + 56 are one phase.
TEST(PlatformTlbRandom, RandomSeedChangesTheEntryTlbwrFills) {
    auto entry = [](const std::string& seed) {
        const VmsimRun r = run_vmsim({"run", "--quiet", "--elf", PLAT_TLBWR_ELF, "--set", "cpu.random_seed=" + seed});
        EXPECT_GE(r.exit_code, 8) << describe(r);
        EXPECT_LE(r.exit_code, 63) << describe(r);
        return r.exit_code;
    };
    const int base = entry("0");
    for (int k : {1, 20, 55}) {
        EXPECT_EQ(entry(std::to_string(k)), 8 + (base - 8 + 56 - k) % 56) << "seed " << k;
        EXPECT_EQ(entry(std::to_string(k + 56)), entry(std::to_string(k))) << "seed " << k + 56;
    }
    const VmsimRun defaults = run_vmsim({"run", "--quiet", "--elf", PLAT_TLBWR_ELF});
    EXPECT_EQ(defaults.exit_code, base) << "the default is seed 0";
}

// ---- machine presets -------------------------------------------------------------------

// The DECstation presets turn the memory system on: the guest computes the same
// thing, only slower, and every cycle is booked in exactly one category.
TEST(PlatformPresets, DecstationPresetsAddMemoryStallsThatAccountForEveryCycle) {
    const GuestRun ideal = run_guest(HELLO_ELF, {});
    ASSERT_EQ(ideal.run.exit_code, 0) << describe(ideal.run);
    for (const char* preset : {"dec3100", "dec2100"}) {
        SCOPED_TRACE(preset);
        const GuestRun g =
            run_guest(HELLO_ELF, {"--config", std::string(VMSIM_CONFIGS) + "/machines/" + preset + ".cfg"});
        ASSERT_EQ(g.run.exit_code, 0) << describe(g.run);
        EXPECT_EQ(g.stats.config_map()["mem.model"], "cached");
        EXPECT_EQ(g.stats.u64("cpu.instructions"), ideal.stats.u64("cpu.instructions"));
        EXPECT_GT(g.stats.u64("cpu.cycles"), ideal.stats.u64("cpu.cycles"));
        EXPECT_GT(g.stats.u64("icache.misses"), 0u);
        uint64_t sum = 0;
        for (const char* part : {"instructions", "icache_stall", "dcache_stall", "wbuf_stall", "uncached_stall",
                                 "muldiv_stall", "exception_entry", "faulted"})
            sum += g.stats.u64(std::string("cycles.") + part);
        EXPECT_EQ(sum, g.stats.u64("cpu.cycles"));
        EXPECT_EQ(g.stats.u64("cycles.user") + g.stats.u64("cycles.kernel"), g.stats.u64("cpu.cycles"));
        // hello measures region 0: its own breakdown adds up to its cycles too.
        uint64_t region_sum = 0;
        for (const char* part : {"instructions", "icache_stall", "dcache_stall", "wbuf_stall", "uncached_stall",
                                 "muldiv_stall", "exception_entry", "faulted"})
            region_sum += g.stats.u64(std::string("region.0.") + part);
        EXPECT_EQ(region_sum, g.stats.u64("region.0.cycles"));
        EXPECT_GT(g.stats.u64("region.0.cycles"), g.stats.u64("region.0.instructions"));
    }
}

// The replacement policy reaches the caches: on a small 4-way I-cache that hello
// overflows, the policies choose different victims and so miss a different number
// of times (with one way there is no choice, and every policy misses alike).
TEST(PlatformPresets, CacheReplacementPolicyChangesTheMissesOfAnAssociativeCache) {
    auto misses = [](const std::string& assoc, const std::string& policy) {
        const GuestRun g = run_guest(HELLO_ELF, {"--config", std::string(VMSIM_CONFIGS) + "/machines/dec3100.cfg",
                                                 "--set", "icache.size=512", "--set", "icache.assoc=" + assoc,
                                                 "--set", "icache.replacement=" + policy});
        EXPECT_EQ(g.run.exit_code, 0) << describe(g.run);
        EXPECT_EQ(g.stats.config_map()["icache.replacement"], policy);
        return g.stats.u64("icache.misses");
    };
    std::set<uint64_t> four_way;
    for (const char* policy : {"lru", "plru", "fifo", "random"}) four_way.insert(misses("4", policy));
    EXPECT_GT(four_way.size(), 1u) << "every policy gave the same misses";
    EXPECT_EQ(misses("1", "lru"), misses("1", "random"));
}

// ---- --stats-json contents -----------------------------------------------------------

TEST(PlatformStatsJson, HasEveryRequiredKeyAndTheWholeConfiguration) {
    const GuestRun g = run_guest(PLAT_REGIONS_ELF, {"--set", "timer.period=4321"});
    ASSERT_EQ(g.run.exit_code, 0) << describe(g.run);

    std::vector<std::string> required = {"cpu.instructions", "cpu.cycles", "host.seconds", "host.mips",
                                         "tlb.refill_exceptions", "tlb.writes", "tlb.probes"};
    // ExcCodes 0-12 by their MIPS names (vmsim.h VMSIM_EXC_*).
    for (const char* exc : {"Int", "Mod", "TLBL", "TLBS", "AdEL", "AdES", "IBE", "DBE", "Sys", "Bp", "RI", "CpU", "Ov"})
        required.push_back(std::string("cpu.exceptions.") + exc);
    for (const char* field : {"count", "cycles", "instructions"})
        required.push_back("region." + std::to_string(PLAT_REGION) + "." + field);
    for (const std::string& name : required) EXPECT_TRUE(g.stats.has(name)) << name << "\n" << g.json_text;

    for (const char* name : {"host.seconds", "host.mips", "sim.seconds"}) {
        const std::string* v = g.stats.find(name);
        ASSERT_NE(v, nullptr) << name;
        EXPECT_GT(std::strtod(v->c_str(), nullptr), 0.0) << name << " = " << *v;
    }
    const uint64_t insns = g.stats.u64("cpu.instructions"), cycles = g.stats.u64("cpu.cycles");
    EXPECT_GT(insns, uint64_t{PLAT_REGION_PAIRS} * (3 * PLAT_REGION_ITERS + 1));
    EXPECT_GE(cycles, insns);
    // Simulated time is cycles at cpu.clock_mhz (the clock period is rounded to
    // whole picoseconds: a relative error below 1e-6 at tens of MHz).
    const double mhz = std::strtod(g.stats.config_map()["cpu.clock_mhz"].c_str(), nullptr);
    ASSERT_GT(mhz, 0.0);
    const double seconds = std::strtod(g.stats.find("sim.seconds")->c_str(), nullptr);
    EXPECT_NEAR(seconds, static_cast<double>(cycles) / (mhz * 1e6), 1e-6 * seconds);

    // The config object: exactly the parameters `vmsim run --help` lists, with
    // the --set value where one was given.
    const auto help = help_parameters(run_vmsim({"run", "--help"}).out);
    ASSERT_FALSE(help.empty());
    std::set<std::string> help_names, config_names;
    for (const auto& p : help) help_names.insert(p.first);
    for (const auto& c : g.stats.config) config_names.insert(c.first);
    EXPECT_EQ(config_names, help_names);
    EXPECT_EQ(g.stats.config.size(), help.size()) << "each parameter once";
    EXPECT_EQ(g.stats.config_map()["timer.period"], "4321");
    EXPECT_EQ(g.stats.config_map()["mem.size"], std::to_string(24u << 20)) << "default, in bytes";
}

TEST(PlatformStatsJson, ReplacesAnExistingFileAndLeavesNothingElse) {
    TempDir dir;
    const std::string path = dir.write("run.json", "stale content from an earlier run\n");
    const VmsimRun r = run_vmsim({"run", "--quiet", "--elf", PLAT_EXIT42_ELF, "--stats-json", path});
    EXPECT_EQ(r.exit_code, 42) << describe(r);
    StatsJson stats;
    EXPECT_NO_THROW(stats = parse_stats_json(read_whole_file(path)));
    EXPECT_EQ(stats.u64("sim.exit_code"), 42u);
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) names.push_back(e.path().filename().string());
    EXPECT_EQ(names, std::vector<std::string>{"run.json"}) << "no temporary file left behind";
}

}  // namespace
}  // namespace vmsim::testing
