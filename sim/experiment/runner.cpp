// The runner's processes: forking, collecting in completion order, killing on a
// signal or an error. Point files are in point_file.cpp.
#include "sim/experiment/runner.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "sim/common/errors.hpp"

namespace vmsim::experiment {
namespace {

namespace fs = std::filesystem;

std::string signal_name(int sig) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
    if (const char* abbrev = ::sigabbrev_np(sig)) return std::string("SIG") + abbrev;
#endif
    return "signal " + std::to_string(sig);
}

void check_ids(const std::vector<PointName>& points) {
    std::set<std::string> seen;
    for (const PointName& p : points) {
        const bool valid = !p.id.empty() && p.id[0] != '.' &&
                           p.id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                  "0123456789_.-") == std::string::npos;
        if (!valid)
            throw UserError(kExitSoftware, fmt::format("point id '{}' is not [A-Za-z0-9_.-]+ without a leading '.'",
                                                       p.id));
        if (!seen.insert(p.id).second) throw UserError(kExitSoftware, "point id '" + p.id + "' is used twice");
    }
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// ---- the child ---------------------------------------------------------------------

// Writes the report beside its final name, then renames it: a reader sees the whole
// report or none. (Not fsynced: a file cut short by a crash of the machine does not
// parse, and point_finished() then runs the point again.)
bool write_report(const std::string& dir, const PointName& point, const PointReport& report) {
    const std::string partial = partial_point_file(dir, point.id);
    {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        out << point_json(point, report);
        out.close();
        if (!out) return false;
    }
    return std::rename(partial.c_str(), point_file(dir, point.id).c_str()) == 0;
}

[[noreturn]] void run_child(const PointName& point, size_t index, const PointJob& job, const std::string& dir,
                            const sigset_t& parent_mask, pid_t parent) {
    ::pthread_sigmask(SIG_SETMASK, &parent_mask, nullptr);
#ifdef __linux__
    // If the parent is killed outright (SIGKILL), its children must not run on.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(kExitSoftware);
#else
    (void)parent;
#endif
    PointReport report;
    int code = 0;
    try {
        report = job(index);
    } catch (const std::exception& e) {
        report = PointReport{};
        report.error = *e.what() ? e.what() : "an exception without a message";
        code = 1;
    } catch (...) {
        report = PointReport{};
        report.error = "an exception that is not a std::exception";
        code = 1;
    }
    try {
        if (!write_report(dir, point, report)) {
            std::fprintf(stderr, "vmsim: cannot write %s: %s\n", point_file(dir, point.id).c_str(),
                         std::strerror(errno));
            code = kExitCantCreate;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "vmsim: point %s: %s\n", point.id.c_str(), e.what());
        code = kExitCantCreate;
    }
    std::fflush(nullptr);
    ::_exit(code);
}

// ---- the parent --------------------------------------------------------------------

// While run_points() runs: SIGCHLD and the stop signals blocked, so that the parent
// waits for them with sigtimedwait() and none slips in between checking and waiting.
class SignalScope {
public:
    SignalScope() {
        sigemptyset(&wait_set_);
        sigaddset(&wait_set_, SIGCHLD);
        for (int sig : {SIGINT, SIGTERM}) {
            struct sigaction current {};
            ::sigaction(sig, nullptr, &current);
            if (current.sa_handler != SIG_IGN) sigaddset(&wait_set_, sig);  // `nohup`, `cmd &`: stays ignored
        }
        // Children that are ignored are reaped by the kernel and their status lost.
        struct sigaction dfl {};
        dfl.sa_handler = SIG_DFL;
        ::sigaction(SIGCHLD, &dfl, &old_chld_);
        ::pthread_sigmask(SIG_BLOCK, &wait_set_, &old_mask_);
    }
    ~SignalScope() {
        ::sigaction(SIGCHLD, &old_chld_, nullptr);
        ::pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
    }
    SignalScope(const SignalScope&) = delete;
    SignalScope& operator=(const SignalScope&) = delete;

    const sigset_t& old_mask() const { return old_mask_; }

    // Waits until a child may have ended or `nanoseconds` have passed (200 ms by
    // default: a signal delivered to another thread of the process would not wake this
    // one). Returns SIGINT or SIGTERM if one arrived, else 0.
    int wait(long nanoseconds = 200 * 1000 * 1000) const {
        const timespec timeout{0, nanoseconds};
        const int sig = ::sigtimedwait(&wait_set_, nullptr, &timeout);
        return sig == SIGINT || sig == SIGTERM ? sig : 0;
    }

    // Ends the process with `sig`'s default action, as if it had never been blocked.
    [[noreturn]] void die_by(int sig) const {
        ::signal(sig, SIG_DFL);
        ::raise(sig);  // pending while blocked
        sigset_t only;
        sigemptyset(&only);
        sigaddset(&only, sig);
        ::pthread_sigmask(SIG_UNBLOCK, &only, nullptr);
        ::_exit(128 + sig);  // not reached: SIGINT and SIGTERM terminate by default
    }

private:
    sigset_t wait_set_{}, old_mask_{};
    struct sigaction old_chld_ {};
};

// The running children. Whatever way run_points() is left, none outlives it: the
// destructor kills and reaps every child still running and removes its partial file.
class Children {
public:
    explicit Children(const std::string& dir) : dir_(dir) {}
    ~Children() { kill_all(); }
    Children(const Children&) = delete;
    Children& operator=(const Children&) = delete;

