// Registry::load_file: config files through Boost.Program_options' INI parser.
//
// Boost's parser reports neither line numbers nor which line was malformed, and every
// error here must name file:line. So the file is first scanned line by line with the
// same rules Boost applies (strip from '#', trim, "[section]", "name = value"); that
// scan rejects malformed lines and records the line of every assignment. Boost's
// parser then yields the same assignments in the same order, and the two are zipped.
#include <boost/program_options/options_description.hpp>
#include <boost/program_options/parsers.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/common/errors.hpp"
#include "sim/config/registry.hpp"

namespace vmsim::config {
namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;

constexpr std::string_view kIncludeKey = "include";
constexpr size_t kMaxIncludeDepth = 16;

struct Assignment {
    int line;
    std::string key;  // with the section prefix
};

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

std::string printable(std::string_view text) {
    std::string out;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? fmt::format("\\x{:02x}", u) : std::string(1, c);
    }
    return out;
}

// The assignments of `content` with their line numbers; throws on a malformed line.
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
        out.push_back({line, prefix + std::string(key)});
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

}  // namespace

void Registry::load_file(const std::string& path) {
    // All or nothing: a file that fails half-way leaves no values behind.
    std::vector<detail::Param> before = params_;
    std::vector<std::string> open_files{identity_of(path)};
    try {
        load_file_nested(path, "", open_files);
    } catch (...) {
        params_ = std::move(before);
        throw;
    }
}

// `context` prefixes a can't-open message ("parent.cfg:4: " for an included file);
// `open_files` holds the canonical paths of the files being read, to catch cycles.
void Registry::load_file_nested(const std::string& path, const std::string& context,
                                std::vector<std::string>& open_files) {
    const std::string content = read_file(path, context);
    std::vector<Assignment> assignments = scan(content, path);

    po::options_description description;
    description.add_options()(std::string(kIncludeKey).c_str(), po::value<std::string>());
    for (const auto& p : params_) description.add_options()(p.name.c_str(), po::value<std::string>());
    po::parsed_options parsed(&description);
    try {
        std::istringstream in(content);
        parsed = po::parse_config_file(in, description, /*allow_unregistered=*/true);
    } catch (const po::error& e) {
        throw UserError(kExitUsage, fmt::format("{}: {}", path, e.what()));
    }
    if (parsed.options.size() != assignments.size()) {
        throw std::logic_error(fmt::format("config: {}: line scan found {} assignments, Boost {}", path,
                                           assignments.size(), parsed.options.size()));
    }

    for (size_t i = 0; i < assignments.size(); ++i) {
        const auto& option = parsed.options[i];
        const std::string where = fmt::format("{}:{}", path, assignments[i].line);
        if (option.string_key != assignments[i].key || option.value.size() != 1) {
            throw std::logic_error(fmt::format("config: {}: line scan found '{}', Boost '{}'", where,
                                               assignments[i].key, option.string_key));
        }
        const std::string& value = option.value.front();
        if (option.string_key != kIncludeKey) {
            assign(option.string_key, value, where, Layer::kFile);
            continue;
        }

        if (value.empty()) throw UserError(kExitUsage, fmt::format("{}: include: expected a file name", where));
        fs::path target = fs::path(value).is_absolute() ? fs::path(value) : fs::path(path).parent_path() / value;
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
        load_file_nested(target_text, where + ": ", open_files);
        open_files.pop_back();
    }
}

}  // namespace vmsim::config
