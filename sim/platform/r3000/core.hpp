// The SystemC wrapper around the R3000 ISS: one SC_THREAD runs the model with
// temporal decoupling (tlm_quantumkeeper), RAM through DMI, devices through
// b_transport. No sc_clock drives it: the ISS counts cycles and the core
// annotates them as time.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "models/mips_r3000/cpu.hpp"
#include "sim/platform/devices.hpp"
#include "sim/platform/quantum.hpp"
#include "sim/platform/target.hpp"

namespace vmsim::platform {

struct CoreParams {
    r3000::CpuConfig cpu;
    sc_core::sc_time clock_period;       // one CPU cycle
    uint64_t max_instructions = 0;       // 0 = no limit
    uint64_t max_cycles = 0;             // 0 = no limit
    uint32_t entry_pc = 0;
    uint32_t initial_sp = 0;
    bool sync_elision = true;            // skip quantum syncs nobody can observe
};

struct CoreResult {
    Outcome outcome = Outcome::GuestError;
    uint32_t exit_code = 0;
    std::string error;  // for GuestError
};

class R3000Core : public sc_core::sc_module, private r3000::Bus {
public:
    tlm_utils::simple_initiator_socket<R3000Core> downstream_socket;

    R3000Core(sc_core::sc_module_name name, const CoreParams& params);
    ~R3000Core() override;

    void attach_timer(Timer* timer) { timer_ = timer; }
    // Trap-driven replay (r3000/replay.cpp): when the run loop has returned (every device
    // access makes it return) and `ready` first says so, the core pauses the simulation
    // (sc_pause) so that its driver runs the ISS from the caller's stack, not from this
    // thread's coroutine (exceptions thrown there, e.g. a trace reader's, upset ASan), then
    // hands the driver's verdict to resume_after_takeover() and sc_start() goes on.
    void set_takeover_ready(std::function<bool()> ready) { takeover_ready_ = std::move(ready); }
    bool taken_over() const { return taken_over_; }
    // "" to let the guest go on, else a guest error that ends the run.
    void resume_after_takeover(std::string error) {
        taken_over_ = false;
        takeover_error_ = std::move(error);
    }
    // The guest asked to stop (sim-control EXIT): leave the run loop.
    void request_exit(uint32_t code);

    // Valid from start_of_simulation on.
    r3000::Cpu& cpu() { return *cpu_; }
    const r3000::Cpu& cpu() const { return *cpu_; }
    uint64_t cycles() const { return cpu_ ? cpu_->cycles() : 0; }
    uint64_t instructions() const { return cpu_ ? cpu_->instructions() : 0; }
    const CoreResult& result() const { return result_; }
    bool exit_requested() const { return exit_requested_; }
    uint64_t quantum_syncs() const { return syncs_; }
    uint64_t elided_syncs() const { return elided_; }

private:
    void start_of_simulation() override;
    void thread();
    sc_core::sc_time local_time() const;
    bool transport(tlm::tlm_command cmd, uint32_t pa, unsigned size, uint32_t& value);
    bool read(uint32_t pa, unsigned size, uint32_t& value) override;
    bool write(uint32_t pa, unsigned size, uint32_t value) override;
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);

    CoreParams params_;
    std::unique_ptr<r3000::Cpu> cpu_;
    QuantumKeeper qk_;
    Timer* timer_ = nullptr;
    uint64_t synced_cycles_ = 0;  // the ISS cycle count at the last quantum sync
    uint64_t syncs_ = 0, elided_ = 0;
    bool exit_requested_ = false;
    std::function<bool()> takeover_ready_;
    bool taken_over_ = false;
    std::string takeover_error_;
    bool eliding_ = false;  // syncs are being elided: run until a device access
    CoreResult result_;
};

}  // namespace vmsim::platform
