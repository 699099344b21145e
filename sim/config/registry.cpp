#include "sim/config/registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "sim/common/errors.hpp"
#include "sim/common/text.hpp"
#include "sim/config/values.hpp"

namespace vmsim::config {
namespace {

using detail::Param;
using detail::Value;

// An unknown key within this many edits of a parameter's name suggests it.
constexpr size_t kSuggestDistance = 3;

const char* type_name(Type type) {
    switch (type) {
        case Type::kUint: return "uint";
        case Type::kSize: return "size";
        case Type::kDouble: return "double";
        case Type::kEnum: return "enum";
        case Type::kBool: return "bool";
        case Type::kDuration: return "duration";
        case Type::kString: return "string";
    }
    return "?";
}

bool valid_name(std::string_view name) {
    size_t start = 0;
    while (start <= name.size()) {
        size_t dot = name.find('.', start);
        std::string_view word = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
        if (word.empty()) return false;
        for (char c : word) {
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
        }
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return true;
}


std::string join(const std::vector<std::string>& words, std::string_view separator) {
    std::string out;
    for (size_t i = 0; i < words.size(); ++i) {
        if (i != 0) out += separator;
        out += words[i];
    }
    return out;
}

size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1] ? 1 : 0)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::string bound_text(const Param& p, uint64_t v) {
    if (p.type == Type::kSize) return format_size(v);
    if (p.type == Type::kDuration) return format_duration(v);
    return fmt::format("{}", v);
}

// The largest value the parameter accepts: for a power of two, the largest power of
// two within the bound (a 32-bit size's bound 4294967295 is shown as 2G).
std::optional<uint64_t> largest(const Param& p) {
    if (!p.max_uint || !p.power_of_two || *p.max_uint == 0) return p.max_uint;
    uint64_t v = *p.max_uint;
    while ((v & (v - 1)) != 0) v &= v - 1;
    return v;
}

// "in [1, 64]", ">= 1", "<= 64", "" for an integer-valued parameter's bounds.
std::string uint_bounds(const Param& p) {
    const std::optional<uint64_t> max = largest(p);
    if (p.min_uint && max) return fmt::format("in [{}, {}]", bound_text(p, *p.min_uint), bound_text(p, *max));
    if (p.min_uint) return ">= " + bound_text(p, *p.min_uint);
    if (max) return "<= " + bound_text(p, *max);
    return "";
}

std::string double_bounds(const Param& p) {
    std::string lower = p.min_double ? ">= " + format_double(*p.min_double) : "";
    if (p.positive && (!p.min_double || *p.min_double <= 0)) lower = "> 0";
    if (!lower.empty() && p.max_double) return lower + " and <= " + format_double(*p.max_double);
    if (p.max_double) return "<= " + format_double(*p.max_double);
    return lower;
}

// The structural constraints of an unsigned or size parameter, appended to `text`.
std::string with_structure(const Param& p, std::string text, const char* power_of_two_text) {
    if (p.power_of_two) text += power_of_two_text;
    if (p.multiple_of > 1) text += fmt::format(", a multiple of {}", p.multiple_of);
    return text;
}

// What a value of this parameter must look like, completing "expected ...".
std::string expectation(const Param& p) {
    switch (p.type) {
        case Type::kUint: {
            std::string bounds = uint_bounds(p);
            std::string text = bounds.empty() ? "an unsigned 64-bit integer (decimal or 0x hex)"
                                              : "an unsigned integer " + bounds;
            return with_structure(p, text, " that is a power of two");
        }
        case Type::kSize: {
            std::string bounds = uint_bounds(p);
            std::string text = "a size in bytes (decimal or 0x hex, optional K/M/G suffix)";
            if (!bounds.empty()) text += " " + bounds;
            return with_structure(p, text, " that is a power of two");
        }
        case Type::kDouble: {
            std::string bounds = double_bounds(p);
            return bounds.empty() ? "a number" : "a number " + bounds;
        }
        case Type::kEnum: return "one of " + join(p.choices, "|");
        case Type::kBool: return "true|false|1|0|on|off";
        case Type::kDuration: {
            std::string text = "a duration with a unit (ps|ns|us|ms|s) in whole picoseconds, e.g. 500ns or 2.5us";
            std::string bounds = uint_bounds(p);
            if (p.positive && !p.min_uint) bounds = bounds.empty() ? "> 0s" : "> 0s and " + bounds;
            return bounds.empty() ? text : text + ", " + bounds;
        }
        case Type::kString: return "a string";
    }
    return "?";
}

// The short type column of help_text().
std::string type_summary(const Param& p) {
    switch (p.type) {
        case Type::kUint:
        case Type::kSize: {
            std::string text = p.type == Type::kUint ? "uint" : "size";
            if (p.min_uint || p.max_uint) {
                text += " " + (p.min_uint ? bound_text(p, *p.min_uint) : std::string("0")) + "..";
                if (p.max_uint) text += bound_text(p, *largest(p));
            }
            return with_structure(p, text, ", power of 2");
        }
        case Type::kDouble: {
            std::string bounds = double_bounds(p);
            return bounds.empty() ? "number" : "number " + bounds;
        }
        case Type::kEnum: return join(p.choices, "|");
        case Type::kBool: return "bool";
        case Type::kDuration: {
            std::string bounds = uint_bounds(p);
            if (p.positive && !p.min_uint) bounds = bounds.empty() ? "> 0s" : "> 0s, " + bounds;
            return bounds.empty() ? "duration" : "duration " + bounds;
        }
        case Type::kString: return "string";
    }
    return "?";
}

// Converts and checks `text` for `p`; on failure returns nullopt and leaves `problem`
// set to the message tail after "key: ".
std::optional<Value> convert(const Param& p, std::string_view text, std::string& problem) {
    auto fail = [&](std::string expected) -> std::optional<Value> {
        problem = fmt::format("expected {}, got {}", expected, quoted(text));
        return std::nullopt;
    };
    auto check_uint = [&](uint64_t v) -> std::optional<Value> {
        bool below = p.min_uint && v < *p.min_uint;
        bool above = p.max_uint && v > *p.max_uint;
        bool zero = p.type == Type::kDuration && p.positive && v == 0;
        if (below || above || zero) return fail(expectation(p));
        if (p.power_of_two && (v == 0 || (v & (v - 1)) != 0)) return fail("a power of two");
        if (p.multiple_of > 1 && v % p.multiple_of != 0) return fail(fmt::format("a multiple of {}", p.multiple_of));
        return Value{v};
    };

    switch (p.type) {
        case Type::kUint: {
            auto v = parse_uint(text);
            return v ? check_uint(*v) : fail(expectation(p));
        }
        case Type::kSize: {
            auto v = parse_size(text);
            return v ? check_uint(*v) : fail(expectation(p));
        }
        case Type::kDuration: {
            auto v = parse_duration_ps(text);
            if (!v && parse_double(text)) {
                problem = fmt::format(
                    "a unit is needed: expected a duration such as 500ns or 2.5us (units ps|ns|us|ms|s), "
                    "got {}", quoted(text));
                return std::nullopt;
            }
            return v ? check_uint(*v) : fail(expectation(p));
        }
        case Type::kDouble: {
            auto v = parse_double(text);
            if (!v) return fail(expectation(p));
            bool below = p.min_double && *v < *p.min_double;
            bool above = p.max_double && *v > *p.max_double;
            if (below || above || (p.positive && *v <= 0)) return fail(expectation(p));
            return Value{*v};
        }
        case Type::kEnum: {
            if (std::find(p.choices.begin(), p.choices.end(), text) == p.choices.end()) {
                return fail(expectation(p));
            }
            return Value{std::string(text)};
        }
        case Type::kBool: {
            auto v = parse_bool(text);
            return v ? std::optional<Value>(Value{*v}) : fail(expectation(p));
        }
        // `""` is how help and the docs show the empty string (value_to_text): it reads back as one.
        case Type::kString: return Value{text == "\"\"" ? std::string() : std::string(text)};
    }
    return fail("?");
}

std::string value_to_text(const Param& p, const Value& v, bool for_help) {
    switch (p.type) {
        case Type::kUint:
            return for_help && p.hex ? fmt::format("{:#x}", std::get<uint64_t>(v))
                                     : fmt::format("{}", std::get<uint64_t>(v));
        case Type::kSize:
            return for_help ? format_size(std::get<uint64_t>(v)) : fmt::format("{}", std::get<uint64_t>(v));
        case Type::kDuration: return format_duration(std::get<uint64_t>(v));
        case Type::kDouble: return format_double(std::get<double>(v));
        case Type::kBool: return std::get<bool>(v) ? "true" : "false";
        case Type::kEnum:
        case Type::kString: {
            const auto& s = std::get<std::string>(v);
            return for_help && s.empty() ? "\"\"" : s;
        }
    }
    return "?";
}

std::string_view section_of(std::string_view name) { return name.substr(0, name.find('.')); }

}  // namespace

