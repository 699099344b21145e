// Slurm's clients as processes: sbatch to submit a sweep's job array, squeue to follow
// its tasks.
#include "sim/experiment/slurm.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>

#include "sim/common/errors.hpp"
#include "sim/common/text.hpp"

namespace vmsim::experiment::slurm {
namespace {

// Reads a pipe to its end.
std::string drain(int fd) {
    std::string text;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) text.append(buffer, static_cast<size_t>(n));
        else if (n == 0 || errno != EINTR) break;
    }
    ::close(fd);
    return text;
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv) {
    const std::string& program = argv.at(0);
    // stdout and stderr go to files, not pipes: a client that prints much on both
    // cannot then block on one while this process reads the other.
    std::error_code ec;
    std::string tmp = std::filesystem::temp_directory_path(ec).string();  // TMPDIR if a directory
    if (ec || tmp.empty()) tmp = "/tmp";
    std::string out_name = tmp + "/vmsim-slurm-XXXXXX", err_name = out_name;
    const int out = ::mkstemp(out_name.data());
    const int err = out < 0 ? -1 : ::mkstemp(err_name.data());
    if (out < 0 || err < 0) {
        const std::string why = std::strerror(errno);
        if (out >= 0) {
            ::close(out);
            ::unlink(out_name.c_str());
        }
        throw UserError(kExitCantCreate,
                        fmt::format("{}: cannot make a file for its output in {}: {}", program, tmp, why));
    }
    ::unlink(out_name.c_str());  // open, they need no name
    ::unlink(err_name.c_str());
    // The child reports a failed exec through this pipe (closed on a successful exec).
    int exec_error[2];
    if (::pipe2(exec_error, O_CLOEXEC) != 0)
        throw UserError(kExitSoftware, std::string("pipe: ") + std::strerror(errno));
    std::vector<char*> args;
    std::vector<std::string> copies(argv);
    for (std::string& a : copies) args.push_back(a.data());
    args.push_back(nullptr);
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw UserError(kExitSoftware, std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        const int null = ::open("/dev/null", O_RDONLY);
        if (null >= 0 && ::dup2(null, 0) >= 0 && ::dup2(out, 1) >= 0 && ::dup2(err, 2) >= 0)
            ::execvp(args[0], args.data());
        const int e = errno;
        (void)!::write(exec_error[1], &e, sizeof e);
        ::_exit(127);
    }
    ::close(exec_error[1]);
    const std::string exec_errno = drain(exec_error[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    CommandResult r;
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    for (auto [fd, text] : {std::pair{out, &r.out}, std::pair{err, &r.err}}) {
        ::lseek(fd, 0, SEEK_SET);
        *text = drain(fd);
    }
    if (exec_errno.size() == sizeof(int)) {
        int e = 0;
        std::memcpy(&e, exec_errno.data(), sizeof e);
        throw UserError(kExitUnavailable,
                        e == ENOENT ? fmt::format("{}: not found on PATH (Slurm's client tools; Debian: slurm-client)",
                                                  program)
                                    : fmt::format("{}: cannot run it: {}", program, std::strerror(e)));
    }
    return r;
}

std::string client_error(const std::string& program, const CommandResult& r) {
    // The last line that says "error" is the reason (sbatch prints the detail first, then
    // "Batch job submission failed: ..."); else the last line printed at all.
    std::string last, last_error;
    for (const std::string* text : {&r.out, &r.err}) {
        std::istringstream in(*text);
        for (std::string line; std::getline(in, line);) {
            if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
            last = line;
            if (line.find("error") != std::string::npos) last_error = line;
        }
    }
    std::string message = !last_error.empty() ? last_error : last;
    for (const std::string& prefix : {program + ": error: ", program + ": "})
        if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
    if (message.rfind("error: ", 0) == 0) message.erase(0, 7);
    if (message.empty()) message = fmt::format("exited with status {} and said nothing", r.status);
    return fmt::format("{}: {}", program, printable(message));
}

std::string array_ranges(const std::vector<size_t>& indices) {
    std::string out;
    for (size_t i = 0; i < indices.size();) {
        size_t j = i;
        while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1) ++j;
        out += (out.empty() ? "" : ",") + std::to_string(indices[i]);
        if (j > i) out += "-" + std::to_string(indices[j]);
        i = j + 1;
    }
    return out;
}

std::string shell_quote(const std::string& word) {
    std::string out = "'";
    for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::vector<std::string> sbatch_command(const std::vector<size_t>& indices, const SubmitOptions& o) {
    std::string array = array_ranges(indices);
    if (o.max_parallel) array += "%" + std::to_string(o.max_parallel);
    std::vector<std::string> argv{"sbatch", "--parsable", "--array=" + array, "--job-name=" + o.job_name,
                                  "--chdir=" + o.workdir, "--output=" + o.output};
    if (!o.partition.empty()) argv.push_back("--partition=" + o.partition);
    if (!o.time.empty()) argv.push_back("--time=" + o.time);
    if (!o.mem.empty()) argv.push_back("--mem=" + o.mem);
    argv.push_back(o.script);
    return argv;
}

std::string submit_array(const std::vector<size_t>& indices, const SubmitOptions& options) {
    const CommandResult r = run_command(sbatch_command(indices, options));
    if (r.status != 0) throw UserError(kExitUnavailable, client_error("sbatch", r));
    // --parsable: "JOBID" or "JOBID;CLUSTER".
    const std::string id = r.out.substr(0, r.out.find_first_of(";\n"));
    if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
        throw UserError(kExitUnavailable,
                        fmt::format("sbatch: expected a job id, got {}", vmsim::quoted(r.out.substr(0, 80))));
    return id;
}

bool task_live(const std::string& state) {
    // squeue's job states that end a task for good (squeue(1), JOB STATE CODES).
    static const std::set<std::string> ended{"BOOT_FAIL", "CANCELLED", "COMPLETED",     "DEADLINE",
                                             "FAILED",    "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED",
                                             "REVOKED",   "SPECIAL_EXIT", "TIMEOUT"};
    return ended.count(state) == 0;
}

std::map<size_t, TaskState> parse_squeue(const std::string& text, const std::vector<std::string>& jobs) {
    std::map<size_t, TaskState> tasks;
    std::map<size_t, size_t> from_job;  // index -> position in `jobs` of the job that set it
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        std::istringstream fields(line);
        std::string job, index, state;
        if (!(fields >> job >> index >> state) || index.find_first_not_of("0123456789") != std::string::npos)
            throw UserError(kExitUnavailable, fmt::format("squeue: unexpected line {}", vmsim::quoted(line)));
        size_t position = 0;
        while (position < jobs.size() && jobs[position] != job) ++position;
        if (position == jobs.size()) continue;
        const size_t i = std::stoul(index);
        auto it = from_job.find(i);
        if (it != from_job.end() && it->second > position) continue;
        from_job[i] = position;
        tasks[i] = {job, state};
    }
    return tasks;
}

std::map<size_t, TaskState> array_tasks(const std::vector<std::string>& jobs) {
    if (jobs.empty()) return {};
    std::string list;
    for (const std::string& j : jobs) list += (list.empty() ? "" : ",") + j;
    const CommandResult r = run_command({"squeue", "-h", "-r", "-t", "all", "-j", list, "-o", "%F %K %T"});
    if (r.status != 0) {
        // Asked only for jobs it has forgotten, squeue fails with this (Slurm 22.05).
        if (r.err.find("Invalid job id specified") != std::string::npos) return {};
        throw UserError(kExitUnavailable, client_error("squeue", r));
    }
    return parse_squeue(r.out, jobs);
}

}  // namespace vmsim::experiment::slurm
