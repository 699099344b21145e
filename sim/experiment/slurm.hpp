// Slurm's client tools, driven as processes, for `vmsim sweep --backend slurm`: a sweep
// is submitted as one job array whose task i runs point i (`vmsim sweep FILE --out DIR
// --point i`), and its tasks are followed with squeue. No library of Slurm's is linked:
// the clients are what every cluster has, whatever its version, and they find the
// cluster themselves (slurm.conf, or SLURM_CONF).
//
// Every failure of a client is one line naming the command and what it said
// ("sbatch: Batch job submission failed: Invalid partition name specified"); a client
// that is not installed is kExitUnavailable, one that refuses kExitUnavailable too
// (the cluster cannot take the sweep as asked).
#pragma once
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace vmsim::experiment::slurm {

// What a client printed and how it ended.
struct CommandResult {
    int status = 0;  // its exit status; 128 + N if killed by signal N
    std::string out, err;
};

// Runs argv[0] (found on PATH) with the other arguments, stdin from /dev/null, and
// waits for it. UserError(kExitUnavailable) naming the program if it cannot be run.
CommandResult run_command(const std::vector<std::string>& argv);

// The one-line error for a client that failed: "<program>: <its last error line>"
// (without Slurm's "<program>: error: " prefix), or its exit status if it said nothing.
std::string client_error(const std::string& program, const CommandResult& r);

// Sorted, distinct indices as Slurm's --array list: {0,1,2,3,7,9,10} -> "0-3,7,9-10".
std::string array_ranges(const std::vector<size_t>& indices);

// Quotes a word for a POSIX shell script: 'it'\''s'.
std::string shell_quote(const std::string& word);

struct SubmitOptions {
    std::string script;       // the batch script
    std::string job_name;
    std::string workdir;      // --chdir
    std::string output;       // --output pattern (%A job id, %a task index)
    std::string partition;    // empty: the cluster's default
    std::string time;         // --time, empty: the partition's default
    std::string mem;          // --mem, empty: the partition's default
    unsigned max_parallel = 0;  // tasks at once (%K); 0: no limit of ours
};

// The sbatch command line that submits tasks `indices` of the array.
std::vector<std::string> sbatch_command(const std::vector<size_t>& indices, const SubmitOptions& options);

// Submits the array (sbatch --parsable) and returns its job id; a refusal is a
// UserError(kExitUnavailable) naming sbatch and its message.
std::string submit_array(const std::vector<size_t>& indices, const SubmitOptions& options);

// A task of an array as squeue lists it.
struct TaskState {
    std::string job;    // the array's job id
    std::string state;  // squeue's long name: PENDING, RUNNING, COMPLETED, CANCELLED, TIMEOUT, ...
};

// Whether a task in `state` may still run (is neither finished nor given up on).
bool task_live(const std::string& state);

// Parses squeue -h -r -o '%F %K %T' output: task index -> state. A task listed by
// several jobs takes the state of the last job in `jobs` that lists it (the latest
// submission). Lines of other jobs are ignored; a malformed line is a UserError.
std::map<size_t, TaskState> parse_squeue(const std::string& text, const std::vector<std::string>& jobs);

// Every task of `jobs` the controller still knows (squeue -t all: finished ones stay
// listed for the cluster's MinJobAge), by index. Jobs the controller has forgotten are
// left out; an empty list of jobs asks nothing.
std::map<size_t, TaskState> array_tasks(const std::vector<std::string>& jobs);

}  // namespace vmsim::experiment::slurm
