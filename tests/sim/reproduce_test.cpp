// `vmsim reproduce`: the command's own errors. (That the figure's numbers hold the
// paper's structure is checked where the guest kernels are tested.)
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "temp_dir.hpp"
#include "vmsim_run.hpp"

namespace {

using namespace vmsim::testing;

namespace fs = std::filesystem;
constexpr int kUsage = 64, kDataErr = 65, kNoInput = 66;

std::string only_error_line(const VmsimRun& r, int code) {
    EXPECT_EQ(r.exit_code, code) << describe(r);
    EXPECT_EQ(r.out, "") << describe(r);
    const auto lines = split_lines(r.err);
    EXPECT_EQ(lines.size(), 1u) << describe(r);
    return lines.empty() ? std::string() : lines.back();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(Reproduce, UnknownFigureIsAUsageErrorListingTheKnownOnes) {
    const std::string line = only_error_line(run_vmsim({"reproduce", "no-such-figure"}), kUsage);
    EXPECT_TRUE(contains(line, "no-such-figure")) << line;
    EXPECT_TRUE(contains(line, "avm-fig1")) << line;
}

TEST(Reproduce, HelpListsTheFigures) {
    const VmsimRun r = run_vmsim({"reproduce", "--help"});
    EXPECT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_TRUE(contains(r.out, "avm-fig1")) << r.out;
}

// The paper's numbers are data: a malformed table names its file and line.
TEST(Reproduce, MalformedPaperTableNamesFileAndLine) {
    TempDir src;
    const std::string table = src.write("configs/papers/avm_fig1.csv",
                                        "# comment\nmachine,os,dirty,unprot1\nDEC2100,Aegis,17.5,fast\n");
    const std::string line = only_error_line(
        run_vmsim({"reproduce", "avm-fig1", "--source-dir", src.path(), "--out", src.path() + "/out"}), kDataErr);
    EXPECT_TRUE(contains(line, table + ":3:")) << line;
    EXPECT_TRUE(contains(line, "fast")) << line;
    EXPECT_FALSE(fs::exists(src.path() + "/out")) << "nothing written on failure";
}

// Without the guest images there is nothing to run: say which and how to get them.
TEST(Reproduce, MissingGuestImageIsNamed) {
    TempDir build;
    const std::string line = only_error_line(
        run_vmsim({"reproduce", "avm-fig1", "--build-dir", build.path(), "--out", build.path() + "/out"}), kNoInput);
    EXPECT_TRUE(contains(line, build.path() + "/vmlib/unix/unix_appel.elf")) << line;
    EXPECT_FALSE(fs::exists(build.path() + "/out"));
}

}  // namespace
