// `vmsim plot`: a results CSV (a sweep's results.csv, a figure's table) drawn as SVG
// and PNG by gnuplot (Debian gnuplot-nox), run as a child process on a script we
// generate and leave beside the pictures so that users can edit and rerun it:
//
//   BASE.dat   the points, one block per series, sorted by x
//   BASE.gp    the gnuplot script (`cd DIR && gnuplot BASE.gp` redraws)
//   BASE.svg, BASE.png
//
// One line per value of the `by` column (in the order the values first appear);
// rows whose `status` column is not "ok" and rows without a number in y are left out.
// An x column that is not all numbers is drawn as categories in first-appearance order.
#pragma once
#include <string>
#include <vector>

#include "sim/experiment/csv.hpp"

namespace vmsim::experiment {

struct PlotSpec {
    std::string x, y, by;  // column names; `by` may be empty (one line) or name several, space-separated
    std::string title;     // empty: "<y> by <by>"
    bool logx = false, logy = false;
};


// An axis label: the column name and its unit where the name says it
// ("cpu.cycles (cycles)", "cpu.clock_mhz (MHz)"), else the name alone.
std::string axis_label(const std::string& column);
// The columns a plot's `by` names (space-separated; none when empty).
std::vector<std::string> plot_by_columns(const std::string& by);

// The gnuplot program on PATH; UserError(kExitUnavailable) saying how to install it.
std::string find_gnuplot();

struct PlotFiles {
    std::string data, script, svg, png;
};

// Draws `csv` by `spec` into BASE.{dat,gp,svg,png}. Checks the columns before writing
// anything; UserError(kExitUnavailable) if gnuplot is not on PATH, kExitSoftware if it
// fails (with its first line of complaint). Warnings gnuplot prints go to stderr.
PlotFiles plot_csv(const CsvTable& csv, const PlotSpec& spec, const std::string& base);

}  // namespace vmsim::experiment
