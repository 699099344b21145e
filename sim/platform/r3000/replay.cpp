// The trap-driven replay engine (replay.hpp, docs/replay.md). It runs while the simulation
// is paused once the guest has begun the replay region (R3000Platform::Takeover): the hit path is
// a direct-mapped shadow of the TLB in front of the ISS's TLB, and every miss is the
// guest's own refill path, run by the ISS until it returns to the sentinel EPC.
#include "sim/platform/r3000/replay.hpp"

#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <utility>
#include <vector>

#include "sim/common/errors.hpp"
#include "sim/loader/elf_loader.hpp"
#include "sim/platform/r3000/platform.hpp"
#include "sim/platform/r3000/target.hpp"
#include "sim/platform/setup.hpp"
#include "vmsim/replay.h"

namespace vmsim::platform {
namespace {

using r3000::Cpu;
using r3000::TlbEntry;

#if defined(__GNUC__)
#define REPLAY_LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define REPLAY_LIKELY(x) (x)
#endif

// A guest that does not come back from one exception within this many cycles is stuck
// (the slowest path, a first touch that zeroes a page and inserts into AVM's sorted
// page table, takes well under a million).
constexpr uint64_t kTrapCycleLimit = 100'000'000;
// Exceptions one access may raise before it is allowed: TLB miss, then the guest's
// first-touch fault (the retried access misses again), then Mod for a store on a page
// installed read-only. More means the guest does not map the page.
constexpr unsigned kMaxTrapsPerAccess = 8;
constexpr size_t kBatch = 4096;

// Why a replay stopped before the end of the trace. The engine returns (false) rather than
// throwing: it runs between two sc_start() calls, where ASan has lost track of the stack
// after SystemC's coroutine switches, so an exception unwinding frames there leaves stale
// poison that later calls trip over (false reports seen in the sanitizer build).
enum class Stop { None, GuestError, GuestExited, InputError };

class Replayer {
public:
    Replayer(trace::RefSource& source, const ReplayOptions& options, std::function<bool()> exited)
        : source_(source), options_(options), exited_(std::move(exited)) {
        buffer_.resize(kBatch);
        flush_shadow();
    }

    // The takeover: "" when the trace has been replayed (or the guest exited), else why
    // the guest's run must end.
    std::string drive(Cpu& cpu) {
        cpu_ = &cpu;
        const auto t0 = std::chrono::steady_clock::now();
        uint32_t resume = 0;
        if (enter_user_mode(resume)) {
            cpu.set_stop_pc(VMSIM_REPLAY_SENTINEL);
            replay();
            cpu.set_stop_pc(~0u);
            cpu.set_pc(resume);
        }
        stats_.references = 0;  // also when the replay stopped early: what it did
        for (uint64_t n : stats_.references_by_kind) stats_.references += n;
        stats_.trace_regions = regions_.size();
        stats_.host_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return stop_ == Stop::GuestError || stop_ == Stop::InputError ? message_ : std::string();
    }

    const ReplayStats& stats() const { return stats_; }
    Stop stop() const { return stop_; }
    const std::string& message() const { return message_; }
    ExitCode input_error_code() const { return input_code_; }

private:
    struct Shadow {
        uint64_t tag;           // the trace's page number (address >> 12); kNoTag when empty
        const TlbEntry* entry;  // the TLB entry that held its translation
        uint32_t hi;            // that entry's EntryHi then: a write to the entry changes it
    };
    static constexpr unsigned kShadowSize = 1024;
    static constexpr uint64_t kNoTag = ~uint64_t{0};
    static unsigned slot(uint64_t vpn) { return static_cast<unsigned>((vpn ^ (vpn >> 10)) % kShadowSize); }

    bool fail(Stop why, std::string message) {
        stop_ = why;
        message_ = std::move(message);
        return false;
    }

    // The region-begin system call has written the device from kernel mode: step to the
    // user instruction after it, where the guest resumes when the replay is over.
    bool enter_user_mode(uint32_t& resume) {
        for (unsigned steps = 0; !cpu_->user_mode(); ++steps) {
            if (steps == 100000)
                return fail(Stop::GuestError,
                            "replay: the guest did not return to user mode after beginning the replay region");
            if (!run_checked(cpu_->cycles() + 1)) return false;
        }
        asid_ = current_asid();
        resume = cpu_->pc();
        return true;
    }

    uint32_t current_asid() const {
        return (cpu_->cp0(r3000::kCp0EntryHi) & r3000::kEntryHiAsidMask) >> r3000::kEntryHiAsidShift;
    }

    // False (and stop_ set) on a guest error or when the guest asked to exit.
    bool run_checked(uint64_t cycle_limit, r3000::StopReason* why_out = nullptr) {
        const r3000::StopReason why = cpu_->run(cycle_limit, ~uint64_t{0});
        if (why == r3000::StopReason::GuestError) return fail(Stop::GuestError, cpu_->error());
        if (exited_()) return fail(Stop::GuestExited, "");
        if (why_out) *why_out = why;
        return true;
    }

