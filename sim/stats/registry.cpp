#include "sim/stats/registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "sim/common/text.hpp"
#include "sim/stats/atomic_file.hpp"
#include "sim/stats/json.hpp"

namespace vmsim::stats {
namespace {

// Dotted like parameter names; upper case is allowed for architectural mnemonics
// ("cpu.exceptions.TLBL").
bool valid_name(std::string_view name) {
    if (name.empty() || name.front() == '.' || name.back() == '.') return false;
    if (name.find("..") != std::string_view::npos) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '.';
    });
}

// Six significant digits without an exponent over the range people read comfortably.
std::string human_double(double v) {
    if (v == 0 || !std::isfinite(v)) return fmt::format("{}", v);
    double magnitude = std::fabs(v);
    if (magnitude < 1e-4 || magnitude >= 1e15) return fmt::format("{:.6g}", v);
    int decimals = std::max(0, 5 - static_cast<int>(std::floor(std::log10(magnitude))));
    std::string text = fmt::format("{:.{}f}", v, decimals);
    if (text.find('.') != std::string::npos) {
        while (text.back() == '0') text.pop_back();
        if (text.back() == '.') text.pop_back();
    }
    return text;
}


}  // namespace

Stat& Registry::add(std::string name, std::string description) {
    if (!valid_name(name) || name == "config") {
        throw std::logic_error(fmt::format("stats: invalid statistic name '{}'", name));
    }
    if (index_.count(name) != 0) {
        throw std::logic_error(fmt::format("stats: statistic '{}' registered twice", name));
    }
    index_.emplace(name, stats_.size());
    stats_.push_back(Stat{std::move(name), std::move(description), {}});
    return stats_.back();
}

uint64_t& Registry::counter(std::string name, std::string description) {
    Stat& s = add(std::move(name), std::move(description));
    return s.value.emplace<uint64_t>(0);
}

double& Registry::value(std::string name, std::string description) {
    Stat& s = add(std::move(name), std::move(description));
    return s.value.emplace<double>(0.0);
}

std::string& Registry::text(std::string name, std::string description) {
    Stat& s = add(std::move(name), std::move(description));
    return s.value.emplace<std::string>();
}

const Stat* Registry::find(std::string_view name) const {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : &stats_[it->second];
}

std::string Registry::to_json(const Settings& config) const {
    std::string out = "{\n  \"config\": {";
    for (size_t i = 0; i < config.size(); ++i) {
        out += fmt::format("{}\n    {}: {}", i == 0 ? "" : ",", json_string(config[i].first),
                           json_string(config[i].second));
    }
    out += config.empty() ? "}" : "\n  }";
    for (const auto& s : stats_) {
        std::string value;
        if (auto* c = std::get_if<uint64_t>(&s.value)) {
            value = fmt::format("{}", *c);
        } else if (auto* d = std::get_if<double>(&s.value)) {
            value = json_number(*d);
        } else {
            value = json_string(std::get<std::string>(s.value));
        }
        out += fmt::format(",\n  {}: {}", json_string(s.name), value);
    }
    out += "\n}\n";
    return out;
}

void Registry::write_json_file(const std::string& path, const Settings& config) const {
    write_file_atomically(path, to_json(config));
}

std::string Registry::to_text() const {
    struct Row {
        const Stat* stat;
        std::string value;
        bool numeric;
    };
    std::vector<Row> rows;
    size_t name_width = 0, value_width = 0;
    for (const auto& s : stats_) {
        Row row{&s, {}, true};
        if (auto* c = std::get_if<uint64_t>(&s.value)) {
            row.value = fmt::format("{}", *c);
        } else if (auto* d = std::get_if<double>(&s.value)) {
            row.value = human_double(*d);
        } else {
            row.value = printable(std::get<std::string>(s.value));
            row.numeric = false;
        }
        name_width = std::max(name_width, s.name.size());
        value_width = std::max(value_width, row.value.size());
        rows.push_back(std::move(row));
    }
    std::string out;
    for (const auto& r : rows) {
        std::string line = r.numeric ? fmt::format("{:<{}}  {:>{}}  {}", r.stat->name, name_width, r.value,
                                                   value_width, r.stat->description)
                                     : fmt::format("{:<{}}  {:<{}}  {}", r.stat->name, name_width, r.value,
                                                   value_width, r.stat->description);
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    }
    return out;
}

std::string Registry::to_markdown() const {
    std::string out = "| statistic | kind | meaning |\n| --- | --- | --- |\n";
    for (const auto& s : stats_) {
        const char* kind = std::holds_alternative<uint64_t>(s.value) ? "counter"
                           : std::holds_alternative<double>(s.value) ? "number"
                                                                     : "text";
        out += fmt::format("| `{}` | {} | {} |\n", s.name, kind, s.description);
    }
    return out;
}

}  // namespace vmsim::stats
