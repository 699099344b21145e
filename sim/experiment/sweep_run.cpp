// Running a sweep: every point configured and checked up front, the points run on the
// experiment runner (resumable), results.csv and results.jsonl, progress, plots.
#include <unistd.h>

#include <fmt/format.h>

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

#include "sim/common/errors.hpp"
#include "sim/common/text.hpp"
#include "sim/experiment/csv.hpp"
#include "sim/experiment/plot.hpp"
#include "sim/loader/elf_loader.hpp"
#include "sim/experiment/simulate.hpp"
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

void write_results(const std::string& out, const SweepFile& f, const Plan& p,
                   const std::vector<SimulationResult>& results) {
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
        row.push_back(status_name(r));
        std::string line = fmt::format("{{\"point\": {}, \"status\": \"{}\"", stats::json_string(r.id), status_name(r));
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

}  // namespace

int run_sweep(const std::string& path, const SweepOptions& options) {
    const SweepFile f = read_sweep_file(path, options.build_dir);
    std::vector<config::Assignment> sets;
    for (const auto& s : options.overrides) sets.push_back(config::parse_override(s));
    const Plan p = plan(f, sets);
    check_derived_columns(f, p);
    check_plot_columns(f, p);
    if (!f.plots.empty()) find_gnuplot();  // not after an hour of simulation

    const fs::path file(path);
    const std::string out = !options.out_dir.empty() ? options.out_dir
                                                      : (file.parent_path() / (file.stem().string() + ".out")).string();
    stats::check_output_dir(out);  // before any point runs, with a real file
    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec) throw UserError(kExitCantCreate, fmt::format("cannot create {}: {}", out, ec.message()));
    stats::check_writable(out + "/results.csv");

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
    size_t failed = 0;
    int code = kExitOk;
    for (const auto& r : results) {
        if (r.ok()) continue;
        ++failed;
        code = r.status == PointStatus::Crashed || code == kExitSoftware ? kExitSoftware : kExitGuestError;
    }
    std::cout << fmt::format("wrote {0}/results.csv and {0}/results.jsonl ({1} points, {2} run now, {3} failed)\n",
                             out, results.size(), results.size() - finished, failed);
    if (f.plots.empty()) return code;
    // A plot that cannot be drawn (every point of it failed) does not hide the others
    // or the points' exit status.
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

}  // namespace vmsim::experiment
