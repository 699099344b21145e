// Runs each guest program on the simulator (`vmsim run --elf FILE`) and
// compares what it prints (stdout = the guest console) and its exit code with
// what the host computes (expected.hpp). The statistics table goes to stderr.
#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "expected.hpp"
#include "sim/common/errors.hpp"
#include "vmsim_run.hpp"

namespace vmsim::workloads_test {
namespace {

struct GuestRun {
    std::vector<std::string> lines;  // stdout, split at '\n'
    std::string out;
    int exit_code = -1;              // -1: did not exit normally
};

// The largest test guest retires under 3 million instructions: a guest that
// runs away stops at the default limit (exit kExitLimit) instead of hanging.
GuestRun run_guest(const std::string& elf,
                   const std::vector<std::string>& extra_args = {"--max-instructions", "50000000"}) {
    std::vector<std::string> args{"run", "--quiet", "--elf", elf};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    const testing::VmsimRun v = testing::run_vmsim(args);
    return GuestRun{testing::split_lines(v.out), v.out, v.exit_code};
}

TEST(GuestOnSimulator, Crc32) {
    const GuestRun r = run_guest(CRC32_ELF);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.lines, crc32_expected()) << r.out;
}

TEST(GuestOnSimulator, Qsort) {
    const GuestRun r = run_guest(QSORT_ELF);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.lines, qsort_expected()) << r.out;
}

TEST(GuestOnSimulator, Strings) {
    const GuestRun r = run_guest(STRINGS_ELF);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.lines, strings_expected()) << r.out;
}

TEST(GuestOnSimulator, Hello) {
    const GuestRun r = run_guest(HELLO_ELF);
    EXPECT_EQ(r.exit_code, 0);
    ASSERT_EQ(r.lines.size(), 5u) << r.out;

    unsigned sum = 0;
    for (unsigned i = 1; i <= 100; i++) sum += i;
    EXPECT_EQ(r.lines[1], format("hello: sum(1..100) = %u", sum));
    EXPECT_EQ(r.lines[2], format("hello: crc32(\"123456789\") = 0x%08x",
                                 crc32_bitwise(reinterpret_cast<const uint8_t*>("123456789"), 9)));

    std::vector<uint8_t> buf(4096);
    crc32_fill(buf.data(), buf.size(), 1);
    unsigned long long cycles = 0, insns = 0;
    const std::string prefix =
        format("hello: region 0 crc32(4096 bytes, seed 1) = 0x%08x cycles=",
               crc32_bitwise(buf.data(), buf.size()));
    ASSERT_EQ(r.lines[3].compare(0, prefix.size(), prefix), 0) << r.lines[3];
    ASSERT_EQ(std::sscanf(r.lines[3].c_str() + prefix.size(), "%llu instructions=%llu", &cycles,
                          &insns), 2)
        << r.lines[3];
    // A table-driven CRC takes a few instructions per byte; each takes >= 1 cycle.
    EXPECT_GE(insns, 4096u * 4);
    EXPECT_LE(insns, 4096u * 40);
    EXPECT_GE(cycles, insns);
    EXPECT_EQ(r.lines[4], "hello: done");
}

