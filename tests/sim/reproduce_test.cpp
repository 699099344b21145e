// `vmsim reproduce`: the command's own errors. (That the figure's numbers hold the
// paper's structure is checked where the guest kernels are tested.)
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <thread>
#include <string>

#include "temp_dir.hpp"
#include "vmsim_run.hpp"

namespace {

using namespace vmsim::testing;

namespace fs = std::filesystem;
constexpr int kUsage = 64, kDataErr = 65, kNoInput = 66, kCantCreate = 73;

std::string only_error_line(const VmsimRun& r, int code) {
    EXPECT_EQ(r.exit_code, code) << describe(r);
    EXPECT_EQ(r.out, "") << describe(r);
    const auto lines = split_lines(r.err);
    EXPECT_EQ(lines.size(), 1u) << describe(r);
    return lines.empty() ? std::string() : lines.back();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(Reproduce, UnknownFigureIsAUsageErrorListingTheKnownOnes) {
    const std::string line = only_error_line(run_vmsim({"reproduce", "no-such-figure"}), kUsage);
    EXPECT_TRUE(contains(line, "no-such-figure")) << line;
    EXPECT_TRUE(contains(line, "avm-fig1")) << line;
}

TEST(Reproduce, HelpListsTheFigures) {
    const VmsimRun r = run_vmsim({"reproduce", "--help"});
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_TRUE(contains(r.out, "avm-fig1")) << r.out;
}

// The paper's numbers are data: a malformed table names its file and line.
TEST(Reproduce, MalformedPaperTableNamesFileAndLine) {
    TempDir src;
    const std::string table = src.write("configs/papers/avm_fig1.csv",
                                        "# comment\nmachine,os,dirty,unprot1\nDEC2100,Aegis,17.5,fast\n");
    const std::string line = only_error_line(
        run_vmsim({"reproduce", "avm-fig1", "--source-dir", src.path(), "--out", src.path() + "/out"}), kDataErr);
    EXPECT_TRUE(contains(line, table + ":3:")) << line;
    EXPECT_TRUE(contains(line, "fast")) << line;
    EXPECT_FALSE(fs::exists(src.path() + "/out")) << "nothing written on failure";
}

// Paper tables are RFC 4180 CSV: a quoted cell may hold a newline, and the message
// about it must still be one line naming the line the row starts on.
TEST(Reproduce, PaperTableCellWithANewlineGivesAOneLineError) {
    TempDir src;
    const std::string table = src.write("configs/papers/avm_fig1.csv",
                                        "machine,os,dirty\nDEC2100,Aegis,\"1\n2\"\n");
    const std::string line = only_error_line(
        run_vmsim({"reproduce", "avm-fig1", "--source-dir", src.path(), "--out", src.path() + "/out"}), kDataErr);
    EXPECT_TRUE(contains(line, table + ":2:")) << line;
    EXPECT_TRUE(contains(line, "'1\\n2'")) << line;
}

// A bad --set is a usage error found before anything runs.
TEST(Reproduce, BadOverrideIsAUsageErrorBeforeAnythingRuns) {
    TempDir out;
    const std::string line = only_error_line(
        run_vmsim({"reproduce", "avm-fig1", "--set", "dcache.size=3000", "--out", out.path() + "/out"}), kUsage);
    EXPECT_TRUE(contains(line, "dcache.size")) << line;
    EXPECT_TRUE(contains(line, "--set")) << line;
    EXPECT_FALSE(fs::exists(out.path() + "/out"));
}

// Without the guest images there is nothing to run: say which and how to get them.
TEST(Reproduce, MissingGuestImageIsNamed) {
    TempDir build;
    const std::string line = only_error_line(
        run_vmsim({"reproduce", "avm-fig1", "--build-dir", build.path(), "--out", build.path() + "/out"}), kNoInput);
    EXPECT_TRUE(contains(line, build.path() + "/vmlib/unix/unix_appel.elf")) << line;
    EXPECT_FALSE(fs::exists(build.path() + "/out"));
}

// An output place that can never hold the tables is exit 73 before any simulation
// runs (the simulations announce themselves on stderr; the only line is the error).
TEST(Reproduce, OutputOntoARegularFileIsCantCreateBeforeAnythingRuns) {
    TempDir dir;
    const std::string file = dir.write("results", "not a directory\n");
    const std::string line = only_error_line(run_vmsim({"reproduce", "avm-fig1", "--out", file}), kCantCreate);
    EXPECT_TRUE(contains(line, file)) << line;
    EXPECT_EQ(read_whole_file(file), "not a directory\n");
}

TEST(Reproduce, OutputUnderAFileIsCantCreate) {
    TempDir dir;
    const std::string file = dir.write("plain", "x");
    only_error_line(run_vmsim({"reproduce", "avm-fig1", "--out", file + "/sub/results"}), kCantCreate);
}

TEST(Reproduce, OutputInProcIsCantCreate) {
    only_error_line(run_vmsim({"reproduce", "avm-fig1", "--out", "/proc/vmsim-results"}), kCantCreate);
}

}  // namespace

#ifdef VMSIM_HAVE_AVM_FIG1
// ---- AVM Figure 1: the structure of the paper's result, not its microseconds ----------

namespace fig1 {

// SIGTERM to `vmsim reproduce` while its simulations run ends them too: as a child
// subreaper, this test inherits any simulation the parent leaves behind, so after
// the parent is gone there must be no child left to wait for (issue 7, point 4).
TEST(ReproduceSignals, SigtermLeavesNoSimulationRunning) {
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    TempDir out;
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        const int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 1);
        ::dup2(null, 2);
        ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
        const std::string dir = out.path() + "/results";
        ::execl(VMSIM_BINARY, VMSIM_BINARY, "reproduce", "avm-fig1", "--jobs", "1", "--out", dir.c_str(),
                static_cast<char*>(nullptr));
        ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(60));  // the first simulation is running
    ::kill(pid, SIGTERM);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << "status " << status;
    // Anything the parent left would now be ours: give it a moment to show up.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    int leftover = 0;
    pid_t orphan;
    while ((orphan = ::waitpid(-1, &status, WNOHANG)) != 0 && orphan != -1) ++leftover;
    EXPECT_EQ(orphan, -1) << "a simulation is still running";
    EXPECT_EQ(errno, ECHILD);
    EXPECT_EQ(leftover, 0) << "a simulation outlived the parent (reaped here)";
    EXPECT_FALSE(std::filesystem::exists(out.path() + "/results/avm_fig1.csv"));
}

