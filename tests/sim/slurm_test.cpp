// `vmsim sweep --backend slurm` against a real Slurm: each test that needs one starts a
// single-node cluster of its own (scripts/slurm-local.sh: munged, slurmctld and slurmd
// with their state and free ports under the test's temporary directory) and stops it
// when it ends, so that tests can run in parallel. Where the daemons cannot start, the
// test fails with the script's reason: it is never skipped. The parts that need no
// cluster (array ranges, squeue's output, client errors, --point) are tested here too.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sim/common/errors.hpp"
#include "sim/experiment/slurm.hpp"
#include "temp_dir.hpp"
#include "user_error.hpp"
#include "vmsim_run.hpp"

namespace vmsim::testing {
namespace {

namespace fs = std::filesystem;
namespace slurm = experiment::slurm;

// README "Exit codes".
constexpr int kUsage = 64, kDataErr = 65, kUnavailable = 69, kCantCreate = 73, kTempFail = 75;

const std::string kSmoke = std::string(VMSIM_CONFIGS) + "/sweeps/slurm_smoke.cfg";

// The names of the files in `dir` (none if it does not exist).
std::set<std::string> files_in(const std::string& dir) {
    std::set<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) names.insert(e.path().filename().string());
    return names;
}

// results.csv's rows as cells (no quoted commas in these files).
std::vector<std::vector<std::string>> csv_rows(const std::string& path) {
    std::vector<std::vector<std::string>> rows;
    for (const std::string& line : split_lines(read_whole_file(path))) {
        std::vector<std::string> cells;
        std::string cell;
        for (char c : line) {
            if (c == ',') {
                cells.push_back(cell);
                cell.clear();
            } else {
                cell += c;
            }
        }
        cells.push_back(cell);
        rows.push_back(cells);
    }
    return rows;
}

// A column's cell of every data row.
std::vector<std::string> column(const std::vector<std::vector<std::string>>& rows, const std::string& name) {
    std::vector<std::string> out;
    if (rows.empty()) return out;
    size_t c = 0;
    while (c < rows[0].size() && rows[0][c] != name) ++c;
    EXPECT_LT(c, rows[0].size()) << "no column " << name;
    for (size_t r = 1; r < rows.size(); ++r) out.push_back(c < rows[r].size() ? rows[r][c] : "<short row>");
    return out;
}

// ---- no cluster needed --------------------------------------------------------------

TEST(SlurmArray, IndicesAreListedAsRanges) {
    EXPECT_EQ(slurm::array_ranges({0, 1, 2, 3, 4, 5, 6, 7}), "0-7");
    EXPECT_EQ(slurm::array_ranges({1, 3, 4, 5, 9}), "1,3-5,9");
    EXPECT_EQ(slurm::array_ranges({6}), "6");
}

TEST(SlurmArray, SbatchGetsTheLimitOnTasksAtOnceAndOnlyTheOptionsGiven) {
    slurm::SubmitOptions o;
    o.script = "/d/job.sh";
    o.job_name = "vmsim-x";
    o.workdir = "/d";
    o.output = "/d/logs/%A_%a.log";
    o.max_parallel = 3;
    o.time = "5:00";
    const std::vector<std::string> argv = slurm::sbatch_command({2, 3, 5}, o);
    const std::set<std::string> args(argv.begin(), argv.end());
    EXPECT_EQ(argv.front(), "sbatch");
    EXPECT_EQ(argv.back(), "/d/job.sh");
    EXPECT_TRUE(args.count("--array=2-3,5%3"));
    EXPECT_TRUE(args.count("--time=5:00"));
    for (const std::string& a : argv) {
        EXPECT_NE(a.rfind("--partition", 0), 0u) << "no partition was asked for";
        EXPECT_NE(a.rfind("--mem", 0), 0u) << "no memory was asked for";
    }
}

TEST(SlurmArray, ShellQuotingSurvivesQuotesAndSpaces) {
    EXPECT_EQ(slurm::shell_quote("a b"), "'a b'");
    EXPECT_EQ(slurm::shell_quote("it's"), "'it'\\''s'");
}

TEST(SlurmQueue, TheLatestSubmissionOfAnIndexDecidesItsState) {
    const std::string text = "7 0 COMPLETED\n7 1 CANCELLED\n7 2 CANCELLED\n9 1 RUNNING\n9 2 PENDING\n8 3 RUNNING\n";
    const auto tasks = slurm::parse_squeue(text, {"7", "9"});
    ASSERT_EQ(tasks.size(), 3u) << "job 8 is not this sweep's";
    EXPECT_EQ(tasks.at(0).state, "COMPLETED");
    EXPECT_EQ(tasks.at(1).state, "RUNNING");
    EXPECT_EQ(tasks.at(1).job, "9");
    EXPECT_EQ(tasks.at(2).state, "PENDING");
    EXPECT_TRUE(slurm::task_live("PENDING"));
    EXPECT_TRUE(slurm::task_live("COMPLETING"));
    EXPECT_FALSE(slurm::task_live("TIMEOUT"));
    EXPECT_FALSE(slurm::task_live("NODE_FAIL"));
}

TEST(SlurmQueue, AMalformedLineIsAnErrorNamingSqueue) {
    const UserError e = user_error_from([] { slurm::parse_squeue("7 x RUNNING\n", {"7"}); });
    EXPECT_EQ(e.code(), kExitUnavailable);
    EXPECT_EQ(std::string(e.what()).rfind("squeue: ", 0), 0u) << e.what();
}

TEST(SlurmClient, ItsErrorIsItsLastErrorLineWithoutTheClientsPrefix) {
    slurm::CommandResult r;
    r.status = 1;
    r.err = "sbatch: error: invalid partition specified: nope\n"
            "sbatch: error: Batch job submission failed: Invalid partition name specified\n";
    EXPECT_EQ(slurm::client_error("sbatch", r),
              "sbatch: Batch job submission failed: Invalid partition name specified");
    r.err.clear();
    EXPECT_EQ(slurm::client_error("squeue", r), "squeue: exited with status 1 and said nothing");
}

TEST(SlurmClient, AMissingClientIsOneLineNamingIt) {
    TempDir dir;
    const char* old = std::getenv("PATH");
    const std::string saved = old ? old : "";
    ::setenv("PATH", dir.path().c_str(), 1);  // no sbatch there
    const VmsimRun r = run_vmsim({"sweep", kSmoke, "--out", dir.path() + "/out", "--backend", "slurm"});
    ::setenv("PATH", saved.c_str(), 1);
    EXPECT_EQ(r.exit_code, kUnavailable) << describe(r);
    EXPECT_EQ(split_lines(r.err).size(), 1u) << r.err;
    EXPECT_TRUE(contains(r.err, "sbatch: not found")) << r.err;
}

TEST(SlurmClient, AnOutputDirectoryThatCannotBeWrittenIsRefusedBeforeAnyClientRuns) {
    TempDir dir;
    const char* old = std::getenv("PATH");
    const std::string saved = old ? old : "";
    ::setenv("PATH", dir.path().c_str(), 1);  // had sbatch run, it would be "not found" (69)
    const std::string file = dir.write("file", "");
    const VmsimRun r = run_vmsim({"sweep", kSmoke, "--out", file + "/out", "--backend", "slurm"});
    ::setenv("PATH", saved.c_str(), 1);
    EXPECT_EQ(r.exit_code, kCantCreate) << describe(r);
    EXPECT_EQ(split_lines(r.err).size(), 1u) << r.err;
}

TEST(SweepPoint, RunsExactlyThatPointAndWritesNoResults) {
    TempDir dir;
    const std::string all = dir.path() + "/all", one = dir.path() + "/one";
    ASSERT_EQ(run_vmsim({"sweep", kSmoke, "--out", all, "--jobs", "2"}).exit_code, 0);
    const VmsimRun r = run_vmsim({"sweep", kSmoke, "--out", one, "--point", "5"});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    const std::set<std::string> written = files_in(one + "/points");
    ASSERT_EQ(written.size(), 1u);
    const std::string id = *written.begin();
    // The sixth row of the whole sweep's results is the point written.
    EXPECT_EQ(column(csv_rows(all + "/results.csv"), "point").at(5) + ".json", id);
    auto simulated = [](const std::string& path) {  // host.* measures the host, not the point
        std::string kept;
        for (const std::string& line : split_lines(read_whole_file(path)))
            if (!contains(line, "\"host.")) kept += line + "\n";
        return kept;
    };
    EXPECT_EQ(simulated(one + "/points/" + id), simulated(all + "/points/" + id));
    EXPECT_FALSE(fs::exists(one + "/results.csv"));
}

TEST(SweepPoint, OutOfRangeOrAChangedSweepIsAnError) {
    TempDir dir;
    const VmsimRun far = run_vmsim({"sweep", kSmoke, "--out", dir.path(), "--point", "8"});
    EXPECT_EQ(far.exit_code, kUsage) << describe(far);
    EXPECT_TRUE(contains(far.err, "has 8 points")) << far.err;
    // A submission listed other points under these indices: the file changed since.
    dir.write("slurm/points.tsv", "0\t0000000000000000\told\n");
    const VmsimRun changed = run_vmsim({"sweep", kSmoke, "--out", dir.path(), "--point", "0"});
    EXPECT_EQ(changed.exit_code, kDataErr) << describe(changed);
    EXPECT_TRUE(contains(changed.err, "changed since it was submitted")) << changed.err;
    EXPECT_TRUE(files_in(dir.path() + "/points").empty()) << "nothing ran";
}

TEST(SweepBackendOptions, SlurmOptionsNeedTheSlurmBackend) {
    TempDir dir;
    for (const std::vector<std::string>& extra :
         {std::vector<std::string>{"--partition", "p"}, {"--max-parallel", "2"}, {"--backend", "pbs"},
          {"--backend", "slurm", "--max-parallel", "0"}, {"--point", "1", "--backend", "slurm"}}) {
        std::vector<std::string> args{"sweep", kSmoke, "--out", dir.path()};
        args.insert(args.end(), extra.begin(), extra.end());
        const VmsimRun r = run_vmsim(args);
        EXPECT_EQ(r.exit_code, kUsage) << extra.front() << "\n" << describe(r);
        EXPECT_EQ(split_lines(r.err).size(), 1u) << r.err;
    }
    const VmsimRun wait = run_vmsim({"sweep", kSmoke, "--out", dir.path(), "--wait"});
    EXPECT_EQ(wait.exit_code, kUsage) << describe(wait);
    EXPECT_TRUE(contains(wait.err, "no Slurm submission")) << wait.err;
}

// ---- a real single-node cluster ---------------------------------------------------------

class SlurmCluster : public ::testing::Test {
protected:
    void SetUp() override {
        // munged wants every directory above its socket searchable by all.
        fs::permissions(dir_.path(), fs::perms::others_exec | fs::perms::group_exec, fs::perm_options::add);
        state_ = dir_.path() + "/cluster";
        const slurm::CommandResult r =
            slurm::run_command({"bash", std::string(VMSIM_SOURCE_DIR) + "/scripts/slurm-local.sh", "start", state_});
        ASSERT_EQ(r.status, 0) << "the test cluster did not start: " << r.err << r.out;
        started_ = true;
        ::setenv("SLURM_CONF", (state_ + "/slurm.conf").c_str(), 1);
    }
    void TearDown() override {
        if (!started_) return;
        const slurm::CommandResult r =
            slurm::run_command({"bash", std::string(VMSIM_SOURCE_DIR) + "/scripts/slurm-local.sh", "stop", state_});
        EXPECT_EQ(r.status, 0) << r.err;
        ::unsetenv("SLURM_CONF");
    }

