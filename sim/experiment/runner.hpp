// Runs the points of an experiment, each in a forked child process, and keeps each
// point's report in a file of its own. Target-agnostic: what a point does is the
// caller's job callback (a simulation, for simulate.hpp).
//
// Why processes: SystemC allows one elaboration per process, so every simulation
// needs a fresh one; a crash or a hang of one point also cannot take the others down.
//
//   <dir>/points/<id>.json            the report of a point that ran to the end (the
//                                     job's result, or the error the job reported)
//   <dir>/points/.<id>.json.partial   a report being written; renamed over <id>.json
//                                     when complete, removed if its writer dies
//
// Point ids are chosen by the caller: a zero-padded index ("0003") or a slug of a
// label ("dec3100-unix", see point_slug()). An id is unique within a run, made of
// [A-Za-z0-9_.-] and does not start with '.'. The same id in a later run names the
// same file, which is what makes a sweep resumable (RunnerOptions::skip_finished).
//
// Guarantees of run_points():
//  - at most `jobs` children at once; children are collected in the order they end,
//    and the next point starts as soon as one has ended;
//  - a point that fails (its job reports an error or throws, its process exits
//    nonzero, dies by a signal or writes no report) is recorded with the reason while
//    the other points run on; what a failure means is the caller's decision;
//  - on SIGINT or SIGTERM to the parent (unless ignored when run_points() starts) and
//    on any exception in the parent, every child is killed and reaped and no partial
//    file is left in the points directory (finished points' files stay). A signal
//    then ends the process as that signal would have (default action re-raised), so
//    its exit status says "killed by SIGTERM"; an exception propagates.
//  - values survive exactly: text with any bytes (UTF-8), counters as uint64, doubles
//    as the shortest text that reads back as the same double.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace vmsim::experiment {

// ---- the child's side --------------------------------------------------------------

// A statistic's value as a model records it (stats::Stat::value).
using StatValue = std::variant<uint64_t, double, std::string>;

// What a job returns for its point.
struct PointReport {
    std::vector<std::pair<std::string, std::string>> config;  // the effective configuration: name, value text
    std::vector<std::pair<std::string, StatValue>> stats;     // in the order to keep; names unique
    std::string error;  // why the point failed ("guest error: ..."); empty if it did not
};

// Runs in the child process for point `index` (of the list given to run_points()).
// May throw: the exception's message becomes the point's error.
using PointJob = std::function<PointReport(size_t index)>;

// ---- the parent's side -------------------------------------------------------------

// A value as read back from a point file. Numbers keep their text exactly as written
// (a counter's digits, a double's shortest round-trip text).
struct PointValue {
    enum class Kind { Number, Text, Null } kind = Kind::Null;  // Null: a non-finite double
    std::string text;                                          // the number's text, or the text
};

enum class PointStatus {
    Finished,  // the job returned a report without an error
    Failed,    // the job reported an error or threw; its report file says why
    Crashed,   // the process died, exited nonzero or wrote no report; no file is left
    Skipped,   // RunnerOptions::skip_finished and its file already held a finished report
};

// One point's outcome. Asking it for a value it does not have is an error
// (UserError(kExitSoftware) naming the value and the point's label), never 0.
class PointResult {
public:
    std::string id, label;
    PointStatus status = PointStatus::Crashed;
    std::string error;  // why it failed; empty for Finished and Skipped
    std::vector<std::pair<std::string, std::string>> config;

    bool ok() const { return status == PointStatus::Finished || status == PointStatus::Skipped; }

    // Statistics, in the order the job listed them.
    void add_stat(std::string name, PointValue value);  // std::logic_error if the name repeats
    const std::vector<std::pair<std::string, PointValue>>& stats() const { return stats_; }
    bool has(std::string_view name) const { return index_.find(name) != index_.end(); }
    const PointValue& stat(std::string_view name) const;  // throws if absent
    uint64_t u64(std::string_view name) const;              // throws unless a counter (digits only)
    double number(std::string_view name) const;             // a counter or a double; NaN for null
    // The configuration value of `name`, as text or read as a number.
    const std::string& config_text(std::string_view name) const;
    double config_number(std::string_view name) const;

private:
    std::vector<std::pair<std::string, PointValue>> stats_;
    std::map<std::string, size_t, std::less<>> index_;
};

struct PointName {
    std::string id;     // the file name (see above)
    std::string label;  // names the point in messages; the id if empty
};

struct RunnerOptions {
    std::string dir;    // the points go to <dir>/points/ (created)
    unsigned jobs = 1;  // children at once (0 counts as 1)
    // Points whose file already holds a finished report are read back, not run
    // again (status Skipped). A failed point's file does not count: it runs again.
    bool skip_finished = false;
    // Called in the parent as each point ends, in completion order (progress). If it
    // throws, the running children are killed and the exception propagates.
    std::function<void(const PointResult&)> on_point_done;
    // Called after the children are gone and before a SIGINT/SIGTERM ends the process:
    // the caller's last chance to remove what it owns (a temporary points directory).
    std::function<void()> before_signal_exit;
};

// Runs every point (see the guarantees above); the results are in the order of `points`.
// Throws UserError before starting anything if an id is invalid or repeated, or the
// points directory cannot be made.
std::vector<PointResult> run_points(const std::vector<PointName>& points, const PointJob& job,
                                    const RunnerOptions& options);

// ---- point files -------------------------------------------------------------------

std::string points_dir(const std::string& dir);                           // <dir>/points
std::string point_file(const std::string& dir, const std::string& id);   // <dir>/points/<id>.json
std::string partial_point_file(const std::string& dir, const std::string& id);  // <dir>/points/.<id>.json.partial
// True if the point's file exists and holds a finished report (readable, no error):
// a resumable sweep does not run such a point again.
bool point_finished(const std::string& dir, const std::string& id);
// A lower-case slug of a label usable as an id: "DEC3100 unix" -> "dec3100-unix".
std::string point_slug(std::string_view label);

// The JSON text of a report, and the result read back from such text (`where` names
// the file in errors; UserError(kExitDataErr) "<where>: byte N: expected ...").
std::string point_json(const PointName& point, const PointReport& report);
PointResult parse_point_json(std::string_view text, const std::string& where);

}  // namespace vmsim::experiment
