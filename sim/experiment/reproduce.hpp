// `vmsim reproduce NAME|all`: regenerate a paper's table or figure into results/,
// the paper's numbers (read from configs/papers/) side by side with vmsim's.
#pragma once
#include <string>
#include <vector>

namespace vmsim::experiment {

struct ReproduceOptions {
    std::string source_dir;  // holds configs/ (presets, paper numbers)
    std::string build_dir;   // holds the guest images
    std::string out_dir;     // where the tables go (results/)
    unsigned jobs = 2;       // simulations at once
    unsigned seeds = 8;      // runs per cell with cpu.random_seed 1 .. seeds (1: the presets' seed), <= 1000
    std::vector<std::string> overrides;  // "key=value", applied to every simulation after its preset
};

struct FigureInfo {
    std::string name, description;
    void (*run)(const ReproduceOptions&);  // regenerates the figure into out_dir
    // The target its simulations run on: --set overrides reach a figure when its target declares
    // them (so that `reproduce all --set KEY=VALUE` sets a parameter of one target only).
    std::string target = "r3000";
};
// Every figure, in the order `all` regenerates them (figures/*.cpp).
const std::vector<FigureInfo>& reproducible_figures();

// Regenerates `name` (or every figure for "all"); prints where the files went.
void reproduce(const std::string& name, const ReproduceOptions& options);

}  // namespace vmsim::experiment
