#include "sim/platform/r3000/platform.hpp"

#include <chrono>
#include <cstddef>
#include <cstring>

#include "sim/platform/ram.hpp"
#include "sim/platform/router.hpp"
#include "sim/platform/setup.hpp"
#include "vmsim/bootparams.h"
#include "vmsim/memmap.h"

namespace vmsim::platform {

R3000Platform::R3000Platform(const R3000Config& config, const std::vector<loader::Segment>& segments,
                             uint32_t entry, std::FILE* console)
    : config_(config), console_file_(console) {
    setup_systemc(config_.sim.quantum_ps);

    CoreParams core;
    core.cpu = config_.cpu;
    core.clock_period = clock_period(config_.clock_mhz);
    core.max_instructions = config_.sim.max_instructions;
    core.max_cycles = config_.sim.max_cycles;
    core.sync_elision = config_.sim.sync_elision;
    core.entry_pc = entry;
    core.initial_sp = VMSIM_KSEG0(config_.mem_size);  // top of RAM, kseg0

    ram_ = std::make_unique<Ram>("ram", config_.mem_size);
    router_ = std::make_unique<Router>(
        "router", std::vector<Router::WindowSpec>{{"ram", VMSIM_RAM_BASE, config_.mem_size},
                                                  {"console", VMSIM_CONSOLE_BASE, VMSIM_CONSOLE_SIZE},
                                                  {"simctl", VMSIM_SIMCTL_BASE, VMSIM_SIMCTL_SIZE},
                                                  {"timer", VMSIM_TIMER_BASE, VMSIM_TIMER_SIZE}});
    core_ = std::make_unique<R3000Core>("cpu", core);
    console_ = std::make_unique<Console>("console", console_file_);
    R3000Core* c = core_.get();
    simctl_ = std::make_unique<SimControl>(
        "simctl",
        SimControlHooks{[c] { return c->cycles(); }, [c] { return c->instructions(); },
                        [c](uint32_t code) { c->request_exit(code); },
                        [c](std::vector<uint64_t>& out) { r3000_region_counters(c->cpu(), out); }},
        r3000_region_counter_names());
    timer_ = std::make_unique<Timer>("timer", config_.timer_period, [c] { return c->cycles(); });

    core_->downstream_socket.bind(router_->upstream_socket);
    router_->downstream_socket("ram").bind(ram_->upstream_socket);
    router_->downstream_socket("console").bind(console_->upstream_socket);
    router_->downstream_socket("simctl").bind(simctl_->upstream_socket);
    router_->downstream_socket("timer").bind(timer_->upstream_socket);
    core_->attach_timer(timer_.get());

    for (const loader::Segment& s : segments) {
        // A segment with no file data (.bss alone) has an empty vector, whose data()
        // may be null: memcpy from null is undefined even for zero bytes.
        if (!s.bytes.empty()) std::memcpy(ram_->data() + s.paddr, s.bytes.data(), s.bytes.size());
        std::memset(ram_->data() + s.paddr + s.bytes.size(), 0, s.memsz - s.bytes.size());
    }
    write_boot_parameters();
}

// The boot parameter block (vmsim/bootparams.h), for images that ask for it with
// the placeholder; any other image is left exactly as loaded.
void R3000Platform::write_boot_parameters() {
    uint8_t* block = ram_->data() + VMSIM_BOOTPARAMS_PADDR;
    uint32_t word = 0;
    std::memcpy(&word, block, sizeof word);
    if (word != VMSIM_BOOTPARAMS_REQUEST) return;
    vmsim_bootparams bp{};
    bp.magic = VMSIM_BOOTPARAMS_MAGIC;
    bp.version = VMSIM_BOOTPARAMS_VERSION;
    bp.size = sizeof bp;
    bp.ram_size = config_.mem_size;
    bp.stlb_entries = config_.stlb_entries;
    bp.avm_pagetable = config_.avm_pagetable;
    bp.unix_mprotect_asid_threshold = config_.unix_mprotect_asid_threshold;
    bp.avm_hashed_buckets = config_.avm_hashed_buckets;
    bp.aegis_nenvs = config_.aegis_nenvs;
    bp.aegis_timeslice = config_.aegis_timeslice;
    bp.aegis_asids = config_.aegis_asids;
    bp.scenario_pages_slices = VMSIM_SCENARIO_PACK(config_.scenario_pages, 16, config_.scenario_slices);
    bp.scenario_accesses_seed = VMSIM_SCENARIO_PACK(config_.scenario_accesses, 20, config_.scenario_seed);
    bp.avm_measure_lookups = config_.avm_measure_lookups ? 1 : 0;
    bp.stlb_org = config_.stlb_org;
    static_assert(sizeof bp <= VMSIM_BOOTPARAMS_MAX_SIZE);
    // The offsets that assembly (and the comment in bootparams.h) rely on.
    static_assert(offsetof(vmsim_bootparams, ram_size) == VMSIM_BOOTPARAMS_OFF_RAM_SIZE);
    static_assert(offsetof(vmsim_bootparams, stlb_entries) == VMSIM_BOOTPARAMS_OFF_STLB_ENTRIES);
    static_assert(offsetof(vmsim_bootparams, avm_pagetable) == VMSIM_BOOTPARAMS_OFF_AVM_PAGETABLE);
    static_assert(offsetof(vmsim_bootparams, unix_mprotect_asid_threshold) ==
                  VMSIM_BOOTPARAMS_OFF_UNIX_MPROTECT_ASID_THRESHOLD);
    static_assert(offsetof(vmsim_bootparams, avm_hashed_buckets) == VMSIM_BOOTPARAMS_OFF_AVM_HASHED_BUCKETS);
    static_assert(offsetof(vmsim_bootparams, aegis_nenvs) == VMSIM_BOOTPARAMS_OFF_AEGIS_NENVS);
    static_assert(offsetof(vmsim_bootparams, aegis_timeslice) == VMSIM_BOOTPARAMS_OFF_AEGIS_TIMESLICE);
    static_assert(offsetof(vmsim_bootparams, aegis_asids) == VMSIM_BOOTPARAMS_OFF_AEGIS_ASIDS);
    static_assert(offsetof(vmsim_bootparams, scenario_pages_slices) == VMSIM_BOOTPARAMS_OFF_SCENARIO_PAGES_SLICES);
    static_assert(offsetof(vmsim_bootparams, scenario_accesses_seed) ==
                  VMSIM_BOOTPARAMS_OFF_SCENARIO_ACCESSES_SEED);
    static_assert(offsetof(vmsim_bootparams, avm_measure_lookups) == VMSIM_BOOTPARAMS_OFF_AVM_MEASURE_LOOKUPS);
    static_assert(offsetof(vmsim_bootparams, stlb_org) == VMSIM_BOOTPARAMS_OFF_STLB_ORG);
    std::memcpy(block, &bp, sizeof bp);  // little-endian host = guest order
}

R3000Platform::~R3000Platform() = default;

const std::vector<R3000CycleCategory>& r3000_cycle_breakdown() {
    using r3000::Cpu;
    using r3000::CpuStats;
    static const std::vector<R3000CycleCategory> c = {
        {{"instructions", "one issue cycle per retired instruction"},
         [](const Cpu& cpu, const CpuStats&) { return cpu.instructions(); }},
        {{"icache_stall", "instruction fetches that missed the I-cache"},
         [](const Cpu&, const CpuStats& s) { return s.icache_stall_cycles; }},
        {{"dcache_stall", "loads that missed the D-cache"},
         [](const Cpu&, const CpuStats& s) { return s.dcache_stall_cycles; }},
        {{"wbuf_stall", "stores into a full write buffer, reads waiting behind writes"},
         [](const Cpu&, const CpuStats& s) { return s.wbuf_stall_cycles; }},
        {{"uncached_stall", "uncached fetches and loads (kseg1, N=1 pages, devices)"},
         [](const Cpu&, const CpuStats& s) { return s.uncached_stall_cycles; }},
        {{"muldiv_stall", "MFHI/MFLO waiting for the multiply/divide unit"},
         [](const Cpu&, const CpuStats& s) { return s.muldiv_stall_cycles; }},
        {{"exception_entry", "exception entry"}, [](const Cpu&, const CpuStats& s) { return s.exception_cycles; }},
        {{"faulted", "issue cycles of instructions that raised an exception"},
         [](const Cpu&, const CpuStats& s) { return s.faulted_cycles; }},
    };
    return c;
}

const std::vector<R3000CycleCategory>& r3000_cycle_modes() {
    using r3000::Cpu;
    using r3000::CpuStats;
    static const std::vector<R3000CycleCategory> c = {
        {{"user", "cycles in user mode"}, [](const Cpu&, const CpuStats& s) { return s.user_cycles; }},
        {{"kernel", "cycles in kernel mode"}, [](const Cpu&, const CpuStats& s) { return s.kernel_cycles; }},
    };
    return c;
}

const std::vector<std::string>& r3000_region_counter_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> n{"cycles"};
        for (const auto* list : {&r3000_cycle_breakdown(), &r3000_cycle_modes()})
            for (const R3000CycleCategory& c : *list) n.push_back(c.category.name);
        n.push_back(kRegionRefills);
        return n;
    }();
    return names;
}

