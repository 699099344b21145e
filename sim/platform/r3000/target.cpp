// The R3000 target: parameters declared once (bound to R3000Config), the whole of
// one run, and the statistics a run records.
#include "sim/platform/r3000/target.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "sim/common/errors.hpp"
#include "sim/config/param_table.hpp"
#include "sim/loader/elf_loader.hpp"
#include "sim/platform/r3000/platform.hpp"
#include "sim/platform/r3000/replay.hpp"
#include "sim/platform/replacement_names.hpp"
#include "sim/platform/setup.hpp"

namespace vmsim::platform {
namespace {

using config::ParamTable;

// avm.pagetable's and aegis.stlb_org's values in the boot block are their names'
// indices (vmsim/bootparams.h).
template <size_t N>
std::vector<std::pair<std::string, uint32_t>> indexed_names(const char* const (&names)[N]) {
    std::vector<std::pair<std::string, uint32_t>> v;
    for (uint32_t i = 0; i < N; ++i) v.emplace_back(names[i], i);
    return v;
}
std::vector<std::pair<std::string, uint32_t>> avm_pagetable_names() {
    const char* const names[] = VMSIM_AVM_PAGETABLE_NAMES;
    return indexed_names(names);
}
std::vector<std::pair<std::string, uint32_t>> stlb_org_names() {
    const char* const names[] = VMSIM_STLB_ORG_NAMES;
    return indexed_names(names);
}

const ParamTable<R3000Config>& params() {
    static const auto* table = [] {
        auto* t = new ParamTable<R3000Config>;
        auto root = t->root();
        auto cpu = root.at(&R3000Config::cpu);
        // The range keeps every quantity derived from the clock representable. SystemC
        // time is a 64-bit count of its 1 ps resolution (at most 2^64 ps, about 213
        // days). The clock period, 1e6 / clock_mhz ps rounded to whole picoseconds,
        // must be at least 1 ps: at most 1e6 MHz. A run's simulated time, cycles x
        // period, must stay below 2^64 ps or it wraps (1e-300 MHz: a period beyond
        // 2^64 ps and sim.seconds = 0; 1e-10 MHz: 2^64 ps after about 1800 cycles). The
        // longest run is what sim.max_instructions allows (default 1e10) times the
        // cycles per instruction: at 1 MHz (period 1e6 ps) 2^64 ps is 1.8e13 cycles,
        // 1800 cycles per instruction at the default limit and days of host time at
        // the simulator's ~1e8 cycles per second. Below 1 MHz that margin shrinks in
        // proportion, and no R3000 system ran that slowly.
        root.number("cpu.clock_mhz", &R3000Config::clock_mhz, "CPU clock in MHz (DECstation 3100: 16.67, 2100: 12.5)")
            .min(1)
            .max(1e6);
        cpu.choice("cpu.load_delay", &r3000::CpuConfig::load_delay,
                   {{"exact", r3000::LoadDelay::Exact}, {"interlocked", r3000::LoadDelay::Interlocked}},
                   "load/mfc0 delay slot: exact = R3000 non-interlocked one-instruction delay; "
                   "interlocked = result visible to the next instruction");
        cpu.uint("cpu.prid", &r3000::CpuConfig::prid, "CP0 PRId value (R3000 0x0220, R3000A 0x0230)")
            .max(0xffff)
            .hex();
        cpu.uint("cpu.mult_latency", &r3000::CpuConfig::mult_latency,
                 "cycles from MULT/MULTU issue until HI/LO are ready (R3000)")
            .min(1)
            .max(1000);
        cpu.uint("cpu.div_latency", &r3000::CpuConfig::div_latency,
                 "cycles from DIV/DIVU issue until HI/LO are ready (R3000)")
            .min(1)
            .max(1000);
        cpu.uint("cpu.exception_cycles", &r3000::CpuConfig::exception_entry_cycles,
                 "cycles lost on exception entry (R3000 squashes the two younger pipeline stages)")
            .max(1000);
        cpu.uint("cpu.random_seed", &r3000::CpuConfig::random_seed,
                 "the TLB Random register, which picks the entry tlbwr replaces. 0: Random counts "
                 "down 63..8 once a cycle from reset, exactly as the chip (the entry follows the "
                 "cycle count). Non-zero: Random starts at phase seed mod 56 and after each tlbwr "
                 "skips ahead a pseudo-random 0..55 steps from a generator seeded with it, modelling "
                 "cycles a real machine spends between refills that are not simulated (interrupts, "
                 "DRAM refresh); each seed is one repeatable draw of the replacement, and no timing "
                 "changes. (A phase alone would only rename entries.)");
        // The memory system. The defaults are the DECstation 3100's geometry; the memory
        // latencies are estimates whose reasoning is in configs/machines/dec3100.cfg.
        cpu.choice("mem.model", &r3000::CpuConfig::memory,
                   {{"ideal", r3000::MemoryModel::Ideal}, {"cached", r3000::MemoryModel::Cached}},
                   "ideal: every access takes its instruction's one cycle; cached: I/D caches, write buffer "
                   "and memory latency below");
        for (auto [side, member] : {std::pair{"icache", &r3000::CpuConfig::icache},
                                    std::pair{"dcache", &r3000::CpuConfig::dcache}}) {
            const std::string k = side;
            auto cache = cpu.at(member);
            cache.size(k + ".size", &r3000::CacheConfig::size, k + " size in bytes (DECstation: 64K)")
                .min(4)
                .power_of_two();
            cache.uint(k + ".line", &r3000::CacheConfig::line, k + " line size in bytes (R2000/R3000: 4)")
                .min(4)
                .max(1 << 16)
                .power_of_two();
            cache.uint(k + ".assoc", &r3000::CacheConfig::assoc,
                       k + " ways per set; 1 = direct-mapped (DECstation), else replaced by " + k + ".replacement")
                .min(1)
                .max(64)
                .power_of_two();
            cache.choice(k + ".replacement", &r3000::CacheConfig::replacement, replacement_names(),
                         k + " victim choice when assoc > 1 (models/common/replacement.hpp)");
            cache.uint(k + ".seed", &r3000::CacheConfig::seed, k + " seed of the random replacement policy");
        }
        cpu.at(&r3000::CpuConfig::dcache)
            .choice("dcache.write_miss", &r3000::CacheConfig::write_miss,
                    {{"allocate_full_line", r3000::WriteMiss::AllocateFullLine},
                     {"no_allocate", r3000::WriteMiss::NoAllocate}},
                    "store miss: a store covering a whole line fills it (R2000/R3000), or never allocate");
        auto wbuf = cpu.at(&r3000::CpuConfig::wbuf);
        wbuf.uint("wbuf.depth", &r3000::WriteBufferConfig::depth,
                  "write-buffer entries (DECstation: 4 R2020 stages); 0 = none")
            .max(1024);
        wbuf.uint("wbuf.drain_cycles", &r3000::WriteBufferConfig::drain_cycles,
                  "cycles memory takes to retire one buffered write")
            .max(100000);
        wbuf.choice("wbuf.read_policy", &r3000::WriteBufferConfig::read_policy,
                    {{"bypass", r3000::ReadPolicy::Bypass}, {"drain", r3000::ReadPolicy::Drain}},
                    "a read waits for the write in progress only (R2000 + R2020) or for the whole buffer");
        cpu.uint("mem.read_latency", &r3000::CpuConfig::read_latency,
                 "stall cycles of a cache-miss read (fill and pipeline restart)")
            .max(100000);
        cpu.uint("mem.uncached_latency", &r3000::CpuConfig::uncached_latency,
                 "stall cycles of an uncached read (kseg1, N=1 pages, devices)")
            .max(100000);
        root.size("mem.size", &R3000Config::mem_size, "RAM size in bytes (DECstation 3100 maximum: 24M)")
            .min(64 << 10)
            .max(VMSIM_CONSOLE_BASE)
            .multiple_of(r3000::kPageSize);
        root.uint("timer.period", &R3000Config::timer_period,
                  "timer interrupt period in CPU cycles (when the guest enables it)")
            .min(1)
            .max(0xffffffffu);
        root.uint("aegis.stlb_entries", &R3000Config::stlb_entries,
                  "aegis software-TLB entries (in unmapped memory); a power of two, from 2 when "
                  "aegis.stlb_org = 2way (one set of two); unused when none")
            .min(1)
            .max(VMSIM_STLB_MAX_ENTRIES)
            .power_of_two();
        root.choice("aegis.stlb_org", &R3000Config::stlb_org, stlb_org_names(),
                    "aegis software-TLB organisation: direct = direct-mapped, as the AVM paper's Aegis "
                    "(15-instruction refill on a hit); 2way = two-way set-associative like Rialto's MIPS "
                    "VTLB (way 0 probed first: the newest entry of the set, 15 instructions on a hit there, "
                    "27 in way 1); none = no software TLB, every TLB miss in segment 0 goes to the "
                    "application's handler (vmlib/aegis/README.md)");
        root.choice("avm.pagetable", &R3000Config::avm_pagetable, avm_pagetable_names(),
                    "page-table structure of the AVM library on aegis: linear (sorted vector, binary "
                    "search), hier2 (two levels, 4 KB leaves), hashed (chained hash table), inverted "
                    "(one entry per physical frame, hash anchor table); vmlib/avm/README.md");
        root.uint("avm.hashed_buckets", &R3000Config::avm_hashed_buckets,
                  "hash chains of AVM's hashed page table (avm.pagetable=hashed); a power of two")
            .min(1)
            .max(VMSIM_AVM_HASHED_MAX_BUCKETS)
            .power_of_two();
        root.flag("avm.measure_lookups", &R3000Config::avm_measure_lookups,
                  "AVM on aegis: time each page-table lookup of the library's TLB-miss handler as "
                  "measured region 40 (region 41: the empty region in front of it), for cycles and "
                  "instructions per lookup. Off by default: the two regions' system calls would "
                  "land inside the benchmarks' own regions");
        root.uint("unix.mprotect_asid_threshold", &R3000Config::unix_mprotect_asid_threshold,
                  "unix kernel: an mprotect of more pages than this gives the process a new ASID "
                  "(all its TLB entries retired at once) instead of flushing the TLB page by page "
                  "(tlbp per changed page); >= 524288 (every kuseg page) = always page by page. "
                  "The switch and the default 16 are this kernel's choice (vmlib/unix/README.md)")
            .min(1);
        // Several environments on aegis (vmlib/aegis/README.md, "Several environments").
        root.uint("aegis.nenvs", &R3000Config::aegis_nenvs,
                  "aegis: environments that run the image (round robin, preempted by the timer when "
                  "more than one); 0 = the image's default (aegis_add_system NENVS: 1 for aegis_appel, "
                  "3 for aegis_scenario), at most the image's MAX_ENVS (64 for aegis_scenario)")
            .max(VMSIM_AEGIS_MAX_ENVS);
        root.uint("aegis.timeslice", &R3000Config::aegis_timeslice,
                  "aegis: time slice in CPU cycles, the period aegis programs into the timer when more "
                  "than one environment runs (aegis sets the timer's period itself: timer.period has no "
                  "effect on aegis)")
            .min(VMSIM_AEGIS_TIMESLICE_MIN)
            .max(0x7fffffff);
        root.uint("aegis.asids", &R3000Config::aegis_asids,
                  "aegis: ASIDs the kernel hands out to environments (the R3000 has 64); with fewer "
                  "ASIDs than environments an environment scheduled without one takes another's, "
                  "round robin, after flushing that ASID's TLB and STLB entries")
            .min(2)
            .max(VMSIM_AEGIS_ASIDS_MAX);
        // The scenario workload's (workloads/scenario), passed on by aegis.
        for (auto [name, member, max, what] :
             {std::tuple{"scenario.pages", &R3000Config::scenario_pages, VMSIM_SCENARIO_PAGES_MAX,
                         "pages in each process's working set"},
              std::tuple{"scenario.slices", &R3000Config::scenario_slices, VMSIM_SCENARIO_SLICES_MAX,
                         "time slices each process runs (it yields after each)"},
              std::tuple{"scenario.accesses", &R3000Config::scenario_accesses, VMSIM_SCENARIO_ACCESSES_MAX,
                         "page accesses per time slice (the timer may preempt earlier)"},
              std::tuple{"scenario.seed", &R3000Config::scenario_seed, VMSIM_SCENARIO_SEED_MAX,
                         "seed of the processes' access sequences (each process its own)"}})
            root.uint(name, member, std::string("scenario workload on aegis: ") + what).min(1).max(max);
        bind_trace_params<R3000Config>(
            root.at(&R3000Config::trace),
            "empty = no replay (the program runs as it is); set: the program is a replay guest (vmsim replay's "
            "default, build/workloads/replay/aegis_replay.elf), every reference goes through the 64-entry TLB and "
            "a miss runs the guest's own refill code (docs/replay.md)",
            "outside the replay.* statistics (the guest's statistics include them)");
        bind_sim_params<R3000Config>(root.at(&R3000Config::sim));
        return t;
    }();
    return *table;
}

}  // namespace

// Reads the configuration and checks what the types alone cannot.
R3000Config read_r3000_config(const config::Registry& reg) {
    R3000Config c = params().read(reg);
    for (auto [side, cache] : {std::pair{"icache", &c.cpu.icache}, std::pair{"dcache", &c.cpu.dcache}})
        if (std::string problem = cache->check(); !problem.empty())
            throw UserError(kExitUsage, std::string(side) + ".size/line/assoc: " + problem);
    if (c.stlb_org == VMSIM_STLB_ORG_2WAY && c.stlb_entries < 2)
        throw UserError(kExitUsage, "aegis.stlb_entries: a 2way software TLB needs at least 2 entries (one set), got " +
                                        std::to_string(c.stlb_entries));
    return c;
}

namespace {

// What a finished run reports, as plain data: the statistics are recorded from it
// in one fixed order, and the docs list them from a default-constructed one.
struct Snapshot {
    RunSummary run;
    r3000::CpuStats cpu;
    std::vector<uint64_t> breakdown, modes;  // by r3000_cycle_breakdown() / r3000_cycle_modes()
    bool cached = false;                     // the caches and write buffer exist
    r3000::CacheStats icache, dcache;
    r3000::WriteBufferStats wbuf;
    std::vector<std::pair<std::string, SimControl::Region>> regions;  // "N", totals
    std::vector<std::string> region_counters;
    std::vector<std::pair<std::string, uint64_t>> guest_counters;  // "N", value: those written
};

void record(stats::Registry& stats, const Snapshot& s) {
    const RunSummary& run = s.run;
    stats.text("sim.outcome", "how the run ended: exited, instruction_limit, cycle_limit or guest_error") =
        outcome_name(run.result.outcome);
    stats.counter("sim.exit_code", "exit code the guest wrote to sim-control") = run.result.exit_code;
    stats.counter("cpu.instructions", "instructions retired") = run.instructions;
    stats.counter("cpu.cycles", "CPU cycles, stalls and exception entry included") = run.cycles;
    stats.value("sim.seconds", "simulated time in seconds (cycles / clock)") = run.simulated_seconds;
    add_stats(stats, "cpu.", s.cpu.exception_stats());
    // Where the cycles went: the breakdown adds up to cpu.cycles, and so do the modes.
    for (auto [list, values] : {std::pair{&r3000_cycle_breakdown(), &s.breakdown},
                                std::pair{&r3000_cycle_modes(), &s.modes}})
        for (size_t i = 0; i < list->size(); ++i) {
            const CycleCategory& c = (*list)[i].category;
            stats.counter(std::string("cycles.") + c.name, c.description) = (*values)[i];
        }
    add_stats(stats, "cycles.kernel.", s.cpu.kernel_entry_stats());
    if (s.cached) {
        add_stats(stats, "icache.", s.icache.list(r3000::CacheSide::Instruction));
        add_stats(stats, "dcache.", s.dcache.list(r3000::CacheSide::Data));
        add_stats(stats, "wbuf.", s.wbuf.list());
    }
    add_stats(stats, "tlb.", s.cpu.tlb_stats());
    stats.counter("timer.interrupts", "timer periods elapsed while enabled") = run.timer_interrupts;
    for (const auto& [n, value] : s.guest_counters)
        stats.counter("guest." + n, "counter " + n + " as the guest reported it (VMSIM_SIMCTL_COUNTER_*; what it "
                                   "counts is the guest's to say, e.g. vmlib/aegis/README.md)") = value;
    for (const auto& [n, region] : s.regions) {
        const std::string base = "region." + n;
        stats.counter(base + ".count", "times measured region " + n + " was entered and left") = region.count;
        for (size_t k = 0; k < s.region_counters.size(); ++k) {
            const std::string& c = s.region_counters[k];
            stats.counter(base + "." + c, c == kRegionRefills
                                              ? "TLB misses taken through the UTLB-refill vector inside region " + n
                                              : c + " inside region " + n + " (as cycles.* above)") = region.totals[k];
        }
    }
    stats.counter("sim.quantum_syncs", "times the core synchronised with SystemC time") = run.quantum_syncs;
    stats.counter("sim.elided_syncs", "quantum syncs skipped: no other process had activity pending") =
        run.elided_syncs;
    // The only entries that differ between identical runs: they measure the host.
    stats.value("host.seconds", "host wall-clock seconds spent simulating (not deterministic)") = run.host_seconds;
    stats.value("host.mips", "simulated instructions per host second / 1e6 (not deterministic)") =
        run.host_seconds > 0 ? static_cast<double>(run.instructions) / run.host_seconds / 1e6 : 0.0;
}

Snapshot snapshot(const R3000Platform& platform, const RunSummary& run) {
    const r3000::Cpu& cpu = platform.cpu();
    Snapshot s;
    s.run = run;
    s.cpu = cpu.stats();
    for (const auto& c : r3000_cycle_breakdown()) s.breakdown.push_back(c.read(cpu, s.cpu));
    for (const auto& c : r3000_cycle_modes()) s.modes.push_back(c.read(cpu, s.cpu));
    if (const r3000::Cache* ic = cpu.icache()) {
        s.cached = true;
        s.icache = ic->stats();
        s.dcache = cpu.dcache()->stats();
        s.wbuf = cpu.write_buffer()->stats();
    }
    const auto& regions = platform.simctl().regions();
    for (unsigned i = 0; i < regions.size(); ++i)
        if (regions[i].count) s.regions.emplace_back(std::to_string(i), regions[i]);
    s.region_counters = platform.simctl().region_counter_names();
    const auto& counters = platform.simctl().guest_counters();
    for (unsigned i = 0; i < counters.size(); ++i)
        if (counters[i].written) s.guest_counters.emplace_back(std::to_string(i), counters[i].value);
    return s;
}

// The trace of an R3000 replay, read on a thread of its own a batch ahead of the replay. The
// replay pulls references while SystemC is paused, after its coroutine switches, where ASan has
// lost track of the stack: an exception thrown there (a reader's UserError for a bad record)
// leaves stale stack poison and false reports (replay.hpp). Here a reader's error is caught on
// the reading thread; the replay sees the trace end there, and the run reports the error.
class ReadAheadSource final : public trace::RefSource {
public:
    // Reads at most `max_refs` references (0: to the end): a replay with trace.limit stops there,
    // and so does the reading (a pipe need not end).
    ReadAheadSource(trace::RefSource& source, uint64_t max_refs)
        : source_(source), left_(max_refs ? max_refs : ~uint64_t{0}), thread_([this] { produce(); }) {}
    ~ReadAheadSource() override {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        changed_.notify_all();
        thread_.join();
    }
    ReadAheadSource(const ReadAheadSource&) = delete;
    ReadAheadSource& operator=(const ReadAheadSource&) = delete;

