// Arithmetic over a point's statistics, for the derived columns of a sweep
// (`column.NAME = EXPR` in a sweep file): numbers, names of statistics or axes,
// + - * /, unary minus and parentheses, with the usual precedence.
//
//   column.cycles_per_trap = (region.6.cycles - region.22.cycles) / region.6.count * 2
//
// A name is a letter or '_' followed by letters, digits, '_' and '.'. Parsing is
// separate from evaluation so that a sweep file's mistakes are found before any
// point runs; a value that cannot be computed for a point (a statistic it lacks,
// division by zero) makes that point's cell empty, never a number.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vmsim::experiment {

class Expr {
public:
    // Parses `text`; UserError(kExitUsage) "<where>: <name>: ... at column N" otherwise.
    static Expr parse(const std::string& text, const std::string& where, const std::string& name);

    // The names it refers to, each once, in order of first appearance.
    const std::vector<std::string>& names() const { return names_; }

    // Its value, asking `lookup` for each name; nullopt if a name has no numeric value
    // or a division by zero occurs.
    std::optional<double> eval(const std::function<std::optional<double>(const std::string&)>& lookup) const;

    struct Node;

private:
    std::shared_ptr<const Node> root_;
    std::vector<std::string> names_;
};

}  // namespace vmsim::experiment
