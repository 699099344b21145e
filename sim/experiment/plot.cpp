// `vmsim plot`: CSV in, gnuplot data and script out, gnuplot run as a child process.
#include "sim/experiment/plot.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "sim/common/errors.hpp"
#include "sim/common/text.hpp"
#include "sim/stats/atomic_file.hpp"

namespace vmsim::experiment {
namespace {

namespace fs = std::filesystem;

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// A cell that is a finite number as a whole (csv_number), into `value`.
bool number(const std::string& text, double& value) {
    const auto v = csv_number(text);
    if (v) value = *v;
    return v.has_value();
}

// Text drawn or written into the data file: on one line, and whole.
std::string one_line(const std::string& text) { return printable(text, std::string::npos); }

// Text inside a gnuplot single-quoted string: no escapes but '' for '.
std::string gp_quote(const std::string& text) {
    std::string out = "'";
    for (char c : one_line(text)) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

// ---- the data ---------------------------------------------------------------------

struct Point {
    double x;               // the number, or the category's index
    std::string x_text, y;  // as written in the CSV
};

struct Series {
    std::string title;
    std::vector<Point> points;
};

struct PlotData {
    std::vector<Series> series;
    std::vector<std::string> categories;  // x values when x is not numeric
    size_t skipped = 0;                   // rows left out
};

PlotData collect(const CsvTable& csv, const PlotSpec& spec) {
    const size_t x = csv.column(spec.x), y = csv.column(spec.y);
    std::vector<size_t> by;  // one series per combination of their values
    const std::vector<std::string> by_names = plot_by_columns(spec.by);
    for (const std::string& name : by_names) by.push_back(csv.column(name));
    const auto status = std::find(csv.header.begin(), csv.header.end(), "status");
    std::vector<const std::vector<std::string>*> rows;
    PlotData d;
    for (const auto& row : csv.rows) {
        double v = 0;
        const bool ok = status == csv.header.end() || row[static_cast<size_t>(status - csv.header.begin())] == "ok";
        if (ok && number(row[y], v)) rows.push_back(&row);
        else ++d.skipped;
    }
    const bool numeric_x = std::all_of(rows.begin(), rows.end(), [&](const auto* row) {
        double v = 0;
        return number((*row)[x], v);
    });
    for (const auto* row : rows) {
        std::string title = by.empty() ? spec.y : std::string();
        // One column: its value; several: "name=value, ..." with each name's last part.
        for (size_t i = 0; i < by.size(); ++i) {
            if (by.size() == 1) {
                title = (*row)[by[i]];
                break;
            }
            const std::string& n = by_names[i];
            title += fmt::format("{}{}={}", i ? ", " : "", n.substr(n.rfind('.') + 1), (*row)[by[i]]);
        }
        auto s = std::find_if(d.series.begin(), d.series.end(), [&](const Series& s) { return s.title == title; });
        if (s == d.series.end()) s = d.series.insert(d.series.end(), Series{title, {}});
        double xv = 0;
        if (numeric_x) {
            number((*row)[x], xv);
        } else {
            auto c = std::find(d.categories.begin(), d.categories.end(), (*row)[x]);
            if (c == d.categories.end()) c = d.categories.insert(d.categories.end(), (*row)[x]);
            xv = static_cast<double>(c - d.categories.begin());
        }
        s->points.push_back({xv, (*row)[x], (*row)[y]});
    }
    for (Series& s : d.series)
        std::stable_sort(s.points.begin(), s.points.end(), [](const Point& a, const Point& b) { return a.x < b.x; });
    return d;
}

// One block per series (gnuplot's `index`), two blank lines apart.
std::string data_text(const CsvTable& csv, const PlotSpec& spec, const PlotData& d) {
    std::string out = fmt::format("# {} against {} from {}\n", spec.y, spec.x, csv.path);
    for (size_t i = 0; i < d.series.size(); ++i) {
        if (i) out += "\n\n";
        out += fmt::format("# index {}: {}\n", i, one_line(d.series[i].title));
        for (const Point& p : d.series[i].points) {
            if (d.categories.empty()) {
                out += fmt::format("{} {}\n", p.x_text, p.y);
                continue;
            }
            std::string label = one_line(p.x_text);
            std::replace(label.begin(), label.end(), '"', '\'');
            out += fmt::format("{} {} \"{}\"\n", static_cast<size_t>(p.x), p.y, label);
        }
    }
    return out;
}

// A sweep has a few x values: ticks exactly there read better than round numbers
// (powers of two on a log axis especially).
std::string xtics_at_values(const PlotData& d) {
    std::vector<std::pair<double, std::string>> values;
    for (const Series& s : d.series)
        for (const Point& p : s.points) values.emplace_back(p.x, p.x_text);
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end(),
                             [](const auto& a, const auto& b) { return a.first == b.first; }),
                 values.end());
    if (values.size() > 16) return {};
    std::string tics;
    for (const auto& [x, text] : values) tics += fmt::format("{}{} {}", tics.empty() ? "" : ", ", gp_quote(text), text);
    return fmt::format("set xtics ({})\n", tics);
}

std::string script_text(const CsvTable& csv, const PlotSpec& spec, const PlotData& d, const std::string& stem) {
    const std::string title =
        !spec.title.empty() ? spec.title : spec.by.empty() ? spec.y : fmt::format("{} by {}", spec.y, spec.by);
    std::string s =
        fmt::format("# Drawn by `vmsim plot` from {}; edit and redraw with: gnuplot {}.gp\n", csv.path, stem);
    s += fmt::format("set title {}\n", gp_quote(title));
    s += fmt::format("set xlabel {}\nset ylabel {}\n", gp_quote(axis_label(spec.x)), gp_quote(axis_label(spec.y)));
    s += "set grid\n";
    if (spec.by.empty()) s += "set key off\n";
    else s += fmt::format("set key outside right top title {}\n", gp_quote(spec.by));
    if (spec.logx) s += "set logscale x\n";
    if (spec.logy) s += "set logscale y\n";
    if (!d.categories.empty()) s += "set xtics rotate by -30\nset offsets 0.5, 0.5, 0, 0\n";
    else s += "set autoscale xfix\nset offsets graph 0.03, graph 0.03, 0, 0\n" + xtics_at_values(d);
    const std::string using_ = d.categories.empty() ? "1:2" : "1:2:xtic(3)";
    std::string plot = "plot";
    for (size_t i = 0; i < d.series.size(); ++i)
        plot += fmt::format("{} {} index {} using {} with linespoints title {}", i ? ", \\\n    " : "",
                            gp_quote(stem + ".dat"), i, using_, gp_quote(d.series[i].title));
    s += fmt::format("set terminal svg size 800,500 dynamic noenhanced font 'sans,12'\nset output {}\n{}\n",
                     gp_quote(stem + ".svg"), plot);
    s += fmt::format("set terminal pngcairo size 800,500 noenhanced font 'sans,10'\nset output {}\nreplot\n",
                     gp_quote(stem + ".png"));
    return s + "unset output\n";
}

// ---- gnuplot ------------------------------------------------------------------------

std::string find_on_path(const std::string& program) {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const fs::path candidate = fs::path(dir.empty() ? "." : dir) / program;
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    return {};
}

// Runs `gnuplot script` in `dir`; returns its exit status and what it wrote on stderr.
std::pair<int, std::string> run_gnuplot(const std::string& gnuplot, const std::string& dir, const std::string& script) {
    int err[2];
    if (::pipe(err) != 0) throw UserError(kExitSoftware, std::string("pipe: ") + std::strerror(errno));
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw UserError(kExitSoftware, std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        const int null = ::open("/dev/null", O_RDWR);
        if (null < 0 || ::dup2(null, 0) < 0 || ::dup2(null, 1) < 0 || ::dup2(err[1], 2) < 0 ||
            ::chdir(dir.c_str()) != 0)
            ::_exit(127);
        ::close(err[0]);
        ::execl(gnuplot.c_str(), "gnuplot", script.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(err[1]);
    std::string text;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(err[0], buffer, sizeof buffer);
        if (n > 0) text.append(buffer, static_cast<size_t>(n));
        else if (n == 0 || errno != EINTR) break;
    }
    ::close(err[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), text};
}

// gnuplot's complaint without blank lines and the echo of the offending script line.
std::string first_complaint(const std::string& text) {
    std::istringstream in(text);
    std::string fallback;
    for (std::string line; std::getline(in, line);) {
        const auto start = line.find_first_not_of(" \t^");
        if (start == std::string::npos) continue;
        if (line.find("line ") != std::string::npos || line.find("warning") != std::string::npos ||
            line.find("rror") != std::string::npos)
            return printable(line.substr(start));
        if (fallback.empty()) fallback = printable(line.substr(start));
    }
    return fallback.empty() ? "no message" : fallback;
}

}  // namespace

std::vector<std::string> plot_by_columns(const std::string& by) {
    std::vector<std::string> out;
    std::istringstream in(by);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

std::string axis_label(const std::string& column) {
    // By the conventions of vmsim's parameter and statistic names (docs/parameters.md,
    // docs/statistics.md): first match wins.
    struct Unit {
        const char* suffix;
        const char* unit;
    };
    static const Unit units[] = {
        {".cycles", "cycles"}, {"_cycles", "cycles"}, {"_stall", "cycles"}, {"_latency", "cycles"},
        {"timer.period", "cycles"}, {"_mhz", "MHz"}, {".seconds", "s"}, {".mips", "MIPS"},
        {".instructions", "instructions"}, {".size", "bytes"}, {".line", "bytes"}, {"_bytes", "bytes"},
        {"_entries", "entries"}, {".depth", "entries"}, {"_refills", "refills"}, {"_threshold", "pages"},
        {"_pages", "pages"}, {"_us", "us"},
    };
    for (const Unit& u : units)
        if (ends_with(column, u.suffix)) return fmt::format("{} ({})", column, u.unit);
    if (column.rfind("cycles.", 0) == 0) return column + " (cycles)";
    return column;
}

std::string find_gnuplot() {
    const std::string gnuplot = find_on_path("gnuplot");
    if (gnuplot.empty())
        throw UserError(kExitUnavailable,
                        "gnuplot is not on PATH: plots cannot be drawn (Debian: apt-get install gnuplot-nox)");
    return gnuplot;
}

PlotFiles plot_csv(const CsvTable& csv, const PlotSpec& spec, const std::string& base) {
    const PlotData d = collect(csv, spec);  // checks the columns
    const std::string gnuplot = find_gnuplot();
    if (d.series.empty())
        throw UserError(kExitDataErr, fmt::format("{}: no row has a number in {} (and status ok) to plot", csv.path,
                                                  spec.y));
    const fs::path b(base);
    const std::string dir = b.has_parent_path() ? b.parent_path().string() : ".";
    const std::string stem = b.filename().string();
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw UserError(kExitCantCreate, fmt::format("cannot create {}: {}", dir, ec.message()));
    PlotFiles files{base + ".dat", base + ".gp", base + ".svg", base + ".png"};
    stats::write_file_atomically(files.data, data_text(csv, spec, d));
    stats::write_file_atomically(files.script, script_text(csv, spec, d, stem));
    const auto [status, complaints] = run_gnuplot(gnuplot, dir, stem + ".gp");
    if (status != 0) throw UserError(kExitSoftware, fmt::format("gnuplot failed on {}: {}", files.script,
                                                                first_complaint(complaints)));
    if (!complaints.empty()) std::fprintf(stderr, "vmsim plot: gnuplot on %s: %s\n", files.script.c_str(),
                                          first_complaint(complaints).c_str());
    if (d.skipped) std::fprintf(stderr, "vmsim plot: %zu rows of %s left out (status not ok, or no number in %s)\n",
                                d.skipped, csv.path.c_str(), spec.y.c_str());
    return files;
}

}  // namespace vmsim::experiment
