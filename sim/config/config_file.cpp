// read_config_file: config files in the INI syntax of Boost.Program_options'
// config files (`key = value`, `[section]` prefixes, `#` comments), read by our own
// line scanner so that every error and every assignment names its file:line.
// `include = other.cfg` reads another file (relative to the including one) at that
// point; cycles and over-deep nesting are errors.
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/common/errors.hpp"
#include "sim/common/text.hpp"
#include "sim/config/registry.hpp"

namespace vmsim::config {
namespace {

namespace fs = std::filesystem;
constexpr std::string_view kIncludeKey = "include";
constexpr size_t kMaxIncludeDepth = 16;

std::string_view trim(std::string_view s) {
    constexpr std::string_view kSpace = " \t\r\n";
    size_t first = s.find_first_not_of(kSpace);
    if (first == std::string_view::npos) return {};
    size_t last = s.find_last_not_of(kSpace);
    return s.substr(first, last - first + 1);
}

bool valid_section(std::string_view name) {
    if (name.empty() || name.front() == '.') return false;
    for (char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) return false;
    }
    return name.find("..") == std::string_view::npos;
}


// The assignments of `content`, keys with their section prefix; throws on a malformed line.
std::vector<Assignment> scan(const std::string& content, const std::string& display) {
    std::vector<Assignment> out;
    std::istringstream in(content);
    std::string raw;
    std::string prefix;
    int line = 0;
    while (std::getline(in, raw)) {
        ++line;
        std::string_view s = raw;
        s = trim(s.substr(0, s.find('#')));
        if (s.empty()) continue;
        auto fail = [&](std::string_view problem) {
            return UserError(kExitUsage, fmt::format("{}:{}: {}", display, line, problem));
        };
        if (s.front() == '[' && s.back() == ']') {
            std::string_view section = s.substr(1, s.size() - 2);
            if (!valid_section(section)) {
                throw fail(fmt::format("expected a section name of lower-case words joined by dots, got '{}'",
                                       printable(s)));
            }
            prefix = std::string(section);
            if (prefix.back() != '.') prefix += '.';
            continue;
        }
        size_t eq = s.find('=');
        if (eq == std::string_view::npos) {
            throw fail(fmt::format("expected 'key = value' or '[section]', got '{}'", printable(s)));
        }
        std::string_view key = trim(s.substr(0, eq));
        if (key.empty()) throw fail("missing key before '='");
        out.push_back({prefix + std::string(key), std::string(trim(s.substr(eq + 1))),
                       fmt::format("{}:{}", display, line)});
    }
    return out;
}

std::string read_file(const std::string& path, const std::string& context) {
    auto cannot = [&](const std::string& reason) {
        return UserError(kExitNoInput, fmt::format("{}cannot open config file '{}': {}", context, path, reason));
    };
    std::error_code ec;
    if (fs::is_directory(path, ec)) throw cannot("is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw cannot(std::strerror(errno));
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) throw cannot(std::strerror(errno));
    return content.str();
}

// The file's canonical path if it has one, for detecting include cycles.
std::string identity_of(const std::string& path) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(path, ec);
    return ec ? fs::path(path).lexically_normal().string() : canonical.string();
}


// `context` prefixes a can't-open message ("parent.cfg:4: " for an included file);
// `open_files` holds the canonical paths of the files being read, to catch cycles.
void read_nested(const std::string& path, const std::string& context, std::vector<std::string>& open_files,
                 std::vector<Assignment>& out) {
    for (Assignment& a : scan(read_file(path, context), path)) {
        if (a.key != kIncludeKey) {
            out.push_back(std::move(a));
            continue;
        }
        const std::string& where = a.where;
        if (a.value.empty()) throw UserError(kExitUsage, fmt::format("{}: include: expected a file name", where));
        fs::path target = fs::path(a.value).is_absolute() ? fs::path(a.value) : fs::path(path).parent_path() / a.value;
        std::string target_text = target.lexically_normal().string();
        std::string target_identity = identity_of(target_text);
        if (std::find(open_files.begin(), open_files.end(), target_identity) != open_files.end()) {
            throw UserError(kExitUsage, fmt::format("{}: include: '{}' includes itself (directly or indirectly)",
                                                    where, target_text));
        }
        if (open_files.size() > kMaxIncludeDepth) {
            throw UserError(kExitUsage, fmt::format("{}: include: more than {} nested includes", where,
                                                    kMaxIncludeDepth));
        }
        open_files.push_back(target_identity);
        read_nested(target_text, where + ": ", open_files, out);
        open_files.pop_back();
    }
}

}  // namespace

std::vector<Assignment> read_config_file(const std::string& path) {
    std::vector<std::string> open_files{identity_of(path)};
    std::vector<Assignment> out;
    read_nested(path, "", open_files, out);
    return out;
}

}  // namespace vmsim::config
