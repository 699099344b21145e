#include "sim/platform/devices.hpp"

#include <cstring>

#include "vmsim/memmap.h"

namespace vmsim::platform {

RegisterDevice::RegisterDevice(sc_core::sc_module_name name)
    : sc_module(name), upstream_socket("upstream_socket") {
    upstream_socket.register_b_transport(this, &RegisterDevice::b_transport);
}

void RegisterDevice::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time&) {
    const unsigned len = trans.get_data_length();
    const uint64_t addr = trans.get_address();
    if ((len != 1 && len != 2 && len != 4) || (addr & (len - 1)) || trans.get_byte_enable_ptr()) {
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    uint32_t value = 0;
    bool ok;
    if (trans.is_read()) {
        ok = read(static_cast<uint32_t>(addr), len, value);
        if (ok) std::memcpy(trans.get_data_ptr(), &value, len);  // host and guest are little-endian
    } else {
        std::memcpy(&value, trans.get_data_ptr(), len);
        ok = write(static_cast<uint32_t>(addr), len, value);
    }
    trans.set_response_status(ok ? tlm::TLM_OK_RESPONSE : tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

// ---- Console ----------------------------------------------------------------

Console::Console(sc_core::sc_module_name name, std::FILE* out) : RegisterDevice(name), out_(out) {}

bool Console::read(uint32_t offset, unsigned, uint32_t& value) {
    if (offset >= VMSIM_CONSOLE_SIZE) return false;
    value = 0;
    return true;
}

bool Console::write(uint32_t offset, unsigned, uint32_t value) {
    if (offset >= VMSIM_CONSOLE_SIZE) return false;
    if (offset == VMSIM_CONSOLE_PUTC) std::fputc(static_cast<int>(value & 0xff), out_);
    return true;
}

// ---- SimControl -------------------------------------------------------------

SimControl::SimControl(sc_core::sc_module_name name, SimControlHooks hooks,
                       std::vector<std::string> region_counter_names)
    : RegisterDevice(name), hooks_(std::move(hooks)), counter_names_(std::move(region_counter_names)) {
    for (Region& r : regions_) r.totals.assign(counter_names_.size(), 0);
}

bool SimControl::read(uint32_t offset, unsigned size, uint32_t& value) {
    if (size != 4) return false;
    switch (offset) {
        case VMSIM_SIMCTL_CYCLES_LO: value = static_cast<uint32_t>(hooks_.cycles()); return true;
        case VMSIM_SIMCTL_CYCLES_HI: value = static_cast<uint32_t>(hooks_.cycles() >> 32); return true;
        case VMSIM_SIMCTL_INSNS_LO: value = static_cast<uint32_t>(hooks_.instructions()); return true;
        case VMSIM_SIMCTL_INSNS_HI: value = static_cast<uint32_t>(hooks_.instructions() >> 32); return true;
        default: value = 0; return offset < VMSIM_SIMCTL_SIZE;
    }
}

bool SimControl::write(uint32_t offset, unsigned size, uint32_t value) {
    if (size != 4) return false;
    switch (offset) {
        case VMSIM_SIMCTL_EXIT:
            hooks_.exit(value);
            return true;
        case VMSIM_SIMCTL_REGION_BEGIN:
        case VMSIM_SIMCTL_REGION_END: {
            if (value >= kMaxRegions) return false;  // a bus error tells the guest it is out of range
            Region& r = regions_[value];
            if (offset == VMSIM_SIMCTL_REGION_BEGIN) {
                r.open = true;
                hooks_.region_counters(r.at_begin);
            } else if (r.open) {
                r.open = false;
                hooks_.region_counters(now_);
                for (size_t i = 0; i < r.totals.size(); ++i) r.totals[i] += now_[i] - r.at_begin[i];
                ++r.count;
            }
            return true;
        }
        case VMSIM_SIMCTL_COUNTER_SELECT:
            if (value >= kMaxGuestCounters) return false;  // a bus error: out of range
            selected_counter_ = value;
            return true;
        case VMSIM_SIMCTL_COUNTER_ADD: {
            GuestCounter& c = guest_counters_[selected_counter_];
            c.value += value;
            c.written = true;
            return true;
        }
        default: return offset < VMSIM_SIMCTL_SIZE;
    }
}

// ---- Timer ------------------------------------------------------------------

Timer::Timer(sc_core::sc_module_name name, uint64_t period, std::function<uint64_t()> now)
    : RegisterDevice(name), period_(period), now_(std::move(now)) {}

bool Timer::update(uint64_t now) {
    if (enabled_ && now >= next_fire_) {
        pending_ = true;
        const uint64_t periods = (now - next_fire_) / period_ + 1;
        fired_ += periods;
        next_fire_ += periods * period_;
    }
    return pending_;
}

bool Timer::read(uint32_t offset, unsigned size, uint32_t& value) {
    if (size != 4) return false;
    switch (offset) {
        case VMSIM_TIMER_CTRL: value = enabled_ ? 1 : 0; return true;
        case VMSIM_TIMER_ACK: value = pending_ ? 1 : 0; return true;
        case VMSIM_TIMER_PERIOD: value = static_cast<uint32_t>(period_); return true;
        default: return false;
    }
}

bool Timer::write(uint32_t offset, unsigned size, uint32_t value) {
    if (size != 4) return false;
    switch (offset) {
        case VMSIM_TIMER_CTRL:
            enabled_ = value & 1;
            if (enabled_) next_fire_ = now_() + period_;
            return true;
        case VMSIM_TIMER_ACK: pending_ = false; return true;
        case VMSIM_TIMER_PERIOD:
            if (value) period_ = value;
            return true;
        default: return false;
    }
}

}  // namespace vmsim::platform
