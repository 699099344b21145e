// The MIPS R3000 target (DECstation-class machine): its registration object.
// Its parameters, statistics and cycle categories are in r3000/target.cpp.
#pragma once
#include "sim/platform/target.hpp"

namespace vmsim::platform {

const Target& r3000_target();

}  // namespace vmsim::platform
