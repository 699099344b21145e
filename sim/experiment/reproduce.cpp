#include "sim/experiment/reproduce.hpp"

#include "sim/common/errors.hpp"
#include "sim/config/registry.hpp"
#include "sim/experiment/figures/figures.hpp"
#include "sim/platform/target.hpp"
#include "sim/stats/atomic_file.hpp"

namespace vmsim::experiment {
namespace {

// The overrides whose parameter `target` declares.
std::vector<std::string> overrides_for(const std::string& target, const std::vector<std::string>& overrides) {
    const config::Registry declared = platform::declared_params(platform::find_target(target, "reproduce"));
    std::vector<std::string> out;
    for (const std::string& o : overrides)
        if (declared.contains(config::parse_override(o).key)) out.push_back(o);
    return out;
}

// Every --set is checked here, before any simulation starts, as `vmsim run` would: on each
// figure's target, those it declares; one that no figure's target declares is an error (the first
// figure's target names it).
void check_overrides(const std::vector<const FigureInfo*>& figures, const std::vector<std::string>& overrides) {
    for (const std::string& o : overrides) {
        bool declared = false;
        for (const FigureInfo* f : figures) declared = declared || !overrides_for(f->target, {o}).empty();
        if (!declared) platform::configure({}, std::vector<std::string>{"target=" + figures.front()->target, o});
    }
    for (const FigureInfo* f : figures) {
        std::vector<std::string> with_target{"target=" + f->target};
        for (const std::string& o : overrides_for(f->target, overrides)) with_target.push_back(o);
        platform::configure({}, with_target);
    }
}

}  // namespace

const std::vector<FigureInfo>& reproducible_figures() {
    static const std::vector<FigureInfo> f = {
        {"avm-fig1", "AVM (HotOS 1995) Figure 1: Appel-Li VM primitives, Ultrix 4.2 vs Aegis, DEC2100/DEC3100",
         figures::avm_fig1},
        {"rialto-refill",
         "Rialto (MSR-TR-97-04): refill instructions of a 2-way software TLB and a linear page table, beside "
         "aegis's STLB organisations and the unix refill",
         figures::rialto_refill},
        {"gups-pagesize",
         "GUPS on x86-64 with 4 KB, 2 MB and 1 GB pages (and 4 KB/4 MB on a Pentium-like machine): cycles, TLB "
         "misses and page walks per update, where the walks' references hit",
         figures::gups_pagesize, "x86_64"},
        {"sawmill-table1",
         "SawMill (ACSAC 2001) Table 1: Appel-Li VM primitives of SawMill on L4 on the timed Pentium-100 i386 "
         "platform, beside OSF/1, Mach, SPIN and the paper's SawMill, each cell's cycles by cause",
         figures::sawmill_table1, "i386"},
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
    check_overrides(chosen, options.overrides);
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
    for (const FigureInfo* f : chosen) {
        ReproduceOptions o = options;
        o.overrides = overrides_for(f->target, options.overrides);
        f->run(o);
    }
}

}  // namespace vmsim::experiment
