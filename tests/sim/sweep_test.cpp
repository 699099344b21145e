// Sweeps and plots. The sweep file reader and the axis expansion are called in this
// process (they need no SystemC); everything else runs `vmsim sweep` / `vmsim plot`
// as a child on the small test guests, with axes over cheap parameters.
#include <gtest/gtest.h>

#include <pty.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sim/experiment/plot.hpp"
#include "sim/experiment/sweep.hpp"
#include "temp_dir.hpp"
#include "user_error.hpp"
#include "vmsim_run.hpp"

namespace vmsim::testing {
namespace {

namespace fs = std::filesystem;
using experiment::expand_axes;
using experiment::read_sweep_file;
using experiment::SweepFile;

// README "Exit codes".
constexpr int kUsage = 64, kNoInput = 66, kUnavailable = 69, kGuestError = 125;

using Points = std::vector<std::vector<size_t>>;

// ---- axis expansion -------------------------------------------------------------

TEST(SweepAxes, ProductVariesTheLastAxisFastest) {
    EXPECT_EQ(expand_axes({2, 3}, {}), (Points{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}}));
}

TEST(SweepAxes, ZippedAxesAdvanceTogetherWhereTheFirstOfThemStands) {
    // Axes 0 and 2 zipped (3 values each), axis 1 (2 values) on its own: 3 x 2 points,
    // the group outermost because axis 0 comes first.
    EXPECT_EQ(expand_axes({3, 2, 3}, {{0, 2}}),
              (Points{{0, 0, 0}, {0, 1, 0}, {1, 0, 1}, {1, 1, 1}, {2, 0, 2}, {2, 1, 2}}));
    // Listed in the other order, the group still stands at axis 0.
    EXPECT_EQ(expand_axes({3, 2, 3}, {{2, 0}}), expand_axes({3, 2, 3}, {{0, 2}}));
    // Two groups: a product of two dimensions.
    EXPECT_EQ(expand_axes({2, 2, 2, 2}, {{0, 1}, {2, 3}}),
              (Points{{0, 0, 0, 0}, {0, 0, 1, 1}, {1, 1, 0, 0}, {1, 1, 1, 1}}));
}

TEST(SweepAxes, NoAxesIsOnePointAndMismatchedGroupsAreBugs) {
    EXPECT_EQ(expand_axes({}, {}), (Points{{}}));
    EXPECT_THROW(expand_axes({2, 3}, {{0, 1}}), std::logic_error);
    EXPECT_THROW(expand_axes({2, 2, 2}, {{0, 1}, {1, 2}}), std::logic_error);
}

// ---- reading sweep files -----------------------------------------------------------

TEST(SweepFileReader, SplitsBaseAxesZipsProgramsAndPlots) {
    TempDir dir;
    dir.write("progs/a.elf", "a");
    dir.write("build/b.elf", "b");
    dir.write("base.cfg", "cpu.div_latency = 20\n");
    const std::string file = dir.write("s.cfg",
                                       "include = base.cfg\n"
                                       "program = progs/a.elf\n"
                                       "sweep.cpu.mult_latency = 1 6 12\n"
                                       "sweep.program = progs/a.elf ${build}/b.elf\n"
                                       "sweep.timer.period = 10 20 30\n"
                                       "zip = timer.period cpu.mult_latency\n"
                                       "plot.x = cpu.mult_latency\n"
                                       "plot.y = cpu.cycles\n"
                                       "plot.tlb.x = timer.period\n"
                                       "plot.tlb.y = tlb.writes\n"
                                       "plot.tlb.logy = true\n");
    const SweepFile f = read_sweep_file(file, dir.path() + "/build");
    ASSERT_EQ(f.base.size(), 1u);
    EXPECT_EQ(f.base[0].key, "cpu.div_latency");
    EXPECT_EQ(f.base[0].where, dir.path() + "/base.cfg:1");
    EXPECT_EQ(f.program_path, dir.path() + "/progs/a.elf") << "relative to the sweep file";
    ASSERT_EQ(f.axes.size(), 3u);
    EXPECT_EQ(f.axes[0].name, "cpu.mult_latency");
    EXPECT_EQ(f.axes[0].values, (std::vector<std::string>{"1", "6", "12"}));
    EXPECT_EQ(f.axes[0].where, file + ":3");
    EXPECT_EQ(f.axes[1].name, "program");
    EXPECT_EQ(f.axes[1].values, (std::vector<std::string>{"progs/a.elf", "${build}/b.elf"}));
    EXPECT_EQ(f.axes[1].paths, (std::vector<std::string>{dir.path() + "/progs/a.elf", dir.path() + "/build/b.elf"}));
    EXPECT_EQ(f.zips, (std::vector<std::vector<size_t>>{{2, 0}}));
    ASSERT_EQ(f.plots.size(), 2u);
    EXPECT_EQ(f.plots[0].name, "plot");
    EXPECT_EQ(f.plots[0].y, "cpu.cycles");
    EXPECT_FALSE(f.plots[0].logy);
    EXPECT_EQ(f.plots[1].name, "tlb");
    EXPECT_EQ(f.plots[1].x, "timer.period");
    EXPECT_TRUE(f.plots[1].logy);
}

TEST(SweepFileReader, ALaterLineForAnAxisReplacesItInPlace) {
    TempDir dir;
    dir.write("a.elf", "a");
    const std::string file = dir.write("s.cfg",
                                       "program = a.elf\nsweep.cpu.mult_latency = 1 2\nsweep.timer.period = 5\n"
                                       "sweep.cpu.mult_latency = 7 8 9\n");
    const SweepFile f = read_sweep_file(file, "");
    ASSERT_EQ(f.axes.size(), 2u);
    EXPECT_EQ(f.axes[0].name, "cpu.mult_latency");
    EXPECT_EQ(f.axes[0].values, (std::vector<std::string>{"7", "8", "9"}));
    EXPECT_EQ(f.axes[0].where, file + ":4");
}

struct BadFile {
    const char* name;
    std::string text;  // after "program = a.elf\n" (line 1)
    int code;
    int line;          // the line the message names; 0: the file alone
    const char* says;  // part of the message
};

void PrintTo(const BadFile& b, std::ostream* os) { *os << b.name; }

class SweepFileErrors : public ::testing::TestWithParam<BadFile> {};

TEST_P(SweepFileErrors, AreOneLineNamingFileAndLine) {
    const BadFile& b = GetParam();
    TempDir dir;
    dir.write("a.elf", "a");
    const std::string file = dir.write("s.cfg", std::string(b.line == 0 ? "" : "program = a.elf\n") + b.text);
    const UserError e = user_error_from([&] { read_sweep_file(file, ""); });
    const std::string message = e.what();
    EXPECT_EQ(e.code(), b.code) << message;
    const std::string place = b.line ? file + ":" + std::to_string(b.line) + ": " : file + ": ";
    EXPECT_EQ(message.rfind(place, 0), 0u) << message;
    EXPECT_TRUE(contains(message, b.says)) << message;
}

INSTANTIATE_TEST_SUITE_P(
    Sweep, SweepFileErrors,
    ::testing::Values(
        BadFile{"EmptyAxis", "sweep.cpu.mult_latency =\n", kUsage, 2, "at least one value"},
        BadFile{"RepeatedValue", "sweep.cpu.mult_latency = 1 2 1\n", kUsage, 2, "'1' is listed twice"},
        BadFile{"ZipLengths",
                "sweep.cpu.mult_latency = 1 2 3\nsweep.timer.period = 10 20\nzip = cpu.mult_latency timer.period\n",
                kUsage, 4, "differ in length"},
        BadFile{"ZipOfANonAxis", "sweep.cpu.mult_latency = 1 2\nzip = cpu.mult_latency cpu.div_latency\n", kUsage, 3,
                "'cpu.div_latency' is not an axis"},
        BadFile{"ZipOfOneAxis", "sweep.cpu.mult_latency = 1 2\nzip = cpu.mult_latency\n", kUsage, 3, "two or more"},
        BadFile{"AxisInTwoZips",
                "sweep.a.b = 1 2\nsweep.c.d = 1 2\nsweep.e.f = 1 2\nzip = a.b c.d\nzip = e.f a.b\n", kUsage, 6,
                "already zipped"},
        BadFile{"MissingProgram", "sweep.program = a.elf nope.elf\n", kNoInput, 2, "nope.elf"},
        BadFile{"UnknownPlotKey", "plot.x = a\nplot.colour = red\n", kUsage, 3, "unknown plot key"},
        BadFile{"PlotWithoutY", "plot.x = cpu.mult_latency\n", kUsage, 2, "plot.y"},
        BadFile{"ColumnSyntax", "column.cpi = cpu.cycles / / cpu.instructions\n", kUsage, 2, "column 14"},
        BadFile{"ColumnUnbalanced", "column.cpi = (cpu.cycles / cpu.instructions\n", kUsage, 2, "missing ')'"},
        BadFile{"ColumnBadName", "column.CPI = cpu.cycles\n", kUsage, 2, "[a-z0-9_]"},
        BadFile{"PlotFlagNotABool", "plot.x = a\nplot.y = b\nplot.logx = maybe\n", kUsage, 4, "true or false"},
        BadFile{"NoProgram", "sweep.cpu.mult_latency = 1 2\n", kUsage, 0, "no guest program"}),
    [](const auto& info) { return std::string(info.param.name); });

// ---- running sweeps -----------------------------------------------------------------

struct Csv {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    size_t col(const std::string& name) const {
        for (size_t i = 0; i < header.size(); ++i)
            if (header[i] == name) return i;
        ADD_FAILURE() << "no column " << name;
        return 0;
    }
    std::vector<std::string> column(const std::string& name) const {
        std::vector<std::string> out;
        const size_t c = col(name);
        for (const auto& r : rows) out.push_back(r.at(c));
        return out;
    }
};

// results.csv: no cell of ours holds a quote or a line break except messages, which
// the tests that read them keep comma-free.
Csv read_results(const std::string& dir) {
    Csv csv;
    for (const std::string& line : split_lines(read_whole_file(dir + "/results.csv"))) {
        std::vector<std::string> cells(1);
        for (char c : line) {
            if (c == ',') cells.emplace_back();
            else cells.back() += c;
        }
        if (csv.header.empty()) csv.header = cells;
        else csv.rows.push_back(cells);
    }
    return csv;
}

// The point files of a sweep and their modification times (nanoseconds).
std::map<std::string, long long> point_files(const std::string& out) {
    std::map<std::string, long long> files;
    if (!fs::exists(out + "/points")) return files;
    for (const auto& e : fs::directory_iterator(out + "/points")) {
        struct stat st {};
        ::stat(e.path().c_str(), &st);
        files[e.path().filename().string()] = st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    }
    return files;
}

std::string elf_dir() { return fs::path(HELLO_ELF).parent_path().string(); }

// `vmsim sweep FILE --build-dir <the test guests' directory> args...`
VmsimRun sweep(const std::string& file, std::vector<std::string> args = {}) {
    std::vector<std::string> all{"sweep", file, "--build-dir", elf_dir()};
    all.insert(all.end(), args.begin(), args.end());
    return run_vmsim(all);
}

// stderr less the notes AddressSanitizer prints in a forked simulation about
// SystemC's coroutine stacks ("==PID==WARNING: ASan is ignoring requested
// __asan_handle_no_return ..." and its two follow-up lines): sanitizer builds only.
std::string without_sanitizer_notes(const std::string& err) {
    std::string out;
    for (const std::string& line : split_lines(err)) {
        if (line.rfind("==", 0) == 0 || line == "False positive error reports may follow" ||
            line.rfind("For details see https://github.com/google/sanitizers/", 0) == 0)
            continue;
        out += line + "\n";
    }
    return out;
}

TEST(Sweep, ResultsHaveOneRowPerPointInOrderWithAxesThenStatistics) {
    TempDir dir;
    const std::string file = dir.write("s.cfg",
                                       "program = ${build}/hello.elf\n"
                                       "sweep.cpu.div_latency = 1 35\n"
                                       "sweep.cpu.mult_latency = 2 12 30\n");
    const VmsimRun r = sweep(file, {"--jobs", "2"});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_EQ(without_sanitizer_notes(r.err), "") << "no progress line when stderr is not a terminal";
    const std::string out = dir.path() + "/s.out";  // the default: beside the sweep file
    const Csv csv = read_results(out);
    ASSERT_GE(csv.header.size(), 4u);
    EXPECT_EQ(csv.header[0], "cpu.div_latency");
    EXPECT_EQ(csv.header[1], "cpu.mult_latency");
    EXPECT_EQ(csv.header[2], "status");
    EXPECT_EQ(csv.column("cpu.div_latency"), (std::vector<std::string>{"1", "1", "1", "35", "35", "35"}));
    EXPECT_EQ(csv.column("cpu.mult_latency"), (std::vector<std::string>{"2", "12", "30", "2", "12", "30"}));
    EXPECT_EQ(csv.column("status"), std::vector<std::string>(6, "ok"));
    for (const std::string& h : csv.header) EXPECT_NE(h.rfind("host.", 0), 0u) << "host timing is not a result";
    // hello divides (its crc32 seed arithmetic): a slower divider costs cycles.
    const auto cycles = csv.column("cpu.cycles");
    EXPECT_LT(std::stoull(cycles[0]), std::stoull(cycles[3]));
    EXPECT_EQ(point_files(out).size(), 6u);
    EXPECT_EQ(split_lines(read_whole_file(out + "/results.jsonl")).size(), 6u);
    // Each row names its point file, and that file holds the point's configuration.
    const std::string point = read_whole_file(out + "/points/" + csv.column("point")[4] + ".json");
    EXPECT_TRUE(contains(point, "\"cpu.mult_latency\": \"12\"")) << point;
    EXPECT_TRUE(contains(point, "\"cpu.div_latency\": \"35\"")) << point;
}

TEST(Sweep, ZippedAxesGiveOnePointPerPair) {
    TempDir dir;
    const std::string file = dir.write("s.cfg",
                                       "program = ${build}/hello.elf\n"
                                       "sweep.cpu.div_latency = 1 35 70\n"
                                       "sweep.cpu.mult_latency = 2 12 30\n"
                                       "zip = cpu.div_latency cpu.mult_latency\n");
    const VmsimRun r = sweep(file, {"--out", dir.path() + "/out"});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    const Csv csv = read_results(dir.path() + "/out");
    EXPECT_EQ(csv.column("cpu.div_latency"), (std::vector<std::string>{"1", "35", "70"}));
    EXPECT_EQ(csv.column("cpu.mult_latency"), (std::vector<std::string>{"2", "12", "30"}));
}

TEST(Sweep, RerunSkipsFinishedPointsAndRunsOnlyADeletedOneAgain) {
    TempDir dir;
    const std::string file = dir.write("s.cfg", "program = ${build}/hello.elf\nsweep.cpu.div_latency = 1 2 3 4\n");
    const std::string out = dir.path() + "/out";
    const VmsimRun first = sweep(file, {"--out", out});
    ASSERT_EQ(first.exit_code, 0) << describe(first);
    EXPECT_TRUE(contains(first.out, "4 run now")) << first.out;
    const std::string results = read_whole_file(out + "/results.csv");
    const auto before = point_files(out);
    ASSERT_EQ(before.size(), 4u);

    const VmsimRun again = sweep(file, {"--out", out});
    ASSERT_EQ(again.exit_code, 0) << describe(again);
    EXPECT_TRUE(contains(again.out, "0 run now")) << again.out;
    EXPECT_EQ(point_files(out), before) << "no point file rewritten";

    const std::string deleted = read_results(out).column("point")[2] + ".json";
    fs::remove(out + "/points/" + deleted);
    const VmsimRun third = sweep(file, {"--out", out});
    ASSERT_EQ(third.exit_code, 0) << describe(third);
    EXPECT_TRUE(contains(third.out, "1 run now")) << third.out;
    auto after = point_files(out);
    ASSERT_EQ(after.count(deleted), 1u) << "the deleted point ran again";
    after.erase(deleted);
    auto unchanged = before;
    unchanged.erase(deleted);
    EXPECT_EQ(after, unchanged) << "the other points were not run";
    EXPECT_EQ(read_whole_file(out + "/results.csv"), results);
}

TEST(Sweep, AChangedAxisValueRerunsOnlyThePointsItChanges) {
    TempDir dir;
    const std::string out = dir.path() + "/out";
    const std::string file = dir.write("s.cfg",
                                       "program = ${build}/hello.elf\n"
                                       "sweep.cpu.div_latency = 1 2\n"
                                       "sweep.cpu.mult_latency = 5 6\n");
    ASSERT_EQ(sweep(file, {"--out", out}).exit_code, 0);
    const auto before = point_files(out);
    ASSERT_EQ(before.size(), 4u);
    dir.write("s.cfg",
              "# a comment moves every line: the ids do not depend on where a value is written\n"
              "program = ${build}/hello.elf\n"
              "sweep.cpu.div_latency = 1 9\n"
              "sweep.cpu.mult_latency = 5 6\n");
    const VmsimRun r = sweep(file, {"--out", out});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_TRUE(contains(r.out, "2 run now")) << r.out;
    const auto after = point_files(out);
    EXPECT_EQ(after.size(), 6u) << "two new points beside the four old files";
    size_t kept = 0;
    for (const auto& [name, mtime] : before) kept += after.count(name) && after.at(name) == mtime;
    EXPECT_EQ(kept, 4u) << "no old file rewritten";
    EXPECT_EQ(read_results(out).column("cpu.div_latency"), (std::vector<std::string>{"1", "1", "9", "9"}));
}

// A point's id follows what the simulator loads, not the file's other bytes (symbols
// and debug sections hold build paths): the same program at another path with extra
// bytes after its segments keeps its points; a changed loaded byte makes new ones.
TEST(Sweep, PointIdsFollowTheLoadedProgramNotItsPath) {
    TempDir dir;
    const std::string hello = read_whole_file(HELLO_ELF);
    ASSERT_FALSE(hello.empty());
    dir.write("a/hello.elf", hello);
    dir.write("b/hello.elf", hello + std::string(64, '\x5a'));
    const std::string out = dir.path() + "/out";
    const std::string file = dir.write("s.cfg", "program = a/hello.elf\nsweep.cpu.div_latency = 1 2\n");
    ASSERT_EQ(sweep(file, {"--out", out}).exit_code, 0);
    dir.write("s.cfg", "program = b/hello.elf\nsweep.cpu.div_latency = 1 2\n");
    VmsimRun r = sweep(file, {"--out", out});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_TRUE(contains(r.out, "0 run now")) << r.out;
    // One loaded byte changed (the last byte of the first loaded segment's data is far
    // from the ELF header; flip a byte of the entry point instead: e_entry at offset 24).
    std::string changed = hello;
    changed[24] = static_cast<char>(changed[24] ^ 4);
    dir.write("b/hello.elf", changed);
    r = sweep(file, {"--out", out});
    EXPECT_TRUE(contains(r.out, "2 run now")) << r.out;
}

TEST(Sweep, APointOverTheInstructionLimitFailsAndTheOthersFinish) {
    TempDir dir;
    const std::string out = dir.path() + "/out";
    const std::string file = dir.write("s.cfg",
                                       "program = ${build}/hello.elf\n"
                                       "sweep.sim.max_instructions = 0 1000 50000000\n");
    const VmsimRun r = sweep(file, {"--out", out, "--jobs", "2"});
    EXPECT_EQ(r.exit_code, kGuestError) << describe(r);
    const Csv csv = read_results(out);
    EXPECT_EQ(csv.column("status"), (std::vector<std::string>{"ok", "failed", "ok"}));
    EXPECT_TRUE(contains(csv.column("message")[1], "sim.max_instructions")) << csv.column("message")[1];
    EXPECT_EQ(csv.column("sim.outcome"), (std::vector<std::string>{"exited", "instruction_limit", "exited"}));
    EXPECT_EQ(csv.column("message")[0], "");
    // The failure is reported on stderr, naming the point.
    EXPECT_TRUE(contains(r.err, "sim.max_instructions=1000")) << r.err;
    // A failed point is not finished: it runs again next time, the others do not.
    const VmsimRun again = sweep(file, {"--out", out});
    EXPECT_TRUE(contains(again.out, "1 run now")) << again.out;
}

// ---- killed midway ------------------------------------------------------------------

// In a forked child: becomes `vmsim args...`, killed by SIGALRM if it hangs.
[[noreturn]] void exec_vmsim(std::vector<std::string> args) {
    args.insert(args.begin(), VMSIM_BINARY);
    std::vector<char*> argv;
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    ::alarm(120);
    ::execv(argv[0], argv.data());
    ::_exit(202);
}

// `vmsim args...` started, not waited for; its stdout and stderr go to `log`.
pid_t spawn_vmsim(const std::vector<std::string>& args, const std::string& log) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (!std::freopen(log.c_str(), "w", stdout) || !std::freopen(log.c_str(), "a", stderr)) ::_exit(200);
        exec_vmsim(args);
    }
    return pid;
}

