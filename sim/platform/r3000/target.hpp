// The MIPS R3000 target (DECstation-class machine): its registration object.
// Its parameters, statistics and cycle categories are in r3000/target.cpp.
#pragma once
#include "sim/config/registry.hpp"
#include "sim/platform/r3000/config.hpp"
#include "sim/platform/target.hpp"
#include "sim/stats/registry.hpp"

namespace vmsim::platform {

class R3000Platform;
struct RunSummary;

const Target& r3000_target();
// The R3000 configuration a registry holds (declared by r3000_target()), checked as a run
// checks it; UserError(kExitUsage) otherwise.
R3000Config read_r3000_config(const config::Registry& reg);
// Every statistic `vmsim run` records for a finished R3000 run, in its order.
void record_r3000_run(stats::Registry& stats, const R3000Platform& platform, const RunSummary& run);

}  // namespace vmsim::platform
