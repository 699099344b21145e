// Point files: the JSON a child writes for its point, read back by the parent, and
// the strict lookups of PointResult.
#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "sim/common/errors.hpp"
#include "sim/experiment/runner.hpp"
#include "sim/stats/json.hpp"

namespace vmsim::experiment {
namespace {

// ---- writing -----------------------------------------------------------------------

// `"key": {` one "name": value line per entry `}`, one entry per line so that two
// reports diff line by line.
template <typename Entries, typename Format>
std::string json_object(const Entries& entries, Format format) {
    if (entries.empty()) return "{}";
    std::string out = "{";
    const char* separator = "\n";
    for (const auto& [name, value] : entries) {
        out += separator;
        out += "    " + stats::json_string(name) + ": " + format(value);
        separator = ",\n";
    }
    return out + "\n  }";
}

std::string json_value(const StatValue& value) {
    if (const auto* u = std::get_if<uint64_t>(&value)) return std::to_string(*u);
    if (const auto* d = std::get_if<double>(&value)) return stats::json_number(*d);  // exact, null if not finite
    return stats::json_string(std::get<std::string>(value));
}

// ---- reading: the flat JSON above, with every string escape JSON allows -------------

class Reader {
public:
    Reader(std::string_view text, const std::string& where) : text_(text), where_(where) {}

    [[noreturn]] void fail(const std::string& expected) const {
        throw UserError(kExitDataErr, fmt::format("{}: byte {}: expected {}", where_, pos_, expected));
    }
    void skip_space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
                                       text_[pos_] == '\r'))
            ++pos_;
    }
    bool peek(char c) {
        skip_space();
        return pos_ < text_.size() && text_[pos_] == c;
    }
    void expect(char c) {
        if (!peek(c)) fail(fmt::format("'{}'", c));
        ++pos_;
    }
    void expect_end() {
        skip_space();
        if (pos_ != text_.size()) fail("the end of the file");
    }

    // Calls member(key) for each key of an object; member reads the value.
    template <typename Member>
    void object(Member member) {
        expect('{');
        if (peek('}')) {
            ++pos_;
            return;
        }
        for (;;) {
            const std::string key = string();
            expect(':');
            member(key);
            if (peek(',')) {
                ++pos_;
                continue;
            }
            expect('}');
            return;
        }
    }

    std::string string() {
        expect('"');
        std::string out;
        for (;;) {
            if (pos_ >= text_.size()) fail("the end of a string");
            const char c = text_[pos_++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) {
                --pos_;
                fail("an escape instead of a control character");
            }
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= text_.size()) fail("an escape");
            switch (text_[pos_++]) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': append_utf8(out, code_point()); break;
                default: --pos_; fail("one of \" \\ / b f n r t u after a backslash");
            }
        }
    }

    PointValue scalar() {
        skip_space();
        if (peek('"')) return {PointValue::Kind::Text, string()};
        if (text_.substr(pos_, 4) == "null") {
            pos_ += 4;
            return {PointValue::Kind::Null, "null"};
        }
        return {PointValue::Kind::Number, number()};
    }

    // Any value, discarded (keys a newer writer may add).
    void skip_value() {
        if (peek('{')) object([&](const std::string&) { skip_value(); });
        else scalar();
    }

private:
    // JSON's number grammar, kept as written.
    std::string number() {
        const size_t start = pos_;
        auto digits = [&] {
            const size_t from = pos_;
            while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
            if (pos_ == from) fail("a digit");
        };
        if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
        if (pos_ < text_.size() && text_[pos_] == '0') ++pos_;
        else digits();
        if (pos_ < text_.size() && text_[pos_] == '.') {
            ++pos_;
            digits();
        }
        if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
            ++pos_;
            if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
            digits();
        }
        return std::string(text_.substr(start, pos_ - start));
    }

    unsigned hex4() {
        if (pos_ + 4 > text_.size()) fail("four hex digits after \\u");
        unsigned v = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = text_[pos_];
            const int d = c >= '0' && c <= '9' ? c - '0'
                          : c >= 'a' && c <= 'f' ? c - 'a' + 10
                          : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                 : -1;
            if (d < 0) fail("a hex digit");
            v = v * 16 + static_cast<unsigned>(d);
            ++pos_;
        }
        return v;
    }

    // After "\u": one code point, joining a UTF-16 surrogate pair.
    unsigned code_point() {
        const unsigned first = hex4();
        if (first >= 0xdc00 && first <= 0xdfff) fail("a high surrogate before a low one");
        if (first < 0xd800 || first > 0xdbff) return first;
        if (text_.substr(pos_, 2) != "\\u") fail("a low surrogate after a high one");
        pos_ += 2;
        const unsigned second = hex4();
        if (second < 0xdc00 || second > 0xdfff) fail("a low surrogate after a high one");
        return 0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00);
    }

    static void append_utf8(std::string& out, unsigned cp) {
        auto byte = [&](unsigned b) { out += static_cast<char>(b); };
        if (cp < 0x80) {
            byte(cp);
        } else if (cp < 0x800) {
            byte(0xc0 | (cp >> 6));
            byte(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            byte(0xe0 | (cp >> 12));
            byte(0x80 | ((cp >> 6) & 0x3f));
            byte(0x80 | (cp & 0x3f));
        } else {
            byte(0xf0 | (cp >> 18));
            byte(0x80 | ((cp >> 12) & 0x3f));
            byte(0x80 | ((cp >> 6) & 0x3f));
            byte(0x80 | (cp & 0x3f));
        }
    }

    std::string_view text_;
    const std::string& where_;
    size_t pos_ = 0;
};

