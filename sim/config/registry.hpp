// The typed parameter registry: every model parameter has one dotted name
// ("cpu.load_delay"), one default, one help string and one type. Parameters are
// declared once, then config files and --set overrides are applied, then the models
// read typed values.
//
//   config::Registry reg;
//   reg.add_enum("cpu.load_delay", "exact", {"exact", "interlocked"}, "load delay slot model");
//   reg.add_size("mem.size", 24 << 20, "RAM size in bytes").min(4096).power_of_two();
//   reg.add_duration("sim.quantum", "1us", "TLM quantum").positive();
//   reg.load_file("configs/machines/dec3100.cfg");
//   reg.set_override("mem.size=32M");                 // from --set; beats every file
//   uint64_t ram = reg.get_uint("mem.size");
//
// Config files use Boost.Program_options' INI syntax: `key = value`, `[section]` lines
// prefixing the following keys with `section.`, `#` comments, and
// `include = other.cfg` (relative to the including file; its values apply at that point).
// Within the file layer and within the override layer the later assignment wins; an
// override always beats a file value, whatever order the calls came in.
//
// Errors in user input are vmsim::UserError, one line, "where: key: problem":
//   configs/x.cfg:3: cpu.load_delay: expected one of exact|interlocked, got 'fast'
//   --set 'mem.size=24Q': mem.size: expected a size in bytes (...), got '24Q'
// A config file that cannot be opened is kExitNoInput, everything else kExitUsage.
// Mistakes in the simulator's own declarations or reads (duplicate name, bad default,
// reading a size as a double) are std::logic_error: they are bugs, not user errors.
#pragma once
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "sim/common/settings.hpp"

namespace vmsim::config {

enum class Type { kUint, kSize, kDouble, kEnum, kBool, kDuration, kString };

// Name and final value (as text) of every parameter, in declaration order.
using Settings = vmsim::Settings;

// One `key = value` from a config file or a `--set`, before it is checked against
// the declared parameters. `where` starts every error message about it
// ("configs/x.cfg:3", "--set 'mem.size=24Q'").
struct Assignment {
    std::string key, value, where;
};

// The assignments of a config file and the files it includes, in the order they
// apply (an include's assignments at the place of the include). Syntax errors,
// unreadable files and include cycles are UserErrors; keys are not checked here.
// Only regular files are read (a device or FIFO: kExitNoInput), of at most 1 MiB
// each, 4 MiB and 256 included files in all (kExitUsage, naming the limit).
std::vector<Assignment> read_config_file(const std::string& path);
// A `--set key=value` argument as an assignment (UserError when it has no '=').
Assignment parse_override(std::string_view assignment);

namespace detail {
// uint64_t: kUint, kSize, kDuration (picoseconds); double; bool; string: kEnum, kString.
using Value = std::variant<uint64_t, double, bool, std::string>;

struct Param {
    std::string name;
    Type type;
    std::string help;
    Value default_value;
    std::optional<Value> file_value;
    std::optional<Value> override_value;
    // Constraints; which ones apply depends on the type.
    std::optional<uint64_t> min_uint, max_uint;  // kUint, kSize, kDuration
    std::optional<double> min_double, max_double;
    bool positive = false;      // kDouble: > 0; kDuration: != 0
    bool power_of_two = false;  // kUint, kSize
    bool hex = false;           // kUint: help shows the default in hex
    uint64_t multiple_of = 0;   // kUint, kSize: 0 or 1 = no constraint
    std::vector<std::string> choices;  // kEnum
};
// Throws std::logic_error when the parameter's default breaks its own constraints.
void check_default(const Param& param);
}  // namespace detail

class Registry;

// Optional constraints on an unsigned or size parameter (inclusive bounds).
class UintSpec {
public:
    UintSpec& min(uint64_t value);
    UintSpec& max(uint64_t value);
    UintSpec& power_of_two();
    UintSpec& multiple_of(uint64_t value);
    UintSpec& hex();  // help shows the default in hex, as the help text writes it

