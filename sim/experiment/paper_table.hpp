// A paper's published numbers, kept as data in configs/papers/<name>.csv, in one of
// two layouts ('#' lines are comments in both):
//   PaperTable       a header "machine,os,<column>...", then one row per (machine, os);
//                    an empty cell is a number the paper does not give;
//   PaperQuantities  a header "quantity,value,unit,note", then one named quantity a row
//                    (a value may be text, e.g. the machine).
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

class PaperQuantities {
public:
    // Reads `path`; UserError(kExitNoInput) if it cannot be opened, UserError(kExitDataErr)
    // naming the file and line if its content is malformed (another header, a quantity twice).
    static PaperQuantities read(const std::string& path);

    // The value of `quantity` as a number; UserError(kExitDataErr) naming the file if it
    // has no such quantity or its value is not a number.
    double number(const std::string& quantity) const;
    // Its value as written, and its unit.
    const std::string& text(const std::string& quantity) const;
    const std::string& unit(const std::string& quantity) const;

private:
    struct Row {
        std::string value, unit;
        int line;
    };
    const Row& row(const std::string& quantity) const;
    std::string path_;
    std::map<std::string, Row> rows_;
};

}  // namespace vmsim::experiment
