// User text inside a one-line message or table cell: newline and tab written as
// \n and \t, other control characters as \xNN, so the text stays on one line and
// shows what was there. The text is bounded here, once for every message: at most
// kExcerptChars characters of it are shown, then "..." and its length, so that a
// 300 KB line (or a binary file given as a config file) gives a short message.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace vmsim {

// The most characters of user text a message shows (escapes count as written).
inline constexpr size_t kExcerptChars = 80;
// File names are shown whole up to PATH_MAX (Linux: 4096): a longer one cannot name
// a file, so nothing is lost by cutting it.
inline constexpr size_t kPathExcerptChars = 4096;

// `text` escaped, cut after `max_chars` characters; `cut` tells whether it was.
inline std::string printable_excerpt(std::string_view text, bool& cut, size_t max_chars = kExcerptChars) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    cut = false;
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        char piece[5] = {c, '\0'};
        if (c == '\n') {
            piece[0] = '\\', piece[1] = 'n', piece[2] = '\0';
        } else if (c == '\t') {
            piece[0] = '\\', piece[1] = 't', piece[2] = '\0';
        } else if (u < 0x20 || u == 0x7f) {
            piece[0] = '\\', piece[1] = 'x', piece[2] = hex[u >> 4], piece[3] = hex[u & 0xf], piece[4] = '\0';
        }
        const std::string_view p(piece);
        if (out.size() + p.size() > max_chars) {  // an escape is never split
            cut = true;
            break;
        }
        out += p;
    }
    return out;
}

// " (N bytes)" after a cut excerpt: how much was left out.
inline std::string excerpt_length(std::string_view text) { return " (" + std::to_string(text.size()) + " bytes)"; }

// The text as a message shows it: escaped, and "first 80 characters... (N bytes)"
// when longer.
inline std::string printable(std::string_view text, size_t max_chars = kExcerptChars) {
    bool cut = false;
    std::string out = printable_excerpt(text, cut, max_chars);
    return cut ? out + "..." + excerpt_length(text) : out;
}

// A file name in a message: escaped (a newline in it would break the line), whole
// unless longer than any path can be.
inline std::string printable_path(std::string_view path) { return printable(path, kPathExcerptChars); }

// The same in single quotes: 'text', or 'first 80 characters...' (N bytes).
inline std::string quoted(std::string_view text, size_t max_chars = kExcerptChars) {
    bool cut = false;
    const std::string out = printable_excerpt(text, cut, max_chars);
    return cut ? "'" + out + "...'" + excerpt_length(text) : "'" + out + "'";
}

}  // namespace vmsim
