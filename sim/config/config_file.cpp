// read_config_file: config files in the INI syntax of Boost.Program_options'
// config files (`key = value`, `[section]` prefixes, `#` comments), read by our own
// line scanner so that every error and every assignment names its file:line.
// `include = other.cfg` reads another file (relative to the including one) at that
// point; cycles and over-deep nesting are errors. Only regular files are read, of at
// most 1 MiB each, 4 MiB and 256 included files in all (see kMaxFileBytes).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "sim/common/errors.hpp"
#include "sim/common/text.hpp"
#include "sim/config/registry.hpp"

namespace vmsim::config {
namespace {

namespace fs = std::filesystem;
constexpr std::string_view kIncludeKey = "include";
constexpr size_t kMaxIncludeDepth = 16;
// Bounds on what one config file and its includes may make us read. Real config
// files are a few KiB; the bounds stop /dev/zero-like or fanning-out input early,
// and keep the assignments (about 100 bytes each plus the path) well under 1 GB.
constexpr size_t kMaxFileBytes = size_t{1} << 20;   // per file: 1 MiB
constexpr size_t kMaxTotalBytes = size_t{4} << 20;  // a file and its includes together: 4 MiB
constexpr size_t kMaxIncludedFiles = 256;           // files read through `include`, in all

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
                throw fail(fmt::format("expected a section name of lower-case words joined by dots, got {}",
                                       quoted(s)));
            }
            prefix = std::string(section);
            if (prefix.back() != '.') prefix += '.';
            continue;
        }
        size_t eq = s.find('=');
        if (eq == std::string_view::npos) {
            throw fail(fmt::format("expected 'key = value' or '[section]', got {}", quoted(s)));
        }
        std::string_view key = trim(s.substr(0, eq));
        if (key.empty()) throw fail("missing key before '='");
        out.push_back({prefix + std::string(key), std::string(trim(s.substr(eq + 1))),
                       fmt::format("{}:{}", display, line)});
    }
    return out;
}

// What a path that is not a regular file is, for the message.
const char* kind_of(mode_t mode) {
    if (S_ISDIR(mode)) return "is a directory";
    if (S_ISCHR(mode)) return "is a character device, not a regular file";
    if (S_ISBLK(mode)) return "is a block device, not a regular file";
    if (S_ISFIFO(mode)) return "is a FIFO, not a regular file";
    if (S_ISSOCK(mode)) return "is a socket, not a regular file";
    return "is not a regular file";
}

// The bytes of a regular file of at most kMaxFileBytes. Anything else (a device
// such as /dev/zero that never ends, a FIFO that may never be written) is refused
// before a byte is read: O_NONBLOCK keeps open() of a FIFO from waiting for a writer.
std::string read_file(const std::string& path, const std::string& context) {
    auto cannot = [&](const std::string& reason) {
        return UserError(kExitNoInput,
                         fmt::format("{}cannot open config file '{}': {}", context, printable_path(path), reason));
    };
    auto too_large = [&] {
        return UserError(kExitUsage, fmt::format("{}config file '{}' is larger than {} MiB, the most a config "
                                                 "file may hold", context, printable_path(path), kMaxFileBytes >> 20));
    };
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) throw cannot(std::strerror(errno));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw cannot(std::strerror(errno));
    if (!S_ISREG(st.st_mode)) throw cannot(kind_of(st.st_mode));
    if (static_cast<uint64_t>(st.st_size) > kMaxFileBytes) throw too_large();
    // The file can grow while we read it: the limit applies to what is read.
    std::string content;
    char chunk[64 << 10];
    for (;;) {
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw cannot(std::strerror(errno));
        if (n == 0) return content;
        content.append(chunk, static_cast<size_t>(n));
        if (content.size() > kMaxFileBytes) throw too_large();
    }
}

// The file's canonical path if it has one, for detecting include cycles.
std::string identity_of(const std::string& path) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(path, ec);
    return ec ? fs::path(path).lexically_normal().string() : canonical.string();
}


// What one read_config_file() call has read so far.
struct Reading {
    std::vector<std::string> open_files;  // canonical paths of the files being read, to catch cycles
    size_t included = 0;                  // files read through `include`
    size_t bytes = 0;                     // bytes of every file read
    std::vector<Assignment> out;
};

// `context` prefixes a can't-open message ("parent.cfg:4: " for an included file).
void read_nested(const std::string& path, const std::string& context, Reading& r) {
    const std::string content = read_file(path, context);
    r.bytes += content.size();
    if (r.bytes > kMaxTotalBytes) {
        throw UserError(kExitUsage, fmt::format("{}config file '{}': the files included so far hold more than {} MiB "
                                                "in all, the most one config file and its includes may hold",
                                                context, printable_path(path), kMaxTotalBytes >> 20));
    }
    for (Assignment& a : scan(content, printable_path(path))) {
        if (a.key != kIncludeKey) {
            r.out.push_back(std::move(a));
            continue;
        }
        const std::string& where = a.where;
        if (a.value.empty()) throw UserError(kExitUsage, fmt::format("{}: include: expected a file name", where));
        fs::path target = fs::path(a.value).is_absolute() ? fs::path(a.value) : fs::path(path).parent_path() / a.value;
        std::string target_text = target.lexically_normal().string();
        std::string target_identity = identity_of(target_text);
        if (std::find(r.open_files.begin(), r.open_files.end(), target_identity) != r.open_files.end()) {
            throw UserError(kExitUsage, fmt::format("{}: include: '{}' includes itself (directly or indirectly)",
                                                    where, printable_path(target_text)));
        }
        if (r.open_files.size() > kMaxIncludeDepth) {
            throw UserError(kExitUsage, fmt::format("{}: include: more than {} nested includes", where,
                                                    kMaxIncludeDepth));
        }
        // Without cycles, files that include the next one several times still grow
        // exponentially with the depth: the number of files read is bounded too.
        if (++r.included > kMaxIncludedFiles) {
            throw UserError(kExitUsage, fmt::format("{}: include: more than {} included files in all, the most "
                                                    "one config file may include", where, kMaxIncludedFiles));
        }
        r.open_files.push_back(target_identity);
        read_nested(target_text, where + ": ", r);
        r.open_files.pop_back();
    }
}

}  // namespace

std::vector<Assignment> read_config_file(const std::string& path) {
    Reading r;
    r.open_files.push_back(identity_of(path));
    read_nested(path, "", r);
    return std::move(r.out);
}

}  // namespace vmsim::config
