// The trace readers and writers: what each format yields, compression, format detection, the
// one-line errors for bad input (with line number or byte offset), and constant memory on a
// multi-gigabyte stream that is generated, never stored.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "sim/common/errors.hpp"
#include "sim/trace/champsim.hpp"
#include "sim/trace/format.hpp"
#include "sim/trace/lackey.hpp"
#include "sim/trace/tools.hpp"
#include "sim/trace/vmt.hpp"
#include "tests/sim/temp_dir.hpp"

namespace vmsim::trace {
namespace {

using vmsim::testing::TempDir;

// Bytes from memory, handed out in pieces of `chunk` so that records straddle reads.
class MemorySource final : public ByteSource {
public:
    MemorySource(std::string data, size_t chunk) : data_(std::move(data)), chunk_(chunk) {}
    size_t read(uint8_t* out, size_t max) override {
        const size_t n = std::min({max, chunk_, data_.size() - at_});
        std::memcpy(out, data_.data() + at_, n);
        at_ += n;
        return n;
    }

private:
    std::string data_;
    size_t chunk_, at_ = 0;
};

std::unique_ptr<Input> memory_input(const std::string& data, size_t chunk = 7) {
    return std::make_unique<Input>("mem", std::make_unique<MemorySource>(data, chunk));
}

std::vector<Ref> read_all(RefSource& s, size_t batch = 3) {
    std::vector<Ref> out;
    std::vector<Ref> buf(batch);
    for (size_t n; (n = s.read(buf.data(), buf.size())) != 0;) out.insert(out.end(), buf.begin(), buf.begin() + n);
    return out;
}

std::vector<Ref> read_format(const std::string& data, Format f) {
    OpenedTrace t = open_trace(memory_input(data), f);
    return read_all(*t.source);
}

// The error message reading `data` as `f` gives (empty if none).
std::string error_of(const std::string& data, Format f) {
    try {
        read_format(data, f);
    } catch (const UserError& e) {
        EXPECT_EQ(e.code(), kExitDataErr);
        return e.what();
    }
    return "";
}

bool same(const Ref& a, const Ref& b) { return a.addr == b.addr && a.size == b.size && a.kind == b.kind; }
void expect_refs(const std::vector<Ref>& got, const std::vector<Ref>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i)
        EXPECT_TRUE(same(got[i], want[i])) << i << ": 0x" << std::hex << got[i].addr << std::dec << "," << got[i].size
                                           << " kind " << static_cast<int>(got[i].kind);
}

// ---- lackey --------------------------------------------------------------------------------------

TEST(Lackey, ReadsEveryRecordKindAndSkipsValgrindAndBlankLines) {
    const std::string text =
        "==123== Lackey, an example Valgrind tool\n"
        "I  0401ab70,3\n"
        " L 1ffefffd58,8\n"
        "\n"
        " S 04222cac,4\r\n"
        " M 0421ed80,16\n"
        "==123== \n"
        "I  ffffffffff600000,15\n";
    expect_refs(read_format(text, Format::Lackey), {{0x401ab70, 3, Kind::Instr},
                                                    {0x1ffefffd58, 8, Kind::Load},
                                                    {0x4222cac, 4, Kind::Store},
                                                    {0x421ed80, 16, Kind::Modify},
                                                    {0xffffffffff600000ull, 15, Kind::Instr}});
}

TEST(Lackey, AMalformedLineIsAnErrorNamingItsLineNumber) {
    EXPECT_EQ(error_of("I  0401ab70,3\n X 0401ab70,3\n", Format::Lackey).rfind("mem:2: expected a lackey record", 0), 0u);
    EXPECT_NE(error_of("I  0401ab70,3\n\n L 04zz,4\n", Format::Lackey).find("mem:3:"), std::string::npos);
    EXPECT_NE(error_of(" L 12345678901234567,4\n", Format::Lackey).find("mem:1:"), std::string::npos);  // 17 digits
    EXPECT_NE(error_of(" L 1234,\n", Format::Lackey).find("mem:1:"), std::string::npos);
}

TEST(Lackey, ALastLineCutShortIsReportedAsTruncated) {
    const std::string e = error_of("I  0401ab70,3\n L 0401", Format::Lackey);
    EXPECT_EQ(e.rfind("mem:2: truncated record", 0), 0u) << e;
}

// ---- ChampSim ------------------------------------------------------------------------------------

std::string champsim_record(uint64_t ip, std::vector<uint64_t> dst, std::vector<uint64_t> src, uint8_t branch = 0) {
    std::string r(64, '\0');
    std::memcpy(&r[0], &ip, 8);
    r[8] = static_cast<char>(branch);
    for (size_t i = 0; i < dst.size(); ++i) std::memcpy(&r[16 + 8 * i], &dst[i], 8);
    for (size_t i = 0; i < src.size(); ++i) std::memcpy(&r[32 + 8 * i], &src[i], 8);
    return r;
}

TEST(ChampSim, EachRecordYieldsItsFetchThenItsLoadsThenItsStores) {
    const std::string data = champsim_record(0x400000, {0x7000}, {0x5000, 0, 0x6000}) +
                             champsim_record(0x400004, {}, {}, 1) +
                             champsim_record(0x400008, {0xa000, 0xb000}, {0x1, 0x2, 0x3, 0x4});
    expect_refs(read_format(data, Format::ChampSim),
                {{0x400000, 0, Kind::Instr}, {0x5000, 0, Kind::Load}, {0x6000, 0, Kind::Load}, {0x7000, 0, Kind::Store},
                 {0x400004, 0, Kind::Instr},
                 {0x400008, 0, Kind::Instr}, {0x1, 0, Kind::Load}, {0x2, 0, Kind::Load}, {0x3, 0, Kind::Load},
                 {0x4, 0, Kind::Load}, {0xa000, 0, Kind::Store}, {0xb000, 0, Kind::Store}});
}

TEST(ChampSim, ATruncatedOrCorruptRecordIsAnErrorAtItsByteOffset) {
    const std::string two = champsim_record(0x400000, {}, {}) + champsim_record(0x400004, {}, {});
    EXPECT_EQ(error_of(two.substr(0, 100), Format::ChampSim), "mem: byte 64: truncated ChampSim record: 36 of 64 bytes");
    std::string bad = two;
    bad[64 + 9] = 7;  // branch_taken
    EXPECT_EQ(error_of(bad, Format::ChampSim).rfind("mem: byte 64: corrupt ChampSim record", 0), 0u);
}

// ---- vmt -----------------------------------------------------------------------------------------

std::string vmt_bytes(const std::vector<Ref>& refs, unsigned bits, const TempDir& dir) {
    const std::string path = dir.path() + "/t.vmt";
    VmtWriter w(Output::open(path), bits);
    w.write(refs.data(), refs.size());
    w.close();
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<Ref> mixed_refs() {
    std::vector<Ref> refs;
    uint64_t x = 88172645463325252ull;
    uint64_t pc = 0x400000;
    for (int i = 0; i < 5000; ++i) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        const unsigned size = (x >> 8) % 5 == 0 ? static_cast<unsigned>(x >> 20) : static_cast<unsigned>((x >> 8) % 17);
        refs.push_back({pc, size % 16, Kind::Instr});
        pc += size % 16;
        if (x % 7 == 0) pc = x >> 16;
        refs.push_back({x % 3 ? 0x7ffd0000 + (x & 0xfff) : x, size, static_cast<Kind>(1 + x % 3)});
        if (x % 11 == 0) refs.push_back(refs.back());
    }
    refs.push_back({0, 0, Kind::Load});
    refs.push_back({~uint64_t{0}, 0xffffffff, Kind::Store});
    return refs;
}

TEST(Vmt, WritingThenReadingGivesBackEveryReference) {
    TempDir dir;
    const std::vector<Ref> refs = mixed_refs();
    const std::string bytes = vmt_bytes(refs, 64, dir);
    expect_refs(read_format(bytes, Format::Vmt), refs);
    expect_refs(read_format(bytes, Format::Auto), refs);
    EXPECT_LT(bytes.size(), refs.size() * 8);  // delta-encoded: far below 16 bytes a reference
}

TEST(Vmt, ThirtyTwoBitTracesKeepAddressesBelowFourGigabytes) {
    TempDir dir;
    const std::vector<Ref> refs = {{0xfffffff0, 16, Kind::Instr}, {0, 4, Kind::Instr}, {0x10, 4, Kind::Load}};
    expect_refs(read_format(vmt_bytes(refs, 32, dir), Format::Vmt), refs);
    const Ref wide{uint64_t{1} << 32, 4, Kind::Load};
    VmtWriter w(Output::open(dir.path() + "/w.vmt"), 32);
    EXPECT_THROW(w.write(&wide, 1), UserError);
}

TEST(Vmt, BadHeadersAndDamagedRecordsAreErrorsAtTheirByteOffset) {
    TempDir dir;
    const std::vector<Ref> refs = mixed_refs();
    const std::string good = vmt_bytes(refs, 64, dir);
    std::string s = good;
    s[1] = 'X';
    EXPECT_EQ(error_of(s, Format::Vmt), "mem: byte 0: not a vmt trace (bad magic)");
    s = good;
    s[8] = 9;
    EXPECT_EQ(error_of(s, Format::Vmt).rfind("mem: byte 8: vmt version 9 is not supported", 0), 0u);
    s = good;
    s[10] = 48;
    EXPECT_EQ(error_of(s, Format::Vmt), "mem: byte 10: vmt address width 48 (must be 32 or 64)");
    EXPECT_EQ(error_of(good.substr(0, 12), Format::Vmt), "mem: byte 12: truncated vmt header: 12 of 16 bytes");
    // Cut anywhere in the records: an error, never a shorter trace.
    for (size_t cut : {size_t{16}, size_t{17}, good.size() / 2, good.size() - 9, good.size() - 1}) {
        const std::string e = error_of(good.substr(0, cut), Format::Vmt);
        EXPECT_NE(e.find("truncated"), std::string::npos) << cut << ": " << e;
    }
    s = good;
    s[s.size() - 8] ^= 1;  // the end record's count
    EXPECT_NE(error_of(s, Format::Vmt).find("records, the trace has"), std::string::npos);
    EXPECT_NE(error_of(good + "x", Format::Vmt).find("bytes after the vmt end record"), std::string::npos);
    s = good;
    s[16] = 0x0f;  // a reserved tag (mode 3, kind 3)
    EXPECT_EQ(error_of(s, Format::Vmt), "mem: byte 16: corrupt vmt record: reserved tag 15");
}

// ---- compression, detection, conversion -----------------------------------------------------------

TEST(Formats, GzipAndXzFilesReadLikeThePlainFileWhateverTheirName) {
    TempDir dir;
    const std::vector<Ref> refs = mixed_refs();
    for (const char* name : {"a.lackey.gz", "b.vmt.xz", "c.vmt"}) {
        const std::string path = dir.path() + "/" + name;
        struct Source final : RefSource {
            const std::vector<Ref>& r;
            size_t at = 0;
            explicit Source(const std::vector<Ref>& refs) : r(refs) {}
            size_t read(Ref* out, size_t max) override {
                const size_t n = std::min(max, r.size() - at);
                std::copy(r.begin() + at, r.begin() + at + n, out);
                at += n;
                return n;
            }
        } src(refs);
        convert(src, std::strstr(name, "lackey") ? Format::Lackey : Format::Vmt, Output::open(path));
        const std::string renamed = path + ".renamed";  // detection is by content, not by name
        std::rename(path.c_str(), renamed.c_str());
        OpenedTrace t = open_trace(renamed, Format::Auto);
        EXPECT_EQ(t.compression, std::strstr(name, ".gz") ? Compression::Gzip
                                 : std::strstr(name, ".xz") ? Compression::Xz
                                                            : Compression::None);
        expect_refs(read_all(*t.source, 4096), refs);
    }
}

TEST(Formats, AutoDetectionNamesTheFormatAndRefusesUnknownBytes) {
    EXPECT_EQ(open_trace(memory_input("==1== x\nI  0401ab70,3\n"), Format::Auto).format, Format::Lackey);
    EXPECT_EQ(open_trace(memory_input(champsim_record(0x400000, {}, {})), Format::Auto).format, Format::ChampSim);
    OpenedTrace t = open_trace(memory_input(" L 0401ab70,3\n"), Format::Auto);
    EXPECT_EQ(t.description(), "lackey (detected)");
    try {
        open_trace(memory_input(std::string(64, '\xff')), Format::Auto);
        FAIL() << "unknown bytes were accepted";
    } catch (const UserError& e) {
        EXPECT_EQ(std::string(e.what()).rfind("mem: byte 0: unknown trace format", 0), 0u);
        EXPECT_EQ(e.code(), kExitDataErr);
    }
}

TEST(Formats, InfoCountsKindsPagesAndPageCrossings) {
    const std::string text = "I  00001000,4\n L 00001ffe,4\n S 00201000,8\n M 40000000,1\nI  00001004,2\n";
    OpenedTrace t = open_trace(memory_input(text), Format::Auto);
    const TraceInfo i = summarize(*t.source);
    EXPECT_EQ(i.refs, 5u);
    EXPECT_EQ(i.by_kind[0], 2u);
    EXPECT_EQ(i.by_kind[3], 1u);
    EXPECT_EQ(i.crossing, 1u);
    EXPECT_EQ(i.pages[0], 3u);  // 0x1000, 0x201000, 0x40000000
    EXPECT_EQ(i.pages[1], 3u);  // 0, 0x200000, 0x40000000
    EXPECT_EQ(i.pages[2], 2u);  // 0, 0x40000000
    EXPECT_EQ(i.min_addr, 0x1000u);
    EXPECT_EQ(i.max_addr, 0x40000000u);
}

// ---- constant memory --------------------------------------------------------------------------------

// An endless-looking ChampSim trace made on the fly: `bytes` in all, never stored.
class GeneratedChampSim final : public ByteSource {
public:
    explicit GeneratedChampSim(uint64_t bytes) : left_(bytes) {
        for (unsigned i = 0; i < kRecords; ++i) {
            const std::string r = champsim_record(0x400000 + 4 * i, {}, {i % 4 ? 0 : 0x10000000 + 64ull * i});
            pattern_ += r;
        }
    }
    size_t read(uint8_t* out, size_t max) override {
        size_t n = 0;
        while (n < max && left_ > 0) {
            const size_t k = std::min<uint64_t>({max - n, left_, pattern_.size() - at_});
            std::memcpy(out + n, pattern_.data() + at_, k);
            n += k;
            left_ -= k;
            at_ = (at_ + k) % pattern_.size();
        }
        return n;
    }

private:
    static constexpr unsigned kRecords = 1024;
    std::string pattern_;
    uint64_t left_;
    size_t at_ = 0;
};

long max_rss_kb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

TEST(Streaming, ATenGigabyteTraceIsReadInConstantMemory) {
#if defined(__SANITIZE_ADDRESS__)
    const uint64_t bytes = uint64_t{256} << 20;  // the sanitizers read ten times slower
#else
    const uint64_t bytes = uint64_t{10} << 30;  // the 10 GB: about 2 s
#endif
    auto input = std::make_unique<Input>("generated", std::make_unique<GeneratedChampSim>(bytes));
    ChampSimReader reader(std::move(input));
    const size_t buffer = reader.buffer_bytes();
    const long rss_before = max_rss_kb();
    std::vector<Ref> batch(4096);
    uint64_t refs = 0;
    for (size_t n; (n = reader.read(batch.data(), batch.size())) != 0;) refs += n;
    EXPECT_EQ(reader.records(), bytes / 64);
    EXPECT_EQ(refs, bytes / 64 + bytes / 64 / 4);  // a load every fourth record
    EXPECT_EQ(reader.buffer_bytes(), buffer);
    // The whole stream is gigabytes; the reader's peak is its one window (well under 16 MB).
    EXPECT_LT(max_rss_kb() - rss_before, 16 * 1024);
}

}  // namespace
}  // namespace vmsim::trace
