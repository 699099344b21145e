// Memory-mapped devices of the R3000 platform (register map: vmlib/include/vmsim/memmap.h).
// Each is a TLM target; their registers are word-sized and little-endian.
#pragma once
#include <array>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

namespace vmsim::platform {

// A device whose registers are reached through b_transport; subclasses decode offsets.
class RegisterDevice : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<RegisterDevice> upstream_socket;

    explicit RegisterDevice(sc_core::sc_module_name name);

protected:
    // Return false for an offset/size the device does not decode (a bus error).
    virtual bool read(uint32_t offset, unsigned size, uint32_t& value) = 0;
    virtual bool write(uint32_t offset, unsigned size, uint32_t value) = 0;

private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
};

// Console: a byte written to offset 0 goes to `out` (the simulator's stdout).
class Console : public RegisterDevice {
public:
    Console(sc_core::sc_module_name name, std::FILE* out);

protected:
    bool read(uint32_t offset, unsigned size, uint32_t& value) override;
    bool write(uint32_t offset, unsigned size, uint32_t value) override;

private:
    std::FILE* out_;
};

// Counters the sim-control device reads, and what it does on exit.
struct SimControlHooks {
    std::function<uint64_t()> cycles;
    std::function<uint64_t()> instructions;
    std::function<void(uint32_t)> exit;  // the guest asked to stop with this code
    // The counters a measured region accumulates, in the order of the names given to
    // SimControl: a region's value of each is its increase from BEGIN to END.
    std::function<void(std::vector<uint64_t>&)> region_counters;
};

// Simulation control: exit, cycle/instruction counters, measured regions.
class SimControl : public RegisterDevice {
public:
    struct Region {
        std::vector<uint64_t> totals, at_begin;  // one per region counter
        uint64_t count = 0;                      // completed BEGIN/END pairs
        bool open = false;
    };
    static constexpr unsigned kMaxRegions = 64;

    SimControl(sc_core::sc_module_name name, SimControlHooks hooks, std::vector<std::string> region_counter_names);
    const std::array<Region, kMaxRegions>& regions() const { return regions_; }
    const std::vector<std::string>& region_counter_names() const { return counter_names_; }
    // Guest counters (VMSIM_SIMCTL_COUNTER_*): value, and whether the guest wrote it.
    static constexpr unsigned kMaxGuestCounters = 64;
    struct GuestCounter {
        uint64_t value = 0;
        bool written = false;
    };
    const std::array<GuestCounter, kMaxGuestCounters>& guest_counters() const { return guest_counters_; }

protected:
    bool read(uint32_t offset, unsigned size, uint32_t& value) override;
    bool write(uint32_t offset, unsigned size, uint32_t value) override;

private:
    SimControlHooks hooks_;
    std::vector<std::string> counter_names_;
    std::array<Region, kMaxRegions> regions_{};
    std::vector<uint64_t> now_;  // scratch for reading the counters
    std::array<GuestCounter, kMaxGuestCounters> guest_counters_{};
    uint32_t selected_counter_ = 0;
};

// Periodic timer in the cycle domain: while enabled it raises its interrupt line
// every `period` cycles, counted from the cycle it was enabled; the guest clears
// the interrupt by writing ACK. The core asks next_event() so that it stops at
// exactly that cycle, whatever the quantum: runs repeat bit for bit.
class Timer : public RegisterDevice {
public:
    Timer(sc_core::sc_module_name name, uint64_t period, std::function<uint64_t()> now);

    static constexpr uint64_t kNever = ~uint64_t{0};
    uint64_t next_event() const { return enabled_ ? next_fire_ : kNever; }
    // Advances to cycle `now`; returns the interrupt line level.
    bool update(uint64_t now);
    bool irq() const { return pending_; }
    uint64_t fired() const { return fired_; }

protected:
    bool read(uint32_t offset, unsigned size, uint32_t& value) override;
    bool write(uint32_t offset, unsigned size, uint32_t value) override;

private:
    uint64_t period_;
    std::function<uint64_t()> now_;
    bool enabled_ = false, pending_ = false;
    uint64_t next_fire_ = 0, fired_ = 0;
};

}  // namespace vmsim::platform