    struct Ended {
        size_t index;
        int status;
    };

    void add(pid_t pid, size_t index, const std::string& id) { running_.push_back({pid, index, id}); }
    size_t size() const { return running_.size(); }
    bool empty() const { return running_.empty(); }

    // The children that have ended since the last call, reaped, in the order found.
    std::vector<Ended> reap_ended() {
        std::vector<Ended> ended;
        for (size_t i = 0; i < running_.size();) {
            int status = 0;
            const pid_t r = ::waitpid(running_[i].pid, &status, WNOHANG);
            if (r == running_[i].pid || (r < 0 && errno == ECHILD)) {
                if (r < 0) status = W_EXITCODE(kExitSoftware, 0);  // reaped by someone else: no status
                ended.push_back({running_[i].index, status});
                running_.erase(running_.begin() + static_cast<std::ptrdiff_t>(i));
            } else {
                ++i;
            }
        }
        return ended;
    }

    void kill_all() {
        for (const Child& c : running_) ::kill(c.pid, SIGKILL);
        for (const Child& c : running_) {
            while (::waitpid(c.pid, nullptr, 0) < 0 && errno == EINTR) {
            }
            ::unlink(partial_point_file(dir_, c.id).c_str());
        }
        running_.clear();
    }

private:
    struct Child {
        pid_t pid;
        size_t index;
        std::string id;
    };
    std::string dir_;
    std::vector<Child> running_;
};

// The parent's record of a point whose process has ended.
PointResult collect(const std::string& dir, const PointName& point, int status) {
    const std::string file = point_file(dir, point.id);
    PointResult r;
    auto crashed = [&](const std::string& why) {
        ::unlink(partial_point_file(dir, point.id).c_str());
        ::unlink(file.c_str());  // a point file means "this point ran to the end"
        r = PointResult{};
        r.status = PointStatus::Crashed;
        r.error = why;
        return r;
    };
    if (WIFSIGNALED(status)) return crashed("killed by " + signal_name(WTERMSIG(status)));
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : kExitSoftware;
    if (::access(file.c_str(), F_OK) != 0)
        return crashed(fmt::format("exited with status {} without writing its report", code));
    try {
        r = parse_point_json(read_file(file), file);
    } catch (const UserError& e) {
        return crashed(std::string("its report cannot be read: ") + e.what());
    }
    if (code != 0 && r.status == PointStatus::Finished)
        return crashed(fmt::format("exited with status {} after writing its report", code));
    return r;
}

}  // namespace

std::vector<PointResult> run_points(const std::vector<PointName>& points, const PointJob& job,
                                    const RunnerOptions& options) {
    check_ids(points);
    const std::string& dir = options.dir;
    std::error_code ec;
    fs::create_directories(points_dir(dir), ec);
    if (ec) throw UserError(kExitCantCreate, fmt::format("cannot create {}: {}", points_dir(dir), ec.message()));
    const unsigned jobs = options.jobs ? options.jobs : 1;

    std::vector<PointResult> results(points.size());
    std::vector<size_t> to_run;
    for (size_t i = 0; i < points.size(); ++i) {
        results[i].id = points[i].id;
        results[i].label = points[i].label.empty() ? points[i].id : points[i].label;
        if (options.skip_finished && point_finished(dir, points[i].id)) {
            const std::string file = point_file(dir, points[i].id);
            PointResult r = parse_point_json(read_file(file), file);
            r.id = results[i].id;
            r.label = results[i].label;
            r.status = PointStatus::Skipped;
            results[i] = std::move(r);
        } else {
            to_run.push_back(i);
        }
    }

    const pid_t parent = ::getpid();
    const SignalScope signals;
    Children children(dir);  // destroyed before `signals`: no child outlives the blocked mask
    auto stop = [&](int sig) {
        children.kill_all();
        try {
            if (options.before_signal_exit) options.before_signal_exit();
        } catch (...) {
            // the signal ends the process all the same
        }
        signals.die_by(sig);
    };
    size_t next = 0;
    while (next < to_run.size() || !children.empty()) {
        while (next < to_run.size() && children.size() < jobs) {
            const size_t i = to_run[next++];
            ::unlink(point_file(dir, points[i].id).c_str());  // a stale report must not pass for this run's
            ::unlink(partial_point_file(dir, points[i].id).c_str());
            std::fflush(nullptr);  // nothing buffered may be written twice
            const pid_t pid = ::fork();
            if (pid < 0) throw UserError(kExitSoftware, std::string("fork: ") + std::strerror(errno));
            if (pid == 0) run_child(points[i], i, job, dir, signals.old_mask(), parent);
            children.add(pid, i, points[i].id);
        }
        const auto ended = children.reap_ended();
        for (const auto& e : ended) {
            PointResult r = collect(dir, points[e.index], e.status);
            r.id = results[e.index].id;
            r.label = results[e.index].label;
            results[e.index] = std::move(r);
            if (options.on_point_done) options.on_point_done(results[e.index]);
        }
        if (!ended.empty()) continue;
        if (const int sig = signals.wait()) stop(sig);
    }
    // A stop signal that came while the last points were being collected.
    if (const int sig = signals.wait(0)) stop(sig);
    return results;
}

}  // namespace vmsim::experiment
