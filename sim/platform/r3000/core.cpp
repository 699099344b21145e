#include "sim/platform/r3000/core.hpp"

#include <algorithm>
#include <cmath>

#include "sim/platform/dmi.hpp"

namespace vmsim::platform {

R3000Core::R3000Core(sc_core::sc_module_name name, const CoreParams& params)
    : sc_module(name), downstream_socket("downstream_socket"), params_(params) {
    downstream_socket.register_invalidate_direct_mem_ptr(this, &R3000Core::invalidate_direct_mem_ptr);
    SC_HAS_PROCESS(R3000Core);
    SC_THREAD(thread);
}

R3000Core::~R3000Core() = default;

void R3000Core::start_of_simulation() {
    // RAM is reached through DMI, asked for once.
    const RamWindow ram = request_ram_dmi(downstream_socket, name());
    cpu_ = std::make_unique<r3000::Cpu>(params_.cpu, ram.host, static_cast<uint32_t>(ram.size),
                                        static_cast<r3000::Bus*>(this));
    cpu_->reset(params_.entry_pc);
    cpu_->set_gpr(29, params_.initial_sp);
}

void R3000Core::invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) {
    // Our RAM never revokes DMI; a platform whose memory does needs a core that re-requests it.
    SC_REPORT_FATAL(name(), "DMI to RAM was invalidated; this core keeps its RAM pointer for the whole run");
}

sc_core::sc_time R3000Core::local_time() const {
    return params_.clock_period * static_cast<double>(cpu_->cycles() - synced_cycles_);
}

void R3000Core::request_exit(uint32_t code) {
    exit_requested_ = true;
    result_.outcome = Outcome::Exited;
    result_.exit_code = code;
    cpu_->break_run();
}

void R3000Core::thread() {
    const uint64_t insn_limit = params_.max_instructions ? params_.max_instructions : ~uint64_t{0};
    const auto cycles_in = [this](const sc_core::sc_time& t) {  // whole cycles, rounded up
        return std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(t / params_.clock_period)));
    };
    qk_.reset();
    // The cycle at which the quantum is used up.
    uint64_t boundary = cycles_in(qk_.time_to_sync_point());

    for (;;) {
        uint64_t limit = boundary;
        if (timer_) limit = std::min(limit, timer_->next_event());
        if (params_.max_cycles) limit = std::min(limit, params_.max_cycles);
        const r3000::StopReason why = cpu_->run(limit, insn_limit);
        qk_.set(local_time());
        if (timer_) cpu_->set_interrupt(2, timer_->update(cpu_->cycles()));

        if (why == r3000::StopReason::GuestError) {
            result_.outcome = Outcome::GuestError;
            result_.error = cpu_->error();
            break;
        }
        if (takeover_ready_ && !exit_requested_ && takeover_ready_()) {
            takeover_ready_ = nullptr;
            taken_over_ = true;
            sc_core::sc_pause();                    // sc_start() returns at the end of this delta cycle
            sc_core::wait(sc_core::SC_ZERO_TIME);  // and the next sc_start() resumes here
            if (!takeover_error_.empty()) {
                result_.outcome = Outcome::GuestError;
                result_.error = std::move(takeover_error_);
                break;
            }
            qk_.set(local_time());
            if (exit_requested_) break;  // the guest exited during the takeover
            continue;
        }
        if (exit_requested_) break;
        if (why == r3000::StopReason::InstructionLimit) {
            result_.outcome = Outcome::InstructionLimit;
            break;
        }
        if (params_.max_cycles && cpu_->cycles() >= params_.max_cycles) {
            result_.outcome = Outcome::CycleLimit;
            break;
        }
        if (eliding_ && sc_core::sc_pending_activity()) boundary = cpu_->cycles();  // a device woke something
        if (cpu_->cycles() < boundary) continue;
        // The quantum is used up. It bounds how far this core runs ahead of other
        // processes; with none pending (no runnable process, no scheduled event) a
        // sync would change nothing observable, so it may be elided: the local time
        // offset keeps growing and every transaction still carries it.
        // Only a device transaction can create activity before the next sync, and
        // transport() then ends the elision, so the core runs on until one does.
        if (params_.sync_elision && !sc_core::sc_pending_activity()) {
            ++elided_;
            eliding_ = true;
            boundary = ~uint64_t{0};
            continue;
        }
        eliding_ = false;
        qk_.sync();
        synced_cycles_ = cpu_->cycles();
        ++syncs_;
        boundary = synced_cycles_ + cycles_in(qk_.time_to_sync_point());
    }
    qk_.sync();
    sc_core::sc_stop();
}

bool R3000Core::transport(tlm::tlm_command cmd, uint32_t pa, unsigned size, uint32_t& value) {
    tlm::tlm_generic_payload trans;
    trans.set_command(cmd);
    trans.set_address(pa);
    trans.set_data_ptr(reinterpret_cast<unsigned char*>(&value));  // little-endian host = guest order
    trans.set_data_length(size);
    trans.set_streaming_width(size);
    trans.set_byte_enable_ptr(nullptr);
    trans.set_dmi_allowed(false);
    trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = local_time();
    downstream_socket->b_transport(trans, delay);
    // A device access may change what the loop watches (the timer enabled or its
    // period changed, activity created for another process): return to the loop so
    // it recomputes its limits.
    cpu_->break_run();
    return trans.is_response_ok();
}

bool R3000Core::read(uint32_t pa, unsigned size, uint32_t& value) {
    value = 0;
    return transport(tlm::TLM_READ_COMMAND, pa, size, value);
}

bool R3000Core::write(uint32_t pa, unsigned size, uint32_t value) {
    return transport(tlm::TLM_WRITE_COMMAND, pa, size, value);
}

}  // namespace vmsim::platform