std::set<std::string> finished_files(const std::string& out) {
    std::set<std::string> names;
    for (const auto& [name, mtime] : point_files(out))
        if (name[0] != '.') names.insert(name);
    return names;
}

TEST(Sweep, KilledMidwayThenRerunGivesTheResultsOfAnUninterruptedRun) {
    TempDir dir;
    // plat_timer takes 8 timer interrupts: about 8 x timer.period instructions, long
    // enough that the sweep is killed with points still to run. The sanitizer build
    // simulates some 50 times slower: there a tenth of the period is as long.
#if defined(__SANITIZE_ADDRESS__)
    constexpr int kPeriod = 200000;
#else
    constexpr int kPeriod = 2000000;
#endif
    std::string periods;
    for (int i = 0; i < 10; ++i) periods += " " + std::to_string(kPeriod + i);
    const std::string file = dir.write("s.cfg", "program = " PLAT_TIMER_ELF "\nsweep.timer.period =" + periods + "\n");
    const std::string whole = dir.path() + "/whole", cut = dir.path() + "/cut";
    ASSERT_EQ(sweep(file, {"--out", whole, "--jobs", "2"}).exit_code, 0);

    const pid_t pid = spawn_vmsim({"sweep", file, "--out", cut, "--jobs", "2"}, dir.path() + "/log");
    ASSERT_GT(pid, 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (finished_files(cut).size() < 2 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << "status " << status;
    const auto at_kill = point_files(cut);
    EXPECT_LT(at_kill.size(), 10u) << "killed midway";
    for (const auto& [name, mtime] : at_kill) EXPECT_NE(name[0], '.') << "partial file left: " << name;
    EXPECT_FALSE(fs::exists(cut + "/results.csv"));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(point_files(cut), at_kill) << "no child ran on after the sweep was killed";

    const VmsimRun rest = sweep(file, {"--out", cut, "--jobs", "2"});
    ASSERT_EQ(rest.exit_code, 0) << describe(rest);
    EXPECT_TRUE(contains(rest.out, std::to_string(10 - at_kill.size()) + " run now")) << rest.out;
    EXPECT_EQ(read_whole_file(cut + "/results.csv"), read_whole_file(whole + "/results.csv"));
    EXPECT_EQ(read_whole_file(cut + "/results.jsonl"), read_whole_file(whole + "/results.jsonl"));
}

// ---- bad sweep files through the command line ------------------------------------------

struct BadSweep {
    const char* name;
    std::string text;  // after "program = ${build}/hello.elf\n" (line 1)
    std::vector<std::string> args;
    int code;
    std::string place;  // "2": the sweep file's line 2; "file": the sweep file; else how the message starts
    const char* says;
};

void PrintTo(const BadSweep& b, std::ostream* os) { *os << b.name; }

class SweepBadInput : public ::testing::TestWithParam<BadSweep> {};

TEST_P(SweepBadInput, IsOneLineBeforeAnyPointRuns) {
    const BadSweep& b = GetParam();
    TempDir dir;
    const std::string file = dir.write("s.cfg", "program = ${build}/hello.elf\n" + b.text);
    std::vector<std::string> args{"--out", dir.path() + "/out"};
    args.insert(args.end(), b.args.begin(), b.args.end());
    const std::string line = one_error_line(sweep(file, args), b.code);
    const bool line_number = std::isdigit(static_cast<unsigned char>(b.place[0]));
    const std::string place = line_number ? file + ":" + b.place + ": " : b.place == "file" ? file + ": " : b.place;
    EXPECT_EQ(line.rfind(place, 0), 0u) << line;
    EXPECT_TRUE(contains(line, b.says)) << line;
    EXPECT_FALSE(fs::exists(dir.path() + "/out")) << "nothing ran, nothing was written";
}

INSTANTIATE_TEST_SUITE_P(
    Sweep, SweepBadInput,
    ::testing::Values(
        BadSweep{"UnknownParameterAxis", "sweep.cpu.mult_latncy = 1 2\n", {}, kUsage, "2", "cpu.mult_latency"},
        BadSweep{"RejectedValue", "sweep.cpu.mult_latency = 1 2000\n", {}, kUsage, "2", "2000"},
        BadSweep{"RejectedValueInTheBase", "cpu.mult_latency = 0\nsweep.timer.period = 1 2\n", {}, kUsage, "2", "'0'"},
        BadSweep{"EmptyAxis", "sweep.cpu.mult_latency = \n", {}, kUsage, "2", "at least one value"},
        BadSweep{"MissingProgram", "sweep.program = ${build}/hello.elf ${build}/nope.elf\n", {}, kNoInput, "2",
                 "nope.elf"},
        BadSweep{"ZipLengths",
                 "sweep.cpu.mult_latency = 1 2\nsweep.timer.period = 1 2 3\nzip = cpu.mult_latency timer.period\n",
                 {}, kUsage, "4", "differ in length"},
        BadSweep{"PlotOfAnUnknownColumn",
                 "sweep.cpu.mult_latency = 1 2\nplot.x = cpu.mult_latency\nplot.y = cpu.cyles\n",
                 {}, kUsage, "3", "cpu.cyles"},
        BadSweep{"ColumnOfAnUnknownStatistic", "sweep.cpu.mult_latency = 1 2\ncolumn.cpi = cpu.cycles / cpu.instr\n",
                 {}, kUsage, "3", "'cpu.instr'"},
        BadSweep{"SameConfigurationTwice", "sweep.mem.size = 64K 65536\n", {}, kUsage, "file", "same effective"},
        BadSweep{"SetOverAnAxis", "sweep.cpu.mult_latency = 1 2\n", {"--set", "cpu.mult_latency=3"}, kUsage,
                 "--set 'cpu.mult_latency=3'", "is an axis"},
        BadSweep{"BadSet", "sweep.cpu.mult_latency = 1 2\n", {"--set", "cpu.div_latency=fast"}, kUsage,
                 "--set 'cpu.div_latency=fast'", "fast"}),
    [](const auto& info) { return std::string(info.param.name); });

// ---- derived columns -------------------------------------------------------------

double eval_with(const std::string& text, const std::map<std::string, double>& values) {
    const experiment::Expr e = experiment::Expr::parse(text, "f:1", "column.x");
    const auto v = e.eval([&](const std::string& n) -> std::optional<double> {
        const auto it = values.find(n);
        return it == values.end() ? std::nullopt : std::optional<double>(it->second);
    });
    return v ? *v : -12345;
}

TEST(SweepColumns, ArithmeticHasTheUsualPrecedence) {
    EXPECT_EQ(eval_with("1 + 2 * 3", {}), 7);
    EXPECT_EQ(eval_with("(1 + 2) * 3", {}), 9);
    EXPECT_EQ(eval_with("10 - 4 - 3", {}), 3) << "left to right";
    EXPECT_EQ(eval_with("12 / 3 / 2", {}), 2) << "left to right";
    EXPECT_EQ(eval_with("-2 * -3", {}), 6);
    EXPECT_EQ(eval_with("region.7.cycles / region.7.count", {{"region.7.cycles", 900}, {"region.7.count", 300}}), 3);
    EXPECT_EQ(eval_with("a.b - 1.5e1", {{"a.b", 20}}), 5);
}

TEST(SweepColumns, AMissingValueOrADivisionByZeroGivesNoNumber) {
    EXPECT_EQ(eval_with("a / b", {{"a", 1}, {"b", 0}}), -12345);
    EXPECT_EQ(eval_with("a + nope", {{"a", 1}}), -12345);
}

TEST(SweepColumns, NamesAreListedOnceInOrder) {
    const auto e = experiment::Expr::parse("b + a * b - c.d", "f:1", "column.x");
    EXPECT_EQ(e.names(), (std::vector<std::string>{"b", "a", "c.d"}));
}

TEST(SweepColumns, HostileExpressionsAreOneLineErrors) {
    for (const std::string& text : {std::string(5000, '('), std::string(2000, '-') + "1", std::string(600, '1') + "+",
                                    std::string("1 +"), std::string("a b"), std::string("")}) {
        const UserError e = user_error_from([&] { experiment::Expr::parse(text, "f:3", "column.x"); });
        EXPECT_EQ(e.code(), kUsage);
        EXPECT_EQ(std::string(e.what()).rfind("f:3: column.x: ", 0), 0u) << e.what();
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
}

// A derived column is computed per point from its statistics and axes, after them in
// results.csv, and can be plotted.
TEST(Sweep, DerivedColumnsAreComputedPerPoint) {
    TempDir dir;
    const std::string file = dir.write("s.cfg",
                                       "program = ${build}/hello.elf\n"
                                       "sweep.cpu.div_latency = 1 35\n"
                                       "column.cpi = cpu.cycles / cpu.instructions\n"
                                       "column.latency_x2 = cpu.div_latency * 2\n");
    const VmsimRun r = sweep(file, {"--out", dir.path() + "/out"});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    const Csv csv = read_results(dir.path() + "/out");
    const auto cycles = csv.column("cpu.cycles"), insns = csv.column("cpu.instructions"), cpi = csv.column("cpi");
    ASSERT_EQ(cpi.size(), 2u);
    for (size_t i = 0; i < 2; ++i)
        EXPECT_DOUBLE_EQ(std::stod(cpi[i]), std::stod(cycles[i]) / std::stod(insns[i])) << i;
    EXPECT_EQ(csv.column("latency_x2"), (std::vector<std::string>{"2", "70"}));
    const std::string jsonl = read_whole_file(dir.path() + "/out/results.jsonl");
    EXPECT_TRUE(contains(jsonl, "\"columns\": {\"cpi\": ")) << jsonl;
}

// Plot axes carry units by the naming conventions of parameters, statistics and
// derived columns.
TEST(Plot, AxisLabelsCarryUnits) {
    EXPECT_EQ(experiment::axis_label("region.7.cycles"), "region.7.cycles (cycles)");
    EXPECT_EQ(experiment::axis_label("aegis.stlb_entries"), "aegis.stlb_entries (entries)");
    EXPECT_EQ(experiment::axis_label("region.7.utlb_refills"), "region.7.utlb_refills (refills)");
    EXPECT_EQ(experiment::axis_label("unix.mprotect_asid_threshold"), "unix.mprotect_asid_threshold (pages)");
    EXPECT_EQ(experiment::axis_label("trap_cycles"), "trap_cycles (cycles)");
    EXPECT_EQ(experiment::axis_label("avm.pagetable"), "avm.pagetable");
}

// ---- progress ------------------------------------------------------------------------

// On a terminal, stderr carries a progress line redrawn in place ("\r") that counts the
// points; the same sweep with stderr on a file has none of it (the Results test above).
TEST(Sweep, ProgressLineOnATerminal) {
    TempDir dir;
    const std::string file = dir.write("s.cfg", "program = ${build}/hello.elf\nsweep.cpu.div_latency = 1 2 3\n");
    int master = -1;
    const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
    ASSERT_GE(pid, 0);
    if (pid == 0) exec_vmsim({"sweep", file, "--build-dir", elf_dir(), "--out", dir.path() + "/out"});
    std::string text;
    char buffer[1024];
    for (ssize_t n; (n = ::read(master, buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<size_t>(n));
    ::close(master);
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text;
    EXPECT_TRUE(contains(text, "\r")) << text;
    EXPECT_TRUE(contains(text, "0/3 done")) << text;
    EXPECT_TRUE(contains(text, "3/3 done, 0 failed")) << text;
    EXPECT_TRUE(contains(text, "ETA")) << text;
}

// ---- plots ---------------------------------------------------------------------------

// The series titles of a gnuplot SVG: the first text of each plot group.
std::vector<std::string> svg_series(const std::string& svg) {
    std::vector<std::string> titles;
    for (size_t at = svg.find("<g id=\"gnuplot_plot_"); at != std::string::npos;
         at = svg.find("<g id=\"gnuplot_plot_", at + 1)) {
        const size_t text = svg.find("<text>", at);
        if (text == std::string::npos) break;
        titles.push_back(svg.substr(text + 6, svg.find("</text>", text) - text - 6));
    }
    return titles;
}

// Runs `run` with PATH naming only `dir` (which holds no gnuplot), then restores PATH.
template <typename Run>
VmsimRun without_gnuplot(const TempDir& dir, Run run) {
    const char* path = std::getenv("PATH");
    const std::string saved = path ? path : "";
    ::setenv("PATH", dir.path().c_str(), 1);
    const VmsimRun r = run();
    ::setenv("PATH", saved.c_str(), 1);
    return r;
}

const char* const kTable =
    "size,prog,status,cpu.cycles,message\n"
    "64,alpha,ok,100,\n"
    "128,alpha,ok,90,\n"
    "64,beta,ok,300,\n"
    "128,beta,failed,,\"guest error, at 0x0\"\n"
    "256,beta,ok,200,\n";

TEST(Plot, DrawsOneSeriesPerValueOfTheByColumn) {
    TempDir dir;
    const std::string csv = dir.write("t.csv", kTable);
    const VmsimRun r = run_vmsim({"plot", csv, "--x", "size", "--y", "cpu.cycles", "--by", "prog", "--logx",
                                  "--out", dir.path() + "/p/fig"});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    for (const char* ext : {".svg", ".png", ".gp", ".dat"})
        EXPECT_TRUE(fs::exists(dir.path() + "/p/fig" + ext)) << ext;
    const std::string svg = read_whole_file(dir.path() + "/p/fig.svg");
    EXPECT_EQ(svg_series(svg), (std::vector<std::string>{"alpha", "beta"}));
    EXPECT_TRUE(contains(svg, "cpu.cycles (cycles)")) << "the y label carries its unit";
    // The failed row is left out of the data gnuplot draws.
    const std::string data = read_whole_file(dir.path() + "/p/fig.dat");
    EXPECT_TRUE(contains(data, "256 200")) << data;
    EXPECT_FALSE(contains(data, "128 \n")) << data;
    EXPECT_TRUE(contains(r.err, "1 rows")) << r.err;
    EXPECT_TRUE(contains(read_whole_file(dir.path() + "/p/fig.gp"), "set logscale x"));
}

// `by` may name several columns: one series per combination of their values, named
// by each column's last name part.
TEST(Plot, SeveralByColumnsGiveOneSeriesPerCombination) {
    TempDir dir;
    const std::string csv = dir.write("t.csv",
                                      "size,a.org,b.envs,status,cpu.cycles\n"
                                      "64,direct,1,ok,10\n128,direct,1,ok,9\n"
                                      "64,direct,3,ok,30\n128,direct,3,ok,20\n"
                                      "64,2way,3,ok,25\n128,2way,3,ok,15\n");
    const VmsimRun r = run_vmsim({"plot", csv, "--x", "size", "--y", "cpu.cycles", "--by", "a.org b.envs", "--out",
                                  dir.path() + "/fig"});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_EQ(svg_series(read_whole_file(dir.path() + "/fig.svg")),
              (std::vector<std::string>{"org=direct, envs=1", "org=direct, envs=3", "org=2way, envs=3"}));
}

TEST(Plot, AnUnknownColumnIsOneLineNamingIt) {
    TempDir dir;
    const std::string csv = dir.write("t.csv", kTable);
    const std::string line =
        one_error_line(run_vmsim({"plot", csv, "--x", "size", "--y", "cpu.cycels", "--out", dir.path() + "/fig"}),
                       kUsage);
    EXPECT_TRUE(contains(line, "cpu.cycels")) << line;
    EXPECT_TRUE(contains(line, csv)) << line;
    EXPECT_FALSE(fs::exists(dir.path() + "/fig.gp"));
}

TEST(Plot, WithoutGnuplotIsOneLineSayingSo) {
    TempDir dir;
    const std::string csv = dir.write("t.csv", kTable);
    const VmsimRun r = without_gnuplot(
        dir, [&] { return run_vmsim({"plot", csv, "--x", "size", "--y", "cpu.cycles", "--out", dir.path() + "/f"}); });
    const std::string line = one_error_line(r, kUnavailable);
    EXPECT_TRUE(contains(line, "gnuplot")) << line;
}

TEST(Sweep, DrawsThePlotOfItsFileWhenThePointsAreDone) {
    TempDir dir;
    const std::string file = dir.write("s.cfg",
                                       "program = ${build}/hello.elf\n"
                                       "sweep.cpu.div_latency = 1 35\n"
                                       "sweep.cpu.mult_latency = 2 12\n"
                                       "plot.x = cpu.mult_latency\n"
                                       "plot.y = cpu.cycles\n"
                                       "plot.by = cpu.div_latency\n"
                                       "plot.regions.x = cpu.div_latency\n"
                                       "plot.regions.y = region.0.cycles\n");
    const std::string out = dir.path() + "/out";
    const VmsimRun r = sweep(file, {"--out", out});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_EQ(svg_series(read_whole_file(out + "/plot.svg")), (std::vector<std::string>{"1", "35"}));
    EXPECT_TRUE(fs::exists(out + "/plot.png"));
    EXPECT_TRUE(fs::exists(out + "/regions.svg"));
}

TEST(Sweep, APlotWithoutGnuplotIsAnErrorBeforeAnyPointRuns) {
    TempDir dir;
    const std::string file = dir.write("s.cfg",
                                       "program = ${build}/hello.elf\n"
                                       "sweep.cpu.div_latency = 1 35\n"
                                       "plot.x = cpu.div_latency\n"
                                       "plot.y = cpu.cycles\n");
    const VmsimRun r = without_gnuplot(dir, [&] { return sweep(file, {"--out", dir.path() + "/out"}); });
    EXPECT_TRUE(contains(one_error_line(r, kUnavailable), "gnuplot-nox"));
    EXPECT_FALSE(fs::exists(dir.path() + "/out"));
}

// The committed example (configs/sweeps/example.cfg) runs with the default build tree,
// and shows what it is meant to: a direct-mapped D-cache twice the size never misses more
// (every hit in the smaller cache is a hit in the larger), so stall cycles fall with size.
TEST(Sweep, TheExampleSweepRunsAndItsStallsFallWithCacheSize) {
    TempDir dir;
    const std::string out = dir.path() + "/out";
    const VmsimRun r = run_vmsim({"sweep", VMSIM_CONFIGS "/sweeps/example.cfg", "--out", out, "--jobs", "2"});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    const Csv csv = read_results(out);
    EXPECT_EQ(csv.column("status"), std::vector<std::string>(15, "ok"));
    const auto programs = csv.column("program"), stalls = csv.column("cycles.dcache_stall");
    for (size_t i = 1; i < csv.rows.size(); ++i)
        if (programs[i] == programs[i - 1]) {
            EXPECT_LE(std::stoull(stalls[i]), std::stoull(stalls[i - 1])) << i;
        }
    EXPECT_LT(std::stoull(stalls[5 + 4]), std::stoull(stalls[5])) << "crc32 misses in a 1K cache";
    EXPECT_EQ(svg_series(read_whole_file(out + "/plot.svg")),
              (std::vector<std::string>{"hello.elf", "crc32.elf", "qsort.elf"}));
}

#ifdef VMSIM_HAVE_COMMITTED_SWEEPS
// ---- the committed sweeps (configs/sweeps/, results/sweeps/) ---------------------------

double num(const std::string& cell) { return cell.empty() ? -1.0 : std::stod(cell); }

// Every point finishes; AVM's indexed page tables look a page up in fewer cycles than the
// linear table's binary search, so each appel1 fault (one lookup in its refill) is cheaper
// under them at every STLB size; and the 3 processes' 192 pages cost more per access in a
// 64-entry STLB than in one that holds them all.
TEST(CommittedSweeps, PagetableByStlbRunsAndTheIndexedTablesBeatTheBinarySearch) {
    TempDir dir;
    const std::string out = dir.path() + "/out";
    const VmsimRun r = run_vmsim(
        {"sweep", VMSIM_CONFIGS "/sweeps/pagetable_x_stlb.cfg", "--out", out, "--jobs", "2"}, "", 280);
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    const Csv csv = read_results(out);
    ASSERT_EQ(csv.rows.size(), 48u);
    EXPECT_EQ(csv.column("status"), std::vector<std::string>(48, "ok"));
    const auto table = csv.column("avm.pagetable"), entries = csv.column("aegis.stlb_entries"),
               appel1 = csv.column("appel1_cycles"), scenario = csv.column("scenario_cycles");
    // The column's value at (page table, entries): only the program it is about has one.
    auto cell = [&](const std::vector<std::string>& col, const std::string& pt, const std::string& n) {
        for (size_t i = 0; i < csv.rows.size(); ++i)
            if (table[i] == pt && entries[i] == n && !col[i].empty()) return num(col[i]);
        ADD_FAILURE() << "no value at " << pt << " " << n;
        return -1.0;
    };
    for (const char* n : {"64", "256", "2048"})
        for (const char* pt : {"hier2", "hashed", "inverted"}) {
            const double linear = cell(appel1, "linear", n), other = cell(appel1, pt, n);
            ASSERT_GT(linear, 0) << n;
            ASSERT_GT(other, 0) << pt << " " << n;
            EXPECT_LT(other, linear) << pt << " at " << n << " STLB entries";
        }
    for (const char* pt : {"linear", "hier2", "hashed", "inverted"})
        EXPECT_GT(cell(scenario, pt, "64"), cell(scenario, pt, "2048")) << pt;
}

// The shared STLB holds the working sets once it has about as many entries as their pages
// (64 a process): 3 processes miss far less at 256 entries than at 64, 10 processes far
// less at 1024 than at 256; one process fits everywhere.
TEST(CommittedSweeps, StlbByProcessesBendsWhereTheWorkingSetsFit) {
    TempDir dir;
    const std::string out = dir.path() + "/out";
    const VmsimRun r =
        run_vmsim({"sweep", VMSIM_CONFIGS "/sweeps/stlb_x_procs.cfg", "--out", out, "--jobs", "2"}, "", 280);
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    const Csv csv = read_results(out);
    ASSERT_EQ(csv.rows.size(), 48u);
    EXPECT_EQ(csv.column("status"), std::vector<std::string>(48, "ok"));
    const auto org = csv.column("aegis.stlb_org"), envs = csv.column("aegis.nenvs"),
               entries = csv.column("aegis.stlb_entries"), rate = csv.column("stlb_miss_rate");
    auto miss = [&](const std::string& o, const std::string& e, const std::string& n) {
        for (size_t i = 0; i < csv.rows.size(); ++i)
            if (org[i] == o && envs[i] == e && entries[i] == n) return num(rate[i]);
        ADD_FAILURE() << "no point " << o << " " << e << " " << n;
        return -1.0;
    };
    for (const char* o : {"direct", "2way"}) {
        EXPECT_LT(miss(o, "3", "256"), 0.5 * miss(o, "3", "64")) << o;
        EXPECT_LT(miss(o, "10", "1024"), 0.5 * miss(o, "10", "256")) << o;
        EXPECT_LT(miss(o, "1", "64"), 0.5 * miss(o, "10", "64")) << o << ": 64 pages nearly fit";
    }
}
#endif

}  // namespace
}  // namespace vmsim::testing