    void flush_shadow() {
        for (Shadow& s : shadow_) s = Shadow{kNoTag, nullptr, 0};
    }

    // The references, in batches; the first `skip` outside the statistics.
    void replay() {
        const uint64_t skip = options_.skip;
        const uint64_t end = options_.limit ? skip + options_.limit : ~uint64_t{0};
        uint64_t done = 0;
        uint64_t next_stop = skip ? skip : end;  // the next count at which something changes
        const bool split = options_.split_page_crossing;
        for (bool more = true; more;) {
            size_t n = 0;
            try {
                n = source_.read(buffer_.data(), buffer_.size());
            } catch (const UserError& e) {  // the reader's: caught where it was thrown (see Stop)
                input_code_ = e.code();
                fail(Stop::InputError, e.what());
                return;
            }
            if (n == 0) break;
            for (size_t i = 0; i < n; ++i) {
                if (done == next_stop) {
                    if (done == end) {
                        more = false;
                        break;
                    }
                    stats_ = ReplayStats{};  // the warm-up is over
                    stats_.skipped = skip;
                    next_stop = end;
                }
                ++done;
                const trace::Ref& r = buffer_[i];
                const unsigned kind = static_cast<unsigned>(r.kind) & 3;
                ++stats_.references_by_kind[kind];
                if (!reference(r.addr >> r3000::kPageShift, r.addr, kind)) return;
                if ((r.addr & (r3000::kPageSize - 1)) + r.size > r3000::kPageSize) {
                    ++stats_.page_crossings;
                    if (split) {
                        const uint64_t next = (r.addr | (r3000::kPageSize - 1)) + 1;
                        if (!reference(next >> r3000::kPageShift, next, kind)) return;
                    }
                }
            }
        }
        if (done <= skip) {  // the trace ended inside the warm-up
            stats_ = ReplayStats{};
            stats_.skipped = done;
        }
    }

    // One page touched by a reference: a hit in the shadow costs nothing more.
    bool reference(uint64_t vpn, uint64_t addr, unsigned kind) {
        // The EntryLo bits the access needs, by kind: instr, load: V; store, modify: V and D.
        constexpr uint32_t V = r3000::kEntryLoV, VD = r3000::kEntryLoV | r3000::kEntryLoD;
        static constexpr uint32_t kNeed[ReplayStats::kKinds] = {V, V, VD, VD};
        const uint32_t need = kNeed[kind];
        const Shadow& s = shadow_[slot(vpn)];
        if (REPLAY_LIKELY(s.tag == vpn && s.entry->hi == s.hi && (s.entry->lo & need) == need)) return true;
        return miss(vpn, addr, kind);
    }

    // Not inlined: the hit path keeps its registers. False when the replay must stop.
    __attribute__((noinline)) bool miss(uint64_t vpn, uint64_t addr, unsigned kind) {
        // A modify is a load, then a store (record.hpp).
        if (kind == static_cast<unsigned>(trace::Kind::Modify) && !access(vpn, addr, kind, false)) return false;
        return access(vpn, addr, kind, kind >= static_cast<unsigned>(trace::Kind::Store));
    }

    // The access as the hardware makes it: until the TLB allows it, the exception it
    // raises, handled by the guest.
    bool access(uint64_t vpn, uint64_t addr, unsigned kind, bool store) {
        uint32_t va = 0;
        if (!fold(addr, va)) return false;
        const uint32_t code = store ? r3000::kExcTLBS : r3000::kExcTLBL;
        for (unsigned traps = 0;; ++traps) {
            if (traps == kMaxTrapsPerAccess)
                return fail(Stop::GuestError, fmt::format("replay: the guest raised {} exceptions for one {} at 0x{:08x} "
                                               "(trace address 0x{:x}) and still does not map it",
                                               traps, store ? "store" : "load", va, addr));
            const int i = cpu_->tlb().lookup(va >> r3000::kPageShift, asid_);
            if (i == r3000::Tlb::kDuplicate)
                return fail(Stop::GuestError,
                            fmt::format("replay: TLB shutdown: more than one TLB entry matches 0x{:08x}", va));
            if (i == r3000::Tlb::kMiss) {
                if (traps == 0) {
                    ++stats_.tlb_misses;
                    ++stats_.misses_by_kind[kind];
                }
                ++stats_.refill_exceptions;
                if (!trap(code, va, true)) return false;
                continue;
            }
            const TlbEntry& e = cpu_->tlb().entry(static_cast<unsigned>(i));
            if (!(e.lo & r3000::kEntryLoV)) {
                ++stats_.other_traps;
                if (!trap(code, va, false)) return false;
                continue;
            }
            if (store && !(e.lo & r3000::kEntryLoD)) {
                ++stats_.other_traps;
                if (!trap(r3000::kExcMod, va, false)) return false;
                continue;
            }
            shadow_[slot(vpn)] = Shadow{vpn, &e, e.hi};
            return true;
        }
    }

