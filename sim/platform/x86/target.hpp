// The x86-64 target (a core running host-compiled workloads through the x86 MMU model): its
// registration object. Its parameters, statistics and cycle categories are in x86/target.cpp.
#pragma once
#include "sim/platform/target.hpp"

namespace vmsim::platform {

const Target& x86_64_target();

}  // namespace vmsim::platform
