// Every guest image the build produces boots without hurting the host (issue 7):
// run with a small instruction limit, each must end as the README documents, a
// guest exit (its code), the instruction limit (124) or a guest error (125), or
// be rejected by the loader (65) when it is not meant to boot alone, and never
// end as a crash, an internal error (70) or a sanitizer report. Under the
// ASan+UBSan build (build-asan) this is how undefined behaviour on a valid file,
// such as a segment with no file data, is found. The list of guests is written by
// tests/boot/CMakeLists.txt from the targets add_mips_guest() marked.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "temp_dir.hpp"
#include "vmsim_run.hpp"

namespace vmsim::testing {
namespace {

struct Guest {
    std::string name, elf;
};

void PrintTo(const Guest& g, std::ostream* os) { *os << g.name; }

std::vector<Guest> guests() {
    std::vector<Guest> out;
    std::ifstream in(VMSIM_GUEST_LIST);
    for (std::string line; std::getline(in, line);) {
        const size_t space = line.find(' ');
        if (space != std::string::npos) out.push_back({line.substr(0, space), line.substr(space + 1)});
    }
    return out;
}

// Small enough that the slowest guest stops within a second or two under the sanitizers.
constexpr const char* kInstructionLimit = "300000";

class BootEveryGuest : public ::testing::TestWithParam<Guest> {};

TEST_P(BootEveryGuest, EndsInADocumentedWayWithoutCrashOrSanitizerReport) {
    const Guest& g = GetParam();
    TempDir dir;
    const std::string json = dir.path() + "/run.json";
    const VmsimRun r = run_vmsim(
        {"run", "--quiet", "--elf", g.elf, "--max-instructions", kInstructionLimit, "--stats-json", json});
    ASSERT_EQ(r.term_signal, 0) << describe(r);
    EXPECT_NE(r.exit_code, 70) << describe(r);
    for (const char* report : {"runtime error:", "Sanitizer", "internal error"})
        EXPECT_EQ(r.err.find(report), std::string::npos) << describe(r);

    if (r.exit_code == 65) {
        // An image not meant to boot alone (a user program that a kernel image
        // embeds, linked where only its kernel maps it): the loader's documented
        // rejection, one line naming the file.
        const std::vector<std::string> lines = split_lines(r.err);
        ASSERT_EQ(lines.size(), 1u) << describe(r);
        EXPECT_EQ(lines[0].rfind(g.elf + ": offset 0x", 0), 0u) << describe(r);
        return;
    }
    const std::string text = read_whole_file(json);
    ASSERT_FALSE(text.empty()) << "no statistics written: " << describe(r);
    const StatsJson stats = parse_stats_json(text);
    const std::string* outcome = stats.find("sim.outcome");
    ASSERT_NE(outcome, nullptr) << describe(r);
    if (*outcome == "exited") {
        EXPECT_EQ(static_cast<uint64_t>(r.exit_code), stats.u64("sim.exit_code") & 0xff) << describe(r);
    } else if (*outcome == "instruction_limit") {
        EXPECT_EQ(r.exit_code, 124) << describe(r);
    } else {
        EXPECT_EQ(*outcome, "guest_error");
        EXPECT_EQ(r.exit_code, 125) << describe(r);
    }
}

TEST(BootEveryGuestList, ListsTheGuestsTheBuildMade) {
    const std::vector<Guest> list = guests();
    // At least the demo guest and both kernels' benchmark images.
    std::vector<std::string> names;
    for (const Guest& g : list) names.push_back(g.name);
    for (const char* expected : {"hello", "unix_appel", "unix_appel_user", "aegis_appel"})
        EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
    for (const Guest& g : list) EXPECT_TRUE(std::ifstream(g.elf).good()) << g.elf;
}

INSTANTIATE_TEST_SUITE_P(Guests, BootEveryGuest, ::testing::ValuesIn(guests()),
                         [](const ::testing::TestParamInfo<Guest>& info) { return info.param.name; });

}  // namespace
}  // namespace vmsim::testing
