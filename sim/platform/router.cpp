#include "sim/platform/router.hpp"

#include <algorithm>
#include <stdexcept>

namespace vmsim::platform {

Router::Router(sc_core::sc_module_name name, const std::vector<WindowSpec>& windows)
    : sc_module(name), upstream_socket("upstream_socket") {
    upstream_socket.register_b_transport(this, &Router::b_transport);
    upstream_socket.register_get_direct_mem_ptr(this, &Router::get_direct_mem_ptr);
    upstream_socket.register_transport_dbg(this, &Router::transport_dbg);
    for (const WindowSpec& w : windows) {
        auto socket = std::make_unique<InitiatorSocket>((w.name + "_downstream_socket").c_str());
        socket->register_invalidate_direct_mem_ptr(this, &Router::invalidate_direct_mem_ptr,
                                                   static_cast<int>(windows_.size()));
        windows_.push_back(Window{w.name, w.base, w.size, std::move(socket)});
    }
}

Router::InitiatorSocket& Router::downstream_socket(const std::string& name) {
    for (auto& w : windows_)
        if (w.name == name) return *w.socket;
    throw std::logic_error("router has no window named " + name);
}

Router::Window* Router::decode(uint64_t addr) {
    for (auto& w : windows_)
        if (addr >= w.base && addr - w.base < w.size) return &w;
    return nullptr;
}

void Router::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    const uint64_t addr = trans.get_address();
    Window* w = decode(addr);
    if (!w || addr + trans.get_data_length() > w->base + w->size) {
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    trans.set_address(addr - w->base);
    (*w->socket)->b_transport(trans, delay);
    trans.set_address(addr);
}

bool Router::get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
    const uint64_t addr = trans.get_address();
    Window* w = decode(addr);
    if (!w) return false;
    trans.set_address(addr - w->base);
    const bool ok = (*w->socket)->get_direct_mem_ptr(trans, dmi);
    trans.set_address(addr);
    if (ok) {
        // Clip to the window and make the range absolute again.
        const uint64_t last = std::min<uint64_t>(dmi.get_end_address(), w->size - 1);
        dmi.set_start_address(dmi.get_start_address() + w->base);
        dmi.set_end_address(last + w->base);
    }
    return ok;
}

unsigned Router::transport_dbg(tlm::tlm_generic_payload& trans) {
    const uint64_t addr = trans.get_address();
    Window* w = decode(addr);
    if (!w) return 0;
    trans.set_address(addr - w->base);
    const unsigned n = (*w->socket)->transport_dbg(trans);
    trans.set_address(addr);
    return n;
}

void Router::invalidate_direct_mem_ptr(int id, sc_dt::uint64 start, sc_dt::uint64 end) {
    const uint64_t base = windows_[static_cast<size_t>(id)].base;
    upstream_socket->invalidate_direct_mem_ptr(start + base, end + base);
}

}  // namespace vmsim::platform
