// Writing result files so that a reader never sees half of one.
#pragma once
#include <string>
#include <string_view>

namespace vmsim::stats {

// Writes `content` to a temporary file beside `path`, flushes it to disk, then renames
// it over `path`. On failure removes the temporary file and throws
// UserError(kExitCantCreate, "cannot write <path>: <reason>").
void write_file_atomically(const std::string& path, std::string_view content);

}  // namespace vmsim::stats
