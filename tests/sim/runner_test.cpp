// The experiment runner: points in child processes, collected as they end, failures
// recorded while the others run on, nothing left behind by a signal or an error.
// The jobs here are plain functions (no SystemC), run in the runner's children.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sim/common/errors.hpp"
#include "sim/experiment/runner.hpp"
#include "temp_dir.hpp"
#include "user_error.hpp"

namespace {

using namespace vmsim::experiment;
using vmsim::testing::TempDir;
using vmsim::testing::user_error_from;
namespace fs = std::filesystem;

std::vector<PointName> named(const std::vector<std::string>& ids) {
    std::vector<PointName> points;
    for (const auto& id : ids) points.push_back({id, "run " + id});
    return points;
}

RunnerOptions in(const std::string& dir, unsigned jobs) {
    RunnerOptions o;
    o.dir = dir;
    o.jobs = jobs;
    return o;
}

// Polls `done` every 10 ms for up to `seconds`.
template <typename F>
bool eventually(F done, double seconds = 20) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!done()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

std::set<std::string> files_in(const std::string& dir) {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
    return names;
}

// A job's child writes its pid (atomically) where the test can read it.
void record_pid(const std::string& dir, const std::string& id) {
    fs::create_directories(dir + "/pids");
    const std::string file = dir + "/pids/" + id;
    std::ofstream(file + ".tmp") << ::getpid();
    fs::rename(file + ".tmp", file);
}

std::vector<pid_t> recorded_pids(const std::string& dir) {
    std::vector<pid_t> pids;
    if (!fs::exists(dir + "/pids")) return pids;
    for (const auto& e : fs::directory_iterator(dir + "/pids")) {
        if (e.path().extension() == ".tmp") continue;
        pid_t pid = 0;
        std::ifstream(e.path()) >> pid;
        pids.push_back(pid);
    }
    return pids;
}

// A child stuck half-way through writing its report, as a killed writer leaves it.
[[noreturn]] void hang_with_partial_report(const std::string& dir, const std::string& id) {
    std::ofstream(partial_point_file(dir, id)) << "{\n  \"id\": ";
    record_pid(dir, id);
    for (;;) ::pause();
}

bool process_gone(pid_t pid) { return ::kill(pid, 0) == -1 && errno == ESRCH; }

PointReport counter_report(const std::string& name, uint64_t value) {
    PointReport r;
    r.stats.emplace_back(name, value);
    return r;
}

TEST(Runner, FailedPointsAreRecordedWithTheirReasonWhileTheOthersReport) {
    TempDir dir;
    const std::vector<std::string> ids = {"ok1", "reported", "throws", "killed", "exits", "ok2"};
    const auto results = run_points(
        named(ids),
        [&](size_t i) -> PointReport {
            const std::string& id = ids[i];
            if (id == "reported") {
                PointReport r = counter_report("cpu.instructions", 7);
                r.error = "guest error: bus error at 0x1000";
                return r;
            }
            if (id == "throws") throw std::runtime_error("dec9999.cfg:3: unknown key 'cpu.speed'");
            if (id == "killed") ::raise(SIGKILL);
            if (id == "exits") ::_exit(3);
            return counter_report("index", 100 + i);
        },
        in(dir.path(), 3));

    ASSERT_EQ(results.size(), ids.size());
    for (size_t i : {0u, 5u}) {
        EXPECT_EQ(results[i].status, PointStatus::Finished) << results[i].error;
        EXPECT_EQ(results[i].u64("index"), 100 + i);
    }
    EXPECT_EQ(results[1].status, PointStatus::Failed);
    EXPECT_EQ(results[1].error, "guest error: bus error at 0x1000");
    EXPECT_EQ(results[1].u64("cpu.instructions"), 7u) << "a reported failure keeps its statistics";
    EXPECT_EQ(results[2].status, PointStatus::Failed);
    EXPECT_EQ(results[2].error, "dec9999.cfg:3: unknown key 'cpu.speed'");
    EXPECT_EQ(results[3].status, PointStatus::Crashed);
    EXPECT_EQ(results[3].error, "killed by SIGKILL");
    EXPECT_EQ(results[4].status, PointStatus::Crashed);
    EXPECT_EQ(results[4].error, "exited with status 3 without writing its report");
    for (const auto& r : results) EXPECT_EQ(r.label, "run " + r.id);

    // A file for every point that reported, none for those that died.
    EXPECT_EQ(files_in(points_dir(dir.path())),
              (std::set<std::string>{"ok1.json", "reported.json", "throws.json", "ok2.json"}));
    EXPECT_TRUE(point_finished(dir.path(), "ok1"));
    EXPECT_FALSE(point_finished(dir.path(), "reported")) << "a failed point is not finished";
    EXPECT_FALSE(point_finished(dir.path(), "killed"));
}

// With two slots, a slow first point must not hold the queue: the fast points behind
// it run and are collected while it is still running. (Collected oldest-first, the
// second fast point could not start until the slow one ended.)
TEST(Runner, ChildrenAreCollectedInTheOrderTheyEnd) {
    TempDir dir;
    const std::vector<std::string> ids = {"slow", "fast1", "fast2", "fast3"};
    std::vector<std::string> order;
    RunnerOptions o = in(dir.path(), 2);
    o.on_point_done = [&](const PointResult& r) { order.push_back(r.id); };
    const auto results = run_points(
        named(ids),
        [&](size_t i) {
            if (i != 0) return counter_report("saw_last_fast", 0);
            const bool saw = eventually([&] { return fs::exists(point_file(dir.path(), "fast3")); }, 15);
            return counter_report("saw_last_fast", saw);
        },
        o);
    EXPECT_EQ(results[0].u64("saw_last_fast"), 1u) << "the last fast point ended while the slow one ran";
    // fast3 starts only once fast2 was collected, so fast1 and fast2 come first; fast3
    // and slow may end in either order (slow ends as soon as it sees fast3's file,
    // which can be before the parent has collected fast3).
    ASSERT_EQ(order.size(), 4u);
    EXPECT_EQ(order[0], "fast1");
    EXPECT_EQ(order[1], "fast2");
    EXPECT_EQ((std::set<std::string>{order[2], order[3]}), (std::set<std::string>{"fast3", "slow"}));
}

TEST(Runner, ValuesSurviveExactly) {
    TempDir dir;
    const std::string text = "tab\there, newline\nthere, \"quoted\" \\ back, \x01 ctrl, caf\xc3\xa9, \xf0\x9f\x98\x80";
    const uint64_t big = std::numeric_limits<uint64_t>::max();
    const std::vector<double> doubles = {0.1, 1.0 / 3, 1e300, 5e-324, -2.5, 0.0};
    const auto results = run_points(
        named({"p"}),
        [&](size_t) {
            PointReport r;
            r.config = {{"workload.args", text}, {"cpu.clock_mhz", "16.67"}};
            r.stats.emplace_back("big", big);
            for (size_t i = 0; i < doubles.size(); ++i) r.stats.emplace_back("d" + std::to_string(i), doubles[i]);
            r.stats.emplace_back("nan", std::nan(""));
            r.stats.emplace_back("text", text);
            return r;
        },
        in(dir.path(), 1));
    const PointResult& r = results.at(0);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.config_text("workload.args"), text);
    EXPECT_EQ(r.config_number("cpu.clock_mhz"), 16.67);
    EXPECT_EQ(r.u64("big"), big);
    for (size_t i = 0; i < doubles.size(); ++i) EXPECT_EQ(r.number("d" + std::to_string(i)), doubles[i]) << i;
    EXPECT_TRUE(std::isnan(r.number("nan")));
    EXPECT_EQ(r.stat("text").text, text);
    EXPECT_EQ(r.stat("text").kind, PointValue::Kind::Text);
    // In the order the job listed them.
    std::vector<std::string> names;
    for (const auto& [name, value] : r.stats()) names.push_back(name);
    EXPECT_EQ(names, (std::vector<std::string>{"big", "d0", "d1", "d2", "d3", "d4", "d5", "nan", "text"}));
}

