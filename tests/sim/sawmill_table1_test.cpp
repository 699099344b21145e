// `vmsim reproduce sawmill-table1` (sim/experiment/figures/sawmill_table1.cpp): its cells are the
// SawMill image's regions as the i386 platform records them, computed here again from the raw
// marks; its breakdowns (by cause, by software component) add up; the component breakdown leaves
// the run as it was; its band holds the defaults; its paper columns are the copied CSV; --set of
// the i386 target's keys applies; and it is deterministic. A regeneration is
// nine runs of the image (about 1.5 s each, two at a time).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/x86_64/pc.hpp"
#include "sim/experiment/csv.hpp"
#include "sim/loader/elf_loader.hpp"
#include "temp_dir.hpp"
#include "vmsim_run.hpp"

namespace {

using namespace vmsim::testing;
using vmsim::experiment::CsvTable;
using vmsim::experiment::read_csv;

// Regenerates the table into `dir` (with `sets` as --set arguments); fails the test if the command
// does not succeed. Eight runs of the image (the band): a minute under the sanitizers.
CsvTable regenerate(const std::string& dir, const std::vector<std::string>& sets = {}) {
    std::vector<std::string> args = {"reproduce", "sawmill-table1", "--build-dir", VMSIM_BUILD_DIR, "--source-dir",
                                     VMSIM_SOURCE_DIR, "--out", dir};
    for (const std::string& s : sets) {
        args.push_back("--set");
        args.push_back(s);
    }
    const VmsimRun r = run_vmsim(args, "", 900);
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    return read_csv(dir + "/sawmill_table1.csv");
}

// The table at the defaults, regenerated once per ctest run by the SawmillTable1Regenerate fixture
// (each test is a process of its own: each would otherwise make the eight runs again) into
// SAWMILL_TABLE1_OUT, or here when that is missing or older than vmsim or the image (a test run by
// hand). Returns its directory.
const std::string& defaults_dir() {
    static const std::string dir = [] {
        const std::string out = SAWMILL_TABLE1_OUT;
        if (newer_than_all(out + "/sawmill_table1.md", {VMSIM_BINARY, SAWMILL_APPEL_ELF})) return out;
        static TempDir here;
        regenerate(here.path());
        return here.path();
    }();
    return dir;
}

CsvTable defaults_table() { return read_csv(defaults_dir() + "/sawmill_table1.csv"); }

double number(const CsvTable& t, size_t row, const std::string& column) {
    return std::strtod(t.rows.at(row).at(t.column(column)).c_str(), nullptr);
}

size_t row_of(const CsvTable& t, const std::string& primitive) {
    for (size_t i = 0; i < t.rows.size(); ++i)
        if (t.rows[i][0] == primitive) return i;
    ADD_FAILURE() << "no row " << primitive;
    return 0;
}

TEST(SawmillTable1, CellsAreTheRegionsLessTheirInPlaceNullsFromTheRawMarks) {
    const CsvTable table = defaults_table();

    // The same image run here, x86_pc_run's way: cycles from each begin to its end, by id.
    vmsim::x86::pc::Pc pc;
    const auto image = vmsim::loader::load_elf_i386(SAWMILL_APPEL_ELF, pc.ram().size());
    for (const auto& s : image.segments) pc.load(s.paddr, s.bytes.data(), s.bytes.size(), s.memsz);
    pc.boot_multiboot(image.entry);
    ASSERT_EQ(pc.run(4'000'000'000ull).kind, vmsim::x86::pc::Pc::Result::Exit);
    std::map<uint32_t, double> cycles, entries;
    std::map<uint32_t, uint64_t> open;
    for (const auto& m : pc.regions()) {
        if (m.begin) {
            open[m.id] = m.cycle;
        } else if (open.count(m.id)) {
            cycles[m.id] += static_cast<double>(m.cycle - open[m.id]);
            entries[m.id] += 1;
            open.erase(m.id);
        }
    }
    // appel.h: region id, its in-place null 16 + id; trap has two entries an iteration, appel2's
    // iteration is 100 pages.
    const auto per_iteration = [&](uint32_t id, double pairs) {
        EXPECT_GT(entries[id], 0) << "region " << id;
        EXPECT_EQ(entries[id], entries[16 + id]) << "region " << id;
        return (cycles[id] - cycles[16 + id]) / (entries[id] / pairs);
    };
    const double trap = per_iteration(6, 2);
    const std::map<std::string, double> expected = {
        {"Prot", per_iteration(2, 1)},      {"Trap", trap},
        {"Fault", trap + per_iteration(3, 1)}, {"Prot100", per_iteration(4, 1)},
        {"Unprot100", per_iteration(5, 1)}, {"Appel1", per_iteration(7, 1)},
        {"Appel2", per_iteration(8, 1) / 100},
    };
    ASSERT_EQ(table.rows.size(), expected.size());
    for (const auto& [primitive, c] : expected) {
        const size_t row = row_of(table, primitive);
        EXPECT_NEAR(number(table, row, "vmsim_cycles"), c, 0.006) << primitive;
        EXPECT_NEAR(number(table, row, "vmsim_us"), c / 100, 0.006) << primitive << ": at 100 MHz";
        const double ratio = c / 100 / number(table, row, "sawmill_paper_us");
        EXPECT_NEAR(number(table, row, "ratio"), ratio, 0.0006) << primitive;
        EXPECT_EQ(table.rows[row][table.column("within_30pct")], ratio >= 0.7 && ratio <= 1.3 ? "yes" : "no")
            << primitive;
    }
}

TEST(SawmillTable1, BreakdownCausesAddUpToEachCellsCycles) {
    const CsvTable table = defaults_table();
    ASSERT_FALSE(table.rows.empty());
    std::vector<std::string> causes;
    for (const std::string& h : table.header)
        if (h.rfind("cycles_", 0) == 0) causes.push_back(h);
    EXPECT_GE(causes.size(), 10u) << "issue, prefix, agi, bank, mispredict, icache, dcache, write_buffer, "
                                     "translation, system (and halted)";
    for (size_t row = 0; row < table.rows.size(); ++row) {
        double sum = 0;
        for (const std::string& c : causes) {
            EXPECT_GE(number(table, row, c), 0) << table.rows[row][0] << " " << c;
            sum += number(table, row, c);
        }
        // Each printed to 2 decimals.
        EXPECT_NEAR(sum, number(table, row, "vmsim_cycles"), 0.005 * (causes.size() + 1)) << table.rows[row][0];
        EXPECT_GT(number(table, row, "instructions"), 0) << table.rows[row][0];
        EXPECT_GE(number(table, row, "walks"), 0) << table.rows[row][0];
    }
}

// The component columns: <name>_cycles and <name>_instructions, the names from the header.
std::vector<std::string> components(const CsvTable& t) {
    std::vector<std::string> out;
    for (const std::string& h : t.header) {
        const size_t n = h.size();
        if (n > 7 && h.compare(n - 7, 7, "_cycles") == 0 && h.rfind("cycles_", 0) != 0 && h != "vmsim_cycles" &&
            h.rfind("band_", 0) != 0)
            out.push_back(h.substr(0, n - 7));
    }
    return out;
}

TEST(SawmillTable1, ComponentsAddUpToEachCellsCyclesAndInstructions) {
    const CsvTable table = defaults_table();
    const std::vector<std::string> names = components(table);
    for (const char* expected : {"entry_exit", "ipc", "mapping", "pager", "application", "kernel_other"})
        EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
    for (size_t row = 0; row < table.rows.size(); ++row) {
        double cycles = 0, instructions = 0;
        for (const std::string& c : names) {
            cycles += number(table, row, c + "_cycles");
            instructions += number(table, row, c + "_instructions");
        }
        // Each printed to 2 decimals.
        EXPECT_NEAR(cycles, number(table, row, "vmsim_cycles"), 0.005 * (names.size() + 1)) << table.rows[row][0];
        EXPECT_NEAR(instructions, number(table, row, "instructions"), 0.005 * (names.size() + 1))
            << table.rows[row][0];
    }
    // Where the code is. A trap is a page fault delivered and an IRET at least (exception to ring 0,
    // IRET to ring 3: SystemCosts), charged to entry/exit, and the fault IPC to the region mapper.
    const vmsim::x86::iss::SystemCosts costs;
    const size_t trap = row_of(table, "Trap");
    EXPECT_GE(number(table, trap, "entry_exit_cycles"), costs.exception_inner + costs.iret_outer);
    EXPECT_GT(number(table, trap, "ipc_instructions"), 0);
    EXPECT_GT(number(table, trap, "pager_instructions"), 0);
    // A range protect or unprotect changes the mappings of 100 pages: the kernel's mapping code
    // (memory.c, mdb.c) takes more of it than any other component.
    for (const char* range : {"Prot100", "Unprot100"}) {
        const size_t row = row_of(table, range);
        for (const std::string& c : names) {
            if (c == "mapping") continue;
            EXPECT_GT(number(table, row, "mapping_cycles"), number(table, row, c + "_cycles")) << range << " " << c;
        }
    }
}

// The code buckets step the CPU one instruction at a time through the same chunks: the marks (and
// the run's end) are those of a run without them, and at each mark the buckets add up to the
// cycles and instructions so far.
TEST(SawmillTable1, CodeBucketsLeaveTheRunAsItWasAndAddUpAtEveryMark) {
    using vmsim::x86::pc::CodeBuckets;
    using vmsim::x86::pc::Pc;
    const auto run = [](const CodeBuckets* buckets) {
        auto pc = std::make_unique<Pc>();
        const auto image = vmsim::loader::load_elf_i386(SAWMILL_APPEL_ELF, pc->ram().size());
        for (const auto& s : image.segments) pc->load(s.paddr, s.bytes.data(), s.bytes.size(), s.memsz);
        pc->boot_multiboot(image.entry);
        if (buckets) pc->set_code_buckets(*buckets);
        EXPECT_EQ(pc->run(4'000'000'000ull).kind, Pc::Result::Exit);
        return pc;
    };
    CodeBuckets b;  // user code 1, the kernel's window 2, delivery 3, below 1 MB 0
    b.ranges = {{0x100000, 1}, {0xC0000000u, 2}};
    b.delivery = 3;
    const auto plain = run(nullptr), bucketed = run(&b);
    EXPECT_EQ(plain->cpu().cycles(), bucketed->cpu().cycles());
    EXPECT_EQ(plain->cpu().instructions(), bucketed->cpu().instructions());
    ASSERT_EQ(plain->regions().size(), bucketed->regions().size());
    ASSERT_FALSE(plain->regions().empty());
    for (size_t i = 0; i < plain->regions().size(); ++i) {
        const auto &p = plain->regions()[i], &q = bucketed->regions()[i];
        EXPECT_EQ(p.id, q.id) << i;
        EXPECT_EQ(p.cycle, q.cycle) << i;
        EXPECT_EQ(p.instructions, q.instructions) << i;
        EXPECT_EQ(p.causes.total(), q.causes.total()) << i;
        EXPECT_EQ(p.walks, q.walks) << i;
        uint64_t cycles = 0, instructions = 0;
        for (unsigned k = 0; k < CodeBuckets::kMax; ++k) {
            cycles += q.bucket_cycles[k];
            instructions += q.bucket_instructions[k];
        }
        EXPECT_EQ(cycles, q.cycle) << i;
        EXPECT_EQ(instructions, q.instructions) << i;
    }
    const auto& last = bucketed->regions().back();
    EXPECT_GT(last.bucket_instructions[1], 0u) << "user code";
    EXPECT_GT(last.bucket_instructions[2], 0u) << "kernel code";
    EXPECT_GT(last.bucket_cycles[3], 0u) << "gates";
    EXPECT_EQ(last.bucket_instructions[3], 0u) << "delivery retires nothing";
}

TEST(SawmillTable1, BandHoldsTheDefaultsAndAnI386TargetSetApplies) {
    TempDir b;
    const CsvTable defaults = defaults_table();
    const CsvTable set = regenerate(b.path(), {"bus.l2_fill_clocks=9"});
    for (size_t row = 0; row < defaults.rows.size(); ++row) {
        const double c = number(defaults, row, "vmsim_cycles");
        EXPECT_LE(number(defaults, row, "band_cycles_low"), c) << defaults.rows[row][0];
        EXPECT_GE(number(defaults, row, "band_cycles_high"), c) << defaults.rows[row][0];
        EXPECT_LT(number(defaults, row, "band_cycles_low"), number(defaults, row, "band_cycles_high"))
            << defaults.rows[row][0];
        // Slower L2 fills: more cycles in every cell (each has I-cache and D-cache fills).
        EXPECT_GT(number(set, row, "vmsim_cycles"), c) << defaults.rows[row][0];
    }
    const std::string md = read_whole_file(b.path() + "/sawmill_table1.md");
    EXPECT_NE(md.find("Parameters set with --set"), std::string::npos);
    EXPECT_NE(md.find("`bus.l2_fill_clocks=9`"), std::string::npos);
}

TEST(SawmillTable1, PaperColumnsAreTheCopiedPaperTable) {
    const CsvTable table = defaults_table();
    const CsvTable paper = read_csv(std::string(VMSIM_SOURCE_DIR) + "/configs/papers/sawmill_table1.csv");
    const std::map<std::string, std::string> column_of = {
        {"OSF1", "osf1_us"}, {"Mach", "mach_us"}, {"SPIN", "spin_us"}, {"SawMill", "sawmill_paper_us"}};
    ASSERT_EQ(paper.rows.size(), column_of.size());
    for (const auto& system : paper.rows) {
        for (size_t i = 2; i < paper.header.size(); ++i) {
            const size_t row = row_of(table, paper.header[i]);
            EXPECT_EQ(number(table, row, column_of.at(system[1])), std::strtod(system[i].c_str(), nullptr))
                << system[1] << " " << paper.header[i];
        }
    }
}

TEST(SawmillTable1, TwoRunsAreByteIdentical) {
    TempDir b;
    regenerate(b.path());
    for (const char* file : {"/sawmill_table1.csv", "/sawmill_table1.md"})
        EXPECT_EQ(read_whole_file(defaults_dir() + file), read_whole_file(b.path() + file)) << file;
}

}  // namespace
