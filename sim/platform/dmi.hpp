// DMI to RAM for cores that keep one host pointer to guest RAM for the whole run
// (any target): ask once for read/write DMI at physical address 0. A core whose
// RAM may revoke DMI must re-request it instead.
#pragma once
#include <cstdint>

#include <systemc>
#include <tlm>

namespace vmsim::platform {

struct RamWindow {
    uint8_t* host = nullptr;  // physical address 0
    uint64_t size = 0;        // bytes
};

// SC_REPORT_FATAL (naming `who`) when the RAM does not grant it.
template <class Socket>
RamWindow request_ram_dmi(Socket& socket, const char* who) {
    tlm::tlm_generic_payload trans;
    tlm::tlm_dmi dmi;
    trans.set_address(0);
    trans.set_command(tlm::TLM_READ_COMMAND);
    if (!socket->get_direct_mem_ptr(trans, dmi) || !dmi.is_read_write_allowed() || dmi.get_start_address() != 0)
        SC_REPORT_FATAL(who, "RAM at physical address 0 does not grant read/write DMI");
    return RamWindow{dmi.get_dmi_ptr(), dmi.get_end_address() + 1};  // TLM end addresses are inclusive
}

}  // namespace vmsim::platform
