// `vmsim reproduce sawmill-table1` (sim/experiment/figures/sawmill_table1.cpp): its cells are the
// SawMill image's regions as the i386 platform records them, computed here again from the raw
// marks; its breakdown adds up; its paper columns are the copied CSV; and it is deterministic.
// Each test runs the image once or twice (about 1.5 s a run).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <map>
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

// Regenerates the table into `dir`; fails the test if the command does not succeed.
CsvTable regenerate(const std::string& dir) {
    const VmsimRun r = run_vmsim({"reproduce", "sawmill-table1", "--build-dir", VMSIM_BUILD_DIR, "--source-dir",
                                  VMSIM_SOURCE_DIR, "--out", dir});
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    return read_csv(dir + "/sawmill_table1.csv");
}

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
    TempDir out;
    const CsvTable table = regenerate(out.path());

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
    TempDir out;
    const CsvTable table = regenerate(out.path());
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

TEST(SawmillTable1, PaperColumnsAreTheCopiedPaperTable) {
    TempDir out;
    const CsvTable table = regenerate(out.path());
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
    TempDir a, b;
    regenerate(a.path());
    regenerate(b.path());
    for (const char* file : {"/sawmill_table1.csv", "/sawmill_table1.md"})
        EXPECT_EQ(read_whole_file(a.path() + file), read_whole_file(b.path() + file)) << file;
}

}  // namespace
