// SawMill (vmlib/sawmill) on the l4 kernel (vmlib/l4), booted on the platform
// contract's oracle, qemu-system-i386 -cpu pentium: the Appel-Li benchmark
// (workloads/appel, the source that runs on aegis and unix) runs to its end as
// a SawMill application, and the guest tests check the fault path, the
// flexpage protection of 100 pages and the handler upcall from inside. qemu's
// exit status for a guest exit value v is (v << 1) | 1 (isa-debug-exit).
//
// The child-process runner of tests/sim/vmsim_run.hpp runs VMSIM_BINARY, which
// this test defines as qemu's path (empty when qemu is not installed: skipped),
// or, built as sawmill_iss_test (VMSIM_ON_ISS), as vmsim's x86_pc_run: the same
// images and checks on vmsim's own i386 platform, which exits as qemu does.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "appel.h"
#include "vmsim_run.hpp"

namespace {

using vmsim::testing::describe;
using vmsim::testing::run_vmsim;
using vmsim::testing::split_lines;
using vmsim::testing::VmsimRun;

constexpr int kQemuExitOk = (0 << 1) | 1;
constexpr int kSawmillFatal = 125;  // vmlib/sawmill: SM_FATAL_EXIT

struct GuestRun {
    VmsimRun r;
    std::vector<std::string> lines;
};

// Boots image under the contract's command line; "" when it cannot run here.
std::string skip_reason(const char* image) {
    if (std::string(VMSIM_BINARY).empty()) return "qemu-system-i386 is not installed";
    if (std::string(image).empty()) return "no GCC for i386: the SawMill images were not built";
    return "";
}

GuestRun boot(const char* image) {
    GuestRun run;
#ifdef VMSIM_ON_ISS
    run.r = run_vmsim({image, "4000000000"}, "", 120);
#else
    run.r = run_vmsim({"-cpu", "pentium", "-m", "32", "-display", "none", "-serial", "stdio", "-monitor", "none",
                       "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-kernel", image},
                      "", 90);
#endif
    run.lines = split_lines(run.r.out);
    return run;
}

bool has_line(const std::vector<std::string>& lines, const std::string& line) {
    for (const auto& l : lines)
        if (l == line) return true;
    return false;
}

#define BOOT_OR_SKIP(image)                                        \
    const std::string reason = skip_reason(image);                \
    if (!reason.empty()) GTEST_SKIP() << reason;                  \
    const GuestRun run = boot(image)

TEST(SawmillAppel, RunsEveryBenchmarkToDoneAndExitsZero) {
    BOOT_OR_SKIP(SAWMILL_APPEL_IMAGE);
    ASSERT_EQ(run.r.exit_code, kQemuExitOk) << describe(run.r);
    const std::string small = std::to_string(APPEL_ITERATIONS_SMALL), large = std::to_string(APPEL_ITERATIONS_LARGE);
    for (const std::string& line : std::vector<std::string>{
             "appel null iterations=" + small, "appel dirty n/a", "appel prot1 iterations=" + small,
          "appel unprot1 iterations=" + small, "appel prot100 iterations=" + large,
          "appel unprot100 iterations=" + large, "appel trap iterations=" + small, "appel appel1 iterations=" + small,
          "appel appel2 iterations=" + std::to_string(APPEL_ROUNDS) + " pages=" + std::to_string(APPEL_PAGES),
          "appel done"})
        EXPECT_TRUE(has_line(run.lines, line)) << line << "\n" << run.r.out;
    // trap and appel1 fault once per iteration, appel2 once per page and round (appel.c)
    const unsigned faults = 2 * APPEL_ITERATIONS_SMALL + APPEL_ROUNDS * APPEL_PAGES;
    EXPECT_TRUE(has_line(run.lines, "appel faults=" + std::to_string(faults))) << run.r.out;
    for (const auto& l : run.lines) EXPECT_EQ(l.find("check failed"), std::string::npos) << l;
}

// The guest tests check themselves and print what the host checks here.
struct GuestCase {
    const char* name;   // the behaviour, as the test case's name
    const char* image;  // "" when not built
    int exit_code;      // qemu's
    std::vector<std::string> lines;
};

// For test names and messages: the case's name, not its bytes.
void PrintTo(const GuestCase& c, std::ostream* os) { *os << c.name; }

class SawmillGuest : public ::testing::TestWithParam<GuestCase> {};

TEST_P(SawmillGuest, PrintsItsResultsAndExits) {
    const GuestCase& c = GetParam();
    BOOT_OR_SKIP(c.image);
    EXPECT_EQ(run.r.exit_code, c.exit_code) << describe(run.r);
    for (const auto& line : c.lines) EXPECT_TRUE(has_line(run.lines, line)) << line << "\n" << run.r.out;
}

INSTANTIATE_TEST_SUITE_P(
    , SawmillGuest,
    ::testing::Values(
        GuestCase{"AFaultGoesThroughTheRegionMapperToTheAnonymousManager", SAWMILL_FAULT_TEST_IMAGE, kQemuExitOk,
                  {"fault_test faults=2 maps=2", "fault_test done"}},
        GuestCase{"HundredPagesAreProtectedWithThreeUnmapsAndUnprotectedWithThreeMaps", SAWMILL_PROT_TEST_IMAGE,
                  kQemuExitOk, {"prot_test prot100 unmap_calls=3", "prot_test unprot100 maps=3", "prot_test done"}},
        GuestCase{"AFaultOnAProtectedPageReachesTheUserHandler", SAWMILL_HANDLER_TEST_IMAGE, kQemuExitOk,
                  {"handler_test calls=2", "handler_test done"}},
        GuestCase{"CloseUnmapsTheClientAndRefusesPageInsUntilOpenedAgain", SAWMILL_DSM_TEST_IMAGE, kQemuExitOk,
                  {"dsm_test done"}},
        GuestCase{"AFaultOutsideEveryRegionEndsTheRunWithOneLine", SAWMILL_OUTSIDE_TEST_IMAGE,
                  (kSawmillFatal << 1) | 1, {"sawmill rm: page fault outside every region at 20000000"}}),
    [](const ::testing::TestParamInfo<GuestCase>& info) { return std::string(info.param.name); });

}  // namespace