    // The job id in `vmsim sweep --backend slurm`'s "submitted Slurm job N: ..." line.
    static std::string job_of(const VmsimRun& r) {
        const std::string key = "submitted Slurm job ";
        const size_t at = r.out.find(key);
        if (at == std::string::npos) return "";
        return r.out.substr(at + key.size(), r.out.find(':', at) - at - key.size());
    }
    // Index -> state of every task of `job` squeue lists.
    static std::map<size_t, std::string> states(const std::string& job) {
        std::map<size_t, std::string> out;
        for (const auto& [index, task] : slurm::array_tasks({job})) out[index] = task.state;
        return out;
    }

    TempDir dir_;
    std::string state_;
    bool started_ = false;
};

TEST_F(SlurmCluster, ASweepRunThroughSlurmGivesTheLocalResultsByteForByte) {
    const std::string local = dir_.path() + "/local", cluster = dir_.path() + "/cluster-out";
    const VmsimRun l = run_vmsim({"sweep", kSmoke, "--out", local, "--jobs", "2"});
    ASSERT_EQ(l.exit_code, 0) << describe(l);
    const VmsimRun s =
        run_vmsim({"sweep", kSmoke, "--out", cluster, "--backend", "slurm", "--max-parallel", "4", "--mem", "200M",
                   "--time", "5", "--wait"},
                  "", 120);
    ASSERT_EQ(s.exit_code, 0) << describe(s);
    const std::string job = job_of(s);
    ASSERT_FALSE(job.empty()) << s.out;
    EXPECT_EQ(read_whole_file(cluster + "/results.csv"), read_whole_file(local + "/results.csv"));
    EXPECT_EQ(read_whole_file(cluster + "/results.jsonl"), read_whole_file(local + "/results.jsonl"));
    // One array, a task per point, each of which ran its point.
    std::set<std::string> logs;
    for (int i = 0; i < 8; ++i) logs.insert(job + "_" + std::to_string(i) + ".log");
    EXPECT_EQ(files_in(cluster + "/slurm/logs"), logs);
    EXPECT_TRUE(contains(read_whole_file(cluster + "/slurm/logs/" + job + "_5.log"), "point 5 ("))
        << "task 5 ran point 5";
}

TEST_F(SlurmCluster, CancelledMidwayThenResubmittedRunsOnlyTheMissingPoints) {
    // Point 1 runs long enough (about a second; the sanitizer build simulates some 50
    // times slower) to be cancelled while it runs; with one task at a time, points 2
    // and 3 are still pending then.
#if defined(__SANITIZE_ADDRESS__)
    const std::string period = "300000";
#else
    const std::string period = "15000000";
#endif
    const std::string file =
        dir_.write("s.cfg", "include = " VMSIM_CONFIGS "/machines/dec3100.cfg\n"
                            "sweep.program = " HELLO_ELF " " PLAT_TIMER_ELF " " CRC32_ELF " " QSORT_ELF "\n"
                            "timer.period = " + period + "\n");
    const std::string out = dir_.path() + "/out";
    const VmsimRun first = run_vmsim({"sweep", file, "--out", out, "--backend", "slurm", "--max-parallel", "1"});
    ASSERT_EQ(first.exit_code, 0) << describe(first);
    const std::string job = job_of(first);
    ASSERT_FALSE(job.empty()) << first.out;

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (states(job)[1] != "RUNNING" && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_EQ(states(job)[1], "RUNNING");
    ASSERT_EQ(slurm::run_command({"scancel", job}).status, 0);
    for (;;) {
        const auto now = states(job);
        if (std::none_of(now.begin(), now.end(), [](const auto& t) { return slurm::task_live(t.second); })) break;
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the array did not end after scancel";
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const std::set<std::string> kept = files_in(out + "/points");

    // Collected now: point 0 done, point 1 failed (its task was killed: its log and the
    // log's last line), points 2 and 3 missing.
    const VmsimRun partial = run_vmsim({"sweep", file, "--out", out});
    EXPECT_EQ(partial.exit_code, kTempFail) << describe(partial);
    const auto rows = csv_rows(out + "/results.csv");
    EXPECT_EQ(column(rows, "status"), (std::vector<std::string>{"ok", "failed", "missing", "missing"}));
    const std::string killed = column(rows, "message").at(1);
    EXPECT_TRUE(contains(killed, out + "/slurm/logs/" + job + "_1.log")) << killed;
    EXPECT_TRUE(contains(killed, "CANCELLED")) << killed;
    for (const std::string& name : files_in(out + "/points")) EXPECT_NE(name[0], '.') << "partial file " << name;
    ASSERT_EQ(kept.size(), 1u) << "only point 0 had finished";
    struct stat before {};
    ASSERT_EQ(::stat((out + "/points/" + *kept.begin()).c_str(), &before), 0);

    const VmsimRun second = run_vmsim({"sweep", file, "--out", out, "--backend", "slurm", "--wait"}, "", 120);
    ASSERT_EQ(second.exit_code, 0) << describe(second);
    const std::string job2 = job_of(second);
    ASSERT_FALSE(job2.empty()) << second.out;
    std::set<std::string> second_logs;
    for (const std::string& name : files_in(out + "/slurm/logs"))
        if (name.rfind(job2 + "_", 0) == 0) second_logs.insert(name);
    EXPECT_EQ(second_logs, (std::set<std::string>{job2 + "_1.log", job2 + "_2.log", job2 + "_3.log"}));
    struct stat after {};
    ASSERT_EQ(::stat((out + "/points/" + *kept.begin()).c_str(), &after), 0);
    EXPECT_TRUE(after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec)
        << "point 0 did not run again";
    EXPECT_EQ(after.st_ino, before.st_ino);
    EXPECT_EQ(column(csv_rows(out + "/results.csv"), "status"), (std::vector<std::string>(4, "ok")));
}

TEST_F(SlurmCluster, AnUnknownPartitionIsOneLineNamingSbatchAndItsMessage) {
    const VmsimRun r =
        run_vmsim({"sweep", kSmoke, "--out", dir_.path() + "/out", "--backend", "slurm", "--partition", "nosuch"});
    EXPECT_EQ(r.exit_code, kUnavailable) << describe(r);
    ASSERT_EQ(split_lines(r.err).size(), 1u) << r.err;
    EXPECT_EQ(r.err.rfind("sbatch: ", 0), 0u) << r.err;
    EXPECT_TRUE(contains(r.err, "Invalid partition name specified")) << r.err;
    EXPECT_FALSE(fs::exists(dir_.path() + "/out/slurm/jobs")) << "nothing was submitted";
}

}  // namespace
}  // namespace vmsim::testing
