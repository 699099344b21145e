// libFuzzer target: CSV tables (experiment::read_csv, which reads a sweep's
// results.csv for `vmsim plot` and the papers' numbers), then the paper-table reader
// on the same file. A rejection must be a one-line, bounded UserError (65 or 66); an
// accepted table has rows exactly as long as its header, each with its line.
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz/fuzz_check.hpp"
#include "sim/experiment/csv.hpp"
#include "sim/experiment/paper_table.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::string path = [] {
        char pattern[] = "/tmp/vmsim-fuzz-csv-XXXXXX";
        if (::mkdtemp(pattern) == nullptr) std::abort();
        return std::string(pattern) + "/input.csv";
    }();
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ::write(fd, data, size) != static_cast<ssize_t>(size) || ::close(fd) != 0) std::abort();

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
