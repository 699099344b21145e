// User text inside a one-line message or table cell: newline and tab written as
// \n and \t, other control characters as \xNN, so the text stays on one line and
// shows what was there.
#pragma once
#include <string>
#include <string_view>

namespace vmsim {

inline std::string printable(std::string_view text) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (u < 0x20 || u == 0x7f) {
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 0xf];
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace vmsim
