// The i386 target (a Multiboot guest image on the 32-bit ISS with the Pentium timing model, the
// x86 MMU with 32-bit paging): its registration object. Parameters, statistics and cycle
// categories are in x86/i386_target.cpp.
#pragma once
#include "sim/platform/target.hpp"

namespace vmsim::platform {

const Target& i386_target();

}  // namespace vmsim::platform