    // Constraints on params[index] (the registry's or a ParamTable's list).
    UintSpec(std::vector<detail::Param>& params, size_t index) : params_(&params), index_(index) {}

private:
    detail::Param& param() { return (*params_)[index_]; }
    std::vector<detail::Param>* params_;
    size_t index_;
};

// Optional constraints on a double parameter (inclusive bounds; positive() is > 0).
class DoubleSpec {
public:
    DoubleSpec& min(double value);
    DoubleSpec& max(double value);
    DoubleSpec& positive();

    // Constraints on params[index] (the registry's or a ParamTable's list).
    DoubleSpec(std::vector<detail::Param>& params, size_t index) : params_(&params), index_(index) {}

private:
    detail::Param& param() { return (*params_)[index_]; }
    std::vector<detail::Param>* params_;
    size_t index_;
};

// Optional constraints on a duration parameter, written with units ("1ns").
class DurationSpec {
public:
    DurationSpec& min(std::string_view duration);
    DurationSpec& max(std::string_view duration);
    DurationSpec& positive();

    // Constraints on params[index] (the registry's or a ParamTable's list).
    DurationSpec(std::vector<detail::Param>& params, size_t index) : params_(&params), index_(index) {}

private:
    detail::Param& param() { return (*params_)[index_]; }
    std::vector<detail::Param>* params_;
    size_t index_;
};

template <class Root>
class ParamTable;

class Registry {
public:
    // ---- declaration (names: lower-case [a-z0-9_] words joined by dots) ----
    UintSpec add_uint(std::string name, uint64_t default_value, std::string help);
    UintSpec add_size(std::string name, uint64_t default_bytes, std::string help);
    DoubleSpec add_double(std::string name, double default_value, std::string help);
    void add_enum(std::string name, std::string default_value,
                  std::vector<std::string> choices, std::string help);
    void add_bool(std::string name, bool default_value, std::string help);
    DurationSpec add_duration(std::string name, std::string_view default_value, std::string help);
    void add_string(std::string name, std::string default_value, std::string help);
    // A parameter described elsewhere (config::ParamTable): name, type, default, constraints.
    void declare(const detail::Param& param);

    // ---- input ----
    // A config file (file layer), all or nothing: on error no value of it is kept.
    // Missing file: kExitNoInput; anything wrong inside: kExitUsage.
    void load_file(const std::string& path);
    // Assignments read with read_config_file() (file layer), all or nothing.
    void apply_file(const std::vector<Assignment>& assignments);
    // A `--set key=value` argument (override layer).
    void set_override(std::string_view assignment);
    // An override from elsewhere (e.g. a sweep point); `where` starts the error message.
    void set_override(std::string_view key, std::string_view value, std::string_view where);

    // ---- typed reads (std::logic_error if the name is not declared with that type) ----
    uint64_t get_uint(std::string_view name) const;  // kUint or kSize
    double get_double(std::string_view name) const;
    bool get_bool(std::string_view name) const;
    uint64_t get_duration_ps(std::string_view name) const;
    const std::string& get_string(std::string_view name) const;  // kEnum or kString

    bool contains(std::string_view name) const;
    // The final value as text, as effective() shows it.
    std::string value_text(std::string_view name) const;

    // ---- output ----
    // Every parameter and its final value, declaration order: uints and sizes in
    // decimal, durations with the largest exact unit, doubles in shortest round-trip
    // form, booleans true/false. Recorded in every run's output.
    Settings effective() const;
    // Every parameter with its default, type and help, grouped by section, aligned.
    std::string help_text() const;
    // The same as a Markdown table (name, default, type, meaning), for the docs.
    std::string help_markdown() const;

private:
    friend class UintSpec;
    friend class DoubleSpec;
    friend class DurationSpec;
    enum class Layer { kFile, kOverride };

    size_t declare(std::string name, Type type, std::string help, detail::Value default_value);
    const detail::Param& find(std::string_view name, std::initializer_list<Type> types) const;
    const detail::Value& final_value(const detail::Param& param) const;
    void assign(std::string_view key, std::string_view value, std::string_view where, Layer layer);

    std::vector<detail::Param> params_;
    std::map<std::string, size_t, std::less<>> index_;
};

}  // namespace vmsim::config