TEST(Runner, AMissingStatisticIsAnErrorNamingItAndTheRun) {
    TempDir dir;
    const auto results = run_points({{"dec3100-unix", "DEC3100 unix"}},
                                    [](size_t) {
                                        PointReport r = counter_report("cpu.instructions", 5);
                                        r.stats.emplace_back("cpu.name", std::string("R3000"));
                                        return r;
                                    },
                                    in(dir.path(), 1));
    const PointResult& r = results.at(0);
    EXPECT_FALSE(r.has("cpu.instrutcions"));
    for (const auto& e : {user_error_from([&] { r.u64("cpu.instrutcions"); }),
                          user_error_from([&] { r.number("cpu.instrutcions"); })}) {
        EXPECT_NE(std::string(e.what()).find("cpu.instrutcions"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("DEC3100 unix"), std::string::npos) << e.what();
    }
    const auto not_a_counter = user_error_from([&] { r.u64("cpu.name"); });
    EXPECT_NE(std::string(not_a_counter.what()).find("cpu.name"), std::string::npos) << not_a_counter.what();
    EXPECT_NE(std::string(user_error_from([&] { r.config_text("cpu.prid"); }).what()).find("cpu.prid"),
              std::string::npos);
}

// The runner's own process gets SIGTERM while its children run: it kills and reaps
// them all, removes the half-written report, keeps the finished one, and dies by
// SIGTERM itself.
TEST(Runner, SigtermKillsEveryChildAndLeavesNoPartialFile) {
    TempDir dir;
    const std::vector<std::string> ids = {"fast", "slow1", "slow2", "slow3"};
    std::fflush(nullptr);
    const pid_t runner = ::fork();
    ASSERT_GE(runner, 0);
    if (runner == 0) {
        RunnerOptions o = in(dir.path(), 3);
        o.before_signal_exit = [&] { std::ofstream(dir.path() + "/cleaned-up") << "yes"; };
        run_points(
            named(ids),
            [&](size_t i) {
                if (i != 0) hang_with_partial_report(dir.path(), ids[i]);
                return counter_report("index", i);
            },
            o);
        ::_exit(0);  // not expected: the slow points never end
    }
    const bool running = eventually([&] { return recorded_pids(dir.path()).size() == 3; });
    ::kill(runner, SIGTERM);
    int status = 0;
    ASSERT_EQ(::waitpid(runner, &status, 0), runner);
    ASSERT_TRUE(running) << "the slow points never started";

    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << "status " << status;
    const auto pids = recorded_pids(dir.path());
    EXPECT_EQ(pids.size(), 3u);
    for (pid_t pid : pids) EXPECT_TRUE(process_gone(pid)) << "child " << pid << " still exists";
    EXPECT_EQ(files_in(points_dir(dir.path())), std::set<std::string>{"fast.json"});
    EXPECT_TRUE(fs::exists(dir.path() + "/cleaned-up")) << "before_signal_exit ran";
}

// An exception in the parent (here from the progress callback) kills and reaps the
// running children before it propagates.
TEST(Runner, AnExceptionInTheParentKillsEveryChildAndLeavesNoPartialFile) {
    TempDir dir;
    const std::vector<std::string> ids = {"slow1", "slow2", "fast"};
    RunnerOptions o = in(dir.path(), 3);
    o.on_point_done = [](const PointResult& r) { throw std::runtime_error("progress failed after " + r.id); };
    try {
        run_points(
            named(ids),
            [&](size_t i) {
                if (i != 2) hang_with_partial_report(dir.path(), ids[i]);
                eventually([&] { return recorded_pids(dir.path()).size() == 2; });
                return counter_report("index", i);
            },
            o);
        ADD_FAILURE() << "run_points returned";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "progress failed after fast");
    }
    const auto pids = recorded_pids(dir.path());
    EXPECT_EQ(pids.size(), 2u);
    for (pid_t pid : pids) EXPECT_TRUE(process_gone(pid)) << "child " << pid << " still exists";
    EXPECT_EQ(files_in(points_dir(dir.path())), std::set<std::string>{"fast.json"});
}

