#include "sim/platform/ram.hpp"

#include <cstring>

namespace vmsim::platform {

Ram::Ram(sc_core::sc_module_name name, uint32_t size)
    : sc_module(name), upstream_socket("upstream_socket"), storage_(size, 0) {
    upstream_socket.register_b_transport(this, &Ram::b_transport);
    upstream_socket.register_get_direct_mem_ptr(this, &Ram::get_direct_mem_ptr);
    upstream_socket.register_transport_dbg(this, &Ram::transport_dbg);
}

void Ram::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time&) {
    transport_dbg(trans);
    if (trans.is_response_ok()) trans.set_dmi_allowed(true);
}

unsigned Ram::transport_dbg(tlm::tlm_generic_payload& trans) {
    const uint64_t addr = trans.get_address();
    const unsigned len = trans.get_data_length();
    if (addr + len > storage_.size() || trans.get_byte_enable_ptr() || trans.get_streaming_width() < len) {
        trans.set_response_status(addr + len > storage_.size() ? tlm::TLM_ADDRESS_ERROR_RESPONSE
                                                               : tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return 0;
    }
    if (trans.is_read())
        std::memcpy(trans.get_data_ptr(), &storage_[addr], len);
    else if (trans.is_write())
        std::memcpy(&storage_[addr], trans.get_data_ptr(), len);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return len;
}

bool Ram::get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
    dmi.set_dmi_ptr(storage_.data());
    dmi.set_start_address(0);
    dmi.set_end_address(storage_.size() - 1);  // TLM end addresses are inclusive
    dmi.allow_read_write();
    dmi.set_read_latency(sc_core::SC_ZERO_TIME);
    dmi.set_write_latency(sc_core::SC_ZERO_TIME);
    return true;
}

}  // namespace vmsim::platform
