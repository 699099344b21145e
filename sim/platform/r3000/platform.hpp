// The R3000 platform: core, router, RAM, console, sim-control and timer wired as
// in vmlib/include/vmsim/memmap.h. SystemC allows one elaboration per process, so
// a process builds one platform and runs it once.
#pragma once
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/loader/elf_loader.hpp"
#include "sim/platform/r3000/config.hpp"
#include "sim/platform/r3000/core.hpp"

namespace vmsim::platform {

class Ram;
class Router;

struct RunSummary {
    CoreResult result;
    uint64_t cycles = 0, instructions = 0;
    double simulated_seconds = 0;
    double host_seconds = 0;
    uint64_t quantum_syncs = 0, elided_syncs = 0;
    uint64_t timer_interrupts = 0;
};

// Where the cycles go, each category once, by the name the statistics use
// ("cycles.<name>"), measured regions use ("region.N.<name>") and reproduce uses.
struct R3000CycleCategory {
    CycleCategory category;
    uint64_t (*read)(const r3000::Cpu& cpu, const r3000::CpuStats& stats);
};
// Categories that add up to the cycle count.
const std::vector<R3000CycleCategory>& r3000_cycle_breakdown();
// The same cycles split by mode (user, kernel).
const std::vector<R3000CycleCategory>& r3000_cycle_modes();

// The counters measured regions accumulate: "cycles", then the breakdown, then the modes,
// then kRegionRefills (TLB misses through the UTLB-refill vector: refills per operation).
inline constexpr const char* kRegionRefills = "utlb_refills";
const std::vector<std::string>& r3000_region_counter_names();
void r3000_region_counters(const r3000::Cpu& cpu, std::vector<uint64_t>& out);

class R3000Platform {
public:
    // Loads the segments into RAM (the loader has checked they fit) and boots at
    // entry with sp at the top of RAM (kseg0); the guest's console goes to `console`.
    R3000Platform(const R3000Config& config, const std::vector<loader::Segment>& segments, uint32_t entry,
                  std::FILE* console);
    ~R3000Platform();

    // Runs the guest to its end. With a takeover set, the simulation pauses once when
    // `ready` says so and `drive` runs the ISS from this (the caller's) stack: it returns ""
    // to let the guest go on, or a guest error that ends the run (R3000Core::set_takeover_ready).
    RunSummary run();
    struct Takeover {
        std::function<bool()> ready;
        std::function<std::string(r3000::Cpu&)> drive;
    };
    void set_takeover(Takeover t);
    bool exit_requested() const { return core_->exit_requested(); }

    const r3000::Cpu& cpu() const { return core_->cpu(); }
    const SimControl& simctl() const { return *simctl_; }

private:
    void write_boot_parameters();

    R3000Config config_;
    std::FILE* console_file_;
    std::unique_ptr<Ram> ram_;
    std::unique_ptr<Router> router_;
    std::unique_ptr<R3000Core> core_;
    std::unique_ptr<Console> console_;
    std::unique_ptr<SimControl> simctl_;
    std::unique_ptr<Timer> timer_;
    std::function<std::string(r3000::Cpu&)> takeover_drive_;
};

}  // namespace vmsim::platform
