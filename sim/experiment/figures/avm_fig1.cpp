// AVM Figure 1 (Engler, Gupta, Kaashoek, "AVM: Application-Level Virtual Memory",
// HotOS 1995): the Appel-Li virtual-memory primitives on Ultrix 4.2 and Aegis, on a
// DECstation 2100 and 3100, against the same benchmarks (workloads/appel) run by vmsim
// on the guest kernels vmlib/unix and vmlib/aegis.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
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

// The counters a measured region splits its cycles into, as the target that ran `r`
// names them: by category (they add up to the cycles), and again by mode.
struct CycleCounters {
    std::vector<std::string> breakdown, modes;
    std::vector<std::string> all() const {
        std::vector<std::string> out = breakdown;
        out.insert(out.end(), modes.begin(), modes.end());
        return out;
    }
};
CycleCounters cycle_counters(const SimulationResult& r) {
    const platform::Target& target = platform::find_target(r.config_text("target"), "avm-fig1");
    CycleCounters c;
    for (const auto& x : target.cycle_breakdown()) c.breakdown.push_back(x.name);
    for (const auto& x : target.cycle_modes()) c.modes.push_back(x.name);
    return c;
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

// ---- what is run ---------------------------------------------------------------------
//
// Every cell is the mean over `seeds` runs that differ only in cpu.random_seed
// (1 .. seeds): which TLB entry each refill replaces. On the chip that follows the
// cycle count, so a shift of code by a few bytes changes a benchmark's TLB misses;
// a non-zero seed draws the replacement instead (models/mips_r3000/cpu.hpp), each
// seed one repeatable draw, so the range over the seeds is the spread that
// replacement alone causes. With one seed, cpu.random_seed stays as the presets (or
// --set) have it: 0, the chip's cycle-driven Random.
//
// Variants of the presets, each run under every seed:
//   defaults     the presets as they are;
//   per_page     (unix) mprotect flushes the TLB page by page at any size instead of
//                switching to a new ASID above unix.mprotect_asid_threshold pages;
//   drain_lo/hi, read_lo/hi
//                wbuf.drain_cycles and mem.read_latency at the ends of their band.
//
// The band. No source we have gives the DECstation 3100's memory timing: the
// Digital Technical Journal article on the machine gives its structure (64 KB
// direct-mapped caches, four R2020 write-buffer stages) and the reference sheet
// says latency and drain time are unpublished; the presets' 300 ns per one-word
// access is an estimate (configs/machines/dec3100.cfg). The band is therefore an
// engineering bound, not a measurement: from one DRAM cycle of the 1-Mbit parts of
// 1989 (about 180 ns, as fast as a word can reach memory) to twice the estimate
// (600 ns). In cycles of the machine's clock (rounded to whole nanoseconds) a write
// drains in ceil(ns / cycle) cycles and a read miss stalls ceil(ns / cycle) + 1
// (the presets' restart cycle).
constexpr unsigned kBandLowNs = 180, kBandHighNs = 600;
// unix.mprotect_asid_threshold at or above the pages of kuseg: never a new ASID.
constexpr const char* kPerPageFlush = "unix.mprotect_asid_threshold=524288";

enum class Variant { Defaults, PerPage, DrainLow, DrainHigh, ReadLow, ReadHigh };
constexpr Variant kBandVariants[] = {Variant::DrainLow, Variant::DrainHigh, Variant::ReadLow, Variant::ReadHigh};

unsigned band_cycles(unsigned ns, double clock_mhz) {
    const double cycle_ns = std::round(1000.0 / clock_mhz);
    return static_cast<unsigned>(std::ceil(ns / cycle_ns));
}

// The overrides of a variant on a machine whose clock is `clock_mhz` (band variants only).
std::vector<std::string> variant_overrides(Variant v, double clock_mhz) {
    switch (v) {
        case Variant::DrainLow: return {fmt::format("wbuf.drain_cycles={}", band_cycles(kBandLowNs, clock_mhz))};
        case Variant::DrainHigh: return {fmt::format("wbuf.drain_cycles={}", band_cycles(kBandHighNs, clock_mhz))};
        case Variant::ReadLow: return {fmt::format("mem.read_latency={}", band_cycles(kBandLowNs, clock_mhz) + 1)};
        case Variant::ReadHigh: return {fmt::format("mem.read_latency={}", band_cycles(kBandHighNs, clock_mhz) + 1)};
        case Variant::PerPage: return {kPerPageFlush};
        case Variant::Defaults: break;
    }
    return {};
}

bool is_band(Variant v) { return v != Variant::Defaults && v != Variant::PerPage; }

const char* variant_name(Variant v) {
    switch (v) {
        case Variant::Defaults: return "defaults";
        case Variant::PerPage: return "per-page mprotect";
        case Variant::DrainLow: return "drain low";
        case Variant::DrainHigh: return "drain high";
        case Variant::ReadLow: return "read latency low";
        case Variant::ReadHigh: return "read latency high";
    }
    return "?";
}

// One machine x kernel x variant: its runs, one per seed.
struct Runs {
    const Machine* machine;
    const Kernel* kernel;
    Variant variant;
    std::vector<SimulationResult> seeds;
};

// A cell over the seeds: the mean, and the range.
struct Cell {
    std::optional<double> mean, min, max;
};

// `counter` per operation of a benchmark that every seed ran, the mean over the seeds.
double mean_cycles(const Runs& runs, const Benchmark& b, const std::string& counter, bool less_overhead = true) {
    double sum = 0;
    for (const SimulationResult& s : runs.seeds) sum += *benchmark_cycles(s, b, counter, less_overhead);
    return sum / static_cast<double>(runs.seeds.size());
}

Cell cell_us(const Runs& runs, const Benchmark& b) {
    Cell c;
    double sum = 0;
    for (const SimulationResult& r : runs.seeds) {
        const auto us = benchmark_us(r, b);
        if (!us) return {};
        sum += *us;
        c.min = c.min ? std::min(*c.min, *us) : *us;
        c.max = c.max ? std::max(*c.max, *us) : *us;
    }
    c.mean = sum / static_cast<double>(runs.seeds.size());
    return c;
}

class Fig1Runs {
public:
    Fig1Runs(const std::vector<Machine>& machines, const std::vector<Kernel>& kernels, unsigned seeds,
             const ReproduceOptions& o)
        : machines_(machines), kernels_(kernels), seeds_(seeds), o_(o) {}

    // Runs `variants` of every machine and kernel (per_page only on unix) under every seed.
    void run(const std::vector<Variant>& variants) {
        std::vector<SimulationSpec> specs;
        std::vector<Runs> added;
        for (const Machine& m : machines_)
            for (const Kernel& k : kernels_)
                for (Variant v : variants) {
                    if (v == Variant::PerPage && std::string(k.name) != "unix") continue;
                    std::vector<std::string> overrides = o_.overrides;
                    for (auto& x : variant_overrides(v, is_band(v) ? clock_mhz(m) : 0)) overrides.push_back(x);
                    for (unsigned i = 0; i < seeds_; ++i) {
                        std::vector<std::string> with_seed = overrides;
                        if (seeds_ > 1) with_seed.push_back(fmt::format("cpu.random_seed={}", seed(i)));
                        specs.push_back(SimulationSpec{
                            fmt::format("{} {} {} seed {}", m.name, k.name, variant_name(v), seed(i)), k.elf,
                            {o_.source_dir + "/configs/machines/" + m.preset + ".cfg"}, with_seed, {}});
                    }
                    added.push_back(Runs{&m, &k, v, {}});
                }
        std::vector<SimulationResult> results = simulate_all(specs, o_.jobs);
        size_t ri = 0;
        for (Runs& r : added) {
            for (unsigned i = 0; i < seeds_; ++i) r.seeds.push_back(std::move(results[ri++]));
            runs_.push_back(std::move(r));
        }
    }

    const Runs& get(const Machine& m, const Kernel& k, Variant v) const {
        for (const Runs& r : runs_)
            if (r.machine == &m && r.kernel == &k && r.variant == v) return r;
        throw std::logic_error("avm-fig1: no runs for a variant");
    }
    // The clock of a machine's preset (with the user's overrides), from its runs.
    double clock_mhz(const Machine& m) const {
        return get(m, kernels_.front(), Variant::Defaults).seeds.front().config_number("cpu.clock_mhz");
    }
    unsigned seed(unsigned i) const { return i + 1; }
    unsigned seeds() const { return seeds_; }

private:
    const std::vector<Machine>& machines_;
    const std::vector<Kernel>& kernels_;
    unsigned seeds_;
    const ReproduceOptions& o_;
    std::vector<Runs> runs_;
};

std::string range_text(const Cell& c, int decimals) {
    if (!c.min) return "n/a";
    return fmt::format("{:.{}f} .. {:.{}f}", *c.min, decimals, *c.max, decimals);
}

// The min and max of a cell's mean over several variants.
Cell spread(const std::vector<Cell>& cells) {
    Cell out;
    for (const Cell& c : cells) {
        if (!c.mean) return {};
        out.min = out.min ? std::min(*out.min, *c.mean) : *c.mean;
        out.max = out.max ? std::max(*out.max, *c.mean) : *c.mean;
    }
    return out;
}

// ---- the tables ----------------------------------------------------------------------

// The paper's numbers, vmsim's mean over the seeds, their range and the ratio, per
// machine; the unix rows again with per-page TLB flushing in mprotect.
void add_times(Document& doc, const PaperTable& paper, const std::vector<Machine>& machines,
               const std::vector<Kernel>& kernels, const Fig1Runs& runs) {
    const auto& benches = avm_benchmarks();
    std::vector<std::string> header = {"machine", "preset", "row"};
    for (const auto& b : benches) header.push_back(b.column);
    doc.csv_row(header);
    for (const Machine& m : machines) {
        doc.heading(2, fmt::format("{} (`configs/machines/{}.cfg`, {} MHz)", m.name, m.preset,
                                   runs.get(m, kernels[0], Variant::Defaults).seeds[0].config_text("cpu.clock_mhz")));
        Table table{{"row"}, {}};
        for (const auto& b : benches) table.header.push_back(b.column);
        // A row of numbers in both outputs (the CSV leaves a missing one empty).
        auto emit = [&](const std::string& row, const std::vector<std::optional<double>>& vals, int decimals) {
            std::vector<std::string> csv = {m.name, m.preset, row}, md = {row};
            for (const auto& x : vals) {
                csv.push_back(x ? fixed_or_na(x, decimals) : std::string());
                md.push_back(fixed_or_na(x, decimals));
            }
            doc.csv_row(csv);
            table.rows.push_back(md);
        };
        for (const Kernel& k : kernels) {
            std::vector<std::optional<double>> p, mean, lo, hi, ratios;
            const Runs& r = runs.get(m, k, Variant::Defaults);
            const std::string sim_row = std::string("vmsim ") + k.name;
            std::vector<std::string> range_row = {sim_row + fmt::format(", range over {} seeds", runs.seeds())};
            for (const auto& b : benches) {
                p.push_back(paper.cell(m.name, k.paper_os, b.column));
                const Cell c = cell_us(r, b);
                mean.push_back(c.mean);
                lo.push_back(c.min);
                hi.push_back(c.max);
                range_row.push_back(range_text(c, 1));
                ratios.push_back(ratio(c.mean, p.back()));
            }
            emit(std::string(k.paper_os) + " (paper)", p, 1);
            emit(sim_row, mean, 1);
            emit(sim_row + " min", lo, 1);
            emit(sim_row + " max", hi, 1);
            // The Markdown shows the two as one range row.
            table.rows.resize(table.rows.size() - 2);
            table.rows.push_back(range_row);
            emit(sim_row + " / paper", ratios, 2);
            if (std::string(k.name) == "unix") {
                std::vector<std::optional<double>> per_page;
                for (const auto& b : benches) per_page.push_back(cell_us(runs.get(m, k, Variant::PerPage), b).mean);
                emit(sim_row + " (per-page mprotect)", per_page, 1);
            }
        }
        doc.table(table);
    }
}

// What a variant's means say against the paper, per machine.
struct Verdict {
    int aegis_in = 0, aegis_cells = 0;    // vmsim aegis within +-30 % of Aegis
    int unix_in = 0, unix_cells = 0;      // vmsim unix within 2x of Ultrix
    int agree = 0, compared = 0;          // columns whose faster system is the paper's
    std::optional<double> speedup;        // trap: unix / aegis
};

Verdict verdict(const PaperTable& paper, const Machine& m, const std::vector<Kernel>& kernels, const Runs& unix_runs,
                const Runs& aegis_runs) {
    Verdict v;
    const auto& benches = avm_benchmarks();
    for (const auto& b : benches) {
        const auto pu = paper.cell(m.name, kernels[0].paper_os, b.column);
        const auto pa = paper.cell(m.name, kernels[1].paper_os, b.column);
        const auto vu = cell_us(unix_runs, b).mean, va = cell_us(aegis_runs, b).mean;
        if (const auto r = ratio(va, pa)) {
            ++v.aegis_cells;
            v.aegis_in += *r >= 0.7 && *r <= 1.3;
        }
        if (const auto r = ratio(vu, pu)) {
            ++v.unix_cells;
            v.unix_in += *r >= 0.5 && *r <= 2.0;
        }
        if (pu && pa && vu && va) {
            ++v.compared;
            v.agree += (*va < *vu) == (*pa < *pu);
        }
    }
    const Benchmark& trap = benches[4];
    v.speedup = ratio(cell_us(unix_runs, trap).mean, cell_us(aegis_runs, trap).mean);
    return v;
}

std::string count_range(const std::vector<Verdict>& vs, int Verdict::*in, int Verdict::*of) {
    int lo = vs[0].*in, hi = vs[0].*in;
    for (const Verdict& v : vs) lo = std::min(lo, v.*in), hi = std::max(hi, v.*in);
    return lo == hi ? fmt::format("{} of {}", lo, vs[0].*of) : fmt::format("{} .. {} of {}", lo, hi, vs[0].*of);
}

// The cells outside their bound at the defaults, with where their cycles go (net of
// the in-place overhead, means over the seeds) next to the paper's time in cycles.
void add_outliers(Document& doc, const PaperTable& paper, const std::vector<Machine>& machines,
                  const std::vector<Kernel>& kernels, const Fig1Runs& runs) {
    Table table{{"machine", "row", "column", "vmsim / paper", "bound", "vmsim cycles", "paper cycles",
                 "where vmsim's cycles go"},
                {}};
    for (const Machine& m : machines)
        for (const Kernel& k : kernels) {
            const bool aegis = std::string(k.name) == "aegis";
            const double lo = aegis ? 0.7 : 0.5, hi = aegis ? 1.3 : 2.0;
            const Runs& r = runs.get(m, k, Variant::Defaults);
            const CycleCounters counters = cycle_counters(r.seeds[0]);
            for (const auto& b : avm_benchmarks()) {
                const auto p = paper.cell(m.name, k.paper_os, b.column);
                const auto rt = ratio(cell_us(r, b).mean, p);
                if (!rt || (*rt >= lo && *rt <= hi)) continue;
                auto mean_net = [&](const std::string& counter) { return mean_cycles(r, b, counter); };
                // The categories that are not zero; then the modes, which split the same cycles again.
                std::string where;
                for (const std::string& c : counters.breakdown) {
                    const double v = mean_net(c);
                    if (std::round(v) != 0) where += fmt::format("{}{} {:.0f}", where.empty() ? "" : ", ", c, v);
                }
                for (size_t i = 0; i < counters.modes.size(); ++i)
                    where += fmt::format("{}{} {:.0f}", i ? ", " : "; ", counters.modes[i], mean_net(counters.modes[i]));
                table.rows.push_back({m.name, std::string("vmsim ") + k.name, b.column, fmt::format("{:.2f}", *rt),
                                      aegis ? "±30 %" : "2x", fmt::format("{:.0f}", mean_net("cycles")),
                                      fmt::format("{:.0f}", *p * runs.clock_mhz(m)), where});
            }
        }
    if (table.rows.empty()) {
        doc.paragraph("Every cell is inside its bound at the defaults.");
        return;
    }
    doc.paragraph("Cells outside their bound at the defaults, and where vmsim's cycles go (per operation, net of "
                  "the begin/end overhead, means over the seeds), next to the paper's time in cycles of the same "
                  "clock. These are findings, not failures: the presets change only with a cited source.");
    doc.table(table);
}

// How the regenerated figure compares with the paper's, in the terms it is judged by:
// Aegis cells within +-30 %, Ultrix cells within 2x, the faster system per column,
// and the trap speedup (the paper: 21-24x), at the defaults and across the band.
void add_comparison(Document& doc, const PaperTable& paper, const std::vector<Machine>& machines,
                    const std::vector<Kernel>& kernels, const Fig1Runs& runs) {
    doc.heading(2, "Against the paper");
    doc.paragraph("Per machine: vmsim aegis cells within ±30 % of the paper's Aegis, vmsim unix cells within 2x "
                  "of its Ultrix 4.2, columns whose faster system is the paper's, and the trap speedup unix / "
                  "aegis next to the paper's. *defaults*: the presets (means over the seeds); *across the band*: "
                  "the range over the defaults and the four band ends of the sensitivity section; *per-page "
                  "mprotect*: the unix kernel flushing the TLB page by page at every size.");
    Table table{{"machine", "setting", "aegis within ±30 %", "unix within 2x", "winner agrees",
                 "trap speedup (paper)"},
                {}};
    std::vector<std::string> csv_header = {"machine", "setting", "aegis_within_30pct", "aegis_cells",
                                           "unix_within_2x", "unix_cells", "winner_agrees", "columns",
                                           "trap_speedup", "paper_trap_speedup"};
    doc.csv_comment("Against the paper (one row per machine and setting):");
    doc.csv_row(csv_header);
    const Benchmark& trap = avm_benchmarks()[4];
    for (const Machine& m : machines) {
        const auto ps = ratio(paper.cell(m.name, kernels[0].paper_os, trap.column),
                              paper.cell(m.name, kernels[1].paper_os, trap.column));
        const Runs& aegis = runs.get(m, kernels[1], Variant::Defaults);
        const Verdict d = verdict(paper, m, kernels, runs.get(m, kernels[0], Variant::Defaults), aegis);
        std::vector<Verdict> band = {d};
        for (Variant v : kBandVariants)
            band.push_back(verdict(paper, m, kernels, runs.get(m, kernels[0], v), runs.get(m, kernels[1], v)));
        const Verdict pp = verdict(paper, m, kernels, runs.get(m, kernels[0], Variant::PerPage), aegis);
        auto row = [&](const std::string& setting, const std::vector<Verdict>& vs) {
            double lo = 1e300, hi = 0;
            for (const Verdict& v : vs)
                if (v.speedup) lo = std::min(lo, *v.speedup), hi = std::max(hi, *v.speedup);
            const std::string speed = vs.size() == 1 ? fixed_or_na(vs[0].speedup, 1)
                                                     : fmt::format("{:.1f} .. {:.1f}", lo, hi);
            table.rows.push_back({m.name, setting, count_range(vs, &Verdict::aegis_in, &Verdict::aegis_cells),
                                  count_range(vs, &Verdict::unix_in, &Verdict::unix_cells),
                                  count_range(vs, &Verdict::agree, &Verdict::compared),
                                  fmt::format("{} ({})", speed, fixed_or_na(ps, 1))});
        };
        row("defaults", {d});
        row("across the band", band);
        row("per-page mprotect", {pp});
        auto csv_row = [&](const std::string& setting, const Verdict& v) {
            doc.csv_row({m.name, setting, std::to_string(v.aegis_in), std::to_string(v.aegis_cells),
                         std::to_string(v.unix_in), std::to_string(v.unix_cells), std::to_string(v.agree),
                         std::to_string(v.compared), fixed_or_na(v.speedup, 2), fixed_or_na(ps, 2)});
        };
        csv_row("defaults", d);
        csv_row("per-page mprotect", pp);
        for (size_t i = 0; i < std::size(kBandVariants); ++i) csv_row(variant_name(kBandVariants[i]), band[i + 1]);
    }
    doc.table(table);
    add_outliers(doc, paper, machines, kernels, runs);
}

// Each cell's range when the write-buffer drain time and the memory read latency
// span their band (means over the seeds at each end).
void add_sensitivity(Document& doc, const PaperTable& paper, const std::vector<Machine>& machines,
                     const std::vector<Kernel>& kernels, const Fig1Runs& runs) {
    doc.heading(2, "Sensitivity to the memory system");
    doc.paragraph(fmt::format(
        "The two memory timings of the presets are estimates: no source we have gives the DECstation 3100's "
        "memory speed (the Digital Technical Journal article gives the structure: 64 KB direct-mapped caches, "
        "four R2020 write-buffer stages; the memory's timing is not published there), so the presets assume "
        "about 300 ns for a one-word access. The band below is an engineering bound, not a measurement: from one "
        "DRAM cycle of the 1-Mbit parts of 1989 (about {} ns) to twice the estimate ({} ns), in whole cycles of "
        "each machine's clock; a read miss adds the presets' one restart cycle. Each row gives a cell's range "
        "(means over the seeds) when one timing spans its band and the other stays at the preset.",
        kBandLowNs, kBandHighNs));
    const auto& benches = avm_benchmarks();
    doc.csv_comment("Sensitivity: vmsim's means over the seeds at each end of the memory-timing band "
                    "(row: kernel, band end, the parameter set).");
    std::vector<std::string> header = {"machine", "preset", "row"};
    for (const auto& b : benches) header.push_back(b.column);
    doc.csv_row(header);
    for (const Machine& m : machines)
        for (const Kernel& k : kernels)
            for (Variant v : kBandVariants) {
                std::vector<std::string> row = {
                    m.name, m.preset,
                    fmt::format("vmsim {} {} ({})", k.name, variant_name(v), variant_overrides(v, runs.clock_mhz(m))[0])};
                for (const auto& b : benches) {
                    const auto mean = cell_us(runs.get(m, k, v), b).mean;
                    row.push_back(mean ? fixed_or_na(mean, 1) : std::string());
                }
                doc.csv_row(row);
            }
    for (const Machine& m : machines) {
        const SimulationResult& first = runs.get(m, kernels[0], Variant::Defaults).seeds[0];
        const double mhz = runs.clock_mhz(m);
        doc.heading(3, fmt::format("{}: wbuf.drain_cycles {} .. {} (preset {}), mem.read_latency {} .. {} (preset {})",
                                   m.name, band_cycles(kBandLowNs, mhz), band_cycles(kBandHighNs, mhz),
                                   first.config_text("wbuf.drain_cycles"), band_cycles(kBandLowNs, mhz) + 1,
                                   band_cycles(kBandHighNs, mhz) + 1, first.config_text("mem.read_latency")));
        Table table{{"row"}, {}};
        for (const auto& b : benches) table.header.push_back(b.column);
        for (const Kernel& k : kernels) {
            const Runs& d = runs.get(m, k, Variant::Defaults);
            std::vector<std::string> drain, read, ratios;
            for (const auto& b : benches) {
                const Cell dc = cell_us(d, b);
                const Cell dr = spread({dc, cell_us(runs.get(m, k, Variant::DrainLow), b),
                                        cell_us(runs.get(m, k, Variant::DrainHigh), b)});
                const Cell rd = spread({dc, cell_us(runs.get(m, k, Variant::ReadLow), b),
                                        cell_us(runs.get(m, k, Variant::ReadHigh), b)});
                drain.push_back(range_text(dr, 1));
                read.push_back(range_text(rd, 1));
                const auto p = paper.cell(m.name, k.paper_os, b.column);
                ratios.push_back(dr.min && p ? fmt::format("{:.2f} .. {:.2f}", std::min(*dr.min, *rd.min) / *p,
                                                           std::max(*dr.max, *rd.max) / *p)
                                             : std::string("n/a"));
            }
            const std::string row = std::string("vmsim ") + k.name;
            table.rows.push_back({row + ", drain band"});
            table.rows.back().insert(table.rows.back().end(), drain.begin(), drain.end());
            table.rows.push_back({row + ", read-latency band"});
            table.rows.back().insert(table.rows.back().end(), read.begin(), read.end());
            table.rows.push_back({row + " / paper, both bands"});
            table.rows.back().insert(table.rows.back().end(), ratios.begin(), ratios.end());
        }
        doc.table(table);
    }
}

// Where the cycles of each benchmark go (per operation, means over the seeds), with
// the begin/end overhead that the times above subtract.
void add_cycle_breakdown(Document& doc, const std::vector<Machine>& machines, const std::vector<Kernel>& kernels,
                         const Fig1Runs& runs) {
    doc.heading(2, "Cycle breakdown per operation");
    doc.paragraph("Cycles per operation by category, means over the seeds (the categories add up to the total "
                  "before rounding). These include the begin/end overhead of the measured region; *overhead* is "
                  "that overhead as the in-place empty region measured it, which the times above subtract.");
    for (const Machine& m : machines)
        for (const Kernel& k : kernels) {
            const Runs& r = runs.get(m, k, Variant::Defaults);
            const std::vector<std::string> categories = cycle_counters(r.seeds[0]).all();
            doc.heading(3, fmt::format("{} {}", m.name, k.name));
            Table table{{"benchmark", "total", "overhead"}, {}};
            table.header.insert(table.header.end(), categories.begin(), categories.end());
            for (const auto& b : avm_benchmarks()) {
                if (!benchmark_cycles(r.seeds[0], b, "cycles", false)) continue;
                auto per_op = [&](const std::string& counter, bool less_overhead) {
                    return mean_cycles(r, b, counter, less_overhead);
                };
                const double total = per_op("cycles", false);
                std::vector<std::string> row = {b.column, fmt::format("{:.0f}", total),
                                                fmt::format("{:.0f}", total - per_op("cycles", true))};
                for (const auto& c : categories) row.push_back(fmt::format("{:.0f}", per_op(c, false)));
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
    for (const Kernel& k : kernels)
        if (!std::filesystem::exists(k.elf))
            throw UserError(kExitNoInput, "reproduce avm-fig1: " + k.elf + " is missing; build the project first "
                                          "(make, or cmake --build " + o.build_dir + ")");
    Fig1Runs runs(machines, kernels, o.seeds, o);
    const size_t per_seed = machines.size() * (kernels.size() * (1 + std::size(kBandVariants)) + 1);
    std::cerr << fmt::format("reproduce avm-fig1: {} simulations ({} seeds), {} at a time\n", per_seed * o.seeds,
                             o.seeds, o.jobs);
    runs.run({Variant::Defaults, Variant::PerPage});
    // The band is in nanoseconds: its cycles follow each machine's clock, known now.
    runs.run({std::begin(kBandVariants), std::end(kBandVariants)});

    Document doc;
    doc.csv_comment("AVM (HotOS 1995) Figure 1 regenerated by `vmsim reproduce avm-fig1`: microseconds per "
                    "operation.");
    doc.csv_comment(fmt::format("Rows: the paper's numbers, vmsim's mean over {} draws of TLB replacement "
                                "(cpu.random_seed), their min and max, vmsim / paper,",
                                o.seeds));
    doc.csv_comment("and for unix the mean with per-page TLB flushing in mprotect. appel2 is per page; (un)prot1 "
                    "(column unprot1) is the mean of prot1 and unprot1. Presets: configs/machines/<preset>.cfg.");
    doc.heading(1, "AVM Figure 1: virtual-memory primitives on Ultrix 4.2 and Aegis, and on vmsim");
    doc.paragraph(fmt::format(
        "Regenerated by `vmsim reproduce avm-fig1`. Times are microseconds per operation; appel2 is per page; "
        "(un)prot1 is the mean of vmsim's prot1 and unprot1. Paper numbers: `configs/papers/avm_fig1.csv` "
        "(Engler, Gupta, Kaashoek, HotOS 1995, Figure 1). vmsim times come from executing the guest kernels "
        "(`vmlib/unix`, `vmlib/aegis`) and the benchmarks (`workloads/appel`) on the machine presets. Each "
        "benchmark measures the cost of entering and leaving its region in place (an empty region right before "
        "each entry, in the same loop) and that cost is subtracted. Each cell is the mean over {} runs that "
        "differ only in the entry each TLB refill replaces (`cpu.random_seed` = {}; see `docs/avm-fig1.md`); "
        "the range row gives the lowest and highest of them.",
        o.seeds, [&] {
            std::string list;
            for (unsigned i = 0; i < o.seeds; ++i) list += (i ? ", " : "") + std::to_string(runs.seed(i));
            return list;
        }()));
    doc.paragraph("The unix kernel's mprotect gives the process a new ASID instead of flushing the TLB page by "
                  "page when more than `unix.mprotect_asid_threshold` (16) pages change; that choice is ours (see "
                  "`vmlib/unix/README.md` for what is known of Ultrix 4.2 and 4.4BSD on the pmax). The *per-page "
                  "mprotect* row runs the same kernel flushing page by page at every size.");
    if (!o.overrides.empty()) {
        std::string plain, quoted;
        for (const auto& x : o.overrides) {
            plain += (plain.empty() ? "" : " ") + x;
            quoted += " `" + x + "`";
        }
        doc.csv_comment("Parameters set on top of the presets: " + plain);
        doc.paragraph("Parameters set on top of the presets:" + quoted);
    }
    add_times(doc, paper, machines, kernels, runs);
    add_comparison(doc, paper, machines, kernels, runs);
    add_sensitivity(doc, paper, machines, kernels, runs);
    add_cycle_breakdown(doc, machines, kernels, runs);

    const auto [csv, md] = doc.write(o.out_dir, "avm_fig1");
    std::cout << "wrote " << csv << " and " << md << "\n";
}

}  // namespace vmsim::experiment::figures
