// The i386 target (a Multiboot guest image on the 32-bit ISS with the Pentium timing model, the
// x86 MMU with 32-bit paging): its registration object. Parameters, statistics and cycle
// categories are in x86/i386_target.cpp.
#pragma once
#include <string>
#include <vector>

#include "models/x86_64/pc.hpp"
#include "sim/platform/target.hpp"

namespace vmsim::platform {

const Target& i386_target();

// The PC a run of the i386 target would build from its parameters' defaults and `overrides`
// ("key=value", checked as `vmsim run --set` checks them): for a figure that runs the PC itself
// (vmsim reproduce sawmill-table1).
x86::pc::PcConfig i386_pc_config(const std::vector<std::string>& overrides);

}  // namespace vmsim::platform
