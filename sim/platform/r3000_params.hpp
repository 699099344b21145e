// The R3000 platform's parameters: declared once (name, default, help, source of
// the number) and turned into PlatformParams after config files and --set.
#pragma once
#include <cstdio>
#include <string>

#include "sim/config/registry.hpp"
#include "sim/platform/r3000_platform.hpp"
#include "sim/stats/registry.hpp"

namespace vmsim::platform {

void declare_r3000_params(config::Registry& reg);
// Throws UserError(kExitUsage) for values that pass their type but not the platform.
PlatformParams r3000_params_from(const config::Registry& reg);

struct R3000Run {
    PlatformParams params;
    RunSummary summary;
    uint32_t final_pc = 0;  // where the core stopped
};
// The whole of one run: parameters from `reg`, `elf` loaded and booted, run to the
// end, statistics recorded into `stats`. SystemC allows this once per process.
R3000Run run_r3000(const config::Registry& reg, const std::string& elf, stats::Registry& stats,
                   std::FILE* console = stdout);

// Records a finished run's statistics: instruction and cycle counts, exceptions by
// ExcCode, TLB counters, measured regions, host speed.
void record_r3000_stats(stats::Registry& stats, const R3000Platform& platform, const RunSummary& run);

}  // namespace vmsim::platform
