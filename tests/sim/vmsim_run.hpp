// Helpers for tests that run the real `vmsim` binary (VMSIM_BINARY) as a child
// process, one run per process as SystemC requires: run_vmsim() captures exit
// status, stdout and stderr; parse_stats_json() reads the --stats-json file.
#pragma once
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "temp_dir.hpp"

namespace vmsim::testing {

struct VmsimRun {
    int exit_code = -1;  // -1: did not exit normally (see term_signal)
    int term_signal = 0;
    std::string out, err;
};

inline std::string read_whole_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Lines of `text` without their '\n'; a last line without '\n' counts too.
inline std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// Runs `VMSIM_BINARY args...` with stdin from /dev/null, in `cwd` if given. A
// run that takes longer than `timeout_seconds` is killed (SIGALRM): every run
// here takes well under a second, so that only stops a hang.
inline VmsimRun run_vmsim(const std::vector<std::string>& args, const std::string& cwd = "",
                          unsigned timeout_seconds = 60) {
    TempDir capture;
    const std::string out_path = capture.path() + "/stdout", err_path = capture.path() + "/stderr";
    std::vector<std::string> argv_strings{VMSIM_BINARY};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);

    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        const int in = ::open("/dev/null", O_RDONLY);
        const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || out < 0 || err < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0)
            ::_exit(200);
        if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(201);
        ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
        ::alarm(timeout_seconds);
        ::execv(argv[0], argv.data());
        ::_exit(202);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw std::runtime_error("waitpid failed");
    }
    VmsimRun r;
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.term_signal = WTERMSIG(status);
    r.out = read_whole_file(out_path);
    r.err = read_whole_file(err_path);
    return r;
}

// Whether `output` exists and no file of `inputs` is newer (a fixture's figure still current for
// this binary and these guests).
inline bool newer_than_all(const std::string& output, const std::vector<std::string>& inputs) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto t = fs::last_write_time(output, ec);
    if (ec) return false;
    for (const std::string& input : inputs)
        if (fs::last_write_time(input, ec) > t || ec) return false;
    return true;
}

// For failure messages: the command's output.
inline std::string describe(const VmsimRun& r) {
    return "exit " + std::to_string(r.exit_code) + (r.term_signal ? " signal " + std::to_string(r.term_signal) : "") +
           "\n--- stdout ---\n" + r.out + "--- stderr ---\n" + r.err;
}

// ---- the --stats-json file --------------------------------------------------
//
// The file is one JSON object: "config" (an object of strings) and then
// statistics whose values are numbers, strings or null. This reader accepts
// exactly that shape (any whitespace) and keeps every value's text: strings
// unescaped, numbers and null as written.
struct StatsJson {
    std::vector<std::pair<std::string, std::string>> config;  // in file order
    std::vector<std::pair<std::string, std::string>> stats;   // in file order, "config" excluded

    const std::string* find(const std::string& name) const {
        for (const auto& kv : stats)
            if (kv.first == name) return &kv.second;
        return nullptr;
    }
    bool has(const std::string& name) const { return find(name) != nullptr; }
    // The value of counter `name`; a test failure (and 0) if absent or not an integer.
    uint64_t u64(const std::string& name) const {
        const std::string* v = find(name);
        if (!v) {
            ADD_FAILURE() << "stats JSON has no " << name;
            return 0;
        }
        if (v->empty() || v->find_first_not_of("0123456789") != std::string::npos) {
            ADD_FAILURE() << "stats JSON " << name << " is not an unsigned integer: " << *v;
            return 0;
        }
        return std::strtoull(v->c_str(), nullptr, 10);
    }
    std::map<std::string, std::string> config_map() const { return {config.begin(), config.end()}; }
};

class StatsJsonReader {
public:
    explicit StatsJsonReader(const std::string& text) : s_(text) {}

