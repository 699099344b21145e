// Running a sweep: every point configured and checked up front, the points run on the
// experiment runner (resumable), results.csv and results.jsonl, progress, plots.
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "sim/common/errors.hpp"
#include "sim/common/text.hpp"
#include "sim/experiment/csv.hpp"
#include "sim/experiment/plot.hpp"
#include "sim/loader/elf_loader.hpp"
#include "sim/experiment/simulate.hpp"
#include "sim/experiment/slurm.hpp"
#include "sim/experiment/sweep.hpp"
#include "sim/experiment/table.hpp"
#include "sim/platform/target.hpp"
#include "sim/stats/atomic_file.hpp"
#include "sim/stats/json.hpp"

namespace vmsim::experiment {
namespace {

namespace fs = std::filesystem;

// Statistics that measure the host, not the simulated machine: they differ between
// identical runs, so they stay in the point files and out of results.csv.
bool host_stat(const std::string& name) { return name.rfind("host.", 0) == 0; }

// FNV-1a, 64 bits: a stable digest for point ids (not for security).
uint64_t fnv1a(std::string_view data, uint64_t hash = 0xcbf29ce484222325ull) {
    for (unsigned char c : data) hash = (hash ^ c) * 0x100000001b3ull;
    return hash;
}

// A program's digest: of what the simulator loads (entry point, and each segment's
// addresses, size and bytes), so that a program rebuilt identically in another
// directory keeps its points (the file's symbols and debug sections hold build paths).
// A file that is not a loadable ELF is hashed whole; running it reports why.
std::string file_digest(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    const std::string data = bytes.str();
    try {
        const loader::ElfImage image = loader::parse_elf(reinterpret_cast<const uint8_t*>(data.data()), data.size(),
                                                         path, uint64_t{1} << 32);
        uint64_t h = fnv1a(fmt::format("entry {:08x}", image.entry));
        for (const loader::Segment& s : image.segments) {
            h = fnv1a(fmt::format("segment {:08x} {:08x} {:08x}", s.vaddr, s.paddr, s.memsz), h);
            h = fnv1a(std::string_view(reinterpret_cast<const char*>(s.bytes.data()), s.bytes.size()), h);
        }
        return fmt::format("{:016x}", h);
    } catch (const std::exception&) {
        return fmt::format("{:016x}", fnv1a(data));
    }
}

// An input file's digest (is_input_file_param): FNV-1a of its bytes, read in blocks (a trace may be
// gigabytes).
std::string input_digest(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> block(1 << 20);
    uint64_t h = 0xcbf29ce484222325ull;
    while (in) {
        in.read(block.data(), static_cast<std::streamsize>(block.size()));
        h = fnv1a(std::string_view(block.data(), static_cast<size_t>(in.gcount())), h);
    }
    return fmt::format("{:016x}", h);
}

struct Point {
    std::vector<std::string> values;  // per axis, as results.csv shows it
    SimulationSpec spec;
};

struct Plan {
    std::vector<Point> points;
    std::set<std::string> stat_names;  // every statistic the points' targets describe ("region.N.x")
};

// A statistic name as a target describes it matches `name` with its N placeholders
// standing for numbers.
bool matches_described(const std::string& described, const std::string& name) {
    size_t i = 0, j = 0;
    while (i < described.size() && j < name.size()) {
        const bool placeholder = described[i] == 'N' && (i == 0 || described[i - 1] == '.') &&
                                 (i + 1 == described.size() || described[i + 1] == '.');
        if (placeholder && std::isdigit(static_cast<unsigned char>(name[j]))) {
            while (j < name.size() && std::isdigit(static_cast<unsigned char>(name[j]))) ++j;
            ++i;
        } else if (described[i++] != name[j++]) {
            return false;
        }
    }
    return i == described.size() && j == name.size();
}

// A point's id: a digest of its effective configuration (sorted, so that the order
// parameters are declared in does not matter) and its program, by file name and by
// content (not by path: the same file named another way is the same point).
std::string point_id(Settings effective, const std::string& program_path, const std::string& program_digest,
                     std::map<std::string, std::string>& digests) {
    for (auto& [name, value] : effective) {
        if (!is_input_file_param(name) || value.empty() || value == "-") continue;
        auto digest = digests.find("input:" + value);
        if (digest == digests.end()) digest = digests.emplace("input:" + value, input_digest(value)).first;
        value = fs::path(value).filename().string() + " fnv1a=" + digest->second;
    }
    std::sort(effective.begin(), effective.end());
    std::string identity;
    for (const auto& [name, value] : effective) identity += name + "=" + value + "\n";
    identity += "program=" + fs::path(program_path).filename().string() + "\nprogram.fnv1a=" + program_digest + "\n";
    return fmt::format("{:016x}", fnv1a(identity));
}

// How results.csv and labels name the programs of the program axis: by file name,
// unless two share one (then as written).
std::vector<std::string> program_names(const Axis& axis) {
    std::vector<std::string> names;
    for (const std::string& path : axis.paths) names.push_back(fs::path(path).filename().string());
    const std::set<std::string> distinct(names.begin(), names.end());
    return distinct.size() == names.size() ? names : axis.values;
}

// platform::configure() for one point. An error that does not already start with the
// place of one of its assignments (a target's cross-parameter check) is given the
// sweep file and the point's label.
platform::Configured configure_point(const SweepFile& f, const std::vector<config::Assignment>& assignments,
                                     const std::string& label) {
    try {
        return platform::configure({}, assignments);
    } catch (const UserError& e) {
        const std::string message = e.what();
        for (const auto& a : assignments)
            if (message.rfind(a.where + ":", 0) == 0) throw;
        throw UserError(e.code(), fmt::format("{}: point {}: {}", f.path, label, message));
    }
}

Plan plan(const SweepFile& f, const std::vector<config::Assignment>& sets) {
    for (const auto& s : sets)
        for (const Axis& a : f.axes)
            if (s.key == a.name)
                throw UserError(kExitUsage, fmt::format("{}: {} is an axis of the sweep ({}); change the axis instead",
                                                        s.where, s.key, a.where));
    std::vector<size_t> lengths;
    std::vector<std::vector<std::string>> shown;  // per axis: its values as results.csv shows them
    for (const Axis& a : f.axes) {
        lengths.push_back(a.values.size());
        shown.push_back(a.name == kProgramKey || is_input_file_param(a.name) ? program_names(a) : a.values);
    }
    std::map<std::string, std::string> digests;  // program path -> digest of its bytes
    std::map<std::string, std::string> labels;   // point id -> label, to find two points that are one
    std::set<const platform::Target*> targets;
    Plan p;
    for (const std::vector<size_t>& index : expand_axes(lengths, f.zips)) {
        std::vector<config::Assignment> assignments = f.base;
        std::string program_path = f.program_path, label;
        for (size_t i = 0; i < f.axes.size(); ++i) {
            const Axis& a = f.axes[i];
            label += (label.empty() ? "" : " ") + a.name + "=" + shown[i][index[i]];
            if (a.name == kProgramKey) program_path = a.paths[index[i]];
            else assignments.push_back({a.name, a.paths.empty() ? a.values[index[i]] : a.paths[index[i]], a.where});
        }
        if (label.empty()) label = fs::path(f.path).stem().string();
        assignments.insert(assignments.end(), sets.begin(), sets.end());
        const platform::Configured c = configure_point(f, assignments, label);
        targets.insert(c.target);
        if (c.target->takes_program() && program_path.empty())
            throw UserError(kExitUsage, fmt::format("{}: point {}: no guest program: add 'program = FILE.elf' or "
                                                    "'sweep.program = A.elf B.elf'",
                                                    f.path, label));
        if (!c.target->takes_program() && !program_path.empty())
            throw UserError(kExitUsage, fmt::format("{}: point {}: target {} runs a workload compiled into vmsim (the "
                                                    "parameter workload), not a program: remove the program",
                                                    f.path, label, c.target->name()));

        Point point;
        for (size_t i = 0; i < f.axes.size(); ++i)
            point.values.push_back(f.axes[i].name == kProgramKey || !f.axes[i].paths.empty() ? shown[i][index[i]]
                                                                 : c.params.value_text(f.axes[i].name));
        auto digest = digests.find(program_path);
        if (digest == digests.end())
            digest = digests.emplace(program_path, program_path.empty() ? "" : file_digest(program_path)).first;
        const std::string id = point_id(c.params.effective(), program_path, digest->second, digests);
        const auto [seen, fresh] = labels.emplace(id, label);
        if (!fresh)
            throw UserError(kExitUsage, fmt::format("{}: points {} and {} have the same effective configuration",
                                                    f.path, vmsim::quoted(seen->second), vmsim::quoted(label)));

        point.spec.label = label;
        point.spec.elf = program_path;
        point.spec.id = id;
        for (const auto& a : assignments) point.spec.overrides.push_back(a.key + "=" + a.value);
        p.points.push_back(std::move(point));
    }
    for (const platform::Target* t : targets) {
        stats::Registry described;
        t->describe_stats(described);
        for (const stats::Stat& s : described.all()) p.stat_names.insert(s.name);
    }
    return p;
}

bool is_axis(const SweepFile& f, const std::string& c) {
    return std::any_of(f.axes.begin(), f.axes.end(), [&](const Axis& a) { return a.name == c; });
}
bool is_stat(const Plan& p, const std::string& c) {
    return !host_stat(c) && std::any_of(p.stat_names.begin(), p.stat_names.end(),
                                        [&](const std::string& s) { return matches_described(s, c); });
}
bool is_column(const SweepFile& f, const std::string& c) {
    return std::any_of(f.columns.begin(), f.columns.end(), [&](const DerivedColumn& d) { return d.name == c; });
}

// A derived column refers to axes and statistics only (not to other derived columns:
// their order would matter).
void check_derived_columns(const SweepFile& f, const Plan& p) {
    for (const DerivedColumn& d : f.columns)
        for (const std::string& n : d.expr.names())
            if (!is_axis(f, n) && !is_stat(p, n))
                throw UserError(kExitUsage, fmt::format("{}: column.{}: {} is neither an axis nor a statistic of "
                                                        "the target (vmsim help stats)",
                                                        d.where, d.name, vmsim::quoted(n)));
}

// Every column a plot names: x, y, and each of `by`'s.
std::vector<std::pair<const char*, std::string>> plot_columns(const SweepPlot& plot) {
    std::vector<std::pair<const char*, std::string>> out = {{"x", plot.x}, {"y", plot.y}};
    for (const std::string& b : plot_by_columns(plot.by)) out.emplace_back("by", b);
    return out;
}

// A plot column must be an axis, a result column, a derived column or a statistic the
// targets record.
void check_plot_columns(const SweepFile& f, const Plan& p) {
    for (const SweepPlot& plot : f.plots)
        for (const auto& [key, c] : plot_columns(plot)) {
            if (c.empty() || is_axis(f, c) || is_stat(p, c) || is_column(f, c) || c == "status" || c == "point")
                continue;
            throw UserError(kExitUsage,
                            fmt::format("{}: plot{}.{}: {} is neither an axis, a column nor a statistic in "
                                        "results.csv",
                                        plot.where, plot.name == "plot" ? "" : "." + plot.name, key,
                                        vmsim::quoted(c)));
        }
}

// ---- progress -----------------------------------------------------------------------

std::string clock_text(double seconds) {
    const long s = static_cast<long>(seconds + 0.5);
    return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
                     : fmt::format("{}:{:02}", s / 60, s % 60);
}

// The progress line on a terminal, redrawn in place as points end; failed points are
// reported on lines of their own whether or not there is a terminal.
class Progress {
public:
    Progress(bool draw, size_t total, size_t done) : draw_(draw), total_(total), done_(done), skipped_(done) {
        redraw();
    }

