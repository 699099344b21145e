// Errors the simulator reports to its user, and the process exit codes they map to.
// Every user-facing error is one line naming the file/line/byte offset and what was
// expected. The codes follow BSD sysexits.h where one fits; README documents them.
#pragma once
#include <stdexcept>
#include <string>

namespace vmsim {

enum ExitCode : int {
    kExitOk = 0,
    kExitUsage = 64,        // bad command line, unknown config key, malformed value
    kExitDataErr = 65,      // an input file's content is wrong (not ELF, wrong class, ...)
    kExitNoInput = 66,      // an input file cannot be opened
    kExitUnavailable = 69,  // a program vmsim runs is not installed (gnuplot for plots)
    kExitSoftware = 70,     // internal simulator error (a bug: please report)
    kExitCantCreate = 73,   // an output file cannot be written
    kExitTempFail = 75,     // not done yet: points of a Slurm sweep are still queued or were never run
    kExitLimit = 124,       // the guest hit --max-instructions (or a cycle limit)
    kExitGuestError = 125,  // the guest faulted in a way the simulator cannot continue from
};

// An error caused by user input; `what()` is the one-line message, `code()` the exit code.
class UserError : public std::runtime_error {
public:
    UserError(ExitCode code, const std::string& message)
        : std::runtime_error(message), code_(code) {}
    ExitCode code() const { return code_; }

private:
    ExitCode code_;
};

}  // namespace vmsim