using Row = std::vector<std::string>;

std::vector<Row> read_csv(const std::string& text) {
    std::vector<Row> rows;
    for (const std::string& line : split_lines(text)) {
        if (line.empty() || line[0] == '#') continue;
        Row row;
        size_t start = 0;
        for (;;) {
            const size_t comma = line.find(',', start);
            row.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
        rows.push_back(row);
    }
    return rows;
}

// The value in `column` of the row for `machine` whose cell `label_col` is `label`;
// -1 for an empty cell (n/a).
double cell(const std::vector<Row>& rows, const std::string& machine, size_t label_col, const std::string& label,
            const std::string& column) {
    const Row& header = rows.at(0);
    size_t col = 0;
    while (col < header.size() && header[col] != column) ++col;
    if (col == header.size()) {
        ADD_FAILURE() << "no column " << column;
        return -1.0;
    }
    for (const Row& r : rows)
        if (r.size() == header.size() && r[0] == machine && r[label_col] == label)
            return r[col].empty() ? -1.0 : std::stod(r[col]);
    ADD_FAILURE() << "no row " << machine << " " << label;
    return -1.0;
}
// Paper table: machine,os,...; vmsim's: machine,preset,row,...
double paper(const std::vector<Row>& rows, const std::string& m, const std::string& os, const std::string& c) {
    return cell(rows, m, 1, os, c);
}
double ours(const std::vector<Row>& rows, const std::string& m, const std::string& row, const std::string& c) {
    return cell(rows, m, 2, row, c);
}

}  // namespace fig1

class AvmFig1 : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new TempDir;
        const VmsimRun r = run_vmsim({"reproduce", "avm-fig1", "--out", dir_->path()});
        ASSERT_EQ(r.exit_code, 0) << describe(r);
        ours_ = fig1::read_csv(read_whole_file(dir_->path() + "/avm_fig1.csv"));
        paper_ = fig1::read_csv(read_whole_file(std::string(VMSIM_CONFIGS) + "/papers/avm_fig1.csv"));
    }
    static void TearDownTestSuite() { delete dir_; }
    static TempDir* dir_;
    static std::vector<fig1::Row> ours_, paper_;
};
TempDir* AvmFig1::dir_ = nullptr;
std::vector<fig1::Row> AvmFig1::ours_, AvmFig1::paper_;

