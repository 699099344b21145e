// Running simulations from a driver (reproduce, sweeps): each simulation is a point of
// the runner (runner.hpp), run in a forked child that writes its statistics to a
// point file. Up to `jobs` children run at once.
#pragma once
#include <string>
#include <vector>

#include "sim/experiment/runner.hpp"

namespace vmsim::experiment {

struct SimulationSpec {
    std::string label;                   // names the run in errors ("DEC3100 unix")
    std::string elf;
    std::vector<std::string> configs;    // config files, in order
    std::vector<std::string> overrides;  // "key=value"
    std::string id;                      // its point file's id; point_slug(label) if empty
};

// A simulation's statistics and effective configuration. Asking for a statistic it
// does not have is an error naming the statistic and the run (has() asks first).
using SimulationResult = PointResult;

// Runs every spec with its point file in <dir>/points/ and returns the results in
// order, failed runs included (ok() false, error says why: a guest error, the
// instruction limit, a nonzero guest exit, an exception, a crash).
std::vector<SimulationResult> simulate_points(const std::vector<SimulationSpec>& specs, unsigned jobs,
                                              const std::string& dir);
// The same with every option of the runner (options.dir holds the point files):
// resuming (skip_finished), progress (on_point_done), cleanup on a signal.
std::vector<SimulationResult> simulate_points(const std::vector<SimulationSpec>& specs, const RunnerOptions& options);

// Runs every spec, its point files in a temporary directory removed afterwards, and
// returns the results in order. When all have ended, any run that did not end with the
// guest exiting 0 is a UserError naming every such run.
std::vector<SimulationResult> simulate_all(const std::vector<SimulationSpec>& specs, unsigned jobs);

}  // namespace vmsim::experiment
