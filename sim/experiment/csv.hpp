// Reading CSV tables: a sweep's results.csv for `vmsim plot`, the papers' numbers
// in configs/papers/. One reader, so every CSV the tools read follows the same rules.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace vmsim::experiment {

struct CsvTable {
    std::string path;
    std::vector<std::string> header;
    int header_line = 0;                         // the file line of the header
    std::vector<std::vector<std::string>> rows;  // each as long as the header
    std::vector<int> row_lines;                  // the file line each row starts on, for messages
    size_t column(const std::string& name) const;  // UserError(kExitUsage) naming the columns there are
};

// Reads an RFC 4180 CSV whose first record is the header; lines starting with '#'
// (outside quotes) are comments. UserError: kExitNoInput if it cannot be opened,
// kExitDataErr naming file:line if a row is malformed.
CsvTable read_csv(const std::string& path);

// A cell's value when the whole cell is one finite number (as results.csv writes
// counters, floats and numeric axis values), else nullopt.
std::optional<double> csv_number(const std::string& cell);

}  // namespace vmsim::experiment