const char* const kMachines[] = {"DEC2100", "DEC3100"};
const char* const kColumns[] = {"dirty", "unprot1", "prot100", "unprot100", "trap", "appel1", "appel2"};

// The paper's numbers come through unchanged from the data file.
TEST_F(AvmFig1, PaperRowsAreTheDataFilesNumbers) {
    for (const char* m : kMachines)
        for (const char* os : {"Ultrix4.2", "Aegis"})
            for (const char* c : kColumns)
                EXPECT_DOUBLE_EQ(fig1::ours(ours_, m, std::string(os) + " (paper)", c), fig1::paper(paper_, m, os, c))
                    << m << " " << os << " " << c;
}

// In every column the faster system is the paper's: Aegis everywhere but prot100 and
// unprot100, where Ultrix's range protection wins.
TEST_F(AvmFig1, EachColumnsWinnerIsThePapersWinner) {
    for (const char* m : kMachines)
        for (const char* c : kColumns) {
            const double pu = fig1::paper(paper_, m, "Ultrix4.2", c), pa = fig1::paper(paper_, m, "Aegis", c);
            if (pu < 0 || pa < 0) continue;  // n/a on Ultrix (dirty)
            const double vu = fig1::ours(ours_, m, "vmsim unix", c);
            const double va = fig1::ours(ours_, m, "vmsim aegis", c);
            ASSERT_GT(vu, 0) << m << " " << c;
            ASSERT_GT(va, 0) << m << " " << c;
            EXPECT_EQ(va < vu, pa < pu) << m << " " << c << ": vmsim unix " << vu << " aegis " << va << "; paper "
                                        << pu << " / " << pa;
        }
}
// Aegis takes a protection trap at least ten times faster than the Ultrix baseline
// (the paper: 21-24 times).
TEST_F(AvmFig1, TrapIsAtLeastTenTimesFasterOnAegis) {
    for (const char* m : kMachines) {
        const double vu = fig1::ours(ours_, m, "vmsim unix", "trap"), va = fig1::ours(ours_, m, "vmsim aegis", "trap");
        ASSERT_GT(va, 0) << m;
        EXPECT_GE(vu / va, 10.0) << m << ": unix " << vu << " us, aegis " << va << " us";
    }
}

// --set reaches every simulation: with a much slower memory every vmsim cell grows,
// and the tables say which parameters were set.
TEST_F(AvmFig1, OverridesReachEverySimulationAndAreRecorded) {
    TempDir slow;
    const VmsimRun r = run_vmsim({"reproduce", "avm-fig1", "--set", "mem.read_latency=60", "--set",
                                  "wbuf.drain_cycles=50", "--out", slow.path()});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    const std::string csv_text = read_whole_file(slow.path() + "/avm_fig1.csv");
    EXPECT_TRUE(contains(csv_text, "mem.read_latency=60")) << "the CSV records the override";
    const auto slow_rows = fig1::read_csv(csv_text);
    for (const char* m : kMachines)
        for (const char* row : {"vmsim unix", "vmsim aegis"})
            for (const char* c : {"unprot1", "trap", "appel1"})
                EXPECT_GT(fig1::ours(slow_rows, m, row, c), fig1::ours(ours_, m, row, c)) << m << " " << row << " " << c;
}

// Deterministic: the same inputs give byte-identical tables, however many
// simulations run at once.
TEST_F(AvmFig1, TablesAreIdenticalRunToRunAndWhateverTheParallelism) {
    TempDir again;
    const VmsimRun r = run_vmsim({"reproduce", "avm-fig1", "--jobs", "1", "--out", again.path()});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    for (const char* file : {"/avm_fig1.csv", "/avm_fig1.md"})
        EXPECT_EQ(read_whole_file(again.path() + file), read_whole_file(dir_->path() + file)) << file;
}
#endif  // VMSIM_HAVE_AVM_FIG1