    void point_done(const PointResult& r) {
        ++done_;
        if (!r.ok()) {
            ++failed_;
            clear();
            std::fprintf(stderr, "vmsim sweep: %s: %s\n", r.label.c_str(),
                         printable(r.error, std::string::npos).c_str());  // the whole of our own message
        }
        redraw();
    }
    // Ends the line: the next output starts on a line of its own.
    void finish() {
        if (draw_ && drawn_) std::fputs("\n", stderr);
        drawn_ = false;
    }

private:
    void clear() {
        if (draw_ && drawn_) std::fputs("\r\033[K", stderr);
    }
    void redraw() {
        if (!draw_) return;
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        const size_t ran = done_ - skipped_;
        const std::string eta = ran ? clock_text(elapsed / static_cast<double>(ran) *
                                                 static_cast<double>(total_ - done_))
                                    : std::string("?");
        std::fprintf(stderr, "\r\033[Ksweep: %zu/%zu done, %zu failed, %s elapsed, ETA %s", done_, total_, failed_,
                     clock_text(elapsed).c_str(), eta.c_str());
        std::fflush(stderr);
        drawn_ = true;
    }

    bool draw_, drawn_ = false;
    size_t total_, done_, skipped_, failed_ = 0;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// ---- results ------------------------------------------------------------------------

const char* status_name(const PointResult& r) {
    return r.ok() ? "ok" : r.status == PointStatus::Failed ? "failed" : "crashed";
}

std::string cell(const PointValue& v) { return v.kind == PointValue::Kind::Null ? std::string() : v.text; }

std::string json_value(const PointValue& v) {
    if (v.kind == PointValue::Kind::Text) return stats::json_string(v.text);
    return v.kind == PointValue::Kind::Null ? "null" : v.text;
}

// The statistic columns: every name any point recorded, in the order of the first
// point that has it (deterministic: points are in run order), host.* left out.
std::vector<std::string> stat_columns(const std::vector<SimulationResult>& results) {
    std::vector<std::string> names;
    std::set<std::string> seen;
    for (const auto& r : results)
        for (const auto& [name, value] : r.stats())
            if (!host_stat(name) && seen.insert(name).second) names.push_back(name);
    return names;
}

// A derived column of one point; nullopt for a failed point or one that lacks a value.
std::optional<double> derived_value(const DerivedColumn& d, const SweepFile& f, const Point& point,
                                    const SimulationResult& r) {
    if (!r.ok()) return std::nullopt;
    return d.expr.eval([&](const std::string& name) -> std::optional<double> {
        for (size_t a = 0; a < f.axes.size(); ++a)
            if (f.axes[a].name == name) return csv_number(point.values[a]);
        if (!r.has(name)) return std::nullopt;
        const PointValue& v = r.stat(name);
        return v.kind == PointValue::Kind::Null ? std::nullopt : csv_number(v.text);
    });
}

// `missing`: per point, whether it has no result yet (a Slurm task still queued or never
// run): its status is "missing" and its message says why. Empty: none is.
void write_results(const std::string& out, const SweepFile& f, const Plan& p,
                   const std::vector<SimulationResult>& results, const std::vector<bool>& missing = {}) {
    const std::vector<std::string> stats = stat_columns(results);
    Document csv;
    std::vector<std::string> header;
    for (const Axis& a : f.axes) header.push_back(a.name);
    header.push_back("status");
    header.insert(header.end(), stats.begin(), stats.end());
    for (const DerivedColumn& d : f.columns) header.push_back(d.name);
    header.insert(header.end(), {"message", "point"});
    csv.csv_row(header);
    std::string jsonl;
    for (size_t i = 0; i < results.size(); ++i) {
        const SimulationResult& r = results[i];
        std::vector<std::string> row = p.points[i].values;
        const char* status = i < missing.size() && missing[i] ? "missing" : status_name(r);
        row.push_back(status);
        std::string line = fmt::format("{{\"point\": {}, \"status\": \"{}\"", stats::json_string(r.id), status);
        if (!r.error.empty()) line += ", \"message\": " + stats::json_string(r.error);
        line += ", \"params\": {";
        for (size_t a = 0; a < f.axes.size(); ++a)
            line += fmt::format("{}{}: {}", a ? ", " : "", stats::json_string(f.axes[a].name),
                                stats::json_string(p.points[i].values[a]));
        line += "}, \"stats\": {";
        const char* separator = "";
        for (const std::string& name : stats) {
            row.push_back(r.has(name) ? cell(r.stat(name)) : "");
            if (!r.has(name)) continue;
            line += fmt::format("{}{}: {}", separator, stats::json_string(name), json_value(r.stat(name)));
            separator = ", ";
        }
        line += "}, \"columns\": {";
        separator = "";
        for (const DerivedColumn& d : f.columns) {
            const auto v = derived_value(d, f, p.points[i], r);
            row.push_back(v ? fmt::format("{}", *v) : "");
            line += fmt::format("{}{}: {}", separator, stats::json_string(d.name), v ? fmt::format("{}", *v) : "null");
            separator = ", ";
        }
        row.insert(row.end(), {r.error, r.id});
        csv.csv_row(row);
        jsonl += line + "}}\n";
    }
    stats::write_file_atomically(out + "/results.csv", csv.csv());
    stats::write_file_atomically(out + "/results.jsonl", jsonl);
}

// The file's plots from results.csv. A plot that cannot be drawn (every point of it
// failed) does not hide the others or the points' exit status `code`; the result is
// `code`, or the plot's error code if `code` was kExitOk.
int draw_plots(const std::string& out, const SweepFile& f, int code) {
    if (f.plots.empty()) return code;
    const CsvTable csv = read_csv(out + "/results.csv");
    for (const SweepPlot& plot : f.plots) {
        try {
            const PlotFiles files =
                plot_csv(csv, {plot.x, plot.y, plot.by, plot.title, plot.logx, plot.logy}, out + "/" + plot.name);
            std::cout << "wrote " << files.svg << " and " << files.png << "\n";
        } catch (const UserError& e) {
            std::cerr << "vmsim sweep: " << plot.where << ": " << e.what() << "\n";
            if (code == kExitOk) code = e.code();
        }
    }
    return code;
}

// The exit code for the points' results: a crash outranks a failure.
int results_code(const std::vector<SimulationResult>& results) {
    int code = kExitOk;
    for (const auto& r : results)
        if (!r.ok()) code = r.status == PointStatus::Crashed || code == kExitSoftware ? kExitSoftware : kExitGuestError;
    return code;
}

// ---- one point (a Slurm task) -------------------------------------------------------

std::string slurm_dir(const std::string& out) { return out + "/slurm"; }
std::string point_list_file(const std::string& out) { return slurm_dir(out) + "/points.tsv"; }

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> text_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// points.tsv: "index <TAB> id <TAB> label" per point, what the submitted tasks run.
std::string point_list(const Plan& p) {
    std::string text;
    for (size_t i = 0; i < p.points.size(); ++i)
        text += fmt::format("{}\t{}\t{}\n", i, p.points[i].spec.id, printable(p.points[i].spec.label));
    return text;
}

// Runs point `index` alone, as a Slurm task does. When a submission's point list is in
// `out`, the point must be the one submitted: a sweep file edited since would
// otherwise run another point under this index.
int run_one_point(const std::string& out, const std::string& path, const Plan& p, long index) {
    if (index < 0 || static_cast<size_t>(index) >= p.points.size())
        throw UserError(kExitUsage, fmt::format("--point {}: {} has {} points (0 to {})", index, path,
                                                p.points.size(), p.points.size() - 1));
    const size_t i = static_cast<size_t>(index);
    const Point& point = p.points[i];
    const std::vector<std::string> listed = text_lines(read_text(point_list_file(out)));
    if (!listed.empty() && (listed.size() <= i || listed[i] != text_lines(point_list(p))[i]))
        throw UserError(kExitDataErr, fmt::format("--point {}: {} has changed since it was submitted: the point is now "
                                                  "{} (id {}), {} lists another; submit again",
                                                  index, path, vmsim::quoted(point.spec.label), point.spec.id,
                                                  point_list_file(out)));
    RunnerOptions ro;
    ro.dir = out;
    ro.jobs = 1;
    ro.skip_finished = true;
    const auto start = std::chrono::steady_clock::now();
    const std::vector<SimulationResult> results = simulate_points({point.spec}, ro);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const SimulationResult& r = results.front();
    if (r.status == PointStatus::Skipped)
        std::cout << fmt::format("point {} ({}): already finished in {}\n", index, r.label, point_file(out, r.id));
    else if (r.ok())
        std::cout << fmt::format("point {} ({}): ok in {:.2f} s: {}\n", index, r.label, seconds,
                                 point_file(out, r.id));
    else
        std::cerr << fmt::format("vmsim sweep: point {} ({}): {}\n", index, r.label,
                                 printable(r.error, std::string::npos));
    return results_code(results);
}

// ---- Slurm: submitting, waiting, collecting ----------------------------------------

// One submission, a line of <out>/slurm/jobs: "JOBID <TAB> ARRAY".
struct Submission {
    std::string job, array;
};

std::string jobs_file(const std::string& out) { return slurm_dir(out) + "/jobs"; }

std::vector<Submission> read_submissions(const std::string& out) {
    std::vector<Submission> subs;
    for (const std::string& line : text_lines(read_text(jobs_file(out)))) {
        const size_t tab = line.find('\t');
        if (!line.empty()) subs.push_back({line.substr(0, tab), tab == std::string::npos ? "" : line.substr(tab + 1)});
    }
    return subs;
}

std::vector<std::string> job_ids(const std::vector<Submission>& subs) {
    std::vector<std::string> ids;
    for (const Submission& s : subs) ids.push_back(s.job);
    return ids;
}

std::string log_file(const std::string& out, const std::string& job, size_t index) {
    return fmt::format("{}/logs/{}_{}.log", slurm_dir(out), job, index);
}

// The last line of a task's log that is not blank, shown as is (printable).
std::string last_log_line(const std::string& path) {
    std::string last;
    for (const std::string& line : text_lines(read_text(path)))
        if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
    return last.empty() ? "(empty)" : printable(last);
}

// What is known of each point: its result, or why it has none.
struct Collected {
    std::vector<SimulationResult> results;
    std::vector<bool> missing;
    size_t done = 0, failed = 0, running = 0, pending = 0, not_run = 0;
};

// Reads what the points' files and the controller say. A task that ended without a
// file is a failed point, with its log's path and last line; its partial file, if the
// task was killed before it could remove it, is removed.
Collected collect(const std::string& out, const Plan& p, const std::vector<Submission>& subs,
                  const std::map<size_t, slurm::TaskState>& tasks) {
    Collected c;
    for (size_t i = 0; i < p.points.size(); ++i) {
        const SimulationSpec& spec = p.points[i].spec;
        SimulationResult r;
        bool read = false;
        const std::string file = point_file(out, spec.id);
        if (::access(file.c_str(), F_OK) == 0) {
            try {
                r = parse_point_json(read_text(file), file);
                read = true;
            } catch (const UserError&) {
                // cut short: as if it had not run
            }
        }
        const auto task = tasks.find(i);
        const bool live = task != tasks.end() && slurm::task_live(task->second.state);
        bool missing = false;
        if (!read || (!r.ok() && live)) {  // a failed point's file stays until its new task starts
            r = SimulationResult{};
            r.status = PointStatus::Failed;
            // The log of the task the controller knows for this point (its latest), else
            // of the latest submission that left one (the controller forgets ended jobs).
            std::string log;
            for (auto s = subs.rbegin(); s != subs.rend() && log.empty() && !live; ++s)
                if ((task == tasks.end() || task->second.job == s->job) &&
                    ::access(log_file(out, s->job, i).c_str(), F_OK) == 0)
                    log = log_file(out, s->job, i);
            if (live) {
                missing = true;
                (task->second.state == "PENDING" ? c.pending : c.running)++;
                r.error = fmt::format("{} in Slurm job {}", task->second.state, task->second.job);
            } else if (!log.empty()) {
                ::unlink(partial_point_file(out, spec.id).c_str());
                r.error = fmt::format("Slurm task ended without a result{}; log {}: {}",
                                      task != tasks.end() ? " (" + task->second.state + ")" : "", log,
                                      last_log_line(log));
            } else {
                missing = true;
                ++c.not_run;
                r.error = task != tasks.end()
                              ? fmt::format("not run: {} in Slurm job {} before it started", task->second.state,
                                            task->second.job)
                              : "not run: not submitted to Slurm";
            }
        }
        r.id = spec.id;
        r.label = spec.label;
        if (!missing) ++(r.ok() ? c.done : c.failed);
        c.results.push_back(std::move(r));
        c.missing.push_back(missing);
    }
    return c;
}

// Polls the controller until no task of `subs` may still run; on a terminal, a progress
// line. The interval grows from a quarter of a second to two (a sweep of small points
// is done in seconds; a long one need not ask the controller often).
void wait_for(const std::string& out, const Plan& p, const std::vector<Submission>& subs, bool draw) {
    const auto start = std::chrono::steady_clock::now();
    double interval = 0.25;
    const std::string jobs = fmt::format("{}", fmt::join(job_ids(subs), ","));
    for (;;) {
        const auto tasks = slurm::array_tasks(job_ids(subs));
        const bool any_live = std::any_of(tasks.begin(), tasks.end(),
                                          [](const auto& t) { return slurm::task_live(t.second.state); });
        if (draw) {
            const Collected c = collect(out, p, subs, tasks);
            const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            std::fprintf(stderr, "\r\033[Ksweep: Slurm job %s: %zu/%zu done, %zu running, %zu pending, %zu failed, %s",
                         jobs.c_str(), c.done, p.points.size(), c.running, c.pending, c.failed,
                         clock_text(elapsed).c_str());
            if (!any_live) std::fputs("\n", stderr);
            std::fflush(stderr);
        }
        if (!any_live) return;
        std::this_thread::sleep_for(std::chrono::duration<double>(interval));
        interval = std::min(2.0, interval * 1.5);
    }
}

// Collects a Slurm sweep: results.csv and results.jsonl from what is there, plots, and
// a line on what is missing.
int collect_slurm(const std::string& out, const std::string& path, const SweepFile& f, const Plan& p,
                  const std::vector<Submission>& subs) {
    const bool all_finished = std::all_of(p.points.begin(), p.points.end(),
                                          [&](const Point& pt) { return point_finished(out, pt.spec.id); });
    // A sweep whose points have all finished is collected without asking the controller
    // (a machine without Slurm's clients can collect a copied directory).
    const auto tasks = all_finished ? std::map<size_t, slurm::TaskState>{} : slurm::array_tasks(job_ids(subs));
    const Collected c = collect(out, p, subs, tasks);
    write_results(out, f, p, c.results, c.missing);
    const size_t missing = c.running + c.pending + c.not_run;
    std::cout << fmt::format("wrote {0}/results.csv and {0}/results.jsonl ({1} points: {2} done, {3} failed, {4} "
                             "missing)\n",
                             out, p.points.size(), c.done, c.failed, missing);
    std::vector<SimulationResult> present;
    for (size_t i = 0; i < c.results.size(); ++i)
        if (!c.missing[i]) present.push_back(c.results[i]);
    int code = draw_plots(out, f, results_code(present));
    if (missing) {
        std::cerr << fmt::format("vmsim sweep: {} of {} points have no result yet ({} running, {} pending, {} not "
                                 "run): collect again later (--wait waits), or submit the points not run with: "
                                 "vmsim sweep {} --out {} --backend slurm\n",
                                 missing, p.points.size(), c.running, c.pending, c.not_run, path, out);
        code = kExitTempFail;
    }
    return code;
}

// The batch script: task i runs point i with this binary, the same file, options and
// build tree, by absolute paths (a task starts in the output directory, on another node).
std::string job_script(const std::string& path, const std::string& out, const SweepOptions& o) {
    const std::string binary =
        !o.vmsim_binary.empty() ? o.vmsim_binary : fs::read_symlink("/proc/self/exe").string();
    std::string command = fmt::format("exec {} sweep {} --out {} --jobs 1", slurm::shell_quote(binary),
                                      slurm::shell_quote(fs::absolute(path).lexically_normal().string()),
                                      slurm::shell_quote(out));
    if (!o.build_dir.empty())
        command += " --build-dir " + slurm::shell_quote(fs::absolute(o.build_dir).lexically_normal().string());
    for (const std::string& s : o.overrides) command += " --set " + slurm::shell_quote(s);
    return "#!/bin/sh\n"
           "# Written by `vmsim sweep --backend slurm`: task N of the job array runs point N of the\n"
           "# sweep (points.tsv beside this file), writing its result into the points/ directory.\n" +
           command + " --point \"$SLURM_ARRAY_TASK_ID\"\n";
}

// Submits the points that have no finished file and are not queued or running in an
// earlier submission, as one job array; with `wait`, then waits and collects.
int submit_slurm(const std::string& out, const std::string& path, const SweepFile& f, const Plan& p,
                 const SweepOptions& o) {
    std::error_code ec;
    fs::create_directories(slurm_dir(out) + "/logs", ec);
    if (ec) throw UserError(kExitCantCreate, fmt::format("cannot create {}/logs: {}", slurm_dir(out), ec.message()));
    std::vector<Submission> subs = read_submissions(out);
    const auto tasks = slurm::array_tasks(job_ids(subs));
    std::vector<size_t> to_submit;
    size_t queued = 0;
    for (size_t i = 0; i < p.points.size(); ++i) {
        if (point_finished(out, p.points[i].spec.id)) continue;
        const auto t = tasks.find(i);
        if (t != tasks.end() && slurm::task_live(t->second.state)) ++queued;
        else to_submit.push_back(i);
    }
    if (to_submit.empty()) {
        std::cout << fmt::format("nothing to submit: {} points finished, {} queued or running\n",
                                 p.points.size() - queued, queued);
    } else {
        stats::write_file_atomically(point_list_file(out), point_list(p));
        const std::string script = slurm_dir(out) + "/job.sh";
        stats::write_file_atomically(script, job_script(path, out, o));
        slurm::SubmitOptions so;
        so.script = script;
        so.job_name = "vmsim-" + fs::path(path).stem().string();
        so.workdir = out;
        so.output = slurm_dir(out) + "/logs/%A_%a.log";
        so.partition = o.slurm.partition;
        so.time = o.slurm.time;
        so.mem = o.slurm.mem;
        so.max_parallel = o.slurm.max_parallel;
        const std::string job = slurm::submit_array(to_submit, so);
        subs.push_back({job, slurm::array_ranges(to_submit)});
        std::string record;
        for (const Submission& s : subs) record += s.job + "\t" + s.array + "\n";
        stats::write_file_atomically(jobs_file(out), record);
        std::cout << fmt::format("submitted Slurm job {}: {} of {} points (array {}); logs {}/logs/{}_<point>.log\n",
                                 job, to_submit.size(), p.points.size(), subs.back().array, slurm_dir(out), job);
    }
    if (!o.slurm.wait) {
        if (!to_submit.empty() || queued)
            std::cout << fmt::format("collect the results with: vmsim sweep {} --out {} (--wait to wait)\n", path, out);
        return to_submit.empty() && !queued ? collect_slurm(out, path, f, p, subs) : kExitOk;
    }
    wait_for(out, p, subs, o.progress);
    return collect_slurm(out, path, f, p, subs);
}

}  // namespace

int run_sweep(const std::string& path, const SweepOptions& options) {
    const SweepFile f = read_sweep_file(path, options.build_dir);
    std::vector<config::Assignment> sets;
    for (const auto& s : options.overrides) sets.push_back(config::parse_override(s));
    const Plan p = plan(f, sets);
    check_derived_columns(f, p);
    check_plot_columns(f, p);
    // Not after an hour of simulation (a task runs one point and draws nothing).
    if (!f.plots.empty() && options.point < 0) find_gnuplot();

    const fs::path file(path);
    const std::string out = !options.out_dir.empty() ? options.out_dir
                                                      : (file.parent_path() / (file.stem().string() + ".out")).string();
    stats::check_output_dir(out);  // before any point runs, with a real file
    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec) throw UserError(kExitCantCreate, fmt::format("cannot create {}: {}", out, ec.message()));
    if (options.point >= 0) return run_one_point(out, path, p, options.point);
    stats::check_writable(out + "/results.csv");

