// Design-space sweeps: `vmsim sweep FILE`. A sweep file is an ordinary config file
// plus axes over any parameter (and over the guest program); every combination of
// axis values is a point, run as one simulation on the experiment runner.
//
//   include = ../machines/dec3100.cfg            # the base of every point, as in any config
//   program = ${build}/workloads/tests/hello.elf # the guest (relative to this file, or ${build})
//   sweep.cpu.mult_latency = 1 6 12              # an axis: its values, separated by spaces
//   sweep.timer.period = 1000 2000 4000
//   zip = cpu.mult_latency timer.period          # these advance together (3 points, not 9)
//   sweep.program = a.elf b.elf                  # the program as an axis
//   column.cpi = cpu.cycles / cpu.instructions   # a derived column in results.csv
//   plot.x = cpu.mult_latency                    # drawn into <out>/plot.svg when done
//   plot.y = cpu.cycles
//   plot.by = program
//
// Axes form a cartesian product, the first axis varying slowest; each `zip` line is a
// group of axes of equal length that take their values together, standing where the
// first of them stands. configs/README.md ("sweeps/") is the user's description.
//
// A point's id is a hash of its effective configuration and its program (name and
// bytes), so a changed sweep file reruns only the points whose configuration changed
// and a finished point is never run twice (RunnerOptions::skip_finished).
//
// Reading and expanding (this header's first half) need no SystemC; running
// (sweep_run.cpp) configures every point through platform::configure().
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "sim/config/registry.hpp"
#include "sim/experiment/expr.hpp"

namespace vmsim::experiment {

// The name of the pseudo-parameter that chooses the guest program.
inline constexpr const char* kProgramKey = "program";
// Parameters that name an input file (trace replay's trace.file): in a sweep file, a relative path
// is beside that file, as a program's is, and a point's id hashes the file's name and bytes, not
// its path, so that the same sweep in another checkout has the same points.
inline bool is_input_file_param(const std::string& key) { return key == "trace.file"; }

struct Axis {
    std::string name;                 // a parameter, or kProgramKey
    std::vector<std::string> values;  // as written
    std::vector<std::string> paths;   // program or input-file axis: each value resolved to a file; else empty
    std::string where;                // file:line of its `sweep.NAME = ...`
};

// A plot drawn from results.csv when the points are done (plot.hpp).
struct SweepPlot {
    std::string name = "plot";  // `plot.x` -> "plot"; `plot.NAME.x` -> NAME: <out>/NAME.svg
    std::string x, y, by, title;
    bool logx = false, logy = false;
    std::string where;  // file:line of its first key
};

// A derived column: `column.NAME = EXPR` (expr.hpp), computed per point from its
// statistics and numeric axis values, written after the statistics.
struct DerivedColumn {
    std::string name, text;
    Expr expr;
    std::string where;
};

struct SweepFile {
    std::string path;
    // Every parameter assignment that is not an axis, in file order (includes
    // resolved): the configuration every point starts from.
    std::vector<config::Assignment> base;
    std::string program, program_path, program_where;  // the fixed program, unless an axis
    std::vector<Axis> axes;                            // in the order they first appear
    std::vector<std::vector<size_t>> zips;             // groups of axis indices, by `zip` line
    std::vector<DerivedColumn> columns;                // in file order
    std::vector<SweepPlot> plots;
};

// Reads a sweep file and checks everything that needs no parameter declarations:
// empty axes, repeated values, zip groups (names, lengths, overlaps), plot keys,
// programs that do not exist. `build_dir` replaces a leading ${build} in program
// paths. Every error is one line naming file:line (UserError: kExitNoInput for a
// program or file that cannot be read, kExitUsage otherwise).
SweepFile read_sweep_file(const std::string& path, const std::string& build_dir);

// Every point as one value index per axis, in run order: the cartesian product of the
// dimensions, the first varying slowest, where a dimension is an axis or a zip group
// (its axes advance together; it stands at the position of its first axis). No axes:
// one point. std::logic_error if a group's axes differ in length or an axis is in two
// groups (read_sweep_file() has already said so to the user).
std::vector<std::vector<size_t>> expand_axes(const std::vector<size_t>& axis_lengths,
                                             const std::vector<std::vector<size_t>>& zips);

// ---- running -------------------------------------------------------------------------

// Where the points run.
enum class SweepBackend {
    Default,  // here, unless the output directory holds a Slurm submission: then collect it
    Local,    // here, on up to `jobs` processes
    Slurm,    // as one Slurm job array, task i running point i (--point i)
};

// The Slurm backend's options (sbatch's --partition, --time, --mem; --array's %K).
struct SlurmSweepOptions {
    std::string partition, time, mem;  // empty: the cluster's defaults
    unsigned max_parallel = 0;         // tasks at once; 0: as many as the cluster allows
    bool wait = false;                 // poll until the array is done, then collect
};

struct SweepOptions {
    std::string out_dir;                 // empty: <sweep file's directory>/<stem>.out
    unsigned jobs = 1;                   // simulations at once
    std::vector<std::string> overrides;  // --set key=value: on every point, after the file
    std::string build_dir;               // for ${build} in program paths
    bool progress = false;               // a progress line on stderr (a terminal)
    long point = -1;                     // >= 0: run only this point (a Slurm task does)
    SweepBackend backend = SweepBackend::Default;
    SlurmSweepOptions slurm;
    std::string vmsim_binary;            // what the Slurm tasks run; empty: this process's binary
};

// Runs the sweep: checks every point's configuration before any runs (one-line
// UserError naming file:line), runs the points not already finished in out_dir,
// writes results.csv and results.jsonl atomically, then draws the file's plots.
// Returns the exit code: kExitOk; kExitGuestError when a point failed (guest error,
// instruction limit, nonzero guest exit); kExitSoftware when one crashed.
//
// With `point`, runs that point alone (if not finished) and writes no results. With
// the Slurm backend, submits the unfinished points that are not already queued as one
// job array and returns (or, with `wait`, collects when it is done). The files of a
// Slurm submission are in <out_dir>/slurm/: points.tsv (index, id, label), jobs (one
// line per submission: job id and array indices), job.sh and logs/<job>_<index>.log.
// Collecting (the default backend when <out_dir>/slurm/jobs exists) writes results.csv
// and results.jsonl from the finished points; a point whose task ended without a
// result is failed (its log's path and last line), one still queued or never run is
// "missing", and then the exit code is kExitTempFail.
int run_sweep(const std::string& path, const SweepOptions& options);

}  // namespace vmsim::experiment