// A resumed run reads finished points back and runs the failed ones again.
TEST(Runner, SkipFinishedReadsFinishedPointsBackAndRunsFailedOnesAgain) {
    TempDir dir;
    const auto first = run_points(
        named({"a", "b"}),
        [](size_t i) {
            PointReport r = counter_report("run", 1);
            if (i == 1) r.error = "guest error: first time";
            return r;
        },
        in(dir.path(), 2));
    ASSERT_TRUE(first[0].ok());
    ASSERT_FALSE(first[1].ok());

    RunnerOptions o = in(dir.path(), 2);
    o.skip_finished = true;
    const auto second = run_points(named({"a", "b"}), [](size_t) { return counter_report("run", 2); }, o);
    EXPECT_EQ(second[0].status, PointStatus::Skipped);
    EXPECT_EQ(second[0].u64("run"), 1u);
    EXPECT_EQ(second[0].label, "run a");
    EXPECT_EQ(second[1].status, PointStatus::Finished);
    EXPECT_EQ(second[1].u64("run"), 2u);
}

// Without skip_finished a point runs again and a stale report never passes for the
// new run's (here: the new run dies without one).
TEST(Runner, AStaleReportIsRemovedBeforeItsPointRunsAgain) {
    TempDir dir;
    run_points(named({"a"}), [](size_t) { return counter_report("run", 1); }, in(dir.path(), 1));
    ASSERT_TRUE(point_finished(dir.path(), "a"));
    const auto again = run_points(named({"a"}), [](size_t) -> PointReport { ::_exit(0); }, in(dir.path(), 1));
    EXPECT_EQ(again[0].status, PointStatus::Crashed);
    EXPECT_EQ(again[0].error, "exited with status 0 without writing its report");
    EXPECT_FALSE(fs::exists(point_file(dir.path(), "a")));
}

