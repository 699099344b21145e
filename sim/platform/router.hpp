// Address decoder between an initiator and its targets: forwards b_transport, DMI
// and debug transactions to the target whose window holds the address, with the
// address made window-relative; answers TLM_ADDRESS_ERROR_RESPONSE elsewhere.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

namespace vmsim::platform {

class Router : public sc_core::sc_module {
public:
    using InitiatorSocket = tlm_utils::simple_initiator_socket_tagged<Router>;
    tlm_utils::simple_target_socket<Router> upstream_socket;

    struct WindowSpec {
        std::string name;
        uint64_t base, size;  // the window [base, base + size)
    };
    // Sockets must exist before elaboration ends, so the windows are given here.
    Router(sc_core::sc_module_name name, const std::vector<WindowSpec>& windows);

    // The socket to bind to the target of window `name`.
    InitiatorSocket& downstream_socket(const std::string& name);

private:
    struct Window {
        std::string name;
        uint64_t base, size;
        std::unique_ptr<InitiatorSocket> socket;
    };
    Window* decode(uint64_t addr);
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
    unsigned transport_dbg(tlm::tlm_generic_payload& trans);
    void invalidate_direct_mem_ptr(int id, sc_dt::uint64 start, sc_dt::uint64 end);

    std::vector<Window> windows_;
};

}  // namespace vmsim::platform
