// The trace.* parameters both targets' replays read (issue 11; docs/replay.md), declared once
// for every target whose config holds a TraceSettings (R3000Config::trace; X86ReplayConfig derives
// from it and adds its own), and the one way a run opens the trace they name.
#pragma once
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <type_traits>

#include "sim/config/param_table.hpp"
#include "sim/trace/format.hpp"

namespace vmsim::platform {

struct TraceSettings {
    std::string file;                            // path, or "-" for standard input
    trace::Format format = trace::Format::Auto;
    uint64_t skip = 0;                           // references replayed first to warm up, not measured
    uint64_t limit = 0;                          // references measured after the skip; 0 = all
    bool split_page_crossing = false;            // a page-crossing reference touches both pages
};

// A member of TraceSettings as one of S's (the standard base-to-derived conversion).
template <class S, class T>
T S::*trace_member(T TraceSettings::*member) {
    return member;
}

// Declares trace.file, trace.format, trace.skip, trace.limit and trace.split_page_crossing bound
// to `group`'s TraceSettings (S is TraceSettings or a struct derived from it). The targets differ
// only in when a trace is replayed (`file_when`, the end of trace.file's help) and in which
// statistics leave the warm-up out (`skip_unmeasured`, the end of trace.skip's).
template <class Root, class S>
void bind_trace_params(const typename config::ParamTable<Root>::template Group<S>& group, const std::string& file_when,
                       const std::string& skip_unmeasured) {
    static_assert(std::is_base_of_v<TraceSettings, S>, "trace parameters bind a TraceSettings");
    const auto m = [](auto member) { return trace_member<S>(member); };
    group.text("trace.file", m(&TraceSettings::file),
               "the address trace to replay (a file, or - for standard input; gzip or xz compressed or not: "
               "docs/trace-format.md); " + file_when);
    group.choice("trace.format", m(&TraceSettings::format), trace::format_names(),
                 "the trace's format: auto = detected from its first bytes; lackey = Valgrind lackey text; "
                 "champsim = ChampSim binary records; vmt = vmsim's compact format");
    group.uint("trace.skip", m(&TraceSettings::skip), "references replayed first to warm up, " + skip_unmeasured);
    group.uint("trace.limit", m(&TraceSettings::limit),
               "references replayed and measured after the skip (0 = to the end of the trace)");
    group.flag("trace.split_page_crossing", m(&TraceSettings::split_page_crossing),
               "a reference whose bytes span two pages is translated at its last byte too (false: at its start "
               "address only)");
}

// Opens the trace `t` names; with trace.format = auto, says on stderr what it detected. A trace
// that cannot be opened or read is UserError.
inline trace::OpenedTrace open_settings_trace(const TraceSettings& t) { return trace::open_trace(t.file, t.format); }

// After a replay that read the whole trace: --format auto says what it detected (a read error says
// it instead, in its one line: trace::reading).
// The progress line a long replay shows on a terminal, on both targets: "\rreplay: 12.3 M
// references, 45.6 M/s" on stderr, from the first second on (a short trace needs none), at most
// twice a second; nothing when stderr is not a terminal.
class ReplayProgress {
public:
    void update(uint64_t refs) {
        if (!terminal_) return;
        const auto now = std::chrono::steady_clock::now();
        const double s = std::chrono::duration<double>(now - start_).count();
        if (s < 1.0 || std::chrono::duration<double>(now - last_).count() < 0.5) return;
        last_ = now;
        std::fprintf(stderr, "\rreplay: %.1f M references, %.1f M/s ", static_cast<double>(refs) / 1e6,
                     static_cast<double>(refs) / 1e6 / s);
        shown_ = true;
    }
    // Ends the line, if one was shown.
    void end() {
        if (shown_) std::fputc('\n', stderr);
        shown_ = false;
    }

private:
    const bool terminal_ = ::isatty(STDERR_FILENO) != 0;
    bool shown_ = false;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_ = start_;
};

inline void note_detected(const TraceSettings& t, const trace::OpenedTrace& opened) {
    if (opened.detected) std::fprintf(stderr, "vmsim: %s: %s\n", t.file.c_str(), opened.description().c_str());
}

}  // namespace vmsim::platform