// ---- constraint builders ------------------------------------------------------

UintSpec& UintSpec::min(uint64_t value) {
    param().min_uint = value;
    detail::check_default(param());
    return *this;
}

UintSpec& UintSpec::max(uint64_t value) {
    param().max_uint = value;
    detail::check_default(param());
    return *this;
}

UintSpec& UintSpec::power_of_two() {
    param().power_of_two = true;
    detail::check_default(param());
    return *this;
}

UintSpec& UintSpec::hex() {
    param().hex = true;
    return *this;
}

UintSpec& UintSpec::multiple_of(uint64_t value) {
    param().multiple_of = value;
    detail::check_default(param());
    return *this;
}

DoubleSpec& DoubleSpec::min(double value) {
    param().min_double = value;
    detail::check_default(param());
    return *this;
}

DoubleSpec& DoubleSpec::max(double value) {
    param().max_double = value;
    detail::check_default(param());
    return *this;
}

DoubleSpec& DoubleSpec::positive() {
    param().positive = true;
    detail::check_default(param());
    return *this;
}

namespace {
uint64_t duration_literal(std::string_view name, std::string_view text) {
    auto ps = parse_duration_ps(text);
    if (!ps) throw std::logic_error(fmt::format("config: {}: bad duration literal '{}'", name, text));
    return *ps;
}
}  // namespace

