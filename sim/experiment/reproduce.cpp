#include "sim/experiment/reproduce.hpp"

#include "sim/common/errors.hpp"
#include "sim/config/registry.hpp"
#include "sim/experiment/figures/figures.hpp"
#include "sim/platform/target.hpp"

namespace vmsim::experiment {
namespace {

// Every --set is checked here, before any simulation starts, as `vmsim run` would.
void check_overrides(const std::vector<std::string>& overrides) { platform::configure({}, overrides); }

}  // namespace

const std::vector<FigureInfo>& reproducible_figures() {
    static const std::vector<FigureInfo> f = {
        {"avm-fig1", "AVM (HotOS 1995) Figure 1: Appel-Li VM primitives, Ultrix 4.2 vs Aegis, DEC2100/DEC3100",
         figures::avm_fig1},
    };
    return f;
}

void reproduce(const std::string& name, const ReproduceOptions& options) {
    check_overrides(options.overrides);
    bool found = false;
    for (const FigureInfo& f : reproducible_figures())
        if (name == "all" || name == f.name) {
            f.run(options);
            found = true;
        }
    if (found) return;
    std::string known;
    for (const auto& f : reproducible_figures()) known += (known.empty() ? "" : ", ") + f.name;
    throw UserError(kExitUsage, "vmsim reproduce: unknown figure '" + name + "' (known: " + known + ", all)");
}

}  // namespace vmsim::experiment
