#include "sim/experiment/paper_table.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "sim/common/errors.hpp"
#include "sim/common/text.hpp"
#include "sim/experiment/csv.hpp"

namespace vmsim::experiment {

PaperTable PaperTable::read(const std::string& path) {
    const CsvTable csv = read_csv(path);
    const std::vector<std::string>& h = csv.header;
    if (h.size() < 3 || h[0] != "machine" || h[1] != "os")
        throw UserError(kExitDataErr, fmt::format("{}:{}: expected a header 'machine,os,...'", path, csv.header_line));
    PaperTable t;
    t.path_ = path;
    t.columns_.assign(h.begin() + 2, h.end());
    for (size_t r = 0; r < csv.rows.size(); ++r) {
        const std::vector<std::string>& cells = csv.rows[r];
        std::vector<std::optional<double>> values;
        for (size_t i = 2; i < cells.size(); ++i) {
            if (cells[i].empty()) {
                values.emplace_back();
                continue;
            }
            char* end = nullptr;
            const double v = std::strtod(cells[i].c_str(), &end);
            if (end == cells[i].c_str() || *end)
                throw UserError(kExitDataErr, fmt::format("{}:{}: expected a number or nothing in column {}, got {}",
                                                          path, csv.row_lines[r], quoted(t.columns_[i - 2]),
                                                          quoted(cells[i])));
            values.emplace_back(v);
        }
        t.rows_[{cells[0], cells[1]}] = values;
    }
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
