// The R3000 platform's parameters: declared once (name, default, help, source of
// the number) and turned into PlatformParams after config files and --set.
#pragma once
#include "sim/config/registry.hpp"
#include "sim/platform/r3000_platform.hpp"
#include "sim/stats/registry.hpp"

namespace vmsim::platform {

void declare_r3000_params(config::Registry& reg);
// Throws UserError(kExitUsage) for values that pass their type but not the platform.
PlatformParams r3000_params_from(const config::Registry& reg);

// Records a finished run's statistics: instruction and cycle counts, exceptions by
// ExcCode, TLB counters, measured regions, host speed.
void record_r3000_stats(stats::Registry& stats, const R3000Platform& platform, const RunSummary& run);

}  // namespace vmsim::platform
