// RAM target: a TLM-2.0 memory that grants DMI over its whole range. Access time
// is not modelled here: the core's timing model charges memory latency.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

namespace vmsim::platform {

class Ram : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<Ram> upstream_socket;

    // huge_pages: ask the host kernel for transparent huge pages (madvise), for a RAM that is
    // large and touched at random (the x86 platform's GUPS table): a host TLB miss on every
    // simulated access costs more than the simulation of it.
    Ram(sc_core::sc_module_name name, uint32_t size, bool huge_pages = false);

    uint8_t* data() { return storage_.get(); }
    uint32_t size() const { return size_; }

private:
    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
    unsigned transport_dbg(tlm::tlm_generic_payload& trans);

    struct Unmap {
        size_t bytes;
        void operator()(uint8_t* p) const;
    };
    // Anonymous pages the kernel zeroes on first touch: a 24 MB machine costs nothing
    // until the guest uses it. (Zeroing it up front was ~15 ms of every run, most of
    // what a short sweep point cost.)
    std::unique_ptr<uint8_t, Unmap> storage_;
    uint32_t size_;
};

}  // namespace vmsim::platform
