// Temporal decoupling for cores that count their own cycles (any target): the
// standard TLM quantum keeper, plus the one figure such a core needs to run ahead
// in one go: how much SystemC time is left until the next sync point.
#pragma once
#include <systemc>
#include <tlm_utils/tlm_quantumkeeper.h>

namespace vmsim::platform {

class QuantumKeeper : public tlm_utils::tlm_quantumkeeper {
public:
    sc_core::sc_time time_to_sync_point() const { return m_next_sync_point - sc_core::sc_time_stamp(); }
};

}  // namespace vmsim::platform
