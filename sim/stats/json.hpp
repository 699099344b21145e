// Minimal JSON text helpers shared by the result writers.
#pragma once
#include <string>
#include <string_view>

namespace vmsim::stats {

// `text` as a JSON string literal with quotes: ", \ and control characters escaped,
// valid UTF-8 passed through, each byte of invalid UTF-8 replaced by U+FFFD so the
// output is always valid JSON.
std::string json_string(std::string_view text);

// A JSON number: the shortest text that reads back as the same double, "null" for
// NaN and infinities (JSON has no literal for them).
std::string json_number(double value);

}  // namespace vmsim::stats