    std::size_t read(trace::Ref* out, std::size_t max) override {
        if (taken_ == current_.size()) {
            std::unique_lock<std::mutex> lock(mutex_);
            changed_.wait(lock, [this] { return full_ || ended_; });
            if (!full_) {
                drained_ = true;
                progress_.end();  // before the guest, which goes on, writes to the console
                return 0;
            }
            delivered_ += current_.size();
            current_.swap(next_);
            full_ = false;
            taken_ = 0;
            changed_.notify_all();
            progress_.update(delivered_);
        }
        const std::size_t n = std::min(max, current_.size() - taken_);
        std::copy_n(current_.begin() + static_cast<std::ptrdiff_t>(taken_), n, out);
        taken_ += n;
        return n;
    }

    // Ends the progress line, if one was shown (read() does when the trace ends; a replay that stops
    // before that needs this).
    void end_progress() { progress_.end(); }

    // Once read() has returned 0, the reader's error ("" when the trace ended) and its exit code;
    // "" before (the reading thread may still be writing them).
    const std::string& error() const { return drained_ ? error_ : kNone; }
    ExitCode error_code() const { return error_code_; }

private:
    static constexpr std::size_t kBatch = 1 << 16;
    static inline const std::string kNone;

    void produce() {
        std::vector<trace::Ref> batch;
        for (;;) {
            batch.resize(static_cast<std::size_t>(std::min<uint64_t>(left_, kBatch)));
            std::size_t n = 0;
            std::string error;
            ExitCode code = kExitDataErr;
            try {
                if (!batch.empty()) n = source_.read(batch.data(), batch.size());
            } catch (const UserError& e) {
                error = e.what();
                code = e.code();
            } catch (const std::exception& e) {
                error = std::string("vmsim: internal error: ") + e.what();  // as main() reports it
                code = kExitSoftware;
            }
            left_ -= n;
            std::unique_lock<std::mutex> lock(mutex_);
            changed_.wait(lock, [this] { return !full_ || stop_; });
            if (stop_) return;
            if (n == 0) {
                ended_ = true;
                error_ = std::move(error);
                error_code_ = code;
                changed_.notify_all();
                return;
            }
            batch.resize(n);
            next_.swap(batch);
            full_ = true;
            changed_.notify_all();
        }
    }

