#include "sim/experiment/reproduce.hpp"

#include "sim/common/errors.hpp"
#include "sim/config/registry.hpp"
#include "sim/experiment/figures/figures.hpp"
#include "sim/platform/target.hpp"
#include "sim/stats/atomic_file.hpp"

namespace vmsim::experiment {
namespace {

// Every --set is checked here, before any simulation starts, as `vmsim run` would.
void check_overrides(const std::vector<std::string>& overrides) { platform::configure({}, overrides); }

}  // namespace

const std::vector<FigureInfo>& reproducible_figures() {
    static const std::vector<FigureInfo> f = {
        {"avm-fig1", "AVM (HotOS 1995) Figure 1: Appel-Li VM primitives, Ultrix 4.2 vs Aegis, DEC2100/DEC3100",
         figures::avm_fig1},
        {"rialto-refill",
         "Rialto (MSR-TR-97-04): refill instructions of a 2-way software TLB and a linear page table, beside "
         "aegis's STLB organisations and the unix refill",
         figures::rialto_refill},
    };
    return f;
}

void reproduce(const std::string& name, const ReproduceOptions& options) {
    std::vector<const FigureInfo*> chosen;
    for (const FigureInfo& f : reproducible_figures())
        if (name == "all" || name == f.name) chosen.push_back(&f);
    if (chosen.empty()) {
        std::string known;
        for (const auto& f : reproducible_figures()) known += (known.empty() ? "" : ", ") + f.name;
        throw UserError(kExitUsage, "vmsim reproduce: unknown figure '" + name + "' (known: " + known + ", all)");
    }
    check_overrides(options.overrides);
    if (options.seeds < 1 || options.seeds > 1000)
        throw UserError(kExitUsage, "vmsim reproduce: --seeds " + std::to_string(options.seeds) +
                                        ": expected 1 .. 1000 (runs per cell, each with its own cpu.random_seed)");
    for (const std::string& x : options.overrides)
        if (x.rfind("cpu.random_seed=", 0) == 0 && options.seeds > 1)
            throw UserError(kExitUsage, "vmsim reproduce: --set " + x + " with --seeds " +
                                            std::to_string(options.seeds) +
                                            ": the seeds choose cpu.random_seed; use --seeds 1 to set it yourself");
    // The tables go into out_dir: a place that can never hold them is found now,
    // not after every simulation ran.
    stats::check_output_dir(options.out_dir);
    for (const FigureInfo* f : chosen) f->run(options);
}

}  // namespace vmsim::experiment
