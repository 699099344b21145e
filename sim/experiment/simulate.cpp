#include "sim/experiment/simulate.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "sim/common/errors.hpp"
#include "sim/config/registry.hpp"
#include "sim/platform/target.hpp"
#include "sim/stats/registry.hpp"

namespace vmsim::experiment {
namespace {

namespace fs = std::filesystem;

// The simulation of one spec, in its point's child process: build the configuration,
// run the platform, report its statistics and how the guest ended.
PointReport simulate(const SimulationSpec& spec) {
    const platform::Configured c = platform::configure(spec.configs, spec.overrides);
    std::FILE* devnull = std::fopen("/dev/null", "w");  // the guest's console is not part of the result
    stats::Registry stats;
    const platform::RunResult run = c.target->run(c.params, spec.elf, stats, devnull ? devnull : stdout);

    PointReport report;
    report.config = c.params.effective();
    if (!spec.elf.empty()) report.config.emplace_back("program", spec.elf);  // a point file says what it ran
    for (const stats::Stat& s : stats.all()) report.stats.emplace_back(s.name, s.value);
    if (run.outcome != platform::Outcome::Exited)
        report.error = run.message;
    else if (run.exit_code != 0)
        report.error = "the guest exited with code " + std::to_string(run.exit_code);
    return report;
}

// A fresh directory under the system's temporary directory, removed with its content
// when it goes out of scope (or, on SIGINT/SIGTERM, by the runner's last callback).
class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "vmsim-points-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr)
            throw UserError(kExitCantCreate, "cannot create a temporary directory " + pattern);
        path_ = pattern;
    }
    ~TempDir() { remove(); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    void remove() const {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }

private:
    std::string path_;
};

}  // namespace

std::vector<SimulationResult> simulate_points(const std::vector<SimulationSpec>& specs, const RunnerOptions& options) {
    std::vector<PointName> points;
    for (const SimulationSpec& s : specs) points.push_back({s.id.empty() ? point_slug(s.label) : s.id, s.label});
    return run_points(points, [&](size_t i) { return simulate(specs[i]); }, options);
}

std::vector<SimulationResult> simulate_points(const std::vector<SimulationSpec>& specs, unsigned jobs,
                                              const std::string& dir) {
    RunnerOptions options;
    options.dir = dir;
    options.jobs = jobs;
    return simulate_points(specs, options);
}

std::vector<SimulationResult> simulate_all(const std::vector<SimulationSpec>& specs, unsigned jobs) {
    const TempDir dir;
    RunnerOptions options;
    options.dir = dir.path();
    options.jobs = jobs;
    options.before_signal_exit = [&dir] { dir.remove(); };
    std::vector<SimulationResult> results = simulate_points(specs, options);

    // One line: the first few failures in full, then how many more (a figure runs
    // a hundred simulations; a bad parameter fails them all the same way).
    constexpr size_t kNamed = 3;
    std::string failures;
    size_t failed = 0;
    ExitCode code = kExitGuestError;  // unless a simulation crashed rather than reported
    for (size_t i = 0; i < specs.size(); ++i) {
        if (results[i].ok()) continue;
        if (++failed <= kNamed)
            failures += (failures.empty() ? "" : "; ") + specs[i].label +
                        (specs[i].elf.empty() ? "" : " (" + specs[i].elf + ")") + ": " + results[i].error;
        if (results[i].status == PointStatus::Crashed) code = kExitSoftware;
    }
    if (failed > kNamed) failures += "; and " + std::to_string(failed - kNamed) + " more of " +
                                     std::to_string(specs.size()) + " simulations failed";
    if (failed) throw UserError(code, failures);
    return results;
}

}  // namespace vmsim::experiment
