// The R3000 platform: core, router, RAM, console, sim-control and timer wired as
// in vmlib/include/vmsim/memmap.h. SystemC allows one elaboration per process, so
// a process builds one platform and runs it once.
#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "sim/platform/r3000_core.hpp"

namespace vmsim::platform {

class Ram;
class Router;

struct PlatformParams {
    CoreParams core;                     // entry_pc/initial_sp are set by the platform
    uint32_t mem_size = 24u << 20;
    uint64_t timer_period = 100000;      // cycles
    uint32_t stlb_entries = 0;           // boot parameter for aegis; 0 = the kernel's default
    sc_core::sc_time quantum = sc_core::sc_time(1, sc_core::SC_US);
    std::FILE* console = stdout;
};

struct Segment {
    uint32_t paddr = 0;
    std::vector<uint8_t> bytes;  // file contents
    uint32_t memsz = 0;          // >= bytes.size(); the rest is zero
};

struct RunSummary {
    CoreResult result;
    uint64_t cycles = 0, instructions = 0;
    double simulated_seconds = 0;
    double host_seconds = 0;
    uint64_t quantum_syncs = 0, elided_syncs = 0;
    uint64_t console_bytes = 0;
    uint64_t timer_interrupts = 0;
};

// Where the cycles go, each category once, by the name the statistics use
// ("cycles.<name>"), measured regions use ("region.N.<name>") and reproduce uses.
struct CycleCategory {
    const char* name;
    const char* description;
    uint64_t (*read)(const r3000::Cpu& cpu, const r3000::CpuStats& stats);
};
// Categories that add up to the cycle count.
const std::vector<CycleCategory>& r3000_cycle_breakdown();
// The same cycles split by mode (user, kernel).
const std::vector<CycleCategory>& r3000_cycle_modes();

// The counters measured regions accumulate: "cycles", then the breakdown, then the modes.
const std::vector<std::string>& r3000_region_counter_names();
void r3000_region_counters(const r3000::Cpu& cpu, std::vector<uint64_t>& out);

class R3000Platform {
public:
    // Loads the segments into RAM (the caller has checked they fit) and boots at
    // entry with sp at the top of RAM (kseg0).
    R3000Platform(const PlatformParams& params, const std::vector<Segment>& segments, uint32_t entry);
    ~R3000Platform();

    RunSummary run();

    const r3000::Cpu& cpu() const { return core_->cpu(); }
    const SimControl& simctl() const { return *simctl_; }
    uint8_t* ram();

private:
    void write_boot_parameters();

    PlatformParams params_;
    std::unique_ptr<Ram> ram_;
    std::unique_ptr<Router> router_;
    std::unique_ptr<R3000Core> core_;
    std::unique_ptr<Console> console_;
    std::unique_ptr<SimControl> simctl_;
    std::unique_ptr<Timer> timer_;
};

}  // namespace vmsim::platform
