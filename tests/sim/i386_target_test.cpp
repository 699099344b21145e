// `vmsim run --set target=i386 --elf IMAGE` (sim/platform/x86/i386_target.cpp): a Multiboot guest on
// the i386 PC, its console, exit and statistics through the same command line and registry as the
// other targets, and one-line errors for what cannot run. Each test is a run or two of the vmsim
// binary (the SawMill image: about a second).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "models/x86_64/pc.hpp"
#include "sim/loader/elf_loader.hpp"
#include "temp_dir.hpp"
#include "vmsim_run.hpp"

namespace {

using namespace vmsim::testing;

const std::string kPentium = std::string(VMSIM_CONFIGS) + "/machines/pentium100.cfg";

struct I386Run {
    VmsimRun run;
    StatsJson stats;
};

I386Run run_i386(const std::string& elf, std::vector<std::string> extra = {}) {
    TempDir dir;
    const std::string json = dir.path() + "/stats.json";
    std::vector<std::string> args{"run", "--quiet", "--set", "target=i386", "--elf", elf, "--stats-json", json};
    args.insert(args.end(), extra.begin(), extra.end());
    I386Run r;
    r.run = run_vmsim(args);
    const std::string text = read_whole_file(json);
    if (!text.empty()) r.stats = StatsJsonReader(text).read();
    return r;
}

// The statistics of a run but those measuring the host.
std::vector<std::pair<std::string, std::string>> simulated(const StatsJson& s) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& kv : s.stats)
        if (kv.first.rfind("host.", 0) != 0) out.push_back(kv);
    return out;
}

const char* const kCauses[] = {"issue",        "prefix",      "agi",    "bank",  "mispredict", "icache",
                               "dcache",       "write_buffer", "translation", "system", "halted"};

TEST(I386Target, RunsTheSawmillImageToItsExitWithItsConsole) {
    const I386Run r = run_i386(SAWMILL_APPEL_ELF, {"--config", kPentium});
    ASSERT_EQ(r.run.exit_code, 0) << describe(r.run);
    EXPECT_NE(r.run.out.find("appel done"), std::string::npos) << r.run.out;
    ASSERT_TRUE(r.stats.find("sim.outcome"));
    EXPECT_EQ(*r.stats.find("sim.outcome"), "exited");
    EXPECT_GT(r.stats.u64("cpu.instructions"), 1'000'000u);
    // The pentium100 preset's 64 MB, as the kernel's banner reports what Multiboot told it.
    EXPECT_NE(r.run.out.find("RAM 65408 KB"), std::string::npos) << r.run.out;
}

