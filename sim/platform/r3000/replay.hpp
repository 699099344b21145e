// Trap-driven trace replay on the R3000 (issue 11; docs/replay.md), as Tapeworm II did
// on real DECstations: a guest kernel boots and sets up a user address space, then every
// reference of the trace is translated through the 64-entry TLB of the ISS; a miss
// raises the TLB exception exactly as the hardware would (UTLB vector for a user miss)
// and the ISS runs the guest's own refill path until it returns, so the refill's cost
// is the guest's executed code.
//
//   ReplayOptions o;
//   o.kernel = "build/workloads/replay/aegis_replay.elf";
//   stats::Registry stats;
//   const ReplayResult r = replay_r3000(read_r3000_config(params), source, o, stats);
//
// SystemC allows one elaboration per process: one replay per process, as one run.
#pragma once
#include <array>
#include <cstdint>
#include <cstdio>
#include <string>

#include "sim/common/errors.hpp"
#include "sim/platform/r3000/config.hpp"
#include "sim/platform/target.hpp"
#include "sim/stats/registry.hpp"
#include "sim/trace/record.hpp"

namespace vmsim::platform {

// The replay guest under a build directory (ReplayOptions::kernel = build_dir + "/" + this).
inline constexpr const char* kR3000ReplayKernel = "workloads/replay/aegis_replay.elf";

struct ReplayOptions {
    // The guest image that hosts the replay (a kernel with the replay program embedded:
    // build/workloads/replay/aegis_replay.elf); the R3000 target's program.
    std::string kernel;
    uint64_t skip = 0;   // references replayed first as warm-up, outside the replay.* statistics
    uint64_t limit = 0;  // references replayed after the skipped ones; 0: to the end of the trace
    // trace.split_page_crossing: a reference whose bytes reach into the next page also
    // touches that page (false: translated at its start address only).
    bool split_page_crossing = false;
    std::FILE* console = stdout;  // the guest's console
};

// What the replay counted after the skipped references (the replay.* statistics).
struct ReplayStats {
    static constexpr unsigned kKinds = 4;  // by trace::Kind
    uint64_t references = 0;
    std::array<uint64_t, kKinds> references_by_kind{};
    uint64_t tlb_misses = 0;  // pages referenced that the TLB did not hold (as a plain TLB model counts)
    std::array<uint64_t, kKinds> misses_by_kind{};
    // UTLB-refill exceptions raised: a miss, and again each time the guest returns
    // without a TLB entry (a first touch: its fault handler maps the page, the retry refills)
    uint64_t refill_exceptions = 0;
    uint64_t guest_refills = 0;  // UTLB refills the guest's handling took for its own pages
    uint64_t other_traps = 0;   // general-vector TLBL/TLBS (V = 0) and Mod (D = 0) raised
    uint64_t fast_refills = 0;  // UTLB refills that returned without another exception (aegis: STLB hits)
    uint64_t guest_instructions = 0, guest_cycles = 0;  // run by the guest for the replay's exceptions
    uint64_t page_crossings = 0;                        // references whose bytes reach into the next page
    uint64_t skipped = 0;                               // references replayed as warm-up
    uint64_t trace_regions = 0;                         // 16 MB regions of the trace mapped into the guest
    double host_seconds = 0;                            // host time spent replaying (not deterministic)
};

struct ReplayResult {
    RunResult run;  // how the guest ended: Exited with code 0 when the replay finished
    ReplayStats replay;
    // Non-empty when the trace was at fault: the source's UserError (a bad record) or a
    // trace that does not fit the guest's window. The caller reports it (throw
    // UserError(input_error_code, input_error)); the run then ended as a guest error.
    std::string input_error;
    ExitCode input_error_code = kExitDataErr;
};

// The replay.* statistics of `s` (and the host's replay speed), as replay_r3000() records them
// after the run's.
void record_r3000_replay(stats::Registry& stats, const ReplayStats& s);

// Boots `options.kernel` on the R3000 machine `config`, replays `source` when the guest
// begins region VMSIM_REPLAY_REGION (vmsim/replay.h) and records every statistic of
// `vmsim run` followed by the replay.* statistics into `stats`. Errors are returned, not
// thrown: SystemC's coroutine switches leave ASan unsure of the stack, and an exception
// unwinding frames after sc_start() led to false reports in the sanitizer build (an ELF
// that cannot be loaded still throws, before SystemC starts).
ReplayResult replay_r3000(const R3000Config& config, trace::RefSource& source, const ReplayOptions& options,
                          stats::Registry& stats);

}  // namespace vmsim::platform
