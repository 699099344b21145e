// Writing result files so that a reader never sees half of one.
#pragma once
#include <string>
#include <string_view>

namespace vmsim::stats {

// Writes `content` to a temporary file beside `path`, flushes it to disk, then renames
// it over `path`. On failure removes the temporary file and throws
// UserError(kExitCantCreate, "cannot write <path>: <reason>").
// Never renames over something that is not a regular file: a device node, FIFO,
// socket or symbolic link at `path` is written through directly (not atomically),
// and its write errors are reported the same way (/dev/full: "No space left on device").
void write_file_atomically(const std::string& path, std::string_view content);
// The same without throwing: "" or the message write_file_atomically() would throw
// (exit code kExitCantCreate). For writing after a simulation: under ASan, a throw
// after SystemC's coroutines ran is misreported as a stack-buffer-underflow (the
// coroutine stacks are not annotated for ASan; google/sanitizers issue 189).
std::string try_write_file_atomically(const std::string& path, std::string_view content);

// Throws the error write_file_atomically() would for a path that can never be
// written (a directory, a missing or read-only directory), so that a long run can
// fail before it starts rather than after.
void check_writable(const std::string& path);

// Throws UserError(kExitCantCreate, "cannot write into <dir>: <reason>") when files
// can never be written into the directory `dir` (created later by the caller if it
// does not exist yet): its nearest existing ancestor is not a directory, or a file
// cannot be made there. Tried with a real file, since access() says yes to root on
// read-only mounts and in /proc. Creates nothing that outlives the call.
void check_output_dir(const std::string& dir);

}  // namespace vmsim::stats