    // The exception, then the guest until it returns to the sentinel.
    bool trap(uint32_t code, uint32_t va, bool utlb_vector) {
        Cpu& cpu = *cpu_;
        const uint64_t insns = cpu.instructions(), cycles = cpu.cycles();
        const r3000::CpuStats before = cpu.stats();
        cpu.replay_tlb_exception(code, va, utlb_vector, VMSIM_REPLAY_SENTINEL);
        while (cpu.pc() != VMSIM_REPLAY_SENTINEL) {
            // Break: the sentinel, or a device access on the way (the guest's counters, its exit).
            r3000::StopReason why{};
            if (!run_checked(cycles + kTrapCycleLimit, &why)) return false;
            if (why == r3000::StopReason::CycleLimit)
                return fail(Stop::GuestError, fmt::format("replay: the guest did not return from ExcCode {} at 0x{:08x} within {} "
                                               "cycles (pc 0x{:08x})",
                                               code, va, kTrapCycleLimit, cpu.pc()));
        }
        if (!cpu.user_mode())
            return fail(Stop::GuestError,
                        fmt::format("replay: the guest returned from ExcCode {} at 0x{:08x} in kernel mode", code, va));
        stats_.guest_instructions += cpu.instructions() - insns;
        stats_.guest_cycles += cpu.cycles() - cycles;
        // The exception just raised is one; any other was raised by the guest's handling.
        const r3000::CpuStats after = cpu.stats();
        if (utlb_vector && exceptions(after) == exceptions(before) + 1) ++stats_.fast_refills;
        stats_.guest_refills += after.utlb_refills - before.utlb_refills - (utlb_vector ? 1 : 0);
        if (const uint32_t asid = current_asid(); asid != asid_) {
            asid_ = asid;
            flush_shadow();
        }
        return true;
    }

    static uint64_t exceptions(const r3000::CpuStats& s) {
        uint64_t n = 0;
        for (uint64_t c : s.exceptions) n += c;
        return n;
    }

    // The trace's address in the guest's window (vmsim/replay.h); false when it is full.
    bool fold(uint64_t addr, uint32_t& va) {
        const uint64_t region = addr >> VMSIM_REPLAY_REGION_SHIFT;
        const uint32_t offset = static_cast<uint32_t>(addr & ((uint64_t{1} << VMSIM_REPLAY_REGION_SHIFT) - 1));
        va = last_base_ | offset;
        if (region == last_region_) return true;
        uint32_t base = 0;
        for (const auto& [r, b] : regions_)
            if (r == region) base = b;
        if (!base) {
            base = VMSIM_REPLAY_WINDOW_BASE + static_cast<uint32_t>(regions_.size() << VMSIM_REPLAY_REGION_SHIFT);
            if (base >= VMSIM_REPLAY_WINDOW_END) {
                input_code_ = kExitDataErr;
                return fail(Stop::InputError,
                            fmt::format("replay: the trace touches more than {} regions of 16 MB (the R3000 guest's "
                                            "window 0x{:08x}-0x{:08x}); address 0x{:x} is in one more",
                                            regions_.size(), VMSIM_REPLAY_WINDOW_BASE, VMSIM_REPLAY_WINDOW_END, addr));
            }
            regions_.emplace_back(region, base);
        }
        last_region_ = region;
        last_base_ = base;
        va = base | offset;
        return true;
    }

