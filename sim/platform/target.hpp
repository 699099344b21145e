// The target registry: each simulated machine (the MIPS R3000, the x86-64)
// declares its parameters, checks them, runs a program and names its cycle
// categories behind one interface, so the command line and the experiment drivers
// (run, reproduce, sweeps) never name a target. The parameter `target` chooses one.
//
//   const Configured c = configure(config_files, overrides);   // target + checked parameters
//   stats::Registry stats;
//   const RunResult r = c.target->run(c.params, "prog.elf", stats, stdout);
//
// Adding a target: docs/architecture.md ("Add a target").
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "sim/config/registry.hpp"
#include "sim/stats/registry.hpp"

namespace vmsim::platform {

// How a run ended.
enum class Outcome { Exited, InstructionLimit, CycleLimit, GuestError };
// "exited", "instruction_limit", "cycle_limit", "guest_error"
const char* outcome_name(Outcome outcome);

struct RunResult {
    Outcome outcome = Outcome::GuestError;
    uint32_t exit_code = 0;  // Outcome::Exited
    std::string message;     // otherwise: one line saying what happened and where
    // Non-zero: the run's input was at fault (a trace's bad record), not the guest; `message` is
    // the whole error line and this the exit status, as a UserError would give them. Returned, not
    // thrown: an exception after SystemC's coroutine switches misleads ASan (r3000/replay.hpp).
    int input_error = 0;
};

// A share of the cycle count, by the name statistics ("cycles.<name>"), measured
// regions ("region.N.<name>") and figures use.
struct CycleCategory {
    const char* name;
    const char* description;
};

class Target {
public:
    virtual ~Target() = default;
    virtual const char* name() const = 0;
    virtual const char* description() const = 0;  // one line, for help
    // Whether a run boots a guest program (`vmsim run --elf`, a sweep's `program`); a target whose
    // guest is compiled into the simulator (x86_64's workloads) says false and ignores run()'s
    // `program`.
    virtual bool takes_program() const { return true; }
    // The guest program that replays the trace parameter trace.file on this target, relative to
    // the build tree (`vmsim replay`'s default program); nullptr: the target replays without one
    // (x86_64: its workload = replay).
    virtual const char* replay_program() const { return nullptr; }
    // The target's parameters (the registry already holds `target`).
    virtual void declare_params(config::Registry& reg) const = 0;
    // Throws UserError(kExitUsage) for values that pass their type but not the
    // machine (e.g. a cache geometry that does not fit).
    virtual void check_params(const config::Registry& reg) const = 0;
    // One whole run: `program` loaded and booted, run to the end, every statistic
    // recorded into `stats`; the guest's console goes to `console`. SystemC allows
    // this once per process.
    virtual RunResult run(const config::Registry& reg, const std::string& program, stats::Registry& stats,
                          std::FILE* console) const = 0;
    // Categories that add up to the cycle count, and the same cycles split by mode.
    virtual const std::vector<CycleCategory>& cycle_breakdown() const = 0;
    virtual const std::vector<CycleCategory>& cycle_modes() const = 0;
    // Every statistic a run records, with zero values and the placeholder N for
    // numbered families (regions), in the order a run records them: for the docs.
    virtual void describe_stats(stats::Registry& stats) const = 0;
};

// Every registered target, the default first.
const std::vector<const Target*>& targets();
// The target called `name`; UserError(kExitUsage) naming the known ones otherwise.
const Target& find_target(std::string_view name, std::string_view where);

// A run's parameters: the target the `target` parameter names (default: the first
// registered) and a registry with that target's parameters declared and the config
// files (in order) and overrides applied, every value checked.
struct Configured {
    const Target* target = nullptr;
    config::Registry params;
};
Configured configure(const std::vector<std::string>& config_files,
                     const std::vector<config::Assignment>& overrides);
// The same with `--set key=value` texts.
Configured configure(const std::vector<std::string>& config_files, const std::vector<std::string>& overrides);
// A registry with `target` and the target's parameters declared, nothing applied
// (for help text and docs).
config::Registry declared_params(const Target& target);

}  // namespace vmsim::platform
