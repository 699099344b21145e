#include "sim/trace/format.hpp"

#include <algorithm>
#include <cstring>

#include "sim/common/errors.hpp"
#include "sim/common/text.hpp"
#include "sim/trace/champsim.hpp"
#include "sim/trace/lackey.hpp"
#include "sim/trace/vmt.hpp"

namespace vmsim::trace {

const std::vector<std::pair<std::string, Format>>& format_names() {
    static const std::vector<std::pair<std::string, Format>> names = {
        {"auto", Format::Auto}, {"lackey", Format::Lackey}, {"champsim", Format::ChampSim}, {"vmt", Format::Vmt}};
    return names;
}

const char* format_name(Format f) {
    for (const auto& [name, format] : format_names())
        if (format == f) return name.c_str();
    return "?";
}

Format parse_format(const std::string& name, const std::string& where) {
    std::string known;
    for (const auto& [n, f] : format_names()) {
        if (n == name) return f;
        known += (known.empty() ? "" : "|") + n;
    }
    throw UserError(kExitUsage, where + ": unknown trace format " + quoted(name) + " (expected " + known + ")");
}

Format detect_format(Input& input) {
    const std::vector<uint8_t>& h = input.peek(kChampSimRecordBytes);
    const auto starts = [&](const char* s) {
        const size_t n = std::strlen(s);
        return h.size() >= n && std::memcmp(h.data(), s, n) == 0;
    };
    if (h.size() >= 8 && std::equal(kVmtMagic, kVmtMagic + 8, h.begin())) return Format::Vmt;
    if (starts("==") || starts("I  ") || starts(" L ") || starts(" S ") || starts(" M ")) return Format::Lackey;
    if (plausible_champsim(h.data(), h.size())) return Format::ChampSim;
    if (h.empty()) data_error_at_byte(input.name(), 0, "empty trace: cannot detect its format (give --format)");
    data_error_at_byte(input.name(), 0,
                       "unknown trace format: not vmt (magic \\x89VMT), lackey text ('==', 'I  ', ' L ', ' S ', ' M ') "
                       "or a ChampSim record (give --format to read it as one)");
}

std::string OpenedTrace::description() const {
    std::string d = format_name(format);
    if (detected) d += " (detected)";
    if (compression != Compression::None) d += std::string(", ") + compression_name(compression) + "-compressed";
    return d;
}

OpenedTrace open_trace(std::unique_ptr<Input> input, Format format) {
    OpenedTrace t;
    t.compression = input->compression();
    t.detected = format == Format::Auto;
    t.format = t.detected ? detect_format(*input) : format;
    switch (t.format) {
        case Format::Lackey: t.source = std::make_unique<LackeyReader>(std::move(input)); break;
        case Format::ChampSim: t.source = std::make_unique<ChampSimReader>(std::move(input)); break;
        case Format::Vmt: t.source = std::make_unique<VmtReader>(std::move(input)); break;
        case Format::Auto: break;
    }
    return t;
}

OpenedTrace open_trace(const std::string& path, Format format) { return open_trace(Input::open(path), format); }

}  // namespace vmsim::trace
