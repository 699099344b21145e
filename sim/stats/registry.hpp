// One registry of named statistics for a run: counters (uint64), values (double) and
// text, each with a one-line description, kept in insertion order. Names are dotted
// like parameter names ("cpu.instructions", "tlb.utlb_misses").
//
//   stats::Registry stats;
//   uint64_t& misses = stats.counter("tlb.utlb_misses", "UTLB refill exceptions taken");
//   ++misses;                                   // the reference stays valid
//   stats.value("run.seconds", "simulated time (s)") = 1.25e-3;
//   stats.write_json_file("out/run.json", config_registry.effective());
//   fmt::print("{}", stats.to_text());
//
// JSON is one flat object: "config" (the effective configuration, name -> value text)
// first, then every statistic as "name": value in insertion order. Doubles use the
// shortest text that reads back as the same double; non-finite doubles become null.
// The same statistics and config give byte-identical output.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "sim/common/settings.hpp"

namespace vmsim::stats {

using Settings = vmsim::Settings;  // the effective configuration (config::Registry::effective())

struct Stat {
    std::string name;
    std::string description;
    std::variant<uint64_t, double, std::string> value;  // counter, value, text
};

class Registry {
public:
    // Each registers a new statistic (initially 0 / 0.0 / "") and returns a reference
    // that stays valid for the registry's lifetime. A name must be new, made of
    // [A-Za-z0-9_] words joined by dots (lower case, except architectural mnemonics
    // such as "cpu.exceptions.TLBL"), and not "config"; breaking that is a bug
    // (std::logic_error).
    uint64_t& counter(std::string name, std::string description);
    double& value(std::string name, std::string description);
    std::string& text(std::string name, std::string description);

    const Stat* find(std::string_view name) const;  // nullptr if absent
    const std::deque<Stat>& all() const { return stats_; }

    std::string to_json(const Settings& config) const;
    // Writes to_json() to `path` with write_file_atomically() (temporary file in the
    // same directory, then rename; a device or FIFO is written in place);
    // UserError(kExitCantCreate) if that fails.
    void write_json_file(const std::string& path, const Settings& config) const;
    // Aligned table of name, value, description for people.
    std::string to_text() const;
    // A Markdown table of name, kind and description (no values), for the docs.
    std::string to_markdown() const;

private:
    Stat& add(std::string name, std::string description);

    std::deque<Stat> stats_;  // deque: references survive growth
    std::map<std::string, size_t, std::less<>> index_;
};

}  // namespace vmsim::stats
