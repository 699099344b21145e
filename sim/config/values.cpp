#include "sim/config/values.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>

namespace vmsim::config {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// a * b + c without wrapping, or nullopt.
std::optional<uint64_t> mul_add(uint64_t a, uint64_t b, uint64_t c) {
    uint64_t product = 0;
    uint64_t sum = 0;
    if (__builtin_mul_overflow(a, b, &product) || __builtin_add_overflow(product, c, &sum)) {
        return std::nullopt;
    }
    return sum;
}

std::optional<uint64_t> parse_decimal_digits(std::string_view text) {
    if (text.empty()) return std::nullopt;
    uint64_t value = 0;
    for (char c : text) {
        if (!is_digit(c)) return std::nullopt;
        auto next = mul_add(value, 10, static_cast<uint64_t>(c - '0'));
        if (!next) return std::nullopt;
        value = *next;
    }
    return value;
}

std::string_view trim_spaces(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

struct DurationUnit {
    std::string_view name;
    int power_of_ten;  // picoseconds per unit = 10^power_of_ten
};
// Largest first: format_duration picks the first unit that divides exactly.
constexpr std::array<DurationUnit, 5> kDurationUnits{{
    {"s", 12}, {"ms", 9}, {"us", 6}, {"ns", 3}, {"ps", 0}}};

uint64_t pow10(int n) {
    uint64_t v = 1;
    while (n-- > 0) v *= 10;
    return v;
}

}  // namespace

std::optional<uint64_t> parse_uint(std::string_view text) {
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        uint64_t value = 0;
        for (char c : text.substr(2)) {
            int d = hex_digit(c);
            if (d < 0) return std::nullopt;
            auto next = mul_add(value, 16, static_cast<uint64_t>(d));
            if (!next) return std::nullopt;
            value = *next;
        }
        return value;
    }
    return parse_decimal_digits(text);
}

std::optional<uint64_t> parse_size(std::string_view text) {
    uint64_t multiplier = 1;
    if (!text.empty()) {
        switch (text.back()) {
            case 'K': case 'k': multiplier = uint64_t{1} << 10; break;
            case 'M': case 'm': multiplier = uint64_t{1} << 20; break;
            case 'G': case 'g': multiplier = uint64_t{1} << 30; break;
            default: break;
        }
        if (multiplier != 1) text.remove_suffix(1);
    }
    auto base = parse_uint(text);
    if (!base) return std::nullopt;
    return mul_add(*base, multiplier, 0);
}

std::optional<double> parse_double(std::string_view text) {
    if (text.empty()) return std::nullopt;
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value,
                                     std::chars_format::general);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

std::optional<bool> parse_bool(std::string_view text) {
    std::string lower(text);
    for (char& c : lower) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    if (lower == "true" || lower == "1" || lower == "on") return true;
    if (lower == "false" || lower == "0" || lower == "off") return false;
    return std::nullopt;
}

std::optional<uint64_t> parse_duration_ps(std::string_view text) {
    size_t number_end = 0;
    while (number_end < text.size() && (is_digit(text[number_end]) || text[number_end] == '.')) {
        ++number_end;
    }
    std::string_view number = text.substr(0, number_end);
    std::string_view unit_text = trim_spaces(text.substr(number_end));

    const DurationUnit* unit = nullptr;
    for (const auto& u : kDurationUnits) {
        if (u.name == unit_text) unit = &u;
    }
    if (unit == nullptr) return std::nullopt;

    size_t dot = number.find('.');
    std::string_view whole = number.substr(0, dot);
    std::string_view fraction = dot == std::string_view::npos ? std::string_view{} : number.substr(dot + 1);
    if (fraction.find('.') != std::string_view::npos) return std::nullopt;
    if (whole.empty() && fraction.empty()) return std::nullopt;
    while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);

    auto whole_value = whole.empty() ? std::optional<uint64_t>{0} : parse_decimal_digits(whole);
    if (!whole_value) return std::nullopt;
    // A fraction whose last digit is non-zero gives whole picoseconds only if it has
    // no more digits than the unit has powers of ten.
    if (static_cast<int>(fraction.size()) > unit->power_of_ten) return std::nullopt;
    uint64_t fraction_ps = 0;
    if (!fraction.empty()) {
        auto digits = parse_decimal_digits(fraction);
        if (!digits) return std::nullopt;
        fraction_ps = *digits * pow10(unit->power_of_ten - static_cast<int>(fraction.size()));
    }
    return mul_add(*whole_value, pow10(unit->power_of_ten), fraction_ps);
}

std::string format_duration(uint64_t ps) {
    if (ps == 0) return "0s";
    for (const auto& u : kDurationUnits) {
        uint64_t scale = pow10(u.power_of_ten);
        if (ps % scale == 0) return fmt::format("{}{}", ps / scale, u.name);
    }
    return fmt::format("{}ps", ps);  // unreachable: the ps unit always divides
}

std::string format_size(uint64_t bytes) {
    if (bytes != 0) {
        for (auto [shift, suffix] : {std::pair{30, 'G'}, std::pair{20, 'M'}, std::pair{10, 'K'}}) {
            uint64_t unit = uint64_t{1} << shift;
            if (bytes % unit == 0) return fmt::format("{}{}", bytes / unit, suffix);
        }
    }
    return fmt::format("{}", bytes);
}

std::string format_double(double value) { return fmt::format("{}", value); }

}  // namespace vmsim::config
