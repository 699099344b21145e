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
#include "sim/platform/x86/machine_params.hpp"
#include "sim/platform/x86/platform.hpp"

namespace vmsim::platform {
namespace {

using config::ParamTable;

std::vector<std::pair<std::string, x86::PageSize>> page_size_names() {
    std::vector<std::pair<std::string, x86::PageSize>> v;
    for (x86::PageSize p : {x86::PageSize::k4K, x86::PageSize::k2M, x86::PageSize::k4M, x86::PageSize::k1G})
        v.emplace_back(x86::page_size_name(p), p);
    return v;
}

const ParamTable<X86Config>& params() {
    static const auto* table = [] {
        auto* t = new ParamTable<X86Config>;
        bind_x86_machine(*t);
        auto root = t->root();
        root.choice("workload", &X86Config::workload, {{"gups", X86Workload::Gups}, {"replay", X86Workload::Replay}},
                    "the host-compiled workload the core runs: gups = random read-modify-write updates of a "
                    "table (workloads/x86/gups.hpp); replay = every reference of the address trace trace.file "
                    "through the MMU (sim/platform/x86/replay.hpp; vmsim replay sets this)");
        root.flag("cpu.compiled_workloads", &X86Config::compiled_workloads,
                  "host speed only, no simulated result changes: the core runs a workload compiled for it "
                  "(gups) through direct calls and makes a read-modify-write in one pass; false = through "
                  "the workload interface's virtual calls, a read-modify-write as its load and store");
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
        bind_gups_update_cycles(*t);
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

// Reads the configuration and checks what the types alone cannot, each problem one line naming a
// parameter.
X86Config read_config(const config::Registry& reg) {
    X86Config c = params().read(reg);
    const auto fail = [](const std::string& problem) { throw UserError(kExitUsage, problem); };
    check_x86_machine(c);
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
    stats.value("host.setup_seconds",
                "of host.seconds, those before the workload's first operation: elaboration, booting paging, the "
                "workload's setup (GUPS: mapping its table); 0 for a replay, timed from its first reference (not "
                "deterministic)") = run.setup_host_seconds;
    // The rate of the workload's run, as GUPS counts its updates: the setup's time is not the operations'.
    const double run_seconds = run.host_seconds - run.setup_host_seconds;
    stats.value("host.mops",
                "workload operations simulated per host second of the workload's run (host.seconds - "
                "host.setup_seconds) / 1e6 (not deterministic)") =
        run_seconds > 0 ? static_cast<double>(core.operations) / run_seconds / 1e6 : 0.0;
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
