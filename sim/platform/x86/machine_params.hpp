// The x86 machine's parameters, declared once for both x86 targets (x86_64's host-compiled
// workloads and trace replay, i386's ISS running a guest image): the clock, RAM, the data-cache
// hierarchy, the Pentium timing model, the paging mode, the MMU and its TLBs and paging-structure
// caches, all bound to X86Config, and the checks the types alone cannot make.
#pragma once
#include "sim/config/param_table.hpp"
#include "sim/platform/x86/config.hpp"

namespace vmsim::platform {

// Declares the machine's parameters in `table` (its root is X86Config).
void bind_x86_machine(config::ParamTable<X86Config>& table);
// gups.update_cycles: the GUPS workload's own work, an estimate per machine, so presets set it and
// both targets declare it (i386 does not read it).
void bind_gups_update_cycles(config::ParamTable<X86Config>& table);
// Throws UserError(kExitUsage), one line naming the parameter, for a machine that passes the types
// but cannot be built (tree-PLRU without power-of-two ways, a geometry that does not fit, ...).
void check_x86_machine(const X86Config& c);
bool power_of_two(uint64_t v);

}  // namespace vmsim::platform
