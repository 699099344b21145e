// The x86-64 target: parameters declared once (bound to X86Config), the whole of one run, and the
// statistics a run records.
#include "sim/platform/x86/target.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <functional>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "sim/common/errors.hpp"
#include "sim/config/param_table.hpp"
#include "sim/platform/replacement_names.hpp"
#include "sim/platform/setup.hpp"
#include "sim/platform/x86/platform.hpp"

namespace vmsim::platform {
namespace {

using config::ParamTable;

// The TLBs and paging-structure caches, by the prefix of their parameters (the names MmuConfig's
// check() uses in its messages).
struct TlbParam {
    const char* name;
    x86::TlbConfig x86::MmuConfig::*member;
    const char* what;
};
const TlbParam kTlbs[] = {
    {"itlb_4k", &x86::MmuConfig::itlb_4k, "L1 I-TLB for 4 KB pages"},
    {"itlb_2m", &x86::MmuConfig::itlb_2m, "L1 I-TLB for 2 MB pages (4 MB with 32-bit paging)"},
    {"itlb_1g", &x86::MmuConfig::itlb_1g, "L1 I-TLB for 1 GB pages"},
    {"dtlb_4k", &x86::MmuConfig::dtlb_4k, "L1 D-TLB for 4 KB pages"},
    {"dtlb_2m", &x86::MmuConfig::dtlb_2m, "L1 D-TLB for 2 MB pages (4 MB with 32-bit paging)"},
    {"dtlb_1g", &x86::MmuConfig::dtlb_1g, "L1 D-TLB for 1 GB pages"},
    {"stlb", &x86::MmuConfig::stlb, "second-level TLB, unified (the sizes stlb.holds_* choose)"},
    {"stlb_1g", &x86::MmuConfig::stlb_1g, "second-level TLB for 1 GB pages alone"},
    {"psc_pde", &x86::MmuConfig::psc_pde, "paging-structure cache of PDEs (SDM 4.10.3)"},
    {"psc_pdpte", &x86::MmuConfig::psc_pdpte, "paging-structure cache of PDPTEs"},
    {"psc_pml4e", &x86::MmuConfig::psc_pml4e, "paging-structure cache of PML4Es"},
    {"psc_pml5e", &x86::MmuConfig::psc_pml5e, "paging-structure cache of PML5Es (5-level paging)"},
};

std::vector<std::pair<std::string, x86::PageSize>> page_size_names() {
    std::vector<std::pair<std::string, x86::PageSize>> v;
    for (x86::PageSize p : {x86::PageSize::k4K, x86::PageSize::k2M, x86::PageSize::k4M, x86::PageSize::k1G})
        v.emplace_back(x86::page_size_name(p), p);
    return v;
}

const ParamTable<X86Config>& params() {
    static const auto* table = [] {
        auto* t = new ParamTable<X86Config>;
        auto root = t->root();
        // The range keeps the period at least 1 ps (SystemC's resolution); see the R3000's clock.
        root.number("cpu.clock_mhz", &X86Config::clock_mhz, "CPU clock in MHz (Skylake i7-6700K: 4000)")
            .min(1)
            .max(1e6);
        root.uint("cpu.fault_cycles", &X86Config::fault_cycles,
                  "cycles of one page fault delivered to the workload's pager and the return to the access "
                  "(exception entry, upcall, handler, IRET; an estimate per machine)")
            .max(10'000'000);
        root.size("mem.size", &X86Config::mem_size,
                  "RAM at physical address 0 in bytes; page tables and the workload's frames come from above 1 MB "
                  "(reserved on the host as it is touched)")
            .min(4 << 20)
            .max(0xfffff000u)
            .multiple_of(4096);

        auto caches = root.at(&X86Config::caches);
        caches.uint("mem.read_latency", &common::CacheHierarchyConfig::memory_cycles,
                    "cycles of a load, store or page-walk reference that misses every cache")
            .min(1)
            .max(100000);
        caches.uint("cache.line", &common::CacheHierarchyConfig::line, "cache line size in bytes, every level")
            .min(8)
            .max(4096)
            .power_of_two();
        for (auto [level, member] : {std::pair{"l1d", &common::CacheHierarchyConfig::l1d},
                                     std::pair{"l2", &common::CacheHierarchyConfig::l2},
                                     std::pair{"l3", &common::CacheHierarchyConfig::l3}}) {
            const std::string k = level;
            auto c = caches.at(member);
            c.size(k + ".size", &common::CacheLevelConfig::size, k + " size in bytes; 0 = no " + k + " cache")
                .max(uint64_t{1} << 40);
            c.uint(k + ".ways", &common::CacheLevelConfig::ways, k + " ways per set")
                .min(1)
                .max(1024);
            c.uint(k + ".hit_cycles", &common::CacheLevelConfig::hit_cycles,
                   "load-to-use cycles of an access the " + k + " serves")
                .max(100000);
            c.choice(k + ".replacement", &common::CacheLevelConfig::replacement, replacement_names(),
                     k + " victim choice (models/common/replacement.hpp)");
            c.uint(k + ".seed", &common::CacheLevelConfig::seed, k + " seed of the random replacement policy");
        }

        // The Pentium timing model of the 32-bit ISS (models/x86_64/pentium_timing.hpp).
        auto p5 = root.at(&X86Config::p5);
        p5.number("bus.ratio", &x86::iss::PentiumTimingConfig::bus_ratio,
                  "core clocks per bus clock of the Pentium timing model (P100: 66 MHz bus x 1.5)")
            .min(1)
            .max(16);
        p5.uint("bus.l2_fill_clocks", &x86::iss::PentiumTimingConfig::l2_fill_bus_clocks,
                "bus clocks of a 32-byte line fill from the board's L2 (pipeline-burst SRAM 3-1-1-1: 6)")
            .min(1)
            .max(1000);
        p5.uint("bus.memory_fill_clocks", &x86::iss::PentiumTimingConfig::memory_fill_bus_clocks,
                "bus clocks of a 32-byte line fill from DRAM (EDO 5-2-2-2: 11)")
            .min(1)
            .max(1000);
        p5.uint("bus.write_clocks", &x86::iss::PentiumTimingConfig::write_bus_clocks,
                "bus clocks a write buffer takes to drain one store that missed the L1D (no write-allocate)")
            .min(1)
            .max(1000);
        p5.uint("cpu.write_buffers", &x86::iss::PentiumTimingConfig::write_buffers,
                "write buffers of the Pentium timing model for stores that miss the L1D")
            .min(1)
            .max(4);
        p5.uint("btb.entries", &x86::iss::PentiumTimingConfig::btb_entries,
                "branch target buffer entries (2-bit counters) of the Pentium timing model")
            .min(1)
            .max(1 << 16);
        p5.uint("btb.ways", &x86::iss::PentiumTimingConfig::btb_ways, "BTB ways per set (= entries: fully associative)")
            .min(1)
            .max(1 << 16);
        p5.uint("cpu.mispredict_u", &x86::iss::PentiumTimingConfig::mispredict_u,
                "clocks of a mispredicted branch that executed in the U pipe")
            .max(1000);
        p5.uint("cpu.mispredict_v", &x86::iss::PentiumTimingConfig::mispredict_v,
                "clocks of a mispredicted branch that executed in the V pipe")
            .max(1000);
        p5.size("l1i.size", &x86::iss::PentiumTimingConfig::icache_size,
                "L1 I-cache size in bytes of the Pentium timing model (its line is cache.line)")
            .min(64)
            .max(1 << 20)
            .power_of_two();
        p5.uint("l1i.ways", &x86::iss::PentiumTimingConfig::icache_ways, "L1 I-cache ways per set")
            .min(1)
            .max(16);

        root.choice("mmu.paging", &X86Config::paging,
                    {{"legacy32", x86::PagingMode::Legacy},
                     {"long4", x86::PagingMode::Long4},
                     {"long5", x86::PagingMode::Long5}},
                    "paging mode the platform turns on before the workload: legacy32 = 32-bit paging, 2 levels, "
                    "4 KB and (CR4.PSE) 4 MB pages; long4 = 4-level, 4 KB, 2 MB, 1 GB pages; long5 = 5-level (LA57)");
        auto mmu = root.at(&X86Config::mmu);
        mmu.uint("mmu.max_phys_addr_bits", &x86::MmuConfig::max_phys_addr_bits,
                 "MAXPHYADDR: physical-address bits; entry bits above are reserved (#PF with RSVD)")
            .min(32)
            .max(52);
        for (auto [name, member, what] :
             {std::tuple{"mmu.pages_1g", &x86::MmuConfig::pages_1g, "1 GB pages (PS in a PDPTE)"},
              std::tuple{"mmu.la57", &x86::MmuConfig::la57, "5-level paging (CR4.LA57)"},
              std::tuple{"mmu.nx", &x86::MmuConfig::nx, "execute-disable (EFER.NXE, the XD bit)"},
              std::tuple{"mmu.pge", &x86::MmuConfig::pge, "global pages (CR4.PGE; the P6 and later)"},
              std::tuple{"mmu.pcid", &x86::MmuConfig::pcid, "process-context identifiers (CR4.PCIDE)"},
              std::tuple{"mmu.pat", &x86::MmuConfig::pat, "the page attribute table (PAT bits of entries)"}})
            mmu.flag(name, member, std::string("the CPU supports ") + what);
        mmu.uint("mmu.walkers", &x86::MmuConfig::walkers,
                 "page walks in flight at once; this core blocks on each access, so it changes no latency here")
            .min(1)
            .max(64);
        mmu.uint("mmu.l1_hit_cycles", &x86::MmuConfig::l1_hit_cycles,
                 "cycles an L1 TLB hit adds (0: the lookup overlaps the L1D access)")
            .max(1000);
        mmu.uint("stlb.hit_cycles", &x86::MmuConfig::stlb_hit_cycles,
                 "cycles an L1 TLB miss adds to look the second level up (on a hit, and before a walk)")
            .max(1000);
        for (const TlbParam& tp : kTlbs) {
            const std::string k = tp.name;
            auto tlb = mmu.at(tp.member);
            tlb.uint(k + ".entries", &x86::TlbConfig::entries,
                     std::string(tp.what) + ": entries; 0 = none")
                .max(1 << 20);
            tlb.uint(k + ".ways", &x86::TlbConfig::ways, k + " ways per set (= entries: fully associative)")
                .min(1)
                .max(1 << 20);
            tlb.choice(k + ".replacement", &x86::TlbConfig::replacement, replacement_names(),
                       k + " victim choice (models/common/replacement.hpp)");
            tlb.uint(k + ".seed", &x86::TlbConfig::seed, k + " seed of the random replacement policy");
            if (k == "stlb")
                for (auto [name, holds, what] :
                     {std::tuple{"stlb.holds_4k", &x86::MmuConfig::stlb_holds_4k, "4 KB"},
                      std::tuple{"stlb.holds_2m", &x86::MmuConfig::stlb_holds_2m, "2 MB and 4 MB"},
                      std::tuple{"stlb.holds_1g", &x86::MmuConfig::stlb_holds_1g, "1 GB"}})
                    mmu.flag(name, holds, std::string("the unified STLB caches translations of ") + what + " pages");
        }

        root.choice("workload", &X86Config::workload, {{"gups", X86Workload::Gups}, {"replay", X86Workload::Replay}},
                    "the host-compiled workload the core runs: gups = random read-modify-write updates of a "
                    "table (workloads/x86/gups.hpp); replay = every reference of the address trace trace.file "
                    "through the MMU (sim/platform/x86/replay.hpp; vmsim replay sets this)");
        auto gups = root.at(&X86Config::gups);
        gups.size("gups.table_size", &x86::GupsConfig::table_bytes, "GUPS table size in bytes (64-bit words)")
            .min(4096)
            .max(uint64_t{2} << 30)
            .power_of_two();
        gups.uint("gups.updates", &x86::GupsConfig::updates, "GUPS updates (operations) to run").min(1);
        gups.uint("gups.seed", &x86::GupsConfig::seed, "seed of the GUPS random stream (the same seed, the same updates)");
        gups.choice("gups.page_size", &x86::GupsConfig::page, page_size_names(),
                    "page size the GUPS table is mapped with: 4k; 2m or 1g in long mode; 4m with mmu.paging = legacy32");
        gups.flag("gups.populate", &x86::GupsConfig::populate,
                  "map the whole GUPS table before the run; false = each page on its first fault");
        gups.uint("gups.update_cycles", &x86::GupsConfig::update_cycles,
                  "cycles of one GUPS update's own instructions besides its load, store and fetch (an estimate "
                  "per machine)")
            .max(1'000'000);
        auto trace = root.at(&X86Config::trace);
        bind_trace_params<X86Config>(trace, "read when workload = replay",
                                     "then every statistic is reset (the TLBs, caches and page tables stay warm)");
        trace.choice("trace.page_size", &X86ReplayConfig::page_size, page_size_names(),
                     "page-size policy of the pager that maps the trace's pages on first touch: 4k; 2m (4m with "
                     "mmu.paging = legacy32) = one large page for each aligned block whose every 4 KB page the "
                     "trace touches, 4 KB pages elsewhere (the trace is read twice; not from -); 1g = one 1 GB "
                     "page for each 1 GB block touched at all");
        trace.flag("trace.data_cache", &X86ReplayConfig::data_cache,
                   "loads and stores also access the data-cache model at their physical address, competing with "
                   "the page walks' references (false: only the walks use the caches)");
        bind_sim_params<X86Config>(root.at(&X86Config::sim),
                                   "stop a workload that has not finished after this many operations (GUPS: "
                                   "updates) (0 = no limit)");
        return t;
    }();
    return *table;
}

bool power_of_two(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

// Reads the configuration and checks what the types alone cannot, each problem one line naming a
// parameter.
X86Config read_config(const config::Registry& reg) {
    X86Config c = params().read(reg);
    const auto fail = [](const std::string& problem) { throw UserError(kExitUsage, problem); };
    // Tree-PLRU's power-of-two ways, by the parameter's name (the models' checks name the structure).
    for (const TlbParam& tp : kTlbs) {
        const x86::TlbConfig& tlb = c.mmu.*tp.member;
        if (tlb.entries && tlb.replacement == common::Replacement::TreePlru && (!power_of_two(tlb.ways) || tlb.ways > 64))
            fail(fmt::format("{}.ways must be a power of two up to 64 with {}.replacement = plru, got {}", tp.name,
                             tp.name, tlb.ways));
    }
    for (auto [level, cache] : {std::pair{"l1d", &c.caches.l1d}, std::pair{"l2", &c.caches.l2},
                                std::pair{"l3", &c.caches.l3}})
        if (cache->size && cache->replacement == common::Replacement::TreePlru &&
            (!power_of_two(cache->ways) || cache->ways > 64))
            fail(fmt::format("{}.ways must be a power of two up to 64 with {}.replacement = plru, got {}", level, level,
                             cache->ways));
    if (c.mmu.stlb.entries && c.mmu.stlb_holds_1g && c.mmu.stlb_1g.entries)
        fail("stlb.holds_1g and stlb_1g.entries both cache 1 GB pages: set stlb.holds_1g = false or "
             "stlb_1g.entries = 0");
    if (std::string problem = c.mmu.check(); !problem.empty()) fail(problem);
    if (std::string problem = c.caches.check(); !problem.empty()) fail(problem);
    if (std::string problem = c.p5.check(); !problem.empty()) fail(problem);
    if (c.p5.icache_size % (uint64_t{c.caches.line} * c.p5.icache_ways) != 0 ||
        !power_of_two(c.p5.icache_size / (uint64_t{c.caches.line} * c.p5.icache_ways)))
        fail(fmt::format("l1i.size / (l1i.ways x cache.line) must be a power of two sets, got {} / ({} x {})",
                         c.p5.icache_size, c.p5.icache_ways, c.caches.line));
    if (c.paging == x86::PagingMode::Long5 && !c.mmu.la57) fail("mmu.paging: long5 needs mmu.la57 = true");
    if (c.workload == X86Workload::Replay) {
        if (c.trace.file.empty()) fail("trace.file: name the trace to replay (workload = replay)");
        if (c.paging != x86::PagingMode::Legacy && c.paging != x86::PagingMode::Long4)
            fail("mmu.paging: trace replay's pager (the self-paging library, vmlib/x86) runs legacy32 or long4 paging");
        const x86::PageSize p = c.trace.page_size;
        const bool legacy = c.paging == x86::PagingMode::Legacy;
        if (p != x86::PageSize::k4K && (legacy ? p != x86::PageSize::k4M : p == x86::PageSize::k4M))
            fail(fmt::format("trace.page_size: {} pages do not exist with mmu.paging = {}", x86::page_size_name(p),
                             legacy ? "legacy32 (4k or 4m)" : "long4 (4k, 2m or 1g)"));
        if (p == x86::PageSize::k1G && !c.mmu.pages_1g) fail("trace.page_size: 1g pages need mmu.pages_1g = true");
    }
    if (c.workload == X86Workload::Gups)
        if (std::string problem = x86::Gups::check(c.gups, c.paging, c.mmu.pages_1g, {1 << 20, c.mem_size});
            !problem.empty())
            fail(problem);
    return c;
}

void record(stats::Registry& stats, const X86RunSummary& run) {
    stats.text("sim.outcome", "how the run ended: exited, instruction_limit (the operation limit), cycle_limit or "
                              "guest_error") = outcome_name(run.result.outcome);
    stats.counter("sim.exit_code", "0: the workload returned (it has no exit code of its own)") = 0;
    const X86CoreStats& core = run.core;
    stats.counter("cpu.operations", "operations of the workload (GUPS: updates)") = core.operations;
    stats.counter("cpu.loads", "loads the workload made, each translated and timed") = core.loads;
    stats.counter("cpu.stores", "stores the workload made, each translated and timed") = core.stores;
    stats.counter("cpu.fetches", "instruction fetches the workload made, each translated") = core.fetches;
    stats.counter("cpu.page_faults", "page faults the workload's pager resolved (the access was retried)") =
        core.faults_handled;
    stats.counter("cpu.cycles", "CPU cycles: the categories below added up") = core.cycles();
    stats.value("sim.seconds", "simulated time in seconds (cycles / clock)") = run.simulated_seconds;
    for (const auto* list : {&x86_cycle_breakdown(), &x86_cycle_modes()})
        for (const X86CycleCategory& c : *list)
            stats.counter(std::string("cycles.") + c.category.name, c.category.description) = c.read(core);
    add_stats(stats, "mmu.", run.mmu.list());
    add_stats(stats, "cache.", run.caches.list());
    stats.counter("sim.quantum_syncs", "times the core synchronised with SystemC time") = run.quantum_syncs;
    stats.counter("sim.elided_syncs", "quantum syncs skipped: no other process had activity pending") =
        run.elided_syncs;
    // The only entries that differ between identical runs: they measure the host.
    stats.value("host.seconds", "host wall-clock seconds spent simulating (not deterministic)") = run.host_seconds;
    stats.value("host.mops", "workload operations simulated per host second / 1e6 (not deterministic)") =
        run.host_seconds > 0 ? static_cast<double>(core.operations) / run.host_seconds / 1e6 : 0.0;
}

// The statistics of a replay beyond the core's (describe: zeros, for the docs).
void record_trace(stats::Registry& stats, const X86ReplayCounts& c, const x86::MmuStats& mmu,
                  const selfpage::PagerStats& pager) {
    static constexpr const char* kKinds[4][2] = {{"instructions", "instruction-fetch records"},
                                                 {"loads", "load records"},
                                                 {"stores", "store records"},
                                                 {"modifies", "modify records (a load and a store each)"}};
    stats.counter("trace.refs", "workload = replay: trace references replayed and measured (after trace.skip)") = c.refs;
    for (unsigned k = 0; k < 4; ++k)
        stats.counter(std::string("trace.") + kKinds[k][0], std::string("workload = replay: ") + kKinds[k][1]) =
            c.by_kind[k];
    stats.counter("trace.translations", "workload = replay: MMU translations that succeeded (a modify makes two)") =
        c.translations;
    stats.counter("trace.page_crossing",
                  "workload = replay: accesses whose bytes span two pages (a modify is two accesses: its load and "
                  "its store)") = c.page_crossing;
    stats.counter("trace.split", "workload = replay: page-crossing accesses translated at their last byte too "
                                 "(trace.split_page_crossing; a modify is two accesses)") = c.split;
    stats.counter("trace.non_canonical",
                  "workload = replay: accesses at non-canonical addresses, not translated (a modify is two accesses)") =
        c.non_canonical;
    for (x86::PageSize p : {x86::PageSize::k4K, x86::PageSize::k2M, x86::PageSize::k4M, x86::PageSize::k1G})
        stats.counter(std::string("trace.pages_") + x86::page_size_name(p),
                      std::string("workload = replay: ") + x86::page_size_name(p) +
                          " pages the pager mapped on first touch (warm-up included)") =
            pager.pages[static_cast<unsigned>(p)];
    // Misses per thousand instructions: per thousand instruction-fetch records (0 without any).
    const auto sum = [](const std::array<uint64_t, x86::kPageSizes>& a) {
        uint64_t n = 0;
        for (uint64_t v : a) n += v;
        return n;
    };
    const double kilo = static_cast<double>(c.by_kind[0]) / 1000.0;
    const auto mpki = [&](uint64_t misses) { return kilo > 0 ? static_cast<double>(misses) / kilo : 0.0; };
    stats.value("trace.mpki.itlb", "workload = replay: L1 I-TLB misses per 1000 instruction records (0: none)") =
        mpki(sum(mmu.itlb.misses));
    stats.value("trace.mpki.dtlb", "workload = replay: L1 D-TLB misses per 1000 instruction records (0: none)") =
        mpki(sum(mmu.dtlb.misses));
    stats.value("trace.mpki.stlb", "workload = replay: second-level TLB misses per 1000 instruction records (0: none)") =
        mpki(sum(mmu.stlb.misses));
    stats.value("trace.mpki.walks", "workload = replay: page walks per 1000 instruction records (0: none)") =
        mpki(mmu.walks);
}

// workload = replay: the trace through the MMU (replay.hpp), outside SystemC, with the statistics a
// GUPS run records (cpu.operations = references, no compute cycles) and the trace's own.
RunResult run_replay(const X86Config& config, stats::Registry& stats) {
    if (X86Replay::plans(config.trace.page_size) && config.trace.file == "-")
        throw UserError(kExitUsage, "trace.page_size = " + std::string(x86::page_size_name(config.trace.page_size)) +
                                        " reads the trace twice (large pages where a whole block is touched): "
                                        "give a file, not - (standard input)");
    trace::OpenedTrace opened = open_settings_trace(config.trace);
    X86Replay replay(config.mmu, config.paging, config.caches, config.trace);
    if (replay.needs_plan()) {
        // 2m/4m: which blocks the trace touches whole is known from a first reading (replay.hpp).
        trace::OpenedTrace first = open_settings_trace(config.trace);
        trace::reading(first, [&] { return replay.plan_large_pages(*first.source); });
    }
    const auto t0 = std::chrono::steady_clock::now();
    ReplayProgress progress;
    RunResult r;
    r.outcome = Outcome::Exited;
    try {
        trace::reading(opened, [&] { replay.run(*opened.source, [&](uint64_t refs) { progress.update(refs); }); });
    } catch (const std::runtime_error& e) {
        if (dynamic_cast<const UserError*>(&e)) throw;
        r.outcome = Outcome::GuestError;
        r.message = e.what();
    }
    progress.end();
    note_detected(config.trace, opened);
    const auto t1 = std::chrono::steady_clock::now();

    const X86ReplayCounts& c = replay.counts();
    X86RunSummary s;
    s.result.outcome = r.outcome;
    s.core.operations = c.refs;
    s.core.loads = c.by_kind[1] + c.by_kind[3];
    s.core.stores = c.by_kind[2] + c.by_kind[3];
    s.core.fetches = c.by_kind[0];
    s.core.faults_handled = c.faults;
    s.core.translation_cycles = c.translation_cycles;
    s.core.data_cycles = c.data_cycles;
    s.core.fault_cycles = c.faults * config.fault_cycles;
    s.mmu = replay.mmu_stats();
    s.caches = replay.cache_stats();
    s.simulated_seconds = static_cast<double>(s.core.cycles()) / (config.clock_mhz * 1e6);
    s.host_seconds = std::chrono::duration<double>(t1 - t0).count();
    record(stats, s);
    record_trace(stats, c, s.mmu, replay.pager_stats());
    return r;
}

const char* workload_name(X86Workload w) {
    switch (w) {
        case X86Workload::Gups: return "gups";
        case X86Workload::Replay: return "replay";
    }
    return "?";
}

class X86Target final : public Target {
public:
    const char* name() const override { return "x86_64"; }
    const char* description() const override {
        return "x86-64 core running a host-compiled workload through the hardware page walker, TLBs and "
               "paging-structure caches";
    }
    bool takes_program() const override { return false; }
    void declare_params(config::Registry& reg) const override { params().declare(reg); }
    void check_params(const config::Registry& reg) const override { read_config(reg); }

    RunResult run(const config::Registry& reg, const std::string&, stats::Registry& stats,
                  std::FILE*) const override {
        const X86Config config = read_config(reg);
        if (config.workload == X86Workload::Replay) return run_replay(config, stats);
        X86Platform plat(config);
        const X86RunSummary summary = plat.run();
        record(stats, summary);
        RunResult r;
        r.outcome = summary.result.outcome;
        const char* workload = workload_name(config.workload);
        if (r.outcome == Outcome::GuestError) r.message = fmt::format("workload {}: {}", workload, summary.result.error);
        if (r.outcome == Outcome::InstructionLimit)
            r.message = fmt::format("workload {} did not finish within {} operations (sim.max_instructions)", workload,
                                    config.sim.max_instructions);
        if (r.outcome == Outcome::CycleLimit)
            r.message = fmt::format("workload {} did not finish within {} cycles (sim.max_cycles)", workload,
                                    config.sim.max_cycles);
        return r;
    }

    const std::vector<CycleCategory>& cycle_breakdown() const override {
        static const std::vector<CycleCategory> c = cycle_categories(x86_cycle_breakdown());
        return c;
    }
    const std::vector<CycleCategory>& cycle_modes() const override {
        static const std::vector<CycleCategory> c = cycle_categories(x86_cycle_modes());
        return c;
    }

    void describe_stats(stats::Registry& stats) const override {
        record(stats, X86RunSummary{});
        record_trace(stats, X86ReplayCounts{}, x86::MmuStats{}, selfpage::PagerStats{});
    }
};

}  // namespace

const Target& x86_64_target() {
    static const X86Target target;
    return target;
}

}  // namespace vmsim::platform