DurationSpec& DurationSpec::min(std::string_view duration) {
    auto& p = param();
    p.min_uint = duration_literal(p.name, duration);
    detail::check_default(p);
    return *this;
}

DurationSpec& DurationSpec::max(std::string_view duration) {
    auto& p = param();
    p.max_uint = duration_literal(p.name, duration);
    detail::check_default(p);
    return *this;
}

DurationSpec& DurationSpec::positive() {
    param().positive = true;
    detail::check_default(param());
    return *this;
}

// ---- declaration ----------------------------------------------------------------

size_t Registry::declare(std::string name, Type type, std::string help, Value default_value) {
    if (!valid_name(name)) {
        throw std::logic_error(fmt::format("config: invalid parameter name '{}'", name));
    }
    if (index_.count(name) != 0) {
        throw std::logic_error(fmt::format("config: parameter '{}' declared twice", name));
    }
    Param p;
    p.name = std::move(name);
    p.type = type;
    p.help = std::move(help);
    p.default_value = std::move(default_value);
    index_.emplace(p.name, params_.size());
    params_.push_back(std::move(p));
    return params_.size() - 1;
}

void Registry::declare(const Param& param) {
    // Name checks and the index through the one declaration path, then the whole
    // description (constraints, choices) as given: no field can be forgotten here.
    Param& p = params_[declare(param.name, param.type, param.help, param.default_value)];
    p = param;
    p.file_value.reset();
    p.override_value.reset();
    if (p.type == Type::kEnum && p.choices.empty())
        throw std::logic_error(fmt::format("config: enum {} has no choices", p.name));
    detail::check_default(p);
}

void detail::check_default(const Param& p) {
    std::string problem;
    if (!convert(p, value_to_text(p, p.default_value, false), problem)) {
        throw std::logic_error(fmt::format("config: default of {}: {}", p.name, problem));
    }
}