    trace::RefSource& source_;
    uint64_t left_;                         // the reading thread's
    std::vector<trace::Ref> current_;       // the replay's
    std::size_t taken_ = 0;                 // the replay's
    bool drained_ = false;                  // the replay's: read() returned 0
    uint64_t delivered_ = 0;                // the replay's: references handed out before current_
    ReplayProgress progress_;               // the replay's
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<trace::Ref> next_;          // guarded by mutex_, as below
    bool full_ = false, ended_ = false, stop_ = false;
    std::string error_;
    ExitCode error_code_ = kExitDataErr;
    std::thread thread_;  // last: starts once the members above exist
};

class R3000Target final : public Target {
public:
    const char* name() const override { return "r3000"; }
    const char* description() const override {
        return "MIPS R3000 with a software-refilled TLB, DECstation 3100/2100 timing";
    }
    void declare_params(config::Registry& reg) const override { params().declare(reg); }
    void check_params(const config::Registry& reg) const override { read_r3000_config(reg); }

    const char* replay_program() const override { return kR3000ReplayKernel; }

    RunResult run(const config::Registry& reg, const std::string& program, stats::Registry& stats,
                  std::FILE* console) const override {
        const R3000Config config = read_r3000_config(reg);
        if (!config.trace.file.empty()) return run_replay(config, program, stats, console);
        const loader::ElfImage image = loader::load_elf(program, config.mem_size);
        R3000Platform plat(config, image.segments, image.entry, console);
        const RunSummary summary = plat.run();
        record_r3000_run(stats, plat, summary);
        RunResult r;
        r.outcome = summary.result.outcome;
        r.exit_code = summary.result.exit_code;
        const auto limit = [&](uint64_t n, const char* what) {
            return fmt::format("guest did not exit within {} {} (sim.max_{}); stopped at pc 0x{:08x}", n, what, what,
                               plat.cpu().pc());
        };
        if (r.outcome == Outcome::GuestError) r.message = "guest error: " + summary.result.error;
        if (r.outcome == Outcome::InstructionLimit) r.message = limit(config.sim.max_instructions, "instructions");
        if (r.outcome == Outcome::CycleLimit) r.message = limit(config.sim.max_cycles, "cycles");
        return r;
    }

