// RAM target: a TLM-2.0 memory that grants DMI over its whole range. Access time
// is not modelled here: the core's timing model charges memory latency.
#pragma once
#include <cstdint>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

namespace vmsim::platform {

class Ram : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<Ram> upstream_socket;

    Ram(sc_core::sc_module_name name, uint32_t size);

    uint8_t* data() { return storage_.data(); }
    uint32_t size() const { return static_cast<uint32_t>(storage_.size()); }

private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
    unsigned transport_dbg(tlm::tlm_generic_payload& trans);

    std::vector<uint8_t> storage_;
};

}  // namespace vmsim::platform
