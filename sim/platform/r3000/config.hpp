// The R3000 machine's configuration: the ISS's CpuConfig plus what the platform
// around it needs. Every member that a parameter sets is bound to it in
// r3000/target.cpp; the defaults here are the parameters' defaults.
#pragma once
#include <cstdint>

#include "models/mips_r3000/cpu.hpp"
#include "sim/platform/sim_config.hpp"
#include "sim/platform/trace_config.hpp"
#include "vmsim/bootparams.h"
#include "vmsim/memmap.h"

namespace vmsim::platform {

struct R3000Config {
    // The DECstation 3100's R2000 (reference sheet, "Timing facts").
    double clock_mhz = 16.67;
    r3000::CpuConfig cpu;
    uint32_t mem_size = VMSIM_RAM_DEFAULT_SIZE;  // DECstation 3100 maximum: 24 MB
    uint64_t timer_period = 100000;              // cycles
    // Guest kernel parameters, handed over in the boot parameter block.
    uint32_t stlb_entries = VMSIM_STLB_DEFAULT_ENTRIES;  // aegis
    uint32_t stlb_org = VMSIM_STLB_ORG_DIRECT;           // aegis: VMSIM_STLB_ORG_*
    uint32_t avm_pagetable = VMSIM_AVM_PT_LINEAR;        // AVM on aegis: VMSIM_AVM_PT_*
    uint32_t avm_hashed_buckets = VMSIM_AVM_HASHED_DEFAULT_BUCKETS;  // AVM's hashed table
    bool avm_measure_lookups = false;  // AVM: a measured region around each page-table lookup
    uint32_t unix_mprotect_asid_threshold = VMSIM_UNIX_MPROTECT_ASID_DEFAULT;  // unix: pages
    uint32_t aegis_nenvs = 0;                                    // 0: the image's default
    uint32_t aegis_timeslice = VMSIM_AEGIS_TIMESLICE_DEFAULT;    // cycles
    uint32_t aegis_asids = VMSIM_AEGIS_ASIDS_MAX;
    uint32_t scenario_pages = VMSIM_SCENARIO_PAGES_DEFAULT;      // per process
    uint32_t scenario_slices = VMSIM_SCENARIO_SLICES_DEFAULT;    // per process
    uint32_t scenario_accesses = VMSIM_SCENARIO_ACCESSES_DEFAULT;  // per time slice
    uint32_t scenario_seed = VMSIM_SCENARIO_SEED_DEFAULT;
    // trace.file set: the program is a replay guest and the trace is replayed on it (replay.hpp).
    TraceSettings trace;
    SimConfig sim;
};

}  // namespace vmsim::platform
