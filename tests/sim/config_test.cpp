#include <gtest/gtest.h>

#include <iterator>
#include <random>
#include <stdexcept>
#include <string>

#include <sys/stat.h>

#include "sim/common/errors.hpp"
#include "sim/common/text.hpp"
#include "sim/config/registry.hpp"
#include "sim/config/values.hpp"
#include "tests/sim/temp_dir.hpp"
#include "tests/sim/user_error.hpp"

namespace vmsim::config {
namespace {

using vmsim::testing::TempDir;
using vmsim::testing::user_error_from;

// A small machine description with one parameter of every type.
Registry make_registry() {
    Registry reg;
    reg.add_enum("cpu.load_delay", "exact", {"exact", "interlocked"}, "load delay slot model");
    reg.add_double("cpu.clock_mhz", 16.67, "CPU clock (MHz)").positive();
    reg.add_uint("cpu.tlb_entries", 64, "TLB entries").min(8).max(64).power_of_two();
    reg.add_uint("timer.period", 100000, "timer interrupt period (cycles)");
    reg.add_size("mem.size", 24 << 20, "RAM size").min(4096);
    reg.add_bool("mem.write_buffer", true, "model the write buffer");
    reg.add_duration("sim.quantum", "1us", "TLM quantum").positive();
    reg.add_string("sim.guest", "", "guest ELF file");
    return reg;
}

// ---- values ----------------------------------------------------------------------

TEST(ConfigValues, SizeSuffixMegabytesParses) {
    EXPECT_EQ(parse_size("24M"), uint64_t{24} << 20);
    EXPECT_EQ(parse_size("24m"), uint64_t{24} << 20);
}

TEST(ConfigValues, SizeSuffixesKiloAndGigaParseAsPowersOf1024) {
    EXPECT_EQ(parse_size("4K"), 4096u);
    EXPECT_EQ(parse_size("2G"), uint64_t{2} << 30);
    EXPECT_EQ(parse_size("0x10K"), 16u * 1024);
    EXPECT_EQ(parse_size("4096"), 4096u);
}

TEST(ConfigValues, SizeRejectsUnknownSuffixAndOverflow) {
    EXPECT_FALSE(parse_size("4T"));
    EXPECT_FALSE(parse_size("4KB"));
    EXPECT_FALSE(parse_size("M"));
    EXPECT_FALSE(parse_size("17179869184G"));  // 2^34 * 2^30 does not fit in 64 bits
}

TEST(ConfigValues, UintAcceptsDecimalAndHex) {
    EXPECT_EQ(parse_uint("0"), 0u);
    EXPECT_EQ(parse_uint("010"), 10u);  // decimal, never octal
    EXPECT_EQ(parse_uint("0x1fC0"), 0x1fc0u);
    EXPECT_EQ(parse_uint("18446744073709551615"), UINT64_MAX);
}

TEST(ConfigValues, UintRejectsSignsSpacesGarbageAndOverflow) {
    for (const char* text : {"", "-1", "+1", " 1", "1 ", "1.0", "0x", "0xg", "12abc", "18446744073709551616",
                             "0x10000000000000000"}) {
        EXPECT_FALSE(parse_uint(text)) << text;
    }
}

TEST(ConfigValues, DoubleRejectsNanInfinityAndTrailingText) {
    EXPECT_EQ(parse_double("16.67"), 16.67);
    EXPECT_EQ(parse_double("1e3"), 1000.0);
    for (const char* text : {"", "nan", "inf", "-inf", "1.5x", "0x10", "1,5"}) {
        EXPECT_FALSE(parse_double(text)) << text;
    }
}

TEST(ConfigValues, BoolAcceptsTrueFalseOneZeroOnOff) {
    EXPECT_EQ(parse_bool("true"), true);
    EXPECT_EQ(parse_bool("1"), true);
    EXPECT_EQ(parse_bool("on"), true);
    EXPECT_EQ(parse_bool("TRUE"), true);
    EXPECT_EQ(parse_bool("false"), false);
    EXPECT_EQ(parse_bool("0"), false);
    EXPECT_EQ(parse_bool("off"), false);
    EXPECT_FALSE(parse_bool("yes"));
    EXPECT_FALSE(parse_bool("2"));
}

TEST(ConfigValues, DurationsWithUnitsParseToPicoseconds) {
    EXPECT_EQ(parse_duration_ps("1us"), 1000000u);
    EXPECT_EQ(parse_duration_ps("500ns"), 500000u);
    EXPECT_EQ(parse_duration_ps("10ms"), 10000000000u);
    EXPECT_EQ(parse_duration_ps("2.5us"), 2500000u);
    EXPECT_EQ(parse_duration_ps("3s"), 3000000000000u);
    EXPECT_EQ(parse_duration_ps("7ps"), 7u);
    EXPECT_EQ(parse_duration_ps("500 ns"), 500000u);
}

TEST(ConfigValues, DurationWithoutUnitOrWithFractionalPicosecondsIsRejected) {
    EXPECT_FALSE(parse_duration_ps("100"));
    EXPECT_FALSE(parse_duration_ps("1.5ps"));
    EXPECT_FALSE(parse_duration_ps("1.2.3us"));
    EXPECT_FALSE(parse_duration_ps("us"));
    EXPECT_FALSE(parse_duration_ps("-1us"));
    EXPECT_FALSE(parse_duration_ps("1 hour"));
}

TEST(ConfigValues, DurationFormatUsesLargestExactUnitAndRoundTrips) {
    EXPECT_EQ(format_duration(1000000), "1us");
    EXPECT_EQ(format_duration(2500000), "2500ns");
    EXPECT_EQ(format_duration(0), "0s");
    for (uint64_t ps : {uint64_t{1}, uint64_t{999}, uint64_t{123456789}, uint64_t{5000000000000}}) {
        EXPECT_EQ(parse_duration_ps(format_duration(ps)), ps);
    }
}

TEST(ConfigValues, SizeFormatUsesLargestExactSuffix) {
    EXPECT_EQ(format_size(uint64_t{24} << 20), "24M");
    EXPECT_EQ(format_size(3072), "3K");
    EXPECT_EQ(format_size(1536), "1536");
    EXPECT_EQ(format_size(1000), "1000");
    EXPECT_EQ(format_size(0), "0");
}

// ---- declaration and defaults ------------------------------------------------------

TEST(ConfigRegistry, DefaultsApplyWhenNothingIsSet) {
    Registry reg = make_registry();
    EXPECT_EQ(reg.get_string("cpu.load_delay"), "exact");
    EXPECT_DOUBLE_EQ(reg.get_double("cpu.clock_mhz"), 16.67);
    EXPECT_EQ(reg.get_uint("mem.size"), uint64_t{24} << 20);
    EXPECT_TRUE(reg.get_bool("mem.write_buffer"));
    EXPECT_EQ(reg.get_duration_ps("sim.quantum"), 1000000u);
    EXPECT_EQ(reg.get_string("sim.guest"), "");
}

TEST(ConfigRegistry, DeclaringANameTwiceIsABug) {
    Registry reg;
    reg.add_uint("a.b", 1, "");
    EXPECT_THROW(reg.add_bool("a.b", true, ""), std::logic_error);
}

TEST(ConfigRegistry, NamesMustBeDottedLowerCase) {
    Registry reg;
    EXPECT_THROW(reg.add_uint("", 1, ""), std::logic_error);
    EXPECT_THROW(reg.add_uint("trailing.", 1, ""), std::logic_error);
    EXPECT_NO_THROW(reg.add_uint("target", 1, ""));  // one word is a name too
    EXPECT_THROW(reg.add_uint("Cpu.x", 1, ""), std::logic_error);
    EXPECT_THROW(reg.add_uint("cpu..x", 1, ""), std::logic_error);
    EXPECT_NO_THROW(reg.add_uint("x86.l1d_tlb.entries", 1, ""));
}

TEST(ConfigRegistry, DefaultThatBreaksItsOwnConstraintIsABug) {
    Registry reg;
    EXPECT_THROW(reg.add_uint("a.b", 48, "").power_of_two(), std::logic_error);
    EXPECT_THROW(reg.add_double("a.c", 0.0, "").positive(), std::logic_error);
    EXPECT_THROW(reg.add_enum("a.d", "fast", {"exact", "interlocked"}, ""), std::logic_error);
    EXPECT_THROW(reg.add_duration("a.e", "100", ""), std::logic_error);
}

TEST(ConfigRegistry, ReadingWithTheWrongTypeIsABug) {
    Registry reg = make_registry();
    EXPECT_THROW(reg.get_double("mem.size"), std::logic_error);
    EXPECT_THROW(reg.get_uint("sim.quantum"), std::logic_error);
    EXPECT_THROW(reg.get_uint("no.such"), std::logic_error);
    EXPECT_NO_THROW(reg.get_uint("timer.period"));
}

// ---- config files --------------------------------------------------------------------

TEST(ConfigFile, SectionsPrefixKeysAndCommentsAreIgnored) {
    TempDir dir;
    std::string file = dir.write("m.cfg",
                                 "# a machine\n"
                                 "mem.size = 32M   # trailing comment\n"
                                 "\n"
                                 "[cpu]\n"
                                 "load_delay = interlocked\n"
                                 "  clock_mhz=12.5\n"
                                 "[sim]\n"
                                 "quantum = 10us\n");
    Registry reg = make_registry();
    reg.load_file(file);
    EXPECT_EQ(reg.get_uint("mem.size"), uint64_t{32} << 20);
    EXPECT_EQ(reg.get_string("cpu.load_delay"), "interlocked");
    EXPECT_DOUBLE_EQ(reg.get_double("cpu.clock_mhz"), 12.5);
    EXPECT_EQ(reg.get_duration_ps("sim.quantum"), 10000000u);
}

TEST(ConfigFile, UnknownKeyInConfigFileNamesFileAndLine) {
    TempDir dir;
    std::string file = dir.write("x.cfg", "[cpu]\nload_delay = exact\nwarp_speed = 9\n");
    Registry reg = make_registry();
    auto e = user_error_from([&] { reg.load_file(file); });
    EXPECT_EQ(e.code(), kExitUsage);
    EXPECT_EQ(std::string(e.what()), file + ":3: cpu.warp_speed: unknown parameter");
}

TEST(ConfigFile, UnknownKeyCloseToAKnownOneSuggestsIt) {
    TempDir dir;
    std::string file = dir.write("x.cfg", "cpu.load_dealy = exact\n");
    Registry reg = make_registry();
    auto e = user_error_from([&] { reg.load_file(file); });
    EXPECT_EQ(std::string(e.what()), file + ":1: cpu.load_dealy: unknown parameter (did you mean cpu.load_delay?)");
}

TEST(ConfigFile, BadEnumValueNamesFileLineKeyChoicesAndValue) {
    TempDir dir;
    std::string file = dir.write("x.cfg", "# header\n[cpu]\nload_delay = fast\n");
    Registry reg = make_registry();
    auto e = user_error_from([&] { reg.load_file(file); });
    EXPECT_EQ(e.code(), kExitUsage);
    EXPECT_EQ(std::string(e.what()), file + ":3: cpu.load_delay: expected one of exact|interlocked, got 'fast'");
}

TEST(ConfigFile, LineWithoutEqualsSignIsRejectedWithItsLine) {
    TempDir dir;
    std::string file = dir.write("x.cfg", "mem.size = 4M\nmem.size 8M\n");
    Registry reg = make_registry();
    auto e = user_error_from([&] { reg.load_file(file); });
    EXPECT_EQ(e.code(), kExitUsage);
    EXPECT_EQ(std::string(e.what()), file + ":2: expected 'key = value' or '[section]', got 'mem.size 8M'");
}

TEST(ConfigFile, EmptyOrMalformedSectionHeaderIsRejectedWithItsLine) {
    TempDir dir;
    Registry reg = make_registry();
    for (const char* header : {"[]", "[ cpu ]", "[.cpu]", "[Cpu]"}) {
        std::string file = dir.write("x.cfg", std::string("\n") + header + "\n");
        auto e = user_error_from([&] { reg.load_file(file); });
        EXPECT_EQ(e.code(), kExitUsage);
        EXPECT_EQ(std::string(e.what()).rfind(file + ":2: expected a section name", 0), 0u) << e.what();
    }
}

TEST(ConfigFile, MissingKeyBeforeEqualsIsRejected) {
    TempDir dir;
    std::string file = dir.write("x.cfg", " = 5\n");
    Registry reg = make_registry();
    auto e = user_error_from([&] { reg.load_file(file); });
    EXPECT_EQ(std::string(e.what()), file + ":1: missing key before '='");
}

TEST(ConfigFile, MissingConfigFileIsNoInputNamingTheFile) {
    TempDir dir;
    Registry reg = make_registry();
    auto e = user_error_from([&] { reg.load_file(dir.path() + "/absent.cfg"); });
    EXPECT_EQ(e.code(), kExitNoInput);
    EXPECT_EQ(std::string(e.what()),
              "cannot open config file '" + dir.path() + "/absent.cfg': No such file or directory");
}

TEST(ConfigFile, DirectoryGivenAsConfigFileIsNoInput) {
    TempDir dir;
    Registry reg = make_registry();
    auto e = user_error_from([&] { reg.load_file(dir.path()); });
    EXPECT_EQ(e.code(), kExitNoInput);
}

TEST(ConfigFile, LaterAssignmentInAFileWins) {
    TempDir dir;
    std::string file = dir.write("x.cfg", "timer.period = 5\ntimer.period = 7\n");
    Registry reg = make_registry();
    reg.load_file(file);
    EXPECT_EQ(reg.get_uint("timer.period"), 7u);
}

TEST(ConfigFile, FileWithAnErrorLeavesNoneOfItsValues) {
    TempDir dir;
    std::string file = dir.write("x.cfg", "timer.period = 5\nmem.size = lots\n");
    Registry reg = make_registry();
    EXPECT_THROW(reg.load_file(file), UserError);
    EXPECT_EQ(reg.get_uint("timer.period"), 100000u);
}

TEST(ConfigFile, CrLfLineEndingsAreAccepted) {
    TempDir dir;
    std::string file = dir.write("x.cfg", "[cpu]\r\nload_delay = interlocked\r\n");
    Registry reg = make_registry();
    reg.load_file(file);
    EXPECT_EQ(reg.get_string("cpu.load_delay"), "interlocked");
}

TEST(ConfigFile, StringValueMayContainEqualsSign) {
    TempDir dir;
    std::string file = dir.write("x.cfg", "sim.guest = a=b.elf\n");
    Registry reg = make_registry();
    reg.load_file(file);
    EXPECT_EQ(reg.get_string("sim.guest"), "a=b.elf");
}

TEST(ConfigFile, EmptyStringWrittenAsHelpShowsItReadsBackEmpty) {
    TempDir dir;
    std::string file = dir.write("x.cfg", "sim.guest = a.elf\nsim.guest = \"\"\n");
    Registry reg = make_registry();
    ASSERT_NE(reg.help_text().find("\"\""), std::string::npos) << reg.help_text();
    reg.load_file(file);
    EXPECT_EQ(reg.get_string("sim.guest"), "");
}

TEST(ConfigFile, IncludeIsRelativeToTheIncludingFileAndLaterLinesOverrideIt) {
    TempDir dir;
    dir.write("machines/base.cfg", "mem.size = 16M\ntimer.period = 3\n");
    std::string file = dir.write("exp/run.cfg", "include = ../machines/base.cfg\ntimer.period = 4\n");
    Registry reg = make_registry();
    reg.load_file(file);
    EXPECT_EQ(reg.get_uint("mem.size"), uint64_t{16} << 20);
    EXPECT_EQ(reg.get_uint("timer.period"), 4u);
}

TEST(ConfigFile, ErrorInIncludedFileNamesThatFileAndLine) {
    TempDir dir;
    std::string base = dir.write("base.cfg", "\nmem.size = 16Q\n");
    std::string file = dir.write("run.cfg", "include = base.cfg\n");
    Registry reg = make_registry();
    auto e = user_error_from([&] { reg.load_file(file); });
    EXPECT_EQ(std::string(e.what()).rfind(base + ":2: mem.size: expected a size in bytes", 0), 0u) << e.what();
}

TEST(ConfigFile, MissingIncludedFileNamesTheIncludeLine) {
    TempDir dir;
    std::string file = dir.write("run.cfg", "mem.size = 4M\ninclude = nope.cfg\n");
    Registry reg = make_registry();
    auto e = user_error_from([&] { reg.load_file(file); });
    EXPECT_EQ(e.code(), kExitNoInput);
    EXPECT_EQ(std::string(e.what()), file + ":2: cannot open config file '" + dir.path() +
                                         "/nope.cfg': No such file or directory");
}

TEST(ConfigFile, IncludeCycleIsRejected) {
    TempDir dir;
    dir.write("a.cfg", "include = b.cfg\n");
    std::string b = dir.write("b.cfg", "include = a.cfg\n");
    Registry reg = make_registry();
    auto e = user_error_from([&] { reg.load_file(dir.path() + "/a.cfg"); });
    EXPECT_EQ(e.code(), kExitUsage);
    EXPECT_EQ(std::string(e.what()),
              b + ":1: include: '" + dir.path() + "/a.cfg' includes itself (directly or indirectly)");
}

TEST(ConfigFile, SameFileIncludedTwiceInSequenceIsNotACycle) {
    TempDir dir;
    dir.write("base.cfg", "timer.period = 9\n");
    std::string file = dir.write("run.cfg", "include = base.cfg\ntimer.period = 1\ninclude = base.cfg\n");
    Registry reg = make_registry();
    reg.load_file(file);
    EXPECT_EQ(reg.get_uint("timer.period"), 9u);
}

// ---- bounds on config input (issue 7): regular files only, sizes and counts capped --

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(ConfigBounds, DeviceThatNeverEndsIsRefusedBeforeReading) {
    // /dev/zero used to be read until memory ran out.
    auto e = user_error_from([] { read_config_file("/dev/zero"); });
    EXPECT_EQ(e.code(), kExitNoInput);
    EXPECT_EQ(std::string(e.what()),
              "cannot open config file '/dev/zero': is a character device, not a regular file");
}

TEST(ConfigBounds, IncludedDeviceIsRefusedNamingTheIncludeLine) {
    TempDir dir;
    const std::string file = dir.write("run.cfg", "mem.size = 4M\ninclude = /dev/zero\n");
    auto e = user_error_from([&] { read_config_file(file); });
    EXPECT_EQ(e.code(), kExitNoInput);
    EXPECT_EQ(std::string(e.what()),
              file + ":2: cannot open config file '/dev/zero': is a character device, not a regular file");
}

TEST(ConfigBounds, FifoIsRefusedWithoutWaitingForAWriter) {
    // A FIFO with no writer used to block open() forever; ctest's timeout catches a regression.
    TempDir dir;
    const std::string fifo = dir.path() + "/pipe.cfg";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    auto e = user_error_from([&] { read_config_file(fifo); });
    EXPECT_EQ(e.code(), kExitNoInput);
    EXPECT_TRUE(contains(e.what(), "is a FIFO, not a regular file")) << e.what();
}

TEST(ConfigBounds, FileOfExactlyOneMebibyteIsRead) {
    TempDir dir;
    std::string text = "timer.period = 5\n";
    text += "#" + std::string((size_t{1} << 20) - text.size() - 2, 'x') + "\n";
    ASSERT_EQ(text.size(), size_t{1} << 20);
    const auto assignments = read_config_file(dir.write("big.cfg", text));
    ASSERT_EQ(assignments.size(), 1u);
    EXPECT_EQ(assignments[0].value, "5");
}

TEST(ConfigBounds, FileLargerThanOneMebibyteIsRefusedSayingTheLimit) {
    TempDir dir;
    const std::string big = dir.write("big.cfg", "#" + std::string(size_t{1} << 20, 'x') + "\n");
    auto e = user_error_from([&] { read_config_file(big); });
    EXPECT_EQ(e.code(), kExitUsage);
    EXPECT_EQ(std::string(e.what()), "config file '" + big + "' is larger than 1 MiB, the most a config file may hold");

    const std::string file = dir.write("run.cfg", "\n\ninclude = big.cfg\n");
    auto nested = user_error_from([&] { read_config_file(file); });
    EXPECT_TRUE(contains(nested.what(), file + ":3: config file '" + big + "' is larger than 1 MiB")) << nested.what();
}

TEST(ConfigBounds, IncludesThatFanOutStopAtTheIncludedFileLimit) {
    // Each level includes the next four times: no cycle, but 4^7 files in all.
    TempDir dir;
    const int levels = 8;
    for (int i = 0; i < levels; ++i) {
        std::string text = "timer.period = " + std::to_string(i) + "\n";
        if (i + 1 < levels)
            for (int k = 0; k < 4; ++k) text += "include = level" + std::to_string(i + 1) + ".cfg\n";
        dir.write("level" + std::to_string(i) + ".cfg", text);
    }
    auto e = user_error_from([&] { read_config_file(dir.path() + "/level0.cfg"); });
    EXPECT_EQ(e.code(), kExitUsage);
    const std::string what = e.what();
    EXPECT_TRUE(contains(what, "include: more than 256 included files in all")) << what;
    // Named at the include that went over: file:line of a level file.
    EXPECT_EQ(what.rfind(dir.path() + "/level", 0), 0u) << what;
    EXPECT_TRUE(contains(what, ".cfg:")) << what;
}

TEST(ConfigBounds, IncludesHoldingMoreThanFourMebibytesInAllAreRefused) {
    TempDir dir;
    dir.write("part.cfg", "#" + std::string((size_t{1} << 20) - 100, 'x') + "\n");
    std::string text;
    for (int k = 0; k < 5; ++k) text += "include = part.cfg\n";
    const std::string file = dir.write("run.cfg", text);
    auto e = user_error_from([&] { read_config_file(file); });
    EXPECT_EQ(e.code(), kExitUsage);
    EXPECT_TRUE(contains(e.what(), file + ":5: config file '" + dir.path() + "/part.cfg': the files included so far "
                                            "hold more than 4 MiB in all"))
        << e.what();
}

TEST(ConfigBounds, MalformedHugeLineIsQuotedAsAShortExcerptWithItsLength) {
    TempDir dir;
    const std::string line(300000, 'z');
    const std::string file = dir.write("x.cfg", line + "\n");
    auto e = user_error_from([&] { read_config_file(file); });
    const std::string what = e.what();
    EXPECT_EQ(what, file + ":1: expected 'key = value' or '[section]', got '" + std::string(kExcerptChars, 'z') +
                        "...' (300000 bytes)");
}

TEST(ConfigBounds, BinaryFileGivesAShortOneLineError) {
    // As `--config some.elf` does: bytes that are mostly control characters.
    TempDir dir;
    std::string bytes = "\x7f" "ELF";
    for (int i = 0; i < 200000; ++i) {
        const char c = static_cast<char>(i * 7 % 256);
        bytes += c == '\n' || c == '#' || c == '=' ? '\x01' : c;  // one malformed line of 200 KB
    }
    const std::string file = dir.write("some.elf", bytes);
    auto e = user_error_from([&] { read_config_file(file); });
    EXPECT_LT(std::string(e.what()).size(), file.size() + 200) << e.what();
}

TEST(ConfigBounds, HugeSetValueIsQuotedAsAnExcerpt) {
    Registry reg = make_registry();
    const std::string value(300000, '7');
    auto e = user_error_from([&] { reg.set_override("timer.period=" + value); });
    const std::string excerpt = "timer.period=" + std::string(kExcerptChars - 13, '7');
    EXPECT_EQ(std::string(e.what()), "--set '" + excerpt + "...' (300013 bytes): timer.period: expected an unsigned "
                                     "64-bit integer (decimal or 0x hex), got '" +
                                         std::string(kExcerptChars, '7') + "...' (300000 bytes)");
}

TEST(ConfigBounds, HugeUnknownKeyIsShownAsAnExcerpt) {
    Registry reg = make_registry();
    const std::string key(300000, 'k');
    auto e = user_error_from([&] { reg.set_override(key + "=1"); });
    EXPECT_LT(std::string(e.what()).size(), 400u) << e.what();
    EXPECT_TRUE(contains(e.what(), "(300000 bytes): unknown parameter")) << e.what();
}

TEST(ConfigBounds, EscapesAreNeverCutInTheMiddle) {
    // 79 plain characters, then a control character whose escape (\x01) does not fit.
    const std::string text = std::string(kExcerptChars - 1, 'a') + "\x01" + "tail";
    EXPECT_EQ(printable(text), std::string(kExcerptChars - 1, 'a') + "... (84 bytes)");
    EXPECT_EQ(printable(std::string(kExcerptChars, 'a')), std::string(kExcerptChars, 'a'));
}

TEST(ConfigFile, OddButLegalLayoutsNeverDesynchroniseLineNumbersFromBoost) {
    // Any disagreement between the line scan and Boost's parser is a std::logic_error;
    // random files built from awkward fragments must only ever load or be UserErrors.
    const char* const fragments[] = {
        "[cpu]", "[mem]  # section comment", "\t[sim]\t", "#only a comment", "   ", "",
        "load_delay = exact", "clock_mhz=20#no space", "size = 8M", "quantum = 2us",
        "guest = a = b", "guest =", "timer.period = 7", "  timer.period\t=\t8  ", "\r",
        "[]", "= 3", "nonsense", "[cpu] = 5", "include =", "###", "mem.size = 4K # x # y"};
    std::mt19937 rng(99);
    TempDir dir;
    for (int round = 0; round < 300; ++round) {
        std::string content;
        int lines = static_cast<int>(rng() % 8);
        for (int i = 0; i < lines; ++i) {
            content += fragments[rng() % std::size(fragments)];
            content += (rng() % 4 == 0) ? "\r\n" : "\n";
        }
        std::string file = dir.write("f.cfg", content);
        Registry reg = make_registry();
        try {
            reg.load_file(file);
        } catch (const UserError& e) {
            EXPECT_EQ(std::string(e.what()).rfind(file + ":", 0), 0u) << e.what();
        }
    }
}

// ---- --set overrides -------------------------------------------------------------

TEST(ConfigOverride, SetBeatsConfigFileEvenWhenFileIsLoadedLater) {
    TempDir dir;
    std::string file = dir.write("x.cfg", "timer.period = 5\n");
    Registry reg = make_registry();
    reg.set_override("timer.period=6");
    reg.load_file(file);
    EXPECT_EQ(reg.get_uint("timer.period"), 6u);
}

TEST(ConfigOverride, LaterSetWins) {
    Registry reg = make_registry();
    reg.set_override("cpu.load_delay=interlocked");
    reg.set_override("cpu.load_delay = exact");
    EXPECT_EQ(reg.get_string("cpu.load_delay"), "exact");
}

TEST(ConfigOverride, SetWithoutEqualsSignIsRejected) {
    Registry reg = make_registry();
    auto e = user_error_from([&] { reg.set_override("timer.period"); });
    EXPECT_EQ(e.code(), kExitUsage);
    EXPECT_EQ(std::string(e.what()), "--set 'timer.period': expected key=value");
}

TEST(ConfigOverride, SetUnknownKeyNamesTheArgument) {
    Registry reg = make_registry();
    auto e = user_error_from([&] { reg.set_override("cpu.turbo=1"); });
    EXPECT_EQ(e.code(), kExitUsage);
    EXPECT_EQ(std::string(e.what()), "--set 'cpu.turbo=1': cpu.turbo: unknown parameter");
}

TEST(ConfigOverride, SetMalformedValueNamesArgumentKeyValueAndExpectation) {
    Registry reg = make_registry();
    auto e = user_error_from([&] { reg.set_override("mem.write_buffer=maybe"); });
    EXPECT_EQ(std::string(e.what()),
              "--set 'mem.write_buffer=maybe': mem.write_buffer: expected true|false|1|0|on|off, got 'maybe'");
}

TEST(ConfigOverride, ControlCharactersInAValueAreEscapedSoTheMessageStaysOneLine) {
    Registry reg = make_registry();
    auto e = user_error_from([&] { reg.set_override("timer.period=1\n2"); });
    EXPECT_NE(std::string(e.what()).find("got '1\\n2'"), std::string::npos) << e.what();
}

TEST(ConfigOverride, OverrideWithOwnLocationUsesItInErrors) {
    Registry reg = make_registry();
    auto e = user_error_from([&] { reg.set_override("cpu.tlb_entries", "3", "sweep.cfg:7"); });
    EXPECT_EQ(std::string(e.what()), "sweep.cfg:7: cpu.tlb_entries: expected an unsigned integer in [8, 64] "
                                     "that is a power of two, got '3'");
}

// ---- value checks through the registry --------------------------------------------

TEST(ConfigChecks, UintOutsideRangeNamesTheBounds) {
    Registry reg = make_registry();
    auto e = user_error_from([&] { reg.set_override("cpu.tlb_entries=128"); });
    EXPECT_NE(std::string(e.what()).find("expected an unsigned integer in [8, 64]"), std::string::npos) << e.what();
}

TEST(ConfigChecks, NonPowerOfTwoIsRejectedWhenDeclaredSo) {
    Registry reg = make_registry();
    auto e = user_error_from([&] { reg.set_override("cpu.tlb_entries=48"); });
    EXPECT_EQ(std::string(e.what()), "--set 'cpu.tlb_entries=48': cpu.tlb_entries: expected a power of two, got '48'");
    reg.set_override("cpu.tlb_entries=32");
    EXPECT_EQ(reg.get_uint("cpu.tlb_entries"), 32u);
}

TEST(ConfigChecks, ValueNotAMultipleIsRejectedWhenDeclaredSo) {
    Registry reg;
    reg.add_size("mem.size", 8192, "RAM").multiple_of(4096);
    auto e = user_error_from([&] { reg.set_override("mem.size=6000"); });
    EXPECT_EQ(std::string(e.what()), "--set 'mem.size=6000': mem.size: expected a multiple of 4096, got '6000'");
    reg.set_override("mem.size=12K");
    EXPECT_EQ(reg.get_uint("mem.size"), 12288u);
    EXPECT_THROW(Registry().add_size("x.bad_default", 100, "").multiple_of(64), std::logic_error);
}

TEST(ConfigChecks, SizeBelowMinimumShowsMinimumWithSuffix) {
    Registry reg = make_registry();
    auto e = user_error_from([&] { reg.set_override("mem.size=1K"); });
    EXPECT_NE(std::string(e.what()).find(">= 4K, got '1K'"), std::string::npos) << e.what();
}

TEST(ConfigChecks, ClockMustBePositiveWhenDeclaredSo) {
    Registry reg = make_registry();
    auto e = user_error_from([&] { reg.set_override("cpu.clock_mhz=0"); });
    EXPECT_EQ(std::string(e.what()), "--set 'cpu.clock_mhz=0': cpu.clock_mhz: expected a number > 0, got '0'");
    EXPECT_THROW(reg.set_override("cpu.clock_mhz=-3"), UserError);
    EXPECT_THROW(reg.set_override("cpu.clock_mhz=fast"), UserError);
}

TEST(ConfigChecks, BareNumberForDurationSaysAUnitIsNeeded) {
    Registry reg = make_registry();
    auto e = user_error_from([&] { reg.set_override("sim.quantum=100"); });
    EXPECT_EQ(e.code(), kExitUsage);
    EXPECT_EQ(std::string(e.what()), "--set 'sim.quantum=100': sim.quantum: a unit is needed: expected a duration "
                                     "such as 500ns or 2.5us (units ps|ns|us|ms|s), got '100'");
}

TEST(ConfigChecks, ZeroDurationIsRejectedWhenPositiveIsRequired) {
    Registry reg = make_registry();
    EXPECT_THROW(reg.set_override("sim.quantum=0ns"), UserError);
    reg.set_override("sim.quantum=2.5us");
    EXPECT_EQ(reg.get_duration_ps("sim.quantum"), 2500000u);
}

TEST(ConfigChecks, FailedAssignmentLeavesThePreviousValue) {
    Registry reg = make_registry();
    reg.set_override("timer.period=9");
    EXPECT_THROW(reg.set_override("timer.period=nine"), UserError);
    EXPECT_EQ(reg.get_uint("timer.period"), 9u);
}

// ---- output ----------------------------------------------------------------------

TEST(ConfigOutput, EffectiveListsEveryParameterInDeclarationOrderWithFinalValues) {
    Registry reg = make_registry();
    reg.set_override("mem.size=32M");
    reg.set_override("sim.quantum=2.5us");
    reg.set_override("mem.write_buffer=off");
    Settings expected = {
        {"cpu.load_delay", "exact"},  {"cpu.clock_mhz", "16.67"},  {"cpu.tlb_entries", "64"},
        {"timer.period", "100000"},   {"mem.size", "33554432"},    {"mem.write_buffer", "false"},
        {"sim.quantum", "2500ns"},    {"sim.guest", ""},
    };
    EXPECT_EQ(reg.effective(), expected);
    EXPECT_EQ(reg.value_text("sim.quantum"), "2500ns");
}

TEST(ConfigOutput, HelpTextGroupsBySectionAndAlignsColumns) {
    Registry reg;
    reg.add_uint("cpu.tlb_entries", 64, "TLB entries").min(8).max(64).power_of_two();
    reg.add_size("mem.size", 24 << 20, "RAM size");
    reg.add_enum("cpu.load_delay", "exact", {"exact", "interlocked"}, "load delay model");
    reg.add_duration("sim.quantum", "1us", "TLM quantum").positive();
    EXPECT_EQ(reg.help_text(),
              "[cpu]\n"
              "  cpu.tlb_entries  64     uint 8..64, power of 2  TLB entries\n"
              "  cpu.load_delay   exact  exact|interlocked       load delay model\n"
              "\n"
              "[mem]\n"
              "  mem.size         24M    size                    RAM size\n"
              "\n"
              "[sim]\n"
              "  sim.quantum      1us    duration > 0s           TLM quantum\n");
}

TEST(ConfigOutput, CopiedRegistryIsIndependent) {
    Registry base = make_registry();
    Registry point = base;
    point.set_override("timer.period=1");
    EXPECT_EQ(point.get_uint("timer.period"), 1u);
    EXPECT_EQ(base.get_uint("timer.period"), 100000u);
}

}  // namespace
}  // namespace vmsim::config
