// libFuzzer target: CSV tables (experiment::read_csv, which reads a sweep's
// results.csv for `vmsim plot` and the papers' numbers), then the paper-table reader
// on the same file. A rejection must be a one-line, bounded UserError (65 or 66); an
// accepted table has rows exactly as long as its header, each with its line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz/fuzz_check.hpp"
#include "sim/experiment/csv.hpp"
#include "sim/experiment/paper_table.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string& path = vmsim::fuzz::write_input("input.csv", data, size);

    try {
        const vmsim::experiment::CsvTable t = vmsim::experiment::read_csv(path);
        if (t.rows.size() != t.row_lines.size()) vmsim::fuzz::finding("rows without a line", path);
        for (const auto& row : t.rows)
            if (row.size() != t.header.size()) vmsim::fuzz::finding("a row not as long as the header", path);
    } catch (const vmsim::UserError& e) {
        vmsim::fuzz::check_rejection(e, {vmsim::kExitDataErr, vmsim::kExitNoInput});
        return 0;
    }
    try {
        vmsim::experiment::PaperTable::read(path);
    } catch (const vmsim::UserError& e) {
        vmsim::fuzz::check_rejection(e, {vmsim::kExitDataErr, vmsim::kExitNoInput});
    }
    return 0;
}
