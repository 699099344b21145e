#include "sim/platform/r3000_params.hpp"

#include <string>

#include "sim/common/errors.hpp"
#include "sim/loader/elf_loader.hpp"
#include "vmsim/bootparams.h"
#include "vmsim/memmap.h"

namespace vmsim::platform {

void declare_r3000_params(config::Registry& reg) {
    // Default clock: the DECstation 3100's R2000 (reference sheet, "Timing facts").
    // SystemC time resolution is 1 ps: 1e6 MHz is the fastest clock it can express.
    reg.add_double("cpu.clock_mhz", 16.67, "CPU clock in MHz (DECstation 3100: 16.67, 2100: 12.5)")
        .positive().max(1e6);
    reg.add_enum("cpu.load_delay", "exact", {"exact", "interlocked"},
                 "load/mfc0 delay slot: exact = R3000 non-interlocked one-instruction delay; "
                 "interlocked = result visible to the next instruction");
    reg.add_uint("cpu.prid", 0x0220, "CP0 PRId value (R3000 0x0220, R3000A 0x0230)").max(0xffff);
    reg.add_uint("cpu.mult_latency", 12, "cycles from MULT/MULTU issue until HI/LO are ready (R3000)")
        .min(1).max(1000);
    reg.add_uint("cpu.div_latency", 35, "cycles from DIV/DIVU issue until HI/LO are ready (R3000)")
        .min(1).max(1000);
    reg.add_uint("cpu.exception_cycles", 2,
                 "cycles lost on exception entry (R3000 squashes the two younger pipeline stages)")
        .max(1000);
    // The memory system. The defaults are the DECstation 3100's geometry; the memory
    // latencies are estimates whose reasoning is in configs/machines/dec3100.cfg.
    reg.add_enum("mem.model", "ideal", {"ideal", "cached"},
                 "ideal: every access takes its instruction's one cycle; cached: I/D caches, write buffer "
                 "and memory latency below");
    for (const char* side : {"icache", "dcache"}) {
        const std::string k = side;
        reg.add_size(k + ".size", 64 << 10, k + " size in bytes (DECstation: 64K)").min(4).power_of_two();
        reg.add_uint(k + ".line", 4, k + " line size in bytes (R2000/R3000: 4)").min(4).max(1 << 16).power_of_two();
        reg.add_uint(k + ".assoc", 1, k + " ways per set; 1 = direct-mapped (DECstation), LRU otherwise")
            .min(1).max(64).power_of_two();
    }
    reg.add_enum("dcache.write_miss", "allocate_full_line", {"allocate_full_line", "no_allocate"},
                 "store miss: a store covering a whole line fills it (R2000/R3000), or never allocate");
    reg.add_uint("wbuf.depth", 4, "write-buffer entries (DECstation: 4 R2020 stages); 0 = none").max(1024);
    reg.add_uint("wbuf.drain_cycles", 5, "cycles memory takes to retire one buffered write").max(100000);
    reg.add_enum("wbuf.read_policy", "bypass", {"bypass", "drain"},
                 "a read waits for the write in progress only (R2000 + R2020) or for the whole buffer");
    reg.add_uint("mem.read_latency", 6, "stall cycles of a cache-miss read (fill and pipeline restart)")
        .max(100000);
    reg.add_uint("mem.uncached_latency", 6, "stall cycles of an uncached read (kseg1, N=1 pages, devices)")
        .max(100000);
    reg.add_size("mem.size", VMSIM_RAM_DEFAULT_SIZE, "RAM size in bytes (DECstation 3100 maximum: 24M)")
        .min(64 << 10).max(VMSIM_CONSOLE_BASE).multiple_of(r3000::kPageSize);
    reg.add_uint("timer.period", 100000, "timer interrupt period in CPU cycles (when the guest enables it)")
        .min(1).max(0xffffffffu);
    // Guest kernel parameters, handed over in the boot parameter block.
    reg.add_uint("aegis.stlb_entries", VMSIM_STLB_DEFAULT_ENTRIES,
                 "aegis software-TLB entries (direct-mapped, in unmapped memory); a power of two")
        .min(1).max(VMSIM_STLB_MAX_ENTRIES).power_of_two();
    reg.add_duration("sim.quantum", "1us", "TLM temporal-decoupling quantum").positive();
    reg.add_bool("sim.sync_elision", true,
                 "skip a quantum sync when no other SystemC process has activity pending "
                 "(it could observe nothing); false = sync at every quantum");
    reg.add_uint("sim.max_instructions", 10'000'000'000ull,
                 "stop a guest that has not exited after this many instructions (0 = no limit)");
}

PlatformParams r3000_params_from(const config::Registry& reg) {
    PlatformParams p;
    const std::string& delay = reg.get_string("cpu.load_delay");
    p.core.cpu.load_delay = delay == "exact" ? r3000::LoadDelay::Exact : r3000::LoadDelay::Interlocked;
    p.core.cpu.prid = static_cast<uint32_t>(reg.get_uint("cpu.prid"));
    p.core.cpu.mult_latency = static_cast<unsigned>(reg.get_uint("cpu.mult_latency"));
    p.core.cpu.div_latency = static_cast<unsigned>(reg.get_uint("cpu.div_latency"));
    p.core.cpu.exception_entry_cycles = static_cast<unsigned>(reg.get_uint("cpu.exception_cycles"));
    // Time resolution is 1 ps: the period is rounded to whole picoseconds.
    const double period_ps = 1e6 / reg.get_double("cpu.clock_mhz");
    p.core.clock_period = sc_core::sc_time(static_cast<double>(static_cast<uint64_t>(period_ps + 0.5)),
                                           sc_core::SC_PS);
    p.core.max_instructions = reg.get_uint("sim.max_instructions");
    r3000::CpuConfig& c = p.core.cpu;
    c.memory = reg.get_string("mem.model") == "cached" ? r3000::MemoryModel::Cached : r3000::MemoryModel::Ideal;
    for (auto [side, cache] : {std::pair{"icache", &c.icache}, std::pair{"dcache", &c.dcache}}) {
        const std::string k = side;
        cache->size = static_cast<uint32_t>(reg.get_uint(k + ".size"));
        cache->line = static_cast<uint32_t>(reg.get_uint(k + ".line"));
        cache->assoc = static_cast<uint32_t>(reg.get_uint(k + ".assoc"));
        if (std::string problem = cache->check(); !problem.empty())
            throw UserError(kExitUsage, k + ".size/line/assoc: " + problem);
    }
    c.dcache.write_miss = reg.get_string("dcache.write_miss") == "no_allocate" ? r3000::WriteMiss::NoAllocate
                                                                              : r3000::WriteMiss::AllocateFullLine;
    c.wbuf.depth = static_cast<unsigned>(reg.get_uint("wbuf.depth"));
    c.wbuf.drain_cycles = static_cast<unsigned>(reg.get_uint("wbuf.drain_cycles"));
    c.wbuf.read_policy = reg.get_string("wbuf.read_policy") == "drain" ? r3000::ReadPolicy::Drain
                                                                     : r3000::ReadPolicy::Bypass;
    c.read_latency = static_cast<unsigned>(reg.get_uint("mem.read_latency"));
    c.uncached_latency = static_cast<unsigned>(reg.get_uint("mem.uncached_latency"));
    p.mem_size = static_cast<uint32_t>(reg.get_uint("mem.size"));
    p.timer_period = reg.get_uint("timer.period");
    p.stlb_entries = static_cast<uint32_t>(reg.get_uint("aegis.stlb_entries"));
    p.core.sync_elision = reg.get_bool("sim.sync_elision");
    p.quantum = sc_core::sc_time(static_cast<double>(reg.get_duration_ps("sim.quantum")), sc_core::SC_PS);
    return p;
}

R3000Run run_r3000(const config::Registry& reg, const std::string& elf, stats::Registry& stats,
                   std::FILE* console) {
    R3000Run run;
    run.params = r3000_params_from(reg);
    run.params.console = console;
    const loader::ElfImage image = loader::load_elf(elf, run.params.mem_size);
    std::vector<Segment> segments;
    for (const auto& s : image.segments) segments.push_back(Segment{s.paddr, s.bytes, s.memsz});
    R3000Platform plat(run.params, segments, image.entry);
    run.summary = plat.run();
    run.final_pc = plat.cpu().pc();
    record_r3000_stats(stats, plat, run.summary);
    return run;
}

void record_r3000_stats(stats::Registry& stats, const R3000Platform& platform, const RunSummary& run) {
    const r3000::Cpu& cpu = platform.cpu();
    const r3000::CpuStats cs = cpu.stats();
    const char* outcome = run.result.outcome == Outcome::Exited             ? "exited"
                          : run.result.outcome == Outcome::InstructionLimit ? "instruction_limit"
                                                                            : "guest_error";
    stats.text("sim.outcome", "how the run ended: exited, instruction_limit or guest_error") = outcome;
    stats.counter("sim.exit_code", "exit code the guest wrote to sim-control") = run.result.exit_code;
    stats.counter("cpu.instructions", "instructions retired") = run.instructions;
    stats.counter("cpu.cycles", "CPU cycles, stalls and exception entry included") = run.cycles;
    stats.value("sim.seconds", "simulated time in seconds (cycles / clock)") = run.simulated_seconds;
    stats.counter("cpu.uncached_accesses", "loads/stores to kseg1, N=1 pages and devices") =
        cs.uncached_accesses;
    uint64_t total = 0;
    for (uint32_t code = 0; code <= r3000::kExcOv; ++code) {
        const std::string name = r3000::exc_code_name(code);
        stats.counter("cpu.exceptions." + name, "exceptions with ExcCode " + std::to_string(code) + " (" + name + ")") =
            cs.exceptions[code];
        total += cs.exceptions[code];
    }
    stats.counter("cpu.exceptions.total", "exceptions of every kind") = total;
    // Where the cycles went: the breakdown adds up to cpu.cycles, and so do the modes.
    for (const auto* list : {&r3000_cycle_breakdown(), &r3000_cycle_modes()})
        for (const CycleCategory& c : *list)
            stats.counter(std::string("cycles.") + c.name, c.description) = c.read(cpu, cs);
    stats.counter("cycles.kernel.utlb", "kernel cycles entered from user mode through the UTLB-refill vector") =
        cs.kernel_utlb_cycles;
    stats.counter("cycles.kernel.general", "kernel cycles entered from user mode through the general vector") =
        cs.kernel_general_cycles;
    stats.counter("cycles.kernel.other", "kernel cycles not entered from user mode (boot, kernel-only code)") =
        cs.kernel_other_cycles;
    if (const r3000::Cache* ic = cpu.icache()) {
        const r3000::Cache* dc = cpu.dcache();
        stats.counter("icache.hits", "instruction fetches that hit") = ic->stats().read_hits;
        stats.counter("icache.misses", "instruction fetches that missed") = ic->stats().read_misses;
        stats.counter("dcache.read_hits", "cached loads that hit") = dc->stats().read_hits;
        stats.counter("dcache.read_misses", "cached loads that missed") = dc->stats().read_misses;
        stats.counter("dcache.write_hits", "cached stores that hit") = dc->stats().write_hits;
        stats.counter("dcache.write_misses", "cached stores that missed") = dc->stats().write_misses;
        const r3000::WriteBufferStats& wb = cpu.write_buffer()->stats();
        stats.counter("wbuf.writes", "stores through the write buffer") = wb.writes;
        stats.counter("wbuf.full_stalls", "stores that found the write buffer full") = wb.full_stalls;
        stats.counter("wbuf.delayed_reads", "reads that waited for buffered writes") = wb.delayed_reads;
    }
    stats.counter("tlb.refill_exceptions", "TLB misses taken through the UTLB-refill vector") = cs.utlb_refills;
    stats.counter("tlb.writes", "tlbwi and tlbwr executed") = cs.tlb_writes;
    stats.counter("tlb.probes", "tlbp executed") = cs.tlb_probes;
    stats.counter("tlb.reads", "tlbr executed") = cs.tlb_reads;
    stats.counter("timer.interrupts", "timer periods elapsed while enabled") = run.timer_interrupts;
    const auto& regions = platform.simctl().regions();
    const auto& names = platform.simctl().region_counter_names();
    for (unsigned i = 0; i < regions.size(); ++i) {
        if (!regions[i].count) continue;
        const std::string n = std::to_string(i), base = "region." + n;
        stats.counter(base + ".count", "times measured region " + n + " was entered and left") = regions[i].count;
        for (size_t k = 0; k < names.size(); ++k)
            stats.counter(base + "." + names[k], names[k] + " inside region " + n + " (as cycles.* above)") =
                regions[i].totals[k];
    }
    stats.counter("sim.quantum_syncs", "times the core synchronised with SystemC time") = run.quantum_syncs;
    stats.counter("sim.elided_syncs", "quantum syncs skipped: no other process had activity pending") =
        run.elided_syncs;
    // The only entries that differ between identical runs: they measure the host.
    stats.value("host.seconds", "host wall-clock seconds spent simulating (not deterministic)") = run.host_seconds;
    stats.value("host.mips", "simulated instructions per host second / 1e6 (not deterministic)") =
        run.host_seconds > 0 ? static_cast<double>(run.instructions) / run.host_seconds / 1e6 : 0.0;
}

}  // namespace vmsim::platform
