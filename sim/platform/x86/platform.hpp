// The x86-64 platform: the core (x86/core.hpp) and RAM holding the page tables and the workload's
// data, the core reaching it through DMI. No devices: the workload is host code, and it ends by
// returning. SystemC allows one elaboration per process, so a process builds one platform and
// runs it once.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "sim/platform/target.hpp"
#include "sim/platform/x86/config.hpp"
#include "sim/platform/x86/core.hpp"

namespace vmsim::platform {

class Ram;

struct X86RunSummary {
    X86CoreResult result;
    X86CoreStats core;
    x86::MmuStats mmu;
    common::CacheHierarchyStats caches;
    double simulated_seconds = 0, host_seconds = 0;
    // Of host_seconds, those before the workload's first operation (elaboration, booting paging,
    // the workload's setup); 0 for a replay, whose host_seconds are the replay's alone.
    double setup_host_seconds = 0;
    uint64_t quantum_syncs = 0, elided_syncs = 0;
};

// Where the cycles go, each category once, by the name the statistics use ("cycles.<name>").
struct X86CycleCategory {
    CycleCategory category;
    uint64_t (*read)(const X86CoreStats& stats);
};
const std::vector<X86CycleCategory>& x86_cycle_breakdown();  // adds up to the cycle count
const std::vector<X86CycleCategory>& x86_cycle_modes();      // the same cycles by mode

// The workload the configuration names, built from its parameters.
std::unique_ptr<x86::Workload> make_x86_workload(const X86Config& config);

class X86Platform {
public:
    explicit X86Platform(const X86Config& config);
    ~X86Platform();

    X86RunSummary run();

private:
    X86Config config_;
    std::unique_ptr<x86::Workload> workload_;
    std::unique_ptr<Ram> ram_;
    std::unique_ptr<X86Core> core_;
};

}  // namespace vmsim::platform
