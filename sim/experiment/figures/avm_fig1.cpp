// AVM Figure 1 (Engler, Gupta, Kaashoek, "AVM: Application-Level Virtual Memory",
// HotOS 1995): the Appel-Li virtual-memory primitives on Ultrix 4.2 and Aegis, on a
// DECstation 2100 and 3100, against the same benchmarks (workloads/appel) run by vmsim
// on the guest kernels vmlib/unix and vmlib/aegis.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>

#include "sim/common/errors.hpp"
#include "sim/experiment/figures/figures.hpp"
#include "sim/experiment/paper_table.hpp"
#include "sim/experiment/simulate.hpp"
#include "sim/experiment/table.hpp"
#include "sim/platform/target.hpp"
#include "workloads/appel/appel.h"

namespace vmsim::experiment::figures {
namespace {

// A Figure 1 column and the measured regions it is made of (workloads/appel/appel.h).
struct Benchmark {
    const char* column;
    std::vector<unsigned> regions;  // averaged when more than one ((un)prot1)
    unsigned pairs_per_iteration;   // begin/end pairs per iteration
    unsigned per_iteration_units;   // appel2 is reported per page
};

const std::vector<Benchmark>& avm_benchmarks() {
    static const std::vector<Benchmark> b = {
        {"dirty", {APPEL_REGION_DIRTY}, 1, 1},
        {"unprot1", {APPEL_REGION_PROT1, APPEL_REGION_UNPROT1}, 1, 1},
        {"prot100", {APPEL_REGION_PROT100}, 1, 1},
        {"unprot100", {APPEL_REGION_UNPROT100}, 1, 1},
        {"trap", {APPEL_REGION_TRAP}, APPEL_TRAP_ENTRIES_PER_ITERATION, 1},
        {"appel1", {APPEL_REGION_APPEL1}, 1, 1},
        {"appel2", {APPEL_REGION_APPEL2}, 1, APPEL_PAGES},
    };
    return b;
}

// The counters a measured region splits its cycles into: by category, then by mode,
// as the target that ran `r` names them.
std::vector<std::string> cycle_categories(const SimulationResult& r) {
    const platform::Target& target = platform::find_target(r.config_text("target"), "avm-fig1");
    std::vector<std::string> names;
    for (const auto* list : {&target.cycle_breakdown(), &target.cycle_modes()})
        for (const auto& c : *list) names.push_back(c.name);
    return names;
}

std::optional<double> ratio(std::optional<double> a, std::optional<double> b) {
    if (!a || !b || *b == 0) return std::nullopt;
    return *a / *b;
}

// `counter` per iteration of one region, less (when asked) the begin/end overhead
// its in-place null region measured entry for entry (workloads/appel/appel.h);
// nullopt when the guest did not run it (a region never entered has no statistics).
std::optional<double> region_cycles(const SimulationResult& r, unsigned region, unsigned pairs_per_iteration,
                                    const std::string& counter, bool less_overhead) {
    const std::string base = "region." + std::to_string(region) + ".";
    if (!r.has(base + "count")) return std::nullopt;
    const uint64_t pairs = r.u64(base + "count");
    double total = static_cast<double>(r.u64(base + counter));
    if (less_overhead) {
        const std::string null_base = "region." + std::to_string(APPEL_REGION_INPLACE_NULL(region)) + ".";
        if (!r.has(null_base + "count") || r.u64(null_base + "count") != pairs)
            throw UserError(kExitSoftware,
                            fmt::format("avm-fig1: {}: region {} was entered {} times but its in-place null region "
                                        "{} {} times; the guest is not workloads/appel of this build",
                                        r.label, region, pairs, APPEL_REGION_INPLACE_NULL(region),
                                        r.has(null_base + "count") ? r.u64(null_base + "count") : 0));
        total -= static_cast<double>(r.u64(null_base + counter));
    }
    const double iterations = static_cast<double>(pairs) / pairs_per_iteration;
    return total / iterations;
}

// `counter` per operation of a benchmark (the mean of its regions).
std::optional<double> benchmark_cycles(const SimulationResult& r, const Benchmark& b, const std::string& counter,
                                       bool less_overhead = true) {
    double sum = 0;
    for (unsigned region : b.regions) {
        const auto c = region_cycles(r, region, b.pairs_per_iteration, counter, less_overhead);
        if (!c) return std::nullopt;
        sum += *c;
    }
    return sum / static_cast<double>(b.regions.size()) / b.per_iteration_units;
}

std::optional<double> benchmark_us(const SimulationResult& r, const Benchmark& b) {
    const auto cycles = benchmark_cycles(r, b, "cycles");
    if (!cycles) return std::nullopt;
    return *cycles / r.config_number("cpu.clock_mhz");
}

struct Machine {
    const char* name;
    const char* preset;
};
struct Kernel {
    const char* name;
    const char* paper_os;
    std::string elf;
};

// The paper's numbers, vmsim's and their ratio, per machine (CSV and Markdown).
void add_times(Document& doc, const PaperTable& paper, const std::vector<Machine>& machines,
               const std::vector<Kernel>& kernels, const std::vector<SimulationResult>& results) {
    const auto& benches = avm_benchmarks();
    std::vector<std::string> header = {"machine", "preset", "row"};
    for (const auto& b : benches) header.push_back(b.column);
    doc.csv_row(header);
    size_t ri = 0;
    for (const Machine& m : machines) {
        doc.heading(2, fmt::format("{} (`configs/machines/{}.cfg`, {} MHz)", m.name, m.preset,
                                   results[ri].config_text("cpu.clock_mhz")));
        Table table{{"row"}, {}};
        for (const auto& b : benches) table.header.push_back(b.column);
        for (const Kernel& k : kernels) {
            const SimulationResult& r = results[ri++];
            std::vector<std::optional<double>> p, v, ratios;
            for (const auto& b : benches) {
                p.push_back(paper.cell(m.name, k.paper_os, b.column));
                v.push_back(benchmark_us(r, b));
                ratios.push_back(ratio(v.back(), p.back()));
            }
            auto emit = [&](const std::string& row, const std::vector<std::optional<double>>& vals, int decimals) {
                std::vector<std::string> csv = {m.name, m.preset, row}, md = {row};
                for (const auto& x : vals) {
                    csv.push_back(x ? fixed_or_na(x, decimals) : std::string());
                    md.push_back(fixed_or_na(x, decimals));
                }
                doc.csv_row(csv);
                table.rows.push_back(md);
            };
            const std::string sim_row = std::string("vmsim ") + k.name;
            emit(std::string(k.paper_os) + " (paper)", p, 1);
            emit(sim_row, v, 1);
            emit(sim_row + " / paper", ratios, 2);
        }
        doc.table(table);
    }
}

// How the regenerated figure compares with the paper's, in the terms it is judged by.
void add_comparison(Document& doc, const PaperTable& paper, const std::vector<Machine>& machines,
                    const std::vector<Kernel>& kernels, const std::vector<SimulationResult>& results) {
    const auto& benches = avm_benchmarks();
    doc.heading(2, "Against the paper");
    Table table{{"machine", "winner agrees (of columns)", "vmsim aegis / Aegis", "vmsim unix / Ultrix",
                 "trap speedup unix/aegis (paper)"},
                {}};
    size_t ri = 0;
    for (const Machine& m : machines) {
        const SimulationResult& ru = results[ri++];
        const SimulationResult& ra = results[ri++];
        int agree = 0, compared = 0;
        double amin = 1e9, amax = 0, umin = 1e9, umax = 0;
        for (const auto& b : benches) {
            const auto pu = paper.cell(m.name, kernels[0].paper_os, b.column);
            const auto pa = paper.cell(m.name, kernels[1].paper_os, b.column);
            const auto vu = benchmark_us(ru, b), va = benchmark_us(ra, b);
            if (const auto r = ratio(va, pa)) amin = std::min(amin, *r), amax = std::max(amax, *r);
            if (const auto r = ratio(vu, pu)) umin = std::min(umin, *r), umax = std::max(umax, *r);
            if (pu && pa && vu && va) {
                ++compared;
                agree += (*va < *vu) == (*pa < *pu);
            }
        }
        const Benchmark& trap = benches[4];
        const auto vs = ratio(benchmark_us(ru, trap), benchmark_us(ra, trap));
        const auto ps = ratio(paper.cell(m.name, kernels[0].paper_os, trap.column),
                              paper.cell(m.name, kernels[1].paper_os, trap.column));
        table.rows.push_back({m.name, fmt::format("{} of {}", agree, compared),
                              fmt::format("{:.2f} .. {:.2f}", amin, amax), fmt::format("{:.2f} .. {:.2f}", umin, umax),
                              fmt::format("{} ({})", fixed_or_na(vs, 1), fixed_or_na(ps, 1))});
    }
    doc.table(table);
}

// Where the cycles of each benchmark go (per operation, region overhead included).
void add_cycle_breakdown(Document& doc, const std::vector<Machine>& machines, const std::vector<Kernel>& kernels,
                         const std::vector<SimulationResult>& results) {
    doc.heading(2, "Cycle breakdown per operation");
    doc.paragraph("Cycles per operation by category (the categories add up to the total; the begin/end overhead "
                  "of the measured region is not subtracted here).");
    size_t ri = 0;
    for (const Machine& m : machines)
        for (const Kernel& k : kernels) {
            const SimulationResult& r = results[ri++];
            const std::vector<std::string> categories = cycle_categories(r);
            doc.heading(3, fmt::format("{} {}", m.name, k.name));
            Table table{{"benchmark", "total"}, {}};
            table.header.insert(table.header.end(), categories.begin(), categories.end());
            for (const auto& b : avm_benchmarks()) {
                if (!benchmark_cycles(r, b, "cycles", false)) continue;
                auto per_op = [&](const std::string& counter) {
                    return fmt::format("{:.0f}", *benchmark_cycles(r, b, counter, false));
                };
                std::vector<std::string> row = {b.column, per_op("cycles")};
                for (const auto& c : categories) row.push_back(per_op(c));
                table.rows.push_back(row);
            }
            doc.table(table);
        }
}

}  // namespace

void avm_fig1(const ReproduceOptions& o) {
    const PaperTable paper = PaperTable::read(o.source_dir + "/configs/papers/avm_fig1.csv");
    const std::vector<Machine> machines = {{"DEC2100", "dec2100"}, {"DEC3100", "dec3100"}};
    const std::vector<Kernel> kernels = {{"unix", "Ultrix4.2", o.build_dir + "/vmlib/unix/unix_appel.elf"},
                                         {"aegis", "Aegis", o.build_dir + "/vmlib/aegis/aegis_appel.elf"}};
    std::vector<SimulationSpec> specs;
    for (const Machine& m : machines)
        for (const Kernel& k : kernels) {
            if (!std::filesystem::exists(k.elf))
                throw UserError(kExitNoInput, "reproduce avm-fig1: " + k.elf + " is missing; build the project first "
                                              "(make, or cmake --build " + o.build_dir + ")");
            specs.push_back(SimulationSpec{std::string(m.name) + " " + k.name, k.elf,
                                           {o.source_dir + "/configs/machines/" + m.preset + ".cfg"},
                                           o.overrides, {}});
        }
    std::cerr << fmt::format("reproduce avm-fig1: {} simulations, {} at a time\n", specs.size(), o.jobs);
    const std::vector<SimulationResult> results = simulate_all(specs, o.jobs);

    Document doc;
    doc.csv_comment("AVM (HotOS 1995) Figure 1 regenerated by `vmsim reproduce avm-fig1`: microseconds per "
                    "operation.");
    doc.csv_comment("Rows: the paper's numbers, vmsim's, and vmsim / paper. appel2 is per page; (un)prot1 (column "
                    "unprot1)");
    doc.csv_comment("is the mean of prot1 and unprot1. Presets: configs/machines/<preset>.cfg.");
    doc.heading(1, "AVM Figure 1: virtual-memory primitives on Ultrix 4.2 and Aegis, and on vmsim");
    doc.paragraph("Regenerated by `vmsim reproduce avm-fig1`. Times are microseconds per operation; appel2 is "
                  "per page; (un)prot1 is the mean of vmsim's prot1 and unprot1. Paper numbers: "
                  "`configs/papers/avm_fig1.csv` (Engler, Gupta, Kaashoek, HotOS 1995, Figure 1). vmsim times "
                  "come from executing the guest kernels (`vmlib/unix`, `vmlib/aegis`) and the benchmarks "
                  "(`workloads/appel`) on the machine presets; the cost of entering and leaving a measured region "
                  "(the `null` region) is subtracted.");
    if (!o.overrides.empty()) {
        std::string plain, quoted;
        for (const auto& x : o.overrides) {
            plain += (plain.empty() ? "" : " ") + x;
            quoted += " `" + x + "`";
        }
        doc.csv_comment("Parameters set on top of the presets: " + plain);
        doc.paragraph("Parameters set on top of the presets:" + quoted);
    }
    add_times(doc, paper, machines, kernels, results);
    add_comparison(doc, paper, machines, kernels, results);
    add_cycle_breakdown(doc, machines, kernels, results);

    const auto [csv, md] = doc.write(o.out_dir, "avm_fig1");
    std::cout << "wrote " << csv << " and " << md << "\n";
}

}  // namespace vmsim::experiment::figures
