// What every fuzz target checks about a rejection: a vmsim::UserError is a prompt,
// bounded, one-line message with a documented exit code. Anything else that
// escapes the code under test (std::logic_error, std::bad_alloc, a crash, a
// sanitizer report) is a finding: libFuzzer stops and saves the input.
#pragma once
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>

#include "sim/common/errors.hpp"
#include "sim/common/text.hpp"

namespace vmsim::fuzz {

// The longest message a rejection may print: at most two paths (an include's
// file:line and the file it names, each shown up to kPathExcerptChars), two
// quoted excerpts and the fixed text (well under 1 KiB). Before issue 7 a
// 4 KiB binary line gave a 16 KiB message.
constexpr size_t kMaxMessageBytes = 2 * kPathExcerptChars + 1024;

[[noreturn]] inline void finding(const char* what, const std::string& detail) {
    std::fprintf(stderr, "fuzz finding: %s: %.2000s\n", what, detail.c_str());
    std::abort();
}

// Writes a fuzz input to a file of its own (made once per process under /tmp, named `name`) for
// code under test that reads a path, and returns the path.
inline const std::string& write_input(const char* name, const uint8_t* data, size_t size) {
    static const std::string path = [name] {
        char pattern[] = "/tmp/vmsim-fuzz-XXXXXX";
        if (::mkdtemp(pattern) == nullptr) std::abort();
        return std::string(pattern) + "/" + name;
    }();
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ::write(fd, data, size) != static_cast<ssize_t>(size) || ::close(fd) != 0) std::abort();
    return path;
}

inline void check_rejection(const UserError& e, std::initializer_list<ExitCode> codes) {
    const std::string message = e.what();
    if (message.empty()) finding("empty message", message);
    if (message.find('\n') != std::string::npos) finding("message is not one line", message);
    if (message.size() > kMaxMessageBytes) finding("message too long", message.substr(0, 200));
    for (ExitCode c : codes)
        if (e.code() == c) return;
    finding("undocumented exit code", std::to_string(e.code()) + " " + message);
}

}  // namespace vmsim::fuzz