    StatsJson read() {
        StatsJson j;
        expect('{');
        bool first = true;
        while (!peek('}')) {
            if (!first) expect(',');
            first = false;
            std::string key = string();
            expect(':');
            if (key == "config") {
                if (seen_config_) fail("second \"config\"");
                seen_config_ = true;
                expect('{');
                bool first_entry = true;
                while (!peek('}')) {
                    if (!first_entry) expect(',');
                    first_entry = false;
                    std::string name = string();
                    expect(':');
                    j.config.emplace_back(name, string());
                }
                expect('}');
            } else {
                j.stats.emplace_back(key, scalar());
            }
        }
        expect('}');
        skip_space();
        if (pos_ != s_.size()) fail("text after the object");
        if (!seen_config_) fail("no \"config\" object");
        return j;
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw std::runtime_error("stats JSON, offset " + std::to_string(pos_) + ": " + what);
    }
    void skip_space() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t' || s_[pos_] == '\r'))
            ++pos_;
    }
    bool peek(char c) {
        skip_space();
        return pos_ < s_.size() && s_[pos_] == c;
    }
    void expect(char c) {
        if (!peek(c)) fail(std::string("expected '") + c + "'");
        ++pos_;
    }
    std::string string() {
        expect('"');
        std::string out;
        for (;;) {
            if (pos_ >= s_.size()) fail("unterminated string");
            const char c = s_[pos_++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= s_.size()) fail("unterminated escape");
            const char e = s_[pos_++];
            switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    if (pos_ + 4 > s_.size()) fail("short \\u escape");
                    const unsigned long cp = std::strtoul(s_.substr(pos_, 4).c_str(), nullptr, 16);
                    pos_ += 4;
                    if (cp >= 0x80) fail("non-ASCII \\u escape (not expected in vmsim output)");
                    out += static_cast<char>(cp);
                    break;
                }
                default: fail("bad escape");
            }
        }
    }
    // A number, a string or null, as text.
    std::string scalar() {
        skip_space();
        if (peek('"')) return string();
        if (s_.compare(pos_, 4, "null") == 0) {
            pos_ += 4;
            return "null";
        }
        const size_t start = pos_;
        if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
        const size_t digits = pos_;
        while (pos_ < s_.size() && std::string("0123456789.eE+-").find(s_[pos_]) != std::string::npos) ++pos_;
        if (pos_ == digits || s_[digits] < '0' || s_[digits] > '9') fail("expected a number, a string or null");
        const std::string text = s_.substr(start, pos_ - start);
        char* end = nullptr;
        std::strtod(text.c_str(), &end);
        if (*end != '\0') fail("malformed number '" + text + "'");
        return text;
    }

    const std::string& s_;
    size_t pos_ = 0;
    bool seen_config_ = false;
};

inline StatsJson parse_stats_json(const std::string& text) { return StatsJsonReader(text).read(); }

// The parameter names and defaults of `vmsim run --help` ("name  default  type  help"
// rows, two-space indent, after the "parameters" heading), in listed order.
inline std::vector<std::pair<std::string, std::string>> help_parameters(const std::string& help) {
    std::vector<std::pair<std::string, std::string>> params;
    bool in_params = false;
    for (const std::string& line : split_lines(help)) {
        if (line.rfind("parameters", 0) == 0) {
            in_params = true;
            continue;
        }
        if (!in_params || line.rfind("  ", 0) != 0) continue;
        std::istringstream row(line);
        std::string name, default_text;
        row >> name >> default_text;
        params.emplace_back(name, default_text);
    }
    return params;
}

// Whether `part` occurs in `text`.
inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Checks that the run failed with `code`, printed nothing on stdout and exactly one terminated line
// on stderr (the one-line error every bad input gets); returns that line.
inline std::string one_error_line(const VmsimRun& r, int code) {
    EXPECT_EQ(r.exit_code, code) << describe(r);
    EXPECT_EQ(r.out, "") << describe(r);
    const std::vector<std::string> lines = split_lines(r.err);
    EXPECT_EQ(lines.size(), 1u) << describe(r);
    EXPECT_TRUE(!r.err.empty() && r.err.back() == '\n') << "the line is terminated: " << describe(r);
    return lines.empty() ? std::string() : lines.front();
}

}  // namespace vmsim::testing
