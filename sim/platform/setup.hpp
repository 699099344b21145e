// What every target's platform does the same way before it elaborates, and what every target
// does the same way when it records its statistics.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>

#include "models/common/stat_list.hpp"
#include "sim/platform/target.hpp"
#include "sim/stats/registry.hpp"

namespace vmsim::platform {

// sc_stop() is how every run ends, so SystemC's note saying so is noise; and the platform, not a
// module, owns the global quantum.
inline void setup_systemc(uint64_t quantum_ps) {
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    tlm::tlm_global_quantum::instance().set(sc_core::sc_time(static_cast<double>(quantum_ps), sc_core::SC_PS));
}

// One cycle at `mhz`. Time resolution is 1 ps: the period is rounded to whole picoseconds.
inline sc_core::sc_time clock_period(double mhz) {
    const double period_ps = 1e6 / mhz;
    return sc_core::sc_time(static_cast<double>(static_cast<uint64_t>(period_ps + 0.5)), sc_core::SC_PS);
}

// A model's statistic list, each name under `prefix`.
inline void add_stats(stats::Registry& stats, const std::string& prefix, const common::StatList& list) {
    for (const auto& e : list) stats.counter(prefix + e.name, e.description) = e.value;
}

// The categories of a target's own category list (whose entries hold a `category`).
template <class C>
std::vector<CycleCategory> cycle_categories(const std::vector<C>& list) {
    std::vector<CycleCategory> out;
    for (const auto& c : list) out.push_back(c.category);
    return out;
}

}  // namespace vmsim::platform
