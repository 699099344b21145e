// The x86-64 machine's configuration: the MMU model's and the cache-latency model's, plus what the
// platform around them needs (clock, RAM, paging mode, the cost of a page fault) and the workload
// it runs. Every member a parameter sets is bound to it in x86/target.cpp; the defaults here are the
// parameters' defaults: a Skylake client core, as configs/machines/skylake.cfg restates with sources.
#pragma once
#include <cstdint>

#include "models/common/cache_hierarchy.hpp"
#include "models/x86_64/config.hpp"
#include "models/x86_64/pentium_timing.hpp"
#include "sim/platform/sim_config.hpp"
#include "sim/platform/x86/replay.hpp"
#include "workloads/x86/gups.hpp"

namespace vmsim::platform {

// The host-compiled workloads the `workload` parameter names.
enum class X86Workload { Gups, Replay };

struct X86Config {
    double clock_mhz = 4000;  // Core i7-6700K base clock
    x86::MmuConfig mmu;
    x86::PagingMode paging = x86::PagingMode::Long4;
    common::CacheHierarchyConfig caches;
    // The Pentium timing model of the 32-bit ISS (bus, BTB, mispredictions, L1 I-cache); its D-cache
    // is `caches`.l1d. Defaults are the P100's (pentium_timing.hpp, with sources).
    x86::iss::PentiumTimingConfig p5;
    // Bytes of RAM at physical 0, reserved lazily on the host. 3 GB: a 1 GB frame at 1 GB with the
    // pager's tables above it (vmlib/x86 takes large frames from the bottom, tables from the top).
    uint32_t mem_size = uint32_t{3} << 30;
    // A page fault delivered to the workload's pager and the return to the faulting access: exception
    // entry, the upcall, the handler's bookkeeping, IRET. An estimate; the pager's page-table writes
    // are not simulated accesses.
    uint32_t fault_cycles = 1000;
    X86Workload workload = X86Workload::Gups;
    bool compiled_workloads = true;  // X86CoreParams::compiled_workloads (host speed only)
    x86::GupsConfig gups;
    X86ReplayConfig trace;  // workload = replay
    SimConfig sim;
};

}  // namespace vmsim::platform
