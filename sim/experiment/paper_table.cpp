#include "sim/experiment/paper_table.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "sim/common/errors.hpp"

namespace vmsim::experiment {

PaperTable PaperTable::read(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw UserError(kExitNoInput, "cannot open paper table " + path);
    PaperTable t;
    t.path_ = path;
    std::string line;
    int lineno = 0;
    bool header = false;
    while (std::getline(in, line)) {
        ++lineno;
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> cells;
        std::stringstream ss(line);
        std::string cell;
        while (std::getline(ss, cell, ',')) cells.push_back(cell);
        if (line.back() == ',') cells.push_back("");
        if (!header) {
            if (cells.size() < 3 || cells[0] != "machine" || cells[1] != "os")
                throw UserError(kExitDataErr, fmt::format("{}:{}: expected a header 'machine,os,...'", path, lineno));
            t.columns_.assign(cells.begin() + 2, cells.end());
            header = true;
            continue;
        }
        if (cells.size() != t.columns_.size() + 2)
            throw UserError(kExitDataErr, fmt::format("{}:{}: expected {} cells, got {}", path, lineno,
                                                      t.columns_.size() + 2, cells.size()));
        std::vector<std::optional<double>> values;
        for (size_t i = 2; i < cells.size(); ++i) {
            if (cells[i].empty()) {
                values.emplace_back();
                continue;
            }
            char* end = nullptr;
            const double v = std::strtod(cells[i].c_str(), &end);
            if (end == cells[i].c_str() || *end)
                throw UserError(kExitDataErr, fmt::format("{}:{}: expected a number or nothing in column '{}', got '{}'",
                                                          path, lineno, t.columns_[i - 2], cells[i]));
            values.emplace_back(v);
        }
        t.rows_[{cells[0], cells[1]}] = values;
    }
    if (!header) throw UserError(kExitDataErr, path + ": no header line");
    return t;
}

std::optional<double> PaperTable::cell(const std::string& machine, const std::string& os,
                                       const std::string& column) const {
    auto row = rows_.find({machine, os});
    if (row == rows_.end()) throw UserError(kExitDataErr, path_ + ": no row " + machine + "," + os);
    for (size_t i = 0; i < columns_.size(); ++i)
        if (columns_[i] == column) return row->second[i];
    throw UserError(kExitDataErr, path_ + ": no column " + column);
}

}  // namespace vmsim::experiment
