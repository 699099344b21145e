#include "sim/experiment/simulate.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <variant>

#include "sim/common/errors.hpp"
#include "sim/config/registry.hpp"
#include "sim/platform/target.hpp"
#include "sim/stats/json.hpp"
#include "sim/stats/registry.hpp"

namespace vmsim::experiment {
namespace {

// The child's report: one "name<TAB>value" line per statistic, or "error<TAB>message".
// Values never hold tabs or newlines (stats names and numbers; text stats are words).
std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) out += (c == '\t' || c == '\n') ? ' ' : c;
    return out;
}

void write_all(int fd, const std::string& text) {
    const char* p = text.data();
    size_t left = text.size();
    while (left) {
        const ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
}

// In the child: build the platform, run it, report. Never returns.
[[noreturn]] void child(const SimulationSpec& spec, int fd) {
    std::string report;
    int code = 0;
    try {
        const platform::Configured c = platform::configure(spec.configs, spec.overrides);
        std::FILE* devnull = std::fopen("/dev/null", "w");  // the guest's console is not part of the result
        stats::Registry stats;
        const platform::RunResult run = c.target->run(c.params, spec.elf, stats, devnull ? devnull : stdout);
        for (const auto& [k, v] : c.params.effective()) report += "config." + k + "\t" + escape(v) + "\n";
        for (const stats::Stat& s : stats.all()) {
            std::string value;
            if (const auto* u = std::get_if<uint64_t>(&s.value)) value = std::to_string(*u);
            else if (const auto* d = std::get_if<double>(&s.value)) value = stats::json_number(*d);  // exact
            else value = std::get<std::string>(s.value);
            report += s.name + "\t" + escape(value) + "\n";
        }
        if (run.outcome != platform::Outcome::Exited)
            report += "error\t" + escape(run.message) + "\n";
        else if (run.exit_code != 0)
            report += "error\tthe guest exited with code " + std::to_string(run.exit_code) + "\n";
    } catch (const std::exception& e) {
        report += std::string("error\t") + escape(e.what()) + "\n";
        code = 1;
    }
    write_all(fd, report);
    ::close(fd);
    std::fflush(nullptr);
    ::_exit(code);
}

struct Running {
    pid_t pid;
    int fd;
    size_t index;
};

SimulationResult collect(const Running& r, const SimulationSpec& spec) {
    std::string text;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(r.fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(buf, static_cast<size_t>(n));
    }
    ::close(r.fd);
    int status = 0;
    while (::waitpid(r.pid, &status, 0) < 0 && errno == EINTR) {
    }
    SimulationResult result;
    size_t pos = 0;
    while (pos < text.size()) {
        const size_t end = text.find('\n', pos);
        const std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        pos = end == std::string::npos ? text.size() : end + 1;
        const size_t tab = line.find('\t');
        if (tab == std::string::npos) continue;
        const std::string key = line.substr(0, tab), value = line.substr(tab + 1);
        if (key == "error") throw UserError(kExitGuestError, spec.label + " (" + spec.elf + "): " + value);
        result.stats[key] = value;
    }
    if (!WIFEXITED(status) || result.stats.empty())
        throw UserError(kExitSoftware, spec.label + ": the simulation process died without a report");
    return result;
}

}  // namespace

uint64_t SimulationResult::u64(const std::string& name) const {
    auto it = stats.find(name);
    return it == stats.end() ? 0 : std::strtoull(it->second.c_str(), nullptr, 10);
}

double SimulationResult::number(const std::string& name) const {
    auto it = stats.find(name);
    return it == stats.end() ? 0.0 : std::strtod(it->second.c_str(), nullptr);
}

std::vector<SimulationResult> simulate_all(const std::vector<SimulationSpec>& specs, unsigned jobs) {
    if (jobs == 0) jobs = 1;
    std::vector<SimulationResult> results(specs.size());
    std::vector<Running> running;
    size_t next = 0;
    std::fflush(nullptr);  // nothing buffered may be written twice by the children
    while (next < specs.size() || !running.empty()) {
        while (next < specs.size() && running.size() < jobs) {
            int fds[2];
            if (::pipe(fds) != 0) throw UserError(kExitSoftware, std::string("pipe: ") + std::strerror(errno));
            const pid_t pid = ::fork();
            if (pid < 0) throw UserError(kExitSoftware, std::string("fork: ") + std::strerror(errno));
            if (pid == 0) {
                ::close(fds[0]);
                child(specs[next], fds[1]);
            }
            ::close(fds[1]);
            running.push_back(Running{pid, fds[0], next});
            ++next;
        }
        // Collect the oldest; the others keep running meanwhile.
        const Running r = running.front();
        running.erase(running.begin());
        results[r.index] = collect(r, specs[r.index]);
    }
    return results;
}

}  // namespace vmsim::experiment
