#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

#include "sim/common/errors.hpp"
#include "sim/stats/atomic_file.hpp"
#include "sim/stats/json.hpp"
#include "sim/stats/registry.hpp"
#include "tests/sim/temp_dir.hpp"
#include "tests/sim/user_error.hpp"

namespace vmsim::stats {
namespace {

using vmsim::testing::TempDir;
using vmsim::testing::user_error_from;

std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

TEST(StatsJson, ConfigComesFirstThenStatisticsInInsertionOrder) {
    Registry stats;
    stats.counter("cpu.instructions", "instructions retired") = 1234;
    stats.value("run.seconds", "simulated time") = 0.5;
    stats.text("guest.exit", "how the guest ended") = "halt";
    stats.counter("a.first_alphabetically", "inserted last") = 1;
    Settings config = {{"mem.size", "25165824"}, {"cpu.load_delay", "exact"}};
    EXPECT_EQ(stats.to_json(config),
              "{\n"
              "  \"config\": {\n"
              "    \"mem.size\": \"25165824\",\n"
              "    \"cpu.load_delay\": \"exact\"\n"
              "  },\n"
              "  \"cpu.instructions\": 1234,\n"
              "  \"run.seconds\": 0.5,\n"
              "  \"guest.exit\": \"halt\",\n"
              "  \"a.first_alphabetically\": 1\n"
              "}\n");
}

TEST(StatsJson, EmptyRegistryAndConfigGiveAnObjectWithEmptyConfig) {
    Registry stats;
    EXPECT_EQ(stats.to_json({}), "{\n  \"config\": {}\n}\n");
}

TEST(StatsJson, StringsEscapeQuotesBackslashesAndControlCharacters) {
    EXPECT_EQ(json_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
    EXPECT_EQ(json_string("line\nnext\ttab\r\b\f"), "\"line\\nnext\\ttab\\r\\b\\f\"");
    EXPECT_EQ(json_string(std::string("nul\0x\x1f", 6)), "\"nul\\u0000x\\u001f\"");
}

TEST(StatsJson, ValidUtf8PassesThroughAndInvalidBytesBecomeReplacementCharacters) {
    EXPECT_EQ(json_string("\xc2\xb5s \xe2\x82\xac \xf0\x9f\x98\x80"), "\"\xc2\xb5s \xe2\x82\xac \xf0\x9f\x98\x80\"");
    const std::string replacement = "\xef\xbf\xbd";
    EXPECT_EQ(json_string("a\xff" "b"), "\"a" + replacement + "b\"");
    EXPECT_EQ(json_string("\xc0\xaf"), "\"" + replacement + replacement + "\"");  // overlong '/'
    EXPECT_EQ(json_string("\xed\xa0\x80"), "\"" + replacement + replacement + replacement + "\"");  // surrogate
    EXPECT_EQ(json_string("\xe2\x82"), "\"" + replacement + replacement + "\"");  // truncated at the end
}

TEST(StatsJson, DoublesUseShortestTextThatReadsBackExactly) {
    for (double v : {0.1, 1.0 / 3.0, 16.67, 1e-9, 6.02214076e23, -2.5, 123456789.0}) {
        std::string text = json_number(v);
        EXPECT_EQ(std::strtod(text.c_str(), nullptr), v) << text;
    }
    EXPECT_EQ(json_number(0.1), "0.1");
    EXPECT_EQ(json_number(16.67), "16.67");
}

TEST(StatsJson, NonFiniteDoublesBecomeNull) {
    EXPECT_EQ(json_number(std::numeric_limits<double>::quiet_NaN()), "null");
    EXPECT_EQ(json_number(std::numeric_limits<double>::infinity()), "null");
    Registry stats;
    stats.value("x.ratio", "0/0") = std::nan("");
    EXPECT_NE(stats.to_json({}).find("\"x.ratio\": null"), std::string::npos);
}

TEST(StatsJson, SameStatisticsGiveByteIdenticalJson) {
    auto build = [] {
        Registry stats;
        stats.counter("a.b", "x") = 3;
        stats.value("a.c", "y") = 1.0 / 7.0;
        stats.text("a.d", "z") = "t";
        return stats.to_json({{"k.v", "1"}});
    };
    EXPECT_EQ(build(), build());
}

TEST(StatsRegistry, CounterReferenceStaysValidWhileMoreStatisticsAreAdded) {
    Registry stats;
    uint64_t& first = stats.counter("tlb.misses", "misses");
    for (int i = 0; i < 1000; ++i) stats.counter("n.c" + std::to_string(i), "filler");
    first += 42;
    ASSERT_NE(stats.find("tlb.misses"), nullptr);
    EXPECT_EQ(std::get<uint64_t>(stats.find("tlb.misses")->value), 42u);
    EXPECT_EQ(stats.all().size(), 1001u);
    EXPECT_EQ(stats.find("tlb.hits"), nullptr);
}

TEST(StatsRegistry, RegisteringANameTwiceIsABug) {
    Registry stats;
    stats.counter("a.b", "");
    EXPECT_THROW(stats.value("a.b", ""), std::logic_error);
}

TEST(StatsRegistry, NameConfigAndMalformedNamesAreRejected) {
    Registry stats;
    EXPECT_THROW(stats.counter("config", ""), std::logic_error);
    EXPECT_THROW(stats.counter("", ""), std::logic_error);
    EXPECT_THROW(stats.counter("a..b", ""), std::logic_error);
    EXPECT_THROW(stats.counter("a b", ""), std::logic_error);
    EXPECT_THROW(stats.counter("a.b-c", ""), std::logic_error);
    EXPECT_NO_THROW(stats.counter("cpu.exceptions.TLBL", ""));  // architectural mnemonic
    EXPECT_NO_THROW(stats.counter("config.hits", ""));  // only the exact key "config" collides
}

TEST(StatsText, TableAlignsNamesRightAlignsNumbersAndEscapesNewlines) {
    Registry stats;
    stats.counter("cpu.instructions", "instructions retired") = 1234567;
    stats.value("run.us", "simulated time (us)") = 1234.56789;
    stats.text("guest.out", "guest console") = "hi\n";
    stats.counter("tlb.misses", "") = 7;
    EXPECT_EQ(stats.to_text(),
              "cpu.instructions  1234567  instructions retired\n"
              "run.us            1234.57  simulated time (us)\n"
              "guest.out         hi\\n     guest console\n"
              "tlb.misses              7\n");
}

TEST(StatsText, DoublesKeepSixSignificantDigitsWithoutExponentInCommonRange) {
    Registry stats;
    stats.value("a.small", "") = 0.00125;
    stats.value("a.big", "") = 123456789.4;
    stats.value("a.tiny", "") = 1.5e-9;
    stats.value("a.zero", "") = 0.0;
    EXPECT_EQ(stats.to_text(),
              "a.small    0.00125\n"
              "a.big    123456789\n"
              "a.tiny     1.5e-09\n"
              "a.zero           0\n");
}

TEST(StatsFile, WriteJsonFileCreatesAndThenReplacesTheFileLeavingNoTemporary) {
    TempDir dir;
    std::string path = dir.path() + "/run.json";
    Registry stats;
    uint64_t& n = stats.counter("a.n", "");
    n = 1;
    stats.write_json_file(path, {});
    EXPECT_EQ(read(path), stats.to_json({}));
    n = 2;
    stats.write_json_file(path, {});
    EXPECT_EQ(read(path), stats.to_json({}));
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
        (void)entry;
        ++files;
    }
    EXPECT_EQ(files, 1);
}

TEST(StatsFile, WrittenFileIsReadableByOthersNotJustTheOwner) {
    TempDir dir;
    std::string path = dir.path() + "/run.json";
    mode_t old_mask = ::umask(022);
    write_file_atomically(path, "{}\n");
    ::umask(old_mask);
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST(StatsFile, WritingIntoAMissingDirectoryIsCantCreateNamingThePath) {
    TempDir dir;
    std::string path = dir.path() + "/no/such/dir/run.json";
    Registry stats;
    auto e = user_error_from([&] { stats.write_json_file(path, {}); });
    EXPECT_EQ(e.code(), kExitCantCreate);
    EXPECT_EQ(std::string(e.what()), "cannot write " + path + ": No such file or directory");
}

TEST(StatsFile, TryWriteReturnsTheMessageTheThrowingWriteWouldThrow) {
    TempDir dir;
    const std::string path = dir.path() + "/no/such/dir/run.json";
    EXPECT_EQ(try_write_file_atomically(path, "{}"), "cannot write " + path + ": No such file or directory");
    EXPECT_EQ(try_write_file_atomically(dir.path() + "/ok.json", "{}"), "");
    EXPECT_EQ(read(dir.path() + "/ok.json"), "{}");
}

TEST(StatsFile, WritingOverADirectoryIsCantCreateAndLeavesNoTemporary) {
    TempDir dir;
    std::string target = dir.path() + "/out";
    std::filesystem::create_directory(target);
    std::filesystem::create_directory(target + "/keep");  // non-empty: rename() cannot replace it
    auto e = user_error_from([&] { write_file_atomically(target, "{}"); });
    EXPECT_EQ(e.code(), kExitCantCreate);
    EXPECT_EQ(std::string(e.what()).rfind("cannot write " + target + ": ", 0), 0u) << e.what();
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
        (void)entry;
        ++files;
    }
    EXPECT_EQ(files, 1);
}

// ---- paths that are not regular files (issue 7): never renamed over -----------------

// A character device node made in `dir` (as /dev/null is 1,3 and /dev/full 1,7), so
// that a regression replaces a node of the test's own and not the machine's.
std::string device_node(const TempDir& dir, const char* name, unsigned minor) {
    const std::string path = dir.path() + "/" + name;
    if (::mknod(path.c_str(), S_IFCHR | 0666, ::makedev(1, minor)) != 0) return "";
    return path;
}

bool is_char_device(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode);
}

TEST(StatsFile, DeviceNodeIsWrittenInPlaceNotReplaced) {
    TempDir dir;
    const std::string null = device_node(dir, "null", 3);
    if (null.empty()) GTEST_SKIP() << "mknod needs root";
    write_file_atomically(null, "{}\n");
    EXPECT_TRUE(is_char_device(null)) << "the device node was replaced";
    check_writable(null);  // its directory's permissions do not matter
}

TEST(StatsFile, FullDeviceReportsNoSpaceAsCantCreate) {
    TempDir dir;
    const std::string full = device_node(dir, "full", 7);
    if (full.empty()) GTEST_SKIP() << "mknod needs root";
    auto e = user_error_from([&] { write_file_atomically(full, "{}\n"); });
    EXPECT_EQ(e.code(), kExitCantCreate);
    EXPECT_EQ(std::string(e.what()), "cannot write " + full + ": No space left on device");
    EXPECT_TRUE(is_char_device(full));
}

TEST(StatsFile, FifoIsWrittenInPlaceForItsReader) {
    TempDir dir;
    const std::string fifo = dir.path() + "/pipe";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    // Read-write: a reader exists (the writer's open does not wait) and open() itself never blocks.
    const int fd = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK);
    ASSERT_GE(fd, 0);
    write_file_atomically(fifo, "{\"a\": 1}\n");
    char buffer[64] = {};
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    ::close(fd);
    EXPECT_EQ(std::string(buffer, n > 0 ? static_cast<size_t>(n) : 0), "{\"a\": 1}\n");
    struct stat st {};
    ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
    EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST(StatsFile, SymbolicLinkIsKeptAndItsTargetWritten) {
    TempDir dir;
    const std::string target = dir.write("run3.json", "old");
    const std::string link = dir.path() + "/latest.json";
    std::filesystem::create_symlink("run3.json", link);
    write_file_atomically(link, "new");
    EXPECT_TRUE(std::filesystem::is_symlink(link));
    EXPECT_EQ(read(target), "new");
}

}  // namespace
}  // namespace vmsim::stats
