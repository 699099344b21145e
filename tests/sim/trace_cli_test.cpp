// `vmsim trace info`, `vmsim trace convert` and `vmsim replay` through the real command line
// (issue 11, docs/trace-format.md), as child processes. Expected values come from the hand-written
// lackey text below, parsed and counted by this file's own code: kinds, distinct pages, misses of
// a one-entry TLB (a miss whenever the page differs from the previous access's page on that side).
// Bad input must be one line on stderr naming the file and its line or byte offset, with the exit
// code of sim/common/errors.hpp. Only the x86_64 target replays here.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "temp_dir.hpp"
#include "vmsim_run.hpp"

namespace vmsim::testing {
namespace {

namespace fs = std::filesystem;

// sim/common/errors.hpp
constexpr int kUsage = 64, kDataErr = 65, kNoInput = 66;

const std::string kSkylake = std::string(VMSIM_CONFIGS) + "/machines/skylake.cfg";

// ---- the test's own view of a trace ------------------------------------------------------------

struct Ref {
    char kind;  // 'I', 'L', 'S', 'M' as lackey writes them
    uint64_t addr;
    uint64_t size;
    bool operator==(const Ref& o) const { return kind == o.kind && addr == o.addr && size == o.size; }
};

std::ostream& operator<<(std::ostream& os, const Ref& r) {
    return os << r.kind << " 0x" << std::hex << r.addr << std::dec << "," << r.size;
}

// Lackey records of `text` (docs/trace-format.md): "I  ADDR,SIZE" or " K ADDR,SIZE"; '==' lines
// and blank lines skipped; "\r\n" accepted. Anything else fails the test.
std::vector<Ref> parse_lackey(const std::string& text) {
    std::vector<Ref> refs;
    for (std::string line : split_lines(text)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line.rfind("==", 0) == 0) continue;
        const bool instr = line.rfind("I  ", 0) == 0;
        const bool data = line.size() > 3 && line[0] == ' ' && line[2] == ' ' && contains("LSM", line.substr(1, 1));
        const size_t comma = line.find(',');
        if ((!instr && !data) || comma == std::string::npos) {
            ADD_FAILURE() << "not a lackey record: " << line;
            continue;
        }
        refs.push_back({instr ? 'I' : line[1], std::stoull(line.substr(3, comma - 3), nullptr, 16),
                        std::stoull(line.substr(comma + 1))});
    }
    return refs;
}

// Every MMU access of the references in order on one side (fetches, or loads and stores: a modify
// is two), with `split` also at the last byte of a reference crossing a 4 KB page.
std::vector<uint64_t> accesses(const std::vector<Ref>& refs, bool instruction_side, bool split = false) {
    std::vector<uint64_t> out;
    for (const Ref& r : refs) {
        if ((r.kind == 'I') != instruction_side) continue;
        const bool crosses = r.size > 1 && ((r.addr & 0xfff) + r.size - 1) >> 12;
        for (int n = r.kind == 'M' ? 2 : 1; n > 0; --n) {
            out.push_back(r.addr);
            if (split && crosses) out.push_back(r.addr + r.size - 1);
        }
    }
    return out;
}

// Misses of a one-entry TLB of pages of 2^shift bytes over `addrs`, the entry first holding
// `previous` (~0: empty).
uint64_t one_entry_misses(const std::vector<uint64_t>& addrs, unsigned shift, uint64_t previous = ~uint64_t{0}) {
    uint64_t misses = 0;
    for (uint64_t a : addrs) {
        if (a >> shift != previous) ++misses;
        previous = a >> shift;
    }
    return misses;
}

uint64_t distinct_pages(const std::vector<Ref>& refs, unsigned shift) {
    std::set<uint64_t> pages;
    for (const Ref& r : refs) pages.insert(r.addr >> shift);
    return pages.size();
}

uint64_t count_kind(const std::vector<Ref>& refs, char kind) {
    uint64_t n = 0;
    for (const Ref& r : refs) n += r.kind == kind;
    return n;
}

uint64_t crossing_4k(const std::vector<Ref>& refs) {
    uint64_t n = 0;
    for (const Ref& r : refs) n += r.size > 1 && ((r.addr & 0xfff) + r.size - 1) >> 12;
    return n;
}

// Written as Valgrind's lackey writes it (with Valgrind's own lines), plus a blank line, an
// upper-case address and a "\r\n" the reader must accept. Data pages A = 0x7ff000, B = 0x7ff001;
// two references cross a 4 KB page (at 0x401ffe and 0x7ff000ffc), the modify does not.
const char* const kLackey =
    "==4242== Lackey, an example Valgrind tool\n"
    "==4242== Command: ./prog\n"
    "\n"
    "I  00401000,4\n"
    " L 7ff000100,8\n"
    "I  00401004,4\n"
    " S 7ff000108,8\n"
    "I  00401008,2\n"
    " L 7ff001000,8\n"
    " M 7ff000ff0,8\n"
    "I  00402000,4\n"
    " L 40000000,4\n"
    " S 7ff001010,8\n"
    " L 7ff200000,8\n"
    "I  00401ffe,4\n"
    " L 7FF000FFC,8\r\n"
    " S 7ff001018,8\n"
    "==4242== \n";

// The "name  value" lines of `vmsim trace info`, by name.
std::map<std::string, std::string> info_fields(const std::string& out) {
    std::map<std::string, std::string> fields;
    for (const std::string& line : split_lines(out)) {
        const size_t space = line.find(' ');
        const size_t value = line.find_first_not_of(' ', space);
        if (space != std::string::npos && value != std::string::npos) fields[line.substr(0, space)] = line.substr(value);
    }
    return fields;
}

// A successful run's --stats-json, with `options` after `vmsim replay --trace PATH --config skylake`.
StatsJson replay_stats(const std::string& trace, const std::vector<std::string>& options, std::string* err = nullptr) {
    TempDir dir;
    const std::string json = dir.path() + "/replay.json";
    std::vector<std::string> args{"replay", "--trace", trace, "--config", kSkylake, "--quiet", "--stats-json", json};
    args.insert(args.end(), options.begin(), options.end());
    const VmsimRun r = run_vmsim(args);
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    if (err) *err = r.err;
    const std::string text = read_whole_file(json);
    return text.empty() ? StatsJson{} : parse_stats_json(text);
}

// ---- trace info ----------------------------------------------------------------------------------

TEST(TraceInfo, CountsEachKindAndTheDistinctPagesOfEverySizeOfAHandWrittenLackeyFile) {
    TempDir dir;
    const std::string path = dir.write("prog.lackey", kLackey);
    const std::vector<Ref> refs = parse_lackey(kLackey);
    ASSERT_EQ(refs.size(), 14u) << "the test's own reading of kLackey";

    const VmsimRun r = run_vmsim({"trace", "info", path});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    std::map<std::string, std::string> f = info_fields(r.out);
    EXPECT_EQ(f["format"], "lackey (detected)");
    EXPECT_EQ(f["references"], std::to_string(refs.size()));
    EXPECT_EQ(f["instructions"], std::to_string(count_kind(refs, 'I')));
    EXPECT_EQ(f["loads"], std::to_string(count_kind(refs, 'L')));
    EXPECT_EQ(f["stores"], std::to_string(count_kind(refs, 'S')));
    EXPECT_EQ(f["modifies"], std::to_string(count_kind(refs, 'M')));
    EXPECT_EQ(f["page_crossing"], std::to_string(crossing_4k(refs)));
    EXPECT_EQ(f["lowest_address"], "0x401000");
    EXPECT_EQ(f["highest_address"], "0x7ff200000");
    // 4 KB: 0x401, 0x402, A, B, 0x40000, 0x7ff200; 2 MB: 0x2, 0x200, 0x3ff8, 0x3ff9; 1 GB: 0, 1, 0x1f.
    EXPECT_EQ(distinct_pages(refs, 12), 6u);
    EXPECT_EQ(f["pages_4k"], std::to_string(distinct_pages(refs, 12)));
    EXPECT_EQ(f["pages_2m"], std::to_string(distinct_pages(refs, 21)));
    EXPECT_EQ(f["pages_1g"], std::to_string(distinct_pages(refs, 30)));
    EXPECT_TRUE(contains(f["footprint_bytes"], std::to_string(distinct_pages(refs, 12) * 4096))) << r.out;
}

TEST(TraceInfo, AGivenFormatIsReadAsThatFormatAndNotCalledDetected) {
    TempDir dir;
    const std::string path = dir.write("prog.lackey", kLackey);
    const VmsimRun r = run_vmsim({"trace", "info", path, "--format", "lackey"});
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_EQ(info_fields(r.out)["format"], "lackey");

    // The same bytes read as vmt: not a vmt header.
    const std::string line = one_error_line(run_vmsim({"trace", "info", path, "--format", "vmt"}), kDataErr);
    EXPECT_TRUE(contains(line, path + ": byte 0:")) << line;
    EXPECT_TRUE(contains(line, "magic")) << line;
}

// ---- trace convert -------------------------------------------------------------------------------

TEST(TraceConvert, LackeyToVmtAndBackKeepsEveryAddressSizeAndKind) {
    TempDir dir;
    // Beside kLackey: size 0, sizes past the 4-bit field, the largest size, a 16-digit address, and
    // a jump back down (a negative delta).
    const std::string extremes = std::string(kLackey) +
                                 " L 00001000,0\n"
                                 " S ffffffffffffffff,16\n"
                                 "I  00000010,4294967295\n"
                                 " M 00000000,1\n"
                                 "I  7ffffffff000,300\n";
    const std::string lackey = dir.write("in.lackey", extremes);
    const std::string vmt = dir.path() + "/out.vmt", back = dir.path() + "/back.lackey";
    const std::vector<Ref> refs = parse_lackey(extremes);

    const VmsimRun to_vmt = run_vmsim({"trace", "convert", lackey, vmt});
    ASSERT_EQ(to_vmt.exit_code, 0) << describe(to_vmt);
    EXPECT_EQ(to_vmt.err, "vmsim trace convert: " + lackey + ": lackey (detected)\n" + "vmsim trace convert: " +
                              std::to_string(refs.size()) + " references written as vmt\n");
    const std::string bytes = read_whole_file(vmt);
    ASSERT_GE(bytes.size(), 16u + 9u);
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x89VMT\r\n\x1a\n", 8)) << "docs/trace-format.md's magic";
    EXPECT_LT(bytes.size(), extremes.size() / 2) << "vmt is compact";

    const VmsimRun to_lackey = run_vmsim({"trace", "convert", vmt, back, "--to", "lackey"});
    ASSERT_EQ(to_lackey.exit_code, 0) << describe(to_lackey);
    EXPECT_EQ(parse_lackey(read_whole_file(back)), refs);

    // Converting the same input again gives the same bytes.
    const std::string again = dir.path() + "/again.vmt";
    ASSERT_EQ(run_vmsim({"trace", "convert", back, again, "--from", "lackey"}).exit_code, 0);
    EXPECT_TRUE(read_whole_file(again) == bytes) << "vmt of the round-tripped text differs";
}

TEST(TraceConvert, CompressedOutputIsRecognisedByItsBytesOnInput) {
    TempDir dir;
    const std::string lackey = dir.write("prog.lackey", kLackey);
    const std::vector<Ref> refs = parse_lackey(kLackey);
    for (const char* suffix : {"gz", "xz"}) {
        SCOPED_TRACE(suffix);
        const std::string packed = dir.path() + "/t.vmt." + suffix;
        ASSERT_EQ(run_vmsim({"trace", "convert", lackey, packed}).exit_code, 0);
        // Renamed: the compression must come from the bytes, not from the name.
        const std::string renamed = dir.path() + "/t-" + suffix + ".bin";
        fs::rename(packed, renamed);
        const VmsimRun info = run_vmsim({"trace", "info", renamed});
        ASSERT_EQ(info.exit_code, 0) << describe(info);
        std::map<std::string, std::string> f = info_fields(info.out);
        EXPECT_EQ(f["format"], std::string("vmt (detected), ") + (suffix == std::string("gz") ? "gzip" : "xz") +
                                   "-compressed");
        EXPECT_EQ(f["references"], std::to_string(refs.size()));
        EXPECT_EQ(f["pages_2m"], std::to_string(distinct_pages(refs, 21)));

        const std::string back = dir.path() + "/back-" + suffix + ".lackey";
        ASSERT_EQ(run_vmsim({"trace", "convert", renamed, back, "--to", "lackey"}).exit_code, 0);
        EXPECT_EQ(parse_lackey(read_whole_file(back)), refs);
    }
}

TEST(TraceConvert, AConversionThatFailsLeavesNoOutputBehind) {
    TempDir dir;
    // Cut inside its fourth line: lackey text written so far would read as a shorter valid trace.
    const std::string in = dir.write("cut.lackey", "I  00401000,4\n L 7ff000100,8\nI  00401004,4\n L 7ff0");
    const std::string out = dir.path() + "/out.lackey";
    const VmsimRun r = run_vmsim({"trace", "convert", in, out, "--to", "lackey"});
    EXPECT_EQ(r.exit_code, kDataErr) << describe(r);
    EXPECT_TRUE(contains(r.err, in + ":4:")) << describe(r);
    EXPECT_FALSE(fs::exists(out)) << "a partial trace was left at " << out;
}

TEST(TraceConvert, ConvertingAFileOntoItselfIsRefusedAndKeepsIt) {
    TempDir dir;
    const std::string path = dir.write("prog.lackey", kLackey);
    for (const char* to : {"lackey", "vmt"}) {
        SCOPED_TRACE(to);
        const std::string line =
            one_error_line(run_vmsim({"trace", "convert", path, dir.path() + "/./prog.lackey", "--to", to}), kUsage);
        EXPECT_TRUE(contains(line, "input")) << line;
        EXPECT_EQ(read_whole_file(path), kLackey);
    }
}

// ---- replay --------------------------------------------------------------------------------------

// One-entry L1 TLBs (4 KB pages): each miss is a change of page, which the test counts itself.
const std::vector<std::string> kOneEntryL1 = {"--set", "dtlb_4k.entries=1", "--set", "dtlb_4k.ways=1",
                                              "--set", "itlb_4k.entries=1", "--set", "itlb_4k.ways=1"};

TEST(ReplayCli, OneEntryTlbsMissOnEveryChangeOfPage) {
    TempDir dir;
    const std::string path = dir.write("prog.lackey", kLackey);
    const std::vector<Ref> refs = parse_lackey(kLackey);
    std::string err;
    const StatsJson s = replay_stats(path, kOneEntryL1, &err);
    // Data pages A A B A A 0x40000 B 0x7ff200 A B (the modify twice); fetches 401 401 401 402 401.
    EXPECT_EQ(one_entry_misses(accesses(refs, false), 12), 8u);
    EXPECT_EQ(one_entry_misses(accesses(refs, true), 12), 3u);
    EXPECT_EQ(s.u64("mmu.dtlb.misses.4k"), one_entry_misses(accesses(refs, false), 12));
    EXPECT_EQ(s.u64("mmu.itlb.misses.4k"), one_entry_misses(accesses(refs, true), 12));
    EXPECT_EQ(s.u64("trace.refs"), refs.size());
    EXPECT_EQ(s.u64("trace.instructions"), count_kind(refs, 'I'));
    EXPECT_EQ(s.u64("trace.loads"), count_kind(refs, 'L'));
    EXPECT_EQ(s.u64("trace.stores"), count_kind(refs, 'S'));
    EXPECT_EQ(s.u64("trace.modifies"), count_kind(refs, 'M'));
    EXPECT_EQ(s.u64("trace.translations"), refs.size() + count_kind(refs, 'M'));
    EXPECT_EQ(s.u64("trace.page_crossing"), crossing_4k(refs));
    // The pager maps each 4 KB page on its first touch: one fault each.
    EXPECT_EQ(s.u64("trace.pages_4k"), distinct_pages(refs, 12));
    EXPECT_EQ(s.u64("cpu.page_faults"), distinct_pages(refs, 12));
    // --format auto says what it read.
    EXPECT_EQ(err, "vmsim: " + path + ": lackey (detected)\n");
}

TEST(ReplayCli, SplittingPageCrossingReferencesTranslatesTheirLastByteToo) {
    TempDir dir;
    const std::string path = dir.write("prog.lackey", kLackey);
    const std::vector<Ref> refs = parse_lackey(kLackey);
    std::vector<std::string> options = kOneEntryL1;
    options.insert(options.end(), {"--set", "trace.split_page_crossing=true"});
    const StatsJson s = replay_stats(path, options);
    // Fetch pages 401 401 401 402 401 402: the fetch at 0x401ffe also touches 0x402, one more miss.
    EXPECT_EQ(one_entry_misses(accesses(refs, true, true), 12), 4u);
    EXPECT_EQ(s.u64("mmu.itlb.misses.4k"), one_entry_misses(accesses(refs, true, true), 12));
    EXPECT_EQ(s.u64("mmu.dtlb.misses.4k"), one_entry_misses(accesses(refs, false, true), 12));
    EXPECT_EQ(s.u64("trace.split"), crossing_4k(refs));
    EXPECT_EQ(s.u64("trace.translations"), refs.size() + count_kind(refs, 'M') + crossing_4k(refs));
}

TEST(ReplayCli, TwoMegabytePolicyMapsOnlyBlocksTouchedWholeWithTwoMegabytePages) {
    // Every 4 KB page of the 2 MB block at 1 GB, loaded in order, then two pages of the next block.
    std::string text;
    for (unsigned page = 0; page < 512; ++page) {
        char line[32];
        std::snprintf(line, sizeof line, " L %x,8\n", 0x40000000u + page * 4096);
        text += line;
    }
    text += " L 40200000,8\n S 40201000,8\n L 40000010,8\n";
    TempDir dir;
    const std::string path = dir.write("whole.lackey", text);
    const StatsJson s = replay_stats(path, {"--set", "trace.page_size=2m", "--set", "dtlb_2m.entries=1", "--set",
                                            "dtlb_2m.ways=1"});
    EXPECT_EQ(s.u64("trace.pages_2m"), 1u);  // the block touched whole
    EXPECT_EQ(s.u64("trace.pages_4k"), 2u);  // the two pages of the other
    // Nothing else uses the one-entry 2 MB L1: the 2 MB page misses once, at its first touch.
    EXPECT_EQ(s.u64("mmu.dtlb.misses.2m"), 1u);
    EXPECT_EQ(s.u64("mmu.dtlb.misses.4k"), 2u);
    // The policy reads the trace twice: standard input cannot be.
    const VmsimRun piped = run_vmsim({"replay", "--trace", "-", "--config", kSkylake, "--set", "trace.page_size=2m"});
    EXPECT_EQ(one_error_line(piped, kUsage).find("trace.page_size = 2m"), 0u) << describe(piped);
}

TEST(ReplayCli, SkipWarmsUpUncountedAndLimitCountsExactlyThatMany) {
    TempDir dir;
    const std::string path = dir.write("prog.lackey", kLackey);
    const std::vector<Ref> refs = parse_lackey(kLackey);
    const auto slice = [&](size_t from, size_t to) {
        return std::vector<Ref>(refs.begin() + static_cast<std::ptrdiff_t>(from),
                                refs.begin() + static_cast<std::ptrdiff_t>(std::min(to, refs.size())));
    };
    struct Case {
        uint64_t skip, limit;
    };
    for (const Case c : {Case{5, 6}, Case{0, 4}, Case{9, 0}, Case{3, 100}}) {
        SCOPED_TRACE("skip " + std::to_string(c.skip) + " limit " + std::to_string(c.limit));
        const size_t end = c.limit ? c.skip + c.limit : refs.size();
        const std::vector<Ref> warm = slice(0, c.skip), measured = slice(c.skip, end), seen = slice(0, end);
        std::vector<std::string> options = kOneEntryL1;
        options.insert(options.end(), {"--skip", std::to_string(c.skip), "--limit", std::to_string(c.limit)});
        const StatsJson s = replay_stats(path, options);
        EXPECT_EQ(s.u64("trace.refs"), measured.size());
        EXPECT_EQ(s.u64("trace.loads"), count_kind(measured, 'L'));
        EXPECT_EQ(s.u64("trace.instructions"), count_kind(measured, 'I'));
        // The TLB entry the warm-up left is still there.
        const std::vector<uint64_t> warm_data = accesses(warm, false);
        const uint64_t previous = warm_data.empty() ? ~uint64_t{0} : warm_data.back() >> 12;
        EXPECT_EQ(s.u64("mmu.dtlb.misses.4k"), one_entry_misses(accesses(measured, false), 12, previous));
        // Faults only for pages first touched after the warm-up; pages mapped counts both.
        EXPECT_EQ(s.u64("cpu.page_faults"), distinct_pages(seen, 12) - distinct_pages(warm, 12));
        EXPECT_EQ(s.u64("trace.pages_4k"), distinct_pages(seen, 12));
    }
}

TEST(ReplayCli, SkipBeyondTheEndMeasuresNothing) {
    TempDir dir;
    const std::string path = dir.write("prog.lackey", kLackey);
    const StatsJson s = replay_stats(path, {"--skip", "1000"});
    EXPECT_EQ(s.u64("trace.refs"), 0u);
    EXPECT_EQ(s.u64("mmu.walks"), 0u);
    EXPECT_EQ(s.u64("trace.pages_4k"), distinct_pages(parse_lackey(kLackey), 12)) << "the warm-up mapped them";
}

TEST(ReplayCli, LackeyAndItsVmtConversionGiveIdenticalStatistics) {
    TempDir dir;
    const std::string lackey = dir.write("prog.lackey", kLackey), vmt = dir.path() + "/prog.vmt.gz";
    ASSERT_EQ(run_vmsim({"trace", "convert", lackey, vmt}).exit_code, 0);
    std::string err;
    const StatsJson a = replay_stats(lackey, {}), b = replay_stats(vmt, {}, &err);
    EXPECT_EQ(err, "vmsim: " + vmt + ": vmt (detected), gzip-compressed\n");
    ASSERT_EQ(a.stats.size(), b.stats.size());
    for (size_t i = 0; i < a.stats.size(); ++i) {
        if (a.stats[i].first.rfind("host.", 0) == 0) continue;  // wall-clock time
        EXPECT_EQ(a.stats[i], b.stats[i]);
    }
    EXPECT_GT(a.u64("mmu.walks"), 0u) << "the comparison covers walks";
}

TEST(ReplayCli, AGivenFormatPrintsNoDetectionNote) {
    TempDir dir;
    const std::string path = dir.write("prog.lackey", kLackey);
    std::string err;
    const StatsJson s = replay_stats(path, {"--format", "lackey"}, &err);
    EXPECT_EQ(err, "");
    EXPECT_EQ(s.u64("trace.refs"), parse_lackey(kLackey).size());
}

// ---- bad input: one line, the file and where in it -----------------------------------------------

// The vmt bytes of kLackey's first three records, made by vmsim (the format is tested above).
std::string small_vmt(const TempDir& dir) {
    const std::string three = "I  00401000,4\n L 7ff000100,8\n M 7ff000ff0,20\n";
    const std::string lackey = dir.write("three.lackey", three), vmt = dir.path() + "/three.vmt";
    const VmsimRun r = run_vmsim({"trace", "convert", lackey, vmt});
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    return read_whole_file(vmt);
}

// The byte offset N of "PATH: byte N: ..."; a test failure (and ~0) without one.
uint64_t byte_offset(const std::string& line, const std::string& path) {
    const std::string prefix = path + ": byte ";
    if (line.rfind(prefix, 0) != 0) {
        ADD_FAILURE() << "no '" << prefix << "N:' in " << line;
        return ~uint64_t{0};
    }
    return std::stoull(line.substr(prefix.size()));
}

TEST(TraceBadInput, VmtCutShortIsATruncationAtTheStartOfTheRecordItCuts) {
    TempDir dir;
    const std::string whole = small_vmt(dir);
    // Header; the fetch (tag, 4-byte delta), the load (tag, 6-byte delta), the modify (tag, 2-byte
    // delta, size 20 in a byte); the end record (tag, 8-byte count).
    const std::vector<size_t> starts = {16, 16 + 5, 16 + 5 + 7, 16 + 5 + 7 + 4};
    ASSERT_EQ(whole.size(), starts.back() + 9);
    // Between records (no end record) and inside each record, the end record included.
    for (size_t cut : {16, 17, 20, 21, 24, 28, 30, 32, 33, 40}) {
        SCOPED_TRACE("cut at " + std::to_string(cut));
        size_t expected = 0;
        for (size_t s : starts)
            if (s <= cut) expected = s;
        const std::string path = dir.write("cut.vmt", whole.substr(0, cut));
        const std::string line = one_error_line(run_vmsim({"trace", "info", path}), kDataErr);
        EXPECT_EQ(byte_offset(line, path), expected) << line;
        EXPECT_TRUE(contains(line, "truncated")) << line;
    }
    // Inside the header: not a vmt header (detection would not even call it vmt).
    for (size_t cut : {size_t{0}, size_t{7}, size_t{12}}) {
        SCOPED_TRACE("cut at " + std::to_string(cut));
        const std::string path = dir.write("cut.vmt", whole.substr(0, cut));
        const std::string line = one_error_line(run_vmsim({"trace", "info", path, "--format", "vmt"}), kDataErr);
        EXPECT_LE(byte_offset(line, path), cut) << line;
    }
}

TEST(TraceBadInput, ReplayOfATruncatedVmtIsOneLineThatSaysWhatWasDetected) {
    TempDir dir;
    const std::string whole = small_vmt(dir);
    const std::string path = dir.write("cut.vmt", whole.substr(0, whole.size() - 1));
    const std::vector<std::string> replay{"replay", "--trace", path, "--config", kSkylake, "--quiet"};
    std::vector<std::string> given = replay;
    given.insert(given.end(), {"--format", "vmt"});
    const std::string line = one_error_line(run_vmsim(given), kDataErr);
    EXPECT_EQ(byte_offset(line, path), whole.size() - 9) << "the end record's first byte: " << line;
    const std::string detected = one_error_line(run_vmsim(replay), kDataErr);
    EXPECT_EQ(detected, line + " (read as vmt (detected))");
}

TEST(TraceBadInput, DamagedVmtHeaderNamesTheByte) {
    TempDir dir;
    const std::string whole = small_vmt(dir);
    struct Damage {
        size_t at;
        char value;
        const char* says;
    };
    for (const Damage d : {Damage{0, 'P', "magic"}, Damage{3, 't', "magic"}, Damage{8, 2, "version 2"},
                           Damage{10, 48, "width 48"}, Damage{13, 1, "reserved"}}) {
        SCOPED_TRACE("byte " + std::to_string(d.at));
        std::string bytes = whole;
        bytes[d.at] = d.value;
        const std::string path = dir.write("bad.vmt", bytes);
        const std::string line = one_error_line(run_vmsim({"trace", "info", path, "--format", "vmt"}), kDataErr);
        EXPECT_EQ(byte_offset(line, path), d.at < 8 ? 0u : d.at) << line;
        EXPECT_TRUE(contains(line, d.says)) << line;
    }
    // Detection does not take a damaged magic for vmt.
    std::string bytes = whole;
    bytes[1] = 'W';
    const std::string path = dir.write("bad.vmt", bytes);
    const std::string line = one_error_line(run_vmsim({"trace", "info", path}), kDataErr);
    EXPECT_EQ(byte_offset(line, path), 0u) << line;
    EXPECT_TRUE(contains(line, "unknown trace format")) << line;
    // Replay reports the same line.
    EXPECT_EQ(one_error_line(run_vmsim({"replay", "--trace", path, "--config", kSkylake}), kDataErr), line);
}

TEST(TraceBadInput, VmtWithAWrongCountOrBytesAfterItsEndIsCorrupt) {
    TempDir dir;
    const std::string whole = small_vmt(dir);
    std::string miscounted = whole;
    miscounted[whole.size() - 8] = 4;  // the count's low byte: 3 records were written
    const std::string a = dir.write("count.vmt", miscounted);
    const std::string line = one_error_line(run_vmsim({"trace", "info", a}), kDataErr);
    EXPECT_EQ(byte_offset(line, a), whole.size() - 9) << line;
    EXPECT_TRUE(contains(line, "says 4 records")) << line;

    const std::string b = dir.write("tail.vmt", whole + "x");
    EXPECT_EQ(byte_offset(one_error_line(run_vmsim({"trace", "info", b}), kDataErr), b), whole.size());
}

TEST(TraceBadInput, LackeyLineThatIsNotARecordNamesFileAndLine) {
    TempDir dir;
    // Line 5: after two Valgrind lines, a blank line and a record.
    const std::string path = dir.write("bad.lackey", "==1== a\n==1== b\n\nI  00401000,4\n L 0040zz00,8\n");
    const std::string line = one_error_line(run_vmsim({"trace", "info", path}), kDataErr);
    EXPECT_TRUE(contains(line, path + ":5:")) << line;
    EXPECT_TRUE(contains(line, "' L 0040zz00,8'")) << "quotes the line: " << line;
    // info, convert and replay read it the same way, each saying what it detected.
    const std::string out = dir.path() + "/out.vmt";
    const std::string note = " (read as lackey (detected))";
    ASSERT_GE(line.size(), note.size());
    EXPECT_EQ(line.substr(line.size() - note.size()), note) << line;
    EXPECT_EQ(one_error_line(run_vmsim({"trace", "convert", path, out}), kDataErr), line);
    EXPECT_EQ(one_error_line(run_vmsim({"replay", "--trace", path, "--config", kSkylake, "--quiet"}), kDataErr), line);
}

TEST(TraceBadInput, LackeyFileCutInsideItsLastLineNamesThatLine) {
    TempDir dir;
    const std::string path = dir.write("cut.lackey", "I  00401000,4\n L 7ff0001");
    const std::string line = one_error_line(run_vmsim({"trace", "info", path}), kDataErr);
    EXPECT_TRUE(contains(line, path + ":2:")) << line;
    EXPECT_TRUE(contains(line, "truncated")) << line;
}

TEST(TraceBadInput, EmptyFileHasNoFormatToDetect) {
    TempDir dir;
    const std::string path = dir.write("empty.trace", "");
    const std::string line = one_error_line(run_vmsim({"trace", "info", path}), kDataErr);
    EXPECT_EQ(byte_offset(line, path), 0u) << line;
    // Given the format, an empty lackey trace is a trace of nothing.
    const VmsimRun r = run_vmsim({"trace", "info", path, "--format", "lackey"});
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_EQ(info_fields(r.out)["references"], "0");
}

TEST(TraceBadInput, UnknownFormatNameIsAUsageErrorNamingItAndTheKnownOnes) {
    TempDir dir;
    const std::string path = dir.write("prog.lackey", kLackey);
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"trace", "info", path, "--format", "dinero"},
          std::vector<std::string>{"trace", "convert", path, dir.path() + "/o.vmt", "--from", "dinero"},
          std::vector<std::string>{"replay", "--trace", path, "--config", kSkylake, "--format", "dinero"}}) {
        SCOPED_TRACE(args[0] + " " + args[1]);
        const std::string line = one_error_line(run_vmsim(args), kUsage);
        EXPECT_TRUE(contains(line, "'dinero'")) << line;
        EXPECT_TRUE(contains(line, "lackey|champsim|vmt")) << line;
    }
    // vmsim does not write ChampSim.
    const std::string line =
        one_error_line(run_vmsim({"trace", "convert", path, dir.path() + "/o.cs", "--to", "champsim"}), kUsage);
    EXPECT_TRUE(contains(line, "--to")) << line;
}

TEST(TraceBadInput, MissingFileCannotBeOpened) {
    TempDir dir;
    const std::string path = dir.path() + "/no-such.vmt";
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"trace", "info", path},
          std::vector<std::string>{"trace", "convert", path, dir.path() + "/o.vmt"},
          std::vector<std::string>{"replay", "--trace", path, "--config", kSkylake}}) {
        SCOPED_TRACE(args[0] + " " + args[1]);
        const std::string line = one_error_line(run_vmsim(args), kNoInput);
        EXPECT_EQ(line.rfind(path + ": cannot open", 0), 0u) << line;
    }
}

TEST(TraceBadInput, ReplayWithoutATraceIsAUsageError) {
    const std::string line = one_error_line(run_vmsim({"replay", "--config", kSkylake}), kUsage);
    EXPECT_TRUE(contains(line, "--trace")) << line;
}

}  // namespace
}  // namespace vmsim::testing
