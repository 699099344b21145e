// Simulation-control settings any target has: the TLM quantum, sync elision and
// the instruction limit, declared once for every target that embeds SimConfig.
#pragma once
#include <cstdint>
#include <string>

#include "sim/config/param_table.hpp"

namespace vmsim::platform {

struct SimConfig {
    uint64_t quantum_ps = 1'000'000;  // TLM temporal-decoupling quantum: 1 us
    bool sync_elision = true;
    uint64_t max_instructions = 10'000'000'000ull;  // 0 = no limit
    uint64_t max_cycles = 0;                        // 0 = no limit
};

// `max_instructions_help`: what sim.max_instructions counts on a target whose guest is not an
// instruction stream (the x86 target's workload operations); empty: guest instructions.
template <class Root>
void bind_sim_params(const typename config::ParamTable<Root>::template Group<SimConfig>& sim,
                     const std::string& max_instructions_help = "") {
    sim.duration_ps("sim.quantum", &SimConfig::quantum_ps, "TLM temporal-decoupling quantum").positive();
    sim.flag("sim.sync_elision", &SimConfig::sync_elision,
             "skip a quantum sync when no other SystemC process has activity pending "
             "(it could observe nothing); false = sync at every quantum");
    sim.uint("sim.max_instructions", &SimConfig::max_instructions,
             max_instructions_help.empty() ? "stop a guest that has not exited after this many instructions (0 = no limit)"
                                           : max_instructions_help);
    sim.uint("sim.max_cycles", &SimConfig::max_cycles,
             "stop a guest that has not exited after this many CPU cycles, stalls included (0 = no limit)");
}

}  // namespace vmsim::platform
