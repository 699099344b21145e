// Rialto's refill costs (Draves, Odinak, Cutshall, "The Rialto Virtual Memory System",
// MSR-TR-97-04, section 3.1): its MIPS port's VTLB, a two-way set-associative software
// TLB of 512 entries, takes 26 to 37 instructions on a hit, a linear page table 9. Beside
// them, vmsim's refill paths measured by running them (workloads/refill): the STLB of
// the aegis kernel (vmlib/aegis) in each organisation at Rialto's size, its miss path to
// the application's handler and the AVM page table, and the unix kernel's Context
// refill from its linear page table (vmlib/unix).
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
#include "vmlib/avm/avm_regions.h"
#include "workloads/refill/refill.h"

namespace vmsim::experiment::figures {
namespace {

// AVM's library takes the regions from AVM_REGION_LOOKUP on (with avm.measure_lookups,
// which the figure turns off: their system calls would sit inside the miss path).
static_assert(REFILL_REGION_EVENT(REFILL_KINDS - 1, REFILL_EVENTS - 1) < AVM_REGION_LOOKUP);

// One simulation: a kernel image of workloads/refill and what it runs under.
struct Run {
    std::string system, organisation;  // as the tables name them
    std::string entries;               // of the STLB (or VTLB); empty if none
    std::string elf;
    std::vector<std::string> overrides;  // after the user's --set: the row's own settings
    std::vector<std::pair<unsigned, std::string>> paths;  // REFILL_KIND_* measured, and its name
};

// A kind of refill as measured: the instructions of its clean events (those that
// took the fewest exceptions: only the refill and what it needs), lowest and highest.
struct Measured {
    uint64_t min = 0, max = 0;
    unsigned clean = 0, events = 0;
    uint64_t exceptions = 0;  // per clean event, beyond the base region's
};

[[noreturn]] void bad_guest(const SimulationResult& r, const std::string& what) {
    throw UserError(kExitSoftware, fmt::format("rialto-refill: {}: {}; the guest is not workloads/refill of this build",
                                               r.label, what));
}

Measured measure(const SimulationResult& r, unsigned kind) {
    const std::string base = fmt::format("region.{}.", REFILL_REGION_BASE(kind));
    if (!r.has(base + "count")) bad_guest(r, fmt::format("no region {}", REFILL_REGION_BASE(kind)));
    const uint64_t entries = r.u64(base + "count");
    const uint64_t base_insns = r.u64(base + "instructions"), base_faulted = r.u64(base + "faulted");
    // Every entry of the base is the same instructions (a load that hits the TLB).
    if (entries != REFILL_EVENTS || base_insns % entries || base_faulted % entries)
        bad_guest(r, fmt::format("region {}: {} entries, {} instructions, {} exceptions", REFILL_REGION_BASE(kind),
                                 entries, base_insns, base_faulted));
    std::vector<std::pair<uint64_t, uint64_t>> events;  // (exceptions, instructions) beyond the base's
    for (unsigned i = 0; i < REFILL_EVENTS; ++i) {
        const std::string e = fmt::format("region.{}.", REFILL_REGION_EVENT(kind, i));
        if (!r.has(e + "count") || r.u64(e + "count") != 1)
            bad_guest(r, fmt::format("region {} not entered once", REFILL_REGION_EVENT(kind, i)));
        const uint64_t insns = r.u64(e + "instructions"), faulted = r.u64(e + "faulted");
        if (insns < base_insns / entries || faulted <= base_faulted / entries)
            bad_guest(r, fmt::format("region {} took no refill", REFILL_REGION_EVENT(kind, i)));
        events.emplace_back(faulted - base_faulted / entries, insns - base_insns / entries);
    }
    Measured m;
    m.events = REFILL_EVENTS;
    m.exceptions = std::min_element(events.begin(), events.end())->first;
    bool first = true;
    for (const auto& [exceptions, insns] : events) {
        if (exceptions != m.exceptions) continue;
        m.min = first ? insns : std::min(m.min, insns);
        m.max = first ? insns : std::max(m.max, insns);
        first = false;
        ++m.clean;
    }
    return m;
}

std::string range_text(uint64_t lo, uint64_t hi) { return lo == hi ? std::to_string(lo) : fmt::format("{} .. {}", lo, hi); }

}  // namespace

void rialto_refill(const ReproduceOptions& o) {
    const PaperQuantities paper = PaperQuantities::read(o.source_dir + "/configs/papers/rialto.csv");
    const auto vtlb_entries = static_cast<unsigned>(paper.number("mips_stlb_entries"));
    const double vtlb_min = paper.number("mips_stlb_hit_instructions_min");
    const double vtlb_max = paper.number("mips_stlb_hit_instructions_max");
    const double linear = paper.number("linear_page_table_hit_instructions");

    const std::string aegis_elf = o.build_dir + "/workloads/refill/aegis_refill.elf";
    const std::string unix_elf = o.build_dir + "/workloads/refill/unix_refill.elf";
    for (const std::string& elf : {aegis_elf, unix_elf})
        if (!std::filesystem::exists(elf))
            throw UserError(kExitNoInput, "reproduce rialto-refill: " + elf + " is missing; build the project first "
                                          "(make, or cmake --build " + o.build_dir + ")");
    const std::string size = fmt::format("aegis.stlb_entries={}", vtlb_entries);
    const std::string miss = "STLB miss: the application's handler refills from the AVM page table";
    const std::string entries = std::to_string(vtlb_entries);
    const std::vector<Run> runs = {
        {"vmsim aegis", "2way", entries, aegis_elf, {"aegis.stlb_org=2way", "avm.measure_lookups=false"},
         {{REFILL_KIND_HIT, "STLB hit in way 0"}, {REFILL_KIND_WAY1, "STLB hit in way 1"}, {REFILL_KIND_MISS, miss}}},
        {"vmsim aegis", "direct", entries, aegis_elf, {"aegis.stlb_org=direct", "avm.measure_lookups=false"},
         {{REFILL_KIND_HIT, "STLB hit"}, {REFILL_KIND_MISS, miss}}},
        {"vmsim aegis", "none", "", aegis_elf, {"aegis.stlb_org=none", "avm.measure_lookups=false"},
         {{REFILL_KIND_MISS, "TLB miss: the application's handler refills from the AVM page table"}}},
        {"vmsim unix", "linear page table", "", unix_elf, {}, {{REFILL_KIND_HIT, "UTLB refill through Context"}}},
    };
    std::vector<SimulationSpec> specs;
    for (const Run& run : runs) {
        // The size first, so that --set may change it; the organisation last: it is the row's.
        std::vector<std::string> overrides = {size};
        overrides.insert(overrides.end(), o.overrides.begin(), o.overrides.end());
        overrides.insert(overrides.end(), run.overrides.begin(), run.overrides.end());
        specs.push_back(SimulationSpec{run.system + " " + run.organisation, run.elf,
                                       {o.source_dir + "/configs/machines/dec3100.cfg"}, overrides, {}});
    }
    std::cerr << fmt::format("reproduce rialto-refill: {} simulations, {} at a time\n", specs.size(), o.jobs);
    const std::vector<SimulationResult> results = simulate_all(specs, o.jobs);

    // The measurements, and the ones the reading below compares.
    std::vector<std::vector<Measured>> measured(runs.size());
    for (size_t i = 0; i < runs.size(); ++i)
        for (const auto& [kind, what] : runs[i].paths) {
            measured[i].push_back(measure(results[i], kind));
            // A hit is one refill and nothing else: an event with only that exists.
            if (kind != REFILL_KIND_MISS && measured[i].back().exceptions != 1)
                bad_guest(results[i], fmt::format("{}: every event took {} exceptions", what,
                                                  measured[i].back().exceptions));
        }
    const Measured &way0 = measured[0][0], &way1 = measured[0][1], &miss2 = measured[0][2];
    const Measured &direct = measured[1][0], &missd = measured[1][1], &none = measured[2][0];
    const Measured& unix_refill = measured[3][0];

    Document doc;
    doc.csv_comment("Rialto (MSR-TR-97-04, section 3.1) refill costs beside vmsim's, regenerated by `vmsim reproduce "
                    "rialto-refill`: instructions from the TLB miss to the return to the faulting instruction.");
    doc.csv_comment("Rialto's rows: configs/papers/rialto.csv. vmsim's: workloads/refill run on vmlib/aegis and "
                    "vmlib/unix (configs/machines/dec3100.cfg); the lowest and highest over the clean events.");
    doc.csv_row({"system", "organisation", "entries", "path", "instructions_min", "instructions_max", "clean_events",
                 "events"});
    doc.heading(1, "Rialto's refill costs beside vmsim's");
    doc.paragraph(fmt::format(
        "Regenerated by `vmsim reproduce rialto-refill`. Rialto's numbers are from its paper (Draves, Odinak, "
        "Cutshall, *The Rialto Virtual Memory System*, MSR-TR-97-04, section 3.1; `configs/papers/rialto.csv`): its "
        "MIPS port kept translations in a two-way set-associative software TLB (the VTLB) of {} entries, {} to {} "
        "instructions on a hit, and names {} instructions for a hit in a linear page table. vmsim's numbers come "
        "from running `workloads/refill`: each refill is taken {} times, one measured region each, beside a region "
        "with the same load hitting the TLB; the difference in retired instructions is the refill path, from the "
        "UTLB vector to the return to the load. Events whose refill made the TLB drop a page the code needs at once "
        "take a second refill; only the events with the fewest exceptions count (*clean*). The aegis STLB has "
        "Rialto's {} entries (`aegis.stlb_entries`) in each organisation (`aegis.stlb_org`; see "
        "`vmlib/aegis/README.md`); the unix kernel refills from its linear page table through Context.",
        vtlb_entries, vtlb_min, vtlb_max, linear, REFILL_EVENTS, vtlb_entries));
    if (!o.overrides.empty()) {
        std::string plain;
        for (const auto& x : o.overrides) plain += (plain.empty() ? "" : " ") + x;
        doc.csv_comment("Parameters set on top of the preset: " + plain);
        doc.paragraph("Parameters set on top of the preset: `" + plain + "`");
    }
    Table table{{"system", "organisation", "refill path", "instructions", "clean events"}, {}};
    // "2way, 512 entries" in the Markdown
    auto organisation = [](const std::string& org, const std::string& n) { return n.empty() ? org : org + ", " + n + " entries"; };
    auto paper_row = [&](const std::string& org, const std::string& n, const std::string& path, double lo, double hi) {
        doc.csv_row({"Rialto (paper)", org, n, path, fmt::format("{}", lo), fmt::format("{}", hi), "", ""});
        table.rows.push_back({"Rialto (paper)", organisation(org, n), path,
                              lo == hi ? fmt::format("{}", lo) : fmt::format("{} .. {}", lo, hi), ""});
    };
    paper_row("2way VTLB", entries, "VTLB hit", vtlb_min, vtlb_max);
    paper_row("linear page table", "", "page-table hit", linear, linear);
    for (size_t i = 0; i < runs.size(); ++i)
        for (size_t p = 0; p < runs[i].paths.size(); ++p) {
            const Measured& m = measured[i][p];
            const std::string& what = runs[i].paths[p].second;
            doc.csv_row({runs[i].system, runs[i].organisation, runs[i].entries, what, std::to_string(m.min),
                         std::to_string(m.max), std::to_string(m.clean), std::to_string(m.events)});
            table.rows.push_back({runs[i].system, organisation(runs[i].organisation, runs[i].entries), what,
                                  range_text(m.min, m.max), fmt::format("{} of {}", m.clean, m.events)});
        }
    doc.table(table);

    auto within = [&](const Measured& m) {
        return m.min >= vtlb_min && m.max <= vtlb_max ? "within" : m.max < vtlb_min ? "below" : "above";
    };
    doc.heading(2, "Reading");
    doc.paragraph(fmt::format(
        "vmsim's two-way STLB probes way 0, the set's newest entry, exactly as the direct-mapped STLB probes its "
        "one entry: a hit there takes {} instructions, the direct-mapped hit {}. A hit in way 1 takes {}: the "
        "handler has only k0 and k1, and the way-0 compare used both, so it computes the set's address again. "
        "That is {} Rialto's {} .. {} for its two-way VTLB (the paper does not say what its count includes or "
        "why it varies).",
        range_text(way0.min, way0.max), range_text(direct.min, direct.max), range_text(way1.min, way1.max),
        within(way1), vtlb_min, vtlb_max));
    doc.paragraph(fmt::format(
        "The unix kernel's refill from its linear page table takes {} instructions (Rialto: {}). A miss that goes "
        "to the application's handler, which looks the page up in AVM's page table and writes the TLB through a "
        "system call, takes {} instructions without a software TLB, {} after a direct-mapped STLB's probe and {} "
        "after a two-way STLB's (whose kernel also moves the set's way 0 to way 1 on the write).",
        range_text(unix_refill.min, unix_refill.max), linear, range_text(none.min, none.max),
        range_text(missd.min, missd.max), range_text(miss2.min, miss2.max)));

    const auto [csv, md] = doc.write(o.out_dir, "rialto_refill");
    std::cout << "wrote " << csv << " and " << md << "\n";
}

}  // namespace vmsim::experiment::figures