    const bool submitted = fs::exists(jobs_file(out), ec);
    if (options.backend == SweepBackend::Slurm)  // the tasks find it by its absolute path
        return submit_slurm(fs::absolute(out).lexically_normal().string(), path, f, p, options);
    if (options.slurm.wait && !submitted)
        throw UserError(kExitUsage, fmt::format("--wait: {} holds no Slurm submission (submit with --backend slurm)",
                                                out));
    if (options.backend == SweepBackend::Default && submitted) {
        const std::vector<Submission> subs = read_submissions(out);
        if (options.slurm.wait) wait_for(out, p, subs, options.progress);
        return collect_slurm(out, path, f, p, subs);
    }

    std::vector<SimulationSpec> specs;
    size_t finished = 0;
    for (const Point& point : p.points) {
        specs.push_back(point.spec);
        finished += point_finished(out, point.spec.id);
    }
    Progress progress(options.progress, specs.size(), finished);
    RunnerOptions ro;
    ro.dir = out;
    ro.jobs = options.jobs;
    ro.skip_finished = true;
    ro.on_point_done = [&](const PointResult& r) { progress.point_done(r); };
    ro.before_signal_exit = [&] { progress.finish(); };
    const std::vector<SimulationResult> results = simulate_points(specs, ro);
    progress.finish();

    write_results(out, f, p, results);
    const size_t failed = std::count_if(results.begin(), results.end(), [](const auto& r) { return !r.ok(); });
    std::cout << fmt::format("wrote {0}/results.csv and {0}/results.jsonl ({1} points, {2} run now, {3} failed)\n",
                             out, results.size(), results.size() - finished, failed);
    return draw_plots(out, f, results_code(results));
}

}  // namespace vmsim::experiment
