// R3000 trap-driven replay (docs/replay.md) reached as x86 replay is: `vmsim replay` on target
// r3000 and `vmsim sweep` points whose trace.file is set, through the real binary as child
// processes (SystemC elaborates once per process). Expected values come from this file's own
// reading of the traces: references by kind, distinct pages, page changes.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sim/trace/format.hpp"
#include "temp_dir.hpp"
#include "vmsim_run.hpp"

namespace vmsim::testing {
namespace {

const std::string kDec3100 = std::string(VMSIM_CONFIGS) + "/machines/dec3100.cfg";
const std::string kSortTrace = std::string(VMSIM_SOURCE_DIR) + "/workloads/traces/sort.vmt.xz";
constexpr int kDataErr = 65;  // sim/common/errors.hpp

// What the test knows of a trace's first `limit` references, read with the trace library alone.
struct TraceFacts {
    uint64_t refs = 0;
    uint64_t by_kind[4] = {};
    uint64_t distinct_pages = 0;  // 4 KB pages
    // References whose page is not the previous reference's: nothing runs between two references
    // to one page (a hit runs no guest code; a miss ends with the page's entry written), so the
    // second always hits and the TLB misses at most this often.
    uint64_t page_changes = 0;
};

TraceFacts read_trace(const std::string& path, uint64_t limit) {
    trace::OpenedTrace t = trace::open_trace(path, trace::Format::Auto);
    TraceFacts f;
    std::set<uint64_t> pages;
    uint64_t previous = ~uint64_t{0};
    std::vector<trace::Ref> batch(4096);
    while (f.refs < limit) {
        const size_t n = t.source->read(batch.data(), batch.size());
        if (n == 0) break;
        for (size_t i = 0; i < n && f.refs < limit; ++i, ++f.refs) {
            const uint64_t page = batch[i].addr >> 12;
            ++f.by_kind[static_cast<unsigned>(batch[i].kind)];
            pages.insert(page);
            if (page != previous) ++f.page_changes;
            previous = page;
        }
    }
    f.distinct_pages = pages.size();
    return f;
}

// `vmsim replay ARGS --stats-json` on dec3100, its statistics (host.* left out: they measure
// the host).
std::map<std::string, std::string> replay(const std::vector<std::string>& args) {
    TempDir dir;
    const std::string json = dir.path() + "/stats.json";
    std::vector<std::string> argv = {"replay", "--config", kDec3100, "--stats-json", json, "--quiet"};
    argv.insert(argv.end(), args.begin(), args.end());
    const VmsimRun r = run_vmsim(argv);
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    std::map<std::string, std::string> stats;
    for (const auto& [name, value] : parse_stats_json(read_whole_file(json)).stats)
        if (name.rfind("host.", 0) != 0) stats[name] = value;
    return stats;
}

uint64_t u64(const std::map<std::string, std::string>& stats, const std::string& name) {
    const auto it = stats.find(name);
    if (it == stats.end()) {
        ADD_FAILURE() << "no statistic " << name;
        return 0;
    }
    return std::stoull(it->second);
}

TEST(R3000ReplayCli, SortTraceRunsTheGuestsRefillOnEveryMissAndRepeatsExactly) {
    const uint64_t limit = 200000;
    const TraceFacts facts = read_trace(kSortTrace, limit);
    ASSERT_EQ(facts.refs, limit);
    const auto s = replay({"--trace", kSortTrace, "--limit", std::to_string(limit)});
    EXPECT_EQ(s.at("sim.outcome"), "exited");
    EXPECT_EQ(u64(s, "replay.references"), limit);
    const char* const kinds[] = {"instr", "load", "store", "modify"};
    for (unsigned k = 0; k < 4; ++k)
        EXPECT_EQ(u64(s, std::string("replay.references.") + kinds[k]), facts.by_kind[k]) << kinds[k];

    // Every page misses on its first touch and the guest's fault handler maps it then, once;
    // after that a page misses only when the reference before it was to another page.
    const uint64_t misses = u64(s, "replay.tlb_misses");
    EXPECT_EQ(u64(s, "guest.17"), facts.distinct_pages);
    EXPECT_GE(misses, facts.distinct_pages);
    EXPECT_LE(misses, facts.page_changes);
    // 246 pages do not fit 64 entries: pages are evicted and miss again.
    EXPECT_GT(misses, facts.distinct_pages);
    // A miss is one refill exception, a first touch one more (the retry after the mapping), and
    // the refills the guest ran in the replay region are those and its handlers' own.
    EXPECT_EQ(u64(s, "replay.refill_exceptions"), misses + facts.distinct_pages);
    EXPECT_EQ(u64(s, "region.63.utlb_refills"), u64(s, "replay.refill_exceptions") + u64(s, "replay.guest_refills"));
    EXPECT_GT(u64(s, "replay.refill_cycles"), misses);

    // The same trace and machine: the same statistics, to the last one.
    EXPECT_EQ(replay({"--trace", kSortTrace, "--limit", std::to_string(limit)}), s);
}

TEST(R3000ReplayCli, BadRecordMidTraceIsTheReadersOneLineErrorAsOnX86) {
    TempDir dir;
    // Two records, then a line that is no record: read inside the replay, after the guest booted.
    const std::string trace = dir.write("bad.lackey", " L 10000000,4\n L 10001000,4\n L nothex,4\n");
    const auto error_line = [&](const std::string& config) {
        const VmsimRun r = run_vmsim({"replay", "--trace", trace, "--format", "lackey", "--config", config});
        EXPECT_EQ(r.exit_code, kDataErr) << describe(r);
        const std::vector<std::string> lines = split_lines(r.err);
        EXPECT_EQ(lines.size(), 1u) << describe(r);
        return lines.empty() ? std::string() : lines.back();
    };
    const std::string line = error_line(kDec3100);
    EXPECT_EQ(line.rfind(trace + ":3: ", 0), 0u) << line;
    EXPECT_EQ(line, error_line(std::string(VMSIM_CONFIGS) + "/machines/skylake.cfg"));
}

TEST(R3000ReplayCli, TraceBeyondTheGuestsWindowIsAnInputErrorLine) {
    TempDir dir;
    // One load in each of 70 regions of 16 MB: the window holds 62.
    std::ostringstream text;
    for (uint64_t i = 0; i < 70; ++i) text << " L " << std::hex << (i << 32) << ",4\n";
    const std::string trace = dir.write("wide.lackey", text.str());
    const VmsimRun r = run_vmsim({"replay", "--trace", trace, "--format", "lackey", "--config", kDec3100, "-q"});
    EXPECT_EQ(r.exit_code, kDataErr) << describe(r);
    const std::vector<std::string> lines = split_lines(r.err);
    ASSERT_EQ(lines.size(), 1u) << describe(r);
    EXPECT_TRUE(contains(lines[0], "more than 62 regions of 16 MB")) << lines[0];
}

TEST(R3000ReplayCli, ReplayGuestIsUnderTheBuildDirectoryUnlessElfNamesIt) {
    TempDir dir;
    const std::string trace = dir.write("t.lackey", " L 10000000,4\n");
    // A build tree without the replay guest: the default program cannot be opened...
    const std::vector<std::string> args = {"replay", "--trace", trace, "--config", kDec3100, "--build-dir", dir.path(),
                                           "-q"};
    const VmsimRun missing = run_vmsim(args);
    EXPECT_NE(missing.exit_code, 0) << describe(missing);
    EXPECT_TRUE(contains(missing.err, dir.path() + "/workloads/replay/aegis_replay.elf")) << describe(missing);
    // ...and --elf names another.
    std::vector<std::string> with_elf = args;
    with_elf.insert(with_elf.end(), {"--elf", AEGIS_REPLAY_ELF});
    const VmsimRun named = run_vmsim(with_elf);
    EXPECT_EQ(named.exit_code, 0) << describe(named);
}

// results.csv as rows of column -> cell (no cell here holds a comma or a quote).
std::vector<std::map<std::string, std::string>> read_results(const std::string& out) {
    std::vector<std::map<std::string, std::string>> rows;
    std::vector<std::string> header;
    for (const std::string& line : split_lines(read_whole_file(out + "/results.csv"))) {
        std::vector<std::string> cells;
        std::istringstream in(line);
        for (std::string cell; std::getline(in, cell, ',');) cells.push_back(cell);
        if (header.empty()) {
            header = cells;
            continue;
        }
        std::map<std::string, std::string> row;
        for (size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
        rows.push_back(row);
    }
    return rows;
}

// `count` loads, the i-th on page `page(i)`, as lackey text.
template <class F>
std::string lackey_loads(unsigned count, F page) {
    std::ostringstream s;
    for (unsigned i = 0; i < count; ++i) s << " L " << std::hex << 0x10000000 + page(i) * 4096 << ",4\n";
    return s.str();
}

TEST(R3000ReplayCli, SweepPointsReplayTheirTraceAndTheTracesBytesArePartOfThePoint) {
    TempDir dir;
    // 40 loads on 40 new pages: each misses (fewer pages than TLB entries, none evicted).
    dir.write("t.lackey", lackey_loads(40, [](unsigned i) { return i; }));
    const std::string sweep = dir.write("replay.cfg", std::string("target = r3000\n"
                                                                  "program = ") +
                                                          AEGIS_REPLAY_ELF +
                                                          "\n"
                                                          "trace.file = t.lackey\n"  // beside the sweep file
                                                          "sweep.trace.limit = 10 40\n");
    const std::string out = dir.path() + "/out";
    const auto run = [&] {
        const VmsimRun r = run_vmsim({"sweep", sweep, "--out", out, "--jobs", "2"});
        EXPECT_EQ(r.exit_code, 0) << describe(r);
        return read_results(out);
    };
    const auto first = run();
    ASSERT_EQ(first.size(), 2u);
    std::map<std::string, std::string> first_points;  // trace.limit -> point
    for (const auto& row : first) {
        EXPECT_EQ(row.at("status"), "ok");
        EXPECT_EQ(row.at("replay.references"), row.at("trace.limit"));
        EXPECT_EQ(row.at("replay.tlb_misses"), row.at("trace.limit"));
        first_points[row.at("trace.limit")] = row.at("point");
    }
    // The same trace file name with other bytes (every load on one page) is other points,
    // run again: one miss each.
    dir.write("t.lackey", lackey_loads(40, [](unsigned) { return 7u; }));
    const auto second = run();
    ASSERT_EQ(second.size(), 2u);
    for (const auto& row : second) {
        EXPECT_EQ(row.at("replay.references"), row.at("trace.limit"));
        EXPECT_EQ(row.at("replay.tlb_misses"), "1");
        EXPECT_NE(row.at("point"), first_points[row.at("trace.limit")]);
    }
}

}  // namespace
}  // namespace vmsim::testing
