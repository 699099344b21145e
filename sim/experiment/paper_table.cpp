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

PaperQuantities PaperQuantities::read(const std::string& path) {
    const CsvTable csv = read_csv(path);
    const std::vector<std::string>& h = csv.header;
    if (h.size() < 2 || h[0] != "quantity" || h[1] != "value" || (h.size() > 2 && h[2] != "unit"))
        throw UserError(kExitDataErr,
                        fmt::format("{}:{}: expected a header 'quantity,value,unit,note'", path, csv.header_line));
    PaperQuantities q;
    q.path_ = path;
    for (size_t r = 0; r < csv.rows.size(); ++r) {
        const std::vector<std::string>& cells = csv.rows[r];
        Row row{cells[1], h.size() > 2 ? cells[2] : std::string(), csv.row_lines[r]};
        if (!q.rows_.emplace(cells[0], row).second)
            throw UserError(kExitDataErr,
                            fmt::format("{}:{}: quantity {} given twice", path, csv.row_lines[r], quoted(cells[0])));
    }
    return q;
}

const PaperQuantities::Row& PaperQuantities::row(const std::string& quantity) const {
    auto it = rows_.find(quantity);
    if (it == rows_.end()) throw UserError(kExitDataErr, path_ + ": no quantity " + quantity);
    return it->second;
}

double PaperQuantities::number(const std::string& quantity) const {
    const Row& r = row(quantity);
    char* end = nullptr;
    const double v = std::strtod(r.value.c_str(), &end);
    if (r.value.empty() || *end)
        throw UserError(kExitDataErr, fmt::format("{}:{}: expected a number for {}, got {}", path_, r.line,
                                                  quoted(quantity), quoted(r.value)));
    return v;
}

const std::string& PaperQuantities::text(const std::string& quantity) const { return row(quantity).value; }
const std::string& PaperQuantities::unit(const std::string& quantity) const { return row(quantity).unit; }

}  // namespace vmsim::experiment