UintSpec Registry::add_uint(std::string name, uint64_t default_value, std::string help) {
    return UintSpec(params_, declare(std::move(name), Type::kUint, std::move(help), default_value));
}

UintSpec Registry::add_size(std::string name, uint64_t default_bytes, std::string help) {
    return UintSpec(params_, declare(std::move(name), Type::kSize, std::move(help), default_bytes));
}

DoubleSpec Registry::add_double(std::string name, double default_value, std::string help) {
    size_t i = declare(std::move(name), Type::kDouble, std::move(help), default_value);
    detail::check_default(params_[i]);  // rejects a non-finite default
    return DoubleSpec(params_, i);
}

void Registry::add_enum(std::string name, std::string default_value,
                        std::vector<std::string> choices, std::string help) {
    if (choices.empty()) throw std::logic_error(fmt::format("config: enum {} has no choices", name));
    size_t i = declare(std::move(name), Type::kEnum, std::move(help), std::move(default_value));
    params_[i].choices = std::move(choices);
    detail::check_default(params_[i]);
}

void Registry::add_bool(std::string name, bool default_value, std::string help) {
    declare(std::move(name), Type::kBool, std::move(help), default_value);
}

DurationSpec Registry::add_duration(std::string name, std::string_view default_value,
                                    std::string help) {
    uint64_t ps = duration_literal(name, default_value);
    return DurationSpec(params_, declare(std::move(name), Type::kDuration, std::move(help), ps));
}

void Registry::add_string(std::string name, std::string default_value, std::string help) {
    declare(std::move(name), Type::kString, std::move(help), std::move(default_value));
}

// ---- input ----------------------------------------------------------------------

void Registry::assign(std::string_view key, std::string_view value, std::string_view where,
                      Layer layer) {
    auto it = index_.find(key);
    if (it == index_.end()) {
        std::string message = fmt::format("{}: {}: unknown parameter", where, printable(key));
        const Param* nearest = nullptr;
        size_t best = 0;
        for (const auto& p : params_) {
            // A name whose length differs by more than the distance allowed cannot be
            // suggested; skipping it keeps a 300 KB key from costing seconds.
            const size_t longer = std::max(key.size(), p.name.size());
            if (longer - std::min(key.size(), p.name.size()) > kSuggestDistance) continue;
            size_t d = edit_distance(key, p.name);
            if (nearest == nullptr || d < best) {
                nearest = &p;
                best = d;
            }
        }
        if (nearest != nullptr && best <= kSuggestDistance) message += fmt::format(" (did you mean {}?)", nearest->name);
        throw UserError(kExitUsage, message);
    }
    Param& p = params_[it->second];
    std::string problem;
    auto converted = convert(p, value, problem);
    if (!converted) throw UserError(kExitUsage, fmt::format("{}: {}: {}", where, p.name, problem));
    (layer == Layer::kFile ? p.file_value : p.override_value) = std::move(*converted);
}

Assignment parse_override(std::string_view assignment) {
    std::string where = "--set " + quoted(assignment);
    size_t eq = assignment.find('=');
    if (eq == std::string_view::npos) {
        throw UserError(kExitUsage, fmt::format("{}: expected key=value", where));
    }
    auto trim = [](std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
        return s;
    };
    std::string_view key = trim(assignment.substr(0, eq));
    if (key.empty()) throw UserError(kExitUsage, fmt::format("{}: missing key before '='", where));
    return Assignment{std::string(key), std::string(trim(assignment.substr(eq + 1))), std::move(where)};
}

void Registry::set_override(std::string_view assignment) {
    const Assignment a = parse_override(assignment);
    assign(a.key, a.value, a.where, Layer::kOverride);
}

void Registry::load_file(const std::string& path) { apply_file(read_config_file(path)); }

void Registry::apply_file(const std::vector<Assignment>& assignments) {
    // All or nothing: a file that fails half-way leaves no values behind.
    std::vector<Param> before = params_;
    try {
        for (const Assignment& a : assignments) assign(a.key, a.value, a.where, Layer::kFile);
    } catch (...) {
        params_ = std::move(before);
        throw;
    }
}

