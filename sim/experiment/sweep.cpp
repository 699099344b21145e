// Sweep files: reading them (axes, zip groups, plots, programs) and expanding the axes
// into points. No SystemC here: the tests call these in their own process.
#include "sim/experiment/sweep.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "sim/common/errors.hpp"
#include "sim/common/text.hpp"
#include "sim/config/values.hpp"

namespace vmsim::experiment {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSweepPrefix = "sweep.";
constexpr std::string_view kPlotPrefix = "plot.";
constexpr std::string_view kZipKey = "zip";
constexpr std::string_view kColumnPrefix = "column.";
constexpr std::string_view kBuildVariable = "${build}";

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

std::vector<std::string> words(std::string_view text) {
    std::vector<std::string> out;
    std::istringstream in{std::string(text)};
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

UserError usage(const std::string& where, const std::string& problem) {
    return UserError(kExitUsage, where + ": " + problem);
}

// The file an assignment's `where` ("path:line") names.
fs::path file_of(const std::string& where) { return fs::path(where.substr(0, where.rfind(':'))); }

// A program as written in the file holding `where`: ${build}/... under the build
// tree, a relative path beside that file. It must be a readable file.
std::string resolve_program(const std::string& value, const std::string& where, const std::string& build_dir,
                            const std::string& what = "program") {
    fs::path path;
    if (starts_with(value, kBuildVariable)) {
        if (build_dir.empty()) throw usage(where, what + ": ${build} is not set (--build-dir)");
        path = fs::path(build_dir) / fs::path(value.substr(kBuildVariable.size())).relative_path();
    } else {
        path = fs::path(value);
        if (path.is_relative()) path = file_of(where).parent_path() / path;
    }
    const std::string resolved = path.lexically_normal().string();
    std::error_code ec;
    const bool directory = fs::is_directory(resolved, ec);
    std::ifstream in(resolved, std::ios::binary);
    if (directory || !in)
        throw UserError(kExitNoInput, fmt::format("{}: {}: cannot open '{}': {}", where, what, printable_path(resolved),
                                                  directory ? "is a directory" : std::strerror(errno)));
    return resolved;
}

void read_axis(SweepFile& f, const config::Assignment& a, const std::string& build_dir) {
    const std::string name = a.key.substr(kSweepPrefix.size());
    if (name.empty()) throw usage(a.where, "sweep.: expected sweep.PARAMETER = VALUE...");
    Axis axis{name, words(a.value), {}, a.where};
    if (axis.values.empty()) throw usage(a.where, a.key + ": an axis needs at least one value");
    for (size_t i = 0; i < axis.values.size(); ++i)
        for (size_t j = 0; j < i; ++j)
            if (axis.values[i] == axis.values[j])
                throw usage(a.where,
                            fmt::format("{}: value {} is listed twice", a.key, vmsim::quoted(axis.values[i])));
    if (name == kProgramKey || is_input_file_param(name))
        for (const std::string& v : axis.values) axis.paths.push_back(resolve_program(v, a.where, build_dir, name));
    // A later line for the same axis replaces it, as a later assignment does.
    for (Axis& existing : f.axes)
        if (existing.name == name) {
            existing = std::move(axis);
            return;
        }
    f.axes.push_back(std::move(axis));
}

void read_plot_key(SweepFile& f, const config::Assignment& a) {
    const std::string rest = a.key.substr(kPlotPrefix.size());
    const size_t dot = rest.rfind('.');
    const std::string name = dot == std::string::npos ? "plot" : rest.substr(0, dot);
    const std::string key = dot == std::string::npos ? rest : rest.substr(dot + 1);
    if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos)
        throw usage(a.where, a.key + ": expected plot.KEY or plot.NAME.KEY with NAME of [a-z0-9_]");
    auto plot = std::find_if(f.plots.begin(), f.plots.end(), [&](const SweepPlot& p) { return p.name == name; });
    if (plot == f.plots.end()) {
        f.plots.push_back(SweepPlot{});
        plot = std::prev(f.plots.end());
        plot->name = name;
        plot->where = a.where;
    }
    auto flag = [&](bool& out) {
        const auto b = config::parse_bool(a.value);
        if (!b)
            throw usage(a.where, fmt::format("{}: expected true or false, got {}", a.key, vmsim::quoted(a.value)));
        out = *b;
    };
    if (key == "x") plot->x = a.value;
    else if (key == "y") plot->y = a.value;
    else if (key == "by") plot->by = a.value;
    else if (key == "title") plot->title = a.value;
    else if (key == "logx") flag(plot->logx);
    else if (key == "logy") flag(plot->logy);
    else throw usage(a.where, a.key + ": unknown plot key (expected x, y, by, title, logx or logy)");
}

void read_column(SweepFile& f, const config::Assignment& a) {
    const std::string name = a.key.substr(kColumnPrefix.size());
    if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos)
        throw usage(a.where, a.key + ": expected column.NAME = EXPRESSION with NAME of [a-z0-9_]");
    DerivedColumn c{name, a.value, Expr::parse(a.value, a.where, a.key), a.where};
    for (DerivedColumn& existing : f.columns)
        if (existing.name == name) {
            existing = std::move(c);  // a later line replaces it, as a later assignment does
            return;
        }
    f.columns.push_back(std::move(c));
}

