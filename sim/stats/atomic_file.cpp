#include "sim/stats/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "sim/common/errors.hpp"

namespace vmsim::stats {
namespace {

std::atomic<unsigned> g_temp_counter{0};

UserError cannot_write(const std::string& path, int error) {
    return UserError(kExitCantCreate, fmt::format("cannot write {}: {}", path, std::strerror(error)));
}

bool write_all(int fd, std::string_view content) {
    while (!content.empty()) {
        ssize_t n = ::write(fd, content.data(), content.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        content.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

// Whether `path` names something that exists and is not a regular file (a device
// node, a FIFO, a socket, a symbolic link: lstat, so the link itself counts).
// Renaming over such a path would replace it: as root, `--stats-json /dev/null`
// would put a JSON file where /dev/null was.
bool is_special(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

// Writes `content` through `path` as it is (following a link), as a shell's `>`
// would: no temporary file, no rename; every write error is reported (/dev/full).
// Returns 0 or the errno of the failure.
int write_in_place(const std::string& path, std::string_view content) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) return errno;
    int error = write_all(fd, content) ? 0 : errno;
    if (::close(fd) != 0 && error == 0) error = errno;
    return error;
}

// write_file_atomically() without throwing: 0 or the errno of the failure.
int write_file(const std::string& path, std::string_view content) {
    namespace fs = std::filesystem;
    fs::path target(path);
    if (target.filename().empty()) return EISDIR;
    if (is_special(path)) return write_in_place(path, content);

    // Same directory as the target, so rename() never crosses file systems. The
    // name is unique per process and call; O_EXCL guards against anything else.
    int fd = -1;
    std::string temp;
    for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
        temp = (target.parent_path() / fmt::format(".{}.tmp.{}.{}", target.filename().string(),
                                                   ::getpid(), g_temp_counter++)).string();
        fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) return errno;

    int error = 0;
    if (!write_all(fd, content) || ::fsync(fd) != 0) error = errno;
    if (::close(fd) != 0 && error == 0) error = errno;
    if (error == 0 && std::rename(temp.c_str(), path.c_str()) != 0) error = errno;
    if (error != 0) ::unlink(temp.c_str());
    return error;
}

}  // namespace

void write_file_atomically(const std::string& path, std::string_view content) {
    if (const int error = write_file(path, content)) throw cannot_write(path, error);
}

std::string try_write_file_atomically(const std::string& path, std::string_view content) {
    const int error = write_file(path, content);
    return error == 0 ? std::string() : cannot_write(path, error).what();
}

void check_writable(const std::string& path) {
    namespace fs = std::filesystem;
    fs::path target(path);
    std::error_code ec;
    if (target.filename().empty() || fs::is_directory(target, ec)) throw cannot_write(path, EISDIR);
    // Written in place: the path itself must be writable, not its directory (/dev).
    if (is_special(path)) {
        if (::access(path.c_str(), W_OK) != 0) throw cannot_write(path, errno);
        return;
    }
    const fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
    if (::access(dir.c_str(), W_OK | X_OK) != 0) throw cannot_write(path, errno);
}

void check_output_dir(const std::string& dir) {
    namespace fs = std::filesystem;
    auto cannot = [&](const std::string& why) {
        return UserError(kExitCantCreate, fmt::format("cannot write into {}: {}", dir, why));
    };
    const fs::path wanted = fs::absolute(dir).lexically_normal();
    fs::path existing = wanted;
    std::error_code ec;
    while (!fs::exists(existing, ec) && existing.has_parent_path() && existing != existing.parent_path())
        existing = existing.parent_path();
    if (!fs::is_directory(existing, ec))
        throw cannot(existing == wanted ? "it is not a directory" : existing.string() + " is not a directory");
    std::string probe = (existing / ".vmsim-write-test.XXXXXX").string();
    const int fd = ::mkstemp(probe.data());
    if (fd < 0) throw cannot(std::strerror(errno));
    ::close(fd);
    ::unlink(probe.c_str());
}

}  // namespace vmsim::stats