void Registry::set_override(std::string_view key, std::string_view value, std::string_view where) {
    assign(key, value, where, Layer::kOverride);
}

// ---- reads ----------------------------------------------------------------------

const Param& Registry::find(std::string_view name, std::initializer_list<Type> types) const {
    auto it = index_.find(name);
    if (it == index_.end()) {
        throw std::logic_error(fmt::format("config: parameter '{}' read but never declared", name));
    }
    const Param& p = params_[it->second];
    if (types.size() != 0 && std::find(types.begin(), types.end(), p.type) == types.end()) {
        throw std::logic_error(fmt::format("config: parameter '{}' is a {}, read as {}", name,
                                           type_name(p.type), type_name(*types.begin())));
    }
    return p;
}

const Value& Registry::final_value(const Param& p) const {
    if (p.override_value) return *p.override_value;
    if (p.file_value) return *p.file_value;
    return p.default_value;
}

uint64_t Registry::get_uint(std::string_view name) const {
    return std::get<uint64_t>(final_value(find(name, {Type::kUint, Type::kSize})));
}

double Registry::get_double(std::string_view name) const {
    return std::get<double>(final_value(find(name, {Type::kDouble})));
}

bool Registry::get_bool(std::string_view name) const {
    return std::get<bool>(final_value(find(name, {Type::kBool})));
}

uint64_t Registry::get_duration_ps(std::string_view name) const {
    return std::get<uint64_t>(final_value(find(name, {Type::kDuration})));
}

const std::string& Registry::get_string(std::string_view name) const {
    return std::get<std::string>(final_value(find(name, {Type::kString, Type::kEnum})));
}

bool Registry::contains(std::string_view name) const { return index_.count(name) != 0; }

std::string Registry::value_text(std::string_view name) const {
    const Param& p = find(name, {});
    return value_to_text(p, final_value(p), false);
}

// ---- output ---------------------------------------------------------------------

Settings Registry::effective() const {
    Settings out;
    out.reserve(params_.size());
    for (const auto& p : params_) out.emplace_back(p.name, value_to_text(p, final_value(p), false));
    return out;
}

std::string Registry::help_text() const {
    struct Row {
        std::string name, default_text, type, help;
    };
    // Sections in order of first declaration, parameters in declaration order within.
    std::vector<std::pair<std::string, std::vector<Row>>> sections;
    size_t name_width = 0, default_width = 0, type_width = 0;
    for (const auto& p : params_) {
        std::string section(section_of(p.name));
        auto it = std::find_if(sections.begin(), sections.end(),
                               [&](const auto& s) { return s.first == section; });
        if (it == sections.end()) it = sections.insert(sections.end(), {section, {}});
        Row row{p.name, value_to_text(p, p.default_value, true), type_summary(p), p.help};
        name_width = std::max(name_width, row.name.size());
        default_width = std::max(default_width, row.default_text.size());
        type_width = std::max(type_width, row.type.size());
        it->second.push_back(std::move(row));
    }
    std::string out;
    for (const auto& [section, rows] : sections) {
        if (!out.empty()) out += "\n";
        out += fmt::format("[{}]\n", section);
        for (const auto& r : rows) {
            std::string line = fmt::format("  {:<{}}  {:<{}}  {:<{}}  {}", r.name, name_width,
                                           r.default_text, default_width, r.type, type_width, r.help);
            while (!line.empty() && line.back() == ' ') line.pop_back();
            out += line + "\n";
        }
    }
    return out;
}

std::string Registry::help_markdown() const {
    // '|' inside a cell would end it.
    auto cell = [](std::string text) {
        std::string out;
        for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
        return out;
    };
    std::string out = "| parameter | default | type | meaning |\n| --- | --- | --- | --- |\n";
    for (const auto& p : params_)
        out += fmt::format("| `{}` | `{}` | {} | {} |\n", p.name, value_to_text(p, p.default_value, true),
                           cell(type_summary(p)), cell(p.help));
    return out;
}

}  // namespace vmsim::config
