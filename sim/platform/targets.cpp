// The target registration: the one place that lists the simulated machines.
#include "sim/platform/r3000/target.hpp"
#include "sim/platform/target.hpp"
#include "sim/platform/x86/i386_target.hpp"
#include "sim/platform/x86/target.hpp"

namespace vmsim::platform {

const std::vector<const Target*>& targets() {
    static const std::vector<const Target*> all = {&r3000_target(), &x86_64_target(), &i386_target()};
    return all;
}

}  // namespace vmsim::platform
