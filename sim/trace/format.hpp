// The trace formats by name, detection from a stream's first bytes, and opening a reader.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sim/common/errors.hpp"
#include "sim/trace/input.hpp"
#include "sim/trace/record.hpp"

namespace vmsim::trace {

enum class Format { Auto, Lackey, ChampSim, Vmt };

const char* format_name(Format f);  // "auto", "lackey", "champsim", "vmt"
// Every format with its name, for parameters and options (Auto first).
const std::vector<std::pair<std::string, Format>>& format_names();
// The format called `name`; UserError (kExitUsage) naming the known ones, with `where` first.
Format parse_format(const std::string& name, const std::string& where);

// The format of `input`'s decompressed bytes, from their start (nothing is consumed): the vmt
// magic; a lackey line ("==", "I  ", " L ", " S ", " M "); a first 64-byte record whose branch
// flags are 0 or 1 (ChampSim). Anything else: UserError (kExitDataErr) "NAME: byte 0: unknown
// trace format".
Format detect_format(Input& input);

struct OpenedTrace {
    std::unique_ptr<RefSource> source;
    Format format = Format::Auto;        // the format read (never Auto)
    Compression compression = Compression::None;
    bool detected = false;               // the format came from detection
    // "lackey (detected), xz-compressed": what was opened, for messages.
    std::string description() const;
};

// Runs `read`, which reads `t`'s source, and returns what it returns. A UserError it throws (a bad
// record) is thrown again, when the format came from detection, with how the bytes were read
// appended — "f.vmt: byte 40: truncated record (read as vmt (detected))" — so that the error is
// still one line and says what was detected.
template <typename Read>
auto reading(const OpenedTrace& t, Read&& read) -> decltype(read()) {
    try {
        return read();
    } catch (const UserError& e) {
        if (!t.detected) throw;
        throw UserError(e.code(), std::string(e.what()) + " (read as " + t.description() + ")");
    }
}

// Opens `path` ("-": standard input) as `format` (Auto: detect).
OpenedTrace open_trace(const std::string& path, Format format);
// The same over an Input the caller made.
OpenedTrace open_trace(std::unique_ptr<Input> input, Format format);

}  // namespace vmsim::trace
