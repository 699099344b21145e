// GUPS across page sizes on the x86-64 target (issue 10): the same random read-modify-write updates
// over a table much larger than the TLBs' reach, mapped by 4 KB, 2 MB and 1 GB pages on the skylake
// and goldencove presets, and by 4 KB and 4 MB pages on pentium100 (32-bit paging has no others).
// Per page size: cycles, TLB misses and page walks per update, the references a walk makes, where
// they were served, the paging-structure-cache hits behind them, and the reach that explains them.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "sim/common/errors.hpp"
#include "sim/experiment/csv.hpp"
#include "sim/experiment/figures/figures.hpp"
#include "sim/experiment/plot.hpp"
#include "sim/experiment/simulate.hpp"
#include "sim/experiment/table.hpp"
#include "sim/stats/atomic_file.hpp"

namespace vmsim::experiment::figures {
namespace {

namespace fs = std::filesystem;

struct Machine {
    std::string name;  // the preset's file stem
    std::vector<std::string> pages;
    std::vector<std::string> overrides;  // before the user's --set
};

// What one run measured, per update (per walk where said).
struct Row {
    std::string machine, page;
    double table = 0, updates = 0;
    double cycles = 0, dtlb_misses = 0, stlb_misses = 0, walks = 0;
    double refs_per_walk = 0;
    double refs[4] = {};  // shares of the walks' references served by l1d, l2, l3, memory
    double psc[3] = {};   // PDE, PDPTE, PML4E cache hits per walk
    double translation_share = 0;
    double l1_reach = 0, stlb_reach = 0;  // bytes the table's page size reaches (0: no such TLB)
    double pde_reach = 0, pdpte_reach = 0;  // bytes the PDE and PDPTE caches' entries cover (long mode)
};

double page_bytes(const std::string& page) {
    return page == "4k" ? 4096.0 : page == "2m" ? 2097152.0 : page == "4m" ? 4194304.0 : 1073741824.0;
}

double sum(const SimulationResult& r, const std::string& prefix) {
    double s = 0;
    for (const char* size : {"4k", "2m", "4m", "1g"}) s += r.number(prefix + size);
    return s + r.number(prefix + "faulted");
}

double ratio(double a, double b) { return b == 0 ? 0 : a / b; }

Row measure(const std::string& machine, const std::string& page, const SimulationResult& r) {
    Row row;
    row.machine = machine;
    row.page = page;
    row.table = r.config_number("gups.table_size");
    row.updates = r.number("cpu.operations");
    const double n = row.updates;
    row.cycles = ratio(r.number("cpu.cycles"), n);
    row.dtlb_misses = ratio(sum(r, "mmu.dtlb.misses."), n);
    // Without a second level every L1 miss walks.
    const bool stlb = r.config_number("stlb.entries") > 0 || r.config_number("stlb_1g.entries") > 0;
    row.stlb_misses = stlb ? ratio(sum(r, "mmu.stlb.misses."), n) : row.dtlb_misses;
    const double walks = r.number("mmu.walks");
    row.walks = ratio(walks, n);
    const double refs = r.number("mmu.walk.refs");
    row.refs_per_walk = ratio(refs, walks);
    const char* levels[] = {"l1d", "l2", "l3", "memory"};
    for (int i = 0; i < 4; ++i) row.refs[i] = ratio(r.number(std::string("mmu.walk.refs.") + levels[i]), refs);
    const char* psc[] = {"pde", "pdpte", "pml4e"};
    for (int i = 0; i < 3; ++i) row.psc[i] = ratio(r.number(std::string("mmu.psc.") + psc[i] + ".hits"), walks);
    row.translation_share = ratio(r.number("cycles.translation"), r.number("cpu.cycles"));
    // Reach: entries times page size, where a structure holds this size (the "2m" L1 holds 4 MB pages
    // with 32-bit paging).
    const std::string cls = page == "4k" ? "4k" : page == "1g" ? "1g" : "2m";
    const double size = page_bytes(page);
    row.l1_reach = r.config_number("dtlb_" + cls + ".entries") * size;
    if (r.config_text("stlb.holds_" + cls) == "true") row.stlb_reach = r.config_number("stlb.entries") * size;
    if (cls == "1g") row.stlb_reach += r.config_number("stlb_1g.entries") * size;
    // A cached PDE leads to a page table, which maps 2 MB; a PDPTE to a page directory, 1 GB.
    if (r.config_text("mmu.paging") != "legacy32") {
        row.pde_reach = r.config_number("psc_pde.entries") * 2097152.0;
        row.pdpte_reach = r.config_number("psc_pdpte.entries") * 1073741824.0;
    }
    return row;
}

std::string bytes_text(double b) {
    if (b == 0) return "none";
    if (b >= 1073741824.0) return fmt::format("{:g} GB", b / 1073741824.0);
    if (b >= 1048576.0) return fmt::format("{:g} MB", b / 1048576.0);
    return fmt::format("{:g} KB", b / 1024.0);
}

std::string read_whole(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (!in) throw UserError(kExitSoftware, "reproduce gups-pagesize: cannot read back " + path);
    return bytes.str();
}

const Row* find(const std::vector<Row>& rows, const std::string& machine, const std::string& page) {
    for (const Row& r : rows)
        if (r.machine == machine && r.page == page) return &r;
    return nullptr;
}

}  // namespace

void gups_pagesize(const ReproduceOptions& o) {
    // pentium100's RAM is a 1995 machine's; the table needs more (32-bit paging reaches 4 GB).
    const std::vector<Machine> machines = {
        {"skylake", {"4k", "2m", "1g"}, {}},
        {"goldencove", {"4k", "2m", "1g"}, {}},
        {"pentium100", {"4k", "4m"}, {"mem.size=3G"}},
    };
    std::vector<SimulationSpec> specs;
    std::vector<std::pair<std::string, std::string>> runs;  // machine, page
    for (const Machine& m : machines)
        for (const std::string& page : m.pages) {
            std::vector<std::string> overrides = m.overrides;
            overrides.insert(overrides.end(), o.overrides.begin(), o.overrides.end());
            overrides.push_back("gups.page_size=" + page);  // last: it is the row's
            specs.push_back(SimulationSpec{m.name + " " + page, "",
                                           {o.source_dir + "/configs/machines/" + m.name + ".cfg"}, overrides, {}});
            runs.emplace_back(m.name, page);
        }
    std::cerr << fmt::format("reproduce gups-pagesize: {} simulations, {} at a time\n", specs.size(), o.jobs);
    const std::vector<SimulationResult> results = simulate_all(specs, o.jobs);
    std::vector<Row> rows;
    for (size_t i = 0; i < runs.size(); ++i) rows.push_back(measure(runs[i].first, runs[i].second, results[i]));

    Document doc;
    doc.csv_comment("GUPS across page sizes on the x86_64 target, regenerated by `vmsim reproduce gups-pagesize`: "
                    "per update (one load, one store, one fetch), or per page walk where the column says.");
    doc.csv_comment("The workload is compiled for the host (workloads/x86/gups.hpp): every load, store and fetch is "
                    "translated and timed; its own computation is the stated gups.update_cycles of each preset.");
    doc.csv_row({"machine", "page_size", "page_mib", "table_bytes", "updates", "cycles_per_update", "dtlb_misses_per_update",
                 "stlb_misses_per_update", "walks_per_update", "refs_per_walk", "refs_l1d", "refs_l2", "refs_l3",
                 "refs_memory", "psc_pde_hits_per_walk", "psc_pdpte_hits_per_walk", "psc_pml4e_hits_per_walk",
                 "translation_cycle_share", "l1_reach_bytes", "stlb_reach_bytes"});
    for (const Row& r : rows)
        doc.csv_row({r.machine, r.page, fmt::format("{:g}", page_bytes(r.page) / 1048576.0), fmt::format("{:.0f}", r.table), fmt::format("{:.0f}", r.updates),
                     fmt::format("{:.2f}", r.cycles), fmt::format("{:.4f}", r.dtlb_misses),
                     fmt::format("{:.4f}", r.stlb_misses), fmt::format("{:.4f}", r.walks),
                     fmt::format("{:.3f}", r.refs_per_walk), fmt::format("{:.4f}", r.refs[0]),
                     fmt::format("{:.4f}", r.refs[1]), fmt::format("{:.4f}", r.refs[2]),
                     fmt::format("{:.4f}", r.refs[3]), fmt::format("{:.4f}", r.psc[0]), fmt::format("{:.4f}", r.psc[1]),
                     fmt::format("{:.4f}", r.psc[2]), fmt::format("{:.4f}", r.translation_share),
                     fmt::format("{:.0f}", r.l1_reach), fmt::format("{:.0f}", r.stlb_reach)});

    const Row& first = rows.front();
    doc.heading(1, "GUPS across page sizes");
    doc.paragraph(fmt::format(
        "Regenerated by `vmsim reproduce gups-pagesize`. GUPS (the HPC Challenge RandomAccess kernel, "
        "`workloads/x86/gups.hpp`) makes {:.0f} random read-modify-write updates of 64-bit words in a {} table, "
        "mapped with one page size per row before the run by the workload's own pager on the self-paging library (`vmlib/x86`). GUPS is compiled for the host: "
        "each update's load, store and instruction fetch go through the x86 MMU model (TLBs, paging-structure "
        "caches, the page walker setting A and D) and are timed, the load and store through the cache-latency "
        "model; the update's own instructions are a stated cost per machine (`gups.update_cycles`, an estimate). "
        "The core blocks on each access: no miss overlaps another, so cycles per update are a latency sum, not a "
        "measured GUPS rate. Machines: `configs/machines/skylake.cfg`, `goldencove.cfg` and `pentium100.cfg` (its "
        "RAM enlarged to 3 GB to hold the table; 32-bit paging has only 4 KB and 4 MB pages).",
        first.updates, bytes_text(first.table)));
    if (!o.overrides.empty()) {
        std::string plain;
        for (const auto& x : o.overrides) plain += (plain.empty() ? "" : " ") + x;
        doc.csv_comment("Parameters set on top of the presets: " + plain);
        doc.paragraph("Parameters set on top of the presets: `" + plain + "`");
    }
    Table table{{"machine", "page", "cycles / update", "D-TLB misses / update", "STLB misses / update",
                 "walks / update", "refs / walk", "refs from L1D / L2 / L3 / memory", "PSC hits / walk (PDE, PDPTE, "
                 "PML4E)", "translation share", "reach: L1 D-TLB / STLB"},
                {}};
    for (const Row& r : rows)
        table.rows.push_back(
            {r.machine, r.page, fmt::format("{:.1f}", r.cycles), fmt::format("{:.3f}", r.dtlb_misses),
             fmt::format("{:.3f}", r.stlb_misses), fmt::format("{:.3f}", r.walks), fmt::format("{:.2f}", r.refs_per_walk),
             fmt::format("{:.0f}% / {:.0f}% / {:.0f}% / {:.0f}%", 100 * r.refs[0], 100 * r.refs[1], 100 * r.refs[2],
                         100 * r.refs[3]),
             fmt::format("{:.2f}, {:.2f}, {:.2f}", r.psc[0], r.psc[1], r.psc[2]),
             fmt::format("{:.0f}%", 100 * r.translation_share),
             bytes_text(r.l1_reach) + " / " + bytes_text(r.stlb_reach)});
    doc.table(table);

    doc.heading(2, "Reading");
    for (const Machine& m : machines) {
        std::string text = fmt::format("**{}**: ", m.name);
        for (size_t i = 0; i < m.pages.size(); ++i) {
            const Row* r = find(rows, m.name, m.pages[i]);
            text += fmt::format("{}{} pages {:.1f} cycles per update", i ? ", " : "", r->page, r->cycles);
        }
        text += ". ";
        const Row* small = find(rows, m.name, "4k");
        const double table_bytes = small->table;
        text += fmt::format(
            "With 4 KB pages the {} table is {:.0f} times what the TLBs reach ({}), so {:.2f} of the loads' "
            "translations miss every TLB and walk, {:.2f} references per walk",
            bytes_text(table_bytes), table_bytes / std::max(small->l1_reach, small->stlb_reach),
            bytes_text(std::max(small->l1_reach, small->stlb_reach)), small->stlb_misses, small->refs_per_walk);
        text += small->pde_reach + small->pdpte_reach > 0
                    ? fmt::format(" (paging-structure caches: {:.2f} PDE and {:.2f} PDPTE hits per walk; the PDE "
                                  "cache's entries cover {} of the table, the PDPTE cache's {}, and a walk reads one "
                                  "entry below the deepest hit)",
                                  small->psc[0], small->psc[1], bytes_text(std::min(small->pde_reach, table_bytes)),
                                  bytes_text(std::min(small->pdpte_reach, table_bytes)))
                    : " (no paging-structure caches: every walk reads from the top)";
        text += fmt::format(", and translation is {:.0f}% of the cycles.", 100 * small->translation_share);
        for (const std::string& page : m.pages) {
            if (page == "4k") continue;
            const Row* r = find(rows, m.name, page);
            text += fmt::format(
                " With {} pages the L1 D-TLB reaches {} and the second level {}: {:.3f} D-TLB misses and {:.4f} walks "
                "per update, {:.0f}% of the cycles in translation.",
                page, bytes_text(r->l1_reach), bytes_text(r->stlb_reach), r->dtlb_misses, r->walks,
                100 * r->translation_share);
        }
        doc.paragraph(text);
    }
    doc.paragraph(
        "What is left when translation costs nothing is the data: each update's load misses the caches for a random "
        "line of the table, the same for every page size. That is why large pages help by the walks' and STLB "
        "lookups' cycles only.");

    const auto [csv, md] = doc.write(o.out_dir, "gups_pagesize");
    std::cout << "wrote " << csv << " and " << md << "\n";
    // The plot: cycles per update by page size (MiB, so that 2 and 4 MB have short labels on a log
    // axis), a line per machine. Drawn in a scratch directory and only the pictures published, as
    // the committed sweeps are (scripts/publish-sweep.sh). Without gnuplot the tables stand.
    const fs::path scratch = fs::temp_directory_path() / fmt::format("vmsim-gups-plot-{}", ::getpid());
    try {
        const PlotFiles files = plot_csv(read_csv(csv), {"page_mib", "cycles_per_update", "machine",
                                                         "GUPS: cycles per update by page size", true, true},
                                         (scratch / "gups_pagesize").string());
        for (const std::string& picture : {files.svg, files.png}) {
            const std::string dest = (fs::path(o.out_dir) / fs::path(picture).filename()).string();
            stats::write_file_atomically(dest, read_whole(picture));
            std::cout << "wrote " << dest << "\n";
        }
    } catch (const UserError& e) {
        std::error_code ec;
        fs::remove_all(scratch, ec);
        if (e.code() != kExitUnavailable) throw;
        std::cerr << "reproduce gups-pagesize: no plot: " << e.what() << "\n";
        return;
    }
    std::error_code ec;
    fs::remove_all(scratch, ec);
}

}  // namespace vmsim::experiment::figures