UserError no_value(const PointResult& r, std::string_view what, std::string_view name) {
    return UserError(kExitSoftware, fmt::format("{}: the results have no {} '{}'", r.label, what, name));
}

UserError wrong_kind(const PointResult& r, std::string_view name, std::string_view expected, const std::string& text) {
    return UserError(kExitSoftware, fmt::format("{}: statistic '{}' is {}, not {}", r.label, name, text, expected));
}

}  // namespace

// ---- PointResult -------------------------------------------------------------------

void PointResult::add_stat(std::string name, PointValue value) {
    if (!index_.emplace(name, stats_.size()).second) throw std::logic_error("statistic listed twice: " + name);
    stats_.emplace_back(std::move(name), std::move(value));
}

const PointValue& PointResult::stat(std::string_view name) const {
    auto it = index_.find(name);
    if (it == index_.end()) throw no_value(*this, "statistic", name);
    return stats_[it->second].second;
}

uint64_t PointResult::u64(std::string_view name) const {
    const PointValue& v = stat(name);
    const std::string& t = v.text;
    if (v.kind != PointValue::Kind::Number || t.empty() || t.find_first_not_of("0123456789") != std::string::npos)
        throw wrong_kind(*this, name, "a counter", t);
    errno = 0;
    const unsigned long long u = std::strtoull(t.c_str(), nullptr, 10);
    if (errno == ERANGE) throw wrong_kind(*this, name, "a counter", t);
    return u;
}

double PointResult::number(std::string_view name) const {
    const PointValue& v = stat(name);
    if (v.kind == PointValue::Kind::Null) return std::nan("");
    if (v.kind != PointValue::Kind::Number) throw wrong_kind(*this, name, "a number", "text");
    return std::strtod(v.text.c_str(), nullptr);  // the JSON grammar was checked on reading
}

const std::string& PointResult::config_text(std::string_view name) const {
    for (const auto& [key, value] : config)
        if (key == name) return value;
    throw no_value(*this, "parameter", name);
}

double PointResult::config_number(std::string_view name) const {
    const std::string& t = config_text(name);
    char* end = nullptr;
    const double v = std::strtod(t.c_str(), &end);
    if (t.empty() || *end) throw UserError(kExitSoftware, fmt::format("{}: parameter '{}' is {}, not a number",
                                                                      label, name, t));
    return v;
}

// ---- files -------------------------------------------------------------------------

std::string points_dir(const std::string& dir) { return (std::filesystem::path(dir) / "points").string(); }

std::string point_file(const std::string& dir, const std::string& id) {
    return (std::filesystem::path(points_dir(dir)) / (id + ".json")).string();
}

std::string partial_point_file(const std::string& dir, const std::string& id) {
    return (std::filesystem::path(points_dir(dir)) / ("." + id + ".json.partial")).string();
}

bool point_finished(const std::string& dir, const std::string& id) {
    std::ifstream in(point_file(dir, id), std::ios::binary);
    if (!in) return false;
    std::ostringstream text;
    text << in.rdbuf();
    try {
        return parse_point_json(text.str(), point_file(dir, id)).status == PointStatus::Finished;
    } catch (const UserError&) {
        return false;  // cut short (a crash of the machine before it reached the disk): run it again
    }
}

std::string point_slug(std::string_view label) {
    std::string out;
    for (char c : label) {
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out += c;
        else if (c >= 'A' && c <= 'Z') out += static_cast<char>(c - 'A' + 'a');
        else if (!out.empty() && out.back() != '-') out += '-';
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    return out;
}

std::string point_json(const PointName& point, const PointReport& report) {
    std::string out = "{\n  \"id\": " + stats::json_string(point.id) + ",\n";
    out += "  \"label\": " + stats::json_string(point.label.empty() ? point.id : point.label) + ",\n";
    if (!report.error.empty()) out += "  \"error\": " + stats::json_string(report.error) + ",\n";
    out += "  \"config\": " + json_object(report.config, [](const std::string& v) { return stats::json_string(v); });
    out += ",\n  \"stats\": " + json_object(report.stats, json_value) + "\n}\n";
    return out;
}

PointResult parse_point_json(std::string_view text, const std::string& where) {
    Reader in(text, where);
    PointResult r;
    bool has_id = false, has_error = false;
    in.object([&](const std::string& key) {
        if (key == "id") {
            r.id = in.string();
            has_id = true;
        } else if (key == "label") {
            r.label = in.string();
        } else if (key == "error") {
            r.error = in.string();
            has_error = true;
        } else if (key == "config") {
            in.object([&](const std::string& name) { r.config.emplace_back(name, in.string()); });
        } else if (key == "stats") {
            in.object([&](const std::string& name) {
                if (r.has(name)) in.fail("each statistic once ('" + name + "' repeats)");
                r.add_stat(name, in.scalar());
            });
        } else {
            in.skip_value();
        }
    });
    in.expect_end();
    if (!has_id) in.fail("an \"id\" member");
    if (r.label.empty()) r.label = r.id;
    r.status = has_error ? PointStatus::Failed : PointStatus::Finished;
    return r;
}

}  // namespace vmsim::experiment