void read_zips(SweepFile& f, const std::vector<config::Assignment>& zips) {
    std::map<size_t, std::string> zipped_at;  // axis index -> where it was zipped
    for (const config::Assignment& z : zips) {
        const std::vector<std::string> names = words(z.value);
        if (names.size() < 2) throw usage(z.where, "zip: expected two or more axis names");
        std::vector<size_t> group;
        for (const std::string& n : names) {
            auto it = std::find_if(f.axes.begin(), f.axes.end(), [&](const Axis& a) { return a.name == n; });
            if (it == f.axes.end())
                throw usage(z.where, fmt::format("zip: {} is not an axis (no sweep.{} line)", vmsim::quoted(n),
                                                 printable(n)));
            const size_t i = static_cast<size_t>(it - f.axes.begin());
            if (!zipped_at.emplace(i, z.where).second)
                throw usage(z.where, fmt::format("zip: axis {} is already zipped at {}", n, zipped_at[i]));
            const Axis& first = f.axes[group.empty() ? i : group.front()];
            if (it->values.size() != first.values.size())
                throw usage(z.where, fmt::format("zip: axes {} ({} values, {}) and {} ({} values, {}) differ in length",
                                                 first.name, first.values.size(), first.where, it->name,
                                                 it->values.size(), it->where));
            group.push_back(i);
        }
        f.zips.push_back(group);
    }
}

}  // namespace

SweepFile read_sweep_file(const std::string& path, const std::string& build_dir) {
    SweepFile f;
    f.path = path;
    std::vector<config::Assignment> zips;
    for (const config::Assignment& a : config::read_config_file(path)) {
        if (starts_with(a.key, kSweepPrefix)) {
            read_axis(f, a, build_dir);
        } else if (starts_with(a.key, kPlotPrefix)) {
            read_plot_key(f, a);
        } else if (starts_with(a.key, kColumnPrefix)) {
            read_column(f, a);
        } else if (a.key == kZipKey) {
            zips.push_back(a);
        } else if (a.key == kProgramKey) {
            f.program = a.value;
            f.program_where = a.where;
            f.program_path = resolve_program(a.value, a.where, build_dir);
        } else if (is_input_file_param(a.key)) {
            f.base.push_back({a.key, resolve_program(a.value, a.where, build_dir, a.key), a.where});
        } else {
            f.base.push_back(a);
        }
    }
    read_zips(f, zips);
    const bool program_axis =
        std::any_of(f.axes.begin(), f.axes.end(), [](const Axis& a) { return a.name == kProgramKey; });
    // Whether a target takes a program is the target's to say, and the reader knows no targets: a
    // file that chooses one is checked point by point when it runs (sweep_run.cpp).
    const bool chooses_target =
        std::any_of(f.base.begin(), f.base.end(), [](const config::Assignment& a) { return a.key == "target"; }) ||
        std::any_of(f.axes.begin(), f.axes.end(), [](const Axis& a) { return a.name == "target"; });
    if (f.program.empty() && !program_axis && !chooses_target)
        throw UserError(kExitUsage,
                        path + ": no guest program: add 'program = FILE.elf' or 'sweep.program = A.elf B.elf'");
    for (const SweepPlot& p : f.plots) {
        const std::string prefix = p.name == "plot" ? "plot." : "plot." + p.name + ".";
        if (p.x.empty() || p.y.empty()) throw usage(p.where, fmt::format("{0}x and {0}y are both needed", prefix));
    }
    return f;
}

std::vector<std::vector<size_t>> expand_axes(const std::vector<size_t>& axis_lengths,
                                             const std::vector<std::vector<size_t>>& zips) {
    // Each axis's dimension: its zip group's, or its own.
    std::vector<long> group_of(axis_lengths.size(), -1);
    for (size_t g = 0; g < zips.size(); ++g)
        for (size_t axis : zips[g]) {
            if (axis >= axis_lengths.size() || group_of[axis] >= 0)
                throw std::logic_error("expand_axes: axis in no or two zip groups");
            if (axis_lengths[axis] != axis_lengths[zips[g].front()])
                throw std::logic_error("expand_axes: zipped axes differ in length");
            group_of[axis] = static_cast<long>(g);
        }
    std::vector<std::vector<size_t>> dims;  // the axes of each dimension, in axis order
    std::vector<long> dim_of_group(zips.size(), -1);
    for (size_t a = 0; a < axis_lengths.size(); ++a) {
        const long g = group_of[a];
        if (g >= 0 && dim_of_group[static_cast<size_t>(g)] >= 0) {
            dims[static_cast<size_t>(dim_of_group[static_cast<size_t>(g)])].push_back(a);
            continue;
        }
        if (g >= 0) dim_of_group[static_cast<size_t>(g)] = static_cast<long>(dims.size());
        dims.push_back({a});
    }
    size_t count = 1;
    for (const auto& d : dims) count *= axis_lengths[d.front()];
    std::vector<std::vector<size_t>> points(count, std::vector<size_t>(axis_lengths.size()));
    for (size_t p = 0; p < count; ++p) {
        size_t rest = p;
        for (size_t d = dims.size(); d-- > 0;) {  // the last dimension varies fastest
            const size_t length = axis_lengths[dims[d].front()];
            for (size_t axis : dims[d]) points[p][axis] = rest % length;
            rest /= length;
        }
    }
    return points;
}

}  // namespace vmsim::experiment
