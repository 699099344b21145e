#include "sim/platform/ram.hpp"

#include <sys/mman.h>

#include <cstring>
#include <new>

namespace vmsim::platform {

namespace {

uint8_t* map_zero_pages(size_t bytes) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return static_cast<uint8_t*>(p);
}

}  // namespace

void Ram::Unmap::operator()(uint8_t* p) const { ::munmap(p, bytes); }

Ram::Ram(sc_core::sc_module_name name, uint32_t size, bool huge_pages)
    : sc_module(name), upstream_socket("upstream_socket"), storage_(map_zero_pages(size), Unmap{size}), size_(size) {
    // Advice only: without transparent huge pages the RAM works the same, slower.
    if (huge_pages) ::madvise(storage_.get(), size, MADV_HUGEPAGE);
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
    if (addr + len > size_ || trans.get_byte_enable_ptr() || trans.get_streaming_width() < len) {
        trans.set_response_status(addr + len > size_ ? tlm::TLM_ADDRESS_ERROR_RESPONSE
                                                               : tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return 0;
    }
    if (trans.is_read())
        std::memcpy(trans.get_data_ptr(), storage_.get() + addr, len);
    else if (trans.is_write())
        std::memcpy(storage_.get() + addr, trans.get_data_ptr(), len);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return len;
}

bool Ram::get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
    dmi.set_dmi_ptr(storage_.get());
    dmi.set_start_address(0);
    dmi.set_end_address(size_ - 1);  // TLM end addresses are inclusive
    dmi.allow_read_write();
    dmi.set_read_latency(sc_core::SC_ZERO_TIME);
    dmi.set_write_latency(sc_core::SC_ZERO_TIME);
    return true;
}

}  // namespace vmsim::platform
