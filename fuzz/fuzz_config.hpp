// Shared by the config fuzz targets: a registry with the R3000 target's declared
// parameters (every type: uint, size, double, enum, bool, duration, string), and
// the checks after a set of assignments has been applied.
#pragma once
#include <string>

#include "fuzz/fuzz_check.hpp"
#include "sim/config/registry.hpp"
#include "sim/platform/r3000/target.hpp"
#include "sim/platform/target.hpp"

namespace vmsim::fuzz {

inline const config::Registry& declared() {
    static const config::Registry reg = platform::declared_params(platform::r3000_target());
    return reg;
}

// After assignments were accepted: the target's own checks reject with a UserError
// only, and every effective value, as recorded in the stats JSON, reads back as the
// same value (a run can be repeated from its recorded configuration).
inline void check_accepted(const config::Registry& reg) {
    try {
        platform::r3000_target().check_params(reg);
    } catch (const UserError& e) {
        check_rejection(e, {kExitUsage});
    }
    config::Registry again = declared();
    for (const auto& [name, value] : reg.effective()) {
        try {
            again.set_override(name, value, "round trip");
        } catch (const UserError& e) {
            finding("recorded value does not read back", e.what());
        }
        if (again.value_text(name) != value) finding("recorded value changes when read back", name + " " + value);
    }
}

}  // namespace vmsim::fuzz

// libsystemc.so, which the platform library links, calls sc_main from its main();
// libFuzzer's main is the one that runs, but the symbol must exist. Defined here,
// in the one source file of each config fuzz target that includes this header.
extern "C" int sc_main(int, char**) { return 0; }