TEST(GuestOnSimulator, ExceptionsHandledInC) {
    const GuestRun r = run_guest(EXCEPTIONS_ELF);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    ASSERT_EQ(r.lines.size(), 7u) << r.out;
    EXPECT_EQ(r.lines[0], format("exceptions: syscall(%d) = %d", 5, 5 + 1000));
    EXPECT_EQ(r.lines[1], format("exceptions: syscall(%d) = %d", -1000, -1000 + 1000));
    EXPECT_EQ(r.lines[2], "exceptions: break code=5 count=1");

    unsigned addr = 0, code = 0, badvaddr = 0, value = 0;
    ASSERT_EQ(std::sscanf(r.lines[3].c_str(),
                          "exceptions: unaligned load from 0x%x: code=%u badvaddr=0x%x value=0x%x",
                          &addr, &code, &badvaddr, &value), 4)
        << r.lines[3];
    EXPECT_NE(addr % 4, 0u);
    EXPECT_EQ(code, 4u);  // AdEL
    EXPECT_EQ(badvaddr, addr);
    EXPECT_EQ(value, 0xbadu);

    // UTLB miss on a store (TLBS = 3) through the UTLB vector (0), mapped by
    // the handler; the retried store lands in the frame.
    EXPECT_EQ(r.lines[4], format("exceptions: utlb store to 0x%08x: vector=%u code=%u "
                                 "badvaddr=0x%08x readback=0x%08x",
                                 0x00402004u, 0u, 3u, 0x00402004u, 0x12345678u));
    EXPECT_EQ(r.lines[5], "exceptions: registers preserved=yes");
    EXPECT_EQ(r.lines[6], "exceptions: done");
}

TEST(GuestOnSimulator, UnhandledExceptionReport) {
    const GuestRun r = run_guest(FAULT_ELF);
    EXPECT_EQ(r.exit_code, 125) << "VMSIM_EXIT_UNHANDLED";
    ASSERT_EQ(r.lines.size(), 2u) << r.out;
    unsigned load_addr = 0, insn_addr = 0;
    ASSERT_EQ(std::sscanf(r.lines[0].c_str(), "fault: load from 0x%x at 0x%x", &load_addr,
                          &insn_addr), 2)
        << r.lines[0];
    unsigned exccode = 0, epc = 0, badvaddr = 0, cause = 0;
    ASSERT_EQ(std::sscanf(r.lines[1].c_str(),
                          "unhandled exception: ExcCode=%u EPC=0x%x BadVAddr=0x%x Cause=0x%x",
                          &exccode, &epc, &badvaddr, &cause), 4)
        << r.lines[1];
    EXPECT_EQ(exccode, 2u);  // TLBL
    EXPECT_EQ((cause >> 2) & 0x1f, exccode);
    EXPECT_EQ(cause & 0x80000000u, 0u) << "not in a delay slot";
    EXPECT_EQ(epc, insn_addr);
    EXPECT_EQ(badvaddr, load_addr);
}

TEST(GuestOnSimulator, TlbbenchSmall) {
    const GuestRun r = run_guest(TLBBENCH_SMALL_ELF);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    ASSERT_EQ(r.lines.size(), 4u) << r.out;
    EXPECT_EQ(r.lines[0], format("tlbbench pages=%u steps=%u seed=0x%08x", TLBBENCH_SMALL_PAGES,
                                 TLBBENCH_SMALL_STEPS, TLBBENCH_SEED));
    EXPECT_EQ(r.lines[1],
              format("tlbbench checksum=0x%08x",
                     tlbbench_expected_checksum(TLBBENCH_SMALL_PAGES, TLBBENCH_SMALL_STEPS)));
    EXPECT_EQ(r.lines[2], "tlbbench mapping=ok");
    unsigned long long cycles = 0, insns = 0;
    ASSERT_EQ(std::sscanf(r.lines[3].c_str(), "tlbbench region0 cycles=%llu instructions=%llu",
                          &cycles, &insns), 2)
        << r.lines[3];
    // Each step is a few dozen instructions of its own plus, often, a refill.
    EXPECT_GE(insns, TLBBENCH_SMALL_STEPS * 50ull);
    EXPECT_LE(insns, TLBBENCH_SMALL_STEPS * 400ull);
    EXPECT_GE(cycles, insns);
}

TEST(GuestOnSimulator, SpinStopsAtInstructionLimit) {
    const GuestRun r = run_guest(SPIN_ELF, {"--max-instructions", "200000"});
    EXPECT_EQ(r.exit_code, kExitLimit);
    EXPECT_EQ(r.lines, std::vector<std::string>{"spin: looping forever"});
}

}  // namespace
}  // namespace vmsim::workloads_test
