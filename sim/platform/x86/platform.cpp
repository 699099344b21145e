#include "sim/platform/x86/platform.hpp"

#include <chrono>
#include <cstdio>

#include "sim/platform/ram.hpp"
#include "sim/platform/setup.hpp"

namespace vmsim::platform {

std::unique_ptr<x86::Workload> make_x86_workload(const X86Config& config) {
    switch (config.workload) {
        case X86Workload::Gups: return std::make_unique<x86::Gups>(config.gups);
        case X86Workload::Replay: break;  // not a workload on the core: the target runs replay.hpp
    }
    return nullptr;
}

X86Platform::X86Platform(const X86Config& config) : config_(config), workload_(make_x86_workload(config)) {
    setup_systemc(config_.sim.quantum_ps);

    X86CoreParams core;
    core.mmu = config_.mmu;
    core.paging = config_.paging;
    core.caches = config_.caches;
    core.clock_period = clock_period(config_.clock_mhz);  // 250 ps at 4 GHz
    core.max_operations = config_.sim.max_instructions;
    core.max_cycles = config_.sim.max_cycles;
    core.fault_cycles = config_.fault_cycles;
    core.sync_elision = config_.sim.sync_elision;
    core.compiled_workloads = config_.compiled_workloads;

    ram_ = std::make_unique<Ram>("ram", config_.mem_size, true);
    core_ = std::make_unique<X86Core>("cpu", core, *workload_);
    core_->downstream_socket.bind(ram_->upstream_socket);
}

X86Platform::~X86Platform() = default;

X86RunSummary X86Platform::run() {
    const auto t0 = std::chrono::steady_clock::now();
    sc_core::sc_start();
    const auto t1 = std::chrono::steady_clock::now();

    X86RunSummary s;
    s.result = core_->result();
    s.core = core_->stats();
    s.mmu = core_->mmu_stats();
    s.caches = core_->cache_stats();
    s.simulated_seconds = sc_core::sc_time_stamp().to_seconds();
    s.host_seconds = std::chrono::duration<double>(t1 - t0).count();
    const auto started = core_->workload_start();
    s.setup_host_seconds = started < t0 ? s.host_seconds : std::chrono::duration<double>(started - t0).count();
    s.quantum_syncs = core_->quantum_syncs();
    s.elided_syncs = core_->elided_syncs();
    return s;
}

const std::vector<X86CycleCategory>& x86_cycle_breakdown() {
    static const std::vector<X86CycleCategory> c = {
        {{"compute", "the workload's own computation: its stated cycles per operation"},
         [](const X86CoreStats& s) { return s.compute_cycles; }},
        {{"translation", "address translation: STLB lookups and page walks (L1 TLB hits cost mmu.l1_hit_cycles)"},
         [](const X86CoreStats& s) { return s.translation_cycles; }},
        {{"data", "loads and stores: the latency of the cache level (or memory) that held the line"},
         [](const X86CoreStats& s) { return s.data_cycles; }},
        {{"page_faults", "page faults delivered to the workload's pager (cpu.fault_cycles each)"},
         [](const X86CoreStats& s) { return s.fault_cycles; }},
    };
    return c;
}

const std::vector<X86CycleCategory>& x86_cycle_modes() {
    static const std::vector<X86CycleCategory> c = {
        {{"user", "cycles of the workload's operations and accesses"},
         [](const X86CoreStats& s) { return s.compute_cycles + s.translation_cycles + s.data_cycles; }},
        {{"kernel", "cycles of page-fault handling"}, [](const X86CoreStats& s) { return s.fault_cycles; }},
    };
    return c;
}

}  // namespace vmsim::platform
