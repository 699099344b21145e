// Text <-> value conversions for configuration parameters. A parser returns
// std::nullopt for text it does not accept; the registry turns that into a one-line
// UserError naming where the text came from and what was expected.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vmsim::config {

// Decimal ("4096", leading zeros allowed, never octal) or hex ("0x1000"); no sign,
// no spaces, must fit in 64 bits.
std::optional<uint64_t> parse_uint(std::string_view text);

// parse_uint, optionally followed by one binary suffix: K/k (2^10), M/m (2^20), G/g (2^30).
std::optional<uint64_t> parse_size(std::string_view text);

// A finite decimal number ("16.67", "1e3", "-2"); no inf/nan, no hex floats.
std::optional<double> parse_double(std::string_view text);

// true/false/1/0/on/off, letters case-insensitive.
std::optional<bool> parse_bool(std::string_view text);

// A decimal number followed by a unit (ps, ns, us, ms, s): "1us", "500ns", "2.5us".
// Result in picoseconds, which must come out whole (the SystemC default resolution).
// A bare number without a unit is rejected.
std::optional<uint64_t> parse_duration_ps(std::string_view text);

// The largest unit that represents `ps` exactly: 1000000 -> "1us", 2500000 -> "2500ns".
// parse_duration_ps(format_duration(x)) == x for every x.
std::string format_duration(uint64_t ps);

// The largest K/M/G suffix that represents `bytes` exactly: 25165824 -> "24M".
std::string format_size(uint64_t bytes);

// Shortest text that reads back as the same double ("16.67", "0.1", "1e+20").
std::string format_double(double value);

}  // namespace vmsim::config