TEST(I386Target, CycleCategoriesAddUpToTheCyclesInTheRunAndInEachRegion) {
    const I386Run r = run_i386(SAWMILL_APPEL_ELF);
    ASSERT_EQ(r.run.exit_code, 0) << describe(r.run);
    uint64_t sum = 0;
    for (const char* c : kCauses) sum += r.stats.u64(std::string("cycles.") + c);
    EXPECT_EQ(sum, r.stats.u64("cpu.cycles"));
    unsigned regions = 0;
    for (const auto& [name, value] : r.stats.stats) {
        const std::string suffix = ".count";
        if (name.rfind("region.", 0) != 0 || name.size() <= suffix.size() ||
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        const std::string base = name.substr(0, name.size() - suffix.size());
        uint64_t in = 0;
        for (const char* c : kCauses) in += r.stats.u64(base + "." + c);
        EXPECT_EQ(in, r.stats.u64(base + ".cycles")) << base;
        ++regions;
    }
    EXPECT_GE(regions, 9u);  // appel's regions (workloads/appel/appel.h): the nine primitives and nulls
}

TEST(I386Target, RegionsAreTheRawMarksPairedByIdOnThePcAtTheDefaults) {
    const I386Run r = run_i386(SAWMILL_APPEL_ELF);
    ASSERT_EQ(r.run.exit_code, 0) << describe(r.run);
    // The same image on the PC in this process, at the PC's own defaults (pc.hpp), its marks paired here.
    vmsim::x86::pc::Pc pc;
    const auto image = vmsim::loader::load_elf_i386(SAWMILL_APPEL_ELF, pc.ram().size());
    for (const auto& s : image.segments) pc.load(s.paddr, s.bytes.data(), s.bytes.size(), s.memsz);
    pc.boot_multiboot(image.entry);
    ASSERT_EQ(pc.run(4'000'000'000ull).kind, vmsim::x86::pc::Pc::Result::Exit);
    std::map<uint32_t, uint64_t> cycles, count, open;
    for (const auto& m : pc.regions()) {
        if (m.begin) {
            open[m.id] = m.cycle;
        } else if (open.count(m.id)) {
            cycles[m.id] += m.cycle - open[m.id];
            ++count[m.id];
            open.erase(m.id);
        }
    }
    ASSERT_FALSE(cycles.empty());
    for (const auto& [id, c] : cycles) {
        const std::string base = "region." + std::to_string(id);
        EXPECT_EQ(r.stats.u64(base + ".cycles"), c) << base;
        EXPECT_EQ(r.stats.u64(base + ".count"), count[id]) << base;
    }
    EXPECT_EQ(r.stats.u64("cpu.cycles"), pc.cpu().cycles());
    EXPECT_EQ(r.stats.u64("cpu.instructions"), pc.cpu().instructions());
}

TEST(I386Target, DefaultsAreThePentium100PresetButItsRamSize) {
    // pentium100.cfg sets 64 MB where the PC's default is qemu's -m 32; everything else the same.
    const I386Run preset = run_i386(SAWMILL_APPEL_ELF, {"--config", kPentium});
    const I386Run defaults = run_i386(SAWMILL_APPEL_ELF, {"--set", "mem.size=64M"});
    ASSERT_EQ(preset.run.exit_code, 0) << describe(preset.run);
    ASSERT_EQ(defaults.run.exit_code, 0) << describe(defaults.run);
    EXPECT_EQ(simulated(preset.stats), simulated(defaults.stats));
}

TEST(I386Target, InstructionLimitEndsTheRunAsSuch) {
    const I386Run r = run_i386(SAWMILL_APPEL_ELF, {"--set", "sim.max_instructions=123456"});
    EXPECT_EQ(r.run.exit_code, 124) << describe(r.run);  // kExitLimit
    EXPECT_NE(r.run.err.find("did not exit within 123456 instructions (sim.max_instructions)"), std::string::npos)
        << r.run.err;
    EXPECT_EQ(*r.stats.find("sim.outcome"), "instruction_limit");
    EXPECT_EQ(r.stats.u64("cpu.instructions"), 123456u);
}

TEST(I386Target, CycleLimitEndsTheRunWithinAChunkOfIt) {
    const I386Run r = run_i386(SAWMILL_APPEL_ELF, {"--set", "sim.max_cycles=500000"});
    EXPECT_EQ(r.run.exit_code, 124) << describe(r.run);
    EXPECT_EQ(*r.stats.find("sim.outcome"), "cycle_limit");
    const uint64_t cycles = r.stats.u64("cpu.cycles");
    EXPECT_GE(cycles, 500000u);
    // Checked every 65536 instructions; no instruction of this guest takes 10 clocks on average.
    EXPECT_LT(cycles, 500000u + 10u * 65536u);
}

TEST(I386Target, ChunkedRunGivesTheSameStatisticsAsOneRun) {
    // sim.max_cycles far beyond the run: the run goes in chunks of 65536 instructions, which must not
    // change a cycle (the PIT, the timing model and the regions carry across Pc::run calls).
    const I386Run whole = run_i386(SAWMILL_APPEL_ELF);
    const I386Run chunked = run_i386(SAWMILL_APPEL_ELF, {"--set", "sim.max_cycles=100000000000"});
    ASSERT_EQ(whole.run.exit_code, 0) << describe(whole.run);
    ASSERT_EQ(chunked.run.exit_code, 0) << describe(chunked.run);
    auto a = simulated(whole.stats), b = simulated(chunked.stats);
    EXPECT_EQ(a, b);
}

TEST(I386Target, TripleFaultIsAGuestErrorNamingTheExceptions) {
    const I386Run r = run_i386(SYS_TRIPLE_ELF);
    EXPECT_EQ(r.run.exit_code, 125) << describe(r.run);  // kExitGuestError
    EXPECT_NE(r.run.err.find("triple fault"), std::string::npos) << r.run.err;
    EXPECT_EQ(*r.stats.find("sim.outcome"), "guest_error");
}

TEST(I386Target, AMipsElfIsAOneLineErrorNamingTheMachine) {
    const I386Run r = run_i386(HELLO_ELF);
    EXPECT_NE(r.run.exit_code, 0);
    EXPECT_NE(r.run.err.find("EM_386"), std::string::npos) << r.run.err;
    EXPECT_EQ(split_lines(r.run.err).size(), 1u) << r.run.err;
}

TEST(I386Target, OnlyLegacyPagingAndWholeMegahertz) {
    const I386Run paging = run_i386(SAWMILL_APPEL_ELF, {"--set", "mmu.paging=long4"});
    EXPECT_EQ(paging.run.exit_code, 64) << describe(paging.run);  // kExitUsage
    EXPECT_NE(paging.run.err.find("mmu.paging"), std::string::npos) << paging.run.err;
    const I386Run clock = run_i386(SAWMILL_APPEL_ELF, {"--set", "cpu.clock_mhz=99.5"});
    EXPECT_EQ(clock.run.exit_code, 64) << describe(clock.run);
    EXPECT_NE(clock.run.err.find("cpu.clock_mhz"), std::string::npos) << clock.run.err;
}

}  // namespace
