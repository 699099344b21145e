// A paper's published numbers, kept as data in configs/papers/<name>.csv: '#' comment
// lines, a header "machine,os,<column>...", then one row per (machine, os); an empty
// cell is a number the paper does not give.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vmsim::experiment {

class PaperTable {
public:
    // Reads `path`; UserError(kExitNoInput) if it cannot be opened, UserError(kExitDataErr)
    // naming the file and line if its content is malformed.
    static PaperTable read(const std::string& path);

    // The cell of row (machine, os) in `column`: nullopt for an empty cell;
    // UserError(kExitDataErr) if there is no such row or column.
    std::optional<double> cell(const std::string& machine, const std::string& os, const std::string& column) const;

private:
    std::string path_;
    std::vector<std::string> columns_;  // after the key columns
    std::map<std::pair<std::string, std::string>, std::vector<std::optional<double>>> rows_;
};

}  // namespace vmsim::experiment
