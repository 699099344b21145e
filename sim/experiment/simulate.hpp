// Running simulations from a driver (reproduce, sweeps): SystemC allows one
// elaboration per process, so each simulation runs in a forked child that sends its
// statistics back through a pipe. Up to `jobs` children run at once.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace vmsim::experiment {

struct SimulationSpec {
    std::string label;                 // names the run in errors ("DEC3100 unix")
    std::string elf;
    std::vector<std::string> configs;  // config files, in order
    std::vector<std::string> overrides;  // "key=value"
};

struct SimulationResult {
    std::map<std::string, std::string> stats;  // every statistic as text (config too, as "config.<key>")
    uint64_t u64(const std::string& name) const;  // 0 when absent
    double number(const std::string& name) const;
    bool has(const std::string& name) const { return stats.count(name) != 0; }
};

// Runs every spec (at most `jobs` at a time) and returns the results in order.
// A run that does not end with the guest exiting 0 is a UserError naming the run.
std::vector<SimulationResult> simulate_all(const std::vector<SimulationSpec>& specs, unsigned jobs);

}  // namespace vmsim::experiment