    trace::RefSource& source_;
    const ReplayOptions& options_;
    std::function<bool()> exited_;
    Stop stop_ = Stop::None;
    std::string message_;
    ExitCode input_code_ = kExitDataErr;
    Cpu* cpu_ = nullptr;
    uint32_t asid_ = 0;
    std::array<Shadow, kShadowSize> shadow_;
    std::vector<trace::Ref> buffer_;
    std::vector<std::pair<uint64_t, uint32_t>> regions_;  // trace region -> guest base, in order of first touch
    uint64_t last_region_ = ~uint64_t{0};
    uint32_t last_base_ = 0;
    ReplayStats stats_;
};

const char* const kKindNames[ReplayStats::kKinds] = {"instr", "load", "store", "modify"};

// The counters, as the models list theirs ("replay." prefix).
common::StatList replay_counters(const ReplayStats& s) {
    common::StatList out{{"references", "trace references replayed (after the skipped ones)", s.references}};
    for (unsigned k = 0; k < ReplayStats::kKinds; ++k)
        out.push_back({std::string("references.") + kKindNames[k], std::string("references of kind ") + kKindNames[k],
                       s.references_by_kind[k]});
    out.push_back({"skipped", "references replayed first as warm-up, outside these statistics", s.skipped});
    out.push_back({"tlb_misses", "pages referenced that the TLB did not hold (a reference's misses, as a TLB model "
                   "counts them)", s.tlb_misses});
    for (unsigned k = 0; k < ReplayStats::kKinds; ++k)
        out.push_back({std::string("tlb_misses.") + kKindNames[k],
                       std::string("TLB misses of references of kind ") + kKindNames[k], s.misses_by_kind[k]});
    const common::StatList rest = {
        {"refill_exceptions",
         "UTLB-refill exceptions raised: each miss, and each retry the guest left without an entry (a first touch)",
         s.refill_exceptions},
        {"guest_refills", "UTLB refills the guest's handling took for its own pages (its handlers' code, stack, "
         "page table)", s.guest_refills},
        {"other_traps",
         "general-vector exceptions raised for references: TLBL/TLBS on an invalid entry, Mod on a clean one",
         s.other_traps},
        {"fast_refills", "TLB misses the refill vector answered without another exception (aegis: software-TLB hits)",
         s.fast_refills},
        {"refill_instructions",
         "guest instructions run for the replay's exceptions (refills, first-touch faults, Mod)", s.guest_instructions},
        {"refill_cycles", "guest cycles for the replay's exceptions, exception entry included", s.guest_cycles},
        {"page_crossings",
         "references whose bytes reach into the next page (touched only with trace.split_page_crossing)",
         s.page_crossings},
        {"trace_regions", "16 MB regions of the trace's address space mapped into the guest's window",
         s.trace_regions},
    };
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
}

}  // namespace

void record_r3000_replay(stats::Registry& stats, const ReplayStats& s) {
    add_stats(stats, "replay.", replay_counters(s));
    const double misses = static_cast<double>(s.tlb_misses);
    stats.value("replay.refill_instructions_per_miss", "replay.refill_instructions / replay.tlb_misses") =
        s.tlb_misses ? static_cast<double>(s.guest_instructions) / misses : 0.0;
    stats.value("replay.refill_cycles_per_miss", "replay.refill_cycles / replay.tlb_misses") =
        s.tlb_misses ? static_cast<double>(s.guest_cycles) / misses : 0.0;
    stats.value("host.replay_seconds", "host seconds spent replaying (not deterministic)") = s.host_seconds;
    stats.value("host.replay_mrefs", "references replayed per host second / 1e6 (not deterministic)") =
        s.host_seconds > 0 ? static_cast<double>(s.references + s.skipped) / s.host_seconds / 1e6 : 0.0;
}

ReplayResult replay_r3000(const R3000Config& config, trace::RefSource& source, const ReplayOptions& options,
                          stats::Registry& stats) {
    const loader::ElfImage image = loader::load_elf(options.kernel, config.mem_size);
    R3000Platform plat(config, image.segments, image.entry, options.console);
    Replayer replayer(source, options, [&plat] { return plat.exit_requested(); });
    bool replayed = false;
    plat.set_takeover(R3000Platform::Takeover{
        [&plat] { return plat.simctl().regions()[VMSIM_REPLAY_REGION].open; },
        [&](r3000::Cpu& cpu) {
            replayed = true;
            return replayer.drive(cpu);
        }});
    const RunSummary summary = plat.run();
    record_r3000_run(stats, plat, summary);
    record_r3000_replay(stats, replayer.stats());

    ReplayResult r;
    r.replay = replayer.stats();
    r.run.outcome = summary.result.outcome;
    r.run.exit_code = summary.result.exit_code;
    if (replayer.stop() == Stop::InputError) {
        r.input_error = replayer.message();
        r.input_error_code = replayer.input_error_code();
        r.run.message = replayer.message();
    } else if (r.run.outcome == Outcome::GuestError) {
        r.run.message = "guest error: " + summary.result.error;
    } else if (r.run.outcome != Outcome::Exited) {
        r.run.message = fmt::format("the guest did not exit ({}); stopped at pc 0x{:08x}",
                                    outcome_name(r.run.outcome), plat.cpu().pc());
    } else if (replayer.stop() == Stop::GuestExited) {
        r.run.outcome = Outcome::GuestError;
        r.run.message = fmt::format("the replay guest exited (code {}) while handling a reference: the replay "
                                    "stopped there (the guest's console says why)",
                                    summary.result.exit_code);
    } else if (!replayed) {
        r.run.outcome = Outcome::GuestError;
        r.run.message = fmt::format("{} exited (code {}) before beginning region {}, where a replay guest "
                                    "(build/workloads/replay/aegis_replay.elf) hands over: see its console",
                                    options.kernel, summary.result.exit_code, VMSIM_REPLAY_REGION);
    }
    return r;
}

}  // namespace vmsim::platform