    const std::vector<CycleCategory>& cycle_breakdown() const override {
        static const std::vector<CycleCategory> c = cycle_categories(r3000_cycle_breakdown());
        return c;
    }
    const std::vector<CycleCategory>& cycle_modes() const override {
        static const std::vector<CycleCategory> c = cycle_categories(r3000_cycle_modes());
        return c;
    }

    void describe_stats(stats::Registry& stats) const override {
        describe_run(stats);
        record_r3000_replay(stats, ReplayStats{});
    }

private:
    // trace.file set: `program` (a replay guest) replays the trace (replay.hpp). A trace at fault
    // (a bad record, too many regions) is returned as the run's input error, not thrown: see
    // ReadAheadSource.
    static RunResult run_replay(const R3000Config& config, const std::string& program, stats::Registry& stats,
                                std::FILE* console) {
        trace::OpenedTrace opened = open_settings_trace(config.trace);
        ReplayOptions options;
        options.kernel = program;
        options.skip = config.trace.skip;
        options.limit = config.trace.limit;
        options.split_page_crossing = config.trace.split_page_crossing;
        options.console = console;
        ReadAheadSource source(*opened.source, config.trace.limit ? config.trace.skip + config.trace.limit : 0);
        ReplayResult r = replay_r3000(config, source, options, stats);
        source.end_progress();
        if (r.input_error.empty() && !source.error().empty()) {
            // As trace::reading() words it: the one line says how the bytes were read.
            r.input_error = source.error() + (opened.detected ? " (read as " + opened.description() + ")" : "");
            r.input_error_code = source.error_code();
        }
        if (!r.input_error.empty()) {
            r.run.outcome = Outcome::GuestError;
            r.run.message = r.input_error;
            r.run.input_error = r.input_error_code;
        } else {
            note_detected(config.trace, opened);
        }
        return std::move(r.run);
    }

    static void describe_run(stats::Registry& stats) {
        Snapshot s;
        s.breakdown.assign(r3000_cycle_breakdown().size(), 0);
        s.modes.assign(r3000_cycle_modes().size(), 0);
        s.cached = true;
        s.region_counters = r3000_region_counter_names();
        s.guest_counters.emplace_back("N", 0);
        s.regions.emplace_back("N", SimControl::Region{});
        s.regions.back().second.totals.assign(s.region_counters.size(), 0);
        record(stats, s);
    }

};

}  // namespace

void record_r3000_run(stats::Registry& stats, const R3000Platform& platform, const RunSummary& run) {
    record(stats, snapshot(platform, run));
}

const Target& r3000_target() {
    static const R3000Target target;
    return target;
}

}  // namespace vmsim::platform
