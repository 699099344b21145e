// Bad input through the real command line (`vmsim run ...` as a child process):
// every error must be exactly one line on stderr that names the problem (file and
// byte offset, file:line or key) and exit with the code README documents:
// 64 usage/config, 65 bad file content, 66 cannot open, 73 cannot write,
// 124 instruction limit, 125 guest error. Also `vmsim run --help`.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "temp_dir.hpp"
#include "vmsim_run.hpp"

namespace vmsim::testing {
namespace {

namespace fs = std::filesystem;

// README "Exit codes".
constexpr int kUsage = 64, kDataErr = 65, kNoInput = 66, kCantCreate = 73, kLimit = 124, kGuestError = 125;

// The --stats-json of a run of hello with `options`, which must exit 0.
StatsJson stats_of_hello(const std::vector<std::string>& options) {
    TempDir dir;
    const std::string json = dir.path() + "/run.json";
    std::vector<std::string> args{"run", "--quiet", "--elf", HELLO_ELF, "--stats-json", json};
    args.insert(args.end(), options.begin(), options.end());
    const VmsimRun r = run_vmsim(args);
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    const std::string text = read_whole_file(json);
    return text.empty() ? StatsJson{} : parse_stats_json(text);
}

std::string copy_with_byte(const TempDir& dir, const std::string& name, size_t offset, char value) {
    std::string bytes = read_whole_file(HELLO_ELF);
    EXPECT_GT(bytes.size(), offset);
    bytes[offset] = value;
    return dir.write(name, bytes);
}

// ---- a hand-made ELF ------------------------------------------------------------
// ELF32, little-endian, EM_MIPS, ET_EXEC, MIPS-I; one PT_LOAD (R+X) holding `code`
// at virtual = physical address `vaddr` (kseg0), file offset 0x100; entry = vaddr.
void put16(std::string& b, size_t at, uint16_t v) {
    b[at] = static_cast<char>(v);
    b[at + 1] = static_cast<char>(v >> 8);
}
void put32(std::string& b, size_t at, uint32_t v) {
    put16(b, at, static_cast<uint16_t>(v));
    put16(b, at + 2, static_cast<uint16_t>(v >> 16));
}

std::string tiny_elf(uint32_t vaddr, const std::vector<uint32_t>& code) {
    constexpr size_t kPhoff = 52, kCodeOffset = 0x100;
    std::string b(kCodeOffset + 4 * code.size(), '\0');
    b[0] = 0x7f, b[1] = 'E', b[2] = 'L', b[3] = 'F';
    b[4] = 1;  // ELFCLASS32
    b[5] = 1;  // ELFDATA2LSB
    b[6] = 1;  // EV_CURRENT
    put16(b, 16, 2);       // e_type ET_EXEC
    put16(b, 18, 8);       // e_machine EM_MIPS
    put32(b, 20, 1);       // e_version
    put32(b, 24, vaddr);   // e_entry
    put32(b, 28, kPhoff);  // e_phoff
    put32(b, 36, 0);       // e_flags: MIPS-I
    put16(b, 40, 52);      // e_ehsize
    put16(b, 42, 32);      // e_phentsize
    put16(b, 44, 1);       // e_phnum
    put32(b, kPhoff + 0, 1);             // p_type PT_LOAD
    put32(b, kPhoff + 4, kCodeOffset);   // p_offset
    put32(b, kPhoff + 8, vaddr);         // p_vaddr
    put32(b, kPhoff + 12, vaddr);        // p_paddr
    put32(b, kPhoff + 16, 4 * static_cast<uint32_t>(code.size()));  // p_filesz
    put32(b, kPhoff + 20, 4 * static_cast<uint32_t>(code.size()));  // p_memsz
    put32(b, kPhoff + 24, 5);            // p_flags R+X
    put32(b, kPhoff + 28, 4);            // p_align
    for (size_t i = 0; i < code.size(); ++i) put32(b, kCodeOffset + 4 * i, code[i]);
    return b;
}

// Stops with exit code 7 through sim-control EXIT (kseg1 0xbfe10000).
const std::vector<uint32_t> kExit7 = {
    0x3c08bfe1,  // lui   t0, 0xbfe1
    0x24090007,  // addiu t1, zero, 7
    0xad090000,  // sw    t1, 0(t0)
    0x1000ffff,  // b     .
    0x00000000,  // nop
};

// ---- ELF content: exit 65, "FILE: offset 0xN: ..." -----------------------------

TEST(CliBadInput, TextFileIsNotAnElf) {
    TempDir dir;
    const std::string path = dir.write("notes.txt", "these are notes, not a program\n");
    const std::string line = one_error_line(run_vmsim({"run", "--quiet", "--elf", path}), kDataErr);
    EXPECT_TRUE(contains(line, path)) << line;
    EXPECT_TRUE(contains(line, "offset 0x0:")) << line;
    EXPECT_TRUE(contains(line, "not an ELF")) << line;
}

TEST(CliBadInput, EmptyFileIsNotAnElf) {
    TempDir dir;
    const std::string path = dir.write("empty.elf", "");
    const std::string line = one_error_line(run_vmsim({"run", "--quiet", "--elf", path}), kDataErr);
    EXPECT_TRUE(contains(line, path)) << line;
    EXPECT_TRUE(contains(line, "not an ELF")) << line;
}

TEST(CliBadInput, BigEndianElfIsRejectedAtEiData) {
    TempDir dir;
    // Control: the unmodified copy at the same kind of path boots and exits 0.
    const std::string good = dir.write("good.elf", read_whole_file(HELLO_ELF));
    EXPECT_EQ(run_vmsim({"run", "--quiet", "--elf", good}).exit_code, 0);

    const std::string path = copy_with_byte(dir, "big.elf", 5, 2);  // EI_DATA = ELFDATA2MSB
    const std::string line = one_error_line(run_vmsim({"run", "--quiet", "--elf", path}), kDataErr);
    EXPECT_TRUE(contains(line, path)) << line;
    EXPECT_TRUE(contains(line, "offset 0x5:")) << line;
    EXPECT_TRUE(contains(line, "big-endian")) << line;
}

TEST(CliBadInput, SixtyFourBitElfIsRejectedAtEiClass) {
    TempDir dir;
    const std::string path = copy_with_byte(dir, "wide.elf", 4, 2);  // EI_CLASS = ELFCLASS64
    const std::string line = one_error_line(run_vmsim({"run", "--quiet", "--elf", path}), kDataErr);
    EXPECT_TRUE(contains(line, path)) << line;
    EXPECT_TRUE(contains(line, "offset 0x4:")) << line;
    EXPECT_TRUE(contains(line, "64-bit")) << line;
}

TEST(CliBadInput, SegmentOutsideRamIsRejectedAtItsProgramHeader) {
    TempDir dir;
    // Physical 0x10000-0x10013: inside the default RAM, one byte past 64 KiB.
    const std::string path = dir.write("at64k.elf", tiny_elf(0x80010000u, kExit7));
    const VmsimRun fits = run_vmsim({"run", "--quiet", "--elf", path});
    EXPECT_EQ(fits.exit_code, 7) << "the hand-made ELF itself must boot: " << describe(fits);

    const std::string line =
        one_error_line(run_vmsim({"run", "--quiet", "--elf", path, "--set", "mem.size=64K"}), kDataErr);
    EXPECT_TRUE(contains(line, path)) << line;
    EXPECT_TRUE(contains(line, "offset 0x34:")) << "the program header (e_phoff 52): " << line;
    EXPECT_TRUE(contains(line, "outside RAM")) << line;
}

// ---- files that cannot be opened: exit 66 ----------------------------------------

TEST(CliBadInput, MissingElfCannotBeOpened) {
    TempDir dir;
    const std::string path = dir.path() + "/no-such-guest.elf";
    const std::string line = one_error_line(run_vmsim({"run", "--quiet", "--elf", path}), kNoInput);
    EXPECT_TRUE(contains(line, path)) << line;
}

TEST(CliBadInput, DirectoryAsElfCannotBeOpened) {
    TempDir dir;
    const std::string line = one_error_line(run_vmsim({"run", "--quiet", "--elf", dir.path()}), kNoInput);
    EXPECT_TRUE(contains(line, dir.path())) << line;
}

TEST(CliBadInput, MissingConfigFileCannotBeOpened) {
    TempDir dir;
    const std::string path = dir.path() + "/no-such.cfg";
    const std::string line =
        one_error_line(run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--config", path}), kNoInput);
    EXPECT_TRUE(contains(line, path)) << line;
}

// ---- configuration: exit 64, naming file:line or the --set argument ------------

TEST(CliBadInput, UnknownKeyInConfigFileNamesFileAndLine) {
    TempDir dir;
    const std::string path = dir.write("machine.cfg",
                                       "# a machine\n"
                                       "cpu.load_delay = exact\n"
                                       "[cpu]\n"
                                       "warp_factor = 9\n");
    const std::string line =
        one_error_line(run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--config", path}), kUsage);
    EXPECT_TRUE(contains(line, path + ":4:")) << line;
    EXPECT_TRUE(contains(line, "cpu.warp_factor")) << "the key with its section prefix: " << line;
}

TEST(CliBadInput, MalformedValueInConfigFileNamesFileAndLine) {
    TempDir dir;
    const std::string path = dir.write("machine.cfg", "[cpu]\nload_delay = sometimes\n");
    const std::string line =
        one_error_line(run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--config", path}), kUsage);
    EXPECT_TRUE(contains(line, path + ":2:")) << line;
    EXPECT_TRUE(contains(line, "cpu.load_delay")) << line;
    EXPECT_TRUE(contains(line, "sometimes")) << line;
}

TEST(CliBadInput, MalformedValueViaSetNamesTheAssignment) {
    const std::string line =
        one_error_line(run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--set", "mem.size=24Q"}), kUsage);
    EXPECT_TRUE(contains(line, "--set")) << line;
    EXPECT_TRUE(contains(line, "mem.size")) << line;
    EXPECT_TRUE(contains(line, "24Q")) << line;

    const std::string bad_bool =
        one_error_line(run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--set", "sim.sync_elision=maybe"}), kUsage);
    EXPECT_TRUE(contains(bad_bool, "sim.sync_elision")) << bad_bool;
    EXPECT_TRUE(contains(bad_bool, "maybe")) << bad_bool;
}

TEST(CliBadInput, UnknownKeyViaSetIsNamed) {
    const std::string line =
        one_error_line(run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--set", "mem.sise=32M"}), kUsage);
    EXPECT_TRUE(contains(line, "mem.sise")) << line;
}

TEST(CliBadInput, SetWithoutEqualsIsAUsageError) {
    const std::string line =
        one_error_line(run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--set", "mem.size"}), kUsage);
    EXPECT_TRUE(contains(line, "mem.size")) << line;
}

TEST(CliBadInput, MalformedMaxInstructionsIsAUsageError) {
    const std::string line =
        one_error_line(run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--max-instructions", "lots"}), kUsage);
    EXPECT_TRUE(contains(line, "lots")) << line;
}

// A value of the right type that the platform rejects (mem.size must be a whole
// number of pages) must also name where it came from: README promises that every
// error names the file and line.
TEST(CliBadInput, PlatformRejectedValueNamesFileAndLine) {
    TempDir dir;
    const std::string path = dir.write("machine.cfg", "# not a page multiple\nmem.size = 100000\n");
    const std::string line =
        one_error_line(run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--config", path}), kUsage);
    EXPECT_TRUE(contains(line, path + ":2:")) << line;
    EXPECT_TRUE(contains(line, "mem.size")) << line;

    const std::string set_line =
        one_error_line(run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--set", "mem.size=100000"}), kUsage);
    EXPECT_TRUE(contains(set_line, "--set")) << set_line;
    EXPECT_TRUE(contains(set_line, "multiple of 4096")) << set_line;

    // A clock faster than the 1 ps time resolution can express.
    const std::string clock_line =
        one_error_line(run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--set", "cpu.clock_mhz=2000000"}), kUsage);
    EXPECT_TRUE(contains(clock_line, "cpu.clock_mhz")) << clock_line;
    EXPECT_TRUE(contains(clock_line, "--set")) << clock_line;
}

// ---- the command line itself: exit 64 ------------------------------------------

TEST(CliBadInput, UnknownOptionIsAUsageError) {
    const std::string line =
        one_error_line(run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--turbo-mode"}), kUsage);
    EXPECT_TRUE(contains(line, "--turbo-mode")) << line;
}

TEST(CliBadInput, MissingElfOptionIsAUsageError) {
    const std::string line = one_error_line(run_vmsim({"run", "--quiet"}), kUsage);
    EXPECT_TRUE(contains(line, "--elf")) << line;
}

TEST(CliBadInput, UnknownCommandIsAUsageError) {
    const std::string line = one_error_line(run_vmsim({"simulate", "--elf", HELLO_ELF}), kUsage);
    EXPECT_TRUE(contains(line, "simulate")) << line;
}

TEST(CliBadInput, NoArgumentsPrintsUsageAndExits64) {
    const VmsimRun r = run_vmsim({});
    EXPECT_EQ(r.exit_code, kUsage) << describe(r);
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(contains(r.err, "usage: vmsim")) << r.err;
    EXPECT_TRUE(contains(r.err, "run")) << r.err;
}

// ---- the guest does not stop: exit 124 -------------------------------------------

TEST(CliBadInput, GuestThatNeverStopsEndsAtTheCycleLimit) {
    TempDir dir;
    const std::string json = dir.path() + "/spin.json";
    const VmsimRun r = run_vmsim({"run", "--quiet", "--elf", SPIN_ELF, "--set", "sim.max_cycles=200000",
                                  "--config", std::string(VMSIM_CONFIGS) + "/machines/dec3100.cfg", "--stats-json",
                                  json});
    EXPECT_EQ(r.exit_code, kLimit) << describe(r);
    const std::vector<std::string> lines = split_lines(r.err);
    ASSERT_EQ(lines.size(), 1u) << describe(r);
    EXPECT_TRUE(contains(lines[0], "200000 cycles (sim.max_cycles)")) << lines[0];
    const StatsJson s = parse_stats_json(read_whole_file(json));
    EXPECT_EQ(s.u64("cpu.cycles"), 200000u) << "the limit is exact at an instruction boundary or one stall after";
    EXPECT_EQ(*s.find("sim.outcome"), "cycle_limit");
}

// A syscall stored at the general exception vector raises the same exception
// forever: no instruction retires, so only the storm check ends it, promptly.
TEST(CliBadInput, ExceptionAtItsOwnVectorIsAGuestErrorNamingVectorCodeAndEpc) {
    TempDir dir;
    const std::string elf = dir.write("storm.elf", tiny_elf(0x80000080, {0x0000000c /* syscall */}));
    const std::string line = one_error_line(run_vmsim({"run", "--quiet", "--elf", elf}, "", 20), kGuestError);
    EXPECT_TRUE(contains(line, "exception storm")) << line;
    EXPECT_TRUE(contains(line, "vector 0x80000080")) << line;
    EXPECT_TRUE(contains(line, "ExcCode 8 Sys")) << line;
    EXPECT_TRUE(contains(line, "EPC 0x80000080")) << line;
}

TEST(CliBadInput, GuestThatNeverStopsEndsAtTheInstructionLimit) {
    TempDir dir;
    const std::string json = dir.path() + "/spin.json";
    const VmsimRun r =
        run_vmsim({"run", "--quiet", "--elf", SPIN_ELF, "--max-instructions", "123457", "--stats-json", json});
    EXPECT_EQ(r.exit_code, kLimit) << describe(r);
    EXPECT_EQ(r.out, "spin: looping forever\n") << "the guest's console output is kept";
    const std::vector<std::string> lines = split_lines(r.err);
    ASSERT_EQ(lines.size(), 1u) << describe(r);
    EXPECT_TRUE(contains(lines[0], SPIN_ELF)) << lines[0];
    EXPECT_TRUE(contains(lines[0], " 123457 ")) << "the limit: " << lines[0];

    // The statistics of the stopped run are still written: exactly the limit retired.
    const StatsJson stats = parse_stats_json(read_whole_file(json));
    EXPECT_EQ(stats.u64("cpu.instructions"), 123457u);
    ASSERT_TRUE(stats.has("sim.outcome"));
    EXPECT_EQ(*stats.find("sim.outcome"), "instruction_limit");
}

TEST(CliBadInput, InstructionLimitViaSetIsTheSameLimit) {
    const VmsimRun r = run_vmsim({"run", "--quiet", "--elf", SPIN_ELF, "--set", "sim.max_instructions=54321"});
    EXPECT_EQ(r.exit_code, kLimit) << describe(r);
    const std::vector<std::string> lines = split_lines(r.err);
    ASSERT_EQ(lines.size(), 1u) << describe(r);
    EXPECT_TRUE(contains(lines[0], " 54321 ")) << lines[0];
}

// The limit is the number of instructions allowed: a guest whose exit store is
// exactly the N-th instruction still exits normally under a limit of N.
TEST(CliBadInput, InstructionLimitAllowsExactlyThatManyInstructions) {
    TempDir dir;
    const std::string json = dir.path() + "/run.json";
    const VmsimRun full = run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--stats-json", json});
    ASSERT_EQ(full.exit_code, 0) << describe(full);
    const uint64_t n = parse_stats_json(read_whole_file(json)).u64("cpu.instructions");
    ASSERT_GT(n, 1u);

    const VmsimRun at = run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--max-instructions", std::to_string(n)});
    EXPECT_EQ(at.exit_code, 0) << describe(at);
    EXPECT_EQ(at.out, full.out);

    const VmsimRun below = run_vmsim(
        {"run", "--quiet", "--elf", HELLO_ELF, "--max-instructions", std::to_string(n - 1), "--stats-json", json});
    EXPECT_EQ(below.exit_code, kLimit) << describe(below);
    EXPECT_EQ(parse_stats_json(read_whole_file(json)).u64("cpu.instructions"), n - 1);
}

TEST(CliBadInput, InstructionLimitErrorFollowsTheStatisticsTable) {
    const VmsimRun r = run_vmsim({"run", "--elf", SPIN_ELF, "--max-instructions", "123457"});
    EXPECT_EQ(r.exit_code, kLimit) << describe(r);
    const std::vector<std::string> lines = split_lines(r.err);
    ASSERT_GE(lines.size(), 3u) << describe(r);
    EXPECT_TRUE(contains(lines.back(), SPIN_ELF)) << "last line is the error: " << describe(r);
    EXPECT_TRUE(contains(lines.back(), " 123457 ")) << "last line is the error: " << describe(r);
    EXPECT_EQ(lines.front().rfind("sim.outcome", 0), 0u) << "the table comes first: " << describe(r);
    for (size_t i = 0; i + 1 < lines.size(); ++i)
        EXPECT_FALSE(contains(lines[i], SPIN_ELF)) << "one error line only: " << lines[i];
}

// ---- outputs: exit 73 ------------------------------------------------------------

TEST(CliBadInput, StatsJsonIntoMissingDirectoryCannotBeWritten) {
    TempDir dir;
    const std::string path = dir.path() + "/no-such-dir/run.json";
    const VmsimRun r = run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--stats-json", path});
    EXPECT_EQ(r.exit_code, kCantCreate) << describe(r);
    const std::vector<std::string> lines = split_lines(r.err);
    ASSERT_EQ(lines.size(), 1u) << describe(r);
    EXPECT_TRUE(contains(lines[0], path)) << lines[0];
    EXPECT_FALSE(fs::exists(dir.path() + "/no-such-dir"));
    // Found before the guest ran, not after: hello printed nothing.
    EXPECT_EQ(r.out, "") << describe(r);
}

TEST(CliBadInput, StatsJsonOntoDirectoryCannotBeWrittenAndLeavesNoTemporary) {
    TempDir dir;
    const std::string target = dir.path() + "/out";
    fs::create_directory(target);
    const VmsimRun r = run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--stats-json", target});
    EXPECT_EQ(r.exit_code, kCantCreate) << describe(r);
    const std::vector<std::string> lines = split_lines(r.err);
    ASSERT_EQ(lines.size(), 1u) << describe(r);
    EXPECT_TRUE(contains(lines[0], target)) << lines[0];
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(dir.path())) left.push_back(e.path().filename().string());
    EXPECT_EQ(left, std::vector<std::string>{"out"}) << "the atomic write removes its temporary file";
    EXPECT_TRUE(fs::is_empty(target));
}

// Outputs that are not regular files are written in place, never renamed over
// (issue 7). Only run against the fixed code: as root the old code replaced them.
TEST(CliBadInput, StatsJsonToDevNullKeepsTheDevice) {
    const VmsimRun r = run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--stats-json", "/dev/null"});
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_EQ(r.err, "") << describe(r);
    EXPECT_EQ(fs::status("/dev/null").type(), fs::file_type::character);
}

TEST(CliBadInput, StatsJsonToDevFullIsCantCreate) {
    const VmsimRun r = run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--stats-json", "/dev/full"});
    EXPECT_EQ(r.exit_code, kCantCreate) << describe(r);
    const std::vector<std::string> lines = split_lines(r.err);
    ASSERT_EQ(lines.size(), 1u) << describe(r);
    EXPECT_EQ(lines[0], "cannot write /dev/full: No space left on device");
    EXPECT_EQ(fs::status("/dev/full").type(), fs::file_type::character);
}

// ---- config input without bounds (issue 7) -----------------------------------------

TEST(CliBadInput, ConfigFromADeviceIsRefusedPromptly) {
    const std::string line =
        one_error_line(run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--config", "/dev/zero"}, "", 10), kNoInput);
    EXPECT_EQ(line, "cannot open config file '/dev/zero': is a character device, not a regular file");
}

TEST(CliBadInput, ProgramGivenAsConfigFileGivesAShortLine) {
    // An ELF file as a config file: its first "line" is binary; the message quotes
    // at most an excerpt of it.
    const std::string line =
        one_error_line(run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--config", HELLO_ELF}), kUsage);
    EXPECT_TRUE(contains(line, std::string(HELLO_ELF) + ":1: expected 'key = value'")) << line;
    EXPECT_LT(line.size(), std::string(HELLO_ELF).size() + 200) << line;
}

// ---- floating-point and size ranges (issue 7) --------------------------------------

TEST(CliBadInput, ClockTooSlowForSimulatedTimeIsRejectedStatingTheRange) {
    for (const char* mhz : {"1e-300", "1e-10", "0.5"}) {
        const std::string line = one_error_line(
            run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--set", std::string("cpu.clock_mhz=") + mhz}), kUsage);
        EXPECT_EQ(line, std::string("--set 'cpu.clock_mhz=") + mhz +
                            "': cpu.clock_mhz: expected a number >= 1 and <= 1000000, got '" + mhz + "'");
    }
}

TEST(CliBadInput, SlowestAllowedClockGivesFiniteSimulatedTime) {
    const StatsJson stats = stats_of_hello({"--set", "cpu.clock_mhz=1"});
    // 1 MHz: one cycle is one microsecond.
    const std::string* text = stats.find("sim.seconds");
    ASSERT_NE(text, nullptr);
    const double seconds = std::strtod(text->c_str(), nullptr);
    EXPECT_NEAR(seconds, static_cast<double>(stats.u64("cpu.cycles")) * 1e-6, 1e-9 * seconds);
    EXPECT_GT(seconds, 0.0);
}

TEST(CliBadInput, CacheSizeBeyondItsTypeShowsTheValueGivenAndTheLargestAllowed) {
    const std::string line = one_error_line(
        run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--set", "icache.size=4G"}), kUsage);
    EXPECT_EQ(line, "--set 'icache.size=4G': icache.size: expected a size in bytes (decimal or 0x hex, optional "
                    "K/M/G suffix) in [4, 2G] that is a power of two, got '4G'");
}

// ---- guest errors the simulator cannot continue from: exit 125 ------------------

TEST(CliBadInput, ExceptionVectorWithoutMemoryIsAGuestError) {
    // Status.BEV = 1 moves the vectors to the boot ROM at 0xbfc00000, and this
    // platform has no ROM: the syscall's exception vector has nothing behind it.
    TempDir dir;
    const std::string path = dir.write("bev.elf", tiny_elf(0x80010000u, {
                                                                 0x3c080040,  // lui  t0, 0x0040 (BEV)
                                                                 0x40886000,  // mtc0 t0, Status
                                                                 0x00000000,  // nop
                                                                 0x0000000c,  // syscall
                                                                 0x1000ffff,  // b .
                                                                 0x00000000,  // nop
                                                             }));
    const VmsimRun r = run_vmsim({"run", "--quiet", "--elf", path, "--max-instructions", "100000"});
    EXPECT_EQ(r.exit_code, kGuestError) << describe(r);
    const std::vector<std::string> lines = split_lines(r.err);
    ASSERT_EQ(lines.size(), 1u) << describe(r);
    EXPECT_TRUE(contains(lines[0], path)) << lines[0];
}

// ---- help ---------------------------------------------------------------------------

TEST(CliHelp, RunHelpListsEveryOptionAndParameterWithItsDefault) {
    const VmsimRun r = run_vmsim({"run", "--help"});
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_EQ(r.err, "");
    for (const char* option : {"--elf", "--config", "--set", "--stats-json", "--max-instructions", "--quiet"})
        EXPECT_TRUE(contains(r.out, option)) << option;

    const auto params = help_parameters(r.out);
    std::map<std::string, std::string> defaults;
    for (const auto& [name, default_text] : params) {
        EXPECT_FALSE(default_text.empty()) << name << " has no default";
        EXPECT_TRUE(defaults.emplace(name, default_text).second) << name << " listed twice";
    }
    // The parameters README and the platform document, with the defaults README states.
    const std::map<std::string, std::string> documented = {
        {"cpu.load_delay", "exact"},  // "exactly as the R3000 (cpu.load_delay = exact, the default)"
        {"cpu.mult_latency", "12"},   // "HI/LO are ready 12 cycles after MULT"
        {"cpu.div_latency", "35"},    // "... and 35 after DIV"
        {"mem.size", "24M"},          // "mem.size bytes (default 24 MiB ...)"
    };
    for (const auto& [name, value] : documented) {
        ASSERT_TRUE(defaults.count(name)) << name << " missing from:\n" << r.out;
        EXPECT_EQ(defaults[name], value) << name;
    }
    for (const char* name : {"cpu.clock_mhz", "cpu.prid", "cpu.exception_cycles", "timer.period", "sim.quantum",
                             "sim.sync_elision", "sim.max_instructions"})
        EXPECT_TRUE(defaults.count(name)) << name << " missing from:\n" << r.out;
}

TEST(CliHelp, HelpRunCommandPrintsTheSameHelp) {
    const VmsimRun a = run_vmsim({"run", "--help"});
    const VmsimRun b = run_vmsim({"help", "run"});
    EXPECT_EQ(b.exit_code, 0);
    EXPECT_EQ(a.out, b.out);
}

// Setting every parameter to the default --help shows must be accepted and give
// exactly the configuration of a run without any --set: the listed defaults are
// the real ones, written in a form the parser takes back.
TEST(CliHelp, ListedDefaultsAreTheDefaultsARunUses) {
    const auto params = help_parameters(run_vmsim({"run", "--help"}).out);
    ASSERT_FALSE(params.empty());
    TempDir dir;
    const std::string plain = dir.path() + "/plain.json", explicit_ = dir.path() + "/explicit.json";
    const VmsimRun a = run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--stats-json", plain});
    ASSERT_EQ(a.exit_code, 0) << describe(a);
    std::vector<std::string> args{"run", "--quiet", "--elf", HELLO_ELF, "--stats-json", explicit_};
    for (const auto& [name, default_text] : params) {
        args.push_back("--set");
        args.push_back(name + "=" + default_text);
    }
    const VmsimRun b = run_vmsim(args);
    ASSERT_EQ(b.exit_code, 0) << describe(b);
    const StatsJson pj = parse_stats_json(read_whole_file(plain));
    const StatsJson ej = parse_stats_json(read_whole_file(explicit_));
    EXPECT_EQ(pj.config, ej.config);
    EXPECT_EQ(pj.config.size(), params.size());
}

// ---- targets -------------------------------------------------------------------

TEST(CliTargets, UnknownTargetViaSetIsAUsageErrorListingTheKnownOnes) {
    const std::string line =
        one_error_line(run_vmsim({"run", "--elf", HELLO_ELF, "--set", "target=vax"}), kUsage);
    EXPECT_TRUE(contains(line, "--set 'target=vax'")) << line;
    EXPECT_TRUE(contains(line, "expected one of r3000")) << line;
}

TEST(CliTargets, UnknownTargetInConfigFileNamesFileAndLine) {
    TempDir dir;
    const std::string cfg = dir.write("m.cfg", "# a machine\ntarget = vax\n");
    const std::string line = one_error_line(run_vmsim({"run", "--elf", HELLO_ELF, "--config", cfg}), kUsage);
    EXPECT_TRUE(contains(line, cfg + ":2: target:")) << line;
}

TEST(CliTargets, TheChosenTargetIsRecordedInTheConfiguration) {
    const StatsJson s = stats_of_hello({"--set", "target=r3000"});
    const auto it = std::find_if(s.config.begin(), s.config.end(), [](const auto& kv) { return kv.first == "target"; });
    ASSERT_NE(it, s.config.end());
    EXPECT_EQ(it->second, "r3000");
}

TEST(CliTargets, HelpTargetsListsEachTargetOnce) {
    const VmsimRun r = run_vmsim({"help", "targets"});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    const auto lines = split_lines(r.out);
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines.front().substr(0, 6), "r3000 ");
}

// ---- generated docs -------------------------------------------------------------

// The blocks of a doc generated by a vmsim command: (arguments, committed text).
std::vector<std::pair<std::vector<std::string>, std::string>> generated_blocks(const std::string& path) {
    const std::string open = "<!-- generated: vmsim ", close = "<!-- end generated -->";
    std::vector<std::pair<std::vector<std::string>, std::string>> blocks;
    const std::vector<std::string> lines = split_lines(read_whole_file(path));
    for (size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].rfind(open, 0) != 0) continue;
        std::vector<std::string> args;
        std::string words = lines[i].substr(open.size(), lines[i].size() - open.size() - 4);
        for (size_t p = 0; p < words.size();) {
            const size_t space = words.find(' ', p);
            args.push_back(words.substr(p, space == std::string::npos ? std::string::npos : space - p));
            p = space == std::string::npos ? words.size() : space + 1;
        }
        std::string text;
        for (++i; i < lines.size() && lines[i] != close; ++i) text += lines[i] + "\n";
        EXPECT_LT(i, lines.size()) << path << ": a generated block is not closed";
        blocks.emplace_back(args, text);
    }
    return blocks;
}

TEST(CliDocs, GeneratedTablesAreCurrent) {
    for (const char* doc : {"parameters.md", "statistics.md"}) {
        const std::string path = std::string(VMSIM_DOCS) + "/" + doc;
        const auto blocks = generated_blocks(path);
        EXPECT_FALSE(blocks.empty()) << path << " has no generated block";
        for (const auto& [args, committed] : blocks) {
            const VmsimRun r = run_vmsim(args);
            ASSERT_EQ(r.exit_code, 0) << describe(r);
            EXPECT_EQ(committed, r.out) << path << " is stale: run `make docs`";
        }
    }
}

// Every statistic a run with the memory system records is in the statistics table
// (region numbers as N): the table is generated from the list the run records from.
TEST(CliDocs, EveryStatisticOfACachedRunIsDocumented) {
    TempDir dir;
    const std::string json = dir.path() + "/s.json";
    const VmsimRun r = run_vmsim({"run", "--quiet", "--elf", HELLO_ELF, "--config",
                                  std::string(VMSIM_CONFIGS) + "/machines/dec3100.cfg", "--stats-json", json});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    const std::string table = read_whole_file(std::string(VMSIM_DOCS) + "/statistics.md");
    const StatsJson s = parse_stats_json(read_whole_file(json));
    ASSERT_FALSE(s.stats.empty());
    bool saw_region = false;
    for (const auto& [name, value] : s.stats) {
        std::string documented = name;
        if (name.rfind("region.", 0) == 0) {
            const size_t dot = name.find('.', 7);
            documented = "region.N" + name.substr(dot);
            saw_region = true;
        }
        EXPECT_TRUE(contains(table, "| `" + documented + "` |")) << documented;
    }
    EXPECT_TRUE(saw_region) << "hello measures region 0";
}

}  // namespace
}  // namespace vmsim::testing