void r3000_region_counters(const r3000::Cpu& cpu, std::vector<uint64_t>& out) {
    const r3000::CpuStats s = cpu.stats();
    out.assign(1, cpu.cycles());
    for (const auto* list : {&r3000_cycle_breakdown(), &r3000_cycle_modes()})
        for (const R3000CycleCategory& c : *list) out.push_back(c.read(cpu, s));
    out.push_back(s.utlb_refills);
}

void R3000Platform::set_takeover(Takeover t) {
    core_->set_takeover_ready(std::move(t.ready));
    takeover_drive_ = std::move(t.drive);
}

RunSummary R3000Platform::run() {
    const auto t0 = std::chrono::steady_clock::now();
    sc_core::sc_start();
    while (core_->taken_over()) {
        core_->resume_after_takeover(takeover_drive_(core_->cpu()));
        sc_core::sc_start();
    }
    const auto t1 = std::chrono::steady_clock::now();
    std::fflush(console_file_);

    RunSummary s;
    s.result = core_->result();
    s.cycles = core_->cycles();
    s.instructions = core_->instructions();
    s.simulated_seconds = sc_core::sc_time_stamp().to_seconds();
    s.host_seconds = std::chrono::duration<double>(t1 - t0).count();
    s.quantum_syncs = core_->quantum_syncs();
    s.elided_syncs = core_->elided_syncs();
    s.timer_interrupts = timer_->fired();
    return s;
}

}  // namespace vmsim::platform
