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

namespace vmsim::config {

enum class Type { kUint, kSize, kDouble, kEnum, kBool, kDuration, kString };

// Name and final value (as text) of every parameter, in declaration order.
using Settings = std::vector<std::pair<std::string, std::string>>;

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
    uint64_t multiple_of = 0;   // kUint, kSize: 0 or 1 = no constraint
    std::vector<std::string> choices;  // kEnum
};
}  // namespace detail

class Registry;

// Optional constraints on an unsigned or size parameter (inclusive bounds).
class UintSpec {
public:
    UintSpec& min(uint64_t value);
    UintSpec& max(uint64_t value);
    UintSpec& power_of_two();
    UintSpec& multiple_of(uint64_t value);

private:
    friend class Registry;
    UintSpec(Registry& registry, size_t index) : registry_(&registry), index_(index) {}
    Registry* registry_;
    size_t index_;
};

// Optional constraints on a double parameter (inclusive bounds; positive() is > 0).
class DoubleSpec {
public:
    DoubleSpec& min(double value);
    DoubleSpec& max(double value);
    DoubleSpec& positive();

private:
    friend class Registry;
    DoubleSpec(Registry& registry, size_t index) : registry_(&registry), index_(index) {}
    Registry* registry_;
    size_t index_;
};

// Optional constraints on a duration parameter, written with units ("1ns").
class DurationSpec {
public:
    DurationSpec& min(std::string_view duration);
    DurationSpec& max(std::string_view duration);
    DurationSpec& positive();

private:
    friend class Registry;
    DurationSpec(Registry& registry, size_t index) : registry_(&registry), index_(index) {}
    Registry* registry_;
    size_t index_;
};

class Registry {
public:
    // ---- declaration (names: lower-case [a-z0-9_] words joined by dots, at least two) ----
    UintSpec add_uint(std::string name, uint64_t default_value, std::string help);
    UintSpec add_size(std::string name, uint64_t default_bytes, std::string help);
    DoubleSpec add_double(std::string name, double default_value, std::string help);
    void add_enum(std::string name, std::string default_value,
                  std::vector<std::string> choices, std::string help);
    void add_bool(std::string name, bool default_value, std::string help);
    DurationSpec add_duration(std::string name, std::string_view default_value, std::string help);
    void add_string(std::string name, std::string default_value, std::string help);

    // ---- input ----
    // A config file (file layer), all or nothing: on error no value of it is kept.
    // Missing file: kExitNoInput; anything wrong inside: kExitUsage.
    void load_file(const std::string& path);
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
    Type type_of(std::string_view name) const;
    // The final value as text, as effective() shows it.
    std::string value_text(std::string_view name) const;

    // ---- output ----
    // Every parameter and its final value, declaration order: uints and sizes in
    // decimal, durations with the largest exact unit, doubles in shortest round-trip
    // form, booleans true/false. Recorded in every run's output.
    Settings effective() const;
    // Every parameter with its default, type and help, grouped by section, aligned.
    std::string help_text() const;

private:
    friend class UintSpec;
    friend class DoubleSpec;
    friend class DurationSpec;
    enum class Layer { kFile, kOverride };

    size_t declare(std::string name, Type type, std::string help, detail::Value default_value);
    void check_default(const detail::Param& param) const;
    const detail::Param& find(std::string_view name, std::initializer_list<Type> types) const;
    const detail::Value& final_value(const detail::Param& param) const;
    void assign(std::string_view key, std::string_view value, std::string_view where, Layer layer);
    void load_file_nested(const std::string& path, const std::string& context,
                          std::vector<std::string>& open_files);

    std::vector<detail::Param> params_;
    std::map<std::string, size_t, std::less<>> index_;
};

}  // namespace vmsim::config