TEST(Runner, BadOrRepeatedIdsAreRejectedBeforeAnythingRuns) {
    TempDir dir;
    const std::string marker = dir.path() + "/ran";
    auto job = [&](size_t) {
        std::ofstream(marker) << "ran";
        return PointReport{};
    };
    for (const auto& ids : std::vector<std::vector<std::string>>{{"../escape"}, {".hidden"}, {""}, {"a", "b", "a"}}) {
        const auto e = user_error_from([&] { run_points(named(ids), job, in(dir.path(), 2)); });
        EXPECT_NE(std::string(e.what()).find(ids.back()), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(marker));
}

TEST(PointFile, MalformedJsonNamesTheFileAndByte) {
    for (const char* text : {"{\"id\": \"a\", \"stats\": {\"x\": 1.}}", "{\"id\": \"a\\q\"}",
                             "{\"id\": \"a\", \"stats\": {\"x\": 1, \"x\": 2}}", "{\"label\": \"no id\"}",
                             "{\"id\": \"a\"} trailing", "{\"id\": \"\\ud800\"}"}) {
        const auto e = user_error_from([&] { parse_point_json(text, "p.json"); });
        EXPECT_EQ(e.code(), vmsim::kExitDataErr) << text;
        EXPECT_EQ(std::string(e.what()).rfind("p.json: byte ", 0), 0u) << e.what();
    }
}

TEST(PointFile, ReadsEveryJsonStringEscape) {
    const PointResult r = parse_point_json(
        "{\"id\": \"a\", \"future\": {\"x\": \"ignored\", \"y\": {\"z\": 1e5}}, \"stats\": {\"t\": \"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"}}",
        "p.json");
    EXPECT_EQ(r.stat("t").text, "\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80");
}

TEST(PointFile, SlugOfALabelIsAnId) {
    EXPECT_EQ(point_slug("DEC3100 unix"), "dec3100-unix");
    EXPECT_EQ(point_slug("  R3000 / 4 KB pages! "), "r3000-4-kb-pages");
}

}  // namespace
